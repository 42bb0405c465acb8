# This file is part of the pharma suite. See README.md for license terms.
import datetime
from decimal import Decimal

from sql import Literal, Null, Union
from sql.aggregate import Count, Max, Min, Sum
from sql.conditionals import Case, Coalesce, NullIf
from sql.functions import DateTrunc
from sql.operators import Exists

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.pharma_hospital.company_time import (
    local_date, local_day, utc_start)
from trytond.modules.pharma_hospital.export import BatchExportMixin
from trytond.modules.pharma_hospital.report_query import ReportQueryMixin
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .call import period_calls


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
            group_by=cls._group_by(tables),
            order_by=cls._table_order(tables))

    @classmethod
    def _table_order(cls, tables):
        "ORDER BY of the table_query (none by default)"
        return []

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
        where = _calls_where(tables['call'], cls._states())
        rule = cls._rule_where(tables['call'])
        if rule is not None:
            where &= rule
        return where

    @classmethod
    def _rule_where(cls, call):
        """The report's read rules applied to the calls it groups, or None.

        The rules of the call reports are on company and employee, which
        are columns of the calls too: applied to the calls, the database
        groups only the calls of the rows the user may read, where the
        rules on the report's rows apply after grouping every call of the
        period (a manager's year: 100,000 calls sorted and grouped, then a
        third of the groups dropped). The rules still apply to the rows."""
        pool = Pool()
        Rule = pool.get('ir.rule')
        Call = pool.get('pharma.call')
        domain = Rule.domain_get(cls.__name__, mode='read')
        if not domain or not _on_fields(domain, {'company', 'employee'}):
            return None
        tables = {None: (call, None)}
        tables, expression = Call.search_domain(
            domain, active_test=False, tables=tables)
        if len(tables) > 1:
            return None
        return expression


class CallRepDay(BatchExportMixin, ReportQueryMixin, CallAbstract):
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
            local_date(cls.date, call.date).as_('date'),
            Count(call.id).as_('calls'),
            Count(call.party, distinct=True).as_('doctors'),
            Count(call.hospital, distinct=True).as_('hospitals'),
            Count(call.department, distinct=True).as_('departments'),
            ]

    @classmethod
    def _group_by(cls, tables):
        call = tables['call']
        # in the order of the report (see _table_order)
        return [local_date(cls.date, call.date), call.employee, call.company]

    @classmethod
    def _table_order(cls, tables):
        """The groups in the report's order (date DESC, employee): the
        database then sorts the calls once in that order and stops
        aggregating when the client's page (LIMIT 1000) is full, where
        grouping first aggregated the whole period (a year: 1.5 s against
        0.7 s for the same SQL)"""
        call = tables['call']
        return [local_date(cls.date, call.date).desc, call.employee.asc]

    @classmethod
    def _read_restriction(cls, ids):
        "The days and representatives of the calls that are the rows' ids"
        pool = Pool()
        Call = pool.get('pharma.call')
        call = Call.__table__()
        cursor = Transaction().connection.cursor()
        context = Transaction().context
        dates, employees = set(), set()
        cursor.execute(*call.select(call.date, call.employee,
                where=fields.SQL_OPERATORS['in'](call.id, ids)))
        for date, employee in cursor:
            dates.add(date)
            employees.add(employee)
        if not dates or None in dates:
            return None
        # the company's day grows with the UTC instant: convert only the
        # first and the last (a conversion per row was 60% of reading
        # the 15,000 rows of a national month)
        from_date, to_date = local_day(min(dates)), local_day(max(dates))
        if context.get('from_date'):
            from_date = max(from_date, context['from_date'])
        if context.get('to_date'):
            to_date = min(to_date, context['to_date'])
        clauses = []
        if None not in employees:
            clauses.append(('employee', 'in', sorted(employees)))
        return {'from_date': from_date, 'to_date': to_date}, clauses


