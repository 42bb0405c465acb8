# This file is part of the pharma suite. See README.md for license terms.
"""The inspection export: for a period, every academic event with its
evidence pack, approvals, flags and payments, as one zip (a folder of
files per event and an index.xlsx), written entry by entry to a file"""
import datetime
import os
import re
import sys
import tempfile
import zipfile

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.modules.pharma_hospital.company_time import utc_start
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .event import selection_label

# events read per batch: the files of one batch are in memory at a time
BATCH = 20


def _safe(text):
    return re.sub(r'[\\/:*?"<>|\s]+', '_', text or '').strip('_')[:80]


def _text(value):
    if value is None:
        return ''
    if isinstance(value, datetime.datetime):
        return value.strftime('%Y-%m-%d %H:%M')
    return value


def export_inspection(from_date, to_date, fileobj, company=None):
    """Write the inspection archive of the events of company (default the
    context's) from from_date to to_date (the company's days) to the
    binary file object fileobj; return the number of events"""
    import openpyxl
    pool = Pool()
    Event = pool.get('pharma.event')
    Evidence = pool.get('pharma.event.evidence')
    Payment = pool.get('pharma.event.payment')
    Approval = pool.get('pharma.event.pack.approval')
    if company is None:
        company = Transaction().context.get('company')
    domain = [
        ('company', '=', company),
        ('date', '>=', utc_start(from_date, company)),
        ('date', '<', utc_start(
                to_date + datetime.timedelta(days=1), company)),
        ]
    event_ids = [e.id for e in Event.search(
            domain, order=[('date', 'ASC'), ('id', 'ASC')])]

    def label(Model, field, value):
        return selection_label(Model, field, value)

    def title(Model, field):
        return Model.fields_get([field])[field]['string']

    workbook = openpyxl.Workbook(write_only=True)
    sheets = {}
    headers = {
        'events': (Event, ['topic', 'event_type', 'date', 'end_date',
                'place', 'organiser', 'state', 'pack_state',
                'pack_version', 'attendance_count', 'slides_version',
                'pack_missing', 'compliance_flags']),
        'evidence': (Evidence, ['event', 'kind', 'name', 'sha256',
                'phash', 'capture_time', 'capture_device', 'similar',
                'pack_version', 'supersedes']),
        'approvals': (Approval, ['event', 'version', 'action', 'user',
                'employee', 'date']),
        'payments': (Payment, ['event', 'kind', 'payee', 'amount',
                'state', 'approved_by', 'approved_date', 'paid_by',
                'paid_date', 'reference']),
        }
    sheet_names = {
        'events': gettext('pharma_compliance.msg_export_sheet_events'),
        'evidence': gettext('pharma_compliance.msg_export_sheet_evidence'),
        'approvals': gettext(
            'pharma_compliance.msg_export_sheet_approvals'),
        'payments': gettext('pharma_compliance.msg_export_sheet_payments'),
        }
    for key, (Model, names) in headers.items():
        sheet = workbook.create_sheet(sheet_names[key])
        columns = [title(Model, n) for n in names]
        if key != 'events':
            columns.append(gettext('pharma_compliance.msg_export_folder'))
        sheet.append(columns)
        sheets[key] = sheet

    def value(record, name):
        Model = record.__class__
        field = Model._fields[name]
        v = getattr(record, name)
        if field._type in {'selection'} or (
                field._type == 'function'
                and field._field._type == 'selection'):
            return label(Model, name, v)
        if hasattr(v, 'rec_name'):
            return v.rec_name
        return _text(v)

    with zipfile.ZipFile(fileobj, 'w', zipfile.ZIP_DEFLATED) as archive:
        for sub in grouped_slice(event_ids, BATCH):
            for event in Event.browse(list(sub)):
                folder = '%s_%s_%s' % (
                    event.date.strftime('%Y%m%d'), event.id,
                    _safe(event.topic))
                sheets['events'].append(
                    [value(event, n) for n in headers['events'][1]])
                for evidence in event.evidences:
                    path = '%s/%s_%s' % (
                        folder, evidence.id, _safe(evidence.name))
                    if evidence.file:
                        # the files are stored already compressed (JPEG,
                        # PDF): no deflate
                        archive.writestr(zipfile.ZipInfo(
                                path, date_time=(
                                    event.date.timetuple()[:6])),
                            bytes(evidence.file),
                            compress_type=zipfile.ZIP_STORED)
                    sheets['evidence'].append(
                        [value(evidence, n)
                            for n in headers['evidence'][1]] + [path])
                for approval in event.pack_approvals:
                    sheets['approvals'].append(
                        [value(approval, n)
                            for n in headers['approvals'][1]] + [folder])
                for payment in event.payments:
                    sheets['payments'].append(
                        [value(payment, n)
                            for n in headers['payments'][1]] + [folder])
                    if payment.consent:
                        archive.writestr('%s/payment_%s_%s' % (
                                folder, payment.id,
                                _safe(payment.consent_name or 'consent')),
                            bytes(payment.consent),
                            compress_type=zipfile.ZIP_STORED)
                sign_ins = '\n'.join('%s\t%s' % (
                        s.rec_name, s.flag or '') for s in event.sign_ins)
                archive.writestr('%s/sign_in.txt' % folder,
                    sign_ins.encode('utf-8'))
            # the batch's records leave the cache
            Transaction().cache.clear()
        with tempfile.NamedTemporaryFile(suffix='.xlsx') as index:
            workbook.save(index.name)
            archive.write(index.name, 'index.xlsx')
    return len(event_ids)


