# This file is part of the pharma suite. See README.md for license terms.
"""Market share summed over the hospitals of a territory and its subtree,
per molecule or per therapeutic area, month by month (last month by
default, the 12 months up to a row's month in its trend).

The share of a group is the ratio of the sums, sum(ours) / sum(ours +
competitors), never the mean of the hospitals' shares. A territory sums the
share rows whose hospital belonged to it or to any territory below it when
the month was computed (the territory is kept on each pharma.market.share
row); the rows without a territory (level "All Territories") sum every
hospital of the company, with or without a territory."""
import datetime

from dateutil.relativedelta import relativedelta
from sql import Cast, Literal, Null, Union, With
from sql.aggregate import Count, Max, Min, Sum
from sql.conditionals import Case, Coalesce, NullIf
from sql.functions import Extract

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import PYSONEncoder
from trytond.transaction import Transaction
from trytond.wizard import StateAction, StateTransition, Wizard

from .market import month_start

# A row id is MIN(share id * ID_FACTOR + distance) over its group, where
# distance is how many levels the hospital's territory lies below the row's
# territory: the smallest share id of the group decides, and two groups with
# the same smallest share row differ by their territory, hence by the
# distance. Rows of the whole company use COMPANY_DISTANCE.
ID_FACTOR = 16
COMPANY_DISTANCE = ID_FACTOR - 1
LEVELS = [
    ('all', "All Territories"),
    ('region', "Region"),
    ('province', "Province"),
    ('city', "City"),
    ('district', "District"),
    ]


def month_index(column):
    "Months since year 0: consecutive months differ by one"
    return Extract('YEAR', column) * 12 + Extract('MONTH', column)


class ShareContext(ModelView):
    "Market share period"
    __name__ = 'pharma.market.share.context'
    from_month = fields.Date("From Month",
        help="The first month shown (any day of it).")
    to_month = fields.Date("To Month",
        help="The last month shown (any day of it).")

    @classmethod
    def default_to_month(cls):
        today = Pool().get('ir.date').today()
        return month_start(today) - relativedelta(months=1)

    @classmethod
    def default_from_month(cls):
        return cls.default_to_month()


def context_months(months=1):
    """(first, last) month of the context: by default the given number of
    months up to the last one"""
    context = Transaction().context
    to_month = context.get('to_month')
    if isinstance(to_month, datetime.datetime):
        to_month = to_month.date()
    if not to_month:
        to_month = (month_start(Pool().get('ir.date').today())
            - relativedelta(months=1))
    to_month = month_start(to_month)
    from_month = context.get('from_month')
    if isinstance(from_month, datetime.datetime):
        from_month = from_month.date()
    from_month = (month_start(from_month) if from_month
        else to_month - relativedelta(months=months - 1))
    return from_month, to_month


