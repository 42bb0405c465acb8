# This file is part of the pharma suite. See README.md for license terms.
"""Browser smoke test: a fresh database with pharma_hospital, trytond on a
free loopback port, the web client in headless Chromium.

Run alone:
    PHARMA_BROWSER=1 .venv/bin/python tests/run_module_tests.py \\
        --file tests/browser/test_smoke.py
Screenshots: tests/output/browser/smoke_*.png
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from helpers import (  # noqa: E402
    BrowserTestCase, click_tool, current_tab, field, js_errors, list_texts,
    login, open_menu, open_record, password, rpc_errors, screenshot,
    visible_labels, wait_form, wait_idle)

HOSPITAL = '浦江测试医院'
DOCTOR = '欧阳测试'
OTHER_DOCTOR = '王测试'


class SmokeTestCase(BrowserTestCase):
    modules = ['pharma_hospital']
    database = 'smoke'

    @classmethod
    def setup_database(cls, server):
        # A hospital covered by rep1, one of its departments and a doctor
        cls.ids = server.run_python('''
            Party = pool.get('party.party')
            Department = pool.get('pharma.hospital.department')
            Coverage = pool.get('pharma.coverage')
            User = pool.get('res.user')
            rep1, = User.search([('login', '=', 'rep1')])
            hospital, = Party.create([{
                        'name': %(hospital)r,
                        'pharma_type': 'hospital',
                        'hospital_grade': '3a',
                        'beds': 1200,
                        }])
            department, = Department.create([{
                        'hospital': hospital.id, 'name': '心内科',
                        }])
            doctor, other = Party.create([{
                        'name': %(doctor)r,
                        'pharma_type': 'doctor',
                        'hospital': hospital.id,
                        'department': department.id,
                        }, {
                        'name': %(other)r,
                        'pharma_type': 'doctor',
                        'hospital': hospital.id,
                        'department': department.id,
                        }])
            Coverage.create([{
                        'company': company.id,
                        'employee': rep1.employee.id,
                        'party': p.id,
                        'role': 'primary',
                        } for p in [hospital, doctor, other]])
            result.update(hospital=hospital.id, doctor=doctor.id)
            ''' % {'hospital': HOSPITAL, 'doctor': DOCTOR,
                'other': OTHER_DOCTOR})
        cls.hospitals_menu = server.menu_path(
            'pharma_hospital.menu_hospital_form', 'rep1')
        cls.doctors_menu = server.menu_path(
            'pharma_hospital.menu_doctor_form', 'rep1')

    def test_hospital_list_and_form(self):
        "rep1 logs in, opens the Hospitals list and the test's hospital"
        page = self.new_page()
        login(page, self.server.url, 'rep1', password('rep1'),
            database=self.server.database)
        # no start-up wizard: the main window shows the menu, no dialog
        self.assertEqual(page.locator('.modal.in:visible').count(), 0)
        screenshot(page, 'smoke_1_home')

        open_menu(page, self.hospitals_menu)
        rows = list_texts(page)
        screenshot(page, 'smoke_2_hospitals')
        self.assertTrue(any(HOSPITAL in row for row in rows),
            'hospital %r not in the list %r (JavaScript errors: %s)'
            % (HOSPITAL, rows, js_errors(page)))

        open_record(page, HOSPITAL)
        name = current_tab(page).locator('input[name="name"]').first
        self.assertEqual(name.input_value(), HOSPITAL)
        labels = visible_labels(page)
        screenshot(page, 'smoke_3_hospital_form')
        self.assertTrue(labels, 'no label visible on the hospital form')
        self.assertEqual(js_errors(page), [])
        self.assertEqual(rpc_errors(page), [])

    def test_doctor_duplicate_warning(self):
        "Creating a doctor with the name of a doctor of the same hospital "
        "shows the duplicate warning"
        page = self.new_page()
        login(page, self.server.url, 'rep1', password('rep1'),
            database=self.server.database)
        open_menu(page, self.doctors_menu)
        click_tool(page, 'new_')
        wait_form(page)
        field(page, 'name').fill(DOCTOR)
        hospital = field(page, 'hospital')
        hospital.fill(HOSPITAL)
        hospital.press('Tab')
        wait_idle(page)
        # a single match is set at once; else pick it in the search dialog
        dialog = page.locator('.modal.in:visible')
        if dialog.count():
            dialog.last.locator('tbody tr', has_text=HOSPITAL).first.dblclick()
            wait_idle(page)
        self.assertEqual(field(page, 'hospital').input_value(), HOSPITAL)
        screenshot(page, 'smoke_4_doctor_new')
        click_tool(page, 'save')
        warning = page.locator('.modal.in:visible').last
        warning.wait_for(state='visible')
        text = warning.inner_text()
        screenshot(page, 'smoke_5_doctor_duplicate_warning')
        # the warning names the existing doctor and its hospital
        self.assertIn(DOCTOR, text)
        self.assertIn(HOSPITAL, text)
        # answering No leaves the existing doctor alone
        warning.locator('.modal-footer button:not(.btn-primary)').first.click()
        wait_idle(page)
        count = self.server.run_python('''
            Party = pool.get('party.party')
            result['count'] = Party.search_count([
                    ('name', '=', %r), ('pharma_type', '=', 'doctor')])
            ''' % DOCTOR)['count']
        self.assertEqual(count, 1)

    def test_doctor_search(self):
        "rep1 finds doctors in the list by name, pinyin and initials"
        page = self.new_page()
        login(page, self.server.url, 'rep1', password('rep1'),
            database=self.server.database)
        open_menu(page, self.doctors_menu)
        rows = list_texts(page)
        self.assertTrue(any(OTHER_DOCTOR in row for row in rows), rows)
        entry = current_tab(page).locator('input.mousetrap:visible').first
        for text, found, hidden in [
                ('欧阳', DOCTOR, OTHER_DOCTOR),
                ('oycs', DOCTOR, OTHER_DOCTOR),
                ('OuYang', DOCTOR, OTHER_DOCTOR),
                ('wang', OTHER_DOCTOR, DOCTOR),
                ]:
            entry.fill(text)
            entry.press('Enter')
            wait_idle(page)
            rows = list_texts(page)
            screenshot(page, 'smoke_6_doctor_search_%s' % text)
            self.assertTrue(any(found in row for row in rows),
                '%r: %r not in %r' % (text, found, rows))
            self.assertFalse(any(hidden in row for row in rows),
                '%r: %r in %r' % (text, hidden, rows))
        self.assertEqual(js_errors(page), [])
        self.assertEqual(rpc_errors(page), [])
