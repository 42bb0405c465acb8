#!/usr/bin/env python3
# This file is part of the pharma suite. See README.md for license terms.
"""Fill a database with realistic, reproducible (seeded) data at a chosen
scale, with progress.

    .venv/bin/python bench/generate.py --scale small --database bench
    .venv/bin/python bench/generate.py --scale national --database national \\
        --uri postgresql://postgres@127.0.0.1:5432/

Master data (territories, hospitals, doctors, reps) goes through the suite's
own models in batches; departments, coverage, calls and flow lines are
bulk-inserted with python-sql (every column the ORM fills: create_uid,
create_date, defaults), then a sample of them is read and validated through
the ORM.
"""
import argparse
import datetime
import os
import random
import sys
import time
from decimal import Decimal

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'scripts'))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

SCALES = {
    # hospitals, doctors, reps, calls, flow lines, products
    'tiny': dict(hospitals=20, doctors=400, reps=4, calls=4000,
        flow=2000, products=10),
    'small': dict(hospitals=200, doctors=10000, reps=25, calls=100000,
        flow=25000, products=20),
    'national': dict(hospitals=2000, doctors=200000, reps=500,
        calls=2000000, flow=500000, products=40),
    }
PROVINCES = [
    ('上海市', ['上海市']), ('江苏省', ['南京市', '苏州市', '无锡市', '常州市']),
    ('浙江省', ['杭州市', '宁波市', '温州市']),
    ('北京市', ['北京市']), ('广东省', ['广州市', '深圳市', '佛山市', '东莞市']),
    ('山东省', ['济南市', '青岛市', '烟台市']), ('四川省', ['成都市', '绵阳市']),
    ('湖北省', ['武汉市', '宜昌市']), ('湖南省', ['长沙市', '株洲市']),
    ('河南省', ['郑州市', '洛阳市']), ('福建省', ['福州市', '厦门市']),
    ('安徽省', ['合肥市', '芜湖市']), ('河北省', ['石家庄市', '唐山市']),
    ('辽宁省', ['沈阳市', '大连市']), ('陕西省', ['西安市']),
    ('重庆市', ['重庆市']), ('天津市', ['天津市']),
    ]
SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤'
GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志文斌波宁琳雪梅晨欣怡佳慧凯浩宇轩然博涵晗'
HOSPITAL_KINDS = ['人民医院', '中心医院', '中医医院', '第一人民医院', '第二人民医院',
    '妇幼保健院', '肿瘤医院', '儿童医院', '附属医院', '社区卫生服务中心']
DEPARTMENTS = ['心内科', '肿瘤科', '呼吸内科', '消化内科', '内分泌科', '神经内科',
    '肾内科', '普外科', '骨科', '药剂科']
GENERICS = ['阿托伐他汀钙', '瑞舒伐他汀钙', '氨氯地平', '缬沙坦', '二甲双胍',
    '恩替卡韦', '奥美拉唑', '头孢呋辛', '左氧氟沙星', '氯吡格雷']

_start = time.monotonic()


def progress(message):
    print('[generate %7.1fs] %s' % (time.monotonic() - _start, message),
        flush=True)


def counter(label, total):
    state = {'last': 0.0}

    def report(done):
        now = time.monotonic()
        if done >= total or now - state['last'] > 5:
            state['last'] = now
            progress('%s: %d / %d' % (label, done, total))
    return report


def person_name(rng):
    return rng.choice(SURNAMES) + ''.join(
        rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', '-c', nargs='+',
        default=[os.path.join(ROOT, 'trytond.conf')])
    parser.add_argument('--database', '-d', default='bench')
    parser.add_argument('--uri', help="database URI (default: the config's)")
    parser.add_argument('--scale', choices=sorted(SCALES), default='small')
    parser.add_argument('--seed', type=int, default=2026)
    parser.add_argument('--workers', type=int,
        help="processes creating the doctors (default: one per core on "
        "PostgreSQL, 1 on SQLite)")
    parser.add_argument('--worker', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args)
    else:
        generate(args)


