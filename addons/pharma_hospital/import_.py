# This file is part of the pharma suite. See README.md for license terms.
"Import engine (Tryton side): kinds, templates, logs, wizard, export"
import datetime
import heapq
import re
import unicodedata
from decimal import Decimal
from itertools import islice

from trytond import backend
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Model, ModelSQL, ModelView, fields)
from trytond.model import fields as model_fields
from trytond.pool import Pool
from trytond.pyson import Bool, Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from . import import_engine
from .import_engine import FileRefused
from .job import JobQueued, QueuedWizardMixin
from .tools import (
    normalize_city, normalize_name, normalize_text, territory_name)

BATCH_SIZE = 1000
SAMPLE_ROWS = 10
MAX_REPORTED_ERRORS = 100000


class ImportFileError(UserError):
    pass


class ImportField(import_engine.Field):
    """A column of an import kind:
    ImportField(name, string, type='char', required=False, aliases=(),
    selection=None)"""


def refused_message(exception):
    "Translated text of a FileRefused"
    params = dict(exception.params)
    params.setdefault('sheet', '')
    return gettext('pharma_hospital.msg_import_%s' % exception.code, **params)


def bulk_insert(model_name, columns, rows, company=True):
    """Insert rows (tuples in columns order) in the current transaction,
    after checking the user's create access, with create_uid, create_date
    and company filled as the ORM would: COPY on PostgreSQL, multi-row
    INSERTs (python-sql) elsewhere"""
    pool = Pool()
    ModelAccess = pool.get('ir.model.access')
    Model_ = pool.get(model_name)
    ModelAccess.check(model_name, 'create')
    transaction = Transaction()
    table = Model_.__table__()
    columns = list(columns)
    extra = [transaction.user, datetime.datetime.now()]
    sql_columns = [getattr(table, c) for c in columns] + [
        table.create_uid, table.create_date]
    if (company and 'company' in Model_._fields and 'company' not in columns):
        company_id = transaction.context.get('company')
        if company_id is None:
            raise ImportFileError(
                gettext('pharma_hospital.msg_import_company'))
        sql_columns.append(table.company)
        extra.append(company_id)
    cursor = transaction.connection.cursor()
    count = 0
    if backend.name == 'postgresql' and hasattr(cursor, 'copy'):
        # PostgreSQL: COPY, one stream for all the rows (a multi-row
        # INSERT of 1,000 rows spent most of its time in psycopg's parsing
        # of a query with 15,000 placeholders); omitted columns (id) take
        # their default as with INSERT
        names = ', '.join('"%s"' % c.name for c in sql_columns)
        with cursor.copy('COPY "%s" (%s) FROM STDIN' % (
                    Model_._table, names)) as copy:
            for row in rows:
                copy.write_row(list(row) + extra)
                count += 1
    else:
        for sub in grouped_slice(rows, BATCH_SIZE):
            values = [list(row) + extra for row in sub]
            if not values:
                continue
            cursor.execute(*table.insert(sql_columns, values))
            count += len(values)
    if count:
        # Cached reads of the model are stale
        transaction.counter += 1
    return count


class ImportRow:
    __slots__ = ('sheet', 'row', 'values', 'raw', 'layout', 'action',
        'record', 'changes', 'errors', 'data')

    def __init__(self, sheet, row, values, raw, layout):
        self.sheet = sheet
        self.row = row
        self.values = values
        self.raw = raw
        self.layout = layout
        self.action = None
        self.record = None
        self.changes = {}
        self.errors = 0
        self.data = {}

    def column(self, name):
        return self.layout.column(name) if self.layout else ''

    def get(self, name, default=None):
        return self.values.get(name, default)


class ImportJob:
    "The state of one import run, given to the kind's hooks"

    def __init__(self, code, Kind, filename=None, options=None,
            dry_run=False, progress=None, template=None, constants=None,
            on_progress=None):
        self.code = code
        self.Kind = Kind
        self.filename = filename
        self.options = set(options or [])
        self.dry_run = dry_run
        self.template = template
        self.constants = constants or {}
        self._progress = progress
        # on_progress(import job, message): a background job's progress
        self._on_progress = on_progress
        self.created = self.updated = self.unchanged = self.refused = 0
        self.rows = 0
        # rows that are not rows of the table (totals, notes, blank
        # separators): [{sheet, row, reason, value}], reported
        self.skipped = 0
        self.skipped_rows = []
        # what the import would create besides its rows (territories,
        # departments): {key: [labels]} in the order found
        self.plans = {}
        # the first rows as they will be stored: [(sheet, row, action,
        # [(label, value)])]
        self.samples = []
        # aliases a clerk may confirm: {name: (hospital id, hospital name)}
        self.suggested_aliases = {}
        self.errors = []
        self.error_count = 0
        # the keys of the rows, compact (8-byte digests), see KeySet
        self.seen = import_engine.KeySet()
        # the converted rows of the validation pass for the write pass
        self.spill = None
        self.phase = 'validate'
        self.log = None
        self.layouts = []
        self._cache = {}
        self._changes = []
        transaction = Transaction()
        self.context = {
            'company': transaction.context.get('company'),
            'user': transaction.user,
            'template': template,
            'dry_run': dry_run,
            }

    @property
    def writing(self):
        return self.phase == 'write'

    def option(self, name):
        return name in self.options

    def progress(self, message):
        if self._progress:
            self._progress(message)
        if self._on_progress:
            self._on_progress(self, message)

    def cache(self, name, function):
        "Memoize per job (e.g. the territory index)"
        if name not in self._cache:
            self._cache[name] = function()
        return self._cache[name]

    def error(self, row, field, message, value=None):
        "Refuse row because of field with a translated message"
        row.errors += 1
        if self.phase != 'validate':
            return
        self.error_count += 1
        if len(self.errors) >= MAX_REPORTED_ERRORS:
            return
        if value is None:
            value = row.raw.get(field, '') if field else ''
        header = row.layout.headers.get(field, '') if (
            field and row.layout) else ''
        self.errors.append({
                'sheet': row.sheet,
                'row': row.row,
                'column': row.column(field) if field else '',
                'header': header,
                'value': value if value is not None else '',
                'message': message,
                })

    def file_error(self, message):
        self.error_count += 1
        self.errors.append({
                'sheet': '', 'row': '', 'column': '', 'header': '',
                'value': self.filename or '', 'message': message,
                })

    def check_duplicate(self, row, key):
        "Refuse a second row with the same key in the file"
        if self.phase != 'validate':
            return True
        first = self.seen.add(key, (row.sheet, row.row))
        if first is not None:
            self.error(row, None, gettext(
                    'pharma_hospital.msg_import_duplicate_row',
                    row=row.row, first='%s!%s' % first))
            return False
        return True

    def log_change(self, record, action, changes):
        "Record who changed what (flushed per batch)"
        if self.phase != 'write':
            return
        for field, (old, new) in changes.items():
            self._changes.append({
                    'record': str(record),
                    'action': action,
                    'field': field,
                    'old_value': _text(old),
                    'new_value': _text(new),
                    })

    def flush_changes(self):
        pool = Pool()
        Change = pool.get('pharma.import.log.change')
        if self._changes and self.log:
            for values in self._changes:
                values['log'] = self.log.id
            # bypass: the import log is written by the import only (read-only
            # to users)
            with Transaction().set_context(_check_access=False):
                Change.create(self._changes)
        self._changes = []

    def summary(self):
        return {
            'created': self.created,
            'updated': self.updated,
            'unchanged': self.unchanged,
            'refused': self.refused,
            }

    def counts(self):
        "summary() with the skipped rows"
        counts = self.summary()
        counts['skipped'] = self.skipped
        return counts

    def skip(self, sheet, row, reason, value=''):
        "A row that is not a row of the table: skipped and reported"
        if self.phase != 'validate':
            return
        self.skipped += 1
        if len(self.skipped_rows) < MAX_REPORTED_ERRORS:
            self.skipped_rows.append({
                    'sheet': sheet, 'row': row, 'reason': reason,
                    'value': value,
                    })

    def plan(self, key, label, ident=None):
        """Something the import creates besides its rows (key:
        'territories', 'departments'…), listed in the preview; ident
        tells when two labels are the same thing (浙江 and 浙江省)"""
        if self.phase != 'validate':
            return
        labels = self.plans.setdefault(key, {})
        labels.setdefault(ident if ident is not None else label, label)

    def planned(self, key):
        return list(self.plans.get(key, {}).values())

    def suggest_alias(self, name, hospital):
        "A name of the file that likely is hospital (a party)"
        if self.phase != 'validate':
            return
        self.suggested_aliases.setdefault(
            name, (hospital.id, hospital.rec_name))

    def ignored(self):
        "[(sheet, column letter, header)] of the columns no field reads"
        return [(l.sheet, c, h) for l in self.layouts for c, h in l.ignored]

    def mapping(self):
        "[(sheet, column letter, header, field label)] of the read columns"
        labels = {f.name: f.aliases[0] if f.aliases else f.string
            for f in self.Kind.import_fields()}
        result = []
        for layout in self.layouts:
            for name, index in sorted(
                    layout.columns.items(), key=lambda i: i[1]):
                result.append((layout.sheet,
                        import_engine.column_letter(index),
                        layout.headers.get(name, ''),
                        self.Kind.field_string(name, labels.get(name, name))))
        return result


def _hospitals_by_code(rows):
    "{compact hospital code: hospital id} of the rows' hospital_code column"
    Identifier = Pool().get('party.identifier')
    codes = {compact_code('', r.values['hospital_code'])
        for r in rows if r.values.get('hospital_code')}
    by_code = {}
    for sub in grouped_slice(list(codes), _in_max()):
        for identifier in Identifier.search([
                    ('code_compact', 'in', list(sub)),
                    ('party.pharma_type', '=', 'hospital'),
                    ]):
            by_code[normalize_text(identifier.code_compact).upper()] = (
                identifier.party.id)
    return by_code


