# This file is part of the pharma suite. See README.md for license terms.
"""The inspection export: for a period, every academic event with its
evidence pack, approvals, flags and payments, as one zip (a folder of
files per event and an index.xlsx), written entry by entry to a file"""
import datetime
import logging
import os
import re
import sys
import tempfile
import zipfile

from trytond import config
from trytond.exceptions import UserError
from trytond.filestore import FileStore, filestore
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.pharma_hospital.company_time import utc_start
from trytond.modules.pharma_hospital.notify import Message, render
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .event import selection_label
from .fingerprint import utc_to_local
from .exceptions import PackLockedError

logger = logging.getLogger(__name__)

# events read per batch: the files of one batch are in memory at a time
BATCH = 20
# more events than this are exported by the worker (trytond-worker)
INLINE_MAX = 100
EXPORT_STATES = [
    ('queued', "Queued"),
    ('done', "Done"),
    ('failed', "Failed"),
    ]
if config.getboolean('attachment', 'filestore', default=True):
    file_id = 'file_id'
    store_prefix = config.get('attachment', 'store_prefix', default=None)
else:
    file_id = None
    store_prefix = None


def _safe(text):
    return re.sub(r'[\\/:*?"<>|\s]+', '_', text or '').strip('_')[:80]


def _text(value, company=None):
    if value is None:
        return ''
    if isinstance(value, datetime.datetime):
        # the company's local time (Tryton stores UTC): the inspectors
        # read the times as the attendees lived them
        if company is not None:
            value = utc_to_local(value, company)
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
    domain = _domain(from_date, to_date, company)
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
                'place', 'organiser', 'organiser_registration', 'state', 'pack_state',
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
        return _text(v, company)

    with zipfile.ZipFile(fileobj, 'w', zipfile.ZIP_DEFLATED) as archive:
        for sub in grouped_slice(event_ids, BATCH):
            for event in Event.browse(list(sub)):
                # the company's day and time of the event
                local_date = utc_to_local(event.date, company)
                folder = '%s_%s_%s' % (
                    local_date.strftime('%Y%m%d'), event.id,
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
                                    local_date.timetuple()[:6])),
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


def _write_archive(from_date, to_date, company):
    """Write the archive of the period straight into the filestore, entry
    by entry (never whole in memory); return (file id, path, number of
    events), file id None when the filestore is not on the local disk"""
    if file_id and type(filestore) is FileStore:
        prefix = store_prefix
        if prefix is None:
            prefix = Transaction().database.name
        # the default filestore's own naming (trytond/filestore.py)
        id_ = filestore._id(None)
        path = filestore._filename(id_, prefix)
        os.makedirs(os.path.dirname(path), mode=0o770, exist_ok=True)
    else:
        # another filestore class takes bytes only: a temporary file
        id_ = None
        fd, path = tempfile.mkstemp(suffix='.zip')
        os.close(fd)
    part = path + '.part'
    try:
        with open(part, 'wb') as fileobj:
            count = export_inspection(
                from_date, to_date, fileobj, company=company)
        os.replace(part, path)
    finally:
        if os.path.exists(part):
            os.remove(part)
    return id_, path, count


def _count_events(from_date, to_date, company):
    Event = Pool().get('pharma.event')
    return Event.search_count(_domain(from_date, to_date, company))


def _domain(from_date, to_date, company):
    return [
        ('company', '=', company),
        ('date', '>=', utc_start(from_date, company)),
        ('date', '<', utc_start(
                to_date + datetime.timedelta(days=1), company)),
        ]