def generate(args):
    import demo
    demo.load_config(args.config)
    from trytond import config
    if args.uri:
        config.set('database', 'uri', args.uri)
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    scale = SCALES[args.scale]
    rng = random.Random(args.seed)
    name = args.database
    progress('scale %s: %s' % (args.scale, scale))
    if not demo.database_exists(name):
        progress('creating database %r' % name)
        demo.create_database(name)
    modules = demo.pharma_modules()
    if demo.initialised(name) and set(modules) <= demo.activated_modules(
            name):
        progress('modules already activated')
        pool = Pool(name)
        pool.init()
    else:
        progress('activating %s (a few minutes on a new database)'
            % ', '.join(modules))
        pool = demo.activate(name, modules)

    def setup(transaction):
        company = demo.get_company(pool)
        if company:
            return company.id
        china, subdivisions = demo.create_country(pool)
        company = demo.create_company(pool, china, subdivisions)
        demo.create_users(pool, company)
        demo.close_config_wizards(pool)
        return company.id
    company_id = demo.in_transaction(name, 0, setup)

    def check_empty(transaction):
        Party = pool.get('party.party')
        return not Party.search([('pharma_type', '=', 'doctor')], limit=1)
    context = {'company': company_id, '_skip_warnings': True,
        'language': 'en'}
    today = datetime.date.today()
    if not demo.in_transaction(name, 0, check_empty):
        def has_calls(transaction):
            return bool(pool.get('pharma.call').search([], limit=1))
        if demo.in_transaction(name, 0, has_calls):
            progress('the database already has doctors: nothing generated')
            return
        # the master data was committed but the facts were not (a failed
        # run): generate the facts on it
        progress('master data found without calls: generating the facts')

        def load(transaction):
            return load_master(pool)
        master_ids = demo.in_transaction(name, 0, load, context=context)

        def resume(transaction):
            create_facts(pool, scale, rng, company_id, today, master_ids)
        demo.in_transaction(name, 0, resume, context=context)
        analyze(name)
        progress('done: database %r' % name)
        return

    def master(transaction):
        return create_master(pool, scale, rng, company_id, today)
    hospitals, departments_of = demo.in_transaction(
        name, 0, master, context=context)
    # the hospitals are committed: the doctors' workers see them
    doctors, doctor_hospital = create_doctors(
        args, pool, scale, rng, hospitals, departments_of)

    def staff(transaction):
        return create_staff(pool, scale, rng, company_id, today,
            hospitals, doctors, doctor_hospital)
    master_ids = demo.in_transaction(name, 0, staff, context=context)

    def facts(transaction):
        create_facts(pool, scale, rng, company_id, today, master_ids)
    demo.in_transaction(name, 0, facts, context=context)

    def check(transaction):
        check_sample(pool, rng)
    demo.in_transaction(name, 0, check, context=context)
    analyze(name)
    progress('done: database %r' % name)


def analyze(name):
    """Refresh the planner's statistics and the indexes after the bulk
    load (autovacuum comes later): without them a rep's calls list took
    750 ms instead of 70 ms at small scale"""
    from trytond import backend
    if backend.name != 'postgresql':
        return
    progress('VACUUM ANALYZE')
    database = backend.Database(name).connect()
    connection = database.get_connection(autocommit=True)
    try:
        # VACUUM also merges the GIN pending lists the bulk load filled:
        # before it, the trigram index of party's search text took 57 ms
        # for a pinyin at small scale, 0.2 ms after
        connection.cursor().execute('VACUUM ANALYZE')
    finally:
        database.put_connection(connection)


