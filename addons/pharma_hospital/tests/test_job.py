# This file is part of the pharma suite. See README.md for license terms.
"""Background jobs (issue 25): the cleaning of stalled and old jobs (the
jobs of the import wizard are tested in pharma_import)"""
import unittest

from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction


class JobTestCase(unittest.TestCase):
    "Background jobs"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('pharma_hospital')

    def _setup(self):
        "A company with clerk1 and clerk2 (go-live clerks)"
        pool = Pool()
        User = pool.get('res.user')
        Party = pool.get('party.party')
        Employee = pool.get('company.employee')
        ModelData = pool.get('ir.model.data')
        company = create_company()
        clerk = ModelData.get_id('pharma_hospital', 'group_pharma_clerk')
        users = []
        for login in ['clerk1', 'clerk2']:
            party, = Party.create([{'name': login.title()}])
            employee, = Employee.create([{
                        'party': party.id, 'company': company.id}])
            user, = User.create([{
                        'name': login.title(), 'login': login,
                        'companies': [('add', [company.id])],
                        'company': company.id,
                        'employees': [('add', [employee.id])],
                        'employee': employee.id,
                        'groups': [('add', [clerk])],
                        }])
            users.append(user)
        return company, users

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
