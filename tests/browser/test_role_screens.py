# This file is part of the pharma suite. See README.md for license terms.
"""Browser tests of the role screens of issue 21 that the walk
(test_zh_walk.py) and test_role_flows.py do not pin, on the demo data of
every module (the database the walk builds, copied from the run's cache):

1. rep1's doctors open on the 我的医生 tab: only the doctors rep1 covers,
   all of them; the 全部 tab holds more.
2. 记录拜访 on a doctor's form is above the fold at 1366×768.
3. finance1 approves two orders one after the other in the same tab
   (type the credit granted, click 审批通过, confirm): both approved with
   their amounts, no error naming a field by its code name, the form
   reloads without asking to save.
4. 退回草稿 on a quotation works for admin and for sales1.
5. manager1's plan vs actual opens on its default period with rows.
6. marketing1's price history filters on a typed drug name; the price
   trend graph plots, per month, the lowest, average and highest award of
   that month (never a sum of different bids).

Run alone:
    PHARMA_BROWSER=1 .venv/bin/python tests/run_module_tests.py \\
        --file tests/browser/test_role_screens.py
Screenshots: tests/output/browser/role_screens/*.png
"""
import os
import re
import sys
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from helpers import (  # noqa: E402
    OUTPUT, BrowserTestCase, current_tab, field, js_errors, list_texts,
    login, open_menu, password, rpc_errors, wait_idle)
from test_zh_walk import all_pharma_modules  # noqa: E402

SHOTS = os.path.join(OUTPUT, 'role_screens')
# a field's code name (finance_approved_by, invoice_method) in a message
CODE_NAME = re.compile(r'\b[a-z]+_[a-z_]+\b')
MENUS = {
    'doctors': 'pharma_hospital.menu_doctor_form_rep',
    'sales': 'pharma_distributor.menu_sale_form',
    'plan_actual': 'pharma_calls.menu_report_plan_actual',
    'prices': 'pharma_tender.menu_tender_price_form',
    'trend': 'pharma_tender.menu_tender_price_trend',
    }


# the number of records the current list holds (it draws them by pages)
LOADED = "() => Sao.Tab.tabs.get_current().screen.group.length"
# the box of an element's text, and whether a click at its centre reaches
# the element (not something drawn over it)
LABEL_BOX = """(element) => {
    const range = document.createRange();
    range.selectNodeContents(element);
    const r = range.getBoundingClientRect();
    const hit = document.elementFromPoint(
        r.x + r.width / 2, r.y + r.height / 2);
    return {x: r.x, y: r.y, width: r.width, height: r.height,
        hit: !!hit && element.contains(hit)};
}"""


def shot(page, name):
    os.makedirs(SHOTS, exist_ok=True)
    path = os.path.join(SHOTS, re.sub(r'[^\w.-]+', '_', name) + '.png')
    page.screenshot(path=path, full_page=True)
    return path


def dialog(page):
    return page.locator('.modal.in:visible').last


def type_into(page, locator, value):
    "Click the field and type value as a person does"
    locator.click()
    page.wait_for_function('''() => {
        const e = document.activeElement;
        return e && e.tagName === 'INPUT' && e.offsetParent !== null;
        }''', timeout=5000)
    page.keyboard.press('Control+A')
    page.keyboard.type(value)


def open_row(page, number):
    """Open the form of the order whose number (the first column, numbers
    are short: '2' is in many rows) is number"""
    rows = list_texts(page)
    index = [i for i, r in enumerate(rows)
        if r == number or r.startswith(number + ' ')]
    assert index, (number, rows)
    row = current_tab(page).locator('table tbody tr:visible').nth(index[0])
    row.get_by_text(number, exact=True).first.dblclick()
    page.locator('#tabcontent[data-view-type="form"]').wait_for(
        state='attached')
    wait_idle(page)


