# This file is part of the pharma suite. See README.md for license terms.
from sql import Cast, Literal, Null, Union
from sql.aggregate import Avg, Count, Max, Min, Sum
from sql.conditionals import Case, Coalesce
from sql.functions import DateTrunc, Extract

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from .tender import (
    DOSAGE_FORMS, PRICE_DIGITS, QUALITY_TIERS, RESULT_STATES, TENDER_TYPES)


class TenderPrice(ModelSQL, ModelView):
    "Price history: every awarded line, ours and competitors'"
    __name__ = 'pharma.tender.price'
    company = fields.Many2One('company.company', "Company")
    tender = fields.Many2One('pharma.tender', "Tender")
    line = fields.Many2One('pharma.tender.line', "Line")
    tender_type = fields.Selection(TENDER_TYPES, "Type")
    generic_name = fields.Char("Generic Name")
    dosage_form = fields.Selection(DOSAGE_FORMS, "Dosage Form", sort=False)
    strength = fields.Char("Strength")
    quality_tier = fields.Selection(QUALITY_TIERS, "Quality Tier")
    product = fields.Many2One('product.product', "Product",
        context={'company': Eval('company', -1)}, depends={'company'})
    province = fields.Many2One('pharma.territory', "Province")
    award_date = fields.Date("Award Date")
    validity_start = fields.Date("Validity Start")
    validity_end = fields.Date("Validity End")
    winning_company = fields.Many2One('party.party', "Winning Company",
        context={'company': Eval('company', -1)}, depends={'company'})
    winning_agent = fields.Many2One('party.party', "Winning Agent",
        context={'company': Eval('company', -1)}, depends={'company'})
    winning_price = fields.Numeric("Winning Price", digits=PRICE_DIGITS)
    ours = fields.Boolean("Ours")
    in_force = fields.Function(
        fields.Boolean("In Force"), 'get_in_force', searcher='search_in_force')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('generic_name', 'ASC'),
            ('award_date', 'DESC NULLS LAST'),
            ('id', 'DESC'),
            ]

    def get_rec_name(self, name):
        return ' '.join(filter(None, [self.generic_name, self.strength,
                    self.province.rec_name if self.province else None,
                    str(self.award_date) if self.award_date else None]))

    @classmethod
    def search_rec_name(cls, name, clause):
        # typing a drug in the search: its generic name, the product (name,
        # pinyin) or the province
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('generic_name', operator, operand, *extra),
            ('product.rec_name', operator, operand, *extra),
            ('province.rec_name', operator, operand, *extra),
            ]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Line = pool.get('pharma.tender.line')
        Tender = pool.get('pharma.tender')
        Company = pool.get('company.company')
        line = Line.__table__()
        tender = Tender.__table__()
        company = Company.__table__()
        return (line
            .join(tender, condition=line.tender == tender.id)
            .join(company, condition=tender.company == company.id)
            .select(
                line.id.as_('id'),
                line.create_uid.as_('create_uid'),
                line.create_date.as_('create_date'),
                line.write_uid.as_('write_uid'),
                line.write_date.as_('write_date'),
                tender.company.as_('company'),
                tender.id.as_('tender'),
                line.id.as_('line'),
                tender.tender_type.as_('tender_type'),
                line.generic_name.as_('generic_name'),
                line.dosage_form.as_('dosage_form'),
                line.strength.as_('strength'),
                line.quality_tier.as_('quality_tier'),
                line.product.as_('product'),
                line.province.as_('province'),
                tender.award_date.as_('award_date'),
                tender.validity_start.as_('validity_start'),
                tender.validity_end.as_('validity_end'),
                line.winning_company.as_('winning_company'),
                line.winning_agent.as_('winning_agent'),
                line.winning_price.as_('winning_price'),
                Case((line.winning_company == company.party, Literal(True)),
                    else_=Literal(False)).as_('ours'),
                where=(tender.state.in_(RESULT_STATES)
                    & (line.winning_price != Null)),
                ))

    def get_in_force(self, name):
        today = Pool().get('ir.date').today()
        return ((not self.validity_start or self.validity_start <= today)
            and (not self.validity_end or self.validity_end >= today))

    @classmethod
    def search_in_force(cls, name, clause):
        today = Pool().get('ir.date').today()
        _, operator, value = clause
        domain = [
            ['OR',
                ('validity_start', '=', None),
                ('validity_start', '<=', today),
                ],
            ['OR',
                ('validity_end', '=', None),
                ('validity_end', '>=', today),
                ],
            ]
        if (operator == '=') != bool(value):
            domain = ['NOT', domain]
        return domain

    @classmethod
    def lowest_prices(cls, keys, date=None):
        """{(generic_name, dosage_form, strength): lowest winning price in
        force nationally} for the keys"""
        pool = Pool()
        if date is None:
            date = pool.get('ir.date').today()
        keys = [k for k in keys if k[0]]
        result = {}
        if not keys:
            return result
        domain = [
            ('generic_name', 'in', list({k[0] for k in keys})),
            ['OR',
                ('validity_start', '=', None),
                ('validity_start', '<=', date),
                ],
            ['OR',
                ('validity_end', '=', None),
                ('validity_end', '>=', date),
                ],
            ]
        company = Transaction().context.get('company')
        if company is not None:
            domain.append(('company', '=', company))
        wanted = set(keys)
        for price in cls.search(domain, order=[]):
            key = (price.generic_name, price.dosage_form, price.strength)
            if key in wanted and (key not in result
                    or price.winning_price < result[key]):
                result[key] = price.winning_price
        return result


