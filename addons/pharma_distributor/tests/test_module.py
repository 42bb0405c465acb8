# This file is part of the pharma suite. See README.md for license terms.
import datetime as dt
import io
from decimal import Decimal

from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.modules.party.tests import PartyCheckReplaceMixin
from trytond.modules.pharma_hospital.tests.checks import (
    tree_datetime_without_widget)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction


def xlsx(rows):
    import openpyxl
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    workbook.save(data)
    return data.getvalue()


FLOW_HEADER = ['销售日期', '经销商', '客户名称', '产品名称', '批号', '有效期',
    '数量', '单位', '单价', '金额']
INVENTORY_HEADER = ['库存日期', '经销商', '产品名称', '批号', '有效期', '数量']


class PharmaDistributorTestCase(
        PartyCheckReplaceMixin, CompanyTestMixin, ModuleTestCase):
    "Test pharma_distributor module"
    module = 'pharma_distributor'

    def _setup(self):
        pool = Pool()
        Party = pool.get('party.party')
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        unit, = Uom.search([('name', '=', 'Unit')])
        distributor, hospital, other = Party.create([{
                    'name': "国药控股上海有限公司",
                    'pharma_type': 'distributor',
                    'addresses': [('create', [{}])],
                    }, {
                    'name': "上海市第一人民医院",
                    'pharma_type': 'hospital',
                    }, {
                    'name': "华东医药股份有限公司",
                    'pharma_type': 'distributor',
                    }])
        template, = Template.create([{
                    'name': "阿莫西林胶囊",
                    'default_uom': unit.id,
                    'type': 'goods',
                    'products': [('create', [{}])],
                    }])
        product, = template.products
        return distributor, hospital, other, product

    def _import(self, kind, rows, filename='flow.xlsx'):
        Engine = Pool().get('pharma.import.engine')
        return Engine.run(kind, xlsx(rows), filename=filename)

    @with_transaction()
    def test_flow_import_alias_queue(self):
        "Unknown names wait in the queue and are learnt once confirmed"
        pool = Pool()
        Flow = pool.get('pharma.flow.line')
        Alias = pool.get('pharma.flow.alias')
        company = create_company()
        with set_company(company):
            distributor, hospital, _, product = self._setup()
            january = [FLOW_HEADER,
                ['2026-01-05', "国药控股上海有限公司", "上海市第一人民医院",
                    "阿莫西林胶囊", 'L001', '2027-12-31', 100, '盒', 10, 1000],
                ['2026-01-06', "国药控股上海有限公司", "上海一院",
                    "阿莫西林胶囊", 'L001', '2027-12-31', 50, '盒', 10, 500],
                ['2026-01-07', "国药控股上海有限公司", "上海市第一人民医",
                    "阿莫西林胶囊", 'L001', '2027-12-31', 5, '盒', 10, 50],
                ]
            job = self._import('flow', january)
            self.assertEqual(job.error_count, 0, job.errors)
            self.assertEqual(job.created, 3)
            lines = Flow.search([], order=[('date', 'ASC')])
            self.assertEqual(len(lines), 3)
            exact, unknown, similar = lines
            # exact normalised match links by itself
            self.assertEqual(exact.customer, hospital)
            self.assertEqual(exact.product, product)
            self.assertEqual(exact.amount, Decimal(1000))
            self.assertEqual(exact.source_row, 2)
            self.assertEqual(exact.month, dt.date(2026, 1, 1))
            # unknown and similar names are not linked
            self.assertIsNone(unknown.customer)
            self.assertIsNone(similar.customer)
            queue = Alias.search([('confirmed', '=', False)],
                order=[('name', 'ASC')])
            self.assertEqual(
                [a.name for a in queue], ["上海一院", "上海市第一人民医"])
            fuzzy = [a for a in queue if a.name == "上海市第一人民医"][0]
            # a similar name is suggested but never linked by itself
            self.assertEqual(fuzzy.suggestion, hospital.rec_name)

            # importing the same month again leaves one copy
            job = self._import('flow', january)
            self.assertEqual(job.error_count, 0, job.errors)
            self.assertEqual(Flow.search([], count=True), 3)
            self.assertEqual(Alias.search([], count=True), 2)

            # the clerk confirms once; earlier lines are linked
            alias, = Alias.search([('name', '=', "上海一院")])
            Alias.write([alias], {'party': hospital.id})
            Alias.confirm([alias])
            unknown, = Flow.search([('customer_name', '=', "上海一院")])
            self.assertEqual(unknown.customer, hospital)

            # next month it is matched automatically
            february = [FLOW_HEADER,
                ['2026-02-03', "国药控股上海有限公司", "上海一院",
                    "阿莫西林胶囊", 'L002', '2028-01-31', 70, '盒', 10, 700]]
            job = self._import('flow', february)
            self.assertEqual(job.error_count, 0, job.errors)
            line, = Flow.search([('month', '=', dt.date(2026, 2, 1))])
            self.assertEqual(line.customer, hospital)
            self.assertEqual(Flow.search([], count=True), 4)
            self.assertEqual(Alias.search([], count=True), 2)

    @with_transaction()
    def test_flow_import_all_or_nothing(self):
        "A bad row refuses the whole file and keeps the month"
        pool = Pool()
        Flow = pool.get('pharma.flow.line')
        company = create_company()
        with set_company(company):
            self._setup()
            rows = [FLOW_HEADER,
                ['2026-01-05', "国药控股上海有限公司", "上海市第一人民医院",
                    "阿莫西林胶囊", 'L001', '2027-12-31', 100, '盒', 10, 1000]]
            job = self._import('flow', rows)
            self.assertEqual(job.error_count, 0, job.errors)
            bad = rows + [['2026-01-06', "无名商业", "上海市第一人民医院",
                    "阿莫西林胶囊", 'L001', '2027-12-31', 1, '盒', 10, 10]]
            job = self._import('flow', bad)
            self.assertEqual(job.error_count, 1)
            self.assertEqual(job.errors[0]['row'], 3)
            self.assertEqual(Flow.search([], count=True), 1)

    @with_transaction()
    def test_reconciliation(self):
        "Opening + sell-in - sell-out against the reported closing"
        pool = Pool()
        Reconciliation = pool.get('pharma.channel.reconciliation')
        Shipment = pool.get('stock.shipment.out')
        Location = pool.get('stock.location')
        Inventory = pool.get('pharma.inventory.line')
        company = create_company()
        with set_company(company):
            distributor, hospital, other, product = self._setup()
            # December closing 100 (two snapshots: the last one counts)
            job = self._import('inventory', [INVENTORY_HEADER,
                    ['2025-12-15', "国药控股上海有限公司", "阿莫西林胶囊",
                        'L001', '2027-12-31', 999],
                    ['2025-12-31', "国药控股上海有限公司", "阿莫西林胶囊",
                        'L001', '2027-12-31', 100],
                    ], 'inventory-dec.xlsx')
            self.assertEqual(job.error_count, 0, job.errors)
            # January: we ship 300, they sell 250 (one to a distributor)
            warehouse, = Location.search([('type', '=', 'warehouse')])
            Move = pool.get('stock.move')
            shipment, = Shipment.create([{
                        'customer': distributor.id,
                        'delivery_address': distributor.addresses[0].id,
                        'warehouse': warehouse.id,
                        'warehouse_output': warehouse.output_location.id,
                        'warehouse_storage': warehouse.storage_location.id,
                        'planned_date': dt.date(2026, 1, 10),
                        'effective_date': dt.date(2026, 1, 10),
                        }])
            Move.create([{
                        'shipment': str(shipment),
                        'product': product.id,
                        'unit': product.default_uom.id,
                        'quantity': 300,
                        'from_location': shipment.warehouse_output.id,
                        'to_location': shipment.customer_location.id,
                        'unit_price': Decimal(10),
                        'currency': company.currency.id,
                        'planned_date': dt.date(2026, 1, 10),
                        'effective_date': dt.date(2026, 1, 10),
                        'company': company.id,
                        }])
            with Transaction().set_context(_skip_warnings=True):
                Shipment.wait([shipment])
                Shipment.assign_force([shipment])
                Shipment.pick([shipment])
                Shipment.pack([shipment])
                Shipment.do([shipment])
            job = self._import('flow', [FLOW_HEADER,
                    ['2026-01-05', "国药控股上海有限公司", "上海市第一人民医院",
                        "阿莫西林胶囊", 'L001', '2027-12-31', 200, '盒', 10,
                        2000],
                    ['2026-01-20', "国药控股上海有限公司",
                        "华东医药股份有限公司", "阿莫西林胶囊", 'L001',
                        '2027-12-31', 50, '盒', 10, 500],
                    ])
            self.assertEqual(job.error_count, 0, job.errors)
            # January closing reported 140 (expected 100 + 300 - 250 = 150)
            job = self._import('inventory', [INVENTORY_HEADER,
                    ['2026-01-31', "国药控股上海有限公司", "阿莫西林胶囊",
                        'L001', '2026-03-31', 140],
                    ], 'inventory-jan.xlsx')
            self.assertEqual(job.error_count, 0, job.errors)

            january, = Reconciliation.search([
                    ('distributor', '=', distributor.id),
                    ('month', '=', dt.date(2026, 1, 1)),
                    ])
            self.assertEqual(january.opening, 100)
            self.assertEqual(january.sell_in, 300)
            self.assertEqual(january.sell_out, 250)
            self.assertEqual(january.expected, 150)
            self.assertEqual(january.closing, 140)
            self.assertEqual(january.difference, -10)
            self.assertTrue(january.flagged)
            self.assertEqual(round(january.days_of_cover, 1),
                round(140 / (250 / 31), 1))
            self.assertFalse(january.stuffing)
            self.assertEqual(Reconciliation.search(
                    [('flagged', '=', True)]), [january])
            december, = Reconciliation.search([
                    ('month', '=', dt.date(2025, 12, 1))])
            self.assertEqual(december.closing, 100)
            self.assertFalse(december.flagged)  # no opening reported

            # the sale to another distributor breaks the two-invoice rule
            Flow = pool.get('pharma.flow.line')
            breach, = Flow.search([('channel_breach', '=', True)])
            self.assertEqual(breach.customer, other)
            near, = Inventory.search([
                    ('date', '=', dt.date(2026, 1, 31))])
            self.assertTrue(near.near_expiry)

            # sales statistics see both sides
            Statistics = pool.get('pharma.sales.statistics')
            out = Statistics.search([('kind', '=', 'sell_out')])
            self.assertEqual(sum(s.quantity for s in out), 250)

    def test_churn_check(self):
        "30-day buyer silent for 46 days is overdue; volume drop"
        from trytond.modules.pharma_distributor.report import Churn
        start = dt.date(2026, 1, 1)
        history = [(start + dt.timedelta(days=30 * i), 100.0)
            for i in range(6)]
        last = history[-1][0]
        self.assertIsNone(
            Churn.check(history, last + dt.timedelta(days=44), 1.5, None))
        self.assertEqual(
            Churn.check(history, last + dt.timedelta(days=46), 1.5, None),
            ('overdue', 30, 46))
        # two purchases are not enough to know the interval
        self.assertIsNone(Churn.check(
                history[:2], last + dt.timedelta(days=400), 1.5, None))
        # volume drop against the same months a year earlier
        today = dt.date(2026, 6, 30)
        history = [(dt.date(2025, 5, 1), 1000.0), (dt.date(2026, 5, 1),
                100.0)]
        self.assertEqual(Churn.check(history, today, 1.5, 30),
            ('drop', 90))

    @with_transaction()
    def test_churn_alert(self):
        "The owner and the manager of an overdue customer are notified"
        pool = Pool()
        Flow = pool.get('pharma.flow.line')
        Employee = pool.get('company.employee')
        Party = pool.get('party.party')
        User = pool.get('res.user')
        Notification = pool.get('res.notification')
        Sale = pool.get('sale.sale')
        Date = pool.get('ir.date')
        company = create_company()
        with set_company(company):
            distributor, hospital, _, product = self._setup()
            owner, manager, _ = self._employees(company)
            users = User.search([('login', 'in', ['owner', 'manager'])])
            today = Date.today()
            # the distributor bought every 30 days, last 46 days ago
            sales = Sale.create([{
                        'party': distributor.id,
                        'company': company.id,
                        'currency': company.currency.id,
                        'pharma_owner': owner.id,
                        'invoice_address': distributor.addresses[0].id,
                        'shipment_address': distributor.addresses[0].id,
                        'sale_date': today - dt.timedelta(
                            days=46 + 30 * i),
                        } for i in range(5)])
            Sale.write(sales, {'untaxed_amount_cache': Decimal(100)})
            with Transaction().set_context(_check_access=False):
                # state set directly: the workflow is tested in the scenario
                Sale.write(sales, {'state': 'done'})
            Party.alert_churn()
            Transaction()._store_user_notifications()
            notifications = Notification.search([
                    ('user', 'in', [u.id for u in users])])
            self.assertEqual(
                {n.user.login for n in notifications}, {'owner', 'manager'})
            self.assertIn("30", notifications[0].description)
            self.assertIn("46", notifications[0].description)
            self.assertFalse(Flow.search([]))

    def _employees(self, company):
        pool = Pool()
        Party = pool.get('party.party')
        Employee = pool.get('company.employee')
        User = pool.get('res.user')
        manager_party, owner_party, other_party = Party.create([
                {'name': "Manager"}, {'name': "Owner"}, {'name': "Other"}])
        manager, = Employee.create([{
                    'party': manager_party.id, 'company': company.id}])
        owner, other = Employee.create([{
                    'party': owner_party.id, 'company': company.id,
                    'supervisor': manager.id,
                    }, {
                    'party': other_party.id, 'company': company.id,
                    }])
        User.create([{
                    'login': 'owner', 'name': "Owner",
                    'employees': [('add', [owner.id])],
                    'employee': owner.id,
                    }, {
                    'login': 'manager', 'name': "Manager",
                    'employees': [('add', [manager.id])],
                    'employee': manager.id,
                    }])
        return owner, manager, other

    @with_transaction()
    def test_licence_alert(self):
        "Owners are told 60 and 30 days before a licence expires"
        pool = Pool()
        Party = pool.get('party.party')
        Agreement = pool.get('pharma.agency.agreement')
        Date = pool.get('ir.date')
        company = create_company()
        with set_company(company):
            distributor, _, other, _ = self._setup()
            owner, manager, _ = self._employees(company)
            today = Date.today()
            Party.write([distributor], {
                    'licence_expiry': today + dt.timedelta(days=30)})
            Party.write([other], {
                    'licence_expiry': today + dt.timedelta(days=31)})
            Agreement.create([{
                        'agent': distributor.id, 'owner': owner.id,
                        'start_date': today}])
            Party.alert_licence_expiry()
            notifications = Transaction().user_notifications
            self.assertEqual(
                {n.user.login for n in notifications}, {'owner', 'manager'})
            self.assertEqual(
                {n.records for n in notifications}, {str([distributor.id])})

    @with_transaction()
    def test_handover(self):
        "Draft orders and agreements of a commercial move on a transfer"
        pool = Pool()
        Agreement = pool.get('pharma.agency.agreement')
        Sale = pool.get('sale.sale')
        Handover = pool.get('pharma.handover', type='wizard')
        Date = pool.get('ir.date')
        self.assertIn('sale.sale', Handover._handover_models())
        self.assertIn('pharma.agency.agreement', Handover._handover_models())
        company = create_company()
        with set_company(company):
            distributor, _, other, _ = self._setup()
            owner, _, successor = self._employees(company)
            draft, kept = Sale.create([{
                        'party': distributor.id, 'pharma_owner': owner.id,
                        }, {
                        'party': other.id, 'pharma_owner': owner.id,
                        }])
            agreement, = Agreement.create([{
                        'agent': distributor.id, 'owner': owner.id,
                        'start_date': Date.today()}])
            moved = Sale.pharma_handover(owner, successor, [distributor],
                None)
            self.assertEqual([r for r, _ in moved], [draft])
            moved = Agreement.pharma_handover(owner, successor,
                [distributor], None)
            self.assertEqual([r for r, _ in moved], [agreement])
            self.assertEqual(Sale(draft.id).pharma_owner, successor)
            self.assertEqual(Sale(kept.id).pharma_owner, owner)
            self.assertEqual(Agreement(agreement.id).owner, successor)

    @with_transaction()
    def test_draft_clears_approval(self):
        "An approved order returned to draft loses its approval"
        pool = Pool()
        Sale = pool.get('sale.sale')
        company = create_company()
        with set_company(company):
            distributor, _, _, product = self._setup()
            product.template.salable = True
            product.template.sale_uom = product.default_uom
            product.template.save()
            address, = distributor.addresses
            sale, = Sale.create([{
                        'party': distributor.id,
                        'invoice_address': address.id,
                        'shipment_address': address.id,
                        'lines': [('create', [{
                                        'product': product.id,
                                        'unit': product.default_uom.id,
                                        'quantity': 1,
                                        'unit_price': Decimal(10),
                                        }])],
                        }])
            Sale.quote([sale])
            Sale.submit_finance([sale])
            Sale.write([sale], {'credit_granted': Decimal(10)})
            with Transaction().set_context(_skip_warnings=True):
                Sale.finance_approve([sale])
            # processing is queued: the order is still confirmed here
            self.assertEqual(sale.state, 'confirmed')
            self.assertTrue(sale.finance_approved_date)
            Sale.draft([sale])
            self.assertEqual(sale.state, 'draft')
            self.assertIsNone(sale.finance_approved_date)
            self.assertIsNone(sale.finance_approved_by)
            self.assertIsNone(sale.credit_granted)
            self.assertIsNone(sale.finance_submitted_by)
            # and must go through finance again
            Sale.quote([sale])
            self.assertEqual(sale.state, 'quotation')
            # quotation -> confirmed is no longer a transition
            Sale.confirm([sale])
            self.assertEqual(sale.state, 'quotation')

    @with_transaction()
    def test_recruitment(self):
        "Commercial owner, escalation, and the agreement at the end"
        pool = Pool()
        Party = pool.get('party.party')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        Agreement = pool.get('pharma.agency.agreement')
        Date = pool.get('ir.date')
        company = create_company()
        with set_company(company):
            _, _, prospect, _ = self._setup()
            owner, manager, other = self._employees(company)
            rep_group = ModelData.get_id('pharma_hospital', 'group_pharma_rep')
            User.create([{'login': 'rep', 'name': "Rep",
                        'employees': [('add', [other.id])],
                        'employee': other.id,
                        'groups': [('add', [rep_group])]}])
            with self.assertRaises(Exception):
                Party.write([prospect], {'recruitment_owner': other.id})
            Party.write([prospect], {
                    'recruitment_owner': owner.id,
                    'lifecycle_stage': 'prospect',
                    'recruitment_deadline':
                    Date.today() - dt.timedelta(days=1),
                    })
            self.assertEqual(Party.escalate_recruitment(), [prospect])
            notifications = Transaction().user_notifications
            self.assertEqual(
                {n.user.login for n in notifications}, {'owner', 'manager'})
            Party.create_agency_agreement([prospect])
            agreement, = Agreement.search([('agent', '=', prospect.id)])
            self.assertEqual(agreement.owner, owner)
            self.assertEqual(agreement.state, 'draft')
            self.assertEqual(Party(prospect.id).lifecycle_stage, 'customer')
            self.assertEqual(Party.escalate_recruitment(), [])


    @with_transaction()
    def test_list_views_datetime_widget(self):
        "Every DateTime field of a list view has a date/time widget"
        self.assertEqual(tree_datetime_without_widget(self.module), [])


del ModuleTestCase
