#!/usr/bin/env python3
# This file is part of the pharma suite. See README.md for license terms.
"""Create (or re-use) the demo database of the pharma suite.

    python scripts/demo.py --config trytond.conf --database demo

On a missing database: creates it, activates every pharma module of
addons/ (and their dependencies), loads Chinese, sets up a Shanghai
pharmaceutical manufacturer (CNY, Asia/Shanghai) with its chart of
accounts and fiscal year, closes the start-up configuration wizards,
creates one user per role, the hospitals/doctors demo data and then runs
each module's optional ``addons/<module>/demo.py`` ``create_demo(ctx)`` in
dependency order.

On an existing database: keeps the data (no duplicates); only modules that
were not activated yet are activated and get their demo data.
The logins are printed in both cases.
"""
import argparse
import configparser
import datetime
import json
import os
import random
import time
from decimal import Decimal

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDONS = os.path.join(ROOT, 'addons')

COMPANY_NAME = '上海华东制药有限公司'
LANGUAGE = 'zh_CN'
TIMEZONE = 'Asia/Shanghai'

# login: (name, [pharma groups], [official groups], language)
USERS = [
    ('rep1', '李明 (医药代表)', ['group_pharma_rep'], []),
    ('rep2', '王芳 (医药代表)', ['group_pharma_rep'], []),
    ('sales1', '张伟 (商务)', ['group_pharma_commercial'],
        ['sale.group_sale']),
    ('manager1', '陈静 (大区经理)', ['group_pharma_manager'], []),
    ('marketing1', '刘洋 (市场)',
        ['group_pharma_marketing', 'group_pharma_marketing_manager'], []),
    ('clerk1', '赵丽 (内勤)', ['group_pharma_clerk'], []),
    ('finance1', '孙强 (财务)', ['group_pharma_finance'],
        ['account.group_account']),
    ('logistics1', '周磊 (物流)', ['group_pharma_logistics'],
        ['stock.group_stock']),
    ('medical1', '吴敏 (医学)', ['group_pharma_medical'], []),
    ('quality1', '郑洁 (质量)', ['group_pharma_quality'], []),
    ('compliance1', '钱伟 (合规)', [],
        ['pharma_compliance.group_pharma_compliance']),
    ]
ROLE_LABELS = {
    'admin': 'Pharma Administrator (系统管理员)',
    'rep1': 'Pharma Representative (医药代表)',
    'rep2': 'Pharma Representative (医药代表)',
    'sales1': 'Pharma Commercial (商务)',
    'manager1': 'Pharma Regional Manager (大区经理), supervisor of rep1/rep2',
    'marketing1': 'Pharma Marketing + Marketing Manager (市场)',
    'clerk1': 'Pharma Clerk (内勤)',
    'finance1': 'Pharma Finance (财务)',
    'logistics1': 'Pharma Logistics (物流)',
    'medical1': 'Pharma Medical (医学)',
    'quality1': 'Pharma Quality (质量)',
    'compliance1': 'Pharma Compliance (合规)',
    }


def password(login):
    # Tryton refuses passwords shorter than 8 characters or equal to the
    # login ([password] length = 8 by default), so 'admin' is not possible
    return '%s-pass-2026' % login


_start = time.monotonic()


def progress(message):
    print('[demo %5.1fs] %s' % (time.monotonic() - _start, message),
        flush=True)


def pharma_modules():
    """The pharma modules of addons/ whose tryton.cfg parses and lists only
    existing files (and whose pharma dependencies qualify too)"""
    modules, depends = [], {}
    for name in sorted(os.listdir(ADDONS)):
        directory = os.path.join(ADDONS, name)
        path = os.path.join(directory, 'tryton.cfg')
        if not name.startswith('pharma_') or not os.path.isfile(path):
            continue
        parser = configparser.ConfigParser()
        try:
            parser.read(path, encoding='utf-8')
            parser.get('tryton', 'version')
            xml = parser.get('tryton', 'xml', fallback='').split()
            depends[name] = parser.get(
                'tryton', 'depends', fallback='').split()
        except configparser.Error as exc:
            progress('SKIPPED %s: its tryton.cfg does not parse (%s)'
                % (name, exc))
            continue
        missing = [f for f in xml
            if not os.path.isfile(os.path.join(directory, f))]
        if missing:
            progress('SKIPPED %s: its tryton.cfg lists missing files: %s'
                % (name, ', '.join(missing)))
            continue
        modules.append(name)
    changed = True
    while changed:
        changed = False
        for name in list(modules):
            lacking = [d for d in depends[name]
                if d.startswith('pharma_') and d not in modules]
            if lacking:
                progress('SKIPPED %s: depends on %s'
                    % (name, ', '.join(lacking)))
                modules.remove(name)
                changed = True
    return modules


