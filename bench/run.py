#!/usr/bin/env python3
# This file is part of the pharma suite. See README.md for license terms.
"""Measure the suite against baselines taken in the same run, and write the
table to bench/RESULTS.md.

    .venv/bin/python bench/run.py --database national \\
        --uri postgresql://postgres@127.0.0.1:5432/

Each line: the suite's time, the baseline's and their ratio. Baselines are
a bare RPC round trip (reading one record) for the call log, hand-written
SQL over the same tables for searches and reports, and the bare parse of
the file for the flow import. Nothing here asserts a time: machines are
noisy, ratios are what to watch.
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
    from trytond.transaction import Transaction
    with Transaction().start(args.database, 0,
            context={'company': company_id}) as transaction:
        Party = pool.get('party.party')
        party = Party.__table__()
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
                cursor.execute(*party.select(party.id,
                        where=(party.pharma_type == 'doctor')
                        & (party.name.ilike(pattern)
                            | party.pinyin.ilike(pattern)
                            | party.pinyin_initials.ilike(pattern)),
                        limit=20))
                return cursor.fetchall()
            s, _ = timed(suite, args.repeat // 10 or 1)
            b, _ = timed(base, args.repeat // 10 or 1)
            record('search doctors by %s (%r)' % (label, value), s, b)


def bench_kpi(args, pool, company_id):
    from sql.aggregate import Count
    from trytond.transaction import Transaction
    today = datetime.date.today()
    for label, days in [('month', 30), ('year', 365)]:
        from_date = today - datetime.timedelta(days=days)
        context = {'company': company_id, 'from_date': from_date,
            'to_date': today}
        with Transaction().start(args.database, 0,
                context=context) as transaction:
            Report = pool.get('pharma.call.report.rep_day')
            Call = pool.get('pharma.call')
            call = Call.__table__()
            cursor = transaction.connection.cursor()

            def suite():
                records = Report.search([])
                return Report.read([r.id for r in records],
                    ['employee', 'date', 'calls', 'doctors', 'hospitals'])

            def base():
                day = call.date.cast('DATE')
                cursor.execute(*call.select(call.employee, day,
                        Count(call.id), Count(call.party, distinct=True),
                        Count(call.hospital, distinct=True),
                        where=(call.company == company_id)
                        & (call.state == 'done')
                        & (call.date >= datetime.datetime.combine(
                                from_date, datetime.time())),
                        group_by=[call.employee, day]))
                return cursor.fetchall()
            s, _ = timed(suite, 3)
            b, _ = timed(base, 3)
            record('rep KPI report (%s)' % label, s, b)


def bench_share(args, pool, company_id):
    from sql.aggregate import Sum
    from trytond.transaction import Transaction
    today = datetime.date.today()
    month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(
        day=1)
    with Transaction().start(args.database, 0,
            context={'company': company_id}) as transaction:
        Share = pool.get('pharma.market.share')
        Flow = pool.get('pharma.flow.line')
        Company = pool.get('company.company')
        flow = Flow.__table__()
        cursor = transaction.connection.cursor()
        company = Company(company_id)

        def suite():
            return Share.compute(month, company)

        def base():
            cursor.execute(*flow.select(flow.customer, flow.product,
                    Sum(flow.quantity),
                    where=(flow.company == company_id)
                    & (flow.date >= month),
                    group_by=[flow.customer, flow.product]))
            return cursor.fetchall()
        s, _ = timed(suite, 3)
        b, _ = timed(base, 3)
        record('market share (month)', s, b)
        transaction.rollback()
    with Transaction().start(args.database, 0,
            context={'company': company_id, 'from_date': month,
                'to_date': today}) as transaction:
        Reconciliation = pool.get('pharma.channel.reconciliation')
        flow = Flow.__table__()
        cursor = transaction.connection.cursor()

        def suite():
            records = Reconciliation.search([('month', '=', month)])
            return Reconciliation.read([r.id for r in records],
                ['distributor', 'product', 'sell_in', 'sell_out'])

        def base():
            cursor.execute(*flow.select(flow.distributor, flow.product,
                    Sum(flow.quantity),
                    where=(flow.company == company_id)
                    & (flow.month == month),
                    group_by=[flow.distributor, flow.product]))
            return cursor.fetchall()
        s, _ = timed(suite, 3)
        b, _ = timed(base, 3)
        record('sell-in/sell-out reconciliation (month)', s, b)


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


def write_results(args):
    path = os.path.join(ROOT, 'bench', 'RESULTS.md')
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
        "share,flow")
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
    only = (args.only or 'call,search,kpi,share,flow').split(',')
    if 'search' in only:
        bench_search(args, pool, company_id)
    if 'kpi' in only:
        bench_kpi(args, pool, company_id)
    if 'share' in only:
        bench_share(args, pool, company_id)
    if 'flow' in only:
        bench_flow_import(args, pool, company_id)
    if 'call' in only:
        bench_call_log(args, pool, company_id)
    write_results(args)


if __name__ == '__main__':
    main()