class TenderLowestPrice(ModelSQL, ModelView):
    "Lowest winning price in force nationally"
    __name__ = 'pharma.tender.price.lowest'
    company = fields.Many2One('company.company', "Company")
    generic_name = fields.Char("Generic Name")
    dosage_form = fields.Selection(DOSAGE_FORMS, "Dosage Form", sort=False)
    dosage_form_string = dosage_form.translated('dosage_form')
    strength = fields.Char("Strength")
    lowest_price = fields.Numeric("Lowest Price", digits=PRICE_DIGITS)
    awards = fields.Integer("Awards in Force")
    # the graph's x: one label per row (the client adds up the rows of an
    # x value, and a generic name alone has several strengths and forms)
    drug = fields.Function(fields.Char("Drug"), 'get_drug')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('generic_name', 'ASC'), ('lowest_price', 'ASC'),
            ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Price = pool.get('pharma.tender.price')
        Date = pool.get('ir.date')
        price = Price.__table__()
        today = Transaction().context.get('date') or Date.today()
        return price.select(
            Min(price.id).as_('id'),
            Min(price.create_uid).as_('create_uid'),
            Min(price.create_date).as_('create_date'),
            Min(price.write_uid).as_('write_uid'),
            Min(price.write_date).as_('write_date'),
            price.company.as_('company'),
            price.generic_name.as_('generic_name'),
            price.dosage_form.as_('dosage_form'),
            price.strength.as_('strength'),
            Min(price.winning_price).as_('lowest_price'),
            Count(price.id).as_('awards'),
            where=(((price.validity_start == Null)
                    | (price.validity_start <= today))
                & ((price.validity_end == Null)
                    | (price.validity_end >= today))),
            group_by=[price.company, price.generic_name, price.dosage_form,
                price.strength])

    def get_drug(self, name):
        return ' '.join(v for v in [self.generic_name, self.strength,
                self.dosage_form_string] if v)


class TenderDeadline(ModelSQL, ModelView):
    "Tender deadlines, for the calendar"
    __name__ = 'pharma.tender.deadline'
    company = fields.Many2One('company.company', "Company")
    tender = fields.Many2One('pharma.tender', "Tender")
    owner = fields.Many2One('company.employee', "Owner")
    kind = fields.Selection([
            ('registration', "Registration"),
            ('submission', "Submission"),
            ('opening', "Opening"),
            ], "Kind")
    date = fields.Date("Date")
    state = fields.Selection('get_states', "State")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'ASC'), ('id', 'ASC')]

    @classmethod
    def get_states(cls):
        Tender = Pool().get('pharma.tender')
        return Tender.fields_get(['state'])['state']['selection']

    @classmethod
    def table_query(cls):
        Tender = Pool().get('pharma.tender')
        queries = []
        for index, (kind, column) in enumerate([
                    ('registration', 'registration_deadline'),
                    ('submission', 'submission_deadline'),
                    ('opening', 'opening_date'),
                    ]):
            tender = Tender.__table__()
            date = getattr(tender, column)
            queries.append(tender.select(
                    (tender.id * 3 + index).as_('id'),
                    tender.create_uid.as_('create_uid'),
                    tender.create_date.as_('create_date'),
                    tender.write_uid.as_('write_uid'),
                    tender.write_date.as_('write_date'),
                    tender.company.as_('company'),
                    tender.id.as_('tender'),
                    tender.owner.as_('owner'),
                    Literal(kind).as_('kind'),
                    date.as_('date'),
                    tender.state.as_('state'),
                    where=date != Null))
        return Union(*queries, all_=True)

    def get_rec_name(self, name):
        return '%s: %s' % (self.tender.rec_name, self.kind_string)

    kind_string = kind.translated('kind')


