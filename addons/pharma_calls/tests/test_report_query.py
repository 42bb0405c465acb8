# This file is part of the pharma suite. See README.md for license terms.
import datetime
from unittest.mock import patch

from trytond.modules.company.tests import create_company, set_company
from trytond.modules.pharma_hospital import report_query
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    TestCase, activate_module, drop_db, with_transaction)
from trytond.transaction import Transaction

FIELDS = ['employee', 'date', 'calls', 'doctors', 'hospitals', 'departments']


class ReportQueryTestCase(TestCase):
    "The calls per representative and day, bounded and read by pages"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        drop_db()
        activate_module(['pharma_calls', 'pharma_distributor', 'stock_lot'])

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        drop_db()

    def _calls(self):
        """Two representatives, two hospitals, calls on ten days, some
        planned or cancelled; return (company, today)"""
        pool = Pool()
        Party = pool.get('party.party')
        Employee = pool.get('company.employee')
        Department = pool.get('pharma.hospital.department')
        Call = pool.get('pharma.call')
        Date = pool.get('ir.date')
        today = Date.today()
        company = create_company()
        with set_company(company):
            reps = Employee.create([{
                        'party': Party.create([{'name': name}])[0].id,
                        'company': company.id,
                        'rep_registration_number': 'R-' + name,
                        'rep_registration_status': 'registered',
                        } for name in ['Rep1', 'Rep2']])
            h1, h2 = Party.create([
                    {'name': "瑞金医院", 'pharma_type': 'hospital'},
                    {'name': "华山医院", 'pharma_type': 'hospital'}])
            departments = Department.create([
                    {'hospital': h1.id, 'name': "心内科"},
                    {'hospital': h2.id, 'name': "神经内科"}])
            doctors = Party.create([{
                        'name': "医生%s" % i, 'pharma_type': 'doctor',
                        'hospital': departments[i % 2].hospital.id,
                        'department': departments[i % 2].id,
                        } for i in range(5)])
            vlist = []
            for day in range(1, 11):
                date = datetime.datetime.combine(
                    today - datetime.timedelta(days=day), datetime.time(9))
                for i in range(day % 4 + 1):
                    vlist.append({
                            'company': company.id,
                            'employee': reps[(day + i) % 2].id,
                            'party': doctors[(day * 3 + i) % 5].id,
                            'date': date + datetime.timedelta(hours=i),
                            })
            calls = Call.create(vlist)
            Call.do(calls[:-3])
            Call.cancel(calls[-2:])
        return company, today

    def _rows(self, records):
        return sorted(tuple(getattr(r, f) for f in FIELDS) for r in records)

    @with_transaction()
    def test_bounded_period_same_numbers(self):
        "A report bounded by the context's period gives the unbounded numbers"
        pool = Pool()
        RepDay = pool.get('pharma.call.report.rep_day')
        company, today = self._calls()
        with set_company(company):
            everything = RepDay.read(
                [r.id for r in RepDay.search([])], FIELDS)
            # 25 calls, the last 3 are not done
            self.assertEqual(sum(r['calls'] for r in everything), 22)
            start = today - datetime.timedelta(days=7)
            end = today - datetime.timedelta(days=3)
            with Transaction().set_context(from_date=start, to_date=end):
                bounded = RepDay.read(
                    [r.id for r in RepDay.search([])], FIELDS)
        expected = [r for r in everything if start <= r['date'] <= end]
        self.assertTrue(expected)
        self.assertEqual(
            sorted(bounded, key=lambda r: r['id']),
            sorted(expected, key=lambda r: r['id']))

    @with_transaction()
    def test_limited_search_in_order(self):
        "A page of the report is the head of the whole report, in any order"
        pool = Pool()
        RepDay = pool.get('pharma.call.report.rep_day')
        company, today = self._calls()
        with set_company(company):
            for order in [None, [('calls', 'DESC'), ('id', 'ASC')],
                    [('date', 'ASC'), ('employee', 'DESC'), ('id', 'ASC')]]:
                everything = RepDay.search([], order=order)
                self.assertGreater(len(everything), 5)
                for offset in [0, 3]:
                    self.assertEqual(
                        RepDay.search([], order=order, offset=offset,
                            limit=4),
                        everything[offset:offset + 4], msg=order)
            rows = RepDay.read([r.id for r in RepDay.search([])],
                ['date', 'employee'])
            self.assertEqual([(r['date'], r['employee']) for r in rows],
                sorted(((r['date'], r['employee']) for r in rows),
                    key=lambda k: (-k[0].toordinal(), k[1])))

    @with_transaction()
    def test_read_page_restricted_same_numbers(self):
        "Reading a page aggregates only its days and gives the same numbers"
        pool = Pool()
        RepDay = pool.get('pharma.call.report.rep_day')
        company, today = self._calls()
        with set_company(company):
            records = RepDay.search([])
            page = [r.id for r in records[2:5]]
            days = {r.date for r in records[2:5]}
            context, clauses = RepDay._read_restriction(page)
            self.assertEqual(
                (context['from_date'], context['to_date']),
                (min(days), max(days)))
            self.assertLess(max(days) - min(days), datetime.timedelta(9))
            with patch.object(
                    RepDay, '_read_restriction', return_value=None):
                whole = RepDay.read(page, FIELDS)
            Transaction().cache.clear()
            restricted = RepDay.read(page, FIELDS)
            self.assertEqual(
                sorted(restricted, key=lambda r: r['id']),
                sorted(whole, key=lambda r: r['id']))
            # the restricted query holds only the page's days
            token = report_query._restriction.set(
                (RepDay.__name__, context, clauses))
            try:
                query = RepDay.__table__()
            finally:
                report_query._restriction.reset(token)
            cursor = Transaction().connection.cursor()
            cursor.execute(*query.select(query.id))
            ids = {i for i, in cursor}
            self.assertTrue(set(page) <= ids)
            self.assertLess(len(ids), len(records))