def source_hash():
    "A digest of the pharma modules' sources"
    import glob
    import hashlib
    digest = hashlib.sha1()
    for path in sorted(glob.glob(
                os.path.join(ADDONS, 'pharma_*', '**', '*'), recursive=True)):
        if '__pycache__' in path or os.path.isdir(path):
            continue
        if path.endswith(('.py', '.xml', '.cfg', '.po')):
            digest.update(path.encode())
            with open(path, 'rb') as f:
                digest.update(f.read())
    return digest.hexdigest()


def load_config(paths):
    "Read the configuration files (later ones override earlier ones)"
    from trytond import config
    if isinstance(paths, str):
        paths = [paths]
    config.update_etc([os.path.abspath(p) for p in paths])
    db_path = config.get('database', 'path')
    if db_path:
        # trytond's SQLite backend turns a relative path into an absolute
        # one from / (file:///var/db/...): make it absolute from here
        db_path = os.path.abspath(db_path)
        config.set('database', 'path', db_path)
        os.makedirs(db_path, exist_ok=True)


# ---------------------------------------------------------------- database

def database_exists(name):
    from trytond import backend
    database = backend.Database().connect()
    return name in database.list()


def initialised(name):
    from trytond import backend
    database = backend.Database(name).connect()
    connection = database.get_connection()
    try:
        return database.test()
    finally:
        database.put_connection(connection)


def create_database(name):
    from sql import Table

    from trytond import backend
    database = backend.Database()
    database.connect()
    connection = database.get_connection(autocommit=True)
    try:
        database.create(connection, name)
    finally:
        database.put_connection(connection)
        database.close()
    database = backend.Database(name)
    connection = database.get_connection()
    try:
        with connection.cursor() as cursor:
            database.init()
            ir_configuration = Table('ir_configuration')
            cursor.execute(*ir_configuration.insert(
                    [ir_configuration.language], [[LANGUAGE]]))
        connection.commit()
    finally:
        database.put_connection(connection)


def activated_modules(name):
    from trytond.transaction import Transaction
    from sql import Table
    ir_module = Table('ir_module')
    with Transaction().start(name, 0, readonly=True) as transaction:
        cursor = transaction.connection.cursor()
        cursor.execute(*ir_module.select(ir_module.name,
                where=ir_module.state == 'activated'))
        return {n for n, in cursor}


def activate(name, modules):
    "Activate modules (and their dependencies) with Chinese loaded"
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    pool = Pool(name)
    pool.init(update=['ir', 'res'] + list(modules), lang=['en', LANGUAGE],
        activatedeps=True)
    with Transaction().start(name, 0):
        Lang = pool.get('ir.lang')
        Configuration = pool.get('ir.configuration')
        languages = Lang.search([('code', '=', LANGUAGE)])
        Lang.write(languages, {'translatable': True})
        configuration = Configuration(1)
        configuration.language = LANGUAGE
        configuration.save()
    return pool


def module_order(modules):
    "The modules in dependency order"
    from trytond.modules import create_graph
    return [node.name for node in create_graph(set(modules))]


# ------------------------------------------------------------ company/users

def get_company(pool):
    Company = pool.get('company.company')
    companies = Company.search(
        [('party.name', '=', COMPANY_NAME)], limit=1)
    return companies[0] if companies else None


def model_data_id(pool, module, fs_id):
    ModelData = pool.get('ir.model.data')
    records = ModelData.search([
            ('module', '=', module), ('fs_id', '=', fs_id)], limit=1)
    return records[0].db_id if records else None


def create_country(pool):
    "China and the three provinces of the demo (no country is loaded)"
    Country = pool.get('country.country')
    Subdivision = pool.get('country.subdivision')
    countries = Country.search([('code', '=', 'CN')], limit=1)
    if countries:
        china, = countries
    else:
        china, = Country.create([{
                    'name': '中国', 'code': 'CN', 'code3': 'CHN',
                    'code_numeric': '156',
                    }])
    wanted = [
        ('CN-SH', '上海市', 'municipality'),
        ('CN-JS', '江苏省', 'province'),
        ('CN-ZJ', '浙江省', 'province'),
        ]
    existing = {s.code: s for s in Subdivision.search(
            [('code', 'in', [w[0] for w in wanted])])}
    to_create = [{
            'country': china.id, 'code': code, 'name': name, 'type': type_,
            } for code, name, type_ in wanted if code not in existing]
    if to_create:
        for subdivision in Subdivision.create(to_create):
            existing[subdivision.code] = subdivision
    return china, existing


