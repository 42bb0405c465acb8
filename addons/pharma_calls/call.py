# This file is part of the pharma suite. See README.md for license terms.
import datetime
import json
from collections import defaultdict
from decimal import Decimal

from sql import Null, Union
from sql.aggregate import Max
from sql.functions import Function
from sql.operators import Any

from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Workflow, fields)
from trytond.model.exceptions import AccessError, ValidationError
from trytond.modules.pharma_hospital.access import readable_name
from trytond.modules.pharma_hospital.company_time import (
    company_timezone, local_day, utc_start)
from trytond.modules.pharma_hospital.employee import in_groups
from trytond.modules.pharma_hospital.export import BatchExportMixin
from trytond.modules.pharma_hospital.notify import Message, render
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If
from trytond import backend
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

MAX_IDS = backend.MAX_QUERY_PARAMS // 10


class ArrayOf(Function):
    "PostgreSQL's ARRAY(subquery), in parentheses for ANY"
    __slots__ = ()
    _function = 'ARRAY'

    def __str__(self):
        return '(%s)' % super().__str__()


def in_subquery(column, query):
    """column IN query; on PostgreSQL column = ANY(ARRAY(query)): the
    query runs once (an InitPlan) and its ids are looked up in column's
    index, where the planner joins an IN over a hashed scan of the table"""
    if backend.name == 'postgresql':
        return column == Any(ArrayOf(query))
    return column.in_(query)

CALL_TYPES = [
    ('face_to_face', "Face-to-Face"),
    ('department_meeting', "Department Meeting"),
    ('phone', "Phone"),
    ('online', "Online/WeChat"),
    ('joint_visit', "Joint Visit"),
    ]
STATES = [
    ('planned', "Planned"),
    ('done', "Done"),
    ('cancelled', "Cancelled"),
    ]
CANCEL_REASONS = [
    (None, ""),
    ('missed', "Missed"),
    ('doctor', "Doctor Unavailable"),
    ('rep', "Representative Unavailable"),
    ('other', "Other"),
    ]
ADOPTION_STAGES = [
    (None, ""),
    ('unaware', "Unaware"),
    ('aware', "Aware"),
    ('trial', "Trial"),
    ('regular', "Regular User"),
    ('advocate', "Advocate"),
    ]
PLAN_RESULTS = [
    (None, ""),
    ('planned', "Planned"),
    ('done', "Done"),
    ('moved', "Moved"),
    ('missed', "Missed"),
    ('cancelled', "Cancelled"),
    ]

# Fields of a call that the plan fixes once it is submitted
# how long the calendar draws a call
CALENDAR_DURATION = datetime.timedelta(minutes=30)
PLANNED_FIELDS = {'employee', 'party', 'date', 'call_type', 'weekly_plan'}
# Fields anybody allowed to write may change on a locked call
FREE_FIELDS = {'manager_comment'}


class CallCheckError(ValidationError):
    pass


def period_calls(call, company, start=None, end=None, states=('done',)):
    """Condition on the pharma_call table: the calls of company (a record
    or an id) in states whose date falls on the company's days
    [start, end) (dates, either may be None). Every report counts the done
    calls of a period with it (the KPI report here, pharma_reporting's
    report pack and scorecards), so that their figures agree"""
    company_id = int(company) if company is not None else -1
    where = (call.company == company_id) & call.state.in_(list(states))
    # the company's time zone (utc_start: the context's without one)
    zone = company_id if company_id >= 0 else None
    if start:
        where &= call.date >= utc_start(start, zone)
    if end:
        where &= call.date < utc_start(end, zone)
    return where


def user_employee_ids():
    User = Pool().get('res.user')
    return set(User.get_employees())


def is_clerk_or_admin():
    if Transaction().user == 0:
        return True
    return in_groups('group_pharma_clerk', 'group_pharma_admin')


