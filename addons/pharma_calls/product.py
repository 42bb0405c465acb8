# This file is part of the pharma suite. See README.md for license terms.
"""The order in which the drugs to detail are offered for a doctor: the
drugs of the doctor's therapeutic areas first, then those of the doctor's
last call (the context key ``pharma_doctor`` names the doctor)."""
from sql.conditionals import Case

from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


class Product(metaclass=PoolMeta):
    __name__ = 'product.product'

    pharma_detail_rank = fields.Function(fields.Integer(
            "Detail Rank",
            help="0: the doctor's therapeutic area and last call, "
            "1: the doctor's therapeutic area, 2: the doctor's last call, "
            "3: other drugs."),
        'get_pharma_detail_rank')

    @classmethod
    def _pharma_detail_keys(cls):
        """(therapeutic area ids, product ids of the last call) of the doctor
        of the context, or None without a doctor"""
        pool = Pool()
        Party = pool.get('party.party')
        Call = pool.get('pharma.call')
        from .log import doctor_areas
        doctor = Transaction().context.get('pharma_doctor')
        if not isinstance(doctor, int) or doctor < 0:
            return None
        # a doctor the user cannot read orders nothing
        if not Party.search([('id', '=', doctor)], count=True):
            return None
        party = Party(doctor)
        if getattr(party, 'pharma_type', None) != 'doctor':
            return None
        areas = {a.id for a in doctor_areas(party)}
        last = Call.last_calls([party]).get(party.id)
        products = {l.product.id for l in last.products} if last else set()
        return areas, products

    @classmethod
    def get_pharma_detail_rank(cls, products, name):
        keys = cls._pharma_detail_keys()
        result = {}
        for product in products:
            if keys is None:
                result[product.id] = None
                continue
            areas, last = keys
            area = product.template.therapeutic_area
            in_area = bool(area and area.id in areas)
            result[product.id] = (
                (0 if in_area else 2) + (0 if product.id in last else 1))
        return result

    @classmethod
    def order_pharma_detail_rank(cls, tables):
        pool = Pool()
        Template = pool.get('product.template')
        keys = cls._pharma_detail_keys()
        if keys is None:
            return []
        table, _ = tables[None]
        areas, last = keys
        whens = []
        in_area = in_last = None
        if areas:
            template = Template.__table__()
            in_area = table.template.in_(template.select(template.id,
                    where=template.therapeutic_area.in_(list(areas))))
        if last:
            in_last = table.id.in_(list(last))
        if in_area is not None and in_last is not None:
            whens.append((in_area & in_last, 0))
        if in_area is not None:
            whens.append((in_area, 1))
        if in_last is not None:
            whens.append((in_last, 2))
        if not whens:
            return []
        return [Case(*whens, else_=3)]
