# This file is part of the pharma suite. See README.md for license terms.
import datetime

from sql import Null
from sql.aggregate import Count, Max, Min, Sum
from sql.conditionals import Case

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction


class Context(ModelView):
    "Call Reporting Context"
    __name__ = 'pharma.call.reporting.context'
    company = fields.Many2One('company.company', "Company", required=True)
    from_date = fields.Date("From Date")
    to_date = fields.Date("To Date")
    # not "employee": the context already holds the user's employee
    representative = fields.Many2One(
        'company.employee', "Representative")
    territory = fields.Many2One('pharma.territory', "Territory")
    product = fields.Many2One('product.product', "Product",
        context={'company': Eval('company', -1)}, depends={'company'})

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_from_date(cls):
        pool = Pool()
        Date = pool.get('ir.date')
        context = Transaction().context
        if 'from_date' in context:
            return context['from_date']
        return Date.today().replace(day=1)

    @classmethod
    def default_to_date(cls):
        pool = Pool()
        Date = pool.get('ir.date')
        context = Transaction().context
        if 'to_date' in context:
            return context['to_date']
        return Date.today()

    @classmethod
    def default_representative(cls):
        return Transaction().context.get('representative')

    @classmethod
    def default_territory(cls):
        return Transaction().context.get('territory')


class CallAbstract(ModelSQL, ModelView):
    "Abstract call report"
    company = fields.Many2One('company.company', "Company")
    employee = fields.Many2One('company.employee', "Representative")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__ = set()

    @classmethod
    def _states(cls):
        return ['done']

    @classmethod
    def table_query(cls):
        from_item, tables = cls._joins()
        return from_item.select(*cls._columns(tables),
            where=cls._where(tables),
            group_by=cls._group_by(tables))

    @classmethod
    def _joins(cls):
        pool = Pool()
        Call = pool.get('pharma.call')
        call = Call.__table__()
        return call, {'call': call}

    @classmethod
    def _columns(cls, tables):
        call = tables['call']
        return [
            Min(call.id).as_('id'),
            call.company.as_('company'),
            call.employee.as_('employee'),
            ]

    @classmethod
    def _group_by(cls, tables):
        call = tables['call']
        return [call.company, call.employee]

    @classmethod
    def _where(cls, tables):
        pool = Pool()
        Territory = pool.get('pharma.territory')
        Party = pool.get('party.party')
        CallProduct = pool.get('pharma.call.product')
        call = tables['call']
        context = Transaction().context
        where = call.company == context.get('company', -1)
        where &= call.state.in_(cls._states())
        from_date = context.get('from_date')
        if from_date:
            where &= call.date >= datetime.datetime.combine(
                from_date, datetime.time())
        to_date = context.get('to_date')
        if to_date:
            where &= call.date < datetime.datetime.combine(
                to_date + datetime.timedelta(days=1), datetime.time())
        if context.get('representative'):
            where &= call.employee == context['representative']
        if context.get('territory'):
            territories = [t.id for t in Territory.search([
                        ('parent', 'child_of', [context['territory']]),
                        ])]
            party = Party.__table__()
            where &= call.hospital.in_(party.select(party.id,
                    where=party.territory.in_(territories or [-1])))
        if context.get('product'):
            line = CallProduct.__table__()
            where &= call.id.in_(line.select(line.call,
                    where=line.product == context['product']))
        return where


class CallRepDay(CallAbstract):
    "Calls per Representative and Day"
    __name__ = 'pharma.call.report.rep_day'
    date = fields.Date("Date")
    calls = fields.Integer("Calls")
    doctors = fields.Integer("Doctors Reached")
    hospitals = fields.Integer("Hospitals Reached")
    departments = fields.Integer("Departments Reached")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('employee', 'ASC'), ('id', 'DESC')]

    @classmethod
    def _columns(cls, tables):
        call = tables['call']
        return super()._columns(tables) + [
            cls.date.sql_cast(call.date).as_('date'),
            Count(call.id).as_('calls'),
            Count(call.party, distinct=True).as_('doctors'),
            Count(call.hospital, distinct=True).as_('hospitals'),
            Count(call.department, distinct=True).as_('departments'),
            ]

    @classmethod
    def _group_by(cls, tables):
        call = tables['call']
        return super()._group_by(tables) + [cls.date.sql_cast(call.date)]


