# This file is part of the pharma suite. See README.md for license terms.
from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('party.party|alert_licence_expiry',
                    "Alert Distribution Licence Expiry"),
                ('pharma.agency.agreement|expire_ended',
                    "Expire Ended Agency Agreements"),
                ('party.party|escalate_recruitment',
                    "Escalate Overdue Agent Recruitment"),
                ('party.party|alert_churn',
                    "Alert Purchase Decline"),
                ('party.party|queue_alert_churn',
                    "Queue Purchase Decline Alerts (one job per company)"),
                ])
