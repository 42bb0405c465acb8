# This file is part of the pharma suite. See README.md for license terms.
"""Bulk insertion for large fact tables, filling every column the ORM would
(create_uid, create_date, defaults) with multi-row python-sql inserts."""
import datetime

from trytond.model import fields as tfields
from trytond.pool import Pool
from trytond.transaction import Transaction

CHUNK = 2000


def stored_fields(Model):
    return [name for name, field in Model._fields.items()
        if not isinstance(field, (tfields.Function, tfields.One2Many,
                tfields.Many2Many))
        and name not in {'id', 'create_uid', 'create_date', 'write_uid',
            'write_date'}
        and getattr(field, 'sql_type', None) is not None]


def bulk_insert(Model, rows, chunk=CHUNK, progress=None):
    """Insert rows (dicts of stored field values) the way the ORM would:
    defaults for missing fields, create_uid and create_date, in chunks;
    return the new ids"""
    transaction = Transaction()
    cursor = transaction.connection.cursor()
    table = Model.__table__()
    names = stored_fields(Model)
    with transaction.set_context(_check_access=False):
        defaults = Model.default_get(names, with_rec_name=False)
    columns = [getattr(table, n) for n in names] + [
        table.create_uid, table.create_date]
    now = datetime.datetime.now()
    user = transaction.user
    ids = []
    buffer = []
    done = 0

    def flush():
        nonlocal done
        if not buffer:
            return
        values = [[Model._fields[n].sql_format(r.get(n, defaults.get(n)))
                for n in names] + [user, now] for r in buffer]
        if transaction.database.has_returning():
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
