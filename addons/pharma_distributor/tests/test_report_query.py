# This file is part of the pharma suite. See README.md for license terms.
import datetime as dt
from unittest.mock import patch

from trytond.modules.company.tests import create_company, set_company
from trytond.modules.pharma_hospital import report_query
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    TestCase, activate_module, drop_db, with_transaction)
from trytond.transaction import Transaction

FIELDS = ['distributor', 'product', 'month', 'opening', 'sell_in',
    'sell_out', 'expected', 'closing', 'difference', 'has_opening',
    'has_closing', 'flagged']
MONTHS = [dt.date(2025, 11, 1), dt.date(2025, 12, 1), dt.date(2026, 1, 1)]


class ReportQueryTestCase(TestCase):
    "The channel reconciliation bounded by month and read by pages"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        drop_db()
        activate_module(['pharma_distributor'])

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        drop_db()

    def _lines(self):
        "Flow and inventory lines of two distributors over three months"
        pool = Pool()
        Party = pool.get('party.party')
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        Flow = pool.get('pharma.flow.line')
        Inventory = pool.get('pharma.inventory.line')
        unit, = Uom.search([('name', '=', 'Unit')])
        distributors = Party.create([
                {'name': "国药控股上海有限公司", 'pharma_type': 'distributor'},
                {'name': "华东医药股份有限公司", 'pharma_type': 'distributor'},
                ])
        templates = Template.create([{
                    'name': name,
                    'default_uom': unit.id,
                    'type': 'goods',
                    'products': [('create', [{}])],
                    } for name in ["阿莫西林胶囊", "头孢克肟片"]])
        products = [t.products[0] for t in templates]
        flows, inventories = [], []
        for m, month in enumerate(MONTHS):
            next_month = (month + dt.timedelta(days=31)).replace(day=1)
            for d, distributor in enumerate(distributors):
                for p, product in enumerate(products):
                    for day in [3, 17]:
                        flows.append({
                                'distributor': distributor.id,
                                'date': month.replace(day=day),
                                'month': month,
                                'customer_name': "上海市第一人民医院",
                                'product': product.id,
                                'quantity': 10 * (m + 1) + 3 * d + p + day,
                                })
                    inventories.append({
                            'distributor': distributor.id,
                            'date': month.replace(day=28),
                            'month': month,
                            'next_month': next_month,
                            'product': product.id,
                            'quantity': 100 + 7 * m - 5 * d + p,
                            })
        Flow.create(flows)
        Inventory.create(inventories)

    @with_transaction()
    def test_month_bounded_same_numbers(self):
        "A month's reconciliation gives the numbers of the whole report"
        pool = Pool()
        Reconciliation = pool.get('pharma.channel.reconciliation')
        company = create_company()
        with set_company(company):
            self._lines()
            everything = Reconciliation.read(
                [r.id for r in Reconciliation.search([])], FIELDS)
            # the three months and the one the last closing opens
            self.assertEqual(
                {r['month'] for r in everything},
                set(MONTHS) | {dt.date(2026, 2, 1)})
            for month in MONTHS:
                Transaction().cache.clear()
                bounded = Reconciliation.read([r.id
                        for r in Reconciliation.search([
                                ('month', '=', month)])], FIELDS)
                self.assertEqual(len(bounded), 4)
                self.assertEqual(
                    sorted(bounded, key=lambda r: r['id']),
                    sorted((r for r in everything if r['month'] == month),
                        key=lambda r: r['id']))

    @with_transaction()
    def test_read_page_restricted_same_numbers(self):
        "Reading a page aggregates only its months and gives the same numbers"
        pool = Pool()
        Reconciliation = pool.get('pharma.channel.reconciliation')
        company = create_company()
        with set_company(company):
            self._lines()
            records = Reconciliation.search([])
            page = [r.id for r in records if r.month == MONTHS[1]]
            context, clauses = Reconciliation._read_restriction(page)
            self.assertEqual(clauses, [('month', 'in', [MONTHS[1]])])
            with patch.object(Reconciliation, '_read_restriction',
                    return_value=None):
                whole = Reconciliation.read(page, FIELDS)
            Transaction().cache.clear()
            restricted = Reconciliation.read(page, FIELDS)
            self.assertEqual(
                sorted(restricted, key=lambda r: r['id']),
                sorted(whole, key=lambda r: r['id']))
            self.assertTrue(any(r['flagged'] for r in restricted))
            # the restricted query holds only the page's month
            token = report_query._restriction.set(
                (Reconciliation.__name__, context, clauses))
            try:
                query = Reconciliation.__table__()
            finally:
                report_query._restriction.reset(token)
            cursor = Transaction().connection.cursor()
            cursor.execute(*query.select(query.id))
            self.assertEqual({i for i, in cursor}, set(page))
