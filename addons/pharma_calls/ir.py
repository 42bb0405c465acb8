# This file is part of the pharma suite. See README.md for license terms.
from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('pharma.weekly.plan|close_weeks', "Close Weekly Plans"),
                ('pharma.call|send_alerts', "Send Call Alerts"),
                ('stock.inventory|create_sample_counts',
                    "Create Sample Counts"),
                ])
