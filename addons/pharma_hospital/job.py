# This file is part of the pharma suite. See README.md for license terms.
"""Background jobs: long work (imports, churn alerts, …) run by Tryton's
task queue (ir.queue, trytond-worker) with their progress shown to the
user who asked for them.

A job is created in the request that asks for the work and queued with
`Job.__queue__.run(jobs)`: trytond-worker runs it when [queue] worker is
set, otherwise Tryton runs it in the same process right after the request
commits. The job's state and progress are written in transactions of their
own on PostgreSQL (the user sees them move while the work runs, and the
work's transaction never holds the job's row); on SQLite (one connection)
they are written in the work's transaction. The work runs behind a
savepoint: when it fails, everything it wrote is rolled back and the job
is marked failed with the error's message."""
import datetime
import json
import logging
import uuid
from contextlib import contextmanager

from sql import Table
from sql.functions import CurrentTimestamp

from trytond import backend
from trytond.exceptions import UserError, UserWarning
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.protocols.jsonrpc import JSONDecoder, JSONEncoder
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .employee import notify_users
from .notify import Message, user_language

logger = logging.getLogger(__name__)

STATES = [
    ('queued', "Queued"),
    ('running', "Running"),
    ('done', "Done"),
    ('failed', "Failed"),
    ]


@contextmanager
def savepoint():
    """Roll back what the block wrote when it raises (SQL savepoint: the
    rest of the transaction is kept, on SQLite and PostgreSQL)"""
    transaction = Transaction()
    cursor = transaction.connection.cursor()
    name = 'pharma_job_%s' % uuid.uuid4().hex
    notifications = len(transaction.user_notifications)
    logs = len(transaction.log_records)
    cursor.execute('SAVEPOINT "%s"' % name)
    try:
        yield
    except BaseException:
        cursor.execute('ROLLBACK TO SAVEPOINT "%s"' % name)
        cursor.execute('RELEASE SAVEPOINT "%s"' % name)
        # what the transaction kept in memory of the rolled back writes
        for cache in transaction.cache.values():
            cache.clear()
        del transaction.user_notifications[notifications:]
        del transaction.log_records[logs:]
        raise
    else:
        cursor.execute('RELEASE SAVEPOINT "%s"' % name)


