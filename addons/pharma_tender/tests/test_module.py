# This file is part of the pharma suite. See README.md for license terms.
import datetime
from decimal import Decimal

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, create_employee, set_company)
from trytond.modules.party.tests import PartyCheckReplaceMixin
from trytond.modules.pharma_hospital.tests.checks import (
    tree_datetime_without_widget)
from trytond.modules.pharma_hospital.tests.tools import create_user
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from ..exceptions import TenderFloorError


def create_territories():
    Territory = Pool().get('pharma.territory')
    shanghai, jiangsu = Territory.create([{
                'name': "上海", 'code': 'SH', 'level': 'province',
                }, {
                'name': "江苏", 'code': 'JS', 'level': 'province',
                }])
    nanjing, = Territory.create([{
                'name': "南京", 'code': 'NJ', 'level': 'city',
                'parent': jiangsu.id,
                }])
    return shanghai, jiangsu, nanjing


def create_product(name="氨氯地平片"):
    pool = Pool()
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    unit, = Uom.search([('name', '=', 'Unit')])
    template, = Template.create([{
                'name': name,
                'is_pharma': True,
                'generic_name': "氨氯地平",
                'dosage_form': 'tablet',
                'strength': "5mg",
                'default_uom': unit.id,
                'products': [('create', [{}])],
                }])
    return template.products[0]


def create_tender(company, name, provinces, lines, **values):
    Tender = Pool().get('pharma.tender')
    tender, = Tender.create([{
                'name': name,
                'company': company.id,
                'tender_type': 'provincial',
                'region': [('add', [p.id for p in provinces])],
                'lines': [('create', lines)],
                **values,
                }])
    return tender


LINE = {
    'generic_name': "氨氯地平",
    'dosage_form': 'tablet',
    'strength': "5mg",
    }


