# This file is part of the pharma suite. See README.md for license terms.
"""Browser tests of pharma_calls, as the real users in the web client:

1. rep1 opens a doctor, "Log visit", accepts the prefilled short form; the
   call is done in the database and shows in the doctor's call history; the
   interactions and seconds it took are written to
   tests/output/browser/log_visit.txt.
2. rep1 submits a weekly plan; manager1 approves rep2's two plans from the
   team list (the first: select the row, click its button; the approval
   makes the next plan the current row, so the second takes one click on
   its button) and rejects rep1's with a comment; rep1 reads the comment.
3. manager1 sees rep1's calls of today in the calls-per-rep-per-day report.
4. the lists showing a DateTime as a date (events, coverage, follow-ups)
   open without JavaScript error.

Run alone:
    PHARMA_BROWSER=1 .venv/bin/python tests/run_module_tests.py \\
        --file tests/browser/test_calls.py
Screenshots: tests/output/browser/calls/*.png
"""
import datetime
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from helpers import (  # noqa: E402
    OUTPUT, BrowserTestCase, current_tab, field, js_errors, list_texts,
    login, open_menu, open_record, password, rpc_errors, wait_form,
    wait_idle)

HOSPITAL = '浦东拜访测试医院'
DOCTOR = '司马拜访'
DOCTOR2 = '上官拜访'
DOCTOR3 = '欧阳拜访'
PRODUCT = '拜访测试片 10mg'
COMMENT = '请增加A级医生的拜访'
SHOTS = os.path.join(OUTPUT, 'calls')


def shot(page, name):
    "Save a screenshot into tests/output/browser/calls/<name>.png"
    os.makedirs(SHOTS, exist_ok=True)
    path = os.path.join(SHOTS, re.sub(r'[^\w.-]+', '_', name) + '.png')
    page.screenshot(path=path, full_page=True)
    return path


class Counter:
    "Counts the user's interactions (clicks and key presses)"

    def __init__(self, page):
        self.page = page
        self.count = 0

    def click(self, locator):
        locator.click()
        self.count += 1
        wait_idle(self.page)


def open_menu_tree(page, path):
    """Like helpers.open_menu, but each name is looked for below the entry
    clicked before: two menus of the path may have the same name (Pharma >
    Calls and Pharma > Reporting > Calls)"""
    after = -1
    for name in path:
        rows = page.locator('#menu tbody tr:visible')
        rows.first.wait_for(state='visible')
        texts = [' '.join(t.split()) for t in rows.all_inner_texts()]
        index = next(i for i, t in enumerate(texts)
            if i > after and t == name)
        rows.nth(index).get_by_text(name, exact=True).first.click()
        wait_idle(page)
        after = index
    page.wait_for_selector('#tabcontent .tab-pane.active', state='visible')
    wait_idle(page)


def dialog(page):
    return page.locator('.modal.in:visible').last


