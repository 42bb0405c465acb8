# This file is part of the pharma suite. See README.md for license terms.
import datetime

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

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
    agency_agreements = fields.One2Many(
        'pharma.agency.agreement', 'agent', "Agency Agreements",
        states={'invisible': ~_trade})

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