def _in_max():
    "Values per IN clause: one query per batch of 1000 rows"
    from trytond import backend
    return BATCH_SIZE if backend.name == 'postgresql' else BATCH_SIZE // 2


def _text(value):
    if value is None:
        return ''
    if isinstance(value, Model):
        return value.rec_name
    return str(value)


def _outcome(row):
    "What the validation found for row, as the write pass needs it"
    record = row.record
    if record is not None:
        record = (record.__name__, record.id)
    return (row.action, record, row.changes, row.data)


def _restore(row, outcome):
    row.action, record, row.changes, row.data = outcome
    if record is not None:
        name, id_ = record
        record = Pool().get(name)(id_)
    row.record = record


def _record_value(value):
    "Comparable value of a record's field"
    if isinstance(value, Model):
        return value.id
    return value


class ImportKindMixin:
    """Base of an import kind (a Model without table, extensible with
    PoolMeta). See IMPORT_API.md"""
    __slots__ = ()
    batch_size = BATCH_SIZE
    # True: validate_rows runs again in the write pass (each batch sees
    # what earlier batches wrote). False: the write pass takes the outcome
    # of the validation pass (row.action, row.record, row.changes,
    # row.data, which must then be picklable) and write() resolves itself
    # what earlier batches of the same import created. Nobody else can
    # change the records between the passes: the import is one
    # transaction (REPEATABLE READ on PostgreSQL, BEGIN IMMEDIATE on
    # SQLite), so only the import's own writes need a second look.
    revalidate = True

    @classmethod
    def import_fields(cls):
        return []

    @classmethod
    def import_key(cls):
        return []

    @classmethod
    def import_options(cls):
        return []

    @classmethod
    def field_string(cls, name, label):
        "The translated label of an import field (the label by default)"
        return label

    @classmethod
    def sample_values(cls, row):
        "[(label, value as stored)] of a row, for the preview"
        result = []
        for field in cls.import_fields():
            value = row.values.get(field.name)
            if value is None:
                continue
            if field.type == 'selection':
                value = _selection_label(field.selection or [], value)
            elif field.type == 'boolean':
                value = '是' if value else '否'
            result.append((field.aliases[0] if field.aliases
                    else field.string, _text(value)))
        return result

    @classmethod
    def template_rows(cls):
        "Example rows of the downloadable template (values per field)"
        return []

    @classmethod
    def validate_rows(cls, rows, job):
        raise NotImplementedError

    @classmethod
    def write(cls, rows, job):
        raise NotImplementedError

    @classmethod
    def export_values(cls, records):
        raise NotImplementedError

    @classmethod
    def export_headers(cls):
        return [f.aliases[0] if f.aliases else f.string
            for f in cls.import_fields()]

    @classmethod
    def _compare(cls, record, values, fields_map):
        "{field: (old, new)} for fields_map {import field: record field}"
        changes = {}
        for name, attr in fields_map.items():
            if name not in values or values[name] is None:
                continue
            new = values[name]
            old = _record_value(getattr(record, attr))
            if isinstance(new, Decimal) and old is not None:
                old = Decimal(str(old))
            if (isinstance(new, str) and isinstance(old, str)
                    and normalize_text(old) == normalize_text(new)):
                # Only spaces or full/half width differ
                continue
            if old != new:
                changes[attr] = (old, new)
        return changes


class ImportEngine(Model):
    "The kind registry and the runner of imports"
    __name__ = 'pharma.import.engine'

    @classmethod
    def _import_kinds(cls):
        "[(code, kind model name, label)], extended by later modules"
        return [
            ('hospitals', 'pharma.import.hospital', "Hospitals"),
            ('doctors', 'pharma.import.doctor', "Doctors"),
            ('hospital-aliases', 'pharma.import.hospital.alias',
                "Hospital Aliases"),
            ]

    @classmethod
    def get_kinds(cls):
        "Selection of kinds with translated labels"
        pool = Pool()
        result = []
        for code, model, label in cls._import_kinds():
            Kind = pool.get(model)
            result.append((code, Kind.kind_string(label)
                    if hasattr(Kind, 'kind_string') else label))
        return result

    @classmethod
    def get_kind(cls, code):
        for kind_code, model, _ in cls._import_kinds():
            if kind_code == code:
                return Pool().get(model)
        raise ImportFileError(gettext(
                'pharma_hospital.msg_import_unknown_kind', kind=code))

    @classmethod
    def check_access(cls):
        "Only the groups of the import wizard may import (command line too)"
        pool = Pool()
        Wizard = pool.get('pharma.import.wizard', type='wizard')
        transaction = Transaction()
        if transaction.check_access and transaction.user:
            with transaction.set_context(
                    active_model=None, active_id=None, active_ids=None,
                    action_id=None):
                Wizard.check_access()

    @classmethod
    def run(cls, kind, data, filename=None, template=None, dry_run=False,
            options=None, progress=None, sheets=None, header_row=None,
            on_progress=None):
        """Import data (bytes or a path) as kind; return the ImportJob.
        Nothing is written when a row is refused or dry_run is set."""
        Kind = cls.get_kind(kind)
        cls.check_access()
        fields_ = Kind.import_fields()
        mapping, constants = {}, {}
        if template:
            mapping, constants = template.get_mapping()
            if not sheets and template.sheet:
                sheets = [s.strip() for s in template.sheet.split(',')
                    if s.strip()]
            header_row = header_row or template.header_row
        job = ImportJob(kind, Kind, filename=filename, options=options,
            dry_run=dry_run, progress=progress, template=template,
            constants=constants, on_progress=on_progress)
        if not dry_run:
            job.spill = import_engine.RowSpill()
        try:
            try:
                cls._validate_pass(job, fields_, data, filename, sheets,
                    header_row, mapping)
            except FileRefused as exception:
                job.file_error(refused_message(exception))
            job.seen.close()
            sheets_order = {l.sheet: i for i, l in enumerate(job.layouts)}
            job.errors.sort(key=lambda e: (
                    sheets_order.get(e['sheet'], -1), e['row'] or 0))
            if job.error_count or dry_run:
                return job
            job.phase = 'write'
            job.created = job.updated = job.unchanged = 0
            job.log = cls._create_log(job)
            cls._write_pass(job)
            job.flush_changes()
            cls._finish_log(job)
            return job
        finally:
            job.seen.close()
            if job.spill is not None:
                job.spill.close()
                job.spill = None

    @classmethod
    def _open_layouts(cls, reader, fields_, sheets, header_row, mapping,
            constants):
        "[(Layout, iterator of rows)] of the sheets to import"
        names = reader.sheet_names()
        layouts = []
        if sheets:
            for sheet in sheets:
                if sheet not in names:
                    raise FileRefused('unknown_sheet', sheet=sheet)
            for sheet in sheets:
                layouts.append(import_engine.find_layout(
                        reader, sheet, fields_, header_row=header_row,
                        mapping=mapping, constants=constants))
        else:
            first_error = None
            for sheet in names:
                try:
                    layouts.append(import_engine.find_layout(
                            reader, sheet, fields_, header_row=header_row,
                            mapping=mapping, constants=constants))
                    break
                except FileRefused as exception:
                    if first_error is None or (
                            first_error.code == 'empty_sheet'):
                        first_error = exception
            if not layouts:
                raise first_error or FileRefused('empty_sheet', sheet='')
        return layouts

    @classmethod
    def _validate_pass(cls, job, fields_, data, filename, sheets, header_row,
            mapping):
        """Parse the file once: convert and validate every row, batch by
        batch, and keep the converted rows in job.spill (a temporary file)
        for the write pass as long as no row is refused"""
        constants = job.constants
        size = job.Kind.batch_size
        with import_engine.open_file(data, filename) as reader:
            layouts = cls._open_layouts(reader, fields_, sheets, header_row,
                mapping, constants)
            job.layouts = [l for l, _ in layouts]
            for index, (layout, rows) in enumerate(layouts):
                names = import_engine.value_names(layout, fields_, constants)
                rows = cls._table_rows(job, layout, fields_, rows)
                while True:
                    batch = []
                    for number, values in islice(rows, size):
                        converted, raw, errors = import_engine.read_values(
                            layout, fields_, values, constants)
                        row = ImportRow(
                            layout.sheet, number, converted, raw, layout)
                        for name, code in errors:
                            job.error(row, name, gettext(
                                    'pharma_hospital.msg_import_%s' % code,
                                    value=raw.get(name, '')))
                        batch.append(row)
                    if not batch:
                        break
                    job.rows += len(batch)
                    revalidate = job.Kind.revalidate
                    rows_kept = [(r.row, r.values, r.raw) for r in batch]
                    if job.spill is not None and revalidate:
                        # Before validate_rows, which may change values
                        job.spill.append(index, names, rows_kept)
                    cls._process(job, layout, batch)
                    if job.spill is not None and job.error_count:
                        # Nothing will be written: keep nothing more
                        job.spill.close()
                        job.spill = None
                    elif job.spill is not None and not revalidate:
                        # with the outcome of the validation
                        job.spill.append(index, names, rows_kept,
                            [_outcome(r) for r in batch])

    @classmethod
    def _table_rows(cls, job, layout, fields_, rows):
        """The rows of the table: totals and subtotals (合计/总计/小计),
        notes and blank separators are skipped and reported"""
        previous = layout.header_row
        after_summary = False
        for number, values in rows:
            if number > previous + 1:
                for blank in range(previous + 1, number):
                    job.skip(layout.sheet, blank, 'blank')
            previous = number
            reason = import_engine.skip_reason(
                values, layout, fields_, after_summary=after_summary)
            if reason:
                if reason == 'summary':
                    after_summary = True
                job.skip(layout.sheet, number, reason, ' '.join(
                        import_engine.clean_text(v) for v in values
                        if not import_engine.is_blank(v))[:200])
                continue
            yield number, values

    @classmethod
    def _write_pass(cls, job):
        """Write the rows kept by the validation pass: validated again
        (Kind.revalidate) or with the outcome of their validation"""
        for index, rows, outcomes in job.spill:
            layout = job.layouts[index]
            batch = [ImportRow(layout.sheet, number, values, raw, layout)
                for number, values, raw in rows]
            if outcomes is not None:
                for row, outcome in zip(batch, outcomes):
                    _restore(row, outcome)
            cls._process(job, layout, batch,
                validate=outcomes is None)

    @classmethod
    def _process(cls, job, layout, batch, validate=True):
        "Validate a batch and, in the write pass, write it"
        Kind = job.Kind
        valid = [r for r in batch if not r.errors]
        if valid and validate:
            Kind.validate_rows(valid, job)
        good = [r for r in valid if not r.errors]
        if job.phase == 'validate' and len(job.samples) < SAMPLE_ROWS:
            for row in good[:SAMPLE_ROWS - len(job.samples)]:
                job.samples.append((row.sheet, row.row, row.action,
                        Kind.sample_values(row)))
        for row in batch:
            if row.errors:
                if job.phase == 'validate':
                    job.refused += 1
            elif row.action == 'create':
                job.created += 1
            elif row.action == 'update':
                job.updated += 1
            else:
                job.unchanged += 1
        if job.phase == 'write':
            if len(good) != len(batch):
                # The database changed under us: never half-write
                raise ImportFileError(gettext(
                        'pharma_hospital.msg_import_changed'))
            todo = [r for r in good if r.action in ('create', 'update')]
            if todo:
                # The keys of the kind replace the interactive duplicate
                # warning
                with Transaction().set_context(
                        pharma_skip_duplicate_check=True):
                    Kind.write(todo, job)
            job.flush_changes()
        job.progress(gettext(
                'pharma_hospital.msg_import_progress',
                phase=gettext('pharma_hospital.msg_import_phase_%s'
                    % job.phase), sheet=layout.sheet,
                row=batch[-1].row, count=job.created
                + job.updated + job.unchanged + job.refused))

    @classmethod
    def _create_log(cls, job):
        pool = Pool()
        Log = pool.get('pharma.import.log')
        # bypass: the import log is written by the import only (read-only to
        # users)
        with Transaction().set_context(_check_access=False):
            log, = Log.create([{
                        'kind': job.code,
                        'filename': job.filename,
                        'template': job.template.id if job.template
                        else None,
                        'user': Transaction().user or None,
                        'date': datetime.datetime.now(),
                        }])
        return log

    @classmethod
    def _finish_log(cls, job):
        pool = Pool()
        Log = pool.get('pharma.import.log')
        # bypass: the import log is written by the import only (read-only to
        # users)
        values = job.counts()
        texts = cls.preview_texts(job)
        values.update({k: texts[k] or None
                for k in ['columns', 'skipped_rows', 'plans']})
        with Transaction().set_context(_check_access=False):
            Log.write([job.log], values)

    @classmethod
    def error_report(cls, job):
        "The refused rows as .xlsx bytes"
        headers = ["工作表 Sheet", "行 Row", "列 Column", "表头 Header",
            "值 Value", "说明 Message"]
        return import_engine.write_xlsx(headers, (
                [e['sheet'], e['row'], e['column'], e['header'],
                    e['value'], e['message']] for e in job.errors),
            sheet_title='Errors')

    @classmethod
    def preview_texts(cls, job):
        "The texts of the preview: columns, plans, first rows, skipped"
        columns = [gettext('pharma_hospital.msg_import_preview_column',
                sheet=sheet, column=column, header=header, field=field)
            for sheet, column, header, field in job.mapping()]
        columns += [gettext('pharma_hospital.msg_import_preview_ignored',
                sheet=sheet, column=column, header=header)
            for sheet, column, header in job.ignored()]
        plans = []
        for key in job.plans:
            labels = job.planned(key)
            plans.append(gettext(
                    'pharma_hospital.msg_import_preview_plan_%s' % key,
                    count=len(labels)))
            plans.extend('  ' + label for label in labels[:200])
        samples = []
        actions = {
            'create': gettext('pharma_hospital.msg_import_action_create'),
            'update': gettext('pharma_hospital.msg_import_action_update'),
            }
        unchanged = gettext('pharma_hospital.msg_import_action_unchanged')
        for sheet, row, action, values in job.samples:
            samples.append('%s!%s [%s] %s' % (sheet, row,
                    actions.get(action, unchanged),
                    '；'.join('%s=%s' % (k, v) for k, v in values)))
        reasons = {r: gettext('pharma_hospital.msg_import_skipped_%s' % r)
            for r in ['blank', 'summary', 'note']}
        skipped = ['%s!%s %s %s' % (s['sheet'], s['row'],
                reasons.get(s['reason'], s['reason']), s['value'])
            for s in job.skipped_rows[:200]]
        return {
            'columns': '\n'.join(columns),
            'plans': '\n'.join(plans),
            'samples': '\n'.join(samples),
            'skipped_rows': '\n'.join(skipped),
            }

    @classmethod
    def template_xlsx(cls, kind):
        """An empty file of kind to fill in: the header row the importer
        reads (every column it knows, required ones marked *) and the
        kind's example rows"""
        Kind = cls.get_kind(kind)
        fields_ = Kind.import_fields()
        headers = [(f.aliases[0] if f.aliases else f.string)
            + ('*' if f.required else '') for f in fields_]
        rows = []
        for example in Kind.template_rows():
            rows.append([example.get(f.name) for f in fields_])
        return import_engine.write_xlsx(headers, rows, sheet_title=kind)

    @classmethod
    def export_xlsx(cls, kind, records):
        "Records as .xlsx bytes in the layout the importer reads"
        Kind = cls.get_kind(kind)
        return import_engine.write_xlsx(
            Kind.export_headers(), Kind.export_values(records))


