# This file is part of the pharma suite. See README.md for license terms.
"""Browser test of the go-live import wizard (issue 19), as clerk1 on a new
company (scripts/demo.py --no-data: no territory, no hospital), with a
hospital list made by hand (merged title, notes above the header, a
column the import does not know, a totals row):

1. the preview, before anything is written, shows the columns recognised
   and ignored (院长电话), the rows refused because their territories do
   not exist, with the reason, and writes nothing;
2. going back keeps the file and the kind; ticking 创建缺少的区域 previews
   the territories it will create and no refusal;
3. importing queues the import as clerk1's background job (issue 25):
   the wizard ends on a page saying so and where to follow it; the job
   runs (here, without trytond-worker, in the server right after the
   request's commit) and creates the hospitals and the territory tree,
   nothing else; 我的后台任务 lists the finished job.

Run alone:
    PHARMA_BROWSER=1 .venv/bin/python tests/run_module_tests.py \\
        --file tests/browser/test_import_wizard.py
Screenshots: tests/output/browser/import_wizard/*.png
"""
import io
import os
import re
import sys
import time

import openpyxl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from helpers import (  # noqa: E402
    OUTPUT, BrowserTestCase, js_errors, list_texts, login, open_menu,
    password, rpc_errors, wait_idle)

SHOTS = os.path.join(OUTPUT, 'import_wizard')
CJK = re.compile('[\u3400-\u9fff]')


def shot(page, name):
    os.makedirs(SHOTS, exist_ok=True)
    path = os.path.join(SHOTS, re.sub(r'[^\w.-]+', '_', name) + '.png')
    page.screenshot(path=path, full_page=True)
    return path


def hospital_file():
    "A hospital list as a clerk has it (merged title, notes, totals)"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "医院名单"
    sheet.append(["2024年医院名单"])
    sheet.merge_cells('A1:G1')
    sheet.append(["数据来源：市场部"])
    sheet.append([])
    sheet.append(["医院名称", "省份", "城市", "区县", "医院等级", "床位数",
            "院长电话"])
    sheet.append(["温州市人民医院 ", "浙江省", "温州市", "鹿城区", "三级甲等",
            "１２００", "0577-1"])
    sheet.append([])
    sheet.append(["温州医科大学附属第一医院", "浙江", "温州", "瓯海区", "三甲",
            "3,000", ""])
    sheet.append(["南宁市第一人民医院", "广西壮族自治区", "南宁市", "", "三甲",
            1500, ""])
    sheet.append(["合计", None, None, None, None, "=SUM(F5:F8)"])
    sheet.append(["注：床位数为编制床位"])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


