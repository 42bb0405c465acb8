# This file is part of the pharma suite. See README.md for license terms.
from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta


class Job(metaclass=PoolMeta):
    __name__ = 'pharma.job'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.kind.selection.append(('churn_alert', "Purchase Decline Alerts"))

    def _run_churn_alert(self):
        "The churn alerts of the job's company (in its context)"
        pool = Pool()
        Party = pool.get('party.party')
        notified = Party.alert_churn()
        return gettext('pharma_distributor.msg_job_churn_result',
            count=len(notified))
