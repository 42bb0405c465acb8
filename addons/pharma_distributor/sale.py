# This file is part of the pharma suite. See README.md for license terms.
import datetime
from collections import defaultdict
from decimal import Decimal

from sql.aggregate import Max

from trytond.i18n import gettext
from trytond.model import ModelView, Workflow, fields
from trytond.modules.currency.fields import Monetary
from trytond.modules.pharma_hospital.employee import in_groups
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction
from trytond.modules.pharma_hospital.access import readable_name

from .exceptions import SaleApprovalError, SaleModificationError, SalePartyError

STAGES = [
    (None, ""),
    ('draft', "Draft"),
    ('quotation', "Quotation"),
    ('awaiting_finance', "Awaiting Finance"),
    ('awaiting_shipment', "Awaiting Shipment"),
    ('shipped', "Shipped"),
    ('invoiced', "Invoiced"),
    ('paid', "Paid"),
    ('cancelled', "Cancelled"),
    ]
# The log target that starts each stage
STAGE_TARGETS = {
    'awaiting_finance': ['state:finance_approval'],
    'awaiting_shipment': ['state:confirmed'],
    'shipped': ['shipment_state:sent'],
    'invoiced': ['invoice_state:awaiting payment'],
    'paid': ['invoice_state:paid'],
    }
ACTIVE_STAGES = ['awaiting_finance', 'awaiting_shipment', 'shipped',
    'invoiced']

# Header fields written by the workflow itself (never by a client)
SALE_WORKFLOW_FIELDS = {
    'state', 'shipment_state', 'invoice_state', 'to_invoice', 'to_ship',
    'quoted_by', 'confirmed_by', 'number', 'sale_date', 'quotation_date',
    'tax_amount_cache', 'untaxed_amount_cache', 'total_amount_cache',
    'invoices_ignored', 'invoices_recreated',
    'finance_submitted_by', 'finance_approved_by', 'finance_approved_date',
    }
# Workflow fields a user may still set on a draft order
SALE_USER_FIELDS = {'sale_date', 'quotation_date'}
# Fields finance enters while the order waits for its approval
SALE_FINANCE_FIELDS = {'payment_received', 'credit_granted', 'finance_note'}
# Fields moved by the party merge (party.replace) on any order
SALE_REPLACE_FIELDS = {'party', 'invoice_party', 'shipment_party'}
# Line fields written by the workflow itself
LINE_WORKFLOW_FIELDS = {
    'actual_quantity', 'quantity_to_ship', 'quantity_to_invoice',
    'moves_ignored', 'moves_recreated',
    }


# What finance must have entered to approve (the client checks it before the
# confirmation; finance_approve checks it again on the server)
FINANCE_APPROVE_DOMAIN = ['OR',
    ('payment_received', '>', 0),
    ('credit_granted', '>', 0),
    ('shipment_method', '=', 'invoice'),
    ]
FINANCE_REQUIRED = ((Eval('state') == 'finance_approval')
    & ~Eval('payment_received') & ~Eval('credit_granted')
    & (Eval('shipment_method') != 'invoice'))


def _field_labels(Model, names):
    "The labels of the fields names of Model in the user's language"
    descriptions = Model.fields_get(list(names))
    return ', '.join(sorted(
            descriptions[n]['string'] if n in descriptions else n
            for n in names))


def _in_groups(*xml_ids):
    "Whether the user is in one of the groups; root is in every one"
    return Transaction().user == 0 or in_groups(*xml_ids)


