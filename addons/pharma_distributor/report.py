# This file is part of the pharma suite. See README.md for license terms.
import calendar
import datetime

from sql import Literal, Null, Union, Window
from sql.aggregate import Count, Max, Min, Sum
from sql.conditionals import Case, Coalesce
from sql.functions import Abs, DateTrunc, Rank, RowNumber
from sql.operators import Concat

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.pharma_hospital.report_query import ReportQueryMixin
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

SALE_STATES = ['confirmed', 'processing', 'done']


def _company():
    return Transaction().context.get('company', -1)


def _next_month(date):
    return (date.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def _previous_month(date):
    return (date.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def _month_bounds():
    """The first and last month the search or read asks for (see
    MonthRestrictionMixin), or (None, None)"""
    return Transaction().context.get('_pharma_report_months') or (None, None)


def _month_where(column, shift=0):
    "column between the months asked for (shifted by shift months)"
    first, last = _month_bounds()
    where = Literal(True)
    move = {-1: _previous_month, 1: _next_month}.get(shift, lambda d: d)
    if first:
        where &= column >= move(first)
    if last:
        where &= column <= move(last)
    return where


class MonthRestrictionMixin:
    """A report grouped by month whose search on month restricts its
    sources to those months (with date ranges their indexes use) instead
    of grouping every month and filtering the groups"""
    __slots__ = ()

    @classmethod
    def _domain_months(cls, domain):
        "(first, last) month of the top-level month clauses of domain"
        first = last = None
        if domain and isinstance(domain[0], str) and domain[0] != 'AND':
            return None, None
        for clause in domain or []:
            if (not isinstance(clause, (list, tuple)) or len(clause) != 3
                    or clause[0] != 'month'):
                continue
            _, operator, value = clause
            values = None
            if operator == '=' and isinstance(value, datetime.date):
                values = [value, value]
            elif operator == 'in' and value and all(
                    isinstance(v, datetime.date) for v in value):
                values = [min(value), max(value)]
            elif operator in ('>=', '>') and isinstance(
                    value, datetime.date):
                values = [value, None]
            elif operator in ('<=', '<') and isinstance(
                    value, datetime.date):
                values = [None, value]
            if values is None:
                continue
            if values[0]:
                start = values[0].replace(day=1)
                first = max(first, start) if first else start
            if values[1]:
                last = min(last, values[1]) if last else values[1]
        return first, last

    @classmethod
    def search(cls, domain, offset=0, limit=None, order=None, count=False,
            query=False):
        first, last = cls._domain_months(domain)
        if first or last:
            with Transaction().set_context(
                    _pharma_report_months=(first, last)):
                return super().search(domain, offset=offset, limit=limit,
                    order=order, count=count, query=query)
        return super().search(domain, offset=offset, limit=limit,
            order=order, count=count, query=query)


def _shipped_moves(month_field):
    """The done moves of customer shipments of the company (our sell-in):
    (move, shipment, join, where, month) to select from"""
    pool = Pool()
    Move = pool.get('stock.move')
    Shipment = pool.get('stock.shipment.out')
    Location = pool.get('stock.location')
    move = Move.__table__()
    shipment = Shipment.__table__()
    location = Location.__table__()
    join = move.join(shipment, condition=(
            move.shipment == Concat('stock.shipment.out,', shipment.id)))
    where = ((move.company == _company()) & (move.state == 'done')
        & move.to_location.in_(location.select(
                location.id, where=location.type == 'customer')))
    # the months asked for as a date range on the expression of stock's
    # (company, COALESCE(effective_date, planned_date), state) index: a
    # filter on the DATE_TRUNC of the month cannot use an index
    date = Coalesce(move.effective_date, move.planned_date)
    first, last = _month_bounds()
    if first:
        where &= date >= first
    if last:
        where &= date < _next_month(last)
    month = month_field.sql_cast(DateTrunc('month', move.effective_date))
    return move, shipment, join, where, month


class ChannelReconciliation(
        MonthRestrictionMixin, ReportQueryMixin, ModelSQL, ModelView):
    "Sell-in, sell-out and reported inventory per distributor and month"
    __name__ = 'pharma.channel.reconciliation'
    company = fields.Many2One('company.company', "Company", readonly=True)
    distributor = fields.Many2One('party.party', "Distributor", readonly=True,
        context={'company': Eval('company', -1)}, depends={'company'})
    product = fields.Many2One('product.product', "Product", readonly=True,
        context={'company': Eval('company', -1)}, depends={'company'})
    month = fields.Date("Month", readonly=True)
    opening = fields.Float("Opening", readonly=True,
        help="The inventory reported at the end of the previous month.")
    sell_in = fields.Float("Sell-in", readonly=True,
        help="What we shipped to the distributor.")
    sell_out = fields.Float("Sell-out", readonly=True,
        help="What the distributor reports it sold.")
    expected = fields.Float("Expected Closing", readonly=True,
        help="Opening + sell-in - sell-out.")
    closing = fields.Float("Reported Closing", readonly=True)
    difference = fields.Float("Difference", readonly=True,
        help="Reported closing - expected closing.")
    has_opening = fields.Boolean("Opening Reported", readonly=True)
    has_closing = fields.Boolean("Closing Reported", readonly=True)
    flagged = fields.Function(fields.Boolean("Flagged",
            help="Opening and closing are reported and do not reconcile."),
        'get_flags', searcher='search_flagged')
    stuffing = fields.Function(fields.Boolean("Channel Stuffing",
            help="Sell-in far above sell-out."), 'get_flags')
    days_of_cover = fields.Function(fields.Float("Days of Cover",
            digits=(16, 1)), 'get_flags')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'DESC'), ('distributor', 'ASC'),
            ('product', 'ASC'), ('id', 'ASC')]

    @classmethod
    def _sources(cls):
        pool = Pool()
        Flow = pool.get('pharma.flow.line')
        Inventory = pool.get('pharma.inventory.line')
        company = _company()
        zero = Literal(0.0)
        n = 4

        flow = Flow.__table__()
        yield flow.select(
            (flow.id * n).as_('id'), flow.company.as_('company'),
            flow.distributor.as_('distributor'),
            flow.product.as_('product'), flow.month.as_('month'),
            zero.as_('opening'), zero.as_('sell_in'),
            flow.quantity.as_('sell_out'), zero.as_('closing'),
            Literal(0).as_('opening_count'),
            Literal(0).as_('closing_count'),
            where=(flow.company == company) & (flow.product != Null)
            & _month_where(flow.month))

        # the last snapshot of each month (of the months asked for: the
        # snapshots that close them and those that open them, taken in
        # the previous month)
        for index, month_column in [(1, 'month'), (2, 'next_month')]:
            inventory = Inventory.__table__()
            last = Inventory.__table__()
            shift = 0 if index == 1 else -1
            last_date = last.select(
                last.distributor, last.month, Max(last.date).as_('date'),
                where=(last.company == company)
                & _month_where(last.month, shift),
                group_by=[last.distributor, last.month])
            join = inventory.join(last_date, condition=(
                    (inventory.distributor == last_date.distributor)
                    & (inventory.month == last_date.month)
                    & (inventory.date == last_date.date)))
            quantity = inventory.quantity
            yield join.select(
                (inventory.id * n + index).as_('id'),
                inventory.company.as_('company'),
                inventory.distributor.as_('distributor'),
                inventory.product.as_('product'),
                getattr(inventory, month_column).as_('month'),
                (quantity if index == 2 else zero).as_('opening'),
                zero.as_('sell_in'), zero.as_('sell_out'),
                (quantity if index == 1 else zero).as_('closing'),
                Literal(1 if index == 2 else 0).as_('opening_count'),
                Literal(1 if index == 1 else 0).as_('closing_count'),
                where=(inventory.company == company)
                & (inventory.product != Null)
                & _month_where(inventory.month, shift))

        move, shipment, join, where, month = _shipped_moves(cls.month)
        yield join.select(
            (move.id * n + 3).as_('id'), move.company.as_('company'),
            shipment.customer.as_('distributor'),
            move.product.as_('product'), month.as_('month'),
            zero.as_('opening'), move.internal_quantity.as_('sell_in'),
            zero.as_('sell_out'), zero.as_('closing'),
            Literal(0).as_('opening_count'),
            Literal(0).as_('closing_count'),
            where=where)

    @classmethod
    def table_query(cls):
        sources = list(cls._sources())
        union = Union(*sources, all_=True)
        opening = Sum(union.opening)
        sell_in = Sum(union.sell_in)
        sell_out = Sum(union.sell_out)
        closing = Sum(union.closing)
        expected = opening + sell_in - sell_out
        return union.select(
            Min(union.id).as_('id'),
            union.company.as_('company'),
            union.distributor.as_('distributor'),
            union.product.as_('product'),
            union.month.as_('month'),
            opening.as_('opening'), sell_in.as_('sell_in'),
            sell_out.as_('sell_out'), closing.as_('closing'),
            expected.as_('expected'),
            (closing - expected).as_('difference'),
            (Sum(union.opening_count) > 0).as_('has_opening'),
            (Sum(union.closing_count) > 0).as_('has_closing'),
            group_by=[union.company, union.distributor, union.product,
                union.month])

    @classmethod
    def _read_restriction(cls, ids):
        "The months of the source lines whose ids are the rows' (see _sources)"
        pool = Pool()
        Flow = pool.get('pharma.flow.line')
        Inventory = pool.get('pharma.inventory.line')
        Move = pool.get('stock.move')
        cursor = Transaction().connection.cursor()
        flow = Flow.__table__()
        inventory = Inventory.__table__()
        move = Move.__table__()
        sources = {
            0: (flow, flow.month),
            1: (inventory, inventory.month),
            2: (inventory, inventory.next_month),
            3: (move, move.effective_date),
            }
        in_ = fields.SQL_OPERATORS['in']
        months = set()
        for index, (table, column) in sources.items():
            source_ids = [i // 4 for i in ids if i % 4 == index]
            if source_ids:
                cursor.execute(*table.select(column,
                        where=in_(table.id, source_ids)))
                months.update(d and d.replace(day=1) for d, in cursor)
        if not months or None in months:
            return None
        return ({'_pharma_report_months': (min(months), max(months))},
            [('month', 'in', sorted(months))])

    @classmethod
    def get_flags(cls, records, names):
        pool = Pool()
        Configuration = pool.get('pharma.configuration')
        config = Configuration.get_config()
        ratio = config.stuffing_ratio or 0
        result = {n: {} for n in names}
        for record in records:
            if 'flagged' in names:
                result['flagged'][record.id] = bool(
                    record.has_opening and record.has_closing
                    and abs(record.difference or 0) > 1e-6)
            if 'stuffing' in names:
                result['stuffing'][record.id] = bool(ratio
                    and (record.sell_in or 0) > ratio * (
                        record.sell_out or 0)
                    and (record.sell_in or 0) > 0)
            if 'days_of_cover' in names:
                cover = None
                if record.month and record.sell_out:
                    days = calendar.monthrange(
                        record.month.year, record.month.month)[1]
                    daily = record.sell_out / days
                    cover = (record.closing or 0) / daily
                result['days_of_cover'][record.id] = cover
        return result

    @classmethod
    def search_flagged(cls, name, clause):
        _, operator, value = clause
        domain = [('has_opening', '=', True), ('has_closing', '=', True),
            ['OR', ('difference', '>', 1e-6), ('difference', '<', -1e-6)]]
        if (operator == '=') == bool(value):
            return domain
        return ['NOT', domain]


class SalesStatistics(ModelSQL, ModelView):
    "Sell-in and sell-out by product, territory, employee and month"
    __name__ = 'pharma.sales.statistics'
    company = fields.Many2One('company.company', "Company", readonly=True)
    kind = fields.Selection([
            ('sell_in', "Sell-in"),
            ('sell_out', "Sell-out"),
            ], "Kind", readonly=True)
    month = fields.Date("Month", readonly=True)
    product = fields.Many2One('product.product', "Product", readonly=True,
        context={'company': Eval('company', -1)}, depends={'company'})
    distributor = fields.Many2One('party.party', "Distributor", readonly=True,
        context={'company': Eval('company', -1)}, depends={'company'})
    customer = fields.Many2One('party.party', "Customer", readonly=True,
        help="The hospital or pharmacy (sell-out only).",
        context={'company': Eval('company', -1)}, depends={'company'})
    territory = fields.Many2One('pharma.territory', "Territory",
        readonly=True)
    employee = fields.Many2One('company.employee', "Employee",
        readonly=True)
    quantity = fields.Float("Quantity", readonly=True)
    amount = fields.Numeric("Amount", digits=(16, 2), readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'DESC'), ('kind', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Flow = pool.get('pharma.flow.line')
        Line = pool.get('sale.line')
        Sale = pool.get('sale.sale')
        Party = pool.get('party.party')
        company = _company()
        line = Line.__table__()
        sale = Sale.__table__()
        party = Party.__table__()
        month = cls.month.sql_cast(DateTrunc('month', sale.sale_date))
        quantity = Coalesce(line.actual_quantity, line.quantity)
        sell_in = line.join(sale, condition=line.sale == sale.id
            ).join(party, condition=sale.party == party.id).select(
            (line.id * 2).as_('id'),
            sale.company.as_('company'),
            Literal('sell_in').as_('kind'),
            month.as_('month'),
            line.product.as_('product'),
            sale.party.as_('distributor'),
            Literal(None).as_('customer'),
            Coalesce(sale.pharma_territory, party.territory).as_(
                'territory'),
            sale.pharma_owner.as_('employee'),
            quantity.as_('quantity'),
            (quantity * line.unit_price).as_('amount'),
            where=(sale.company == company)
            & sale.state.in_(SALE_STATES)
            & (line.type == 'line') & (line.product != Null))
        flow = Flow.__table__()
        customer = Party.__table__()
        sell_out = flow.join(customer, 'LEFT',
            condition=flow.customer == customer.id).select(
            (flow.id * 2 + 1).as_('id'),
            flow.company.as_('company'),
            Literal('sell_out').as_('kind'),
            flow.month.as_('month'),
            flow.product.as_('product'),
            flow.distributor.as_('distributor'),
            flow.customer.as_('customer'),
            customer.territory.as_('territory'),
            Literal(None).as_('employee'),
            flow.quantity.as_('quantity'),
            flow.amount.as_('amount'),
            where=(flow.company == company))
        return Union(sell_in, sell_out, all_=True)


SEGMENTS = [
    (None, ""),
    ('core', "Core"),
    ('loyal', "Loyal"),
    ('big', "Big"),
    ('regular', "Regular"),
    ('dormant', "Dormant"),
    ]


class CustomerValue(ModelSQL, ModelView):
    "Customers ranked by volume, frequency and tenure (RFM)"
    __name__ = 'pharma.customer.value'
    company = fields.Many2One('company.company', "Company", readonly=True)
    party = fields.Many2One('party.party', "Customer", readonly=True,
        context={'company': Eval('company', -1)}, depends={'company'})
    rank = fields.Integer("Rank", readonly=True,
        help="The position of the customer by volume over 12 months.")
    customers = fields.Integer("Customers Ranked", readonly=True)
    amount = fields.Numeric("Volume (12 months)", digits=(16, 2),
        readonly=True)
    frequency = fields.Integer("Purchases (12 months)", readonly=True)
    first_date = fields.Date("First Purchase", readonly=True)
    last_date = fields.Date("Last Purchase", readonly=True)
    recency = fields.Function(fields.Integer("Days since Last Purchase"),
        'get_segment')
    tenure = fields.Function(fields.Integer("Tenure (days)"),
        'get_segment')
    segment = fields.Function(fields.Selection(SEGMENTS, "Segment"),
        'get_segment')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('rank', 'ASC'), ('frequency', 'DESC'), ('id', 'ASC')]

    @classmethod
    def _purchases(cls):
        "Rows of (id, company, party, date, amount): orders and flow"
        pool = Pool()
        Flow = pool.get('pharma.flow.line')
        Sale = pool.get('sale.sale')
        company = _company()
        sale = Sale.__table__()
        flow = Flow.__table__()
        return Union(
            sale.select((sale.id * 2).as_('id'), sale.company.as_('company'),
                sale.party.as_('party'), sale.sale_date.as_('date'),
                sale.untaxed_amount_cache.as_('amount'),
                where=(sale.company == company)
                & sale.state.in_(SALE_STATES)),
            flow.select((flow.id * 2 + 1).as_('id'),
                flow.company.as_('company'), flow.customer.as_('party'),
                flow.date.as_('date'), flow.amount.as_('amount'),
                where=(flow.company == company) & (flow.customer != Null)),
            all_=True)

    @classmethod
    def table_query(cls):
        pool = Pool()
        Date = pool.get('ir.date')
        start = Date.today() - datetime.timedelta(days=365)
        purchases = cls._purchases()
        recent = purchases.date >= start
        amount = Coalesce(
            Sum(Case((recent, purchases.amount), else_=0)), 0)
        return purchases.select(
            Min(purchases.id).as_('id'),
            purchases.company.as_('company'),
            purchases.party.as_('party'),
            Rank(window=Window([purchases.company],
                    order_by=[amount.desc])).as_('rank'),
            Count(purchases.company,
                window=Window([purchases.company])).as_('customers'),
            amount.as_('amount'),
            Count(Case((recent, purchases.date), else_=Null),
                distinct=True).as_('frequency'),
            Min(purchases.date).as_('first_date'),
            Max(purchases.date).as_('last_date'),
            group_by=[purchases.company, purchases.party])

    @classmethod
    def get_segment(cls, records, names):
        pool = Pool()
        Date = pool.get('ir.date')
        today = Date.today()
        result = {n: {} for n in names}
        for record in records:
            # the top fifth by volume of all the customers of the company
            # (whatever records are read)
            big_rank = max((record.customers or 0) // 5, 1)
            recency = (today - record.last_date).days if (
                record.last_date) else None
            tenure = (today - record.first_date).days if (
                record.first_date) else None
            big = bool(record.rank and record.rank <= big_rank
                and record.amount)
            if recency is None or recency > 180:
                segment = 'dormant'
            elif big and (record.frequency or 0) >= 6:
                segment = 'core'
            elif (record.frequency or 0) >= 6 and (tenure or 0) >= 365:
                segment = 'loyal'
            elif big:
                segment = 'big'
            else:
                segment = 'regular'
            for name, value in [('recency', recency), ('tenure', tenure),
                    ('segment', segment)]:
                if name in names:
                    result[name][record.id] = value
        return result

    @classmethod
    def of_parties(cls, party_ids, company=None):
        "{party id: record} of the parties that bought"
        result = {}
        if company is None:
            company = _company()
        if not party_ids or company is None or company < 0:
            return result
        with Transaction().set_context(company=company):
            for record in cls.search([('party', 'in', list(party_ids))]):
                result[record.party.id] = record
        return result


class SalesComparison(ModelSQL, ModelView):
    """Our shipments to each distributor (sell-in) against what it reports
    it sold (sell-out) per product and month"""
    __name__ = 'pharma.sales.comparison'
    company = fields.Many2One('company.company', "Company", readonly=True)
    distributor = fields.Many2One('party.party', "Distributor", readonly=True,
        context={'company': Eval('company', -1)}, depends={'company'})
    product = fields.Many2One('product.product', "Product", readonly=True,
        context={'company': Eval('company', -1)}, depends={'company'})
    month = fields.Date("Month", readonly=True)
    sell_in = fields.Float("Sell-in", readonly=True,
        help="What we shipped to the distributor in the month.")
    sell_out = fields.Float("Sell-out", readonly=True,
        help="What the distributor reports it sold in the month.")
    terminal = fields.Float("Sold to Hospitals", readonly=True,
        help="The part of the sell-out sold to hospitals and pharmacies.")
    gap = fields.Float("Gap", readonly=True,
        help="Sell-in - sell-out.")
    gap_percent = fields.Float("Gap (%)", digits=(16, 1), readonly=True,
        help="The gap against the larger of sell-in and sell-out.")
    flagged = fields.Boolean("Flagged", readonly=True,
        help="The gap is above the tolerance of the configuration.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'DESC'), ('distributor', 'ASC'),
            ('product', 'ASC'), ('id', 'ASC')]

    @classmethod
    def _sell_in(cls):
        "Done moves of customer shipments to distributors and agents"
        pool = Pool()
        Party = pool.get('party.party')
        party = Party.__table__()
        zero = Literal(0.0)
        move, shipment, join, where, month = _shipped_moves(cls.month)
        return join.join(party, condition=shipment.customer == party.id
            ).select(
            (move.id * 2).as_('id'), move.company.as_('company'),
            shipment.customer.as_('distributor'),
            move.product.as_('product'), month.as_('month'),
            move.internal_quantity.as_('sell_in'),
            zero.as_('sell_out'), zero.as_('terminal'),
            where=where & party.pharma_type.in_(['distributor', 'agent']))

    @classmethod
    def _sell_out(cls):
        "The flow lines reported by the distributors"
        pool = Pool()
        Flow = pool.get('pharma.flow.line')
        Party = pool.get('party.party')
        flow = Flow.__table__()
        customer = Party.__table__()
        zero = Literal(0.0)
        return flow.join(customer, 'LEFT',
            condition=flow.customer == customer.id).select(
            (flow.id * 2 + 1).as_('id'), flow.company.as_('company'),
            flow.distributor.as_('distributor'),
            flow.product.as_('product'), flow.month.as_('month'),
            zero.as_('sell_in'), flow.quantity.as_('sell_out'),
            Case((customer.pharma_type.in_(['hospital', 'pharmacy']),
                    flow.quantity), else_=zero).as_('terminal'),
            where=(flow.company == _company()) & (flow.product != Null))

    @classmethod
    def _tolerance(cls):
        "The gap tolerance (%) of the company (no record created on read)"
        pool = Pool()
        Configuration = pool.get('pharma.configuration')
        value = Configuration.get_config(_company()).gap_tolerance
        if value is None:
            value = Configuration.default_gap_tolerance()
        return value

    @classmethod
    def table_query(cls):
        tolerance = cls._tolerance() / 100
        union = Union(cls._sell_in(), cls._sell_out(), all_=True)
        sell_in = Sum(union.sell_in)
        sell_out = Sum(union.sell_out)
        gap = sell_in - sell_out
        larger = Case((sell_in >= sell_out, sell_in), else_=sell_out)
        return union.select(
            Min(union.id).as_('id'),
            union.company.as_('company'),
            union.distributor.as_('distributor'),
            union.product.as_('product'),
            union.month.as_('month'),
            sell_in.as_('sell_in'), sell_out.as_('sell_out'),
            Sum(union.terminal).as_('terminal'),
            gap.as_('gap'),
            Case((larger > 0, Abs(gap) * 100.0 / larger),
                else_=Literal(0.0)).as_('gap_percent'),
            (Abs(gap) > larger * tolerance).as_('flagged'),
            group_by=[union.company, union.distributor, union.product,
                union.month])


class FlowCoverage(ModelSQL, ModelView):
    """Hospitals against the sales flow of their distributors: a hospital
    buying through a distributor (purchase channel) should be in the
    distributor's flow of every month the distributor reported"""
    __name__ = 'pharma.flow.coverage'
    company = fields.Many2One('company.company', "Company", readonly=True)
    hospital = fields.Many2One('party.party', "Hospital", readonly=True,
        context={'company': Eval('company', -1)}, depends={'company'})
    distributor = fields.Many2One('party.party', "Distributor", readonly=True,
        context={'company': Eval('company', -1)}, depends={'company'})
    month = fields.Date("Month", readonly=True)
    expected = fields.Boolean("Purchase Channel", readonly=True,
        help="The hospital buys through the distributor in this month.")
    lines = fields.Integer("Flow Lines", readonly=True)
    missing = fields.Integer("Missing", readonly=True,
        help="1 when the hospital is missing from the flow (for sums).")
    quantity = fields.Float("Quantity", readonly=True)
    amount = fields.Numeric("Amount", digits=(16, 2), readonly=True)
    status = fields.Selection([
            ('ok', "In the Flow"),
            ('missing', "Missing from the Flow"),
            ('unexpected', "No Purchase Channel"),
            ], "Status", readonly=True, sort=False,
        help="Missing: a purchase channel but no flow this month although "
        "the distributor reported its flow. No purchase channel: flow "
        "without a channel recorded.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'DESC'), ('distributor', 'ASC'),
            ('hospital', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Flow = pool.get('pharma.flow.line')
        Channel = pool.get('pharma.purchase.channel')
        Party = pool.get('party.party')
        company = _company()
        zero = Literal(0.0)

        # the months each distributor reported
        reported_flow = Flow.__table__()
        reported = reported_flow.select(
            reported_flow.company.as_('company'),
            reported_flow.distributor.as_('distributor'),
            reported_flow.month.as_('month'),
            where=reported_flow.company == company,
            group_by=[reported_flow.company, reported_flow.distributor,
                reported_flow.month])
        channel = Channel.__table__()
        hospital = Party.__table__()
        start = cls.month.sql_cast(DateTrunc('month', channel.start_date))
        expected = channel.join(reported, condition=(
                (channel.distributor == reported.distributor)
                & ((channel.start_date == Null) | (start <= reported.month))
                & ((channel.end_date == Null)
                    | (channel.end_date >= reported.month)))
            ).join(hospital, condition=channel.hospital == hospital.id
            ).select(
            reported.company.as_('company'),
            channel.hospital.as_('hospital'),
            channel.distributor.as_('distributor'),
            reported.month.as_('month'),
            Literal(1).as_('expected'),
            Literal(0).as_('lines'),
            zero.as_('quantity'),
            cls.amount.sql_cast(Literal(0)).as_('amount'),
            where=hospital.pharma_type == 'hospital')

        flow = Flow.__table__()
        customer = Party.__table__()
        present = flow.join(customer,
            condition=flow.customer == customer.id).select(
            flow.company.as_('company'),
            flow.customer.as_('hospital'),
            flow.distributor.as_('distributor'),
            flow.month.as_('month'),
            Literal(0).as_('expected'),
            Literal(1).as_('lines'),
            flow.quantity.as_('quantity'),
            Coalesce(flow.amount, 0).as_('amount'),
            where=(flow.company == company)
            & (customer.pharma_type == 'hospital'))

        union = Union(expected, present, all_=True)
        is_expected = Max(union.expected) > 0
        lines = Sum(union.lines)
        return union.select(
            RowNumber(window=Window([], order_by=[
                        union.month.asc, union.distributor.asc,
                        union.hospital.asc])).as_('id'),
            union.company.as_('company'),
            union.hospital.as_('hospital'),
            union.distributor.as_('distributor'),
            union.month.as_('month'),
            is_expected.as_('expected'),
            lines.as_('lines'),
            Sum(union.quantity).as_('quantity'),
            Sum(union.amount).as_('amount'),
            Case((is_expected & (lines == 0), 1),
                else_=0).as_('missing'),
            Case((is_expected & (lines > 0), 'ok'),
                (is_expected, 'missing'),
                else_='unexpected').as_('status'),
            group_by=[union.company, union.hospital, union.distributor,
                union.month])
