# This file is part of the pharma suite. See README.md for license terms.
import difflib

from sql import Null

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.modules.pharma_hospital.export import BatchExportMixin
from trytond.modules.pharma_hospital.tools import normalize_name, normalize_text
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .exceptions import FlowImportError

CUSTOMER_TYPES = ['hospital', 'pharmacy', 'distributor', 'agent']


def first_day(date):
    return date.replace(day=1) if date else None


def next_month(date):
    date = first_day(date)
    if date.month == 12:
        return date.replace(year=date.year + 1, month=1)
    return date.replace(month=date.month + 1)


def customer_key(name):
    return normalize_name(name) or None


def product_key(name):
    return normalize_text(name) or None


class _LineMixin:
    __slots__ = ()
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    distributor = fields.Many2One(
        'party.party', "Distributor", required=True, readonly=True,
        ondelete='RESTRICT',
        context={'company': Eval('company', -1)}, depends={'company'})
    date = fields.Date("Date", required=True, readonly=True)
    month = fields.Date("Month", required=True, readonly=True,
        help="The first day of the month of the date.")
    product_name = fields.Char("Product as Written", readonly=True)
    product_key = fields.Char("Product Key", readonly=True)
    product = fields.Many2One(
        'product.product', "Product", readonly=True,
        context={'company': Eval('company', -1)}, depends={'company'})
    lot = fields.Char("Batch", readonly=True)
    expiry = fields.Date("Expiry", readonly=True)
    quantity = fields.Float("Quantity", required=True, readonly=True)
    unit = fields.Char("Unit", readonly=True)
    source_file = fields.Char("Source File", readonly=True)
    source_row = fields.Integer("Source Row", readonly=True)
    import_batch = fields.Many2One(
        'pharma.import.log', "Import Batch", readonly=True,
        ondelete='SET NULL')

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')


class FlowLine(BatchExportMixin, _LineMixin, ModelSQL, ModelView):
    __name__ = 'pharma.flow.line'
    customer_name = fields.Char(
        "Customer as Written", required=True, readonly=True)
    customer_key = fields.Char("Customer Key", readonly=True)
    customer = fields.Many2One(
        'party.party', "Customer", readonly=True,
        context={'company': Eval('company', -1)}, depends={'company'})
    unit_price = fields.Numeric("Unit Price", digits=(16, 4), readonly=True)
    amount = fields.Numeric("Amount", digits=(16, 2), readonly=True)
    channel_breach = fields.Function(fields.Boolean(
            "Second Distributor Hop",
            help="Sold to a party that is neither a hospital nor a "
            "pharmacy (two-invoice rule)."),
        'get_channel_breach', searcher='search_channel_breach')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('date', 'DESC'))
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.distributor, Index.Range()),
                    (t.month, Index.Range())),
                Index(t, (t.customer, Index.Range())),
                Index(t, (t.product, Index.Range())),
                Index(t, (t.customer_key, Index.Equality())),
                # market share (date range), reconciliation (month) and the
                # list (company rule, date order)
                Index(t, (t.company, Index.Range()), (t.date, Index.Range())),
                Index(t, (t.company, Index.Range()), (t.month, Index.Range())),
                # the list's first page in its order (date DESC) under the
                # company rule "company = ANY(...)"
                Index(t, (t.date, Index.Range()), (t.id, Index.Range())),
                })

    def get_channel_breach(self, name):
        return bool(self.customer and self.customer.pharma_type not in (
                'hospital', 'pharmacy'))

    @classmethod
    def search_channel_breach(cls, name, clause):
        _, operator, value = clause
        domain = [('customer', '!=', None),
            ('customer.pharma_type', 'not in', ['hospital', 'pharmacy'])]
        if (operator == '=') == bool(value):
            return domain
        return ['OR', ('customer', '=', None),
            ('customer.pharma_type', 'in', ['hospital', 'pharmacy'])]


