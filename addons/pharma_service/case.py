# This file is part of the pharma suite. See README.md for license terms.
import datetime as dt
import json
from collections import defaultdict

from trytond.i18n import gettext
from trytond.model import (
    ChatMixin, Index, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.modules.company import CompanyReport
from trytond.modules.company.model import set_employee
from trytond.modules.pharma_hospital.notify import Message, render
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction
from trytond.modules.pharma_hospital.access import readable_name

from .exceptions import CaseAccessError, CaseError, CaseValidationError

CASE_TYPES = [
    ('complaint', "Complaint"),
    ('medical_inquiry', "Medical Inquiry"),
    ('technical_support', "Technical Support"),
    ('adverse_event', "Adverse Event"),
    ]
PRIORITIES = [
    ('low', "Low"),
    ('normal', "Normal"),
    ('high', "High"),
    ('urgent', "Urgent"),
    ]
SERIOUSNESS = [
    (None, ""),
    ('death', "Death"),
    ('life_threatening', "Life-Threatening"),
    ('hospitalisation', "Hospitalisation or Prolonged Hospitalisation"),
    ('disability', "Disability or Incapacity"),
    ('congenital', "Congenital Anomaly or Birth Defect"),
    ('other_serious', "Other Medically Important"),
    ('non_serious', "Non-Serious"),
    ]
SERIOUS = {
    'death', 'life_threatening', 'hospitalisation', 'disability',
    'congenital', 'other_serious'}
OPEN_STATES = ['open', 'in_progress', 'waiting']
COMPLAINT_ORIGINS = [
    'sale.sale', 'sale.line', 'account.invoice', 'account.invoice.line']


class SLA(ModelSQL, ModelView):
    "Response time target of a service case per type and priority"
    __name__ = 'pharma.service.sla'
    case_type = fields.Selection(CASE_TYPES, "Case Type", required=True)
    priority = fields.Selection(PRIORITIES, "Priority", required=True)
    hours = fields.Integer(
        "Hours", required=True,
        domain=[('hours', '>=', 0)],
        help="Hours from the opening of a case to its response target.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('type_priority_uniq', Unique(t, t.case_type, t.priority),
                'pharma_service.msg_sla_unique'),
            ]
        cls._order = [
            ('case_type', 'ASC'), ('priority', 'ASC'), ('id', 'ASC')]

    @classmethod
    def get_hours(cls):
        "Return a dictionary (case_type, priority) -> hours"
        # bypass: the service levels are read by the code of every role
        with Transaction().set_context(_check_access=False):
            return {(s.case_type, s.priority): s.hours
                for s in cls.search([])}


