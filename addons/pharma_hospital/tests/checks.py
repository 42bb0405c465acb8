# This file is part of the pharma suite. See README.md for license terms.
"Checks shared by the pharma modules' tests"
from lxml import etree

from trytond.model import fields
from trytond.pool import Pool


def _datetime(field):
    if isinstance(field, fields.Function):
        field = field._field
    return isinstance(field, (fields.DateTime, fields.Timestamp))


def tree_datetime_without_widget(module):
    """Return [(view, field)] of the module's list views that show a
    DateTime field without widget="date"/"time": Tryton 8.0's web client
    has no list column for DateTime and fails to open the screen"""
    pool = Pool()
    View = pool.get('ir.ui.view')
    problems = []
    for view in View.search([('module', '=', module)]):
        type_ = view.type or (view.inherit.type if view.inherit else None)
        if type_ != 'tree' or not view.model:
            continue
        try:
            Model = pool.get(view.model)
        except KeyError:
            continue
        tree = etree.fromstring(view.arch.encode('utf-8'))
        for element in tree.iter('field'):
            name = element.get('name')
            field = Model._fields.get(name)
            if field and _datetime(field) and not element.get('widget'):
                problems.append((view.name, name))
    return problems
