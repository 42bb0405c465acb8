#!/usr/bin/env python3
# This file is part of the pharma suite. See README.md for license terms.
"""Measure the suite against baselines taken in the same run, and write the
table to bench/RESULTS.md.

    .venv/bin/python bench/run.py --database national \\
        --uri postgresql://postgres@127.0.0.1:5432/

Each line: the suite's time, the baseline's and their ratio. Baselines are
a bare RPC round trip (reading one record) for the call log, hand-written
SQL over the same tables with the same filters for searches and reports
(and the same writes for the market share compute), and the bare parse of
the file for the flow import. Reports are measured as the client opens them
(search limited to 1000 rows, then read of the first 100, in two
transactions) and whole (search and read of every row). Nothing here
asserts a time: machines are noisy, ratios are what to watch. --output
writes the table elsewhere than bench/RESULTS.md (which holds notes).
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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'scripts'))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

RESULTS = []


def timed(func, repeat=1):
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return times, result


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
    print('%-46s suite %8.1f ms (p95 %8.1f)  baseline %8.1f ms  ratio %6.2f'
        % (name, suite * 1000, row['suite_p95'] * 1000, base * 1000,
            row['ratio']), flush=True)


def percentile(values, p):
    values = sorted(values)
    if not values:
        return 0
    k = max(0, min(len(values) - 1, int(round(p / 100 * len(values))) - 1))
    return values[k]


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class JsonRpc:
    def __init__(self, url, database):
        self.url = '%s/%s/rpc/' % (url, database)
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
        with urllib.request.urlopen(request, timeout=60) as response:
            result = json.loads(response.read())
        if result.get('error'):
            raise RuntimeError(result['error'])
        return result['result']

    def login(self, login, password):
        user_id, session = self('common.db.login', login,
            {'password': password}, 'en')[:2]
        token = base64.b64encode(
            ('%s:%s:%s' % (login, user_id, session)).encode()).decode()
        self.auth = 'Session ' + token
        return user_id


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
    env = dict(os.environ)
    process = subprocess.Popen([os.path.join(ROOT, '.venv', 'bin',
                'trytond'), '-c', conf.name, '-d', database],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = 'http://127.0.0.1:%d' % port
    for _ in range(300):
        try:
            urllib.request.urlopen(url + '/', timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    return process, url


def bench_call_log(args, pool, company_id):
    "Logging one call through JSON-RPC as a representative"
    from trytond.transaction import Transaction
    import demo
    with Transaction().start(args.database, 0) as transaction:
        Call = pool.get('pharma.call')
        User = pool.get('res.user')
        rep, = User.search([('login', '=', 'rep1')])
        employee = rep.employee
        calls = Call.search([('employee', '=', employee.id)], limit=1)
        if not calls:
            Coverage = pool.get('pharma.coverage')
            Call.search([], limit=1)
        Coverage = pool.get('pharma.coverage')
        covered = Coverage.search([('employee', '=', employee.id)], limit=20)
        doctors = [c.party.id for c in covered
            if c.party.pharma_type == 'doctor']
        if not doctors:
            print('rep1 covers no doctor: call log skipped')
            return
    process, url = start_server(args.config_file, args.database)
    try:
        rpc = JsonRpc(url, args.database)
        rpc.login('rep1', demo.password('rep1'))
        context = rpc('model.res.user.get_preferences', True, {})
        one = rpc('model.pharma.call.search', [], 0, 1, None, context)
        base = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            rpc('model.party.party.read', doctors[:1], ['rec_name'], context)
            base.append(time.perf_counter() - start)
        suite = []
        for i in range(args.repeat):
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
        del one
        record('call log via RPC (create + done)', suite, base,
            'baseline: read one record')
    finally:
        process.terminate()
        process.wait()


def bench_search(args, pool, company_id):
    from sql import Literal
    from trytond.transaction import Transaction
    with Transaction().start(args.database, 0,
            context={'company': company_id}) as transaction:
        Party = pool.get('party.party')
        party = Party.__table__()
        identifier = pool.get('party.identifier').__table__()
        mechanism = pool.get('party.contact_mechanism').__table__()
        cursor = transaction.connection.cursor()
        doctor, = Party.search([('pharma_type', '=', 'doctor')], limit=1)
        name = doctor.name[:2]
        initials = (doctor.pinyin_initials or 'zw').split()[0]
        for label, value in [('name', name), ('pinyin initials', initials)]:
            pattern = '%' + value + '%'

            def suite():
                return Party.search([('pharma_type', '=', 'doctor'),
                        ('rec_name', 'ilike', pattern)], limit=20)

            def base():
                # what the ORM's search means: party's rec_name (code,
                # identifiers, name, contact mechanisms) and the suite's
                # pinyin columns, active parties, in the party order
                # (name, id): every match is found before the first 20
                cursor.execute(*party.select(party.id,
                        where=(party.pharma_type == 'doctor')
                        & (party.active == Literal(True))
                        & (party.code.ilike(pattern)
                            | party.id.in_(identifier.select(
                                    identifier.party,
                                    where=identifier.code.ilike(pattern)
                                    | identifier.code_compact.ilike(
                                        pattern)))
                            | party.name.ilike(pattern)
                            | party.id.in_(mechanism.select(
                                    mechanism.party,
                                    where=mechanism.value.ilike(pattern)
                                    | mechanism.value_compact.ilike(
                                        pattern)))
                            | party.pinyin.ilike(pattern)
                            | party.pinyin_initials.ilike(pattern)),
                        order_by=[party.name.asc, party.id.asc],
                        limit=20))
                return cursor.fetchall()
            s, _ = timed(suite, args.repeat // 10 or 1)
            b, _ = timed(base, args.repeat // 10 or 1)
            record('search doctors by %s (%r)' % (label, value), s, b)


# The client opens a report with a search (limit 1000, the report's order)
# then reads the rows it shows, about 100 ids at a time, in another request
CLIENT_LIMIT = 1000
CLIENT_PAGE = 100


def report_times(args, pool, name, context, domain, fields):
    """Time a report as the client opens it (search then read of the first
    page, each in its own transaction) and as a whole (search then read of
    every row in one transaction); return (client times, all-rows times)"""
    from trytond.transaction import Transaction
    client, everything = [], []
    for _ in range(3):
        with Transaction().start(args.database, 0, context=context,
                readonly=True):
            Report = pool.get(name)
            start = time.perf_counter()
            records = Report.search(domain, limit=CLIENT_LIMIT)
            search = time.perf_counter() - start
        page = [r.id for r in records[:CLIENT_PAGE]]
        with Transaction().start(args.database, 0, context=context,
                readonly=True):
            start = time.perf_counter()
            Report.read(page, fields)
            client.append(search + time.perf_counter() - start)
        with Transaction().start(args.database, 0, context=context,
                readonly=True):
            start = time.perf_counter()
            records = Report.search(domain)
            Report.read([r.id for r in records], fields)
            everything.append(time.perf_counter() - start)
    return client, everything


def sql_times(args, context, query, params, limit=None):
    """Time the hand-written query (with LIMIT limit when given) on a
    cursor of an open transaction"""
    from trytond.transaction import Transaction
    if limit:
        query += ' LIMIT %d' % limit
    times = []
    with Transaction().start(args.database, 0, context=context,
            readonly=True) as transaction:
        cursor = transaction.connection.cursor()
        for _ in range(3):
            start = time.perf_counter()
            cursor.execute(query, params)
            cursor.fetchall()
            times.append(time.perf_counter() - start)
    return times


# the report's day is the company's (Asia/Shanghai in the generated data)
KPI_SQL = """
SELECT c.employee,
    CAST((c.date AT TIME ZONE 'UTC') AT TIME ZONE %(zone)s AS DATE) AS day,
    COUNT(c.id), COUNT(DISTINCT c.party), COUNT(DISTINCT c.hospital),
    COUNT(DISTINCT c.department)
