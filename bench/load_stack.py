#!/usr/bin/env python3
# This file is part of the pharma suite. See README.md for license terms.
"""Load test of the deployed stack (make prod-local): distinct users of
every role through nginx, with think time; reports p95 per operation,
errors (must be 0), lost or doubled writes (must be 0), the application
workers' memory, PostgreSQL connections and what else ran on the machine.

    make prod-local                     # nginx + gunicorn + cron + worker
    .venv/bin/python bench/load_stack.py setup --database pharma_load
    .venv/bin/python bench/load_stack.py run --database pharma_load \\
        --users 100 --seconds 300

setup creates the load database (owned by the stack's role pharma_app,
served by the same gunicorn as pharma_prod), fills it with
bench/generate.py (scale "load": 200 hospitals, 10,000 doctors, 70 reps,
50,000 calls) and adds one login per person: 70 reps, 10 regional
managers (7 reps each), 8 clerks, 6 marketing, 6 finance: 100 users.
It is a benchmark database: never a production one.

Not a test: nothing here asserts a time; the exit status is 1 on an error
or a lost/doubled write.
"""
import argparse
import base64
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'scripts'))
sys.path.insert(0, os.path.join(ROOT, 'deploy'))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

PASSWORD = 'load-test-2026'
ROLES = [
    # prefix, count, pharma group
    ('rep', 70, 'group_pharma_rep'),
    ('mgr', 10, 'group_pharma_manager'),
    ('clerk', 8, 'group_pharma_clerk'),
    ('mkt', 6, 'group_pharma_marketing'),
    ('fin', 6, 'group_pharma_finance'),
    ]
LOAD_SCALE = dict(hospitals=200, doctors=10000, reps=70, calls=50000,
    flow=10000, products=20)


def say(message):
    print('[load] %s' % message, flush=True)


# ------------------------------------------------------------------ setup

def setup(args):
    import prod_local
    secret = prod_local.load_secrets()
    s = prod_local.settings()
    prod_local.ensure_role_and_database(s['admin_uri'], args.database,
        secret['PHARMA_DB_PASSWORD'])
    uri = prod_local.app_uri(secret['PHARMA_DB_PASSWORD'])
    config = prod_local.write_config()
    os.environ['TRYTOND_DATABASE__URI'] = uri
    import init_db
    # the activation's foreign keys introspection (deploy/init_db.py)
    os.environ.update(init_db.admin_environment())
    import demo
    demo.load_config([config])
    from trytond import backend, config as tconfig
    tconfig.set('database', 'uri', uri)
    database = backend.Database(args.database).connect()
    connection = database.get_connection()
    try:
        initialised = database.test()
        if not initialised:
            from sql import Table
            with connection.cursor() as cursor:
                database.init()
                conf = Table('ir_configuration')
                cursor.execute(*conf.insert(
                        [conf.language], [[demo.LANGUAGE]]))
            connection.commit()
    finally:
        database.put_connection(connection)
    import generate
    generate.SCALES['load'] = LOAD_SCALE
    generate.main(['--config', config, '--database', args.database,
            '--uri', uri, '--scale', 'load'])
    from trytond.pool import Pool
    pool = Pool(args.database)
    pool.init()
    demo.in_transaction(args.database, 0,
        lambda transaction: create_users(pool))


def create_users(pool):
    "One login per person of ROLES (created once)"
    import demo
    User = pool.get('res.user')
    Employee = pool.get('company.employee')
    Party = pool.get('party.party')
    if User.search([('login', '=', 'rep01')]):
        say('the load users exist')
        return
    company = demo.get_company(pool)
    named = {u.employee.id for u in User.search([]) if u.employee}
    reps = [e for e in Employee.search([('company', '=', company.id)],
            order=[('id', 'ASC')]) if e.id not in named][:70]
    counts = dict((p, c) for p, c, _ in ROLES)
    assert len(reps) >= counts['rep'], len(reps)
    others = []
    for prefix, count, _ in ROLES[1:]:
        others += ['%s%02d' % (prefix, i + 1) for i in range(count)]
    parties = Party.create([{'name': login} for login in others])
    employees = Employee.create([{'party': p.id, 'company': company.id}
            for p in parties])
    employee_of = dict(zip(others, employees))
    for i, rep in enumerate(reps):
        employee_of['rep%02d' % (i + 1)] = rep
    managers = [employee_of['mgr%02d' % (i + 1)]
        for i in range(counts['mgr'])]
    for i, manager in enumerate(managers):
        Employee.write(reps[i * 7:(i + 1) * 7], {'supervisor': manager.id})
    vlist = []
    for prefix, count, group in ROLES:
        group_id = demo.model_data_id(pool, 'pharma_hospital', group)
        for i in range(count):
            login = '%s%02d' % (prefix, i + 1)
            vlist.append({
                    'login': login, 'name': login, 'password': PASSWORD,
                    'companies': [('add', [company.id])],
                    'company': company.id,
                    'employees': [('add', [employee_of[login].id])],
                    'employee': employee_of[login].id,
                    'groups': [('add', [group_id])],
                    })
    User.create(vlist)
    say('%d users created' % len(vlist))


