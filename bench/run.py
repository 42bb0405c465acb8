#!/usr/bin/env python3
# This file is part of the pharma suite. See README.md for license terms.
"""Measure what users run, as the users who run it, against hand-written
SQL that does the same work and returns the same rows.

    .venv/bin/python -O bench/run.py --database national \\
        --uri postgresql://postgres@127.0.0.1:5432/

Every figure runs as the role user who opens it (rep1, manager1,
marketing1, sales1, admin) with the record rules on, as RPC runs it
(`_check_access` in the context, the user's preferences as context, one
transaction per request). Its baseline is SQL written by hand with the
same filters, the same rule conditions (the same lists of employees,
covered parties and hospitals that the rules evaluate) and the same
order; the benchmark checks that both return the same rows before it
times them (a mismatch is printed and the figure is not timed). The
doctor search's baseline is the SQL the ORM itself issues (the ratio is
the ORM's overhead). EXPLAIN ANALYZE of the ORM's query of each list is
written with the table.

The table goes to var/bench/results-<date>.md unless --output is given
(bench/RESULTS.md is updated on purpose: --output bench/RESULTS.md).
Nothing asserts a time: ratios are what to watch.
"""
import argparse
import base64
import datetime
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from decimal import Decimal

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'scripts'))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

RESULTS = []
PLANS = []
NOTES = []

# The client opens a list with a search of the first 1000 ids (sao's
# limit) and a count, then reads the rows it shows about 100 at a time
CLIENT_LIMIT = 1000
CLIENT_PAGE = 100


def timed(func, repeat=1):
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return times, result


def percentile(values, p):
    values = sorted(values)
    if not values:
        return 0
    k = max(0, min(len(values) - 1, int(round(p / 100 * len(values))) - 1))
    return values[k]


def record(name, suite_times, base_times, note=''):
    suite = statistics.median(suite_times)
    base = statistics.median(base_times)
    row = {
        'name': name,
        'suite_p50': suite,
        'suite_p95': percentile(suite_times, 95),
        'base_p50': base,
        'ratio': suite / base if base else float('inf'),
        'note': note,
        }
    RESULTS.append(row)
    print('%-58s suite %8.1f ms (p95 %8.1f)  baseline %8.1f ms  ratio %6.2f'
        % (name, suite * 1000, row['suite_p95'] * 1000, base * 1000,
            row['ratio']), flush=True)


def mismatch(name, suite, base):
    "The rows differ: say so, do not time"
    suite, base = list(suite), list(base)
    text = ('%s: ROWS DIFFER (suite %d rows, baseline %d rows; first '
        'differences: %r / %r)' % (name, len(suite), len(base),
            [r for r in suite if r not in base][:3],
            [r for r in base if r not in suite][:3]))
    print(text, flush=True)
    NOTES.append(text)
    RESULTS.append({'name': name, 'suite_p50': 0, 'suite_p95': 0,
            'base_p50': 0, 'ratio': float('nan'),
            'note': 'ROWS DIFFER: not timed'})


def same(name, suite, base):
    if suite != base:
        mismatch(name, suite, base)
        return False
    return True


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class JsonRpc:
    def __init__(self, url, database):
        self.url = '%s/%s/rpc/' % (url.rstrip('/'), database)
        self.auth = None
        self.id = 0

    def __call__(self, method, *params):
        self.id += 1
        data = json.dumps({'id': self.id, 'method': method,
                'params': list(params)}, default=str).encode()
        request = urllib.request.Request(self.url, data=data,
            headers={'Content-Type': 'application/json'})
        if self.auth:
            request.add_header('Authorization', self.auth)
        with urllib.request.urlopen(request, timeout=120) as response:
            result = json.loads(response.read())
        if result.get('error'):
            raise RpcError(result['error'])
        return result['result']

    def login(self, login, password):
        user_id, session = self('common.db.login', login,
            {'password': password}, 'en')[:2]
        token = base64.b64encode(
            ('%s:%s:%s' % (login, user_id, session)).encode()).decode()
        self.auth = 'Session ' + token
        return user_id


class RpcError(Exception):
    @property
    def kind(self):
        error = self.args[0]
        return error[0] if isinstance(error, list) and error else str(error)


def set_uri(text, uri):
    "Return the configuration text with [database] uri set to uri"
    lines = [line for line in text.splitlines()
        if not re.match(r'\s*uri\s*=', line)]
    text = '\n'.join(lines) + '\n'
    return text.replace('[database]', '[database]\nuri = %s' % uri, 1)