class Case(Workflow, ModelSQL, ModelView, ChatMixin):
    "Service case: complaint, inquiry, technical support or adverse event"
    __name__ = 'pharma.service.case'
    _rec_name = 'number'

    _states = {
        'readonly': Eval('state') == 'closed',
        }
    _ae_states = {
        'invisible': Eval('case_type') != 'adverse_event',
        'readonly': Eval('state') == 'closed',
        }

    number = fields.Char("Number", readonly=True)
    company = fields.Many2One(
        'company.company', "Company", required=True,
        states={
            'readonly': _states['readonly'] | Bool(Eval('number')),
            })
    case_type = fields.Selection(
        CASE_TYPES, "Type", required=True, states=_states)
    channel = fields.Selection([
            ('hotline', "Hotline"),
            ('rep', "Representative"),
            ('email', "Email"),
            ('wechat', "WeChat"),
            ('visit', "Visit"),
            ], "Channel", required=True, states=_states)
    date = fields.DateTime("Opened", required=True, states=_states)
    party = fields.Many2One(
        'party.party', "Party", states=_states,
        context={'company': Eval('company', -1)}, depends={'company'},
        help="The hospital, doctor or distributor concerned.")
    contact = fields.Char("Contact", states=_states,
        help="Name and telephone of the caller.")
    product = fields.Many2One(
        'product.product', "Product", states=_states,
        context={'company': Eval('company', -1)}, depends={'company'})
    lot = fields.Char("Batch", states=_states)
    description = fields.Text("Description", states=_states)
    resolution = fields.Text("Resolution", states=_states)
    priority = fields.Selection(
        PRIORITIES, "Priority", required=True, states=_states, sort=False)
    owner = fields.Many2One(
        'company.employee', "Owner", states=_states,
        domain=[('company', '=', Eval('company', -1))])
    state = fields.Selection([
            ('open', "Open"),
            ('in_progress', "In Progress"),
            ('waiting', "Waiting"),
            ('resolved', "Resolved"),
            ('closed', "Closed"),
            ], "State", required=True, readonly=True, sort=False)
    due_date = fields.DateTime(
        "Response Due", readonly=True,
        help="Computed from the service level of the type and priority.")
    resolved_date = fields.DateTime("Resolved", readonly=True)
    resolved_by = fields.Many2One(
        'company.employee', "Resolved By", readonly=True)
    overdue = fields.Function(
        fields.Boolean("Overdue"), 'get_overdue', searcher='search_overdue')

    # Complaints on an order or an invoice
    complaint_origin = fields.Reference(
        "Order or Invoice", selection='get_complaint_origins',
        states={
            'invisible': Eval('case_type') != 'complaint',
            'readonly': _states['readonly'] | Bool(Eval('sale_complaint')),
            },
        domain={
            'sale.sale': [
                ('company', '=', Eval('company', -1)),
                If(Eval('party'), ('party', '=', Eval('party', -1)), ()),
                ],
            'sale.line': [
                ('sale.company', '=', Eval('company', -1)),
                If(Eval('party'), ('sale.party', '=', Eval('party', -1)),
                    ()),
                ],
            'account.invoice': [
                ('company', '=', Eval('company', -1)),
                ('type', '=', 'out'),
                If(Eval('party'), ('party', '=', Eval('party', -1)), ()),
                ],
            'account.invoice.line': [
                ('invoice.company', '=', Eval('company', -1)),
                ('invoice.type', '=', 'out'),
                If(Eval('party'),
                    ('invoice.party', '=', Eval('party', -1)), ()),
                ],
            })
    sale_complaint = fields.Many2One(
        'sale.complaint', "Sale Complaint", readonly=True,
        states={
            'invisible': Eval('case_type') != 'complaint',
            })

    # Adverse events
    seriousness = fields.Selection(
        SERIOUSNESS, "Seriousness", states={
            'invisible': _ae_states['invisible'],
            'readonly': _ae_states['readonly'],
            'required': Eval('case_type') == 'adverse_event',
            })
    onset_date = fields.Date("Onset Date", states=_ae_states)
    outcome = fields.Selection([
            (None, ""),
            ('recovered', "Recovered"),
            ('recovering', "Recovering"),
            ('not_recovered', "Not Recovered"),
            ('sequelae', "Recovered with Sequelae"),
            ('death', "Death"),
            ('unknown', "Unknown"),
            ], "Outcome", states=_ae_states)
    patient_initials = fields.Char(
        "Patient Initials", size=10, states=_ae_states,
        help="Initials only: no name, no identifier.")
    patient_age = fields.Integer(
        "Patient Age", states=_ae_states,
        domain=['OR',
            ('patient_age', '=', None),
            [('patient_age', '>=', 0), ('patient_age', '<=', 150)],
            ])
    patient_sex = fields.Selection([
            (None, ""),
            ('male', "Male"),
            ('female', "Female"),
            ('unknown', "Unknown"),
            ], "Patient Sex", states=_ae_states)
    reporter = fields.Many2One(
        'party.party', "Reporter", states=_ae_states,
        context={'company': Eval('company', -1)}, depends={'company'})
    reporter_name = fields.Char(
        "Reporter Name", states=_ae_states,
        help="When the reporter is not a party.")
    reporter_type = fields.Selection([
            (None, ""),
            ('physician', "Physician"),
            ('pharmacist', "Pharmacist"),
            ('other_hcp', "Other Health Professional"),
            ('patient', "Patient or Consumer"),
            ('rep', "Representative"),
            ('other', "Other"),
            ], "Reporter Type", states=_ae_states)
    awareness_date = fields.Date(
        "Awareness Date", states={
            'invisible': _ae_states['invisible'],
            'readonly': _ae_states['readonly'],
            'required': Eval('case_type') == 'adverse_event',
            },
        help="The day the company first learned of the adverse event.")
    report_due_date = fields.Date(
        "Report Due Date", readonly=True,
        states={'invisible': _ae_states['invisible']},
        help="Regulatory deadline counted from the awareness date.")
    reported_date = fields.Date(
        "Reported Date", states=_ae_states,
        domain=[If(Bool(Eval('reported_date')) & Bool(Eval('awareness_date')),
                ('reported_date', '>=', Eval('awareness_date')),
                ())],
        help="The day the report was sent to the authority.")
    ae_overdue = fields.Function(
        fields.Boolean("Report Overdue",
            states={'invisible': _ae_states['invisible']}),
        'get_ae_overdue', searcher='search_ae_overdue')

    # Knowledge base
    articles = fields.Many2Many(
        'pharma.service.case-pharma.service.article', 'case', 'article',
        "Articles",
        domain=[
            ('state', '=', 'approved'),
            If(Eval('product'),
                ['OR',
                    ('product', '=', None),
                    ('product', '=', Eval('product', -1)),
                    ],
                []),
            ],
        help="Approved answers used for this case.")
    suggested_articles = fields.Function(fields.Many2Many(
            'pharma.service.article', None, None, "Suggested Articles",
            help="Approved articles about the product of the case."),
        'get_suggested_articles')
    created_articles = fields.One2Many(
        'pharma.service.article', 'case', "Created Articles", readonly=True)

    case_type_string = case_type.translated('case_type')
    channel_string = channel.translated('channel')
    state_string = state.translated('state')
    seriousness_string = seriousness.translated('seriousness')
    outcome_string = outcome.translated('outcome')
    patient_sex_string = patient_sex.translated('patient_sex')
    reporter_type_string = reporter_type.translated('reporter_type')

    del _states, _ae_states

    @classmethod
    def __setup__(cls):
        cls.number.search_unaccented = False
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.party, Index.Range())),
                Index(t, (t.owner, Index.Range())),
                Index(
                    t,
                    (t.state, Index.Equality(cardinality='low')),
                    where=t.state.in_(OPEN_STATES)),
                Index(
                    t,
                    (t.report_due_date, Index.Range()),
                    where=(t.case_type == 'adverse_event')
                    & (t.reported_date == None)),  # noqa: E711
                })
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= set((
                ('open', 'in_progress'),
                ('open', 'waiting'),
                ('in_progress', 'waiting'),
                ('waiting', 'in_progress'),
                ('open', 'resolved'),
                ('in_progress', 'resolved'),
                ('waiting', 'resolved'),
                ('resolved', 'closed'),
                ('resolved', 'in_progress'),
                ('closed', 'in_progress'),
                ))
        cls._buttons.update({
                'process': {
                    'invisible': ~Eval('state').in_(
                        ['open', 'waiting', 'resolved', 'closed']),
                    'icon': If(Eval('state').in_(['resolved', 'closed']),
                        'tryton-undo', 'tryton-forward'),
                    'depends': ['state'],
                    },
                'wait': {
                    'invisible': ~Eval('state').in_(['open', 'in_progress']),
                    'depends': ['state'],
                    },
                'resolve': {
                    'invisible': ~Eval('state').in_(OPEN_STATES),
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': Eval('state') != 'resolved',
                    'depends': ['state'],
                    },
                'create_sale_complaint': {
                    'invisible': ((Eval('case_type') != 'complaint')
                        | Bool(Eval('sale_complaint'))
                        | ~Eval('state').in_(OPEN_STATES)),
                    'readonly': ~Eval('complaint_origin'),
                    'depends': [
                        'case_type', 'sale_complaint', 'state',
                        'complaint_origin'],
                    },
                'mark_reported': {
                    'invisible': ((Eval('case_type') != 'adverse_event')
                        | Bool(Eval('reported_date'))),
                    'depends': ['case_type', 'reported_date'],
                    },
                'create_article': {
                    'invisible': ~Eval('state').in_(['resolved', 'closed']),
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'open'

    @classmethod
    def default_priority(cls):
        return 'normal'

    @classmethod
    def default_channel(cls):
        return 'hotline'

    @classmethod
    def default_case_type(cls):
        return 'complaint'

    @classmethod
    def default_date(cls):
        return dt.datetime.now().replace(microsecond=0)

    @classmethod
    def default_owner(cls):
        return Transaction().context.get('employee')

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('//page[@id="adverse_event"]', 'states', {
                    'invisible': Eval('case_type') != 'adverse_event',
                    }),
            ('/tree', 'visual', If(Eval('overdue', False)
                    | Eval('ae_overdue', False), 'danger', '')),
            ]

    @classmethod
    def get_complaint_origins(cls):
        pool = Pool()
        IrModel = pool.get('ir.model')
        get_name = IrModel.get_name
        return [(None, '')] + [(m, get_name(m)) for m in COMPLAINT_ORIGINS]

    @fields.depends('complaint_origin', 'party')
    def on_change_complaint_origin(self):
        pool = Pool()
        Sale = pool.get('sale.sale')
        SaleLine = pool.get('sale.line')
        Invoice = pool.get('account.invoice')
        InvoiceLine = pool.get('account.invoice.line')
        origin = self.complaint_origin
        if self.party or not origin or origin.id is None or origin.id < 0:
            return
        if isinstance(origin, (Sale, Invoice)):
            self.party = origin.party
        elif isinstance(origin, SaleLine) and origin.sale:
            self.party = origin.sale.party
        elif isinstance(origin, InvoiceLine) and origin.invoice:
            self.party = origin.invoice.party

    @fields.depends('reporter', 'reporter_type')
    def on_change_reporter(self):
        if self.reporter and not self.reporter_type:
            if self.reporter.pharma_type == 'doctor':
                self.reporter_type = 'physician'

    @fields.depends('seriousness', 'priority')
    def on_change_seriousness(self):
        if self.seriousness in SERIOUS:
            self.priority = 'urgent'

    # Service level

    @classmethod
    def _now(cls):
        return dt.datetime.now()

    def compute_due_date(self, hours=None):
        if hours is None:
            hours = self.__class__._sla_hours()
        value = hours.get((self.case_type, self.priority))
        if value is not None and self.date:
            return self.date + dt.timedelta(hours=value)

    @classmethod
    def _sla_hours(cls):
        pool = Pool()
        SLA = pool.get('pharma.service.sla')
        return SLA.get_hours()

    def get_overdue(self, name):
        return bool(self.state in OPEN_STATES
            and self.due_date and self.due_date < self._now())

    @classmethod
    def search_overdue(cls, name, clause):
        _, operator, value = clause
        positive = (operator == '=') == bool(value)
        now = cls._now()
        if positive:
            return [
                ('state', 'in', OPEN_STATES),
                ('due_date', '!=', None),
                ('due_date', '<', now),
                ]
        return ['OR',
            ('state', 'not in', OPEN_STATES),
            ('due_date', '=', None),
            ('due_date', '>=', now),
            ]

    # Adverse event deadline

    def compute_report_due_date(self, config=None):
        pool = Pool()
        Configuration = pool.get('pharma.configuration')
        if self.case_type != 'adverse_event' or not self.awareness_date:
            return None
        if config is None:
            config = Configuration.get_config(self.company)
        if self.seriousness == 'death' or self.outcome == 'death':
            days = config.ae_death_days
            default = 0
        elif self.seriousness in SERIOUS:
            days = config.ae_serious_days
            default = 15
        else:
            days = config.ae_other_days
            default = 30
        if days is None:
            days = default
        return self.awareness_date + dt.timedelta(days=days)

    @classmethod
    def _today(cls):
        pool = Pool()
        Date = pool.get('ir.date')
        return Date.today()

    def get_ae_overdue(self, name):
        return bool(self.case_type == 'adverse_event'
            and not self.reported_date
            and self.report_due_date
            and self.report_due_date < self._today())

    @classmethod
    def search_ae_overdue(cls, name, clause):
        _, operator, value = clause
        positive = (operator == '=') == bool(value)
        today = cls._today()
        if positive:
            return [
                ('case_type', '=', 'adverse_event'),
                ('reported_date', '=', None),
                ('report_due_date', '!=', None),
                ('report_due_date', '<', today),
                ]
        return ['OR',
            ('case_type', '!=', 'adverse_event'),
            ('reported_date', '!=', None),
            ('report_due_date', '=', None),
            ('report_due_date', '>=', today),
            ]

    @classmethod
    def _due_fields(cls):
        return {
            'case_type', 'priority', 'date', 'seriousness', 'outcome',
            'awareness_date', 'company'}

    @classmethod
    def update_due_dates(cls, cases):
        "Store the response and report due dates of the cases"
        pool = Pool()
        Configuration = pool.get('pharma.configuration')
        hours = cls._sla_hours()
        configs = {}
        to_write = defaultdict(list)
        for case in cases:
            if case.company.id not in configs:
                configs[case.company.id] = Configuration.get_config(
                    case.company)
            due_date = case.compute_due_date(hours)
            report_due_date = case.compute_report_due_date(
                configs[case.company.id])
            if (due_date != case.due_date
                    or report_due_date != case.report_due_date):
                to_write[(due_date, report_due_date)].append(case)
        if to_write:
            args = []
            for (due_date, report_due_date), records in to_write.items():
                args.extend((records, {
                            'due_date': due_date,
                            'report_due_date': report_due_date,
                            }))
            cls.write(*args)

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Configuration = pool.get('pharma.configuration')
        ModelData = pool.get('ir.model.data')
        Sequence = pool.get('ir.sequence')
        values = super().preprocess_values(mode, values)
        if mode == 'create' and not values.get('number'):
            company_id = values.get('company', cls.default_company())
            config = Configuration.get_config(company_id)
            sequence = config.service_case_sequence
            if not sequence:
                sequence = Sequence(
                    ModelData.get_id('pharma_service', 'sequence_case'))
            values['number'] = sequence.get()
        return values

    @classmethod
    def on_modification(cls, mode, cases, field_names=None):
        super().on_modification(mode, cases, field_names=field_names)
        if mode == 'create' or (mode == 'write'
                and (field_names is None
                    or cls._due_fields() & set(field_names))):
            cls.update_due_dates(cls.browse(cases))

    @classmethod
    def validate_fields(cls, cases, field_names):
        super().validate_fields(cases, field_names)
        cls.check_awareness(cases, field_names)

    @classmethod
    def check_awareness(cls, cases, field_names=None):
        if field_names and not (
                {'case_type', 'awareness_date', 'onset_date'}
                & set(field_names)):
            return
        for case in cases:
            if case.case_type != 'adverse_event':
                continue
            if not case.awareness_date:
                raise CaseValidationError(gettext(
                        'pharma_service.msg_case_awareness_required',
                        case=readable_name(case)))
            if case.onset_date and case.onset_date > case.awareness_date:
                raise CaseValidationError(gettext(
                        'pharma_service.msg_case_onset_after_awareness',
                        case=readable_name(case)))

    @classmethod
    def check_modification(cls, mode, cases, values=None, external=False):
        super().check_modification(
            mode, cases, values=values, external=external)
        if mode == 'delete':
            for case in cases:
                if case.state != 'open' or case.sale_complaint:
                    raise CaseError(gettext(
                            'pharma_service.msg_case_delete_open',
                            case=readable_name(case)))
        # the reported date is the report to the authority: set by those
        # who may click mark_reported (its button groups), not by any user
        # who may write the case
        if external and ((mode == 'write' and 'reported_date' in values
                    and any(c.reported_date != values['reported_date']
                        for c in cases))
                or (mode == 'create'
                    and any(c.reported_date for c in cases))):
            cls.check_report_access()

    @classmethod
    def check_report_access(cls):
        "Raise unless the user is in the groups of the mark_reported button"
        pool = Pool()
        Button = pool.get('ir.model.button')
        User = pool.get('res.user')
        groups = Button.get_groups(cls.__name__, 'mark_reported')
        if groups and not groups & set(User.get_groups()):
            raise CaseAccessError(gettext(
                    'pharma_service.msg_case_reported_date_access'))

    @classmethod
    def copy(cls, cases, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('number', None)
        default.setdefault('sale_complaint', None)
        default.setdefault('due_date', None)
        default.setdefault('report_due_date', None)
        default.setdefault('reported_date', None)
        default.setdefault('resolved_date', None)
        default.setdefault('resolved_by', None)
        default.setdefault('created_articles', None)
        return super().copy(cases, default=default)

    # Workflow

    @classmethod
    @ModelView.button
    @Workflow.transition('in_progress')
    def process(cls, cases):
        cls.write(cases, {'resolved_date': None, 'resolved_by': None})

    @classmethod
    @ModelView.button
    @Workflow.transition('waiting')
    def wait(cls, cases):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('resolved')
    @set_employee('resolved_by')
    def resolve(cls, cases):
        cls.write(cases, {'resolved_date': cls._now().replace(microsecond=0)})

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, cases):
        pass

    @classmethod
    @ModelView.button
    def mark_reported(cls, cases):
        cases = [c for c in cases
            if c.case_type == 'adverse_event' and not c.reported_date]
        if cases:
            cls.write(cases, {'reported_date': cls._today()})

    # Sale complaint

    def _complaint_type(self, types):
        "Return the sale.complaint.type for the origin"
        pool = Pool()
        Type = pool.get('sale.complaint.type')
        IrModel = pool.get('ir.model')
        model = self.complaint_origin.__name__
        if model not in types:
            found = Type.search([('origin.name', '=', model)], limit=1)
            if found:
                types[model], = found
            else:
                ir_model, = IrModel.search([('name', '=', model)])
                types[model], = Type.create([{
                            'name': IrModel.get_name(model),
                            'origin': ir_model.id,
                            }])
        return types[model]

    def _complaint_action(self):
        "Return the default sale.complaint.action values for the origin"
        model = self.complaint_origin.__name__
        if model in {'sale.sale', 'sale.line'}:
            return {'action': 'sale_return'}
        return {'action': 'credit_note'}

    def _complaint_customer(self):
        pool = Pool()
        SaleLine = pool.get('sale.line')
        InvoiceLine = pool.get('account.invoice.line')
        origin = self.complaint_origin
        if isinstance(origin, SaleLine):
            return origin.sale.party
        elif isinstance(origin, InvoiceLine):
            return origin.invoice.party
        return origin.party

    def get_sale_complaint(self, types):
        "Return the values to create the sale.complaint of the case"
        description = '%s\n%s' % (self.number or '', self.description or '')
        return {
            'company': self.company.id,
            'customer': self._complaint_customer().id,
            'type': self._complaint_type(types).id,
            'origin': str(self.complaint_origin),
            'reference': self.number,
            'description': description.strip(),
            'actions': [('create', [self._complaint_action()])],
            }

    @classmethod
    @ModelView.button
    def create_sale_complaint(cls, cases):
        pool = Pool()
        Complaint = pool.get('sale.complaint')
        to_create, to_link = [], []
        types = {}
        for case in cases:
            if case.case_type != 'complaint' or case.sale_complaint:
                continue
            if not case.complaint_origin or case.complaint_origin.id < 0:
                raise CaseError(gettext(
                        'pharma_service.msg_case_complaint_origin_required',
                        case=readable_name(case)))
            to_create.append(case.get_sale_complaint(types))
            to_link.append(case)
        if not to_create:
            return
        complaints = Complaint.create(to_create)
        args = []
        for case, complaint in zip(to_link, complaints):
            args.extend(([case], {'sale_complaint': complaint.id}))
        cls.write(*args)
        cls.process([c for c in to_link if c.state == 'open'])

    # Knowledge base

    def get_article(self):
        pool = Pool()
        Article = pool.get('pharma.service.article')
        return Article(
            question=self.description or self.rec_name,
            answer=self.resolution,
            product=self.product,
            case=self,
            state='draft')

    @classmethod
    @ModelView.button
    def create_article(cls, cases):
        pool = Pool()
        Article = pool.get('pharma.service.article')
        for case in cases:
            if not case.resolution:
                raise CaseError(gettext(
                        'pharma_service.msg_case_article_resolution',
                        case=readable_name(case)))
        articles = [c.get_article() for c in cases]
        Article.save(articles)
        return articles

    @classmethod
    def get_suggested_articles(cls, cases, name):
        pool = Pool()
        Article = pool.get('pharma.service.article')
        result = {c.id: [] for c in cases}
        product_ids = {c.product.id for c in cases if c.product}
        if not product_ids:
            return result
        product2articles = defaultdict(list)
        for article in Article.search([
                    ('state', '=', 'approved'),
                    ('product', 'in', list(product_ids)),
                    ]):
            product2articles[article.product.id].append(article.id)
        for case in cases:
            if case.product:
                result[case.id] = product2articles[case.product.id]
        return result

    # Adverse event alerts

    @classmethod
    def _alert_days(cls):
        "Days before the deadline when the owner and quality are told"
        return [3, 1, 0]

    @classmethod
    def _alert_groups(cls):
        return [
            ('pharma_hospital', 'group_pharma_quality'),
            ('pharma_hospital', 'group_pharma_medical'),
            ]

    @classmethod
    def _alert_users(cls, cases):
        "Return a dictionary case -> set of user ids to notify"
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        group_ids = [ModelData.get_id(m, x) for m, x in cls._alert_groups()]
        common = {u.id for u in User.search([
                    ('groups', 'in', group_ids),
                    ])}
        owners = {c.owner.id for c in cases if c.owner}
        owner2users = defaultdict(set)
        if owners:
            for user in User.search([('employees', 'in', list(owners))]):
                for employee in user.employees:
                    owner2users[employee.id].add(user.id)
        return {c: common | owner2users.get(c.owner.id if c.owner else None,
                set()) for c in cases}

    @classmethod
    def send_ae_alerts(cls, date=None):
        "Notify the adverse events near or past their reporting deadline"
        pool = Pool()
        Notification = pool.get('res.notification')
        ModelData = pool.get('ir.model.data')
        if date is None:
            date = cls._today()
        company_id = Transaction().context.get('company')
        alert_dates = [date + dt.timedelta(days=d) for d in cls._alert_days()]
        # Without company in the context (cron not registered for
        # companies), all of them are checked
        company_domain = [('company', '=', company_id)] if company_id else []
        # bypass: the cron checks overdue cases of every company
        with Transaction().set_context(_check_access=False):
            cases = cls.search([
                    company_domain,
                    ('case_type', '=', 'adverse_event'),
                    ('reported_date', '=', None),
                    ('report_due_date', '!=', None),
                    ['OR',
                        ('report_due_date', 'in', alert_dates),
                        ('report_due_date', '<', date),
                        ],
                    ])
            if not cases:
                return []
            action_id = ModelData.get_id('pharma_service', 'act_case_form')
            notifications = []
            for case, users in cls._alert_users(cases).items():
                days = (case.report_due_date - date).days
                # rendered in each recipient's language (dates in its format)
                if days < 0:
                    label = Message(
                        'pharma_service.msg_case_ae_alert_overdue',
                        case=case.rec_name)
                else:
                    label = Message(
                        'pharma_service.msg_case_ae_alert_due',
                        case=case.rec_name, days=days)
                description = Message(
                    'pharma_service.msg_case_ae_alert_description',
                    product=case.product.rec_name if case.product else '',
                    deadline=case.report_due_date)
                for user in sorted(users):
                    notifications.append(Notification(
                            user=user,
                            label=render(label, user),
                            description=render(description, user),
                            icon='tryton-warning',
                            model=cls.__name__,
                            records=json.dumps([case.id]),
                            action=action_id))
            Notification.save(notifications)
        return notifications

    # Hand-over

    @classmethod
    def pharma_handover(cls, from_employee, to_employee, parties, log):
        cases = cls.search([
                ('owner', '=', from_employee.id),
                ('party', 'in', [p.id for p in parties]),
                ('state', 'in', OPEN_STATES),
                ])
        if cases:
            cls.write(cases, {'owner': to_employee.id})
        return [(c, gettext('pharma_service.msg_case_handover',
                    case=c.rec_name)) for c in cases]


class AdverseEventReport(CompanyReport):
    __name__ = 'pharma.service.case.adverse_event'

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        context['serious'] = SERIOUS
        return context


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('pharma.service.case|send_ae_alerts',
                "Send Adverse Event Deadline Alerts"))


class Handover(metaclass=PoolMeta):
    __name__ = 'pharma.handover'

    @classmethod
    def _handover_models(cls):
        return super()._handover_models() + ['pharma.service.case']
