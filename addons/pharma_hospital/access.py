# This file is part of the pharma suite. See README.md for license terms.
"Record rules also on the records a search reaches through relations"
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.tools.domain_inversion import is_leaf
from trytond.transaction import Transaction

_RELATIONS = (fields.Many2One, fields.One2Many, fields.Many2Many)


class Party(metaclass=PoolMeta):
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

