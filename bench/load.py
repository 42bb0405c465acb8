#!/usr/bin/env python3
# This file is part of the pharma suite. See README.md for license terms.
"""Load test: 20 distinct users of several roles working at once through
JSON-RPC, with think time, for a bounded time; p50/p95 per operation, then
a check that nothing was lost, doubled or overwritten.

    .venv/bin/python bench/load.py --database national \\
        --uri postgresql://postgres@127.0.0.1:5432/ --seconds 60
    # against a server already running (e.g. gunicorn behind nginx)
    .venv/bin/python bench/load.py --database national \\
        --url http://127.0.0.1:8080 --seconds 60

The users (bench/generate.py creates benchrep01...):
- 15 reps (rep1, rep2, benchrep01-13): log calls on their doctors, open
  their calls list with the display names (search_read with rec_name),
  search their doctors by name, edit the notes of a call they logged;
- manager1: opens the team's calls list and the KPI report, and edits
  the comment of rep1's weekly plan, which rep1 edits too;
- clerk1: opens the flow list and searches doctors;
- sales1 (commercial): opens the flow list and searches hospitals;
- marketing1 and admin: open the flow list, the KPI report, the calls.
Every edit of a shared record reads it with its `_timestamp` and writes
with `_timestamp` in the context, as the web client does: the second of
two concurrent edits gets Tryton's concurrent-modification error (counted,
then the user reloads and edits again), never a silent overwrite.

Afterwards: every call logged is in the database exactly once, every note
written is the call's, and the shared plan's comment holds each accepted
edit exactly once. Without --url, the server is trytond's WSGI application
in gunicorn (--workers) on loopback. The request loops stop on time and on
a count (--max-requests per user).
"""
import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'scripts'))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from run import JsonRpc, RpcError, free_port, percentile, set_uri  # noqa