def create_company(pool, china, subdivisions):
    Currency = pool.get('currency.currency')
    Party = pool.get('party.party')
    Company = pool.get('company.company')
    currencies = Currency.search([('code', '=', 'CNY')], limit=1)
    if currencies:
        cny, = currencies
    else:
        cny, = Currency.create([{
                    'name': '人民币', 'code': 'CNY', 'numeric_code': '156',
                    'symbol': '¥', 'rounding': Decimal('0.01'),
                    'digits': 2,
                    }])
    party, = Party.create([{
                'name': COMPANY_NAME,
                'addresses': [('create', [{
                                'street': '张江高科技园区蔡伦路 88 号',
                                'postal_code': '201203',
                                'city': '上海市浦东新区',
                                'country': china.id,
                                'subdivision': subdivisions['CN-SH'].id,
                                }])],
                }])
    company, = Company.create([{
                'party': party.id,
                'currency': cny.id,
                'timezone': TIMEZONE,
                }])
    return company


def create_accounts(pool, company, today):
    "Chart of accounts and fiscal year, as the account wizard does"
    if 'account.create_chart' not in dict(pool.iterobject('wizard')):
        return
    AccountTemplate = pool.get('account.account.template')
    Account = pool.get('account.account')
    CreateChart = pool.get('account.create_chart', type='wizard')
    template = AccountTemplate(
        model_data_id(pool, 'account', 'account_template_root_en'))  # English minimal chart
    session_id, _, _ = CreateChart.create()
    chart = CreateChart(session_id)
    chart.account.account_template = template
    chart.account.company = company
    chart.transition_create_account()
    state = chart.states['properties']
    for name, value in state.get_defaults(chart, 'properties',
            list(chart.properties._fields.keys())).items():
        if name in chart.properties._fields:
            setattr(chart.properties, name, value)
    for name, kind in [
            ('account_receivable', 'receivable'),
            ('account_payable', 'payable')]:
        if not getattr(chart.properties, name, None):
            account, = Account.search([
                    ('type.%s' % kind, '=', True),
                    ('party_required', '=', True),
                    ('company', '=', company.id),
                    ], limit=1)
            setattr(chart.properties, name, account)
    chart.transition_create_properties()
    CreateChart.delete(session_id)

    FiscalYear = pool.get('account.fiscalyear')
    Sequence = pool.get('ir.sequence.strict')
    SequenceType = pool.get('ir.sequence.type')
    sequence_type_id = model_data_id(pool, 'account', 'sequence_type_account_move')
    if sequence_type_id is None:
        sequence_type_id = SequenceType.search(
            [('name', '=', 'Account Move')], limit=1)[0].id
    invoice_type_id = model_data_id(
        pool, 'account_invoice', 'sequence_type_account_invoice')
    for year in [today.year - 1, today.year]:
        sequence, = Sequence.create([{
                    'name': '%s' % year,
                    'sequence_type': sequence_type_id,
                    'company': company.id,
                    }])
        values = {
            'name': '%s' % year,
            'company': company.id,
            'start_date': datetime.date(year, 1, 1),
            'end_date': datetime.date(year, 12, 31),
            'move_sequence': sequence.id,
            }
        if invoice_type_id and 'invoice_sequences' in FiscalYear._fields:
            # account_invoice: the numbering of invoices and credit notes
            invoice_sequence, = Sequence.create([{
                        'name': '发票 %s' % year,
                        'sequence_type': invoice_type_id,
                        'company': company.id,
                        }])
            values['invoice_sequences'] = [('create', [{
                            'company': company.id,
                            'out_invoice_sequence': invoice_sequence.id,
                            'in_invoice_sequence': invoice_sequence.id,
                            'out_credit_note_sequence': invoice_sequence.id,
                            'in_credit_note_sequence': invoice_sequence.id,
                            }])]
        fiscalyear, = FiscalYear.create([values])
        FiscalYear.create_period([fiscalyear])


def close_config_wizards(pool):
    Item = pool.get('ir.module.config_wizard.item')
    items = Item.search([('state', '!=', 'done')])
    if items:
        Item.write(items, {'state': 'done'})


