# This file is part of the pharma suite. See README.md for license terms.
"""The demo as `make demo` builds it (scripts/demo.py, every module's
demo.py), then the management report pack of the demo month through the
`pharma-report` command, opened with openpyxl and checked sheet by sheet.

It builds a whole database (several minutes), so it runs once, in the SQLite
pass of `make test`; scripts/demo.py itself is backend-neutral."""
import datetime
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, '.venv', 'bin')


@unittest.skipUnless(os.environ.get('PHARMA_BACKEND', 'sqlite') == 'sqlite',
    "the demo database is built once, in the SQLite pass")
class DemoTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.mkdtemp(prefix='pharma-demo-')
        cls.config = os.path.join(cls.directory, 'local.conf')
        with open(cls.config, 'w') as f:
            f.write('[database]\nuri = sqlite://\npath = %s\n'
                % cls.directory)
        cls.configs = [os.path.join(ROOT, 'trytond.conf'), cls.config]
        env = dict(os.environ)
        env.pop('TRYTOND_DATABASE__URI', None)
        env.pop('DB_NAME', None)
        cls.env = env
        cls.demo = subprocess.run([sys.executable, '-W', 'ignore',
                os.path.join(ROOT, 'scripts', 'demo.py'),
                '--config', *cls.configs, '--database', 'demo'],
            env=env, cwd=ROOT, capture_output=True, text=True, timeout=1800)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.directory, ignore_errors=True)

    def test_demo_builds(self):
        "The demo is built and prints the logins"
        self.assertEqual(self.demo.returncode, 0,
            self.demo.stdout[-3000:] + self.demo.stderr[-3000:])
        for login in ['admin', 'rep1', 'rep2', 'sales1', 'manager1',
                'marketing1', 'clerk1', 'finance1', 'logistics1']:
            self.assertIn(login, self.demo.stdout)

    def test_report_pack(self):
        "pharma-report writes a workbook whose every sheet has data"
        from openpyxl import load_workbook
        self.assertEqual(self.demo.returncode, 0, self.demo.stderr[-3000:])
        today = datetime.date.today()
        month = (today.replace(day=1) - datetime.timedelta(days=1))
        output = os.path.join(self.directory, 'pack.xlsx')
        result = subprocess.run([os.path.join(BIN, 'pharma-report'),
                '--config', *self.configs, '--database', 'demo',
                '--month', month.strftime('%Y-%m'), output],
            env=self.env, cwd=ROOT, capture_output=True, text=True,
            timeout=600)
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        workbook = load_workbook(output, read_only=True)
        self.assertGreaterEqual(len(workbook.sheetnames), 13)
        for name in workbook.sheetnames:
            rows = list(workbook[name].iter_rows(values_only=True))
            # a title row with the month, the headers, then data
            self.assertIn(month.strftime('%Y-%m'), str(rows[0][0]), name)
            self.assertGreater(len(rows), 2,
                "sheet %s has no data for %s" % (
                    name, month.strftime('%Y-%m')))
            # Chinese titles
            self.assertTrue(any('\u4e00' <= c <= '\u9fff' for c in name),
                name)
            # no nameless stray row (a target without product, territory or
            # employee is named), at the end or anywhere
            self.assertEqual([r for r in rows[2:]
                    if r[0] is None or str(r[0]).strip() == ''], [], name)

        # rounded numbers with number formats; one unit per column: a
        # column's numbers share one format, a "%" header is in percent
        # (0-100 with one decimal and a % sign), no other column is
        workbook = load_workbook(output)
        percent_columns = 0
        for sheet in workbook.worksheets:
            headers = [c.value for c in sheet[2]]
            columns = {}
            for row in sheet.iter_rows(min_row=3):
                for cell in row:
                    if isinstance(cell.value, bool) or not isinstance(
                            cell.value, (int, float)):
                        continue
                    columns.setdefault(cell.column - 1, []).append(cell)
                    if isinstance(cell.value, float):
                        self.assertNotEqual(cell.number_format, 'General',
                            (sheet.title, cell.coordinate, cell.value))
                        self.assertEqual(cell.value, round(cell.value, 2),
                            (sheet.title, cell.coordinate))
            for index, cells in columns.items():
                header = str(headers[index] if index < len(headers)
                    else '')
                where = (sheet.title, header)
                formats = {c.number_format for c in cells}
                # one unit: percent or plain numbers (#,##0 and #,##0.00
                # are both plain), never both in one column
                self.assertEqual(len({'%' in f for f in formats}), 1,
                    (where, formats))
                if '%' in header:
                    percent_columns += 1
                    self.assertEqual(formats, {'0.0"%"'}, where)
                    values = [c.value for c in cells]
                    self.assertEqual(values, [round(v, 1) for v in values],
                        where)
                    # 0-100, never a fraction: a column of several
                    # non-zero values all below 1 is in fractions
                    nonzero = [v for v in values if v]
                    self.assertFalse(len(nonzero) >= 3 and all(
                            abs(v) < 1 for v in nonzero), (where, values))
                else:
                    self.assertFalse(any('%' in f for f in formats),
                        (where, formats))
        self.assertGreaterEqual(percent_columns, 3)
        plan = workbook['计划执行']
        rates = [r[-1] for r in plan.iter_rows(min_row=3, values_only=True)]
        self.assertTrue(rates)
        self.assertFalse([r for r in rates if r and 0 < r < 1], rates)
        development = workbook['医院开发']
        rows = list(development.iter_rows(min_row=3, values_only=True))
        self.assertTrue(rows)
        for row in rows:
            # the product and state columns: a product and a state
            self.assertNotEqual(row[1], '重点医院', row)
            self.assertNotIn(row[2], ('A', 'B', 'C'), row)


if __name__ == '__main__':
    unittest.main()