FROM pharma_call AS c
WHERE c.company = %(company)s AND c.state = 'done'
    AND c.date >= %(start)s AND c.date < %(end)s
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


def bench_kpi(args, pool, company_id):
    "The calls per representative and day report against its SQL"
    from trytond.transaction import Transaction
    with Transaction().start(args.database, 0):
        zone = pool.get('company.company')(company_id).timezone
    today = datetime.date.today()
    for label, days in [('month', 30), ('year', 365)]:
        from_date = today - datetime.timedelta(days=days)
        context = {'company': company_id, 'from_date': from_date,
            'to_date': today}
        params = {'company': company_id, 'zone': zone or 'UTC',
            'start': local_midnight(from_date, zone),
            'end': local_midnight(today + datetime.timedelta(days=1), zone)}
        client, everything = report_times(args, pool,
            'pharma.call.report.rep_day', context, [],
            ['employee', 'date', 'calls', 'doctors', 'hospitals',
                'departments'])
        record('rep KPI report (%s), as the client' % label, client,
            sql_times(args, context, KPI_SQL, params, CLIENT_LIMIT),
            'hand-written SQL, LIMIT %d' % CLIENT_LIMIT)
        record('rep KPI report (%s), all rows' % label, everything,
            sql_times(args, context, KPI_SQL, params))


