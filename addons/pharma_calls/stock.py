# This file is part of the pharma suite. See README.md for license terms.
"""Samples on Tryton stock: the samples a call gives leave the
representative's sample location; each month the samples of every
representative are counted with a stock inventory of that location, and a
count confirmed with differences is flagged to the representative's
manager."""
import json

from trytond.i18n import gettext
from trytond.model import Index, ModelView, fields
from trytond.model.exceptions import AccessError, ValidationError
from trytond.modules.pharma_hospital.notify import user_language
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, PYSONEncoder
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import (
    Button, StateAction, StateTransition, StateView, Wizard)
from trytond.modules.pharma_hospital.access import readable_name

from trytond.modules.pharma_hospital.employee import in_groups

from .call import is_clerk_or_admin, user_employee_ids


class SampleCountError(ValidationError):
    pass


class Move(metaclass=PoolMeta):
    __name__ = 'stock.move'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['pharma.call']


class CallSampleLot(metaclass=PoolMeta):
    __name__ = 'pharma.call.sample'
    lot = fields.Many2One('stock.lot', "Lot",
        domain=[('product', '=', Eval('product', -1))])

    def _stock_key(self):
        return (self.product.id, self.lot.id if self.lot else None)

    @classmethod
    def _stock_grouping(cls):
        return ('product', 'lot')

    def _get_move(self):
        move = super()._get_move()
        move.lot = self.lot
        return move


