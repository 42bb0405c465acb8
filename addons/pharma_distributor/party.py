# This file is part of the pharma suite. See README.md for license terms.
import datetime

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import RecruitmentError
from .tools import notify_employees

_trade = Eval('pharma_type').in_(['distributor', 'agent'])

LEVELS = [
    (None, ""),
    ('national', "National"),
    ('provincial', "Provincial"),
    ('regional', "Regional"),
    ('sub_agent', "Sub-agent"),
    ]

VALUE_SEGMENTS = [
    (None, ""),
    ('core', "Core"),
    ('loyal', "Loyal"),
    ('big', "Big"),
    ('regular', "Regular"),
    ('new', "New"),
    ('dormant', "Dormant"),
    ]


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
    def validate_fields(cls, parties, field_names):
        super().validate_fields(parties, field_names)
        if 'recruitment_owner' in field_names:
            cls.check_recruitment_owner(parties)

    @classmethod
    def check_recruitment_owner(cls, parties):
        "A medical representative may not recruit agents"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        User = pool.get('res.user')
        rep = ModelData.get_id('pharma_hospital', 'group_pharma_rep')
        commercial = ModelData.get_id(
            'pharma_hospital', 'group_pharma_commercial')
        owners = {p.recruitment_owner for p in parties if p.recruitment_owner}
        if not owners:
            return
        with Transaction().set_context(_check_access=False):
            users = User.search([('employees', 'in', [o.id for o in owners])])
        reps = set()
        for user in users:
            groups = {g.id for g in user.groups}
            if rep in groups and commercial not in groups:
                reps |= {e for e in user.employees if e in owners}
        for party in parties:
            if party.recruitment_owner in reps:
                raise RecruitmentError(gettext(
                        'pharma_distributor.msg_recruitment_owner_rep',
                        party=party.rec_name,
                        employee=party.recruitment_owner.rec_name))

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
                gettext('pharma_distributor.msg_recruitment_overdue_label',
                    party=party.rec_name),
                gettext('pharma_distributor.msg_recruitment_overdue',
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
                gettext('pharma_distributor.msg_licence_expiry_label',
                    party=party.rec_name, days=days),
                gettext('pharma_distributor.msg_licence_expiry',
                    party=party.rec_name, date=party.licence_expiry))


    @classmethod
    def alert_churn(cls):
        "Tell the owners of customers who stop buying"
        from .report import Churn
        Churn.alert()


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
            ]
