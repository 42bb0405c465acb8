# This file is part of the pharma suite. See README.md for license terms.
"Export of hospitals or doctors in the importer's layout"
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.wizard import Button, StateView, Wizard

from .engine import ImportFileError


class PartyExport(Wizard):
    "Export hospitals or doctors as .xlsx in the importer's layout"
    __name__ = 'pharma.party.export'
    start = StateView('pharma.party.export.result',
        'pharma_import.party_export_result_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def default_start(self, fields):
        pool = Pool()
        Party = pool.get('party.party')
        Engine = pool.get('pharma.import.engine')
        ExportLog = pool.get('pharma.export.log')
        parties = list(self.records) if self.model and (
            self.model.__name__ == 'party.party') else []
        # Read through the rules of the user
        Party.read([p.id for p in parties], ['id'])
        types = {p.pharma_type for p in parties}
        if parties and types <= {'doctor'}:
            kind, name = 'doctors', '医生'
        elif parties and types <= {'hospital'}:
            kind, name = 'hospitals', '医院'
        else:
            raise ImportFileError(gettext(
                    'pharma_import.msg_export_mixed_types'))
        Kind = Engine.get_kind(kind)
        content = Engine.export_xlsx(kind, parties)
        doctors = len(parties) if kind == 'doctors' else 0
        ExportLog.log('party.party', len(parties), doctors,
            Kind.export_headers())
        return {
            'file': content,
            'filename': '%s.xlsx' % name,
            'count': len(parties),
            }


class PartyExportResult(ModelView):
    __name__ = 'pharma.party.export.result'
    file = fields.Binary("File", filename='filename', readonly=True)
    filename = fields.Char("File Name", readonly=True)
    count = fields.Integer("Records", readonly=True)
