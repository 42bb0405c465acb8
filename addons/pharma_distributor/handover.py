# This file is part of the pharma suite. See README.md for license terms.
from trytond.pool import PoolMeta


class Handover(metaclass=PoolMeta):
    __name__ = 'pharma.handover'

    @classmethod
    def _handover_models(cls):
        return super()._handover_models() + [
            'sale.sale', 'pharma.agency.agreement']