# -------------------------------------------------------------------- run

class Rpc:
    def __init__(self, url, database):
        self.url = '%s/%s/rpc/' % (url, database)
        self.auth = None
        self.context = {}

    def __call__(self, method, *params):
        data = json.dumps({'id': 1, 'method': method,
                'params': list(params)}, default=str).encode()
        request = urllib.request.Request(self.url, data=data, headers={
                'Content-Type': 'application/json',
                'Accept-Encoding': 'identity'})
        if self.auth:
            request.add_header('Authorization', self.auth)
        with urllib.request.urlopen(request, timeout=120) as response:
            result = json.loads(response.read())
        if result.get('error'):
            raise RuntimeError(str(result['error'])[:300])
        return result['result']

    def login(self, login):
        user_id, session = self('common.db.login', login,
            {'password': PASSWORD}, 'zh_CN')[:2]
        self.auth = 'Session ' + base64.b64encode(
            ('%s:%s:%s' % (login, user_id, session)).encode()).decode()
        self.context = self('model.res.user.get_preferences', True, {})

    def model(self, model, method, *args):
        return self('model.%s.%s' % (model, method), *args, self.context)


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times = defaultdict(list)
        self.errors = []
        self.written = []

    def timed(self, name, function):
        start = time.perf_counter()
        try:
            result = function()
        except Exception as exc:
            with self.lock:
                self.errors.append('%s: %r' % (name, exc))
            return None
        with self.lock:
            self.times[name].append(time.perf_counter() - start)
        return result


def rep_session(rpc, stats, marker, login, think, deadline, rng):
    doctors = stats.timed('rep: my doctors (list)',
        lambda: rpc.model('party.party', 'search_read',
            [('pharma_type', '=', 'doctor')], 0, 80, None,
            ['name', 'hospital', 'rec_name'])) or []
    n = 0
    while time.monotonic() < deadline:
        time.sleep(rng.uniform(*think))
        if time.monotonic() >= deadline:
            break
        step = n % 4
        if step == 0 and doctors:
            doctor = rng.choice(doctors)['id']
            stats.timed('rep: open doctor', lambda: rpc.model(
                    'party.party', 'read', [doctor],
                    ['name', 'hospital', 'department', 'rec_name']))
        elif step == 1 and doctors:
            doctor = rng.choice(doctors)['id']
            note = '%s-%s-%d' % (marker, login, n)
            created = stats.timed('rep: log call (write)', lambda: rpc.model(
                    'pharma.call', 'create', [{
                            'party': doctor, 'call_type': 'face_to_face',
                            'objections': note}]))
            if created:
                with stats.lock:
                    stats.written.append(note)
        elif step == 2:
            stats.timed('rep: my calls (list)', lambda: rpc.model(
                    'pharma.call', 'search_read', [], 0, 80,
                    [('date', 'DESC')], ['party', 'date', 'state']))
        else:
            stats.timed('rep: search doctor', lambda: rpc.model(
                    'party.party', 'search_read', [
                        ('rec_name', 'ilike', '%%%s%%' % rng.choice(
                                '王李张刘陈杨黄赵吴周')),
                        ('pharma_type', '=', 'doctor')], 0, 20, None,
                    ['rec_name']))
        n += 1


def manager_session(rpc, stats, think, deadline, rng):
    while time.monotonic() < deadline:
        time.sleep(rng.uniform(*think))
        if time.monotonic() >= deadline:
            break
        if rng.random() < 0.5:
            stats.timed('manager: team calls (list)', lambda: rpc.model(
                    'pharma.call', 'search_read', [], 0, 80,
                    [('date', 'DESC')], ['employee', 'party', 'date']))
        else:
            stats.timed('manager: count team calls', lambda: rpc.model(
                    'pharma.call', 'search_count', []))


