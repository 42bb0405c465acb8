# This file is part of the pharma suite. See README.md for license terms.
"""Reading the rows of table_query reports without aggregating the rest.

A report built by ``table_query`` groups rows of a base table and takes
``MIN(base.id)`` as its id. The client searches the report, then reads the
rows it shows in batches of about a hundred ids, each in its own request.
Such a read filters the aggregate on its id, which the database can only
apply after grouping (a HAVING): every read would aggregate all the rows
the context lets through, e.g. a whole year of calls to show one page.

``ReportQueryMixin.read`` asks ``_read_restriction(ids)`` (a hook of the
report) for the groups the ids belong to, found from the base rows by
primary key, and builds the table_query restricted to them: with a narrower
context (e.g. the period between the first and the last day read, which
uses the (company, date) index) and with clauses on grouping columns,
which the database pushes below the GROUP BY (and into each branch of a
UNION ALL). Groups are kept whole, so the values read are those of the
unrestricted report."""
import contextvars
import operator

from sql import Column, Literal

from trytond.transaction import Transaction

# the restriction of the read in progress, taken by the first __table__ call
# (the one read's query is built from), so that searches made by getters
# during the read see the whole report
_restriction = contextvars.ContextVar('report_read_restriction', default=None)
_OPERATORS = {
    '=': operator.eq,
    '>=': operator.ge,
    '<=': operator.le,
    'in': lambda column, values: column.in_(list(values)),
    }


class ReportQueryMixin:
    "Restrict the table_query of a read to the groups of the ids read"
    __slots__ = ()

    @classmethod
    def _read_restriction(cls, ids):
        """Return (context, clauses) that keep whole the groups of ids, or
        None to aggregate everything.

        context is merged into the context table_query is built with;
        clauses are (column, operator, value) on its output columns, where
        operator is one of '=', '>=', '<=' and 'in' and column is a
        grouping column."""
        return None

    @classmethod
    def __table__(cls):
        restriction = _restriction.get()
        if not restriction or restriction[0] != cls.__name__:
            return super().__table__()
        _restriction.set(None)
        _, context, clauses = restriction
        with Transaction().set_context(context or {}):
            query = super().__table__()
        if clauses:
            where = Literal(True)
            for name, operator_, value in clauses:
                where &= _OPERATORS[operator_](Column(query, name), value)
            query = query.select(where=where)
        return query

    @classmethod
    def search(cls, domain, offset=0, limit=None, order=None, count=False,
            query=False):
        """The ids only: ModelSQL.search also fetches every column of the
        rows to fill the record cache, through trytond.tools.cursor_dict,
        which reads psycopg 3's cursor.description (rebuilt on each call)
        for every row: 1.4 s of the 3.3 s of a year report's search. The
        client reads the rows it shows anyway (restricted by read below)."""
        if count or query:
            return super().search(domain, offset=offset, limit=limit,
                order=order, count=count, query=query)
        select = super().search(domain, offset=offset, limit=limit,
            order=order, query=True)
        cursor = Transaction().connection.cursor()
        cursor.execute(*select)
        return cls.browse([i for i, in cursor.fetchall()])

    @classmethod
    def read(cls, ids, fields_names):
        restriction = None
        if (ids and cls._is_table_query()
                and not cls._table_query_materialized()):
            restriction = cls._read_restriction(ids)
        if restriction is None:
            return super().read(ids, fields_names)
        context, clauses = restriction
        token = _restriction.set((cls.__name__, context, clauses))
        try:
            return super().read(ids, fields_names)
        finally:
            _restriction.reset(token)

