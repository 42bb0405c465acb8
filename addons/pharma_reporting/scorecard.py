# This file is part of the pharma suite. See README.md for license terms.
"""Monthly scorecards per employee from configurable weights, exported for
payroll. Medical representatives under the compliance setting are scored on
academic work only (no sales component): calls against target, coverage of
target doctors, plan adherence, events and data quality. Commercial staff
are scored on sales against target, collections and distributor
development."""
import csv
import datetime
import io
from collections import defaultdict

from sql.aggregate import Count, Sum

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.pharma_hospital.company_time import utc_start
from trytond.modules.pharma_hospital.configuration import default_func
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction
from trytond.modules.pharma_hospital.job import QueuedWizardMixin
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .metrics import done_calls, sell_in
from .report import month_start, next_month

ROLES = [
    ('rep', "Medical Representative"),
    ('commercial', "Commercial"),
    ]


def _cap(value):
    return max(0.0, min(100.0, value))


score_calls = fields.Integer("Weight: Calls vs Target")
score_coverage = fields.Integer("Weight: Target Doctor Coverage")
score_plan = fields.Integer("Weight: Plan Adherence")
score_events = fields.Integer("Weight: Events")
score_quality = fields.Integer("Weight: Data Quality")
score_event_target = fields.Integer("Events Attended per Month Target")
score_sales = fields.Integer("Weight: Sales vs Target")
score_collections = fields.Integer("Weight: Collections")
score_development = fields.Integer("Weight: Distributor Development")


class Configuration(metaclass=PoolMeta):
    __name__ = 'pharma.configuration'
    score_calls = fields.MultiValue(score_calls)
    score_coverage = fields.MultiValue(score_coverage)
    score_plan = fields.MultiValue(score_plan)
    score_events = fields.MultiValue(score_events)
    score_quality = fields.MultiValue(score_quality)
    score_event_target = fields.MultiValue(score_event_target)
    score_sales = fields.MultiValue(score_sales)
    score_collections = fields.MultiValue(score_collections)
    score_development = fields.MultiValue(score_development)

    default_score_calls = default_func('score_calls')
    default_score_coverage = default_func('score_coverage')
    default_score_plan = default_func('score_plan')
    default_score_events = default_func('score_events')
    default_score_quality = default_func('score_quality')
    default_score_event_target = default_func('score_event_target')
    default_score_sales = default_func('score_sales')
    default_score_collections = default_func('score_collections')
    default_score_development = default_func('score_development')


class ConfigurationCompany(metaclass=PoolMeta):
    __name__ = 'pharma.configuration.company'
    score_calls = score_calls
    score_coverage = score_coverage
    score_plan = score_plan
    score_events = score_events
    score_quality = score_quality
    score_event_target = score_event_target
    score_sales = score_sales
    score_collections = score_collections
    score_development = score_development

    @classmethod
    def default_score_calls(cls):
        return 40

    @classmethod
    def default_score_coverage(cls):
        return 25

    @classmethod
    def default_score_plan(cls):
        return 15

    @classmethod
    def default_score_events(cls):
        return 10

    @classmethod
    def default_score_quality(cls):
        return 10

    @classmethod
    def default_score_event_target(cls):
        return 5

    @classmethod
    def default_score_sales(cls):
        return 60

    @classmethod
    def default_score_collections(cls):
        return 25

    @classmethod
    def default_score_development(cls):
        return 15