def active_domain_tab(page):
    "The name of the selected tab of the list's filters (act_window domain)"
    tab = current_tab(page).locator(
        '.nav-tabs li.active a:visible').first
    return ' '.join(tab.inner_text().split())


class RoleScreensTestCase(BrowserTestCase):
    modules = all_pharma_modules()
    database = 'rolescreens'
    demo_data = True

    @classmethod
    def setup_database(cls, server):
        # a second order awaiting finance, and a quotation for admin and
        # one for sales1 to reset to draft (the demo has one of each)
        cls.data = server.run_python('''
            Sale = pool.get('sale.sale')
            Party = pool.get('party.party')
            Menu = pool.get('ir.ui.menu')
            ModelData = pool.get('ir.model.data')
            waiting, = Sale.search([('state', '=', 'finance_approval')])
            quotation, = Sale.search([('state', '=', 'quotation')],
                limit=1)
            second, = Sale.copy([waiting])
            Sale.quote([second])
            Sale.submit_finance([second])
            quotes = Sale.copy([quotation, quotation])
            Sale.quote(quotes)
            result['finance'] = [
                [s.id, s.number] for s in [Sale(waiting.id), second]]
            result['quotes'] = [[s.id, s.number] for s in quotes]
            with transaction.set_context(language='zh_CN'):
                menus = {}
                for key, xml_id in %r.items():
                    menu = Menu(ModelData.get_id(*xml_id.split('.')))
                    names = []
                    while menu:
                        names.insert(0, menu.name)
                        menu = menu.parent
                    menus[key] = names
                result['menus'] = menus
            ''' % MENUS)

    def login(self, user, viewport=None):
        page = self.new_page()
        if viewport:
            page.set_viewport_size(viewport)
        login(page, self.server.url, user, password(user),
            database=self.server.database)
        return page

    def assertNoErrors(self, page):
        self.assertEqual(js_errors(page), [])
        self.assertEqual(rpc_errors(page), [])

    def test_1_my_doctors(self):
        "rep1's doctors open on 我的医生: the covered doctors, all of them"
        covered = self.server.run_python('''
            Party = pool.get('party.party')
            with transaction.set_context(_check_access=True):
                mine = Party.search([('pharma_type', '=', 'doctor'),
                        ('covered_by_me', '=', True)])
                readable = Party.search_count(
                    [('pharma_type', '=', 'doctor')])
            result['mine'] = sorted(p.name for p in mine)
            result['readable'] = readable
            ''', user='rep1')
        self.assertTrue(covered['mine'])
        self.assertGreater(covered['readable'], len(covered['mine']))
        page = self.login('rep1')
        open_menu(page, self.data['menus']['doctors'])
        rows = list_texts(page)
        shot(page, '1_1_my_doctors')
        # the default tab, its count that of the covered doctors
        self.assertEqual(active_domain_tab(page),
            '我的医生 %d' % len(covered['mine']))
        # the rows shown (the list draws them by pages) are covered ones
        names = current_tab(page).locator(
            'table tbody tr:visible td[data-title^="名称"]').all_inner_texts()
        self.assertTrue(names)
        self.assertEqual(
            [n.strip() for n in names if n.strip() not in covered['mine']],
            [])
        self.assertEqual(page.evaluate(LOADED), len(covered['mine']))
        # the other tab lists the read-only doctors too
        current_tab(page).locator('.nav-tabs a:visible',
            has_text='全部').first.click()
        wait_idle(page)
        list_texts(page)
        shot(page, '1_2_all_doctors')
        self.assertEqual(page.evaluate(LOADED), covered['readable'])
        self.assertNoErrors(page)

    def test_2_log_visit_above_fold(self):
        "记录拜访 is visible without scrolling on a 1366×768 laptop"
        page = self.login('rep1', viewport={'width': 1366, 'height': 768})
        open_menu(page, self.data['menus']['doctors'])
        list_texts(page)
        current_tab(page).locator(
            'table tbody tr:visible td[data-title^="名称"]').first.dblclick()
        page.locator('#tabcontent[data-view-type="form"]').wait_for(
            state='attached')
        wait_idle(page)
        page.screenshot(path=os.path.join(SHOTS, '2_log_visit_fold.png'))
        button = current_tab(page).locator(
            'button[name="log_visit"]:visible').first
        self.assertIn('记录拜访', button.inner_text())
        box = button.bounding_box()
        self.assertIsNotNone(box)
        # nothing scrolled, the button inside the window's height
        self.assertEqual(page.evaluate('window.scrollY'), 0)
        self.assertGreaterEqual(box['y'], 0)
        self.assertLessEqual(box['y'] + box['height'], 768, box)
        # its label (the button spans the form's width) inside the window,
        # and the button is what a click there reaches
        label = button.evaluate(LABEL_BOX)
        self.assertGreaterEqual(label['x'], 0, label)
        self.assertLessEqual(label['x'] + label['width'], 1366, label)
        self.assertLessEqual(label['y'] + label['height'], 768, label)
        self.assertTrue(label['hit'], label)
        self.assertNoErrors(page)

    def approve(self, page, number, amount, prefix):
        "Open the order from the list, type the credit, approve, confirm"
        tab = current_tab(page)
        open_row(page, number)
        tab.locator('.nav-tabs a:visible', has_text='财务审批').first.click()
        wait_idle(page)
        type_into(page, field(page, 'credit_granted'), amount)
        tab.locator('button[name="finance_approve"]:visible').first.click()
        wait_idle(page)
        confirm = dialog(page)
        confirm.wait_for(state='visible')
        texts = [confirm.inner_text()]
        shot(page, prefix + '_confirm')
        confirm.locator('.modal-footer button.btn-primary').first.click()
        wait_idle(page)
        # an error dialog, if any, is read before it is closed
        for _ in range(2):
            if not page.locator('.modal.in:visible').count():
                break
            texts.append(dialog(page).inner_text())
            shot(page, prefix + '_dialog')
            dialog(page).locator('.modal-footer button').first.click()
            wait_idle(page)
        shot(page, prefix + '_approved')
        return texts

    def test_3_finance_second_order(self):
        "finance1 approves two orders in a row, each in one pass"
        (first_id, first), (second_id, second) = self.data['finance']
        page = self.login('finance1')
        open_menu(page, self.data['menus']['sales'])
        rows = list_texts(page)
        for number in [first, second]:
            self.assertTrue(
                any(r.startswith(number + ' ') for r in rows), rows)
        tab = current_tab(page)
        for (sale_id, number), amount in zip(
                self.data['finance'], ['5000', '7000']):
            # the confirmation, then the dialogs after it (errors)
            messages = self.approve(page, number, amount,
                '3_%s' % sale_id)
            for text in messages:
                self.assertIsNone(CODE_NAME.search(text), text)
            state = self.server.run_python('''
                sale = pool.get('sale.sale')(%d)
                result.update(state=sale.state,
                    credit=str(sale.credit_granted),
                    approved=bool(sale.finance_approved_date))
                ''' % sale_id)
            self.assertEqual(messages[1:], [], number)
            self.assertTrue(state['approved'], (number, state))
            self.assertIn(state['state'], {'confirmed', 'processing'})
            self.assertEqual(Decimal(state['credit']), Decimal(amount))
            # the form shows the new stage and reloads without asking
            self.assertNotIn('待财务审批', field(page, 'pharma_stage')
                .locator('option:checked').inner_text())
            tab.locator('button#reload:visible').first.click()
            wait_idle(page)
            self.assertEqual(page.locator('.modal.in:visible').count(), 0)
            self.assertNotIn('待财务审批', field(page, 'pharma_stage')
                .locator('option:checked').inner_text())
            # back to the list for the next one
            tab.locator('button#switch_:visible').first.click()
            wait_idle(page)
            list_texts(page)
        self.assertNoErrors(page)

    def test_4_reset_to_draft(self):
        "admin and sales1 reset a quotation to draft"
        for user, (sale_id, number) in zip(['admin', 'sales1'],
                self.data['quotes']):
            page = self.login(user)
            open_menu(page, self.data['menus']['sales'])
            tab = current_tab(page)
            # the orders of every state
            all_ = tab.locator('.nav-tabs a:visible', has_text='全部')
            if all_.count():
                all_.first.click()
                wait_idle(page)
            open_row(page, number)
            button = tab.locator('button[name="draft"]:visible').first
            self.assertIn('草稿', button.inner_text())
            button.click()
            wait_idle(page)
            texts = []
            while page.locator('.modal.in:visible').count():
                texts.append(dialog(page).inner_text())
                shot(page, '4_%s_dialog' % user)
                dialog(page).locator('.modal-footer button').first.click()
                wait_idle(page)
                if len(texts) > 2:
                    break
            shot(page, '4_%s_draft' % user)
            self.assertEqual(texts, [], user)
            state = self.server.run_python('''
                result['state'] = pool.get('sale.sale')(%d).state
                ''' % sale_id)['state']
            self.assertEqual(state, 'draft', user)
            self.assertNoErrors(page)
            page.context.close()

    def test_5_plan_actual(self):
        "manager1's plan vs actual has rows on its default period"
        page = self.login('manager1')
        open_menu(page, self.data['menus']['plan_actual'])
        rows = list_texts(page)
        shot(page, '5_plan_actual')
        self.assertTrue(rows, "plan vs actual is empty")
        headers = [h.strip() for h in current_tab(page).locator(
                'th:visible').all_inner_texts()]
        self.assertIn('完成率', headers)
        self.assertNoErrors(page)

    def test_6_price_history(self):
        "marketing1 filters prices by drug; the trend never adds bids"
        prices = self.server.run_python('''
            Price = pool.get('pharma.tender.price')
            rows = Price.search([])
            result['names'] = sorted({p.generic_name for p in rows})
            ''', user='marketing1')
        self.assertGreater(len(prices['names']), 1, prices)
        name = prices['names'][0]
        page = self.login('marketing1')
        open_menu(page, self.data['menus']['prices'])
        tab = current_tab(page)
        all_ = tab.locator('.nav-tabs a:visible', has_text='全部')
        all_.first.click()
        wait_idle(page)
        before = list_texts(page)
        self.assertTrue(any(name not in r for r in before), before)
        search = tab.locator('input.form-control:visible').first
        search.fill(name)
        search.press('Enter')
        wait_idle(page)
        rows = list_texts(page)
        shot(page, '6_1_prices_%s' % name)
        self.assertTrue(rows, name)
        self.assertLess(len(rows), len(before))
        self.assertTrue(all(name in r for r in rows), rows)
        self.assertNoErrors(page)
        page.context.close()

        # the graph's points against the awards of each month
        months = self.server.run_python('''
            Line = pool.get('pharma.tender.line')
            months = {}
            for line in Line.search([
                    ('winning_price', '!=', None),
                    ('tender.award_date', '!=', None),
                    ('tender.state', 'in', ['awarded', 'lost', 'expired']),
                    ]):
                month = line.tender.award_date.strftime('%Y-%m')
                months.setdefault(month, []).append(
                    float(line.winning_price))
            result['months'] = months
            ''', user='marketing1')['months']
        page = self.login('marketing1')
        open_menu(page, self.data['menus']['trend'])
        wait_idle(page)
        shot(page, '6_2_price_trend')
        data = page.evaluate('''() => new Promise((resolve, reject) => {
            const screen = Sao.Tab.tabs.get_current().screen;
            const view = screen.current_view;
            view.widgets.root.update_data(screen.group).done(data => resolve(
                {columns: data.columns, names: data.names}));
            })''')
        columns = {c[0]: c[1:] for c in data['columns']}
        labels = columns.pop('labels')
        self.assertTrue(labels, data)
        by_name = {v: k for k, v in data['names'].items()}
        self.assertEqual(set(by_name), {'最低中标价', '平均中标价', '最高中标价'},
            data['names'])
        highest = max(max(v) for v in months.values())
        for series in columns.values():
            for value in series:
                # a sum of bids would exceed the highest single award
                self.assertLessEqual(float(value or 0), highest + 0.01,
                    data)
        for index, label in enumerate(labels):
            month = str(label)[:7]
            awards = months.get(month)
            if not awards:
                continue
            self.assertAlmostEqual(
                float(columns[by_name['最低中标价']][index]), min(awards), 2)
            self.assertAlmostEqual(
                float(columns[by_name['最高中标价']][index]), max(awards), 2)
        self.assertNoErrors(page)

    def test_7_notifications_zh_cn(self):
        """Every kind of notification the suite sends reaches a zh_CN user
        in Chinese with zh_CN dates, whatever the language of the run (the
        crons run in the company's language, here English); nothing is
        kept (the transaction is rolled back)"""
        result = self.server.run_python(NOTIFICATION_KINDS)
        kinds = result['kinds']
        problems = []
        for kind in KINDS:
            info = kinds.get(kind)
            if info is None:
                problems.append('%s: not run' % kind)
                continue
            if info['error']:
                problems.append('%s: %s' % (kind, info['error']))
            notes = [n for n in info['notes'] if n[1] == 'zh_CN']
            if not notes:
                problems.append('%s: no notification to a zh_CN user (%s)'
                    % (kind, info['notes'][:3]))
            for login_, _, label, description in notes:
                for text in [label, description]:
                    if (ENGLISH_WORDS.search(text) or US_DATE.search(text)
                            or not CJK.search(label)):
                        problems.append('%s to %s: %s / %s' % (
                                kind, login_, label, description))
                        break
        with open(os.path.join(SHOTS, '7_notifications.txt'), 'w') as f:
            for kind in KINDS:
                for note in kinds.get(kind, {}).get('notes', []):
                    f.write('%s\t%s\n' % (kind, '\t'.join(
                                str(n) for n in note)))
        self.assertEqual(problems, [], '\n'.join(problems))


