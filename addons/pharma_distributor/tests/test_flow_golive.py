# This file is part of the pharma suite. See README.md for license terms.
"""Distributors' flow files at go-live (issue 19): totals and notes,
packs, suggestions of the right kind, months replaced and serialised,
the command line without a template"""
import datetime as dt
import io
import os
import tempfile
import unittest
from contextlib import redirect_stdout

import openpyxl

from trytond import backend
from trytond.modules.company.tests import create_company, set_company
from trytond.modules.pharma_hospital.tests.tools import load_zh_cn
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    DB_NAME, activate_module, with_transaction)
from trytond.transaction import Transaction

DISTRIBUTOR = "温州医药有限公司"


def flow_file(rows, header=None, title="温州医药有限公司 2024年1月 销售流向",
        totals=True):
    """A distributor's export: merged title, notes above the header,
    subtotals and a grand total (formulas), blank separators, notes
    below the table"""
    header = header or ['销售日期', '客户名称', '产品名称', '规格', '批号',
        '数量', '单位', '单价', '金额', '业务员']
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "流向"
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1,
        end_column=len(header))
    sheet.append(["单位：盒", None, None, "导出时间：2024-02-01"])
    sheet.append(list(header))
    first = sheet.max_row + 1
    for i, row in enumerate(rows):
        sheet.append(list(row))
        if totals and i == 1:
            sheet.append([None, "小计", None, None, None,
                    "=SUM(F%d:F%d)" % (first, sheet.max_row)])
            sheet.append([])
    if totals:
        sheet.append(["合计", None, None, None, None,
                "=SUM(F%d:F%d)" % (first, sheet.max_row)])
        sheet.append([])
        sheet.append(["制表人：李会计", None, None, "审核："])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