class ImportWizardTestCase(BrowserTestCase):
    modules = ['pharma_import']
    database = 'importwizard'
    demo_data = False

    @classmethod
    def setup_database(cls, server):
        cls.menu = server.menu_path(
            'pharma_import.menu_import_wizard', user='clerk1')
        cls.jobs_menu = server.menu_path(
            'pharma_hospital.menu_job_form', user='clerk1')
        cls.kind_label = server.run_python('''
            Engine = pool.get('pharma.import.engine')
            with transaction.set_context(language='zh_CN'):
                result['label'] = dict(Engine.get_kinds())['hospitals']
            ''')['label']

    def counts(self):
        return self.server.run_python('''
            Party = pool.get('party.party')
            Territory = pool.get('pharma.territory')
            result['hospitals'] = sorted(p.name for p in Party.search(
                    [('pharma_type', '=', 'hospital')]))
            result['territories'] = sorted(
                t.name for t in Territory.search([]))
            ''')

    def jobs(self):
        "clerk1's background jobs (through clerk1's access)"
        return self.server.run_python('''
            Job = pool.get('pharma.job')
            with transaction.set_context(_check_access=True):
                result['jobs'] = [(j.state, j.progress, j.message or '')
                    for j in Job.search([])]
            ''', user='clerk1')['jobs']

    def assertNoErrors(self, page):
        self.assertEqual(js_errors(page), [])
        self.assertEqual(rpc_errors(page), [])

    def modal(self, page):
        return page.locator('.modal.in:visible').last

    def modal_text(self, page):
        "The dialog's text and the values of its fields (text areas too)"
        modal = self.modal(page)
        values = modal.locator('textarea, input').evaluate_all(
            'l => l.map(e => e.value)')
        return ' '.join((modal.inner_text() + ' ' + ' '.join(
                    v for v in values if v)).split())

    def click_button(self, page, text):
        self.modal(page).locator('.modal-footer button:visible',
            has_text=text).first.click()
        wait_idle(page)

    def test_hospitals_go_live(self):
        "clerk1 previews, goes back, asks for the territories and imports"
        self.assertEqual(self.counts(),
            {'hospitals': [], 'territories': []})
        page = self.new_page()
        login(page, self.server.url, 'clerk1', password('clerk1'),
            database=self.server.database)
        # the menu entry opens the wizard's dialog (no tab)
        for name in self.menu:
            row = page.locator('#menu tbody tr:visible').filter(
                has=page.get_by_text(name, exact=True)).first
            row.get_by_text(name, exact=True).first.click()
            wait_idle(page)
        modal = self.modal(page)
        modal.wait_for(state='visible')
        kind = modal.locator('select[name="kind"]:visible').first
        kind.select_option(label=self.kind_label)
        wait_idle(page)
        modal.locator('input[type="file"]').first.set_input_files(files=[{
                    'name': '医院名单.xlsx',
                    'mimeType': 'application/vnd.openxmlformats-'
                    'officedocument.spreadsheetml.sheet',
                    'buffer': hospital_file(),
                    }])
        wait_idle(page)
        shot(page, '1_start')
        # the territories box is offered for hospitals
        self.assertEqual(modal.locator(
                'input[name="create_territories"]:visible').count(), 1)

        # 1. preview without creating territories: refused, nothing written
        self.click_button(page, '预览')
        self.modal(page).locator('input[name="refused"]').first.wait_for(
            state='attached')
        wait_idle(page)
        shot(page, '2_preview_refused')
        text = self.modal_text(page)
        self.assertIn('院长电话', text)
        modal = self.modal(page)
        refused = modal.locator('input[name="refused"]').first
        self.assertEqual(refused.input_value(), '3')
        # the refused rows and their reason, in Chinese
        modal.locator('.nav-tabs a').filter(
            has_text=re.compile('^错误$')).first.click()
        wait_idle(page)
        shot(page, '3_preview_errors')
        errors = self.modal_text(page)
        self.assertIn('没有名为“浙江省”的区域', errors)
        self.assertIn('医院名单!B5', errors)
        self.assertIn('创建缺少的区域', errors)
        self.assertNoErrors(page)
        self.assertEqual(self.counts(),
            {'hospitals': [], 'territories': []})

        # 2. back: the file and the kind are kept; ask for the territories
        self.click_button(page, '返回')
        self.modal(page).locator('select[name="kind"]').first.wait_for()
        modal = self.modal(page)
        self.assertEqual(modal.locator(
                'select[name="kind"]:visible').first.evaluate(
                'e => e.options[e.selectedIndex].text'), self.kind_label)
        self.assertIn('医院名单.xlsx', self.modal_text(page))
        # the blank template of the kind is still offered (not 0B)
        self.assertNotIn(' 0B', self.modal_text(page))
        modal.locator('input[name="create_territories"]:visible').first.check()
        wait_idle(page)
        self.click_button(page, '预览')
        self.modal(page).locator('input[name="refused"]').first.wait_for(
            state='attached')
        wait_idle(page)
        modal = self.modal(page)
        shot(page, '4_preview_territories')
        self.assertEqual(modal.locator(
                'input[name="refused"]').first.input_value(), '0')
        self.assertEqual(modal.locator(
                'input[name="created"]').first.input_value(), '3')
        plans = self.modal_text(page)
        self.assertIn('南宁市', plans)
        self.assertEqual(self.counts(),
            {'hospitals': [], 'territories': []})

        # 3. import: queued as a background job, the wizard says so
        self.click_button(page, '导入')
        modal = self.modal(page)
        modal.locator('textarea[name="text"]').first.wait_for(
            state='attached')
        wait_idle(page)
        shot(page, '5_queued')
        text = self.modal_text(page)
        self.assertIn('已排队', text)
        self.assertIn('我的后台任务', text)
        self.assertIn('医院名单.xlsx', text)
        self.click_button(page, '关闭')
        page.locator('.modal.in:visible').first.wait_for(state='hidden')
        wait_idle(page)
        self.assertNoErrors(page)
        # without trytond-worker the server ran it after the commit
        deadline = time.monotonic() + 60
        while (jobs := self.jobs()) and jobs[0][0] in {'queued', 'running'}:
            self.assertLess(time.monotonic(), deadline, jobs)
            time.sleep(1)
        self.assertEqual(jobs, [['done', 1.0, '']])
        counts = self.counts()
        self.assertEqual(counts['hospitals'], sorted([
                    "温州市人民医院", "温州医科大学附属第一医院",
                    "南宁市第一人民医院"]))
        for name in ["浙江省", "温州市", "鹿城区", "瓯海区",
                "广西壮族自治区", "南宁市"]:
            self.assertIn(name, counts['territories'])
        # every label the clerk saw was Chinese
        self.assertFalse(page.locator('.modal.in:visible').count())
        # the job in 我的后台任务
        open_menu(page, self.jobs_menu)
        rows = list_texts(page)
        shot(page, '6_jobs')
        self.assertEqual(len(rows), 1, rows)
        self.assertIn('已完成', rows[0])
        self.assertIn('医院名单.xlsx', rows[0])
        self.assertNoErrors(page)
