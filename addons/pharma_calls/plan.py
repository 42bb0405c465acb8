# This file is part of the pharma suite. See README.md for license terms.
import datetime
from collections import defaultdict

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, Workflow, fields
from trytond.model.exceptions import AccessError, ValidationError
from trytond.modules.pharma_hospital.company_time import utc_start
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction
from trytond.modules.pharma_hospital.access import readable_name

from .call import is_clerk_or_admin, user_employee_ids

PLAN_STATES = [
    ('draft', "Draft"),
    ('submitted', "Submitted"),
    ('approved', "Approved"),
    ('rejected', "Rejected"),
    ('done', "Done"),
    ]


class PlanError(ValidationError):
    pass


def is_supervisor_of(employee):
    if Transaction().user == 0:
        return True
    supervisor = employee.supervisor
    return bool(supervisor and supervisor.id in user_employee_ids())


class WeeklyPlan(Workflow, ModelSQL, ModelView):
    "Weekly Plan"
    __name__ = 'pharma.weekly.plan'
    _states = {
        'readonly': ~Eval('state').in_(['draft', 'rejected']),
        }
    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    employee = fields.Many2One(
        'company.employee', "Representative", required=True,
        domain=[('company', '=', Eval('company', -1))], states=_states)
    week_start = fields.Date("Week Start", required=True, states=_states,
        help="The Monday of the week.")
    week_end = fields.Date("Week End", readonly=True)
    lines = fields.One2Many(
        'pharma.call', 'weekly_plan', "Calls",
        domain=[
            ('employee', '=', Eval('employee', -1)),
            ('company', '=', Eval('company', -1)),
            ],
        states=_states)
    state = fields.Selection(
        PLAN_STATES, "State", readonly=True, required=True)
    manager_comment = fields.Text("Manager Comment",
        states={
            'readonly': Eval('state').in_(['approved', 'done']),
            })
    submitted_date = fields.DateTime("Submitted", readonly=True)
    approved_by = fields.Many2One(
        'company.employee', "Approved by", readonly=True)
    calls_planned = fields.Function(
        fields.Integer("Calls Planned"), 'get_numbers')
    a_tier_doctors = fields.Function(
        fields.Integer("A-Tier Doctors"), 'get_numbers')
    new_doctors = fields.Function(
        fields.Integer("New Doctors",
            help="Doctors in the plan without any done call before."),
        'get_numbers')
    calls_done = fields.Function(fields.Integer("Done"), 'get_numbers')
    calls_moved = fields.Function(fields.Integer("Moved"), 'get_numbers')
    calls_missed = fields.Function(fields.Integer("Missed"), 'get_numbers')
    done_rate = fields.Function(
        fields.Float("Done Rate", digits=(3, 2)), 'get_numbers')
    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('employee_week_uniq', Unique(t, t.employee, t.week_start),
                'pharma_calls.msg_weekly_plan_unique'),
            ]
        cls._sql_indexes.add(
            Index(t, (t.state, Index.Equality(cardinality='low'))))
        cls._order = [('week_start', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'submitted'),
            ('rejected', 'draft'),
            ('submitted', 'draft'),
            ('submitted', 'approved'),
            ('submitted', 'rejected'),
            ('draft', 'done'),
            ('submitted', 'done'),
            ('approved', 'done'),
            ('rejected', 'done'),
            }
        cls._buttons.update({
                'draft': {
                    'invisible': ~Eval('state').in_(['submitted', 'rejected']),
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                'submit': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'approve': {
                    'invisible': Eval('state') != 'submitted',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'reject': {
                    'invisible': Eval('state') != 'submitted',
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                'fill_from_cycle': {
                    'invisible': Eval('state') != 'draft',
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
        return 'draft'

    @classmethod
    def default_week_start(cls):
        today = Pool().get('ir.date').today()
        return today + datetime.timedelta(days=7 - today.weekday())

    def get_rec_name(self, name):
        return '%s %s' % (
            self.employee.rec_name if self.employee else '',
            self.week_start or '')

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('employee.rec_name',) + tuple(clause[1:])]

    @fields.depends('week_start')
    def on_change_week_start(self):
        if self.week_start:
            self.week_end = self.week_start + datetime.timedelta(days=6)

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('week_start'):
            values['week_end'] = (
                values['week_start'] + datetime.timedelta(days=6))
        return values

    @property
    def week_bounds(self):
        return (utc_start(self.week_start),
            utc_start(self.week_start + datetime.timedelta(days=7)))

    @classmethod
    def get_numbers(cls, plans, names):
        pool = Pool()
        Call = pool.get('pharma.call')
        result = {n: {} for n in names}
        calls = Call.search([('weekly_plan', 'in', [p.id for p in plans])])
        by_plan = defaultdict(list)
        for call in calls:
            by_plan[call.weekly_plan.id].append(call)
        parties = {c.party.id for c in calls}
        earliest = {}
        if 'new_doctors' in names and parties:
            for call in Call.search([
                        ('party', 'in', list(parties)),
                        ('state', '=', 'done'),
                        ], order=[('date', 'ASC')]):
                earliest.setdefault(call.party.id, call.date)
        for plan in plans:
            lines = by_plan[plan.id]
            start, _ = plan.week_bounds
            results = [c.plan_result for c in lines]
            counted = [r for r in results if r != 'cancelled']
            values = {
                'calls_planned': len(lines),
                'a_tier_doctors': len({c.party.id for c in lines
                        if c.party.doctor_tier == 'A'}),
                'new_doctors': len({c.party.id for c in lines
                        if c.party.pharma_type == 'doctor'
                        and (c.party.id not in earliest
                            or earliest[c.party.id] >= start)}),
                'calls_done': results.count('done'),
                'calls_moved': results.count('moved'),
                'calls_missed': results.count('missed'),
                'done_rate': (results.count('done') / len(counted)
                    if counted else 0.0),
                }
            for name in names:
                result[name][plan.id] = values[name]
        return result

    @classmethod
    def validate_fields(cls, plans, field_names):
        super().validate_fields(plans, field_names)
        for plan in plans:
            if plan.week_start and plan.week_start.weekday() != 0:
                raise PlanError(gettext(
                        'pharma_calls.msg_weekly_plan_monday',
                        plan=readable_name(plan)))

    @classmethod
    def check_modification(cls, mode, plans, values=None, external=False):
        super().check_modification(
            mode, plans, values=values, external=external)
        if Transaction().user == 0 or mode == 'create':
            return
        if is_clerk_or_admin():
            return
        employees = user_employee_ids()
        fields = set(values or {})
        for plan in plans:
            own = plan.employee.id in employees
            if mode == 'delete':
                if plan.state != 'draft':
                    raise AccessError(gettext(
                            'pharma_calls.msg_weekly_plan_delete',
                            plan=readable_name(plan)))
                continue
            if (own and not is_supervisor_of(plan.employee)
                    and plan.state in {'submitted', 'approved', 'done'}
                    and fields - {'state', 'submitted_date'}):
                raise AccessError(gettext(
                        'pharma_calls.msg_weekly_plan_submitted',
                        plan=readable_name(plan)))

    @classmethod
    def copy(cls, plans, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('lines')
        default.setdefault('state', 'draft')
        default.setdefault('manager_comment')
        default.setdefault('submitted_date')
        default.setdefault('approved_by')
        return super().copy(plans, default=default)

    @classmethod
    def check_supervisor(cls, plans):
        for plan in plans:
            if not is_supervisor_of(plan.employee):
                raise AccessError(gettext(
                        'pharma_calls.msg_weekly_plan_not_supervisor',
                        plan=readable_name(plan)))

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, plans):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('submitted')
    def submit(cls, plans):
        cls.write(plans, {
                'submitted_date': datetime.datetime.now().replace(
                    microsecond=0),
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('approved')
    def approve(cls, plans):
        pool = Pool()
        Employee = pool.get('company.employee')
        cls.check_supervisor(plans)
        context = Transaction().context
        employee = context.get('employee')
        cls.write(plans, {
                'approved_by': Employee(employee).id if employee else None,
                })
        if context.get('pharma_plan_approve_next'):
            # the team list: the next plan becomes the current row, so its
            # approve button acts on the first click
            return 'next'

    @classmethod
    @ModelView.button
    @Workflow.transition('rejected')
    def reject(cls, plans):
        cls.check_supervisor(plans)
        for plan in plans:
            if not plan.manager_comment:
                raise PlanError(gettext(
                        'pharma_calls.msg_weekly_plan_reject_comment',
                        plan=readable_name(plan)))

    @classmethod
    @Workflow.transition('done')
    def do(cls, plans):
        pass

    @classmethod
    @ModelView.button
    def fill_from_cycle(cls, plans):
        pool = Pool()
        CyclePlan = pool.get('pharma.cycle.plan')
        Call = pool.get('pharma.call')
        vlist = []
        for plan in plans:
            cycles = CyclePlan.search([
                    ('employee', '=', plan.employee.id),
                    ('start_date', '<=', plan.week_start),
                    ('end_date', '>=', plan.week_start),
                    ])
            planned = {c.party.id for c in plan.lines}
            parties = []
            for cycle in cycles:
                for line in cycle.lines:
                    if (line.remaining_calls > 0
                            and line.party.id not in planned
                            and line.party not in parties):
                        parties.append(line.party)
            start, _ = plan.week_bounds
            for i, party in enumerate(parties):
                date = start + datetime.timedelta(
                    days=i % 5, hours=9 + (i // 5) % 8)
                vlist.append({
                        'company': plan.company.id,
                        'employee': plan.employee.id,
                        'party': party.id,
                        'date': date,
                        'call_type': 'face_to_face',
                        'weekly_plan': plan.id,
                        })
        if vlist:
            Call.create(vlist)

    @classmethod
    def close_weeks(cls):
        "Cancel the calls still planned at week end and close the plans"
        pool = Pool()
        Call = pool.get('pharma.call')
        Date = pool.get('ir.date')
        today = Date.today()
        company = Transaction().context.get('company', -1)
        plans = cls.search([
                ('company', '=', company),
                ('state', '!=', 'done'),
                ('week_start', '<=', today - datetime.timedelta(days=7)),
                ])
        if not plans:
            return
        missed = []
        for plan in plans:
            _, end = plan.week_bounds
            missed.extend(c for c in plan.lines
                if c.state == 'planned' and c.date < end)
        if missed:
            Call.write(missed, {'cancel_reason': 'missed'})
            Call.cancel(missed)
        cls.do(plans)

    @classmethod
    def pharma_handover(cls, from_employee, to_employee, parties, log=None):
        "Move the draft plans whose calls are all on the moved parties"
        pool = Pool()
        Call = pool.get('pharma.call')
        party_ids = {p.id for p in parties}
        existing = {p.week_start for p in cls.search([
                    ('employee', '=', to_employee.id),
                    ])}
        plans = [p for p in cls.search([
                    ('employee', '=', from_employee.id),
                    ('state', '=', 'draft'),
                    ])
            if p.lines and p.week_start not in existing
            and {c.party.id for c in p.lines} <= party_ids]
        if not plans:
            return []
        lines = {p: [c for c in p.lines if c.state == 'planned']
            for p in plans}
        calls = sum(lines.values(), [])
        Call.write(calls, {
                'weekly_plan': None, 'employee': to_employee.id})
        cls.write(plans, {'employee': to_employee.id})
        args = []
        for plan, plan_calls in lines.items():
            if plan_calls:
                args.extend((plan_calls, {'weekly_plan': plan.id}))
        if args:
            Call.write(*args)
        return [(p, gettext('pharma_calls.msg_handover_plan',
                    plan=p.rec_name)) for p in plans] + [
            (c, gettext('pharma_calls.msg_handover_call', call=c.rec_name))
            for c in calls]


class CyclePlan(ModelSQL, ModelView):
    "Cycle Plan"
    __name__ = 'pharma.cycle.plan'
    company = fields.Many2One('company.company', "Company", required=True)
    employee = fields.Many2One(
        'company.employee', "Representative", required=True,
        domain=[('company', '=', Eval('company', -1))])
    start_date = fields.Date("Start Date", required=True)
    end_date = fields.Date("End Date", required=True,
        domain=[If(Eval('start_date') & Eval('end_date'),
                ('end_date', '>=', Eval('start_date')), ())])
    lines = fields.One2Many('pharma.cycle.plan.line', 'plan', "Lines")
    target_calls = fields.Function(
        fields.Integer("Target Calls"), 'get_attainment')
    done_calls = fields.Function(
        fields.Integer("Done Calls"), 'get_attainment')
    attainment = fields.Function(
        fields.Float("Attainment", digits=(3, 2)), 'get_attainment')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('start_date', 'DESC'), ('id', 'DESC')]
        cls._buttons.update({
                'generate': {},
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_employee(cls):
        return Transaction().context.get('employee')

    def get_rec_name(self, name):
        return '%s %s' % (
            self.employee.rec_name if self.employee else '',
            self.start_date or '')

    @classmethod
    def get_attainment(cls, plans, names):
        result = {n: {} for n in names}
        for plan in plans:
            target = sum(l.target_calls or 0 for l in plan.lines)
            done = sum(l.done_calls for l in plan.lines)
            values = {
                'target_calls': target,
                'done_calls': done,
                'attainment': done / target if target else 0.0,
                }
            for name in names:
                result[name][plan.id] = values[name]
        return result

    @classmethod
    @ModelView.button
    def generate(cls, plans):
        """Fill the lines from the covered doctors: one line per product
        line with a frequency for the doctor, else one line with the tier
        (or VIP) frequency"""
        pool = Pool()
        Coverage = pool.get('pharma.coverage')
        Line = pool.get('pharma.cycle.plan.line')
        Configuration = pool.get('pharma.configuration')
        vlist = []
        for plan in plans:
            config = Configuration.get_config(plan.company)
            months = max(1, round(
                    (plan.end_date - plan.start_date).days / 30))
            existing = {(l.party.id, l.therapeutic_area)
                for l in plan.lines}
            coverages = Coverage.search([
                    ('employee', '=', plan.employee.id),
                    Coverage.valid_domain(
                        from_date=plan.start_date, to_date=plan.end_date),
                    ('party.pharma_type', '=', 'doctor'),
                    ])
            for party in sorted({c.party for c in coverages},
                    key=lambda p: p.id):
                vip = party.vip and party.vip_frequency
                lines = {} if vip else config.get_line_frequencies(party)
                if not lines:
                    lines = {None: config.get_frequency(party)}
                for area, frequency in lines.items():
                    if not frequency or (party.id, area) in existing:
                        continue
                    vlist.append({
                            'plan': plan.id,
                            'party': party.id,
                            'therapeutic_area': area.id if area else None,
                            'target_calls': frequency * months,
                            })
        if vlist:
            Line.create(vlist)


class CyclePlanLine(ModelSQL, ModelView):
    "Cycle Plan Line"
    __name__ = 'pharma.cycle.plan.line'
    plan = fields.Many2One(
        'pharma.cycle.plan', "Plan", required=True, ondelete='CASCADE')
    party = fields.Many2One(
        'party.party', "Doctor", required=True, ondelete='CASCADE',
        domain=[('pharma_type', '=', 'doctor')])
    therapeutic_area = fields.Many2One(
        'pharma.therapeutic.area', "Product Line",
        states={
            'readonly': Bool(Eval('product')),
            },
        help="Only the calls detailing a product of the line count.")
    product = fields.Many2One('product.product', "Product",
        states={
            'readonly': Bool(Eval('therapeutic_area')),
            },
        help="Only the calls detailing the product count.")
    target_calls = fields.Integer("Target Calls", required=True)
    done_calls = fields.Function(
        fields.Integer("Done Calls"), 'get_done_calls')
    remaining_calls = fields.Function(
        fields.Integer("Remaining Calls"), 'get_done_calls')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('plan')

    @classmethod
    def get_done_calls(cls, lines, names):
        pool = Pool()
        Call = pool.get('pharma.call')
        result = {n: {} for n in names}
        by_plan = defaultdict(list)
        for line in lines:
            by_plan[line.plan].append(line)
        for plan, plan_lines in by_plan.items():
            start = utc_start(plan.start_date)
            end = utc_start(plan.end_date + datetime.timedelta(days=1))
            calls = Call.search([
                    ('employee', '=', plan.employee.id),
                    ('party', 'in', [l.party.id for l in plan_lines]),
                    ('state', '=', 'done'),
                    ('date', '>=', start),
                    ('date', '<', end),
                    ])
            count = defaultdict(int)
            count_product = defaultdict(int)
            count_area = defaultdict(int)
            for call in calls:
                count[call.party.id] += 1
                for product in {p.product.id for p in call.products}:
                    count_product[call.party.id, product] += 1
                for area in {p.product.template.therapeutic_area.id
                        for p in call.products
                        if p.product.template.therapeutic_area}:
                    count_area[call.party.id, area] += 1
            for line in plan_lines:
                if line.product:
                    done = count_product[line.party.id, line.product.id]
                elif line.therapeutic_area:
                    done = count_area[
                        line.party.id, line.therapeutic_area.id]
                else:
                    done = count[line.party.id]
                if 'done_calls' in names:
                    result['done_calls'][line.id] = done
                if 'remaining_calls' in names:
                    result['remaining_calls'][line.id] = max(
                        0, (line.target_calls or 0) - done)
        return result