# The records of pharma_hospital that pharma_import defines since the
# import engine became a module of its own (issue 22): their ir.model.data
# rows change module before pharma_hospital's XML is loaded, else trytond
# would delete them (and what refers to them) as no longer defined
MOVED_TO_IMPORT = set('''
    access_import_log access_import_log_admin access_import_log_clerk
    access_import_log_finance access_import_log_logistics
    access_import_log_marketing access_import_template
    access_import_template_admin access_import_template_clerk
    access_import_template_finance access_import_template_logistics
    access_import_template_marketing act_import_log_form
    act_import_log_form_view1 act_import_log_form_view2
    act_import_template_form act_import_template_form_view1
    act_import_template_form_view2 import_log_change_view_list
    import_log_view_form import_log_view_list
    import_template_line_view_form import_template_line_view_list
    import_template_view_form import_template_view_list
    import_wizard_preview_view_form import_wizard_start_view_form
    menu_import menu_import_log_form menu_import_template_form
    menu_import_wizard menu_import_wizard_group_admin
    menu_import_wizard_group_clerk menu_import_wizard_group_finance
    menu_import_wizard_group_logistics
    menu_import_wizard_group_marketing party_export_result_view_form
    rule_group_import_log_companies rule_import_log_companies
    wizard_import wizard_import_group_admin wizard_import_group_clerk
    wizard_import_group_finance wizard_import_group_logistics
    wizard_import_group_marketing wizard_party_export
    wizard_party_export_group_admin wizard_party_export_group_clerk
    wizard_party_export_group_manager
    wizard_party_export_group_marketing wizard_party_export_keyword1
    msg_export_mixed_types msg_import_action_create
    msg_import_action_unchanged msg_import_action_update
    msg_import_ambiguous_city msg_import_ambiguous_hospital
    msg_import_changed msg_import_cli_column msg_import_cli_dry_run
    msg_import_cli_exported msg_import_cli_ignored_column
    msg_import_cli_location msg_import_cli_more_refused
    msg_import_cli_no_file msg_import_cli_nothing_written
    msg_import_cli_refused msg_import_cli_skipped_row
    msg_import_cli_suggested_alias msg_import_cli_summary
    msg_import_cli_unknown_distributor msg_import_cli_unknown_template
    msg_import_code_conflict msg_import_company msg_import_corrupt
    msg_import_duplicate_row msg_import_empty_file
    msg_import_empty_sheet msg_import_encrypted
    msg_import_invalid_boolean msg_import_invalid_code
    msg_import_invalid_date msg_import_invalid_integer
    msg_import_invalid_mobile msg_import_invalid_number
    msg_import_invalid_phone msg_import_invalid_selection
    msg_import_kind_doctors msg_import_kind_hospital_aliases
    msg_import_kind_hospitals msg_import_missing_column
    msg_import_no_header msg_import_not_spreadsheet
    msg_import_option_create_departments
    msg_import_option_create_hospitals
    msg_import_option_create_territories msg_import_phase_validate
    msg_import_phase_write msg_import_preview_column
    msg_import_preview_ignored msg_import_preview_plan_departments
    msg_import_preview_plan_hospitals
    msg_import_preview_plan_territories msg_import_progress
    msg_import_required msg_import_result_ignored
    msg_import_result_skipped msg_import_similar_hospital
    msg_import_skipped_blank msg_import_skipped_note
    msg_import_skipped_summary msg_import_too_large
    msg_import_unknown_city msg_import_unknown_department
    msg_import_unknown_hospital msg_import_unknown_hospital_candidates
    msg_import_unknown_kind msg_import_unknown_sheet
    msg_import_unknown_territory msg_import_zip_bomb msg_job_import
    msg_job_import_result
    '''.split())
MOVED_MODELS_TO_IMPORT = [
    'pharma.import.engine', 'pharma.import.hospital', 'pharma.import.doctor',
    'pharma.import.hospital.alias', 'pharma.import.template',
    'pharma.import.template.line', 'pharma.import.log',
    'pharma.import.log.change', 'pharma.import.wizard',
    'pharma.import.wizard.start', 'pharma.import.wizard.preview',
    'pharma.party.export', 'pharma.party.export.result',
    ]


def move_records_to_import():
    """Give pharma_import the ir.model.data rows, views, models, fields and
    translations it took over from pharma_hospital (a database of before
    the split); nothing to do on a new database or once done"""
    cursor = Transaction().connection.cursor()
    data = Table('ir_model_data')
    other = Table('ir_model_data')
    cursor.execute(*data.select(data.id, data.fs_id, data.model, data.db_id,
            where=(data.module == 'pharma_hospital')
            & data.fs_id.in_(sorted(MOVED_TO_IMPORT))
            & ~data.fs_id.in_(other.select(other.fs_id,
                    where=other.module == 'pharma_import'))))
    rows = cursor.fetchall()
    if not rows:
        return
    logger.info("pharma_hospital: %s records move to pharma_import",
        len(rows))
    for sub in grouped_slice([r[0] for r in rows]):
        cursor.execute(*data.update([data.module], ['pharma_import'],
                where=data.id.in_(list(sub))))
    views = [db_id for _, _, model, db_id in rows if model == 'ir.ui.view']
    view = Table('ir_ui_view')
    for sub in grouped_slice(views):
        cursor.execute(*view.update([view.module], ['pharma_import'],
                where=view.id.in_(list(sub))
                & (view.module == 'pharma_hospital')))
    model = Table('ir_model')
    cursor.execute(*model.update([model.module], ['pharma_import'],
            where=model.name.in_(MOVED_MODELS_TO_IMPORT)
            & (model.module == 'pharma_hospital')))
    field = Table('ir_model_field')
    cursor.execute(*field.update([field.module], ['pharma_import'],
            where=field.model.in_(MOVED_MODELS_TO_IMPORT)
            & (field.module == 'pharma_hospital')))
    translation = Table('ir_translation')
    names = translation.name.like('pharma.import.%')
    names |= translation.name.like('pharma.party.export%')
    messages = [db_id for _, _, model, db_id in rows
        if model == 'ir.message']
    if messages:
        names |= ((translation.name == 'ir.message,text')
            & translation.res_id.in_(messages))
    cursor.execute(*translation.update(
            [translation.module], ['pharma_import'],
            where=(translation.module == 'pharma_hospital') & names))