def create_users(pool, company):
    "One employee per user; one user per role; admin gets an employee too"
    Party = pool.get('party.party')
    Employee = pool.get('company.employee')
    User = pool.get('res.user')
    Lang = pool.get('ir.lang')
    zh_cn, = Lang.search([('code', '=', LANGUAGE)])

    admin, = User.search([('login', '=', 'admin')])
    names = [('admin', '系统管理员')] + [(u[0], u[1]) for u in USERS]
    parties = Party.create([{'name': n.split(' ')[0]} for _, n in names])
    employees = Employee.create([{
                'party': p.id, 'company': company.id,
                'start_date': datetime.date(2020, 1, 1),
                } for p in parties])
    employee_of = {login: e for (login, _), e in zip(names, employees)}
    manager = employee_of['manager1']
    Employee.write(
        [employee_of['rep1'], employee_of['rep2']],
        {'supervisor': manager.id})

    def group_ids(pharma, official):
        ids = [model_data_id(pool, 'pharma_hospital', g) for g in pharma]
        for xml_id in official:
            module, fs_id = xml_id.split('.')
            id_ = model_data_id(pool, module, fs_id)
            if id_:
                ids.append(id_)
        return [i for i in ids if i]

    User.write([admin], {
            'password': password('admin'),
            'companies': [('add', [company.id])],
            'company': company.id,
            'employees': [('add', [employee_of['admin'].id])],
            'employee': employee_of['admin'].id,
            'language': zh_cn.id,
            'groups': [('add', group_ids(['group_pharma_admin'], []))],
            })
    users = User.create([{
                'login': login,
                'name': name,
                'password': password(login),
                'language': zh_cn.id,
                'companies': [('add', [company.id])],
                'company': company.id,
                'employees': [('add', [employee_of[login].id])],
                'employee': employee_of[login].id,
                'groups': [('add', group_ids(pharma, official))],
                } for login, name, pharma, official in USERS])
    users = dict(zip([u[0] for u in USERS], users))
    users['admin'] = admin
    return users, employee_of


def load_users(pool, company):
    User = pool.get('res.user')
    logins = ['admin'] + [u[0] for u in USERS]
    users = {u.login: u for u in User.search([('login', 'in', logins)])}
    employees = {login: u.employee for login, u in users.items()
        if u.employee}
    return users, employees


# ------------------------------------------------------------- demo data

def has_fields(Model, *names):
    return all(n in Model._fields for n in names)


def print_logins(url=None):
    print('', flush=True)
    print('Demo logins (database %s):' % _args.database)
    print('  %-11s %-21s %s' % ('login', 'password', 'role'))
    for login in ['admin'] + [u[0] for u in USERS]:
        print('  %-11s %-21s %s' % (login, password(login),
                ROLE_LABELS[login]))
    from trytond import config
    listen = config.get('web', 'listen', default='127.0.0.1:8000')
    print('Web client: http://%s/#%s (started by `make serve` / `make demo`)'
        % (listen, _args.database if _args else 'demo'))
    print('', flush=True)


def build_ctx(pool, company, users, employees, today):
    return {
        'pool': pool,
        'company': company,
        'users': users,
        'employees': {k: v for k, v in employees.items() if k != 'admin'},
        'today': today,
        'progress': progress,
        'random': random.Random(20261125),
        }


def stamp_dir():
    """Where the demo keeps what it did to a database: next to the SQLite
    files, else in var/"""
    from trytond import backend, config
    if backend.name == 'sqlite' and config.get('database', 'path'):
        return config.get('database', 'path')
    return os.path.join(ROOT, 'var')


def in_transaction(name, user, func, context=None):
    """Run func(transaction) in a transaction, retried when it must lock a
    table (as trytond-admin does); the transaction is committed"""
    from trytond.transaction import Transaction, TransactionError
    extras = {}
    while True:
        with Transaction().start(
                name, user, context=context or {}, **extras) as transaction:
            try:
                return func(transaction)
            except TransactionError as exc:
                transaction.rollback()
                exc.fix(extras)
                continue


