# This file is part of the pharma suite. See README.md for license terms.
"Record rules also on the records a search reaches through relations"
from types import MethodType

from sql import Column, Null
from sql.conditionals import Case

from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.tools.domain_inversion import is_leaf
from trytond.transaction import Transaction

_RELATIONS = (fields.Many2One, fields.One2Many, fields.Many2Many)


def _rule_convert_order(field, name, tables, Model):
    """Many2One.convert_order that orders by a value of the target only
    for the target rows the user may read: the others sort as if the
    relation were empty, so the order tells nothing about them"""
    pool = Pool()
    Rule = pool.get('ir.rule')
    order = type(field).convert_order(field, name, tables, Model)
    table, _ = tables[None]
    target_tables = tables.get(field.name)
    if (target_tables is None
            or all(isinstance(o, Column) and o.table is table
                for o in order)):
        # by the foreign key itself, which the user reads with the record
        return order
    Target = field.get_target()
    if not Rule.domain_get(Target.__name__, mode='read'):
        return order
    target, _ = target_tables[None]
    readable = target.id.in_(Rule.query_get(Target.__name__))
    return [Case((readable, o), else_=Null) for o in order]


class RuleOrderMixin:
    """Tryton joins the target of a Many2One to order by it without the
    target's record rules, so ordering visible records by a field of a
    hidden target would tell the user about the hidden record. With this
    mixin the Many2One fields of the model order by the target's values
    only where the user may read the target row (nested paths too when the
    targets use the mixin)"""
    __slots__ = ()

    @classmethod
    def __post_setup__(cls):
        super().__post_setup__()
        for field in cls._fields.values():
            if (isinstance(field, fields.Many2One)
                    and 'convert_order' not in vars(field)):
                field.convert_order = MethodType(_rule_convert_order, field)


class Party(RuleOrderMixin, metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def search(cls, domain, offset=0, limit=None, order=None, count=False,
            query=False):
        transaction = Transaction()
        if transaction.check_access and transaction.user:
            domain = cls._pharma_restrict_domain(domain)
        return super().search(domain, offset=offset, limit=limit,
            order=order, count=count, query=query)

    @classmethod
    def _pharma_restrict_domain(cls, domain):
        """Tryton converts the part of a domain that goes through a
        relation without the target's record rules, so filtering doctors
        by a field of their hidden hospital (or coverage) would tell the
        user about the hidden record: restrict such clauses to the targets
        the user may read"""
        pool = Pool()
        Rule = pool.get('ir.rule')
        if not domain:
            return domain
        if not is_leaf(domain):
            if isinstance(domain, str):
                return domain
            return [cls._pharma_restrict_domain(d)
                if not isinstance(d, str) else d for d in domain]
        name, operator, value = domain[:3]
        fname, _, nested = name.partition('.')
        field = cls._fields.get(fname)
        if (not isinstance(field, _RELATIONS)
                or isinstance(field, fields.Function)):
            return domain
        if operator in {'where', 'not where'}:
            target_domain = value
        elif nested:
            target_domain = [(nested, operator, value, *domain[3:])]
            operator = 'where'
        elif (isinstance(field, fields.Many2One)
                and isinstance(value, str)):
            target_domain = [('rec_name', operator, value)]
            operator = 'where'
        else:
            return domain
        Target = field.get_target()
        if not Rule.domain_get(Target.__name__, mode='read'):
            return domain
        visible = Target.search([], order=[], query=True)
        clause = (fname, operator, [target_domain, ('id', 'in', visible)])
        if (isinstance(field, fields.Many2One)
                and operator == 'where'
                and (domain[1].startswith('not') or domain[1] == '!=')):
            # as Tryton does for a negative clause through a Many2One
            clause = ['OR', clause, (fname, '=', None)]
        return clause