class ShareSummaryMixin:
    __slots__ = ()
    company = fields.Many2One('company.company', "Company", readonly=True)
    month = fields.Date("Month", readonly=True)
    territory = fields.Many2One('pharma.territory', "Territory",
        readonly=True,
        help="Empty for the whole company.")
    level = fields.Selection(LEVELS, "Level", readonly=True, sort=False)
    hospitals = fields.Integer("Hospitals", readonly=True)
    hospitals_without_data = fields.Integer(
        "Hospitals without Competitor Data", readonly=True,
        help="Hospitals where we sold but no competitor volume is known: "
        "their volume counts as ours only.")
    our_units = fields.Float("Our Volume", digits=(16, 2), readonly=True)
    competitor_units = fields.Float("Competitors' Volume", digits=(16, 2),
        readonly=True)
    share = fields.Float("Share (%)", digits=(16, 2), readonly=True,
        help="Our volume summed over the hospitals, divided by all the "
        "volume summed over them.")
    previous_share = fields.Float("Previous Share (%)", digits=(16, 2),
        readonly=True)
    change = fields.Float("Change (points)", digits=(16, 2), readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'DESC'), ('level', 'ASC'),
            ('territory', 'ASC'), ('id', 'ASC')]

    @classmethod
    def _key_columns(cls, share):
        """[(expression, name, grouped column or None)]: with the territory
        and the month, what makes a row"""
        raise NotImplementedError

    @classmethod
    def _key_join(cls, current, previous):
        "The condition matching a row to its previous month's"
        raise NotImplementedError

    @classmethod
    def _key_output(cls, current):
        "The key columns of the model from the aggregate"
        raise NotImplementedError

    @classmethod
    def _territory_closure(cls):
        "(territory, ancestor, distance) for every territory and ancestor"
        Territory = Pool().get('pharma.territory')
        territory = Territory.__table__()
        parent = Territory.__table__()
        closure = With('territory', 'ancestor', 'distance', recursive=True)
        closure.query = territory.select(
            territory.id, territory.id, Cast(Literal(0), 'INTEGER'))
        closure.query |= (closure
            .join(parent, condition=closure.ancestor == parent.id)
            .select(closure.territory, parent.parent,
                Cast(closure.distance + Literal(1), 'INTEGER'),
                where=parent.parent != Null))
        return closure

    @classmethod
    def _aggregate(cls, closure, company, start, end):
        """The sums per territory (-1 for the whole company), month and key
        for the months from start to end"""
        Share = Pool().get('pharma.market.share')
        queries = []
        for by_territory in [True, False]:
            share = Share.__table__()
            keys = cls._key_columns(share)
            if by_territory:
                from_item = share.join(closure,
                    condition=share.territory == closure.territory)
                ancestor = closure.ancestor
                distance = closure.distance
                group_by = [closure.ancestor]
            else:
                from_item = share
                ancestor = Literal(-1)
                distance = Literal(COMPANY_DISTANCE)
                group_by = []
            # expressions of grouped columns only: an expression with a
            # parameter in GROUP BY never matches the SELECT's on PostgreSQL
            group_by.append(share.month)
            group_by += [g for _, _, g in keys if g is not None]
            columns = [
                Min(share.id * ID_FACTOR + distance).as_('id'),
                ancestor.as_('ancestor'),
                share.month.as_('month'),
                month_index(share.month).as_('month_index'),
                ]
            columns += [e.as_(n) for e, n, _ in keys]
            columns += [
                Count(share.hospital, distinct=True).as_('hospitals'),
                Count(Case((share.source == 'none', share.hospital)),
                    distinct=True).as_('hospitals_without_data'),
                Sum(Coalesce(share.our_units, 0)).as_('our_units'),
                Sum(Coalesce(share.competitor_units, 0)
                    ).as_('competitor_units'),
                ]
            queries.append(from_item.select(*columns,
                    where=(share.company == company)
                    & (share.month >= start) & (share.month <= end),
                    group_by=group_by))
        return Union(*queries, all_=True)

    @staticmethod
    def _share(our, competitor):
        total = our + competitor
        return Case((total > 0, our * 100.0 / total), else_=Null)

    @classmethod
    def table_query(cls):
        pool = Pool()
        Territory = pool.get('pharma.territory')
        territory = Territory.__table__()
        company = Transaction().context.get('company') or -1
        start, end = context_months()
        closure = cls._territory_closure()
        current = cls._aggregate(closure, company, start, end)
        previous = cls._aggregate(closure, company,
            start - relativedelta(months=1),
            end - relativedelta(months=1))
        share = cls._share(current.our_units, current.competitor_units)
        previous_share = cls._share(
            previous.our_units, previous.competitor_units)
        columns = [
            current.id.as_('id'),
            Literal(company).as_('company'),
            current.month.as_('month'),
            NullIf(current.ancestor, -1).as_('territory'),
            Coalesce(territory.level, 'all').as_('level'),
            ]
        columns += cls._key_output(current)
        columns += [
            current.hospitals.as_('hospitals'),
            current.hospitals_without_data.as_('hospitals_without_data'),
            current.our_units.as_('our_units'),
            current.competitor_units.as_('competitor_units'),
            share.as_('share'),
            previous_share.as_('previous_share'),
            (share - previous_share).as_('change'),
            ]
        return (current
            .join(previous, 'LEFT',
                condition=(previous.ancestor == current.ancestor)
                & (previous.month_index + 1 == current.month_index)
                & cls._key_join(current, previous))
            .join(territory, 'LEFT',
                condition=territory.id == current.ancestor)
            .select(*columns, with_=[closure]))

    @classmethod
    def decode_id(cls, id_):
        """(share row, territory or None) a summary row comes from: the
        territory is found by walking up from the territory of the share
        row's hospital"""
        Share = Pool().get('pharma.market.share')
        share_id, distance = divmod(id_, ID_FACTOR)
        share = Share(share_id)
        if distance == COMPANY_DISTANCE:
            return share, None
        territory = share.territory
        for _ in range(distance):
            territory = territory.parent
        return share, territory

    @classmethod
    def trend_domain(cls, share):
        "The domain of the key of the share row for the trend"
        raise NotImplementedError


