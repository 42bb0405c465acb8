# This file is part of the pharma suite. See README.md for license terms.
import datetime
import io
from decimal import Decimal

from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, create_employee, set_company)
from trytond.modules.pharma_hospital.tests.checks import (
    tree_datetime_without_widget)
from trytond.modules.pharma_hospital.tests.tools import (
    create_user, run_queue)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction


class PharmaReportingTestCase(CompanyTestMixin, ModuleTestCase):
    "Test pharma_reporting module"
    module = 'pharma_reporting'

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
            data = Pack.to_xlsx(sheets, month)
        workbook = load_workbook(io.BytesIO(data), read_only=True)
        self.assertEqual(len(workbook.sheetnames), len(sheets))
        for (title, headers, rows), name in zip(sheets, workbook.sheetnames):
            sheet = workbook[name]
            values = list(sheet.iter_rows(values_only=True))
            self.assertEqual(list(values[1][:len(headers)]), headers)

    @with_transaction()
    def test_report_pack_and_scorecards_queued(self):
        """The report pack and scorecard wizards queue a background job of
        the user and end on the queued page; the job's result is the
        file"""
        from openpyxl import load_workbook
        pool = Pool()
        Job = pool.get('pharma.job')
        Scorecard = pool.get('pharma.scorecard')
        PackWizard = pool.get('pharma.report.pack.wizard', type='wizard')
        ScoreWizard = pool.get('pharma.scorecard.compute', type='wizard')
        company, *_ = self._setup()
        month = datetime.date(2026, 10, 1)
        with set_company(company):
            for Wizard, state, start in [
                    (PackWizard, 'export', {'month': month}),
                    (ScoreWizard, 'compute', {
                            'month': month, 'file_format': 'csv'})]:
                session_id, _, _ = Wizard.create()
                result = Wizard.execute(session_id, {'start': start}, state)
                Wizard.delete(session_id)
                self.assertEqual(result['view']['state'], 'queued')
            pack, score = Job.search([], order=[('id', 'ASC')])
            self.assertEqual([(j.kind, j.state) for j in [pack, score]],
                [('report_pack', 'queued'), ('scorecard', 'queued')])
            self.assertEqual(run_queue(), 2)
            pack, score = Job.search([], order=[('id', 'ASC')])
            self.assertEqual([j.state for j in [pack, score]],
                ['done', 'done'], [j.message for j in [pack, score]])
            self.assertEqual(pack.result_filename, 'pharma-report-2026-10.xlsx')
            workbook = load_workbook(io.BytesIO(pack.result_file),
                read_only=True)
            self.assertTrue(workbook.sheetnames)
            self.assertEqual(score.result_filename, 'scorecards-2026-10.csv')
            self.assertTrue(bytes(score.result_file).decode('utf-8-sig'))
            self.assertEqual(score.result, '%s scorecards computed; the file '
                'is below.' % len(Scorecard.search([])))

    @with_transaction()
    def test_report_pack_and_scorecards_progress(self):
        """The report pack's job reports its progress sheet by sheet, the
        scorecards' job employee slice by employee slice, then both the
        file: the progress moves while the job runs and ends at 100 %"""
        from unittest.mock import patch
        pool = Pool()
        Job = pool.get('pharma.job')
        Pack = pool.get('pharma.report.pack')
        Scorecard = pool.get('pharma.scorecard')
        PackWizard = pool.get('pharma.report.pack.wizard', type='wizard')
        ScoreWizard = pool.get('pharma.scorecard.compute', type='wizard')
        company, *_ = self._setup()
        month = datetime.date(2026, 10, 1)
        with set_company(company):
            for login in ['rep1', 'rep2', 'rep3']:
                create_user(login, company, create_employee(company, login),
                    ['group_pharma_rep'])
            for Wizard, state, start in [
                    (PackWizard, 'export', {'month': month}),
                    (ScoreWizard, 'compute', {
                            'month': month, 'file_format': 'xlsx'})]:
                session_id, _, _ = Wizard.create()
                Wizard.execute(session_id, {'start': start}, state)
                Wizard.delete(session_id)
            pack, score = Job.search([], order=[('id', 'ASC')])
            sheets = len(Pack._sheets())
            self.assertEqual(pack.progress_total, sheets + 1)
            seen = []
            set_progress = Job.set_progress

            def record(self, done, total=None, message=None):
                seen.append((self.id, done, total, message))
                return set_progress(self, done, total, message)
            with patch.object(Job, 'set_progress', record), \
                    patch.object(Scorecard, '_compute_slice', 2):
                self.assertEqual(run_queue(), 2)

            steps = [s[1:] for s in seen if s[0] == pack.id]
            self.assertEqual([d for d, _, _ in steps], list(range(sheets + 1)))
            # the total is given with each sheet, kept for the file
            self.assertEqual([t for _, t, _ in steps],
                [sheets + 1] * sheets + [None])
            self.assertEqual(steps[0][2], 'Building the sheet %s' % (
                    Pack.build(month)[0][0]))
            self.assertEqual(steps[-1][2], 'Writing the file')
            # 3 reps in slices of 2, saving, the file
            steps = [s[1:] for s in seen if s[0] == score.id]
            self.assertEqual(steps, [
                    (0, 5, 'Scoring employees: 0 of 3 done'),
                    (2, 5, 'Scoring employees: 2 of 3 done'),
                    (3, 5, 'Saving 3 scorecards'),
                    (4, None, 'Writing the file'),
                    ])
            pack, score = Job.browse([pack.id, score.id])
            for job in [pack, score]:
                self.assertEqual(job.state, 'done', job.message)
                self.assertEqual(job.progress, 1)
                self.assertEqual(job.progress_done, job.progress_total)
            self.assertEqual(len(Scorecard.search([])), 3)

    def _graph_points(self, Model, module, view, records):
        """{x value: [row ids]} of the graph view as the client plots it (it
        adds up the y values of the rows of an x value)"""
        from lxml import etree
        view_id = Pool().get('ir.model.data').get_id(module, view)
        result = Model.fields_view_get(view_id, 'graph')
        tree = etree.fromstring(result['arch'])
        xname, = tree.xpath('//x/field/@name')
        ynames = tree.xpath('//y/field/@name')
        if result['fields'][xname]['type'] == 'many2one':
            xname += '.rec_name'
        points = {}
        for row in Model.read([r.id for r in records], [xname] + ynames):
            points.setdefault(row[xname], []).append(row['id'])
        return points, ynames

    @with_transaction()
    def test_scorecard_graph_never_sums(self):
        "The scorecard graph plots one scorecard per point"
        pool = Pool()
        Scorecard = pool.get('pharma.scorecard')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        company, *_ = self._setup()
        with set_company(company):
            rep_group = ModelData.get_id('pharma_hospital', 'group_pharma_rep')
            for name, login in [("王代表", 'rep_a'), ("王代表", 'rep_b')]:
                employee = create_employee(company, name)
                User.create([{
                            'login': login, 'name': name,
                            'employees': [('add', [employee.id])],
                            'employee': employee.id,
                            'companies': [('add', [company.id])],
                            'company': company.id,
                            'groups': [('add', [rep_group])],
                            }])
            cards = (Scorecard.compute(datetime.date(2026, 9, 1))
                + Scorecard.compute(datetime.date(2026, 10, 1)))
            # two months of two employees of the same name
            self.assertGreaterEqual(len(cards), 4)
            points, ynames = self._graph_points(Scorecard,
                'pharma_reporting', 'scorecard_view_graph', cards)
            self.assertIn('score', ynames)
            self.assertEqual(len(points), len(cards))
            for label, ids in points.items():
                self.assertEqual(len(ids), 1, msg=label)

    @with_transaction()
    def test_scorecard_rep_has_no_sales(self):
        "A medical representative's score has no sales component"
        pool = Pool()
        Scorecard = pool.get('pharma.scorecard')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        company, *_ = self._setup()
        with set_company(company):
            employee = create_employee(company, "王代表")
            rep_group = ModelData.get_id('pharma_hospital', 'group_pharma_rep')
            User.create([{
                        'login': 'rep_score', 'name': "王代表",
                        'employees': [('add', [employee.id])],
                        'employee': employee.id,
                        'companies': [('add', [company.id])],
                        'company': company.id,
                        'groups': [('add', [rep_group])],
                        }])
            cards = Scorecard.compute(datetime.date(2026, 10, 1))
            card, = [c for c in cards if c.employee == employee]
            self.assertEqual(card.role, 'rep')
            self.assertIsNone(card.sales)
            self.assertIsNone(card.collections)
            data = Scorecard.to_csv(cards).decode('utf-8-sig')
            self.assertIn(employee.party.code, data)

    @with_transaction()
    def test_list_views_datetime_widget(self):
        "Every DateTime shown in a list has a date/time widget"
        self.assertEqual(tree_datetime_without_widget(self.module), [])



del ModuleTestCase
