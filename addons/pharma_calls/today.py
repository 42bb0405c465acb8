# This file is part of the pharma suite. See README.md for license terms.
"""The rep's start page "Today": the planned calls of the day and the
follow-ups that are overdue, each with a one-click log of the visit."""
import datetime

from trytond.model import ModelView, fields
from trytond.modules.pharma_hospital.company_time import utc_start
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

# Overdue follow-ups older than this are not listed: a planned call left
# undone for weeks is a missed call (plan-vs-actual counts it), not a
# task of today
OVERDUE_DAYS = 14


class Call(metaclass=PoolMeta):
    __name__ = 'pharma.call'
    today = fields.Function(fields.Boolean("Today",
            help="A planned call of today, or a follow-up overdue for less "
            "than two weeks."),
        'get_today', searcher='search_today')
    overdue = fields.Function(fields.Boolean("Overdue"), 'get_today')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'log_visit': {
                    'invisible': Eval('state') != 'planned',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def _today_bounds(cls):
        "The UTC start of today, of tomorrow and of the overdue window"
        today = Pool().get('ir.date').today()
        return (utc_start(today),
            utc_start(today + datetime.timedelta(days=1)),
            utc_start(today - datetime.timedelta(days=OVERDUE_DAYS)))

    @classmethod
    def get_today(cls, calls, names):
        start, end, window = cls._today_bounds()
        result = {n: {} for n in names}
        for call in calls:
            planned = call.state == 'planned' and call.date
            of_today = bool(planned and start <= call.date < end)
            overdue = bool(planned and call.followup_of
                and window <= call.date < start)
            if 'today' in result:
                result['today'][call.id] = of_today or overdue
            if 'overdue' in result:
                result['overdue'][call.id] = overdue
        return result

    @classmethod
    def search_today(cls, name, clause):
        start, end, window = cls._today_bounds()
        _, operator, value = clause
        domain = [
            ('state', '=', 'planned'),
            ['OR',
                [('date', '>=', start), ('date', '<', end)],
                [('followup_of', '!=', None),
                    ('date', '>=', window), ('date', '<', start)],
                ],
            ]
        if (operator == '=') != bool(value):
            domain = ['NOT', domain]
        return domain

    @classmethod
    @ModelView.button_action('pharma_calls.wizard_call_log_call')
    def log_visit(cls, calls):
        pass