REPS = ['rep1', 'rep2'] + ['benchrep%02d' % i for i in range(1, 14)]
OTHERS = ['manager1', 'clerk1', 'sales1', 'marketing1', 'admin']


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', '-c',
        default=os.path.join(ROOT, 'trytond.conf'))
    parser.add_argument('--database', '-d', default='bench')
    parser.add_argument('--uri')
    parser.add_argument('--url', help="a running server (no gunicorn "
        "started), e.g. http://127.0.0.1:8080")
    parser.add_argument('--workers', type=int, default=4)
    parser.add_argument('--seconds', type=int, default=60)
    parser.add_argument('--think', type=float, default=3.0,
        help="mean think time between a user's requests (seconds)")
    parser.add_argument('--max-requests', type=int, default=2000,
        help="per user, a bound besides the time")
    parser.add_argument('--seed', type=int, default=26)
    args = parser.parse_args(argv)
    import demo
    if args.url:
        run_load(args, args.url, demo)
        return
    conf = tempfile.NamedTemporaryFile('w', suffix='.conf', delete=False)
    with open(args.config) as f:
        text = f.read()
    if args.uri:
        text = set_uri(text, args.uri)
    db_path = os.path.join(ROOT, 'var', 'db')
    text = text.replace('path = var/db', 'path = %s' % db_path)
    conf.write(text)
    conf.close()
    port = free_port()
    env = dict(os.environ, TRYTOND_CONFIG=conf.name,
        TRYTOND_DATABASE_NAMES=args.database, PYTHONOPTIMIZE='1')
    server = subprocess.Popen([os.path.join(ROOT, '.venv', 'bin',
                'gunicorn'), '--workers', str(args.workers),
            '--bind', '127.0.0.1:%d' % port, '--timeout', '120',
            'trytond.application:app'], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = 'http://127.0.0.1:%d' % port
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(url + '/', timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        run_load(args, url, demo)
    finally:
        server.terminate()
        server.wait()


def dt(value):
    return {'__class__': 'datetime', 'year': value.year,
        'month': value.month, 'day': value.day, 'hour': value.hour,
        'minute': value.minute, 'second': value.second,
        'microsecond': 0}


class User:
    "One logged-in user: its RPC, context and what it needs to work"

    def __init__(self, url, database, login, demo):
        self.login = login
        self.rpc = JsonRpc(url, database)
        self.rpc.login(login, demo.password(login))
        self.context = self.rpc('model.res.user.get_preferences', True, {})

    def __call__(self, method, *params):
        return self.rpc(method, *params, self.context)


class Load:
    def __init__(self, args, url, demo):
        self.args = args
        self.marker = 'load-%s' % uuid.uuid4().hex[:8]
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)
        self.errors = []
        self.conflicts = defaultdict(int)
        self.logged = []            # call notes created
        self.notes = {}             # call id: last note written
        self.plan_edits = []        # tokens accepted in the plan comment
        self.deadline = None
        self.users = {}
        for login in REPS + OTHERS:
            try:
                self.users[login] = User(url, args.database, login, demo)
            except Exception as exc:
                print('%s cannot log in (%s): skipped' % (login, exc))
        self.doctors = {}
        for login in REPS:
            if login in self.users:
                user = self.users[login]
                employee = user.context.get('employee')
                coverage = user('model.pharma.coverage.search_read',
                    [('employee', '=', employee),
                        ('party.pharma_type', '=', 'doctor')],
                    0, 50, None, ['party'])
                self.doctors[login] = [c['party'] for c in coverage]
        self.plan = self.shared_plan()

    def shared_plan(self):
        "A draft weekly plan of rep1 that rep1 and manager1 both edit"
        import datetime
        rep = self.users.get('rep1')
        if not rep or 'manager1' not in self.users:
            return None
        monday = datetime.date(2030, 1, 7) + datetime.timedelta(
            weeks=random.Random().randrange(500))
        plan, = rep('model.pharma.weekly.plan.create', [{
                    'company': rep.context['company'],
                    'employee': rep.context['employee'],
                    'week_start': {'__class__': 'date',
                        'year': monday.year, 'month': monday.month,
                        'day': monday.day},
                    'manager_comment': self.marker,
                    }])
        return plan

    def timed(self, operation, func):
        start = time.perf_counter()
        try:
            result = func()
        except RpcError as exc:
            if exc.kind == 'ConcurrencyException':
                with self.lock:
                    self.conflicts[operation] += 1
                    self.latencies[operation].append(
                        time.perf_counter() - start)
                return ConcurrencyError
            with self.lock:
                self.errors.append('%s: %s' % (operation, str(exc)[:300]))
            return None
        except Exception as exc:
            with self.lock:
                self.errors.append('%s: %r' % (operation, exc))
            return None
        with self.lock:
            self.latencies[operation].append(time.perf_counter() - start)
        return result

    # ---------------------------------------------------- operations
    def log_call(self, user, rng, n):
        doctors = self.doctors.get(user.login)
        if not doctors:
            return
        note = '%s-%s-%d' % (self.marker, user.login, n)

        def create():
            return user('model.pharma.call.create', [{
                        'party': rng.choice(doctors),
                        'call_type': 'phone',
                        'objections': note,
                        }])
        ids = self.timed('create call', create)
        if ids:
            with self.lock:
                self.logged.append(note)
                self.notes[ids[0]] = note
            user.calls.append(ids[0])

    def edit_call(self, user, rng, n):
        if not user.calls:
            return
        call = rng.choice(user.calls)
        note = '%s-%s-%d-edit' % (self.marker, user.login, n)

        def edit():
            read, = user('model.pharma.call.read', [call],
                ['_timestamp', 'objections'])
            context = dict(user.context, _timestamp={
                    'pharma.call,%d' % call: read['_timestamp']})
            user.rpc('model.pharma.call.write', [call],
                {'objections': note}, context)
            return True
        if self.timed('edit own call', edit) is True:
            with self.lock:
                self.notes[call] = note

    def open_calls(self, user, rng, n):
        self.timed('open calls list (80, rec_name)', lambda: user(
                'model.pharma.call.search_read', [], 0, 80, None,
                ['date', 'employee.rec_name', 'party.rec_name',
                    'hospital.rec_name', 'department.rec_name',
                    'call_type', 'state']))
        self.timed('count calls list', lambda: user(
                'model.pharma.call.search_count', []))

    def search_doctors(self, user, rng, n):
        text = rng.choice(['王', '李', 'zh', 'wang', '张伟', 'li'])
        self.timed('search doctors', lambda: user(
                'model.party.party.search_read',
                [('pharma_type', '=', 'doctor'),
                    ('rec_name', 'ilike', '%' + text + '%')],
                0, 20, None, ['rec_name', 'hospital.rec_name']))

    def search_hospitals(self, user, rng, n):
        text = rng.choice(['人民', '中心', 'shanghai', 'rmyy', '医院'])
        self.timed('search hospitals', lambda: user(
                'model.party.party.search_read',
                [('pharma_type', '=', 'hospital'),
                    ('rec_name', 'ilike', '%' + text + '%')],
                0, 20, None, ['rec_name', 'territory.rec_name']))

    def open_flow(self, user, rng, n):
        self.timed('open flow list (80, rec_name)', lambda: user(
                'model.pharma.flow.line.search_read', [], 0, 80, None,
                ['date', 'distributor.rec_name', 'customer.rec_name',
                    'product.rec_name', 'quantity', 'amount']))

    def report(self, user, rng, n):
        import datetime
        today = datetime.date.today()
        context = dict(user.context, from_date={'__class__': 'date',
                'year': today.year, 'month': today.month, 'day': 1},
            to_date={'__class__': 'date', 'year': today.year,
                'month': today.month, 'day': today.day})

        def run():
            ids = user.rpc('model.pharma.call.report.rep_day.search', [], 0,
                1000, None, context)
            user.rpc('model.pharma.call.report.rep_day.read', ids[:100],
                ['employee.rec_name', 'date', 'calls', 'doctors'], context)
        self.timed('KPI report (month)', run)

    def edit_plan(self, user, rng, n):
        if not self.plan:
            return
        token = '%s:%d' % (user.login, n)
        for _ in range(5):
            read, = user('model.pharma.weekly.plan.read', [self.plan],
                ['_timestamp', 'manager_comment'])
            # the user reads, thinks, then saves (sao sends _timestamp)
            time.sleep(rng.uniform(0, self.args.think))
            context = dict(user.context, _timestamp={
                    'pharma.weekly.plan,%d' % self.plan: read['_timestamp']})
            value = (read['manager_comment'] or '') + '\n' + token

            def write():
                user.rpc('model.pharma.weekly.plan.write', [self.plan],
                    {'manager_comment': value}, context)
                return True
            result = self.timed('edit shared plan', write)
            if result is ConcurrencyError:
                continue        # reload and edit again
            if result is True:
                with self.lock:
                    self.plan_edits.append(token)
            return

    def work(self, login, index):
        user = self.users[login]
        user.calls = []
        rng = random.Random(self.args.seed * 100 + index)
        if login in REPS:
            operations = [(self.log_call, 4), (self.open_calls, 3),
                (self.search_doctors, 2), (self.edit_call, 1)]
            if login == 'rep1':
                operations.append((self.edit_plan, 3))
        elif login == 'manager1':
            operations = [(self.open_calls, 3), (self.report, 2),
                (self.edit_plan, 3)]
        elif login == 'clerk1':
            operations = [(self.open_flow, 3), (self.search_doctors, 2)]
        elif login == 'sales1':
            # commercial: the flow and the hospitals, not the calls
            operations = [(self.open_flow, 3), (self.search_hospitals, 2)]
        else:
            operations = [(self.open_flow, 2), (self.report, 2),
                (self.open_calls, 1)]
        functions = [o for o, _ in operations]
        weights = [w for _, w in operations]
        for n in range(self.args.max_requests):
            if time.monotonic() > self.deadline:
                break
            rng.choices(functions, weights)[0](user, rng, n)
            time.sleep(rng.expovariate(1 / self.args.think)
                if self.args.think else 0)


class ConcurrencyError:
    "The marker of a write refused for a concurrent modification"


def run_load(args, url, demo):
    load = Load(args, url, demo)
    logins = list(load.users)
    load.deadline = time.monotonic() + args.seconds
    threads = [threading.Thread(target=load.work, args=(login, i))
        for i, login in enumerate(logins)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    admin = load.users.get('admin') or next(iter(load.users.values()))
    failures = []

    # every call logged exactly once, with the last note written
    found = admin('model.pharma.call.search_read',
        [('objections', 'like', load.marker + '-%')], 0, None, None,
        ['objections'])
    by_id = {r['id']: r['objections'] for r in found}
    missing = set(load.notes) - set(by_id)
    doubled = len(by_id) - len(load.notes) + len(missing)
    wrong = {i for i, n in load.notes.items()
        if i in by_id and by_id[i] != n}
    if missing or doubled or wrong:
        failures.append('calls: %d missing, %d extra, %d with another '
            'note than the last written' % (len(missing), doubled,
                len(wrong)))
    # the shared plan: every accepted edit exactly once, none lost
    if load.plan:
        plan, = admin('model.pharma.weekly.plan.read', [load.plan],
            ['manager_comment'])
        tokens = (plan['manager_comment'] or '').split('\n')[1:]
        lost = set(load.plan_edits) - set(tokens)
        extra = len(tokens) - len(set(tokens))
        print('shared plan: %d edits accepted, %d conflicts (the second '
            'writer reloaded), %d lost, %d doubled' % (
                len(load.plan_edits), load.conflicts['edit shared plan'],
                len(lost), extra))
        if lost or extra or len(tokens) != len(load.plan_edits):
            failures.append('shared plan: %d lost, %d doubled, %d tokens '
                'for %d accepted edits' % (len(lost), extra, len(tokens),
                    len(load.plan_edits)))
    total = sum(len(v) for v in load.latencies.values())
    print('users %d (%s), %.0f s, think %.1f s: %d requests, %.1f/s, '
        'errors %d' % (len(logins), ', '.join(logins), elapsed, args.think,
            total, total / elapsed, len(load.errors)))
    print('%-34s %6s %9s %9s %9s' % ('operation', 'count', 'p50 ms',
            'p95 ms', 'conflicts'))
    for operation, values in sorted(load.latencies.items()):
        print('%-34s %6d %9.0f %9.0f %9d' % (operation, len(values),
                statistics.median(values) * 1000,
                percentile(values, 95) * 1000,
                load.conflicts.get(operation, 0)))
    print('calls logged %d, found %d, missing %d, extra %d, notes '
        'overwritten %d' % (len(load.notes), len(by_id), len(missing),
            doubled, len(wrong)))
    for error in load.errors[:10]:
        print('error:', error)
    for failure in failures:
        print('FAILED:', failure)
    if load.errors or failures:
        raise SystemExit(1)


if __name__ == '__main__':
    main()
