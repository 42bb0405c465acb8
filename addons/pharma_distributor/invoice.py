# This file is part of the pharma suite. See README.md for license terms.
from trytond.model import fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval

FAPIAO_TYPES = [
    (None, ""),
    ('special', "Special VAT Invoice"),
    ('ordinary', "Ordinary VAT Invoice"),
    ('digital_special', "All-digital Special VAT Invoice"),
    ('digital_ordinary', "All-digital Ordinary VAT Invoice"),
    ]


class Invoice(metaclass=PoolMeta):
    __name__ = 'account.invoice'
    fapiao_number = fields.Char(
        "Fapiao Number",
        states={'readonly': Eval('state').in_(['paid', 'cancelled'])},
        help="The number of the Chinese VAT invoice (发票号码).")
    fapiao_type = fields.Selection(
        FAPIAO_TYPES, "Fapiao Type", sort=False,
        states={'readonly': Eval('state').in_(['paid', 'cancelled'])})
