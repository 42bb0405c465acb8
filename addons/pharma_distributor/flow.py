# This file is part of the pharma suite. See README.md for license terms.
import difflib
import zlib

from sql import Null, Select
from sql.functions import CurrentTimestamp

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.modules.pharma_hospital.export import BatchExportMixin
from trytond.modules.pharma_import.reader import normalize_pack
from trytond.modules.pharma_hospital.tools import normalize_name, normalize_text
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction
from trytond.modules.pharma_hospital.access import readable_name

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


def product_key(name, pack=None):
    """The product as a distributor writes it: the name and, when the file
    has a 规格 column, the pack (20mg×7片 and 20mg*7s are the same)"""
    key = normalize_text(name)
    if not key:
        return None
    pack = normalize_pack(pack) if pack else ''
    return key + PACK_SEPARATOR + pack if pack else key


PACK_SEPARATOR = '|'


def split_product_key(key):
    "(name key, pack key or '')"
    name, _, pack = (key or '').partition(PACK_SEPARATOR)
    return name, pack


def product_pack(template):
    "The pack key of a product template (strength × pack size)"
    strength = getattr(template, 'strength', None) or ''
    size = getattr(template, 'pack_size', None)
    if not strength and not size:
        return ''
    text = strength
    if size:
        text += '*%s' % size
    return normalize_pack(text)


def customer_type(name):
    """What a customer name written by a distributor is: 'hospital',
    'pharmacy' or 'distributor' (None when the name does not say)"""
    text = normalize_text(name)
    for kind, words in CUSTOMER_WORDS:
        if any(w in text for w in words):
            return kind
    return None


CUSTOMER_WORDS = [
    ('pharmacy', ['药房', '药店', '大药房', '药堂', '连锁', '药号',
            'pharmacy']),
    ('hospital', ['医院', '卫生院', '卫生服务中心', '卫生服务站', '诊所',
            '门诊部', '保健院', '卫生室', '医疗中心', 'hospital', 'clinic']),
    ('distributor', ['医药', '药业', '商贸', '公司', '有限', '集团',
            '供应链', '物流']),
    ]
