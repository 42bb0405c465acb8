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

import trytond.model.modelsql
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


def cursor_dict(cursor, size=None):
    """trytond.tools.cursor_dict reading the column names once per batch of
    at least 1000 rows.

    The original fetches one row at a time (psycopg's arraysize is 1) and
    reads cursor.description for every row, which psycopg 3 rebuilds each
    time (a Column object per column): half of the time of a search or a
    read of a thousand report rows went there."""
    size = max(cursor.arraysize if size is None else size, 1000)
    while True:
        rows = cursor.fetchmany(size)
        if not rows:
            break
        names = [d[0] for d in cursor.description]
        for row in rows:
            yield dict(zip(names, row))


# ModelSQL.search and read consume it at once (list(cursor_dict(cursor)))
trytond.model.modelsql.cursor_dict = cursor_dict
