# This file is part of the pharma suite. See README.md for license terms.
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction

from .access import readable_name
from .exceptions import DrugError
from .tools import is_pinyin_query, pinyin_keys

DOSAGE_FORMS = [
    (None, ""),
    ('tablet', "Tablet"),
    ('capsule', "Capsule"),
    ('injection', "Injection"),
    ('infusion', "Infusion"),
    ('granule', "Granule"),
    ('oral_solution', "Oral Solution"),
    ('ointment', "Ointment"),
    ('inhaler', "Inhaler"),
    ('other', "Other"),
    ]
REIMBURSEMENTS = [
    (None, ""),
    ('category_a', "Category A"),
    ('category_b', "Category B"),
    ('not_listed', "Not Listed"),
    ]
QUALITY_TIERS = [
    (None, ""),
    ('original', "Original"),
    ('generic_consistency', "Consistency-Evaluated Generic"),
    ('other', "Other"),
    ]

_pharma_states = {'invisible': ~Eval('is_pharma')}


def _pinyin_domain(prefix, operator, operand):
    "The clauses on the pinyin of the name for a pinyin query (rj, ruijin)"
    if (operator not in ('ilike', 'like') or not isinstance(operand, str)
            or not is_pinyin_query(operand)):
        return []
    value = operand.lower()
    if not value.startswith('%'):
        value = '%' + value
    return [
        (prefix + 'pinyin', 'ilike', value),
        (prefix + 'pinyin_initials', 'ilike', value),
        ]


class Template(metaclass=PoolMeta):
    __name__ = 'product.template'

    is_pharma = fields.Boolean("Drug",
        help="Check for a drug of the drug master.")
    generic_name = fields.Char("Generic Name", states=_pharma_states)
    brand = fields.Char("Brand", states=_pharma_states)
    dosage_form = fields.Selection(DOSAGE_FORMS, "Dosage Form", sort=False,
        states=_pharma_states)
    dosage_form_string = dosage_form.translated('dosage_form')
    strength = fields.Char("Strength", states=_pharma_states,
        help="The amount of active ingredient per dose unit, e.g. 10mg.")
    pack_size = fields.Integer("Pack Size", states=_pharma_states,
        domain=[If(Bool(Eval('pack_size')), ('pack_size', '>', 0), ())],
        help="The number of smallest dose units in one pack.")
    dose_unit = fields.Char("Dose Unit", states=_pharma_states,
        help="The smallest dose unit, e.g. tablet or vial.")
    approval_number = fields.Char("Approval Number", states=_pharma_states,
        help="The drug approval number (批准文号).")
    nhsa_drug_code = fields.Char("NHSA Drug Code", states=_pharma_states,
        help="The national medical-insurance drug code.")
    reimbursement = fields.Selection(REIMBURSEMENTS, "Reimbursement",
        sort=False, states=_pharma_states,
        help="The status on the national reimbursement drug list.")
    quality_tier = fields.Selection(QUALITY_TIERS, "Quality Tier",
        sort=False, states=_pharma_states)
    therapeutic_area = fields.Many2One(
        'pharma.therapeutic.area', "Therapeutic Area", ondelete='RESTRICT',
        states=_pharma_states)
    manufacturer = fields.Many2One(
        'party.party', "Manufacturer", ondelete='RESTRICT',
        domain=[('pharma_type', '=', 'manufacturer')],
        states=_pharma_states,
        help="The maker of a competitor's drug.\n"
        "Leave empty for the company's own drugs.")
    province_prices = fields.One2Many(
        'pharma.product.province_price', 'template', "Province Prices",
        states=_pharma_states)
    pinyin = fields.Char("Pinyin", readonly=True)
    pinyin_initials = fields.Char("Pinyin Initials", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.generic_name, Index.Similarity())),
                Index(t, (t.approval_number, Index.Equality())),
                Index(t, (t.nhsa_drug_code, Index.Equality())),
                })

    @classmethod
    def __register__(cls, module):
        table_h = cls.__table_handler__(module)
        filled = table_h.column_exist('pinyin')
        super().__register__(module)
        if not filled:
            table = cls.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.select(table.id, table.name))
            for id_, name in cursor.fetchall():
                full, initials = pinyin_keys(name)
                cursor.execute(*table.update(
                        [table.pinyin, table.pinyin_initials],
                        [full or None, initials or None],
                        where=table.id == id_))

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if 'name' in values:
            full, initials = pinyin_keys(values.get('name'))
            values['pinyin'] = full or None
            values['pinyin_initials'] = initials or None
        return values

    def packs_to_units(self, quantity):
        "Convert a quantity in packs into smallest dose units"
        if quantity is None:
            return None
        if not self.pack_size:
            raise DrugError(gettext(
                    'pharma_hospital.msg_drug_no_pack_size',
                    product=readable_name(self)))
        return quantity * self.pack_size

    def units_to_packs(self, quantity):
        "Convert a quantity in smallest dose units into packs"
        if quantity is None:
            return None
        if not self.pack_size:
            raise DrugError(gettext(
                    'pharma_hospital.msg_drug_no_pack_size',
                    product=readable_name(self)))
        return quantity / self.pack_size

    def get_province_price(self, province, date=None):
        "Return the listed price in the province (or its ancestor) at date"
        if date is None:
            date = Pool().get('ir.date').today()
        if province and province.level != 'province':
            province = province.get_province()
        if not province:
            return None
        for price in self.province_prices:
            if (price.province == province
                    and (not price.start_date or price.start_date <= date)
                    and (not price.end_date or price.end_date >= date)):
                return price.price
        return None

    @classmethod
    def search_rec_name(cls, name, clause):
        domain = super().search_rec_name(name, clause)
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            return domain
        return ['OR', domain,
            ('generic_name', operator, operand, *extra),
            ('brand', operator, operand, *extra),
            ('approval_number', operator, operand, *extra),
            ] + _pinyin_domain('', operator, operand)