CUSTOMER_KIND_TYPES = {
    'hospital': ['hospital'],
    'pharmacy': ['pharmacy'],
    'distributor': ['distributor', 'agent'],
    }


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
    pack = fields.Char("Pack as Written", readonly=True,
        help="The 规格 of the file (e.g. 20mg×7片).")
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
    suggestion_reason = fields.Char("Why", readonly=True,
        help="Why the suggestion was made: alias, name similarity, same "
        "city, same drug in another pack.")
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
                        alias=readable_name(alias)))
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
    exact normalised name (and pack); similar names are only suggestions,
    of the kind the name says (a pharmacy for a pharmacy), with a reason"""

    def __init__(self, company):
        self.company = company
        self._customers = None
        self._products = None
        self._product_names = None
        self._hospital_aliases = None
        self._similar = {}

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

    def hospital_aliases(self, keys):
        "{key: hospital id} of the confirmed hospital aliases among keys"
        pool = Pool()
        Alias = pool.get('pharma.hospital.alias')
        return Alias.resolve(keys)

    def products(self):
        """{name key: id} of the products whose name is unique or who have
        no pack, and {name key|pack key: id}"""
        pool = Pool()
        Product = pool.get('product.product')
        if self._products is None:
            self._products = {}
            # bypass: flow import matches products among every product
            by_name = {}
            with Transaction().set_context(_check_access=False):
                products = Product.search([])
            for product in products:
                pack = product_pack(product.template)
                names = {product_key(n) for n in [product.template.name,
                        getattr(product.template, 'generic_name', None)]}
                names.discard(None)
                for name in names:
                    by_name.setdefault(name, {}).setdefault(
                        pack, product.id)
                code = product_key(product.code)
                if code:
                    self._products.setdefault(code, product.id)
            for name, packs in by_name.items():
                ids = set(packs.values())
                if len(ids) == 1:
                    # one product of that name: the name alone finds it
                    self._products.setdefault(name, ids.pop())
                for pack, id_ in packs.items():
                    if pack:
                        self._products.setdefault(
                            name + PACK_SEPARATOR + pack, id_)
            self._product_names = by_name
        return self._products

    def product(self, key):
        "The product of a key: exact name and pack, never another pack"
        products = self.products()
        if key in products:
            return products[key]
        name, pack = split_product_key(key)
        if not pack:
            return None
        if name in products:
            # The product is known by code or has no pack to compare
            packs = self._product_names.get(name, {})
            if set(packs) == {''}:
                return products[name]
        return None

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
        if kind == 'customer':
            exact = self.customers()
            hospital_aliases = self.hospital_aliases(keys)
        else:
            exact = None
            hospital_aliases = {}
        result, unknown = {}, set()
        for distributor in distributors:
            for key in keys:
                if not key:
                    continue
                alias = aliases.get((distributor, key))
                if alias and alias[1]:
                    target = alias[1]
                elif kind == 'customer':
                    target = exact.get(key) or hospital_aliases.get(key)
                else:
                    target = self.product(key)
                result[(distributor, key)] = target
                if target is None and not alias:
                    unknown.add((distributor, key))
        return result, unknown

    def _party_matcher(self, types):
        from trytond.modules.pharma_import.matcher import PartyMatcher
        key = tuple(types)
        if key not in self._similar:
            # bypass: the match queue compares names with every party of the master data
            with Transaction().set_context(_check_access=False):
                self._similar[key] = PartyMatcher(types)
        return self._similar[key]

    def suggest(self, kind, key, name=None, distributor=None):
        """(target id, label, reason) of the best candidate, or
        (None, None, None): a customer of the kind its name says, a
        product of the same name in another pack (never linked)"""
        pool = Pool()
        if kind == 'product':
            Product = pool.get('product.product')
            known = self._other_alias(kind, key, distributor)
            if known:
                return known
            name_key, pack = split_product_key(key)
            self.products()
            packs = self._product_names.get(name_key, {})
            if packs:
                # the drug is known, not this pack: never the nearest pack
                others = '、'.join(sorted(
                        '%s %s' % (Product(i).rec_name, p)
                        for p, i in packs.items()))
                return None, others, gettext(
                    'pharma_distributor.msg_suggestion_other_pack')
            names = list(self._product_names)
            match = difflib.get_close_matches(name_key, names, n=1,
                cutoff=0.6)
            if not match:
                return None, None, None
            ids = set(self._product_names[match[0]].values())
            if len(ids) != 1 or pack:
                return None, None, None
            id_ = ids.pop()
            return id_, Product(id_).rec_name, gettext(
                'pharma_distributor.msg_suggestion_similar_name',
                score='%.2f' % difflib.SequenceMatcher(
                    None, name_key, match[0]).ratio())
        known = self._other_alias(kind, key, distributor)
        if known:
            return known
        kind_ = customer_type(name or key)
        types = CUSTOMER_KIND_TYPES.get(kind_, CUSTOMER_TYPES)
        matcher = self._party_matcher(types)
        city = self._city(distributor)
        candidates = matcher.candidates(name or key, n=3, cutoff=0.6)
        if not candidates:
            return None, None, None
        # the same city first among close scores
        best = max(candidates, key=lambda c: (
                round(c[0], 1), city is not None
                and matcher.city(c[1]) == city))
        score, id_, label = best
        reasons = [gettext('pharma_distributor.msg_suggestion_similar_name',
                score='%.2f' % score)]
        if city is not None and matcher.city(id_) == city:
            reasons.append(gettext(
                    'pharma_distributor.msg_suggestion_same_city'))
        return id_, label, '；'.join(reasons)

    def _other_alias(self, kind, key, distributor):
        """(target, label, reason) of the same name confirmed for another
        distributor, or None"""
        pool = Pool()
        Alias = pool.get('pharma.flow.alias')
        # bypass: aliases confirmed for other distributors are reused by the matcher
        with Transaction().set_context(_check_access=False):
            aliases = Alias.search([
                    ('company', '=', self.company),
                    ('kind', '=', kind),
                    ('name_key', '=', key),
                    ('confirmed', '=', True),
                    ('distributor', '!=', distributor),
                    ], limit=1)
            if not aliases:
                return None
            alias, = aliases
            target = alias.party if kind == 'customer' else alias.product
            if not target:
                return None
            return target.id, target.rec_name, gettext(
                'pharma_distributor.msg_suggestion_alias',
                distributor=alias.distributor.rec_name)

    def _city(self, distributor):
        "The city-level territory of the distributor (or None)"
        pool = Pool()
        Party = pool.get('party.party')
        if not distributor:
            return None
        party = Party(distributor)
        territory = getattr(party, 'territory', None)
        return territory.get_city().id if territory and (
            territory.get_city()) else None

    def suggestion_label(self, kind, key, name=None, distributor=None):
        "(label, target id, reason)"
        target, label, reason = self.suggest(
            kind, key, name=name, distributor=distributor)
        return label, target, reason


def replace_months(Model, company, months, log):
    """Delete what earlier imports of the distributor's files wrote for
    these (distributor, month): the lines of other sources (entered or
    created without an import) stay"""
    pool = Pool()
    ModelAccess = pool.get('ir.model.access')
    ModelAccess.check(Model.__name__, 'delete')
    table = Model.__table__()
    cursor = Transaction().connection.cursor()
    for distributor, month in months:
        where = ((table.company == company)
            & (table.distributor == distributor)
            & (table.month == month)
            & (table.import_batch != Null))
        if log:
            where &= (table.import_batch != log)
        cursor.execute(*table.delete(where=where))


class FlowMonth(ModelSQL):
    """A month of a distributor loaded by an import: the row an import
    locks so that two imports of the same distributor and month never
    both commit (the second is refused)"""
    __name__ = 'pharma.flow.month'
    company = fields.Many2One('company.company', "Company", required=True)
    distributor = fields.Many2One('party.party', "Distributor",
        required=True, ondelete='CASCADE',
        context={'company': Eval('company', -1)}, depends={'company'})
    kind = fields.Char("Kind", required=True)
    month = fields.Date("Month", required=True)
    import_batch = fields.Many2One('pharma.import.log', "Import Batch",
        ondelete='SET NULL')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('month_uniq', Unique(t, t.company, t.distributor, t.kind,
                    t.month), 'pharma_distributor.msg_flow_month_busy'),
            ]

    @classmethod
    def lock_months(cls, company, kind, months, log):
        """Take the months of the import, or refuse when another import
        of the same distributor and month runs or committed meanwhile:
        the row of each month is locked (FOR UPDATE NOWAIT on PostgreSQL;
        SQLite writes one transaction at a time)"""
        from trytond import backend
        from trytond.modules.pharma_import.engine import ImportFileError
        Party = Pool().get('party.party')
        table = cls.__table__()
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        for distributor, month in sorted(months):
            # an advisory lock (PostgreSQL) refuses at once a second import
            # that runs (its insert would wait for the first's commit)
            key = zlib.crc32(('pharma.flow.month:%s:%s:%s:%s' % (
                        company, distributor, kind, month)).encode())
            cursor.execute(*Select([transaction.database.lock_id(key)]))
            locked, = cursor.fetchone()
            if not locked:
                name = Party(distributor).rec_name
                raise ImportFileError(gettext(
                        'pharma_distributor.msg_flow_month_busy',
                        distributor=name, month=month.strftime('%Y-%m')))
            where = ((table.company == company)
                & (table.distributor == distributor)
                & (table.kind == kind) & (table.month == month))
            try:
                query = table.select(table.id, where=where)
                if backend.name == 'postgresql':
                    from sql import For
                    query.for_ = For('UPDATE', nowait=True)
                cursor.execute(*query)
                found = cursor.fetchone()
                if found:
                    cursor.execute(*table.update(
                            [table.import_batch, table.write_date,
                                table.write_uid],
                            [log, CurrentTimestamp(),
                                transaction.user or None],
                            where=table.id == found[0]))
                else:
                    cursor.execute(*table.insert(
                            [table.company, table.distributor, table.kind,
                                table.month, table.import_batch,
                                table.create_date, table.create_uid],
                            [[company, distributor, kind, month, log,
                                    CurrentTimestamp(),
                                    transaction.user or None]]))
            except (backend.DatabaseOperationalError,
                    backend.DatabaseIntegrityError):
                name = Party(distributor).rec_name
                raise ImportFileError(gettext(
                        'pharma_distributor.msg_flow_month_busy',
                        distributor=name, month=month.strftime('%Y-%m')))