class InventoryLine(_LineMixin, ModelSQL, ModelView):
    __name__ = 'pharma.inventory.line'
    next_month = fields.Date("Next Month", required=True, readonly=True,
        help="The month this snapshot opens.")
    near_expiry = fields.Function(fields.Boolean("Near Expiry"),
        'get_near_expiry')

    def get_near_expiry(self, name):
        pool = Pool()
        Configuration = pool.get('pharma.configuration')
        Date = pool.get('ir.date')
        if not self.expiry:
            return False
        days = Configuration.get_config(self.company).expiry_warning_days
        return (self.expiry - Date.today()).days <= (days or 0)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('date', 'DESC'))
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.distributor, Index.Range()),
                    (t.month, Index.Range())),
                Index(t, (t.product, Index.Range())),
                # the reconciliation's last snapshots of the months asked
                Index(t, (t.company, Index.Range()), (t.month, Index.Range()),
                    (t.distributor, Index.Range())),
                })


class FlowAlias(ModelSQL, ModelView):
    __name__ = 'pharma.flow.alias'
    _rec_name = 'name'
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    distributor = fields.Many2One(
        'party.party', "Distributor", required=True, readonly=True,
        ondelete='CASCADE',
        context={'company': Eval('company', -1)}, depends={'company'})
    kind = fields.Selection([
            ('customer', "Customer"),
            ('product', "Product"),
            ], "Kind", required=True, readonly=True)
    name = fields.Char("Name as Written", required=True, readonly=True)
    name_key = fields.Char("Normalised Name", required=True, readonly=True)
    party = fields.Many2One(
        'party.party', "Customer",
        domain=[('pharma_type', 'in', CUSTOMER_TYPES)],
        states={
            'invisible': Eval('kind') != 'customer',
            'readonly': Eval('confirmed', False),
            },
        context={'company': Eval('company', -1)}, depends={'company'})
    product = fields.Many2One(
        'product.product', "Product",
        states={
            'invisible': Eval('kind') != 'product',
            'readonly': Eval('confirmed', False),
            },
        context={'company': Eval('company', -1)}, depends={'company'})
    suggestion = fields.Char("Suggestion", readonly=True,
        help="A similar name found; it is never linked without a "
        "confirmation.")
    confirmed = fields.Boolean("Confirmed", readonly=True)
    confirmed_by = fields.Many2One('res.user', "Confirmed By", readonly=True)
    lines = fields.Function(fields.Integer("Flow Lines"), 'get_lines')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('key_uniq', Unique(t, t.company, t.distributor, t.kind,
                    t.name_key),
                'pharma_distributor.msg_flow_alias_unique'),
            ]
        cls._order.insert(0, ('confirmed', 'ASC'))
        cls._buttons.update({
                'confirm': {
                    'invisible': Eval('confirmed', False),
                    'depends': ['confirmed'],
                    },
                'unconfirm': {
                    'invisible': ~Eval('confirmed', False),
                    'depends': ['confirmed'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_confirmed(cls):
        return False

    @classmethod
    def get_lines(cls, aliases, name):
        pool = Pool()
        Flow = pool.get('pharma.flow.line')
        result = {}
        for alias in aliases:
            field = 'customer_key' if alias.kind == 'customer' else (
                'product_key')
            result[alias.id] = Flow.search([
                    ('distributor', '=', alias.distributor.id),
                    (field, '=', alias.name_key),
                    ], count=True)
        return result

    @classmethod
    @ModelView.button
    def confirm(cls, aliases):
        pool = Pool()
        Flow = pool.get('pharma.flow.line')
        Inventory = pool.get('pharma.inventory.line')
        for alias in aliases:
            if not (alias.party if alias.kind == 'customer'
                    else alias.product):
                raise FlowImportError(gettext(
                        'pharma_distributor.msg_flow_alias_target',
                        alias=alias.rec_name))
        cls.write(list(aliases), {
                'confirmed': True,
                'confirmed_by': Transaction().user or None,
                })
        # Link what was imported before the confirmation
        for alias in aliases:
            if alias.kind == 'customer':
                lines = Flow.search([
                        ('company', '=', alias.company.id),
                        ('distributor', '=', alias.distributor.id),
                        ('customer_key', '=', alias.name_key),
                        ('customer', '=', None),
                        ])
                if lines:
                    Flow.write(lines, {'customer': alias.party.id})
            else:
                for Model in [Flow, Inventory]:
                    lines = Model.search([
                            ('company', '=', alias.company.id),
                            ('distributor', '=', alias.distributor.id),
                            ('product_key', '=', alias.name_key),
                            ('product', '=', None),
                            ])
                    if lines:
                        Model.write(lines, {'product': alias.product.id})

    @classmethod
    @ModelView.button
    def unconfirm(cls, aliases):
        cls.write(list(aliases), {
                'confirmed': False,
                'confirmed_by': None,
                })


class Matcher:
    """Resolve the names written by a distributor: confirmed alias, then
    exact normalised name; similar names are only suggestions"""

    def __init__(self, company):
        self.company = company
        self._customers = None
        self._products = None

    def customers(self):
        pool = Pool()
        Party = pool.get('party.party')
        if self._customers is None:
            self._customers = {}
            # bypass: flow import matches customers among every party
            with Transaction().set_context(_check_access=False):
                parties = Party.search([
                        ('pharma_type', 'in', CUSTOMER_TYPES),
                        ('name_key', '!=', None),
                        ])
            for party in parties:
                self._customers.setdefault(party.name_key, party.id)
        return self._customers

    def products(self):
        pool = Pool()
        Product = pool.get('product.product')
        if self._products is None:
            self._products = {}
            # bypass: flow import matches products among every product
            with Transaction().set_context(_check_access=False):
                products = Product.search([])
            for product in products:
                for name in [product.code, product.template.name,
                        getattr(product.template, 'generic_name', None)]:
                    key = product_key(name)
                    if key:
                        self._products.setdefault(key, product.id)
        return self._products

    def aliases(self, distributors, kind, keys):
        "{(distributor, key): (alias id, target id or None)}"
        pool = Pool()
        Alias = pool.get('pharma.flow.alias')
        result = {}
        keys = list({k for k in keys if k})
        if not keys or not distributors:
            return result
        # bypass: flow import matches aliases of every distributor
        with Transaction().set_context(_check_access=False):
            for sub in grouped_slice(keys, 500):
                aliases = Alias.search([
                        ('company', '=', self.company),
                        ('distributor', 'in', list(distributors)),
                        ('kind', '=', kind),
                        ('name_key', 'in', list(sub)),
                        ])
                for alias in aliases:
                    target = None
                    if alias.confirmed:
                        target = (alias.party.id if kind == 'customer'
                            else alias.product.id)
                    result[(alias.distributor.id, alias.name_key)] = (
                        alias.id, target)
        return result

    def resolve(self, distributors, kind, keys):
        """{(distributor, key): target id or None}, and the set of
        (distributor, key) without a known alias nor exact match"""
        aliases = self.aliases(distributors, kind, keys)
        exact = self.customers() if kind == 'customer' else self.products()
        result, unknown = {}, set()
        for distributor in distributors:
            for key in keys:
                if not key:
                    continue
                alias = aliases.get((distributor, key))
                if alias and alias[1]:
                    result[(distributor, key)] = alias[1]
                elif key in exact:
                    result[(distributor, key)] = exact[key]
                else:
                    result[(distributor, key)] = None
                    if not alias:
                        unknown.add((distributor, key))
        return result, unknown

    def suggest(self, kind, key):
        candidates = self.customers() if kind == 'customer' else (
            self.products())
        match = difflib.get_close_matches(key, list(candidates), n=1,
            cutoff=0.6)
        return match[0] if match else None

    def suggestion_label(self, kind, key):
        pool = Pool()
        match = self.suggest(kind, key)
        if not match:
            return None, None
        candidates = self.customers() if kind == 'customer' else (
            self.products())
        Model = pool.get('party.party' if kind == 'customer'
            else 'product.product')
        # bypass: the matched record's name for the import report
        with Transaction().set_context(_check_access=False):
            record = Model(candidates[match])
            return record.rec_name, record.id


def replace_months(Model, company, months, log):
    "Delete what earlier imports wrote for these (distributor, month)"
    pool = Pool()
    ModelAccess = pool.get('ir.model.access')
    ModelAccess.check(Model.__name__, 'delete')
    table = Model.__table__()
    cursor = Transaction().connection.cursor()
    for distributor, month in months:
        where = ((table.company == company)
            & (table.distributor == distributor)
            & (table.month == month))
        if log:
            where &= ((table.import_batch != log) | (table.import_batch == Null))
        cursor.execute(*table.delete(where=where))