class Coverage(CallAbstract):
    "Doctor Coverage against Frequency Targets"
    __name__ = 'pharma.call.report.coverage'
    party = fields.Many2One('party.party', "Doctor",
        context={'company': Eval('company', -1)}, depends={'company'})
    doctor_tier = fields.Char("Tier")
    calls = fields.Integer("Done Calls")
    last_call = fields.DateTime("Last Call")
    target = fields.Function(fields.Integer("Target"), 'get_target')
    attainment = fields.Function(
        fields.Float("Attainment", digits=(3, 2)), 'get_target')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('doctor_tier', 'ASC'), ('calls', 'ASC'), ('id', 'ASC')]

    @classmethod
    def _joins(cls):
        pool = Pool()
        Party = pool.get('party.party')
        from_item, tables = super()._joins()
        party = Party.__table__()
        call = tables['call']
        tables['party'] = party
        return (from_item.join(party, condition=call.party == party.id),
            tables)

    @classmethod
    def _columns(cls, tables):
        call = tables['call']
        party = tables['party']
        return super()._columns(tables) + [
            call.party.as_('party'),
            party.doctor_tier.as_('doctor_tier'),
            Count(call.id).as_('calls'),
            Max(call.date).as_('last_call'),
            ]

    @classmethod
    def _group_by(cls, tables):
        call = tables['call']
        party = tables['party']
        return super()._group_by(tables) + [call.party, party.doctor_tier]

    @classmethod
    def _where(cls, tables):
        party = tables['party']
        return super()._where(tables) & (party.pharma_type == 'doctor')

    @classmethod
    def get_target(cls, records, names):
        pool = Pool()
        Configuration = pool.get('pharma.configuration')
        Date = pool.get('ir.date')
        context = Transaction().context
        config = Configuration.get_config()
        from_date = context.get('from_date') or Date.today().replace(day=1)
        to_date = context.get('to_date') or Date.today()
        months = max(1, round(((to_date - from_date).days + 1) / 30))
        result = {n: {} for n in names}
        for record in records:
            target = config.get_frequency(record.party) * months
            if 'target' in names:
                result['target'][record.id] = target
            if 'attainment' in names:
                result['attainment'][record.id] = (
                    record.calls / target if target else 0.0)
        return result


class PlanActual(ModelSQL, ModelView):
    "Weekly Plan against Actual"
    __name__ = 'pharma.call.report.plan_actual'
    company = fields.Many2One('company.company', "Company")
    employee = fields.Many2One('company.employee', "Representative")
    weekly_plan = fields.Many2One('pharma.weekly.plan', "Weekly Plan")
    week_start = fields.Date("Week Start")
    planned = fields.Integer("Planned")
    done = fields.Integer("Done")
    missed = fields.Integer("Missed")
    moved = fields.Integer("Moved")
    done_rate = fields.Float("Done Rate", digits=(3, 2))

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('week_start', 'DESC'), ('employee', 'ASC'), ('id', 'DESC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Call = pool.get('pharma.call')
        Plan = pool.get('pharma.weekly.plan')
        call = Call.__table__()
        plan = Plan.__table__()
        context = Transaction().context
        start = cls.week_start.sql_cast(plan.week_start)
        day = cls.week_start.sql_cast(call.date)
        in_week = (day >= plan.week_start) & (day <= plan.week_end)
        where = plan.company == context.get('company', -1)
        if context.get('from_date'):
            where &= plan.week_start >= context['from_date']
        if context.get('to_date'):
            where &= plan.week_start <= context['to_date']
        if context.get('representative'):
            where &= plan.employee == context['representative']
        done = Sum(Case(((call.state == 'done') & in_week, 1), else_=0))
        missed = Sum(Case(((call.state == 'cancelled')
                    & (call.cancel_reason == 'missed'), 1), else_=0))
        moved = Sum(Case(((call.state != 'cancelled') & (call.id != Null)
                    & ~in_week, 1), else_=0))
        planned = Count(call.id)
        return plan.join(call, 'LEFT',
            condition=call.weekly_plan == plan.id).select(
            plan.id.as_('id'),
            plan.company.as_('company'),
            plan.employee.as_('employee'),
            plan.id.as_('weekly_plan'),
            start.as_('week_start'),
            planned.as_('planned'),
            done.as_('done'),
            missed.as_('missed'),
            moved.as_('moved'),
            Case((planned > 0, cls.done_rate.sql_cast(done)
                    / cls.done_rate.sql_cast(planned)),
                else_=0.0).as_('done_rate'),
            where=where,
            group_by=[plan.id, plan.company, plan.employee,
                plan.week_start])


class FollowupOverdue(CallAbstract):
    "Overdue Follow-ups per Representative"
    __name__ = 'pharma.call.report.followup'
    overdue = fields.Integer("Overdue Follow-ups")
    oldest = fields.DateTime("Oldest")

    @classmethod
    def _states(cls):
        return ['planned']

    @classmethod
    def _columns(cls, tables):
        call = tables['call']
        return super()._columns(tables) + [
            Count(call.id).as_('overdue'),
            Min(call.date).as_('oldest'),
            ]

    @classmethod
    def _where(cls, tables):
        call = tables['call']
        context = Transaction().context
        where = call.company == context.get('company', -1)
        where &= call.state == 'planned'
        where &= call.followup_of != Null
        where &= call.date < datetime.datetime.now()
        if context.get('representative'):
            where &= call.employee == context['representative']
        return where
