# This file is part of the pharma suite. See README.md for license terms.
import datetime
from collections import defaultdict

from sql.aggregate import Count, Max
from sql.conditionals import Case

from trytond.model import fields
from trytond.modules.pharma_hospital.company_time import utc_start
from trytond.pool import Pool, PoolMeta
from trytond import backend
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

MAX_IDS = backend.MAX_QUERY_PARAMS // 10


def month_bounds(date):
    start = date.replace(day=1)
    end = (start + datetime.timedelta(days=32)).replace(day=1)
    return utc_start(start), utc_start(end)


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'
    calls = fields.One2Many('pharma.call', 'party', "Calls", readonly=True,
        order=[('date', 'DESC'), ('id', 'DESC')])
    last_call_date = fields.Function(
        fields.DateTime("Last Call"), 'get_call_stats')
    calls_planned_month = fields.Function(
        fields.Integer("Planned Calls this Month"), 'get_call_stats')
    calls_done_month = fields.Function(
        fields.Integer("Done Calls this Month"), 'get_call_stats')
    call_target_month = fields.Function(
        fields.Integer("Target Calls per Month"), 'get_call_target')
    over_visited = fields.Function(
        fields.Boolean("Over-Visited"), 'get_call_target')
    call_lines = fields.One2Many(
        'pharma.call.doctor.line', 'doctor', "Calls per Product Line",
        readonly=True,
        help="This month's planned and done calls against the target of "
        "each product line of the doctor.")

    @classmethod
    def get_call_stats(cls, parties, names):
        pool = Pool()
        Call = pool.get('pharma.call')
        Date = pool.get('ir.date')
        call = Call.__table__()
        cursor = Transaction().connection.cursor()
        company = Transaction().context.get('company') or -1
        start, end = month_bounds(Date.today())
        result = {n: {p.id: None for p in parties} for n in names}
        for name in ['calls_planned_month', 'calls_done_month']:
            if name in result:
                result[name] = {p.id: 0 for p in parties}
        in_month = (call.date >= start) & (call.date < end)
        for sub in grouped_slice([p.id for p in parties], MAX_IDS):
            cursor.execute(*call.select(
                    call.party,
                    Max(Case((call.state == 'done', call.date), else_=None)),
                    Count(Case((in_month & (call.state == 'planned'),
                                call.id), else_=None)),
                    Count(Case((in_month & (call.state == 'done'),
                                call.id), else_=None)),
                    where=call.party.in_(list(sub))
                    & (call.company == company),
                    group_by=[call.party]))
            for party, last, planned, done in cursor:
                if isinstance(last, str):
                    last = datetime.datetime.fromisoformat(last)
                for name, value in [
                        ('last_call_date', last),
                        ('calls_planned_month', planned),
                        ('calls_done_month', done)]:
                    if name in result:
                        result[name][party] = value
        return result

    @classmethod
    def get_call_target(cls, parties, names):
        pool = Pool()
        Configuration = pool.get('pharma.configuration')
        result = defaultdict(dict)
        if Transaction().context.get('company') is None:
            return {n: {p.id: None for p in parties} for n in names}
        config = Configuration.get_config()
        stats = None
        if 'over_visited' in names:
            stats = cls.get_call_stats(
                parties, ['calls_planned_month', 'calls_done_month'])
        for party in parties:
            if 'call_target_month' in names:
                result['call_target_month'][party.id] = (
                    config.get_frequency(party)
                    if party.pharma_type == 'doctor' else None)
            if 'over_visited' in names:
                limit = config.over_visit_limit or 0
                total = (stats['calls_planned_month'][party.id]
                    + stats['calls_done_month'][party.id])
                result['over_visited'][party.id] = bool(
                    limit and total > limit)
        return result


class Replace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        return super().fields_to_replace() + [
            ('pharma.call', 'party'),
            ('pharma.call', 'hospital'),
            ('pharma.call.competitor', 'competitor'),
            ('pharma.event.invitation', 'doctor'),
            ('pharma.event.speaker', 'party'),
            ('pharma.cycle.plan.line', 'party'),
            ]
