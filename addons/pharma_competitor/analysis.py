# This file is part of the pharma suite. See README.md for license terms.
"""Competitor analyses: the key-account hospitals a competitor is active in,
and a competitor's biggest hospitals with its share there."""
import datetime
from collections import defaultdict

from dateutil.relativedelta import relativedelta
from sql import Literal, Null, Union, Window
from sql.aggregate import Count, Max, Min, Sum
from sql.conditionals import Case, Coalesce
from sql.functions import Lower, Rank, Trim
from sql.operators import Exists

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.pharma_hospital.party import KEY_LEVELS
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .competitor import OBSERVATION_KINDS
from .share_summary import ShareContext, context_months, month_index


def _date(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    return value


class KeyHospitalContext(ModelView):
    "Key hospitals with competitor activity: period"
    __name__ = 'pharma.competitor.key_hospital.context'
    from_date = fields.Date("From Date", required=True)
    to_date = fields.Date("To Date", required=True)
    competitor = fields.Many2One('pharma.competitor', "Competitor")

    @classmethod
    def default_to_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_from_date(cls):
        return (Pool().get('ir.date').today()
            - relativedelta(months=3))


class KeyHospital(ModelSQL, ModelView):
    "Key hospital with competitor activity"
    __name__ = 'pharma.competitor.key_hospital'
    company = fields.Many2One('company.company', "Company", readonly=True)
    hospital = fields.Many2One('party.party', "Hospital", readonly=True,
        context={'company': Eval('company', -1)}, depends={'company'})
    key_level = fields.Selection(KEY_LEVELS, "Key Level", readonly=True)
    territory = fields.Many2One('pharma.territory', "Territory",
        readonly=True)
    competitor = fields.Many2One(
        'pharma.competitor', "Competitor", readonly=True)
    observations = fields.Integer("Observations", readonly=True)
    first_date = fields.Date("First Observation", readonly=True)
    last_date = fields.Date("Last Observation", readonly=True)
    kinds = fields.Function(fields.Char("Kinds"), 'get_kinds')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('last_date', 'DESC'), ('observations', 'DESC'),
            ('id', 'ASC')]

    @classmethod
    def _period(cls):
        context = Transaction().context
        today = Pool().get('ir.date').today()
        to_date = _date(context.get('to_date')) or today
        from_date = _date(context.get('from_date')) or (
            to_date - relativedelta(months=3))
        return from_date, to_date

    @classmethod
    def _visible(cls, observation):
        """The condition of the observations the user may read (their
        record rules: reps see theirs and those of their territory, at the
        hospitals they may read), or None when the user reads them all"""
        Rule = Pool().get('ir.rule')
        if Rule.domain_get('pharma.competitor.observation', mode='read'):
            return observation.id.in_(
                Rule.query_get('pharma.competitor.observation'))

    @classmethod
    def _observation_where(cls, observation, party, rules=True):
        """The observations counted: of the company, in the period, at a
        key-account hospital and, with rules, visible to the user"""
        context = Transaction().context
        company = context.get('company') or -1
        from_date, to_date = cls._period()
        where = ((observation.company == company)
            & (observation.date >= from_date)
            & (observation.date <= to_date)
            & (party.pharma_type == 'hospital')
            & (party.key_account == Literal(True)))
        if context.get('competitor'):
            where &= observation.competitor == context['competitor']
        visible = cls._visible(observation) if rules else None
        if visible is not None:
            where &= visible
        return where

    @classmethod
    def table_query(cls):
        pool = Pool()
        Observation = pool.get('pharma.competitor.observation')
        Party = pool.get('party.party')
        observation = Observation.__table__()
        party = Party.__table__()
        # The id is the first observation of the group among all of them,
        # not only those the user reads: reading a row again without the
        # access check (as the server does for a record's attributes) finds
        # it under the same id.  The counts and dates are of the visible
        # observations; a group without any is left out.
        visible = cls._visible(observation)
        if visible is None:
            count = Count(observation.id)
            first, last = Min(observation.date), Max(observation.date)
            having = None
        else:
            count = Sum(Case((visible, 1), else_=0))
            first = Min(Case((visible, observation.date), else_=Null))
            last = Max(Case((visible, observation.date), else_=Null))
            having = count > 0
        return (observation
            .join(party, condition=observation.hospital == party.id)
            .select(
                Min(observation.id).as_('id'),
                observation.company.as_('company'),
                observation.hospital.as_('hospital'),
                party.key_level.as_('key_level'),
                party.territory.as_('territory'),
                observation.competitor.as_('competitor'),
                count.as_('observations'),
                first.as_('first_date'),
                last.as_('last_date'),
                where=cls._observation_where(
                    observation, party, rules=False),
                group_by=[observation.company, observation.hospital,
                    party.key_level, party.territory,
                    observation.competitor],
                having=having))

    @classmethod
    def get_kinds(cls, records, name):
        pool = Pool()
        Observation = pool.get('pharma.competitor.observation')
        Party = pool.get('party.party')
        observation = Observation.__table__()
        party = Party.__table__()
        cursor = Transaction().connection.cursor()
        labels = dict(Observation.fields_get(['kind'])['kind']['selection'])
        order = {k: i for i, (k, _) in enumerate(OBSERVATION_KINDS)}
        kinds = defaultdict(set)
        hospitals = list({r.hospital.id for r in records if r.hospital})
        cursor.execute(*observation
            .join(party, condition=observation.hospital == party.id)
            .select(observation.hospital, observation.competitor,
                observation.kind,
                where=cls._observation_where(observation, party)
                & observation.hospital.in_(hospitals or [-1]),
                group_by=[observation.hospital, observation.competitor,
                    observation.kind]))
        for hospital, competitor, kind in cursor:
            kinds[(hospital, competitor)].add(kind)
        result = {}
        for record in records:
            key = (record.hospital.id if record.hospital else None,
                record.competitor.id if record.competitor else None)
            result[record.id] = ', '.join(labels.get(k, k)
                for k in sorted(kinds.get(key, []),
                    key=lambda k: order.get(k, 99)))
        return result


