# This file is part of the pharma suite. See README.md for license terms.
"The import wizard and its preview"
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.model import fields as model_fields
from trytond.modules.pharma_hospital.job import JobQueued, QueuedWizardMixin
from trytond.pool import Pool
from trytond.pyson import Bool, Eval
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .engine import ImportFileError


class ImportWizard(QueuedWizardMixin, Wizard):
    """Import a spreadsheet: the preview runs in the request, the import
    itself is queued as a background job (pharma.job)"""
    __name__ = 'pharma.import.wizard'
    start = StateView('pharma.import.wizard.start',
        'pharma_import.import_wizard_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Preview", 'preview', 'tryton-forward', default=True),
            ])
    preview = StateView('pharma.import.wizard.preview',
        'pharma_import.import_wizard_preview_view_form', [
            Button("Back", 'start', 'tryton-back'),
            Button("Save Aliases", 'aliases', 'tryton-save',
                states={'invisible': ~Eval('alias_suggestions')}),
            Button("Import", 'import_', 'tryton-ok', default=True,
                states={'readonly': Eval('refused', 0) > 0}),
            ])
    aliases = StateTransition()
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
                    'pharma_import.msg_import_empty_file'))
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
        rejected = self._rejected_aliases()
        values['rejected_aliases'] = '\n'.join(sorted(rejected))
        values['alias_suggestions'] = [{
                'name': name, 'hospital': hospital, 'decision': 'skip',
                } for name, (hospital, _)
            in job.suggested_aliases.items() if name not in rejected]
        return values

    def _rejected_aliases(self):
        "The names the clerk rejected in this wizard: no more suggested"
        text = getattr(self.preview, 'rejected_aliases', None) or ''
        return {n for n in text.split('\n') if n}

    def transition_aliases(self):
        """Record the suggested aliases the clerk confirmed, remember the
        rejected ones (for this wizard) and show the preview again: the rows of a confirmed
        name now go to its hospital, those of a rejected one stay refused
        (naming the closest hospitals), the skipped ones are suggested
        again"""
        pool = Pool()
        Alias = pool.get('pharma.hospital.alias')
        # only what the engine suggests for this file, to the hospital it
        # suggests: the lines of the view are not trusted
        suggested = self._run(dry_run=True).suggested_aliases
        rejected = self._rejected_aliases()
        to_create = []
        for line in self.preview.alias_suggestions or []:
            if line.name not in suggested:
                continue
            if line.decision == 'confirm':
                to_create.append({
                        'name': line.name,
                        'hospital': suggested[line.name][0],
                        'source': 'confirmed',
                        })
            elif line.decision == 'reject':
                rejected.add(line.name)
        if to_create:
            Alias.create(to_create)
        self.preview.rejected_aliases = '\n'.join(sorted(rejected))
        return 'preview'

    def transition_import_(self):
        "Queue the import (run_import) as a job of the user"
        pool = Pool()
        Engine = pool.get('pharma.import.engine')
        if not self.start.file:
            raise ImportFileError(gettext(
                    'pharma_import.msg_import_empty_file'))
        Engine.check_access()
        kinds = dict(Engine.get_kinds())
        description = gettext('pharma_import.msg_job_import',
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

        import_job = self._run(dry_run=False, on_progress=on_progress)
        if import_job.error_count:
            raise ImportFileError(import_job.errors[0]['message'])
        if self.start.save_template and self.start.template_name:
            self._save_template(import_job)
        counts = import_job.counts()
        return (gettext('pharma_import.msg_job_import_result',
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
    alias_suggestions = fields.One2Many('pharma.import.wizard.alias', None,
        "Suggested Aliases",
        states={'invisible': ~Eval('alias_suggestions')},
        help="Names of the file that are likely other names of existing "
        "hospitals: confirm or reject each, then save the aliases.")
    rejected_aliases = fields.Text("Rejected Aliases", readonly=True)


class ImportWizardAlias(ModelView):
    # a suggested hospital alias the clerk confirms, rejects or skips
    __name__ = 'pharma.import.wizard.alias'
    name = fields.Char("Name in the File", readonly=True)
    hospital = fields.Many2One('party.party', "Hospital", readonly=True)
    decision = fields.Selection([
            ('skip', "Decide Later"),
            ('confirm', "Confirm"),
            ('reject', "Reject"),
            ], "Decision", required=True)

    @classmethod
    def default_decision(cls):
        return 'skip'
