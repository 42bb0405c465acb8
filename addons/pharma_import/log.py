# This file is part of the pharma suite. See README.md for license terms.
"Import logs"
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.transaction import Transaction


class ImportLog(ModelSQL, ModelView):
    "Who imported or exported what, when"
    __name__ = 'pharma.import.log'
    company = fields.Many2One('company.company', "Company")
    kind = fields.Selection('get_kinds', "Kind", readonly=True)
    filename = fields.Char("File", readonly=True)
    template = fields.Many2One('pharma.import.template', "Template",
        readonly=True, ondelete='SET NULL')
    user = fields.Many2One('res.user', "User", readonly=True)
    date = fields.DateTime("Date", readonly=True)
    created = fields.Integer("Created", readonly=True)
    updated = fields.Integer("Updated", readonly=True)
    unchanged = fields.Integer("Unchanged", readonly=True)
    refused = fields.Integer("Refused", readonly=True)
    skipped = fields.Integer("Skipped", readonly=True,
        help="Totals, notes and blank rows of the file.")
    columns = fields.Text("Columns", readonly=True,
        help="Which column was read as what, and which were ignored.")
    skipped_rows = fields.Text("Skipped Rows", readonly=True)
    plans = fields.Text("Also Created", readonly=True)
    changes = fields.One2Many('pharma.import.log.change', 'log', "Changes",
        readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('date', 'DESC'))

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def get_kinds(cls):
        return Pool().get('pharma.import.engine').get_kinds()


class ImportLogChange(ModelSQL, ModelView):
    __name__ = 'pharma.import.log.change'
    log = fields.Many2One('pharma.import.log', "Log", required=True,
        ondelete='CASCADE')
    record = fields.Reference("Record", selection='get_models',
        readonly=True)
    action = fields.Selection([
            ('create', "Create"),
            ('update', "Update"),
            ], "Action", readonly=True)
    field = fields.Char("Field", readonly=True)
    old_value = fields.Char("Old Value", readonly=True)
    new_value = fields.Char("New Value", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('log')

    @classmethod
    def get_models(cls):
        return Pool().get('ir.model').get_name_items()
