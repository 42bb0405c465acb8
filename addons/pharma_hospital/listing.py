# This file is part of the pharma suite. See README.md for license terms.
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.modules.company.model import employee_field, set_employee
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from .access import readable_name
from .exceptions import ListingError

STATES = [
    ('application', "Application"),
    ('pharmacy_review', "Pharmacy Review"),
    ('committee', "P&T Committee"),
    ('trial', "Trial Use"),
    ('listed', "Listed"),
    ('rejected', "Rejected"),
    ('delisted', "Delisted"),
    ]
_ALL = [s for s, _ in STATES]


class Listing(Workflow, ModelSQL, ModelView):
    "The listing (进院) of a drug in a hospital"
    __name__ = 'pharma.listing'
    _states = {'readonly': Eval('state') != 'application'}

    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    hospital = fields.Many2One(
        'party.party', "Hospital", required=True, ondelete='CASCADE',
        domain=[('pharma_type', '=', 'hospital')], states=_states,
        context={'company': Eval('company', -1)}, depends={'company'})
    product = fields.Many2One(
        'product.product', "Product", required=True, ondelete='RESTRICT',
        domain=[('template.is_pharma', '=', True)], states=_states,
        context={'company': Eval('company', -1)}, depends={'company'})
    department = fields.Many2One(
        'pharma.hospital.department', "Department", ondelete='SET NULL',
        domain=[('hospital', '=', Eval('hospital', -1))],
        states=_states,
        help="The department that applies for the listing.")
    next_meeting = fields.Date("Next Committee Meeting",
        states={
            'invisible': ~Eval('state').in_(
                ['application', 'pharmacy_review', 'committee']),
            },
        help="The date of the next pharmacy and therapeutics committee "
        "(药事会) meeting.")
    application_date = fields.Date("Application Date", states=_states)
    review_date = fields.Date("Review Date", readonly=True)
    committee_date = fields.Date("Committee Date", readonly=True)
    trial_date = fields.Date("Trial Date", readonly=True)
    listed_date = fields.Date("Listed Date", readonly=True)
    rejected_date = fields.Date("Rejected Date", readonly=True)
    delisted_date = fields.Date("Delisted Date", readonly=True)
    application_by = employee_field("Application By",
        states=[s for s, _ in STATES if s != 'application'])
    review_by = employee_field("Review By", states=_ALL)
    committee_by = employee_field("Committee By", states=_ALL)
    trial_by = employee_field("Trial By", states=_ALL)
    listed_by = employee_field("Listed By", states=_ALL)
    rejected_by = employee_field("Rejected By", states=_ALL)
    delisted_by = employee_field("Delisted By", states=_ALL)
    notes = fields.Text("Notes")
    state = fields.Selection(
        STATES, "State", readonly=True, required=True, sort=False)
    state_string = state.translated('state')
    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.hospital, Index.Range()),
                    (t.product, Index.Range())),
                Index(t, (t.state, Index.Equality(cardinality='low'))),
                })
        cls._order = [('application_date', 'DESC NULLS FIRST'),
            ('id', 'DESC')]
        cls._transitions |= set((
                ('application', 'pharmacy_review'),
                ('pharmacy_review', 'committee'),
                ('committee', 'trial'),
                ('committee', 'listed'),
                ('trial', 'listed'),
                ('application', 'rejected'),
                ('pharmacy_review', 'rejected'),
                ('committee', 'rejected'),
                ('trial', 'rejected'),
                ('listed', 'delisted'),
                ('rejected', 'application'),
                ('delisted', 'application'),
                ))
        cls._buttons.update({
                'review': {
                    'invisible': Eval('state') != 'application',
                    'depends': ['state'],
                    },
                'committee': {
                    'invisible': Eval('state') != 'pharmacy_review',
                    'depends': ['state'],
                    },
                'trial': {
                    'invisible': Eval('state') != 'committee',
                    'depends': ['state'],
                    },
                'list_': {
                    'invisible': ~Eval('state').in_(['committee', 'trial']),
                    'depends': ['state'],
                    },
                'reject': {
                    'invisible': ~Eval('state').in_([
                            'application', 'pharmacy_review', 'committee',
                            'trial']),
                    'depends': ['state'],
                    },
                'delist': {
                    'invisible': Eval('state') != 'listed',
                    'depends': ['state'],
                    },
                'reapply': {
                    'invisible': ~Eval('state').in_(['rejected', 'delisted']),
                    'icon': If(Eval('state') == 'rejected',
                        'tryton-undo', 'tryton-forward'),
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'application'

    @classmethod
    def default_application_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_application_by(cls):
        return Transaction().context.get('employee')

    @fields.depends('hospital', '_parent_hospital.id', 'department',
        '_parent_department.hospital')
    def on_change_hospital(self):
        if self.department and self.department.hospital != self.hospital:
            self.department = None

    def get_rec_name(self, name):
        return '%s @ %s' % (
            self.product.rec_name if self.product else '',
            self.hospital.rec_name if self.hospital else '')

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('product.rec_name', operator, operand, *extra),
            ('hospital.rec_name', operator, operand, *extra),
            ]

    @classmethod
    def validate_fields(cls, listings, field_names):
        super().validate_fields(listings, field_names)
        cls.check_open_unique(listings, field_names)

    @classmethod
    def check_open_unique(cls, listings, field_names=None):
        "A product has at most one open listing per hospital and company"
        if field_names and not (
                {'hospital', 'product', 'company', 'state'} & field_names):
            return
        closed = ['rejected', 'delisted']
        for listing in listings:
            if listing.state in closed:
                continue
            others = cls.search([
                    ('id', '!=', listing.id),
                    ('company', '=', listing.company.id),
                    ('hospital', '=', listing.hospital.id),
                    ('product', '=', listing.product.id),
                    ('state', 'not in', closed),
                    ], limit=1)
            if others:
                raise ListingError(gettext(
                        'pharma_hospital.msg_listing_open_unique',
                        product=readable_name(listing.product),
                        hospital=readable_name(listing.hospital)))

    @classmethod
    def check_modification(cls, mode, listings, values=None, external=False):
        super().check_modification(
            mode, listings, values=values, external=external)
        if mode == 'delete':
            for listing in listings:
                if listing.state != 'application':
                    raise AccessError(gettext(
                            'pharma_hospital.msg_listing_delete_application',
                            listing=readable_name(listing)))

    @classmethod
    def copy(cls, listings, default=None):
        default = default.copy() if default is not None else {}
        for fname in ['review_date', 'committee_date', 'trial_date',
                'listed_date', 'rejected_date', 'delisted_date',
                'review_by', 'committee_by', 'trial_by', 'listed_by',
                'rejected_by', 'delisted_by', 'application_by']:
            default.setdefault(fname, None)
        default.setdefault('application_date', None)
        return super().copy(listings, default=default)

    @classmethod
    def _set_date(cls, listings, field):
        today = Pool().get('ir.date').today()
        cls.write(listings, {field: today})

    @classmethod
    @ModelView.button
    @Workflow.transition('pharmacy_review')
    @set_employee('review_by')
    def review(cls, listings):
        cls._set_date(listings, 'review_date')

    @classmethod
    @ModelView.button
    @Workflow.transition('committee')
    @set_employee('committee_by')
    def committee(cls, listings):
        cls._set_date(listings, 'committee_date')

    @classmethod
    @ModelView.button
    @Workflow.transition('trial')
    @set_employee('trial_by')
    def trial(cls, listings):
        cls._set_date(listings, 'trial_date')

    @classmethod
    @ModelView.button
    @Workflow.transition('listed')
    @set_employee('listed_by')
    def list_(cls, listings):
        cls._set_date(listings, 'listed_date')

    @classmethod
    @ModelView.button
    @Workflow.transition('rejected')
    @set_employee('rejected_by')
    def reject(cls, listings):
        cls._set_date(listings, 'rejected_date')

    @classmethod
    @ModelView.button
    @Workflow.transition('delisted')
    @set_employee('delisted_by')
    def delist(cls, listings):
        cls._set_date(listings, 'delisted_date')

    @classmethod
    @ModelView.button
    @Workflow.transition('application')
    def reapply(cls, listings):
        today = Pool().get('ir.date').today()
        cls.write(listings, {
                'application_date': today,
                'review_date': None, 'committee_date': None,
                'trial_date': None, 'listed_date': None,
                'rejected_date': None, 'delisted_date': None,
                'review_by': None, 'committee_by': None, 'trial_by': None,
                'listed_by': None, 'rejected_by': None, 'delisted_by': None,
                })


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    listings = fields.One2Many(
        'pharma.listing', 'hospital', "Listings",
        states={'invisible': Eval('pharma_type') != 'hospital'})
    listed_products = fields.Function(fields.Many2Many(
            'product.product', None, None, "Listed Products",
            states={'invisible': Eval('pharma_type') != 'hospital'}),
        'get_listed_products')

    @classmethod
    def get_listed_products(cls, parties, name):
        pool = Pool()
        Listing = pool.get('pharma.listing')
        result = {p.id: [] for p in parties}
        hospitals = [p.id for p in parties if p.pharma_type == 'hospital']
        if hospitals:
            for listing in Listing.search([
                        ('hospital', 'in', hospitals),
                        ('state', '=', 'listed'),
                        ], order=[('id', 'ASC')]):
                products = result[listing.hospital.id]
                if listing.product.id not in products:
                    products.append(listing.product.id)
        return result

    @classmethod
    def copy(cls, parties, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('listings', None)
        return super().copy(parties, default=default)


class Replace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        return super().fields_to_replace() + [
            ('pharma.listing', 'hospital'),
            ]
