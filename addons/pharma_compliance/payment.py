# This file is part of the pharma suite. See README.md for license terms.
import datetime

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction
from trytond.modules.pharma_hospital.access import readable_name

from .exceptions import PackLockedError, PaymentError

PAYMENT_KINDS = [
    ('speaker_fee', "Speaker Fee"),
    ('attendee_cost', "Attendee Cost"),
    ]
PAYMENT_STATES = [
    ('draft', "Draft"),
    ('approved', "Approved for Payment"),
    ('paid', "Paid"),
    ('cancelled', "Cancelled"),
    ]


class Payment(Workflow, ModelSQL, ModelView):
    __name__ = 'pharma.event.payment'
    _states = {
        'readonly': Eval('state') != 'draft',
        }
    event = fields.Many2One(
        'pharma.event', "Event", required=True, ondelete='RESTRICT',
        states=_states)
    kind = fields.Selection(
        PAYMENT_KINDS, "Kind", required=True, states=_states)
    speaker = fields.Many2One(
        'pharma.event.speaker', "Speaker", ondelete='RESTRICT',
        domain=[('event', '=', Eval('event', -1))],
        states={
            'readonly': Eval('state') != 'draft',
            'invisible': Eval('kind') != 'speaker_fee',
            'required': Eval('kind') == 'speaker_fee',
            })
    invitation = fields.Many2One(
        'pharma.event.invitation', "Invitation", ondelete='RESTRICT',
        domain=[('event', '=', Eval('event', -1))],
        states={
            'readonly': Eval('state') != 'draft',
            'invisible': Eval('kind') != 'attendee_cost',
            })
    payee = fields.Many2One(
        'party.party', "Payee", required=True, ondelete='RESTRICT',
        states=_states,
        help="Speaker fees go to the speaker's institution unless the "
        "company's policy allows paying the speaker with documented "
        "consent.")
    amount = fields.Numeric(
        "Amount", digits=(16, 2), required=True, states=_states,
        domain=[('amount', '>', 0)])
    consent = fields.Binary("Institution Consent", filename='consent_name',
        states=_states,
        help="The institution's written consent to pay the speaker.")
    consent_name = fields.Char("Consent File Name", states=_states)
    reference = fields.Char("Payment Reference",
        states={'readonly': Eval('state') == 'paid'})
    state = fields.Selection(
        PAYMENT_STATES, "State", required=True, readonly=True)
    approved_by = fields.Many2One('res.user', "Approved by", readonly=True)
    approved_date = fields.DateTime("Approved on", readonly=True)
    paid_by = fields.Many2One('res.user', "Paid by", readonly=True)
    paid_date = fields.DateTime("Paid on", readonly=True)
    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls.__access__.add('event')
        cls._sql_indexes.add(Index(t, (t.event, Index.Range())))
        cls._order = [('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'approved'),
            ('approved', 'paid'),
            ('approved', 'draft'),
            ('draft', 'cancelled'),
            ('approved', 'cancelled'),
            ('cancelled', 'draft'),
            }
        cls._buttons.update({
                'draft': {
                    'invisible': ~Eval('state').in_(
                        ['approved', 'cancelled']),
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                'approve': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'pay': {
                    'invisible': Eval('state') != 'approved',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(['draft', 'approved']),
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_kind(cls):
        return 'speaker_fee'

    @fields.depends('speaker', 'invitation', 'kind', 'amount', 'payee')
    def on_change_speaker(self):
        if self.speaker:
            if not self.amount:
                self.amount = self.speaker.fee
            if not self.payee and self.speaker.institution:
                self.payee = self.speaker.institution

    @fields.depends('invitation', 'amount')
    def on_change_invitation(self):
        if self.invitation and not self.amount:
            self.amount = self.invitation.cost

    def get_rec_name(self, name):
        return '%s %s' % (self.payee.rec_name if self.payee else '',
            self.amount if self.amount is not None else '')

    @classmethod
    def check_payable(cls, payments):
        """The rules for approving payments: the event's pack approved by
        compliance and still complete, the speaker's agreement in it, the
        speaker fee rules, the payee"""
        pool = Pool()
        Configuration = pool.get('pharma.configuration')
        Speaker = pool.get('pharma.event.speaker')
        for payment in payments:
            event = payment.event
            if event.pack_state != 'approved':
                raise PaymentError(gettext(
                        'pharma_compliance.msg_payment_pack',
                        payment=readable_name(payment),
                        event=readable_name(event)))
            missing = event.pack_missing_texts()
            if missing:
                raise PaymentError(gettext(
                        'pharma_compliance.msg_payment_pack_incomplete',
                        payment=readable_name(payment),
                        event=readable_name(event),
                        missing='; '.join(missing)))
            if event.state not in {'approved', 'done'}:
                raise PaymentError(gettext(
                        'pharma_compliance.msg_payment_event_state',
                        payment=readable_name(payment),
                        event=readable_name(event)))
            if payment.kind != 'speaker_fee':
                if (payment.invitation
                        and payment.amount > (payment.invitation.cost or 0)):
                    raise PaymentError(gettext(
                            'pharma_compliance.msg_payment_over_cost',
                            payment=readable_name(payment),
                            cost=payment.invitation.cost or 0))
                continue
            speaker = payment.speaker
            if not any(e.kind == 'speaker_agreement' and e.speaker == speaker
                    and not e.superseded for e in event.evidences):
                raise PaymentError(gettext(
                        'pharma_compliance.msg_payment_speaker_agreement',
                        payment=readable_name(payment),
                        speaker=readable_name(speaker.party),
                        event=readable_name(event)))
            # the fee paid in total to the speaker for this talk
            paid = sum(p.amount for p in speaker.payments
                if p.state in {'approved', 'paid'} and p != payment)
            if paid + payment.amount > (speaker.fee or 0):
                raise PaymentError(gettext(
                        'pharma_compliance.msg_payment_over_fee',
                        payment=readable_name(payment),
                        speaker=readable_name(speaker.party),
                        fee=speaker.fee or 0, paid=paid))
            Speaker.check_fee([speaker],
                amounts={speaker.id: paid + payment.amount})
            config = Configuration.get_config(event.company)
            institution = speaker.institution
            if institution and payment.payee == institution:
                continue
            if (config.fee_payee_policy == 'consent'
                    and payment.payee == speaker.party
                    and payment.consent):
                continue
            if config.fee_payee_policy == 'consent':
                raise PaymentError(gettext(
                        'pharma_compliance.msg_payment_payee_consent',
                        payment=readable_name(payment),
                        speaker=readable_name(speaker.party),
                        institution=readable_name(institution)
                        if institution else '-'))
            raise PaymentError(gettext(
                    'pharma_compliance.msg_payment_payee_institution',
                    payment=readable_name(payment),
                    speaker=readable_name(speaker.party),
                    institution=readable_name(institution)
                    if institution else '-'))

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, payments):
        cls.write(payments, {'approved_by': None, 'approved_date': None})

    @classmethod
    @ModelView.button
    @Workflow.transition('approved')
    def approve(cls, payments):
        cls.check_payable(payments)
        cls.write(payments, {
                'approved_by': Transaction().user or None,
                'approved_date': datetime.datetime.now().replace(
                    microsecond=0),
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('paid')
    def pay(cls, payments):
        cls.check_payable(payments)
        cls.write(payments, {
                'paid_by': Transaction().user or None,
                'paid_date': datetime.datetime.now().replace(microsecond=0),
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, payments):
        pass

    @classmethod
    def check_modification(cls, mode, payments, values=None, external=False):
        super().check_modification(
            mode, payments, values=values, external=external)
        if not external:
            return
        if mode == 'create':
            for payment in payments:
                if payment.state != 'draft':
                    raise PaymentError(gettext(
                            'pharma_compliance.msg_payment_create_state',
                            payment=readable_name(payment)))
            return
        fields = set(values or {})
        if fields & {'state', 'approved_by', 'approved_date', 'paid_by',
                'paid_date'}:
            raise PackLockedError(gettext(
                    'pharma_compliance.msg_payment_buttons'))
        for payment in payments:
            if payment.state == 'paid' or (
                    payment.state == 'approved'
                    and (mode == 'delete' or fields - {'reference'})):
                raise PackLockedError(gettext(
                        'pharma_compliance.msg_payment_locked',
                        payment=readable_name(payment)))
