# This file is part of the pharma suite. See README.md for license terms.
from trytond.pool import PoolMeta


class Replace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        return super().fields_to_replace() + [
            ('pharma.tender', 'authority'),
            ('pharma.tender-party.party', 'party'),
            ('pharma.tender.line', 'agent'),
            ('pharma.tender.line', 'winning_company'),
            ('pharma.tender.line', 'winning_agent'),
            ('pharma.tender.line.volume', 'hospital'),
            ('pharma.tender.alert', 'winning_company'),
            ]