IDENTIFIER_FIELDS = [
    # Tryton 8.0 stores the 统一社会信用代码 as cn_vat (cn_uscc before)
    ('uscc', 'cn_vat'),
    ('licence', 'cn_mil'),
    ('nhsa', 'cn_nhsa'),
    ]

GRADE_SELECTION = [
    ('3a', ['三级甲等', '三甲', '三级甲', '3A', '3甲']),
    ('3b', ['三级乙等', '三乙', '三级乙', '3B']),
    ('3c', ['三级丙等', '三丙', '三级丙', '3C', '三级']),
    ('2a', ['二级甲等', '二甲', '二级甲', '2A']),
    ('2b', ['二级乙等', '二乙', '二级乙', '2B']),
    ('2c', ['二级丙等', '二丙', '二级丙', '2C', '二级']),
    ('1', ['一级', '一级医院', 'Grade 1']),
    ('none', ['未定级', '无', 'Ungraded', 'none']),
    ]
TYPE_SELECTION = [
    ('general', ['综合医院', '综合', 'General']),
    ('specialist', ['专科医院', '专科', 'Specialist']),
    ('tcm', ['中医医院', '中医院', '中医', 'TCM']),
    ('maternal_child', ['妇幼保健院', '妇幼', 'Maternal and Child']),
    ('community', ['社区卫生服务中心', '社区', 'Community']),
    ('private_clinic', ['民营诊所', '诊所', 'Clinic', 'Private Clinic']),
    ]
OWNERSHIP_SELECTION = [
    ('public', ['公立', '公办', 'Public']),
    ('private', ['民营', '私立', 'Private']),
    ('military', ['军队', '部队', 'Military']),
    ]
LEVEL_SELECTION = [('A', ['A级', 'A类']), ('B', ['B级', 'B类']),
    ('C', ['C级', 'C类'])]
TITLE_SELECTION = [
    ('chief', ['主任医师', 'Chief Physician', '主任医生', '主任中医师',
            '正高', '正高级', '教授', '主任医师教授']),
    ('associate_chief', ['副主任医师', 'Associate Chief Physician',
            '副主任医生', '副主任中医师', '副高', '副高级', '副教授']),
    ('attending', ['主治医师', 'Attending Physician', '主治医生', '主治',
            '主治中医师', '中级']),
    ('resident', ['住院医师', 'Resident Physician', '医师', '住院医生',
            '住院', '初级', '医士', '中医师']),
    ('pharmacist', ['药师', '主管药师', 'Pharmacist']),
    ('chief_pharmacist', ['主任药师', '副主任药师', 'Chief Pharmacist']),
    ('nurse', ['护士', '护师', '主管护师', 'Nurse']),
    ('other', ['其他', 'Other']),
    ]
POSITION_SELECTION = [
    ('president', ['院长', 'President']),
    ('vice_president', ['副院长', 'Vice President']),
    ('department_head', ['科主任', '主任', 'Head of Department']),
    ('deputy_head', ['科副主任', '副主任', 'Deputy Head']),
    ('pharmacy_director', ['药剂科主任', 'Pharmacy Director']),
    ('expert', ['专家', 'Expert']),
    ('staff', ['医生', '员工', 'Staff']),
    ]
KOL_SELECTION = [
    ('national', ['全国', '国家级', 'National']),
    ('provincial', ['省级', 'Provincial']),
    ('city', ['市级', 'City']),
    ('none', ['无', '否', 'None']),
    ]


def _selection_label(selection, key):
    for k, texts in selection:
        if k == key:
            return texts[0]
    return key


def compact_code(type_, code):
    "The identifier code as party.identifier stores it in code_compact"
    if not code:
        return None
    code = normalize_text(code).upper()
    if type_ in ('cn_vat', 'cn_uscc'):
        try:
            from stdnum.cn import uscc
            return uscc.compact(code)
        except Exception:
            return code
    return code


def valid_code(type_, code):
    if type_ in ('cn_vat', 'cn_uscc'):
        try:
            from stdnum.cn import uscc
            return uscc.is_valid(code)
        except ImportError:
            return True
    return True


_PHONE_NOISE = re.compile(r'[\s\-–—()（）.·/]')


