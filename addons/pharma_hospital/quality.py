# This file is part of the pharma suite. See README.md for license terms.
import datetime

from sql import Literal, Null
from sql.aggregate import Avg, Count, Sum
from sql.conditionals import Case
from sql.operators import Exists

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.transaction import Transaction


class QualityRep(ModelSQL, ModelView):
    """The average data-quality score of the hospitals and doctors each
    representative covers.

    The score is computed in SQL like party.party's get_quality_score:
    70 points shared by the key fields filled and 20 for a verification
    within a year; later modules add the bonus of _quality_bonus (a recent
    visit) by extending _score_bonus. The average is of unrounded scores
    and x2many fields count inactive rows (addresses, identifiers)."""
    __name__ = 'pharma.quality.rep'
    company = fields.Many2One('company.company', "Company", readonly=True)
    employee = fields.Many2One('company.employee', "Employee", readonly=True)
    parties = fields.Integer("Parties", readonly=True)
    unverified = fields.Integer("Unverified", readonly=True)
    average_score = fields.Float(
        "Average Score", digits=(16, 1), readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('average_score', 'DESC'), ('id', 'ASC')]

    @classmethod
    def _filled(cls, party, field_name):
        "SQL expression: 1 when field_name of party is filled, else 0"
        pool = Pool()
        Party = pool.get('party.party')
        field = Party._fields[field_name]
        if field._type in {'one2many', 'many2many'}:
            Target = pool.get(field.relation_name
                if field._type == 'many2many' else field.model_name)
            target = Target.__table__()
            origin = (field.origin if field._type == 'many2many'
                else field.field)
            condition = Exists(target.select(Literal(1),
                    where=getattr(target, origin) == party.id))
        else:
            column = getattr(party, field_name)
            condition = column != Null
            if field._type in {'selection', 'char'}:
                condition &= column != ''
            elif field._type in {'integer', 'float', 'numeric'}:
                condition &= column != 0
        return Case((condition, Literal(1)), else_=Literal(0))

    @classmethod
    def _score(cls, party):
        pool = Pool()
        Party = pool.get('party.party')
        Date = pool.get('ir.date')
        year_ago = Date.today() - datetime.timedelta(days=365)
        whens = []
        for pharma_type in ['hospital', 'doctor']:
            names = Party._quality_fields(pharma_type)
            filled = sum(
                (cls._filled(party, n) for n in names), Literal(0))
            whens.append((party.pharma_type == pharma_type,
                    Literal(70.0) * filled / Literal(len(names))))
        verified = Case(
            ((party.verification == 'verified')
                & (party.last_verified != Null)
                & (party.last_verified >= year_ago), Literal(20.0)),
            else_=Literal(0.0))
        return (Case(*whens, else_=Literal(0.0)) + verified
            + cls._score_bonus(party))

    @classmethod
    def _score_bonus(cls, party):
        """SQL counterpart of party.party's _quality_bonus for later
        modules (a recent visit: up to 10 points)"""
        return Literal(0.0)

    @classmethod
    def table_query(cls):
        pool = Pool()
        Party = pool.get('party.party')
        Coverage = pool.get('pharma.coverage')
        Date = pool.get('ir.date')
        party = Party.__table__()
        coverage = Coverage.__table__()
        today = Date.today()
        context = Transaction().context

        where = Coverage.valid_condition(coverage, today)
        if context.get('company') is not None:
            where &= coverage.company == context['company']
        covered = coverage.select(
            coverage.company.as_('company'),
            coverage.employee.as_('employee'),
            coverage.party.as_('party'),
            where=where,
            group_by=[coverage.company, coverage.employee, coverage.party])
        scores = party.select(
            party.id.as_('party'),
            party.verification.as_('verification'),
            cls._score(party).as_('score'),
            where=party.pharma_type.in_(['hospital', 'doctor'])
            & (party.active == Literal(True)))
        return covered.join(scores,
            condition=scores.party == covered.party
            ).select(
                covered.employee.as_('id'),
                covered.company.as_('company'),
                covered.employee.as_('employee'),
                Count(covered.party).as_('parties'),
                Sum(Case((scores.verification != 'verified', Literal(1)),
                        else_=Literal(0))).as_('unverified'),
                cls.average_score.sql_cast(
                    Avg(scores.score)).as_('average_score'),
                group_by=[covered.company, covered.employee])