class Scorecard(ModelSQL, ModelView):
    "Monthly scorecard of an employee"
    __name__ = 'pharma.scorecard'
    company = fields.Many2One('company.company', "Company", required=True,
        readonly=True)
    month = fields.Date("Month", required=True, readonly=True)
    employee = fields.Many2One('company.employee', "Employee", required=True,
        readonly=True)
    role = fields.Selection(ROLES, "Role", required=True, readonly=True)
    calls = fields.Float("Calls vs Target", digits=(16, 1), readonly=True)
    coverage = fields.Float("Target Coverage", digits=(16, 1), readonly=True)
    plan = fields.Float("Plan Adherence", digits=(16, 1), readonly=True)
    events = fields.Float("Events", digits=(16, 1), readonly=True)
    quality = fields.Float("Data Quality", digits=(16, 1), readonly=True)
    sales = fields.Float("Sales vs Target", digits=(16, 1), readonly=True)
    collections = fields.Float("Collections", digits=(16, 1), readonly=True)
    development = fields.Float("Distributor Development", digits=(16, 1),
        readonly=True)
    score = fields.Float("Score", digits=(16, 1), readonly=True)
    graph_label = fields.Function(fields.Char("Month and Employee",
            help="What a point of the graph shows: one scorecard, so that "
            "the graph never adds up the scores of several months."),
        'get_graph_label')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t,
                (t.company, Index.Range()), (t.month, Index.Range())))
        cls._order = [('month', 'DESC'), ('score', 'DESC'), ('id', 'ASC')]

    def get_graph_label(self, name):
        "Unique per scorecard: a point of the graph is never a sum of scores"
        party = self.employee.party
        label = '%s %s' % (self.month.strftime('%Y-%m'), party.rec_name)
        if party.code:
            label += ' [%s]' % party.code
        return label

    # employees whose components are computed together (a query each)
    _compute_slice = 100

    @classmethod
    def _employee_roles(cls, company):
        "{employee id: role} from the groups of the employees' users"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        User = pool.get('res.user')
        rep = ModelData.get_id('pharma_hospital', 'group_pharma_rep')
        commercial = ModelData.get_id(
            'pharma_hospital', 'group_pharma_commercial')
        roles = {}
        # bypass: the scorecard's roles come from the users' groups
        with Transaction().set_context(_check_access=False):
            for user in User.search([('employees', '!=', None)]):
                groups = {g.id for g in user.groups}
                for employee in user.employees:
                    if employee.company != company:
                        continue
                    if rep in groups:
                        roles[employee.id] = 'rep'
                    elif commercial in groups:
                        roles[employee.id] = 'commercial'
        return roles

    @classmethod
    def compute(cls, month, company=None, on_progress=None):
        """Compute (again) the scorecards of the month (a date in it);
        on_progress(done, total, message) is called as the employees'
        components are computed, slice by slice, and before saving"""
        pool = Pool()
        Company = pool.get('company.company')
        Config = pool.get('pharma.configuration')
        if company is None:
            company = Company(Transaction().context['company'])
        start = month_start(month)
        end = next_month(start)
        config = Config.get_config(company)
        roles = cls._employee_roles(company)
        reps = [e for e, r in roles.items() if r == 'rep']
        commercials = [e for e, r in roles.items() if r == 'commercial']
        # a step per employee and one to save
        steps = len(reps) + len(commercials) + 1
        done = 0

        def progress(message):
            if on_progress:
                on_progress(done, steps, message)
        rep_values = {}
        for sub in grouped_slice(reps, cls._compute_slice):
            progress(gettext('pharma_reporting.msg_job_scorecard_step',
                    done=done, count=steps - 1))
            sub = list(sub)
            rep_values.update(
                cls._rep_components(company, start, end, sub, config))
            done += len(sub)
        com_values = {}
        for sub in grouped_slice(commercials, cls._compute_slice):
            progress(gettext('pharma_reporting.msg_job_scorecard_step',
                    done=done, count=steps - 1))
            sub = list(sub)
            com_values.update(
                cls._commercial_components(company, start, end, sub))
            done += len(sub)
        vlist = []
        for employee in reps:
            values = rep_values[employee]
            weights = {
                'calls': config.score_calls or 0,
                'coverage': config.score_coverage or 0,
                'plan': config.score_plan or 0,
                'events': config.score_events or 0,
                'quality': config.score_quality or 0,
                }
            total = sum(weights.values()) or 1
            values['score'] = round(sum(
                    values[k] * w for k, w in weights.items()) / total, 1)
            values.update(employee=employee, role='rep')
            vlist.append(values)
        for employee in commercials:
            values = com_values[employee]
            weights = {
                'sales': config.score_sales or 0,
                'collections': config.score_collections or 0,
                'development': config.score_development or 0,
                }
            total = sum(weights.values()) or 1
            values['score'] = round(sum(
                    values[k] * w for k, w in weights.items()) / total, 1)
            values.update(employee=employee, role='commercial')
            vlist.append(values)
        for values in vlist:
            values.update(company=company.id, month=start)
            for key, value in values.items():
                if isinstance(value, float):
                    values[key] = round(value, 1)
        progress(gettext('pharma_reporting.msg_job_scorecard_save',
                count=len(vlist)))
        # bypass: scorecards are computed by the code only
        with Transaction().set_context(_check_access=False):
            cls.delete(cls.search([
                        ('company', '=', company.id),
                        ('month', '=', start),
                        ]))
            return cls.create(vlist)

    @classmethod
    def _rep_components(cls, company, start, end, employees, config):
        pool = Pool()
        Call = pool.get('pharma.call')
        Coverage = pool.get('pharma.coverage')
        Party = pool.get('party.party')
        Plan = pool.get('pharma.weekly.plan')
        Invitation = pool.get('pharma.event.invitation')
        Event = pool.get('pharma.event')
        cursor = Transaction().connection.cursor()
        result = {e: {'calls': 0.0, 'coverage': 0.0, 'plan': 0.0,
                'events': 0.0, 'quality': 0.0} for e in employees}
        if not employees:
            return result
        call = Call.__table__()
        coverage = Coverage.__table__()
        party = Party.__table__()
        dt_start = utc_start(start, company)
        dt_end = utc_start(end, company)
        in_month = done_calls(call, company, start, end)
        cursor.execute(*call.select(call.employee, Count(call.id),
                where=in_month & call.employee.in_(employees),
                group_by=[call.employee]))
        done = dict(cursor)
        frequency = {'A': config.freq_a or 0, 'B': config.freq_b or 0,
            'C': config.freq_c or 0}
        current = ((coverage.company == company.id)
            & Coverage.valid_condition(coverage, from_date=start,
                to_date=end - datetime.timedelta(days=1))
            & coverage.employee.in_(employees))
        cursor.execute(*coverage.join(party,
                condition=coverage.party == party.id)
            .select(coverage.employee, party.doctor_tier,
                Count(party.id, distinct=True),
                where=current & (party.pharma_type == 'doctor'),
                group_by=[coverage.employee, party.doctor_tier]))
        target = defaultdict(int)
        target_doctors = defaultdict(int)
        for employee, tier, n in cursor:
            target[employee] += frequency.get(tier, 0) * n
            if tier in ('A', 'B'):
                target_doctors[employee] += n
        visited = call.select(call.party, where=in_month
            & (call.employee == coverage.employee))
        cursor.execute(*coverage.join(party,
                condition=coverage.party == party.id)
            .select(coverage.employee, Count(party.id, distinct=True),
                where=current & (party.pharma_type == 'doctor')
                & party.doctor_tier.in_(['A', 'B'])
                & party.id.in_(visited),
                group_by=[coverage.employee]))
        seen = dict(cursor)
        invitation = Invitation.__table__()
        event = Event.__table__()
        cursor.execute(*invitation.join(event,
                condition=invitation.event == event.id)
            .select(invitation.invited_by, Count(invitation.id),
                where=(event.company == company.id)
                & (invitation.state == 'attended')
                & (event.date >= dt_start) & (event.date < dt_end)
                & invitation.invited_by.in_(employees),
                group_by=[invitation.invited_by]))
        events = dict(cursor)
        # bypass: the scorecard counts every rep's plans
        with Transaction().set_context(_check_access=False):
            plans = Plan.search([
                    ('company', '=', company.id),
                    ('employee', 'in', employees),
                    ('week_start', '>=', start),
                    ('week_start', '<', end),
                    ])
            rates = defaultdict(list)
            for plan in plans:
                if plan.done_rate is not None:
                    rates[plan.employee.id].append(plan.done_rate)
            covered = defaultdict(list)
            for cov in Coverage.search([
                        ('company', '=', company.id),
                        ('employee', 'in', employees),
                        ('current', '=', True),
                        ]):
                covered[cov.employee.id].append(cov.party)
        event_target = config.score_event_target or 1
        for employee in employees:
            values = result[employee]
            if target.get(employee):
                values['calls'] = _cap(
                    100.0 * done.get(employee, 0) / target[employee])
            if target_doctors.get(employee):
                values['coverage'] = _cap(
                    100.0 * seen.get(employee, 0) / target_doctors[employee])
            if rates.get(employee):
                # done_rate is a ratio (0-1) or a percentage
                rate = sum(rates[employee]) / len(rates[employee])
                values['plan'] = _cap(rate * 100 if rate <= 1 else rate)
            values['events'] = _cap(
                100.0 * events.get(employee, 0) / event_target)
            scores = [p.quality_score for p in covered.get(employee, [])
                if p.quality_score is not None]
            if scores:
                values['quality'] = _cap(sum(scores) / len(scores))
        return result

    @classmethod
    def _commercial_components(cls, company, start, end, employees):
        pool = Pool()
        Sale = pool.get('sale.sale')
        Line = pool.get('sale.line')
        Target = pool.get('pharma.sales.target')
        Agreement = pool.get('pharma.agency.agreement')
        cursor = Transaction().connection.cursor()
        result = {e: {'sales': 0.0, 'collections': 0.0,
                'development': 0.0} for e in employees}
        if not employees:
            return result
        sale = Sale.__table__()
        line = Line.__table__()
        cursor.execute(*line.join(sale, condition=line.sale == sale.id)
            .select(sale.pharma_owner,
                Sum(line.quantity * line.unit_price),
                where=sell_in(sale, company, start, end)
                & sale.pharma_owner.in_(employees),
                group_by=[sale.pharma_owner]))
        amounts = {e: float(a or 0) for e, a in cursor}
        target = Target.__table__()
        cursor.execute(*target.select(target.employee, Sum(target.amount),
                where=(target.company == company.id)
                & (target.month == start)
                & target.employee.in_(employees),
                group_by=[target.employee]))
        targets = {e: float(a or 0) for e, a in cursor}
        # bypass: the scorecard counts every rep's sales
        with Transaction().set_context(_check_access=False):
            sales = Sale.search([
                    ('company', '=', company.id),
                    ('pharma_owner', 'in', employees),
                    ('sale_date', '>=', start),
                    ('sale_date', '<', end),
                    ('state', 'in', ['processing', 'done']),
                    ])
            invoiced = defaultdict(float)
            paid = defaultdict(float)
            for record in sales:
                for invoice in record.invoices:
                    if invoice.state in ('posted', 'paid'):
                        invoiced[record.pharma_owner.id] += float(
                            invoice.total_amount)
                        if invoice.state == 'paid':
                            paid[record.pharma_owner.id] += float(
                                invoice.total_amount)
            agreements = Agreement.search([
                    ('company', '=', company.id),
                    ('owner', 'in', employees),
                    ('start_date', '>=', start),
                    ('start_date', '<', end),
                    ])
            developed = defaultdict(int)
            for agreement in agreements:
                developed[agreement.owner.id] += 1
        for employee in employees:
            values = result[employee]
            if targets.get(employee):
                values['sales'] = _cap(
                    100.0 * amounts.get(employee, 0) / targets[employee])
            elif amounts.get(employee):
                values['sales'] = 100.0
            if invoiced.get(employee):
                values['collections'] = _cap(
                    100.0 * paid[employee] / invoiced[employee])
            values['development'] = _cap(25.0 * developed.get(employee, 0))
        return result

    @classmethod
    def export_rows(cls, scorecards):
        "Rows for payroll: employee code first"
        rows = []
        for card in scorecards:
            party = card.employee.party
            rows.append([party.code, party.name, card.month.strftime('%Y-%m'),
                    card.role, card.score, card.calls, card.coverage,
                    card.plan, card.events, card.quality, card.sales,
                    card.collections, card.development])
        return rows

    @classmethod
    def export_headers(cls):
        names = ['employee', 'month', 'role', 'score', 'calls', 'coverage',
            'plan', 'events', 'quality', 'sales', 'collections',
            'development']
        descriptions = cls.fields_get(names)
        return ([gettext('pharma_reporting.msg_col_code')]
            + [descriptions[n]['string'] for n in names])

    @classmethod
    def to_csv(cls, scorecards):
        data = io.StringIO()
        writer = csv.writer(data)
        writer.writerow(cls.export_headers())
        writer.writerows(cls.export_rows(scorecards))
        return data.getvalue().encode('utf-8-sig')