def clean_phone(value, mobile=False):
    """The number without spaces, dashes, brackets nor +86/0086 (None when
    it is not a phone number): '+86 138-1234-5678' -> '13812345678'"""
    text = unicodedata.normalize('NFKC', str(value or '')).strip()
    if not text:
        return None
    text = _PHONE_NOISE.sub('', text)
    extension = ''
    match = re.match(r'^(.*?)(?:转|ext\.?|x|分机)(\d{1,6})$', text, re.I)
    if match and not mobile:
        text, extension = match.group(1), match.group(2)
    if text.startswith('+86'):
        text = text[3:]
    elif text.startswith('0086'):
        text = text[4:]
    elif text.startswith('86') and len(text) == 13:
        text = text[2:]
    if not text.isdigit():
        return None
    if mobile:
        return text if re.fullmatch(r'1[3-9]\d{9}', text) else None
    if re.fullmatch(r'1[3-9]\d{9}', text):
        return text
    if not 7 <= len(text) <= 12:
        return None
    return text + ('-' + extension if extension else '')


class TerritoryIndex:
    "City-level territories by normalised name (one query per job)"

    def __init__(self):
        pool = Pool()
        Territory = pool.get('pharma.territory')
        territories = Territory.search([], order=[('id', 'ASC')])
        self.by_id = {t.id: t for t in territories}
        self.parent = {t.id: t.parent.id if t.parent else None
            for t in territories}
        self.level = {t.id: t.level for t in territories}
        self.cities = {}
        self.districts = {}
        self.provinces = {}
        for t in territories:
            key = normalize_city(t.name)
            if t.level == 'city':
                self.cities.setdefault(key, []).append(t.id)
            elif t.level == 'district':
                self.districts.setdefault(
                    (self.parent[t.id], key), []).append(t.id)
            elif t.level == 'province':
                self.provinces.setdefault(key, []).append(t.id)

    def city_of(self, territory_id):
        "The city-level territory of a territory (itself or an ancestor)"
        seen = 0
        while territory_id and seen < 10:
            if self.level.get(territory_id) == 'city':
                return territory_id
            territory_id = self.parent.get(territory_id)
            seen += 1
        return None

    def province_of(self, territory_id):
        seen = 0
        while territory_id and seen < 10:
            if self.level.get(territory_id) == 'province':
                return territory_id
            territory_id = self.parent.get(territory_id)
            seen += 1
        return None

    def find_city(self, city, province=None):
        ids = self.cities.get(normalize_city(city), [])
        if province and len(ids) > 1:
            provinces = self.provinces.get(normalize_city(province), [])
            ids = [i for i in ids if self.province_of(i) in provinces]
        return ids

    def find_district(self, city_id, district):
        return self.districts.get((city_id, normalize_city(district)), [])

    def find_province(self, province):
        return self.provinces.get(normalize_city(province), [])

    def find_city_in(self, province_id, city):
        "The cities named city under province_id (None: anywhere)"
        ids = self.cities.get(normalize_city(city), [])
        if province_id is None:
            return ids
        return [i for i in ids if self.province_of(i) == province_id]

    def locate(self, province, city, district):
        """(territory id or None, [(level, name)] of the path to create),
        or raise KeyError((field, message id, value)) when the file names
        a territory that does not exist or is ambiguous"""
        path, parent = [], None
        if province:
            ids = self.find_province(province)
            if len(ids) > 1:
                raise KeyError(('province', 'ambiguous_city', province))
            if ids:
                parent = ids[0]
            else:
                path.append(('province', province))
        if city:
            if path:
                ids = []
            elif parent:
                ids = self.find_city_in(parent, city)
            else:
                ids = self.find_city(city)
            if len(ids) > 1:
                raise KeyError(('city', 'ambiguous_city', city))
            if ids:
                parent = ids[0]
            else:
                path.append(('city', city))
        if district:
            if not city and not path and parent is None:
                raise KeyError(('district', 'unknown_city', district))
            ids = [] if path else self.find_district(parent, district)
            if len(ids) > 1:
                raise KeyError(('district', 'ambiguous_city', district))
            if ids:
                parent = ids[0]
            else:
                path.append(('district', district))
        return parent, path

    def create_path(self, parent, path):
        "Create the territories of path under parent; return the last id"
        pool = Pool()
        Territory = pool.get('pharma.territory')
        for level, name in path:
            key = normalize_city(name)
            if level == 'province':
                found = self.provinces.get(key, [])
            elif level == 'city':
                found = self.find_city_in(
                    self.province_of(parent) if parent else None, name)
                if parent is None:
                    found = [i for i in found if not self.parent.get(i)]
            else:
                found = self.districts.get((parent, key), [])
            if found:
                parent = found[0]
                continue
            # the full name (浙江 → 浙江省), whatever the row wrote
            territory, = Territory.create([{
                        'name': territory_name(level, name), 'level': level,
                        'parent': parent,
                        }])
            self.by_id[territory.id] = territory
            self.parent[territory.id] = parent
            self.level[territory.id] = level
            if level == 'province':
                self.provinces.setdefault(key, []).append(territory.id)
            elif level == 'city':
                self.cities.setdefault(key, []).append(territory.id)
            else:
                self.districts.setdefault((parent, key), []).append(
                    territory.id)
            parent = territory.id
        return parent

    def label(self, parent, path):
        "浙江省 / 温州市 / 鹿城区 of a path to create under parent"
        names = []
        territory = parent
        seen = 0
        while territory and seen < 10:
            names.insert(0, self.by_id[territory].name)
            territory = self.parent.get(territory)
            seen += 1
        return names, [n for _, n in path]


class PartyMatcher:
    """The parties of some pharma types (hospitals; pharmacies;
    distributors and agents) for the names a file writes that resolve to
    none: the closest ones, by the normalised name and its pinyin, for
    the refusal messages and the suggestions of the match queue"""
    # the distinct names whose candidates are kept (memory)
    MAX_NAMES = 500
    # the parties compared to a name at most: those sharing its rarest
    # characters and syllables
    PREFILTER = 200

    def __init__(self, types, index=None):
        pool = Pool()
        Party = pool.get('party.party')
        self.types = list(types)
        self.index = index
        self.hospitals = []
        self.by_char = {}
        self.cities = {}
        self._cache = {}
        for party in Party.search_read([
                    ('pharma_type', 'in', self.types),
                    ('name_key', '!=', None),
                    ], fields_names=['name', 'name_key', 'territory']):
            key = party['name_key']
            position = len(self.hospitals)
            city = self._city_of(party['territory'])
            self.cities[party['id']] = city
            self.hospitals.append((key, _pinyin(key), party['id'],
                    party['name'], city))
            for token in _tokens(key):
                self.by_char.setdefault(token, []).append(position)

    def _city_of(self, territory):
        if not territory:
            return None
        if self.index is None:
            self.index = TerritoryIndex()
        return self.index.city_of(territory)

    def city(self, party_id):
        "The city-level territory of a party of the matcher"
        return self.cities.get(party_id)

    def candidates(self, name, city=None, n=3, cutoff=0.5):
        """[(score, id, name)] of the parties most like name, best first;
        with city, those of another city are left out"""
        key = normalize_name(name, 'hospital')
        cache_key = (key, city, n, cutoff)
        if cache_key in self._cache:
            return self._cache[cache_key]
        # The prefilter: the parties sharing at least 2 characters or 2
        # pinyin syllables with the name (瑞锦 and 瑞金 share rui and jin),
        # of which only the PREFILTER with the rarest shared ones are
        # compared (difflib is the costly part)
        tokens = _tokens(key)
        chars, sounds, weights = {}, {}, {}
        for token in tokens:
            positions = self.by_char.get(token, ())
            if not positions:
                continue
            counts = sounds if isinstance(token, tuple) else chars
            weight = 1 / len(positions)
            for position in positions:
                counts[position] = counts.get(position, 0) + 1
                weights[position] = weights.get(position, 0) + weight
        need_chars = min(2, sum(isinstance(t, str) for t in tokens))
        need_sounds = min(2, sum(isinstance(t, tuple) for t in tokens)) or 2
        kept = []
        for position in weights:
            if (chars.get(position, 0) < need_chars
                    and sounds.get(position, 0) < need_sounds):
                continue
            other_city = self.hospitals[position][4]
            if city and other_city and city != other_city:
                continue
            kept.append(position)
        if len(kept) > self.PREFILTER:
            kept = heapq.nlargest(self.PREFILTER, kept, key=weights.get)
        choices = []
        for position in kept:
            other, other_pinyin, id_, other_name, _ = (
                self.hospitals[position])
            choices.append((other, other_pinyin, (id_, other_name)))
        result = [(score, id_, other_name)
            for score, (id_, other_name) in import_engine.closest(
                key, choices, n=n, cutoff=cutoff, key_pinyin=_pinyin(key))]
        # MAX_NAMES bounds the memory of the cache, never the answer: the
        # names beyond it are computed each time (an empty answer would
        # let a look-alike hospital be created as a duplicate)
        if len(self._cache) < self.MAX_NAMES:
            self._cache[cache_key] = result
        return result


class HospitalMatcher(PartyMatcher):
    "The hospitals for the names that resolve to none"

    def __init__(self, index=None):
        super().__init__(['hospital'], index=index)


def _pinyin(key):
    from .tools import pinyin_keys
    full, _ = pinyin_keys(key)
    return full.split(' ')[0] if full else ''


def _tokens(key):
    """The characters of a normalised name and the pinyin syllables of
    its Chinese ones (as ('py', syllable)): what the matcher indexes"""
    from .tools import syllables
    return set(key) | {('py', s) for s in syllables(key)}


# The similarity above which a new hospital looks like an existing one
SIMILAR = 0.85


def _names(candidates):
    return '、'.join(name for _, _, name in candidates)


