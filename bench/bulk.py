# This file is part of the pharma suite. See README.md for license terms.
"""Bulk insertion for large fact tables, filling every column the ORM would
(create_uid, create_date, defaults).

On PostgreSQL the rows go through COPY (ids taken from the table's sequence
first, so that they are known); elsewhere through multi-row python-sql
INSERTs. Only the columns that get a value are written: the others are
NULL, as the ORM leaves them."""
import datetime

from trytond.model import fields as tfields
from trytond.transaction import Transaction

CHUNK = 2000
COPY_CHUNK = 20000


def stored_fields(Model):
    return [name for name, field in Model._fields.items()
        if not isinstance(field, (tfields.Function, tfields.One2Many,
                tfields.Many2Many))
        and name not in {'id', 'create_uid', 'create_date', 'write_uid',
            'write_date'}
        and getattr(field, 'sql_type', None) is not None]


def bulk_insert(Model, rows, chunk=None, progress=None, copy=None):
    """Insert rows (dicts of stored field values) the way the ORM would:
    defaults for missing fields, create_uid and create_date, in chunks;
    return the new ids (in the order of rows)"""
    transaction = Transaction()
    database = transaction.database
    cursor = transaction.connection.cursor()
    table = Model.__table__()
    if copy is None:
        copy = database.has_sequence() and hasattr(cursor, 'copy')
    # (trytond's PostgreSQL cursor is psycopg's: COPY ... FROM STDIN)
    chunk = chunk or (COPY_CHUNK if copy else CHUNK)
    with transaction.set_context(_check_access=False):
        defaults = Model.default_get(
            stored_fields(Model), with_rec_name=False)
    defaults = {n: v for n, v in defaults.items() if v is not None}
    now = datetime.datetime.now()
    user = transaction.user
    ids = []
    buffer = []
    done = 0
    names = None

    def flush():
        nonlocal done, names
        if not buffer:
            return
        if names is None:
            # the columns of the first rows and of the defaults: the same
            # generator gives every row the same keys
            keys = set(defaults)
            for row in buffer:
                keys.update(row)
            names = [n for n in stored_fields(Model) if n in keys]
        formats = [Model._fields[n].sql_format for n in names]
        values = [[f(r.get(n, defaults.get(n)))
                for f, n in zip(formats, names)] + [user, now]
            for r in buffer]
        if copy:
            new_ids = database.nextid(
                transaction.connection, Model._table, len(values))
            if len(values) == 1:
                new_ids = [new_ids]
            columns = ', '.join('"%s"' % c for c in
                ['id'] + names + ['create_uid', 'create_date'])
            with cursor.copy('COPY "%s" (%s) FROM STDIN' % (
                        Model._table, columns)) as out:
                for id_, row in zip(new_ids, values):
                    out.write_row([id_] + row)
            ids.extend(new_ids)
        else:
            columns = [getattr(table, n) for n in names] + [
                table.create_uid, table.create_date]
            if database.has_returning():
                cursor.execute(*table.insert(columns, values,
                        returning=[table.id]))
                ids.extend(r for r, in cursor)
            else:
                # SQLite: one multi-row insert gets consecutive rowids
                cursor.execute(*table.insert(columns, values))
                last = cursor.lastrowid
                ids.extend(range(last - len(values) + 1, last + 1))
        done += len(buffer)
        buffer.clear()
        if progress:
            progress(done)

    for row in rows:
        buffer.append(row)
        if len(buffer) >= chunk:
            flush()
    flush()
    return ids
