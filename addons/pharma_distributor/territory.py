# This file is part of the pharma suite. See README.md for license terms.
from trytond.model import fields
from trytond.pool import Pool, PoolMeta


class Territory(metaclass=PoolMeta):
    __name__ = 'pharma.territory'
    commercial_owner = fields.Many2One(
        'company.employee', "Commercial Owner", ondelete='SET NULL',
        help="The commercial employee who recruits the agents and "
        "distributors of this territory and of its sub-territories "
        "without an owner of their own (never a medical representative).")

    @classmethod
    def validate_fields(cls, territories, field_names):
        pool = Pool()
        Party = pool.get('party.party')
        super().validate_fields(territories, field_names)
        if 'commercial_owner' in field_names:
            Party.check_not_rep(
                [(t, t.commercial_owner) for t in territories])

    def get_commercial_owner(self):
        "The commercial owner of the territory or of its nearest ancestor"
        territory, seen = self, set()
        while territory and territory.id not in seen:
            if territory.commercial_owner:
                return territory.commercial_owner
            seen.add(territory.id)
            territory = territory.parent
        return None