class HospitalImport(ImportKindMixin, Model):
    "Hospitals: key = official code, else normalised name + city"
    __name__ = 'pharma.import.hospital'

    @classmethod
    def kind_string(cls, label):
        return gettext('pharma_hospital.msg_import_kind_hospitals')

    @classmethod
    def import_fields(cls):
        return [
            ImportField('name', "Hospital Name", required=True,
                aliases=['医院名称', '医院', '机构名称', '医疗机构名称',
                    '终端名称', 'Hospital', 'Name']),
            ImportField('uscc', "USCC", aliases=[
                    '统一社会信用代码', '信用代码', '社会信用代码',
                    'Unified Social Credit Code']),
            ImportField('licence', "Licence Number", aliases=[
                    '医疗机构执业许可证登记号', '执业许可证登记号',
                    '执业许可证号', '许可证号', 'Medical Institution Licence',
                    'Licence']),
            ImportField('nhsa', "NHSA Code", aliases=[
                    '医保机构编码', '医保编码', '国家医保编码',
                    '定点医疗机构编码', 'Medical Insurance Code']),
            ImportField('province', "Province", aliases=['省份', '省',
                    '所在省份']),
            ImportField('city', "City", aliases=['城市', '市', '地市',
                    '所在城市']),
            ImportField('district', "District", aliases=['区县', '区',
                    '县区']),
            ImportField('grade', "Grade", type='selection',
                selection=GRADE_SELECTION,
                aliases=['医院等级', '等级', 'Hospital Grade']),
            ImportField('hospital_type', "Type", type='selection',
                selection=TYPE_SELECTION,
                aliases=['医院类型', '类型', '机构类型', 'Hospital Type']),
            ImportField('ownership', "Ownership", type='selection',
                selection=OWNERSHIP_SELECTION,
                aliases=['所有制', '性质', '经营性质']),
            ImportField('beds', "Beds", type='integer',
                aliases=['床位数', '床位', '编制床位', 'Beds']),
            ImportField('outpatient_visits', "Outpatient Visits",
                type='integer', aliases=['年门诊量', '门诊量',
                    'Annual Outpatient Visits']),
            ImportField('key_account', "Key Account", type='boolean',
                aliases=['重点客户', '重点医院']),
            ImportField('key_level', "Key Level", type='selection',
                selection=LEVEL_SELECTION, aliases=['重点级别',
                    '客户级别']),
            ImportField('force', "Create Anyway", type='boolean',
                aliases=['强制新建', '确认新建', '确认为新医院', 'Force']),
            ]

    @classmethod
    def import_key(cls):
        return ['uscc', 'licence', 'nhsa', 'name', 'city']

    @classmethod
    def import_options(cls):
        return [('create_territories', gettext(
                    'pharma_hospital.msg_import_option_create_territories'))]

    @classmethod
    def template_rows(cls):
        return [{
                'name': '温州市人民医院', 'province': '浙江省',
                'city': '温州市', 'district': '鹿城区', 'grade': '三级甲等',
                'hospital_type': '综合医院', 'ownership': '公立',
                'beds': 1200,
                }]

    _fields_map = {
        'name': 'name',
        'grade': 'hospital_grade',
        'hospital_type': 'hospital_type',
        'ownership': 'ownership',
        'beds': 'beds',
        'outpatient_visits': 'outpatient_visits',
        'key_account': 'key_account',
        'key_level': 'key_level',
        'territory': 'territory',
        }

    @classmethod
    def validate_rows(cls, rows, job):
        pool = Pool()
        Party = pool.get('party.party')
        Identifier = pool.get('party.identifier')
        Alias = pool.get('pharma.hospital.alias')
        index = job.cache('territories', TerritoryIndex)
        create_territories = job.option('create_territories')
        codes = {}
        for row in rows:
            values = row.values
            city_id = None
            row.data['territory_path'] = None
            if (values.get('province') or values.get('city')
                    or values.get('district')):
                try:
                    territory, path = index.locate(values.get('province'),
                        values.get('city'), values.get('district'))
                except KeyError as exception:
                    field, code, value = exception.args[0]
                    job.error(row, field, gettext(
                            'pharma_hospital.msg_import_%s' % code,
                            value=value))
                    continue
                if path and not create_territories:
                    level, value = path[0]
                    job.error(row, level, gettext(
                            'pharma_hospital.msg_import_unknown_territory',
                            value=value))
                    continue
                if path:
                    above, names = index.label(territory, path)
                    # the names as first written (浙江省, then 浙江)
                    seen = job.cache('territory_names', dict)
                    for i in range(len(names)):
                        ident = (territory,) + tuple(
                            normalize_city(n) for n in names[:i + 1])
                        names[i] = seen.setdefault(ident, names[i])
                        job.plan('territories',
                            ' / '.join(above + names[:i + 1]), ident)
                    row.data['territory_path'] = (territory, path)
                    # a city to create is a city of its own for the key
                    city_id = ('new',) + tuple(
                        normalize_city(n) for _, n in path)
                    territory = None
                else:
                    city_id = index.city_of(territory)
                values['territory'] = territory
            row.data['city'] = city_id
            row.data['name_key'] = normalize_name(values['name'], 'hospital')
            row.data['codes'] = []
            for name, type_ in IDENTIFIER_FIELDS:
                code = values.get(name)
                if not code:
                    continue
                if not valid_code(type_, code):
                    job.error(row, name, gettext(
                            'pharma_hospital.msg_import_invalid_code',
                            value=code))
                    break
                compact = compact_code(type_, code)
                row.data['codes'].append((type_, compact, code))
                codes.setdefault(type_, set()).add(compact)
        rows = [r for r in rows if not r.errors]
        by_code = {}
        for type_, values in codes.items():
            for sub in grouped_slice(list(values), _in_max()):
                for identifier in Identifier.search([
                            ('type', '=', type_),
                            ('code_compact', 'in', list(sub)),
                            ('party.pharma_type', '=', 'hospital'),
                            ]):
                    by_code[(type_, identifier.code_compact)] = (
                        identifier.party)
        by_name, by_name_only = {}, {}
        keys = list({r.data['name_key'] for r in rows})
        aliases = Alias.resolve(keys)
        for sub in grouped_slice(keys, _in_max()):
            for party in Party.search([
                        ('pharma_type', '=', 'hospital'),
                        ('name_key', 'in', list(sub)),
                        ]):
                city = index.city_of(
                    party.territory.id if party.territory else None)
                by_name.setdefault((party.name_key, city), []).append(party)
                by_name_only.setdefault(party.name_key, []).append(party)
        for row in rows:
            record = None
            for type_, compact, _ in row.data['codes']:
                found = by_code.get((type_, compact))
                if found and record and found != record:
                    job.error(row, None, gettext(
                            'pharma_hospital.msg_import_code_conflict',
                            first=record.rec_name, second=found.rec_name))
                    break
                record = record or found
            if row.errors:
                continue
            name_key = (row.data['name_key'], row.data['city'])
            if record is None:
                if row.data['city'] is None:
                    # Without a city the name alone must be unambiguous
                    candidates = by_name_only.get(row.data['name_key'], [])
                else:
                    candidates = by_name.get(name_key, [])
                if len(candidates) > 1:
                    job.error(row, 'name', gettext(
                            'pharma_hospital.msg_import_ambiguous_hospital',
                            value=row.values['name']))
                    continue
                record = candidates[0] if candidates else None
            row.data['by_alias'] = False
            if record is None and row.data['name_key'] in aliases:
                record = Party(aliases[row.data['name_key']])
                row.data['by_alias'] = True
            if (record is None and job.phase == 'validate'
                    and not row.values.get('force')):
                matcher = job.cache('hospital_matcher',
                    lambda: HospitalMatcher(index))
                city = row.data['city'] if isinstance(
                    row.data['city'], int) else None
                similar = [c for c in matcher.candidates(
                        row.values['name'], city=city) if c[0] >= SIMILAR]
                if similar:
                    job.error(row, 'name', gettext(
                            'pharma_hospital.msg_import_similar_hospital',
                            value=row.values['name'],
                            candidates=_names(similar)))
                    continue
            if row.data['codes']:
                key = ('code',) + tuple(row.data['codes'][0][:2])
            else:
                key = ('name',) + name_key
            if not job.check_duplicate(row, key):
                continue
            if record is None:
                row.action = 'create'
                continue
            row.record = record
            fields_map = dict(cls._fields_map)
            if row.data['by_alias']:
                # the file writes another name of the hospital: keep its
                # name
                fields_map.pop('name')
            changes = cls._compare(record, row.values, fields_map)
            if row.data['territory_path']:
                changes['territory'] = (
                    record.territory.id if record.territory else None, None)
            existing = {i.type: i for i in record.identifiers}
            for type_, compact, code in row.data['codes']:
                identifier = existing.get(type_)
                if identifier is None or identifier.code_compact != compact:
                    changes[type_] = (
                        identifier.code if identifier else None, code)
            row.changes = changes
            row.action = 'update' if changes else 'unchanged'

    @classmethod
    def _values(cls, row):
        values = {}
        for name, attr in cls._fields_map.items():
            if row.values.get(name) is not None:
                values[attr] = row.values[name]
        return values

    @classmethod
    def write(cls, rows, job):
        pool = Pool()
        Party = pool.get('party.party')
        Identifier = pool.get('party.identifier')
        index = job.cache('territories', TerritoryIndex)
        for row in rows:
            if row.data.get('territory_path'):
                parent, path = row.data['territory_path']
                territory = index.create_path(parent, path)
                row.values['territory'] = territory
                if row.action == 'update':
                    row.changes['territory'] = (None, territory)
        to_create = []
        for row in rows:
            if row.action != 'create':
                continue
            values = cls._values(row)
            values['pharma_type'] = 'hospital'
            values.setdefault('customer_source', 'import')
            if row.data['codes']:
                values['identifiers'] = [('create', [
                            {'type': t, 'code': code}
                            for t, _, code in row.data['codes']])]
            to_create.append(values)
        if to_create:
            Party.create(to_create)
        args, identifiers_create, identifiers_write = [], [], []
        for row in rows:
            if row.action != 'update':
                continue
            values = {a: n for a, (o, n) in row.changes.items()
                if a in Party._fields}
            if values:
                args.extend([[row.record], values])
            existing = {i.type: i for i in row.record.identifiers}
            for type_, compact, code in row.data['codes']:
                if type_ not in row.changes:
                    continue
                if type_ in existing:
                    identifiers_write.extend(
                        [[existing[type_]], {'code': code}])
                else:
                    identifiers_create.append({
                            'party': row.record.id, 'type': type_,
                            'code': code})
            job.log_change(row.record, 'update', row.changes)
        if args:
            Party.write(*args)
        if identifiers_create:
            Identifier.create(identifiers_create)
        if identifiers_write:
            Identifier.write(*identifiers_write)

    @classmethod
    def export_values(cls, records):
        for sub in grouped_slice(records, _in_max()):
            for party in sub:
                codes = {i.type: i.code for i in party.identifiers}
                city = province = district = None
                territory = party.territory
                while territory:
                    if territory.level == 'city':
                        city = territory.name
                    elif territory.level == 'district':
                        district = territory.name
                    elif territory.level == 'province':
                        province = territory.name
                    territory = territory.parent
                yield [
                    party.name,
                    codes.get('cn_vat') or codes.get('cn_uscc'),
                    codes.get('cn_mil'),
                    codes.get('cn_nhsa'),
                    province, city, district,
                    _selection_label(GRADE_SELECTION, party.hospital_grade)
                    if party.hospital_grade else None,
                    _selection_label(TYPE_SELECTION, party.hospital_type)
                    if party.hospital_type else None,
                    _selection_label(OWNERSHIP_SELECTION, party.ownership)
                    if party.ownership else None,
                    party.beds,
                    party.outpatient_visits,
                    '是' if party.key_account else '否',
                    party.key_level,
                    ]


