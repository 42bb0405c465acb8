# This file is part of the pharma suite. See README.md for license terms.
"Import templates: a saved column mapping per source"
from trytond.model import DeactivableMixin, ModelSQL, ModelView, fields
from trytond.pool import Pool


class ImportTemplate(DeactivableMixin, ModelSQL, ModelView):
    "A saved column mapping per source (e.g. per distributor)"
    __name__ = 'pharma.import.template'
    name = fields.Char("Name", required=True)
    kind = fields.Selection('get_kinds', "Kind", required=True)
    party = fields.Many2One('party.party', "Source",
        help="The party whose files use this layout (e.g. the distributor).")
    sheet = fields.Char("Sheets",
        help="Sheet names separated by commas; empty for the first sheet "
        "with a header.")
    header_row = fields.Integer("Header Row",
        help="Empty to find the header row automatically.")
    lines = fields.One2Many(
        'pharma.import.template.line', 'template', "Columns")

    @classmethod
    def get_kinds(cls):
        return Pool().get('pharma.import.engine').get_kinds()

    def get_mapping(self):
        "({field: header text or column letter}, {field: constant})"
        mapping, constants = {}, {}
        for line in self.lines:
            if line.column:
                mapping[line.field] = line.column.strip()
            if line.constant:
                constants[line.field] = line.constant
        return mapping, constants


class ImportTemplateLine(ModelSQL, ModelView):
    __name__ = 'pharma.import.template.line'
    template = fields.Many2One('pharma.import.template', "Template",
        required=True, ondelete='CASCADE')
    field = fields.Char("Field", required=True,
        help="The name of the field of the import kind.")
    column = fields.Char("Column",
        help="The header text of the column or its letter (A, B, …).")
    constant = fields.Char("Constant",
        help="The value used for every row when the file has no column.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('template')
