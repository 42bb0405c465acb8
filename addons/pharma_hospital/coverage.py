# This file is part of the pharma suite. See README.md for license terms.
import datetime

from sql import Literal, Null

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .access import readable_name
from .exceptions import CoverageError

ROLES = [
    ('primary', "Primary"),
    ('secondary', "Secondary"),
    ('delegate', "Delegate"),
    ]


class Coverage(ModelSQL, ModelView):
    "Which employee covers which hospital or doctor, and when"
    __name__ = 'pharma.coverage'
    company = fields.Many2One('company.company', "Company", required=True)
    employee = fields.Many2One(
        'company.employee', "Employee", required=True, ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))])
    party = fields.Many2One(
        'party.party', "Party", required=True, ondelete='CASCADE',
        domain=[('pharma_type', 'in', ['hospital', 'doctor'])],
        context={'company': Eval('company', -1)}, depends={'company'})
    party_type = fields.Function(fields.Selection(
            'get_party_types', "Party Type"), 'on_change_with_party_type')
    role = fields.Selection(ROLES, "Role", required=True)
    start_date = fields.Date("Start Date", required=True)
    end_date = fields.Date("End Date",
        domain=['OR',
            ('end_date', '=', None),
            ('end_date', '>=', Eval('start_date', None)),
            ])
    current = fields.Function(fields.Boolean("Current"),
        'get_current', searcher='search_current')
    handover = fields.Many2One(
        'pharma.handover.log', "Hand-over", readonly=True,
        ondelete='SET NULL',
        help="The hand-over that created or ended this coverage.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.party, Index.Range()), (t.employee, Index.Range())),
                Index(t, (t.employee, Index.Range()),
                    (t.start_date, Index.Range())),
                })
        cls._order = [('start_date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_role(cls):
        return 'primary'

    @classmethod
    def default_start_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def get_party_types(cls):
        pool = Pool()
        Party = pool.get('party.party')
        return Party.fields_get(['pharma_type'])['pharma_type']['selection']

    @fields.depends('party', '_parent_party.pharma_type')
    def on_change_with_party_type(self, name=None):
        return self.party.pharma_type if self.party else None

    @classmethod
    def valid_condition(cls, table, date=None, from_date=None, to_date=None):
        """The SQL condition on table (pharma_coverage) of the coverages
        valid on date, or on a day of the period from_date to to_date
        (included; a period's None bound is open)"""
        if date is not None:
            from_date = to_date = date
        condition = Literal(True)
        if to_date is not None:
            condition &= table.start_date <= to_date
        if from_date is not None:
            condition &= ((table.end_date == Null)
                | (table.end_date >= from_date))
        return condition

    @classmethod
    def valid_domain(cls, date=None, from_date=None, to_date=None,
            prefix=''):
        """The domain of valid_condition; prefix is the path to the
        coverage (for example 'coverages.')"""
        if date is not None:
            from_date = to_date = date
        domain = []
        if to_date is not None:
            domain.append((prefix + 'start_date', '<=', to_date))
        if from_date is not None:
            domain.append(['OR',
                    (prefix + 'end_date', '=', None),
                    (prefix + 'end_date', '>=', from_date)])
        return domain

    def is_current(self, date=None):
        if date is None:
            date = Pool().get('ir.date').today()
        return (self.start_date <= date
            and (not self.end_date or self.end_date >= date))

    def get_current(self, name):
        return self.is_current()

    @classmethod
    def search_current(cls, name, clause):
        today = Pool().get('ir.date').today()
        _, operator, value = clause
        current = (operator == '=') == bool(value)
        domain = cls.valid_domain(today)
        if current:
            return domain
        return ['OR',
            ('start_date', '>', today),
            ('end_date', '<', today),
            ]

    @classmethod
    def validate_fields(cls, coverages, field_names):
        super().validate_fields(coverages, field_names)
        cls.check_primary(coverages, field_names)

    @classmethod
    def check_primary(cls, coverages, field_names=None):
        "A party has at most one primary coverage per company at a time"
        if field_names and not ({
                    'role', 'party', 'start_date', 'end_date', 'company'}
                & field_names):
            return
        for coverage in coverages:
            if coverage.role != 'primary':
                continue
            domain = [
                ('id', '!=', coverage.id),
                ('party', '=', coverage.party.id),
                ('company', '=', coverage.company.id),
                ('role', '=', 'primary'),
                ['OR', ('end_date', '=', None),
                    ('end_date', '>=', coverage.start_date)],
                ]
            if coverage.end_date:
                domain.append(('start_date', '<=', coverage.end_date))
            others = cls.search(domain, limit=1)
            if others:
                other, = others
                raise CoverageError(gettext(
                        'pharma_hospital.msg_coverage_primary_overlap',
                        party=readable_name(coverage.party),
                        employee=readable_name(other.employee)))

    @classmethod
    def on_modification(cls, mode, coverages, field_names=None):
        super().on_modification(mode, coverages, field_names=field_names)
        # The rule domains read coverage; a cached domain stays valid, the
        # cache is cleared so that date boundaries are re-evaluated
        Pool().get('ir.rule')._domain_get_cache.clear()

    @classmethod
    def close(cls, coverages, date=None, handover=None):
        "End the coverages the day before date"
        if date is None:
            date = Pool().get('ir.date').today()
        end = date - datetime.timedelta(days=1)
        to_write = []
        for coverage in coverages:
            values = {'end_date': max(end, coverage.start_date)}
            if handover:
                values['handover'] = handover.id
            to_write.extend([[coverage], values])
        if to_write:
            cls.write(*to_write)

    @classmethod
    def close_duplicates(cls, source, destination):
        """Before merging source into destination: close the source's
        current coverage by an employee who already covers destination"""
        # bypass: a merge closes coverages of other reps on the destination
        with Transaction().set_context(_check_access=False):
            dest = cls.search([
                    ('party', '=', destination.id),
                    ('current', '=', True),
                    ])
            taken = {(c.company.id, c.employee.id) for c in dest}
            has_primary = {c.company.id for c in dest if c.role == 'primary'}
            to_close = []
            for coverage in cls.search([
                        ('party', '=', source.id),
                        ('current', '=', True),
                        ]):
                if ((coverage.company.id, coverage.employee.id) in taken
                        or (coverage.role == 'primary'
                            and coverage.company.id in has_primary)):
                    to_close.append(coverage)
            yesterday = (Pool().get('ir.date').today()
                - datetime.timedelta(days=1))
            to_write = []
            for coverage in to_close:
                values = {'end_date': max(yesterday, coverage.start_date)}
                if coverage.role == 'primary':
                    # a closed row must not overlap the destination's primary
                    values['role'] = 'secondary'
                to_write.extend([[coverage], values])
            if to_write:
                cls.write(*to_write)