class Inventory(metaclass=PoolMeta):
    __name__ = 'stock.inventory'
    sample_employee = fields.Many2One(
        'company.employee', "Representative", readonly=True,
        ondelete='RESTRICT',
        help="The representative whose samples are counted.")
    sample_differences = fields.Boolean("Differences", readonly=True,
        help="The count was confirmed with quantities other than "
        "expected.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.sample_employee, Index.Range()),
                (t.date, Index.Range())))

    @classmethod
    def default_sample_differences(cls):
        return False

    @classmethod
    def validate_fields(cls, inventories, field_names):
        super().validate_fields(inventories, field_names)
        if field_names and not (
                field_names & {'sample_employee', 'location'}):
            return
        for inventory in inventories:
            employee = inventory.sample_employee
            if employee and employee.sample_location != inventory.location:
                raise SampleCountError(gettext(
                        'pharma_calls.msg_sample_count_location',
                        inventory=readable_name(inventory),
                        employee=readable_name(employee)))

    @classmethod
    def check_modification(
            cls, mode, inventories, values=None, external=False):
        super().check_modification(
            mode, inventories, values=values, external=external)
        if (mode == 'write' and external
                and set(values or {}) & {
                    'sample_employee', 'sample_differences'}
                and not in_groups('group_pharma_admin')):
            raise AccessError(gettext(
                    'pharma_calls.msg_sample_count_flag_write'))

    @classmethod
    def copy(cls, inventories, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('sample_differences', False)
        return super().copy(inventories, default=default)

    @classmethod
    def create_sample_counts(cls, employees=None, date=None):
        """Create the draft count of the sample location of each
        representative (default: all of the context's company) who has no
        draft count yet; return the counts created"""
        pool = Pool()
        Employee = pool.get('company.employee')
        Date = pool.get('ir.date')
        if date is None:
            date = Date.today()
        if employees is None:
            employees = Employee.search([
                    ('company', '=',
                        Transaction().context.get('company', -1)),
                    ('sample_location', '!=', None),
                    ])
        employees = [e for e in employees if e.sample_location]
        if not employees:
            return []
        # bypass: pending sample counts of the team, for the notification
        with without_check_access():
            pending = {i.sample_employee.id for i in cls.search([
                        ('sample_employee', 'in', [e.id for e in employees]),
                        ('state', '=', 'draft'),
                        ])}
            inventories = [cls(
                    company=employee.company,
                    location=employee.sample_location,
                    date=date,
                    sample_employee=employee)
                for employee in employees if employee.id not in pending]
            cls.save(inventories)
            cls.complete_lines(inventories)
        return inventories

    @classmethod
    def confirm(cls, inventories):
        counts = [i for i in inventories
            if i.sample_employee and i.state == 'draft']
        if counts:
            # the expected quantities as the stock has them now, whatever
            # was written on the lines
            # bypass: the expected quantities come from the stock, which reps
            # cannot read
            with without_check_access():
                cls.complete_lines(counts, fill=False)
        super().confirm(inventories)
        if counts:
            cls.flag_sample_differences(cls.browse(counts))

    @classmethod
    def flag_sample_differences(cls, counts):
        "Flag the done counts with differences and tell the managers"
        pool = Pool()
        Notification = pool.get('res.notification')
        User = pool.get('res.user')
        flagged = [c for c in counts
            if c.state == 'done' and any(l.moves for l in c.lines)]
        if not flagged:
            return []
        notifications = []
        # bypass: the differences flag is set by the code only
        with without_check_access():
            cls.write(flagged, {'sample_differences': True})
            for count in flagged:
                employee = count.sample_employee
                manager = employee.supervisor
                users = User.search([
                        ('employees', '=', manager.id),
                        ]) if manager else []
                lines = '; '.join('%s %s → %s' % (
                        l.product.rec_name, l.expected_quantity,
                        l.quantity if l.quantity is not None else 0)
                    for l in count.lines if l.moves)
                for user in users:
                    language = user_language(user)
                    with Transaction().set_context(language=language):
                        label = gettext(
                            'pharma_calls.msg_sample_count_differences',
                            employee=employee.rec_name)
                        # the count's name (its date) in the recipient's
                        # language: read again in that context
                        description = gettext(
                            'pharma_calls.msg_sample_count_differences_lines',
                            count=cls(count.id).rec_name, lines=lines)
                    notifications.append(Notification(
                            user=user, icon='tryton-warning',
                            label=label, description=description,
                            model=cls.__name__,
                            records=json.dumps([count.id])))
            if notifications:
                Notification.save(notifications)
        return flagged


class SampleCountCreateStart(ModelView):
    "Create Sample Counts"
    __name__ = 'pharma.sample.count.create.start'
    date = fields.Date("Date", required=True)
    employees = fields.Many2Many(
        'company.employee', None, None, "Representatives", required=True,
        domain=[
            ('sample_location', '!=', None),
            ('company', '=', Eval('context', {}).get('company', -1)),
            ],
        help="The representatives whose samples are counted.")


class SampleCountCreate(Wizard):
    "Create Sample Counts"
    __name__ = 'pharma.sample.count.create'
    start = StateView('pharma.sample.count.create.start',
        'pharma_calls.sample_count_create_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Create", 'create_', 'tryton-ok', default=True),
            ])
    create_ = StateTransition()
    open_ = StateAction('pharma_calls.act_sample_count_form')

    @classmethod
    def allowed_employees(cls):
        """The representatives whose samples the user may count: all of the
        company for a clerk or an administrator, else the user's and their
        team's"""
        pool = Pool()
        Employee = pool.get('company.employee')
        domain = [
            ('company', '=', Transaction().context.get('company', -1)),
            ('sample_location', '!=', None),
            ]
        if not is_clerk_or_admin():
            employees = list(user_employee_ids())
            domain.append(['OR',
                    ('id', 'in', employees),
                    ('supervisor', 'in', employees),
                    ])
        return Employee.search(domain)

    def default_start(self, fields):
        pool = Pool()
        Date = pool.get('ir.date')
        return {
            'date': Date.today(),
            'employees': [e.id for e in self.allowed_employees()],
            }

    def transition_create_(self):
        pool = Pool()
        Inventory = pool.get('stock.inventory')
        allowed = set(self.allowed_employees())
        for employee in self.start.employees:
            if employee not in allowed:
                raise AccessError(gettext(
                        'pharma_calls.msg_sample_count_not_allowed',
                        employee=readable_name(employee)))
        Inventory.create_sample_counts(
            list(self.start.employees), date=self.start.date)
        return 'open_'

    def do_open_(self, action):
        pool = Pool()
        Inventory = pool.get('stock.inventory')
        employees = [e.id for e in self.start.employees]
        counts = Inventory.search([
                ('sample_employee', 'in', employees),
                ('state', '=', 'draft'),
                ])
        action['pyson_domain'] = PYSONEncoder().encode(
            [('id', 'in', [c.id for c in counts])])
        return action, {}
