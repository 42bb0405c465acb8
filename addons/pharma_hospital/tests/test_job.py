# This file is part of the pharma suite. See README.md for license terms.
"""Background jobs (issue 25): the cleaning of stalled and old jobs and a
failing job that does not block the queue (the jobs of the import wizard
are tested in pharma_import)"""
import os
import unittest
from unittest.mock import patch

from trytond.modules.company.tests import set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from .tools import create_clerks, run_queue


class JobTestCase(unittest.TestCase):
    "Background jobs"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('pharma_hospital')

    def _setup(self):
        "A company with clerk1 and clerk2 (go-live clerks)"
        return create_clerks()

    @with_transaction()
    def test_clean_stalled_and_old_jobs(self):
        """The cleaning cron fails a job whose worker stopped (running past
        [pharma] job_timeout) and tells its owner; a job running for less
        is left alone; finished jobs older than [queue] clean_days go"""
        import datetime
        pool = Pool()
        Job = pool.get('pharma.job')
        Notification = pool.get('res.notification')
        company, (clerk1, _) = self._setup()
        now = datetime.datetime.now()
        with set_company(company), \
                Transaction().set_context(_check_access=False):
            stalled, running, old, recent = Job.create([{
                        'kind': 'import', 'description': name,
                        'user': clerk1.id, 'state': state,
                        'started_at': now - age,
                        'finished_at': (now - age
                            if state == 'done' else None),
                        } for name, state, age in [
                        ("stalled", 'running', datetime.timedelta(hours=7)),
                        ("running", 'running', datetime.timedelta(hours=1)),
                        ("old", 'done', datetime.timedelta(days=31)),
                        ("recent", 'done', datetime.timedelta(days=2)),
                        ]])
            Job.clean(now=now)
            self.assertEqual(
                {j.description: j.state for j in Job.search([])},
                {'stalled': 'failed', 'running': 'running',
                    'recent': 'done'})
            self.assertIn("6", Job(stalled.id).message)
            Transaction()._store_user_notifications()
            notification, = Notification.search(
                [('user', '=', clerk1.id)])
            self.assertEqual(notification.icon, 'tryton-error')

    @with_transaction()
    def test_job_error_does_not_block_queue(self):
        """A job that raises an unexpected error in the worker is failed
        with a message in its owner's language (the job's number, not the
        error's text, which goes to the log), its owner is notified, and
        the next job in the queue runs"""
        pool = Pool()
        Job = pool.get('pharma.job')
        Lang = pool.get('ir.lang')
        User = pool.get('res.user')
        Translation = pool.get('ir.translation')
        Notification = pool.get('res.notification')
        company, (clerk1, _) = self._setup()
        zh_cn, = Lang.search([('code', '=', 'zh_CN')])
        Lang.write([zh_cn], {'translatable': True})
        Translation.translation_import('zh_CN', 'pharma_hospital',
            os.path.join(os.path.dirname(__file__), '..', 'locale',
                'zh_CN.po'))
        User.write([clerk1], {'language': zh_cn.id})

        def work(job):
            if job.description == "坏任务":
                raise KeyError("SELECT password FROM secret")
            return "好"
        with set_company(company), \
                Transaction().set_user(clerk1.id), \
                Transaction().set_context(company=company.id):
            bad = Job.enqueue('import', "坏任务", {})
            good = Job.enqueue('import', "好任务", {})
        with patch.object(Job, '_run_import', work, create=True), \
                self.assertLogs('trytond.modules.pharma_hospital.job',
                    'ERROR') as logs:
            self.assertEqual(run_queue(), 2)
        self.assertIn("SELECT password", '\n'.join(logs.output))
        bad, good = Job.browse([bad.id, good.id])
        self.assertEqual((bad.state, good.state), ('failed', 'done'))
        self.assertEqual(good.result, "好")
        self.assertIn("意外错误", bad.message)
        self.assertIn(str(bad.id), bad.message)
        self.assertNotIn("SELECT", bad.message)
        Transaction()._store_user_notifications()
        failed, = Notification.search([
                ('user', '=', clerk1.id), ('icon', '=', 'tryton-error')])
        self.assertEqual(failed.label, "失败：坏任务")
        self.assertIn("意外错误", failed.description)
        self.assertNotIn("SELECT", failed.description)
        done, = Notification.search([
                ('user', '=', clerk1.id), ('icon', '=', 'tryton-info')])
        self.assertIn("好任务", done.label)
