# This file is part of the pharma suite. See README.md for license terms.
import datetime
import io
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, create_employee, set_company)
from trytond.modules.pharma_hospital.tests.checks import (
    tree_datetime_without_widget)
from trytond.modules.pharma_hospital.tests.tools import (
    create_user, run_queue)
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction


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
            # the competitor sheets sit where they were before
            # pharma_reporting took the pack over (issue 22)
            self.assertEqual([k for k, _ in Pack._sheets()], [
                    'sales_product', 'sales_territory', 'sales_employee',
                    'hospital_development', 'rep_activity', 'plan_actual',
                    'tier_coverage', 'process_result', 'channel_inventory',
                    'churn', 'tender_results', 'competitor_share',
                    'competitor_activity', 'territory_share',
                    'key_hospital_competitors', 'data_quality',
                    'event_spend'])
            data = Pack.to_xlsx(sheets, month)
        workbook = load_workbook(io.BytesIO(data), read_only=True)
        self.assertEqual(len(workbook.sheetnames), len(sheets))
        for (title, headers, rows), name in zip(sheets, workbook.sheetnames):
            sheet = workbook[name]
            values = list(sheet.iter_rows(values_only=True))
            self.assertEqual(list(values[1][:len(headers)]), headers)

    @with_transaction()
    def test_market_share_queued(self):
        """The market share wizard queues a background job of the user
        (listed, with its result, notified): the shares are computed when
        the job runs, not in the request"""
        pool = Pool()
        Job = pool.get('pharma.job')
        Flow = pool.get('pharma.flow.line')
        Party = pool.get('party.party')
        Share = pool.get('pharma.market.share')
        Notification = pool.get('res.notification')
        Wizard = pool.get('pharma.market.share.compute', type='wizard')
        company, _, hospital, _, maker, product = self._setup()
        distributor = Party(name="国药控股上海", pharma_type='distributor')
        distributor.save()
        month = datetime.date(2026, 10, 1)
        with set_company(company):
            Flow.create([{
                        'company': company.id,
                        'date': datetime.date(2026, 10, 12),
                        'month': month,
                        'distributor': distributor.id,
                        'customer_name': hospital.name,
                        'customer': hospital.id,
                        'product_name': product.rec_name,
                        'product': product.id,
                        'quantity': 10,
                        }])
            session_id, _, _ = Wizard.create()
            result = Wizard.execute(session_id,
                {'start': {'month': datetime.date(2026, 10, 17)}}, 'compute')
            Wizard.delete(session_id)
            self.assertEqual(result['view']['state'], 'queued')
            job, = Job.search([])
            self.assertEqual((job.kind, job.state, job.description),
                ('market_share', 'queued', 'Market share 2026-10'))
            # nothing computed in the request
            self.assertEqual(Share.search([]), [])
            self.assertEqual(run_queue(), 1)
            job, = Job.search([])
            self.assertEqual(job.state, 'done', job.message)
            self.assertEqual(job.result,
                'Market share of 2026-10 computed: 1 rows.')
            share, = Share.search([])
            self.assertEqual((share.month, share.hospital, share.our_units),
                (month, hospital, 70))
            Transaction()._store_user_notifications()
            notice, = Notification.search([
                    ('user', '=', Transaction().user)])
            self.assertIn('Market share 2026-10', notice.label)
            self.assertEqual(notice.icon, 'tryton-info')

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

    def _territories(self):
        "华东 region > 上海 province > 上海市 city; 江苏 province"
        Territory = Pool().get('pharma.territory')
        east = Territory(name="华东大区", level='region', code='EAST')
        east.save()
        shanghai = Territory(name="上海", level='province', code='SH',
            parent=east)
        shanghai.save()
        city = Territory(name="上海市", level='city', code='SH-C',
            parent=shanghai)
        city.save()
        jiangsu = Territory(name="江苏", level='province', code='JS',
            parent=east)
        jiangsu.save()
        return east, shanghai, city, jiangsu

    @with_transaction()
    def test_share_by_territory_by_hand(self):
        "A territory's share is the ratio of the sums over its subtree"
        pool = Pool()
        Party = pool.get('party.party')
        Area = pool.get('pharma.therapeutic.area')
        Share = pool.get('pharma.market.share')
        ByTerritory = pool.get('pharma.market.share.territory')
        ByArea = pool.get('pharma.market.share.area')
        Pack = pool.get('pharma.report.pack')
        Trend = pool.get('pharma.market.share.trend', type='wizard')
        company = create_company()
        east, shanghai, city, jiangsu = self._territories()
        # A in the city and B in the province itself: both in 上海
        a, b, c, d = Party.create([
                {'name': "A医院", 'pharma_type': 'hospital',
                    'territory': city.id},
                {'name': "B医院", 'pharma_type': 'hospital',
                    'territory': shanghai.id},
                {'name': "C医院", 'pharma_type': 'hospital',
                    'territory': jiangsu.id},
                {'name': "D医院", 'pharma_type': 'hospital'},
                ])
        cardio, = Area.create([{'name': "心血管"}])
        september = datetime.date(2024, 9, 1)
        october = datetime.date(2024, 10, 1)

        def row(month, hospital, molecule, our, other, source='market'):
            return {
                'company': company.id, 'month': month,
                'hospital': hospital.id,
                'territory': (hospital.territory.id if hospital.territory
                    else None),
                'generic_name': molecule, 'therapeutic_area': cardio.id,
                'our_units': our, 'competitor_units': other,
                'share': (100 * our / (our + other)) if our + other
                else None,
                'source': source,
                'confidence': 'measured' if source == 'market'
                else 'estimated'}
        Share.create([
                row(october, a, "阿托伐他汀钙", 90, 10),
                row(october, b, "阿托伐他汀钙", 10, 190),
                row(october, a, "瑞舒伐他汀钙", 20, 80),
                row(october, c, "阿托伐他汀钙", 100, 0, source='none'),
                row(october, d, "阿托伐他汀钙", 0, 100),
                row(september, a, "阿托伐他汀钙", 50, 50),
                row(september, b, "阿托伐他汀钙", 0, 100),
                ])

        with set_company(company), Transaction().set_context(
                from_month=october, to_month=october):
            rows = {(r.territory, r.generic_name): r
                for r in ByTerritory.search([])}
            self.assertTrue(all(r.month == october for r in rows.values()))
            # 上海市: A alone
            self.assertAlmostEqual(rows[(city, "阿托伐他汀钙")].share, 90.0)
            # 上海: A and B, (90 + 10) / (100 + 200), not (90% + 5%) / 2
            sh = rows[(shanghai, "阿托伐他汀钙")]
            self.assertEqual(sh.hospitals, 2)
            self.assertEqual(sh.our_units, 100)
            self.assertEqual(sh.competitor_units, 200)
            self.assertAlmostEqual(sh.share, 100 / 3)
            self.assertEqual(sh.level, 'province')
            # September: (50 + 0) / (100 + 100)
            self.assertAlmostEqual(sh.previous_share, 25.0)
            self.assertAlmostEqual(sh.change, 100 / 3 - 25)
            self.assertEqual(sh.therapeutic_area, cardio)
            # 华东 adds C of 江苏, whose volume has no competitor data
            region = rows[(east, "阿托伐他汀钙")]
            self.assertAlmostEqual(region.share, 200 / 400 * 100)
            self.assertEqual(region.hospitals, 3)
            self.assertEqual(region.hospitals_without_data, 1)
            # the whole company adds D, without territory
            company_row = rows[(None, "阿托伐他汀钙")]
            self.assertEqual(company_row.level, 'all')
            self.assertAlmostEqual(company_row.share, 200 / 500 * 100)
            self.assertEqual(company_row.hospitals, 4)
            # a territory without September data has no change
            self.assertIsNone(rows[(jiangsu, "阿托伐他汀钙")].previous_share)
            self.assertIsNone(rows[(jiangsu, "阿托伐他汀钙")].change)
            # 5 territories for one molecule, 4 for the other (only in A)
            self.assertEqual(len(rows), 5 + 4)
            self.assertEqual(len({r.id for r in rows.values()}), len(rows))

            # per therapeutic area, both molecules: (90 + 10 + 20) / 400
            areas = {r.territory: r for r in ByArea.search([])}
            self.assertEqual(areas[shanghai].therapeutic_area, cardio)
            self.assertEqual(areas[shanghai].molecules, 2)
            self.assertAlmostEqual(areas[shanghai].share, 120 / 400 * 100)
            self.assertAlmostEqual(areas[shanghai].previous_share, 25.0)
            self.assertAlmostEqual(areas[city].share, 110 / 200 * 100)
            self.assertAlmostEqual(areas[None].share, 220 / 600 * 100)

            # searchable and readable one by one (as the client does)
            found, = ByTerritory.search([
                    ('territory', '=', shanghai.id),
                    ('generic_name', '=', "阿托伐他汀钙"),
                    ])
            self.assertEqual(ByTerritory(found.id).share, sh.share)

            # the trend opens this territory and molecule over 12 months
            session_id, _, _ = Trend.create()
            with Transaction().set_context(
                    active_model='pharma.market.share.territory',
                    active_id=sh.id, active_ids=[sh.id]):
                result = Trend.execute(session_id, {}, 'start')
            Trend.delete(session_id)
            (action, _), = result['actions']
            domain = PYSONDecoder().decode(action['pyson_domain'])
            context = PYSONDecoder().decode(action['pyson_context'])
            self.assertEqual(context['to_month'], october)
            self.assertEqual(context['from_month'],
                datetime.date(2023, 11, 1))
            with Transaction().set_context(**context):
                trend = ByTerritory.search(domain, order=[('month', 'ASC')])
            self.assertEqual([r.month for r in trend], [september, october])
            self.assertAlmostEqual(trend[-1].share, sh.share)
            self.assertIn("上海", action['name'])
            # and so for the company-wide area row
            session_id, _, _ = Trend.create()
            with Transaction().set_context(
                    active_model='pharma.market.share.area',
                    active_id=areas[None].id, active_ids=[areas[None].id]):
                result = Trend.execute(session_id, {}, 'start')
            Trend.delete(session_id)
            (action, _), = result['actions']
            domain = PYSONDecoder().decode(action['pyson_domain'])
            self.assertIn(['territory', '=', None], domain)
            self.assertIn(['therapeutic_area', '=', cardio.id], domain)

        # without a period, last month only; the trend shows 12 months and
        # the key customers 12 months by default
        with set_company(company):
            self.assertEqual(ByTerritory.search([]), [])
        ShareContext = pool.get('pharma.market.share.context')
        CustomerContext = pool.get('pharma.competitor.customer.context')
        last = ShareContext.default_to_month()
        self.assertEqual(last.day, 1)
        self.assertEqual(ShareContext.default_from_month(), last)
        self.assertEqual(CustomerContext.default_from_month(),
            datetime.date(last.year - 1, last.month, 1)
            + relativedelta(months=1))

        # the report pack's territory sheet
        with set_company(company):
            headers, sheet = Pack._sheet_territory_share(
                company, october, datetime.date(2024, 11, 1))
        self.assertEqual(len(sheet), 5)
        by_name = {r[0]: r for r in sheet}
        self.assertAlmostEqual(by_name["华东大区 / 上海"][6], 120 / 400 * 100)
        self.assertEqual(sheet[0][1], "All Territories")

    @with_transaction()
    def test_key_hospital_activity(self):
        "Key hospitals with competitor activity, as reps may see them"
        pool = Pool()
        Party = pool.get('party.party')
        Competitor = pool.get('pharma.competitor')
        Observation = pool.get('pharma.competitor.observation')
        KeyHospital = pool.get('pharma.competitor.key_hospital')
        Keyword = pool.get('ir.action.keyword')
        Pack = pool.get('pharma.report.pack')
        company = create_company()
        east, shanghai, city, jiangsu = self._territories()
        key_sh, key_js, plain = Party.create([
                {'name': "瑞金医院", 'pharma_type': 'hospital',
                    'territory': city.id, 'key_account': True,
                    'key_level': 'A'},
                {'name': "江苏省人民医院", 'pharma_type': 'hospital',
                    'territory': jiangsu.id, 'key_account': True,
                    'key_level': 'B'},
                {'name': "社区医院", 'pharma_type': 'hospital',
                    'territory': city.id},
                ])
        pfizer, az = Competitor.create([
                {'party': Party.create([{'name': "辉瑞制药",
                                'pharma_type': 'manufacturer'}])[0].id},
                {'party': Party.create([{'name': "阿斯利康",
                                'pharma_type': 'manufacturer'}])[0].id},
                ])
        with set_company(company):
            rep = create_employee(company, "李代表")
            city.reps = [rep]
            city.save()
            rep_user = create_user('rep_key', company, rep,
                ['group_pharma_rep'])

            def seen(day, hospital, competitor, kind, observer=None):
                return {'date': day, 'hospital': hospital.id,
                    'competitor': competitor.id, 'kind': kind,
                    'source': 'report',
                    'observer': observer.id if observer else None}
            Observation.create([
                    seen(datetime.date(2026, 10, 3), key_sh, pfizer, 'price'),
                    seen(datetime.date(2026, 10, 20), key_sh, pfizer,
                        'promotion'),
                    seen(datetime.date(2026, 10, 21), key_sh, pfizer,
                        'price'),
                    seen(datetime.date(2026, 10, 5), key_sh, az, 'listing'),
                    seen(datetime.date(2026, 10, 9), key_js, az, 'volume'),
                    seen(datetime.date(2026, 10, 9), plain, az, 'price'),
                    # out of the period
                    seen(datetime.date(2026, 8, 30), key_sh, az, 'other'),
                    ])
            period = {'from_date': datetime.date(2026, 10, 1),
                'to_date': datetime.date(2026, 10, 31)}
            with Transaction().set_context(**period):
                rows = {(r.hospital, r.competitor): r
                    for r in KeyHospital.search([])}
                self.assertEqual(set(rows), {(key_sh, pfizer), (key_sh, az),
                        (key_js, az)})
                row = rows[(key_sh, pfizer)]
                self.assertEqual(row.observations, 3)
                self.assertEqual(row.last_date, datetime.date(2026, 10, 21))
                self.assertEqual(row.first_date, datetime.date(2026, 10, 3))
                self.assertEqual(row.kinds, "Price, Promotion / Event")
                self.assertEqual(row.key_level, 'A')
                self.assertEqual(row.territory, city)
                self.assertEqual(rows[(key_sh, az)].observations, 1)
                # filtered by competitor, in the context or the domain
                with Transaction().set_context(competitor=az.id):
                    self.assertEqual(
                        {r.hospital for r in KeyHospital.search([])},
                        {key_sh, key_js})
                self.assertEqual(len(KeyHospital.search(
                            [('competitor', '=', pfizer.id)])), 1)
            with Transaction().set_context(
                    from_date=datetime.date(2026, 8, 1),
                    to_date=datetime.date(2026, 8, 31)):
                row, = KeyHospital.search([])
                self.assertEqual((row.hospital, row.competitor),
                    (key_sh, az))
                self.assertEqual(row.kinds, "Other")

            # the rep sees the activity of the territory only
            with Transaction().set_user(rep_user.id), \
                    Transaction().set_context(_check_access=True, **period):
                rows = KeyHospital.search([])
                self.assertEqual({(r.hospital.id, r.competitor.id,
                            r.observations) for r in rows},
                    {(key_sh.id, pfizer.id, 3), (key_sh.id, az.id, 1)})
                # and reaches it from the competitor's form, not the key
                # customers that need market data
                names = {a['res_model'] for a in Keyword.get_keyword(
                        'form_relate', ('pharma.competitor', pfizer.id))}
                self.assertIn('pharma.competitor.key_hospital', names)
                self.assertNotIn('pharma.competitor.customer', names)
            # a rep's own observation at a hospital he may not read is not
            # listed to him (its row would name a hidden hospital: the
            # list showed error cells); the company-wide report counts it
            Observation.create([seen(datetime.date(2026, 10, 10), key_js,
                        pfizer, 'salesforce', observer=rep)])
            with Transaction().set_user(rep_user.id), \
                    Transaction().set_context(_check_access=True, **period):
                rows = KeyHospital.search([('hospital', '=', key_js.id)])
                self.assertEqual([(r.competitor, r.observations)
                        for r in rows], [])
            with Transaction().set_context(**period):
                rows = KeyHospital.search([('hospital', '=', key_js.id),
                        ('competitor', '=', pfizer.id)])
                self.assertEqual([r.observations for r in rows], [1])

            headers, sheet = Pack._sheet_key_hospital_competitors(
                company, datetime.date(2026, 10, 1),
                datetime.date(2026, 11, 1))
        self.assertEqual(len(sheet), 4)
        self.assertEqual(sheet[0][:5], ["瑞金医院", 'A', "华东大区 / 上海 / 上海市",
                "辉瑞制药", 3])

    @with_transaction()
    def test_competitor_customers(self):
        "A competitor's biggest hospitals, with its share there"
        pool = Pool()
        Flow = pool.get('pharma.flow.line')
        Party = pool.get('party.party')
        MarketData = pool.get('pharma.market.data')
        Share = pool.get('pharma.market.share')
        Observation = pool.get('pharma.competitor.observation')
        Competitor = pool.get('pharma.competitor')
        CProduct = pool.get('pharma.competitor.product')
        Customer = pool.get('pharma.competitor.customer')
        company, shanghai, a, _, pfizer_party, product = self._setup()
        jiangsu = pool.get('pharma.territory')(name="江苏",
            level='province', code='JS')
        jiangsu.save()
        b, distributor, az_party = Party.create([
                {'name': "江苏省人民医院", 'pharma_type': 'hospital',
                    'territory': jiangsu.id, 'key_account': True,
                    'key_level': 'A'},
                {'name': "国药控股", 'pharma_type': 'distributor'},
                {'name': "阿斯利康", 'pharma_type': 'manufacturer'},
                ])
        pfizer, az = Competitor.create([
                {'party': pfizer_party.id}, {'party': az_party.id}])
        lipitor, = CProduct.create([{'competitor': pfizer.id,
                    'brand': "立普妥", 'generic_name': "阿托伐他汀钙",
                    'pack_size': 7}])
        october = datetime.date(2026, 10, 1)
        with set_company(company):
            def flow(hospital, quantity):
                return {'company': company.id,
                    'date': datetime.date(2026, 10, 12), 'month': october,
                    'distributor': distributor.id,
                    'customer_name': hospital.name, 'customer': hospital.id,
                    'product_name': product.rec_name, 'product': product.id,
                    'quantity': quantity}
            # ours: 70 tablets in A, 21 in B
            Flow.create([flow(a, 10), flow(b, 3)])
            # A is measured: Pfizer 280, AstraZeneca 350
            MarketData.create([
                    {'month': october, 'hospital': a.id,
                        'generic_name': "阿托伐他汀钙",
                        'manufacturer': pfizer_party.id, 'units': 280},
                    {'month': october, 'hospital': a.id,
                        'generic_name': "阿托伐他汀钙",
                        'manufacturer': az_party.id, 'units': 350},
                    ])
            Observation.create([
                    # B is estimated: 7 packs of 7 of Pfizer's
                    {'date': datetime.date(2026, 10, 8), 'hospital': b.id,
                        'competitor_product': lipitor.id, 'kind': 'volume',
                        'volume': 7, 'source': 'report'},
                    # ignored: A has market data for the molecule and month
                    {'date': datetime.date(2026, 10, 9), 'hospital': a.id,
                        'competitor_product': lipitor.id, 'kind': 'volume',
                        'volume': 100, 'source': 'report'},
                    ])
            Share.compute(october)
            with Transaction().set_context(
                    from_month=october, to_month=october):
                rows = Customer.search([('competitor', '=', pfizer.id)])
                self.assertEqual([(r.rank, r.hospital) for r in rows],
                    [(1, a), (2, b)])
                first, second = rows
                self.assertEqual(first.units, 280)
                self.assertEqual(first.market_units, 70 + 280 + 350)
                self.assertAlmostEqual(first.share, 40.0)
                self.assertAlmostEqual(first.our_share, 10.0)
                self.assertEqual(first.territory, shanghai)
                self.assertEqual(second.units, 49)
                self.assertAlmostEqual(second.share, 70.0)
                self.assertAlmostEqual(second.our_share, 30.0)
                self.assertTrue(second.key_account)
                row, = Customer.search([('competitor', '=', az.id)])
                self.assertEqual((row.rank, row.hospital, row.share),
                    (1, a, 50.0))
                self.assertEqual(len({r.id for r in Customer.search([])}), 3)

                # a regional manager sees the hospitals of his territory
                manager = create_employee(company, "王经理")
                jiangsu.manager = manager
                jiangsu.save()
                user = create_user('mgr_customers', company, manager,
                    ['group_pharma_manager'])
                with Transaction().set_user(user.id), \
                        Transaction().set_context(_check_access=True):
                    self.assertEqual(
                        [r.hospital.id for r in Customer.search([])],
                        [b.id])
            # another period has nothing
            with Transaction().set_context(
                    from_month=datetime.date(2026, 11, 1),
                    to_month=datetime.date(2026, 11, 1)):
                self.assertEqual(Customer.search([]), [])

    @with_transaction()
    def test_list_views_datetime_widget(self):
        "Every DateTime shown in a list has a date/time widget"
        self.assertEqual(tree_datetime_without_widget(self.module), [])


    @with_transaction()
    def test_graphs_never_add_up_ratios(self):
        "No graph of the suite sums shares, rates or prices"
        from lxml import etree
        pool = Pool()
        View = pool.get('ir.ui.view')
        # ratios and prices: summed by the graph they mean nothing
        ratios = {'share', 'previous_share', 'change', 'done_rate',
            'win_rate', 'winning_price', 'rate', 'attainment'}
        # graphs whose rows have one x each (a trend of one territory and
        # molecule or area per month, opened by its wizard)
        unique_x = {('pharma.market.share.territory', 'month'),
            ('pharma.market.share.area', 'month')}
        found = []
        for view in View.search([
                    ('type', '=', 'graph'),
                    ('module', 'like', 'pharma_%'),
                    ]):
            arch = etree.fromstring(view.arch.encode('utf-8'))
            xs = [f.get('name') for f in arch.xpath('//x/field')]
            ys = [f.get('name') for f in arch.xpath('//y/field')]
            if any((view.model, x) in unique_x for x in xs):
                continue
            found.extend((view.model, view.name, y) for y in ys
                if y in ratios)
        self.assertEqual(found, [])



del ModuleTestCase