class Coverage(ReportQueryMixin, CallAbstract):
    "Doctor Coverage against Frequency Targets"
    __name__ = 'pharma.call.report.coverage'
    party = fields.Many2One('party.party', "Doctor",
        context={'company': Eval('company', -1)}, depends={'company'})
    doctor_tier = fields.Char("Tier")
    calls = fields.Integer("Done Calls")
    last_call = fields.DateTime("Last Call")
    # computed in the query (a per-row Python target was 94% of the
    # report's time): the doctor's VIP frequency, else the highest
    # frequency of its product lines for its tier, else the company's tier
    # frequency (pharma.configuration.get_frequency), times the months
    target = fields.Integer("Target")
    attainment = fields.Float("Attainment", digits=(3, 2))

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
    def _months(cls):
        "The number of months of the context's period (at least 1)"
        Date = Pool().get('ir.date')
        context = Transaction().context
        from_date = context.get('from_date') or Date.today().replace(day=1)
        to_date = context.get('to_date') or Date.today()
        return max(1, round(((to_date - from_date).days + 1) / 30))

    @classmethod
    def _target(cls, tables):
        "The target calls of the group's doctor over the period, in SQL"
        pool = Pool()
        Configuration = pool.get('pharma.configuration.company')
        Frequency = pool.get('pharma.call.frequency')
        PartyArea = pool.get('party.party-pharma.therapeutic.area')
        call = tables['call']
        party = tables['party']
        company = Transaction().context.get('company', -1)
        configuration = Configuration.__table__()
        frequency = Frequency.__table__()
        relation = PartyArea.__table__()

        def tier(a, b, c):
            return Case(
                (party.doctor_tier == 'A', a),
                (party.doctor_tier == 'B', b),
                (party.doctor_tier == 'C', c),
                else_=Null)
        vip = Case(((party.vip == Literal(True))
                & (party.vip_frequency > 0), party.vip_frequency),
            else_=Null)
        lines = (frequency
            .join(relation,
                condition=relation.area == frequency.therapeutic_area)
            .join(configuration,
                condition=frequency.configuration == configuration.id)
            # get_line_frequencies keeps the lines with a frequency
            .select(Max(NullIf(tier(frequency.freq_a, frequency.freq_b,
                        frequency.freq_c), Literal(0))),
                where=(relation.party == call.party)
                & (configuration.company == company)))
        config = Configuration.__table__()
        tiers = config.select(
            tier(config.freq_a, config.freq_b, config.freq_c),
            where=config.company == company,
            order_by=[config.id.asc], limit=1)
        defaults = tier(Configuration.default_freq_a(),
            Configuration.default_freq_b(), Configuration.default_freq_c())
        # no values for the company yet: the defaults (as get_config reads)
        has_config = config.select(Literal(1),
            where=config.company == company)
        tiers = Case((Exists(has_config), tiers), else_=defaults)
        return Coalesce(vip, lines, tiers, Literal(0)) * cls._months()

    @classmethod
    def _columns(cls, tables):
        call = tables['call']
        party = tables['party']
        target = cls._target(tables)
        return super()._columns(tables) + [
            call.party.as_('party'),
            party.doctor_tier.as_('doctor_tier'),
            Count(call.id).as_('calls'),
            Max(call.date).as_('last_call'),
            target.as_('target'),
            Case((target > 0, cls.attainment.sql_cast(Count(call.id))
                    / target), else_=Literal(0.0)).as_('attainment'),
            ]

    @classmethod
    def _group_by(cls, tables):
        call = tables['call']
        party = tables['party']
        return super()._group_by(tables) + [call.party, party.doctor_tier,
            party.vip, party.vip_frequency]

    @classmethod
    def _where(cls, tables):
        party = tables['party']
        return super()._where(tables) & (party.pharma_type == 'doctor')

    @classmethod
    def _read_restriction(cls, ids):
        """The representatives and doctors of the calls that are the rows'
        ids: a page read aggregates their calls, not the period's"""
        pool = Pool()
        Call = pool.get('pharma.call')
        call = Call.__table__()
        cursor = Transaction().connection.cursor()
        employees, parties = set(), set()
        cursor.execute(*call.select(call.employee, call.party,
                where=fields.SQL_OPERATORS['in'](call.id, ids)))
        for employee, party in cursor:
            employees.add(employee)
            parties.add(party)
        if not parties or None in parties:
            return None
        clauses = [('party', 'in', sorted(parties))]
        if None not in employees:
            clauses.append(('employee', 'in', sorted(employees)))
        return None, clauses


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
        day = local_date(cls.week_start, call.date)
        in_week = (day >= plan.week_start) & (day <= plan.week_end)
        where = plan.company == context.get('company', -1)
        # the weeks that overlap the period: the default period (this
        # month up to today) includes this week when it started last month
        if context.get('from_date'):
            where &= plan.week_end >= context['from_date']
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


def _period():
    "The bounds of the context's period as (from date, to date, start, end)"
    context = Transaction().context
    from_date = context.get('from_date')
    to_date = context.get('to_date')
    start = end = None
    if from_date:
        start = utc_start(from_date)
    if to_date:
        end = utc_start(to_date + datetime.timedelta(days=1))
    return from_date, to_date, start, end


