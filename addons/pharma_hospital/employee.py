# This file is part of the pharma suite. See README.md for license terms.
import datetime
from collections import defaultdict

from trytond import backend
from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .access import readable_name
from .exceptions import EmployeeLeaveError
from .notify import render, user_language


def employee_users(employee_ids):
    "Map employee ids to the ids of their active users"
    pool = Pool()
    UserEmployee = pool.get('res.user-company.employee')
    result = defaultdict(set)
    employee_ids = list(set(filter(None, employee_ids)))
    # bypass: notifications find the users of employees, which roles cannot
    # read
    with Transaction().set_context(_check_access=False):
        for sub in grouped_slice(
                employee_ids, backend.MAX_QUERY_PARAMS):
            for link in UserEmployee.search([
                        ('employee', 'in', list(sub)),
                        ('user.active', '=', True),
                        ]):
                result[link.employee.id].add(link.user.id)
    return result


def in_groups(*xml_ids):
    """Whether the user of the transaction is a member of one of the
    groups xml_ids ('module.name', or the name of a pharma_hospital group),
    directly or through a parent group (res.user.get_groups); root is a
    member of the groups it has, as any user: a caller that lets root
    through says so"""
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    groups = set(User.get_groups())
    for xml_id in xml_ids:
        module, name = (xml_id.split('.', 1) if '.' in xml_id
            else ('pharma_hospital', xml_id))
        if ModelData.get_id(module, name) in groups:
            return True
    return False


def group_users(*xml_ids, module='pharma_hospital'):
    """Active user ids, members of the groups of xml_ids (of module), in
    the order of their ids"""
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    group_ids = [ModelData.get_id(module, x) for x in xml_ids]
    # bypass: notifications find the users of groups
    with Transaction().set_context(_check_access=False, active_test=True):
        return [u.id for u in User.search(
                [('groups', 'in', group_ids)], order=[('id', 'ASC')])]


def administrators():
    """Active user ids of the suite's administrators (the pharma
    administration group, else Tryton's administration group): who is
    told when a notice has no one else to go to"""
    return (group_users('group_pharma_admin')
        or group_users('group_admin', module='res'))


def notify_users(notifications):
    """Notify users with Tryton's notify_user (stored when the transaction
    commits, dropped when it rolls back) from a list of dicts with user,
    label, description (str or notify.Message, rendered in the user's
    language), model and record_ids, and optionally icon and action"""
    pool = Pool()
    for values in notifications:
        values = values.copy()
        user = values.pop('user')
        # label and description may be Messages: in the user's language
        label = render(values.pop('label'), user)
        description = values.pop('description', None)
        if description is not None:
            description = render(description, user)
        Model = pool.get(values.pop('model'))
        records = Model.browse(sorted(set(values.pop('record_ids'))))
        icon = values.pop('icon', 'tryton-notification')
        Model.notify_user(
            records, icon, label, description, user=user, **values)


def primary_counts(employee_ids, date=None, company=None):
    """Number of parties each employee covers as primary on date or
    after (coverage not ended before date)"""
    pool = Pool()
    Coverage = pool.get('pharma.coverage')
    Date = pool.get('ir.date')
    if date is None:
        date = Date.today()
    domain = [
        ('employee', 'in', list(employee_ids)),
        ('role', '=', 'primary'),
        ['OR', ('end_date', '=', None), ('end_date', '>', date)],
        ]
    if company is not None:
        domain.append(('company', '=', company))
    counts = defaultdict(set)
    # bypass: the count of accounts per rep includes every rep's coverages
    with Transaction().set_context(_check_access=False):
        for coverage in Coverage.search(domain):
            counts[coverage.employee.id].add(coverage.party.id)
    return {e: len(p) for e, p in counts.items()}