class DoctorImport(ImportKindMixin, Model):
    "Doctors: key = name + hospital + department"
    __name__ = 'pharma.import.doctor'
    # the write pass takes the matches of the validation pass: looking the
    # doctors up again cost as much as the validation itself, and a key is
    # unique in the file, so no earlier batch can have created the doctor
    # of a row (write() reuses the hospitals and departments they created)
    revalidate = False

    @classmethod
    def kind_string(cls, label):
        return gettext('pharma_hospital.msg_import_kind_doctors')

    @classmethod
    def import_fields(cls):
        return [
            ImportField('name', "Doctor Name", required=True,
                aliases=['医生姓名', '姓名', '医生', '客户姓名', 'Doctor',
                    'Name']),
            ImportField('hospital', "Hospital", required=True,
                aliases=['医院名称', '医院', '所在医院', '机构名称',
                    'Hospital Name']),
            ImportField('hospital_code', "Hospital Code",
                aliases=['医院编码', '医院代码', '统一社会信用代码',
                    '医疗机构执业许可证登记号', 'Hospital Code']),
            ImportField('department', "Department",
                aliases=['科室', '科室名称', '所在科室', 'Dept']),
            ImportField('title', "Title", type='selection',
                selection=TITLE_SELECTION, aliases=['职称', '技术职称',
                    '专业技术职称', '医师职称', '医生职称', '职称级别',
                    'Title']),
            ImportField('position', "Position", type='selection',
                selection=POSITION_SELECTION, aliases=['职务', '行政职务',
                    'Position']),
            ImportField('tier', "Doctor Tier", type='selection',
                selection=LEVEL_SELECTION,
                aliases=['医生分级', '分级', '医生级别', '级别', '客户分级',
                    '客户等级', '医生等级', '等级', 'Tier']),
            ImportField('kol_level', "KOL Level", type='selection',
                selection=KOL_SELECTION, aliases=['KOL级别', 'KOL']),
            ImportField('prescription_right', "Prescription Right",
                type='boolean', aliases=['处方权', 'Prescription']),
            ImportField('vip', "VIP", type='boolean', aliases=['VIP客户',
                    '重点医生']),
            ImportField('mobile', "Mobile", aliases=['手机', '手机号',
                    '手机号码', '移动电话', '联系手机', 'Mobile']),
            ImportField('phone', "Office Phone", aliases=['办公电话',
                    '科室电话', '电话', '座机', '固定电话', '联系电话',
                    'Phone']),
            ImportField('first_visit_date', "First Visit", type='date',
                aliases=['首次拜访日期', '首次拜访', '首访日期', '首次拜访时间',
                    '初次拜访日期', 'First Visit']),
            ImportField('force', "Create Hospital Anyway", type='boolean',
                aliases=['强制新建医院', '强制新建', '确认新建', 'Force']),
            ]

    @classmethod
    def import_key(cls):
        return ['name', 'hospital', 'department']

    @classmethod
    def import_options(cls):
        return [
            ('create_missing_hospitals', gettext(
                    'pharma_hospital.msg_import_option_create_hospitals')),
            ('create_departments', gettext(
                    'pharma_hospital.msg_import_option_create_departments')),
            ]

    _fields_map = {
        'name': 'name',
        'first_visit_date': 'first_visit_date',
        'title': 'doctor_title',
        'position': 'doctor_position',
        'tier': 'doctor_tier',
        'kol_level': 'kol_level',
        'prescription_right': 'prescription_right',
        'vip': 'vip',
        }

    @classmethod
    def validate_rows(cls, rows, job):
        pool = Pool()
        Party = pool.get('party.party')
        Department = pool.get('pharma.hospital.department')
        ContactMechanism = pool.get('party.contact_mechanism')
        hospital_keys = {normalize_name(r.values['hospital'], 'hospital')
            for r in rows}
        by_code = _hospitals_by_code(rows)
        by_name = {}
        for sub in grouped_slice(list(hospital_keys), _in_max()):
            for party in Party.search_read([
                        ('pharma_type', '=', 'hospital'),
                        ('name_key', 'in', list(sub)),
                        ], fields_names=['name_key']):
                by_name.setdefault(party['name_key'], []).append(party['id'])
        create_missing = job.option('create_missing_hospitals')
        Alias = pool.get('pharma.hospital.alias')
        aliases = Alias.resolve(hospital_keys)
        for row in rows:
            hospital_key = normalize_name(row.values['hospital'], 'hospital')
            row.data['hospital_key'] = hospital_key
            if not cls._check_phones(row, job):
                continue
            hospital = None
            code = row.values.get('hospital_code')
            if code:
                hospital = by_code.get(compact_code('', code))
            if hospital is None:
                candidates = by_name.get(hospital_key, [])
                if len(candidates) > 1:
                    job.error(row, 'hospital', gettext(
                            'pharma_hospital.msg_import_ambiguous_hospital',
                            value=row.values['hospital']))
                    continue
                hospital = candidates[0] if candidates else None
            if hospital is None:
                hospital = aliases.get(hospital_key)
            if hospital is None and not cls._check_new_hospital(
                    row, job, create_missing):
                continue
            row.data['hospital'] = hospital
            row.data['name_key'] = normalize_name(
                row.values['name'], 'doctor')
            department = row.values.get('department')
            row.data['department_key'] = (
                normalize_text(department) if department else None)
        rows = [r for r in rows if not r.errors]
        hospital_ids = list({r.data['hospital'] for r in rows
                if r.data['hospital']})
        departments = {}
        department_names = {}
        for sub in grouped_slice(hospital_ids, _in_max()):
            for department in Department.search([
                        ('hospital', 'in', list(sub)),
                        ], order=[('name', 'ASC')]):
                departments[(department.hospital.id,
                        normalize_text(department.name))] = department.id
                department_names.setdefault(
                    department.hospital.id, []).append(department.name)
        create_departments = job.option('create_departments')
        doctors = {}
        names = list({r.data['name_key'] for r in rows})
        for sub in grouped_slice(hospital_ids, _in_max()):
            sub = list(sub)
            for names_sub in grouped_slice(names, _in_max()):
                for doctor in Party.search([
                            ('pharma_type', '=', 'doctor'),
                            ('hospital', 'in', sub),
                            ('name_key', 'in', list(names_sub)),
                            ]):
                    key = (doctor.name_key, doctor.hospital.id,
                        doctor.department.id if doctor.department else None)
                    doctors.setdefault(key, []).append(doctor)
        phones = {}
        doctor_ids = [d.id for ds in doctors.values() for d in ds]
        for sub in grouped_slice(doctor_ids, _in_max()):
            for mechanism in ContactMechanism.search([
                        ('party', 'in', list(sub)),
                        ('type', 'in', ['mobile', 'phone']),
                        ]):
                phones.setdefault(mechanism.party.id, set()).add(
                    (mechanism.type, clean_phone(mechanism.value,
                            mobile=mechanism.type == 'mobile')
                        or mechanism.value))
        for row in rows:
            hospital = row.data['hospital']
            dept_key = row.data['department_key']
            if not job.check_duplicate(row, (row.data['name_key'],
                        hospital or row.data['hospital_key'], dept_key)):
                continue
            department = departments.get((hospital, dept_key)) if (
                hospital and dept_key) else None
            row.data['department'] = department
            if dept_key and department is None and not create_departments:
                # a department is created only when asked (the preview
                # lists them), as territories are
                known = department_names.get(hospital, [])
                job.error(row, 'department', gettext(
                        'pharma_hospital.msg_import_unknown_department',
                        value=row.values['department'],
                        hospital=row.values['hospital'],
                        known='、'.join(known[:8]) if known else '-'))
                continue
            if dept_key and department is None:
                job.plan('departments', '%s / %s' % (
                        row.values['hospital'], row.values['department']),
                    (hospital or row.data['hospital_key'], dept_key))
            if hospital is None or (dept_key and department is None):
                row.action = 'create'
                continue
            candidates = doctors.get(
                (row.data['name_key'], hospital, department), [])
            if not candidates:
                row.action = 'create'
                continue
            record = candidates[0]
            row.record = record
            row.changes = cls._compare(record, row.values, cls._fields_map)
            known = phones.get(record.id, set())
            for name in ['mobile', 'phone']:
                value = row.values.get(name)
                if value and (name, value) not in known:
                    row.changes[name] = (None, value)
            row.action = 'update' if row.changes else 'unchanged'

    @classmethod
    def _check_phones(cls, row, job):
        "Clean the phone numbers of row; refuse those that are not"
        for name, mobile in [('mobile', True), ('phone', False)]:
            value = row.values.get(name)
            if not value:
                continue
            cleaned = clean_phone(value, mobile=mobile)
            if cleaned is None:
                job.error(row, name, gettext(
                        'pharma_hospital.msg_import_invalid_mobile'
                        if mobile else
                        'pharma_hospital.msg_import_invalid_phone',
                        value=value))
                return False
            row.values[name] = cleaned
        return True

    @classmethod
    def _check_new_hospital(cls, row, job, create_missing):
        """A hospital name that resolves to none: refused with the closest
        hospitals named, or (create_missing) created unless it looks like
        an existing one and the row does not force it"""
        name = row.values['hospital']
        matcher = job.cache('hospital_matcher', lambda: HospitalMatcher(
                job.cache('territories', TerritoryIndex)))
        candidates = matcher.candidates(name)
        similar = [c for c in candidates if c[0] >= SIMILAR]
        if similar:
            job.suggest_alias(name, Pool().get('party.party')(similar[0][1]))
        if create_missing and (row.values.get('force') or not similar):
            job.plan('hospitals', name, row.data['hospital_key'])
            return True
        if create_missing:
            job.error(row, 'hospital', gettext(
                    'pharma_hospital.msg_import_similar_hospital',
                    value=name, candidates=_names(similar)))
        elif candidates:
            job.error(row, 'hospital', gettext(
                    'pharma_hospital.msg_import_unknown_hospital_candidates',
                    value=name, candidates=_names(candidates)))
        else:
            job.error(row, 'hospital', gettext(
                    'pharma_hospital.msg_import_unknown_hospital',
                    value=name, row=row.row))
        return False

    @classmethod
    def write(cls, rows, job):
        pool = Pool()
        Party = pool.get('party.party')
        Department = pool.get('pharma.hospital.department')
        ContactMechanism = pool.get('party.contact_mechanism')
        # The rows come with the outcome of the validation pass
        # (revalidate is False): the hospitals and departments that earlier
        # batches of this import created are taken from the job
        hospitals = job.cache('doctors_created_hospitals', dict)
        departments = job.cache('doctors_created_departments', dict)
        # Missing hospitals (only with the option ticked)
        new_hospitals = {}
        for row in rows:
            if row.data['hospital'] is None:
                key = row.data['hospital_key']
                if key not in hospitals:
                    new_hospitals.setdefault(key, row.values['hospital'])
        if new_hospitals:
            keys = list(new_hospitals)
            created = Party.create([{
                        'name': new_hospitals[k],
                        'pharma_type': 'hospital',
                        'customer_source': 'import',
                        } for k in keys])
            hospitals.update(zip(keys, [p.id for p in created]))
        for row in rows:
            if row.data['hospital'] is None:
                row.data['hospital'] = hospitals[row.data['hospital_key']]
        # Missing departments
        new_departments = {}
        for row in rows:
            if row.data['department_key'] and not row.data['department']:
                key = (row.data['hospital'], row.data['department_key'])
                if key not in departments:
                    new_departments.setdefault(key, row.values['department'])
        if new_departments:
            keys = list(new_departments)
            created = Department.create([{
                        'hospital': h, 'name': new_departments[(h, d)],
                        } for h, d in keys])
            departments.update(zip(keys, [d.id for d in created]))
        for row in rows:
            if row.data['department_key'] and not row.data['department']:
                row.data['department'] = departments[
                    (row.data['hospital'], row.data['department_key'])]
        to_create = []
        for row in rows:
            if row.action != 'create':
                continue
            values = {}
            for name, attr in cls._fields_map.items():
                if row.values.get(name) is not None:
                    values[attr] = row.values[name]
            values.update({
                    'pharma_type': 'doctor',
                    'hospital': row.data['hospital'],
                    'department': row.data['department'],
                    'customer_source': 'import',
                    })
            mechanisms = [{'type': n, 'value': row.values[n]}
                for n in ['mobile', 'phone'] if row.values.get(n)]
            if mechanisms:
                values['contact_mechanisms'] = [('create', mechanisms)]
            to_create.append(values)
        if to_create:
            Party.create(to_create)
        args, mechanisms = [], []
        for row in rows:
            if row.action != 'update':
                continue
            values = {a: n for a, (o, n) in row.changes.items()
                if a not in ('mobile', 'phone')}
            if values:
                args.extend([[row.record], values])
            for name in ['mobile', 'phone']:
                if name in row.changes:
                    mechanisms.append({'party': row.record.id,
                            'type': name, 'value': row.changes[name][1]})
            job.log_change(row.record, 'update', row.changes)
        if args:
            Party.write(*args)
        if mechanisms:
            ContactMechanism.create(mechanisms)

    @classmethod
    def export_values(cls, records):
        for sub in grouped_slice(records, _in_max()):
            for party in sub:
                yield [
                    party.name,
                    party.hospital.name if party.hospital else None,
                    None,
                    party.department.name if party.department else None,
                    _selection_label(TITLE_SELECTION, party.doctor_title)
                    if party.doctor_title else None,
                    _selection_label(POSITION_SELECTION,
                        party.doctor_position)
                    if party.doctor_position else None,
                    party.doctor_tier,
                    _selection_label(KOL_SELECTION, party.kol_level)
                    if party.kol_level else None,
                    '是' if party.prescription_right else '否',
                    '是' if party.vip else '否',
                    cls._mechanism(party, 'mobile'),
                    cls._mechanism(party, 'phone'),
                    party.first_visit_date,
                    None,
                    ]

    @staticmethod
    def _mechanism(party, type_):
        for mechanism in party.contact_mechanisms:
            if mechanism.type == type_:
                return mechanism.value


