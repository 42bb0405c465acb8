# This file is part of the pharma suite. See README.md for license terms.
import datetime
import io
from decimal import Decimal

from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, create_employee, set_company)
from trytond.modules.pharma_hospital.tests.checks import (
    tree_datetime_without_widget)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction


class PharmaCompetitorTestCase(CompanyTestMixin, ModuleTestCase):
    "Test pharma_competitor module"
    module = 'pharma_competitor'

    def _setup(self):
        pool = Pool()
        Party = pool.get('party.party')
        Territory = pool.get('pharma.territory')
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        company = create_company()
        shanghai = Territory(name="上海", level='province', code='SH')
        shanghai.save()
        hospital = Party(name="瑞金医院", pharma_type='hospital',
            territory=shanghai)
        hospital.save()
        doctor = Party(name="张伟", pharma_type='doctor', hospital=hospital)
        doctor.save()
        maker = Party(name="辉瑞制药", pharma_type='manufacturer')
        maker.save()
        unit, = Uom.search([('name', '=', 'Unit')])
        with set_company(company):
            template = Template(name="阿托伐他汀钙片 20mg×7",
                default_uom=unit, type='goods', list_price=Decimal('30'),
                generic_name="阿托伐他汀钙", pack_size=7)
            template.products = [{}]
            template.save()
        product, = template.products
        return company, shanghai, hospital, doctor, maker, product

    @with_transaction()
    def test_market_share_by_hand(self):
        "Share = ours / (ours + competitors) in smallest units"
        pool = Pool()
        Flow = pool.get('pharma.flow.line')
        Party = pool.get('party.party')
        MarketData = pool.get('pharma.market.data')
        Share = pool.get('pharma.market.share')
        Observation = pool.get('pharma.competitor.observation')
        Competitor = pool.get('pharma.competitor')
        CProduct = pool.get('pharma.competitor.product')
        company, _, hospital, _, maker, product = self._setup()
        distributor = Party(name="国药控股上海", pharma_type='distributor')
        distributor.save()
        with set_company(company):
            month = datetime.date(2026, 10, 1)
            # 10 packs of 7 = 70 tablets of ours
            Flow.create([{
                        'company': company.id,
                        'date': datetime.date(2026, 10, 12),
                        'month': datetime.date(2026, 10, 1),
                        'distributor': distributor.id,
                        'customer_name': hospital.name,
                        'customer': hospital.id,
                        'product_name': product.rec_name,
                        'product': product.id,
                        'quantity': 10,
                        'unit_price': Decimal('30'),
                        'amount': Decimal('300'),
                        }])
            # the market data says competitors sold 30 tablets
            MarketData.create([{
                        'month': datetime.date(2026, 10, 1),
                        'hospital': hospital.id,
                        'generic_name': "阿托伐他汀钙",
                        'manufacturer': maker.id,
                        'units': 30,
                        }])
            self.assertEqual(Share.compute(month), 1)
            share, = Share.search([])
            self.assertEqual(share.our_units, 70)
            self.assertEqual(share.competitor_units, 30)
            self.assertEqual(share.share, 70.0)
            self.assertEqual(share.source, 'market')
            self.assertEqual(share.confidence, 'measured')

            # without market data an observation estimates the volume
            competitor = Competitor(party=maker)
            competitor.save()
            cproduct = CProduct(competitor=competitor, brand="立普妥",
                generic_name="阿托伐他汀钙", pack_size=7)
            cproduct.save()
            MarketData.delete(MarketData.search([]))
            Observation.create([{
                        'date': datetime.date(2026, 10, 20),
                        'competitor_product': cproduct.id,
                        'hospital': hospital.id,
                        'kind': 'volume',
                        'volume': 10,
                        'source': 'report',
                        }])
            Share.compute(month)
            share, = Share.search([])
            self.assertEqual(share.competitor_units, 70)
            self.assertEqual(share.share, 50.0)
            self.assertEqual(share.source, 'observation')
            self.assertEqual(share.confidence, 'estimated')

            # the next month's trend shows the change
            Flow.create([{
                        'company': company.id,
                        'date': datetime.date(2026, 11, 3),
                        'month': datetime.date(2026, 11, 1),
                        'distributor': distributor.id,
                        'customer_name': hospital.name,
                        'customer': hospital.id,
                        'product_name': product.rec_name,
                        'product': product.id,
                        'quantity': 3,
                        }])
            Observation.create([{
                        'date': datetime.date(2026, 11, 5),
                        'competitor_product': cproduct.id,
                        'hospital': hospital.id,
                        'kind': 'volume',
                        'volume': 7,
                        'source': 'report',
                        }])
            Share.compute(datetime.date(2026, 11, 1))
            november, = Share.search([('month', '=', datetime.date(2026, 11, 1))])
            self.assertEqual(november.share, 30.0)
            self.assertEqual(november.previous_share, 50.0)
            self.assertEqual(november.change, -20.0)

    @with_transaction()
    def test_observation_from_call(self):
        "A competitor mention of a done call becomes an observation"
        pool = Pool()
        Call = pool.get('pharma.call')
        Observation = pool.get('pharma.competitor.observation')
        Competitor = pool.get('pharma.competitor')
        company, _, hospital, doctor, maker, product = self._setup()
        with set_company(company):
            employee = create_employee(company, "李代表")
            employee.rep_registration_status = 'registered'
            employee.rep_registration_number = 'R-001'
            employee.save()
            call = Call(employee=employee, party=doctor, hospital=hospital,
                date=datetime.datetime(2026, 10, 15, 10, 0),
                call_type='face_to_face')
            call.competitors = [{'competitor': maker.id,
                    'text': "对方降价10%"}]
            call.save()
            self.assertFalse(Observation.search([]))
            Call.do([call])
            observation, = Observation.search([])
            self.assertEqual(observation.hospital, hospital)
            self.assertEqual(observation.source, 'call')
            self.assertEqual(observation.text, "对方降价10%")
            self.assertEqual(observation.origin, call)
            competitor, = Competitor.search([('party', '=', maker.id)])
            self.assertEqual(competitor.observations, (observation,))
            # doing it again creates nothing more
            call.competitors[0].save()
            pool.get('pharma.call.competitor').create_observations(
                call.competitors)
            self.assertEqual(len(Observation.search([])), 1)

    @with_transaction()
    def test_report_pack(self):
        "The report pack writes one sheet per report"
        from openpyxl import load_workbook
        pool = Pool()
        Pack = pool.get('pharma.report.pack')
        company, *_ = self._setup()
        with set_company(company):
            month = datetime.date(2026, 10, 1)
            sheets = Pack.build(month)
            self.assertEqual(len(sheets), len(Pack._sheets()))
            data = Pack.to_xlsx(sheets, month)
        workbook = load_workbook(io.BytesIO(data), read_only=True)
        self.assertEqual(len(workbook.sheetnames), len(sheets))
        for (title, headers, rows), name in zip(sheets, workbook.sheetnames):
            sheet = workbook[name]
            values = list(sheet.iter_rows(values_only=True))
            self.assertEqual(list(values[1][:len(headers)]), headers)

    @with_transaction()
    def test_scorecard_rep_has_no_sales(self):
        "A medical representative's score has no sales component"
        pool = Pool()
        Scorecard = pool.get('pharma.scorecard')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        company, *_ = self._setup()
        with set_company(company):
            employee = create_employee(company, "王代表")
            rep_group = ModelData.get_id('pharma_hospital', 'group_pharma_rep')
            User.create([{
                        'login': 'rep_score', 'name': "王代表",
                        'employees': [('add', [employee.id])],
                        'employee': employee.id,
                        'companies': [('add', [company.id])],
                        'company': company.id,
                        'groups': [('add', [rep_group])],
                        }])
            cards = Scorecard.compute(datetime.date(2026, 10, 1))
            card, = [c for c in cards if c.employee == employee]
            self.assertEqual(card.role, 'rep')
            self.assertIsNone(card.sales)
            self.assertIsNone(card.collections)
            data = Scorecard.to_csv(cards).decode('utf-8-sig')
            self.assertIn(employee.party.code, data)

    @with_transaction()
    def test_market_data_import(self):
        "The market-data kind imports audit data and refuses unknown names"
        from openpyxl import Workbook
        pool = Pool()
        Engine = pool.get('pharma.import.engine')
        MarketData = pool.get('pharma.market.data')
        company, _, hospital, _, maker, _ = self._setup()

        def xlsx(rows):
            workbook = Workbook()
            sheet = workbook.active
            for row in rows:
                sheet.append(row)
            data = io.BytesIO()
            workbook.save(data)
            return data.getvalue()
        header = ['月份', '医院名称', '通用名', '生产企业', '数量(最小单位)']
        good = xlsx([['2026年医院用药监测'], header,
                ['2026-10-01', '瑞金医院', '阿托伐他汀钙', '辉瑞制药', 120],
                ['2026-10-01', '瑞金医院', '阿托伐他汀钙', company.party.name, 80],
                ])
        with set_company(company):
            job = Engine.run('market-data', good, filename='audit.xlsx')
            self.assertEqual(job.errors, [])
            self.assertEqual(job.summary()['created'], 2)
            rows = MarketData.search([], order=[('units', 'ASC')])
            self.assertEqual([r.units for r in rows], [80, 120])
            self.assertEqual(rows[0].manufacturer, None)
            self.assertEqual(rows[1].manufacturer, maker)
            self.assertEqual(rows[1].month, datetime.date(2026, 10, 1))
            # the same month again replaces it
            Engine.run('market-data', good, filename='audit.xlsx')
            self.assertEqual(len(MarketData.search([])), 2)
            bad = xlsx([header,
                    ['2026-11-01', '瑞金医院', '阿托伐他汀钙', '辉瑞制药', 10],
                    ['2026-11-01', '不存在医院', '阿托伐他汀钙', '辉瑞制药', 5],
                    ])
            job = Engine.run('market-data', bad, filename='bad.xlsx')
            self.assertEqual(len(job.errors), 1)
            self.assertEqual(job.errors[0]['row'], 3)
            self.assertIn('不存在医院', str(job.errors[0]['value']))
            self.assertEqual(len(MarketData.search([])), 2)

    @with_transaction()
    def test_list_views_datetime_widget(self):
        "Every DateTime shown in a list has a date/time widget"
        self.assertEqual(tree_datetime_without_widget(self.module), [])


del ModuleTestCase