# the same sources as pharma.channel.reconciliation, for one month, in the
# order of the report (distributor and product names)
RECONCILIATION_SQL = """
WITH last AS (
    SELECT distributor, month, MAX(date) AS date
    FROM pharma_inventory_line
    WHERE company = %(company)s
        AND (month = %(month)s OR next_month = %(month)s)
    GROUP BY distributor, month),
snapshot AS (
    SELECT i.* FROM pharma_inventory_line AS i
    JOIN last ON i.distributor = last.distributor
        AND i.month = last.month AND i.date = last.date
    WHERE i.company = %(company)s AND i.product IS NOT NULL)
SELECT u.distributor, u.product, SUM(opening), SUM(sell_in),
    SUM(sell_out), SUM(closing), SUM(opening) + SUM(sell_in) - SUM(sell_out),
    SUM(closing) - (SUM(opening) + SUM(sell_in) - SUM(sell_out)),
    SUM(opening_count) > 0, SUM(closing_count) > 0
FROM (
    SELECT distributor, product, 0.0 AS opening, 0.0 AS sell_in,
        quantity AS sell_out, 0.0 AS closing,
        0 AS opening_count, 0 AS closing_count
    FROM pharma_flow_line
    WHERE company = %(company)s AND month = %(month)s
        AND product IS NOT NULL
    UNION ALL
    SELECT distributor, product, 0.0, 0.0, 0.0, quantity, 0, 1
    FROM snapshot WHERE month = %(month)s
    UNION ALL
    SELECT distributor, product, quantity, 0.0, 0.0, 0.0, 1, 0
    FROM snapshot WHERE next_month = %(month)s
    UNION ALL
    SELECT s.customer, m.product, 0.0, m.internal_quantity, 0.0, 0.0, 0, 0
    FROM stock_move AS m
    JOIN stock_shipment_out AS s
        ON m.shipment = 'stock.shipment.out,' || s.id
    WHERE m.company = %(company)s AND m.state = 'done'
        AND m.effective_date >= %(month)s AND m.effective_date < %(next)s
        AND m.to_location IN (
            SELECT id FROM stock_location WHERE type = 'customer')
    ) AS u
JOIN party_party AS d ON d.id = u.distributor
JOIN product_product AS p ON p.id = u.product
JOIN product_template AS t ON t.id = p.template
GROUP BY u.distributor, u.product, d.name, t.name
ORDER BY d.name, t.name, u.distributor, u.product"""


# what pharma.market.share.compute does for one month, without the tender
# volumes (a Python hook of pharma_tender; the bench has no tender)
SHARE_DELETE_SQL = """
DELETE FROM pharma_market_share
WHERE company = %(company)s AND month = %(month)s"""
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
competitors AS (
    SELECT hospital, molecule, units, 'market' AS source FROM market
    UNION ALL
    SELECT o.hospital, o.molecule, o.units, 'observation' FROM observed AS o
    WHERE NOT EXISTS (SELECT 1 FROM market AS m
        WHERE m.hospital = o.hospital AND m.molecule = o.molecule)),
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