class ShareTerritory(ShareSummaryMixin, ModelSQL, ModelView):
    "Market share per territory and molecule"
    __name__ = 'pharma.market.share.territory'
    generic_name = fields.Char("Molecule", readonly=True)
    therapeutic_area = fields.Many2One(
        'pharma.therapeutic.area', "Therapeutic Area", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(3, ('generic_name', 'ASC'))

    @classmethod
    def _key_columns(cls, share):
        return [
            (share.generic_name, 'generic_name', share.generic_name),
            (Max(share.therapeutic_area), 'therapeutic_area', None),
            ]

    @classmethod
    def _key_join(cls, current, previous):
        return previous.generic_name == current.generic_name

    @classmethod
    def _key_output(cls, current):
        return [
            current.generic_name.as_('generic_name'),
            current.therapeutic_area.as_('therapeutic_area'),
            ]

    @classmethod
    def trend_domain(cls, share):
        return [('generic_name', '=', share.generic_name)]


class ShareArea(ShareSummaryMixin, ModelSQL, ModelView):
    "Market share per territory and therapeutic area"
    __name__ = 'pharma.market.share.area'
    therapeutic_area = fields.Many2One(
        'pharma.therapeutic.area', "Therapeutic Area", readonly=True,
        help="Empty for the molecules of no known area.")
    molecules = fields.Integer("Molecules", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(3, ('therapeutic_area', 'ASC'))

    @classmethod
    def _key_columns(cls, share):
        return [
            (Coalesce(share.therapeutic_area, -1), 'area',
                share.therapeutic_area),
            (Count(share.generic_name, distinct=True), 'molecules', None),
            ]

    @classmethod
    def _key_join(cls, current, previous):
        return previous.area == current.area

    @classmethod
    def _key_output(cls, current):
        return [
            NullIf(current.area, -1).as_('therapeutic_area'),
            current.molecules.as_('molecules'),
            ]

    @classmethod
    def trend_domain(cls, share):
        return [('therapeutic_area', '=',
                share.therapeutic_area.id if share.therapeutic_area
                else None)]


class ShareTrend(Wizard):
    "Open the 12-month share trend of a summary row"
    __name__ = 'pharma.market.share.trend'
    start = StateTransition()
    open_territory = StateAction(
        'pharma_competitor.act_market_share_territory_trend')
    open_area = StateAction(
        'pharma_competitor.act_market_share_area_trend')

    def transition_start(self):
        if self.model.__name__ == 'pharma.market.share.area':
            return 'open_area'
        return 'open_territory'

    def _open(self, action):
        share, territory = self.model.decode_id(self.record.id)
        month = share.month
        domain = [('territory', '=', territory.id if territory else None)]
        domain += self.model.trend_domain(share)
        action['pyson_domain'] = PYSONEncoder().encode(domain)
        action['pyson_context'] = PYSONEncoder().encode({
                'from_month': month - relativedelta(months=11),
                'to_month': month,
                })
        names = [territory.rec_name if territory else None]
        if self.model.__name__ == 'pharma.market.share.area':
            names.append(share.therapeutic_area.rec_name
                if share.therapeutic_area else None)
        else:
            names.append(share.generic_name)
        action['name'] += ' - ' + ' / '.join(filter(None, names))
        return action, {}

    def do_open_territory(self, action):
        return self._open(action)

    def do_open_area(self, action):
        return self._open(action)
