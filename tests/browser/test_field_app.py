# This file is part of the pharma suite. See README.md for license terms.
"""Browser tests of the reps' phone app (pharma_field) in headless Chromium
with a phone's screen (360x800, touch, Asia/Shanghai, zh-CN):

1. rep1 logs in; what the phone downloads holds none of rep2's doctors;
   the app goes offline, reloads from its service worker and IndexedDB,
   logs three calls (two from today's list, one found by pinyin
   initials), comes back online and syncs; the first sync is cut after
   the server answered (the phone never sees the answer), the second
   finds the calls there: exactly three calls on the server; the same
   queue sent again still makes three.
2. a planned call cancelled by the manager after the phone downloaded it:
   the conflict is shown, the rep logs it as an unplanned call.
3. check-in inside and outside the hospital's radius (emulated
   geolocation): the outside one is flagged on the server.
4. a rep whose coverage shrank loses the doctor at the next sync.

Run alone:
    PHARMA_BROWSER=1 .venv/bin/python tests/run_module_tests.py \\
        --file tests/browser/test_field_app.py
Screenshots: tests/output/browser/field/*.png
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from helpers import (  # noqa: E402
    OUTPUT, TIMEOUT, BrowserTestCase, password)

HOSPITAL = '瑞金测试医院'
HOSPITAL2 = '华山测试医院'
# GCJ-02, as Amap gives it
HOSPITAL_GCJ = (31.211767, 121.469264)
# the same point in WGS-84 (what a phone's GPS reports there)
HOSPITAL_WGS = (31.213694, 121.464760)
DOCTORS = {
    'd1': ('司马拜访', 'A'),
    'd2': ('上官随访', 'B'),
    'd3': ('欧阳远访', 'C'),
    'hidden': ('诸葛秘访', 'A'),
    }
PRODUCT = '达格列净片 10mg'
PRODUCT2 = '瑞舒伐他汀钙片 10mg'
SHOTS = os.path.join(OUTPUT, 'field')
PHONE = {
    'viewport': {'width': 360, 'height': 800},
    'device_scale_factor': 2,
    'is_mobile': True,
    'has_touch': True,
    'locale': 'zh-CN',
    'timezone_id': 'Asia/Shanghai',
    'user_agent': ('Mozilla/5.0 (Linux; Android 13; Pixel 7) '
        'AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile '
        'Safari/537.36'),
    }


def shot(page, name):
    os.makedirs(SHOTS, exist_ok=True)
    path = os.path.join(SHOTS, re.sub(r'[^\w.-]+', '_', name) + '.png')
    page.screenshot(path=path, full_page=False)
    return path


class FieldAppTestCase(BrowserTestCase):
    modules = ['pharma_field']
    database = 'field'

    @classmethod
    def setup_database(cls, server):
        cls.ids = server.run_python('''
            import datetime
            from decimal import Decimal
            from trytond.modules.pharma_hospital.company_time import (
                utc_start)
            Party = pool.get('party.party')
            Department = pool.get('pharma.hospital.department')
            Coverage = pool.get('pharma.coverage')
            Employee = pool.get('company.employee')
            User = pool.get('res.user')
            Uom = pool.get('product.uom')
            Template = pool.get('product.template')
            Call = pool.get('pharma.call')
            Configuration = pool.get('pharma.configuration')
            Phrase = pool.get('pharma.field.phrase')
            ModelData = pool.get('ir.model.data')
            Date = pool.get('ir.date')
            today = Date.today()
            users = {u.login: u for u in User.search([
                        ('login', 'in', ['rep1', 'rep2', 'manager1'])])}
            rep1, rep2 = users['rep1'].employee, users['rep2'].employee
            Employee.write([rep1, rep2], {
                    'rep_registration_status': 'registered',
                    'rep_registration_date': datetime.date(2024, 1, 1),
                    })
            for e in [rep1, rep2]:
                e.rep_registration_number = 'SH-BA-%%05d' %% e.id
            Employee.save([rep1, rep2])
            hospital, hospital2 = Party.create([{
                        'name': %(hospital)r, 'pharma_type': 'hospital',
                        'latitude': %(lat)r, 'longitude': %(lng)r,
                        'coordinate_system': 'gcj02',
                        }, {
                        'name': %(hospital2)r, 'pharma_type': 'hospital',
                        }])
            department, = Department.create([{
                        'hospital': hospital.id, 'name': '心内科'}])
            doctors = {}
            for key, (name, tier) in %(doctors)r.items():
                doctors[key], = Party.create([{
                            'name': name, 'pharma_type': 'doctor',
                            'hospital': hospital.id,
                            'department': department.id,
                            'doctor_tier': tier,
                            }])
            start = today - datetime.timedelta(days=60)
            Coverage.create([{
                        'company': company.id, 'employee': e.id,
                        'party': p.id, 'role': 'primary',
                        'start_date': start,
                        } for e, p in [(rep1, hospital), (rep1, doctors['d1']),
                        (rep1, doctors['d2']), (rep1, doctors['d3']),
                        (rep2, doctors['hidden'])]])
            unit = Uom(ModelData.get_id('product', 'uom_unit'))
            products = []
            for name in [%(product)r, %(product2)r]:
                template, = Template.create([{
                            'name': name, 'type': 'goods',
                            'default_uom': unit.id, 'is_pharma': True,
                            'list_price': Decimal('12.5'),
                            'products': [('create', [{}])],
                            }])
                products.append(template.products[0])
            config = Configuration.get_company_values(company.id)
            Phrase.create([{'configuration': config.id, 'sequence': i,
                        'text': t} for i, t in enumerate(
                        ['认可疗效，愿意试用', '关注价格和医保报销',
                            '需要更多临床证据'])])
            noon = utc_start(today) + datetime.timedelta(hours=10)
            plans = Call.create([{
                        'company': company.id, 'employee': rep1.id,
                        'party': doctors[k].id,
                        'date': noon + datetime.timedelta(hours=i),
                        'products': [('create', [{
                                        'product': products[0].id}])],
                        } for i, k in enumerate(['d1', 'd2', 'd3'])])
            # a done call of rep2 on its doctor (never on rep1's phone)
            hidden_call, = Call.create([{
                        'company': company.id, 'employee': rep2.id,
                        'party': doctors['hidden'].id,
                        'date': noon - datetime.timedelta(days=3),
                        'next_step': '秘密下一步',
                        }])
            Call.do([hidden_call])
            result.update(
                rep1=rep1.id, rep2=rep2.id,
                doctors={k: v.id for k, v in doctors.items()},
                products=[p.id for p in products],
                plans=[p.id for p in plans],
                hospital=hospital.id)
            ''' % {'hospital': HOSPITAL, 'hospital2': HOSPITAL2,
                'lat': HOSPITAL_GCJ[0], 'lng': HOSPITAL_GCJ[1],
                'doctors': DOCTORS, 'product': PRODUCT,
                'product2': PRODUCT2})

    # Helpers

    def app_url(self):
        return self.server.url + self.server.database + '/field/'

    def phone(self, where=HOSPITAL_WGS):
        context = self.browser.new_context(
            geolocation={'latitude': where[0], 'longitude': where[1],
                'accuracy': 25},
            permissions=['geolocation'], **PHONE)
        context.set_default_timeout(TIMEOUT)
        self.addCleanup(context.close)
        page = context.new_page()
        errors = []
        page.on('pageerror', lambda error: errors.append(str(error)))
        page.pharma_js_errors = errors
        return page

    def login(self, page, user):
        page.goto(self.app_url())
        page.fill('#user', user)
        page.fill('#password', password(user))
        with page.expect_response(
                lambda r: r.url.endswith('/field/api/pull')) as info:
            page.click('#loginform button[type=submit]')
        response = info.value
        self.assertEqual(response.status, 200)
        page.wait_for_selector('#tabs:not([hidden])')
        # the service worker controls the page (the shell is cached)
        page.evaluate('''async () => {
            await navigator.serviceWorker.ready;
            if (!navigator.serviceWorker.controller) {
                await new Promise((resolve) =>
                    navigator.serviceWorker.addEventListener(
                        'controllerchange', resolve));
            }
        }''')
        return response.body().decode('utf-8')

    def log_from_today(self, page, name, phrase=None, plan=None):
        "Tap the doctor's 记录拜访 on today's list, a phrase, 保存"
        if plan:
            page.click('button.go[data-plan-id="%d"]' % plan)
        else:
            card = page.locator('.card', has_text=name).filter(
                has=page.locator('button.go'))
            card.locator('button.go').click()
        page.wait_for_selector('#sheet:not([hidden]) #save')
        page.wait_for_function('''() => {
            const el = document.querySelector('#checkin');
            return el && !/正在获取/.test(el.textContent);
        }''')
        text = page.inner_text('#checkin')
        if phrase:
            page.locator('#phrases button', has_text=phrase).click()
        page.click('#save')
        page.wait_for_selector('#sheet', state='hidden')
        return text

    def server_calls(self, rep='rep1'):
        return self.server.run_python('''
            Call = pool.get('pharma.call')
            calls = Call.search([('employee', '=', %d),
                    ('client_id', '!=', None)], order=[('id', 'ASC')])
            result['calls'] = [{
                    'id': c.id, 'party': c.party.id, 'state': c.state,
                    'client_id': c.client_id,
                    'products': [l.product.id for l in c.products],
                    'feedback': [l.feedback for l in c.products],
                    'outside': c.checkin_outside,
                    'flagged': c.checkin_flagged,
                    'no_fix': c.checkin_no_fix,
                    'distance': c.checkin_distance,
                    } for c in calls]
            ''' % self.ids[rep])['calls']

    def wait_synced(self, page):
        "Wait until the queue is empty; say what stays in it otherwise"
        try:
            page.wait_for_function(
                '() => window.pharmaField.state.queue.length === 0'
                ' && !window.pharmaField.state.syncing')
        except Exception:
            raise AssertionError('the queue did not empty: %s; toast: %s'
                % (page.evaluate('JSON.stringify(window.pharmaField.state'
                        '.queue.map((q) => [q.status, q.message]))'),
                    page.inner_text('#toast')))

    def queue_length(self, page):
        return page.evaluate('window.pharmaField.state.queue.length')

    def assert_chinese(self, page):
        "No English word on the screen"
        text = page.inner_text('body')
        words = re.findall(r'[A-Za-z]{3,}', text)
        self.assertEqual(words, [], text)

    # Tests

    def test_1_offline_sync_idempotent(self):
        page = self.phone()
        bundle = self.login(page, 'rep1')
        data = json.loads(bundle)
        ids = self.ids['doctors']
        # what the phone received: rep1's doctors only
        self.assertEqual({d['id'] for d in data['doctors']},
            {ids['d1'], ids['d2'], ids['d3']})
        self.assertNotIn(DOCTORS['hidden'][0], bundle)
        self.assertNotIn('秘密下一步', bundle)
        self.assertNotIn(ids['hidden'], {c['party'] for c in data['calls']})
        page.wait_for_selector('.card >> text=' + DOCTORS['d1'][0])
        self.assert_chinese(page)
        shot(page, '1_today_online')
        before = len(self.server_calls())

        # offline: the shell from the service worker, the data from
        # IndexedDB
        page.context.set_offline(True)
        page.reload()
        page.wait_for_selector('#tabs:not([hidden])')
        self.assertEqual(page.inner_text('#net'), '离线')
        page.wait_for_selector('.card >> text=' + DOCTORS['d2'][0])
        shot(page, '2_today_offline')

        text = self.log_from_today(page, DOCTORS['d1'][0],
            phrase='认可疗效，愿意试用')
        self.assertIn('已签到定位', text)
        self.assertNotIn('超出', text)
        self.log_from_today(page, DOCTORS['d2'][0])
        # the third from the doctors' list, found by pinyin initials
        page.click('#tabs a[data-tab=doctors]')
        page.fill('#q', 'oy')
        page.wait_for_selector('#list .card >> text=' + DOCTORS['d3'][0])
        self.assertEqual(page.locator('#list .card').count(), 1)
        shot(page, '3_doctors_search')
        page.locator('#list .card button.go').click()
        page.wait_for_selector('#sheet:not([hidden]) #save')
        # products prefilled from the plan
        self.assertEqual(page.locator('#products button.on').count(), 1)
        shot(page, '4_log_sheet')
        self.assert_chinese(page)
        page.click('#save')
        page.wait_for_selector('#sheet', state='hidden')
        self.assertEqual(self.queue_length(page), 3)
        self.assertEqual(page.inner_text('#badge'), '3')
        self.assertEqual(len(self.server_calls()), before)

        # back online: the first sync is cut after the server answered
        sent = []

        def cut(route):
            sent.append(route.request.post_data)
            route.fetch()
            route.abort()
        page.route('**/field/api/push', cut)
        page.context.set_offline(False)
        page.wait_for_function('() => navigator.onLine')
        # coming online syncs by itself
        page.wait_for_function('() => !window.pharmaField.state.syncing'
            ' && document.querySelector("#net").textContent === "在线"')
        self.assertEqual(len(sent), 1)
        self.assertEqual(self.queue_length(page), 3)
        self.assertEqual(len(self.server_calls()), before + 3)
        page.unroute('**/field/api/push')

        # the next sync finds them there: still three, the queue empties
        page.click('#tabs a[data-tab=queue]')
        page.click('#sync')
        self.wait_synced(page)
        calls = self.server_calls()
        self.assertEqual(len(calls), before + 3)
        new = calls[before:]
        self.assertEqual({c['state'] for c in new}, {'done'})
        self.assertEqual({c['party'] for c in new},
            {ids['d1'], ids['d2'], ids['d3']})
        self.assertEqual(sum(1 for c in new if c['feedback'] == [
                    '认可疗效，愿意试用']), 1)
        self.assertFalse(any(c['outside'] or c['flagged'] for c in new))
        shot(page, '5_synced')

        # the same queue sent again: still three
        items = json.loads(sent[0])
        results = page.evaluate('''async (body) => {
            const s = window.pharmaField.state.session;
            const auth = 'Session ' + btoa(s.login + ':' + s.userid + ':'
                + s.token);
            const r = await fetch('api/push', {method: 'POST',
                headers: {'Content-Type': 'application/json',
                    'Authorization': auth}, body: body});
            return (await r.json()).results;
        }''', json.dumps(items))
        self.assertEqual([r['status'] for r in results], ['exists'] * 3)
        self.assertEqual(len(self.server_calls()), before + 3)
        # today's list: the planned calls are done
        page.click('#tabs a[data-tab=today]')
        self.assertEqual(page.locator('button.go').count(), 0)
        self.assertEqual(page.pharma_js_errors, [])

    def test_2_conflict(self):
        page = self.phone()
        ids = self.ids['doctors']
        plan = self.server.run_python('''
            import datetime
            from trytond.modules.pharma_hospital.company_time import (
                utc_start)
            Call = pool.get('pharma.call')
            Date = pool.get('ir.date')
            call, = Call.create([{
                    'company': company.id, 'employee': %d, 'party': %d,
                    'date': utc_start(Date.today())
                        + datetime.timedelta(hours=11),
                    }])
            result['id'] = call.id
            ''' % (self.ids['rep1'], ids['d1']))['id']
        self.login(page, 'rep1')
        before = len(self.server_calls())
        page.context.set_offline(True)
        self.log_from_today(page, DOCTORS['d1'][0], plan=plan)
        # meanwhile the manager cancels the planned call
        self.server.run_python('''
            Call = pool.get('pharma.call')
            Call.cancel([Call(%d)])
            ''' % plan)
        page.context.set_offline(False)
        page.wait_for_function('() => navigator.onLine')
        page.click('#tabs a[data-tab=queue]')
        page.click('#sync')
        page.wait_for_selector('.tag.warn >> text=有冲突')
        self.assertIn('经理已取消该计划拜访', page.inner_text('main'))
        self.assertEqual(len(self.server_calls()), before)
        shot(page, '6_conflict')
        self.assert_chinese(page)
        page.click('button[data-resolve=new]')
        self.wait_synced(page)
        calls = self.server_calls()
        self.assertEqual(len(calls), before + 1)
        self.assertNotEqual(calls[-1]['id'], plan)
        state = self.server.run_python('''
            result['state'] = pool.get('pharma.call')(%d).state
            ''' % plan)['state']
        self.assertEqual(state, 'cancelled')
        self.assertEqual(page.pharma_js_errors, [])

    def test_3_checkin_radius(self):
        # 3 km north of the hospital
        far = (HOSPITAL_WGS[0] + 0.027, HOSPITAL_WGS[1])
        page = self.phone(where=far)
        self.login(page, 'rep1')
        before = len(self.server_calls())
        page.click('#tabs a[data-tab=doctors]')
        page.fill('#q', 'simabai')
        page.locator('#list .card button.go').click()
        page.wait_for_function('''() => /米/.test(
            (document.querySelector('#checkin') || {}).textContent || '')''')
        text = page.inner_text('#checkin')
        self.assertIn('超出', text)
        # what the rep shows the reception: the registration number
        registration = self.server.run_python('''
            User = pool.get('res.user')
            user, = User.search([('login', '=', 'rep1')])
            result['number'] = user.employee.rep_registration_number
            ''')['number']
        self.assertIn('备案号：' + registration, page.inner_text('#reception'))
        shot(page, '7_checkin_outside')
        page.click('#save')
        page.wait_for_selector('#sheet', state='hidden')
        self.wait_synced(page)
        # inside, a phone call (no fix asked) and a face-to-face one
        page.context.set_geolocation({'latitude': HOSPITAL_WGS[0],
                'longitude': HOSPITAL_WGS[1], 'accuracy': 15})
        page.locator('#list .card button.go').click()
        page.wait_for_function('''() => /米/.test(
            (document.querySelector('#checkin') || {}).textContent || '')''')
        self.assertNotIn('超出', page.inner_text('#checkin'))
        page.click('#save')
        page.wait_for_selector('#sheet', state='hidden')
        self.wait_synced(page)
        # the doctor's card: tier, department, the calls just logged
        page.locator('#list .card .grow').first.click()
        page.wait_for_selector('h2 >> text=最近拜访')
        card = page.inner_text('main')
        for text in ['心内科', '达格列净片', '已传递产品', '待跟进', '记录拜访']:
            self.assertIn(text, card)
        self.assertEqual(page.locator('.tier').first.inner_text(), 'A')
        self.assert_chinese(page)
        shot(page, '8_doctor_card')
        calls = self.server_calls()[before:]
        self.assertEqual(len(calls), 2)
        self.assertTrue(calls[0]['outside'])
        self.assertTrue(calls[0]['flagged'])
        self.assertGreater(calls[0]['distance'], 2500)
        self.assertFalse(calls[1]['outside'])
        self.assertLess(calls[1]['distance'], 100)
        self.assertEqual(page.pharma_js_errors, [])

    def test_4_coverage_shrinks(self):
        page = self.phone()
        self.login(page, 'rep1')
        ids = self.ids['doctors']
        page.click('#tabs a[data-tab=doctors]')
        page.fill('#q', DOCTORS['d2'][0])
        page.wait_for_selector('#list .card >> text=' + DOCTORS['d2'][0])
        self.server.run_python('''
            import datetime
            Coverage = pool.get('pharma.coverage')
            Date = pool.get('ir.date')
            coverage, = Coverage.search([('party', '=', %d)])
            Coverage.write([coverage], {'end_date':
                    Date.today() - datetime.timedelta(days=1)})
            ''' % ids['d2'])
        with page.expect_response(
                lambda r: r.url.endswith('/field/api/pull')) as info:
            page.evaluate('window.pharmaField.sync(true)')
        bundle = info.value.body().decode('utf-8')
        self.assertNotIn(DOCTORS['d2'][0], bundle)
        page.wait_for_function(
            '() => !window.pharmaField.state.syncing')
        page.click('#tabs a[data-tab=today]')
        page.click('#tabs a[data-tab=doctors]')
        page.fill('#q', DOCTORS['d2'][0])
        page.wait_for_selector('#list .empty')
        stored = page.evaluate(
            'window.pharmaField.state.data.doctors.map((d) => d.id)')
        self.assertNotIn(ids['d2'], stored)
        self.assertIn(ids['d1'], stored)
        self.assertEqual(page.pharma_js_errors, [])