class HospitalAliasImport(ImportKindMixin, Model):
    """Hospital aliases (an administrator's list): key = the alias's
    normalised name"""
    __name__ = 'pharma.import.hospital.alias'

    @classmethod
    def kind_string(cls, label):
        return gettext('pharma_hospital.msg_import_kind_hospital_aliases')

    @classmethod
    def import_fields(cls):
        return [
            ImportField('alias', "Alias", required=True, aliases=[
                    '别名', '简称', '医院简称', '曾用名', '常用名', '俗称',
                    'Alias']),
            ImportField('hospital', "Hospital", required=True, aliases=[
                    '医院全称', '医院名称', '标准名称', '医院', '规范名称',
                    'Hospital']),
            ImportField('hospital_code', "Hospital Code", aliases=[
                    '医院编码', '医院代码', '统一社会信用代码',
                    '医疗机构执业许可证登记号', 'Hospital Code']),
            ]

    @classmethod
    def import_key(cls):
        return ['alias']

    @classmethod
    def template_rows(cls):
        return [{'alias': '瑞金医院',
                'hospital': '上海交通大学医学院附属瑞金医院'}]

    @classmethod
    def validate_rows(cls, rows, job):
        pool = Pool()
        Party = pool.get('party.party')
        Alias = pool.get('pharma.hospital.alias')
        keys = {normalize_name(r.values['hospital'], 'hospital')
            for r in rows}
        alias_keys = {normalize_name(r.values['alias'], 'hospital')
            for r in rows}
        by_name = {}
        for sub in grouped_slice(list(keys | alias_keys), _in_max()):
            for party in Party.search_read([
                        ('pharma_type', '=', 'hospital'),
                        ('name_key', 'in', list(sub)),
                        ], fields_names=['name_key', 'rec_name']):
                by_name.setdefault(party['name_key'], []).append(
                    (party['id'], party['rec_name']))
        by_code = _hospitals_by_code(rows)
        existing = {}
        for sub in grouped_slice(list(alias_keys), _in_max()):
            for alias in Alias.search([('name_key', 'in', list(sub))]):
                existing[alias.name_key] = alias
        for row in rows:
            alias_key = normalize_name(row.values['alias'], 'hospital')
            row.data['alias_key'] = alias_key
            if not job.check_duplicate(row, alias_key):
                continue
            hospital = None
            code = row.values.get('hospital_code')
            if code:
                hospital = by_code.get(compact_code('', code))
            if hospital is None:
                found = by_name.get(
                    normalize_name(row.values['hospital'], 'hospital'), [])
                if len(found) > 1:
                    job.error(row, 'hospital', gettext(
                            'pharma_hospital.msg_import_ambiguous_hospital',
                            value=row.values['hospital']))
                    continue
                hospital = found[0][0] if found else None
            if hospital is None:
                matcher = job.cache('hospital_matcher', lambda: (
                        HospitalMatcher(job.cache(
                                'territories', TerritoryIndex))))
                candidates = matcher.candidates(row.values['hospital'])
                job.error(row, 'hospital', gettext(
                        'pharma_hospital.msg_import_unknown_hospital_candidates'
                        if candidates else
                        'pharma_hospital.msg_import_unknown_hospital',
                        value=row.values['hospital'], row=row.row,
                        candidates=_names(candidates)))
                continue
            others = [n for i, n in by_name.get(alias_key, [])
                if i != hospital]
            if others:
                job.error(row, 'alias', gettext(
                        'pharma_hospital.msg_hospital_alias_other',
                        alias=row.values['alias'], hospital=others[0]))
                continue
            row.data['hospital'] = hospital
            alias = existing.get(alias_key)
            if alias is None:
                row.action = 'create'
            elif alias.hospital.id == hospital:
                row.action = 'unchanged'
            else:
                row.record = alias
                row.changes = {'hospital': (alias.hospital.id, hospital)}
                row.action = 'update'

    @classmethod
    def write(cls, rows, job):
        pool = Pool()
        Alias = pool.get('pharma.hospital.alias')
        to_create = [{'name': r.values['alias'],
                'hospital': r.data['hospital'], 'source': 'import'}
            for r in rows if r.action == 'create']
        if to_create:
            Alias.create(to_create)
        args = []
        for row in rows:
            if row.action == 'update':
                args.extend([[row.record], {
                            'hospital': row.data['hospital'],
                            'source': 'import'}])
                job.log_change(row.record, 'update', row.changes)
        if args:
            Alias.write(*args)

    @classmethod
    def export_values(cls, records):
        for alias in records:
            yield [alias.name, alias.hospital.name, None]


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


