# This file is part of the pharma suite. See README.md for license terms.
from trytond.model import fields
from trytond.modules.pharma_hospital.configuration import default_func
from trytond.pool import PoolMeta

stuck_days = fields.Integer(
    "Days before an Order is Stuck",
    help="An order that stays longer in one step is listed as stuck.")
churn_factor = fields.Float(
    "Churn Overdue Factor",
    help="A customer is alerted when its last purchase is older than "
    "this factor times its usual purchase interval.")
churn_drop = fields.Float(
    "Churn Volume Drop (%)",
    help="A customer is alerted when its last 3 months' volume falls "
    "by more than this percentage against the same months a year "
    "earlier.")
expiry_warning_days = fields.Integer(
    "Near Expiry Days",
    help="Batches in the channel expiring within these days are "
    "flagged.")
stuffing_ratio = fields.Float(
    "Channel Stuffing Ratio",
    help="Sell-in above this multiple of sell-out is flagged.")
gap_tolerance = fields.Float(
    "Sell-in/Sell-out Gap Tolerance (%)",
    help="A month of a distributor and product whose gap between "
    "sell-in and sell-out exceeds this percentage of the larger one "
    "is flagged.")


class Configuration(metaclass=PoolMeta):
    __name__ = 'pharma.configuration'
    stuck_days = fields.MultiValue(stuck_days)
    churn_factor = fields.MultiValue(churn_factor)
    churn_drop = fields.MultiValue(churn_drop)
    expiry_warning_days = fields.MultiValue(expiry_warning_days)
    stuffing_ratio = fields.MultiValue(stuffing_ratio)
    gap_tolerance = fields.MultiValue(gap_tolerance)

    default_stuck_days = default_func('stuck_days')
    default_churn_factor = default_func('churn_factor')
    default_churn_drop = default_func('churn_drop')
    default_expiry_warning_days = default_func('expiry_warning_days')
    default_stuffing_ratio = default_func('stuffing_ratio')
    default_gap_tolerance = default_func('gap_tolerance')


class ConfigurationCompany(metaclass=PoolMeta):
    __name__ = 'pharma.configuration.company'
    stuck_days = stuck_days
    churn_factor = churn_factor
    churn_drop = churn_drop
    expiry_warning_days = expiry_warning_days
    stuffing_ratio = stuffing_ratio
    gap_tolerance = gap_tolerance

    @classmethod
    def default_stuck_days(cls):
        return 3

    @classmethod
    def default_churn_factor(cls):
        return 1.5

    @classmethod
    def default_churn_drop(cls):
        return 30.0

    @classmethod
    def default_expiry_warning_days(cls):
        return 180

    @classmethod
    def default_stuffing_ratio(cls):
        return 2.0

    @classmethod
    def default_gap_tolerance(cls):
        return 20.0