def bench_share(args, pool, company_id):
    from trytond.transaction import Transaction
    today = datetime.date.today()
    month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(
        day=1)
    next_month = today.replace(day=1)
    with Transaction().start(args.database, 0,
            context={'company': company_id}) as transaction:
        Share = pool.get('pharma.market.share')
        Company = pool.get('company.company')
        cursor = transaction.connection.cursor()
        company = Company(company_id)
        cursor.execute('SAVEPOINT share')

        def suite():
            result = Share.compute(month, company)
            cursor.execute('ROLLBACK TO SAVEPOINT share')
            transaction.cache.clear()
            return result

        params = {'company': company_id, 'month': month,
            'next': next_month, 'user': 0,
            'previous': (month - datetime.timedelta(days=1)).replace(day=1)}

        def base():
            cursor.execute(SHARE_DELETE_SQL, params)
            cursor.execute(SHARE_SQL, params)
            cursor.execute('ROLLBACK TO SAVEPOINT share')
        s, _ = timed(suite, 3)
        b, _ = timed(base, 3)
        record('market share compute (month)', s, b,
            'hand-written SQL: DELETE + INSERT ... SELECT')
        transaction.rollback()
    context = {'company': company_id}
    params = {'company': company_id, 'month': month, 'next': next_month}
    client, everything = report_times(args, pool,
        'pharma.channel.reconciliation', context, [('month', '=', month)],
        ['distributor', 'product', 'month', 'opening', 'sell_in',
            'sell_out', 'expected', 'closing', 'difference'])
    record('sell-in/sell-out reconciliation (month), as the client', client,
        sql_times(args, context, RECONCILIATION_SQL, params, CLIENT_LIMIT),
        'hand-written SQL, LIMIT %d' % CLIENT_LIMIT)
    record('sell-in/sell-out reconciliation (month), all rows', everything,
        sql_times(args, context, RECONCILIATION_SQL, params))


def bench_flow_import(args, pool, company_id):
    "Importing flow lines through the engine against the bare parse"
    import io
    from openpyxl import Workbook, load_workbook
    from trytond.transaction import Transaction
    with Transaction().start(args.database, 0,
            context={'company': company_id}) as transaction:
        Party = pool.get('party.party')
        Product = pool.get('product.product')
        distributors = Party.search(
            [('pharma_type', '=', 'distributor')], limit=5)
        hospitals = Party.search([('pharma_type', '=', 'hospital')],
            limit=200)
        products = Product.search([], limit=20)
        if not distributors or not hospitals or not products:
            print('no distributor, hospital or product: flow import skipped')
            return
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet('流向')
        sheet.append(['日期', '经销商', '客户名称', '产品名称', '批号', '数量',
                '单价', '金额'])
        month = datetime.date(2020, 1, 1)
        for i in range(args.flow_rows):
            sheet.append([month + datetime.timedelta(days=i % 28),
                    distributors[i % len(distributors)].name,
                    hospitals[i % len(hospitals)].name,
                    products[i % len(products)].rec_name,
                    'B%05d' % (i % 977), 1 + i % 50, 12.5,
                    12.5 * (1 + i % 50)])
        data = io.BytesIO()
        workbook.save(data)
        data = data.getvalue()

        def parse():
            book = load_workbook(io.BytesIO(data), read_only=True)
            return sum(1 for _ in book.worksheets[0].iter_rows(
                    values_only=True))
        base, _ = timed(parse, 1)
        Engine = pool.get('pharma.import.engine')

        def run_import():
            return Engine.run('flow', data, filename='bench-flow.xlsx')
        suite, job = timed(run_import, 1)
        print('flow import: %s, %d errors' % (
                job.summary(), len(job.errors)))
        transaction.rollback()
    record('import %d flow lines' % args.flow_rows, suite, base,
        'baseline: bare openpyxl parse')


COUNT_SQL = {
    'pharma.call': 'SELECT COUNT(*) FROM pharma_call WHERE company = %s',
    'pharma.flow.line':
        'SELECT COUNT(*) FROM pharma_flow_line WHERE company = %s',
    }