class PharmaTenderTestCase(
        PartyCheckReplaceMixin, CompanyTestMixin, ModuleTestCase):
    "Test pharma_tender module"
    module = 'pharma_tender'

    def _award(self, tender, results, won=True):
        pool = Pool()
        Tender = pool.get('pharma.tender')
        Line = pool.get('pharma.tender.line')
        Tender.prepare([tender])
        Tender.submit([tender])
        Line.write(list(tender.lines), results)
        if won:
            Tender.award([tender])
        else:
            Tender.lose([tender])

    @with_transaction()
    def test_price_linkage_alert(self):
        "An award below our price in another province raises an alert"
        pool = Pool()
        Party = pool.get('party.party')
        Alert = pool.get('pharma.tender.alert')
        company = create_company()
        with set_company(company):
            shanghai, jiangsu, _ = create_territories()
            owner = create_employee(company, "Tender Owner")
            owner_user = create_user('owner', company, owner,
                ['group_pharma_marketing'])
            competitor, = Party.create([{
                        'name': "竞品制药", 'pharma_type': 'manufacturer'}])
            ours = create_tender(company, "上海 2025", [shanghai],
                [dict(LINE, bid_price=Decimal('10'))])
            self._award(ours, {
                    'province': shanghai.id,
                    'winning_company': company.party.id,
                    'winning_price': Decimal('10'),
                    })
            self.assertEqual(Alert.search([]), [])

            theirs = create_tender(company, "江苏 2025", [jiangsu],
                [dict(LINE, bid_price=Decimal('9.5'))], owner=owner.id)
            Transaction().user_notifications.clear()
            self._award(theirs, {
                    'province': jiangsu.id,
                    'winning_company': competitor.id,
                    'winning_price': Decimal('8'),
                    }, won=False)

            alert, = Alert.search([])
            self.assertEqual(alert.province, jiangsu)
            self.assertEqual(alert.other_province, shanghai)
            self.assertEqual(alert.our_price, Decimal('10'))
            self.assertEqual(alert.our_price_source, 'award')
            self.assertEqual(alert.gap, 20.0)
            self.assertIn("江苏", alert.description)
            self.assertIn("上海", alert.description)
            self.assertIn("20.0", alert.description)
            notified = {n.user.id for n in Transaction().user_notifications}
            self.assertIn(owner_user.id, notified)
            self.assertTrue(all("上海" in n.description
                    for n in Transaction().user_notifications))

            # Checking again does not alert twice
            pool.get('pharma.tender').process_results([theirs])
            self.assertEqual(Alert.search([]), [alert])

            # Lowest price in force nationally
            line, = theirs.lines
            self.assertEqual(line.national_lowest_price, Decimal('8'))
            self.assertFalse(line.won)
            self.assertTrue(ours.lines[0].won)

    def _graph_points(self, Model, view, records):
        "{x label: [y of each row]} of the graph view as the client reads it"
        from lxml import etree
        view_id = Pool().get('ir.model.data').get_id('pharma_tender', view)
        result = Model.fields_view_get(view_id, 'graph')
        tree = etree.fromstring(result['arch'])
        xname, = tree.xpath('//x/field/@name')
        yname, = tree.xpath('//y/field/@name')
        points = {}
        for row in Model.read([r.id for r in records], [xname, yname]):
            points.setdefault(row[xname], []).append(row[yname])
        return points

    @with_transaction()
    def test_price_trend_and_search(self):
        "The price trend averages per month; the history is searched by drug"
        pool = Pool()
        Party = pool.get('party.party')
        Price = pool.get('pharma.tender.price')
        Trend = pool.get('pharma.tender.price.trend')
        company = create_company()
        with set_company(company):
            shanghai, jiangsu, _ = create_territories()
            competitor, = Party.create([{
                        'name': "竞品制药", 'pharma_type': 'manufacturer'}])
            date = datetime.date(2026, 3, 10)
            for province, line, price in [
                    (shanghai, LINE, '10'), (jiangsu, LINE, '8'),
                    (jiangsu, dict(LINE, generic_name="阿托伐他汀",
                            strength="10mg"), '30')]:
                tender = create_tender(company, "T %s %s" % (
                        province.name, price), [province],
                    [dict(line, bid_price=Decimal(price))],
                    award_date=date)
                self._award(tender, {
                        'province': province.id,
                        'winning_company': competitor.id,
                        'winning_price': Decimal(price),
                        }, won=False)
            # typing the drug filters the history
            self.assertEqual({p.generic_name for p in Price.search([
                            ('rec_name', 'ilike', '%氨氯%')])}, {"氨氯地平"})
            self.assertEqual(len(Price.search([
                            ('rec_name', 'ilike', '%江苏%')])), 2)
            # one row per month: the mean of both provinces, never a sum
            with Transaction().set_context(generic_name="氨氯地平"):
                row, = Trend.search([])
            self.assertEqual(row.month, datetime.date(2026, 3, 1))
            self.assertEqual(row.bids, 2)
            self.assertEqual(row.average_price, Decimal('9'))
            self.assertEqual(
                (row.lowest_price, row.highest_price),
                (Decimal('8'), Decimal('10')))
            with Transaction().set_context(
                    generic_name="氨氯地平", province=shanghai.id):
                row, = Trend.search([])
            self.assertEqual(row.average_price, Decimal('10'))

            # the lowest prices in force: one bar per drug, a generic name
            # in two strengths is two bars (the client sums the rows of a
            # label)
            tender = create_tender(company, "T 10mg", [shanghai],
                [dict(LINE, strength="10mg", bid_price=Decimal('15'))],
                award_date=date)
            self._award(tender, {
                    'province': shanghai.id,
                    'winning_company': competitor.id,
                    'winning_price': Decimal('15'),
                    }, won=False)
            Lowest = pool.get('pharma.tender.price.lowest')
            rows = Lowest.search([])
            self.assertEqual(len(rows), 3)
            points = self._graph_points(
                Lowest, 'tender_price_lowest_view_graph', rows)
            self.assertEqual(len(points), len(rows), points)
            self.assertEqual(points,
                {r.drug: [r.lowest_price] for r in rows})
            self.assertEqual(len([p for p in points
                        if p.startswith("氨氯地平")]), 2, points)

    @with_transaction()
    def test_no_alert_same_province_or_higher(self):
        "No alert for a higher award or in the same province"
        pool = Pool()
        Party = pool.get('party.party')
        Alert = pool.get('pharma.tender.alert')
        company = create_company()
        with set_company(company):
            shanghai, jiangsu, _ = create_territories()
            competitor, = Party.create([{
                        'name': "竞品制药", 'pharma_type': 'manufacturer'}])
            ours = create_tender(company, "上海", [shanghai],
                [dict(LINE, bid_price=Decimal('10'))])
            self._award(ours, {
                    'province': shanghai.id,
                    'winning_company': company.party.id,
                    'winning_price': Decimal('10'),
                    })
            same = create_tender(company, "上海 2", [shanghai],
                [dict(LINE, bid_price=Decimal('10'))])
            self._award(same, {
                    'province': shanghai.id,
                    'winning_company': competitor.id,
                    'winning_price': Decimal('7'),
                    }, won=False)
            higher = create_tender(company, "江苏", [jiangsu],
                [dict(LINE, bid_price=Decimal('10'))])
            self._award(higher, {
                    'province': jiangsu.id,
                    'winning_company': competitor.id,
                    'winning_price': Decimal('11'),
                    }, won=False)
            self.assertEqual(Alert.search([]), [])

    @with_transaction()
    def test_bid_below_floor(self):
        "A bid below the floor needs a marketing manager's approval"
        pool = Pool()
        Tender = pool.get('pharma.tender')
        Line = pool.get('pharma.tender.line')
        FloorPrice = pool.get('pharma.tender.floor.price')
        company = create_company()
        with set_company(company):
            shanghai, _, _ = create_territories()
            product = create_product()
            FloorPrice.create([{
                        'company': company.id, 'product': product.id,
                        'price': Decimal('10')}])
            manager = create_employee(company, "Marketing Manager")
            manager_user = create_user('mm', company, manager,
                ['group_pharma_marketing_manager'])
            marketer = create_employee(company, "Marketer")
            marketer_user = create_user('mk', company, marketer,
                ['group_pharma_marketing'])
            Transaction().user_notifications.clear()
            tender = create_tender(company, "上海", [shanghai],
                [dict(LINE, product=product.id, bid_price=Decimal('9'))])
            line, = tender.lines
            # The marketing managers are asked for their approval
            self.assertEqual(
                [n.user.id for n in Transaction().user_notifications],
                [manager_user.id])
            self.assertTrue(line.below_floor)
            self.assertEqual(line.floor_price, Decimal('10'))
            Tender.prepare([tender])

            with self.assertRaises(TenderFloorError):
                Tender.submit([tender])
            self.assertEqual(tender.state, 'preparing')

            # A marketing user who is not a manager cannot approve
            with Transaction().set_user(marketer_user.id), \
                    Transaction().set_context(_check_access=True):
                with self.assertRaises(AccessButtonError):
                    Line.approve_floor([Line(line.id)])
                # nor write the approval directly
                with self.assertRaises(AccessError):
                    Line.write([Line(line.id)], {
                            'floor_approved_by': marketer.id})
            line = Line(line.id)
            self.assertIsNone(line.floor_approved_by)

            with Transaction().set_user(manager_user.id), \
                    Transaction().set_context(_check_access=True):
                Line.approve_floor([Line(line.id)])
            line = Line(line.id)
            self.assertEqual(line.floor_approved_by, manager)

            # A new bid needs a new approval
            Line.write([line], {'bid_price': Decimal('8')})
            line = Line(line.id)
            self.assertIsNone(line.floor_approved_by)
            with self.assertRaises(TenderFloorError):
                Tender.submit([tender])
            with Transaction().set_user(manager_user.id), \
                    Transaction().set_context(_check_access=True):
                Line.approve_floor([Line(line.id)])

            Tender.submit([tender])
            self.assertEqual(tender.state, 'submitted')
            self.assertIsNotNone(tender.submitted_date)

    @with_transaction()
    def test_rep_reads_own_territory(self):
        "Reps read only the tenders of their territory and cannot write"
        pool = Pool()
        Tender = pool.get('pharma.tender')
        Line = pool.get('pharma.tender.line')
        Territory = pool.get('pharma.territory')
        company = create_company()
        with set_company(company):
            shanghai, jiangsu, nanjing = create_territories()
            rep = create_employee(company, "Rep")
            rep_user = create_user('rep', company, rep, ['group_pharma_rep'])
            Territory.write([nanjing], {'reps': [('add', [rep.id])]})
            sh = create_tender(company, "上海", [shanghai], [dict(LINE)])
            js = create_tender(company, "江苏", [jiangsu], [dict(LINE)])

            with Transaction().set_user(rep_user.id), \
                    Transaction().set_context(
                        _check_access=True, company=company.id):
                self.assertEqual(Tender.search([]), [js])
                self.assertEqual(
                    Line.search([]), list(Tender(js.id).lines))
                with self.assertRaises(AccessError):
                    Tender.read([sh.id], ['name'])
                with self.assertRaises(AccessError):
                    Line.read([sh.lines[0].id], ['generic_name'])
                with self.assertRaises(AccessError):
                    Tender.write([Tender(js.id)], {'name': "x"})
                with self.assertRaises(AccessError):
                    Line.write([Line(js.lines[0].id)], {
                            'bid_price': Decimal(1)})
                with self.assertRaises(AccessButtonError):
                    Tender.prepare([Tender(js.id)])
                # The floor price is for marketing only
                with self.assertRaises(AccessError):
                    Line.read([js.lines[0].id], ['floor_price'])
                with self.assertRaises(AccessError):
                    pool.get('pharma.tender.floor.price').search([])
                # nor alerts and price history
                for model in ['pharma.tender.alert', 'pharma.tender.price',
                        'pharma.tender.price.lowest']:
                    with self.assertRaises(AccessError):
                        pool.get(model).search([])
                # a new tender cannot be created either
                with self.assertRaises(AccessError):
                    create_tender(company, "x", [jiangsu], [])

    @with_transaction()
    def test_manager_and_marketing_visibility(self):
        "Managers read their territory's tenders, marketing reads all"
        pool = Pool()
        Tender = pool.get('pharma.tender')
        Territory = pool.get('pharma.territory')
        company = create_company()
        with set_company(company):
            shanghai, jiangsu, _ = create_territories()
            manager = create_employee(company, "Manager")
            manager_user = create_user('mgr', company, manager,
                ['group_pharma_manager'])
            marketer = create_employee(company, "Marketer")
            marketer_user = create_user('mk', company, marketer,
                ['group_pharma_marketing'])
            Territory.write([jiangsu], {'manager': manager.id})
            sh = create_tender(company, "上海", [shanghai], [])
            js = create_tender(company, "江苏", [jiangsu], [])
            for user, expected in [
                    (manager_user, [js]),
                    (marketer_user, sorted([sh, js]))]:
                with Transaction().set_user(user.id), \
                        Transaction().set_context(
                            _check_access=True, company=company.id):
                    self.assertEqual(
                        sorted(Tender.search([])), expected)
            with Transaction().set_user(marketer_user.id), \
                    Transaction().set_context(
                        _check_access=True, company=company.id):
                Tender.write([Tender(sh.id)], {'name': "上海 2026"})
                Tender.prepare([Tender(sh.id)])
            self.assertEqual(Tender(sh.id).state, 'preparing')

    @with_transaction()
    def test_bid_frozen_after_submission(self):
        "The bid cannot change once submitted"
        pool = Pool()
        Tender = pool.get('pharma.tender')
        Line = pool.get('pharma.tender.line')
        company = create_company()
        with set_company(company):
            shanghai, _, _ = create_territories()
            tender = create_tender(company, "上海", [shanghai],
                [dict(LINE, bid_price=Decimal('5'))])
            Tender.prepare([tender])
            Tender.submit([tender])
            with Transaction().set_context(_check_access=True):
                with self.assertRaises(UserError):
                    Line.write(list(tender.lines),
                        {'bid_price': Decimal('4')})

    @with_transaction()
    def test_deadline_reminders(self):
        "Owners are reminded 7, 3 and 1 days before deadlines"
        pool = Pool()
        Tender = pool.get('pharma.tender')
        Notification = pool.get('res.notification')
        Date = pool.get('ir.date')
        company = create_company()
        with set_company(company):
            shanghai, _, _ = create_territories()
            owner = create_employee(company, "Owner")
            owner_user = create_user('owner', company, owner,
                ['group_pharma_marketing'])
            today = Date.today()
            tender = create_tender(company, "上海", [shanghai], [],
                owner=owner.id,
                registration_deadline=today + datetime.timedelta(days=3),
                submission_deadline=today + datetime.timedelta(days=7))
            later = create_tender(company, "later", [shanghai], [],
                owner=owner.id,
                submission_deadline=today + datetime.timedelta(days=5))
            sent = Tender.send_deadline_reminders()
            self.assertEqual(sorted((t.id, f, u) for t, f, u in sent), [
                    (tender.id, 'registration_deadline', owner_user.id),
                    (tender.id, 'submission_deadline', owner_user.id),
                    ])
            # stored as the commit stores them (an icon the notifications
            # do not know failed here, so the cron's reminders were lost)
            Transaction()._store_user_notifications()
            self.assertEqual(len(Notification.search(
                        [('user', '=', owner_user.id)])), 2)
            # 4 days on: 3 days before the first submission, 1 before the
            # later one's; the first's registration (yesterday) is past
            sent = Tender.send_deadline_reminders(
                today + datetime.timedelta(days=4))
            self.assertEqual(sorted((t.id, f, u) for t, f, u in sent), sorted([
                    (tender.id, 'submission_deadline', owner_user.id),
                    (later.id, 'submission_deadline', owner_user.id),
                    ]))
            sent = Tender.send_deadline_reminders(
                today + datetime.timedelta(days=1))
            self.assertEqual(sent, [])

            # Awarded tenders expire after their validity
            past = create_tender(company, "past", [shanghai],
                [dict(LINE, bid_price=Decimal('1'))],
                validity_start=today - datetime.timedelta(days=400),
                validity_end=today - datetime.timedelta(days=1))
            current = create_tender(company, "current", [shanghai],
                [dict(LINE, bid_price=Decimal('1'))],
                validity_start=today - datetime.timedelta(days=10),
                validity_end=today + datetime.timedelta(days=300))
            for tender in [past, current]:
                self._award(tender, {
                        'province': shanghai.id,
                        'winning_company': company.party.id,
                        'winning_price': Decimal('1'),
                        })
            with Transaction().set_context(company=company.id):
                Tender.expire_tenders()
            self.assertEqual(
                (past.state, current.state), ('expired', 'awarded'))

    @with_transaction()
    def test_win_rate(self):
        "Win rate by product, province and year"
        pool = Pool()
        Party = pool.get('party.party')
        WinRate = pool.get('pharma.tender.win_rate')
        Deadline = pool.get('pharma.tender.deadline')
        company = create_company()
        with set_company(company):
            shanghai, jiangsu, _ = create_territories()
            competitor, = Party.create([{
                        'name': "竞品制药", 'pharma_type': 'manufacturer'}])
            date = datetime.date(2025, 3, 1)
            tenders = []
            for name, winner in [("a", company.party), ("b", competitor),
                    ("c", competitor), ("d", company.party)]:
                tender = create_tender(company, name, [shanghai],
                    [dict(LINE, bid_price=Decimal('10'))], award_date=date,
                    submission_deadline=date)
                self._award(tender, {
                        'province': shanghai.id,
                        'winning_company': winner.id,
                        'winning_price': Decimal('10'),
                        }, won=winner == company.party)
                tenders.append(tender)
            rate, = WinRate.search([])
            self.assertEqual(
                (rate.year, rate.bids, rate.wins, rate.win_rate),
                (2025, 4, 2, 50.0))
            self.assertEqual(rate.province, shanghai)
            # the calendar: one submission deadline per tender (they have
            # no registration nor opening date), in the tender's state
            self.assertEqual(
                [(d.tender, d.kind, d.date, d.state)
                    for d in Deadline.search([], order=[('id', 'ASC')])],
                [(t, 'submission', date, s) for t, s in zip(tenders,
                        ['awarded', 'lost', 'lost', 'awarded'])])

    @with_transaction()
    def test_demo(self):
        "The demo data runs"
        import random
        from .. import demo
        pool = Pool()
        Tender = pool.get('pharma.tender')
        Date = pool.get('ir.date')
        company = create_company()
        with set_company(company):
            create_territories()
            marketing = create_employee(company, "Marketing")
            for name in ["氨氯地平片", "阿托伐他汀钙片"]:
                create_product(name)
            messages = []
            demo.create_demo({
                    'pool': pool,
                    'company': company,
                    'users': {},
                    'employees': {'marketing1': marketing},
                    'today': Date.today(),
                    'progress': messages.append,
                    'random': random.Random(42),
                    })
            self.assertEqual(Tender.search([], count=True), 12)
            self.assertTrue(Tender.search([('state', '=', 'awarded')]))
            self.assertIn('12 tenders', messages[-1])

    @with_transaction()
    def test_import_results(self):
        "Importing an award list raises the price-linkage alert"
        import io
        import openpyxl
        pool = Pool()
        Party = pool.get('party.party')
        Engine = pool.get('pharma.import.engine')
        Tender = pool.get('pharma.tender')
        Alert = pool.get('pharma.tender.alert')
        ProvincePrice = pool.get('pharma.product.province_price')
        company = create_company()
        with set_company(company):
            shanghai, jiangsu, _ = create_territories()
            product = create_product()
            ProvincePrice.create([{
                        'template': product.template.id,
                        'province': shanghai.id,
                        'price': Decimal('10'),
                        }])
            Party.create([{
                        'name': "华东制药有限公司",
                        'pharma_type': 'manufacturer'}])

            def workbook(rows):
                book = openpyxl.Workbook()
                sheet = book.active
                sheet.append(["江苏省药品集中采购中选结果公示"])
                sheet.append(["省份", "通用名", "剂型", "规格", "包装",
                        "质量层次", "生产企业", "中标价"])
                for row in rows:
                    sheet.append(row)
                data = io.BytesIO()
                book.save(data)
                return data.getvalue()

            # Unknown product and company are reported, nothing written
            job = Engine.run('tender-results', workbook([
                        ["江苏", "氨氯地平", "片剂", "5mg", "7", "过评",
                            "未知药业", 8],
                        ["江苏", "不存在", "片剂", "5mg", "7", "过评",
                            "华东制药有限公司", 8],
                        ]), filename='results.xlsx')
            self.assertEqual(job.refused, 2)
            messages = [e['message'] for e in job.errors]
            self.assertIn("未知药业", messages[0])
            self.assertIn("不存在", messages[1])
            self.assertEqual(Tender.search([]), [])

            job = Engine.run('tender-results', workbook([
                        ["江苏省", "氨氯地平", "片剂", "5mg", "7", "过评",
                            "华东制药有限公司", 8],
                        ["江苏省", "氨氯地平", "片剂", "5mg", "7", "过评",
                            company.party.name, 8.5],
                        ]), filename='results.xlsx')
            self.assertEqual((job.created, job.refused), (2, 0))
            tender, = Tender.search([])
            self.assertTrue(tender.imported)
            self.assertEqual(tender.state, 'awarded')
            self.assertEqual(list(tender.region), [jiangsu])
            self.assertEqual(len(tender.lines), 2)
            ours, = [l for l in tender.lines if l.won]
            self.assertEqual(ours.product, product)
            alerts = Alert.search([], order=[('price', 'ASC')])
            self.assertEqual(len(alerts), 2)
            alert = alerts[0]
            self.assertEqual(alert.province, jiangsu)
            self.assertEqual(alert.other_province, shanghai)
            self.assertEqual(alert.our_price_source, 'list')
            self.assertEqual(alert.gap, 20.0)
            self.assertIn("江苏", alert.description)
            self.assertIn("上海", alert.description)

            # The export is in the layout the importer reads
            data = Engine.export_xlsx('tender-results', list(tender.lines))
            sheet = openpyxl.load_workbook(io.BytesIO(data)).active
            rows = list(sheet.iter_rows(values_only=True))
            self.assertEqual(rows[0][:3], ("省份", "通用名", "剂型"))
            self.assertEqual(len(rows), 3)
            job = Engine.run('tender-results', data, filename='again.xlsx',
                dry_run=True)
            self.assertEqual((job.created, job.refused), (2, 0))


    @with_transaction()
    def test_list_views_datetime_widget(self):
        "Every DateTime field of a list view has a date/time widget"
        self.assertEqual(tree_datetime_without_widget(self.module), [])


del ModuleTestCase
