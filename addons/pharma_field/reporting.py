# This file is part of the pharma suite. See README.md for license terms.
from sql import Literal, Null
from sql.aggregate import Count, Min, Sum
from sql.conditionals import Case

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.transaction import Transaction


class CheckinWeek(ModelSQL, ModelView):
    "Check-ins per Representative and Week"
    __name__ = 'pharma.field.checkin.week'
    company = fields.Many2One('company.company', "Company", readonly=True)
    employee = fields.Many2One('company.employee', "Representative",
        readonly=True)
    week = fields.Date("Week", readonly=True)
    calls = fields.Integer("Calls from the App", readonly=True)
    flagged = fields.Integer("Flagged", readonly=True)
    no_fix = fields.Integer("No Fix", readonly=True)
    outside = fields.Integer("Outside", readonly=True)
    imprecise = fields.Integer("Imprecise", readonly=True)
    clock = fields.Integer("Clock Off", readonly=True)
    travel = fields.Integer("Impossible Travel", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('week', 'DESC'), ('flagged', 'DESC'),
            ('employee', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Call = pool.get('pharma.call')
        call = Call.__table__()
        context = Transaction().context

        def count(column):
            return Sum(Case((column == Literal(True), 1), else_=0))
        where = (call.client_id != Null) & (call.checkin_week != Null)
        if context.get('from_date'):
            where &= call.checkin_week >= context['from_date']
        if context.get('to_date'):
            where &= call.checkin_week <= context['to_date']
        return call.select(
            Min(call.id).as_('id'),
            call.company.as_('company'),
            call.employee.as_('employee'),
            call.checkin_week.as_('week'),
            Count(call.id).as_('calls'),
            count(call.checkin_flagged).as_('flagged'),
            count(call.checkin_no_fix).as_('no_fix'),
            count(call.checkin_outside).as_('outside'),
            count(call.checkin_imprecise).as_('imprecise'),
            count(call.checkin_clock).as_('clock'),
            count(call.checkin_travel).as_('travel'),
            where=where,
            group_by=[call.company, call.employee, call.checkin_week])


class CheckinWeekContext(ModelView):
    "Check-ins per Representative and Week"
    __name__ = 'pharma.field.checkin.week.context'
    from_date = fields.Date("From Week")
    to_date = fields.Date("To Week")