class Sale(metaclass=PoolMeta):
    __name__ = 'sale.sale'

    pharma_owner = fields.Many2One(
        'company.employee', "Owner",
        domain=[('company', '=', Eval('company', -1))],
        states={'readonly': Eval('state') != 'draft'},
        help="The commercial employee responsible for the order.")
    pharma_territory = fields.Many2One(
        'pharma.territory', "Territory",
        states={'readonly': Eval('state') != 'draft'},
        help="Where the goods are sold, checked against the agency "
        "agreements of an agent.")
    finance_submitted_by = fields.Many2One(
        'company.employee', "Submitted to Finance By", readonly=True)
    finance_approved_by = fields.Many2One(
        'company.employee', "Approved by Finance", readonly=True)
    finance_approved_date = fields.DateTime(
        "Finance Approval Date", readonly=True)
    payment_received = Monetary(
        "Payment Received", currency='currency', digits='currency',
        states={'readonly': Eval('state') != 'finance_approval'},
        help="The amount the customer has paid for this order.\n"
        "Finance enters it, or the credit granted, before approving "
        "(unless the goods are shipped only once the invoice is paid).")
    credit_granted = Monetary(
        "Credit Granted", currency='currency', digits='currency',
        states={'readonly': Eval('state') != 'finance_approval'},
        help="The credit finance grants to the customer for this order.\n"
        "Finance enters it, or the payment received, before approving "
        "(unless the goods are shipped only once the invoice is paid).")
    finance_note = fields.Text(
        "Finance Note",
        states={'readonly': Eval('state') != 'finance_approval'})
    party_receivable = fields.Function(Monetary(
            "Receivable", currency='currency', digits='currency'),
        'get_party_finance')
    party_overdue = fields.Function(Monetary(
            "Overdue Receivable", currency='currency', digits='currency'),
        'get_party_finance')
    party_credit_limit = fields.Function(Monetary(
            "Credit Limit", currency='currency', digits='currency'),
        'get_party_finance')
    pharma_stage = fields.Function(fields.Selection(
            STAGES, "Stage", sort=False), 'get_pharma_stage',
        searcher='search_pharma_stage')
    pharma_stage_since = fields.Function(fields.DateTime(
            "In Stage Since"), 'get_pharma_stage_since')
    pharma_stuck = fields.Function(fields.Boolean(
            "Stuck"), 'get_pharma_stuck', searcher='search_pharma_stuck')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        selection = ('finance_approval', "Finance Approval")
        if selection not in cls.state.selection:
            index = [s for s, _ in cls.state.selection].index('quotation')
            cls.state.selection.insert(index + 1, selection)
        cls._transitions -= {('quotation', 'confirmed')}
        cls._transitions |= {
            ('quotation', 'finance_approval'),
            ('finance_approval', 'confirmed'),
            ('finance_approval', 'draft'),
            }
        cls._buttons['confirm']['invisible'] = True
        cls._buttons.update({
                'submit_finance': {
                    'invisible': Eval('state') != 'quotation',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'finance_approve': {
                    'invisible': Eval('state') != 'finance_approval',
                    'icon': 'tryton-ok',
                    # the client checks it before asking to confirm
                    'pre_validate': FINANCE_APPROVE_DOMAIN,
                    'depends': ['state', 'payment_received',
                        'credit_granted', 'shipment_method'],
                    },
                'finance_refuse': {
                    'invisible': Eval('state') != 'finance_approval',
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_pharma_owner(cls):
        pool = Pool()
        User = pool.get('res.user')
        user = User(Transaction().user)
        if user.employee:
            return user.employee.id

    @fields.depends('party')
    def on_change_party(self):
        super().on_change_party()
        if self.party and getattr(self.party, 'territory', None):
            self.pharma_territory = self.party.territory

    @classmethod
    def get_party_finance(cls, sales, names):
        result = {n: {s.id: None for s in sales} for n in names}
        pool = Pool()
        Date = pool.get('ir.date')
        MoveLine = pool.get('account.move.line')
        today = Date.today()
        parties = {(s.invoice_party or s.party) for s in sales if s.party}
        overdue = {}
        if 'party_overdue' in names and parties:
            lines = MoveLine.search([
                    ('party', 'in', [p.id for p in parties]),
                    ('account.type.receivable', '=', True),
                    ('reconciliation', '=', None),
                    ('maturity_date', '<', today),
                    ('move.company', 'in',
                        list({s.company.id for s in sales})),
                    ])
            for line in lines:
                key = (line.party.id, line.move.company.id)
                overdue[key] = (overdue.get(key, Decimal(0))
                    + line.debit - line.credit)
        for sale in sales:
            party = sale.invoice_party or sale.party
            if not party:
                continue
            with Transaction().set_context(company=sale.company.id):
                if 'party_receivable' in names:
                    result['party_receivable'][sale.id] = party.receivable
                if 'party_overdue' in names:
                    result['party_overdue'][sale.id] = overdue.get(
                        (party.id, sale.company.id), Decimal(0))
                if 'party_credit_limit' in names:
                    result['party_credit_limit'][sale.id] = (
                        party.get_multivalue(
                            'credit_limit_amount', company=sale.company.id))
        return result

    def get_pharma_stage(self, name):
        if self.state in {'draft', 'quotation', 'cancelled'}:
            return self.state
        if self.state == 'finance_approval':
            return 'awaiting_finance'
        if self.invoice_state == 'paid':
            return 'paid'
        if self.invoice_state == 'awaiting payment':
            return 'invoiced'
        if self.shipment_state == 'sent':
            return 'shipped'
        return 'awaiting_shipment'

    @classmethod
    def search_pharma_stage(cls, name, clause):
        _, operator, value = clause
        values = value if operator in {'in', 'not in'} else [value]
        domains = []
        for stage in values:
            if stage in {'draft', 'quotation', 'cancelled'}:
                domains.append([('state', '=', stage)])
            elif stage == 'awaiting_finance':
                domains.append([('state', '=', 'finance_approval')])
            elif stage == 'paid':
                domains.append([
                        ('state', 'in', ['confirmed', 'processing', 'done']),
                        ('invoice_state', '=', 'paid')])
            elif stage == 'invoiced':
                domains.append([
                        ('state', 'in', ['confirmed', 'processing', 'done']),
                        ('invoice_state', '=', 'awaiting payment')])
            elif stage == 'shipped':
                domains.append([
                        ('state', 'in', ['confirmed', 'processing', 'done']),
                        ('invoice_state', 'not in',
                            ['awaiting payment', 'paid']),
                        ('shipment_state', '=', 'sent')])
            elif stage == 'awaiting_shipment':
                domains.append([
                        ('state', 'in', ['confirmed', 'processing', 'done']),
                        ('invoice_state', 'not in',
                            ['awaiting payment', 'paid']),
                        ('shipment_state', '!=', 'sent')])
        domain = ['OR'] + domains if domains else [('id', '=', -1)]
        if operator in {'!=', 'not in'}:
            return ['NOT', domain]
        return domain

    @classmethod
    def get_pharma_stage_since(cls, sales, name):
        pool = Pool()
        Log = pool.get('ir.model.log')
        log = Log.__table__()
        cursor = Transaction().connection.cursor()
        result = {s.id: None for s in sales}
        latest = defaultdict(dict)
        resources = ['%s,%s' % (cls.__name__, s.id) for s in sales]
        for sub in grouped_slice(resources, 500):
            cursor.execute(*log.select(
                    log.resource, log.target, Max(log.create_date),
                    where=log.resource.in_(list(sub))
                    & (log.event == 'transition'),
                    group_by=[log.resource, log.target]))
            for resource, target, date in cursor:
                if isinstance(date, str):
                    date = datetime.datetime.fromisoformat(date)
                latest[int(resource.split(',')[1])][target] = date
        for sale in sales:
            targets = STAGE_TARGETS.get(sale.pharma_stage)
            dates = [latest[sale.id].get(t) for t in (targets or [])]
            dates = [d for d in dates if d]
            if dates:
                since = max(dates)
            elif sale.pharma_stage:
                since = sale.write_date or sale.create_date
            else:
                since = None
            if since:
                since = since.replace(microsecond=0)
            result[sale.id] = since
        return result

    def get_pharma_stuck(self, name):
        pool = Pool()
        Configuration = pool.get('pharma.configuration')
        if self.pharma_stage not in ACTIVE_STAGES:
            return False
        config = Configuration.get_config(self.company)
        days = config.stuck_days or 0
        since = self.pharma_stage_since
        return bool(since and (
                datetime.datetime.now() - since).days >= days)

    @classmethod
    def search_pharma_stuck(cls, name, clause):
        _, operator, value = clause
        sales = cls.search([
                ('pharma_stage', 'in', ACTIVE_STAGES),
                ('company', '=',
                    Transaction().context.get('company', -1)),
                ])
        ids = [s.id for s in sales if s.pharma_stuck]
        if (operator == '=') == bool(value):
            return [('id', 'in', ids)]
        return [('id', 'not in', ids)]

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('//page[@id="pharma_finance"]', 'states', {
                    'invisible': ~Eval('state').in_(
                        ['finance_approval', 'confirmed', 'processing',
                            'done']),
                    }),
            ('//label[@name="payment_received"]', 'states', {
                    'required': FINANCE_REQUIRED,
                    }),
            ('//label[@name="credit_granted"]', 'states', {
                    'required': FINANCE_REQUIRED,
                    }),
            ('//label[@id="finance_approve_hint"]', 'states', {
                    'invisible': Eval('state') != 'finance_approval',
                    }),
            ]

    @classmethod
    def copy(cls, sales, default=None):
        if default is None:
            default = {}
        else:
            default = default.copy()
        for name in ['finance_submitted_by', 'finance_approved_by',
                'finance_approved_date', 'payment_received',
                'credit_granted', 'finance_note']:
            default.setdefault(name, None)
        return super().copy(sales, default=default)

    @classmethod
    def check_modification(cls, mode, sales, values=None, external=False):
        super().check_modification(
            mode, sales, values=values, external=external)
        if mode == 'create' and external:
            cls.check_pharma_creator(sales)
        if mode != 'write':
            return
        fields = set(values)
        if external:
            protected = fields & (SALE_WORKFLOW_FIELDS - SALE_USER_FIELDS)
            if protected:
                raise SaleModificationError(gettext(
                        'pharma_distributor.msg_sale_write_workflow_field',
                        sale=readable_name(sales[0]),
                        field=_field_labels(cls, protected)))
            finance = fields & SALE_FINANCE_FIELDS
            if finance:
                is_finance = _in_groups(
                    'pharma_hospital.group_pharma_finance',
                    'pharma_hospital.group_pharma_admin')
                for sale in sales:
                    if sale.state != 'finance_approval' or not is_finance:
                        raise SaleModificationError(gettext(
                                'pharma_distributor'
                                '.msg_sale_write_finance_field',
                                sale=readable_name(sale),
                                field=_field_labels(cls, finance)))
        for sale in sales:
            if sale.state == 'draft':
                continue
            if not external:
                allowed = (SALE_WORKFLOW_FIELDS | SALE_REPLACE_FIELDS
                    | SALE_FINANCE_FIELDS)
            elif sale.state == 'finance_approval':
                allowed = SALE_FINANCE_FIELDS
            else:
                allowed = set()
            refused = fields - allowed
            if refused:
                raise SaleModificationError(gettext(
                        'pharma_distributor.msg_sale_write_not_draft',
                        sale=readable_name(sale),
                        field=_field_labels(cls, refused)))

    @classmethod
    def check_pharma_creator(cls, sales):
        "Medical representatives may not sell"
        if _in_groups('pharma_hospital.group_pharma_rep') and not _in_groups(
                'pharma_hospital.group_pharma_commercial',
                'pharma_hospital.group_pharma_finance',
                'pharma_hospital.group_pharma_admin'):
            raise SaleModificationError(gettext(
                    'pharma_distributor.msg_sale_create_rep',
                    sale=readable_name(sales[0])))

    def check_pharma_party(self):
        "Check the licence and the agency agreements of the customer"
        pool = Pool()
        Date = pool.get('ir.date')
        Agreement = pool.get('pharma.agency.agreement')
        with Transaction().set_context(company=self.company.id):
            today = Date.today()
        date = self.sale_date or today
        party = self.party
        if party.pharma_type not in {'distributor', 'agent'}:
            return
        if party.licence_expiry and party.licence_expiry < today:
            raise SalePartyError(gettext(
                    'pharma_distributor.msg_sale_licence_expired',
                    sale=readable_name(self), party=readable_name(party),
                    date=party.licence_expiry))
        agreements = Agreement.search([
                ('agent', '=', party.id),
                ('company', '=', self.company.id),
                ])
        if party.pharma_type != 'agent' and not agreements:
            return
        agreements = [a for a in agreements
            if a.state == 'active'
            and (not a.start_date or a.start_date <= date)
            and (not a.end_date or a.end_date >= date)]
        territory = self.pharma_territory or party.territory
        for line in self.line_lines:
            if not line.product:
                continue
            for agreement in agreements:
                if line.product not in agreement.products:
                    continue
                if agreement.territories:
                    if not territory:
                        continue
                    ancestors, node = set(), territory
                    while node and node not in ancestors:
                        ancestors.add(node)
                        node = node.parent
                    covered = ancestors & set(agreement.territories)
                    if not covered:
                        continue
                break
            else:
                raise SalePartyError(gettext(
                        'pharma_distributor.msg_sale_agent_unauthorised',
                        sale=readable_name(self), party=readable_name(party),
                        product=readable_name(line.product),
                        territory=(readable_name(territory)
                            if territory else '')))

    @classmethod
    def quote(cls, sales):
        for sale in sales:
            sale.check_pharma_party()
        super().quote(sales)

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, sales):
        # a button itself, so that its clearing of the approval is written
        # by the workflow (the guard of check_modification refuses these
        # fields from a client)
        super().draft(sales)
        cls.write(sales, {
                'finance_submitted_by': None,
                'finance_approved_by': None,
                'finance_approved_date': None,
                'payment_received': None,
                'credit_granted': None,
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('finance_approval')
    def submit_finance(cls, sales):
        pool = Pool()
        User = pool.get('res.user')
        for sale in sales:
            sale.check_pharma_party()
        cls.set_sale_date(sales)
        employee = User(Transaction().user).employee
        cls.write(list(sales), {
                'finance_submitted_by': employee.id if employee else None,
                })

    @classmethod
    @ModelView.button
    def finance_approve(cls, sales):
        pool = Pool()
        User = pool.get('res.user')
        sales = [s for s in sales if s.state == 'finance_approval']
        for sale in sales:
            sale.check_pharma_party()
            if (not sale.payment_received and not sale.credit_granted
                    and sale.shipment_method != 'invoice'):
                raise SaleApprovalError(gettext(
                        'pharma_distributor.msg_sale_approve_no_payment',
                        sale=readable_name(sale)))
        employee = User(Transaction().user).employee
        cls.write(sales, {
                'finance_approved_by': employee.id if employee else None,
                'finance_approved_date': datetime.datetime.now(),
                })
        cls.confirm(sales)

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def finance_refuse(cls, sales):
        cls.draft(sales)

    @classmethod
    def confirm(cls, sales):
        for sale in sales:
            if sale.state == 'finance_approval' and not (
                    sale.finance_approved_date):
                raise SaleApprovalError(gettext(
                        'pharma_distributor.msg_sale_confirm_unapproved',
                        sale=readable_name(sale)))
        super().confirm(sales)

    @classmethod
    def pharma_handover(cls, from_employee, to_employee, parties, log):
        sales = cls.search([
                ('pharma_owner', '=', from_employee.id),
                ('state', '=', 'draft'),
                ('party', 'in', [p.id for p in parties]),
                ])
        if sales:
            cls.write(sales, {'pharma_owner': to_employee.id})
        return [(s, s.rec_name) for s in sales]


class Line(metaclass=PoolMeta):
    __name__ = 'sale.line'

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        pool = Pool()
        Sale = pool.get('sale.sale')
        super().check_modification(
            mode, lines, values=values, external=external)
        if mode != 'write':
            return
        fields = set(values)
        if external and fields & LINE_WORKFLOW_FIELDS:
            raise SaleModificationError(gettext(
                    'pharma_distributor.msg_sale_line_write_workflow_field',
                    line=readable_name(lines[0]),
                    field=_field_labels(cls, fields & LINE_WORKFLOW_FIELDS)))
        allowed = set() if external else LINE_WORKFLOW_FIELDS
        sales = {l.sale for l in lines}
        if values.get('sale') is not None:
            sales.add(Sale(values['sale']))
        for sale in sales:
            if sale.state == 'draft':
                continue
            refused = fields - allowed
            if refused:
                raise SaleModificationError(gettext(
                        'pharma_distributor.msg_sale_line_write_not_draft',
                        sale=readable_name(sale),
                        field=_field_labels(cls, refused)))