def create_master(pool, scale, rng, company_id, today):
    from bulk import bulk_insert
    Territory = pool.get('pharma.territory')
    Party = pool.get('party.party')
    Department = pool.get('pharma.hospital.department')

    progress('territories')
    region, = Territory.create([{'name': '全国', 'code': 'CN-ALL',
                'level': 'region'}])
    cities = []
    for p_index, (province, city_names) in enumerate(PROVINCES):
        prov, = Territory.create([{'name': province, 'parent': region.id,
                    'code': 'P%02d' % p_index, 'level': 'province'}])
        cities.extend(Territory.create([{'name': c, 'parent': prov.id,
                        'code': 'P%02d-C%02d' % (p_index, c_index),
                        'level': 'city'}
                    for c_index, c in enumerate(city_names)]))

    progress('hospitals')
    hospitals = []
    report = counter('hospitals', scale['hospitals'])
    batch = []
    for i in range(scale['hospitals']):
        city = cities[i % len(cities)]
        batch.append({
                'name': '%s%s%s' % (city.name.rstrip('市'),
                    '第%d' % (i // len(cities) + 1) if i >= len(cities)
                    else '', rng.choice(HOSPITAL_KINDS)),
                'pharma_type': 'hospital',
                'territory': city.id,
                'hospital_grade': rng.choice(['3a', '3b', '2a', '2b', '1']),
                'hospital_type': 'general',
                'beds': rng.randrange(100, 3000),
                'key_account': i % 10 == 0,
                'key_level': 'A' if i % 10 == 0 else None,
                })
        if len(batch) >= 500:
            hospitals.extend(h.id for h in Party.create(batch))
            batch = []
            report(len(hospitals))
    if batch:
        hospitals.extend(h.id for h in Party.create(batch))
        report(len(hospitals))

    progress('departments (bulk)')
    departments = bulk_insert(Department, ({
                'hospital': h, 'name': d, 'active': True,
                'target': d != '药剂科'}
            for h in hospitals for d in DEPARTMENTS))
    departments_of = {h: departments[i * len(DEPARTMENTS):
            (i + 1) * len(DEPARTMENTS)] for i, h in enumerate(hospitals)}

    return hospitals, departments_of


def load_master(pool):
    "The ids create_master and create_staff return, read back"
    from trytond.transaction import Transaction
    Party = pool.get('party.party')
    Coverage = pool.get('pharma.coverage')
    Product = pool.get('product.product')
    party = Party.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*party.select(party.id, party.pharma_type, party.hospital,
            party.department, where=party.pharma_type.in_(
                ['hospital', 'doctor']), order_by=[party.id.asc]))
    hospitals, doctors, doctor_hospital = [], [], {}
    for id_, type_, hospital, department in cursor:
        if type_ == 'hospital':
            hospitals.append(id_)
        else:
            doctors.append(id_)
            doctor_hospital[id_] = (hospital, department)
    coverage = Coverage.__table__()
    cursor.execute(*coverage.select(coverage.party, coverage.employee,
            where=coverage.party.in_(party.select(party.id,
                    where=party.pharma_type == 'doctor'))))
    rep_of = dict(cursor)
    reps = sorted(set(rep_of.values()))
    return {
        'hospitals': hospitals, 'doctors': doctors,
        'doctor_hospital': doctor_hospital, 'reps': reps,
        'rep_of': rep_of,
        'products': [p.id for p in Product.search([],
                order=[('id', 'ASC')])],
        }


