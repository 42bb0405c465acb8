# This file is part of the pharma suite. See README.md for license terms.
import datetime
import hashlib
from collections import defaultdict
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import ValidationError
from trytond.modules.pharma_hospital.access import readable_name
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

EVENT_TYPES = [
    ('seminar', "Seminar"),
    ('department_meeting', "Department Meeting"),
    ('conference', "Conference"),
    ('online', "Online Meeting"),
    ]
EVENT_STATES = [
    ('draft', "Draft"),
    ('submitted', "Submitted"),
    ('approved', "Approved"),
    ('done', "Done"),
    ('cancelled', "Cancelled"),
    ]
INVITATION_STATES = [
    ('invited', "Invited"),
    ('confirmed', "Confirmed"),
    ('attended', "Attended"),
    ('no_show', "No-Show"),
    ('cancelled', "Cancelled"),
    ]
EVIDENCE_KINDS = [
    ('agenda', "Agenda"),
    ('sign_in', "Sign-in Sheet"),
    ('photo', "Photo"),
    ('invoice', "Invoice"),
    ('speaker_fee', "Speaker Fee Confirmation"),
    ('other', "Other"),
    ]


class EventError(ValidationError):
    pass


class Event(Workflow, ModelSQL, ModelView):
    "Academic Event"
    __name__ = 'pharma.event'
    _states = {
        'readonly': Eval('state').in_(['done', 'cancelled']),
        }
    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    topic = fields.Char("Topic", required=True, states=_states)
    event_type = fields.Selection(
        EVENT_TYPES, "Type", required=True, states=_states)
    product = fields.Many2One('product.product', "Product", states=_states,
        context={'company': Eval('company', -1)}, depends={'company'})
    date = fields.DateTime("Date", required=True, states=_states)
    end_date = fields.DateTime("End Date", states=_states,
        domain=[If(Eval('date') & Eval('end_date'),
                ('end_date', '>=', Eval('date')), ())])
    place = fields.Char("Place", states=_states)
    organiser = fields.Many2One(
        'company.employee', "Organiser", required=True,
        domain=[('company', '=', Eval('company', -1))], states=_states)
    speakers = fields.One2Many(
        'pharma.event.speaker', 'event', "Speakers", states=_states)
    invitations = fields.One2Many(
        'pharma.event.invitation', 'event', "Invitations", states=_states)
    evidences = fields.One2Many(
        'pharma.event.evidence', 'event', "Evidence")
    currency = fields.Function(fields.Many2One(
            'currency.currency', "Currency"), 'on_change_with_currency')
    budget_estimated = fields.Numeric(
        "Estimated Budget", digits=(16, 2), states=_states)
    budget_committed = fields.Numeric(
        "Committed Budget", digits=(16, 2), states=_states)
    budget_actual = fields.Numeric(
        "Actual Cost", digits=(16, 2), states=_states)
    state = fields.Selection(
        EVENT_STATES, "State", readonly=True, required=True)
    reused_evidence = fields.Function(
        fields.Boolean("Reused Evidence"), 'get_reused_evidence')
    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.date, Index.Range()), (t.end_date, Index.Range())))
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'submitted'),
            ('submitted', 'draft'),
            ('submitted', 'approved'),
            ('approved', 'done'),
            ('draft', 'cancelled'),
            ('submitted', 'cancelled'),
            ('approved', 'cancelled'),
            ('cancelled', 'draft'),
            }
        cls._buttons.update({
                'draft': {
                    'invisible': ~Eval('state').in_(
                        ['submitted', 'cancelled']),
                    'depends': ['state'],
                    },
                'submit': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'approve': {
                    'invisible': Eval('state') != 'submitted',
                    'depends': ['state'],
                    },
                'do': {
                    'invisible': Eval('state') != 'approved',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': Eval('state').in_(['done', 'cancelled']),
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_organiser(cls):
        return Transaction().context.get('employee')

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_event_type(cls):
        return 'seminar'

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    def get_rec_name(self, name):
        return '%s (%s)' % (self.topic,
            self.date.strftime('%Y-%m-%d') if self.date else '')

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('topic',) + tuple(clause[1:])]

    @property
    def period(self):
        return self.date, self.end_date or self.date

    def get_reused_evidence(self, name):
        return any(e.reused for e in self.evidences)

    @classmethod
    def validate_fields(cls, events, field_names):
        super().validate_fields(events, field_names)
        cls.check_cap(events)

    @classmethod
    def check_cap(cls, events):
        pool = Pool()
        Configuration = pool.get('pharma.configuration')
        for event in events:
            config = Configuration.get_config(event.company)
            cap = config.cap_per_event or 0
            if not cap:
                continue
            cost = max(event.budget_committed or 0, event.budget_actual or 0,
                sum((i.cost or 0) for i in event.invitations
                    if i.state != 'cancelled')
                + sum((s.fee or 0) for s in event.speakers))
            if cost > cap:
                raise EventError(gettext(
                        'pharma_calls.msg_event_cap',
                        event=readable_name(event), cost=cost, cap=cap))

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, events):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('submitted')
    def submit(cls, events):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('approved')
    def approve(cls, events):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def do(cls, events):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, events):
        pass