class ComputeScorecardStart(ModelView):
    __name__ = 'pharma.scorecard.compute.start'
    month = fields.Date("Month", required=True)
    file_format = fields.Selection([
            ('xlsx', "Excel (.xlsx)"),
            ('csv', "CSV"),
            ], "Format", required=True)

    @classmethod
    def default_month(cls):
        today = Pool().get('ir.date').today()
        return month_start(month_start(today) - datetime.timedelta(days=1))

    @classmethod
    def default_file_format(cls):
        return 'xlsx'


class ComputeScorecard(QueuedWizardMixin, Wizard):
    """Compute and export the scorecards of a month: by a background job
    (pharma.job, trytond-worker), the file is on the job"""
    __name__ = 'pharma.scorecard.compute'
    start = StateView('pharma.scorecard.compute.start',
        'pharma_reporting.scorecard_compute_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Compute", 'compute', 'tryton-ok', default=True),
            ])
    compute = StateTransition()
    queued = StateView('pharma.job.queued',
        'pharma_hospital.job_queued_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def transition_compute(self):
        month = month_start(self.start.month)
        self.queued.job = self.queue_job('scorecard', 'run_compute',
            gettext('pharma_reporting.msg_job_scorecard',
                month=month.strftime('%Y-%m')))
        return 'queued'

    def default_queued(self, fields):
        return Pool().get('pharma.job.queued').values(self.queued.job)

    def run_compute(self, job):
        "Compute and export (run by the job): the file is the job's result"
        pool = Pool()
        Scorecard = pool.get('pharma.scorecard')
        Pack = pool.get('pharma.report.pack')
        month = month_start(self.start.month)
        steps = []

        def on_progress(done, total, message):
            # and a last step for the file
            steps.append(total)
            job.set_progress(done, total + 1, message)
        cards = Scorecard.compute(month, on_progress=on_progress)
        job.set_progress(steps[-1], message=gettext(
                'pharma_reporting.msg_job_writing_file'))
        stamp = month.strftime('%Y-%m')
        if self.start.file_format == 'csv':
            content = Scorecard.to_csv(cards)
            filename = 'scorecards-%s.csv' % stamp
        else:
            title = gettext('pharma_reporting.msg_sheet_scorecard')
            content = Pack.to_xlsx([(title,
                        Scorecard.export_headers(),
                        Scorecard.export_rows(cards))], month)
            filename = 'scorecards-%s.xlsx' % stamp
        return {
            'result': gettext('pharma_reporting.msg_job_scorecard_result',
                count=len(cards)),
            'file': content,
            'filename': filename,
            }