def office_session(role, rpc, stats, think, deadline, rng):
    while time.monotonic() < deadline:
        time.sleep(rng.uniform(*think))
        if time.monotonic() >= deadline:
            break
        if role == 'clerk':
            stats.timed('clerk: hospitals (list)', lambda: rpc.model(
                    'party.party', 'search_read',
                    [('pharma_type', '=', 'hospital')], 0, 80, None,
                    ['name', 'territory']))
        elif role == 'mkt':
            stats.timed('marketing: products (list)', lambda: rpc.model(
                    'product.template', 'search_read', [], 0, 80, None,
                    ['name', 'list_price']))
        else:
            stats.timed('finance: sales (list)', lambda: rpc.model(
                    'sale.sale', 'search_read', [], 0, 80, None,
                    ['number', 'party', 'state']))


def machine_snapshot():
    "Load average and the busiest processes of the machine (all users)"
    with open('/proc/loadavg') as f:
        load = f.read().split()[:3]
    top = subprocess.run(['ps', '-eo', 'pcpu,rss,args', '--sort=-pcpu'],
        capture_output=True, text=True).stdout.splitlines()[1:9]
    return load, [line[:110] for line in top]


def gunicorn_memory():
    "RSS (MB) of each gunicorn worker of the stack"
    import prod_local
    pid = prod_local.read_pid(os.path.join(prod_local.PREFIX, 'run',
            'app.pid'))
    if not pid:
        return []
    children = subprocess.run(['ps', '--ppid', str(pid), '-o', 'rss='],
        capture_output=True, text=True).stdout.split()
    return [int(c) / 1024 for c in children]


def cpu_seconds(pids):
    "User + system CPU seconds of the processes (and their reaped children)"
    tick = os.sysconf('SC_CLK_TCK')
    total = 0
    for pid in pids:
        try:
            with open('/proc/%d/stat' % pid) as f:
                fields = f.read().rsplit(')', 1)[1].split()
        except OSError:
            continue
        # utime stime cutime cstime (fields 14-17 of stat, after the name)
        total += sum(int(v) for v in fields[11:15])
    return total / tick


def stack_pids(database):
    """The gunicorn master and workers, and the PostgreSQL backends of the
    database"""
    import prod_local
    import psycopg
    master = prod_local.read_pid(os.path.join(prod_local.PREFIX, 'run',
            'app.pid'))
    app = [master] + [int(p) for p in subprocess.run(
            ['ps', '--ppid', str(master), '-o', 'pid='],
            capture_output=True, text=True).stdout.split()] if master else []
    with psycopg.connect(prod_local.settings()['admin_uri']) as conn:
        db = [p for p, in conn.execute('SELECT pid FROM pg_stat_activity '
                'WHERE datname = %s', (database,))]
    return app, db


def pg_connections(database):
    import prod_local
    import psycopg
    with psycopg.connect(prod_local.settings()['admin_uri']) as conn:
        return conn.execute('SELECT count(*), count(*) FILTER (WHERE '
            "state = 'active') FROM pg_stat_activity WHERE datname = %s",
            (database,)).fetchone()


def percentile(values, p):
    values = sorted(values)
    if not values:
        return 0
    k = max(0, min(len(values) - 1, int(round(p / 100 * len(values))) - 1))
    return values[k]


