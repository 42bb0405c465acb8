# This file is part of the pharma suite. See README.md for license terms.
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, fields)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

QUALITY_TIERS = [
    (None, ""),
    ('original', "Original"),
    ('generic_consistency', "Consistency-Evaluated Generic"),
    ('other', "Other"),
    ]
OBSERVATION_KINDS = [
    ('price', "Price"),
    ('volume', "Volume"),
    ('listing', "New Listing"),
    ('delisting', "Delisting"),
    ('promotion', "Promotion / Event"),
    ('salesforce', "Sales-Force Change"),
    ('other', "Other"),
    ]
OBSERVATION_SOURCES = [
    ('call', "Call"),
    ('tender', "Tender Award"),
    ('report', "Report"),
    ('market', "Market"),
    ]


class Competitor(DeactivableMixin, ModelSQL, ModelView):
    "A competing drug maker"
    __name__ = 'pharma.competitor'
    party = fields.Many2One(
        'party.party', "Company", required=True, ondelete='CASCADE',
        domain=[('pharma_type', '=', 'manufacturer')],
        context={'default_pharma_type': 'manufacturer'})
    name = fields.Function(fields.Char("Name"), 'get_name',
        searcher='search_name')
    products = fields.One2Many(
        'pharma.competitor.product', 'competitor', "Products")
    therapeutic_areas = fields.Many2Many(
        'pharma.competitor-pharma.therapeutic.area', 'competitor', 'area',
        "Therapeutic Areas")
    strengths = fields.Text("Strengths")
    weaknesses = fields.Text("Weaknesses")
    notes = fields.Text("Notes")
    observations = fields.One2Many(
        'pharma.competitor.observation', 'competitor', "Observations",
        readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('party_uniq', Unique(t, t.party),
                'pharma_competitor.msg_competitor_party_unique'),
            ]

    def get_name(self, name):
        return self.party.name if self.party else None

    @classmethod
    def search_name(cls, name, clause):
        return [('party.name',) + tuple(clause[1:])]

    def get_rec_name(self, name):
        return self.party.rec_name if self.party else ''

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('party.rec_name',) + tuple(clause[1:])]


class CompetitorTherapeuticArea(ModelSQL):
    __name__ = 'pharma.competitor-pharma.therapeutic.area'
    competitor = fields.Many2One(
        'pharma.competitor', "Competitor", required=True, ondelete='CASCADE')
    area = fields.Many2One(
        'pharma.therapeutic.area', "Area", required=True, ondelete='CASCADE')


class CompetitorProduct(DeactivableMixin, ModelSQL, ModelView):
    "A competitor's product, matched to ours"
    __name__ = 'pharma.competitor.product'
    competitor = fields.Many2One(
        'pharma.competitor', "Competitor", required=True, ondelete='CASCADE')
    brand = fields.Char("Brand", required=True)
    generic_name = fields.Char("Generic Name", required=True)
    dosage_form = fields.Char("Dosage Form")
    strength = fields.Char("Strength")
    pack = fields.Char("Pack")
    pack_size = fields.Integer("Pack Size",
        help="Smallest dose units in one pack, to convert volumes.")
    quality_tier = fields.Selection(QUALITY_TIERS, "Quality Tier",
        sort=False)
    our_products = fields.Many2Many(
        'pharma.competitor.product-product.product', 'competitor_product',
        'product', "Our Products",
        help="The products of ours it competes with.")
    therapeutic_area = fields.Many2One(
        'pharma.therapeutic.area', "Therapeutic Area")
    list_price = fields.Numeric("List Price", digits=(16, 4))
    observations = fields.One2Many(
        'pharma.competitor.observation', 'competitor_product',
        "Observations", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.generic_name, Index.Equality())))
        cls._order.insert(0, ('generic_name', 'ASC'))

    def get_rec_name(self, name):
        parts = [self.brand]
        if self.strength:
            parts.append(self.strength)
        if self.competitor:
            parts.append('(%s)' % self.competitor.rec_name)
        return ' '.join(parts)

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        bool_op = 'AND' if operator.startswith(('!', 'not ')) else 'OR'
        return [bool_op,
            ('brand', operator, operand, *extra),
            ('generic_name', operator, operand, *extra),
            ('competitor.rec_name', operator, operand, *extra),
            ]


class CompetitorProductProduct(ModelSQL):
    __name__ = 'pharma.competitor.product-product.product'
    competitor_product = fields.Many2One(
        'pharma.competitor.product', "Competitor Product", required=True,
        ondelete='CASCADE')
    product = fields.Many2One(
        'product.product', "Product", required=True, ondelete='CASCADE')


class Observation(ModelSQL, ModelView):
    "What was seen of a competitor, where and when"
    __name__ = 'pharma.competitor.observation'
    company = fields.Many2One('company.company', "Company", required=True)
    date = fields.Date("Date", required=True)
    competitor_product = fields.Many2One(
        'pharma.competitor.product', "Competitor Product",
        ondelete='RESTRICT')
    competitor = fields.Many2One(
        'pharma.competitor', "Competitor", required=True,
        ondelete='RESTRICT')
    hospital = fields.Many2One(
        'party.party', "Hospital", ondelete='RESTRICT',
        domain=[('pharma_type', 'in', ['hospital', 'pharmacy'])],
        context={'company': Eval('company', -1)}, depends={'company'})
    territory = fields.Many2One('pharma.territory', "Territory",
        ondelete='SET NULL')
    kind = fields.Selection(OBSERVATION_KINDS, "Kind", required=True)
    price = fields.Numeric("Price Seen", digits=(16, 4))
    volume = fields.Float("Volume Seen (packs)", digits=(16, 2))
    text = fields.Text("Text")
    source = fields.Selection(OBSERVATION_SOURCES, "Source", required=True)
    origin = fields.Reference("Origin", selection='get_origins',
        readonly=True)
    observer = fields.Many2One('company.employee', "Observer",
        domain=[('company', '=', Eval('company', -1))])

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.hospital, Index.Range()), (t.date, Index.Range())),
                Index(t, (t.competitor, Index.Range()),
                    (t.date, Index.Range())),
                })
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_source(cls):
        return 'report'

    @classmethod
    def default_observer(cls):
        user = Pool().get('res.user')(Transaction().user)
        return user.employee.id if user.employee else None

    @classmethod
    def _get_origins(cls):
        "Models an observation may come from (extended by other modules)"
        return []

    @classmethod
    def get_origins(cls):
        IrModel = Pool().get('ir.model')
        return [(None, '')] + [
            (m, IrModel.get_name(m)) for m in cls._get_origins()]

    @fields.depends('competitor_product', 'competitor')
    def on_change_competitor_product(self):
        if self.competitor_product:
            self.competitor = self.competitor_product.competitor

    @fields.depends('hospital', 'territory')
    def on_change_hospital(self):
        if self.hospital and self.hospital.territory:
            self.territory = self.hospital.territory

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Party = pool.get('party.party')
        Product = pool.get('pharma.competitor.product')
        values = super().preprocess_values(mode, values)
        if values.get('competitor_product') and not values.get('competitor'):
            values['competitor'] = Product(
                values['competitor_product']).competitor.id
        if values.get('hospital') and not values.get('territory'):
            territory = Party(values['hospital']).territory
            if territory:
                values['territory'] = territory.id
        return values
