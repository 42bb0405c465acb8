# This file is part of the pharma suite. See README.md for license terms.
"""Two trytond application processes (gunicorn, deploy/gunicorn.conf.py
and deploy/trytond.conf) on one PostgreSQL database, each behind its own
port of one nginx (deploy/nginx.py): a change made through one is seen
through the other at once.

The caches this proves right across processes are Tryton's (trytond.cache):
the record rule domains, which hold the suite's per-user lists (a rep's
covered parties, a manager's team and territories, ir.rule context), access
rights and translations. With [cache] clean_timeout = 0 (deploy/trytond.conf)
each process listens to PostgreSQL's notifications and clears them when
another commits. Each check reads through process B first (so that B has
the old answer cached), changes through process A, then reads through B
again: with clean_timeout = 300 the reads of B are stale and this test
fails (PHARMA_SCALE_OUT_CLEAN_TIMEOUT=300 shows it).

PostgreSQL only (SQLite has no notifications and one file per process);
skipped on SQLite, and when nginx is missing outside CI (make test
installs it: make nginx).
"""
import atexit
import base64
import datetime
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEPLOY = os.path.join(ROOT, 'deploy')
PASSWORD = 'scale-out-2026-pw'
POSTGRESQL = os.environ.get('TRYTOND_DATABASE__URI', os.environ.get(
        'TRYTOND_DATABASE_URI', '')).startswith('postgresql')
NGINX = shutil.which('nginx') or (
    '/usr/sbin/nginx' if os.path.exists('/usr/sbin/nginx') else None)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class RpcError(Exception):
    pass


class Client:
    "A JSON-RPC client of one user through one address"

    def __init__(self, url, database):
        self.url = '%s/%s/rpc/' % (url, database)
        self.origin = url
        self.auth = None
        self.context = {}

    def __call__(self, method, *params):
        data = json.dumps({'id': 1, 'method': method,
                'params': list(params)}, default=str).encode()
        # as the web client: trytond refuses an Origin that does not match
        # the Host nginx passes on (its port included)
        request = urllib.request.Request(self.url, data=data,
            headers={'Content-Type': 'application/json',
                'Origin': self.origin})
        if self.auth:
            request.add_header('Authorization', self.auth)
        with urllib.request.urlopen(request, timeout=120) as response:
            result = json.loads(response.read())
        if result.get('error'):
            raise RpcError(result['error'])
        return result['result']

    def login(self, login):
        user_id, session = self('common.db.login', login,
            {'password': PASSWORD}, 'en')[:2]
        self.auth = 'Session ' + base64.b64encode(('%s:%s:%s' % (
                        login, user_id, session)).encode()).decode()
        self.context = self('model.res.user.get_preferences', True, {})
        self.user_id = user_id
        return self

    def model(self, model, method, *args):
        return self('model.%s.%s' % (model, method), *args, self.context)