def _territory_hospitals():
    """A query of the hospitals of the context's territory (and below), or
    None without a territory"""
    pool = Pool()
    Territory = pool.get('pharma.territory')
    Party = pool.get('party.party')
    territory = Transaction().context.get('territory')
    if not territory:
        return None
    territories = [t.id for t in Territory.search([
                ('parent', 'child_of', [territory]),
                ])]
    party = Party.__table__()
    return party.select(party.id,
        where=party.territory.in_(territories or [-1]))


def _product_calls():
    """A query of the calls detailing the context's product, or None
    without a product"""
    pool = Pool()
    CallProduct = pool.get('pharma.call.product')
    product = Transaction().context.get('product')
    if not product:
        return None
    line = CallProduct.__table__()
    return line.select(line.call, where=line.product == product)


def _on_fields(domain, names):
    "Whether every clause of domain is on a field (or path) of names"
    if isinstance(domain, (list, tuple)) and domain and isinstance(
            domain[0], str) and domain[0] not in ('AND', 'OR'):
        return domain[0].split('.')[0] in names
    return all(_on_fields(d, names) for d in domain
        if not isinstance(d, str))


def _calls_where(call, states=('done',)):
    """The calls of the context: company, states, period, representative,
    territory (and below) and product detailed"""
    context = Transaction().context
    from_date, to_date, _, _ = _period()
    hospitals = _territory_hospitals()
    product_calls = _product_calls()
    where = period_calls(call, context.get('company'), from_date,
        to_date and to_date + datetime.timedelta(days=1), states=states)
    if context.get('representative'):
        where &= call.employee == context['representative']
    if hospitals is not None:
        where &= call.hospital.in_(hospitals)
    if product_calls is not None:
        where &= call.id.in_(product_calls)
    return where


