# This file is part of the pharma suite. See README.md for license terms.
"""Volume-based procurement follow-up from the sales flow
(registered only when pharma_distributor is activated)"""
from sql import Null
from sql.aggregate import Sum
from sql.conditionals import Coalesce

from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction


class TenderLineVolume(metaclass=PoolMeta):
    __name__ = 'pharma.tender.line.volume'

    @classmethod
    def _fulfilled(cls, volumes):
        "{volume id: quantity sold} with one query per slice"
        pool = Pool()
        Line = pool.get('pharma.tender.line')
        Tender = pool.get('pharma.tender')
        Flow = pool.get('pharma.flow.line')
        volume = cls.__table__()
        line = Line.__table__()
        tender = Tender.__table__()
        flow = Flow.__table__()
        cursor = Transaction().connection.cursor()
        today = pool.get('ir.date').today()
        result = {v.id: 0.0 for v in volumes}
        for sub in grouped_slice([v.id for v in volumes], 1000):
            cursor.execute(*volume
                .join(line, condition=volume.line == line.id)
                .join(tender, condition=line.tender == tender.id)
                .join(flow, condition=(
                        (flow.customer == volume.hospital)
                        & (flow.product == line.product)
                        & (flow.company == tender.company)
                        & (flow.date >= Coalesce(
                                tender.validity_start, tender.award_date))
                        & ((tender.validity_end == Null)
                            | (flow.date <= tender.validity_end))
                        & (flow.date <= today)))
                .select(volume.id, Sum(flow.quantity),
                    where=volume.id.in_(list(sub)),
                    group_by=[volume.id]))
            for volume_id, quantity in cursor:
                result[volume_id] = float(quantity or 0)
        return result