class CallsTestCase(BrowserTestCase):
    modules = ['pharma_calls']
    database = 'calls'

    @classmethod
    def setup_database(cls, server):
        # registered reps; a hospital, a doctor covered by rep1 with a done
        # call (by phone, one product) 10 days ago, a doctor of rep2
        cls.ids = server.run_python('''
            import datetime
            from decimal import Decimal
            Party = pool.get('party.party')
            Department = pool.get('pharma.hospital.department')
            Coverage = pool.get('pharma.coverage')
            Employee = pool.get('company.employee')
            User = pool.get('res.user')
            Uom = pool.get('product.uom')
            Template = pool.get('product.template')
            Call = pool.get('pharma.call')
            ModelData = pool.get('ir.model.data')
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
            hospital, = Party.create([{
                        'name': %(hospital)r,
                        'pharma_type': 'hospital',
                        'hospital_grade': '3a',
                        }])
            department, = Department.create([{
                        'hospital': hospital.id, 'name': '心内科',
                        }])
            doctor, doctor2, doctor3 = Party.create([{
                        'name': name,
                        'pharma_type': 'doctor',
                        'hospital': hospital.id,
                        'department': department.id,
                        'doctor_tier': 'A',
                        } for name in [
                            %(doctor)r, %(doctor2)r, %(doctor3)r]])
            Coverage.create([{
                        'company': company.id,
                        'employee': e.id,
                        'party': p.id,
                        'role': 'primary',
                        } for e, p in [(rep1, hospital), (rep1, doctor),
                        (rep2, doctor2), (rep1, doctor3)]])
            unit = Uom(ModelData.get_id('product', 'uom_unit'))
            template, = Template.create([{
                        'name': %(product)r,
                        'type': 'goods',
                        'default_uom': unit.id,
                        'list_price': Decimal('12.5'),
                        'products': [('create', [{}])],
                        }])
            product, = template.products
            last, = Call.create([{
                        'company': company.id,
                        'employee': rep1.id,
                        'party': doctor.id,
                        'hospital': hospital.id,
                        'department': department.id,
                        'date': datetime.datetime.now().replace(
                            microsecond=0) - datetime.timedelta(days=10),
                        'call_type': 'phone',
                        'products': [('create', [{
                                        'product': product.id,
                                        'key_message': '每日一次，依从性好',
                                        'adoption_stage': 'trial',
                                        }])],
                        }])
            Call.do([last])
            result.update(
                hospital=hospital.id, doctor=doctor.id, doctor2=doctor2.id,
                doctor3=doctor3.id,
                product=product.id, rep1=rep1.id, rep2=rep2.id,
                rep1_name=rep1.rec_name, rep2_name=rep2.rec_name,
                manager1=users['manager1'].employee.id)
            ''' % {'hospital': HOSPITAL, 'doctor': DOCTOR,
                'doctor2': DOCTOR2, 'doctor3': DOCTOR3, 'product': PRODUCT})
        # menu paths and labels as the users (all zh_CN) see them, in one
        # run (each run_python loads the pool: seconds)
        cls.labels = server.run_python('''
            ModelData = pool.get('ir.model.data')
            Menu = pool.get('ir.ui.menu')
            Party = pool.get('party.party')
            Call = pool.get('pharma.call')
            User = pool.get('res.user')
            user = User(transaction.user)
            with transaction.set_context(language=user.language.code):
                menus = {}
                for key, xml_id in [
                        ('doctors', 'pharma_hospital.menu_doctor_form'),
                        ('plans', 'pharma_calls.menu_weekly_plan_form'),
                        ('team', 'pharma_calls.menu_weekly_plan_team'),
                        ('rep_day', 'pharma_calls.menu_report_rep_day'),
                        ('events', 'pharma_calls.menu_event_form'),
                        ('coverage', 'pharma_calls.menu_report_coverage'),
                        ('followup', 'pharma_calls.menu_report_followup'),
                        ]:
                    menu = Menu(ModelData.get_id(*xml_id.split('.')))
                    names = []
                    while menu:
                        names.insert(0, menu.name)
                        menu = menu.parent
                    menus[key] = names
                selection = dict(Call.fields_get(['call_type'])
                    ['call_type']['selection'])
                result['calls'] = Party.fields_get(['calls'])[
                    'calls']['string']
            result['phone'] = selection['phone']
            result['menus'] = menus
            ''', user='rep1')
        cls.menus = cls.labels['menus']

    def login(self, user):
        page = self.new_page()
        login(page, self.server.url, user, password(user),
            database=self.server.database)
        return page

    def assertNoErrors(self, page):
        self.assertEqual(js_errors(page), [])
        self.assertEqual(rpc_errors(page), [])

    def test_1_log_visit(self):
        "rep1 logs a routine visit from the doctor's form in a few clicks"
        page = self.login('rep1')
        open_menu(page, self.menus['doctors'])
        shot(page, '1_1_doctors')
        # opening the doctor from the list: one double click
        start = time.monotonic()
        open_record(page, DOCTOR)
        open_seconds = time.monotonic() - start
        shot(page, '1_2_doctor')

        counter = Counter(page)
        start = time.monotonic()
        button = current_tab(page).locator(
            'button[name="log_visit"]:visible').first
        counter.click(button)
        form = dialog(page)
        form.wait_for(state='visible')
        wait_idle(page)
        shot(page, '1_3_log_visit_form')
        # prefilled from the last visit: its type and its product
        self.assertEqual(
            field(page, 'call_type', scope=form).locator(
                'option:checked').inner_text().strip(), self.labels['phone'])
        self.assertIn(PRODUCT, form.inner_text())
        self.assertTrue(field(page, 'date', scope=form).input_value())
        counter.click(form.locator('.modal-footer button.btn-primary').first)
        page.locator('.modal.in:visible').first.wait_for(state='hidden')
        wait_idle(page)
        seconds = time.monotonic() - start
        interactions = counter.count
        shot(page, '1_4_doctor_after_log')
        self.assertNoErrors(page)

        calls = self.server.run_python('''
            Call = pool.get('pharma.call')
            calls = Call.search([
                    ('party', '=', %(doctor)s),
                    ('state', '=', 'done'),
                    ], order=[('date', 'DESC')])
            result['calls'] = [{
                    'date': str(c.date),
                    'employee': c.employee.id,
                    'call_type': c.call_type,
                    'products': [l.product.id for l in c.products],
                    'hospital': c.hospital.id if c.hospital else None,
                    } for c in calls]
            ''' % {'doctor': self.ids['doctor']})['calls']
        self.assertEqual(len(calls), 2, calls)
        new = calls[0]
        self.assertEqual(new['employee'], self.ids['rep1'])
        self.assertEqual(new['call_type'], 'phone')
        self.assertEqual(new['products'], [self.ids['product']])
        self.assertEqual(new['hospital'], self.ids['hospital'])
        date = datetime.datetime.fromisoformat(new['date'])
        self.assertLess(
            abs(datetime.datetime.now() - date), datetime.timedelta(
                minutes=10))

        # the call history of the doctor (newest first) shows it
        tab = current_tab(page).locator('.nav-tabs a:visible').filter(
            has_text=self.labels['calls']).first
        tab.click()
        wait_idle(page)
        shot(page, '1_5_doctor_call_history')
        rows = list_texts(page)
        history = [r for r in rows if self.labels['phone'] in r]
        self.assertEqual(len(history), 2, rows)
        # (the hour depends on the browser's time zone)
        self.assertIn(date.strftime(':%M:%S'), history[0])

        os.makedirs(OUTPUT, exist_ok=True)
        report = ('Log visit (rep1, from the open doctor form to the saved '
            'call): %s interactions, %.1f seconds\n'
            'Log visit (rep1, from the doctors list to the saved call): '
            '%s interactions, %.1f seconds\n' % (
                interactions, seconds,
                interactions + 1, seconds + open_seconds))
        with open(os.path.join(OUTPUT, 'log_visit.txt'), 'w') as f:
            f.write(report)
        print('\n' + report)
        self.assertLessEqual(interactions, 6)
        self.assertNoErrors(page)

    def test_2_weekly_plan(self):
        "rep1 submits, manager1 approves two and rejects one with a comment"
        ids = self.server.run_python('''
            import datetime
            Plan = pool.get('pharma.weekly.plan')
            Call = pool.get('pharma.call')
            Date = pool.get('ir.date')
            today = Date.today()
            monday = today + datetime.timedelta(days=7 - today.weekday())
            week2 = monday + datetime.timedelta(days=7)
            plans = Plan.create([{
                        'company': company.id,
                        'employee': employee,
                        'week_start': week,
                        } for employee, week in [
                        (%(rep1)s, monday), (%(rep2)s, monday),
                        (%(rep2)s, week2)]])
            start = datetime.datetime.combine(monday, datetime.time(1))
            Call.create([{
                        'company': company.id,
                        'employee': plan.employee.id,
                        'party': party,
                        'date': start + datetime.timedelta(days=i),
                        'call_type': 'face_to_face',
                        'weekly_plan': plan.id,
                        } for plan, party in zip(plans,
                            [%(doctor)s, %(doctor2)s, %(doctor2)s])
                    for i in range(2)])
            # rep2 submitted already
            Plan.submit(plans[1:])
            result.update(rep1_plan=plans[0].id, rep2_plan=plans[1].id,
                rep2_plan2=plans[2].id, week=str(monday), week2=str(week2))
            ''' % self.ids)

        def states():
            return self.server.run_python('''
                Plan = pool.get('pharma.weekly.plan')
                result.update({str(p.id): [p.state, p.manager_comment,
                            p.calls_planned]
                        for p in Plan.browse([%s, %s, %s])})
                ''' % (ids['rep1_plan'], ids['rep2_plan'],
                    ids['rep2_plan2']))
        rep1_plan, rep2_plan = str(ids['rep1_plan']), str(ids['rep2_plan'])
        rep2_plan2 = str(ids['rep2_plan2'])
        state, _, planned = states()[rep1_plan]
        self.assertEqual((state, planned), ('draft', 2))

        # rep1 submits the plan of next week
        page = self.login('rep1')
        open_menu(page, self.menus['plans'])
        shot(page, '2_1_rep1_plans')
        open_record(page, ids['week'])
        shot(page, '2_2_rep1_plan_draft')
        current_tab(page).locator('button[name="submit"]:visible').click()
        wait_idle(page)
        shot(page, '2_3_rep1_plan_submitted')
        self.assertNoErrors(page)
        self.assertEqual(states()[rep1_plan][0], 'submitted')
        page.context.close()

        # manager1's Monday screen: the team's submitted plans
        page = self.login('manager1')
        open_menu(page, self.menus['team'])
        rows = list_texts(page)
        shot(page, '2_4_manager_team_plans')
        self.assertTrue(any(self.ids['rep1_name'] in r for r in rows), rows)
        self.assertTrue(any(self.ids['rep2_name'] in r for r in rows), rows)
        self.assertEqual(len(rows), 3, rows)

        def row(name, week):
            return current_tab(page).locator('table tbody tr:visible').filter(
                has_text=name).filter(has_text=week).first
        # the list is by week, latest first: rep2's plan of the week after
        # is the first row. sao runs a row's button only on the current
        # row: select it, then click its button
        first = row(self.ids['rep2_name'], ids['week2'])
        first.get_by_text(ids['week2']).first.click()
        wait_idle(page)
        first.locator('button[name="approve"]').click()
        wait_idle(page)
        shot(page, '2_5_manager_approved_one')
        self.assertEqual(states()[rep2_plan2][0], 'approved')
        self.assertEqual(states()[rep2_plan][0], 'submitted')
        # the approval made the next plan the current row: one click on its
        # button approves it
        row(self.ids['rep2_name'], ids['week']).locator(
            'button[name="approve"]').click()
        wait_idle(page)
        shot(page, '2_5b_manager_approved_next_in_one_click')
        self.assertEqual(states()[rep2_plan][0], 'approved')
        self.assertEqual(states()[rep1_plan][0], 'submitted')
        # reject rep1's with a comment
        # (a double click on the representative opens the employee: a link)
        row(self.ids['rep1_name'], ids['week']).get_by_text(
            ids['week']).first.dblclick()
        wait_form(page)
        shot(page, '2_6_manager_plan_form')
        field(page, 'manager_comment').fill(COMMENT)
        current_tab(page).locator('button[name="reject"]:visible').click()
        wait_idle(page)
        shot(page, '2_7_manager_rejected')
        self.assertNoErrors(page)
        state, comment, _ = states()[rep1_plan]
        self.assertEqual(state, 'rejected')
        self.assertEqual(comment, COMMENT)
        page.context.close()

        # rep1 reads the comment on the rejected plan
        page = self.login('rep1')
        open_menu(page, self.menus['plans'])
        open_record(page, ids['week'])
        shot(page, '2_8_rep1_sees_comment')
        self.assertEqual(field(page, 'manager_comment').input_value(),
            COMMENT)
        self.assertNoErrors(page)

    def test_3_kpi_today(self):
        "manager1 sees rep1's calls of today in the calls per rep and day"
        report = self.server.run_python('''
            import datetime
            Call = pool.get('pharma.call')
            Date = pool.get('ir.date')
            Report = pool.get('pharma.call.report.rep_day')
            from trytond.modules.pharma_hospital.company_time import (
                utc_start)
            # the company's day (Asia/Shanghai), as the report counts
            today = Date.today()
            start = utc_start(today)
            if not Call.search([
                        ('employee', '=', %(rep1)s),
                        ('state', '=', 'done'),
                        ('date', '>=', start),
                        ]):
                call, = Call.create([{
                            'company': company.id,
                            'employee': %(rep1)s,
                            'party': %(doctor3)s,
                            'date': datetime.datetime.now().replace(
                                microsecond=0),
                            'call_type': 'face_to_face',
                            }])
                Call.do([call])
            with transaction.set_context(from_date=today, to_date=today):
                rows = Report.search([('employee', '=', %(rep1)s)])
                result['rows'] = [(str(r.date), r.calls) for r in rows]
            ''' % self.ids)['rows']
        self.assertTrue(report, 'no report row for rep1 today')
        calls = sum(c for _, c in report)

        page = self.login('manager1')
        open_menu_tree(page, self.menus['rep_day'])
        rows = list_texts(page)
        shot(page, '3_1_manager_calls_per_rep_day')
        mine = [r for r in rows
            if self.ids['rep1_name'] in r and report[0][0] in r]
        self.assertTrue(mine, 'no row of %s on %s in %r' % (
                self.ids['rep1_name'], report[0][0], rows))
        self.assertIn(str(calls), mine[0].split())
        self.assertNoErrors(page)

    def test_4_lists_with_datetime_open(self):
        "The lists showing a DateTime (as a date) open in the web client"
        for key in ['events', 'coverage', 'followup']:
            with self.subTest(menu=key):
                page = self.login('manager1')
                open_menu_tree(page, self.menus[key])
                list_texts(page, wait=2_000)
                shot(page, '4_%s' % key)
                self.assertEqual(page.locator(
                        '#tabcontent .tab-pane.active table th:visible'
                        ).count() > 0, True, js_errors(page))
                self.assertNoErrors(page)
                page.context.close()

    def test_5_today(self):
        """rep1 starts on 今天 (Today): its planned calls of today and its
        overdue follow-ups (not those of weeks ago, not rep2's); one row's
        routine visit is logged in at most 4 interactions"""
        ids = self.server.run_python('''
            import datetime
            Call = pool.get('pharma.call')
            Date = pool.get('ir.date')
            User = pool.get('res.user')
            ModelData = pool.get('ir.model.data')
            from trytond.modules.pharma_hospital.company_time import (
                utc_start)
            today = Date.today()
            start = utc_start(today)
            rep1, = User.search([('login', '=', 'rep1')])
            # the demo's start page of the reps
            User.write([rep1], {'actions': [('add', [
                                ModelData.get_id(
                                    'pharma_calls', 'act_call_today')])]})
            done, = Call.create([{
                        'company': company.id,
                        'employee': %(rep1)s,
                        'party': %(doctor)s,
                        'date': start - datetime.timedelta(days=20),
                        'call_type': 'face_to_face',
                        }])
            Call.do([done])
            planned = Call.create([{
                        'company': company.id,
                        'employee': employee,
                        'party': party,
                        'date': date,
                        'call_type': 'face_to_face',
                        'followup_of': followup,
                        } for employee, party, date, followup in [
                        # today's plan
                        (%(rep1)s, %(doctor3)s,
                            start + datetime.timedelta(hours=10), None),
                        # a follow-up overdue since 3 days
                        (%(rep1)s, %(doctor)s,
                            start - datetime.timedelta(days=3, hours=-9),
                            done.id),
                        # a follow-up of a month ago: missed, not listed
                        (%(rep1)s, %(doctor)s,
                            start - datetime.timedelta(days=30, hours=-9),
                            done.id),
                        # rep2's plan of today
                        (%(rep2)s, %(doctor2)s,
                            start + datetime.timedelta(hours=11), None),
                        ]])
            result['planned'] = [c.id for c in planned]
            ''' % self.ids)
        page = self.login('rep1')
        # the start page opened at login
        tab = page.locator('#tablist li.active').first
        tab.wait_for(state='visible')
        wait_idle(page)
        rows = list_texts(page)
        shot(page, '5_1_rep1_today')
        self.assertIn('今天', tab.inner_text())
        self.assertEqual(len(rows), 2, rows)
        self.assertTrue(any(DOCTOR3 in r for r in rows), rows)
        self.assertTrue(any(DOCTOR in r for r in rows), rows)
        self.assertFalse(any(DOCTOR2 in r for r in rows), rows)

        counter = Counter(page)
        row = current_tab(page).locator('table tbody tr:visible').filter(
            has_text=DOCTOR3).first
        # sao runs a row's button on the current row: select it first
        counter.click(row.locator('td:not(:has(button)):not(:has(a))').first)
        counter.click(row.locator('button[name="log_visit"]'))
        form = dialog(page)
        form.wait_for(state='visible')
        wait_idle(page)
        shot(page, '5_2_rep1_today_log_visit')
        self.assertIn(DOCTOR3, form.inner_text())
        counter.click(form.locator('.modal-footer button.btn-primary').first)
        page.locator('.modal.in:visible').first.wait_for(state='hidden')
        wait_idle(page)
        shot(page, '5_3_rep1_today_after_log')
        self.assertNoErrors(page)
        states = self.server.run_python('''
            Call = pool.get('pharma.call')
            result.update({str(c.id): c.state
                    for c in Call.browse(%r)})
            ''' % ids['planned'])
        today_call = str(ids['planned'][0])
        self.assertEqual(states[today_call], 'done', states)
        self.assertEqual(
            [states[str(i)] for i in ids['planned'][1:]],
            ['planned', 'planned', 'planned'])
        with open(os.path.join(OUTPUT, 'log_visit.txt'), 'a') as f:
            f.write('Log visit (rep1, from the Today start page to the '
                'saved call): %s interactions\n' % counter.count)
        self.assertLessEqual(counter.count, 4)
        # the logged call left the list (it is done)
        click_reload = current_tab(page).locator('button#reload:visible')
        if click_reload.count():
            click_reload.first.click()
            wait_idle(page)
        rows = list_texts(page, wait=3_000)
        self.assertFalse(any(DOCTOR3 in r for r in rows), rows)
