# This file is part of the pharma suite. See README.md for license terms.
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.domain.help += (
            '\n- "employees" as list of ids of the user\'s employees'
            '\n- "pharma_territories" as list of territory ids the user '
            'works in or manages (subtrees included)'
            '\n- "pharma_managed_territories" as list of territory ids the '
            'user manages (subtrees included)')

    @classmethod
    def _get_context(cls, model_name):
        pool = Pool()
        User = pool.get('res.user')
        Territory = pool.get('pharma.territory')
        Date = pool.get('ir.date')
        context = super()._get_context(model_name)
        # the company's day (PYSON's Date() is the server's UTC day, which
        # differs from Asia/Shanghai's between 16:00 and 24:00 UTC)
        context['pharma_today'] = Date.today()
        employees = list(User.get_employees())
        context['employees'] = employees
        context['pharma_territories'] = Territory.visible_ids(employees)
        context['pharma_managed_territories'] = Territory.managed_ids(
            employees)
        return context

    @classmethod
    def _get_cache_key(cls, model_names):
        pool = Pool()
        Date = pool.get('ir.date')
        key = super()._get_cache_key(model_names)
        # The domains depend on the user (employees, territories) and on
        # the day (current coverage), not only on the groups
        return (*key, Transaction().user, str(Date.today()))


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('pharma.coverage|pharma_end_delegations',
                    "End Expired Delegations"),
                ('company.employee|pharma_notify_leavers',
                    "Notify Managers of Leavers with Accounts"),
                ('party.party|pharma_lifecycle_reminders',
                    "Create Lifecycle Follow-up Reminders"),
                ('party.party|pharma_lifecycle_stale',
                    "Notify Stale Lifecycle Stages"),
                ])