class Job(ModelSQL, ModelView):
    "Background Job"
    __name__ = 'pharma.job'
    _rec_name = 'description'
    # extended by later modules in __setup__ (kind.selection.append)
    kind = fields.Selection([
            ('import', "Import"),
            ('wizard', "Wizard"),
            ], "Kind", readonly=True, required=True)
    description = fields.Char("Description", readonly=True)
    state = fields.Selection(STATES, "State", readonly=True, required=True,
        sort=False)
    user = fields.Many2One('res.user', "User", readonly=True,
        ondelete='CASCADE')
    company = fields.Many2One('company.company', "Company", readonly=True)
    progress_done = fields.Integer("Done", readonly=True)
    progress_total = fields.Integer("Total", readonly=True)
    progress = fields.Function(fields.Float("Progress", digits=(1, 4)),
        'get_progress')
    message = fields.Text("Message", readonly=True,
        help="What the job is doing, or why it failed.")
    result = fields.Text("Result", readonly=True)
    result_file = fields.Binary("Result File", filename='result_filename',
        readonly=True, states={'invisible': ~Eval('result_file')})
    result_filename = fields.Char("Result File Name", readonly=True)
    origin = fields.Reference("Result Record", selection='get_origins',
        readonly=True, help="The record the job produced (an import log).")
    started_at = fields.DateTime("Started at", readonly=True)
    finished_at = fields.DateTime("Finished at", readonly=True)
    # what the work needs (a wizard's values), erased when the job ends
    data = fields.Text("Data", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def __register__(cls, module):
        # before pharma_hospital's XML is loaded (load_module_graph)
        if module == 'pharma_hospital':
            move_records_to_import()
        super().__register__(module)

    @classmethod
    def default_state(cls):
        return 'queued'

    @classmethod
    def default_user(cls):
        return Transaction().user

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_progress_done(cls):
        return 0

    @classmethod
    def get_origins(cls):
        return [(None, '')] + Pool().get('ir.model').get_name_items()

    def get_progress(self, name):
        if self.state == 'done':
            return 1.0
        if self.progress_total:
            return min(1.0, (self.progress_done or 0) / self.progress_total)
        return 0.0

    # -- asking for work --------------------------------------------------

    @classmethod
    def enqueue(cls, kind, description, data=None, total=None):
        """Create a job of the current user and queue it; return the job.
        data (json-able) is what the kind's runner reads."""
        # bypass: jobs are written by the suite's code only (read-only to
        # users, who see their own)
        with Transaction().set_context(_check_access=False):
            job, = cls.create([{
                        'kind': kind,
                        'description': description,
                        'data': json.dumps(data, cls=JSONEncoder,
                            separators=(',', ':'))
                        if data is not None else None,
                        'progress_total': total,
                        }])
        cls.__queue__.run([job])
        return job

    @classmethod
    def clean(cls, now=None):
        """Cron: a job still queued or running [pharma] job_timeout hours
        (default 6) after it started or was queued is failed (its worker
        stopped: Tryton does not run a task again once it was taken) and
        its owner is told to ask again; finished jobs older than [queue]
        clean_days (30, as Tryton's queue) are deleted with their files"""
        from trytond import config
        if now is None:
            now = datetime.datetime.now()
        timeout = datetime.timedelta(
            hours=config.getint('pharma', 'job_timeout', default=6))
        keep = datetime.timedelta(
            days=config.getint('queue', 'clean_days', default=30))
        # bypass: the cron cleans every user's jobs
        with Transaction().set_context(_check_access=False):
            stalled = cls.search(['OR', [
                        ('state', '=', 'running'),
                        ('started_at', '<', now - timeout),
                        ], [
                        ('state', '=', 'queued'),
                        ('create_date', '<', now - timeout),
                        ('started_at', '=', None),
                        ]])
            for job in stalled:
                if job.state == 'queued' and not cls._task_taken(job):
                    # waiting for a worker: not stalled
                    continue
                # in its owner's language (the cron runs in the database's)
                language = (user_language(job.user)
                    if job.user and job.user.id else None)
                with Transaction().set_context(language=language):
                    error = gettext('pharma_hospital.msg_job_interrupted',
                        hours=int(timeout.total_seconds() // 3600))
                job._finish('failed', error)
            cls.delete(cls.search([
                        ('state', 'in', ['done', 'failed']),
                        ('finished_at', '<', now - keep),
                        ]))

    @classmethod
    def _task_taken(cls, job):
        "Whether a worker took the queue task of job (or it is gone)"
        pool = Pool()
        Queue = pool.get('ir.queue')
        for task in Queue.search([('finished_at', '=', None)]):
            data = task.data or {}
            instances = data.get('instances')
            if (data.get('model') == cls.__name__
                    and (instances == job.id or (
                            isinstance(instances, list)
                            and job.id in instances))):
                return bool(task.dequeued_at)
        return True

    def get_data(self):
        if self.data:
            return json.loads(self.data, object_hook=JSONDecoder())

    # -- running it -------------------------------------------------------

    @classmethod
    def run(cls, jobs):
        "Run the queued jobs (the ir.queue task)"
        for job in jobs:
            # 'running': the task is retried (trytond-worker retries a task
            # whose transaction failed on a database error; on PostgreSQL
            # the state was committed apart from the work, rolled back)
            if job.state not in {'queued', 'running'}:
                # already run (a task run twice)
                continue
            job._run()

    def _run(self):
        context = {}
        if self.company:
            context['company'] = self.company.id
        if self.user and self.user.id:
            # the work's texts (result, errors) in the language of the user
            # who asked, as in their request (Tryton's queue drops the
            # request's language: the task would run in the database's)
            context['language'] = user_language(self.user)
        self.set_status(state='running', started_at=datetime.datetime.now(),
            message=None)
        with Transaction().set_context(**context):
            try:
                with savepoint():
                    result = getattr(self, '_run_%s' % self.kind)()
            except backend.DatabaseOperationalError:
                # a lock or serialization failure: the worker retries the
                # task
                raise
            except (UserError, UserWarning) as exception:
                message = exception.message
                if exception.description:
                    message += '\n' + exception.description
                self._finish('failed', message)
            except Exception:
                # a bug, not the user's error: its text may show data the
                # user may not read (SQL, values), so it goes to the log
                # and the user gets the job's number to report
                logger.exception("job %s (%s) failed", self.id, self.kind)
                self._finish('failed', gettext(
                        'pharma_hospital.msg_job_error', job=self.id))
            else:
                self._finish('done', result)

    def _finish(self, state, text):
        values = {
            'state': state,
            'finished_at': datetime.datetime.now(),
            'data': None,
            }
        if state == 'failed':
            values['message'] = text
        else:
            # the total set_progress wrote is on the instance: on
            # PostgreSQL the work's transaction does not see it in the table
            total = self.progress_total
            if total:
                values['progress_done'] = total
            if isinstance(text, tuple):
                text, values['origin'] = text
            elif isinstance(text, dict):
                # {'result': text, 'origin': record, 'file': bytes,
                # 'filename': name}
                result = text
                text = result.get('result')
                values['origin'] = result.get('origin')
                if result.get('file') is not None:
                    values['result_file'] = result['file']
                    values['result_filename'] = result.get('filename')
            values['result'] = text
            values['message'] = None
        self.set_status(**values)
        self.notify_owner(state, text if state == 'failed' else None)

    def notify_owner(self, state, error=None):
        "Tell the user who asked that the job finished or failed"
        if not self.user or not self.user.id:
            # asked by the system (a cron): no one to tell
            return
        if state == 'failed':
            label = Message('pharma_hospital.msg_job_failed_label',
                job=self.description or '')
            description = Message('pharma_hospital.msg_job_failed',
                job=self.description or '', error=error or '')
        else:
            label = Message('pharma_hospital.msg_job_done_label',
                job=self.description or '')
            description = Message('pharma_hospital.msg_job_done',
                job=self.description or '')
        notify_users([{
                    'user': self.user.id,
                    'label': label,
                    'description': description,
                    'icon': 'tryton-error' if state == 'failed'
                    else 'tryton-info',
                    'model': self.__name__,
                    'record_ids': [self.id],
                    }])

    def set_progress(self, done, total=None, message=None):
        "Record the progress of the work (from the work)"
        values = {'progress_done': done}
        if total is not None:
            # kept on the instance for _finish (a job has no attribute of
            # its own outside its fields: __slots__)
            values['progress_total'] = self.progress_total = total
        if message is not None:
            values['message'] = message
        self.set_status(**values)

    def set_status(self, **values):
        """Write values on the job: on PostgreSQL in a transaction of its
        own, committed at once (seen by the user while the work runs),
        unless the job is not committed yet (a test): then, as on SQLite,
        in the current transaction"""
        transaction = Transaction()
        if (backend.name == 'postgresql'
                and not transaction.context.get('pharma_job_inline')):
            if self._write_committed(values):
                return
        # bypass: jobs are written by the suite's code only
        with transaction.set_context(_check_access=False):
            self.write([self], values)

    def _write_committed(self, values):
        table = self.__table__()
        columns, sql_values = [], []
        for name, value in values.items():
            field = self._fields[name]
            columns.append(getattr(table, name))
            sql_values.append(field.sql_format(value))
        columns += [table.write_date, table.write_uid]
        sql_values += [CurrentTimestamp(), Transaction().user]
        with Transaction().new_transaction() as transaction:
            cursor = transaction.connection.cursor()
            cursor.execute(*table.update(columns, sql_values,
                    where=table.id == self.id))
            return bool(cursor.rowcount)

    # -- the kinds --------------------------------------------------------

    def _run_wizard(self):
        """Run the method of a wizard on its saved values: data is
        {'wizard': name, 'method': name, 'states': {state: values}};
        the method gets the job and returns the result text (or
        (text, record), or a dict with result, origin, file and
        filename)"""
        pool = Pool()
        Session = pool.get('ir.session.wizard')
        data = self.get_data()
        Wizard = pool.get(data['wizard'], type='wizard')
        session, = Session.create([{
                    'data': json.dumps(data['states'], cls=JSONEncoder,
                        separators=(',', ':')),
                    }])
        try:
            wizard = Wizard(session.id)
            return getattr(wizard, data['method'])(self)
        finally:
            Session.delete([session])

    def _run_import(self):
        return self._run_wizard()


class QueuedWizardMixin:
    "A wizard whose long work runs as a pharma.job"
    __slots__ = ()

    def queue_job(self, kind, method, description, total=None):
        """Queue self.method(job) to run on this wizard's current values
        (its views' values are saved in the job); return the job"""
        pool = Pool()
        Job = pool.get('pharma.job')
        states = {}
        for state_name, state in self.states.items():
            if hasattr(state, 'model_name') and getattr(
                    self, state_name, None) is not None:
                states[state_name] = getattr(self, state_name)._default_values
        return Job.enqueue(kind, description, {
                'wizard': self.__name__,
                'method': method,
                'states': states,
                }, total=total)


class JobQueued(ModelView):
    "The page a wizard ends on when its work is queued"
    __name__ = 'pharma.job.queued'
    job = fields.Many2One('pharma.job', "Job", readonly=True)
    text = fields.Text("Message", readonly=True)

    @classmethod
    def values(cls, job):
        return {
            'job': job.id,
            'text': gettext('pharma_hospital.msg_job_queued',
                job=job.description or ''),
            }
