# This file is part of the pharma suite. See README.md for license terms.
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction


class AgencyAgreement(Workflow, ModelSQL, ModelView):
    __name__ = 'pharma.agency.agreement'
    _rec_name = 'reference'
    _states = {'readonly': Eval('state') != 'draft'}

    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    reference = fields.Char("Reference")
    agent = fields.Many2One(
        'party.party', "Agent", required=True, states=_states,
        domain=[('pharma_type', 'in', ['agent', 'distributor'])],
        context={'company': Eval('company', -1)}, depends={'company'})
    products = fields.Many2Many(
        'pharma.agency.agreement-product.product', 'agreement', 'product',
        "Products", states=_states,
        context={'company': Eval('company', -1)}, depends={'company'})
    territories = fields.Many2Many(
        'pharma.agency.agreement-pharma.territory', 'agreement',
        'territory', "Territories", states=_states,
        help="Leave empty for no territorial restriction.")
    start_date = fields.Date("Start Date", required=True, states=_states)
    end_date = fields.Date(
        "End Date", states=_states,
        domain=['OR', ('end_date', '=', None),
            ('end_date', '>=', Eval('start_date', None))])
    quota = fields.Numeric("Quota", digits=(16, 2), states=_states,
        help="The amount the agent commits to buy over the period.")
    price = Monetary(
        "Price", currency='currency', digits='currency', states=_states,
        help="The agreed unit supply price.")
    currency = fields.Function(fields.Many2One(
            'currency.currency', "Currency"), 'on_change_with_currency')
    owner = fields.Many2One(
        'company.employee', "Owner",
        domain=[('company', '=', Eval('company', -1))],
        help="The commercial employee responsible for the agent.")
    state = fields.Selection([
            ('draft', "Draft"),
            ('active', "Active"),
            ('expired', "Expired"),
            ], "State", readonly=True, required=True, sort=False)
    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('start_date', 'DESC'))
        cls._transitions |= {
            ('draft', 'active'),
            ('active', 'expired'),
            ('active', 'draft'),
            ('expired', 'draft'),
            }
        cls._buttons.update({
                'draft': {
                    'invisible': Eval('state') == 'draft',
                    'depends': ['state'],
                    },
                'activate': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'expire': {
                    'invisible': Eval('state') != 'active',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_start_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_owner(cls):
        pool = Pool()
        User = pool.get('res.user')
        user = User(Transaction().user)
        if user.employee:
            return user.employee.id

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    def get_rec_name(self, name):
        name = self.agent.rec_name if self.agent else ''
        if self.reference:
            name = '%s (%s)' % (self.reference, name)
        return name

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause
        bool_op = 'AND' if operator.startswith('!') or operator.startswith(
            'not ') else 'OR'
        return [bool_op,
            ('reference', *clause[1:]),
            ('agent.rec_name', *clause[1:]),
            ]

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, agreements):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('active')
    def activate(cls, agreements):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('expired')
    def expire(cls, agreements):
        pass

    @classmethod
    def expire_ended(cls):
        "Expire the active agreements whose end date has passed"
        pool = Pool()
        Date = pool.get('ir.date')
        agreements = cls.search([
                ('state', '=', 'active'),
                ('end_date', '<', Date.today()),
                ('company', '=', Transaction().context.get('company', -1)),
                ])
        if agreements:
            cls.expire(agreements)

    @classmethod
    def pharma_handover(cls, from_employee, to_employee, parties, log):
        agreements = cls.search([
                ('owner', '=', from_employee.id),
                ('state', 'in', ['draft', 'active']),
                ('agent', 'in', [p.id for p in parties]),
                ])
        if agreements:
            cls.write(agreements, {'owner': to_employee.id})
        return [(a, a.rec_name) for a in agreements]


class AgencyAgreementProduct(ModelSQL):
    __name__ = 'pharma.agency.agreement-product.product'
    agreement = fields.Many2One(
        'pharma.agency.agreement', "Agreement", required=True,
        ondelete='CASCADE')
    product = fields.Many2One(
        'product.product', "Product", required=True, ondelete='CASCADE')


class AgencyAgreementTerritory(ModelSQL):
    __name__ = 'pharma.agency.agreement-pharma.territory'
    agreement = fields.Many2One(
        'pharma.agency.agreement', "Agreement", required=True,
        ondelete='CASCADE')
    territory = fields.Many2One(
        'pharma.territory', "Territory", required=True, ondelete='CASCADE')
