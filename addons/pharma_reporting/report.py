# This file is part of the pharma suite. See README.md for license terms.
"""The monthly management report pack: one sheet per report, all exported
together as one .xlsx workbook (wizard, or the pharma-report command)."""
import datetime
import io
from collections import defaultdict
from decimal import Decimal

from sql import Null
from sql.aggregate import Count, Sum
from sql.conditionals import Coalesce

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.pharma_hospital.company_time import utc_start
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.modules.pharma_hospital.job import QueuedWizardMixin
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .metrics import done_calls, sell_in



class Header(str):
    "A column header that knows its message key (col_share, col_amount…)"
    key = None


def _msg(name, **kwargs):
    text = gettext('pharma_reporting.msg_' + name, **kwargs)
    if name.startswith('col_'):
        text = Header(text)
        text.key = name
    return text


# The columns in percent: every value 0-100 (never a fraction), shown with
# one decimal and a % sign; points of percentage the same without the sign
PERCENT_COLUMNS = {
    'col_attainment', 'col_growth', 'col_rate', 'col_share',
    'col_previous_share'}
POINT_COLUMNS = {'col_change'}
PERCENT_FORMAT = '0.0"%"'
POINT_FORMAT = '0.0'
AMOUNT_FORMAT = '#,##0.00'
INTEGER_FORMAT = '#,##0'
DATE_FORMAT = 'yyyy-mm-dd'


def _cell_format(header, value):
    "(value rounded, number format) of a cell under header"
    key = getattr(header, 'key', None)
    if isinstance(value, bool) or value is None:
        return value, None
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value, DATE_FORMAT
    if isinstance(value, (int, float)):
        if key in PERCENT_COLUMNS:
            return round(float(value), 1), PERCENT_FORMAT
        if key in POINT_COLUMNS:
            return round(float(value), 1), POINT_FORMAT
        if isinstance(value, int):
            return value, INTEGER_FORMAT
        if float(value).is_integer() and abs(value) < 1e15:
            return value, INTEGER_FORMAT
        return round(value, 2), AMOUNT_FORMAT
    return value, None


def month_start(date):
    return date.replace(day=1)


