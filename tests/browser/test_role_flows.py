# This file is part of the pharma suite. See README.md for license terms.
"""Browser tests of the role flows of issue 21 (server-side part), on the
demo data, as the real users in the web client:

1. finance1 approves an order: types the credit granted, clicks 审批通过,
   confirms (3 interactions, counted); the typed amount is kept, no error,
   the order leaves the finance queue and the form does not ask to save on
   reload. Before the button, the form says what approval needs.
2. manager1 approves a submitted plan with one click on the row's button
   in the team list, which shows the completion rate.
3. rep1 finds the doctors of 瑞金医院 by typing rj; the log-visit dialog of a
   doctor shows neither list price (目录价) nor cost price (成本价).

Run alone:
    PHARMA_BROWSER=1 .venv/bin/python tests/run_module_tests.py \\
        --file tests/browser/test_role_flows.py
Screenshots: tests/output/browser/role_flows/*.png
"""
import os
import re
import sys
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from helpers import (  # noqa: E402
    OUTPUT, BrowserTestCase, current_tab, field, js_errors, list_texts,
    login, open_menu, password, rpc_errors, wait_idle)

SHOTS = os.path.join(OUTPUT, 'role_flows')


def shot(page, name):
    "Save a screenshot into tests/output/browser/role_flows/<name>.png"
    os.makedirs(SHOTS, exist_ok=True)
    path = os.path.join(SHOTS, re.sub(r'[^\w.-]+', '_', name) + '.png')
    page.screenshot(path=path, full_page=True)
    return path


def dialog(page):
    return page.locator('.modal.in:visible').last


class Counter:
    "Counts the user's interactions (clicks, fills and key presses)"

    def __init__(self, page):
        self.page = page
        self.count = 0

    def click(self, locator):
        locator.click()
        self.count += 1
        wait_idle(self.page)

    def fill(self, locator, value):
        # as a person types: click the field, then type once the input
        # that takes the keys has the focus (a number field of sao swaps
        # its displayed text input for a number input on focus, one tick
        # later: a programmatic fill could land in the hidden one)
        locator.click()
        self.page.wait_for_function('''() => {
            const e = document.activeElement;
            return e && e.tagName === 'INPUT' && e.offsetParent !== null;
            }''', timeout=5000)
        self.page.keyboard.press('Control+A')
        self.page.keyboard.type(value)
        self.count += 1