def start_server(config_path, database):
    port = free_port()
    conf = tempfile.NamedTemporaryFile('w', suffix='.conf', delete=False)
    with open(config_path) as f:
        text = f.read()
    lines = [line for line in text.splitlines()
        if not re.match(r'\s*listen\s*=', line)]
    text = '\n'.join(lines) + '\n'
    if '[web]' in text:
        text = text.replace(
            '[web]', '[web]\nlisten = 127.0.0.1:%d' % port, 1)
    else:
        text += '\n[web]\nlisten = 127.0.0.1:%d\n' % port
    conf.write(text)
    conf.close()
    command = [sys.executable]
    if sys.flags.optimize:
        command.append('-O')
    command += [os.path.join(ROOT, '.venv', 'bin', 'trytond'),
        '-c', conf.name, '-d', database]
    process = subprocess.Popen(command, env=dict(os.environ),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = 'http://127.0.0.1:%d' % port
    for _ in range(300):
        try:
            urllib.request.urlopen(url + '/', timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    return process, url


class Bench:
    "The database, its users and their contexts"

    def __init__(self, args, pool):
        self.args = args
        self.pool = pool
        self._users = {}
        self._rules = {}

    def user(self, login):
        "(user id, the context RPC gives the user's requests)"
        if login not in self._users:
            from trytond.transaction import Transaction
            User = self.pool.get('res.user')
            with Transaction().start(self.args.database, 0):
                users = User.search([('login', '=', login)])
                if not users:
                    self._users[login] = None
                    return None
                user_id = users[0].id
            with Transaction().start(self.args.database, user_id):
                context = User.get_preferences(context_only=True)
            context['_check_access'] = True
            self._users[login] = (user_id, context)
        return self._users[login]

    @contextmanager
    def as_user(self, login, readonly=True, context=None):
        from trytond.transaction import Transaction
        user_id, user_context = self.user(login)
        user_context = dict(user_context, **(context or {}))
        with Transaction().start(self.args.database, user_id,
                context=user_context, readonly=readonly) as transaction:
            yield transaction

    @contextmanager
    def as_root(self, readonly=True, context=None):
        from trytond.transaction import Transaction
        with Transaction().start(self.args.database, 0, context=context,
                readonly=readonly) as transaction:
            yield transaction

    def rule_values(self, login):
        """The values the record rules of login are evaluated with
        (companies, employees, covered parties, team, managed hospitals,
        territories, the company's day)"""
        if login not in self._rules:
            Rule = self.pool.get('ir.rule')
            with self.as_user(login):
                context = Rule._get_context('pharma.call')
            self._rules[login] = {
                'companies': list(context.get('companies') or []),
                'employees': list(context.get('employees') or []),
                'covered': list(context.get('pharma_covered_parties') or []),
                'team': list(context.get('pharma_team') or []),
                'hospitals': list(
                    context.get('pharma_managed_hospitals') or []),
                'territories': list(
                    context.get('pharma_territories') or []),
                'today': context.get('pharma_today'),
                }
        return self._rules[login]

    def sql(self, query, params, repeat=3):
        "Time the hand-written query; return (times, rows)"
        times, rows = [], None
        with self.as_root() as transaction:
            cursor = transaction.connection.cursor()
            for _ in range(repeat):
                start = time.perf_counter()
                cursor.execute(query, params)
                rows = cursor.fetchall()
                times.append(time.perf_counter() - start)
        return times, rows

    def explain(self, title, query, params):
        "EXPLAIN ANALYZE of query (root, the same cursor as the ORM's)"
        with self.as_root() as transaction:
            cursor = transaction.connection.cursor()
            if transaction.database.name != 'postgresql' and not hasattr(
                    transaction.database, 'get_version'):
                return
            try:
                cursor.execute('EXPLAIN (ANALYZE, COSTS OFF) ' + query,
                    params)
            except Exception as exc:
                PLANS.append((title, ['(no plan: %s)' % exc]))
                return
            PLANS.append((title, [
                        r[0] if len(r[0]) <= 400
                        else '%s ... (%d characters)' % (r[0][:300], len(r[0]))
                        for r in cursor.fetchall()]))

    def orm_query(self, login, model, domain, limit=None, order=None,
            context=None):
        "The SQL and parameters the ORM runs for the search as login"
        with self.as_user(login, context=context):
            Model = self.pool.get(model)
            query = Model.search(domain, limit=limit, order=order,
                query=True)
            return tuple(query)

    def can_read(self, login, model):
        from trytond.exceptions import UserError
        if not self.user(login):
            return False
        try:
            with self.as_user(login):
                self.pool.get(model).search([], limit=1)
        except UserError:
            return False
        return True


def is_postgresql():
    from trytond import backend
    return backend.name == 'postgresql'


# ---------------------------------------------------------------- lists
# The role of each login for the hand-written rule conditions
ROLES = {'rep1': 'rep', 'rep2': 'rep', 'manager1': 'manager'}


def role(login):
    return ROLES.get(login, 'all')


CALL_RULES = {
    # pharma_calls rule_call_rep_read: own calls or calls on the parties
    # the rep covers today (written by hand as an OR with the coverage
    # subquery; the rule runs it as a UNION of the two index scans)
    'rep': 'AND (c.employee = ANY(%(employees)s) '
    'OR c.party IN (SELECT v.party FROM pharma_coverage AS v '
    'WHERE v.employee = ANY(%(employees)s) '
    'AND v.start_date <= %(today)s '
    'AND (v.end_date IS NULL OR v.end_date >= %(today)s)))',
    # rule_call_manager: the team, joint visits, hospitals of the territories
    'manager': 'AND (c.employee = ANY(%(team)s) '
    'OR c.joint_employee = ANY(%(employees)s) '
    'OR c.hospital = ANY(%(hospitals)s))',
    'all': '',
    }
COVERED = ('EXISTS (SELECT 1 FROM pharma_coverage AS v '
    'WHERE v.party = p.id AND v.employee = ANY(%(employees)s) '
    'AND v.start_date <= %(today)s '
    'AND (v.end_date IS NULL OR v.end_date >= %(today)s))')
IN_TERRITORIES = ('p.territory = ANY(%(territories)s) '
    'OR p.hospital IN (SELECT h.id FROM party_party AS h '
    'WHERE h.territory = ANY(%(territories)s))')
PARTY_RULES = {
    # pharma_hospital rule_party_rep: covered or in the rep's territories
    'rep': 'AND (' + COVERED + ' OR ' + IN_TERRITORIES + ')',
    'manager': 'AND (' + COVERED + ' OR ' + IN_TERRITORIES
    + ' OR EXISTS (SELECT 1 FROM pharma_coverage AS v '
    'JOIN company_employee AS e ON e.id = v.employee '
    'WHERE v.party = p.id AND e.supervisor = ANY(%(employees)s) '
    'AND v.start_date <= %(today)s '
    'AND (v.end_date IS NULL OR v.end_date >= %(today)s)))',
    'all': '',
    }
LISTS = [
    # model, label, domain, FROM + WHERE with {rule}, ORDER BY
    ('pharma.call', 'calls list', [],
        'FROM pharma_call AS c WHERE c.company = ANY(%(companies)s) {rule}',
        'c.date DESC, c.id DESC', CALL_RULES),
    ('pharma.flow.line', 'flow list', [],
        'FROM pharma_flow_line AS c '
        'WHERE c.company = ANY(%(companies)s) {rule}',
        'c.date DESC, c.id ASC', {'rep': '', 'manager': '', 'all': ''}),
    ('party.party', 'doctors list', [('pharma_type', '=', 'doctor')],
        "FROM party_party AS p WHERE p.active "
        "AND p.pharma_type = 'doctor' {rule}",
        'p.name ASC, p.id ASC', PARTY_RULES),
    ]
LIST_LOGINS = ['rep1', 'manager1', 'admin']


def bench_lists(b):
    """The calls, flow and doctor lists as the client opens them: the first
    1000 ids in the list's order, and the count"""
    args = b.args
    for model, label, domain, from_where, order, rules in LISTS:
        for login in LIST_LOGINS:
            if not b.can_read(login, model):
                print('%s may not read %s: skipped' % (login, model))
                continue
            params = dict(b.rule_values(login))
            body = from_where.format(rule=rules[role(login)])
            first = 'SELECT %s %s ORDER BY %s LIMIT %d' % (
                order.split()[0].split('.')[0] + '.id', body, order,
                CLIENT_LIMIT)
            count = 'SELECT COUNT(*) ' + body
            Model = b.pool.get(model)

            def suite_first():
                with b.as_user(login):
                    return [r.id for r in Model.search(
                            domain, limit=CLIENT_LIMIT)]

            def suite_count():
                with b.as_user(login):
                    return Model.search_count(domain)
            _, ids = timed(suite_first)
            _, rows = b.sql(first, params, repeat=1)
            _, total = timed(suite_count)
            _, base_total = b.sql(count, params, repeat=1)
            name = '%s as %s' % (label, login)
            ok_first = same(name + ': first page', ids, [r[0] for r in rows])
            ok_count = same(name + ': count', total, base_total[0][0])
            if ok_first:
                s, _ = timed(suite_first, args.list_repeat)
                base, _ = b.sql(first, params, args.list_repeat)
                record('%s: first %d ids (%d rows)' % (
                        name, CLIENT_LIMIT, len(ids)), s, base,
                    'SQL with the rule conditions, same order')
            if ok_count:
                s, _ = timed(suite_count, args.list_repeat)
                base, _ = b.sql(count, params, args.list_repeat)
                record('%s: count (%d)' % (name, total), s, base,
                    'COUNT(*) with the rule conditions')
            sql, sql_params = b.orm_query(login, model, domain,
                limit=CLIENT_LIMIT)
            b.explain('%s: first page (the ORM\'s query)' % name, sql,
                sql_params)
            with b.as_user(login):
                sql, sql_params = tuple(Model.search(domain, count=True,
                        query=True))
            b.explain('%s: count (the ORM\'s query)' % name, sql,
                sql_params)


def bench_search(b):
    """Searching doctors by name and pinyin initials as rep1, manager1 and
    admin (the list's search box): the ORM against the SQL it issues
    itself"""
    Party = b.pool.get('party.party')
    with b.as_root():
        doctor, = Party.search([('pharma_type', '=', 'doctor')], limit=1,
            order=[('id', 'ASC')])
        values = [('name', doctor.name[:2]),
            ('pinyin initials', (doctor.pinyin_initials or 'zw').split()[0]),
            ('pinyin', (doctor.pinyin or 'wang').split()[0])]
    for login in ['rep1', 'manager1', 'admin']:
        for label, value in values:
            domain = [('pharma_type', '=', 'doctor'),
                ('rec_name', 'ilike', '%' + value + '%')]

            def suite():
                with b.as_user(login):
                    return [p.id for p in Party.search(domain, limit=20)]
            sql, params = b.orm_query(login, 'party.party', domain, limit=20)
            _, ids = timed(suite)
            _, rows = b.sql(sql, params, repeat=1)
            name = 'search doctors by %s (%r) as %s' % (label, value, login)
            if same(name, ids, [r[0] for r in rows]):
                s, _ = timed(suite, b.args.repeat // 10 or 1)
                base, _ = b.sql(sql, params, b.args.repeat // 10 or 1)
                record(name, s, base, "the SQL the ORM issues (its own "
                    "query, run bare)")
            b.explain(name, sql, params)


def bench_cases(b):
    """The service cases list as rep1 and manager1 (their record rules
    through the party rules): the first 1000 ids and the count, against
    the SQL the ORM issues, run bare. generate.py makes no cases: the
    step is skipped on a database without any"""
    Case = b.pool.get('pharma.service.case')
    with b.as_root():
        if not Case.search([], limit=1):
            print('no service cases: skipped')
            return
    for login in ['rep1', 'manager1']:
        if not b.can_read(login, 'pharma.service.case'):
            print('%s may not read cases: skipped' % login)
            continue
        for label, count in [('first %d ids' % CLIENT_LIMIT, False),
                ('count', True)]:
            limit = None if count else CLIENT_LIMIT

            def suite():
                with b.as_user(login):
                    if count:
                        return Case.search_count([])
                    return [c.id for c in Case.search([], limit=limit)]
            with b.as_user(login):
                sql, params = tuple(Case.search([], limit=limit,
                        count=count, query=True))
            _, result = timed(suite)
            _, rows = b.sql(sql, params, repeat=1)
            base_result = rows[0][0] if count else [r[0] for r in rows]
            name = 'cases list as %s: %s' % (login, label)
            if same(name, result, base_result):
                s, _ = timed(suite, b.args.list_repeat)
                base, _ = b.sql(sql, params, b.args.list_repeat)
                record('%s (%s)' % (name, result if count else len(result)),
                    s, base, "the SQL the ORM issues (its own query, run "
                    "bare)")
            b.explain(name, sql, params)


# -------------------------------------------------------------- reports
# The rule conditions of the call reports (pharma_calls reporting.xml):
# a rep sees their rows, a manager theirs and their team's
REPORT_RULES = {
    'rep': 'AND c.employee = ANY(%(employees)s)',
    'manager': 'AND (c.employee = ANY(%(employees)s) '
    'OR c.employee IN (SELECT e.id FROM company_employee AS e '
    'WHERE e.supervisor = ANY(%(employees)s)))',
    'all': '',
    }
REPORT_LOGINS = ['rep1', 'manager1', 'marketing1']


def report_times(b, login, name, context, domain, fields, repeat=3):
    """A report as the client opens it (search limited to 1000 rows, then
    read of the first 100, each in its own transaction) and whole (search
    and read of every row in one transaction); return (client times,
    all-rows times, the rows read whole, in the report's order)"""
    Report = b.pool.get(name)
    client, everything, rows = [], [], None
    for _ in range(repeat):
        with b.as_user(login, context=context):
            start = time.perf_counter()
            records = Report.search(domain, limit=CLIENT_LIMIT)
            search = time.perf_counter() - start
        page = [r.id for r in records[:CLIENT_PAGE]]
        with b.as_user(login, context=context):
            start = time.perf_counter()
            Report.read(page, fields)
            client.append(search + time.perf_counter() - start)
        with b.as_user(login, context=context):
            start = time.perf_counter()
            ids = [r.id for r in Report.search(domain)]
            values = {r['id']: r for r in Report.read(ids, fields)}
            everything.append(time.perf_counter() - start)
            rows = [tuple(values[i][f] for f in fields) for i in ids]
    return client, everything, rows


KPI_SQL = """
SELECT c.employee,
    CAST((c.date AT TIME ZONE 'UTC') AT TIME ZONE %(zone)s AS DATE) AS day,
    COUNT(c.id), COUNT(DISTINCT c.party), COUNT(DISTINCT c.hospital),
    COUNT(DISTINCT c.department)
FROM pharma_call AS c
WHERE c.company = %(company)s AND c.company = ANY(%(companies)s)
    AND c.state = 'done'
    AND c.date >= %(start)s AND c.date < %(end)s {rule}
GROUP BY c.employee, 2
ORDER BY day DESC, c.employee"""


def local_midnight(date, zone):
    "The naive UTC datetime at which the day `date` starts in `zone`"
    from zoneinfo import ZoneInfo
    start = datetime.datetime.combine(date, datetime.time())
    if not zone:
        return start
    return (start.replace(tzinfo=ZoneInfo(zone))
        .astimezone(datetime.timezone.utc).replace(tzinfo=None))


def company_zone(b, company_id):
    with b.as_root():
        return b.pool.get('company.company')(company_id).timezone


def bench_kpi(b, company_id):
    "The calls per representative and day report as each role"
    zone = company_zone(b, company_id)
    today = datetime.date.today()
    fields = ['employee', 'date', 'calls', 'doctors', 'hospitals',
        'departments']
    for label, days in [('month', 30), ('year', 365)]:
        from_date = today - datetime.timedelta(days=days)
        context = {'from_date': from_date, 'to_date': today}
        for login in REPORT_LOGINS:
            if not b.user(login):
                continue
            params = dict(b.rule_values(login), company=company_id,
                zone=zone or 'UTC', start=local_midnight(from_date, zone),
                end=local_midnight(
                    today + datetime.timedelta(days=1), zone))
            query = KPI_SQL.format(rule=REPORT_RULES[role(login)])
            client, everything, rows = report_times(b, login,
                'pharma.call.report.rep_day', context, [], fields)
            _, base_rows = b.sql(query, params, repeat=1)
            name = 'rep KPI report (%s) as %s' % (label, login)
            if not same(name, rows, [tuple(r) for r in base_rows]):
                continue
            record('%s, as the client (%d rows)' % (name, len(rows)),
                client, b.sql(query + ' LIMIT %d' % CLIENT_LIMIT, params)[0],
                'SQL with the rule conditions, LIMIT %d' % CLIENT_LIMIT)
            record('%s, all rows' % name, everything,
                b.sql(query, params)[0], 'SQL with the rule conditions')
            if label == 'year':
                sql, sql_params = b.orm_query(login,
                    'pharma.call.report.rep_day', [], limit=CLIENT_LIMIT,
                    context=context)
                b.explain("%s: the client's search (the ORM's query)"
                    % name, sql, sql_params)


# pharma.call.report.coverage with its target in SQL: the VIP frequency,
# else the highest frequency of the doctor's product lines for its tier,
# else the tier's frequency (pharma.configuration), times the months
COVERAGE_SQL = """
WITH cfg AS (
    SELECT freq_a, freq_b, freq_c FROM pharma_configuration_company
    WHERE company = %(company)s ORDER BY id LIMIT 1),
rows AS (
    SELECT c.employee, c.party, p.doctor_tier, COUNT(c.id) AS calls,
        MAX(c.date) AS last_call
    FROM pharma_call AS c JOIN party_party AS p ON p.id = c.party
    WHERE c.company = %(company)s AND c.company = ANY(%(companies)s)
        AND c.state = 'done' AND p.pharma_type = 'doctor'
        AND c.date >= %(start)s AND c.date < %(end)s {rule}
    GROUP BY c.company, c.employee, c.party, p.doctor_tier)
SELECT r.employee, r.party, r.doctor_tier, r.calls, r.last_call,
    %(months)s * COALESCE(
        (SELECT CASE WHEN d.vip AND d.vip_frequency > 0
                THEN d.vip_frequency END
            FROM party_party AS d WHERE d.id = r.party),
        (SELECT MAX(CASE r.doctor_tier WHEN 'A' THEN f.freq_a
                WHEN 'B' THEN f.freq_b WHEN 'C' THEN f.freq_c END)
            FROM pharma_call_frequency AS f
            JOIN "party_party-pharma_therapeutic_area" AS a
                ON a.area = f.therapeutic_area AND a.party = r.party),
        (SELECT CASE r.doctor_tier WHEN 'A' THEN cfg.freq_a
                WHEN 'B' THEN cfg.freq_b WHEN 'C' THEN cfg.freq_c END
            FROM cfg), 0) AS target
FROM rows AS r
ORDER BY r.doctor_tier, r.calls"""


def bench_coverage(b, company_id):
    """The doctor coverage report (calls against frequency targets) of the
    month as each role"""
    zone = company_zone(b, company_id)
    today = datetime.date.today()
    from_date = today.replace(day=1)
    context = {'from_date': from_date, 'to_date': today}
    months = max(1, round(((today - from_date).days + 1) / 30))
    fields = ['employee', 'party', 'doctor_tier', 'calls', 'last_call',
        'target']
    for login in ['rep1', 'manager1', 'marketing1']:
        if not b.user(login):
            continue
        params = dict(b.rule_values(login), company=company_id,
            months=months, start=local_midnight(from_date, zone),
            end=local_midnight(today + datetime.timedelta(days=1), zone))
        query = COVERAGE_SQL.format(rule=REPORT_RULES[role(login)])
        try:
            client, everything, rows = report_times(b, login,
                'pharma.call.report.coverage', context, [], fields)
        except Exception as exc:
            print('coverage report as %s: %s' % (login, exc))
            continue
        _, base_rows = b.sql(query, params, repeat=1)
        name = 'doctor coverage report (month) as %s' % login
        # same rows; the order among equal (tier, calls) is the id's
        if not same(name, sorted(map(str, rows)),
                sorted(str(tuple(r)) for r in base_rows)):
            continue
        record('%s, as the client (%d rows)' % (name, len(rows)), client,
            b.sql(query + ' LIMIT %d' % CLIENT_LIMIT, params)[0],
            'SQL (target in SQL) with the rule conditions, LIMIT %d'
            % CLIENT_LIMIT)
        record('%s, all rows' % name, everything, b.sql(query, params)[0],
            'SQL (target in SQL) with the rule conditions')


# the same sources as pharma.channel.reconciliation for one month, each
# restricted to the month with date ranges (the suite does the same since
# issue 26), in the order of the report (month, distributor, product)
RECONCILIATION_SQL = """
WITH last AS (
    SELECT distributor, month, MAX(date) AS date
    FROM pharma_inventory_line
    WHERE company = %(company)s
        AND month >= %(previous)s AND month <= %(month)s
    GROUP BY distributor, month),
snapshot AS (
    SELECT i.* FROM pharma_inventory_line AS i
    JOIN last ON i.distributor = last.distributor
        AND i.month = last.month AND i.date = last.date
    WHERE i.company = %(company)s AND i.product IS NOT NULL
        AND i.month >= %(previous)s AND i.month <= %(month)s)
SELECT u.distributor, u.product, SUM(opening), SUM(sell_in),
    SUM(sell_out), SUM(opening) + SUM(sell_in) - SUM(sell_out),
    SUM(closing), SUM(closing) - (SUM(opening) + SUM(sell_in) - SUM(sell_out))
FROM (
    SELECT distributor, product, 0.0 AS opening, 0.0 AS sell_in,
        quantity AS sell_out, 0.0 AS closing
    FROM pharma_flow_line
    WHERE company = %(company)s AND month = %(month)s
        AND product IS NOT NULL
    UNION ALL
    SELECT distributor, product, 0.0, 0.0, 0.0, quantity
    FROM snapshot WHERE month = %(month)s
    UNION ALL
    SELECT distributor, product, quantity, 0.0, 0.0, 0.0
    FROM snapshot WHERE next_month = %(month)s
    UNION ALL
    SELECT s.customer, m.product, 0.0, m.internal_quantity, 0.0, 0.0
    FROM stock_move AS m
    JOIN stock_shipment_out AS s
        ON m.shipment = 'stock.shipment.out,' || s.id
    WHERE m.company = %(company)s AND m.state = 'done'
        AND COALESCE(m.effective_date, m.planned_date) >= %(month)s
        AND COALESCE(m.effective_date, m.planned_date) < %(next)s
        AND m.to_location IN (
            SELECT id FROM stock_location WHERE type = 'customer')
    ) AS u
GROUP BY u.distributor, u.product
ORDER BY u.distributor, u.product"""


def months_back(n):
    month = datetime.date.today().replace(day=1)
    for _ in range(n):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return month


def bench_reconciliation(b, company_id):
    "The sell-in/sell-out reconciliation of last month, as commercial"
    login = next((l for l in ['sales1', 'clerk1', 'admin']
            if b.can_read(l, 'pharma.channel.reconciliation')), None)
    if not login:
        print('nobody reads the reconciliation: skipped')
        return
    month = months_back(1)
    params = {'company': company_id, 'month': month,
        'previous': months_back(2), 'next': months_back(0)}
    fields = ['distributor', 'product', 'opening', 'sell_in', 'sell_out',
        'expected', 'closing', 'difference']
    client, everything, rows = report_times(b, login,
        'pharma.channel.reconciliation', {}, [('month', '=', month)],
        fields)
    _, base_rows = b.sql(RECONCILIATION_SQL, params, repeat=1)

    def key(row):
        return tuple(round(float(v), 3) if isinstance(v, (float, Decimal))
            else v for v in row)
    name = 'reconciliation (last month) as %s' % login
    if not same(name, sorted(map(key, rows)), sorted(map(key, base_rows))):
        return
    with b.as_root():
        counts = {}
        for model in ['pharma.inventory.line', 'stock.move']:
            counts[model] = b.pool.get(model).search_count([])
    record('%s, as the client (%d rows)' % (name, len(rows)), client,
        b.sql(RECONCILIATION_SQL + ' LIMIT %d' % CLIENT_LIMIT, params)[0],
        'SQL: the month by date ranges on each source, LIMIT %d'
        % CLIENT_LIMIT)
    record('%s, all rows' % name, everything,
        b.sql(RECONCILIATION_SQL, params)[0],
        'SQL: the same sources (%d inventory lines, %d stock moves in '
        'the database)' % (counts['pharma.inventory.line'],
            counts['stock.move']))
    sql, sql_params = b.orm_query(login, 'pharma.channel.reconciliation',
        [('month', '=', month)])
    b.explain(name + " (the ORM's query)", sql, sql_params)


SHARE_ROWS_SQL = """
SELECT hospital, generic_name, ROUND(CAST(our_units AS NUMERIC), 2),
    ROUND(CAST(competitor_units AS NUMERIC), 2),
    ROUND(CAST(share AS NUMERIC), 2), source
FROM pharma_market_share WHERE company = %(company)s AND month = %(month)s
ORDER BY hospital, generic_name"""
SHARE_DELETE_SQL = """
DELETE FROM pharma_market_share
WHERE company = %(company)s AND month = %(month)s"""
# what pharma.market.share.compute does for one month: our flow (units),
# market data, else volume observations, else awarded tender volumes
# committed per hospital (spread over the validity months)
SHARE_SQL = """
INSERT INTO pharma_market_share (company, month, hospital, territory,
    generic_name, therapeutic_area, our_units, competitor_units, share,
    previous_share, change, source, confidence, create_uid, create_date)
WITH ours AS (
    SELECT f.customer AS hospital, LOWER(TRIM(t.generic_name)) AS molecule,
        SUM(f.quantity * COALESCE(t.pack_size, 1)) AS units
    FROM pharma_flow_line AS f
    JOIN product_product AS p ON f.product = p.id
    JOIN product_template AS t ON p.template = t.id
    WHERE f.company = %(company)s
        AND f.date >= %(month)s AND f.date < %(next)s
        AND f.customer IS NOT NULL AND t.generic_name IS NOT NULL
    GROUP BY 1, 2),
market AS (
    SELECT hospital, LOWER(TRIM(generic_name)) AS molecule,
        SUM(units) AS units
    FROM pharma_market_data
    WHERE company = %(company)s
        AND month >= %(month)s AND month < %(next)s
        AND manufacturer IS NOT NULL
    GROUP BY 1, 2),
observed AS (
    SELECT o.hospital, LOWER(TRIM(c.generic_name)) AS molecule,
        SUM(o.volume * COALESCE(c.pack_size, 1)) AS units
    FROM pharma_competitor_observation AS o
    JOIN pharma_competitor_product AS c ON o.competitor_product = c.id
    WHERE o.company = %(company)s AND o.kind = 'volume'
        AND o.date >= %(month)s AND o.date < %(next)s
        AND o.hospital IS NOT NULL
    GROUP BY 1, 2),
tendered AS (
    SELECT v.hospital, LOWER(TRIM(l.generic_name)) AS molecule,
        SUM(v.committed_volume * COALESCE(c.pack_size, 1)
            / GREATEST(1, ROUND((tn.validity_end - tn.validity_start)
                / 30.44))) AS units
    FROM pharma_tender_line_volume AS v
    JOIN pharma_tender_line AS l ON v.line = l.id
    JOIN pharma_tender AS tn ON l.tender = tn.id
    LEFT JOIN pharma_competitor_product AS c ON l.competitor_product = c.id
    WHERE tn.company = %(company)s AND tn.state IN ('awarded', 'lost')
        AND tn.validity_start < %(next)s AND tn.validity_end >= %(month)s
        AND l.winning_company IS NOT NULL
        AND l.winning_company != %(company_party)s
    GROUP BY 1, 2),
competitors AS (
    SELECT hospital, molecule, units, 'market' AS source FROM market
    UNION ALL
    SELECT o.hospital, o.molecule, o.units, 'observation' FROM observed AS o
    WHERE NOT EXISTS (SELECT 1 FROM market AS m
        WHERE m.hospital = o.hospital AND m.molecule = o.molecule)
    UNION ALL
    SELECT t.hospital, t.molecule, t.units, 'tender' FROM tendered AS t
    WHERE NOT EXISTS (SELECT 1 FROM market AS m
        WHERE m.hospital = t.hospital AND m.molecule = t.molecule)
    AND NOT EXISTS (SELECT 1 FROM observed AS o
        WHERE o.hospital = t.hospital AND o.molecule = t.molecule)),
keys AS (
    SELECT hospital, molecule FROM ours
    UNION SELECT hospital, molecule FROM competitors),
areas AS (
    SELECT DISTINCT ON (LOWER(TRIM(generic_name)))
        LOWER(TRIM(generic_name)) AS molecule, therapeutic_area
    FROM product_template
    WHERE generic_name IS NOT NULL AND therapeutic_area IS NOT NULL
    ORDER BY 1, id),
shares AS (
    SELECT k.hospital, k.molecule, COALESCE(o.units, 0) AS our,
        COALESCE(c.units, 0) AS other,
        ROUND(CAST(100.0 * COALESCE(o.units, 0)
            / NULLIF(COALESCE(o.units, 0) + COALESCE(c.units, 0), 0)
            AS NUMERIC), 2) AS share,
        COALESCE(c.source, 'none') AS source
    FROM keys AS k
    LEFT JOIN ours AS o
        ON o.hospital = k.hospital AND o.molecule = k.molecule
    LEFT JOIN competitors AS c
        ON c.hospital = k.hospital AND c.molecule = k.molecule)
SELECT %(company)s, CAST(%(month)s AS DATE), s.hospital, h.territory,
    s.molecule, a.therapeutic_area, s.our, s.other, s.share, prev.share,
    s.share - prev.share, s.source,
    CASE WHEN s.source = 'market' THEN 'measured' ELSE 'estimated' END,
    %(user)s, NOW()
FROM shares AS s
JOIN party_party AS h ON h.id = s.hospital
LEFT JOIN areas AS a ON a.molecule = s.molecule
LEFT JOIN pharma_market_share AS prev
    ON prev.company = %(company)s AND prev.month = %(previous)s
    AND prev.hospital = s.hospital AND prev.generic_name = s.molecule"""


def bench_share(b, company_id):
    """Computing last month's market share (the marketing wizard's work):
    the suite as marketing1 against the same DELETE + INSERT ... SELECT"""
    from trytond.transaction import Transaction
    login = 'marketing1' if b.user('marketing1') else 'admin'
    month = months_back(1)
    with b.as_root():
        company = b.pool.get('company.company')(company_id)
        company_party = company.party.id
    params = {'company': company_id, 'month': month, 'next': months_back(0),
        'user': b.user(login)[0], 'previous': months_back(2),
        'company_party': company_party}
    Share = b.pool.get('pharma.market.share')
    Company = b.pool.get('company.company')
    with b.as_user(login, readonly=False) as transaction:
        cursor = transaction.connection.cursor()
        cursor.execute('SAVEPOINT share')

        def rows():
            cursor.execute(SHARE_ROWS_SQL, params)
            return cursor.fetchall()

        def suite():
            Share.compute(month, Company(company_id))
            result = rows()
            cursor.execute('ROLLBACK TO SAVEPOINT share')
            Transaction().cache.clear()
            return result

        def base():
            cursor.execute(SHARE_DELETE_SQL, params)
            cursor.execute(SHARE_SQL, params)
            result = rows()
            cursor.execute('ROLLBACK TO SAVEPOINT share')
            return result
        s_rows, b_rows = suite(), base()
        sources = sorted({r[-1] for r in b_rows})
        name = 'market share compute (last month) as %s' % login

        def close(a, b):
            # the suite rounds the share in Python: 0.01 apart at most
            return (a[:4] == b[:4] and a[5:] == b[5:] and (
                    a[4] == b[4] or abs(a[4] - b[4]) <= Decimal('0.01')))
        if len(s_rows) == len(b_rows) and all(
                close(x, y) for x, y in zip(s_rows, b_rows)):
            s_rows = b_rows
        if same(name, s_rows, b_rows):
            s, _ = timed(suite, 3)
            base_times, _ = timed(base, 3)
            record('%s (%d rows; sources %s)' % (name, len(b_rows),
                    ', '.join(sources)), s, base_times,
                'SQL: DELETE + INSERT ... SELECT of the same rows')
        transaction.rollback()


def bench_call_log(b):
    "Logging one call through JSON-RPC as rep1"
    import demo
    Coverage = b.pool.get('pharma.coverage')
    with b.as_root():
        rep = b.user('rep1')
        employee = b.pool.get('res.user')(rep[0]).employee
        doctors = [c.party.id for c in Coverage.search(
                [('employee', '=', employee.id),
                    ('party.pharma_type', '=', 'doctor')], limit=50)]
    if not doctors:
        print('rep1 covers no doctor: call log skipped')
        return
    process, url = start_server(b.args.config_file, b.args.database)
    try:
        rpc = JsonRpc(url, b.args.database)
        rpc.login('rep1', demo.password('rep1'))
        context = rpc('model.res.user.get_preferences', True, {})
        base, suite = [], []
        for i in range(b.args.repeat):
            start = time.perf_counter()
            rpc('model.party.party.read', doctors[:1], ['rec_name'], context)
            base.append(time.perf_counter() - start)
            doctor = doctors[i % len(doctors)]
            start = time.perf_counter()
            ids = rpc('model.pharma.call.create', [{
                        'party': doctor,
                        'call_type': 'face_to_face',
                        'date': {'__class__': 'datetime',
                            'year': 2026, 'month': 11, 'day': 20,
                            'hour': 10, 'minute': 0, 'second': 0,
                            'microsecond': 0},
                        }], context)
            rpc('model.pharma.call.do', ids, context)
            suite.append(time.perf_counter() - start)
        record('call log via RPC (create + done) as rep1', suite, base,
            'an RPC round trip reading one record')
    finally:
        process.terminate()
        process.wait()


def bench_flow_import(b, company_id):
    "Importing flow lines through the engine (as clerk1) against the parse"
    import io
    from openpyxl import Workbook, load_workbook
    login = 'clerk1' if b.user('clerk1') else 'admin'
    with b.as_root(context={'company': company_id}):
        Party = b.pool.get('party.party')
        Product = b.pool.get('product.product')
        distributors = [p.name for p in Party.search(
                [('pharma_type', '=', 'distributor')], limit=5)]
        hospitals = [p.name for p in Party.search(
                [('pharma_type', '=', 'hospital')], limit=200)]
        products = [p.rec_name for p in Product.search([], limit=20)]
    if not distributors or not hospitals or not products:
        print('no distributor, hospital or product: flow import skipped')
        return
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet('流向')
    sheet.append(['日期', '经销商', '客户名称', '产品名称', '批号', '数量',
            '单价', '金额'])
    month = datetime.date(2020, 1, 1)
    for i in range(b.args.flow_rows):
        sheet.append([month + datetime.timedelta(days=i % 28),
                distributors[i % len(distributors)],
                hospitals[i % len(hospitals)], products[i % len(products)],
                'B%05d' % (i % 977), 1 + i % 50, 12.5, 12.5 * (1 + i % 50)])
    data = io.BytesIO()
    workbook.save(data)
    data = data.getvalue()

    def parse():
        book = load_workbook(io.BytesIO(data), read_only=True)
        return sum(1 for _ in book.worksheets[0].iter_rows(
                values_only=True))
    base, _ = timed(parse, 1)
    Engine = b.pool.get('pharma.import.engine')
    with b.as_user(login, readonly=False) as transaction:
        suite, job = timed(lambda: Engine.run(
                'flow', data, filename='bench-flow.xlsx'), 1)
        print('flow import as %s: %s, %d errors' % (
                login, job.summary(), len(job.errors)))
        transaction.rollback()
    record('import %d flow lines as %s' % (b.args.flow_rows, login), suite,
        base, 'the bare openpyxl parse of the file')


# --------------------------------------------------------------- exports
EXPORTS = [
    # model, label, login, context, domain, fields (the list's columns)
    ('pharma.call', 'calls list', 'manager1', {}, [],
        ['date', 'employee/rec_name', 'party/rec_name', 'hospital/rec_name',
            'department/rec_name', 'call_type', 'followup_date', 'state']),
    ('pharma.flow.line', 'flow lines', 'manager1', {}, [],
        ['date', 'distributor/rec_name', 'customer_name',
            'customer/rec_name', 'product_name', 'product/rec_name', 'lot',
            'quantity', 'unit_price', 'amount']),
    ('pharma.call.report.rep_day', 'rep KPI report (year)', 'marketing1',
        'year', [],
        ['date', 'employee/rec_name', 'calls', 'doctors', 'hospitals',
            'departments']),
    ]
EXPORT_SQL = {
    'pharma.call': """
SELECT c.date, ep.name, CASE WHEN d.pharma_type = 'doctor'
        AND d.hospital IS NOT NULL
        THEN d.name || ' (' || dh.name || ')' ELSE d.name END,
    h.name, CASE WHEN dp.hospital IS NOT NULL THEN dph.name || ' - ' || dp.name
        ELSE dp.name END, c.call_type, c.followup_date, c.state
FROM pharma_call AS c
LEFT JOIN company_employee AS e ON e.id = c.employee
LEFT JOIN party_party AS ep ON ep.id = e.party
LEFT JOIN party_party AS d ON d.id = c.party
LEFT JOIN party_party AS dh ON dh.id = d.hospital
LEFT JOIN party_party AS h ON h.id = c.hospital
LEFT JOIN pharma_hospital_department AS dp ON dp.id = c.department
LEFT JOIN party_party AS dph ON dph.id = dp.hospital
WHERE c.company = ANY(%(companies)s) {rule}
ORDER BY c.date DESC, c.id DESC""",
    'pharma.flow.line': """
SELECT c.date, dist.name, c.customer_name, cu.name, c.product_name,
    CASE WHEN COALESCE(p.code, '') <> '' THEN '[' || p.code || '] ' || t.name
        ELSE t.name END, c.lot, c.quantity, c.unit_price, c.amount
FROM pharma_flow_line AS c
LEFT JOIN party_party AS dist ON dist.id = c.distributor
LEFT JOIN party_party AS cu ON cu.id = c.customer
LEFT JOIN product_product AS p ON p.id = c.product
LEFT JOIN product_template AS t ON t.id = p.template
WHERE c.company = ANY(%(companies)s)
ORDER BY c.date DESC, c.id ASC""",
    }


def bench_exports(b, company_id):
    """Exporting every row of a list the way the web client does
    (export_data_domain with the list's columns, as the user) against SQL
    that selects the same values (names joined in)"""
    today = datetime.date.today()
    for model, label, login, context, domain, fields in EXPORTS:
        if not b.can_read(login, model):
            print('%s may not read %s: export skipped' % (login, model))
            continue
        if context == 'year':
            context = {'from_date': today - datetime.timedelta(days=365),
                'to_date': today}
        Model = b.pool.get(model)

        def suite():
            with b.as_user(login, context=context):
                return Model.export_data_domain(domain, fields)
        s, rows = timed(suite, b.args.export_repeat)
        if model == 'pharma.call.report.rep_day':
            zone = company_zone(b, company_id)
            params = dict(b.rule_values(login), company=company_id,
                zone=zone or 'UTC',
                start=local_midnight(context['from_date'], zone),
                end=local_midnight(today + datetime.timedelta(days=1), zone))
            query = ('SELECT k.day, ep.name, k.count, k.doctors, '
                'k.hospitals, k.departments FROM (%s) AS k(employee, day, '
                'count, doctors, hospitals, departments) '
                'JOIN company_employee AS e ON e.id = k.employee '
                'JOIN party_party AS ep ON ep.id = e.party '
                'ORDER BY k.day DESC, k.employee' % KPI_SQL.format(
                    rule=REPORT_RULES[role(login)]))
        else:
            params = dict(b.rule_values(login))
            rules = CALL_RULES if model == 'pharma.call' else {}
            query = EXPORT_SQL[model].format(
                rule=rules.get(role(login), ''))
        base, base_rows = b.sql(query, params, b.args.export_repeat)

        def norm(row):
            return tuple('' if v is None else (
                    round(float(v), 4) if isinstance(v, (float, Decimal))
                    else v) for v in row)
        name = 'export every row of the %s as %s' % (label, login)
        if same(name, [norm(r) for r in rows],
                [norm(r) for r in base_rows]):
            record('%s (%d rows)' % (name, len(rows)), s, base,
                'SQL selecting the same values (names joined)')
            sample = b.args.tryton_export
            if sample and hasattr(Model, '_batch_export_columns'):
                # Tryton's own export (per row and column) of the first
                # rows only: it is too slow for all of them
                from trytond.modules.pharma_hospital.export import (
                    BatchExportMixin)

                def tryton():
                    with b.as_user(login, context=context):
                        return super(BatchExportMixin, Model).export_data(
                            Model.search(domain, limit=sample), fields)
                s, _ = timed(tryton)
                base, _ = b.sql(query.replace('ORDER BY', 'ORDER BY', 1)
                    + ' LIMIT %d' % sample, params, b.args.export_repeat)
                record("%s: Tryton's per-row export_data (without "
                    "BatchExportMixin), first %d rows (%.0f rows/s)" % (
                        name, sample, sample / statistics.median(s)),
                    s, base, 'the same SQL, LIMIT %d' % sample)


def write_results(args):
    path = args.output
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    lines = [
        '# Benchmark results (bench/run.py)', '',
        'Machine: %s, %s, %d cores, Python %s%s; database %s (%s); %s.' % (
            platform.node(), platform.machine(), os.cpu_count(),
            platform.python_version(),
            ' -O' if sys.flags.optimize else '', args.database,
            args.uri or 'trytond.conf', datetime.datetime.now().strftime(
                '%Y-%m-%d %H:%M')),
        'Load average at the end: %s.' % ', '.join(
            '%.2f' % l for l in os.getloadavg()),
        '',
        'Every figure runs as the user named, with the record rules, '
        'against hand-written SQL returning the same rows (checked before '
        'timing).', '',
        '| measure | suite p50 (ms) | suite p95 (ms) | baseline p50 (ms) '
        '| ratio | baseline |',
        '|---|---:|---:|---:|---:|---|',
        ]
    for row in RESULTS:
        lines.append('| %s | %.1f | %.1f | %.1f | %.2f | %s |' % (
                row['name'], row['suite_p50'] * 1000,
                row['suite_p95'] * 1000, row['base_p50'] * 1000,
                row['ratio'], row['note']))
    if NOTES:
        lines += ['', '## Differences', ''] + ['- ' + n for n in NOTES]
    if PLANS:
        lines += ['', '## Plans (EXPLAIN ANALYZE, COSTS OFF)', '']
        for title, plan in PLANS:
            lines += ['### ' + title, '', '```'] + plan + ['```', '']
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('wrote %s' % path)


STEPS = ['lists', 'search', 'cases', 'kpi', 'coverage', 'reconciliation',
    'share', 'export', 'flow', 'call']


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', '-c', dest='config_file',
        default=os.path.join(ROOT, 'trytond.conf'))
    parser.add_argument('--database', '-d', default='bench')
    parser.add_argument('--uri')
    parser.add_argument('--repeat', type=int, default=100,
        help="calls logged through RPC; searches run a tenth of it")
    parser.add_argument('--list-repeat', type=int, default=5)
    parser.add_argument('--export-repeat', type=int, default=1)
    parser.add_argument('--flow-rows', type=int, default=20000)
    parser.add_argument('--tryton-export', type=int, metavar='ROWS',
        help="also time Tryton's own per-row export of the first ROWS "
        "rows (slow)")
    parser.add_argument('--only', help="comma separated: %s"
        % ','.join(STEPS))
    parser.add_argument('--output', default=os.path.join(ROOT, 'var',
            'bench', 'results-%s.md' % datetime.date.today()),
        help="where to write the table (default: var/bench/"
        "results-<date>.md; bench/RESULTS.md only on purpose)")
    args = parser.parse_args(argv)
    import demo
    if args.uri:
        conf = tempfile.NamedTemporaryFile('w', suffix='.conf', delete=False)
        with open(args.config_file) as f:
            conf.write(set_uri(f.read(), args.uri))
        conf.close()
        args.config_file = conf.name
    demo.load_config(args.config_file)
    from trytond import config
    if args.uri:
        config.set('database', 'uri', args.uri)
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    if not is_postgresql():
        raise SystemExit('the hand-written baselines are PostgreSQL SQL: '
            'run on PostgreSQL (--uri postgresql://...)')
    pool = Pool(args.database)
    pool.init()
    with Transaction().start(args.database, 0) as transaction:
        company = demo.get_company(pool)
        company_id = company.id
        # the coverage report reads the configuration: make it exist
        pool.get('pharma.configuration').get_company_values(company)
        transaction.commit()
    b = Bench(args, pool)
    only = (args.only or ','.join(STEPS)).split(',')
    steps = {
        'lists': lambda: bench_lists(b),
        'search': lambda: bench_search(b),
        'cases': lambda: bench_cases(b),
        'kpi': lambda: bench_kpi(b, company_id),
        'coverage': lambda: bench_coverage(b, company_id),
        'reconciliation': lambda: bench_reconciliation(b, company_id),
        'share': lambda: bench_share(b, company_id),
        'export': lambda: bench_exports(b, company_id),
        'flow': lambda: bench_flow_import(b, company_id),
        'call': lambda: bench_call_log(b),
        }
    for step in STEPS:
        if step in only:
            try:
                steps[step]()
            except Exception as exc:
                import traceback
                traceback.print_exc()
                NOTES.append('%s failed: %r' % (step, exc))
    write_results(args)


if __name__ == '__main__':
    main()