class RepKPI(ModelSQL, ModelView):
    """Representative KPIs over the period: calls, coverage of the target
    departments, data quality and academic events"""
    __name__ = 'pharma.call.report.rep_kpi'
    company = fields.Many2One('company.company', "Company")
    employee = fields.Many2One('company.employee', "Representative")
    calls = fields.Integer("Done Calls")
    doctors = fields.Integer("Doctors Reached")
    hospitals = fields.Integer("Hospitals Reached")
    target_departments = fields.Integer("Target Departments",
        help="The target departments of the hospitals the representative "
        "covers in the period.")
    departments_reached = fields.Integer("Target Departments Reached",
        help="The target departments of the covered hospitals with a done "
        "call of the representative in the period.")
    department_coverage = fields.Float("Department Coverage", digits=(3, 2),
        help="The target departments reached against all of them.")
    quality_score = fields.Float("Data Quality", digits=(16, 1),
        help="The average data-quality score of the hospitals and doctors "
        "the representative covers today.")
    events = fields.Integer("Events Held",
        help="The done academic events the representative organised in "
        "the period.")
    doctors_attended = fields.Integer("Doctors Attended",
        help="The doctors the representative invited who attended an "
        "academic event of the period.")
    event_cost = fields.Numeric("Event Cost", digits=(16, 2),
        help="The cost of the attended invitations of the representative.")
    cost_per_doctor = fields.Function(fields.Numeric(
            "Event Cost per Doctor", digits=(16, 2)), 'get_cost_per_doctor')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__ = set()
        cls._order = [('calls', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Call = pool.get('pharma.call')
        Coverage = pool.get('pharma.coverage')
        Party = pool.get('party.party')
        Department = pool.get('pharma.hospital.department')
        Event = pool.get('pharma.event')
        Invitation = pool.get('pharma.event.invitation')
        Employee = pool.get('company.employee')
        QualityRep = pool.get('pharma.quality.rep')
        context = Transaction().context
        company = context.get('company', -1)
        representative = context.get('representative')
        product = context.get('product')
        from_date, to_date, start, end = _period()
        hospitals = _territory_hospitals()

        call = Call.__table__()
        calls = call.select(
            call.employee.as_('employee'),
            Count(call.id).as_('calls'),
            Count(call.party, distinct=True).as_('doctors'),
            Count(call.hospital, distinct=True).as_('hospitals'),
            where=_calls_where(call),
            group_by=[call.employee])

        coverage = Coverage.__table__()
        hospital = Party.__table__()
        department = Department.__table__()
        where = ((coverage.company == company)
            & (hospital.pharma_type == 'hospital')
            & (department.target == Literal(True))
            & (department.active == Literal(True)))
        where &= Coverage.valid_condition(
            coverage, from_date=from_date, to_date=to_date)
        if representative:
            where &= coverage.employee == representative
        if hospitals is not None:
            where &= hospital.id.in_(hospitals)
        covered = (coverage
            .join(hospital, condition=coverage.party == hospital.id)
            .join(department, condition=department.hospital == hospital.id)
            .select(
                coverage.employee.as_('employee'),
                department.id.as_('department'),
                where=where,
                group_by=[coverage.employee, department.id]))
        call = Call.__table__()
        reached = call.select(
            call.employee.as_('employee'),
            call.department.as_('department'),
            where=_calls_where(call) & (call.department != Null),
            group_by=[call.employee, call.department])
        departments = covered.join(reached, 'LEFT',
            condition=(reached.employee == covered.employee)
            & (reached.department == covered.department)).select(
                covered.employee.as_('employee'),
                Count(covered.department).as_('total'),
                Count(reached.department).as_('reached'),
                group_by=[covered.employee])

        quality = QualityRep.table_query()

        event = Event.__table__()
        where = (event.company == company) & (event.state == 'done')
        if start:
            where &= event.date >= start
        if end:
            where &= event.date < end
        if product:
            where &= event.product == product
        held = event.select(
            event.organiser.as_('employee'),
            Count(event.id).as_('events'),
            where=where,
            group_by=[event.organiser])
        invitation = Invitation.__table__()
        event = Event.__table__()
        where = ((event.company == company) & (event.state != 'cancelled')
            & (invitation.state == 'attended'))
        if start:
            where &= event.date >= start
        if end:
            where &= event.date < end
        if product:
            where &= event.product == product
        attended = invitation.join(event,
            condition=invitation.event == event.id).select(
                invitation.invited_by.as_('employee'),
                Count(invitation.doctor, distinct=True).as_('doctors'),
                Sum(Coalesce(invitation.cost, 0)).as_('cost'),
                where=where,
                group_by=[invitation.invited_by])

        sources = [calls, departments]
        if hospitals is None:
            sources += [quality, held, attended]
        base = Union(*(s.select(s.employee.as_('employee'))
                for s in sources))
        employee = Employee.__table__()
        where = employee.company == company
        if representative:
            where &= employee.id == representative
        total = Coalesce(departments.total, 0)
        reached_ = Coalesce(departments.reached, 0)
        coverage_ = cls.department_coverage.sql_cast
        return (base
            .join(employee, condition=employee.id == base.employee)
            .join(calls, 'LEFT', condition=calls.employee == base.employee)
            .join(departments, 'LEFT',
                condition=departments.employee == base.employee)
            .join(quality, 'LEFT',
                condition=quality.employee == base.employee)
            .join(held, 'LEFT', condition=held.employee == base.employee)
            .join(attended, 'LEFT',
                condition=attended.employee == base.employee)
            .select(
                base.employee.as_('id'),
                employee.company.as_('company'),
                base.employee.as_('employee'),
                Coalesce(calls.calls, 0).as_('calls'),
                Coalesce(calls.doctors, 0).as_('doctors'),
                Coalesce(calls.hospitals, 0).as_('hospitals'),
                total.as_('target_departments'),
                reached_.as_('departments_reached'),
                Case((total > 0, coverage_(reached_) / coverage_(total)),
                    else_=0.0).as_('department_coverage'),
                quality.average_score.as_('quality_score'),
                Coalesce(held.events, 0).as_('events'),
                Coalesce(attended.doctors, 0).as_('doctors_attended'),
                cls.event_cost.sql_cast(
                    Coalesce(attended.cost, 0)).as_('event_cost'),
                where=where))

    def get_cost_per_doctor(self, name):
        if not self.doctors_attended:
            return None
        cost = Decimal(str(self.event_cost or 0))
        return (cost / self.doctors_attended).quantize(Decimal('0.01'))


class HospitalSales(ModelSQL, ModelView):
    """Process against result: the calls and the coverage of each hospital
    beside its sales (sell-out flow) per month"""
    __name__ = 'pharma.call.report.hospital_sales'
    company = fields.Many2One('company.company', "Company")
    hospital = fields.Many2One('party.party', "Hospital", required=True,
        context={'company': Eval('company', -1)}, depends={'company'})
    territory = fields.Many2One('pharma.territory', "Territory")
    month = fields.Date("Month")
    calls = fields.Integer("Done Calls")
    doctors = fields.Integer("Doctors Reached")
    departments_reached = fields.Integer("Target Departments Reached")
    target_departments = fields.Integer("Target Departments")
    department_coverage = fields.Float("Department Coverage", digits=(3, 2))
    quantity = fields.Float("Sales Quantity",
        help="The quantity of the sell-out flow to the hospital.")
    amount = fields.Numeric("Sales Amount", digits=(16, 2),
        help="The amount of the sell-out flow to the hospital.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # who may read the hospital reads its row
        cls.__access__.add('hospital')
        cls._order = [('month', 'DESC'), ('amount', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Call = pool.get('pharma.call')
        Coverage = pool.get('pharma.coverage')
        Party = pool.get('party.party')
        Department = pool.get('pharma.hospital.department')
        Flow = pool.get('pharma.flow.line')
        context = Transaction().context
        company = context.get('company', -1)
        representative = context.get('representative')
        product = context.get('product')
        from_date, to_date, start, end = _period()
        hospitals = _territory_hospitals()

        call = Call.__table__()
        department = Department.__table__()
        where = _calls_where(call) & (call.hospital != Null)
        calls = call.join(department, 'LEFT',
            condition=(call.department == department.id)
            & (department.target == Literal(True))).select(
                (call.id * 2).as_('id'),
                call.company.as_('company'),
                call.hospital.as_('hospital'),
                cls.month.sql_cast(DateTrunc(
                        'month', local_date(cls.month, call.date))
                    ).as_('month'),
                call.id.as_('call'),
                call.party.as_('doctor'),
                department.id.as_('department'),
                cls.quantity.sql_cast(Literal(0)).as_('quantity'),
                cls.amount.sql_cast(Literal(0)).as_('amount'),
                where=where)

        flow = Flow.__table__()
        customer = Party.__table__()
        where = ((flow.company == company)
            & (customer.pharma_type == 'hospital'))
        if from_date:
            where &= flow.date >= from_date
        if to_date:
            where &= flow.date <= to_date
        if hospitals is not None:
            where &= flow.customer.in_(hospitals)
        if product:
            where &= flow.product == product
        if representative:
            coverage = Coverage.__table__()
            covered = Party.__table__()
            covered_where = ((coverage.company == company)
                & (coverage.employee == representative))
            covered_where &= Coverage.valid_condition(
                coverage, from_date=from_date, to_date=to_date)
            where &= flow.customer.in_(coverage.join(covered,
                    condition=coverage.party == covered.id).select(
                    Case((covered.pharma_type == 'hospital', covered.id),
                        else_=covered.hospital),
                    where=covered_where))
        flows = flow.join(customer,
            condition=flow.customer == customer.id).select(
                (flow.id * 2 + 1).as_('id'),
                flow.company.as_('company'),
                flow.customer.as_('hospital'),
                flow.month.as_('month'),
                cls.calls.sql_cast(Literal(None)).as_('call'),
                cls.calls.sql_cast(Literal(None)).as_('doctor'),
                cls.calls.sql_cast(Literal(None)).as_('department'),
                flow.quantity.as_('quantity'),
                flow.amount.as_('amount'),
                where=where)

        lines = Union(calls, flows, all_=True)
        department = Department.__table__()
        targets = department.select(
            department.hospital.as_('hospital'),
            Count(department.id).as_('total'),
            where=(department.target == Literal(True))
            & (department.active == Literal(True)),
            group_by=[department.hospital])
        hospital = Party.__table__()
        total = Coalesce(Max(targets.total), 0)
        reached = Count(lines.department, distinct=True)
        coverage_ = cls.department_coverage.sql_cast
        return (lines
            .join(hospital, condition=lines.hospital == hospital.id)
            .join(targets, 'LEFT',
                condition=targets.hospital == lines.hospital)
            .select(
                Min(lines.id).as_('id'),
                lines.company.as_('company'),
                lines.hospital.as_('hospital'),
                hospital.territory.as_('territory'),
                lines.month.as_('month'),
                Count(lines.call).as_('calls'),
                Count(lines.doctor, distinct=True).as_('doctors'),
                reached.as_('departments_reached'),
                total.as_('target_departments'),
                Case((total > 0, coverage_(reached) / coverage_(total)),
                    else_=0.0).as_('department_coverage'),
                cls.quantity.sql_cast(
                    Coalesce(Sum(lines.quantity), 0)).as_('quantity'),
                cls.amount.sql_cast(
                    Coalesce(Sum(lines.amount), 0)).as_('amount'),
                group_by=[lines.company, lines.hospital, hospital.territory,
                    lines.month]))
