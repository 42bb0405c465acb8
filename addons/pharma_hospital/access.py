# This file is part of the pharma suite. See README.md for license terms.
"""Record rules on every path a search takes through relations.

Tryton applies the record rules of the searched model, but it converts the
part of a domain or of an order that goes through a relation (``doctor.name``,
``lines.product.code``, ``origin.number``, ``hospital`` sorted by its name)
without the rules of the target: ``ModelSQL.search_domain`` converts under
``without_check_access()``, so ``ir.rule.domain_get`` returns nothing for the
target.  A user could then tell the values of a record they cannot read, one
guess at a time (``search_count`` of invitations whose ``doctor.name`` is X),
or from the order of their own records sorted by it.

``RuleMixin`` is added by Tryton's own hook, ``[register_mixin]`` of
tryton.cfg (``Pool.setup_mixin``), to every ``ModelSQL`` of the pool: the
suite's models, the official ones the roles use (sale, invoice, stock moves,
complaints) and any relation added later, without each model opting in.
Every search made with access checks (RPC: ``search``, ``search_count``,
``search_read``, ``export_data_domain``, the list views' sorting, and the
searches of the client's relation fields) goes through ``search`` below:

- a clause that reaches into the target of a relation (``rel.field``,
  ``where``, a name searched on the target, ``child_of`` a name) becomes
  ``rel in <Target.search(clause on the target)>``; that search is made
  with the access checks on, so Tryton adds the target's rules and the
  target's own ``RuleMixin`` restricts the rest of the path (``a.b.c``): the
  condition is evaluated on the readable targets only;
- an order through a Many2One sorts by the target's value only where the
  user may read every target on the path; the other rows sort as if the
  value were empty.

Reading dotted names (``doctor.name``) reads the targets with the access
checks, so Tryton refuses a hidden target with an AccessError naming its id
only.  ``ModelStorage.export_data`` checks the rules in Python instead
(``eval_domain``, which takes a ``where`` clause or a dotted leaf as true)
and reads the related records without the access checks: ``export_data``
below first checks in SQL the rules of the exported records and of every
record each column reaches (``hospital/beds``, ``lines/product``, the
name of a ``hospital`` column), and refuses a hidden one with Tryton's
AccessError (ids only).
"""
from collections import defaultdict

from sql import Null
from sql.conditionals import Case

from trytond import backend
from trytond.model import ModelSQL, fields
from trytond.model.modelsql import apply_sorting, convert_from
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.tools.domain_inversion import is_leaf
from trytond.transaction import Transaction, without_check_access

_RELATIONS = {'many2one', 'one2many', 'many2many', 'reference'}


def _changed(domain, restricted):
    "Whether _rule_domain changed a clause of domain"
    if domain is restricted:
        return False
    if (isinstance(domain, list) and isinstance(restricted, list)
            and len(domain) == len(restricted)):
        return any(_changed(d, r) for d, r in zip(domain, restricted))
    return True


def _negative(operator):
    return operator.startswith('not') or operator == '!='


