# This file is part of the pharma suite. See README.md for license terms.
import calendar
import datetime
import statistics
from collections import defaultdict

from sql import Literal, Null, Union
from sql.aggregate import Count, Max, Min, Sum
from sql.conditionals import Case, Coalesce
from sql.functions import DateTrunc
from sql.operators import Concat

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .tools import notify_employees

SALE_STATES = ['confirmed', 'processing', 'done']


def _company():
    return Transaction().context.get('company', -1)


class ChannelReconciliation(ModelSQL, ModelView):
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
        Move = pool.get('stock.move')
        Shipment = pool.get('stock.shipment.out')
        Location = pool.get('stock.location')
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
            where=(flow.company == company) & (flow.product != Null))

        # the last snapshot of each month
        for index, month_column in [(1, 'month'), (2, 'next_month')]:
            inventory = Inventory.__table__()
            last = Inventory.__table__()
            last_date = last.select(
                last.distributor, last.month, Max(last.date).as_('date'),
                where=last.company == company,
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
                & (inventory.product != Null))

        move = Move.__table__()
        shipment = Shipment.__table__()
        location = Location.__table__()
        month = cls.month.sql_cast(DateTrunc('month', move.effective_date))
        yield move.join(shipment, condition=(
                move.shipment == Concat('stock.shipment.out,', shipment.id))
            ).select(
            (move.id * n + 3).as_('id'), move.company.as_('company'),
            shipment.customer.as_('distributor'),
            move.product.as_('product'), month.as_('month'),
            zero.as_('opening'), move.internal_quantity.as_('sell_in'),
            zero.as_('sell_out'), zero.as_('closing'),
            Literal(0).as_('opening_count'),
            Literal(0).as_('closing_count'),
            where=(move.company == company) & (move.state == 'done')
            & move.to_location.in_(location.select(
                    location.id, where=location.type == 'customer')))

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