class FlowGoLiveTestCase(unittest.TestCase):
    "Flow and inventory files of a new company"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('pharma_distributor')

    def _setup(self):
        pool = Pool()
        Party = pool.get('party.party')
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        unit, = Uom.search([('name', '=', 'Unit')])
        distributor, hospital, pharmacy, other = Party.create([{
                    'name': DISTRIBUTOR, 'pharma_type': 'distributor',
                    }, {
                    'name': "温州市人民医院", 'pharma_type': 'hospital',
                    }, {
                    'name': "温州大参林大药房", 'pharma_type': 'pharmacy',
                    }, {
                    'name': "温州大参林医药有限公司",
                    'pharma_type': 'distributor',
                    }])
        atorva20, atorva10 = Template.create([{
                    'name': "阿托伐他汀钙片", 'default_uom': unit.id,
                    'type': 'goods', 'is_pharma': True,
                    'strength': '20mg', 'pack_size': 7,
                    'products': [('create', [{}])],
                    }, {
                    'name': "阿托伐他汀钙片", 'default_uom': unit.id,
                    'type': 'goods', 'is_pharma': True,
                    'strength': '10mg', 'pack_size': 7,
                    'products': [('create', [{}])],
                    }])
        return (distributor, hospital, pharmacy, other,
            atorva20.products[0], atorva10.products[0])

    def _run(self, kind, data, distributor=None, **kwargs):
        Engine = Pool().get('pharma.import.engine')
        context = {}
        if distributor:
            context['pharma_import_distributor'] = distributor.id
        with Transaction().set_context(context):
            return Engine.run(kind, data, filename='flow.xlsx', **kwargs)

    def _rows(self):
        return [
            [dt.date(2024, 1, 5), "温州市人民医院", "阿托伐他汀钙片",
                "20mg×7片", "L1", 10, "盒", 30, 300, "张三"],
            ["2024/1/6", "温州市人民医院 ", "阿托伐他汀钙片", "20mg*7s", "L1",
                "２０", "盒", 30, 600, ""],
            ["2024年1月7日", "温州市人民医院", "阿托伐他汀钙片", "１０ｍｇｘ７片",
                "L2", 5, "盒", 18, 90, ""],
            [20240108, "温州大参林大药房", "阿托伐他汀钙片", "40mg*7片", "L3",
                3, "盒", 50, 150, ""],
            ]

    @with_transaction()
    def test_totals_notes_packs(self):
        """Totals, subtotals, blank rows and notes are skipped and
        reported; packs written four ways find their product, an unknown
        pack waits in the queue"""
        pool = Pool()
        Flow = pool.get('pharma.flow.line')
        Alias = pool.get('pharma.flow.alias')
        company = create_company()
        with set_company(company):
            distributor, hospital, pharmacy, _, p20, p10 = self._setup()
            data = flow_file(self._rows())
            job = self._run('flow', data, distributor=distributor)
            self.assertEqual(job.errors, [])
            self.assertEqual(job.summary()['created'], 4)
            self.assertEqual(sorted(s['reason'] for s in job.skipped_rows),
                ['blank', 'blank', 'note', 'summary', 'summary'])
            self.assertEqual(job.ignored(), [("流向", 'J', "业务员")])
            # the preview's first rows: what each name resolves to, the
            # unknown pack to the match queue, dates and digits read
            samples = {r: dict(v) for _, r, _, v in job.samples}
            self.assertEqual(sorted(samples), [4, 5, 8, 9])
            self.assertEqual(samples[5]["客户名称"],
                "温州市人民医院 → 温州市人民医院")
            self.assertEqual(samples[5]["产品名称"],
                "阿托伐他汀钙片 → %s" % p20.rec_name)
            self.assertEqual(samples[8]["产品名称"],
                "阿托伐他汀钙片 → %s" % p10.rec_name)
            self.assertEqual(samples[9]["产品名称"],
                "阿托伐他汀钙片 (to the match queue)")
            self.assertEqual(samples[9]["客户名称"],
                "温州大参林大药房 → 温州大参林大药房")
            self.assertEqual(samples[5]["数量"], "20")
            self.assertEqual(samples[9]["日期"], "2024-01-08")
            self.assertEqual(samples[4]["经销商"], DISTRIBUTOR)
            lines = Flow.search([], order=[('date', 'ASC')])
            self.assertEqual(len(lines), 4)
            self.assertEqual([l.product for l in lines],
                [p20, p20, p10, None])
            self.assertEqual([l.quantity for l in lines], [10, 20, 5, 3])
            self.assertEqual(lines[0].pack, "20mg×7片")
            self.assertEqual([l.customer for l in lines],
                [hospital, hospital, hospital, pharmacy])
            # the unknown pack: in the queue, never the nearest product
            alias, = Alias.search([('kind', '=', 'product')])
            self.assertEqual(alias.name, "阿托伐他汀钙片 40mg*7片")
            self.assertIsNone(alias.product)
            self.assertTrue(alias.suggestion_reason)

    @with_transaction()
    def test_suggestions_of_the_right_kind(self):
        "A pharmacy is suggested for a pharmacy, with the reason"
        pool = Pool()
        Alias = pool.get('pharma.flow.alias')
        company = create_company()
        with set_company(company):
            distributor, hospital, pharmacy, other, _, _ = self._setup()
            rows = [
                [dt.date(2024, 1, 5), "温州人民医院", "阿托伐他汀钙片",
                    "20mg×7片", "L1", 1, "盒", 30, 30, ""],
                [dt.date(2024, 1, 5), "大参林药房(温州店)", "阿托伐他汀钙片",
                    "20mg×7片", "L1", 1, "盒", 30, 30, ""],
                ]
            job = self._run('flow', flow_file(rows, totals=False),
                distributor=distributor)
            self.assertEqual(job.errors, [])
            queue = {a.name: a for a in Alias.search([
                        ('kind', '=', 'customer')])}
            self.assertEqual(queue["温州人民医院"].party, hospital)
            self.assertIn('0.', queue["温州人民医院"].suggestion_reason)
            self.assertEqual(queue["大参林药房(温州店)"].party, pharmacy)
            self.assertFalse(queue["大参林药房(温州店)"].confirmed)
            # confirmed once, it is suggested to the other distributors
            Alias.confirm([queue["大参林药房(温州店)"]])
            Party = pool.get('party.party')
            second, = Party.create([{'name': "瑞安医药有限公司",
                        'pharma_type': 'distributor'}])
            job = self._run('flow', flow_file(rows[1:], totals=False),
                distributor=second)
            self.assertEqual(job.errors, [])
            alias, = Alias.search([('distributor', '=', second.id)])
            self.assertEqual(alias.party, pharmacy)
            self.assertIn(DISTRIBUTOR, alias.suggestion_reason)

    @with_transaction()
    def test_reimport_replaces_only_the_file_lines(self):
        """A month imported again replaces that distributor's file lines:
        never counted twice, the lines of other sources stay"""
        pool = Pool()
        Flow = pool.get('pharma.flow.line')
        Month = pool.get('pharma.flow.month')
        company = create_company()
        with set_company(company):
            distributor, hospital, _, _, p20, _ = self._setup()
            manual, = Flow.create([{
                        'distributor': distributor.id,
                        'date': dt.date(2024, 1, 20),
                        'month': dt.date(2024, 1, 1),
                        'customer_name': "温州市人民医院",
                        'product_name': "阿托伐他汀钙片",
                        'quantity': 7,
                        }])
            data = flow_file(self._rows())
            for _ in range(2):
                job = self._run('flow', data, distributor=distributor)
                self.assertEqual(job.errors, [])
            lines = Flow.search([('month', '=', dt.date(2024, 1, 1))])
            self.assertEqual(len(lines), 5)
            self.assertIn(manual, lines)
            self.assertEqual(sum(l.quantity for l in lines), 10 + 20 + 5 + 3
                + 7)
            month, = Month.search([])
            self.assertEqual((month.distributor, month.month, month.kind,
                    month.import_batch), (distributor, dt.date(2024, 1, 1),
                    'flow', job.log))

    @unittest.skipIf(backend.name != 'postgresql',
        "SQLite writes one transaction at a time")
    def test_concurrent_month_refused(self):
        """Two imports of the same distributor and month at once: the
        second is refused with a clear message, the month counted once"""
        pool = Pool(DB_NAME)
        with Transaction().start(DB_NAME, 0) as transaction:
            company = create_company()
            with set_company(company):
                distributor = self._setup()[0]
            ids = company.id, distributor.id
            transaction.commit()
        data = flow_file(self._rows())
        try:
            with Transaction().start(DB_NAME, 0,
                    context={'company': ids[0]}) as first:
                Flow = pool.get('pharma.flow.line')
                job = self._run('flow', data,
                    distributor=pool.get('party.party')(ids[1]))
                self.assertEqual(job.errors, [])
                with first.new_transaction() as second:
                    with self.assertRaises(Exception) as cm:
                        self._run('flow', data,
                            distributor=pool.get('party.party')(ids[1]))
                    self.assertIn(DISTRIBUTOR, str(cm.exception))
                    self.assertIn('2024-01', str(cm.exception))
                    second.rollback()
                first.commit()
            with Transaction().start(DB_NAME, 0,
                    context={'company': ids[0]}):
                self.assertEqual(Flow.search_count([
                            ('distributor', '=', ids[1])]), 4)
        finally:
            self._clean(ids[1])

    def _clean(self, distributor):
        "Delete what a test committed"
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            Party = pool.get('party.party')
            Template = pool.get('product.template')
            cursor = transaction.connection.cursor()
            for table in ['pharma_flow_line', 'pharma_inventory_line',
                    'pharma_flow_alias', 'pharma_flow_month',
                    'pharma_import_log']:
                cursor.execute('DELETE FROM "%s"' % table)
            Template.delete(Template.search([
                        ('name', '=', "阿托伐他汀钙片")]))
            Party.delete(Party.search([('name', 'in', [DISTRIBUTOR,
                                "温州市人民医院", "温州大参林大药房",
                                "温州大参林医药有限公司"])]))
            transaction.commit()

    def _inventory_rows(self):
        """A month-end stock count: dates and digits typed every way, two
        packs of one drug, a pack no product has"""
        return [
            [dt.date(2024, 1, 31), "阿托伐他汀钙片", "20mg×7片", "L1",
                "2026/1/1", "１２０", "盒", "一号库"],
            ["2024/1/31", "阿托伐他汀钙片 ", "20mg*7s", "L2", "2026年3月",
                80, "盒", "二号库"],
            [20240131, "阿托伐他汀钙片", "１０ｍｇｘ７片", "L3", 20251231,
                "45", "盒", ""],
            ["2024年1月31日", "阿托伐他汀钙片", "5mg*14片", "L4", None, 6, "盒",
                ""],
            ]

    def test_command_line_without_template(self):
        """pharma-import flow FILE --distributor NAME (and inventory):
        the layout is detected, no template needed"""
        from trytond.modules.pharma_import.scripts import import_main
        pool = Pool(DB_NAME)
        with Transaction().start(DB_NAME, 0) as transaction:
            company = create_company()
            with set_company(company):
                distributor, _, _, _, p20, p10 = self._setup()
            ids = company.id, distributor.id
            products = p20.id, p10.id
            User = pool.get('res.user')
            admin, = User.search([('login', '=', 'admin')])
            User.write([admin], {
                    'companies': [('add', [company.id])],
                    'company': company.id})
            transaction.commit()
        try:
            with tempfile.TemporaryDirectory() as directory:
                path = os.path.join(directory, '流向.xlsx')
                with open(path, 'wb') as fp:
                    fp.write(flow_file(self._rows()))
                load_zh_cn(DB_NAME, ('pharma_hospital', 'pharma_import'))
                out = io.StringIO()
                with redirect_stdout(out):
                    status = import_main(['-d', DB_NAME, '--quiet',
                            '-l', 'zh_CN', 'flow', path,
                            '--distributor', "温州医药"])
                self.assertEqual(status, 0, out.getvalue())
                self.assertIn('新建：4，', out.getvalue())
                self.assertIn('跳过的行：5', out.getvalue())
                self.assertIn('合计行', out.getvalue())
                out = io.StringIO()
                with redirect_stdout(out):
                    status = import_main(['-d', DB_NAME, '--quiet', 'flow',
                            path, '--distributor', "无此商业"])
                self.assertEqual(status, 1)

                # the month-end inventory of the same distributor, no
                # template either: merged title, notes above the header,
                # subtotal, totals and notes below skipped
                path = os.path.join(directory, '库存.xlsx')
                with open(path, 'wb') as fp:
                    fp.write(flow_file(self._inventory_rows(),
                            header=['库存日期', '产品名称', '规格', '批号',
                                '有效期', '库存数量', '单位', '仓库'],
                            title="温州医药有限公司 2024年1月 月末库存"))
                out = io.StringIO()
                with redirect_stdout(out):
                    status = import_main(['-d', DB_NAME, '--quiet',
                            '-l', 'zh_CN', 'inventory', path,
                            '--distributor', "温州医药"])
                self.assertEqual(status, 0, out.getvalue())
                self.assertIn('新建：4，', out.getvalue())
                self.assertIn('跳过的行：5', out.getvalue())
                self.assertIn('合计行', out.getvalue())
                self.assertIn('仓库', out.getvalue())
            with Transaction().start(DB_NAME, 0,
                    context={'company': ids[0]}):
                Flow = pool.get('pharma.flow.line')
                self.assertEqual(Flow.search_count([
                            ('distributor', '=', ids[1])]), 4)
                Inventory = pool.get('pharma.inventory.line')
                Alias = pool.get('pharma.flow.alias')
                lines = Inventory.search([('distributor', '=', ids[1])],
                    order=[('source_row', 'ASC')])
                self.assertEqual([(l.date, l.month) for l in lines],
                    [(dt.date(2024, 1, 31), dt.date(2024, 1, 1))] * 4)
                # two packs of one drug: two products; full-width digits
                self.assertEqual([l.product.id if l.product else None
                        for l in lines], [products[0], products[0],
                        products[1], None])
                self.assertEqual([l.quantity for l in lines],
                    [120, 80, 45, 6])
                self.assertEqual([l.expiry for l in lines], [
                        dt.date(2026, 1, 1), dt.date(2026, 3, 1),
                        dt.date(2025, 12, 31), None])
                self.assertEqual([l.pack for l in lines][:2],
                    ["20mg×7片", "20mg*7s"])
                # the unknown pack waits in the match queue, no product
                # chosen for it
                alias, = Alias.search([('distributor', '=', ids[1]),
                        ('kind', '=', 'product'),
                        ('name', '=', "阿托伐他汀钙片 5mg*14片")])
                self.assertIsNone(alias.product)
                self.assertFalse(alias.confirmed)
                self.assertTrue(alias.suggestion_reason)
        finally:
            self._clean(ids[1])