class RuleMixin:
    "Record rules on the targets of the relations a search goes through"
    __slots__ = ()

    @classmethod
    def search(cls, domain, offset=0, limit=None, order=None, count=False,
            query=False):
        transaction = Transaction()
        # query only when asked: some searches (ModelSingleton) have none
        extra = {'query': query} if query else {}
        if not (transaction.user and transaction.check_access):
            return super().search(domain, offset=offset, limit=limit,
                order=order, count=count, **extra)
        domain = cls._rule_domain(domain)
        if not count:
            if order is None or order is False:
                order = cls._order
            restricted = cls._rule_order(domain, order, offset, limit, query)
            if restricted is not None:
                return restricted
        return super().search(domain, offset=offset, limit=limit,
            order=order, count=count, **extra)

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        # Tryton checks the record rules of a write or a delete after
        # check_modification, whose refusals (here and in every module)
        # name the records: a user must first be refused a record they
        # cannot read or change with Tryton's message, which gives its id
        if external and mode in {'write', 'delete'} and records:
            cls._rule_check([r.id for r in records], mode)
        super().check_modification(
            mode, records, values=values, external=external)

    @classmethod
    def copy(cls, records, default=None):
        # ModelStorage.copy reads the originals without the access checks
        transaction = Transaction()
        if transaction.user and transaction.check_access and records:
            cls._rule_check([r.id for r in records], 'read')
        return super().copy(records, default=default)

    @classmethod
    def export_data(cls, records, fields_names, header=False):
        transaction = Transaction()
        if transaction.user and transaction.check_access:
            cls._rule_check_export(records, fields_names)
        return super().export_data(records, fields_names, header=header)

    @classmethod
    def _rule_check_export(cls, records, fields_names):
        """Raise Tryton's AccessError (ids only) when an export reaches a
        record the user may not read: the exported records and, for each
        relation of each column (``a/b/c``), every record it reaches"""
        pool = Pool()
        Rule = pool.get('ir.rule')
        to_check = defaultdict(set)
        to_check[cls.__name__].update(r.id for r in records)
        # {path prefix: {model name: ids}}: a prefix is read once
        reached = {(): {cls.__name__: {r.id for r in records}}}
        for name in fields_names:
            # 'state.translated', 'name:lang=fr' read the field itself
            path = tuple(n.split('.', 1)[0].split(':', 1)[0]
                for n in name.split('/'))
            for i in range(len(path)):
                prefix = path[:i + 1]
                if prefix in reached:
                    continue
                reached[prefix] = targets = defaultdict(set)
                for model, ids in reached[path[:i]].items():
                    try:
                        Model = pool.get(model)
                    except KeyError:
                        # a Reference to a model of no activated module
                        continue
                    for target, target_ids in cls._rule_export_targets(
                            Model, path[i], ids).items():
                        targets[target].update(target_ids)
                        to_check[target].update(target_ids)
        with Transaction().set_context(_check_access=True):
            for model, ids in to_check.items():
                try:
                    Model = pool.get(model)
                except KeyError:
                    continue
                ids = sorted(i for i in ids if i is not None and i >= 0)
                if not ids or not issubclass(Model, ModelSQL):
                    continue
                for sub in grouped_slice(ids, backend.MAX_QUERY_PARAMS):
                    # in SQL, as a search: the relations of the rules too
                    Rule.check(model, list(sub), mode='read')

    @classmethod
    def _rule_export_targets(cls, Model, fname, ids):
        "{model name: ids} of the records fname of the ids reaches"
        field = Model._fields.get(fname)
        if isinstance(field, fields.Function):
            field = field._field
        if (field is None or not ids
                or field._type not in _RELATIONS | {'one2one'}):
            return {}
        targets = defaultdict(set)
        reference = field._type == 'reference'
        if not reference:
            target = field.get_target().__name__
        # bypass: the code reads which records an export reaches, to check
        # the user's rules on them
        with without_check_access():
            for sub in grouped_slice(sorted(ids), backend.MAX_QUERY_PARAMS):
                for row in Model.read(list(sub), [fname]):
                    value = row[fname]
                    if value is None or value == '':
                        continue
                    if reference:
                        if isinstance(value, str):
                            model, _, id_ = value.partition(',')
                            if model and id_.lstrip('-').isdigit():
                                targets[model].add(int(id_))
                        else:
                            model, id_ = value
                            targets[model].add(int(id_))
                    elif isinstance(value, (list, tuple)):
                        targets[target].update(value)
                    else:
                        targets[target].add(value)
        return targets

    @classmethod
    def _rule_check(cls, ids, mode):
        "Raise Tryton's AccessError (ids only) for the ids the user may not"
        pool = Pool()
        Rule = pool.get('ir.rule')
        ids = [i for i in ids if i is not None and i >= 0]
        if not ids:
            return
        with Transaction().set_context(_check_access=True):
            for mode_ in ['read'] + ([mode] if mode != 'read' else []):
                Rule.check(cls.__name__, ids, mode=mode_)

    @classmethod
    def _rule_domain(cls, domain, searched=False, depth=0):
        """The domain with every clause through a relation restricted to
        the targets the user may read.
        searched: the clause comes from a Function field's searcher (code
        of the suite, which may use a model the user cannot read)"""
        if not domain:
            return domain
        if isinstance(domain, str):
            return domain
        if not is_leaf(domain):
            return [cls._rule_domain(d, searched, depth) for d in domain]
        fname = domain[0].split('.', 1)[0]
        field = cls._fields.get(fname)
        if field is None:
            return domain
        if isinstance(field, fields.Function):
            if not field.searcher or depth > 5:
                return domain
            # as ModelSQL.__search_query does, then restrict the result
            # bypass: the searcher is code; RuleMixin restricts the domain it
            # returns
            with without_check_access():
                converted = getattr(cls, field.searcher)(fname, domain)
            restricted = cls._rule_domain(converted, True, depth + 1)
            if not _changed(converted, restricted):
                # Tryton converts it as usual
                return domain
            return restricted
        if field._type not in _RELATIONS:
            return domain
        return cls._rule_relation(field, domain, searched)

    @classmethod
    def _rule_relation(cls, field, domain, searched):
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        Rule = pool.get('ir.rule')
        name, operator, value = domain[:3]
        fname, _, nested = name.partition('.')
        reference = field._type == 'reference'
        if reference:
            if not nested or len(domain) < 4:
                # on the reference's own "model,id" value
                return domain
            Target = pool.get(domain[3])
            target_domain = [(nested, operator, value, *domain[4:])]
            if 'active' in Target._fields:
                target_domain.append(('active', 'in', [True, False]))
        else:
            Target = field.get_target()
            if operator.endswith('child_of') or operator.endswith('parent_of'):
                if nested or not isinstance(value, str):
                    # ids only (the parent is a name of the path's end)
                    return domain
                if searched and not ModelAccess.check(
                        Target.__name__, 'read', raise_exception=False):
                    return domain
                ids = [t.id for t in Target.search(
                        [('rec_name', 'ilike', value)], order=[])]
                return (name, operator, ids, *domain[3:])
            if operator in {'where', 'not where'}:
                target_domain = value
            elif nested:
                target_domain = [(nested, operator, value, *domain[3:])]
            elif isinstance(value, str):
                # a name searched on the target
                target_domain = [('rec_name', operator, value)]
            else:
                # the ids of the targets, or None
                return domain
        if searched:
            # a Function field's searcher (code) may go through models the
            # user cannot read: no access check, the target's rules only
            rule_domain = Rule.domain_get(Target.__name__, mode='read')
            if not rule_domain:
                return domain
            # bypass: the searcher's path is code's; the target's rules are
            # added to its domain
            with without_check_access():
                readable = Target.search([target_domain, rule_domain],
                    order=[], query=True)
        else:
            # with the access checks: Tryton adds the target's rules and
            # the target's RuleMixin restricts the rest of the path
            readable = Target.search(target_domain, order=[], query=True)
        if reference:
            clause = (fname + '.id', 'in', readable, domain[3])
        elif operator == 'not where':
            if field._type == 'many2one':
                return (fname, 'not in', readable)
            return (fname, 'not where', [('id', 'in', readable)])
        else:
            clause = (fname, 'in', readable)
        if operator != 'where' and _negative(operator) and not (
                operator == 'not in' and None in value):
            # as Tryton's conversion does for a negative clause
            return ['OR', clause, (fname, '=', None)]
        return clause

    @classmethod
    def _rule_order(cls, domain, order, offset, limit, query):
        """Return the records of a search ordered through a relation where
        the user may read every target of the path only, or None when the
        order does not go through a target with record rules"""
        pool = Pool()
        Rule = pool.get('ir.rule')
        transaction = Transaction()
        if not order or not any('.' in o or isinstance(
                    cls._fields.get(o), (fields.Many2One, fields.Function))
                for o, _ in order):
            return None
        if cls._history and transaction.context.get('_datetime'):
            # Tryton joins the history tables itself (no hook to restrict
            # the join): reading history, an order through a relation to a
            # model with record rules is dropped, the rows come by id
            kept = [(o, t) for o, t in order
                if not cls._rule_order_protected(o)]
            if len(kept) == len(order):
                return None
            return super().search(domain, offset=offset, limit=limit,
                order=kept or [('id', 'ASC')], query=query)
        table = cls.__table__()
        tables = {None: (table, None)}
        order_by = []
        protected = False
        for oexpr, otype in order:
            fname = oexpr.partition('.')[0]
            field = cls._fields.get(fname)
            if field is None:
                return None
            try:
                expressions = field.convert_order(oexpr, tables, cls)
            except Exception:
                # Tryton's own search reports it
                return None
            readable = None
            for target_table, Target in cls._rule_order_targets(
                    oexpr, tables):
                if not Rule.domain_get(Target.__name__, mode='read'):
                    continue
                condition = target_table.id.in_(
                    Rule.query_get(Target.__name__))
                readable = (condition if readable is None
                    else readable & condition)
            if readable is not None:
                protected = True
                expressions = [Case((readable, e), else_=Null)
                    for e in expressions]
            order_by.extend(apply_sorting(otype)(e) for e in expressions)
        if not protected:
            return None
        # the records of the search (domain and the model's rules) in the
        # restricted order
        records = super().search(domain, order=[], query=True)
        if limit is not None or offset:
            order_by.append(table.id)
        select = convert_from(None, tables).select(table.id,
            where=table.id.in_(records), order_by=order_by,
            limit=limit, offset=offset)
        if query:
            return select
        cursor = transaction.connection.cursor()
        cursor.execute(*select)
        return cls.browse([i for i, in cursor])

    @classmethod
    def _rule_order_protected(cls, oexpr):
        "Whether ordering by oexpr reads a relation's target with rules"
        pool = Pool()
        Rule = pool.get('ir.rule')
        Model = cls
        for name in oexpr.split('.'):
            field = Model._fields.get(name)
            if isinstance(field, fields.Function):
                field = field._field
            if field is None or not hasattr(field, 'get_target'):
                return False
            Model = field.get_target()
            if Rule.domain_get(Model.__name__, mode='read'):
                return True
        return False

    @classmethod
    def _rule_order_targets(cls, oexpr, tables):
        "Yield (table, Model) of the targets joined to order by oexpr"
        Model, names = cls, oexpr.split('.')
        while names:
            name = names.pop(0)
            field = Model._fields.get(name)
            if name not in tables or field is None:
                return
            tables = tables[name]
            Model = field.get_target()
            yield tables[None][0], Model
        # the target's own order (its rec_name or _order_name)
        yield from cls._rule_order_nested(Model, tables)

    @classmethod
    def _rule_order_nested(cls, Model, tables):
        for name, sub in tables.items():
            field = Model._fields.get(name) if name else None
            if field is None or not hasattr(field, 'get_target'):
                continue
            Target = field.get_target()
            yield sub[None][0], Target
            yield from cls._rule_order_nested(Target, sub)


