# This file is part of the pharma suite. See README.md for license terms.
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool
from trytond.transaction import Transaction


class Configuration(ModelSQL, ModelView):
    "Pharma settings of one company"
    __name__ = 'pharma.configuration'
    company = fields.Many2One(
        'company.company', "Company", required=True, ondelete='CASCADE')
    verify_interval = fields.Integer("To Identify: Follow-up Days",
        help="Days between reminders to verify a party to identify.")
    prospect_interval = fields.Integer("Prospect: Follow-up Days")
    opportunity_interval = fields.Integer("Opportunity: Follow-up Days")
    customer_interval = fields.Integer("Customer: Follow-up Days")
    stage_stale_days = fields.Integer("Days in a Stage before Escalation",
        help="A party that stays longer in a stage is listed for the "
        "manager.")
    leave_notice_days = fields.Integer("Leaver Notice Days",
        help="Managers are told this many days ahead who leaves and still "
        "holds accounts.")
    duplicate_check = fields.Boolean("Check Duplicates on Create")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('company_uniq', Unique(t, t.company),
                'pharma_hospital.msg_configuration_company_unique'),
            ]

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_verify_interval(cls):
        return 7

    @classmethod
    def default_prospect_interval(cls):
        return 30

    @classmethod
    def default_opportunity_interval(cls):
        return 14

    @classmethod
    def default_customer_interval(cls):
        return 60

    @classmethod
    def default_stage_stale_days(cls):
        return 90

    @classmethod
    def default_leave_notice_days(cls):
        return 30

    @classmethod
    def default_duplicate_check(cls):
        return True

    @classmethod
    def get_config(cls, company=None):
        """The configuration of company (default: the context's), created
        with the defaults when missing"""
        if company is None:
            company = Transaction().context.get('company')
        company_id = int(company) if company is not None else None
        # bypass: the configuration (created with its defaults) is read by the
        # code of every role
        with Transaction().set_context(_check_access=False):
            if company_id is None or company_id < 0:
                return cls()
            configs = cls.search([('company', '=', company_id)], limit=1)
            if configs:
                return configs[0]
            config, = cls.create([{'company': company_id}])
            return config

    def get_stage_interval(self, stage):
        return {
            'to_identify': self.verify_interval,
            'prospect': self.prospect_interval,
            'opportunity': self.opportunity_interval,
            'customer': self.customer_interval,
            'user': self.customer_interval,
            }.get(stage)