class InspectionExport(ModelSQL, ModelView):
    "An inspection archive made by the worker"
    __name__ = 'pharma.inspection.export'
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    from_date = fields.Date("From Date", required=True, readonly=True)
    to_date = fields.Date("To Date", required=True, readonly=True)
    state = fields.Selection(
        EXPORT_STATES, "State", required=True, readonly=True)
    count = fields.Integer("Events", readonly=True)
    file = fields.Binary("File", readonly=True, filename='filename',
        file_id=file_id, store_prefix=store_prefix)
    file_id = fields.Char("File ID", readonly=True)
    filename = fields.Char("File Name", readonly=True)
    requested_by = fields.Many2One('res.user', "Requested by", readonly=True)
    done_date = fields.DateTime("Done on", readonly=True)
    error = fields.Text("Error", readonly=True,
        states={'invisible': ~Eval('error')})

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('id', 'DESC')]

    @classmethod
    def default_state(cls):
        return 'queued'

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def request(cls, from_date, to_date):
        "Queue the export of the period for the worker; return the record"
        transaction = Transaction()
        # bypass: the export record is the worker's own bookkeeping
        with transaction.set_context(_check_access=False):
            export, = cls.create([{
                        'from_date': from_date,
                        'to_date': to_date,
                        'requested_by': transaction.user or None,
                        'filename': _filename(from_date, to_date),
                        }])
        cls.__queue__.run([export])
        return export

    @classmethod
    def run(cls, exports):
        """Write the archives (as the user who asked) to the filestore and
        tell the user, also when it failed"""
        for export in exports:
            if export.state != 'queued':
                continue
            values, icon, message = export._run()
            # bypass: the worker stores the outcome on its own record
            with Transaction().set_context(_check_access=False):
                cls.write([export], values)
            if export.requested_by:
                # in the language of the user who asked, not the worker's
                user = export.requested_by.id
                cls.notify_user([export], icon, render(message, user),
                    export.filename, user=user)

    def _run(self):
        "Make the archive: (values of the record, icon, message)"
        user = self.requested_by.id if self.requested_by else 0
        now = datetime.datetime.now().replace(microsecond=0)
        period = {
            'from_date': self.from_date.strftime('%Y-%m-%d'),
            'to_date': self.to_date.strftime('%Y-%m-%d'),
            }
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        # a database error must not abort the transaction that records
        # the failure (PostgreSQL)
        cursor.execute('SAVEPOINT pharma_inspection_export')
        try:
            with transaction.set_user(user), transaction.set_context(
                    company=self.company.id):
                id_, path, count = _write_archive(
                    self.from_date, self.to_date, self.company.id)
        except Exception as exception:
            cursor.execute('ROLLBACK TO SAVEPOINT pharma_inspection_export')
            transaction.cache.clear()
            logger.exception("inspection export %s failed", self.id)
            if isinstance(exception, UserError):
                error = exception.message
            else:
                # the details are for the administrator (server log)
                error = gettext('pharma_compliance.msg_export_error_internal')
            return ({
                    'state': 'failed', 'error': error, 'done_date': now,
                    }, 'tryton-error', Message(
                    'pharma_compliance.msg_export_failed',
                    error=error, **period))
        cursor.execute('RELEASE SAVEPOINT pharma_inspection_export')
        values = {'state': 'done', 'count': count, 'done_date': now,
            'error': None}
        if id_:
            # the file is already in the filestore: only its id is stored
            values['file_id'] = id_
        else:
            try:
                with open(path, 'rb') as fileobj:
                    values['file'] = fileobj.read()
            finally:
                os.remove(path)
        return values, 'tryton-download', Message(
            'pharma_compliance.msg_export_done', count=count)

    @classmethod
    def check_modification(cls, mode, exports, values=None, external=False):
        super().check_modification(
            mode, exports, values=values, external=external)
        if external and mode in {'create', 'write'}:
            raise PackLockedError(gettext(
                    'pharma_compliance.msg_export_wizard'))


def _filename(from_date, to_date):
    return 'inspection_%s_%s.zip' % (
        from_date.strftime('%Y%m%d'), to_date.strftime('%Y%m%d'))


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
    note = fields.Text("Note", readonly=True)


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
        Export = Pool().get('pharma.inspection.export')
        start, end = self.start.from_date, self.start.to_date
        company = Transaction().context.get('company')
        count = _count_events(start, end, company)
        self.result.filename = _filename(start, end)
        self.result.count = count
        if count > INLINE_MAX:
            # a big period: the worker writes it, the user is notified
            Export.request(start, end)
            self.result.note = gettext(
                'pharma_compliance.msg_export_queued', count=count)
            return 'result'
        with tempfile.TemporaryFile() as fileobj:
            self.result.count = export_inspection(start, end, fileobj)
            fileobj.seek(0)
            self.result.file = fileobj.read()
        self.result.note = None
        return 'result'

    def default_result(self, fields):
        return {
            'file': self.result.file,
            'filename': self.result.filename,
            'count': self.result.count,
            'note': self.result.note,
            }


def export_main(argv=None):
    """pharma-inspection-export -c trytond.conf -d DB [-u LOGIN]
    [--company ID] FROM TO FILE.zip"""
    from pharma_scripts import _config_args

    from trytond.modules.pharma_hospital.scripts import (
        parser as _parser, start as _start)
    parser = _parser("Export the academic events of a period for an "
        "inspection (zip of the evidence files and index.xlsx)")
    parser.add_argument('--company', type=int,
        help="the company id (default: the user's)")
    parser.add_argument('from_date', type=datetime.date.fromisoformat)
    parser.add_argument('to_date', type=datetime.date.fromisoformat)
    parser.add_argument('file', help="the .zip to write")
    options = parser.parse_args(
        _config_args(sys.argv[1:] if argv is None else argv))
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
        # in the language of the run (-l, the user's or the configuration's)
        print(gettext('pharma_compliance.msg_inspection_exported',
                count=count, file=options.file))
    if argv is None:
        sys.exit(0)
    return 0