def run(args):
    stats = Stats()
    marker = 'load-%s' % uuid.uuid4().hex[:8]
    users = []
    for prefix, count, _ in ROLES:
        users += ['%s%02d' % (prefix, i + 1) for i in range(count)]
    users = users[:args.users] if args.users <= len(users) else users
    say('%d users through %s, think time %s-%s s, %d s' % (len(users),
            args.url, args.think[0], args.think[1], args.seconds))
    load_before, top_before = machine_snapshot()
    sessions = {}

    def login(login):
        rpc = Rpc(args.url, args.database)
        stats.timed('login', lambda: rpc.login(login))
        sessions[login] = rpc
    # logins spread over 20 s as people arrive, not one burst
    threads = []
    for i, user in enumerate(users):
        thread = threading.Thread(target=login, args=(user,))
        thread.start()
        threads.append(thread)
        time.sleep(20 / len(users))
    for thread in threads:
        thread.join()
    deadline = time.monotonic() + args.seconds
    memory, connections = [], []

    def body(login, index):
        rng = random.Random(index)
        rpc = sessions.get(login)
        if rpc is None or rpc.auth is None:
            return
        role = login.rstrip('0123456789')
        if role == 'rep':
            rep_session(rpc, stats, marker, login, args.think, deadline, rng)
        elif role == 'mgr':
            manager_session(rpc, stats, args.think, deadline, rng)
        else:
            office_session(role, rpc, stats, args.think, deadline, rng)

    threads = [threading.Thread(target=body, args=(u, i))
        for i, u in enumerate(users)]
    app_pids, db_pids = stack_pids(args.database)
    cpu_app, cpu_db = cpu_seconds(app_pids), cpu_seconds(db_pids)
    started = time.monotonic()
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        time.sleep(5)
        memory.append(gunicorn_memory())
        connections.append(pg_connections(args.database))
    elapsed = time.monotonic() - started
    cpu_app = cpu_seconds(app_pids) - cpu_app
    cpu_db = cpu_seconds(db_pids) - cpu_db
    load_after, top_after = machine_snapshot()

    # every call written once, none lost
    check = Rpc(args.url, args.database)
    check.login('mgr01')
    # each rep reads its own calls (a call may also be visible to the rep
    # covering the doctor: keyed by id, a note on two ids is doubled)
    found = {}
    reps = [u for u in users if u.startswith('rep')]
    for rep in reps:
        rpc = sessions.get(rep)
        if rpc is None or rpc.auth is None:
            continue
        found.update((r['id'], r['objections']) for r in rpc.model(
                'pharma.call', 'search_read',
                [('objections', 'like', marker + '-' + rep + '-%')], 0,
                None, None, ['objections']))
    notes = set(found.values())
    lost = set(stats.written) - notes
    doubled = len(found) - len(notes)

    total = sum(len(v) for v in stats.times.values())
    print('\n%d users, %.0f s, %d requests (%.1f/s), errors %d, writes %d, '
        'lost %d, doubled %d' % (len(users), elapsed, total,
            total / elapsed, len(stats.errors), len(stats.written),
            len(lost), doubled))
    print('%-30s %7s %8s %8s %8s' % ('operation', 'count', 'p50 ms',
            'p95 ms', 'max ms'))
    for name, values in sorted(stats.times.items()):
        print('%-30s %7d %8.0f %8.0f %8.0f' % (name, len(values),
                statistics.median(values) * 1000,
                percentile(values, 95) * 1000, max(values) * 1000))
    if total:
        print('CPU during the run: trytond (gunicorn) %.0f s = %.0f ms a '
            'request, PostgreSQL backends %.0f s = %.0f ms a request '
            '(the same connections before/after)' % (cpu_app,
                1000 * cpu_app / total, cpu_db, 1000 * cpu_db / total))
    workers_rss = [m for sample in memory for m in sample]
    if workers_rss:
        print('gunicorn workers: %d, RSS per worker max %.0f MB, mean %.0f MB'
            % (max(len(s) for s in memory), max(workers_rss),
                statistics.mean(workers_rss)))
    if connections:
        print('PostgreSQL connections to %s: max %d open, max %d active'
            % (args.database, max(c[0] for c in connections),
                max(c[1] for c in connections)))
    print('machine load before %s, after %s' % (
            ' '.join(load_before), ' '.join(load_after)))
    print('busiest processes at the end (all users of the machine):')
    for line in top_after:
        print('   ', line)
    for error in stats.errors[:10]:
        print('error:', error)
    return 1 if stats.errors or lost or doubled else 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('command', choices=['setup', 'run'])
    parser.add_argument('--database', '-d', default='pharma_load')
    parser.add_argument('--url', default='http://127.0.0.1:%s' % os.environ.get(
            'PHARMA_HTTP_PORT', 8480))
    parser.add_argument('--users', type=int, default=100)
    parser.add_argument('--seconds', type=int, default=300)
    parser.add_argument('--think', type=float, nargs=2, default=[5, 15],
        metavar=('MIN', 'MAX'), help="seconds between a user's actions")
    args = parser.parse_args(argv)
    if args.command == 'setup':
        setup(args)
        return 0
    return run(args)


if __name__ == '__main__':
    sys.exit(main())