def bench_counts(args, pool, company_id):
    """The list counts the web client asks for (search_count) on the call
    and flow lists, as admin and as users whose record rules apply,
    against a bare COUNT(*) of the company's rows"""
    from trytond.exceptions import UserError
    from trytond.transaction import Transaction
    with Transaction().start(args.database, 0) as transaction:
        User = pool.get('res.user')
        users = {u.login: (u.id, u.employee.id if u.employee else None)
            for u in User.search([('login', 'in',
                        ['admin', 'rep1', 'manager1', 'sales1'])])}
    for model, sql in COUNT_SQL.items():
        for login in ['admin', 'rep1', 'manager1', 'sales1']:
            if login not in users:
                continue
            user_id, employee_id = users[login]
            context = {'company': company_id, 'employee': employee_id,
                '_check_access': True}
            times = []
            try:
                for _ in range(3):
                    with Transaction().start(args.database, user_id,
                            context=context, readonly=True):
                        Model = pool.get(model)
                        start = time.perf_counter()
                        count = Model.search_count([])
                        times.append(time.perf_counter() - start)
            except UserError:
                print('%s: %s may not read %s' % (login, login, model))
                continue
            with Transaction().start(args.database, 0,
                    readonly=True) as transaction:
                cursor = transaction.connection.cursor()
                base = []
                for _ in range(3):
                    start = time.perf_counter()
                    cursor.execute(sql, (company_id,))
                    total, = cursor.fetchone()
                    base.append(time.perf_counter() - start)
            record('%s list count as %s (%d of %d rows)' % (
                    model, login, count, total), times, base,
                'bare COUNT(*) of the company')


def write_results(args):
    path = args.output
    lines = [
        '# Benchmark results', '',
        'Machine: %s, %s, %d cores, Python %s; database %s (%s); %s.' % (
            platform.node(), platform.machine(), os.cpu_count(),
            platform.python_version(), args.database,
            args.uri or 'trytond.conf', datetime.date.today()),
        '',
        '| measure | suite p50 (ms) | suite p95 (ms) | baseline p50 (ms) '
        '| ratio | baseline |',
        '|---|---:|---:|---:|---:|---|',
        ]
    for row in RESULTS:
        lines.append('| %s | %.1f | %.1f | %.1f | %.2f | %s |' % (
                row['name'], row['suite_p50'] * 1000,
                row['suite_p95'] * 1000, row['base_p50'] * 1000,
                row['ratio'], row['note'] or 'hand-written SQL'))
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('wrote %s' % path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', '-c', dest='config_file',
        default=os.path.join(ROOT, 'trytond.conf'))
    parser.add_argument('--database', '-d', default='bench')
    parser.add_argument('--uri')
    parser.add_argument('--repeat', type=int, default=200)
    parser.add_argument('--flow-rows', type=int, default=100000)
    parser.add_argument('--only', help="comma separated: call,search,kpi,"
        "share,flow,count")
    parser.add_argument('--output',
        default=os.path.join(ROOT, 'bench', 'RESULTS.md'),
        help="where to write the table (default: bench/RESULTS.md)")
    args = parser.parse_args(argv)
    import demo
    config_file = args.config_file
    if args.uri:
        conf = tempfile.NamedTemporaryFile('w', suffix='.conf', delete=False)
        with open(config_file) as f:
            conf.write(set_uri(f.read(), args.uri))
        conf.close()
        args.config_file = conf.name
    demo.load_config(args.config_file)
    from trytond import config
    if args.uri:
        config.set('database', 'uri', args.uri)
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    pool = Pool(args.database)
    pool.init()
    with Transaction().start(args.database, 0):
        company_id = demo.get_company(pool).id
    only = (args.only or 'call,search,kpi,share,flow,count').split(',')
    if 'search' in only:
        bench_search(args, pool, company_id)
    if 'kpi' in only:
        bench_kpi(args, pool, company_id)
    if 'share' in only:
        bench_share(args, pool, company_id)
    if 'flow' in only:
        bench_flow_import(args, pool, company_id)
    if 'count' in only:
        bench_counts(args, pool, company_id)
    if 'call' in only:
        bench_call_log(args, pool, company_id)
    write_results(args)


if __name__ == '__main__':
    main()