def run(args):
    load_config(args.config)
    from trytond.pool import Pool

    name = args.database
    wanted = args.modules.split(',') if args.modules else pharma_modules()
    progress('pharma modules: %s' % ', '.join(wanted))

    if not database_exists(name):
        progress('creating database %r' % name)
        create_database(name)
        before = set()
    elif not initialised(name):
        raise SystemExit('%r exists but is not a Tryton database' % name)
    else:
        before = activated_modules(name)
        progress('database %r exists: keeping its data' % name)

    missing = [m for m in wanted if m not in before]
    stamp = os.path.join(stamp_dir(), '%s.source' % name)
    source = source_hash()
    changed = before and (not os.path.exists(stamp)
        or open(stamp).read().strip() != source)
    if missing or changed:
        if missing:
            progress('activating %s with their dependencies and Chinese '
                '(a few minutes on a new database)' % ', '.join(missing))
        if changed:
            progress('the modules changed since the last run: updating '
                'the activated pharma modules (data kept)')
        update = missing + ([m for m in before if m.startswith('pharma_')]
            if changed else [])
        pool = activate(name, update)
    else:
        pool = Pool(name)
        pool.init()
    os.makedirs(os.path.dirname(stamp), exist_ok=True)
    with open(stamp, 'w') as f:
        f.write(source)
    after = activated_modules(name)
    new_modules = [m for m in module_order(after)
        if m not in before and m.startswith('pharma_')]
    today = datetime.date.today()

    def admin_id(transaction):
        User = pool.get('res.user')
        return User.search([('login', '=', 'admin')])[0].id
    admin = in_transaction(name, 0, admin_id)

    def company_id(transaction):
        company = get_company(pool)
        return company.id if company else None
    company = in_transaction(name, 0, company_id)

    if company is None:
        def setup(transaction):
            progress('company %s (CNY, %s)' % (COMPANY_NAME, TIMEZONE))
            china, subdivisions = create_country(pool)
            company = create_company(pool, china, subdivisions)
            progress('users and employees')
            create_users(pool, company)
            return company.id
        company = in_transaction(name, 0, setup)

    def accounts(transaction):
        if 'account.account' not in dict(pool.iterobject()):
            return
        Account = pool.get('account.account')
        if Account.search([('company', '=', company)], limit=1):
            return
        progress('chart of accounts and fiscal years')
        create_accounts(pool, pool.get('company.company')(company), today)
    in_transaction(name, admin, accounts, context={'company': company})

    def wizards(transaction):
        close_config_wizards(pool)
    in_transaction(name, 0, wizards)

    if args.no_data:
        print_logins()
        return

    context = {'company': company, '_skip_warnings': True}

    def make_ctx():
        company_ = pool.get('company.company')(company)
        users, employees = load_users(pool, company_)
        return build_ctx(pool, company_, users, employees, today)

    def has_hospitals(transaction):
        Party = pool.get('party.party')
        return bool(Party.search([('pharma_type', '=', 'hospital')], limit=1))
    # The modules whose demo data is in the database (a failed module demo
    # runs again on the next run, a module activated later gets its own)
    done_path = os.path.join(stamp_dir(), '%s.done' % name)
    if os.path.exists(done_path):
        with open(done_path) as f:
            done = set(json.load(f))
    else:
        # a database made before this file existed: its modules are done
        done = set(before) - set(new_modules)

    def save_done():
        with open(done_path, 'w') as f:
            json.dump(sorted(done), f)

    created = False
    if ('pharma_hospital' in after
            and not in_transaction(name, 0, has_hospitals)):
        # no base data (territories, hospitals, doctors): every module's
        # demo data goes again with it
        done = set()
    elif 'pharma_hospital' in after:
        done.add('pharma_hospital')
    import importlib
    for module in module_order(after):
        path = os.path.join(ADDONS, module, 'demo.py')
        if (not module.startswith('pharma_') or module in done
                or not os.path.isfile(path)):
            continue
        # pharma_hospital's demo (the base: territories, hospitals,
        # departments, doctors, drugs, coverage) runs in the database's
        # language as it always did; the others in English (below)
        language = {} if module == 'pharma_hospital' else {'language': 'en'}

        def module_demo(transaction):
            progress('%s: demo data (addons/%s/demo.py)' % (module, module))
            demo = importlib.import_module(
                'trytond.modules.%s.demo' % module)
            demo.create_demo(make_ctx())
        # the modules' demos are written (and tested) in English
        # databases: they may look records up by their English names
        in_transaction(name, admin, module_demo,
            context=dict(context, **language))
        done.add(module)
        save_done()
        created = True
    save_done()
    if not created:
        progress('nothing to create: the demo data is already there')
    progress('done')
    print_logins()


_args = None


def main():
    global _args
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', '-c', nargs='+', default=['trytond.conf'],
        help="configuration files, as for trytond -c")
    parser.add_argument('--database', '-d', default='demo')
    parser.add_argument('--modules',
        help="comma separated pharma modules (default: all of addons/)")
    parser.add_argument('--no-data', action='store_true',
        help="only the company, the users and the wizards, no demo data")
    _args = parser.parse_args()
    run(_args)


if __name__ == '__main__':
    main()
