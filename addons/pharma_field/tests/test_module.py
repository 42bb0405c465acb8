# This file is part of the pharma suite. See README.md for license terms.
import contextlib
import datetime
import uuid

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import CompanyTestMixin, create_company
from trytond.modules.pharma_field.geo import (
    distance, gcj02_to_wgs84, wgs84_to_gcj02)
from trytond.modules.pharma_hospital.tests.checks import (
    tree_datetime_without_widget)
from trytond.modules.pharma_hospital.tests.tools import create_staff
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

# 瑞金医院, as Amap gives it (GCJ-02)
RUIJIN_GCJ = (31.211767, 121.469264)


def uid():
    return uuid.uuid4().hex


def iso(value):
    return value.replace(microsecond=0).isoformat() + 'Z'


class PharmaFieldTestCase(CompanyTestMixin, ModuleTestCase):
    "Test pharma_field module"
    module = 'pharma_field'

    @with_transaction()
    def test_config_company_values(self):
        """The check-in settings and quick phrases are read per company
        through get_config, as the sync reads them"""
        pool = Pool()
        Configuration = pool.get('pharma.configuration')
        Phrase = pool.get('pharma.field.phrase')
        company = create_company()
        other = create_company(name="Other")
        values = Configuration.get_company_values(company.id)
        Phrase.create([{'configuration': values.id, 'text': "认可疗效"}])
        values.checkin_radius = 300
        values.save()
        config = Configuration.get_config(company.id)
        self.assertEqual(config.checkin_radius, 300)
        self.assertEqual([p.text for p in config.field_phrases], ["认可疗效"])
        config = Configuration.get_config(other.id)
        self.assertEqual(config.checkin_radius, 500)
        self.assertEqual(list(config.field_phrases), [])

    def _setup(self):
        """Company; manager1 supervises rep1 and rep2; hospital H1 (with
        GCJ-02 coordinates) and H2 (none); doctors D1 (rep1), D2 (rep2),
        D3 (rep1, at H2); a drug of ours"""
        pool = Pool()
        Party = pool.get('party.party')
        Coverage = pool.get('pharma.coverage')
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        Date = pool.get('ir.date')
        today = Date.today()
        company = create_company()
        data = {'company': company, 'today': today}
        for login, (employee, user) in create_staff(company, [
                    ('manager1', ['manager'], None),
                    ('rep1', ['rep'], 'manager1'),
                    ('rep2', ['rep'], 'manager1'),
                    ], registration='R-').items():
            data[login] = employee
            data[login + '_user'] = user
        h1, h2 = Party.create([{
                    'name': "瑞金医院", 'pharma_type': 'hospital',
                    'latitude': RUIJIN_GCJ[0], 'longitude': RUIJIN_GCJ[1],
                    'coordinate_system': 'gcj02',
                    }, {
                    'name': "华山医院", 'pharma_type': 'hospital',
                    }])
        d1, d2, d3 = Party.create([{
                    'name': "曾医生", 'pharma_type': 'doctor',
                    'hospital': h1.id, 'doctor_tier': 'A',
                    }, {
                    'name': "王医生", 'pharma_type': 'doctor',
                    'hospital': h1.id, 'doctor_tier': 'B',
                    }, {
                    'name': "李医生", 'pharma_type': 'doctor',
                    'hospital': h2.id, 'doctor_tier': 'C',
                    }])
        start = today - datetime.timedelta(days=30)
        Coverage.create([{
                    'company': company.id, 'employee': data[rep].id,
                    'party': party.id, 'role': 'primary',
                    'start_date': start,
                    } for rep, party in [
                    ('rep1', h1), ('rep1', d1), ('rep1', d3),
                    ('rep2', d2)]])
        unit, = Uom.search([('symbol', '=', 'u')])
        template, = Template.create([{
                    'name': "达格列净片", 'type': 'goods',
                    'default_uom': unit.id, 'is_pharma': True,
                    'products': [('create', [{}])],
                    }])
        data.update({'h1': h1, 'h2': h2, 'd1': d1, 'd2': d2, 'd3': d3,
                'product': template.products[0]})
        return data

    def _as(self, data, login):
        "Context manager: the RPC conditions of the user"
        transaction = Transaction()
        stack = contextlib.ExitStack()
        stack.enter_context(transaction.set_user(data[login + '_user'].id))
        stack.enter_context(transaction.set_context(
                _check_access=True, company=data['company'].id,
                employee=data[login].id))
        return stack

    def _item(self, data, doctor, when=None, **kwargs):
        when = when or datetime.datetime.now()
        item = {
            'client_id': uid(),
            'party': data[doctor].id,
            'date': iso(when),
            'call_type': 'face_to_face',
            'products': [data['product'].id],
            'feedback': "认可疗效",
            'checkin': None,
            }
        item.update(kwargs)
        return item

    def _fix(self, lat, lng, when=None, accuracy=20):
        return {'lat': lat, 'lng': lng, 'accuracy': accuracy,
            'time': iso(when or datetime.datetime.now())}

    def _calls(self, data, login):
        Call = Pool().get('pharma.call')
        return Call.search([('employee', '=', data[login].id),
                ('client_id', '!=', None)])

    def test_geo(self):
        "GCJ-02 round trip and the offset in Shanghai"
        lat, lng = 31.2, 121.45
        glat, glng = wgs84_to_gcj02(lat, lng)
        self.assertGreater(distance(lat, lng, glat, glng), 300)
        back = gcj02_to_wgs84(glat, glng)
        self.assertLess(distance(lat, lng, *back), 0.05)

    @with_transaction()
    def test_list_datetime_widgets(self):
        "No list view of the module shows a DateTime without a widget"
        self.assertEqual(tree_datetime_without_widget(self.module), [])

    @with_transaction()
    def test_import_coordinates(self):
        """The hospital import reads 纬度, 经度 and 坐标系 (full-width digits,
        a title row, 高德/百度 names); a latitude out of range or without
        its longitude is refused with its row and column"""
        import io
        import openpyxl
        pool = Pool()
        Party = pool.get('party.party')
        Engine = pool.get('pharma.import.engine')

        def xlsx(rows):
            workbook = openpyxl.Workbook()
            for row in rows:
                workbook.active.append(list(row))
            workbook.active.merge_cells('A1:D1')
            output = io.BytesIO()
            workbook.save(output)
            return output.getvalue()
        head = ["医院坐标表"]
        header = ["医院名称", "纬度", "经度", "坐标系"]
        rows = [head, header,
            ["坐标一院", "３１.２１１７６７", "121.469264", "高德"],
            ["坐标二院", "31.2", "121.45", "百度地图"],
            ["坐标三院", "31.2", "121.45", ""]]
        job = Engine.run('hospitals', xlsx(rows), filename='test')
        self.assertEqual(job.errors, [])
        first, second, third = [Party.search([('name', '=', n)])[0]
            for n in ["坐标一院", "坐标二院", "坐标三院"]]
        self.assertEqual((first.latitude, first.longitude,
                first.coordinate_system), (31.211767, 121.469264, 'gcj02'))
        self.assertEqual(second.coordinate_system, 'bd09')
        self.assertEqual(third.coordinate_system, 'gcj02')
        bad = [head, header,
            ["坐标四院", "91", "121.45", "GPS"],
            ["坐标五院", "31.2", "", "WGS-84"]]
        job = Engine.run('hospitals', xlsx(bad), filename='test')
        self.assertEqual(job.refused, 2)
        self.assertEqual([(e['row'], e['column']) for e in job.errors],
            [(3, 'B'), (4, 'C')])
        self.assertIn("91", job.errors[0]['message'])
        self.assertFalse(Party.search([('name', '=', "坐标四院")]))

    @with_transaction()
    def test_pull_only_readable(self):
        "rep1 downloads its covered doctors, never rep2's"
        data = self._setup()
        Sync = Pool().get('pharma.field.sync')
        with self._as(data, 'rep1'):
            bundle = Sync.pull()
        ids = {d['id'] for d in bundle['doctors']}
        self.assertEqual(ids, {data['d1'].id, data['d3'].id})
        self.assertNotIn(data['d2'].id, ids)
        self.assertNotIn('王医生', str(bundle))
        hospital = {h['id']: h for h in bundle['hospitals']}[data['h1'].id]
        # sent in WGS-84: about 500 m from the GCJ-02 point
        self.assertGreater(distance(hospital['lat'], hospital['lng'],
                *RUIJIN_GCJ), 300)
        self.assertEqual([p['id'] for p in bundle['products']],
            [data['product'].id])

    @with_transaction()
    def test_pull_registration(self):
        """The phone gets the rep's registration number (备案号), and the
        log sheet, where the rep checks in, shows it to the reception"""
        import os
        from .. import routes
        data = self._setup()
        pool = Pool()
        Sync = pool.get('pharma.field.sync')
        Employee = pool.get('company.employee')
        with self._as(data, 'rep1'):
            user = Sync.pull()['user']
        self.assertEqual((user['registration'], user['registered']),
            ('R-rep1', True))
        Employee.write([data['rep1']], {
                'rep_registration_status': 'expired'})
        with self._as(data, 'rep1'):
            user = Sync.pull()['user']
        self.assertEqual((user['registration'], user['registered']),
            ('R-rep1', False))
        with open(os.path.join(routes.STATIC, 'app.js'),
                encoding='utf-8') as fileobj:
            app = fileobj.read()
        # the sheet (check-in) and the 我的 page render it
        self.assertIn("'<div id=\"checkin\" class=\"checkin\"></div>' +\n"
            "      receptionCard(d) +", app)
        self.assertIn("'备案号：<b id=\"registration\">'", app)
        self.assertIn("registrationHtml() + '</div></div>'", app)

    @with_transaction()
    def test_push_idempotent(self):
        "A queue sent twice, or cut after the first call, creates each once"
        data = self._setup()
        Sync = Pool().get('pharma.field.sync')
        items = [self._item(data, 'd1'), self._item(data, 'd3'),
            self._item(data, 'd1')]
        with self._as(data, 'rep1'):
            first = Sync.push(items[:1])
            self.assertEqual([r['status'] for r in first], ['created'])
            results = Sync.push(items)
            self.assertEqual([r['status'] for r in results],
                ['exists', 'created', 'created'])
            again = Sync.push(items)
            self.assertEqual([r['status'] for r in again], ['exists'] * 3)
        calls = self._calls(data, 'rep1')
        self.assertEqual(len(calls), 3)
        self.assertEqual({c.state for c in calls}, {'done'})
        self.assertEqual({c.entered_by for c in calls}, {data['rep1_user']})
        self.assertEqual({c.client_id for c in calls},
            {i['client_id'] for i in items})

    @with_transaction()
    def test_push_rules(self):
        """A call on a doctor rep1 does not cover is refused with a reason
        that names nothing; the other calls of the queue are created"""
        data = self._setup()
        pool = Pool()
        Sync = pool.get('pharma.field.sync')
        Employee = pool.get('company.employee')
        items = [self._item(data, 'd2'), self._item(data, 'd1')]
        with self._as(data, 'rep1'):
            results = Sync.push(items)
        self.assertEqual([r['status'] for r in results],
            ['refused', 'created'])
        self.assertNotIn('王医生', results[0]['message'])
        self.assertEqual(len(self._calls(data, 'rep1')), 1)
        # rep registration: the server checks it again at sync
        Employee.write([data['rep1']], {
                'rep_registration_status': 'expired'})
        item = self._item(data, 'd1')
        with self._as(data, 'rep1'):
            result, = Sync.push([item])
        self.assertEqual(result['status'], 'refused', result)
        self.assertTrue(result['message'])
        self.assertEqual(len(self._calls(data, 'rep1')), 1)

    @with_transaction()
    def test_evidence_not_writable(self):
        "A client cannot write the check-in evidence through RPC"
        data = self._setup()
        Sync = Pool().get('pharma.field.sync')
        Call = Pool().get('pharma.call')
        with self._as(data, 'rep1'):
            Sync.push([self._item(data, 'd1')])
            call, = self._calls(data, 'rep1')
            with self.assertRaises(AccessError):
                Call.write([call], {'checkin_flagged': False})
            with self.assertRaises(AccessError):
                Call.write([call], {'client_id': uid()})

    @with_transaction()
    def test_checkin_flags(self):
        "Inside, outside, without a fix, clock off, impossible travel"
        data = self._setup()
        Sync = Pool().get('pharma.field.sync')
        now = datetime.datetime.now()
        inside = gcj02_to_wgs84(*RUIJIN_GCJ)
        # 3 km north
        outside = (inside[0] + 0.027, inside[1])
        earlier = now - datetime.timedelta(hours=3)
        items = [
            self._item(data, 'd1', when=earlier,
                checkin=self._fix(*inside, when=earlier)),
            self._item(data, 'd1', when=earlier, call_type='phone'),
            self._item(data, 'd1', when=now - datetime.timedelta(hours=2),
                checkin=None),
            self._item(data, 'd1', when=now - datetime.timedelta(hours=1),
                checkin=self._fix(*outside,
                    when=now - datetime.timedelta(hours=1))),
            ]
        with self._as(data, 'rep1'):
            results = Sync.push(items, sent_at=iso(now))
        self.assertEqual({r['status'] for r in results}, {'created'}, results)
        Call = Pool().get('pharma.call')
        calls = {r['client_id']: Call(r['call']) for r in results}
        ok, phone, nofix, far = [calls[i['client_id']] for i in items]
        self.assertFalse(ok.checkin_flagged)
        self.assertLess(ok.checkin_distance, 50)
        self.assertFalse(phone.checkin_flagged)
        self.assertTrue(nofix.checkin_no_fix)
        self.assertTrue(nofix.checkin_flagged)
        self.assertTrue(far.checkin_outside)
        self.assertGreater(far.checkin_distance, 2500)
        self.assertFalse(far.checkin_travel)
        self.assertIsNotNone(far.checkin_server_time)

        # the clock: a phone 2 hours behind the server
        late = now - datetime.timedelta(hours=2)
        item = self._item(data, 'd1', when=late,
            checkin=self._fix(*inside, when=late))
        with self._as(data, 'rep1'):
            result, = Sync.push([item], sent_at=iso(late))
        call = Call(result['call'])
        self.assertTrue(call.checkin_clock)
        self.assertTrue(call.checkin_flagged)

        # impossible travel: 300 km away 10 minutes after a check-in
        hangzhou = (30.27, 120.16)
        when = now - datetime.timedelta(minutes=50)
        item = self._item(data, 'd1', when=when,
            checkin=self._fix(*hangzhou, when=when))
        with self._as(data, 'rep1'):
            result, = Sync.push([item], sent_at=iso(now))
        call = Call(result['call'])
        self.assertTrue(call.checkin_travel)
        self.assertTrue(call.checkin_outside)

        # the manager's weekly report counts them; rep2 sees nothing
        Week = Pool().get('pharma.field.checkin.week')
        with self._as(data, 'manager1'):
            rows = Week.search([('employee', '=', data['rep1'].id)])
            self.assertEqual(sum(r.calls for r in rows), 6)
            self.assertEqual(sum(r.flagged for r in rows), 4)
            self.assertEqual(sum(r.travel for r in rows), 1)

    @with_transaction()
    def test_conflict(self):
        """A planned call changed or cancelled by the manager is a conflict,
        resolved by the rep: 'force' completes it, 'new' logs apart"""
        data = self._setup()
        pool = Pool()
        Sync = pool.get('pharma.field.sync')
        Call = pool.get('pharma.call')
        tomorrow = datetime.datetime.now() + datetime.timedelta(days=1)
        planned, cancelled = Call.create([{
                    'company': data['company'].id,
                    'employee': data['rep1'].id,
                    'party': data['d1'].id,
                    'date': tomorrow,
                    }, {
                    'company': data['company'].id,
                    'employee': data['rep1'].id,
                    'party': data['d1'].id,
                    'date': tomorrow,
                    }])
        with self._as(data, 'rep1'):
            bundle = Sync.pull()
        plans = {p['id']: p for p in bundle['plans']}
        self.assertIn(planned.id, plans)
        # the manager moves one and cancels the other
        Call.write([planned], {'date': tomorrow + datetime.timedelta(
                        hours=2)})
        Call.cancel([cancelled])
        item1 = self._item(data, 'd1', plan=planned.id,
            plan_version=plans[planned.id]['version'])
        item2 = self._item(data, 'd1', plan=cancelled.id,
            plan_version=plans[cancelled.id]['version'])
        with self._as(data, 'rep1'):
            results = Sync.push([item1, item2])
        self.assertEqual([r['status'] for r in results],
            ['conflict', 'conflict'])
        self.assertEqual(results[1]['reason'], 'cancelled')
        self.assertEqual(self._calls(data, 'rep1'), [])
        self.assertEqual(Call(planned.id).state, 'planned')
        # resolved by the rep
        item1['resolution'] = 'force'
        item2['resolution'] = 'new'
        with self._as(data, 'rep1'):
            results = Sync.push([item1, item2])
        self.assertEqual([r['status'] for r in results],
            ['created', 'created'])
        self.assertEqual(results[0]['call'], planned.id)
        # sent again: the completed plan (entered by another user) exists
        with self._as(data, 'rep1'):
            again = Sync.push([item1, item2])
        self.assertEqual([r['status'] for r in again], ['exists', 'exists'])
        self.assertEqual(Call(planned.id).state, 'done')
        self.assertEqual(Call(cancelled.id).state, 'cancelled')
        self.assertEqual(len(self._calls(data, 'rep1')), 2)

    @with_transaction()
    def test_coverage_shrinks(self):
        "A doctor no longer covered leaves the next download"
        data = self._setup()
        pool = Pool()
        Sync = pool.get('pharma.field.sync')
        Coverage = pool.get('pharma.coverage')
        with self._as(data, 'rep1'):
            before = {d['id'] for d in Sync.pull()['doctors']}
        self.assertIn(data['d3'].id, before)
        coverage, = Coverage.search([('party', '=', data['d3'].id)])
        Coverage.write([coverage], {
                'end_date': data['today'] - datetime.timedelta(days=1)})
        with self._as(data, 'rep1'):
            after = {d['id'] for d in Sync.pull()['doctors']}
            result, = Sync.push([self._item(data, 'd3')])
        self.assertEqual(after, {data['d1'].id})
        self.assertEqual(result['status'], 'refused')

    def _pull_all(self, cursor=None, page_size=None):
        "The pages of one download: (pages, cursor of the next sync)"
        Sync = Pool().get('pharma.field.sync')
        pages = []
        while True:
            page = Sync.pull(cursor, page_size)
            pages.append(page)
            cursor = page['cursor']
            if not page['more']:
                return pages, cursor
            self.assertLess(len(pages), 50)

    def _backdate(self, hours=2):
        "Everything written so far happened hours ago (before the cursor)"
        from sql import Table
        cursor = Transaction().connection.cursor()
        shift = datetime.timedelta(hours=hours)
        now = datetime.datetime.now() - shift
        for name in ['party_party', 'pharma_coverage', 'pharma_call',
                'pharma_call_product']:
            table = Table(name)
            cursor.execute(*table.update(
                    [table.create_date, table.write_date],
                    [now, None]))
        for cache in Transaction().cache.values():
            cache.clear()

    @with_transaction()
    def test_pull_pages_cursor_removals(self):
        """The first download comes in pages with a cursor (every covered
        doctor once, rep2's never); the next sync brings only the doctors
        changed or newly covered since, the last calls of the doctors
        whose calls changed, and the doctors to drop (coverage ended,
        deactivated); the small sets (plans) come in full"""
        data = self._setup()
        pool = Pool()
        Party = pool.get('party.party')
        Coverage = pool.get('pharma.coverage')
        Call = pool.get('pharma.call')
        Sync = pool.get('pharma.field.sync')
        extra = Party.create([{
                    'name': "测试医生%d" % i, 'pharma_type': 'doctor',
                    'hospital': data['h1'].id,
                    } for i in range(7)])
        Coverage.create([{
                    'company': data['company'].id,
                    'employee': data['rep1'].id, 'party': p.id,
                    'role': 'primary',
                    'start_date': data['today'] - datetime.timedelta(days=9),
                    } for p in extra])
        tomorrow = datetime.datetime.now() + datetime.timedelta(days=1)
        plan, = Call.create([{
                    'company': data['company'].id,
                    'employee': data['rep1'].id, 'party': data['d1'].id,
                    'date': tomorrow}])
        expected = {data['d1'].id, data['d3'].id} | {p.id for p in extra}

        with self._as(data, 'rep1'):
            # a cursor from nowhere, or of another user: a first download
            pages, cursor = self._pull_all('bm90IGEgY3Vyc29y', page_size=4)
        self.assertEqual([len(p['doctors']) for p in pages], [4, 4, 1])
        self.assertEqual([p['first'] for p in pages], [True, False, False])
        self.assertEqual({p['full'] for p in pages}, {True})
        ids = [d['id'] for p in pages for d in p['doctors']]
        self.assertEqual(len(ids), len(set(ids)))
        self.assertEqual(set(ids), expected)
        self.assertNotIn(data['d2'].id, ids)
        self.assertNotIn('王医生', str(pages))
        # the small sets on the first page only, the count on the last
        self.assertIn('plans', pages[0])
        self.assertNotIn('plans', pages[1])
        self.assertEqual([p['id'] for p in pages[0]['plans']], [plan.id])
        self.assertEqual(pages[-1]['doctor_count'], len(expected))
        # each page's calls are its doctors' last calls
        for page in pages:
            self.assertLessEqual({c['party'] for c in page['calls']},
                {d['id'] for d in page['doctors']})

        # a call logged, then nothing changes: the next sync brings nothing
        with self._as(data, 'rep1'):
            created, = Sync.push([self._item(data, 'd1')])
        self._backdate()
        with self._as(data, 'rep1'):
            pages2, cursor2 = self._pull_all(cursor, page_size=4)
        self.assertEqual(len(pages2), 1)
        page, = pages2
        self.assertFalse(page['full'])
        self.assertTrue(page['first'])
        self.assertEqual(page['doctors'], [])
        self.assertEqual(page['removed'], {'doctors': []})
        self.assertEqual(page['calls'], [])
        self.assertEqual(page['doctor_count'], len(expected))

        # changes: a doctor renamed, one newly covered, one no longer
        # covered (handed over), one deactivated, the plan cancelled,
        # a call of the manager on another doctor
        new, = Party.create([{'name': "新医生", 'pharma_type': 'doctor',
                    'hospital': data['h1'].id}])
        Coverage.create([{
                    'company': data['company'].id,
                    'employee': data['rep1'].id, 'party': new.id,
                    'role': 'primary', 'start_date': data['today']}])
        Party.write([extra[0]], {'name': "改名医生"})
        coverage, = Coverage.search([('party', '=', data['d3'].id)])
        Coverage.write([coverage], {
                'end_date': data['today'] - datetime.timedelta(days=1)})
        Party.write([extra[1]], {'active': False})
        Call.cancel([plan])
        other, = Call.create([{
                    'company': data['company'].id,
                    'employee': data['rep1'].id, 'party': extra[2].id,
                    'date': datetime.datetime.now()
                    - datetime.timedelta(hours=1)}])
        Call.do([other])
        with self._as(data, 'rep1'):
            pages3, cursor3 = self._pull_all(cursor2, page_size=1)
        self.assertEqual({p['full'] for p in pages3}, {False})
        self.assertEqual([d['id'] for p in pages3 for d in p['doctors']],
            sorted([new.id, extra[0].id]))
        self.assertEqual(len(pages3), 2)
        self.assertEqual(pages3[0]['removed'],
            {'doctors': sorted([data['d3'].id, extra[1].id])})
        self.assertEqual(pages3[0]['plans'], [])
        self.assertIn(extra[2].id, pages3[0]['call_doctors'])
        self.assertIn(other.id, [c['id'] for p in pages3
                for c in p['calls']])
        held = (expected | {new.id}) - {data['d3'].id, extra[1].id}
        self.assertEqual(pages3[-1]['doctor_count'], len(held))
        self.assertNotIn('王医生', str(pages3))
        # the cursor of another user is not theirs: rep2 starts again
        with self._as(data, 'rep2'):
            page = Sync.pull(cursor3)
        self.assertTrue(page['full'])
        self.assertEqual([d['id'] for d in page['doctors']],
            [data['d2'].id])

    @with_transaction()
    def test_push_batch(self):
        """A day's queue is created in one batch (one create, one do);
        a call the rules refuse in the batch makes each call go alone:
        it is refused with its reason, the others are created once"""
        from unittest import mock
        data = self._setup()
        pool = Pool()
        Sync = pool.get('pharma.field.sync')
        Call = pool.get('pharma.call')
        now = datetime.datetime.now()
        items = [self._item(data, ('d1', 'd3')[i % 2],
                when=now - datetime.timedelta(minutes=30 * (15 - i)))
            for i in range(15)]
        # twice in the queue
        items.append(dict(items[0]))
        with self._as(data, 'rep1'), \
                mock.patch.object(Call, 'create', wraps=Call.create) \
                as create, \
                mock.patch.object(Call, 'do', wraps=Call.do) as do:
            results = Sync.push(items, sent_at=iso(now))
        self.assertEqual([r['status'] for r in results],
            ['created'] * 15 + ['exists'])
        self.assertEqual(results[-1]['call'], results[0]['call'])
        self.assertEqual(create.call_count, 1)
        self.assertEqual(len(create.call_args[0][0]), 15)
        self.assertEqual(do.call_count, 1)
        self.assertEqual(len(self._calls(data, 'rep1')), 15)

        # a sample without a sample location: refused at do, in the batch
        good = [self._item(data, 'd1'), self._item(data, 'd3')]
        bad = self._item(data, 'd1', samples=[
                {'product': data['product'].id, 'quantity': 2}])
        hidden = self._item(data, 'd2')
        with self._as(data, 'rep1'):
            results = Sync.push([good[0], bad, hidden, good[1]])
        self.assertEqual([r['status'] for r in results],
            ['created', 'refused', 'refused', 'created'])
        self.assertTrue(results[1]['message'])
        self.assertNotIn('王医生', results[2]['message'])
        self.assertEqual(len(self._calls(data, 'rep1')), 17)
        with self._as(data, 'rep1'):
            again = Sync.push([good[0], bad, hidden, good[1]])
        self.assertEqual([r['status'] for r in again],
            ['exists', 'refused', 'refused', 'exists'])
        self.assertEqual(len(self._calls(data, 'rep1')), 17)

    @with_transaction()
    def test_manager_own_calls(self):
        """manager1 uses the app on a joint visit: it downloads its team's
        doctors it may read (no others), and the calls it logs are its
        own (even when its context names a rep)"""
        data = self._setup()
        pool = Pool()
        Party = pool.get('party.party')
        Sync = pool.get('pharma.field.sync')
        Call = pool.get('pharma.call')
        stranger, = Party.create([{'name': "无关医生",
                    'pharma_type': 'doctor', 'hospital': data['h1'].id}])
        with self._as(data, 'manager1'):
            pages, _ = self._pull_all()
            doctors = {d['id'] for p in pages for d in p['doctors']}
            readable = {p.id for p in Party.search([
                        ('id', 'in', list(doctors | {stranger.id}))])}
        # the team's doctors (rep1's and rep2's), read by the manager
        self.assertEqual(doctors, readable)
        self.assertEqual(doctors,
            {data['d1'].id, data['d2'].id, data['d3'].id})
        self.assertIn(data['d1'].id, doctors)
        self.assertNotIn(stranger.id, doctors)
        self.assertEqual(pages[0]['user']['employee'], data['manager1'].id)
        item = self._item(data, 'd1', call_type='joint_visit',
            joint_employee=data['rep1'].id)
        with self._as(data, 'manager1'), Transaction().set_context(
                employee=data['rep1'].id):
            result, = Sync.push([item])
        self.assertEqual(result['status'], 'created', result)
        call = Call(result['call'])
        self.assertEqual(call.employee, data['manager1'])
        self.assertEqual(call.entered_by, data['manager1_user'])
        self.assertEqual(call.joint_employee, data['rep1'])
        self.assertEqual(call.state, 'done')
        # a doctor outside the manager's rules is refused, naming nothing
        with self._as(data, 'manager1'):
            result, = Sync.push([self._item(data, 'd1',
                        party=stranger.id)])
        self.assertEqual(result['status'], 'refused')
        self.assertNotIn('无关医生', result['message'])
        # the rep does not download it as its own
        with self._as(data, 'rep1'):
            pages, _ = self._pull_all()
        self.assertNotIn(call.id, [p['id'] for p in pages[0]['plans']])


    @with_transaction()
    def test_demo_registers_supervisors(self):
        """The demo registers the reps' supervisors as reps: manager1's
        joint visits logged in the app pass the registration check"""
        from trytond.modules.pharma_field import demo
        data = self._setup()
        pool = Pool()
        Employee = pool.get('company.employee')
        Sync = pool.get('pharma.field.sync')
        Employee.write([data['manager1']], {
                'rep_registration_status': 'none',
                'rep_registration_number': None})
        item = self._item(data, 'd1', call_type='joint_visit',
            joint_employee=data['rep1'].id)
        with self._as(data, 'manager1'):
            result, = Sync.push([item])
        self.assertEqual(result['status'], 'refused', result)
        demo.create_demo({'pool': pool, 'company': data['company'],
                'progress': lambda message: None, 'today': data['today']})
        manager = Employee(data['manager1'].id)
        self.assertEqual(manager.rep_registration_status, 'registered')
        self.assertTrue(manager.rep_registration_number)
        # the reps are left as they are
        self.assertEqual(Employee(data['rep1'].id).rep_registration_number,
            'R-rep1')
        with self._as(data, 'manager1'):
            result, = Sync.push([item])
        self.assertEqual(result['status'], 'created', result)


del ModuleTestCase
