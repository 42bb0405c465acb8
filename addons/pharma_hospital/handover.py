# This file is part of the pharma suite. See README.md for license terms.
from trytond.model import ModelSQL, ModelView, fields
from trytond.transaction import Transaction

MODES = [
    ('delegation', "Delegation"),
    ('transfer', "Transfer"),
    ]


class HandoverLog(ModelSQL, ModelView):
    "A hand-over of accounts from one employee to another"
    __name__ = 'pharma.handover.log'
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    date = fields.DateTime("Date", required=True, readonly=True)
    user = fields.Many2One('res.user', "User", readonly=True)
    from_employee = fields.Many2One(
        'company.employee', "From", required=True, readonly=True)
    to_employee = fields.Many2One(
        'company.employee', "To", required=True, readonly=True)
    mode = fields.Selection(MODES, "Mode", required=True, readonly=True)
    end_date = fields.Date("Delegation End", readonly=True)
    lines = fields.One2Many(
        'pharma.handover.log.line', 'log', "Moved", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('date', 'DESC'))

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')


class HandoverLogLine(ModelSQL, ModelView):
    "One record moved by a hand-over"
    __name__ = 'pharma.handover.log.line'
    log = fields.Many2One(
        'pharma.handover.log', "Hand-over", required=True,
        ondelete='CASCADE')
    party = fields.Many2One('party.party', "Party", readonly=True)
    record = fields.Reference("Record", selection='get_models', readonly=True)
    description = fields.Char("Description", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('log')

    @classmethod
    def get_models(cls):
        from trytond.pool import Pool
        Model = Pool().get('ir.model')
        return Model.get_name_items()