class ImportWizard(QueuedWizardMixin, Wizard):
    """Import a spreadsheet: the preview runs in the request, the import
    itself is queued as a background job (pharma.job)"""
    __name__ = 'pharma.import.wizard'
    start = StateView('pharma.import.wizard.start',
        'pharma_hospital.import_wizard_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Preview", 'preview', 'tryton-forward', default=True),
            ])
    preview = StateView('pharma.import.wizard.preview',
        'pharma_hospital.import_wizard_preview_view_form', [
            Button("Back", 'start', 'tryton-back'),
            Button("Import", 'import_', 'tryton-ok', default=True,
                states={'readonly': (Eval('refused', 0) > 0)
                    & ~Eval('confirm_aliases', False)}),
            ])
    import_ = StateTransition()
    queued = StateView('pharma.job.queued',
        'pharma_hospital.job_queued_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def value_start(self, fields):
        "Going back to the start keeps the file, the kind and the options"
        values = self.start._default_values if self.start else {}
        values = {k: v for k, v in values.items()
            if k in fields and v is not None
            and not isinstance(self.start._fields[k], model_fields.Function)}
        if values.get('kind'):
            # the blank template of the kind, as on the first display
            if 'blank' in fields:
                values['blank'] = self.start.on_change_with_blank()
            if 'blank_name' in fields:
                values['blank_name'] = self.start.on_change_with_blank_name()
        return values

    def _options(self):
        options = []
        for name in ['create_missing_hospitals', 'create_departments',
                'create_territories']:
            if getattr(self.start, name, False):
                options.append(name)
        return options

    def _run(self, dry_run, on_progress=None):
        pool = Pool()
        Engine = pool.get('pharma.import.engine')
        options = self._options()
        if not self.start.file:
            raise ImportFileError(gettext(
                    'pharma_hospital.msg_import_empty_file'))
        sheets = [s.strip() for s in (self.start.sheet or '').split(',')
            if s.strip()] or None
        kwargs = {}
        if on_progress is not None:
            kwargs['on_progress'] = on_progress
        return Engine.run(self.start.kind, bytes(self.start.file),
            filename=self.start.filename, template=self.start.template,
            dry_run=dry_run, options=options, sheets=sheets,
            header_row=self.start.header_row, **kwargs)

    def default_preview(self, fields):
        pool = Pool()
        Engine = pool.get('pharma.import.engine')
        job = self._run(dry_run=True)
        values = job.counts()
        if job.error_count and not values['refused']:
            # the whole file is refused
            values['refused'] = 1
        lines = ['%s!%s%s %s %s' % (e['sheet'], e['column'], e['row'],
                e['value'], e['message']) for e in job.errors[:200]]
        values['errors'] = '\n'.join(lines)
        if job.errors:
            values['report'] = Engine.error_report(job)
            values['report_name'] = 'import-errors.xlsx'
        values.update(Engine.preview_texts(job))
        values['aliases'] = '\n'.join('%s → %s' % (name, hospital)
            for name, (_, hospital) in job.suggested_aliases.items())
        return values

    def _confirm_aliases(self):
        """Create the aliases the clerk confirmed in the preview, then run
        the import again (its rows now resolve)"""
        pool = Pool()
        Engine = pool.get('pharma.import.engine')
        Alias = pool.get('pharma.hospital.alias')
        job = self._run(dry_run=True)
        if job.suggested_aliases:
            Alias.create([{
                        'name': name, 'hospital': hospital,
                        'source': 'confirmed',
                        } for name, (hospital, _)
                    in job.suggested_aliases.items()])
        return Engine

    def transition_import_(self):
        "Queue the import (run_import) as a job of the user"
        pool = Pool()
        Engine = pool.get('pharma.import.engine')
        if not self.start.file:
            raise ImportFileError(gettext(
                    'pharma_hospital.msg_import_empty_file'))
        Engine.check_access()
        kinds = dict(Engine.get_kinds())
        description = gettext('pharma_hospital.msg_job_import',
            kind=kinds.get(self.start.kind, self.start.kind),
            filename=self.start.filename or '')
        rows = sum(getattr(self.preview, name, None) or 0
            for name in ['created', 'updated', 'unchanged', 'refused'])
        # both passes over the rows: validation, then writing
        self.queued.job = self.queue_job('import', 'run_import',
            description, total=2 * rows if rows else None)
        return 'queued'

    def default_queued(self, fields):
        return JobQueued.values(self.queued.job)

    def run_import(self, job):
        """The import itself, run by the job: the same logs and results
        as the wizard wrote in its request, nothing written if it fails"""
        total = job.progress_total

        def on_progress(import_job, message):
            if import_job.writing:
                done = import_job.rows + (import_job.created
                    + import_job.updated + import_job.unchanged)
            else:
                done = import_job.rows
            job.set_progress(min(done, total) if total else done,
                message=message)

        if getattr(self.preview, 'confirm_aliases', False):
            self._confirm_aliases()
        import_job = self._run(dry_run=False, on_progress=on_progress)
        if import_job.error_count:
            raise ImportFileError(import_job.errors[0]['message'])
        if self.start.save_template and self.start.template_name:
            self._save_template(import_job)
        counts = import_job.counts()
        return (gettext('pharma_hospital.msg_job_import_result',
                created=counts['created'], updated=counts['updated'],
                unchanged=counts['unchanged'],
                skipped=counts.get('skipped', 0)),
            str(import_job.log) if import_job.log else None)

    def _save_template(self, job):
        pool = Pool()
        Template = pool.get('pharma.import.template')
        layout = job.layouts[0] if job.layouts else None
        lines = []
        if layout:
            lines = [{'field': f, 'column': h}
                for f, h in layout.headers.items()]
        Template.create([{
                    'name': self.start.template_name,
                    'kind': self.start.kind,
                    'party': self.start.template_party.id
                    if self.start.template_party else None,
                    'sheet': layout.sheet if layout else None,
                    'header_row': layout.header_row if layout else None,
                    'lines': [('create', lines)],
                    }])


class ImportWizardStart(ModelView):
    __name__ = 'pharma.import.wizard.start'
    kind = fields.Selection('get_kinds', "Kind", required=True)
    file = fields.Binary("File", required=True, filename='filename')
    filename = fields.Char("File Name")
    template = fields.Many2One('pharma.import.template', "Template",
        domain=[('kind', '=', Eval('kind', ''))])
    sheet = fields.Char("Sheets", help="Sheet names separated by commas.")
    header_row = fields.Integer("Header Row")
    create_missing_hospitals = fields.Boolean("Create Missing Hospitals",
        states={'invisible': Eval('kind') != 'doctors'},
        help="Create the hospitals of the file that do not exist yet "
        "instead of refusing their rows.")
    create_departments = fields.Boolean("Create Missing Departments",
        states={'invisible': Eval('kind') != 'doctors'},
        help="Create the departments of the file that the hospitals do not "
        "have yet (listed in the preview) instead of refusing their rows.")
    create_territories = fields.Boolean("Create Missing Territories",
        states={'invisible': Eval('kind') != 'hospitals'},
        help="Create the provinces, cities and districts the file names "
        "that do not exist yet (listed in the preview) instead of "
        "refusing their rows.")
    blank = fields.Function(fields.Binary("Blank Template",
            filename='blank_name'), 'on_change_with_blank')
    blank_name = fields.Function(fields.Char("Blank Template Name"),
        'on_change_with_blank_name')
    save_template = fields.Boolean("Save as Template")
    template_name = fields.Char("Template Name",
        states={
            'invisible': ~Eval('save_template'),
            'required': Bool(Eval('save_template')),
            })
    template_party = fields.Many2One('party.party', "Source",
        states={'invisible': ~Eval('save_template')})

    @classmethod
    def get_kinds(cls):
        return Pool().get('pharma.import.engine').get_kinds()

    @fields.depends('kind')
    def on_change_with_blank(self, name=None):
        "The file to fill in for the kind, with the headers it reads"
        if self.kind:
            return Pool().get('pharma.import.engine').template_xlsx(
                self.kind)

    @fields.depends('kind')
    def on_change_with_blank_name(self, name=None):
        if self.kind:
            return '%s.xlsx' % self.kind

    @fields.depends('template', 'sheet', 'header_row')
    def on_change_template(self):
        if self.template:
            self.sheet = self.template.sheet
            self.header_row = self.template.header_row


class ImportWizardPreview(ModelView):
    __name__ = 'pharma.import.wizard.preview'
    created = fields.Integer("To Create", readonly=True)
    updated = fields.Integer("To Update", readonly=True)
    unchanged = fields.Integer("Unchanged", readonly=True)
    refused = fields.Integer("Refused", readonly=True)
    skipped = fields.Integer("Skipped", readonly=True,
        help="Totals, notes and blank rows of the file.")
    errors = fields.Text("Errors", readonly=True)
    report = fields.Binary("Error Report", filename='report_name',
        readonly=True, states={'invisible': ~Eval('report')})
    report_name = fields.Char("Report Name", readonly=True)
    columns = fields.Text("Columns", readonly=True,
        help="Which column is read as what, and which are ignored.")
    plans = fields.Text("Also Created", readonly=True,
        help="The territories, departments and hospitals the import "
        "creates.")
    samples = fields.Text("First Rows", readonly=True,
        help="The first rows as they will be stored.")
    skipped_rows = fields.Text("Skipped Rows", readonly=True)
    aliases = fields.Text("Suggested Aliases", readonly=True,
        states={'invisible': ~Eval('aliases')},
        help="Names of the file that are likely other names of existing "
        "hospitals.")
    confirm_aliases = fields.Boolean("Confirm the Suggested Aliases",
        states={'invisible': ~Eval('aliases')},
        help="Record each suggested alias, then import: the rows "
        "written with these names go to those hospitals.")


class PartyExport(Wizard):
    "Export hospitals or doctors as .xlsx in the importer's layout"
    __name__ = 'pharma.party.export'
    start = StateView('pharma.party.export.result',
        'pharma_hospital.party_export_result_view_form', [
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
                    'pharma_hospital.msg_export_mixed_types'))
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
