# This file is part of the pharma suite. See README.md for license terms.
from trytond.model import fields
from trytond.pool import PoolMeta


class Configuration(metaclass=PoolMeta):
    __name__ = 'pharma.configuration'
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
