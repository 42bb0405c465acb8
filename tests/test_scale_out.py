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
import base64
import datetime
import json
import os
import shutil
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


@unittest.skipUnless(POSTGRESQL, "PostgreSQL only (notifications)")
@unittest.skipUnless(NGINX or os.environ.get('CI'),
    "nginx is not installed (make nginx)")
class ScaleOutTestCase(unittest.TestCase):
    "Two application processes behind nginx see each other's changes"

    @classmethod
    def setUpClass(cls):
        from trytond.tests.test_tryton import (
            DB_NAME, activate_module, db_exist, drop_db)
        if db_exist(DB_NAME):
            # left over by an interrupted run: its data would collide
            drop_db()
        activate_module(['pharma_calls'])
        cls.database = DB_NAME
        cls.tmp = tempfile.mkdtemp(prefix='pharma-scale-out-')
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
        cls.pidfiles = []
        for name, port in zip(['app_a', 'app_b'], cls.app_ports):
            # one worker each: two application processes
            cls.pidfiles.append(prod_local.start_app(
                    name, config, env, port, 1, cls.tmp))
        cls.proxy_ports = [free_port(), free_port()]
        if NGINX:
            conf = nginx.local(cls.tmp,
                ['127.0.0.1:%d' % p for p in cls.proxy_ports],
                ['127.0.0.1:%d' % p for p in cls.app_ports], cls.database,
                os.path.join(ROOT, 'sao', 'node_modules', 'tryton-sao'),
                split=True)
            cls.pidfiles.append(prod_local.start_nginx(conf, cls.tmp))
            urls = ['http://127.0.0.1:%d' % p for p in cls.proxy_ports]
        else:
            raise AssertionError("CI without nginx: make nginx")
        cls.url_a, cls.url_b = urls
        for url in urls:
            health = json.loads(wait(url + '/health'))
            assert health['status'] == 'ok', health

    @classmethod
    def _stop(cls):
        sys.path.insert(0, DEPLOY)
        import prod_local
        for pidfile in reversed(getattr(cls, 'pidfiles', [])):
            prod_local.stop_pidfile(pidfile, sig=15 if not pidfile.endswith(
                    'nginx.pid') else 3)
        shutil.rmtree(getattr(cls, 'tmp', ''), ignore_errors=True)

    def client(self, url, login):
        return Client(url, self.database).login(login)

    def ids(self, client, model, domain):
        return client.model(model, 'search', domain, 0, None, None)

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

if __name__ == '__main__':
    unittest.main()