def readable_ids(records):
    """The ids of records (of one model) the current user may read (model
    access and record rules, as with the access checks of RPC), whatever
    the access checks of the code that asks: one query"""
    pool = Pool()
    ModelAccess = pool.get('ir.model.access')
    Rule = pool.get('ir.rule')
    transaction = Transaction()
    ids = {r.id for r in records}
    if not ids or not transaction.user:
        return ids
    Model = next(iter(records)).__class__
    with transaction.set_context(_check_access=True):
        if not ModelAccess.check(
                Model.__name__, 'read', raise_exception=False):
            return set()
        if not issubclass(Model, ModelSQL):
            return ids
        domain = Rule.domain_get(Model.__name__, mode='read')
    stored = {i for i in ids if i is not None and i >= 0}
    if not domain or not stored:
        return ids
    readable = ids - stored
    # bypass: as ir.rule.check tests a domain, as root with the user's
    # rules in the domain
    with transaction.set_user(0), without_check_access(), \
            transaction.set_context(active_test=False):
        for sub in grouped_slice(sorted(stored), backend.MAX_QUERY_PARAMS):
            readable.update(r.id for r in Model.search(
                    [('id', 'in', list(sub)), domain], order=[]))
    return readable


def readable(record):
    "Whether the current user may read record (see readable_ids)"
    return record.id in readable_ids([record])


def readable_name(record):
    """The name of record for a text shown to the current user: its
    rec_name if the user may read it, else '#<id>' (never a name or a
    field of a record the user cannot read).  A model whose rec_name shows
    other records (a call's doctor) defines readable_rec_name() to name
    them with readable_name too."""
    if record is None:
        return ''
    if not readable(record):
        return '#%s' % record.id
    rec_name = getattr(record, 'readable_rec_name', None)
    if rec_name is not None:
        return rec_name()
    return record.rec_name