class ExportStart(ModelView):
    __name__ = 'pharma.event.inspection_export.start'
    from_date = fields.Date("From Date", required=True)
    to_date = fields.Date("To Date", required=True)

    @classmethod
    def default_from_date(cls):
        Date = Pool().get('ir.date')
        today = Date.today()
        return today.replace(month=1, day=1)

    @classmethod
    def default_to_date(cls):
        return Pool().get('ir.date').today()


class ExportResult(ModelView):
    __name__ = 'pharma.event.inspection_export.result'
    file = fields.Binary("File", readonly=True, filename='filename')
    filename = fields.Char("File Name", readonly=True)
    count = fields.Integer("Events", readonly=True)


class Export(Wizard):
    __name__ = 'pharma.event.inspection_export'
    start = StateView('pharma.event.inspection_export.start',
        'pharma_compliance.inspection_export_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Export", 'export', 'tryton-launch', default=True),
            ])
    export = StateTransition()
    result = StateView('pharma.event.inspection_export.result',
        'pharma_compliance.inspection_export_result_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def transition_export(self):
        with tempfile.TemporaryFile() as fileobj:
            self.result.count = export_inspection(
                self.start.from_date, self.start.to_date, fileobj)
            fileobj.seek(0)
            self.result.file = fileobj.read()
        self.result.filename = 'inspection_%s_%s.zip' % (
            self.start.from_date.strftime('%Y%m%d'),
            self.start.to_date.strftime('%Y%m%d'))
        return 'result'

    def default_result(self, fields):
        return {
            'file': self.result.file,
            'filename': self.result.filename,
            'count': self.result.count,
            }


def export_main(argv=None):
    """pharma-inspection-export -c trytond.conf -d DB [-u LOGIN]
    [--company ID] FROM TO FILE.zip"""
    from trytond.modules.pharma_hospital.scripts import _parser, _start
    parser = _parser("Export the academic events of a period for an "
        "inspection (zip of the evidence files and index.xlsx)")
    parser.add_argument('--company', type=int,
        help="the company id (default: the user's)")
    parser.add_argument('from_date', type=datetime.date.fromisoformat)
    parser.add_argument('to_date', type=datetime.date.fromisoformat)
    parser.add_argument('file', help="the .zip to write")
    options = parser.parse_args(argv)
    pool, user_id, context = _start(options)
    if options.company:
        context['company'] = options.company
    tmp = options.file + '.part'
    with Transaction().start(
            options.database, user_id, context=context, readonly=True):
        with open(tmp, 'wb') as fileobj:
            count = export_inspection(
                options.from_date, options.to_date, fileobj)
    os.replace(tmp, options.file)
    print('exported: %s events to %s' % (count, options.file))
    if argv is None:
        sys.exit(0)
    return 0