class CustomerValue(ModelSQL, ModelView):
    "Customers ranked by volume, frequency and tenure (RFM)"
    __name__ = 'pharma.customer.value'
    company = fields.Many2One('company.company', "Company", readonly=True)
    party = fields.Many2One('party.party', "Customer", readonly=True,
        context={'company': Eval('company', -1)}, depends={'company'})
    amount = fields.Numeric("Volume (12 months)", digits=(16, 2),
        readonly=True)
    frequency = fields.Integer("Purchases (12 months)", readonly=True)
    first_date = fields.Date("First Purchase", readonly=True)
    last_date = fields.Date("Last Purchase", readonly=True)
    recency = fields.Function(fields.Integer("Days since Last Purchase"),
        'get_segment')
    tenure = fields.Function(fields.Integer("Tenure (days)"),
        'get_segment')
    segment = fields.Function(fields.Selection([
                (None, ""),
                ('core', "Core"),
                ('loyal', "Loyal"),
                ('big', "Big"),
                ('regular', "Regular"),
                ('dormant', "Dormant"),
                ], "Segment"), 'get_segment')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('amount', 'DESC NULLS LAST'), ('frequency', 'DESC'),
            ('id', 'ASC')]

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
        return purchases.select(
            Min(purchases.id).as_('id'),
            purchases.company.as_('company'),
            purchases.party.as_('party'),
            Sum(Case((recent, purchases.amount), else_=0)).as_('amount'),
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
        amounts = sorted((r.amount or 0 for r in records), reverse=True)
        big = amounts[max(len(amounts) // 5 - 1, 0)] if amounts else 0
        for record in records:
            recency = (today - record.last_date).days if (
                record.last_date) else None
            tenure = (today - record.first_date).days if (
                record.first_date) else None
            if recency is None or recency > 180:
                segment = 'dormant'
            elif (record.amount or 0) >= big and (record.frequency or 0) >= 6:
                segment = 'core'
            elif (record.frequency or 0) >= 6 and (tenure or 0) >= 365:
                segment = 'loyal'
            elif (record.amount or 0) >= big:
                segment = 'big'
            else:
                segment = 'regular'
            for name, value in [('recency', recency), ('tenure', tenure),
                    ('segment', segment)]:
                if name in names:
                    result[name][record.id] = value
        return result


class Churn:
    "Purchase-decline detection (used by the party cron)"

    @classmethod
    def purchases(cls, company):
        "{party id: sorted [(date, amount)]} of orders and flow"
        pool = Pool()
        CustomerValue = pool.get('pharma.customer.value')
        cursor = Transaction().connection.cursor()
        with Transaction().set_context(company=company):
            purchases = CustomerValue._purchases()
            cursor.execute(*purchases.select(
                    purchases.party, purchases.date, Sum(purchases.amount),
                    where=purchases.date != Null,
                    group_by=[purchases.party, purchases.date]))
            result = defaultdict(list)
            for party, date, amount in cursor:
                if isinstance(date, str):
                    date = datetime.date.fromisoformat(date)
                result[party].append((date, float(amount or 0)))
        for values in result.values():
            values.sort()
        return result

    @classmethod
    def check(cls, history, today, factor, drop):
        """Return ('overdue', interval, days) or ('drop', percent) or None
        for a sorted [(date, amount)] history"""
        dates = [d for d, _ in history]
        if len(dates) >= 3:
            last = dates[-6:]
            gaps = [(b - a).days for a, b in zip(last, last[1:])]
            interval = statistics.median(gaps)
            days = (today - dates[-1]).days
            if interval > 0 and days > factor * interval:
                return ('overdue', int(interval), days)
        if drop:
            start = today - datetime.timedelta(days=91)
            recent = sum(a for d, a in history if start < d <= today)
            year_start = start - datetime.timedelta(days=365)
            year_end = today - datetime.timedelta(days=365)
            before = sum(a for d, a in history
                if year_start < d <= year_end)
            if before > 0 and (before - recent) / before * 100 > drop:
                return ('drop', round((before - recent) / before * 100))
        return None

    @classmethod
    def alert(cls):
        pool = Pool()
        Configuration = pool.get('pharma.configuration')
        Date = pool.get('ir.date')
        Party = pool.get('party.party')
        Agreement = pool.get('pharma.agency.agreement')
        Sale = pool.get('sale.sale')
        company = Transaction().context.get('company')
        if not company:
            return []
        config = Configuration.get_config(company)
        today = Date.today()
        factor = config.churn_factor or 1.5
        history = cls.purchases(company)
        alerts = []
        for party_id, values in history.items():
            result = cls.check(values, today, factor, config.churn_drop)
            if result:
                alerts.append((Party(party_id), result))
        if not alerts:
            return []
        parties = [p for p, _ in alerts]
        owners = defaultdict(set)
        for agreement in Agreement.search([
                    ('agent', 'in', [p.id for p in parties]),
                    ('company', '=', company),
                    ('owner', '!=', None),
                    ]):
            owners[agreement.agent.id].add(agreement.owner)
        for sale in Sale.search([
                    ('party', 'in', [p.id for p in parties]),
                    ('company', '=', company),
                    ('pharma_owner', '!=', None),
                    ], order=[('sale_date', 'ASC NULLS FIRST')]):
            owners[sale.party.id] = {sale.pharma_owner}
        notified = []
        for party, result in alerts:
            employees = set(owners.get(party.id, set()))
            if party.primary_rep:
                employees.add(party.primary_rep)
            if result[0] == 'overdue':
                description = gettext('pharma_distributor.msg_churn_overdue',
                    party=party.rec_name, interval=result[1],
                    days=result[2])
            else:
                description = gettext('pharma_distributor.msg_churn_drop',
                    party=party.rec_name, drop=result[1])
            users = notify_employees([party], employees,
                gettext('pharma_distributor.msg_churn_label',
                    party=party.rec_name),
                description)
            notified.append((party, result, users))
        return notified
