# This file is part of the pharma suite. See README.md for license terms.
from trytond.modules.pharma_hospital.employee import (
    administrators, employee_users)
from trytond.modules.pharma_hospital.notify import render


def notify_employees(records, employees, label, description,
        icon='tryton-warning'):
    "Notify the users of employees (and their supervisors) about records"
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
        # no one of the records' employees has a user: the administrators
        users = set(administrators())
    Model = records[0].__class__
    for user in users:
        # label and description may be Messages: in the user's language
        Model.notify_user(records, icon, render(label, user),
            render(description, user), user=user)
    return users
