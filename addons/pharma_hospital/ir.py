# This file is part of the pharma suite. See README.md for license terms.
from trytond import backend
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
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
            'user manages (subtrees included)'
            '\n- "pharma_covered_parties" as list of party ids the user\'s '
            'employees cover today'
            '\n- "pharma_team" as list of ids of the user\'s employees and '
            'of the employees they supervise'
            '\n- "pharma_managed_hospitals" as list of ids of the hospitals '
            'in the territories the user manages'
            '\n- "pharma_user" as the id of the user')

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
        # the user's own records (background jobs); the rule cache is per
        # user (_get_cache_key)
        context['pharma_user'] = Transaction().user
        employees = list(User.get_employees())
        context['employees'] = employees
        # the parties the user's employees cover today, as a list: a rule
        # "party in (ids)" uses the party index, where a subquery on the
        # coverage is evaluated row by row (1.8 s to count a rep's calls
        # among 2 million); cleared with the rule cache on any change of
        # coverage (pharma.coverage.on_modification)
        context['pharma_covered_parties'] = cls._pharma_covered_parties(
            employees, context['pharma_today'])
        context['pharma_territories'] = Territory.visible_ids(employees)
        context['pharma_managed_territories'] = Territory.managed_ids(
            employees)
        # the same reason for the managers' rules: lists instead of the
        # subqueries of 'employee.supervisor' and 'hospital.territory'
        # (a regional manager's count of calls among 2 million took 0.66 s);
        # cleared on a change of supervisor (company.employee) or of a
        # hospital's territory (party.party)
        context['pharma_team'] = cls._pharma_team(employees)
        context['pharma_managed_hospitals'] = cls._pharma_hospitals(
            context['pharma_managed_territories'])
        return context

    @classmethod
    def _pharma_team(cls, employees):
        pool = Pool()
        Employee = pool.get('company.employee')
        if not employees:
            return []
        employee = Employee.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*employee.select(employee.id,
                where=employee.supervisor.in_(employees)))
        return sorted(set(employees) | {e for e, in cursor})

    @classmethod
    def _pharma_hospitals(cls, territories):
        pool = Pool()
        Party = pool.get('party.party')
        if not territories:
            return []
        party = Party.__table__()
        cursor = Transaction().connection.cursor()
        hospitals = []
        for sub in grouped_slice(territories, backend.MAX_QUERY_PARAMS):
            cursor.execute(*party.select(party.id,
                    where=(party.pharma_type == 'hospital')
                    & party.territory.in_(list(sub))))
            hospitals.extend(h for h, in cursor)
        return sorted(hospitals)

    @classmethod
    def _pharma_covered_parties(cls, employees, today):
        pool = Pool()
        Coverage = pool.get('pharma.coverage')
        if not employees:
            return []
        coverage = Coverage.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*coverage.select(coverage.party,
                where=coverage.employee.in_(employees)
                & Coverage.valid_condition(coverage, today),
                group_by=[coverage.party]))
        return sorted(p for p, in cursor)

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
                ('pharma.job|clean', "Clean Background Jobs"),
                ('company.employee|pharma_notify_leavers',
                    "Notify Managers of Leavers with Accounts"),
                ('party.party|pharma_lifecycle_reminders',
                    "Create Lifecycle Follow-up Reminders"),
                ('party.party|pharma_lifecycle_stale',
                    "Notify Stale Lifecycle Stages"),
                ])


class UIMenu(metaclass=PoolMeta):
    __name__ = 'ir.ui.menu'

    @classmethod
    def search(cls, domain, offset=0, limit=None, order=None, count=False,
            query=False):
        """Leave out the folders whose entries the user may not open (the
        standard search hides the entries, not their folder, which the web
        client then shows empty)"""
        menus = super().search(domain, offset=offset, limit=limit,
            order=order, count=False, query=query)
        if query:
            return menus
        transaction = Transaction()
        if (transaction.check_access and menus
                and not transaction.context.get('_pharma_menu_all')):
            # the menus the user sees, and their folders with an entry
            with transaction.set_context(_pharma_menu_all=True):
                visible = cls.search([])
            parent = {m.id: m.parent.id if m.parent else None
                for m in visible}
            useful = set()
            for menu in visible:
                if not menu.action_keywords:
                    continue
                id_ = menu.id
                while id_ is not None and id_ not in useful:
                    useful.add(id_)
                    id_ = parent.get(id_)
            menus = [m for m in menus if m.id in useful]
        if count:
            return len(menus)
        return menus
