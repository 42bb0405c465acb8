# This file is part of the pharma suite. See README.md for license terms.
import datetime

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.modules.pharma_hospital.notify import Message
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.modules.pharma_hospital.access import readable_name

from .exceptions import RecruitmentError
from .report import SEGMENTS
from .tools import notify_employees

_trade = Eval('pharma_type').in_(['distributor', 'agent'])

LEVELS = [
    (None, ""),
    ('national', "National"),
    ('provincial', "Provincial"),
    ('regional', "Regional"),
    ('sub_agent', "Sub-agent"),
    ]

RECRUITMENT_STAGES = [None, 'to_identify', 'prospect', 'opportunity']
VALUE_TYPES = ['distributor', 'agent', 'hospital', 'pharmacy']
_valued = Eval('pharma_type').in_(VALUE_TYPES)


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'
    distributor_level = fields.Selection(
        LEVELS, "Distribution Level", sort=False,
        states={'invisible': ~_trade})
    parent_agent = fields.Many2One(
        'party.party', "Parent Agent",
        domain=[('pharma_type', 'in', ['agent', 'distributor'])],
        states={'invisible': Eval('distributor_level') != 'sub_agent'},
        help="The agent a sub-agent works for.")
    sub_agents = fields.One2Many(
        'party.party', 'parent_agent', "Sub-agents",
        states={'invisible': ~_trade})
    licence_number = fields.Char(
        "Distribution Licence Number", states={'invisible': ~_trade},
        help="The drug distribution licence (药品经营许可证).")
    licence_scope = fields.Text(
        "Licence Scope", states={'invisible': ~_trade})
    licence_expiry = fields.Date(
        "Licence Expiry", states={'invisible': ~_trade})
    recruitment_owner = fields.Many2One(
        'company.employee', "Recruitment Owner",
        states={'invisible': ~_trade},
        help="The commercial employee who recruits this agent or "
        "distributor (never a medical representative).")
    recruitment_deadline = fields.Date(
        "Response Deadline", states={'invisible': ~_trade},
        help="After this date the owner and the manager are reminded.")
    agency_agreements = fields.One2Many(
        'pharma.agency.agreement', 'agent', "Agency Agreements",
        states={'invisible': ~_trade})
    value_segment = fields.Function(fields.Selection(
            SEGMENTS, "Value Segment", states={'invisible': ~_valued},
            help="Core, loyal, big, regular or dormant customer by volume, "
            "frequency and tenure of the last 12 months."),
        'get_customer_value')
    value_rank = fields.Function(fields.Integer(
            "Value Rank", states={'invisible': ~_valued},
            help="The position of the customer by volume over 12 months."),
        'get_customer_value')
    value_amount = fields.Function(fields.Numeric(
            "Volume (12 months)", digits=(16, 2),
            states={'invisible': ~_valued}),
        'get_customer_value')
    value_frequency = fields.Function(fields.Integer(
            "Purchases (12 months)", states={'invisible': ~_valued}),
        'get_customer_value')
    value_last_date = fields.Function(fields.Date(
            "Last Purchase", states={'invisible': ~_valued}),
        'get_customer_value')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'create_agency_agreement': {
                    'invisible': ~_trade,
                    'depends': ['pharma_type'],
                    },
                })

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('//page[@id="pharma_customer_value"]', 'states', {
                    'invisible': ~_valued,
                    }, ['pharma_type']),
            ]

    @classmethod
    def get_customer_value(cls, parties, names):
        pool = Pool()
        CustomerValue = pool.get('pharma.customer.value')
        fields_ = {
            'value_segment': 'segment',
            'value_rank': 'rank',
            'value_amount': 'amount',
            'value_frequency': 'frequency',
            'value_last_date': 'last_date',
            }
        result = {n: {p.id: None for p in parties} for n in names}
        values = CustomerValue.of_parties(
            [p.id for p in parties if p.pharma_type in VALUE_TYPES])
        for party_id, record in values.items():
            for name in names:
                result[name][party_id] = getattr(record, fields_[name])
        return result

    @classmethod
    def on_modification(cls, mode, parties, field_names=None):
        super().on_modification(mode, parties, field_names=field_names)
        if mode == 'create' or (mode == 'write'
                and field_names & {'territory', 'pharma_type'}):
            cls.assign_recruitment_owner(parties)

    @classmethod
    def assign_recruitment_owner(cls, parties):
        """Give the prospective agents and distributors without an owner to
        the commercial owner of their territory (or of its nearest
        ancestor), and tell the owner and the owner's manager"""
        to_assign = {}
        for party in parties:
            if (party.pharma_type in {'agent', 'distributor'}
                    and not party.recruitment_owner
                    and party.territory
                    and party.lifecycle_stage in RECRUITMENT_STAGES):
                owner = party.territory.get_commercial_owner()
                if owner:
                    to_assign.setdefault(owner, []).append(party)
        if not to_assign:
            return
        cls.write(*sum(([p, {'recruitment_owner': o.id}]
                    for o, p in to_assign.items()), []))
        for owner, assigned in to_assign.items():
            for party in assigned:
                notify_employees([party], [owner],
                    Message(
                        'pharma_distributor.msg_recruitment_assigned_label',
                        party=party.rec_name),
                    Message('pharma_distributor.msg_recruitment_assigned',
                        party=party.rec_name,
                        territory=party.territory.rec_name,
                        employee=owner.rec_name),
                    icon='tryton-info')

    @classmethod
    def validate_fields(cls, parties, field_names):
        super().validate_fields(parties, field_names)
        if 'recruitment_owner' in field_names:
            cls.check_recruitment_owner(parties)

    @classmethod
    def rep_employees(cls, employees):
        """The employees among employees whose users are medical
        representatives and not commercial staff"""
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        User = pool.get('res.user')
        rep = ModelData.get_id('pharma_hospital', 'group_pharma_rep')
        commercial = ModelData.get_id(
            'pharma_hospital', 'group_pharma_commercial')
        employees = {e for e in employees if e}
        reps = set()
        if not employees:
            return reps
        # bypass: notifications find the users of the reps
        with Transaction().set_context(_check_access=False):
            users = User.search(
                [('employees', 'in', [e.id for e in employees])])
        for user in users:
            groups = {g.id for g in user.groups}
            if rep in groups and commercial not in groups:
                reps |= {e for e in user.employees if e in employees}
        return reps

    @classmethod
    def check_not_rep(cls, pairs):
        "Refuse a territory owned by a medical representative"
        reps = cls.rep_employees(e for _, e in pairs)
        for territory, employee in pairs:
            if employee in reps:
                raise RecruitmentError(gettext(
                        'pharma_distributor.msg_territory_owner_rep',
                        territory=readable_name(territory),
                        employee=readable_name(employee)))

    @classmethod
    def check_recruitment_owner(cls, parties):
        "A medical representative may not recruit agents"
        reps = cls.rep_employees(p.recruitment_owner for p in parties)
        for party in parties:
            if party.recruitment_owner in reps:
                raise RecruitmentError(gettext(
                        'pharma_distributor.msg_recruitment_owner_rep',
                        party=readable_name(party),
                        employee=readable_name(party.recruitment_owner)))

    @classmethod
    @ModelView.button
    def create_agency_agreement(cls, parties):
        "The last step of the recruitment: a draft agency agreement"
        pool = Pool()
        Agreement = pool.get('pharma.agency.agreement')
        Date = pool.get('ir.date')
        company = Transaction().context.get('company')
        if not company:
            return
        parties = [p for p in parties
            if p.pharma_type in {'agent', 'distributor'}]
        Agreement.create([{
                    'company': company,
                    'agent': p.id,
                    'owner': p.recruitment_owner.id
                    if p.recruitment_owner else None,
                    'territories': [('add', [p.territory.id])]
                    if p.territory else [],
                    'start_date': Date.today(),
                    } for p in parties])
        cls.write([p for p in parties if p.lifecycle_stage != 'customer'],
            {'lifecycle_stage': 'customer'})

    @classmethod
    def escalate_recruitment(cls):
        "Remind the owners and managers of overdue recruitments"
        pool = Pool()
        Date = pool.get('ir.date')
        parties = cls.search([
                ('pharma_type', 'in', ['agent', 'distributor']),
                ('lifecycle_stage', 'in',
                    ['to_identify', 'prospect', 'opportunity']),
                ('recruitment_deadline', '<', Date.today()),
                ])
        for party in parties:
            notify_employees([party], [party.recruitment_owner],
                Message('pharma_distributor.msg_recruitment_overdue_label',
                    party=party.rec_name),
                Message('pharma_distributor.msg_recruitment_overdue',
                    party=party.rec_name,
                    date=party.recruitment_deadline))
        return parties

    @classmethod
    def alert_licence_expiry(cls):
        "Tell the owners of distributors whose licence expires soon"
        pool = Pool()
        Date = pool.get('ir.date')
        Agreement = pool.get('pharma.agency.agreement')
        today = Date.today()
        company = Transaction().context.get('company')
        dates = [today + datetime.timedelta(days=d) for d in (60, 30)]
        parties = cls.search([
                ('pharma_type', 'in', ['distributor', 'agent']),
                ('licence_expiry', 'in', dates),
                ])
        if not parties:
            return
        agreements = Agreement.search([
                ('agent', 'in', [p.id for p in parties]),
                ('company', '=', company),
                ('owner', '!=', None),
                ])
        owners = {}
        for agreement in agreements:
            owners.setdefault(agreement.agent, set()).add(agreement.owner)
        for party in parties:
            days = (party.licence_expiry - today).days
            notify_employees(
                [party], owners.get(party, []),
                Message('pharma_distributor.msg_licence_expiry_label',
                    party=party.rec_name, days=days),
                Message('pharma_distributor.msg_licence_expiry',
                    party=party.rec_name, date=party.licence_expiry))

    @classmethod
    def alert_churn(cls):
        """Tell the owners of customers who stop buying, once per episode
        (the company of the context)"""
        from .churn import Churn
        return Churn.alert()

    @classmethod
    def queue_alert_churn(cls):
        """The cron: queue the churn alerts as one background job per
        company (run by trytond-worker) instead of computing them in the
        cron's transaction. ir.cron runs this once per company of the cron
        (company in the context); without one, for every company."""
        pool = Pool()
        Company = pool.get('company.company')
        Job = pool.get('pharma.job')
        company = Transaction().context.get('company')
        companies = [company] if company else [
            c.id for c in Company.search([])]
        jobs = []
        for company in companies:
            with Transaction().set_context(company=company):
                jobs.append(Job.enqueue('churn_alert', gettext(
                            'pharma_distributor.msg_job_churn',
                            company=Company(company).rec_name)))
        return jobs


class Replace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        return super().fields_to_replace() + [
            ('party.party', 'parent_agent'),
            ('pharma.agency.agreement', 'agent'),
            ('pharma.flow.line', 'distributor'),
            ('pharma.flow.line', 'customer'),
            ('pharma.inventory.line', 'distributor'),
            ('pharma.flow.alias', 'distributor'),
            ('pharma.flow.alias', 'party'),
            ('pharma.churn.alert', 'party'),
            ]