def next_month(date):
    return (date.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _num(value):
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    return value


class SalesTarget(ModelSQL, ModelView):
    "A monthly sales target (commercial staff only: reps have none)"
    __name__ = 'pharma.sales.target'
    company = fields.Many2One('company.company', "Company", required=True)
    month = fields.Date("Month", required=True)
    product = fields.Many2One('product.product', "Product",
        context={'company': Eval('company', -1)}, depends={'company'})
    territory = fields.Many2One('pharma.territory', "Territory")
    employee = fields.Many2One('company.employee', "Employee",
        domain=[('company', '=', Eval('company', -1))],
        help="A commercial employee; medical representatives have no "
        "sales targets under the compliance setting.")
    quantity = fields.Float("Quantity", digits=(16, 2))
    amount = fields.Numeric("Amount", digits=(16, 2))

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('month'):
            values['month'] = month_start(values['month'])
        return values


class ReportPack(ModelView):
    "Management report pack"
    __name__ = 'pharma.report.pack'

    @classmethod
    def _sheets(cls):
        "(key, method name) in the workbook's order; extend with super()"
        return [
            ('sales_product', '_sheet_sales_product'),
            ('sales_territory', '_sheet_sales_territory'),
            ('sales_employee', '_sheet_sales_employee'),
            ('hospital_development', '_sheet_hospital_development'),
            ('rep_activity', '_sheet_rep_activity'),
            ('plan_actual', '_sheet_plan_actual'),
            ('tier_coverage', '_sheet_tier_coverage'),
            ('process_result', '_sheet_process_result'),
            ('channel_inventory', '_sheet_channel_inventory'),
            ('churn', '_sheet_churn'),
            ('tender_results', '_sheet_tender_results'),
            ('data_quality', '_sheet_data_quality'),
            ('event_spend', '_sheet_event_spend'),
            ]

    @classmethod
    def build(cls, month, company=None, on_progress=None):
        """Return [(title, headers, rows)] for the month (a date in it);
        on_progress(done, total, message) is called before each sheet"""
        pool = Pool()
        Company = pool.get('company.company')
        if company is None:
            company = Company(Transaction().context['company'])
        start = month_start(month)
        end = next_month(start)
        sheets = []
        keys = cls._sheets()
        for done, (key, method) in enumerate(keys):
            title = _msg('sheet_' + key)
            if on_progress:
                on_progress(done, len(keys), gettext(
                        'pharma_reporting.msg_job_report_pack_sheet',
                        sheet=title))
            headers, rows = getattr(cls, method)(company, start, end)
            sheets.append((title, headers, rows))
        return sheets

    @classmethod
    def to_xlsx(cls, sheets, month):
        from openpyxl import Workbook
        from openpyxl.styles import Font
        workbook = Workbook(write_only=True)
        bold = Font(bold=True)
        used = set()
        for title, headers, rows in sheets:
            name = title[:31]
            for char in '[]:*?/\\':
                name = name.replace(char, ' ')
            while name in used:
                name = name[:28] + '_%d' % len(used)
            used.add(name)
            sheet = workbook.create_sheet(name)
            sheet.append([title + ' ' + month.strftime('%Y-%m')])
            from openpyxl.cell import WriteOnlyCell
            header_cells = []
            for header in headers:
                cell = WriteOnlyCell(sheet, value=header)
                cell.font = bold
                header_cells.append(cell)
            sheet.append(header_cells)
            for row in rows:
                cells = []
                for header, value in zip(
                        list(headers) + [None] * len(row), row):
                    value, number_format = _cell_format(header, _num(value))
                    cell = WriteOnlyCell(sheet, value=value)
                    if number_format:
                        cell.number_format = number_format
                    cells.append(cell)
                sheet.append(cells)
        data = io.BytesIO()
        workbook.save(data)
        return data.getvalue()

    # Helpers
    @classmethod
    def _cursor(cls):
        return Transaction().connection.cursor()

    @classmethod
    def _names(cls, model, ids):
        "rec_name of records by id, read without access rules"
        Model = Pool().get(model)
        ids = [i for i in set(ids) if i is not None]
        return {r.id: r.rec_name for r in Model.browse(ids)}

    @classmethod
    def _selection(cls, model, field):
        "{value: translated label} of a selection field"
        Model = Pool().get(model)
        return dict(Model.fields_get([field])[field]['selection'])

    @classmethod
    def _sales(cls, company, start, end, column):
        "Sell-in (confirmed orders) amount and quantity grouped by column"
        pool = Pool()
        Sale = pool.get('sale.sale')
        Line = pool.get('sale.line')
        sale = Sale.__table__()
        line = Line.__table__()
        cursor = cls._cursor()
        group = column(sale, line)
        cursor.execute(*line.join(sale, condition=line.sale == sale.id)
            .select(group,
                Sum(line.quantity),
                Sum(line.quantity * line.unit_price),
                where=sell_in(sale, company, start, end)
                & (line.type == 'line'),
                group_by=[group]))
        return {k: (float(q or 0), float(a or 0)) for k, q, a in cursor}

    @classmethod
    def _targets(cls, company, start, column):
        target = Pool().get('pharma.sales.target').__table__()
        cursor = cls._cursor()
        cursor.execute(*target.select(column(target), Sum(target.amount),
                where=(target.company == company.id)
                & (target.month == start),
                group_by=[column(target)]))
        return {k: float(a or 0) for k, a in cursor}

    @classmethod
    def _sales_vs(cls, company, start, end, sale_column, target_column,
            model):
        this = cls._sales(company, start, end, sale_column)
        last_start = start.replace(year=start.year - 1)
        last = cls._sales(
            company, last_start, next_month(last_start), sale_column)
        targets = cls._targets(company, start, target_column)
        keys = set(this) | set(targets)
        names = cls._names(model, keys)
        rows = []
        for key in sorted(keys, key=lambda k: -(this.get(k, (0, 0))[1])):
            quantity, amount = this.get(key, (0.0, 0.0))
            target = targets.get(key)
            last_amount = last.get(key, (0.0, 0.0))[1]
            rows.append([
                    names.get(key, '') if key else _msg('unassigned'),
                    quantity, amount, target,
                    round(100 * amount / target, 1) if target else None,
                    last_amount,
                    round(100 * (amount - last_amount) / last_amount, 1)
                    if last_amount else None,
                    ])
        headers = [_msg('col_name'), _msg('col_quantity'),
            _msg('col_amount'), _msg('col_target'),
            _msg('col_attainment'), _msg('col_last_year'),
            _msg('col_growth')]
        return headers, rows

    # Sheets
    @classmethod
    def _sheet_sales_product(cls, company, start, end):
        headers, rows = cls._sales_vs(company, start, end,
            lambda sale, line: line.product, lambda t: t.product,
            'product.product')
        headers[0] = _msg('col_product')
        return headers, rows

    @classmethod
    def _sheet_sales_territory(cls, company, start, end):
        headers, rows = cls._sales_vs(company, start, end,
            lambda sale, line: sale.pharma_territory, lambda t: t.territory,
            'pharma.territory')
        headers[0] = _msg('col_territory')
        return headers, rows

    @classmethod
    def _sheet_sales_employee(cls, company, start, end):
        headers, rows = cls._sales_vs(company, start, end,
            lambda sale, line: sale.pharma_owner, lambda t: t.employee,
            'company.employee')
        headers[0] = _msg('col_employee')
        return headers, rows

    @classmethod
    def _sheet_hospital_development(cls, company, start, end):
        pool = Pool()
        Listing = pool.get('pharma.listing')
        Party = pool.get('party.party')
        # bypass: management report pack: company-wide by design
        with Transaction().set_context(_check_access=False):
            listings = Listing.search([
                    ('company', '=', company.id),
                    ['OR',
                        [('listed_date', '>=', start),
                            ('listed_date', '<', end)],
                        [('application_date', '>=', start),
                            ('application_date', '<', end)],
                        ],
                    ])
            states = cls._selection('pharma.listing', 'state')
            levels = cls._selection('party.party', 'key_level')
            # the product and state columns hold the listing's; whether the
            # hospital is a key account has its own column
            rows = [[l.hospital.rec_name, l.product.rec_name,
                    states.get(l.state, l.state),
                    l.application_date, l.listed_date,
                    levels.get(l.hospital.key_level, '')
                    if l.hospital.key_account else '']
                for l in listings]
            # the key accounts without a listing event in the month
            listed = {l.hospital for l in listings}
            for hospital in Party.search([
                        ('pharma_type', '=', 'hospital'),
                        ('key_account', '=', True),
                        ]):
                if hospital not in listed:
                    rows.append([hospital.rec_name, None, None, None, None,
                            levels.get(hospital.key_level, '')])
        return [_msg('col_hospital'), _msg('col_product'), _msg('col_state'),
            _msg('col_application_date'), _msg('col_listed_date'),
            _msg('col_key_account')], rows

    @classmethod
    def _calls_by_employee(cls, company, start, end):
        Call = Pool().get('pharma.call')
        call = Call.__table__()
        cursor = cls._cursor()
        cursor.execute(*call.select(
                call.employee, Count(call.id),
                Count(call.party, distinct=True),
                Count(call.hospital, distinct=True),
                Count(call.department, distinct=True),
                where=done_calls(call, company, start, end),
                group_by=[call.employee]))
        return {e: (n, d, h, dep) for e, n, d, h, dep in cursor}

    @classmethod
    def _working_days(cls, start, end):
        days = 0
        day = start
        while day < end:
            if day.weekday() < 5:
                days += 1
            day += datetime.timedelta(days=1)
        return days or 1

    @classmethod
    def _sheet_rep_activity(cls, company, start, end):
        calls = cls._calls_by_employee(company, start, end)
        names = cls._names('company.employee', calls)
        days = cls._working_days(start, end)
        rows = [[names.get(e, ''), n, round(n / days, 1), d, h, dep]
            for e, (n, d, h, dep) in sorted(
                calls.items(), key=lambda x: -x[1][0])]
        return [_msg('col_employee'), _msg('col_calls'),
            _msg('col_calls_per_day'), _msg('col_doctors'),
            _msg('col_hospitals'), _msg('col_departments')], rows

    @classmethod
    def _sheet_plan_actual(cls, company, start, end):
        Plan = Pool().get('pharma.weekly.plan')
        states = cls._selection('pharma.weekly.plan', 'state')
        # bypass: management report pack: company-wide by design
        with Transaction().set_context(_check_access=False):
            plans = Plan.search([
                    ('company', '=', company.id),
                    ('week_start', '>=', start - datetime.timedelta(days=6)),
                    ('week_start', '<', end),
                    ], order=[('employee', 'ASC'), ('week_start', 'ASC')])
            rows = [[p.employee.rec_name, p.week_start,
                    states.get(p.state, p.state),
                    p.calls_planned, p.calls_done, p.calls_moved,
                    p.calls_missed, round(100 * (p.done_rate or 0), 1)]
                for p in plans]
        return [_msg('col_employee'), _msg('col_week'), _msg('col_state'),
            _msg('col_planned'), _msg('col_done'), _msg('col_moved'),
            _msg('col_missed'), _msg('col_rate')], rows

    @classmethod
    def _sheet_tier_coverage(cls, company, start, end):
        "Doctors covered and visited in the month, per rep and tier"
        pool = Pool()
        Coverage = pool.get('pharma.coverage')
        Party = pool.get('party.party')
        Call = pool.get('pharma.call')
        coverage = Coverage.__table__()
        party = Party.__table__()
        call = Call.__table__()
        cursor = cls._cursor()
        visited = call.select(call.party,
            where=done_calls(call, company, start, end)
            & (call.employee == coverage.employee))
        cursor.execute(*coverage.join(party,
                condition=coverage.party == party.id)
            .select(coverage.employee, party.doctor_tier,
                Count(party.id, distinct=True),
                where=(coverage.company == company.id)
                & (party.pharma_type == 'doctor')
                & Coverage.valid_condition(coverage, from_date=start,
                    to_date=end - datetime.timedelta(days=1)),
                group_by=[coverage.employee, party.doctor_tier]))
        covered = {(e, t): n for e, t, n in cursor}
        cursor.execute(*coverage.join(party,
                condition=coverage.party == party.id)
            .select(coverage.employee, party.doctor_tier,
                Count(party.id, distinct=True),
                where=(coverage.company == company.id)
                & (party.pharma_type == 'doctor')
                & Coverage.valid_condition(coverage, from_date=start,
                    to_date=end - datetime.timedelta(days=1))
                & party.id.in_(visited),
                group_by=[coverage.employee, party.doctor_tier]))
        seen = {(e, t): n for e, t, n in cursor}
        names = cls._names('company.employee', [e for e, _ in covered])
        rows = []
        for (employee, tier), n in sorted(covered.items(),
                key=lambda x: (names.get(x[0][0], ''), x[0][1] or 'Z')):
            v = seen.get((employee, tier), 0)
            rows.append([names.get(employee, ''), tier or '-', n, v,
                    round(100 * v / n, 1) if n else None])
        return [_msg('col_employee'), _msg('col_tier'), _msg('col_doctors'),
            _msg('col_visited'), _msg('col_rate')], rows

    @classmethod
    def _flow_by_customer(cls, company, start, end):
        pool = Pool()
        try:
            Flow = pool.get('pharma.flow.line')
        except KeyError:
            return {}
        flow = Flow.__table__()
        cursor = cls._cursor()
        cursor.execute(*flow.select(flow.customer, Sum(flow.quantity),
                Sum(flow.amount),
                where=(flow.company == company.id)
                & (flow.date >= start) & (flow.date < end)
                & (flow.customer != Null),
                group_by=[flow.customer]))
        return {c: (float(q or 0), float(a or 0)) for c, q, a in cursor}

    @classmethod
    def _sheet_process_result(cls, company, start, end):
        "Calls and coverage beside sell-out per hospital (never per doctor)"
        Call = Pool().get('pharma.call')
        call = Call.__table__()
        cursor = cls._cursor()
        cursor.execute(*call.select(call.hospital, Count(call.id),
                Count(call.party, distinct=True),
                where=done_calls(call, company, start, end)
                & (call.hospital != Null),
                group_by=[call.hospital]))
        calls = {h: (n, d) for h, n, d in cursor}
        flow = cls._flow_by_customer(company, start, end)
        keys = set(calls) | set(flow)
        names = cls._names('party.party', keys)
        rows = []
        for key in sorted(keys, key=lambda k: names.get(k, '')):
            n, d = calls.get(key, (0, 0))
            q, a = flow.get(key, (0.0, 0.0))
            rows.append([names.get(key, ''), n, d, q, a])
        return [_msg('col_hospital'), _msg('col_calls'),
            _msg('col_doctors'), _msg('col_sellout_quantity'),
            _msg('col_sellout_amount')], rows

    @classmethod
    def _sheet_channel_inventory(cls, company, start, end):
        pool = Pool()
        try:
            Inventory = pool.get('pharma.inventory.line')
            Flow = pool.get('pharma.flow.line')
        except KeyError:
            return [_msg('col_distributor')], []
        inventory = Inventory.__table__()
        flow = Flow.__table__()
        cursor = cls._cursor()
        cursor.execute(*inventory.select(
                inventory.distributor, inventory.product, inventory.date,
                Sum(inventory.quantity),
                where=(inventory.company == company.id)
                & (inventory.date < end),
                group_by=[inventory.distributor, inventory.product,
                    inventory.date]))
        latest = {}
        for distributor, product, date, quantity in cursor:
            key = (distributor, product)
            if key not in latest or latest[key][0] < date:
                latest[key] = (date, float(quantity or 0))
        cursor.execute(*flow.select(flow.distributor, flow.product,
                Sum(flow.quantity),
                where=(flow.company == company.id)
                & (flow.date >= start) & (flow.date < end),
                group_by=[flow.distributor, flow.product]))
        sold = {(d, p): float(q or 0) for d, p, q in cursor}
        days = (end - start).days
        distributors = cls._names('party.party', [d for d, _ in latest])
        products = cls._names('product.product', [p for _, p in latest])
        rows = []
        for (distributor, product), (date, quantity) in sorted(
                latest.items()):
            daily = sold.get((distributor, product), 0.0) / days
            rows.append([distributors.get(distributor, ''),
                    products.get(product, ''), date, quantity,
                    sold.get((distributor, product), 0.0),
                    round(quantity / daily, 1) if daily else None])
        return [_msg('col_distributor'), _msg('col_product'),
            _msg('col_date'), _msg('col_stock'),
            _msg('col_sellout_quantity'), _msg('col_days_cover')], rows

    @classmethod
    def _sheet_churn(cls, company, start, end):
        """Customers overdue against their usual purchase interval at the
        month's end: distributors by their orders, hospitals by sales flow
        (the median gap of the last 6 purchases, at least 3 needed)"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        sale = Sale.__table__()
        cursor = cls._cursor()
        dates = defaultdict(set)
        cursor.execute(*sale.select(sale.party, sale.sale_date,
                where=sell_in(sale, company, end=end)))
        for party, date in cursor:
            if date:
                dates[party].add(date)
        try:
            Flow = pool.get('pharma.flow.line')
        except KeyError:
            Flow = None
        if Flow:
            flow = Flow.__table__()
            cursor.execute(*flow.select(flow.customer, flow.date,
                    where=(flow.company == company.id)
                    & (flow.customer != Null) & (flow.date < end),
                    group_by=[flow.customer, flow.date]))
            for party, date in cursor:
                dates[party].add(date)
        rows = []
        names = cls._names('party.party', dates)
        ref = end - datetime.timedelta(days=1)
        for party, values in dates.items():
            values = sorted(values)[-7:]
            if len(values) < 4:
                continue
            gaps = sorted((b - a).days for a, b in zip(values, values[1:]))
            median = gaps[len(gaps) // 2]
            since = (ref - values[-1]).days
            if median and since > 1.5 * median:
                rows.append([names.get(party, ''), values[-1], median,
                        since, round(since / median, 1)])
        rows.sort(key=lambda r: -r[-1])
        return [_msg('col_customer'), _msg('col_last_purchase'),
            _msg('col_usual_interval'), _msg('col_days_since'),
            _msg('col_ratio')], rows

    @classmethod
    def _sheet_tender_results(cls, company, start, end):
        pool = Pool()
        Line = pool.get('pharma.tender.line')
        # bypass: management report pack: company-wide by design
        with Transaction().set_context(_check_access=False):
            lines = Line.search([
                    ('tender.company', '=', company.id),
                    ('tender.award_date', '>=', start),
                    ('tender.award_date', '<', end),
                    ])
            rows = [[l.tender.rec_name,
                    l.province.rec_name if getattr(l, 'province', None)
                    else '',
                    l.generic_name, l.dosage_form_string, l.strength,
                    l.winning_company.rec_name if l.winning_company else '',
                    l.winning_price, l.bid_price, l.rank]
                for l in lines]
        return [_msg('col_tender'), _msg('col_province'),
            _msg('col_molecule'), _msg('col_form'), _msg('col_strength'),
            _msg('col_winner'), _msg('col_winning_price'),
            _msg('col_bid_price'), _msg('col_rank')], rows

    @classmethod
    def _sheet_data_quality(cls, company, start, end):
        pool = Pool()
        Coverage = pool.get('pharma.coverage')
        Party = pool.get('party.party')
        # bypass: management report pack: company-wide by design
        with Transaction().set_context(_check_access=False):
            coverages = Coverage.search([
                    ('company', '=', company.id),
                    ('current', '=', True),
                    ])
            by_employee = defaultdict(set)
            for coverage in coverages:
                by_employee[coverage.employee].add(coverage.party.id)
            rows = []
            for employee, party_ids in by_employee.items():
                parties = Party.browse(list(party_ids))
                scores = [p.quality_score for p in parties
                    if p.quality_score is not None]
                rows.append([employee.rec_name, len(parties),
                        round(sum(scores) / len(scores), 1)
                        if scores else None,
                        sum(1 for p in parties
                            if p.verification == 'unverified')])
        rows.sort(key=lambda r: -(r[2] or 0))
        return [_msg('col_employee'), _msg('col_parties'),
            _msg('col_quality'), _msg('col_unverified')], rows

    @classmethod
    def _sheet_event_spend(cls, company, start, end):
        pool = Pool()
        Invitation = pool.get('pharma.event.invitation')
        Event = pool.get('pharma.event')
        invitation = Invitation.__table__()
        event = Event.__table__()
        cursor = cls._cursor()
        cursor.execute(*invitation.join(event,
                condition=invitation.event == event.id)
            .select(invitation.doctor, Count(invitation.id),
                Sum(Coalesce(invitation.cost, 0)),
                where=(event.company == company.id)
                & (invitation.state == 'attended')
                & (event.date >= utc_start(start, company))
                & (event.date < utc_start(end, company)),
                group_by=[invitation.doctor]))
        data = list(cursor)
        names = cls._names('party.party', [d for d, *_ in data])
        rows = [[names.get(d, ''), n, float(c or 0)]
            for d, n, c in sorted(data, key=lambda x: -float(x[2] or 0))]
        return [_msg('col_doctor'), _msg('col_events'), _msg('col_cost')], rows


class ReportPackStart(ModelView):
    __name__ = 'pharma.report.pack.start'
    month = fields.Date("Month", required=True,
        help="Any day of the month to report.")

    @classmethod
    def default_month(cls):
        today = Pool().get('ir.date').today()
        return month_start(month_start(today) - datetime.timedelta(days=1))


class ReportPackWizard(QueuedWizardMixin, Wizard):
    """Export the management report pack: built by a background job
    (pharma.job, trytond-worker), the file is on the job"""
    __name__ = 'pharma.report.pack.wizard'
    start = StateView('pharma.report.pack.start',
        'pharma_reporting.report_pack_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Export", 'export', 'tryton-ok', default=True),
            ])
    export = StateTransition()
    queued = StateView('pharma.job.queued',
        'pharma_hospital.job_queued_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def transition_export(self):
        month = month_start(self.start.month)
        # a step per sheet and one for the file
        self.queued.job = self.queue_job('report_pack', 'run_export',
            gettext('pharma_reporting.msg_job_report_pack',
                month=month.strftime('%Y-%m')),
            total=len(Pool().get('pharma.report.pack')._sheets()) + 1)
        return 'queued'

    def default_queued(self, fields):
        return Pool().get('pharma.job.queued').values(self.queued.job)

    def run_export(self, job):
        "Build the pack (run by the job): the file is the job's result"
        Pack = Pool().get('pharma.report.pack')
        month = month_start(self.start.month)

        def on_progress(done, total, message):
            job.set_progress(done, total + 1, message)
        sheets = Pack.build(month, on_progress=on_progress)
        job.set_progress(len(sheets), message=gettext(
                'pharma_reporting.msg_job_writing_file'))
        return {
            'result': gettext('pharma_reporting.msg_job_file_ready'),
            'file': Pack.to_xlsx(sheets, month),
            'filename': 'pharma-report-%s.xlsx' % month.strftime('%Y-%m'),
            }
