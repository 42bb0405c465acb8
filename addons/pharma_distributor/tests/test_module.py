# This file is part of the pharma suite. See README.md for license terms.
import datetime as dt
import io
from decimal import Decimal

from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.modules.party.tests import PartyCheckReplaceMixin
from trytond.modules.pharma_hospital.tests.tools import run_queue
from trytond.modules.pharma_hospital.tests.checks import (
    doctor_multivalues, tree_datetime_without_widget)
from trytond.model.exceptions import AccessError
from trytond.modules.pharma_distributor.exceptions import RecruitmentError
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
    def test_doctor_multivalue_defaults(self):
        "A new doctor stores no account, sale or stock defaults"
        company = create_company()
        rows, differ, _, _ = doctor_multivalues(company)
        self.assertEqual(rows, 0)
        self.assertEqual(differ, [])

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
        from trytond.modules.pharma_distributor.churn import Churn
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
        "One alert per episode: closed by a purchase, sent again later"
        pool = Pool()
        Flow = pool.get('pharma.flow.line')
        Party = pool.get('party.party')
        User = pool.get('res.user')
        Notification = pool.get('res.notification')
        Sale = pool.get('sale.sale')
        Alert = pool.get('pharma.churn.alert')
        Date = pool.get('ir.date')
        company = create_company()
        with set_company(company):
            distributor, hospital, _, product = self._setup()
            owner, manager, _ = self._employees(company)
            users = User.search([('login', 'in', ['owner', 'manager'])])
            today = Date.today()

            def sell(dates):
                sales = Sale.create([{
                            'party': distributor.id,
                            'company': company.id,
                            'currency': company.currency.id,
                            'pharma_owner': owner.id,
                            'invoice_address': distributor.addresses[0].id,
                            'shipment_address': distributor.addresses[0].id,
                            'sale_date': date,
                            } for date in dates])
                Sale.write(sales, {'untaxed_amount_cache': Decimal(100)})
                with Transaction().set_context(_check_access=False):
                    # state set directly: the workflow is in the scenario
                    Sale.write(sales, {'state': 'done'})
                return sales

            # the distributor bought every 30 days, last 46 days ago
            sales = sell([today - dt.timedelta(days=46 + 30 * i)
                    for i in range(5)])
            notified = Party.alert_churn()
            self.assertEqual([p for p, _, _ in notified], [distributor])
            Transaction()._store_user_notifications()
            notifications = Notification.search([
                    ('user', 'in', [u.id for u in users])])
            self.assertEqual(
                {n.user.login for n in notifications}, {'owner', 'manager'})
            self.assertIn("30", notifications[0].description)
            self.assertIn("46", notifications[0].description)
            self.assertFalse(Flow.search([]))
            alert, = Alert.search([])
            self.assertEqual(alert.party, distributor)
            self.assertEqual(alert.state, 'open')
            self.assertEqual(alert.reason, 'overdue')
            self.assertEqual((alert.interval, alert.days), (30, 46))
            self.assertEqual(alert.last_purchase,
                today - dt.timedelta(days=46))

            # the next day's run sends nothing: same episode
            self.assertEqual(Party.alert_churn(), [])
            Transaction()._store_user_notifications()
            self.assertEqual(Notification.search([
                        ('user', 'in', [u.id for u in users])], count=True),
                len(notifications))
            self.assertEqual(Alert.search([], count=True), 1)

            # a new purchase closes the alert (and sends nothing)
            sell([today])
            self.assertEqual(Party.alert_churn(), [])
            alert = Alert(alert.id)
            self.assertEqual(alert.state, 'closed')
            self.assertEqual(alert.closing, 'purchase')
            self.assertEqual(alert.closed_date, today)

            # overdue again later: the orders are 46 days older
            sale_table = Sale.__table__()
            cursor = Transaction().connection.cursor()
            for sale in Sale.search([('party', '=', distributor.id)]):
                cursor.execute(*sale_table.update([sale_table.sale_date],
                        [sale.sale_date - dt.timedelta(days=46)],
                        where=sale_table.id == sale.id))
            Transaction().counter += 1
            notified = Party.alert_churn()
            self.assertEqual([p for p, _, _ in notified], [distributor])
            second, = Alert.search([('state', '=', 'open')])
            self.assertNotEqual(second, alert)

            # closed by hand: no new alert before a purchase
            Alert.close([second])
            self.assertEqual(Party.alert_churn(), [])
            self.assertEqual(Alert.search([], count=True), 2)
            self.assertEqual(Alert(second.id).closing, 'manual')

            # an open alert whose condition clears is closed too
            Configuration = pool.get('pharma.configuration')
            Alert.write([second], {'state': 'open', 'closing': None})
            config = Configuration.get_config(company)
            config.churn_factor = 10
            config.save()
            self.assertEqual(Party.alert_churn(), [])
            self.assertEqual(Alert(second.id).state, 'closed')
            self.assertEqual(Alert(second.id).closing, 'cleared')

    @with_transaction()
    def test_churn_alert_queued(self):
        """The cron queues one background job per company; the worker
        (run_queue) sends the alerts"""
        pool = Pool()
        Party = pool.get('party.party')
        Sale = pool.get('sale.sale')
        Alert = pool.get('pharma.churn.alert')
        Job = pool.get('pharma.job')
        Queue = pool.get('ir.queue')
        Cron = pool.get('ir.cron')
        Date = pool.get('ir.date')
        ModelData = pool.get('ir.model.data')
        company = create_company()
        with set_company(company):
            distributor, hospital, _, product = self._setup()
            owner, manager, _ = self._employees(company)
            today = Date.today()
            sales = Sale.create([{
                        'party': distributor.id,
                        'company': company.id,
                        'currency': company.currency.id,
                        'pharma_owner': owner.id,
                        'invoice_address': distributor.addresses[0].id,
                        'shipment_address': distributor.addresses[0].id,
                        'sale_date': today - dt.timedelta(days=46 + 30 * i),
                        } for i in range(5)])
            Sale.write(sales, {'untaxed_amount_cache': Decimal(100)})
            with Transaction().set_context(_check_access=False):
                Sale.write(sales, {'state': 'done'})
        other = create_company(name="Other", currency=company.currency)
        cron = Cron(ModelData.get_id('pharma_distributor', 'cron_alert_churn'))
        self.assertEqual(cron.method, 'party.party|queue_alert_churn')
        Cron.write([cron], {'companies': [('add', [company.id, other.id])]})
        with Transaction().set_user(0):
            Cron.run_once([cron])
        jobs = Job.search([], order=[('id', 'ASC')])
        self.assertEqual([(j.kind, j.state, j.company) for j in jobs],
            [('churn_alert', 'queued', company),
                ('churn_alert', 'queued', other)])
        self.assertEqual(Queue.search([('dequeued_at', '=', None)],
                count=True), 2)
        # nothing computed in the cron's transaction
        self.assertEqual(Alert.search([]), [])
        self.assertEqual(run_queue(), 2)
        alert, = Alert.search([])
        self.assertEqual((alert.party, alert.company), (distributor, company))
        self.assertEqual([(j.state, j.result) for j in Job.search(
                    [], order=[('id', 'ASC')])],
            [('done', '1 alerts sent.'), ('done', '0 alerts sent.')])

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
    def test_notice_without_users_goes_to_administrators(self):
        """A notice about an employee without user goes to the pharma
        administrators, whatever their login (no login is assumed)"""
        pool = Pool()
        Party = pool.get('party.party')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        Notification = pool.get('res.notification')
        from trytond.modules.pharma_distributor.tools import (
            notify_employees)
        company = create_company()
        with set_company(company):
            distributor, _, _, _ = self._setup()
            _, _, other = self._employees(company)
            boss, = User.create([{
                        'login': 'zhang.admin', 'name': "张",
                        'groups': [('add', [ModelData.get_id(
                                        'pharma_hospital',
                                        'group_pharma_admin')])],
                        }])
            admins = {u.id for u in User.search([('groups', '=',
                            ModelData.get_id('pharma_hospital',
                                'group_pharma_admin'))])}
            self.assertIn(boss.id, admins)
            users = notify_employees(
                [distributor], [other], "label", "description")
            self.assertEqual(users, admins)
            Transaction()._store_user_notifications()
            self.assertEqual(
                {n.user.id for n in Notification.search([])}, admins)

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
    def test_recruitment_territory_owner(self):
        "A prospect without owner goes to its territory's commercial owner"
        pool = Pool()
        Party = pool.get('party.party')
        Territory = pool.get('pharma.territory')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        Date = pool.get('ir.date')
        company = create_company()
        with set_company(company):
            owner, manager, other = self._employees(company)
            rep_group = ModelData.get_id('pharma_hospital', 'group_pharma_rep')
            User.create([{'login': 'rep', 'name': "Rep",
                        'employees': [('add', [other.id])],
                        'employee': other.id,
                        'groups': [('add', [rep_group])]}])
            east, = Territory.create([{
                        'name': "East", 'level': 'region',
                        'commercial_owner': owner.id}])
            zhejiang, jiangsu = Territory.create([{
                        'name': "Zhejiang", 'level': 'province',
                        'parent': east.id,
                        }, {
                        'name': "Jiangsu", 'level': 'province',
                        'parent': east.id, 'commercial_owner': manager.id,
                        }])
            hangzhou, = Territory.create([{
                        'name': "Hangzhou", 'level': 'city',
                        'parent': zhejiang.id}])
            self.assertEqual(hangzhou.get_commercial_owner(), owner)
            self.assertEqual(jiangsu.get_commercial_owner(), manager)

            notifications = len(Transaction().user_notifications)
            in_hangzhou, in_jiangsu, chosen, hospital, signed, nowhere = (
                Party.create([{
                            'name': "Hangzhou Prospect",
                            'pharma_type': 'agent',
                            'lifecycle_stage': 'prospect',
                            'territory': hangzhou.id,
                            'recruitment_deadline':
                            Date.today() - dt.timedelta(days=1),
                            }, {
                            'name': "Jiangsu Prospect",
                            'pharma_type': 'distributor',
                            'territory': jiangsu.id,
                            }, {
                            'name': "Chosen Owner",
                            'pharma_type': 'agent',
                            'territory': jiangsu.id,
                            'recruitment_owner': owner.id,
                            }, {
                            'name': "Hangzhou Hospital",
                            'pharma_type': 'hospital',
                            'territory': hangzhou.id,
                            }, {
                            'name': "Signed Distributor",
                            'pharma_type': 'distributor',
                            'lifecycle_stage': 'customer',
                            'territory': hangzhou.id,
                            }, {
                            'name': "No Territory",
                            'pharma_type': 'agent',
                            }]))
            self.assertEqual(in_hangzhou.recruitment_owner, owner)
            self.assertEqual(in_jiangsu.recruitment_owner, manager)
            self.assertEqual(chosen.recruitment_owner, owner)
            self.assertIsNone(hospital.recruitment_owner)
            self.assertIsNone(signed.recruitment_owner)
            self.assertIsNone(nowhere.recruitment_owner)
            # the owner (and the owner's manager) are told
            sent = Transaction().user_notifications[notifications:]
            self.assertEqual(
                {(n.user.login, n.records) for n in sent}, {
                    ('owner', str([in_hangzhou.id])),
                    ('manager', str([in_hangzhou.id])),
                    ('manager', str([in_jiangsu.id])),
                    })

            # given a territory later, the prospect gets its owner
            Party.write([nowhere], {'territory': zhejiang.id})
            self.assertEqual(nowhere.recruitment_owner, owner)

            # and the overdue one is escalated to the owner and manager
            notifications = len(Transaction().user_notifications)
            self.assertEqual(Party.escalate_recruitment(), [in_hangzhou])
            sent = Transaction().user_notifications[notifications:]
            self.assertEqual(
                {n.user.login for n in sent}, {'owner', 'manager'})

            # a medical representative cannot own a territory's recruitment
            # (last: a refused write is only undone by the rollback)
            with self.assertRaises(RecruitmentError):
                Territory.write([zhejiang], {'commercial_owner': other.id})

    @with_transaction()
    def test_customer_value_party(self):
        "The value ranking is shown on the party, for the allowed groups"
        pool = Pool()
        Party = pool.get('party.party')
        Sale = pool.get('sale.sale')
        CustomerValue = pool.get('pharma.customer.value')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        Date = pool.get('ir.date')
        company = create_company()
        with set_company(company):
            distributor, hospital, other, product = self._setup()
            today = Date.today()
            parties = Party.create([{
                        'name': "Customer %s" % i,
                        'pharma_type': 'distributor',
                        'addresses': [('create', [{}])],
                        } for i in range(8)])
            # 10 customers: the distributor buys 6 times for 600, the
            # 8 others once for 10..80, the hospital never
            vlist = [{
                    'party': distributor.id,
                    'invoice_address': distributor.addresses[0].id,
                    'shipment_address': distributor.addresses[0].id,
                    'sale_date': today - dt.timedelta(days=30 * i + 1),
                    } for i in range(6)]
            vlist += [{
                    'party': p.id,
                    'invoice_address': p.addresses[0].id,
                    'shipment_address': p.addresses[0].id,
                    'sale_date': today - dt.timedelta(days=10),
                    } for p in parties]
            sales = Sale.create(vlist)
            for sale in sales:
                sale.untaxed_amount_cache = (Decimal(100)
                    if sale.party == distributor
                    else Decimal(10 * (parties.index(sale.party) + 1)))
            Sale.save(sales)
            with Transaction().set_context(_check_access=False):
                Sale.write(sales, {'state': 'done'})

            ranked = CustomerValue.search([])
            self.assertEqual(len(ranked), 9)
            self.assertEqual([r.rank for r in ranked], list(range(1, 10)))
            self.assertEqual(ranked[0].party, distributor)
            self.assertEqual(ranked[0].segment, 'core')
            # the top fifth (1 of 9) is big, whatever records are read
            last, = CustomerValue.search([('party', '=', parties[0].id)])
            self.assertEqual(last.rank, 9)
            self.assertEqual(last.segment, 'regular')
            first, = CustomerValue.search([('party', '=', distributor.id)])
            self.assertEqual(first.segment, 'core')
            second, = CustomerValue.search([('party', '=', parties[-1].id)])
            self.assertEqual((second.rank, second.segment), (2, 'regular'))

            distributor = Party(distributor.id)
            self.assertEqual(distributor.value_segment, 'core')
            self.assertEqual(distributor.value_rank, 1)
            self.assertEqual(distributor.value_amount, Decimal(600))
            self.assertEqual(distributor.value_frequency, 6)
            self.assertEqual(distributor.value_last_date,
                today - dt.timedelta(days=1))
            self.assertIsNone(Party(hospital.id).value_segment)
            self.assertEqual(Party(parties[-1].id).value_rank, 2)

            # the page is on the hospital form too
            for xml_id in ['pharma_hospital.hospital_view_form',
                    'party.party_view_form']:
                module, name = xml_id.split('.')
                view = Party.fields_view_get(
                    ModelData.get_id(module, name))
                self.assertIn('value_segment', view['fields'], xml_id)

            # medical representatives do not see it
            rep_group = ModelData.get_id('pharma_hospital', 'group_pharma_rep')
            commercial_group = ModelData.get_id(
                'pharma_hospital', 'group_pharma_commercial')
            rep, commercial = User.create([{
                        'login': 'rep', 'name': "Rep",
                        'groups': [('add', [rep_group])],
                        'companies': [('add', [company.id])],
                        'company': company.id,
                        }, {
                        'login': 'commercial', 'name': "Commercial",
                        'groups': [('add', [commercial_group])],
                        'companies': [('add', [company.id])],
                        'company': company.id,
                        }])
            FieldAccess = pool.get('ir.model.field.access')
            with Transaction().set_user(rep.id), \
                    Transaction().set_context(_check_access=True):
                FieldAccess.check('party.party', ['name'], 'read')
                with self.assertRaises(AccessError):
                    FieldAccess.check('party.party', ['value_segment'], 'read')
                view = Party.fields_view_get(
                    ModelData.get_id('party', 'party_view_form'))
                self.assertNotIn('value_segment', view['fields'])
            with Transaction().set_user(commercial.id), \
                    Transaction().set_context(_check_access=True):
                values, = Party.read([distributor.id],
                    ['value_segment', 'value_rank'])
                self.assertEqual(
                    (values['value_segment'], values['value_rank']),
                    ('core', 1))

    def _ship(self, company, distributor, product, quantity, date):
        "A done customer shipment (the sell-in)"
        pool = Pool()
        Shipment = pool.get('stock.shipment.out')
        Location = pool.get('stock.location')
        Move = pool.get('stock.move')
        warehouse, = Location.search([('type', '=', 'warehouse')])
        shipment, = Shipment.create([{
                    'customer': distributor.id,
                    'delivery_address': distributor.addresses[0].id,
                    'warehouse': warehouse.id,
                    'warehouse_output': warehouse.output_location.id,
                    'warehouse_storage': warehouse.storage_location.id,
                    'planned_date': date,
                    'effective_date': date,
                    }])
        Move.create([{
                    'shipment': str(shipment),
                    'product': product.id,
                    'unit': product.default_uom.id,
                    'quantity': quantity,
                    'from_location': shipment.warehouse_output.id,
                    'to_location': shipment.customer_location.id,
                    'unit_price': Decimal(10),
                    'currency': company.currency.id,
                    'planned_date': date,
                    'effective_date': date,
                    'company': company.id,
                    }])
        with Transaction().set_context(_skip_warnings=True):
            Shipment.wait([shipment])
            Shipment.assign_force([shipment])
            Shipment.pick([shipment])
            Shipment.pack([shipment])
            Shipment.do([shipment])
        return shipment

    @with_transaction()
    def test_sales_comparison(self):
        "Sell-in against sell-out per distributor, product and month"
        pool = Pool()
        Party = pool.get('party.party')
        Comparison = pool.get('pharma.sales.comparison')
        company = create_company()
        with set_company(company):
            distributor, hospital, other, product = self._setup()
            Party.write([hospital], {'addresses': [('create', [{}])]})
            # we ship 300 in January and 100 in February; a shipment to a
            # hospital is no sell-in
            self._ship(company, distributor, product, 300,
                dt.date(2026, 1, 10))
            self._ship(company, distributor, product, 100,
                dt.date(2026, 2, 5))
            self._ship(company, hospital, product, 7, dt.date(2026, 1, 12))
            # they sell 200 to the hospital and 50 to another distributor
            # in January, nothing in February and 40 in March
            job = self._import('flow', [FLOW_HEADER,
                    ['2026-01-05', "国药控股上海有限公司", "上海市第一人民医院",
                        "阿莫西林胶囊", 'L001', '2027-12-31', 200, '盒', 10,
                        2000],
                    ['2026-01-20', "国药控股上海有限公司",
                        "华东医药股份有限公司", "阿莫西林胶囊", 'L001',
                        '2027-12-31', 50, '盒', 10, 500],
                    ['2026-03-02', "国药控股上海有限公司", "上海市第一人民医院",
                        "阿莫西林胶囊", 'L001', '2027-12-31', 40, '盒', 10,
                        400],
                    ])
            self.assertEqual(job.error_count, 0, job.errors)

            rows = Comparison.search([('distributor', '=', distributor.id)])
            self.assertEqual(
                [(r.month, r.sell_in, r.sell_out, r.terminal, r.gap,
                        round(r.gap_percent, 1), bool(r.flagged))
                    for r in rows], [
                    (dt.date(2026, 3, 1), 0, 40, 40, -40, 100.0, True),
                    (dt.date(2026, 2, 1), 100, 0, 0, 100, 100.0, True),
                    # 50 / 300 = 16.7% is within the 20% tolerance
                    (dt.date(2026, 1, 1), 300, 250, 200, 50, 16.7, False),
                    ])
            self.assertEqual({r.product for r in rows}, {product})
            # the second distributor reported nothing, the hospital is not
            # a distributor
            self.assertFalse(Comparison.search([
                        ('distributor', 'in', [other.id, hospital.id])]))
            # filters: month, distributor, product, flag
            january, = Comparison.search([
                    ('month', '=', dt.date(2026, 1, 1)),
                    ('distributor', '=', distributor.id),
                    ('product', '=', product.id),
                    ])
            self.assertEqual(january.sell_in, 300)
            self.assertEqual(
                [r.month for r in Comparison.search(
                        [('flagged', '=', True)])],
                [dt.date(2026, 3, 1), dt.date(2026, 2, 1)])
            self.assertEqual(
                Comparison.search([('flagged', '=', False)]), [january])

            # a stricter tolerance flags January too
            Configuration = pool.get('pharma.configuration')
            config = Configuration.get_config(company)
            config.gap_tolerance = 10
            config.save()
            self.assertEqual(
                Comparison.search([('flagged', '=', True)], count=True), 3)

    @with_transaction()
    def test_flow_coverage(self):
        "Hospitals with a purchase channel but missing from the flow"
        pool = Pool()
        Party = pool.get('party.party')
        Channel = pool.get('pharma.purchase.channel')
        Coverage = pool.get('pharma.flow.coverage')
        company = create_company()
        with set_company(company):
            distributor, hospital, other, product = self._setup()
            silent, late, unlisted, ended, elsewhere = Party.create([{
                        'name': name, 'pharma_type': 'hospital',
                        } for name in ["静安区中心医院", "徐汇区中心医院",
                        "长宁区中心医院", "普陀区中心医院", "杨浦区中心医院"]])
            Channel.create([{
                        # buys through the distributor, in the flow
                        'hospital': hospital.id,
                        'distributor': distributor.id,
                        'start_date': dt.date(2025, 6, 1),
                        }, {
                        # buys through it, never in the flow
                        'hospital': silent.id,
                        'distributor': distributor.id,
                        'start_date': None,
                        }, {
                        # from mid-February
                        'hospital': late.id,
                        'distributor': distributor.id,
                        'start_date': dt.date(2026, 2, 15),
                        }, {
                        # ended before the months reported
                        'hospital': ended.id,
                        'distributor': distributor.id,
                        'start_date': dt.date(2025, 1, 1),
                        'end_date': dt.date(2025, 12, 31),
                        }, {
                        # through a distributor that reports no flow
                        'hospital': elsewhere.id,
                        'distributor': other.id,
                        }])
            # the distributor reports January and March (not February)
            job = self._import('flow', [FLOW_HEADER,
                    ['2026-01-05', "国药控股上海有限公司", "上海市第一人民医院",
                        "阿莫西林胶囊", 'L001', '2027-12-31', 200, '盒', 10,
                        2000],
                    ['2026-01-08', "国药控股上海有限公司", "上海市第一人民医院",
                        "阿莫西林胶囊", 'L001', '2027-12-31', 10, '盒', 10,
                        100],
                    ['2026-01-20', "国药控股上海有限公司",
                        "华东医药股份有限公司", "阿莫西林胶囊", 'L001',
                        '2027-12-31', 50, '盒', 10, 500],
                    ['2026-01-21', "国药控股上海有限公司", "长宁区中心医院",
                        "阿莫西林胶囊", 'L001', '2027-12-31', 5, '盒', 10,
                        50],
                    ['2026-03-02', "国药控股上海有限公司", "上海市第一人民医院",
                        "阿莫西林胶囊", 'L001', '2027-12-31', 40, '盒', 10,
                        400],
                    ])
            self.assertEqual(job.error_count, 0, job.errors)

            rows = Coverage.search([])
            self.assertEqual(
                sorted((r.month, r.hospital.name, r.status, bool(r.expected),
                        r.lines, r.quantity, r.missing) for r in rows), [
                    (dt.date(2026, 1, 1), "上海市第一人民医院", 'ok', True,
                        2, 210, 0),
                    (dt.date(2026, 1, 1), "长宁区中心医院",
                        'unexpected', False, 1, 5, 0),
                    (dt.date(2026, 1, 1), "静安区中心医院", 'missing', True,
                        0, 0, 1),
                    (dt.date(2026, 3, 1), "上海市第一人民医院", 'ok', True,
                        1, 40, 0),
                    (dt.date(2026, 3, 1), "徐汇区中心医院", 'missing', True,
                        0, 0, 1),
                    (dt.date(2026, 3, 1), "静安区中心医院", 'missing', True,
                        0, 0, 1),
                    ])
            self.assertEqual({r.distributor for r in rows}, {distributor})
            self.assertEqual(len({r.id for r in rows}), 6)
            missing = Coverage.search([('status', '=', 'missing')])
            self.assertEqual(
                {(r.month, r.hospital) for r in missing}, {
                    (dt.date(2026, 1, 1), silent),
                    (dt.date(2026, 3, 1), silent),
                    (dt.date(2026, 3, 1), late),
                    })
            self.assertEqual(Coverage.search([
                        ('hospital', '=', unlisted.id)])[0].status,
                'unexpected')
            # read again by id gives the same rows
            self.assertEqual(
                [(r.hospital, r.month) for r in Coverage.browse(
                        [r.id for r in missing])],
                [(r.hospital, r.month) for r in missing])

    @with_transaction()
    def test_import_template_per_distributor(self):
        "Each distributor's file layout has its own saved template"
        pool = Pool()
        Party = pool.get('party.party')
        Flow = pool.get('pharma.flow.line')
        Template = pool.get('pharma.import.template')
        Start = pool.get('pharma.import.wizard.start')
        Wizard = pool.get('pharma.import.wizard', type='wizard')
        company = create_company()
        with set_company(company):
            distributor, hospital, other, product = self._setup()
            # A: title rows, its own headers, no distributor column
            file_a = xlsx([
                    ["国药控股上海有限公司 纯销流向"],
                    ["2026年1月"],
                    ['开票日期', '终端客户', '品规', '发货数量', '批号'],
                    ['2026-01-05', "上海市第一人民医院", "阿莫西林胶囊", 100,
                        'A1'],
                    ['2026-01-09', "上海市第一人民医院", "阿莫西林胶囊", 20,
                        'A2'],
                    ])
            # B: English headers the aliases do not know, read by letter
            file_b = xlsx([
                    ['Doc', 'Dt', 'Client', 'Item', 'Qty'],
                    ['B-1', '2026-01-07', "上海市第一人民医院", "阿莫西林胶囊",
                        30],
                    ])
            template_a, template_b = Template.create([{
                        'name': "国药控股 流向",
                        'kind': 'flow',
                        'party': distributor.id,
                        'header_row': 3,
                        'lines': [('create', [
                                    {'field': 'date', 'column': '开票日期'},
                                    {'field': 'customer_name',
                                        'column': '终端客户'},
                                    {'field': 'product_name',
                                        'column': '品规'},
                                    {'field': 'quantity',
                                        'column': '发货数量'},
                                    {'field': 'lot', 'column': '批号'},
                                    ])],
                        }, {
                        'name': "华东医药 流向",
                        'kind': 'flow',
                        'party': other.id,
                        'lines': [('create', [
                                    {'field': 'date', 'column': 'B'},
                                    {'field': 'customer_name',
                                        'column': 'C'},
                                    {'field': 'product_name',
                                        'column': 'D'},
                                    {'field': 'quantity', 'column': 'E'},
                                    ])],
                        }])
            Engine = pool.get('pharma.import.engine')
            # without its template neither file can be read
            for data in [file_a, file_b]:
                job = Engine.run('flow', data, filename='f.xlsx')
                self.assertTrue(job.error_count)
            # nor with the other distributor's template
            job = Engine.run('flow', file_b, filename='b.xlsx',
                template=template_a)
            self.assertTrue(job.error_count)

            # the template is found by distributor
            self.assertEqual(
                Template.get_for_source('flow', distributor), template_a)
            self.assertEqual(Template.get_for_source('flow', other),
                template_b)
            self.assertIsNone(Template.get_for_source('inventory', other))
            start = Start(kind='flow', source=other)
            start.on_change_source()
            self.assertEqual(start.template, template_b)
            self.assertEqual(start.template_party, other)

            job = Engine.run('flow', file_a, filename='a.xlsx',
                template=template_a)
            self.assertEqual(job.error_count, 0, job.errors)
            self.assertEqual(job.created, 2)
            job = Engine.run('flow', file_b, filename='b.xlsx',
                template=template_b)
            self.assertEqual(job.error_count, 0, job.errors)
            self.assertEqual(job.created, 1)
            lines = Flow.search([], order=[('date', 'ASC')])
            self.assertEqual(
                [(l.distributor, l.customer, l.product, l.quantity, l.lot)
                    for l in lines], [
                    (distributor, hospital, product, 100, 'A1'),
                    (other, hospital, product, 30, None),
                    (distributor, hospital, product, 20, 'A2'),
                    ])
            self.assertEqual(lines[0].import_batch.template, template_a)
            self.assertEqual(lines[1].import_batch.template, template_b)

            # a file naming another distributor than its template is refused
            job = Engine.run('flow', xlsx([FLOW_HEADER,
                        ['2026-02-05', "华东医药股份有限公司", "上海市第一人民医院",
                            "阿莫西林胶囊", 'L1', '2027-12-31', 1, '盒', 10,
                            10]]), filename='c.xlsx', template=template_a)
            self.assertEqual(job.error_count, 1)

            # through the wizard: the distributor chosen, no template, a
            # file whose headers are known but without distributor column
            session_id, _, _ = Wizard.create()
            data = xlsx([['销售日期', '客户名称', '产品名称', '数量'],
                    ['2026-02-03', "上海市第一人民医院", "阿莫西林胶囊", 7]])
            Wizard.execute(session_id, {
                    'start': {
                        'kind': 'flow',
                        'source': other.id,
                        'template': None,
                        'file': data,
                        'filename': 'february.xlsx',
                        'sheet': None,
                        'header_row': None,
                        'create_missing_hospitals': False,
                        'save_template': True,
                        'template_name': "华东医药 二月",
                        'template_party': other.id,
                        },
                    }, 'import_')
            Wizard.delete(session_id)
            # the import is a background job
            run_queue()
            line, = Flow.search([('date', '=', dt.date(2026, 2, 3))])
            self.assertEqual((line.distributor, line.quantity), (other, 7))
            saved, = Template.search([('name', '=', "华东医药 二月")])
            self.assertEqual(saved.party, other)

    @with_transaction()
    def test_finance_credit_limit_group(self):
        "Pharma Finance gives the credit limit group, and takes it back"
        pool = Pool()
        User = pool.get('res.user')
        Group = pool.get('res.group')
        ModelData = pool.get('ir.model.data')
        finance = Group(ModelData.get_id(
                'pharma_hospital', 'group_pharma_finance'))
        credit = Group(ModelData.get_id(
                'account_credit_limit', 'group_credit_limit'))
        sales = Group(ModelData.get_id('sale', 'group_sale'))
        # Pharma Finance still inherits Accounting
        self.assertEqual(finance.parent, Group(ModelData.get_id(
                    'account', 'group_account')))
        chief, = Group.create([{'name': "Finance Chief",
                    'parent': finance.id}])
        cashier, seller, other = User.create([{
                    'login': 'cashier', 'name': "Cashier",
                    'groups': [('add', [finance.id])],
                    }, {
                    'login': 'seller', 'name': "Seller",
                    'groups': [('add', [sales.id])],
                    }, {
                    'login': 'other', 'name': "Other",
                    'groups': [('add', [credit.id])],
                    }])
        self.assertIn(credit, User(cashier.id).groups)
        self.assertNotIn(credit, User(seller.id).groups)
        # given by a child group of finance too
        User.write([seller], {'groups': [('add', [chief.id])]})
        self.assertIn(credit, User(seller.id).groups)
        # leaving finance takes it back
        User.write([cashier], {'groups': [('remove', [finance.id])]})
        self.assertNotIn(credit, User(cashier.id).groups)
        User.write([seller], {'groups': [('remove', [chief.id])]})
        self.assertEqual(User(seller.id).groups, (sales,))
        # given on its own it stays
        User.write([other], {'groups': [('add', [sales.id])]})
        self.assertIn(credit, User(other.id).groups)
        # the membership is direct (what Party.check_credit_limit tests) and
        # never doubled
        User.write([cashier], {'groups': [('add', [finance.id])]})
        self.assertEqual(
            len([g for g in User(cashier.id).groups if g == credit]), 1)
        User.write([cashier], {'groups': [('add', [chief.id])]})
        self.assertEqual(
            len([g for g in User(cashier.id).groups if g == credit]), 1)

    @with_transaction()
    def test_list_views_datetime_widget(self):
        "Every DateTime field of a list view has a date/time widget"
        self.assertEqual(tree_datetime_without_widget(self.module), [])


del ModuleTestCase