class Employee(metaclass=PoolMeta):
    __name__ = 'company.employee'

    @classmethod
    def validate_fields(cls, employees, field_names):
        super().validate_fields(employees, field_names)
        cls.check_leave(employees, field_names)

    @classmethod
    def on_modification(cls, mode, employees, field_names=None):
        super().on_modification(mode, employees, field_names=field_names)
        if mode != 'write' or 'supervisor' in (field_names or []):
            # the managers' rules list their team (ir.rule context
            # pharma_team)
            Pool().get('ir.rule')._domain_get_cache.clear()

    @classmethod
    def check_leave(cls, employees, field_names=None):
        """An employee cannot leave while holding primary coverage after
        the end date: the accounts must be handed over first"""
        if field_names and 'end_date' not in field_names:
            return
        by_date = defaultdict(list)
        for employee in employees:
            if employee.end_date:
                by_date[employee.end_date].append(employee)
        for end_date, leavers in by_date.items():
            counts = primary_counts([e.id for e in leavers], end_date)
            for employee in leavers:
                if counts.get(employee.id):
                    raise EmployeeLeaveError(gettext(
                            'pharma_hospital.msg_employee_leave_coverage',
                            employee=readable_name(employee),
                            count=counts[employee.id],
                            date=end_date))

    @classmethod
    def pharma_notify_leavers(cls):
        """Tell the managers who leaves within the notice days and still
        holds primary coverage"""
        pool = Pool()
        Config = pool.get('pharma.configuration')
        Date = pool.get('ir.date')
        Territory = pool.get('pharma.territory')
        company = Transaction().context.get('company')
        if not company:
            return
        config = Config.get_config(company)
        today = Date.today()
        limit = today + datetime.timedelta(days=config.leave_notice_days or 0)
        # bypass: the cron finds the company's leavers
        with Transaction().set_context(_check_access=False):
            leavers = cls.search([
                    ('company', '=', company),
                    ('end_date', '>=', today),
                    ('end_date', '<=', limit),
                    ])
            if not leavers:
                return
            counts = primary_counts(
                [e.id for e in leavers], today, company=company)
            leavers = [e for e in leavers if counts.get(e.id)]
            if not leavers:
                return
            managers = defaultdict(set)
            for employee in leavers:
                if employee.supervisor:
                    managers[employee.supervisor.id].add(employee)
            for territory in Territory.search([
                        ('reps', 'in', [e.id for e in leavers]),
                        ('manager', '!=', None),
                        ]):
                for employee in territory.reps:
                    if employee in leavers:
                        managers[territory.manager.id].add(employee)
            users = employee_users(list(managers))
        by_user = defaultdict(set)
        for manager, employees in managers.items():
            for user in users.get(manager, []):
                by_user[user].update(employees)
        notifications = []
        for user, employees in by_user.items():
            employees = sorted(employees, key=lambda e: e.end_date)
            # in the language of the recipient
            with Transaction().set_context(
                    language=user_language(user)):
                notifications.append({
                        'user': user,
                        'label': gettext(
                            'pharma_hospital.msg_notify_leavers_label',
                            count=len(employees)),
                        'description': gettext(
                            'pharma_hospital.msg_notify_leavers_description',
                            employees=', '.join(
                                '%s (%s, %s)' % (e.rec_name, e.end_date,
                                    counts[e.id]) for e in employees)),
                        'model': 'company.employee',
                        'record_ids': [e.id for e in employees],
                        })
        notify_users(notifications)


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    @classmethod
    def write(cls, *args):
        actions = iter(args)
        to_check = []
        for users, values in zip(actions, actions):
            if values.get('active') is False:
                to_check.extend(u for u in users if u.active)
        if to_check:
            cls.check_deactivate(to_check)
        super().write(*args)

    @classmethod
    def check_deactivate(cls, users):
        "A user whose employee holds primary coverage stays active"
        pool = Pool()
        Date = pool.get('ir.date')
        employees = {e for u in users for e in u.employees}
        if not employees:
            return
        today = Date.today()
        counts = primary_counts(
            [e.id for e in employees], today - datetime.timedelta(days=1))
        for user in users:
            for employee in user.employees:
                if counts.get(employee.id):
                    raise EmployeeLeaveError(gettext(
                            'pharma_hospital.msg_user_deactivate_coverage',
                            user=readable_name(user),
                            employee=readable_name(employee),
                            count=counts[employee.id]))