def wait(url, seconds=240):
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.read()
        except (OSError, urllib.error.URLError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


class Stack:
    """The deployed processes of a test class on loopback: two gunicorn
    application processes (deploy/gunicorn.conf.py, deploy/trytond.conf as
    deploy/prod_local.py writes it), each behind its own port of one nginx
    (deploy/nginx.py), and on demand trytond-cron and trytond-worker
    started as the systemd units start them; all stopped by tearDownClass,
    or by setUpClass when it fails, or at the test process's exit"""
    modules = ['pharma_calls']

    @classmethod
    def setUpClass(cls):
        from trytond.tests.test_tryton import (
            DB_NAME, activate_module, db_exist, drop_db)
        if db_exist(DB_NAME):
            # left over by an interrupted run: its data would collide
            drop_db()
        activate_module(cls.modules)
        cls.database = DB_NAME
        cls.tmp = tempfile.mkdtemp(prefix='pharma-scale-out-')
        cls.pidfiles = {}
        atexit.register(cls._stop)
        try:
            cls.data = cls._setup_data()
            cls._start()
        except Exception:
            cls._stop()
            drop_db()
            raise

    @classmethod
    def tearDownClass(cls):
        cls._stop()
        from trytond.tests.test_tryton import drop_db
        drop_db()

    @classmethod
    def _start(cls):
        sys.path.insert(0, DEPLOY)
        import nginx
        import prod_local
        config = prod_local.write_config(cls.tmp)
        timeout = os.environ.get('PHARMA_SCALE_OUT_CLEAN_TIMEOUT')
        if timeout:
            with open(config) as f:
                text = f.read()
            with open(config, 'w') as f:
                f.write(text.replace('clean_timeout = 0',
                        'clean_timeout = %s' % int(timeout)))
        for sub in ['run', 'log']:
            os.makedirs(os.path.join(cls.tmp, sub), exist_ok=True)
        env = prod_local.environment(config,
            os.environ.get('TRYTOND_DATABASE__URI')
            or os.environ['TRYTOND_DATABASE_URI'], cls.database)
        env.pop('DB_CACHE', None)
        cls.app_ports = [free_port(), free_port()]
        cls.config, cls.env = config, env
        for name, port in zip(['app_a', 'app_b'], cls.app_ports):
            # one worker each: two application processes
            cls.pidfiles[name] = prod_local.start_app(
                name, config, env, port, 1, cls.tmp)
        cls.proxy_ports = [free_port(), free_port()]
        if NGINX:
            conf = nginx.local(cls.tmp,
                ['127.0.0.1:%d' % p for p in cls.proxy_ports],
                ['127.0.0.1:%d' % p for p in cls.app_ports], cls.database,
                os.path.join(ROOT, 'sao', 'node_modules', 'tryton-sao'),
                split=True)
            cls.pidfiles['nginx'] = prod_local.start_nginx(conf, cls.tmp)
            urls = ['http://127.0.0.1:%d' % p for p in cls.proxy_ports]
        else:
            raise AssertionError("CI without nginx: make nginx")
        cls.url_a, cls.url_b = urls
        for url in urls:
            health = json.loads(wait(url + '/health'))
            assert health['status'] == 'ok', health

    @classmethod
    def _start_cron(cls):
        "trytond-cron on the database (as the pharma-cron unit)"
        import prod_local
        cls.pidfiles['cron'] = prod_local.start_cron(
            cls.config, cls.env, cls.database, cls.tmp)

    @classmethod
    def _start_worker(cls):
        "trytond-worker, one process (as the pharma-worker unit)"
        import prod_local
        cls.pidfiles['worker'] = prod_local.start_worker(
            cls.config, cls.env, cls.database, 1, cls.tmp)

    @classmethod
    def _stop_process(cls, name):
        sys.path.insert(0, DEPLOY)
        import prod_local
        pidfile = cls.pidfiles.pop(name, None)
        if pidfile:
            prod_local.stop_pidfile(pidfile,
                sig=signal.SIGQUIT if name == 'nginx' else signal.SIGTERM,
                # cron's and worker's pool processes too (as systemd)
                whole_group=name in {'cron', 'worker'})

    @classmethod
    def _stop(cls):
        for name in reversed(list(getattr(cls, 'pidfiles', {}))):
            cls._stop_process(name)
        shutil.rmtree(getattr(cls, 'tmp', ''), ignore_errors=True)

    def client(self, url, login):
        return Client(url, self.database).login(login)

    def ids(self, client, model, domain):
        return client.model(model, 'search', domain, 0, None, None)


@unittest.skipUnless(POSTGRESQL, "PostgreSQL only (notifications)")
@unittest.skipUnless(NGINX or os.environ.get('CI'),
    "nginx is not installed (make nginx)")
class ScaleOutTestCase(Stack, unittest.TestCase):
    "Two application processes behind nginx see each other's changes"

    @classmethod
    def _setup_data(cls):
        "Company, territories, a hospital, a doctor, reps and managers"
        from trytond.modules.company.tests import (
            create_company, create_employee, set_company)
        from trytond.pool import Pool
        from trytond.transaction import Transaction
        pool = Pool(cls.database)
        with Transaction().start(
                cls.database, 0, context={'language': 'en'}):
            Territory = pool.get('pharma.territory')
            Party = pool.get('party.party')
            Coverage = pool.get('pharma.coverage')
            Call = pool.get('pharma.call')
            User = pool.get('res.user')
            ModelData = pool.get('ir.model.data')
            Employee = pool.get('company.employee')
            company = create_company()
            with set_company(company):
                staff = {n: create_employee(company, n)
                    for n in ['rep_a', 'rep_b', 'mgr_1', 'mgr_2']}
            values = {'supervisor': staff['mgr_1'].id}
            if 'rep_registration_status' in Employee._fields:
                # calls need a registered rep (filing of medical reps)
                values.update(rep_registration_status='registered',
                    rep_registration_number='SO-2026')
            Employee.write([staff['rep_a'], staff['rep_b']], values)
            east = Territory(name="华东", level='region', code='SO-E',
                manager=staff['mgr_1'])
            south = Territory(name="华南", level='region', code='SO-S',
                manager=staff['mgr_2'])
            Territory.save([east, south])
            suzhou = Territory(name="苏州", level='city', code='SO-SZ',
                parent=east)
            suzhou.save()
            hospital = Party(name="苏州市立医院", pharma_type='hospital',
                territory=suzhou)
            hospital.save()
            doctor = Party(name="周医生", pharma_type='doctor',
                hospital=hospital)
            doctor.save()
            today = datetime.date.today()
            coverage, = Coverage.create([{
                        'company': company.id, 'employee': staff['rep_a'].id,
                        'party': doctor.id, 'role': 'primary',
                        'start_date': today - datetime.timedelta(days=30),
                        }])
            with set_company(company):
                call, = Call.create([{
                            'company': company.id,
                            'employee': staff['rep_a'].id,
                            'party': doctor.id,
                            'date': datetime.datetime.now().replace(
                                microsecond=0) - datetime.timedelta(days=1),
                            }])
            groups = {
                'rep': ModelData.get_id('pharma_hospital', 'group_pharma_rep'),
                'mgr': ModelData.get_id(
                    'pharma_hospital', 'group_pharma_manager'),
                }
            for login, employee in staff.items():
                User.create([{
                            'name': login, 'login': login,
                            'password': PASSWORD,
                            'companies': [('add', [company.id])],
                            'company': company.id,
                            'employees': [('add', [employee.id])],
                            'employee': employee.id,
                            'groups': [('add', [groups[login[:3]]])],
                            }])
            admin, = User.search([('login', '=', 'admin')])
            User.write([admin], {'password': PASSWORD,
                    'companies': [('add', [company.id])],
                    'company': company.id})
            Transaction().commit()
            return {
                'company': company.id, 'today': today,
                'staff': {k: v.id for k, v in staff.items()},
                'east': east.id, 'south': south.id, 'suzhou': suzhou.id,
                'hospital': hospital.id, 'doctor': doctor.id,
                'coverage': coverage.id, 'call': call.id,
                'rep_group': groups['rep'],
                }

    def test_1_coverage_handed_over(self):
        "The old rep loses the doctor and the new one gets it, on B at once"
        d = self.data
        rep_a_b = self.client(self.url_b, 'rep_a')
        rep_b_b = self.client(self.url_b, 'rep_b')
        doctor, call = [d['doctor']], [d['call']]
        self.assertEqual(self.ids(rep_a_b, 'party.party',
                [('id', '=', d['doctor'])]), doctor)
        self.assertEqual(self.ids(rep_b_b, 'party.party',
                [('id', '=', d['doctor'])]), [])
        # the call rule lists the covered parties (cached per user)
        self.assertEqual(self.ids(rep_b_b, 'pharma.call', []), [])

        admin_a = self.client(self.url_a, 'admin')
        yesterday = d['today'] - datetime.timedelta(days=1)
        admin_a.model('pharma.coverage', 'write', [d['coverage']],
            {'end_date': yesterday.isoformat()})
        admin_a.model('pharma.coverage', 'create', [{
                    'company': d['company'],
                    'employee': d['staff']['rep_b'],
                    'party': d['doctor'], 'role': 'primary',
                    'start_date': d['today'].isoformat(),
                    }])

        self.assertEqual(self.ids(rep_a_b, 'party.party',
                [('id', '=', d['doctor'])]), [])
        with self.assertRaises(RpcError):
            rep_a_b.model('party.party', 'read', doctor, ['name'])
        self.assertEqual(self.ids(rep_b_b, 'party.party',
                [('id', '=', d['doctor'])]), doctor)
        self.assertEqual(
            rep_b_b.model('party.party', 'read', doctor, ['name'])[0]['name'],
            "周医生")
        self.assertEqual(self.ids(rep_b_b, 'pharma.call', []), call)

    def test_2_supervisor_changed(self):
        "The new manager sees the rep's calls on B at once"
        d = self.data
        mgr_2_b = self.client(self.url_b, 'mgr_2')
        self.assertEqual(self.ids(mgr_2_b, 'pharma.call', []), [])
        admin_a = self.client(self.url_a, 'admin')
        admin_a.model('company.employee', 'write', [d['staff']['rep_a']],
            {'supervisor': d['staff']['mgr_2']})
        self.assertEqual(self.ids(mgr_2_b, 'pharma.call', []), [d['call']])

    def test_3_territory_moved(self):
        "A territory moved to another region changes its managers on B"
        d = self.data
        mgr_1_b = self.client(self.url_b, 'mgr_1')
        mgr_2_b = self.client(self.url_b, 'mgr_2')
        hospital = [('id', '=', d['hospital'])]
        self.assertEqual(
            self.ids(mgr_1_b, 'party.party', hospital), [d['hospital']])
        self.assertEqual(self.ids(mgr_2_b, 'party.party', hospital), [])
        admin_a = self.client(self.url_a, 'admin')
        admin_a.model('pharma.territory', 'write', [d['suzhou']],
            {'parent': d['south']})
        self.assertEqual(self.ids(mgr_1_b, 'party.party', hospital), [])
        self.assertEqual(
            self.ids(mgr_2_b, 'party.party', hospital), [d['hospital']])

    def test_4_configuration_changed(self):
        "A configuration value written on A is read on B"
        admin_b = self.client(self.url_b, 'admin')
        admin_a = self.client(self.url_a, 'admin')
        ids = admin_a.model('pharma.configuration', 'search', [], 0, None,
            None)
        if not ids:
            ids = admin_a.model('pharma.configuration', 'create', [{}])
        before, = admin_b.model('pharma.configuration', 'read', ids[:1],
            ['verify_interval'])
        value = (before['verify_interval'] or 0) + 11
        admin_a.model('pharma.configuration', 'write', ids[:1],
            {'verify_interval': value})
        after, = admin_b.model('pharma.configuration', 'read', ids[:1],
            ['verify_interval'])
        self.assertEqual(after['verify_interval'], value)

    def test_5_translation_changed(self):
        "A label's translation written on A is served by B"
        admin_a = self.client(self.url_a, 'admin')
        admin_b = self.client(self.url_b, 'admin')
        admin_a.model('ir.lang', 'write', admin_a.model('ir.lang', 'search',
                [('code', '=', 'zh_CN')], 0, None, None),
            {'translatable': True})

        def label():
            context = dict(admin_b.context, language='zh_CN')
            return admin_b('model.pharma.call.fields_get', ['objections'],
                context)['objections']['string']
        label()  # cached on B
        name = 'pharma.call,objections'
        found = admin_a.model('ir.translation', 'search', [
                ('lang', '=', 'zh_CN'), ('type', '=', 'field'),
                ('name', '=', name)], 0, None, None)
        new = '异议（%s）' % int(time.time())
        if found:
            admin_a.model('ir.translation', 'write', found,
                {'value': new, 'fuzzy': False})
        else:
            admin_a.model('ir.translation', 'create', [{
                        'lang': 'zh_CN', 'type': 'field', 'name': name,
                        'res_id': -1, 'src': 'Objections', 'value': new,
                        'module': 'pharma_calls', 'fuzzy': False}])
        self.assertEqual(label(), new)

    def test_6_access_right_changed(self):
        "A rep loses the rep group on A: refused on B at once"
        d = self.data
        rep_b_b = self.client(self.url_b, 'rep_b')
        self.assertEqual(
            rep_b_b.model('pharma.call', 'search', [], 0, None, None),
            [d['call']])
        admin_a = self.client(self.url_a, 'admin')
        admin_a.model('res.user', 'write', [rep_b_b.user_id],
            {'groups': [('remove', [d['rep_group']])]})
        with self.assertRaises(RpcError) as cm:
            rep_b_b.model('pharma.call', 'search', [], 0, None, None)
        self.assertIn('not allowed to access', str(cm.exception))


def rpc_date(value):
    "A date as trytond's JSON-RPC decodes it"
    return {'__class__': 'date', 'year': value.year, 'month': value.month,
        'day': value.day}


def rpc_datetime(value):
    "A datetime as trytond's JSON-RPC decodes it"
    return {'__class__': 'datetime', 'year': value.year,
        'month': value.month, 'day': value.day, 'hour': value.hour,
        'minute': value.minute, 'second': value.second,
        'microsecond': 0}


@unittest.skipUnless(POSTGRESQL, "PostgreSQL only (notifications)")
@unittest.skipUnless(NGINX or os.environ.get('CI'),
    "nginx is not installed (make nginx)")
class BackgroundWorkTestCase(Stack, unittest.TestCase):
    """trytond-worker and trytond-cron do the asynchronous work of the two
    application processes: a marketing user (zh_CN) queues jobs through
    nginx on A and follows them through B; with no worker a job stays
    queued (the server does not run it inline: [queue] worker = True);
    trytond-cron runs a suite cron an administrator set due through RPC.
    The test methods run in order and share the stack."""
    modules = ['pharma_competitor']
    month = datetime.date(2026, 10, 1)

    @classmethod
    def _setup_data(cls):
        """A company, a marketing user speaking Chinese, a month of flow
        to compute the market share of, and a job whose worker stopped
        7 hours ago (for the cleaning cron)"""
        from decimal import Decimal

        from trytond.modules.company.tests import (
            create_company, create_employee, set_company)
        from trytond.modules.pharma_hospital.tests.tools import load_zh_cn
        from trytond.pool import Pool
        from trytond.transaction import Transaction
        load_zh_cn(cls.database,
            ('pharma_hospital', 'pharma_reporting', 'pharma_competitor'))
        pool = Pool(cls.database)
        with Transaction().start(
                cls.database, 0, context={'language': 'en'}):
            User = pool.get('res.user')
            Lang = pool.get('ir.lang')
            ModelData = pool.get('ir.model.data')
            Party = pool.get('party.party')
            Territory = pool.get('pharma.territory')
            Template = pool.get('product.template')
            Uom = pool.get('product.uom')
            Flow = pool.get('pharma.flow.line')
            Job = pool.get('pharma.job')
            Cron = pool.get('ir.cron')
            company = create_company()
            with set_company(company):
                employee = create_employee(company, 'mkt')
            zh_cn, = Lang.search([('code', '=', 'zh_CN')])
            mkt, = User.create([{
                        'name': '市场部', 'login': 'mkt',
                        'password': PASSWORD, 'language': zh_cn.id,
                        'companies': [('add', [company.id])],
                        'company': company.id,
                        'employees': [('add', [employee.id])],
                        'employee': employee.id,
                        'groups': [('add', [ModelData.get_id(
                                        'pharma_hospital',
                                        'group_pharma_marketing')])],
                        }])
            admin, = User.search([('login', '=', 'admin')])
            User.write([admin], {'password': PASSWORD,
                    'companies': [('add', [company.id])],
                    'company': company.id})
            shanghai = Territory(name="上海", level='province', code='SH')
            shanghai.save()
            hospital = Party(name="瑞金医院", pharma_type='hospital',
                territory=shanghai)
            hospital.save()
            distributor = Party(name="国药控股上海", pharma_type='distributor')
            distributor.save()
            unit, = Uom.search([('name', '=', 'Unit')])
            with set_company(company):
                template = Template(name="阿托伐他汀钙片 20mg×7",
                    default_uom=unit, type='goods',
                    list_price=Decimal('30'), generic_name="阿托伐他汀钙",
                    pack_size=7)
                template.products = [{}]
                template.save()
                product, = template.products
                Flow.create([{
                            'company': company.id,
                            'date': datetime.date(2026, 10, 12),
                            'month': cls.month,
                            'distributor': distributor.id,
                            'customer_name': hospital.name,
                            'customer': hospital.id,
                            'product_name': product.rec_name,
                            'product': product.id,
                            'quantity': 10,
                            }])
            now = datetime.datetime.now()
            stalled, = Job.create([{
                        'kind': 'wizard', 'description': "中断的任务",
                        'user': mkt.id, 'company': company.id,
                        'state': 'running',
                        'started_at': now - datetime.timedelta(hours=7),
                        }])
            # every cron ran a moment ago (a new database's would all run
            # on trytond-cron's first round): only the one the test sets
            # due runs
            Cron.write(Cron.search([]), {
                    'next_call': now + datetime.timedelta(days=1)})
            Transaction().commit()
            return {'company': company.id, 'mkt': mkt.id,
                'stalled': stalled.id}

    @classmethod
    def _start(cls):
        super()._start()
        # no trytond-worker yet (test_2 shows a job waits for it)
        cls._start_cron()

    def _wizard(self, client, name, start, state):
        "Run a wizard as the web client does; return the view it shows"
        session_id, _, _ = client('wizard.%s.create' % name, client.context)
        try:
            return client('wizard.%s.execute' % name, session_id,
                {'start': start}, state, client.context)['view']
        finally:
            client('wizard.%s.delete' % name, session_id, client.context)

    def _job(self, client, job_id):
        job, = client.model('pharma.job', 'read', [job_id], [
                'state', 'progress', 'progress_done', 'progress_total',
                'message', 'result', 'result_filename', 'kind'])
        return job

    def _until(self, client, job_id, states, seconds=90):
        "Poll the job through client until its state is in states"
        deadline = time.monotonic() + seconds
        seen = []
        while True:
            job = self._job(client, job_id)
            seen.append((job['state'], job['progress']))
            if job['state'] in states:
                return job, seen
            if time.monotonic() > deadline:
                self.fail("job %s still %s after %ss (%s)" % (
                        job_id, job['state'], seconds, seen[-5:]))
            time.sleep(0.25)

    def _notifications(self, client):
        return client.model('res.notification', 'search_read',
            [('user', '=', client.user_id)], 0, None, [('id', 'ASC')],
            ['label', 'description', 'icon'])

    def test_1_cron_set_due(self):
        """An administrator sets the cleaning cron due through A; the
        stalled job is still running until trytond-cron runs it"""
        admin_a = self.client(self.url_a, 'admin')
        cron, = admin_a.model('ir.cron', 'search',
            [('method', '=', 'pharma.job|clean')], 0, None, None)
        # trytond runs in UTC
        admin_a.model('ir.cron', 'write', [cron], {
                'next_call': rpc_datetime(datetime.datetime.utcnow()
                    - datetime.timedelta(minutes=1))})
        mkt_b = self.client(self.url_b, 'mkt')
        self.assertEqual(
            self._job(mkt_b, self.data['stalled'])['state'], 'running')

    def test_2_no_worker_job_stays_queued(self):
        """Without trytond-worker the market share job stays queued (the
        application process does not run it after the request), then the
        worker runs it: followed through B, the user is told in Chinese"""
        mkt_a = self.client(self.url_a, 'mkt')
        mkt_b = self.client(self.url_b, 'mkt')
        view = self._wizard(mkt_a, 'pharma.market.share.compute',
            {'month': rpc_date(self.month)}, 'compute')
        self.assertEqual(view['state'], 'queued')
        job_id = view['defaults']['job']
        self.assertIn("后台任务", view['defaults']['text'])
        for _ in range(8):
            job = self._job(mkt_b, job_id)
            self.assertEqual((job['kind'], job['state'], job['progress']),
                ('market_share', 'queued', 0))
            time.sleep(0.5)
        self.assertEqual(mkt_b.model('pharma.market.share', 'search',
                [], 0, None, None), [])
        health = json.loads(wait(self.url_b + '/health'))
        self.assertGreaterEqual(health['queue_pending'], 1)

        self._start_worker()
        job, _ = self._until(mkt_b, job_id, {'done', 'failed'})
        self.assertEqual(job['state'], 'done', job['message'])
        self.assertEqual(job['progress'], 1)
        self.assertEqual(job['result'],
            "2026-10 的市场份额已计算完成：共 1 行。")
        share_ids = mkt_b.model('pharma.market.share', 'search',
            [], 0, None, None)
        share, = mkt_b.model('pharma.market.share', 'read', share_ids,
            ['our_units'])
        self.assertEqual(share['our_units'], 70)
        labels = [n['label'] for n in self._notifications(mkt_b)]
        self.assertIn("已完成：市场份额 2026-10", labels)

    def test_3_worker_failure_then_report_pack(self):
        """With the worker running: a job that breaks in the worker is
        failed with a Chinese message and the user is told; the report
        pack queued after it is built all the same (the queue goes on),
        its progress followed through B up to its last step"""
        from trytond.pool import Pool
        from trytond.transaction import Transaction
        pool = Pool(self.database)
        # a job whose wizard method does not exist (a bug in the worker),
        # queued by the user as a request would
        with Transaction().start(self.database, self.data['mkt'], context={
                    'company': self.data['company']}) as transaction:
            Job = pool.get('pharma.job')
            broken = Job.enqueue('wizard', "损坏的任务", {
                    'wizard': 'pharma.report.pack.wizard',
                    'method': 'no_such_method', 'states': {}})
            transaction.tasks.clear()
            transaction.commit()
        mkt_a = self.client(self.url_a, 'mkt')
        mkt_b = self.client(self.url_b, 'mkt')
        view = self._wizard(mkt_a, 'pharma.report.pack.wizard',
            {'month': rpc_date(self.month)}, 'export')
        pack_id = view['defaults']['job']

        job, _ = self._until(mkt_b, broken.id, {'done', 'failed'})
        self.assertEqual(job['state'], 'failed')
        self.assertIn("意外错误", job['message'])
        self.assertNotIn("no_such_method", job['message'])

        job, seen = self._until(mkt_b, pack_id, {'done', 'failed'})
        self.assertEqual(job['state'], 'done', job['message'])
        self.assertEqual(job['result'], "文件见下方。")
        self.assertEqual(job['result_filename'],
            'pharma-report-2026-10.xlsx')
        # a step per sheet and the file, all done
        self.assertGreater(job['progress_total'], 10)
        self.assertEqual(job['progress_done'], job['progress_total'])
        self.assertEqual([p for _, p in seen], sorted(p for _, p in seen))
        data = mkt_b.model('pharma.job', 'read', [pack_id],
            ['result_file'])[0]['result_file']
        self.assertTrue(data)
        notes = self._notifications(mkt_b)
        failed, = [n for n in notes if n['icon'] == 'tryton-error'
            and '损坏的任务' in n['label']]
        self.assertEqual(failed['label'], "失败：损坏的任务")
        self.assertIn("意外错误", failed['description'])
        self.assertIn("已完成：管理报表包 2026-10",
            [n['label'] for n in notes])

    def test_4_cron_ran(self):
        """trytond-cron ran the cleaning cron set due in test_1 (it looks
        every minute): the stalled job is failed, its owner told in
        Chinese"""
        mkt_b = self.client(self.url_b, 'mkt')
        job, _ = self._until(mkt_b, self.data['stalled'], {'failed'},
            seconds=75)
        self.assertIn("任务已中断", job['message'])
        self.assertIn("失败：中断的任务",
            [n['label'] for n in self._notifications(mkt_b)])


if __name__ == '__main__':
    unittest.main()