class EventSpeaker(ModelSQL, ModelView):
    "Event Speaker"
    __name__ = 'pharma.event.speaker'
    event = fields.Many2One(
        'pharma.event', "Event", required=True, ondelete='CASCADE')
    party = fields.Many2One(
        'party.party', "Speaker", required=True, ondelete='RESTRICT')
    qualification = fields.Char("Qualification")
    contract_ref = fields.Char("Contract Reference")
    fee = fields.Numeric("Fee", digits=(16, 2))

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('event')


class EventInvitation(ModelSQL, ModelView):
    "Event Invitation"
    __name__ = 'pharma.event.invitation'
    event = fields.Many2One(
        'pharma.event', "Event", required=True, ondelete='CASCADE')
    doctor = fields.Many2One(
        'party.party', "Doctor", required=True, ondelete='RESTRICT',
        domain=[('pharma_type', '=', 'doctor')])
    invited_by = fields.Many2One(
        'company.employee', "Invited by", required=True)
    state = fields.Selection(INVITATION_STATES, "State", required=True)
    cost = fields.Numeric("Cost", digits=(16, 2))

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls.__access__.add('event')
        cls._sql_indexes.add(Index(t, (t.doctor, Index.Range())))

    @classmethod
    def default_invited_by(cls):
        return Transaction().context.get('employee')

    @classmethod
    def default_state(cls):
        return 'invited'

    def get_rec_name(self, name):
        return '%s @ %s' % (self.doctor.rec_name, self.event.rec_name)

    def readable_rec_name(self):
        "The rec_name naming doctor and event as far as the user may read"
        return '%s @ %s' % (
            readable_name(self.doctor), readable_name(self.event))

    @classmethod
    def validate_fields(cls, invitations, field_names):
        super().validate_fields(invitations, field_names)
        cls.check_conflicts(invitations)

    @classmethod
    def check_conflicts(cls, invitations):
        pool = Pool()
        Configuration = pool.get('pharma.configuration')
        for invitation in cls.browse(invitations):
            if invitation.state == 'cancelled':
                continue
            event = invitation.event
            config = Configuration.get_config(event.company)
            start, end = event.period
            # Same or overlapping event, invited by another rep
            overlapping = cls.search([
                    ('id', '!=', invitation.id),
                    ('doctor', '=', invitation.doctor.id),
                    ('state', '!=', 'cancelled'),
                    ('event.state', '!=', 'cancelled'),
                    ('event.date', '<=', end),
                    ['OR',
                        ('event.end_date', '>=', start),
                        [('event.end_date', '=', None),
                            ('event.date', '>=', start)],
                        ],
                    ])
            for other in overlapping:
                if other.invited_by != invitation.invited_by:
                    raise EventError(gettext(
                            'pharma_calls.msg_invitation_conflict',
                            doctor=readable_name(invitation.doctor),
                            event=readable_name(other.event),
                            employee=readable_name(other.invited_by)))
            days = config.event_period_days or 0
            window = datetime.timedelta(days=days)
            in_period = cls.search([
                    ('doctor', '=', invitation.doctor.id),
                    ('state', '!=', 'cancelled'),
                    ('event.state', '!=', 'cancelled'),
                    ('event.date', '>', start - window),
                    ('event.date', '<', start + window),
                    ]) if days else []
            maximum = config.event_max_per_doctor or 0
            events = {i.event.id for i in in_period}
            if maximum and len(events) > maximum:
                raise EventError(gettext(
                        'pharma_calls.msg_invitation_max_events',
                        doctor=readable_name(invitation.doctor),
                        maximum=maximum, days=days))
            cap = config.cap_per_attendee or 0
            if cap and (invitation.cost or 0) > cap:
                raise EventError(gettext(
                        'pharma_calls.msg_invitation_cap_attendee',
                        invitation=readable_name(invitation),
                        cost=invitation.cost, cap=cap))
            cap = config.cap_per_doctor or 0
            spend = sum((i.cost or 0) for i in in_period)
            if cap and days and spend > cap:
                raise EventError(gettext(
                        'pharma_calls.msg_invitation_cap_doctor',
                        doctor=readable_name(invitation.doctor),
                        spend=spend, cap=cap, days=days))


