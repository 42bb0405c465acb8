# This file is part of the pharma suite. See README.md for license terms.
import datetime
from collections import defaultdict
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Unique, Workflow, fields, sequence_ordered)
from trytond.modules.pharma_hospital.employee import (
    employee_users, group_users)
from trytond.modules.pharma_hospital.product import (
    DOSAGE_FORMS, QUALITY_TIERS)
from trytond.modules.pharma_hospital.tools import normalize_text
from trytond.modules.pharma_hospital.notify import (
    Message, render, user_language)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction, without_check_access
from trytond.modules.pharma_hospital.access import readable_name

from .exceptions import TenderError, TenderFloorError

TENDER_TYPES = [
    ('provincial', "Provincial Centralised"),
    ('alliance', "Alliance"),
    ('vbp', "Volume-Based Procurement"),
    ('hospital', "Hospital-Level"),
    ('gpo', "GPO"),
    ('negotiation', "Negotiation"),
    ]
STATES = [
    ('announced', "Announced"),
    ('preparing', "Preparing"),
    ('submitted', "Submitted"),
    ('awarded', "Awarded"),
    ('lost', "Lost"),
    ('cancelled', "Cancelled"),
    ('expired', "Expired"),
    ]
# States in which the results of a tender are known
RESULT_STATES = ['awarded', 'lost', 'expired']
PRICE_DIGITS = (16, 4)
# Fields of a line that make the bid: frozen once submitted
BID_FIELDS = {'product', 'generic_name', 'dosage_form', 'strength', 'pack',
    'quality_tier', 'quantity', 'ceiling_price', 'bid_price', 'agent'}
REMINDER_DAYS = (7, 3, 1)
# VBP: behind schedule below this share of the volume expected to date
VBP_TOLERANCE = 0.9


def price_key(generic_name, dosage_form, strength):
    "The key that identifies a drug across tenders and provinces"
    return (normalize_text(generic_name), dosage_form or None,
        normalize_text(strength))


def format_price(price):
    "The price without trailing zeros, the same on every database"
    if price is None:
        return ''
    text = format(Decimal(price).quantize(Decimal('0.0001')), 'f')
    return text.rstrip('0').rstrip('.')


def current_employee():
    User = Pool().get('res.user')
    user_id = Transaction().user
    if not user_id:
        return None
    return User(user_id).employee