class TenderWinRate(ModelSQL, ModelView):
    "Win rate of our bids by product, province and year"
    __name__ = 'pharma.tender.win_rate'
    company = fields.Many2One('company.company', "Company")
    product = fields.Many2One('product.product', "Product",
        context={'company': Eval('company', -1)}, depends={'company'})
    generic_name = fields.Char("Generic Name")
    province = fields.Many2One('pharma.territory', "Province")
    year = fields.Integer("Year")
    bids = fields.Integer("Bids")
    wins = fields.Integer("Wins")
    win_rate = fields.Float("Win Rate (%)", digits=(16, 1))

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('year', 'DESC'), ('generic_name', 'ASC'),
            ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Line = pool.get('pharma.tender.line')
        Tender = pool.get('pharma.tender')
        Company = pool.get('company.company')
        line = Line.__table__()
        tender = Tender.__table__()
        company = Company.__table__()
        context = Transaction().context
        year = Cast(Extract('YEAR', Coalesce(
                    tender.award_date, tender.submission_deadline,
                    tender.announcement_date)), cls.year.sql_type().base)
        won = Sum(Case((line.winning_company == company.party, 1), else_=0))
        bids = Count(line.id)
        where = (tender.state.in_(RESULT_STATES)
            & (line.bid_price != Null))
        if context.get('from_date'):
            where &= tender.award_date >= context['from_date']
        if context.get('to_date'):
            where &= tender.award_date <= context['to_date']
        return (line
            .join(tender, condition=line.tender == tender.id)
            .join(company, condition=tender.company == company.id)
            .select(
                Min(line.id).as_('id'),
                Min(line.create_uid).as_('create_uid'),
                Min(line.create_date).as_('create_date'),
                Min(line.write_uid).as_('write_uid'),
                Min(line.write_date).as_('write_date'),
                tender.company.as_('company'),
                line.product.as_('product'),
                line.generic_name.as_('generic_name'),
                line.province.as_('province'),
                year.as_('year'),
                bids.as_('bids'),
                won.as_('wins'),
                Cast(won * 100.0 / bids, cls.win_rate.sql_type().base).as_(
                    'win_rate'),
                where=where,
                group_by=[tender.company, line.product, line.generic_name,
                    line.province, year]))


class TenderWinRateContext(ModelView):
    __name__ = 'pharma.tender.win_rate.context'
    from_date = fields.Date("From Date",
        domain=[
            If(Eval('to_date') & Eval('from_date'),
                ('from_date', '<=', Eval('to_date')),
                ()),
            ])
    to_date = fields.Date("To Date",
        domain=[
            If(Eval('from_date') & Eval('to_date'),
                ('to_date', '>=', Eval('from_date')),
                ()),
            ])


class TenderPriceTrend(ModelSQL, ModelView):
    """The average winning price per month of the drugs and provinces of the
    context: one row per month, so that its graph never adds up the prices
    of different drugs or provinces"""
    __name__ = 'pharma.tender.price.trend'
    company = fields.Many2One('company.company', "Company")
    month = fields.Date("Month")
    bids = fields.Integer("Awards")
    average_price = fields.Numeric(
        "Average Price", digits=PRICE_DIGITS)
    lowest_price = fields.Numeric("Lowest Price", digits=PRICE_DIGITS)
    highest_price = fields.Numeric("Highest Price", digits=PRICE_DIGITS)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Line = pool.get('pharma.tender.line')
        Tender = pool.get('pharma.tender')
        line = Line.__table__()
        tender = Tender.__table__()
        context = Transaction().context
        month = cls.month.sql_cast(DateTrunc('month', tender.award_date))
        # compared as numbers (SQLite stores Numeric as text)
        price = cls.lowest_price.sql_cast(line.winning_price)
        where = (tender.state.in_(RESULT_STATES)
            & (line.winning_price != Null)
            & (tender.award_date != Null)
            & (tender.company == context.get('company', -1)))
        if context.get('generic_name'):
            where &= line.generic_name.ilike(
                '%' + context['generic_name'] + '%')
        if context.get('product'):
            where &= line.product == context['product']
        if context.get('province'):
            where &= line.province == context['province']
        if context.get('from_date'):
            where &= tender.award_date >= context['from_date']
        if context.get('to_date'):
            where &= tender.award_date <= context['to_date']
        # the month is computed in a sub-query and grouped by its column:
        # PostgreSQL does not match DATE_TRUNC($1, ...) of the select with
        # DATE_TRUNC($2, ...) of a GROUP BY (parameters differ)
        rows = (line
            .join(tender, condition=line.tender == tender.id)
            .select(
                line.id.as_('id'),
                line.create_uid.as_('create_uid'),
                line.create_date.as_('create_date'),
                line.write_uid.as_('write_uid'),
                line.write_date.as_('write_date'),
                tender.company.as_('company'),
                month.as_('month'),
                price.as_('price'),
                where=where))
        return rows.select(
            Min(rows.id).as_('id'),
            Min(rows.create_uid).as_('create_uid'),
            Min(rows.create_date).as_('create_date'),
            Min(rows.write_uid).as_('write_uid'),
            Min(rows.write_date).as_('write_date'),
            rows.company.as_('company'),
            rows.month.as_('month'),
            Count(rows.id).as_('bids'),
            cls.average_price.sql_cast(Avg(rows.price)).as_('average_price'),
            Min(rows.price).as_('lowest_price'),
            Max(rows.price).as_('highest_price'),
            group_by=[rows.company, rows.month])


class TenderPriceTrendContext(ModelView):
    "Price Trend Context"
    __name__ = 'pharma.tender.price.trend.context'
    generic_name = fields.Char("Generic Name",
        help="The drug whose prices to average (part of its generic name).")
    product = fields.Many2One('product.product', "Product")
    province = fields.Many2One('pharma.territory', "Province",
        domain=[('level', '=', 'province')])
    from_date = fields.Date("From Date")
    to_date = fields.Date("To Date")
