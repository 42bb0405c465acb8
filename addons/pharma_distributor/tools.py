# This file is part of the pharma suite. See README.md for license terms.
from collections import defaultdict

from trytond.modules.pharma_hospital.notify import render
from trytond.pool import Pool
from trytond.transaction import Transaction


def employee_users(employees):
    "Map each employee id to the ids of the users it is linked to"
    pool = Pool()
    User = pool.get('res.user')
    ids = list({int(e) for e in employees if e})
    result = defaultdict(set)
    if not ids:
        return result
    # bypass: notifications find the users of employees
    with Transaction().set_context(_check_access=False, active_test=True):
        users = User.search([('employees', 'in', ids)])
    for user in users:
        for employee in user.employees:
            if employee.id in ids:
                result[employee.id].add(user.id)
    return result


def notify_employees(records, employees, label, description,
        icon='tryton-warning'):
    "Notify the users of employees (and their supervisors) about records"
    pool = Pool()
    User = pool.get('res.user')
    targets = set()
    for employee in employees:
        if not employee:
            continue
        targets.add(employee.id)
        if employee.supervisor:
            targets.add(employee.supervisor.id)
    users = set()
    for user_ids in employee_users(targets).values():
        users |= user_ids
    if not users:
        # bypass: notifications fall back to the administrator
        with Transaction().set_context(_check_access=False):
            users = {u.id for u in User.search([('login', '=', 'admin')])}
    Model = records[0].__class__
    for user in users:
        # label and description may be Messages: in the user's language
        Model.notify_user(records, icon, render(label, user),
            render(description, user), user=user)
    return users
