# This file is part of the pharma suite. See README.md for license terms.
from trytond.model import fields
from trytond.pool import PoolMeta


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'
    service_cases = fields.One2Many(
        'pharma.service.case', 'party', "Service Cases", readonly=True)

    @classmethod
    def copy(cls, parties, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('service_cases', None)
        return super().copy(parties, default=default)


class Replace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        return super().fields_to_replace() + [
            ('pharma.service.case', 'party'),
            ('pharma.service.case', 'reporter'),
            ]
