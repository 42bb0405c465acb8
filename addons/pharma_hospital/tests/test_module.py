# This file is part of the pharma suite. See README.md for license terms.
import contextlib
import datetime
import json
from unittest.mock import patch

from trytond import config
from trytond.exceptions import RateLimitException, UserError
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.modules.party.tests import PartyCheckReplaceMixin
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from .checks import doctor_multivalues, tree_datetime_without_widget
from .tools import create_staff



class PharmaHospitalTestCase(
        PartyCheckReplaceMixin, CompanyTestMixin, ModuleTestCase):
    "Test pharma_hospital module"
    module = 'pharma_hospital'

    def _pharma_setup(self):
        """Company, manager1 over rep1 (territory T1) and rep2 (T2),
        hospitals H1 in T1 and H2 in T2, doctors D1 (covered by rep1),
        D1b (H1, not covered) and D2 (H2, covered by rep2)"""
        pool = Pool()
        Party = pool.get('party.party')
        Territory = pool.get('pharma.territory')
        Department = pool.get('pharma.hospital.department')
        Coverage = pool.get('pharma.coverage')
        Date = pool.get('ir.date')
        today = Date.today()

        company = create_company()
        data = {'company': company, 'today': today}
        for login, (employee, user) in create_staff(company, [
                    ('manager1', ['manager'], None),
                    ('rep1', ['rep'], 'manager1'),
                    ('rep2', ['rep'], 'manager1'),
                    ('rep3', ['rep'], 'manager1'),
                    ]).items():
            data[login + '_employee'] = employee
            data[login + '_user'] = user
        region, = Territory.create([{
                    'name': "East", 'code': 'E', 'level': 'region',
                    'manager': data['manager1_employee'].id,
                    }])
        t1, t2 = Territory.create([{
                    'name': "Shanghai", 'code': 'SH', 'level': 'city',
                    'parent': region.id,
                    'reps': [('add', [data['rep1_employee'].id])],
                    }, {
                    'name': "Hangzhou", 'code': 'HZ', 'level': 'city',
                    'parent': region.id,
                    'reps': [('add', [data['rep2_employee'].id])],
                    }])
        h1, h2 = Party.create([{
                    'name': "瑞金医院", 'pharma_type': 'hospital',
                    'territory': t1.id,
                    }, {
                    'name': "浙江大学医学院附属第一医院",
                    'pharma_type': 'hospital', 'territory': t2.id,
                    }])
        dep1, dep2 = Department.create([{
                    'hospital': h1.id, 'name': "心内科",
                    }, {
                    'hospital': h2.id, 'name': "肿瘤科",
                    }])
        d1, d1b, d2 = Party.create([{
                    'name': "曾医生", 'pharma_type': 'doctor',
                    'hospital': h1.id, 'department': dep1.id,
                    'societies': "CSC", 'best_visit_time': "Monday",
                    }, {
                    'name': "王医生", 'pharma_type': 'doctor',
                    'hospital': h1.id, 'department': dep1.id,
                    }, {
                    'name': "李医生", 'pharma_type': 'doctor',
                    'hospital': h2.id, 'department': dep2.id,
                    'research_interests': "Oncology",
                    }])
        Department.write([dep2], {'head': d2.id})
        start = today - datetime.timedelta(days=30)
        Coverage.create([{
                    'company': company.id,
                    'employee': data['rep1_employee'].id,
                    'party': p.id, 'role': 'primary', 'start_date': start,
                    } for p in [h1, d1]] + [{
                    'company': company.id,
                    'employee': data['rep2_employee'].id,
                    'party': p.id, 'role': 'primary', 'start_date': start,
                    } for p in [h2, d2]])
        data.update({
                'region': region, 't1': t1, 't2': t2, 'h1': h1, 'h2': h2,
                'dep1': dep1, 'dep2': dep2, 'd1': d1, 'd1b': d1b, 'd2': d2,
                })
        return data

    def _as_user(self, user, company):
        "Context manager: the RPC conditions of user"
        transaction = Transaction()
        stack = contextlib.ExitStack()
        stack.enter_context(transaction.set_user(user.id))
        stack.enter_context(transaction.set_context(
                _check_access=True, company=company.id))
        return stack

    def _current(self, employee, parties=None):
        Coverage = Pool().get('pharma.coverage')
        domain = [('employee', '=', employee.id), ('current', '=', True)]
        if parties is not None:
            domain.append(('party', 'in', [p.id for p in parties]))
        return Coverage.search(domain)

    @with_transaction()
    def test_configuration_company_values(self):
        """The configuration is one record whose values are the context's
        company's: read by every pharma user, written by the pharma admin
        only; a company's values are not read with another company"""
        pool = Pool()
        Configuration = pool.get('pharma.configuration')
        Value = pool.get('pharma.configuration.company')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        data = self._pharma_setup()
        company = data['company']
        other = create_company("Other", currency=company.currency)
        admin, = User.create([{
                    'name': "Pharma Admin", 'login': 'pharma_admin',
                    'companies': [('add', [company.id, other.id])],
                    'company': company.id,
                    'groups': [('add', [ModelData.get_id(
                                    'pharma_hospital',
                                    'group_pharma_admin')])],
                    }])

        with self._as_user(admin, company):
            Configuration.write([Configuration(1)], {'verify_interval': 3})
        with self._as_user(admin, other):
            Configuration.write([Configuration(1)], {'verify_interval': 5})
        self.assertEqual(Configuration.get_config(company).verify_interval, 3)
        self.assertEqual(Configuration.get_config(other).verify_interval, 5)
        # one record per company, none for a company never written
        self.assertEqual(
            sorted(v.company.id for v in Value.search([])),
            sorted([company.id, other.id]))
        third = create_company("Third", currency=company.currency)
        self.assertEqual(
            Configuration.get_config(third).verify_interval,
            Value.default_verify_interval())
        self.assertEqual(Value.search([('company', '=', third.id)]), [])

        rep = data['rep1_user']
        with self._as_user(rep, company):
            config, = Configuration.search([])
            self.assertEqual(config.verify_interval, 3)
            # the company rule: only the values of the user's companies
            self.assertEqual(
                [v.company.id for v in Value.search([])], [company.id])
            with self.assertRaises(AccessError):
                Configuration.write([config], {'verify_interval': 9})
            with self.assertRaises(AccessError):
                Value.write(Value.search([]), {'verify_interval': 9})
        self.assertEqual(Configuration.get_config(company).verify_interval, 3)

    @with_transaction()
    def test_handover_transfer(self):
        "Transfer moves every account and logs each"
        pool = Pool()
        Handover = pool.get('pharma.handover', type='wizard')
        Coverage = pool.get('pharma.coverage')
        data = self._pharma_setup()
        company = data['company']
        rep1, rep2 = data['rep1_employee'], data['rep2_employee']
        with set_company(company):
            # A coverage that starts today is moved as it is
            fresh, = Coverage.create([{
                        'company': company.id, 'employee': rep1.id,
                        'party': data['d1b'].id, 'role': 'secondary',
                        'start_date': data['today'],
                        }])
            session_id, _, _ = Handover.create()
            Handover.execute(session_id, {
                    'start': {
                        'company': company.id,
                        'from_employee': rep1.id,
                        'to_employee': rep2.id,
                        'scope': 'all',
                        'mode': 'transfer',
                        },
                    }, 'handover')
            Handover.delete(session_id)

            self.assertEqual(self._current(rep1), [])
            moved = self._current(rep2, [data['h1'], data['d1'], data['d1b']])
            self.assertEqual(
                {(c.party, c.role) for c in moved},
                {(data['h1'], 'primary'), (data['d1'], 'primary'),
                    (data['d1b'], 'secondary')})
            self.assertEqual(data['d1'].primary_rep, rep2)
            # history is kept: rep1's rows are closed, not deleted
            closed = Coverage.search([
                    ('employee', '=', rep1.id),
                    ('party', '=', data['h1'].id)])
            self.assertEqual(len(closed), 1)
            self.assertEqual(
                closed[0].end_date,
                data['today'] - datetime.timedelta(days=1))
            log = closed[0].handover
            self.assertEqual(log.mode, 'transfer')
            self.assertEqual((log.from_employee, log.to_employee),
                (rep1, rep2))
            self.assertEqual(
                sorted(l.party.id for l in log.lines if l.party),
                sorted(p.id for p in [data['h1'], data['d1'], data['d1b']]))
            self.assertEqual(Coverage(fresh.id).employee, rep2)

    @with_transaction()
    def test_handover_transfer_modules(self):
        "Transfer calls pharma_handover of the registered models"
        pool = Pool()
        Handover = pool.get('pharma.handover', type='wizard')
        Territory = pool.get('pharma.territory')
        data = self._pharma_setup()
        company = data['company']
        calls = []

        def pharma_handover(from_employee, to_employee, parties, log):
            calls.append((from_employee, to_employee, list(parties)))
            return [(data['dep1'], "department moved")]
        with set_company(company), \
                patch.object(Handover, '_handover_models',
                    classmethod(lambda cls: ['pharma.territory'])), \
                patch.object(Territory, 'pharma_handover',
                    staticmethod(pharma_handover), create=True):
            log = Handover.run(company, data['rep1_employee'],
                data['rep2_employee'], 'transfer', scope='territory',
                territory=data['t1'])
        self.assertEqual(calls, [(data['rep1_employee'],
                    data['rep2_employee'], [data['h1'], data['d1']])])
        line, = [l for l in log.lines if l.record == data['dep1']]
        self.assertEqual(line.description, "department moved")

    @with_transaction()
    def test_handover_delegation(self):
        "Delegation gives delegate coverage until the end date"
        pool = Pool()
        Handover = pool.get('pharma.handover', type='wizard')
        Coverage = pool.get('pharma.coverage')
        Notification = pool.get('res.notification')
        data = self._pharma_setup()
        company = data['company']
        rep1, rep2 = data['rep1_employee'], data['rep2_employee']
        end = data['today'] + datetime.timedelta(days=14)
        with set_company(company):
            log = Handover.run(company, rep1, rep2, 'delegation',
                scope='parties', parties=[data['d1']], end_date=end)
            delegated = self._current(rep2, [data['d1']])
            self.assertEqual(
                [(c.role, c.end_date) for c in delegated],
                [('delegate', end)])
            # the owner keeps the account
            self.assertEqual(data['d1'].primary_rep, rep1)
            self.assertEqual(len(self._current(rep1)), 2)
            self.assertEqual([l.party for l in log.lines], [data['d1']])
            # both reps are told, in their language, with the log to open
            Transaction()._store_user_notifications()
            notices = {n.user: n for n in Notification.search([])}
            self.assertEqual(set(notices),
                {data['rep1_user'], data['rep2_user']})
            self.assertEqual(notices[data['rep2_user']].label,
                '1 accounts handed over to you by Rep1')
            self.assertEqual(notices[data['rep1_user']].label,
                '1 of your accounts handed over to Rep2')
            self.assertIn('until', notices[data['rep2_user']].description)
            self.assertEqual(
                (notices[data['rep2_user']].model,
                    json.loads(notices[data['rep2_user']].records)),
                ('pharma.handover.log', [log.id]))
            Notification.delete(Notification.search([]))

            # rep2 reads and writes the delegated doctor
            with self._as_user(data['rep2_user'], company):
                Party = pool.get('party.party')
                Party.write([Party(data['d1'].id)], {'vip': True})

            # a delegation needs an end date
            with self.assertRaises(UserError):
                Coverage.create([{
                            'company': company.id, 'employee': rep2.id,
                            'party': data['d1b'].id, 'role': 'delegate',
                            }])
            with self.assertRaises(UserError):
                Handover.run(company, rep1, rep2, 'delegation',
                    scope='all', end_date=None)

            # the daily job ends the expired delegation and tells both
            Coverage.write(delegated, {
                    'start_date': data['today'] - datetime.timedelta(days=5),
                    'end_date': data['today'] - datetime.timedelta(days=1),
                    })
            Coverage.pharma_end_delegations()
            self.assertTrue(Coverage(delegated[0].id).delegation_ended)
            Transaction()._store_user_notifications()
            notifications = Notification.search([])
            users = {n.user for n in notifications}
            self.assertEqual(users, {data['rep1_user'], data['rep2_user']})
            # an ended delegation is not told again
            Coverage.pharma_end_delegations()
            Transaction()._store_user_notifications()
            self.assertEqual(Notification.search([]), notifications)

    @with_transaction()
    def test_handover_refused(self):
        "Hand-over refuses an inactive target and the same employee"
        pool = Pool()
        Handover = pool.get('pharma.handover', type='wizard')
        Employee = pool.get('company.employee')
        data = self._pharma_setup()
        company = data['company']
        rep1, rep3 = data['rep1_employee'], data['rep3_employee']
        with set_company(company):
            Employee.write([rep3], {
                    'end_date': data['today'] - datetime.timedelta(days=1)})
            with self.assertRaisesRegex(UserError, 'not active'):
                Handover.run(company, rep1, Employee(rep3.id), 'transfer')
            with self.assertRaisesRegex(UserError, 'two different'):
                Handover.run(company, rep1, rep1, 'transfer')
            with self.assertRaises(UserError):
                # rep3 covers nothing
                Employee.write([rep3], {'end_date': None})
                Handover.run(company, rep3, rep1, 'transfer')
        self.assertEqual(len(self._current(rep1)), 2)

        # only regional managers and administrators run it
        with self._as_user(data['rep1_user'], company):
            with self.assertRaises(AccessError):
                Handover.create()
        with self._as_user(data['manager1_user'], company):
            session_id, _, _ = Handover.create()
            Handover.delete(session_id)

    @with_transaction()
    def test_employee_leave_refused(self):
        "An end date or a deactivated user needs the hand-over first"
        pool = Pool()
        Employee = pool.get('company.employee')
        User = pool.get('res.user')
        Handover = pool.get('pharma.handover', type='wizard')
        Coverage = pool.get('pharma.coverage')
        data = self._pharma_setup()
        company = data['company']
        rep2 = data['rep2_employee']
        end = data['today'] + datetime.timedelta(days=10)
        with set_company(company):
            with self.assertRaisesRegex(
                    UserError, r'Rep2.*2 accounts.*hand-over'):
                Employee.write([rep2], {'end_date': end})
            with self.assertRaisesRegex(UserError, r'Rep2.*hand-over'):
                User.write([data['rep2_user']], {'active': False})
            # coverage that ends by the leave date is fine
            Coverage.write(self._current(rep2), {'end_date': end})
            Employee.write([rep2], {'end_date': end})
            Employee.write([rep2], {'end_date': None})
            Coverage.write(self._current(rep2), {'end_date': None})

            # the managers hear of leavers within the notice days
            Notification = pool.get('res.notification')
            Employee.write([data['rep1_employee']], {
                    'supervisor': data['manager1_employee'].id})
            # after a hand-over rep2 may leave
            Handover.run(company, rep2, data['rep1_employee'], 'transfer')
            # (both reps are told of the hand-over itself)
            Transaction()._store_user_notifications()
            self.assertEqual(
                {(n.user, n.model) for n in Notification.search([])},
                {(data['rep1_user'], 'pharma.handover.log'),
                    (data['rep2_user'], 'pharma.handover.log')})
            Notification.delete(Notification.search([]))
            Employee.write([rep2], {'end_date': end})
            User.write([data['rep2_user']], {'active': False})
            Employee.pharma_notify_leavers()
            Transaction()._store_user_notifications()
            self.assertEqual(Notification.search([]), [])
            # rep1 leaves soon with accounts: manager1 is told
            rep1 = data['rep1_employee']
            cursor = Transaction().connection.cursor()
            table = Employee.__table__()
            cursor.execute(*table.update(
                    [table.end_date], [end], where=table.id == rep1.id))
            Transaction().cache.clear()
            Employee.pharma_notify_leavers()
            Transaction()._store_user_notifications()
            notification, = Notification.search([])
            self.assertEqual(notification.user, data['manager1_user'])
            self.assertIn('Rep1', notification.description)

    @with_transaction()
    def test_doctor_multivalue_defaults(self):
        "A new doctor stores no company defaults and reads the same values"
        company = create_company()
        rows, differ, explicit_rows, explicit_lang = doctor_multivalues(
            company)
        self.assertEqual(rows, 0)
        self.assertEqual(differ, [])
        self.assertGreater(explicit_rows, 0)
        self.assertTrue(explicit_lang)

    @with_transaction()
    def test_pinyin_search(self):
        "Pinyin and initials find hospitals and doctors"
        pool = Pool()
        Party = pool.get('party.party')
        data = self._pharma_setup()
        for query in ['rjyy', 'ruijin', 'RJ']:
            self.assertIn(data['h1'], Party.search([
                        ('rec_name', 'ilike', '%' + query + '%'),
                        ('pharma_type', '=', 'hospital'),
                        ]), msg=query)
        self.assertEqual(Party.search([
                    ('rec_name', 'ilike', 'rjyy'),
                    ('pharma_type', '=', 'hospital'),
                    ]), [data['h1']])
        # polyphonic 曾: zeng and ceng
        for query in ['zeng', 'ceng', 'zys', 'cys']:
            self.assertIn(data['d1'], Party.search([
                        ('rec_name', 'ilike', query + '%'),
                        ('pharma_type', '=', 'doctor'),
                        ]), msg=query)
        self.assertNotIn(data['d2'], Party.search([
                    ('rec_name', 'ilike', 'zeng%')]))

    @with_transaction()
    def test_search_text(self):
        "The name search on pharma_search finds what ILIKE on each column finds"
        pool = Pool()
        Party = pool.get('party.party')
        from trytond.modules.pharma_hospital.party import search_text
        hospital, = Party.create([{'name': "瑞金医院",
                    'pharma_type': 'hospital', 'code': 'RJ-01'}])
        parties = Party.create([
                {'name': "丁丽", 'pharma_type': 'doctor',
                    'hospital': hospital.id, 'code': 'D100'},
                {'name': "曾丁丽华", 'pharma_type': 'doctor',
                    'hospital': hospital.id},
                {'name': "Li Da Trading", 'code': 'dl-77'},
                {'name': "上海 Dl 医药", 'code': 'X9'},
                {'name': "王强", 'pharma_type': 'doctor',
                    'hospital': hospital.id, 'code': 'wq'},
                ]) + [hospital]

        def expected(text):
            text = text.lower()
            found = set()
            for party in parties:
                # a doctor is found by its hospital's name and pinyin too
                names = [p for p in [party, party.hospital] if p]
                variants = sum(((p.pinyin or '').split()
                    + (p.pinyin_initials or '').split() for p in names), [])
                if ((party.code or '').lower().startswith(text)
                        or any(text in p.name.lower() for p in names)
                        or (text.isalpha() and text.isascii()
                            and any(text in v for v in variants))):
                    found.add(party)
            return found
        for text in ["丁丽", "dl", "DL", "li d", "d1", "d", "曾", "zeng",
                "zdlh", "ruijin", "rj", "rj-", "医药", "强", "q"]:
            domain = Party.search_rec_name(
                'rec_name', ('rec_name', 'ilike', '%' + text + '%'))
            self.assertTrue(
                any(c[0] == 'pharma_search' for c in domain
                    if isinstance(c, tuple)), msg=text)
            self.assertEqual(set(Party.search([
                            ('rec_name', 'ilike', '%' + text + '%'),
                            ('id', 'in', [p.id for p in parties]),
                            ])), expected(text), msg=text)
        # wildcards inside, no %…%, not ilike: the usual clauses
        for clause in [('rec_name', 'ilike', '%丁%丽%'),
                ('rec_name', 'ilike', 'dl%'), ('rec_name', 'like', '%dl%'),
                ('rec_name', 'ilike', '%d_%')]:
            domain = Party.search_rec_name('rec_name', clause)
            self.assertFalse(
                any(c[0] == 'pharma_search' for c in domain
                    if isinstance(c, tuple)), msg=clause)
        self.assertEqual(Party.search([
                    ('rec_name', 'ilike', '%丁%华%'),
                    ('id', 'in', [p.id for p in parties])]), [parties[1]])

        # kept up to date on write of the name and of the code
        doctor = parties[0]
        Party.write([doctor], {'name': "孙悦"})
        self.assertEqual(Party.search([('rec_name', 'ilike', '%丁丽%'),
                    ('id', '=', doctor.id)]), [])
        self.assertEqual(Party.search([('rec_name', 'ilike', '%sy%'),
                    ('id', '=', doctor.id)]), [doctor])
        Party.write([doctor], {'code': 'ZZ5'})
        self.assertEqual(Party.search([('rec_name', 'ilike', '%zz%'),
                    ('id', '=', doctor.id)]), [doctor])

        # the SQL fill of an upgraded database gives the same text
        table = Party.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update([table.pharma_search], [None]))
        Party._fill_search_text()
        cursor.execute(*table.select(table.code, table.name, table.pinyin,
                table.pinyin_initials, table.pharma_search))
        rows = cursor.fetchall()
        self.assertTrue(rows)
        hospital_text = search_text(None, hospital.name, hospital.pinyin,
            hospital.pinyin_initials)[1:]
        for code, name, pinyin, initials, text in rows:
            own = search_text(code, name, pinyin, initials)
            if name in {"丁丽", "孙悦", "曾丁丽华", "王强"}:
                own += hospital_text
            self.assertEqual(text, own, msg=name)

    @with_transaction()
    def test_doctor_search_by_hospital(self):
        "A doctor is found by its hospital's name and pinyin, kept up to date"
        pool = Pool()
        Party = pool.get('party.party')
        hospital, other = Party.create([
                {'name': "上海交通大学医学院附属瑞金医院",
                    'pharma_type': 'hospital'},
                {'name': "华山医院", 'pharma_type': 'hospital'}])
        doctor, = Party.create([{'name': "张三", 'pharma_type': 'doctor',
                    'hospital': hospital.id}])

        def found(text):
            return doctor in Party.search([
                    ('rec_name', 'ilike', '%' + text + '%'),
                    ('pharma_type', '=', 'doctor')])
        for text in ['瑞金', 'ruijin', 'rj', 'RJ', '张三', 'zs']:
            self.assertTrue(found(text), msg=text)
        self.assertFalse(found('huashan'))
        # the hospital renamed: its doctors follow
        Party.write([hospital], {'name': "仁济医院"})
        self.assertFalse(found('ruijin'))
        self.assertTrue(found('renji'))
        self.assertTrue(found('仁济'))
        # the doctor moves to another hospital
        Party.write([doctor], {'hospital': other.id})
        self.assertTrue(found('hs'))
        self.assertFalse(found('renji'))
        # the doctor renamed keeps its hospital's text
        Party.write([doctor], {'name': "李四"})
        self.assertTrue(found('huashan'))
        self.assertTrue(found('ls'))

    @with_transaction()
    def test_pinyin_search_access(self):
        "Pinyin search returns only what the rep may see"
        pool = Pool()
        Party = pool.get('party.party')
        data = self._pharma_setup()
        with self._as_user(data['rep2_user'], data['company']):
            self.assertEqual(Party.search([
                        ('rec_name', 'ilike', '%rjyy%')]), [])
            # the hospital (and its doctors rep2 covers)
            self.assertEqual(Party.search([
                        ('rec_name', 'ilike', '%zjdx%'),
                        ('pharma_type', '=', 'hospital')]), [data['h2']])

    @with_transaction()
    def test_coverage_primary_overlap(self):
        "A party has one primary representative at a time"
        pool = Pool()
        Coverage = pool.get('pharma.coverage')
        data = self._pharma_setup()
        company = data['company']
        today = data['today']
        values = {
            'company': company.id, 'employee': data['rep2_employee'].id,
            'party': data['d1'].id, 'role': 'primary',
            }
        with set_company(company):
            # before rep1's coverage, or as secondary: fine
            Coverage.create([dict(values,
                        start_date=today - datetime.timedelta(days=90),
                        end_date=today - datetime.timedelta(days=31)),
                    dict(values, role='secondary', start_date=today)])
            with self.assertRaisesRegex(UserError, 'primary'):
                Coverage.create([dict(values,
                            start_date=today - datetime.timedelta(days=30),
                            end_date=today - datetime.timedelta(days=29))])
            with self.assertRaisesRegex(UserError, 'primary'):
                Coverage.create([dict(values, start_date=today)])

    @with_transaction()
    def test_replace_closes_duplicate_coverage(self):
        "Merging two doctors closes the coverage rows it duplicates"
        pool = Pool()
        Party = pool.get('party.party')
        Coverage = pool.get('pharma.coverage')
        Replace = pool.get('party.replace', type='wizard')
        data = self._pharma_setup()
        company = data['company']
        with set_company(company):
            dup, = Party.create([{
                        'name': "曾医生", 'pharma_type': 'doctor',
                        'hospital': data['h1'].id,
                        }])
            Coverage.create([{
                        'company': company.id,
                        'employee': data['rep2_employee'].id,
                        'party': dup.id, 'role': 'primary',
                        'start_date': data['today'] - datetime.timedelta(
                            days=10),
                        }])
            session_id, _, _ = Replace.create()
            replace = Replace(session_id)
            replace.ask.source = dup
            replace.ask.destination = data['d1']
            replace.transition_replace()

            coverages = Coverage.search([('party', '=', data['d1'].id)])
            self.assertEqual(len(coverages), 2)
            current = [c for c in coverages if c.current]
            self.assertEqual(
                [(c.employee, c.role) for c in current],
                [(data['rep1_employee'], 'primary')])
            self.assertEqual(data['d1'].primary_rep, data['rep1_employee'])

    @with_transaction()
    def test_rep_access(self):
        "A rep sees covered parties and their territory, read-only"
        pool = Pool()
        Party = pool.get('party.party')
        Department = pool.get('pharma.hospital.department')
        Coverage = pool.get('pharma.coverage')
        UserGroup = pool.get('res.user-res.group')
        User = pool.get('res.user')
        Group = pool.get('res.group')
        ModelData = pool.get('ir.model.data')
        data = self._pharma_setup()
        company = data['company']
        h1, h2, d1, d1b, d2 = (
            data[k] for k in ['h1', 'h2', 'd1', 'd1b', 'd2'])
        doctors = [('pharma_type', '=', 'doctor')]
        hidden_ids = [h2.id, d2.id]
        # rep1 also covers a doctor of the hidden hospital
        d3, = Party.create([{
                    'name': "赵医生", 'pharma_type': 'doctor',
                    'hospital': h2.id,
                    }])
        Coverage.create([{
                    'company': company.id,
                    'employee': data['rep1_employee'].id,
                    'party': d3.id, 'role': 'primary',
                    'start_date': data['today'],
                    }])

        with self._as_user(data['rep1_user'], company):
            # read, search, count
            self.assertEqual(Party.search(doctors, order=[('id', 'ASC')]),
                [d1, d1b, d3])
            self.assertEqual(Party.search_count(doctors), 3)
            self.assertEqual(
                Party.search([('pharma_type', '=', 'hospital')]), [h1])
            Party.read([d1.id, d1b.id], ['name', 'rec_name'])
            for field in ['name', 'rec_name']:
                with self.assertRaises(AccessError, msg=field):
                    Party.read([d2.id], [field])
            # filtering or ordering by a field of a hidden record
            self.assertEqual(Party.search([('name', '=', d2.name)]), [])
            self.assertEqual(Party.search_count([('id', 'in', hidden_ids)]), 0)
            self.assertEqual(Party.search([
                        ('hospital.name', '=', h2.name)]), [])
            self.assertEqual(Party.search(
                    [('pharma_type', 'in', ['hospital', 'doctor'])],
                    order=[('research_interests', 'DESC'), ('id', 'ASC')]),
                [h1, d1, d1b, d3])
            self.assertEqual(set(Party.search(doctors,
                        order=[('hospital.name', 'DESC'), ('id', 'ASC')])),
                {d1, d1b, d3})
            self.assertEqual(Party.search([
                        ('coverages.employee', '=',
                            data['rep2_employee'].id)]), [])
            self.assertEqual(Party.search([
                        ('coverages', 'where', [
                                ('employee', '=', data['rep2_employee'].id),
                                ])]), [])
            # d3 is visible, its hospital h2 is not
            self.assertEqual(Party.search([('hospital', 'ilike', h2.name)]),
                [])
            self.assertEqual(Party.search([
                        ('hospital.beds', '=', None), ('id', '=', d3.id)]),
                [])
            self.assertEqual(Party.search([('hospital.name', '=', h1.name)],
                    order=[('id', 'ASC')]), [d1, d1b])
            self.assertEqual(Party.search([
                        ('hospital.name', '!=', h1.name),
                        ('pharma_type', '=', 'doctor')]), [])
            # write: own coverage only, territory is read-only
            Party.write([Party(d1.id)], {'vip': True})
            with self.assertRaises(AccessError):
                Party.write([Party(d1b.id)], {'vip': True})
            with self.assertRaises(AccessError):
                Party.write([Party(d2.id)], {'vip': True})
            with self.assertRaises(AccessError):
                Party.write(
                    [Party(d1.id)], {'name': "Changed"},
                    [Party(d2.id)], {'name': "Changed"})
            with self.assertRaises(AccessError):
                Party.delete([Party(d2.id)])
            # copy and export of a hidden doctor
            with self.assertRaises(AccessError):
                Party.copy([Party(d2.id)])
            with self.assertRaises(AccessError):
                Party.export_data([Party(d2.id)], ['name'])
            self.assertEqual(Party.export_data_domain(
                    [('id', '=', d2.id)], ['name']), [])
            self.assertEqual(sorted(Party.export_data(
                        [Party(h1.id)], ['hospital_doctors/name'])),
                sorted([[d1.name], [d1b.name]]))
            # a hidden hospital through a visible doctor
            Party.read([d3.id], ['name', 'hospital'])
            with self.assertRaises(AccessError):
                Party.read([d3.id], ['hospital.rec_name'])
            with self.assertRaises(AccessError):
                Party.export_data([Party(d3.id)], ['name', 'hospital/name'])
            # related fields of visible records
            # the departments of a hidden hospital are hidden
            self.assertEqual(
                Department.search([('id', '=', data['dep2'].id)]), [])
            with self.assertRaises(AccessError):
                Department.read([data['dep2'].id], ['head'])
            dep1, = Department.search([('id', '=', data['dep1'].id)])
            # a rep changes the departments of covered hospitals only
            Department.write([dep1], {'beds': 40})
            with self.assertRaises(AccessError):
                Department.write([Department(data['dep2'].id)], {'beds': 1})
            with self.assertRaises(AccessError):
                Department.create([{'hospital': h2.id, 'name': "X"}])
            values, = Department.read([dep1.id], ['doctors'])
            self.assertEqual(
                sorted(values['doctors']), sorted([d1.id, d1b.id]))
            values, = Party.read([h1.id], ['hospital_doctors', 'coverages'])
            self.assertEqual(sorted(values['hospital_doctors']),
                sorted([d1.id, d1b.id]))
            # relation models: coverage and group membership
            rep1_coverage, = Coverage.search([('party', '=', d1.id)])
            with self.assertRaises(AccessError):
                Coverage.write([rep1_coverage], {'end_date': None,
                        'employee': data['rep2_employee'].id})
            with self.assertRaises(AccessError):
                Coverage.create([{
                            'company': company.id,
                            'employee': data['rep1_employee'].id,
                            'party': d2.id, 'role': 'secondary',
                            'start_date': data['today'],
                            }])
            self.assertEqual(Coverage.search([('party', '=', d2.id)]), [])
            admin_group = ModelData.get_id('res', 'group_admin')
            # the membership relation is not exposed through RPC and the
            # user and group models are not writable by a rep
            self.assertNotIn('create', UserGroup.__rpc__)
            self.assertNotIn('write', UserGroup.__rpc__)
            with self.assertRaises(AccessError):
                User.write([User(data['rep1_user'].id)], {
                        'groups': [('add', [admin_group])]})
            with self.assertRaises(AccessError):
                Group.write([Group(admin_group)], {
                        'users': [('add', [data['rep1_user'].id])]})
            with self.assertRaises(AccessError):
                Party.write([Party(d1.id)], {'coverages': [('create', [{
                                    'company': company.id,
                                    'employee': data['rep1_employee'].id,
                                    'role': 'secondary',
                                    'start_date': data['today'],
                                    }])]})

        # rep2 in the same process sees other records
        with self._as_user(data['rep2_user'], company):
            self.assertEqual(
                Party.search(doctors, order=[('id', 'ASC')]), [d2, d3])
            with self.assertRaises(AccessError):
                Party.read([d1.id], ['rec_name'])
            # d3 is in rep2's territory: rep1's coverage row stays hidden
            values, = Party.read([d3.id], ['coverages', 'primary_rep'])
            self.assertEqual(list(values['coverages']), [])

        # the manager sees the territory subtree
        with self._as_user(data['manager1_user'], company):
            self.assertEqual(
                Party.search(doctors, order=[('id', 'ASC')]),
                [d1, d1b, d2, d3])
            self.assertEqual(Party.search_count(
                    [('pharma_type', '=', 'hospital')]), 2)

        # rep1 writes nothing of the test above
        self.assertEqual(Party(d2.id).name, "李医生")

    @staticmethod
    def _old_party_rules(context):
        """The party rules as they were written before the searchers
        (lists and subqueries of the rule context)"""
        employees = context['employees']
        today = context['pharma_today']
        territories = context['pharma_territories']

        def covered(employee_field):
            return ('coverages', 'where', [
                    (employee_field, 'in', employees),
                    ('start_date', '<=', today),
                    ['OR', ('end_date', '=', None),
                        ('end_date', '>=', today)]])
        other = [('pharma_type', '=', None),
            ('pharma_type', 'not in', ['hospital', 'doctor'])]
        territory = [('territory', 'in', territories),
            ('hospital.territory', 'in', territories)]
        return {
            'rule_party_rep_read': ['OR', *other, covered('employee'),
                *territory],
            'rule_party_rep_write': ['OR', *other, covered('employee')],
            'rule_party_manager': ['OR', *other, *territory,
                covered('employee'), covered('employee.supervisor')],
            }

    @with_transaction()
    def test_party_rules_subqueries(self):
        """The party rules through the pharma_readers and
        pharma_representatives searchers give exactly the parties of the
        former domains, for each role, with coverage ending yesterday,
        today and tomorrow or starting tomorrow, territories and a team"""
        pool = Pool()
        Party = pool.get('party.party')
        Coverage = pool.get('pharma.coverage')
        Territory = pool.get('pharma.territory')
        Rule = pool.get('ir.rule')
        ModelData = pool.get('ir.model.data')
        data = self._pharma_setup()
        company, today = data['company'], data['today']
        day = datetime.timedelta(days=1)
        rep1, rep3 = data['rep1_employee'], data['rep3_employee']
        h2 = data['h2']
        # a hospital outside manager1's region with its doctors, and a
        # party that is neither
        t3, = Territory.create([{
                    'name': "Beijing", 'code': 'BJ', 'level': 'city'}])
        h3, = Party.create([{'name': "协和医院", 'pharma_type': 'hospital',
                    'territory': t3.id}])
        d4, d5, d6, d7, d8, d9, d10, d11 = Party.create([{
                    'name': name, 'pharma_type': 'doctor',
                    'hospital': hospital.id if hospital else None,
                    } for name, hospital in [
                    ("孙医生", h2), ("周医生", h2), ("吴医生", h2),
                    ("郑医生", h2), ("冯医生", h3), ("陈医生", h3),
                    ("褚医生", h3), ("卫医生", h3)]])
        acme, = Party.create([{'name': "Acme"}])
        start = today - 30 * day
        Coverage.create([{
                    'company': company.id, 'employee': employee.id,
                    'party': party.id, 'role': 'secondary',
                    'start_date': begin, 'end_date': end,
                    } for employee, party, begin, end in [
                    (rep1, d4, start, today - day),
                    (rep1, d5, start, today),
                    (rep3, d6, start, today + day),
                    (rep3, d7, today + day, None),
                    (rep3, d8, start, today - day),
                    (rep3, d9, start, today + day),
                    (rep1, d10, today - day, today + day),
                    ]])
        # a member of the team not yet employed (inactive) who covers d9
        Employee = pool.get('company.employee')
        Employee.write([rep3], {'start_date': today + day})
        rules = {
            'rep1': ['rule_party_rep_read', 'rule_party_rep_write'],
            'rep3': ['rule_party_rep_read', 'rule_party_rep_write'],
            'manager1': ['rule_party_manager'],
            }
        visible = {}
        for login, names in rules.items():
            with Transaction().set_user(data[login + '_user'].id):
                context = Rule._get_context('party.party')
                old = self._old_party_rules(context)
                for name in names:
                    rule = Rule(ModelData.get_id('pharma_hospital', name))
                    self.assertNotIn('coverages', rule.domain)
                    new = PYSONDecoder(context).decode(rule.domain)
                    ids = Party.search(new, order=[('id', 'ASC')])
                    self.assertEqual(ids,
                        Party.search(old[name], order=[('id', 'ASC')]),
                        msg=(login, name))
                    visible[login, name] = set(ids)
            # and as the user through the ORM's rules
            with self._as_user(data[login + '_user'], company):
                self.assertEqual(set(Party.search([])),
                    visible[login, names[0]], msg=login)
        read = visible['rep1', 'rule_party_rep_read']
        write = visible['rep1', 'rule_party_rep_write']
        # coverage ending today counts, ending yesterday does not
        self.assertIn(d5, write)
        self.assertNotIn(d4, read)
        self.assertIn(d10, write)
        # the territory is read, not written
        self.assertIn(data['d1b'], read - write)
        self.assertIn(acme, read & write)
        rep3_read = visible['rep3', 'rule_party_rep_read']
        self.assertIn(d6, rep3_read)
        self.assertNotIn(d7, rep3_read)
        self.assertNotIn(data['d1b'], rep3_read)
        # the manager: the region, and the team's coverage outside it
        manager = visible['manager1', 'rule_party_manager']
        self.assertTrue({d4, d7, data['d1b'], d9} <= manager)
        self.assertNotIn(d8, manager)
        self.assertIn(d10, manager)
        self.assertFalse({h3, d11} & manager)
        # the searchers' negations and the getters
        self.assertEqual(set(Party.search([
                        ('pharma_type', '=', 'doctor'),
                        ('pharma_representatives', 'not in', [rep3.id])])),
            set(Party.search([('pharma_type', '=', 'doctor')]))
            - {d6, d9})
        self.assertEqual(list(Party(d5.id).pharma_representatives), [rep1])
        self.assertEqual(Party(d4.id).pharma_representatives, ())
        self.assertEqual(
            {e.id for e in Party(data['d1b'].id).pharma_readers},
            {rep1.id, data['manager1_employee'].id})
        self.assertEqual({e.id for e in Party(h3.id).pharma_readers}, set())

    @with_transaction()
    def test_refusal_names_no_hidden_record(self):
        "Refusals of a hidden record give its id, never its name"
        pool = Pool()
        Party = pool.get('party.party')
        ProposeChange = pool.get(
            'pharma.data.change.request.propose', type='wizard')
        data = self._pharma_setup()
        company = data['company']
        d2, h2 = data['d2'], data['h2']
        secrets = [d2.name, h2.name, data['dep2'].name, "Oncology"]

        def refused(func, *args):
            with self.assertRaises(UserError) as cm:
                func(*args)
            text = ' '.join(str(a) for a in cm.exception.args)
            for secret in secrets:
                self.assertNotIn(secret, text, msg=func)
            return text

        with self._as_user(data['rep1_user'], company):
            doctor = Party(d2.id)
            for values in [{'vip': True}, {'name': "X"},
                    {'verification': 'verified'},
                    {'research_interests': "X"}]:
                text = refused(Party.write, [doctor], values)
                self.assertIn(str(d2.id), text)
            refused(Party.delete, [doctor])
            refused(Party.copy, [doctor])
            refused(Party.verify, [doctor])
            refused(Party.read, [d2.id], ['rec_name'])
            refused(Party.export_data, [doctor], ['name'])
            # a wizard started on the hidden doctor
            session_id, _, _ = ProposeChange.create()
            with Transaction().set_context(active_model='party.party',
                    active_id=d2.id, active_ids=[d2.id]):
                refused(ProposeChange.execute, session_id, {}, 'start')

    @with_transaction()
    def test_login_throttling(self):
        "Wrong passwords lock a login out for 15 minutes, never its devices"
        pool = Pool()
        User = pool.get('res.user')
        Device = pool.get('res.user.device')
        Attempt = pool.get('res.user.login.attempt')
        user, = User.create([{
                    'name': "Rep", 'login': 'rep-throttle',
                    'password': 'Pharma-2026-secret'}])
        device, = Device.create([{
                    'login': 'rep-throttle', 'cookie': 'known-phone'}])
        right = {'password': 'Pharma-2026-secret'}

        def login(parameters):
            try:
                return User.get_login('rep-throttle', parameters)
            except RateLimitException:
                return 'throttled'

        with patch('trytond.res.user.time.sleep'):
            # twenty wrong passwords from a browser without the cookie
            results = [login({'password': 'wrong'}) for _ in range(20)]
            self.assertIn('throttled', results)
            self.assertNotIn(user.id, results)
            self.assertEqual(login(right), 'throttled')
            # the rep's phone is not locked out
            self.assertEqual(
                login(dict(right, device_cookie='known-phone')), user.id)
            # nor a guessed cookie let through
            self.assertEqual(
                login(dict(right, device_cookie='guessed')), 'throttled')

            table = Attempt.__table__()
            cursor = Transaction().connection.cursor()

            def age(delta):
                # the attempts were made delta ago
                cursor.execute(*table.update([table.create_date],
                        [datetime.datetime.now() - delta]))
            # at most 15 minutes, even with a session of a working day
            timeout = config.get('session', 'timeout')
            config.set('session', 'timeout', str(9 * 3600))
            try:
                window = datetime.datetime.now() - Attempt.delay()
                self.assertLessEqual(window, datetime.timedelta(minutes=15))
                age(window - datetime.timedelta(minutes=1))
                self.assertEqual(login(right), 'throttled')
                age(window + datetime.timedelta(minutes=1))
                # after the window the browser logs in again
                self.assertEqual(login(right), user.id)
            finally:
                config.set('session', 'timeout', timeout)

    @with_transaction()
    def test_doctor_personal_data_roles(self):
        "Who reads doctors' phone, e-mail, address and ID numbers (README)"
        pool = Pool()
        Party = pool.get('party.party')
        ContactMechanism = pool.get('party.contact_mechanism')
        Identifier = pool.get('party.identifier')
        Address = pool.get('party.address')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        data = self._pharma_setup()
        company = data['company']
        # d1 covered by rep1, d1b in rep1's territory not covered, d2 hidden
        d1, d1b, d2, h1 = data['d1'], data['d1b'], data['d2'], data['h1']
        for doctor in [d1, d1b, d2]:
            ContactMechanism.create([
                    {'party': doctor.id, 'type': 'mobile',
                        'value': '1380000%04d' % doctor.id},
                    {'party': doctor.id, 'type': 'phone',
                        'value': '021-6000%04d' % doctor.id},
                    {'party': doctor.id, 'type': 'email',
                        'value': 'doctor%s@example.com' % doctor.id}])
            Identifier.create([{'party': doctor.id, 'type': None,
                        'code': '11010119800101%04d' % doctor.id}])
            Address.create([{'party': doctor.id, 'street': "Home"}])
        ContactMechanism.create([{'party': h1.id, 'type': 'phone',
                    'value': '021-64370045'}])
        users = {'rep1': data['rep1_user'], 'manager1': data['manager1_user']}
        for group in ['commercial', 'marketing', 'marketing_manager',
                'clerk', 'finance', 'logistics', 'medical', 'quality',
                'admin']:
            user, = User.create([{
                        'name': group, 'login': 'pharma_' + group,
                        'companies': [('add', [company.id])],
                        'company': company.id,
                        'groups': [('add', [ModelData.get_id(
                                        'pharma_hospital',
                                        'group_pharma_' + group)])],
                        }])
            users[group] = user
        all_ = [d1.id, d1b.id, d2.id]
        # the doctors whose personal data each role reads
        expected = {
            'rep1': [d1.id, d1b.id],
            'manager1': all_,
            'marketing': all_,
            'marketing_manager': all_,
            'clerk': all_,
            'medical': all_,
            'admin': all_,
            'commercial': [],
            'finance': [],
            'logistics': [],
            'quality': [],
            }
        mechanisms = ['mobile', 'email', 'phone']

        def values(doctor):
            return ['1380000%04d' % doctor, 'doctor%s@example.com' % doctor,
                '021-6000%04d' % doctor]

        for login, doctors in expected.items():
            with self._as_user(users[login], company):
                # every role but the rep reads the three doctors
                readable = sorted(p.id for p in Party.search(
                        [('id', 'in', all_)]))
                self.assertEqual(readable,
                    all_ if login != 'rep1' else [d1.id, d1b.id], msg=login)
                for Model in [ContactMechanism, Identifier, Address]:
                    records = Model.search([('party', 'in', all_)])
                    self.assertEqual(
                        sorted({r.party.id for r in records}),
                        doctors, msg=(login, Model.__name__))
                # the party's phone, mobile and e-mail fields follow the
                # contact mechanisms: empty where they are not readable
                self.assertEqual(
                    {r['id']: [r[n] for n in mechanisms]
                        for r in Party.read(readable, mechanisms)},
                    {d: values(d) if d in doctors else ['', '', '']
                        for d in readable}, msg=login)
                self.assertEqual(
                    Party.export_data_domain([('id', 'in', readable)],
                        ['name'] + mechanisms, order=[('id', 'ASC')]),
                    [[Party(d).name] + (values(d) if d in doctors
                            else ['', '', '']) for d in readable],
                    msg=login)
                personal = ['name', 'contact_mechanisms/value',
                    'identifiers/code', 'addresses/street']
                if doctors:
                    rows = Party.export_data_domain(
                        [('id', 'in', doctors)], personal)
                    self.assertIn('1380000%04d' % doctors[0],
                        {row[1] for row in rows}, msg=login)
                else:
                    # exporting the doctors' personal data is refused
                    # (the ids only), their names are exported
                    with self.assertRaises(AccessError) as cm:
                        Party.export_data_domain(
                            [('id', 'in', all_)], personal)
                    self.assertNotIn('1380000', str(cm.exception))
                    self.assertEqual(len(Party.export_data_domain(
                                [('id', 'in', all_)], ['name'])), 3)
                if not doctors:
                    # and not through the doctor's form
                    for row in Party.read(all_, ['contact_mechanisms',
                                'identifiers', 'addresses']):
                        self.assertEqual(row['contact_mechanisms'], ())
                        self.assertEqual(row['identifiers'], ())
                    # the hospital's switchboard stays readable
                    self.assertEqual(ContactMechanism.search_count(
                            [('party', '=', h1.id)]), 1, msg=login)
                    self.assertEqual(Party.read([h1.id], ['phone']),
                        [{'id': h1.id, 'phone': '021-64370045'}],
                        msg=login)
                # the record as the client's form or code reads it
                self.assertEqual(Party(d1.id).mobile,
                    values(d1.id)[0] if d1.id in doctors else '',
                    msg=login)

    @with_transaction()
    def test_export_hidden_related(self):
        "An export never carries a value of a record the user cannot read"
        pool = Pool()
        Party = pool.get('party.party')
        Channel = pool.get('pharma.purchase.channel')
        Coverage = pool.get('pharma.coverage')
        data = self._pharma_setup()
        company = data['company']
        h1, h2, d1, d2 = data['h1'], data['h2'], data['d1'], data['d2']
        Party.write([h1], {'beds': 1200})
        Party.write([h2], {'beds': 2500})
        distributor, = Party.create([{
                    'name': "国药控股", 'pharma_type': 'distributor'}])
        channel1, channel2 = Channel.create([{
                    'hospital': h.id, 'distributor': distributor.id,
                    } for h in [h1, h2]])
        # a doctor rep1 covers whose hospital rep1 cannot read
        doctor, = Party.create([{
                    'name': "赵医生", 'pharma_type': 'doctor',
                    'hospital': h2.id}])
        Coverage.create([{
                    'company': company.id,
                    'employee': data['rep1_employee'].id,
                    'party': doctor.id, 'role': 'primary',
                    'start_date': data['today'],
                    }])
        secrets = [h2.name, '2500', d2.name]

        def refused(Model, ids, names):
            with self.assertRaises(AccessError, msg=names) as cm:
                Model.export_data(Model.browse(ids), names)
            text = ' '.join(str(a) for a in cm.exception.args)
            for secret in secrets:
                self.assertNotIn(secret, text, msg=names)

        with self._as_user(data['rep1_user'], company):
            self.assertEqual(Party.search([('id', '=', h2.id)]), [])
            # the hidden records themselves (their rules go through a
            # relation, which Tryton's check in Python takes as true)
            refused(Channel, [channel2.id], ['start_date'])
            refused(Channel, [channel2.id], ['hospital/beds'])
            refused(Channel, [channel1.id, channel2.id], ['start_date'])
            # a visible record's relation to a hidden one
            for names in [['hospital/beds'], ['hospital/name'],
                    ['hospital'], ['name', 'hospital/territory/name']]:
                refused(Party, [doctor.id], names)
            # a hidden record reached through a One2Many
            refused(Party, [distributor.id],
                ['supplied_hospitals/hospital/name'])
            refused(Party, [distributor.id], ['supplied_hospitals'])
            # what rep1 reads is exported
            self.assertEqual(Channel.export_data(
                    Channel.browse([channel1.id]),
                    ['hospital/beds', 'hospital/name', 'distributor']),
                [[1200, h1.name, distributor.rec_name]])
            self.assertEqual(Party.export_data(Party.browse([d1.id]),
                    ['name', 'hospital/beds', 'department/name']),
                [[d1.name, 1200, data['dep1'].name]])
            self.assertEqual(len(Channel.export_data_domain(
                        [], ['hospital/name'])), 1)

    @with_transaction()
    def test_alias_other_hospital_hidden(self):
        "An alias refused as another hospital's name names it if readable"
        pool = Pool()
        Party = pool.get('party.party')
        Alias = pool.get('pharma.hospital.alias')
        ModelAccess = pool.get('ir.model.access')
        ModelData = pool.get('ir.model.data')
        data = self._pharma_setup()
        company = data['company']
        h1, h2 = data['h1'], data['h2']
        h3, = Party.create([{
                    'name': "上海市第六人民医院", 'pharma_type': 'hospital',
                    'territory': data['t1'].id}])
        # a role that enters aliases but does not read every hospital
        ModelAccess.create([{
                    'model': 'pharma.hospital.alias',
                    'group': ModelData.get_id(
                        'pharma_hospital', 'group_pharma_rep'),
                    'perm_read': True, 'perm_write': True,
                    'perm_create': True, 'perm_delete': True,
                    }])
        with self._as_user(data['rep1_user'], company):
            self.assertEqual(Party.search([('id', '=', h2.id)]), [])
            with self.assertRaises(UserError) as cm:
                Alias.create([{'hospital': h1.id, 'name': h2.name}])
            text = ' '.join(str(a) for a in cm.exception.args)
            # the alias as entered, then the other hospital: its id only
            _, _, other = text.partition(h2.name)
            self.assertNotIn(h2.name, other)
            self.assertIn(str(h2.id), other)
            with self.assertRaises(UserError) as cm:
                Alias.create([{'hospital': h1.id, 'name': h3.name}])
            text = ' '.join(str(a) for a in cm.exception.args)
            self.assertIn(h3.rec_name, text)

    @with_transaction()
    def test_rep_order_hidden(self):
        "Ordering by a hidden record's field tells a rep nothing about it"
        pool = Pool()
        Party = pool.get('party.party')
        Department = pool.get('pharma.hospital.department')
        Coverage = pool.get('pharma.coverage')
        data = self._pharma_setup()
        company = data['company']
        # two hospitals hidden from rep1 whose names (and departments)
        # sort opposite to their doctors, whom rep1 covers
        h_alpha, h_zulu = Party.create([{
                    'name': "Alpha Hospital", 'pharma_type': 'hospital',
                    'territory': data['t2'].id,
                    }, {
                    'name': "Zulu Hospital", 'pharma_type': 'hospital',
                    'territory': data['t2'].id,
                    }])
        dep_alpha, dep_zulu = Department.create([{
                    'hospital': h_alpha.id, 'name': "Alpha Ward",
                    }, {
                    'hospital': h_zulu.id, 'name': "Zulu Ward",
                    }])
        doc_a, doc_z = Party.create([{
                    'name': "Doctor A", 'pharma_type': 'doctor',
                    'hospital': h_zulu.id, 'department': dep_zulu.id,
                    }, {
                    'name': "Doctor Z", 'pharma_type': 'doctor',
                    'hospital': h_alpha.id, 'department': dep_alpha.id,
                    }])
        cov_a, cov_z = Coverage.create([{
                    'company': company.id,
                    'employee': data['rep1_employee'].id,
                    'party': p.id, 'role': 'primary',
                    'start_date': data['today'],
                    } for p in [doc_a, doc_z]])
        doctors = [('id', 'in', [doc_a.id, doc_z.id])]
        by_hospital = [
            [('hospital.name', 'ASC'), ('id', 'ASC')],
            [('hospital', 'ASC'), ('id', 'ASC')],
            [('department.name', 'ASC'), ('id', 'ASC')],
            [('department', 'ASC'), ('id', 'ASC')],
            [('department.hospital.name', 'ASC'), ('id', 'ASC')],
            ]

        with self._as_user(data['rep1_user'], company):
            self.assertEqual(
                Party.search([('id', 'in', [h_alpha.id, h_zulu.id])]), [])
            for order in by_hospital:
                # as for a user who sees neither hospital: by id
                self.assertEqual(
                    Party.search(doctors, order=order), [doc_a, doc_z],
                    msg=order)
                self.assertEqual(
                    [r['id'] for r in Party.search_read(
                            doctors, order=order, fields_names=['name'])],
                    [doc_a.id, doc_z.id], msg=order)
            self.assertEqual(Party.search(doctors,
                    order=[('hospital.name', 'DESC'), ('id', 'DESC')]),
                [doc_z, doc_a])
            # Tryton adds the id to the order of a limited search
            self.assertEqual(Party.search(doctors,
                    order=[('hospital.name', 'ASC')], limit=1), [doc_a])
            self.assertEqual(Party.search(doctors,
                    order=[('hospital.name', 'ASC')], offset=1), [doc_z])
            # ordering by the id of the hidden hospital reveals nothing new
            self.assertEqual(Party.search(doctors,
                    order=[('hospital.id', 'DESC')]), [doc_a, doc_z])
            # through a visible record of another model
            self.assertEqual(Coverage.search(
                    [('id', 'in', [cov_a.id, cov_z.id])],
                    order=[('party.hospital.name', 'ASC'), ('id', 'ASC')]),
                [cov_a, cov_z])
            # the readable hospital still orders
            d1, d1b = data['d1'], data['d1b']
            self.assertEqual(Party.search(
                    [('id', 'in', [d1.id, doc_a.id])],
                    order=[('hospital.name', 'ASC NULLS LAST')]),
                [d1, doc_a])
            self.assertEqual(Party.search(
                    [('id', 'in', [d1.id, doc_a.id])],
                    order=[('hospital.name', 'ASC NULLS FIRST')]),
                [doc_a, d1])
            # reading history (a model with _history, e.g. the official
            # opportunities): Tryton joins the history tables itself, so an
            # order through a relation to a model with rules is dropped
            # (the query is compared: no history table exists here)
            with patch.object(Coverage, '_history', True), \
                    Transaction().set_context(
                        _datetime=datetime.datetime.now()):
                def order_by(order):
                    query = Coverage.search([], order=order, query=True)
                    return str(query).split('ORDER BY')[-1]
                self.assertEqual(
                    order_by([('party.hospital.name', 'ASC')]),
                    order_by([('id', 'ASC')]))
                self.assertEqual(
                    order_by([('party.hospital.name', 'ASC'),
                            ('start_date', 'DESC')]),
                    order_by([('start_date', 'DESC')]))
                self.assertNotEqual(order_by([('start_date', 'DESC')]),
                    order_by([('id', 'ASC')]))

        # the manager sees both hospitals and their true order
        with self._as_user(data['manager1_user'], company):
            for order in by_hospital:
                self.assertEqual(
                    Party.search(doctors, order=order), [doc_z, doc_a],
                    msg=order)
            self.assertEqual(Coverage.search(
                    [('id', 'in', [cov_a.id, cov_z.id])],
                    order=[('party.hospital.name', 'ASC'), ('id', 'ASC')]),
                [cov_z, cov_a])
        # and without access check
        self.assertEqual(Party.search(doctors,
                order=[('hospital.name', 'ASC'), ('id', 'ASC')]),
            [doc_z, doc_a])

    @with_transaction()
    def test_rep_access_after_transfer(self):
        "After a transfer the former rep sees none of the accounts"
        pool = Pool()
        Party = pool.get('party.party')
        Handover = pool.get('pharma.handover', type='wizard')
        Territory = pool.get('pharma.territory')
        data = self._pharma_setup()
        company = data['company']
        with set_company(company):
            log = Handover.run(company, data['rep1_employee'],
                data['rep2_employee'], 'transfer')
        # rep2 takes rep1's place in the territory
        self.assertEqual(list(Territory(data['t1'].id).reps),
            [data['rep2_employee']])
        self.assertIn(data['t1'], [l.record for l in log.lines])
        with self._as_user(data['rep1_user'], company):
            self.assertEqual(Party.search([
                        ('pharma_type', 'in', ['hospital', 'doctor'])]), [])
        with self._as_user(data['rep2_user'], company):
            self.assertIn(data['d1'], Party.search([]))
            Party.write([Party(data['d1'].id)], {'vip': True})

    @with_transaction()
    def test_export_log_and_erase(self):
        "Exports of doctors are logged; erasure blanks doctors' fields"
        pool = Pool()
        Party = pool.get('party.party')
        ExportLog = pool.get('pharma.export.log')
        Erase = pool.get('party.erase', type='wizard')
        data = self._pharma_setup()
        company = data['company']
        with self._as_user(data['rep1_user'], company):
            Party.export_data([Party(data['h1'].id)], ['name'])
            Party.export_data([Party(data['d1'].id), Party(data['d1b'].id)],
                ['name', 'hospital/name'])
        log, = ExportLog.search([])
        self.assertEqual((log.user, log.records, log.doctors),
            (data['rep1_user'], 2, 2))

        d1 = data['d1']
        Party.write([d1], {'active': False})
        session_id, _, _ = Erase.create()
        erase = Erase(session_id)
        erase.ask.party = d1
        erase.transition_erase()
        Transaction().cache.clear()
        d1 = Party(d1.id)
        self.assertEqual(
            [d1.name, d1.societies, d1.best_visit_time, d1.pinyin],
            [None, None, None, None])

    @with_transaction()
    def test_lifecycle_reminders(self):
        "Elapsed stage intervals remind the rep, stale stages the manager"
        pool = Pool()
        Party = pool.get('party.party')
        Notification = pool.get('res.notification')
        data = self._pharma_setup()
        company = data['company']
        today = data['today']
        with set_company(company):
            Party.pharma_lifecycle_reminders()
            Transaction()._store_user_notifications()
            self.assertEqual(Notification.search([]), [])
            cursor = Transaction().connection.cursor()
            table = Party.__table__()
            cursor.execute(*table.update(
                    [table.lifecycle_date],
                    [today - datetime.timedelta(days=100)],
                    where=table.id == data['d1'].id))
            Transaction().cache.clear()
            Party.pharma_lifecycle_reminders()
            Transaction()._store_user_notifications()
            notification, = Notification.search([])
            self.assertEqual(notification.user, data['rep1_user'])
            self.assertIn(str(data['d1'].id), notification.records)
            Party.pharma_lifecycle_reminders()
            Transaction()._store_user_notifications()
            self.assertEqual(len(Notification.search([])), 1)

            self.assertEqual(
                Party.search([('lifecycle_stale', '=', True)]), [data['d1']])
            Party.pharma_lifecycle_stale()
            Transaction()._store_user_notifications()
            notification, = Notification.search(
                [('user', '=', data['manager1_user'].id)])
            Party.pharma_lifecycle_stale()
            Transaction()._store_user_notifications()
            self.assertEqual(len(Notification.search(
                        [('user', '=', data['manager1_user'].id)])), 1)

    @with_transaction()
    def test_list_views_datetime_widget(self):
        "Every DateTime shown in a list has a date/time widget"
        self.assertEqual(tree_datetime_without_widget(self.module), [])


del ModuleTestCase
