# This file is part of the pharma suite. See README.md for license terms.
from decimal import Decimal

from trytond.model import fields
from trytond.modules.pharma_hospital.configuration import default_func
from trytond.pool import PoolMeta

PAYEE_POLICIES = [
    ('institution', "Speaker's Institution Only"),
    ('consent', "Institution, or Speaker with Documented Consent"),
    ]

fee_cap_tier1 = fields.Numeric("Fee Cap per Talk: Tier 1",
    digits=(16, 2),
    help="The maximum fee of one talk by a tier 1 speaker "
    "(0 for no cap).")
fee_cap_tier2 = fields.Numeric("Fee Cap per Talk: Tier 2",
    digits=(16, 2))
fee_cap_tier3 = fields.Numeric("Fee Cap per Talk: Tier 3",
    digits=(16, 2))
fee_cap_period = fields.Numeric("Fee Cap per Speaker and Period",
    digits=(16, 2),
    help="The maximum of the fees of one speaker over the fee period "
    "(0 for no cap).")
fee_period_days = fields.Integer("Fee Period Days",
    help="The period over which the fees of a speaker are summed.")
fee_payee_policy = fields.Selection(PAYEE_POLICIES, "Speaker Fee Payee",
    help="Whom speaker fees may be paid to.")
photo_date_tolerance = fields.Integer("Photo Date Tolerance (Hours)",
    help="A photo whose capture time (EXIF) is further from the "
    "event's hours is not counted as taken at the event.")


class Configuration(metaclass=PoolMeta):
    __name__ = 'pharma.configuration'
    fee_cap_tier1 = fields.MultiValue(fee_cap_tier1)
    fee_cap_tier2 = fields.MultiValue(fee_cap_tier2)
    fee_cap_tier3 = fields.MultiValue(fee_cap_tier3)
    fee_cap_period = fields.MultiValue(fee_cap_period)
    fee_period_days = fields.MultiValue(fee_period_days)
    fee_payee_policy = fields.MultiValue(fee_payee_policy)
    photo_date_tolerance = fields.MultiValue(photo_date_tolerance)

    default_fee_cap_tier1 = default_func('fee_cap_tier1')
    default_fee_cap_tier2 = default_func('fee_cap_tier2')
    default_fee_cap_tier3 = default_func('fee_cap_tier3')
    default_fee_cap_period = default_func('fee_cap_period')
    default_fee_period_days = default_func('fee_period_days')
    default_fee_payee_policy = default_func('fee_payee_policy')
    default_photo_date_tolerance = default_func('photo_date_tolerance')

    def get_fee_cap(self, tier):
        return {
            'tier1': self.fee_cap_tier1,
            'tier2': self.fee_cap_tier2,
            'tier3': self.fee_cap_tier3,
            }.get(tier) or 0


class ConfigurationCompany(metaclass=PoolMeta):
    __name__ = 'pharma.configuration.company'
    fee_cap_tier1 = fee_cap_tier1
    fee_cap_tier2 = fee_cap_tier2
    fee_cap_tier3 = fee_cap_tier3
    fee_cap_period = fee_cap_period
    fee_period_days = fee_period_days
    fee_payee_policy = fee_payee_policy
    photo_date_tolerance = photo_date_tolerance

    @classmethod
    def default_fee_cap_tier1(cls):
        return Decimal(3000)

    @classmethod
    def default_fee_cap_tier2(cls):
        return Decimal(2000)

    @classmethod
    def default_fee_cap_tier3(cls):
        return Decimal(1000)

    @classmethod
    def default_fee_cap_period(cls):
        return Decimal(0)

    @classmethod
    def default_fee_period_days(cls):
        return 365

    @classmethod
    def default_fee_payee_policy(cls):
        return 'institution'

    @classmethod
    def default_photo_date_tolerance(cls):
        return 2