class RoleFlowsTestCase(BrowserTestCase):
    modules = ['pharma_calls', 'pharma_distributor']
    database = 'roleflows'
    demo_data = True

    @classmethod
    def setup_database(cls, server):
        cls.data = server.run_python('''
            Sale = pool.get('sale.sale')
            Plan = pool.get('pharma.weekly.plan')
            ModelData = pool.get('ir.model.data')
            Menu = pool.get('ir.ui.menu')
            User = pool.get('res.user')
            sales = Sale.search([('state', '=', 'finance_approval')])
            result['sales'] = [s.id for s in sales]
            result['sale_numbers'] = [s.number for s in sales]
            plans = Plan.search([('state', '=', 'submitted')])
            result['plans'] = [
                [p.id, p.employee.rec_name, str(p.week_start)]
                for p in plans]
            manager, = User.search([('login', '=', 'manager1')])
            with transaction.set_context(language='zh_CN'):
                menus = {}
                for key, xml_id in [
                        ('sales', 'pharma_distributor.menu_sale_form'),
                        ('team', 'pharma_calls.menu_weekly_plan_team'),
                        ('doctors', 'pharma_hospital.menu_doctor_form'),
                        ]:
                    menu = Menu(ModelData.get_id(*xml_id.split('.')))
                    names = []
                    while menu:
                        names.insert(0, menu.name)
                        menu = menu.parent
                    menus[key] = names
                result['menus'] = menus
            ''')

    def login(self, user):
        page = self.new_page()
        login(page, self.server.url, user, password(user),
            database=self.server.database)
        return page

    def assertNoErrors(self, page):
        self.assertEqual(js_errors(page), [])
        self.assertEqual(rpc_errors(page), [])

    def sale_state(self, sale_id):
        return self.server.run_python('''
            sale = pool.get('sale.sale')(%d)
            result.update(state=sale.state,
                credit=str(sale.credit_granted),
                approved=bool(sale.finance_approved_date))
            ''' % sale_id)

    def test_1_finance_approval(self):
        "finance1 approves an order in 3 interactions, the amount kept"
        self.assertTrue(self.data['sales'], "no order awaits finance")
        sale_id = self.data['sales'][0]
        number = self.data['sale_numbers'][0]
        page = self.login('finance1')
        open_menu(page, self.data['menus']['sales'])
        rows = list_texts(page)
        shot(page, '1_1_finance_queue')
        self.assertTrue(any(r.startswith(number + ' ') for r in rows), rows)
        # the number cell is plain text (the party cell is a link)
        row = current_tab(page).locator('table tbody tr:visible').filter(
            has_text=number).first
        row.get_by_text(number, exact=True).first.dblclick()
        page.locator('#tabcontent[data-view-type="form"]').wait_for(
            state='attached')
        wait_idle(page)
        tab = current_tab(page)
        tab.locator('.nav-tabs a:visible', has_text='财务审批').first.click()
        wait_idle(page)
        shot(page, '1_2_finance_form')
        # what the approval needs is on the form before the button
        # (a notebook page is an active tab-pane too: the outer one first)
        text = page.locator('#tabcontent .tab-pane.active').first.inner_text()
        self.assertIn('审批前请填写已收款或授信额度', text)
        self.assertTrue(tab.locator(
                'label.required:visible', has_text='授信额度').count())

        counter = Counter(page)
        counter.fill(field(page, 'credit_granted'), '5000')
        counter.click(tab.locator(
                'button[name="finance_approve"]:visible').first)
        confirm = dialog(page)
        confirm.wait_for(state='visible')
        shot(page, '1_3_finance_confirm')
        counter.click(confirm.locator(
                '.modal-footer button.btn-primary').first)
        page.locator('.modal.in:visible').first.wait_for(state='hidden')
        wait_idle(page)
        shot(page, '1_4_finance_approved')
        self.assertNoErrors(page)
        self.assertEqual(counter.count, 3)
        state = self.sale_state(sale_id)
        self.assertTrue(state['approved'], state)
        self.assertIn(state['state'], {'confirmed', 'processing'})
        self.assertEqual(Decimal(state['credit']), Decimal('5000'))
        # the form shows the new stage, and reloads without asking to save
        self.assertNotIn('待财务审批', field(page, 'pharma_stage')
            .locator('option:checked').inner_text())
        tab.locator('button#reload:visible').first.click()
        wait_idle(page)
        self.assertEqual(page.locator('.modal.in:visible').count(), 0)
        shot(page, '1_5_finance_reloaded')
        with open(os.path.join(SHOTS, 'finance_approval.txt'), 'w') as f:
            f.write('interactions: %s\n' % counter.count)

    def test_2_plan_approval(self):
        "manager1 approves a plan with one click on the row's button"
        self.assertTrue(self.data['plans'], "no plan awaits approval")
        plan_id, employee, week = self.data['plans'][0]
        page = self.login('manager1')
        open_menu(page, self.data['menus']['team'])
        rows = list_texts(page)
        shot(page, '2_1_team_plans')
        self.assertTrue(any(employee in r and week in r for r in rows), rows)
        headers = current_tab(page).locator('th:visible').all_inner_texts()
        self.assertIn('完成率', [h.strip() for h in headers])
        row = current_tab(page).locator('table tbody tr:visible').filter(
            has_text=employee).filter(has_text=week).first
        # one click, on a row that is not selected
        row.locator('button[name="approve"]').click()
        wait_idle(page)
        shot(page, '2_2_team_plan_approved')
        self.assertNoErrors(page)
        state = self.server.run_python('''
            result['state'] = pool.get('pharma.weekly.plan')(%d).state
            ''' % plan_id)['state']
        self.assertEqual(state, 'approved')

    def test_3_rep_doctors(self):
        "rep1 finds doctors by their hospital's pinyin; no prices to log"
        page = self.login('rep1')
        open_menu(page, self.data['menus']['doctors'])
        search = current_tab(page).locator(
            'input.form-control:visible').first
        search.fill('rj')
        search.press('Enter')
        wait_idle(page)
        rows = list_texts(page)
        shot(page, '3_1_doctors_rj')
        self.assertTrue(rows, "rj found no doctor")
        self.assertTrue(all('瑞金' in r for r in rows), rows)
        # the first doctor's log-visit dialog: select the row (a click on
        # its name, the hospital cell is a link), switch to the form
        name = rows[0].split()[0]
        current_tab(page).locator('table tbody tr:visible').filter(
            has_text=name).first.get_by_text(name, exact=True).first.click()
        wait_idle(page)
        current_tab(page).locator('button#switch_:visible').first.click()
        page.locator('#tabcontent[data-view-type="form"]').wait_for(
            state='attached')
        wait_idle(page)
        current_tab(page).locator(
            'button[name="log_visit"]:visible').first.click()
        wait_idle(page)
        form = dialog(page)
        form.wait_for(state='visible')
        wait_idle(page)
        shot(page, '3_2_log_visit')
        text = form.inner_text()
        self.assertNotIn('目录价', text)
        self.assertNotIn('成本价', text)
        self.assertNoErrors(page)