class Product(metaclass=PoolMeta):
    __name__ = 'product.product'

    @classmethod
    def search_rec_name(cls, name, clause):
        domain = super().search_rec_name(name, clause)
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            return domain
        return ['OR', domain,
            ('template.generic_name', operator, operand, *extra),
            ('template.brand', operator, operand, *extra),
            ] + _pinyin_domain('template.', operator, operand)

    def packs_to_units(self, quantity):
        "Convert a quantity in packs into smallest dose units"
        return self.template.packs_to_units(quantity)

    def units_to_packs(self, quantity):
        "Convert a quantity in smallest dose units into packs"
        return self.template.units_to_packs(quantity)

    def get_province_price(self, province, date=None):
        return self.template.get_province_price(province, date=date)


class ProvincePrice(ModelSQL, ModelView):
    "The listed price of a drug in a province"
    __name__ = 'pharma.product.province_price'
    template = fields.Many2One(
        'product.template', "Product", required=True, ondelete='CASCADE')
    province = fields.Many2One(
        'pharma.territory', "Province", required=True, ondelete='RESTRICT',
        domain=[('level', '=', 'province')])
    price = fields.Numeric("Price", digits=(16, 4), required=True,
        domain=[('price', '>=', 0)])
    start_date = fields.Date("Start Date",
        domain=[If(Eval('start_date') & Eval('end_date'),
                ('start_date', '<=', Eval('end_date')), ())])
    end_date = fields.Date("End Date",
        domain=[If(Eval('start_date') & Eval('end_date'),
                ('end_date', '>=', Eval('start_date')), ())])

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('template')
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.template, Index.Range()),
                (t.province, Index.Range())))
        cls._order.insert(0, ('start_date', 'DESC NULLS FIRST'))


class Replace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        return super().fields_to_replace() + [
            ('product.template', 'manufacturer'),
            ]