CJK = re.compile('[\u3400-\u9fff]')
# two English words in a row, or a date as en_US writes it
ENGLISH_WORDS = re.compile(r'\b[A-Za-z]{2,}\s+[A-Za-z]{2,}\b')
US_DATE = re.compile(r'\b\d{1,2}/\d{1,2}/\d{4}\b')
# the kinds of notification (grep notify_user, notify_users,
# notify_employees and res.notification in addons/)
KINDS = [
    'handover', 'delegation_ended', 'leavers', 'lifecycle_reminder',
    'lifecycle_stale', 'change_request_new', 'job_done', 'job_failed',
    'inspection_export', 'tender_reminder', 'tender_floor', 'tender_alert',
    'call_alerts', 'sample_count', 'recruitment_assigned',
    'recruitment_overdue', 'licence_expiry', 'churn', 'ae_alert',
    ]
# Each kind triggered on the demo data, the run in English; the
# notifications each one stored, with their user's login and language
NOTIFICATION_KINDS = '''
import datetime
import traceback
from decimal import Decimal
from sql import Table
pool_get = pool.get
Date = pool_get('ir.date')
User = pool_get('res.user')
Party = pool_get('party.party')
Employee = pool_get('company.employee')
Coverage = pool_get('pharma.coverage')
cursor = transaction.connection.cursor()
notification = Table('res_notification')
today = Date.today()
users = {u.login: u for u in User.search([])}
languages = {u.id: (u.login, u.language.code if u.language else None)
    for u in users.values()}
emp = lambda login: users[login].employee
kinds = {}


def last_id():
    cursor.execute(*notification.select(notification.id,
            order_by=notification.id.desc, limit=1))
    row = cursor.fetchone()
    return row[0] if row else 0


def sql_write(table, values, ids):
    t = Table(table)
    cursor.execute(*t.update(list(getattr(t, k) for k in values),
            list(values.values()), where=t.id.in_(list(ids))))
    transaction.cache.clear()


def step(kind, function):
    transaction._store_user_notifications()
    start = last_id()
    error = None
    try:
        with transaction.set_context(language='en'):
            function()
        # as the commit stores them
        transaction._store_user_notifications()
    except Exception:
        error = traceback.format_exc().splitlines()[-1][:300]
        transaction._clear_user_notifications()
    cursor.execute(*notification.select(notification.user,
            notification.label, notification.description,
            where=notification.id > start))
    kinds[kind] = {'error': error, 'notes': [
            list(languages.get(u, (u, None))) + [l or '', d or '']
            for u, l, d in cursor]}


mine = Coverage.search([('employee', '=', emp('rep1').id),
        ('role', '=', 'primary'), ('party.pharma_type', '=', 'doctor')],
    order=[('id', 'ASC')])
doctor = mine[0].party


def handover():
    Handover = pool_get('pharma.handover', type='wizard')
    Handover.run(company, emp('rep1'), emp('rep2'), 'delegation',
        scope='parties', parties=[doctor],
        end_date=today + datetime.timedelta(days=14))
step('handover', handover)


def delegation_ended():
    delegates = Coverage.search([('role', '=', 'delegate'),
            ('employee', '=', emp('rep2').id), ('party', '=', doctor.id)])
    sql_write('pharma_coverage',
        {'end_date': today - datetime.timedelta(days=1)},
        [c.id for c in delegates])
    Coverage.pharma_end_delegations()
step('delegation_ended', delegation_ended)


def leavers():
    sql_write('company_employee', {'end_date': today}, [emp('rep1').id])
    Employee.pharma_notify_leavers()
    sql_write('company_employee', {'end_date': None}, [emp('rep1').id])
step('leavers', leavers)


def lifecycle():
    Config = pool_get('pharma.configuration')
    config = Config.get_config(company.id)
    stage = doctor.lifecycle_stage
    sql_write('party_party', {
            'lifecycle_date': today - datetime.timedelta(days=400)},
        [c.party.id for c in mine[:3]])
    sql_write('pharma_coverage', {'last_reminder': None},
        [c.id for c in mine[:3]])
step('lifecycle_reminder', lambda: (lifecycle(),
        Party.pharma_lifecycle_reminders()))
step('lifecycle_stale', Party.pharma_lifecycle_stale)


def change_request():
    hospital = doctor.hospital
    with transaction.set_user(users['rep1'].id), transaction.set_context(
            _check_access=True, company=company.id):
        Party.create([{'name': '测试新医生', 'pharma_type': 'doctor',
                    'hospital': hospital.id}])
step('change_request_new', change_request)

Job = pool_get('pharma.job')


def job(state):
    def run():
        job, = Job.create([{'kind': Job.kind.selection[0][0],
                    'description': '导入医院', 'state': 'running',
                    'user': users['clerk1'].id, 'company': company.id}])
        job.notify_owner(state, error='文件第 3 行有误')
    return run
step('job_done', job('done'))
step('job_failed', job('failed'))


def inspection_export():
    Export = pool_get('pharma.inspection.export')
    export, = Export.create([{'company': company.id,
                'from_date': today - datetime.timedelta(days=90),
                'to_date': today, 'filename': 'export.zip',
                'requested_by': users['compliance1'].id}])
    Export.run([export])
step('inspection_export', inspection_export)

Tender = pool_get('pharma.tender')
Line = pool_get('pharma.tender.line')


def tender_reminder():
    from trytond.modules.pharma_tender.tender import REMINDER_DAYS
    tenders = [t for t in Tender.search([('owner', '!=', None)])
        if t.registration_deadline or t.submission_deadline]
    tender = tenders[0]
    deadline = tender.submission_deadline or tender.registration_deadline
    if deadline < today:
        sql_write('pharma_tender', {'submission_deadline': today
                + datetime.timedelta(days=REMINDER_DAYS[0]),
                'state': 'preparing'}, [tender.id])
        deadline = today + datetime.timedelta(days=REMINDER_DAYS[0])
    sent = Tender.send_deadline_reminders(
        deadline - datetime.timedelta(days=REMINDER_DAYS[0]))
    assert sent, 'no reminder sent'
step('tender_reminder', tender_reminder)


def tender_floor():
    lines = [l for l in Line.search([('product', '!=', None),
                ('bid_price', '!=', None)])]
    floors = Line._floor_prices(lines)
    line = [l for l in lines if floors[l.id]][0]
    sql_write('pharma_tender_line', {
            'bid_price': floors[line.id] / 2, 'floor_approved_by': None},
        [line.id])
    Line.request_floor_approval([Line(line.id)])
step('tender_floor', tender_floor)


def tender_alert():
    Alert = pool_get('pharma.tender.alert')
    Alert.notify(Alert.search([], limit=2))
step('tender_alert', tender_alert)


def call_alerts():
    Call = pool_get('pharma.call')
    Call.send_alerts()
step('call_alerts', call_alerts)


def sample_count():
    Inventory = pool_get('stock.inventory')
    counts = Inventory.create_sample_counts(
        [emp('rep1'), emp('rep2')], today)
    counts = [c for c in counts if c.lines]
    for line in counts[0].lines:
        line.quantity = max((line.expected_quantity or 0) - 1, 0)
    counts[0].lines = counts[0].lines
    counts[0].save()
    Inventory.confirm([counts[0]])
step('sample_count', sample_count)


def recruitment_assigned():
    Territory = pool_get('pharma.territory')
    territories = [t for t in Territory.search([])
        if t.get_commercial_owner()]
    Party.create([{'name': '测试招商代理', 'pharma_type': 'agent',
                'territory': territories[0].id,
                'lifecycle_stage': 'prospect'}])
step('recruitment_assigned', recruitment_assigned)


def recruitment_overdue():
    agents = Party.search([('pharma_type', 'in', ['agent', 'distributor']),
            ('recruitment_owner', '!=', None)], limit=1)
    sql_write('party_party', {
            'recruitment_deadline': today - datetime.timedelta(days=3),
            'lifecycle_stage': 'prospect'}, [agents[0].id])
    assert Party.escalate_recruitment()
step('recruitment_overdue', recruitment_overdue)


def licence_expiry():
    Agreement = pool_get('pharma.agency.agreement')
    agreement, = Agreement.search([('owner', '!=', None)], limit=1)
    sql_write('party_party', {
            'licence_expiry': today + datetime.timedelta(days=30)},
        [agreement.agent.id])
    Party.alert_licence_expiry()
step('licence_expiry', licence_expiry)


def churn():
    Alert = pool_get('pharma.churn.alert')
    Alert.delete(Alert.search([]))
    Party.alert_churn()
step('churn', churn)


def ae_alert():
    Case = pool_get('sale.sale') and pool_get('pharma.service.case')
    cases = Case.search([('case_type', '=', 'adverse_event'),
            ('reported_date', '=', None)], limit=1)
    if not cases:
        cases = Case.search([('case_type', '=', 'adverse_event')], limit=1)
        sql_write('pharma_service_case', {'reported_date': None},
            [cases[0].id])
    sql_write('pharma_service_case', {
            'report_due_date': today - datetime.timedelta(days=2)},
        [cases[0].id])
    Case.send_ae_alerts()
step('ae_alert', ae_alert)

result['kinds'] = kinds
transaction.rollback()
'''
