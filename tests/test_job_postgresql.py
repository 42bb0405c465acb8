# This file is part of the pharma suite. See README.md for license terms.
"""Background jobs on PostgreSQL (issue 25): while a job runs, its state
and progress are committed in transactions of their own (another
connection sees them move before the work commits), the work's
transaction never conflicts with them (no lock wait, no serialization
error at the end), and a failing job is committed as failed with nothing
of the work written. PostgreSQL only; skipped on SQLite.

    TRYTOND_DATABASE__URI=postgresql://postgres@127.0.0.1:5432/ \\
    DB_NAME=test_pharma_job PYTHONPATH=$PWD .venv/bin/python \\
        tests/run_module_tests.py --file tests/test_job_postgresql.py
"""
import os
import unittest
from unittest.mock import patch

POSTGRESQL = os.environ.get('TRYTOND_DATABASE__URI', os.environ.get(
        'TRYTOND_DATABASE_URI', '')).startswith('postgresql')


@unittest.skipUnless(POSTGRESQL, "PostgreSQL only (separate transactions)")
class JobPostgreSQLTestCase(unittest.TestCase):
    "Job progress committed apart from the work"

    @classmethod
    def setUpClass(cls):
        from trytond.tests.test_tryton import (
            DB_NAME, activate_module, db_exist, drop_db)
        if db_exist(DB_NAME):
            drop_db()
        activate_module(['pharma_hospital'])
        cls.database = DB_NAME

    @classmethod
    def tearDownClass(cls):
        from trytond.tests.test_tryton import drop_db
        drop_db()

    def _seen(self, job_id):
        "The job as another connection sees it (committed data only)"
        from trytond.transaction import Transaction
        with Transaction().new_transaction(readonly=True) as transaction:
            cursor = transaction.connection.cursor()
            cursor.execute('SELECT state, progress_done, progress_total '
                'FROM pharma_job WHERE id = %s', (job_id,))
            return cursor.fetchone()

    def _queue(self, name):
        "A job committed (as a request would), its ir.queue task id"
        from trytond.pool import Pool
        from trytond.transaction import Transaction
        pool = Pool(self.database)
        with Transaction().start(self.database, 1) as transaction:
            Job = pool.get('pharma.job')
            job = Job.enqueue('import', name, {}, total=3)
            task_id, = transaction.tasks
            transaction.tasks.clear()
            transaction.commit()
        return job.id, task_id

    def test_progress_committed(self):
        "Progress seen by others while the work runs; done at the end"
        from trytond.exceptions import UserError
        from trytond.pool import Pool
        from trytond.worker import run_task
        pool = Pool(self.database)
        Job = pool.get('pharma.job')
        Party = pool.get('party.party')
        job_id, task_id = self._queue("progress")
        seen = []

        def work(job):
            seen.append(self._seen(job.id))
            Party.create([{'name': "Written by the job"}])
            for done in [1, 2]:
                job.set_progress(done)
                seen.append(self._seen(job.id))
            return "ok"
        with patch.object(Job, '_run_import', work, create=True):
            run_task(pool, task_id)
        self.assertEqual(seen, [
                ('running', 0, 3), ('running', 1, 3), ('running', 2, 3)])
        from trytond.transaction import Transaction
        with Transaction().start(self.database, 0):
            job = Job(job_id)
            self.assertEqual((job.state, job.result, job.progress),
                ('done', "ok", 1))
            self.assertEqual(len(Party.search(
                        [('name', '=', "Written by the job")])), 1)

        # failing: committed as failed, the work's writes rolled back
        job_id, task_id = self._queue("failure")

        def failing(job):
            Party.create([{'name': "Rolled back"}])
            job.set_progress(1)
            raise UserError("磁盘已满")
        with patch.object(Job, '_run_import', failing, create=True):
            run_task(pool, task_id)
        with Transaction().start(self.database, 0):
            job = Job(job_id)
            self.assertEqual(job.state, 'failed')
            self.assertIn("磁盘已满", job.message)
            self.assertEqual(Party.search([('name', '=', "Rolled back")]),
                [])