class CallAlert:
    "Daily alerts on calls and plans, mixed into pharma.call"
    __slots__ = ()

    @classmethod
    def _alert_users(cls, employee):
        User = Pool().get('res.user')
        return User.search([('employees', '=', employee.id)])

    @classmethod
    def send_alerts(cls):
        "Overdue follow-ups, A-tier doctors not visited, plans not submitted"
        pool = Pool()
        Date = pool.get('ir.date')
        Plan = pool.get('pharma.weekly.plan')
        Coverage = pool.get('pharma.coverage')
        Configuration = pool.get('pharma.configuration')
        today = Date.today()
        now = datetime.datetime.now()
        company = Transaction().context.get('company', -1)
        config = Configuration.get_config(company)
        week = datetime.timedelta(days=7)
        alerts = []  # (record, employee, label, description, escalate)

        overdue = cls.search([
                ('company', '=', company),
                ('state', '=', 'planned'),
                ('followup_of', '!=', None),
                ('date', '<', utc_start(today)),
                ])
        for call in overdue:
            alerts.append((call, call.employee,
                    Message('pharma_calls.msg_alert_followup_overdue'),
                    call.rec_name, call.date < now - week))

        coverages = Coverage.search([
                ('company', '=', company),
                ('role', '=', 'primary'),
                Coverage.valid_domain(today),
                ('party.pharma_type', '=', 'doctor'),
                ('party.doctor_tier', '=', 'A'),
                ])
        frequency = config.freq_a or 0
        if frequency:
            interval = datetime.timedelta(days=max(1, 30 // frequency))
            last = cls.last_calls({c.party for c in coverages})
            for coverage in coverages:
                call = last.get(coverage.party.id)
                last_date = call.date if call else None
                if last_date is None or last_date < now - interval:
                    late = (last_date is None
                        or last_date < now - interval - week)
                    alerts.append((coverage.party, coverage.employee,
                            Message('pharma_calls.msg_alert_a_tier'),
                            coverage.party.rec_name, late))

        monday = today - datetime.timedelta(days=today.weekday())
        if today > monday or now.hour >= 12:
            submitted = {(p.employee.id, p.week_start) for p in Plan.search([
                        ('company', '=', company),
                        ('week_start', '>=', monday - week),
                        ('state', 'in', ['submitted', 'approved', 'done']),
                        ])}
            reps = {c.employee for c in Coverage.search([
                        ('company', '=', company),
                        Coverage.valid_domain(today),
                        ])}
            for rep in reps:
                if (rep.id, monday) not in submitted:
                    late = (rep.id, monday - week) not in submitted
                    alerts.append((rep, rep,
                            Message('pharma_calls.msg_alert_plan_missing'),
                            monday, late))
        cls._notify(alerts)
        return alerts

    @classmethod
    def _notify(cls, alerts):
        pool = Pool()
        User = pool.get('res.user')
        Notification = pool.get('res.notification')
        users = {}

        def get_users(employee):
            if employee.id not in users:
                users[employee.id] = User.search(
                    [('employees', '=', employee.id)])
            return users[employee.id]
        notifications = []
        for record, employee, label, description, escalate in alerts:
            targets = list(get_users(employee))
            if escalate and employee.supervisor:
                targets += get_users(employee.supervisor)
            for user in targets:
                # label and description may be Messages: in the user's
                # language
                notifications.append(Notification(
                        user=user, icon='tryton-warning',
                        label=render(label, user),
                        description=render(description, user),
                        model=record.__name__,
                        records=json.dumps([record.id])))
        if notifications:
            Notification.save(notifications)


class Call(BatchExportMixin, CallAlert, Workflow, ModelSQL, ModelView):
    "Call"
    __name__ = 'pharma.call'
    _states = {
        'readonly': Eval('state') != 'planned',
        }
    company = fields.Many2One(
        'company.company', "Company", required=True,
        states={
            'readonly': Eval('state') != 'planned',
            })
    employee = fields.Many2One(
        'company.employee', "Representative", required=True,
        domain=[('company', '=', Eval('company', -1))],
        states=_states)
    party = fields.Many2One(
        'party.party', "Party", required=True, ondelete='RESTRICT',
        domain=[('pharma_type', 'in', ['doctor', 'hospital', 'pharmacy'])],
        states=_states,
        context={'company': Eval('company', -1)}, depends={'company'},
        help="The doctor, or a hospital contact.")
    hospital = fields.Many2One(
        'party.party', "Hospital", ondelete='RESTRICT',
        domain=[('pharma_type', '=', 'hospital')],
        states=_states,
        context={'company': Eval('company', -1)}, depends={'company'})
    department = fields.Many2One(
        'pharma.hospital.department', "Department", ondelete='RESTRICT',
        domain=[If(Bool(Eval('hospital')),
                ('hospital', '=', Eval('hospital', -1)),
                ())],
        states=_states)
    date = fields.DateTime("Date", required=True, states=_states)
    calendar_end = fields.Function(fields.DateTime("Calendar End",
            states=_states,
            help="Where the calendar ends the call: half an hour after its "
            "date, at the latest at the end of its day (a call at 23:00 "
            "is not drawn over midnight)."),
        'get_calendar_end', setter='set_calendar_end',
        searcher='search_calendar_end')
    call_type = fields.Selection(
        CALL_TYPES, "Type", required=True, states=_states)
    state = fields.Selection(STATES, "State", readonly=True, required=True)
    cancel_reason = fields.Selection(
        CANCEL_REASONS, "Cancel Reason",
        states={
            'invisible': Eval('state') != 'cancelled',
            })
    products = fields.One2Many(
        'pharma.call.product', 'call', "Products",
        states={
            'readonly': Eval('state') == 'cancelled',
            })
    samples = fields.One2Many(
        'pharma.call.sample', 'call', "Samples",
        states={
            'readonly': Eval('state') != 'planned',
            })
    objections = fields.Text("Objections",
        states={
            'readonly': Eval('state') == 'cancelled',
            })
    competitors = fields.One2Many(
        'pharma.call.competitor', 'call', "Competitor Mentions",
        states={
            'readonly': Eval('state') == 'cancelled',
            })
    next_step = fields.Text("Next Step",
        states={
            'readonly': Eval('state') == 'cancelled',
            })
    followup_date = fields.Date("Follow-up Date",
        states={
            'readonly': Eval('state') == 'cancelled',
            },
        help="A planned call is created on that date when the call is done.")
    followup_of = fields.Many2One(
        'pharma.call', "Follow-up of", readonly=True, ondelete='SET NULL')
    manager_comment = fields.Text("Manager Comment")
    entered_by = fields.Many2One('res.user', "Entered by", readonly=True,
        help="The user who entered the call.")
    joint_employee = fields.Many2One(
        'company.employee', "Joint Visit with",
        domain=[('company', '=', Eval('company', -1))],
        states={
            'invisible': Eval('call_type') != 'joint_visit',
            'required': Eval('call_type') == 'joint_visit',
            'readonly': Eval('state') == 'cancelled',
            },
        help="The manager on a joint visit.")
    weekly_plan = fields.Many2One(
        'pharma.weekly.plan', "Weekly Plan", ondelete='SET NULL',
        domain=[
            ('employee', '=', Eval('employee', -1)),
            ],
        states=_states)
    plan_result = fields.Function(fields.Selection(
            PLAN_RESULTS, "Plan Result"), 'get_plan_result')
    stock_moves = fields.One2Many(
        'stock.move', 'origin', "Stock Moves", readonly=True)
    representatives = fields.Function(fields.Many2Many(
            'company.employee', None, None, "Representatives",
            help="The call's representative and the representatives who "
            "cover its party today."),
        'get_representatives', searcher='search_representatives')
    del _states

    @classmethod
    def _covered_today(cls, coverage, employees):
        "The SQL condition: a coverage of employees valid today"
        pool = Pool()
        Coverage = pool.get('pharma.coverage')
        today = pool.get('ir.date').today()
        return (fields.SQL_OPERATORS['in'](coverage.employee, employees)
            & Coverage.valid_condition(coverage, today))

    @classmethod
    def get_representatives(cls, calls, name):
        pool = Pool()
        Coverage = pool.get('pharma.coverage')
        coverage = Coverage.__table__()
        cursor = Transaction().connection.cursor()
        by_party = defaultdict(set)
        parties = {c.party.id for c in calls}
        today = pool.get('ir.date').today()
        for sub in grouped_slice(parties, MAX_IDS):
            cursor.execute(*coverage.select(coverage.party, coverage.employee,
                    where=fields.SQL_OPERATORS['in'](
                        coverage.party, list(sub))
                    & Coverage.valid_condition(coverage, today)))
            for party, employee in cursor:
                by_party[party].add(employee)
        return {c.id: sorted({c.employee.id} | by_party[c.party.id])
            for c in calls}

    @classmethod
    def search_representatives(cls, name, clause):
        """The calls of the employees (operator 'in' or '=' with ids) or on
        the parties they cover today, as one id subquery: the UNION of the
        (employee, date) and (party, date) index scans (the
        representatives' read rule). On PostgreSQL as "id = ANY(ARRAY(
        ...))": the ids are computed once and read through the primary
        key, then sorted; as an OR over a list of covered parties the
        planner walked the (date, id) index backwards through the whole
        table for a rep's first page (2.6 s at 967,000 calls, 44 ms so)"""
        pool = Pool()
        Coverage = pool.get('pharma.coverage')
        _, operator, value = clause[:3]
        if clause[0] != name or operator not in {'in', 'not in', '=', '!='}:
            raise NotImplementedError(
                "%s: only in, not in, = and != on employee ids" % name)
        if value is None:
            employees = []
        elif isinstance(value, int):
            employees = [value]
        else:
            employees = [e for e in value if e is not None]
        negative = operator in {'not in', '!='}
        if not employees:
            return [] if negative else [('id', '=', None)]
        call = cls.__table__()
        other = cls.__table__()
        coverage = Coverage.__table__()
        own = call.select(call.id,
            where=fields.SQL_OPERATORS['in'](call.employee, employees))
        covered = other.select(other.id,
            where=in_subquery(other.party, coverage.select(coverage.party,
                    where=cls._covered_today(coverage, employees))))
        ids = Union(own, covered)
        if negative:
            return [('id', 'not in', ids)]
        if backend.name == 'postgresql':
            return [('id', '=', Any(ArrayOf(ids)))]
        return [('id', 'in', ids)]

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.party, Index.Range()), (t.date, Index.Range())),
                Index(t, (t.employee, Index.Range()), (t.date, Index.Range())),
                # reports and the list: company rule, date range and order
                Index(t, (t.company, Index.Range()), (t.date, Index.Range()),
                    (t.id, Index.Range())),
                # the list's first page in its order: the company rule is
                # "company = ANY(...)", which PostgreSQL (before 17) cannot
                # read in index order from the (company, date, id) index
                Index(t, (t.date, Index.Range()), (t.id, Index.Range())),
                Index(t, (t.weekly_plan, Index.Range())),
                Index(t, (t.state, Index.Equality(cardinality='low')),
                    where=t.state == 'planned'),
                # the managers' record rule: hospitals of their territories
                # and joint visits, OR-ed with their team (bitmap scans)
                Index(t, (t.hospital, Index.Range()), (t.date, Index.Range())),
                Index(t, (t.joint_employee, Index.Range()),
                    where=t.joint_employee != Null),
                })
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('planned', 'done'),
            ('planned', 'cancelled'),
            ('cancelled', 'planned'),
            }
        cls._buttons.update({
                'cancel': {
                    'invisible': Eval('state') != 'planned',
                    'depends': ['state'],
                    },
                'plan': {
                    'invisible': Eval('state') != 'cancelled',
                    'icon': 'tryton-undo',
                    'depends': ['state'],
                    },
                'do': {
                    'invisible': Eval('state') != 'planned',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_employee(cls):
        return Transaction().context.get('employee')

    @classmethod
    def default_state(cls):
        return 'planned'

    @classmethod
    def default_call_type(cls):
        return 'face_to_face'

    @classmethod
    def default_date(cls):
        return datetime.datetime.now().replace(microsecond=0)

    @fields.depends('party', 'hospital', 'department')
    def on_change_party(self):
        if self.party and getattr(self.party, 'pharma_type', None) == 'doctor':
            self.hospital = self.party.hospital
            self.department = self.party.department
        elif self.party and self.party.pharma_type == 'hospital':
            self.hospital = self.party
            self.department = None

    def get_rec_name(self, name):
        return '%s @ %s' % (
            self.party.rec_name if self.party else '', self._rec_name_date())

    def readable_rec_name(self):
        "The rec_name naming the party only as far as the user may read it"
        return '%s @ %s' % (
            readable_name(self.party) if self.party else '',
            self._rec_name_date())

    def _rec_name_date(self):
        date = ''
        if self.date:
            # the company's time: the date is stored as naive UTC
            date = self.date
            zone = company_timezone(self.company)
            if zone is not None:
                date = date.replace(tzinfo=datetime.timezone.utc).astimezone(
                    zone)
            date = date.strftime('%Y-%m-%d %H:%M')
        return date

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('party.rec_name',) + tuple(clause[1:])]

    @classmethod
    def _get_origin(cls):
        return []

    def get_plan_result(self, name):
        if not self.weekly_plan:
            return None
        plan = self.weekly_plan
        start = utc_start(plan.week_start) if plan.week_start else None
        end = start + datetime.timedelta(days=7) if start else None
        if self.state == 'cancelled':
            return 'missed' if self.cancel_reason == 'missed' else 'cancelled'
        if start and self.date and not (start <= self.date < end):
            return 'moved'
        return self.state

    # Compliance and locks

    @classmethod
    def validate_fields(cls, calls, field_names):
        super().validate_fields(calls, field_names)
        cls.check_rep_registration(calls, field_names)

    @classmethod
    def check_rep_registration(cls, calls, field_names=None):
        pool = Pool()
        Configuration = pool.get('pharma.configuration')
        if field_names and not (field_names & {'employee', 'state'}):
            return
        configs = {}
        for call in calls:
            if call.state == 'cancelled':
                continue
            company = call.company.id
            if company not in configs:
                configs[company] = Configuration.get_config(company)
            if not configs[company].rep_compliance:
                continue
            if not call.employee.is_registered_rep():
                raise CallCheckError(gettext(
                        'pharma_calls.msg_call_rep_not_registered',
                        employee=readable_name(call.employee),
                        call=readable_name(call)))

    @classmethod
    def check_modification(cls, mode, calls, values=None, external=False):
        pool = Pool()
        Configuration = pool.get('pharma.configuration')
        super().check_modification(
            mode, calls, values=values, external=external)
        if Transaction().user == 0 or mode == 'create':
            return
        if mode == 'delete':
            for call in calls:
                if call.state == 'done':
                    raise AccessError(gettext(
                            'pharma_calls.msg_call_delete_done',
                            call=readable_name(call)))
            return
        fields = set(values or {})
        if not fields or fields <= {'weekly_plan'} and not external:
            return
        employees = user_employee_ids()
        clerk = is_clerk_or_admin()
        now = datetime.datetime.now()
        configs = {}
        for call in calls:
            company = call.company.id
            if company not in configs:
                configs[company] = Configuration.get_config(company)
            config = configs[company]
            if call.state == 'done':
                own = call.employee.id in employees
                supervisor = (call.employee.supervisor
                    and call.employee.supervisor.id in employees)
                if fields <= FREE_FIELDS and (supervisor or clerk):
                    continue
                if not own and not clerk:
                    raise AccessError(gettext(
                            'pharma_calls.msg_call_done_other_rep',
                            call=readable_name(call),
                            employee=readable_name(call.employee)))
                lock_days = config.call_lock_days or 0
                if (lock_days and call.date
                        and call.date < now - datetime.timedelta(
                            days=lock_days)):
                    raise AccessError(gettext(
                            'pharma_calls.msg_call_done_locked',
                            call=readable_name(call), days=lock_days))
            if (call.state == 'planned' and call.weekly_plan
                    and call.weekly_plan.state in {'submitted', 'approved'}
                    and fields & PLANNED_FIELDS
                    and call.employee.id in employees
                    and not clerk):
                raise AccessError(gettext(
                        'pharma_calls.msg_call_plan_submitted',
                        call=readable_name(call),
                        plan=readable_name(call.weekly_plan)))

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create':
            # who entered it, whatever the client sends
            if Transaction().user:
                values['entered_by'] = Transaction().user
            if values.get('party') and not values.get('hospital'):
                Party = Pool().get('party.party')
                party = Party(values['party'])
                if party.pharma_type == 'doctor':
                    if party.hospital:
                        values['hospital'] = party.hospital.id
                    if party.department and not values.get('department'):
                        values['department'] = party.department.id
                elif party.pharma_type == 'hospital':
                    values['hospital'] = party.id
        return values

    @classmethod
    def copy(cls, calls, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('state', 'planned')
        default.setdefault('stock_moves')
        default.setdefault('samples')
        default.setdefault('followup_of')
        default.setdefault('weekly_plan')
        default.setdefault('manager_comment')
        default.setdefault('entered_by')
        default.setdefault('cancel_reason')
        return super().copy(calls, default=default)

    # Workflow

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, calls):
        cls.write([c for c in calls if not c.cancel_reason],
            {'cancel_reason': 'other'})

    @classmethod
    @ModelView.button
    @Workflow.transition('planned')
    def plan(cls, calls):
        cls.write(calls, {'cancel_reason': None})

    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def do(cls, calls):
        pool = Pool()
        Sample = pool.get('pharma.call.sample')
        samples = [s for c in calls for s in c.samples]
        Sample.check_stock(samples)
        Sample.create_moves(samples)

    @classmethod
    def on_modification(cls, mode, calls, field_names=None):
        super().on_modification(mode, calls, field_names=field_names)
        if mode in {'create', 'write'} and (
                field_names is None or 'state' in field_names
                or 'followup_date' in field_names):
            cls.create_followups(calls)

    @classmethod
    def create_followups(cls, calls):
        "Create a planned call on the follow-up date of the done calls"
        to_create = [c for c in calls
            if c.state == 'done' and c.followup_date]
        if not to_create:
            return
        existing = set()
        for sub in grouped_slice(to_create, MAX_IDS):
            existing.update(c.followup_of.id for c in cls.search([
                        ('followup_of', 'in', [c.id for c in sub]),
                        ]))
        vlist = []
        for call in to_create:
            if call.id in existing:
                continue
            vlist.append({
                    'company': call.company.id,
                    'employee': call.employee.id,
                    'party': call.party.id,
                    'hospital': call.hospital.id if call.hospital else None,
                    'department': (
                        call.department.id if call.department else None),
                    'date': (utc_start(call.followup_date)
                        + datetime.timedelta(hours=9)),
                    'call_type': (call.call_type
                        if call.call_type != 'joint_visit'
                        else 'face_to_face'),
                    'followup_of': call.id,
                    'next_step': call.next_step,
                    })
        if vlist:
            cls.create(vlist)

    def get_calendar_end(self, name):
        if not self.date:
            return None
        end = self.date + CALENDAR_DURATION
        day = local_day(self.date, self.company)
        if day is not None:
            midnight = utc_start(day + datetime.timedelta(days=1),
                self.company)
            end = min(end, midnight - datetime.timedelta(minutes=1))
        return end

    @classmethod
    def set_calendar_end(cls, calls, name, value):
        # the calendar moves a call by its date, the end follows
        pass

    @classmethod
    def search_calendar_end(cls, name, clause):
        _, operator, value = clause[:3]
        if isinstance(value, datetime.datetime) and operator in {
                '<', '<=', '>', '>=', '=', '!='}:
            # the end is at most half an hour after the date
            return [('date', operator, value - CALENDAR_DURATION)]
        return [('date',) + tuple(clause[1:])]

    @classmethod
    def last_calls(cls, parties):
        "Return a dict party id -> its last done call"
        call = cls.__table__()
        cursor = Transaction().connection.cursor()
        result = {}
        for sub in grouped_slice([int(p) for p in parties], MAX_IDS):
            query = call.select(call.party, Max(call.date),
                where=call.party.in_(list(sub)) & (call.state == 'done'),
                group_by=[call.party])
            cursor.execute(*query)
            dates = {p: (datetime.datetime.fromisoformat(d)
                    if isinstance(d, str) else d) for p, d in cursor}
            if not dates:
                continue
            for c in cls.search([
                        ('party', 'in', list(dates.keys())),
                        ('state', '=', 'done'),
                        ]):
                if (c.date == dates.get(c.party.id)
                        and c.party.id not in result):
                    result[c.party.id] = c
        return result

    # Hand-over

    @classmethod
    def pharma_handover(cls, from_employee, to_employee, parties, log=None):
        calls = cls.search([
                ('employee', '=', from_employee.id),
                ('party', 'in', [p.id for p in parties]),
                ('state', '=', 'planned'),
                ])
        if calls:
            cls.write(calls, {
                    'employee': to_employee.id,
                    'weekly_plan': None,
                    })
        return [(c, gettext('pharma_calls.msg_handover_call',
                    call=c.rec_name)) for c in calls]


class CallProduct(ModelSQL, ModelView):
    "Call Product"
    __name__ = 'pharma.call.product'
    call = fields.Many2One(
        'pharma.call', "Call", required=True, ondelete='CASCADE')
    product = fields.Many2One('product.product', "Product", required=True,
        domain=[('template.manufacturer', '=', None)],
        search_order=[('pharma_detail_rank', 'ASC'), ('rec_name', 'ASC')],
        search_context={
            'pharma_doctor': Eval('_parent_call', {}).get('party', -1),
            },
        depends={'call'},
        help="One of the company's own drugs: those of the doctor's "
        "therapeutic areas are offered first, then those of the doctor's "
        "last call.")
    key_message = fields.Text("Key Message")
    adoption_stage = fields.Selection(
        ADOPTION_STAGES, "Adoption Stage", sort=False)
    feedback = fields.Text("Feedback")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('call')


class CallSample(ModelSQL, ModelView):
    "Call Sample"
    __name__ = 'pharma.call.sample'
    call = fields.Many2One(
        'pharma.call', "Call", required=True, ondelete='CASCADE')
    product = fields.Many2One(
        'product.product', "Product", required=True,
        domain=[('type', '=', 'goods')])
    quantity = fields.Float("Quantity", required=True,
        digits='unit',
        domain=[('quantity', '>', 0)])
    unit = fields.Function(fields.Many2One('product.uom', "Unit"),
        'on_change_with_unit')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('call')

    @fields.depends('product')
    def on_change_with_unit(self, name=None):
        return self.product.default_uom if self.product else None

    def _stock_key(self):
        return (self.product.id,)

    @classmethod
    def _stock_grouping(cls):
        return ('product',)

    @classmethod
    def check_stock(cls, samples):
        "Refuse samples over what the representative holds"
        pool = Pool()
        Product = pool.get('product.product')
        Date = pool.get('ir.date')
        by_location = defaultdict(list)
        for sample in samples:
            location = sample.call.employee.sample_location
            if not location:
                raise CallCheckError(gettext(
                        'pharma_calls.msg_call_no_sample_location',
                        employee=readable_name(sample.call.employee)))
            by_location[location].append(sample)
        grouping = cls._stock_grouping()
        for location, loc_samples in by_location.items():
            # bypass: the stock of the rep's sample location, which a rep
            # cannot read
            with Transaction().set_context(
                    company=loc_samples[0].call.company.id,
                    stock_date_end=Date.today(),
                    _check_access=False):
                quantities = Product.products_by_location(
                    [location.id], with_childs=True, grouping=grouping,
                    grouping_filter=(
                        list({s.product.id for s in loc_samples}),))
            needed = defaultdict(float)
            for sample in loc_samples:
                needed[sample._stock_key()] += sample.quantity
            for sample in loc_samples:
                key = sample._stock_key()
                held = quantities.get((location.id,) + key, 0)
                if needed[key] > held:
                    raise CallCheckError(gettext(
                            'pharma_calls.msg_call_sample_over_stock',
                            product=readable_name(sample.product),
                            quantity=needed[key], held=held,
                            employee=readable_name(sample.call.employee)))

    def _get_move(self):
        pool = Pool()
        Move = pool.get('stock.move')
        Location = pool.get('stock.location')
        customer, = Location.search([('type', '=', 'customer')], limit=1)
        company = self.call.company
        return Move(
            product=self.product,
            unit=self.product.default_uom,
            quantity=self.quantity,
            from_location=self.call.employee.sample_location,
            to_location=customer,
            company=company,
            unit_price=Decimal(0),
            currency=company.currency,
            effective_date=local_day(self.call.date),
            origin=self.call,
            )

    @classmethod
    def create_moves(cls, samples):
        pool = Pool()
        Move = pool.get('stock.move')
        moves = [s._get_move() for s in samples]
        if moves:
            # bypass: sample stock moves are made by the code, not by the rep
            with Transaction().set_context(_check_access=False):
                Move.save(moves)
                Move.do(moves)
        return moves


class CallCompetitor(ModelSQL, ModelView):
    "Call Competitor Mention"
    __name__ = 'pharma.call.competitor'
    call = fields.Many2One(
        'pharma.call', "Call", required=True, ondelete='CASCADE')
    competitor = fields.Many2One(
        'party.party', "Competitor", required=True, ondelete='RESTRICT',
        domain=[('pharma_type', '=', 'manufacturer')])
    text = fields.Text("What was said")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('call')

