# This file is part of the pharma suite. See README.md for license terms.
"""Import engine: the registry and runner of the import kinds, the base
of the kinds (ImportKindMixin) and the state of one run (ImportJob)"""
import datetime
from decimal import Decimal
from itertools import islice

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import Model
from trytond.modules.pharma_hospital.tools import normalize_text
from trytond.pool import Pool
from trytond.transaction import Transaction

from . import reader as import_engine
from .reader import FileRefused


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
    return gettext('pharma_import.msg_import_%s' % exception.code, **params)



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
                    'pharma_import.msg_import_duplicate_row',
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



def _selection_label(selection, key):
    for k, texts in selection:
        if k == key:
            return texts[0]
    return key




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
    def sample_rows(cls, rows, job):
        """[[(label, value as stored)]] of the first validated rows, for
        the preview: a kind overrides it to show what the row resolves to
        (the matched hospital, the territory names), in one query for all
        the rows, and calls sample_values(row, stored)"""
        return [cls.sample_values(row) for row in rows]

    @classmethod
    def sample_values(cls, row, stored=None):
        """[(label, value as stored)] of a row, for the preview; stored:
        {field name: value shown instead of the cleaned cell}, None hides
        the field (a column read only to match)"""
        stored = stored or {}
        result = []
        for field in cls.import_fields():
            if field.name in stored:
                value = stored[field.name]
                if value is not None:
                    result.append((field.aliases[0] if field.aliases
                            else field.string, _text(value)))
                continue
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
                'pharma_import.msg_import_unknown_kind', kind=code))

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
                                    'pharma_import.msg_import_%s' % code,
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
            sample = good[:SAMPLE_ROWS - len(job.samples)]
            for row, values in zip(sample, Kind.sample_rows(sample, job)):
                job.samples.append((row.sheet, row.row, row.action, values))
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
                        'pharma_import.msg_import_changed'))
            todo = [r for r in good if r.action in ('create', 'update')]
            if todo:
                # The keys of the kind replace the interactive duplicate
                # warning
                with Transaction().set_context(
                        pharma_skip_duplicate_check=True):
                    Kind.write(todo, job)
            job.flush_changes()
        job.progress(gettext(
                'pharma_import.msg_import_progress',
                phase=gettext('pharma_import.msg_import_phase_%s'
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
        columns = [gettext('pharma_import.msg_import_preview_column',
                sheet=sheet, column=column, header=header, field=field)
            for sheet, column, header, field in job.mapping()]
        columns += [gettext('pharma_import.msg_import_preview_ignored',
                sheet=sheet, column=column, header=header)
            for sheet, column, header in job.ignored()]
        plans = []
        for key in job.plans:
            labels = job.planned(key)
            plans.append(gettext(
                    'pharma_import.msg_import_preview_plan_%s' % key,
                    count=len(labels)))
            plans.extend('  ' + label for label in labels[:200])
        samples = []
        actions = {
            'create': gettext('pharma_import.msg_import_action_create'),
            'update': gettext('pharma_import.msg_import_action_update'),
            }
        unchanged = gettext('pharma_import.msg_import_action_unchanged')
        for sheet, row, action, values in job.samples:
            samples.append('%s!%s [%s] %s' % (sheet, row,
                    actions.get(action, unchanged),
                    '；'.join('%s=%s' % (k, v) for k, v in values)))
        reasons = {r: gettext('pharma_import.msg_import_skipped_%s' % r)
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