def create_staff(pool, scale, rng, company_id, today, hospitals, doctors,
        doctor_hospital):
    "Representatives, products and coverage"
    from bulk import bulk_insert
    Party = pool.get('party.party')
    Employee = pool.get('company.employee')
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    progress('representatives')
    reps = Employee.create([{
                'party': Party.create([{'name': person_name(rng)}])[0].id,
                'company': company_id,
                'start_date': today.replace(year=today.year - 3),
                } for _ in range(scale['reps'])])
    # the demo logins rep1 and rep2 are reps of the generated data too
    User = pool.get('res.user')
    named = [u.employee for u in User.search(
            [('login', 'in', ['rep1', 'rep2'])], order=[('login', 'ASC')])
        if u.employee]
    reps = named + list(reps)
    if 'rep_registration_status' in Employee._fields:
        Employee.write(reps, {'rep_registration_status': 'registered',
                'rep_registration_number': 'BENCH'})
    rep_ids = [r.id for r in reps]

    progress('products')
    unit, = Uom.search([('name', '=', 'Unit')])
    vlist = []
    for i in range(scale['products']):
        generic = GENERICS[i % len(GENERICS)]
        values = {'name': '%s %d' % (generic, i), 'default_uom': unit.id,
            'type': 'goods', 'list_price': Decimal('30'),
            'products': [('create', [{}])]}
        if 'generic_name' in Template._fields:
            values.update(generic_name=generic, pack_size=rng.choice(
                    [7, 14, 28, 30]))
        vlist.append(values)
    templates = Template.create(vlist)
    products = [t.products[0].id for t in templates]

    progress('coverage (bulk)')
    Coverage = pool.get('pharma.coverage')
    start = today.replace(year=today.year - 2)
    per_rep = max(1, len(doctors) // len(rep_ids))
    rep_of = {}
    rows = []
    for i, doctor in enumerate(doctors):
        rep = rep_ids[min(i // per_rep, len(rep_ids) - 1)]
        rep_of[doctor] = rep
        rows.append({'company': company_id, 'employee': rep,
                'party': doctor, 'role': 'primary', 'start_date': start})
    # a rep also covers the hospitals of the doctors they cover: the
    # client shows the call's hospital and department, which a rep may
    # read only through the hospital's coverage (or territory)
    pairs = sorted({(rep_of[d], doctor_hospital[d][0]) for d in doctors})
    rows.extend({'company': company_id, 'employee': rep, 'party': hospital,
            'role': 'primary' if n == 0 else 'secondary',
            'start_date': start}
        for n, (rep, hospital) in enumerate(pairs))
    bulk_insert(Coverage, rows,
        progress=counter('coverage', len(rows)))
    create_bench_users(pool, company_id, reps)
    return {
        'hospitals': hospitals, 'doctors': doctors,
        'doctor_hospital': doctor_hospital, 'reps': rep_ids,
        'rep_of': rep_of, 'products': products,
        }


# the load test's users: rep1, rep2 (demo) and these generated reps
BENCH_REPS = 15
# the sell-in moves: the products' list price and a cost price under it
MOVE_UNIT_PRICE = Decimal('30')
MOVE_COST_PRICE = Decimal('18')


def bench_login(index):
    return 'benchrep%02d' % index


def create_bench_users(pool, company_id, reps):
    """Logins for generated reps (bench/load.py logs in as 20 distinct
    users): benchrep01... for the reps after rep1 and rep2, supervised by
    manager1, with the demo's password scheme"""
    import demo
    User = pool.get('res.user')
    Employee = pool.get('company.employee')
    Lang = pool.get('ir.lang')
    progress('bench users')
    manager, = User.search([('login', '=', 'manager1')])
    rep1, = User.search([('login', '=', 'rep1')])
    generated = [r for r in reps[2:2 + BENCH_REPS]]
    if manager.employee:
        Employee.write(generated, {'supervisor': manager.employee.id})
    zh_cn, = Lang.search([('code', '=', 'zh_CN')])
    User.create([{
                'login': bench_login(i + 1),
                'name': '%s (医药代表)' % e.party.name,
                'password': demo.password(bench_login(i + 1)),
                'language': zh_cn.id,
                'companies': [('add', [company_id])],
                'company': company_id,
                'employees': [('add', [e.id])],
                'employee': e.id,
                'groups': [('add', [g.id for g in rep1.groups])],
                } for i, e in enumerate(generated)])


def doctor_rows(scale, rng, hospitals, departments_of):
    "The doctors' values, drawn in order from the seeded generator"
    rows = []
    for i in range(scale['doctors']):
        hospital = hospitals[i % len(hospitals)]
        department = rng.choice(departments_of[hospital])
        rows.append({
                'name': person_name(rng),
                'pharma_type': 'doctor',
                'hospital': hospital,
                'department': department,
                'doctor_title': rng.choice(['chief', 'associate_chief',
                        'attending', 'resident']),
                'doctor_tier': rng.choices(['A', 'B', 'C'], [2, 3, 5])[0],
                })
    return rows


def create_parties(Party, rows, report=None, batch_size=1000):
    "Create the parties of rows through the ORM in batches; return the ids"
    ids = []
    for start in range(0, len(rows), batch_size):
        ids.extend(p.id for p in Party.create(
                rows[start:start + batch_size]))
        if report:
            report(len(ids))
    return ids


def doctor_workers(args, scale):
    "How many processes create the doctors"
    from trytond import backend
    if backend.name != 'postgresql':
        # SQLite takes one writer at a time
        return 1
    workers = args.workers or os.cpu_count() or 1
    return max(1, min(workers, scale["doctors"] // 100 or 1))


def commit_parties(pool, database, rows, label):
    """Create the parties of rows in the company (batches of 1,000) in a
    transaction of their own; return the ids"""
    import demo

    def create(transaction):
        company = demo.get_company(pool)
        with transaction.set_context(company=company.id,
                _skip_warnings=True, language='en'):
            return create_parties(pool.get('party.party'), rows,
                report=counter(label, len(rows)))
    return demo.in_transaction(database, 0, create)


def create_doctors(args, pool, scale, rng, hospitals, departments_of):
    """The doctors through the ORM (Party.create in batches of 1,000).

    On PostgreSQL the rows are split between worker processes (one per
    core by default, --workers), each creating its share in its own
    transaction: the ORM's create is CPU-bound in Python, so two
    processes create twice as many parties a second on two cores. The
    rows are drawn in the parent from the seeded generator, so the data is
    the same whatever the number of workers; only the ids interleave."""
    rows = doctor_rows(scale, rng, hospitals, departments_of)
    workers = doctor_workers(args, scale)
    if workers == 1:
        progress('doctors through the ORM')
        ids = commit_parties(pool, args.database, rows, 'doctors')
    else:
        ids = run_workers(args, rows, workers)
    doctor_hospital = {i: (r['hospital'], r['department'])
        for i, r in zip(ids, rows)}
    return ids, doctor_hospital


def run_workers(args, rows, workers):
    """Create rows as parties in `workers` processes of this script (a
    contiguous slice each, committed by the worker); return the ids in the
    order of rows"""
    import pickle
    import subprocess
    import tempfile
    progress('doctors through the ORM in %d processes' % workers)
    tmp = tempfile.mkdtemp(prefix='pharma-generate-')
    size = -(-len(rows) // workers)
    procs = []
    for k in range(workers):
        part = os.path.join(tmp, 'rows-%d.pickle' % k)
        with open(part, 'wb') as f:
            pickle.dump(rows[k * size:(k + 1) * size], f)
        command = [sys.executable]
        if sys.flags.optimize:
            command.append('-' + 'O' * sys.flags.optimize)
        command += [os.path.abspath(__file__), '--database', args.database,
            '--worker', part, '--config', *args.config]
        if args.uri:
            command += ['--uri', args.uri]
        procs.append(subprocess.Popen(command))
    failed = [p for p in procs if p.wait() != 0]
    if failed:
        raise SystemExit('a doctors worker failed')
    ids = []
    for k in range(workers):
        with open(os.path.join(tmp, 'rows-%d.pickle.ids' % k), 'rb') as f:
            ids.extend(pickle.load(f))
    if len(ids) != len(rows):
        raise SystemExit('the workers created %d of %d doctors'
            % (len(ids), len(rows)))
    return ids


def worker(args):
    "A doctors worker: create the parties of the rows file, commit"
    import pickle

    import demo
    demo.load_config(args.config)
    from trytond import config
    if args.uri:
        config.set('database', 'uri', args.uri)
    from trytond.pool import Pool
    with open(args.worker, 'rb') as f:
        rows = pickle.load(f)
    pool = Pool(args.database)
    pool.init()
    label = 'doctors (%s)' % os.path.basename(args.worker).split('.')[0]
    ids = commit_parties(pool, args.database, rows, label)
    with open(args.worker + '.ids', 'wb') as f:
        pickle.dump(ids, f)


def create_facts(pool, scale, rng, company_id, today, ids):
    from bulk import bulk_insert
    Call = pool.get('pharma.call')
    Party = pool.get('party.party')
    doctors = ids['doctors']
    start = datetime.datetime.combine(
        today - datetime.timedelta(days=365), datetime.time(9))
    progress('calls (bulk)')
    call_types = ['face_to_face', 'department_meeting', 'phone', 'online']

    def calls():
        for i in range(scale['calls']):
            doctor = doctors[rng.randrange(len(doctors))]
            hospital, department = ids['doctor_hospital'][doctor]
            yield {
                'company': company_id,
                'employee': ids['rep_of'][doctor],
                'party': doctor,
                'hospital': hospital,
                'department': department,
                'date': start + datetime.timedelta(
                    minutes=rng.randrange(365 * 24 * 60)),
                'call_type': rng.choice(call_types),
                'state': 'done',
                }
    bulk_insert(Call, calls(), progress=counter('calls', scale['calls']))

    try:
        Flow = pool.get('pharma.flow.line')
    except KeyError:
        return
    progress('distributors')
    distributors = [d.id for d in Party.create([{
                    'name': '医药商业公司%02d' % i,
                    'pharma_type': 'distributor',
                    'addresses': [('create', [{'city': '上海市'}])],
                    } for i in range(20)])]
    names = {p.id: p.name for p in Party.browse(ids['hospitals'])}
    products = ids['products']
    day0 = today - datetime.timedelta(days=365)

    def flows():
        for i in range(scale['flow']):
            hospital = ids['hospitals'][rng.randrange(len(ids['hospitals']))]
            date = day0 + datetime.timedelta(days=rng.randrange(365))
            quantity = rng.randrange(1, 200)
            price = Decimal(rng.randrange(1000, 9000)) / 100
            yield {
                'company': company_id,
                'distributor': distributors[hospital % len(distributors)],
                'date': date,
                'month': date.replace(day=1),
                'customer_name': names[hospital],
                'customer': hospital,
                'product_name': 'P%d' % (i % len(products)),
                'product': products[i % len(products)],
                'quantity': quantity,
                'unit_price': price,
                'amount': price * quantity,
                }
    progress('sales flow (bulk)')
    bulk_insert(Flow, flows(), progress=counter('flow lines', scale['flow']))
    months = sorted({(day0 + datetime.timedelta(days=d)).replace(day=1)
            for d in range(0, 366, 28)})
    create_channel(pool, rng, company_id, today, distributors, products,
        months)
    create_market(pool, rng, company_id, today, ids, products, months)


def add_month(month, n=1):
    month = month.replace(day=1)
    year, index = divmod(month.month - 1 + n, 12)
    return month.replace(year=month.year + year, month=index + 1)


def create_channel(pool, rng, company_id, today, distributors, products,
        months):
    """What the reconciliation reads besides the flow: the distributors'
    inventory snapshots (two a month, the report takes the last) and our
    sell-in, done customer shipments with their stock moves"""
    from bulk import bulk_insert
    Inventory = pool.get('pharma.inventory.line')
    Location = pool.get('stock.location')
    Shipment = pool.get('stock.shipment.out')
    Move = pool.get('stock.move')
    Product = pool.get('product.product')

    def inventory():
        for month in months:
            following = add_month(month)
            for distributor in distributors:
                for product in products:
                    for day in (14, following.replace(day=1)
                            - datetime.timedelta(days=1)):
                        if isinstance(day, int):
                            day = month.replace(day=day)
                        yield {
                            'company': company_id,
                            'distributor': distributor,
                            'date': day,
                            'month': month,
                            'next_month': following,
                            'product': product,
                            'product_name': 'P%d' % product,
                            'quantity': rng.randrange(0, 500),
                            }
    progress('distributor inventory (bulk)')
    bulk_insert(Inventory, inventory())

    warehouse, = Location.search([('type', '=', 'warehouse')], limit=1)
    customer, = Location.search([('type', '=', 'customer')], limit=1)
    unit = {p.id: p.default_uom.id for p in Product.browse(products)}
    Party = pool.get('party.party')
    address = {p.id: p.addresses[0].id for p in Party.browse(distributors)}
    shipments = []
    for month in months:
        if month > today:
            continue
        for distributor in distributors:
            date = month + datetime.timedelta(days=rng.randrange(28))
            shipments.append({
                    'company': company_id,
                    'customer': distributor,
                    'delivery_address': address[distributor],
                    'warehouse': warehouse.id,
                    'warehouse_output': warehouse.output_location.id,
                    'warehouse_storage': warehouse.storage_location.id,
                    'state': 'done',
                    'planned_date': date,
                    'effective_date': date,
                    'number': 'BENCH-%s-%d' % (month.strftime('%Y%m'),
                        distributor),
                    })
    progress('customer shipments and stock moves (bulk)')
    shipment_ids = bulk_insert(Shipment, shipments)
    currency = pool.get('company.company')(company_id).currency.id

    def moves():
        for shipment_id, shipment in zip(shipment_ids, shipments):
            for product in products:
                quantity = float(rng.randrange(10, 400))
                yield {
                    'company': company_id,
                    'product': product,
                    'unit': unit[product],
                    'quantity': quantity,
                    'internal_quantity': quantity,
                    'from_location': warehouse.output_location.id,
                    'to_location': customer.id,
                    'shipment': 'stock.shipment.out,%d' % shipment_id,
                    'state': 'done',
                    'planned_date': shipment['effective_date'],
                    'effective_date': shipment['effective_date'],
                    # a done move out of storage to a customer requires
                    # its sale price and its cost price (stock.move's
                    # unit_price_required and cost_price_required)
                    'unit_price': MOVE_UNIT_PRICE,
                    'currency': currency,
                    'cost_price': MOVE_COST_PRICE,
                    }
    bulk_insert(Move, moves())


def create_market(pool, rng, company_id, today, ids, products, months):
    """What the market share reads besides our flow: competitors and
    their products, market data per hospital and molecule, volume
    observations of reps, and awarded tenders with committed volumes
    (competitors' wins)"""
    from bulk import bulk_insert
    try:
        Competitor = pool.get('pharma.competitor')
        MarketData = pool.get('pharma.market.data')
    except KeyError:
        return
    Party = pool.get('party.party')
    CompetitorProduct = pool.get('pharma.competitor.product')
    Observation = pool.get('pharma.competitor.observation')
    progress('competitors')
    parties = Party.create([{'name': '竞品药业%02d' % i,
                'pharma_type': 'manufacturer'} for i in range(5)])
    competitors = Competitor.create([{'party': p.id} for p in parties])
    cproducts = CompetitorProduct.create([{
                'competitor': competitors[i % len(competitors)].id,
                'brand': '竞品%s' % generic,
                'generic_name': generic,
                'pack_size': 28,
                } for i, generic in enumerate(GENERICS)])
    hospitals = ids['hospitals']
    recent = [m for m in months if m <= today][-3:]

    def market():
        for month in recent:
            for hospital in hospitals:
                for n, cp in enumerate(cproducts):
                    if (hospital + n) % 3:
                        continue
                    units = float(rng.randrange(100, 5000))
                    yield {
                        'company': company_id, 'month': month,
                        'hospital': hospital,
                        'generic_name': cp.generic_name,
                        'manufacturer': cp.competitor.party.id,
                        'competitor_product': cp.id,
                        'units': units,
                        'amount': Decimal(int(units)) * 3,
                        'source': 'IQVIA',
                        }
    progress('market data (bulk)')
    bulk_insert(MarketData, market())

    reps = ids['reps']

    def observations():
        for month in recent:
            for hospital in hospitals:
                for n, cp in enumerate(cproducts):
                    # the hospitals and molecules market data leaves out
                    if not (hospital + n) % 3 or (hospital + n) % 3 == 2:
                        continue
                    yield {
                        'company': company_id,
                        'date': month + datetime.timedelta(
                            days=rng.randrange(27)),
                        'competitor': cp.competitor.id,
                        'competitor_product': cp.id,
                        'hospital': hospital,
                        'kind': 'volume',
                        'volume': float(rng.randrange(5, 200)),
                        'source': 'call',
                        'observer': reps[hospital % len(reps)],
                        }
    progress('competitor observations (bulk)')
    bulk_insert(Observation, observations())

    try:
        Tender = pool.get('pharma.tender')
    except KeyError:
        return
    Line = pool.get('pharma.tender.line')
    Volume = pool.get('pharma.tender.line.volume')
    progress('awarded tenders (bulk)')
    start = recent[0] if recent else today.replace(day=1)
    tenders = bulk_insert(Tender, [{
                'name': '集采%d' % i, 'company': company_id,
                'tender_type': Tender.tender_type.selection[0][0],
                'state': 'awarded',
                'award_date': start - datetime.timedelta(days=30),
                'validity_start': start,
                'validity_end': add_month(start, 24)
                - datetime.timedelta(days=1),
                } for i in range(3)])
    lines = bulk_insert(Line, [{
                'tender': tenders[n % len(tenders)],
                'generic_name': cp.generic_name,
                'competitor_product': cp.id,
                'winning_company': cp.competitor.party.id,
                'winning_price': Decimal('1.5'),
                } for n, cp in enumerate(cproducts)])
    bulk_insert(Volume, [{
                'line': line, 'hospital': hospital,
                'committed_volume': float(rng.randrange(100, 2000)),
                } for n, line in enumerate(lines)
            for hospital in hospitals if (hospital + n) % 3 == 2])


def check_sample(pool, rng):
    "Read and validate a sample of the bulk rows through the ORM"
    progress('checking a sample through the ORM')
    for model in ['pharma.call', 'pharma.coverage',
            'pharma.hospital.department', 'pharma.flow.line',
            'pharma.inventory.line', 'stock.move', 'pharma.market.data',
            'pharma.competitor.observation', 'pharma.tender.line.volume']:
        try:
            Model = pool.get(model)
        except KeyError:
            continue
        ids = [r.id for r in Model.search([], limit=1000,
                order=[('id', 'DESC')])]
        sample = Model.browse(rng.sample(ids, min(len(ids), 200)))
        names = [n for n in Model._fields if not n.startswith('_')]
        Model.read([r.id for r in sample], names)
        Model._validate(sample)
        progress('%s: %d records read and validated' % (model, len(sample)))


if __name__ == '__main__':
    main()