class CustomerContext(ShareContext):
    "Competitors' key customers: period"
    __name__ = 'pharma.competitor.customer.context'

    @classmethod
    def default_from_month(cls):
        return cls.default_to_month() - relativedelta(months=11)


class Customer(ModelSQL, ModelView):
    "Competitor's key customer"
    __name__ = 'pharma.competitor.customer'
    company = fields.Many2One('company.company', "Company", readonly=True)
    competitor = fields.Many2One(
        'pharma.competitor', "Competitor", readonly=True)
    rank = fields.Integer("Rank", readonly=True,
        help="The hospital's place among the competitor's hospitals by "
        "volume.")
    hospital = fields.Many2One('party.party', "Hospital", readonly=True,
        context={'company': Eval('company', -1)}, depends={'company'})
    territory = fields.Many2One('pharma.territory', "Territory",
        readonly=True)
    key_account = fields.Boolean("Key Account", readonly=True)
    units = fields.Float("Competitor Volume", digits=(16, 2), readonly=True,
        help="In smallest dose units: from market data where there is some "
        "for the molecule and month, else from volume observations.")
    market_units = fields.Float("Market Volume", digits=(16, 2),
        readonly=True,
        help="Our volume and all competitors' of the same molecules and "
        "months, from the computed market share.")
    share = fields.Float("Competitor Share (%)", digits=(16, 2),
        readonly=True)
    our_share = fields.Float("Our Share (%)", digits=(16, 2), readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('competitor', 'ASC'), ('rank', 'ASC'), ('id', 'ASC')]

    @classmethod
    def _volumes(cls, company, start, end):
        """(id, competitor, hospital, molecule, month index, units) of the
        competitors' volumes: market data, else volume observations, as
        pharma.market.share counts them"""
        pool = Pool()
        Competitor = pool.get('pharma.competitor')
        Data = pool.get('pharma.market.data')
        Observation = pool.get('pharma.competitor.observation')
        Product = pool.get('pharma.competitor.product')
        competitor = Competitor.__table__()
        data = Data.__table__()
        data2 = Data.__table__()
        observation = Observation.__table__()
        product = Product.__table__()
        end = end + relativedelta(months=1)

        measured = (data
            .join(competitor, condition=competitor.party == data.manufacturer)
            .select(
                (data.id * 2).as_('id'),
                competitor.id.as_('competitor'),
                data.hospital.as_('hospital'),
                Lower(Trim(data.generic_name)).as_('molecule'),
                month_index(data.month).as_('month_index'),
                data.units.as_('units'),
                where=(data.company == company)
                & (data.month >= start) & (data.month < end)))
        molecule = Lower(Trim(product.generic_name))
        has_data = data2.select(data2.id,
            where=(data2.company == company)
            & (data2.manufacturer != Null)
            & (data2.hospital == observation.hospital)
            & (month_index(data2.month) == month_index(observation.date))
            & (Lower(Trim(data2.generic_name)) == molecule))
        estimated = (observation
            .join(product,
                condition=observation.competitor_product == product.id)
            .select(
                (observation.id * 2 + 1).as_('id'),
                observation.competitor.as_('competitor'),
                observation.hospital.as_('hospital'),
                molecule.as_('molecule'),
                month_index(observation.date).as_('month_index'),
                (observation.volume * Coalesce(product.pack_size, 1)
                    ).as_('units'),
                where=(observation.company == company)
                & (observation.kind == 'volume')
                & (observation.hospital != Null)
                & (observation.volume != Null)
                & (observation.date >= start) & (observation.date < end)
                & ~Exists(has_data)))
        return Union(measured, estimated, all_=True)

    @classmethod
    def table_query(cls):
        pool = Pool()
        Share = pool.get('pharma.market.share')
        Party = pool.get('party.party')
        share = Share.__table__()
        party = Party.__table__()
        company = Transaction().context.get('company') or -1
        start, end = context_months(12)
        volumes = cls._volumes(company, start, end)
        # one row per competitor, hospital, molecule and month to meet the
        # market share's row once
        keyed = volumes.select(
            Min(volumes.id).as_('id'),
            volumes.competitor, volumes.hospital, volumes.molecule,
            volumes.month_index,
            Sum(volumes.units).as_('units'),
            group_by=[volumes.competitor, volumes.hospital,
                volumes.molecule, volumes.month_index])
        market = share.select(
            share.hospital.as_('hospital'),
            share.generic_name.as_('molecule'),
            month_index(share.month).as_('month_index'),
            Coalesce(share.our_units, 0).as_('our_units'),
            (Coalesce(share.our_units, 0)
                + Coalesce(share.competitor_units, 0)).as_('total'),
            where=(share.company == company)
            & (share.month >= start) & (share.month <= end))
        matched = keyed.join(market, 'LEFT',
            condition=(market.hospital == keyed.hospital)
            & (market.molecule == keyed.molecule)
            & (market.month_index == keyed.month_index))
        totals = matched.select(
            Min(keyed.id).as_('id'),
            keyed.competitor.as_('competitor'),
            keyed.hospital.as_('hospital'),
            Sum(keyed.units).as_('units'),
            Sum(Case((market.total != Null, keyed.units), else_=0)
                ).as_('matched_units'),
            Sum(Coalesce(market.total, 0)).as_('market_units'),
            Sum(Coalesce(market.our_units, 0)).as_('our_units'),
            group_by=[keyed.competitor, keyed.hospital])
        return (totals
            .join(party, condition=party.id == totals.hospital)
            .select(
                totals.id.as_('id'),
                Literal(company).as_('company'),
                totals.competitor.as_('competitor'),
                Rank(window=Window([totals.competitor],
                        order_by=[totals.units.desc])).as_('rank'),
                totals.hospital.as_('hospital'),
                party.territory.as_('territory'),
                Coalesce(party.key_account, Literal(False)
                    ).as_('key_account'),
                totals.units.as_('units'),
                totals.market_units.as_('market_units'),
                Case((totals.market_units > 0,
                        totals.matched_units * 100.0 / totals.market_units),
                    else_=Null).as_('share'),
                Case((totals.market_units > 0,
                        totals.our_units * 100.0 / totals.market_units),
                    else_=Null).as_('our_share'),
                ))
