# This file is part of the pharma suite. See README.md for license terms.
from trytond.model import fields
from trytond.pool import Pool, PoolMeta

REGISTRATION_STATES = [
    ('registered', "Registered"),
    ('pending', "Pending"),
    ('expired', "Expired"),
    ('none', "None"),
    ]


class Employee(metaclass=PoolMeta):
    __name__ = 'company.employee'
    sample_location = fields.Many2One(
        'stock.location', "Sample Location",
        domain=[('type', '=', 'storage')],
        help="The stock location holding the samples of the "
        "representative.")
    rep_registration_number = fields.Char("Rep Registration Number",
        help="The filing number of the medical representative.")
    rep_registration_date = fields.Date("Rep Registration Date")
    rep_registration_status = fields.Selection(
        REGISTRATION_STATES, "Rep Registration Status", required=True)

    @classmethod
    def default_rep_registration_status(cls):
        return 'none'

    def is_registered_rep(self):
        return self.rep_registration_status == 'registered'

    def get_users(self):
        "The users who are this employee"
        User = Pool().get('res.user')
        return User.search([('employees', '=', self.id)])