class Tender(Workflow, ModelSQL, ModelView):
    __name__ = 'pharma.tender'
    _states = {
        'readonly': ~Eval('state').in_(['announced', 'preparing']),
        }

    name = fields.Char("Name", required=True, states=_states)
    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    tender_type = fields.Selection(
        TENDER_TYPES, "Type", required=True, sort=False, states=_states)
    tender_type_string = tender_type.translated('tender_type')
    authority = fields.Many2One(
        'party.party', "Authority", ondelete='RESTRICT', states=_states,
        context={'company': Eval('company', -1)}, depends={'company'},
        domain=[('pharma_type', 'in', ['government', 'hospital'])],
        help="The government body (or hospital) organising the tender.")
    contacts = fields.Many2Many(
        'pharma.tender-party.party', 'tender', 'party', "Contacts",
        states=_states,
        context={'company': Eval('company', -1)}, depends={'company'},
        help="The people of the authority who run the tender.")
    region = fields.Many2Many(
        'pharma.tender-pharma.territory', 'tender', 'territory', "Region",
        states=_states,
        help="The provinces or territories covered by the tender.")
    announcement_date = fields.Date("Announcement Date", states=_states)
    registration_deadline = fields.Date(
        "Registration Deadline", states=_states)
    submission_deadline = fields.Date("Submission Deadline", states=_states)
    opening_date = fields.Date("Opening Date")
    award_date = fields.Date("Award Date")
    validity_start = fields.Date(
        "Validity Start",
        domain=[
            If(Eval('validity_start') & Eval('validity_end'),
                ('validity_start', '<=', Eval('validity_end')),
                ()),
            ])
    validity_end = fields.Date(
        "Validity End",
        domain=[
            If(Eval('validity_start') & Eval('validity_end'),
                ('validity_end', '>=', Eval('validity_start')),
                ()),
            ])
    owner = fields.Many2One(
        'company.employee', "Owner",
        domain=[('company', '=', Eval('company', -1))],
        help="The employee who follows the tender and gets its reminders.")
    lines = fields.One2Many(
        'pharma.tender.line', 'tender', "Lines",
        states={
            'readonly': Eval('state').in_(['cancelled', 'expired']),
            })
    imported = fields.Boolean(
        "Imported Results", readonly=True,
        help="Created from a published award list.")
    notes = fields.Text("Notes")
    state = fields.Selection(
        STATES, "State", readonly=True, required=True, sort=False)
    state_string = state.translated('state')
    prepared_by = fields.Many2One(
        'company.employee', "Prepared By", readonly=True)
    prepared_date = fields.Date("Prepared On", readonly=True)
    submitted_by = fields.Many2One(
        'company.employee', "Submitted By", readonly=True)
    submitted_date = fields.Date("Submitted On", readonly=True)
    result_by = fields.Many2One(
        'company.employee', "Result Recorded By", readonly=True)
    result_date = fields.Date("Result Recorded On", readonly=True)
    cancelled_by = fields.Many2One(
        'company.employee', "Cancelled By", readonly=True)
    cancelled_date = fields.Date("Cancelled On", readonly=True)
    next_deadline = fields.Function(
        fields.Date("Next Deadline"), 'get_next_deadline')
    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.state, Index.Equality())),
                Index(t, (t.registration_deadline, Index.Range())),
                Index(t, (t.submission_deadline, Index.Range())),
                })
        cls._order = [
            ('announcement_date', 'DESC NULLS FIRST'),
            ('id', 'DESC'),
            ]
        cls._transitions |= {
            ('announced', 'preparing'),
            ('announced', 'cancelled'),
            ('preparing', 'announced'),
            ('preparing', 'submitted'),
            ('preparing', 'cancelled'),
            ('submitted', 'preparing'),
            ('submitted', 'awarded'),
            ('submitted', 'lost'),
            ('submitted', 'cancelled'),
            ('awarded', 'expired'),
            ('cancelled', 'announced'),
            }
        cls._buttons.update({
                'announce': {
                    'invisible': ~Eval('state').in_(
                        ['preparing', 'cancelled']),
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                'prepare': {
                    'invisible': ~Eval('state').in_(
                        ['announced', 'submitted']),
                    'icon': If(Eval('state') == 'submitted',
                        'tryton-back', 'tryton-forward'),
                    'depends': ['state'],
                    },
                'submit': {
                    'invisible': Eval('state') != 'preparing',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'award': {
                    'invisible': Eval('state') != 'submitted',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'lose': {
                    'invisible': Eval('state') != 'submitted',
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(
                        ['announced', 'preparing', 'submitted']),
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'announced'

    @classmethod
    def default_tender_type(cls):
        return 'provincial'

    @classmethod
    def default_imported(cls):
        return False

    @classmethod
    def default_owner(cls):
        return Transaction().context.get('employee')

    @classmethod
    def default_announcement_date(cls):
        return Pool().get('ir.date').today()

    def get_next_deadline(self, name):
        today = Pool().get('ir.date').today()
        dates = [d for d in (self.registration_deadline,
                self.submission_deadline, self.opening_date)
            if d and d >= today]
        return min(dates) if dates else None

    def get_rec_name(self, name):
        return self.name

    @classmethod
    def copy(cls, tenders, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('state', 'announced')
        default.setdefault('imported', False)
        for prefix in ['prepared', 'submitted', 'result', 'cancelled']:
            default.setdefault(prefix + '_by', None)
            default.setdefault(prefix + '_date', None)
        return super().copy(tenders, default=default)

    @classmethod
    def check_modification(cls, mode, tenders, values=None, external=False):
        super().check_modification(
            mode, tenders, values=values, external=external)
        if mode == 'delete':
            for tender in tenders:
                if tender.state not in {'announced', 'cancelled'}:
                    raise TenderError(gettext(
                            'pharma_tender.msg_tender_delete_state',
                            tender=readable_name(tender)))

    @classmethod
    def _stamp(cls, tenders, prefix):
        "Record who moved the tenders and when"
        employee = current_employee()
        today = Pool().get('ir.date').today()
        cls.write(list(tenders), {
                prefix + '_by': employee.id if employee else None,
                prefix + '_date': today,
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('announced')
    def announce(cls, tenders):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('preparing')
    def prepare(cls, tenders):
        cls._stamp(tenders, 'prepared')

    @classmethod
    @ModelView.button
    @Workflow.transition('submitted')
    def submit(cls, tenders):
        pool = Pool()
        Line = pool.get('pharma.tender.line')
        lines = [l for t in tenders for l in t.lines]
        Line.check_bid(lines)
        Line.check_floor(lines)
        cls._stamp(tenders, 'submitted')

    @classmethod
    @ModelView.button
    @Workflow.transition('awarded')
    def award(cls, tenders):
        cls._stamp(tenders, 'result')
        cls.process_results(tenders)

    @classmethod
    @ModelView.button
    @Workflow.transition('lost')
    def lose(cls, tenders):
        cls._stamp(tenders, 'result')
        cls.process_results(tenders)

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, tenders):
        cls._stamp(tenders, 'cancelled')

    @classmethod
    @Workflow.transition('expired')
    def expire(cls, tenders):
        pass

    @classmethod
    def process_results(cls, tenders):
        "Run the price-linkage check on the awarded lines of the tenders"
        pool = Pool()
        Line = pool.get('pharma.tender.line')
        today = pool.get('ir.date').today()
        to_date = [t for t in tenders if not t.award_date]
        if to_date:
            cls.write(to_date, {'award_date': today})
        Line.check_price_linkage([l for t in tenders for l in t.lines])

    @classmethod
    def expire_tenders(cls):
        "Cron: awarded tenders whose validity ended"
        today = Pool().get('ir.date').today()
        tenders = cls.search([
                ('company', '=', Transaction().context.get('company', -1)),
                ('state', '=', 'awarded'),
                ('validity_end', '<', today),
                ])
        if tenders:
            cls.expire(tenders)

    @classmethod
    def send_deadline_reminders(cls, date=None):
        """Cron: remind the owners 7, 3 and 1 days before the
        registration and submission deadlines"""
        pool = Pool()
        Date = pool.get('ir.date')
        if date is None:
            date = Date.today()
        days = {date + datetime.timedelta(days=d): d for d in REMINDER_DAYS}
        tenders = cls.search([
                ('company', '=', Transaction().context.get('company', -1)),
                ('state', 'in', ['announced', 'preparing']),
                ('owner', '!=', None),
                ['OR',
                    ('registration_deadline', 'in', list(days)),
                    ('submission_deadline', 'in', list(days)),
                    ],
                ])
        users = {e: sorted(u) for e, u in employee_users(
                list({t.owner.id for t in tenders})).items()}
        sent = []
        for tender in tenders:
            for field, msg in [
                    ('registration_deadline',
                        'msg_tender_reminder_registration'),
                    ('submission_deadline',
                        'msg_tender_reminder_submission'),
                    ]:
                deadline = getattr(tender, field)
                if deadline not in days:
                    continue
                label = Message('pharma_tender.%s' % msg,
                    tender=tender.rec_name, days=days[deadline])
                description = Message(
                    'pharma_tender.msg_tender_reminder_description',
                    tender=tender.rec_name, date=deadline)
                for user in users.get(tender.owner.id, []):
                    # in the language of the recipient
                    tender.notify_user('tryton-warning', render(label, user),
                        render(description, user), user=user)
                    sent.append((tender, field, user))
        return sent


class TenderContact(ModelSQL):
    __name__ = 'pharma.tender-party.party'
    tender = fields.Many2One(
        'pharma.tender', "Tender", required=True, ondelete='CASCADE')
    party = fields.Many2One(
        'party.party', "Party", required=True, ondelete='CASCADE')


class TenderTerritory(ModelSQL):
    __name__ = 'pharma.tender-pharma.territory'
    tender = fields.Many2One(
        'pharma.tender', "Tender", required=True, ondelete='CASCADE')
    territory = fields.Many2One(
        'pharma.territory', "Territory", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.territory, Index.Range())),
                })

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        Pool().get('ir.rule')._domain_get_cache.clear()


class TenderLine(sequence_ordered(), ModelSQL, ModelView):
    __name__ = 'pharma.tender.line'
    _bid_states = {
        'readonly': ~Eval('tender_state').in_(['announced', 'preparing']),
        }
    _result_states = {
        'readonly': Eval('tender_state').in_(['cancelled', 'expired']),
        }

    tender = fields.Many2One(
        'pharma.tender', "Tender", required=True, ondelete='CASCADE',
        states={
            'readonly': Eval('id', -1) >= 0,
            })
    tender_state = fields.Function(
        fields.Selection(STATES, "Tender State"),
        'on_change_with_tender_state')
    company = fields.Function(
        fields.Many2One('company.company', "Company"),
        'on_change_with_company', searcher='search_company')
    company_party = fields.Function(
        fields.Many2One('party.party', "Company Party",
            context={'company': Eval('company', -1)}, depends={'company'}),
        'on_change_with_company_party')
    product = fields.Many2One(
        'product.product', "Product", ondelete='RESTRICT',
        states=_bid_states,
        context={'company': Eval('company', -1)}, depends={'company'},
        domain=[
            ('template.is_pharma', '=', True),
            ('template.manufacturer', '=', None),
            ],
        help="Our product from the drug master.")
    generic_name = fields.Char(
        "Generic Name", required=True, states=_bid_states)
    dosage_form = fields.Selection(
        DOSAGE_FORMS, "Dosage Form", sort=False, states=_bid_states)
    dosage_form_string = dosage_form.translated('dosage_form')
    strength = fields.Char(
        "Strength", states=_bid_states, help="Strength or specification.")
    pack = fields.Char("Pack", states=_bid_states)
    quality_tier = fields.Selection(
        QUALITY_TIERS, "Quality Tier", sort=False, states=_bid_states)
    quantity = fields.Float("Quantity Asked", states=_bid_states)
    hospital_volumes = fields.One2Many(
        'pharma.tender.line.volume', 'line', "Hospital Volumes",
        help="The volume committed per hospital (volume-based "
        "procurement).")
    ceiling_price = fields.Numeric(
        "Ceiling Price", digits=PRICE_DIGITS, states=_bid_states)
    bid_price = fields.Numeric(
        "Bid Price", digits=PRICE_DIGITS, states=_bid_states)
    agent = fields.Many2One(
        'party.party', "Agent", ondelete='RESTRICT', states=_bid_states,
        context={'company': Eval('company', -1)}, depends={'company'},
        domain=[('pharma_type', 'in', ['agent', 'distributor'])])
    floor_price = fields.Function(fields.Numeric(
            "Floor Price", digits=PRICE_DIGITS), 'get_floor')
    below_floor = fields.Function(
        fields.Boolean("Below Floor"), 'get_floor')
    floor_approved_by = fields.Many2One(
        'company.employee', "Below Floor Approved By", readonly=True,
        ondelete='RESTRICT')
    floor_approved_date = fields.Date(
        "Below Floor Approved On", readonly=True)
    province = fields.Many2One(
        'pharma.territory', "Province", ondelete='RESTRICT',
        states=_result_states,
        help="The province of the award (price linkage).")
    winning_company = fields.Many2One(
        'party.party', "Winning Company", ondelete='RESTRICT',
        states=_result_states,
        context={'company': Eval('company', -1)}, depends={'company'},
        domain=['OR',
            ('pharma_type', '=', 'manufacturer'),
            ('id', '=', Eval('company_party', -1)),
            ])
    winning_price = fields.Numeric(
        "Winning Price", digits=PRICE_DIGITS, states=_result_states)
    winning_agent = fields.Many2One(
        'party.party', "Winning Agent", ondelete='RESTRICT',
        states=_result_states,
        context={'company': Eval('company', -1)}, depends={'company'},
        domain=[('pharma_type', 'in', ['agent', 'distributor'])])
    rank = fields.Integer("Rank", states=_result_states,
        help="Our rank in the result.")
    awarded_volume = fields.Float("Awarded Volume", states=_result_states)
    won = fields.Function(fields.Boolean("Won"), 'get_won')
    national_lowest_price = fields.Function(fields.Numeric(
            "National Lowest Price", digits=PRICE_DIGITS,
            help="The lowest winning price in force in any province."),
        'get_national_lowest_price')
    del _bid_states, _result_states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('tender')
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t,
                    (t.generic_name, Index.Equality()),
                    (t.dosage_form, Index.Equality()),
                    (t.strength, Index.Equality())),
                Index(t, (t.product, Index.Range())),
                Index(t, (t.winning_company, Index.Range())),
                })
        cls._buttons.update({
                'approve_floor': {
                    'invisible': (~Eval('below_floor')
                        | Bool(Eval('floor_approved_by'))),
                    'readonly': ~Eval('tender_state').in_(
                        ['announced', 'preparing']),
                    'depends': ['below_floor', 'floor_approved_by',
                        'tender_state'],
                    },
                })

    @fields.depends('tender', '_parent_tender.state')
    def on_change_with_tender_state(self, name=None):
        return self.tender.state if self.tender else None

    @fields.depends('tender', '_parent_tender.company')
    def on_change_with_company(self, name=None):
        return self.tender.company if self.tender else None

    @classmethod
    def search_company(cls, name, clause):
        return [('tender.' + clause[0],) + tuple(clause[1:])]

    @fields.depends('tender', '_parent_tender.company')
    def on_change_with_company_party(self, name=None):
        if self.tender and self.tender.company:
            return self.tender.company.party

    @fields.depends('tender', '_parent_tender.region', 'province')
    def on_change_tender(self):
        if self.tender and not self.province:
            provinces = [t for t in (self.tender.region or [])
                if t.level == 'province']
            if len(provinces) == 1:
                self.province = provinces[0]

    @fields.depends('product', 'generic_name', 'dosage_form', 'strength',
        'pack', 'quality_tier')
    def on_change_product(self):
        if not self.product:
            return
        template = self.product.template
        for name, source in [
                ('generic_name', 'generic_name'),
                ('dosage_form', 'dosage_form'),
                ('strength', 'strength'),
                ('pack', 'pack_size'),
                ('quality_tier', 'quality_tier'),
                ]:
            value = getattr(template, source, None)
            if value is not None and not isinstance(value, str):
                value = str(value)
            if value:
                setattr(self, name, value)
        if not self.generic_name:
            self.generic_name = template.name

    def get_rec_name(self, name):
        parts = [self.generic_name, self.dosage_form_string, self.strength]
        return ' '.join(p for p in parts if p)

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value, *extra = clause
        bool_op = 'AND' if operator.startswith('!') or operator.startswith(
            'not ') else 'OR'
        return [bool_op,
            ('generic_name', operator, value, *extra),
            ('tender.name', operator, value, *extra),
            ]

    @property
    def price_key(self):
        return price_key(self.generic_name, self.dosage_form, self.strength)

    def get_won(self, name):
        return bool(self.winning_company and self.tender.company
            and self.winning_company == self.tender.company.party)

    @classmethod
    def _floor_prices(cls, lines):
        "{line id: floor price}"
        pool = Pool()
        FloorPrice = pool.get('pharma.tender.floor.price')
        keys = {(l.tender.company.id, l.product.id) for l in lines
            if l.product}
        prices = {}
        if keys:
            # bypass: floor prices are checked for every role that bids
            with without_check_access():
                for floor in FloorPrice.search([
                            ('company', 'in', list({k[0] for k in keys})),
                            ('product', 'in', list({k[1] for k in keys})),
                            ]):
                    prices[floor.company.id, floor.product.id] = floor.price
        return {l.id: prices.get((l.tender.company.id, l.product.id))
            if l.product else None for l in lines}

    @classmethod
    def get_floor(cls, lines, names):
        floors = cls._floor_prices(lines)
        result = {n: {} for n in names}
        for line in lines:
            floor = floors[line.id]
            if 'floor_price' in result:
                result['floor_price'][line.id] = floor
            if 'below_floor' in result:
                result['below_floor'][line.id] = bool(
                    floor is not None and line.bid_price is not None
                    and line.bid_price < floor)
        return result

    @classmethod
    def get_national_lowest_price(cls, lines, name):
        pool = Pool()
        Price = pool.get('pharma.tender.price')
        result = {l.id: None for l in lines}
        by_key = defaultdict(list)
        for line in lines:
            by_key[line.generic_name, line.dosage_form, line.strength].append(
                line)
        lowest = Price.lowest_prices(list(by_key))
        for key, key_lines in by_key.items():
            for line in key_lines:
                result[line.id] = lowest.get(key)
        return result

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        for name in ['generic_name', 'strength']:
            if values.get(name):
                values[name] = values[name].strip()
        return values

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        if mode == 'write' and external and (BID_FIELDS & set(values)):
            for line in lines:
                if line.tender.state not in {'announced', 'preparing'}:
                    raise TenderError(gettext(
                            'pharma_tender.msg_tender_line_bid_frozen',
                            line=readable_name(line),
                            tender=readable_name(line.tender)))

    @classmethod
    def write(cls, *args):
        actions = iter(args)
        reset, changed = [], []
        for lines, values in zip(actions, actions):
            if {'bid_price', 'product'} & set(values):
                reset.extend(l for l in lines if l.floor_approved_by)
                changed.extend(lines)
        super().write(*args)
        if reset:
            # A new bid needs a new approval
            # bypass: a changed bid resets its approval, a field the bidder may
            # not write
            with without_check_access():
                super().write(reset, {
                        'floor_approved_by': None,
                        'floor_approved_date': None,
                        })
        if changed:
            cls.request_floor_approval(cls.browse(changed))

    @classmethod
    def create(cls, vlist):
        lines = super().create(vlist)
        cls.request_floor_approval(
            [l for l in lines if l.bid_price is not None and l.product])
        return lines

    @classmethod
    def request_floor_approval(cls, lines):
        "Tell the marketing managers of the bids entered below the floor"
        floors = cls._floor_prices(lines)
        below = [l for l in lines
            if floors[l.id] is not None and l.bid_price is not None
            and l.bid_price < floors[l.id] and not l.floor_approved_by]
        if not below:
            return
        managers = group_users('group_pharma_marketing_manager')
        for line in below:
            for user in managers:
                # in each manager's language (the line's dosage form too)
                with Transaction().set_context(
                        language=user_language(user)):
                    line_ = cls(line.id)
                    label = gettext(
                        'pharma_tender.msg_tender_line_floor_label',
                        line=line_.rec_name)
                    description = gettext(
                        'pharma_tender.msg_tender_line_floor_description',
                        line=line_.rec_name, tender=line_.tender.rec_name,
                        price=format_price(line_.bid_price))
                line.notify_user(
                    'tryton-warning', label, description, user=user)

    @classmethod
    def copy(cls, lines, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('floor_approved_by', None)
        default.setdefault('floor_approved_date', None)
        return super().copy(lines, default=default)

    @classmethod
    @ModelView.button
    def approve_floor(cls, lines):
        pool = Pool()
        Date = pool.get('ir.date')
        employee = current_employee()
        if not employee:
            raise TenderFloorError(gettext(
                    'pharma_tender.msg_tender_line_approve_employee'))
        cls.write([l for l in lines if l.below_floor], {
                'floor_approved_by': employee.id,
                'floor_approved_date': Date.today(),
                })

    @classmethod
    def check_bid(cls, lines):
        for line in lines:
            if line.bid_price is None:
                raise TenderError(gettext(
                        'pharma_tender.msg_tender_line_no_bid',
                        line=readable_name(line),
                        tender=readable_name(line.tender)))

    @classmethod
    def check_floor(cls, lines):
        "A bid below the floor needs a marketing manager's approval"
        floors = cls._floor_prices(lines)
        for line in lines:
            floor = floors[line.id]
            if (floor is not None and line.bid_price is not None
                    and line.bid_price < floor
                    and not line.floor_approved_by):
                raise TenderFloorError(gettext(
                        'pharma_tender.msg_tender_line_below_floor',
                        line=readable_name(line),
                        tender=readable_name(line.tender),
                        price=line.bid_price))

    @classmethod
    def our_current_prices(cls, company, keys):
        """{key: {province id: (price, source)}} of our current price per
        province: our latest winning price there, else the drug master's
        listed price of the province"""
        pool = Pool()
        Date = pool.get('ir.date')
        today = Date.today()
        keys = set(keys)
        result = {k: {} for k in keys}
        if not keys or not company.party:
            return result
        generic_names = list({k[0] for k in keys})
        # bypass: price linkage compares awards of every province
        with without_check_access():
            won = cls.search([
                    ('tender.company', '=', company.id),
                    ('tender.state', 'in', RESULT_STATES),
                    ('winning_company', '=', company.party.id),
                    ('winning_price', '!=', None),
                    ('province', '!=', None),
                    ('generic_name', 'in', generic_names),
                    ], order=[
                    ('tender.award_date', 'ASC NULLS FIRST'),
                    ('id', 'ASC')])
            for line in won:
                key = line.price_key
                if key in result:
                    result[key][line.province.id] = (
                        line.winning_price, 'award')
            # The drug master's listed price per province
            for key, province, price in cls._master_prices(
                    company, keys, today):
                result[key].setdefault(province, (price, 'list'))
        return result

    @classmethod
    def _master_prices(cls, company, keys, date):
        "Yield (key, province id, price) of our products' listed prices"
        pool = Pool()
        try:
            ProvincePrice = pool.get('pharma.product.province_price')
        except KeyError:
            return
        domain = [
            ('template.generic_name', 'in', list({k[0] for k in keys})),
            ['OR',
                ('start_date', '=', None),
                ('start_date', '<=', date),
                ],
            ['OR',
                ('end_date', '=', None),
                ('end_date', '>=', date),
                ],
            ]
        domain.append(['OR',
                ('template.manufacturer', '=', None),
                ('template.manufacturer', '=', company.party.id),
                ])
        for price in ProvincePrice.search(domain,
                order=[('start_date', 'ASC NULLS FIRST'), ('id', 'ASC')]):
            template = price.template
            key = price_key(template.generic_name, template.dosage_form,
                template.strength)
            if key not in keys or not price.province:
                continue
            province = price.province
            yield key, province.id, price.price

    @classmethod
    def check_price_linkage(cls, lines):
        """Alert when an awarded line is below our current price in
        another province; return the alerts created"""
        pool = Pool()
        Alert = pool.get('pharma.tender.alert')
        Date = pool.get('ir.date')
        today = Date.today()
        lines = [l for l in lines
            if l.winning_price is not None and l.province and l.generic_name]
        by_company = defaultdict(list)
        for line in lines:
            by_company[line.tender.company].append(line)
        # Checking again the same award does not alert twice
        # bypass: alerts already sent, whoever can read them
        with without_check_access():
            done = {(a.line.id, a.other_province.id) for a in Alert.search([
                        ('line', 'in', [l.id for l in lines]),
                        ])} if lines else set()
        to_create = []
        for company, company_lines in by_company.items():
            ours = cls.our_current_prices(
                company, {l.price_key for l in company_lines})
            for line in company_lines:
                province = line.province.get_province() or line.province
                for other, (price, source) in ours[line.price_key].items():
                    if (other == province.id or not price
                            or (line.id, other) in done):
                        continue
                    if line.winning_price < price:
                        gap = (price - line.winning_price) / price * 100
                        to_create.append({
                                'company': company.id,
                                'date': today,
                                'line': line.id,
                                'tender': line.tender.id,
                                'generic_name': line.generic_name,
                                'dosage_form': line.dosage_form,
                                'strength': line.strength,
                                'province': province.id,
                                'price': line.winning_price,
                                'winning_company': (line.winning_company.id
                                    if line.winning_company else None),
                                'other_province': other,
                                'our_price': price,
                                'our_price_source': source,
                                'gap': float(round(gap, 1)),
                                })
        if not to_create:
            return []
        # bypass: alerts are created by the code only
        with without_check_access():
            alerts = Alert.create(to_create)
        Alert.notify(alerts)
        return alerts


class TenderLineVolume(ModelSQL, ModelView):
    __name__ = 'pharma.tender.line.volume'
    line = fields.Many2One(
        'pharma.tender.line', "Line", required=True, ondelete='CASCADE')
    hospital = fields.Many2One(
        'party.party', "Hospital", required=True, ondelete='RESTRICT',
        domain=[('pharma_type', '=', 'hospital')])
    committed_volume = fields.Float("Committed Volume", required=True)
    fulfilled_volume = fields.Function(fields.Float(
            "Fulfilled Volume",
            help="Sold to the hospital in the validity period, from the "
            "sales flow."), 'get_fulfilment')
    expected_volume = fields.Function(fields.Float(
            "Expected Volume to Date",
            help="The committed volume pro rata of the validity period "
            "elapsed."), 'get_fulfilment')
    fulfilment_rate = fields.Function(fields.Float(
            "Fulfilment (%)", digits=(16, 1)), 'get_fulfilment')
    behind_schedule = fields.Function(fields.Boolean(
            "Behind Schedule"), 'get_fulfilment',
        searcher='search_behind_schedule')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('line')
        t = cls.__table__()
        cls._sql_constraints = [
            ('line_hospital_uniq', Unique(t, t.line, t.hospital),
                'pharma_tender.msg_tender_line_volume_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.hospital, Index.Range())),
                })

    def get_rec_name(self, name):
        return '%s @ %s' % (self.line.rec_name, self.hospital.rec_name)

    @classmethod
    def _period(cls, volume):
        "The (start, end) of the commitment of the volume"
        tender = volume.line.tender
        start = tender.validity_start or tender.award_date
        return start, tender.validity_end

    @classmethod
    def _fulfilled(cls, volumes):
        """{volume id: quantity sold to the hospital in the period}, or
        None without a sales-flow source (pharma_distributor)"""
        return None

    @classmethod
    def get_fulfilment(cls, volumes, names):
        today = Pool().get('ir.date').today()
        fulfilled = cls._fulfilled(volumes)
        result = {n: {} for n in names}
        for volume in volumes:
            done = fulfilled[volume.id] if fulfilled is not None else None
            start, end = cls._period(volume)
            committed = volume.committed_volume or 0
            expected = None
            if start and end and end > start and volume.line.won:
                elapsed = min(max((today - start).days, 0),
                    (end - start).days)
                expected = committed * elapsed / (end - start).days
            values = {
                'fulfilled_volume': done,
                'expected_volume': expected,
                'fulfilment_rate': (round(done * 100 / committed, 1)
                    if committed and done is not None else None),
                'behind_schedule': bool(expected and done is not None
                    and done < expected * VBP_TOLERANCE),
                }
            for name in names:
                result[name][volume.id] = values[name]
        return result

    @classmethod
    def search_behind_schedule(cls, name, clause):
        _, operator, value = clause
        volumes = cls.search([
                ('line.tender.tender_type', '=', 'vbp'),
                ('line.tender.state', '=', 'awarded'),
                ])
        behind = [v.id for v in volumes if v.behind_schedule]
        if (operator == '=') == bool(value):
            return [('id', 'in', behind)]
        return [('id', 'not in', behind)]


class FloorPrice(ModelSQL, ModelView):
    __name__ = 'pharma.tender.floor.price'
    company = fields.Many2One(
        'company.company', "Company", required=True, ondelete='CASCADE')
    product = fields.Many2One(
        'product.product', "Product", required=True, ondelete='CASCADE',
        context={'company': Eval('company', -1)}, depends={'company'})
    price = fields.Numeric(
        "Floor Price", digits=PRICE_DIGITS, required=True,
        domain=[('price', '>=', 0)])

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('company_product_uniq', Unique(t, t.company, t.product),
                'pharma_tender.msg_floor_price_unique'),
            ]

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    def get_rec_name(self, name):
        return self.product.rec_name


class Alert(ModelSQL, ModelView):
    "Price linkage risk: an award below our current price elsewhere"
    __name__ = 'pharma.tender.alert'
    company = fields.Many2One(
        'company.company', "Company", required=True, ondelete='CASCADE',
        readonly=True)
    date = fields.Date("Date", required=True, readonly=True)
    tender = fields.Many2One(
        'pharma.tender', "Tender", ondelete='CASCADE', readonly=True)
    line = fields.Many2One(
        'pharma.tender.line', "Award", ondelete='CASCADE', readonly=True)
    generic_name = fields.Char("Generic Name", readonly=True)
    dosage_form = fields.Selection(
        DOSAGE_FORMS, "Dosage Form", sort=False, readonly=True)
    dosage_form_string = dosage_form.translated('dosage_form')
    strength = fields.Char("Strength", readonly=True)
    province = fields.Many2One(
        'pharma.territory', "Award Province", readonly=True,
        ondelete='CASCADE')
    price = fields.Numeric("Winning Price", digits=PRICE_DIGITS,
        readonly=True)
    winning_company = fields.Many2One(
        'party.party', "Winning Company", readonly=True, ondelete='SET NULL',
        context={'company': Eval('company', -1)}, depends={'company'})
    other_province = fields.Many2One(
        'pharma.territory', "Our Province", readonly=True,
        ondelete='CASCADE')
    our_price = fields.Numeric("Our Price", digits=PRICE_DIGITS,
        readonly=True)
    our_price_source = fields.Selection([
            ('award', "Our Award"),
            ('list', "Listed Price"),
            ], "Our Price Source", readonly=True)
    gap = fields.Float("Gap (%)", digits=(16, 1), readonly=True,
        help="How much lower the award is than our price.")
    description = fields.Function(
        fields.Char("Description"), 'get_description')
    done = fields.Boolean("Handled")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('date', 'DESC'))

    @classmethod
    def default_done(cls):
        return False

    def get_rec_name(self, name):
        return self.get_description(name)

    def get_description(self, name):
        return gettext('pharma_tender.msg_tender_alert_description',
            product=' '.join(filter(None, [
                        self.generic_name, self.dosage_form_string,
                        self.strength])),
            price=format_price(self.price),
            province=self.province.rec_name if self.province else '',
            gap=self.gap,
            our_price=format_price(self.our_price),
            other_province=(self.other_province.rec_name
                if self.other_province else ''))

    @classmethod
    def notify(cls, alerts):
        "Tell marketing and the owners of the tenders"
        marketing = group_users(
            'group_pharma_marketing', 'group_pharma_marketing_manager')
        for alert in alerts:
            users = set(marketing)
            if alert.tender and alert.tender.owner:
                users.update(*employee_users(
                        [alert.tender.owner.id]).values())
            for user in sorted(users):
                # in the recipient's language (the alert is read again in
                # it for its dosage form and territories)
                with Transaction().set_context(
                        language=user_language(user)):
                    label = gettext('pharma_tender.msg_tender_alert_label',
                        product=alert.generic_name)
                    description = cls(alert.id).get_description(None)
                alert.notify_user(
                    'tryton-warning', label, description, user=user)


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('pharma.tender|send_deadline_reminders',
                    "Send Tender Deadline Reminders"),
                ('pharma.tender|expire_tenders', "Expire Tenders"),
                ])