class EventEvidence(ModelSQL, ModelView):
    "Event Evidence"
    __name__ = 'pharma.event.evidence'
    event = fields.Many2One(
        'pharma.event', "Event", required=True, ondelete='CASCADE')
    kind = fields.Selection(EVIDENCE_KINDS, "Kind", required=True)
    name = fields.Char("Name", required=True)
    file = fields.Binary("File", filename='name', required=True)
    sha256 = fields.Char("SHA-256", readonly=True)
    reused = fields.Function(fields.Boolean("Reused",
            help="The same file is evidence of another event."),
        'get_reused', searcher='search_reused')
    reused_events = fields.Function(fields.Char("Reused on"), 'get_reused')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls.__access__.add('event')
        cls._sql_indexes.add(Index(t, (t.sha256, Index.Equality())))

    @classmethod
    def default_kind(cls):
        return 'photo'

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('file') is not None:
            values['sha256'] = hashlib.sha256(
                bytes(values['file'])).hexdigest()
        return values

    @classmethod
    def get_reused(cls, evidences, names):
        result = {n: {} for n in names}
        hashes = {e.sha256 for e in evidences if e.sha256}
        others = defaultdict(set)
        if hashes:
            for other in cls.search([('sha256', 'in', list(hashes))]):
                others[other.sha256].add(other.event)
        for evidence in evidences:
            events = [e for e in others.get(evidence.sha256, [])
                if e != evidence.event]
            if 'reused' in names:
                result['reused'][evidence.id] = bool(events)
            if 'reused_events' in names:
                result['reused_events'][evidence.id] = ', '.join(
                    e.rec_name for e in events)
        return result

    @classmethod
    def search_reused(cls, name, clause):
        table = cls.__table__()
        other = cls.__table__()
        query = table.join(other,
            condition=(table.sha256 == other.sha256)
            & (table.event != other.event)).select(table.id)
        _, operator, value = clause
        if (operator == '=') == bool(value):
            return [('id', 'in', query)]
        return [('id', 'not in', query)]


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'
    invitations = fields.One2Many(
        'pharma.event.invitation', 'doctor', "Event Invitations",
        readonly=True)
    event_spend_period = fields.Function(
        fields.Numeric("Event Spend this Period"),
        'get_event_spend')

    @classmethod
    def get_event_spend(cls, parties, name):
        pool = Pool()
        Invitation = pool.get('pharma.event.invitation')
        Configuration = pool.get('pharma.configuration')
        result = {p.id: Decimal(0) for p in parties}
        if Transaction().context.get('company') is None:
            return result
        config = Configuration.get_config()
        days = config.event_period_days or 0
        now = datetime.datetime.now()
        domain = [
            ('doctor', 'in', [p.id for p in parties]),
            ('state', '!=', 'cancelled'),
            ('event.state', '!=', 'cancelled'),
            ]
        if days:
            domain.append(
                ('event.date', '>', now - datetime.timedelta(days=days)))
        for invitation in Invitation.search(domain):
            result[invitation.doctor.id] += invitation.cost or 0
        return result
