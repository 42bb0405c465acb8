# This file is part of the pharma suite. See README.md for license terms.
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If



class PurchaseChannel(ModelSQL, ModelView):
    "The distributor through which a hospital buys drugs"
    __name__ = 'pharma.purchase.channel'
    hospital = fields.Many2One(
        'party.party', "Hospital", required=True, ondelete='CASCADE',
        domain=[('pharma_type', '=', 'hospital')])
    distributor = fields.Many2One(
        'party.party', "Distributor", required=True, ondelete='RESTRICT',
        domain=[('pharma_type', 'in', ['distributor', 'agent'])])
    products = fields.Many2Many(
        'pharma.purchase.channel-product.product', 'channel', 'product',
        "Products", domain=[('template.is_pharma', '=', True)],
        help="Leave empty for every product of the distributor.")
    start_date = fields.Date("Start Date",
        domain=[If(Eval('start_date') & Eval('end_date'),
                ('start_date', '<=', Eval('end_date')), ())])
    end_date = fields.Date("End Date",
        domain=[If(Eval('start_date') & Eval('end_date'),
                ('end_date', '>=', Eval('start_date')), ())])
    current = fields.Function(
        fields.Boolean("Current"), 'get_current', searcher='search_current')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.hospital, Index.Range())),
                Index(t, (t.distributor, Index.Range())),
                })
        cls._order.insert(0, ('start_date', 'DESC NULLS FIRST'))

    @classmethod
    def default_start_date(cls):
        return Pool().get('ir.date').today()

    def get_rec_name(self, name):
        return '%s - %s' % (
            self.hospital.rec_name if self.hospital else '',
            self.distributor.rec_name if self.distributor else '')

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('hospital.rec_name', operator, operand, *extra),
            ('distributor.rec_name', operator, operand, *extra),
            ]

    def is_current(self, date=None):
        if date is None:
            date = Pool().get('ir.date').today()
        return ((not self.start_date or self.start_date <= date)
            and (not self.end_date or self.end_date >= date))

    def get_current(self, name):
        return self.is_current()

    @classmethod
    def search_current(cls, name, clause):
        today = Pool().get('ir.date').today()
        _, operator, value = clause
        if (operator == '=') == bool(value):
            return [
                ['OR', ('start_date', '=', None),
                    ('start_date', '<=', today)],
                ['OR', ('end_date', '=', None), ('end_date', '>=', today)],
                ]
        return ['OR',
            ('start_date', '>', today),
            ('end_date', '<', today),
            ]


class PurchaseChannelProduct(ModelSQL):
    __name__ = 'pharma.purchase.channel-product.product'
    channel = fields.Many2One(
        'pharma.purchase.channel', "Channel", required=True,
        ondelete='CASCADE')
    product = fields.Many2One(
        'product.product', "Product", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('channel')


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    purchase_channels = fields.One2Many(
        'pharma.purchase.channel', 'hospital', "Purchase Channels",
        filter=[('hospital.pharma_type', '=', 'hospital')],
        states={'invisible': Eval('pharma_type') != 'hospital'})
    supplied_hospitals = fields.One2Many(
        'pharma.purchase.channel', 'distributor', "Supplied Hospitals",
        states={'invisible': ~Eval('pharma_type').in_(
                    ['distributor', 'agent'])})

    @classmethod
    def copy(cls, parties, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('purchase_channels', None)
        default.setdefault('supplied_hospitals', None)
        return super().copy(parties, default=default)


class Replace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        return super().fields_to_replace() + [
            ('pharma.purchase.channel', 'hospital'),
            ('pharma.purchase.channel', 'distributor'),
            ]
