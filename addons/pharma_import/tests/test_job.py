# This file is part of the pharma suite. See README.md for license terms.
"""Background jobs (issue 25): the go-live import wizard queues the import
as a job of the clerk, trytond-worker (here run_queue) runs it, its
progress reaches 100 %, only its owner (and the administrators) see it,
and a failing import is marked failed with nothing written"""
import os
import unittest
from unittest.mock import patch

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.modules import get_module_info
from trytond.modules.company.tests import set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from .test_golive import messy_xlsx
from trytond.modules.pharma_hospital.tests.tools import create_clerks, run_queue

HOSPITALS = [
    ["后台导入第一医院", "浙江省", "温州市", "鹿城区", "三级甲等", 1200],
    ["后台导入第二医院", "浙江省", "温州市", "鹿城区", "二甲", 300],
    ["后台导入第三医院", "广西壮族自治区", "南宁市", "", "三甲", 1500],
    ]


def hospital_file():
    return messy_xlsx("医院名单", ["数据来源：市场部"],
        ["医院名称", "省份", "城市", "区县", "医院等级", "床位数"], HOSPITALS)


class JobTestCase(unittest.TestCase):
    "Background jobs"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('pharma_import')

    def _setup(self):
        "A company with clerk1 and clerk2 (go-live clerks)"
        return create_clerks()

    def _queue_import(self, user, company):
        """Preview and import through the wizard as user (as the web
        client calls it); return the view shown after 导入"""
        pool = Pool()
        Wizard = pool.get('pharma.import.wizard', type='wizard')
        start = {
            'kind': 'hospitals',
            'file': hospital_file(),
            'filename': '医院.xlsx',
            'create_territories': True,
            }
        with Transaction().set_user(user.id), \
                Transaction().set_context(company=company.id):
            session_id, _, _ = Wizard.create()
            result = Wizard.execute(session_id, {'start': start}, 'preview')
            preview = result['view']['defaults']
            self.assertEqual(
                (preview['created'], preview['refused']), (3, 0))
            result = Wizard.execute(session_id, {
                    'start': start,
                    'preview': {k: preview.get(k) for k in [
                            'created', 'updated', 'unchanged', 'refused']},
                    }, 'import_')
            Wizard.delete(session_id)
        return result['view']

    def _hospitals(self):
        Party = Pool().get('party.party')
        return Party.search([
                ('name', 'in', [h[0] for h in HOSPITALS]),
                ])

    @with_transaction()
    def test_import_queued(self):
        """The wizard queues the import as the clerk's job and shows the
        queued page; the job runs, its progress reaches 100 %, the import
        log is its result and the clerk is notified in Chinese"""
        pool = Pool()
        Job = pool.get('pharma.job')
        Queue = pool.get('ir.queue')
        Log = pool.get('pharma.import.log')
        Notification = pool.get('res.notification')
        User = pool.get('res.user')
        Lang = pool.get('ir.lang')
        company, (clerk1, clerk2) = self._setup()
        Translation = pool.get('ir.translation')
        zh_cn, = Lang.search([('code', '=', 'zh_CN')])
        Lang.write([zh_cn], {'translatable': True})
        # the notification's texts are pharma_hospital's (the job), the
        # import's are pharma_import's: both, or the test depends on an
        # earlier test having committed them (test_golive's command line)
        for module in ['pharma_hospital', 'pharma_import']:
            Translation.translation_import('zh_CN', module, os.path.join(
                    get_module_info(module)['directory'], 'locale',
                    'zh_CN.po'))
        User.write([clerk1], {'language': zh_cn.id})
        with set_company(company):
            view = self._queue_import(clerk1, company)
            self.assertEqual(view['state'], 'queued')
            job, = Job.search([])
            self.assertEqual(view['defaults']['job'], job.id)
            self.assertIn(job.description, view['defaults']['text'])
            self.assertEqual(
                (job.state, job.kind, job.user, job.company),
                ('queued', 'import', clerk1, company))
            self.assertEqual(job.progress, 0)
            # both passes over the 3 rows
            self.assertEqual(job.progress_total, 6)
            # queued, not run: nothing written yet
            self.assertEqual(self._hospitals(), [])
            self.assertEqual(len(Queue.search([
                            ('dequeued_at', '=', None)])), 1)

            seen = []
            set_progress = Job.set_progress

            def record(self, done, total=None, message=None):
                seen.append(done)
                return set_progress(self, done, total, message)
            with patch.object(Job, 'set_progress', record):
                self.assertEqual(run_queue(), 1)
            # the progress was written while the import ran
            self.assertTrue(seen)
            self.assertEqual(seen, sorted(seen))

            job = Job(job.id)
            self.assertEqual(job.state, 'done', job.message)
            self.assertEqual(job.progress, 1)
            self.assertEqual(job.progress_done, job.progress_total)
            self.assertTrue(job.started_at and job.finished_at)
            self.assertIn('3', job.result)
            # the input (the file) is not kept
            self.assertIsNone(job.data)
            self.assertEqual(len(self._hospitals()), 3)
            log, = Log.search([])
            self.assertEqual(job.origin, log)
            self.assertEqual((log.user, log.created), (clerk1, 3))

            Transaction()._store_user_notifications()
            notification, = Notification.search([('user', '=', clerk1.id)])
            self.assertIn('已完成', notification.label)
            self.assertIn('医院.xlsx', notification.label)
            self.assertIn('我的后台任务', notification.description)
            # a task run twice does nothing more
            Job.run([job])
            self.assertEqual(len(Log.search([])), 1)

    @with_transaction()
    def test_import_job_owner(self):
        """A clerk sees their own jobs only (record rule, through the
        user's access), an administrator every job"""
        pool = Pool()
        Job = pool.get('pharma.job')
        company, (clerk1, clerk2) = self._setup()
        with set_company(company):
            self._queue_import(clerk1, company)
            run_queue()
            job, = Job.search([])
            with Transaction().set_user(clerk1.id), \
                    Transaction().set_context(
                        company=company.id, _check_access=True):
                self.assertEqual(Job.search([]), [job])
                self.assertEqual(
                    Job.read([job.id], ['state'])[0]['state'], 'done')
            with Transaction().set_user(clerk2.id), \
                    Transaction().set_context(
                        company=company.id, _check_access=True):
                self.assertEqual(Job.search([]), [])
                with self.assertRaises(AccessError):
                    Job.read([job.id], ['state'])
                # nor may anyone write a job
                with self.assertRaises(AccessError):
                    Job.write([Job(job.id)], {'state': 'queued'})
            # the administrator (Pharma Administrator) sees it
            with Transaction().set_context(
                    company=company.id, _check_access=True):
                self.assertEqual(Job.search([]), [job])

    @with_transaction()
    def test_import_job_failure(self):
        """A failing import: the job is failed with the error's message,
        the clerk is told, and the import wrote nothing (hospitals,
        territories, log)"""
        pool = Pool()
        Job = pool.get('pharma.job')
        Kind = pool.get('pharma.import.hospital')
        Log = pool.get('pharma.import.log')
        Territory = pool.get('pharma.territory')
        Notification = pool.get('res.notification')
        company, (clerk1, clerk2) = self._setup()
        write = Kind.write

        def failing(rows, job):
            write(rows, job)
            raise UserError("磁盘已满")
        with set_company(company):
            self._queue_import(clerk1, company)
            territories = Territory.search([])
            with patch.object(Kind, 'write', failing):
                run_queue()
            job, = Job.search([])
            self.assertEqual(job.state, 'failed')
            self.assertIn("磁盘已满", job.message)
            self.assertTrue(job.finished_at)
            self.assertIsNone(job.result)
            # rolled back: what the import wrote before failing too
            self.assertEqual(self._hospitals(), [])
            self.assertEqual(Territory.search([]), territories)
            self.assertEqual(Log.search([]), [])
            Transaction()._store_user_notifications()
            notification, = Notification.search([('user', '=', clerk1.id)])
            self.assertIn("磁盘已满", notification.description)
            self.assertEqual(notification.icon, 'tryton-error')
