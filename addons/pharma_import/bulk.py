# This file is part of the pharma suite. See README.md for license terms.
"Bulk insert of rows (COPY on PostgreSQL) for the imports of large files"
import datetime

from trytond import backend
from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .engine import BATCH_SIZE, ImportFileError


def bulk_insert(model_name, columns, rows, company=True):
    """Insert rows (tuples in columns order) in the current transaction,
    after checking the user's create access, with create_uid, create_date
    and company filled as the ORM would: COPY on PostgreSQL, multi-row
    INSERTs (python-sql) elsewhere"""
    pool = Pool()
    ModelAccess = pool.get('ir.model.access')
    Model_ = pool.get(model_name)
    ModelAccess.check(model_name, 'create')
    transaction = Transaction()
    table = Model_.__table__()
    columns = list(columns)
    extra = [transaction.user, datetime.datetime.now()]
    sql_columns = [getattr(table, c) for c in columns] + [
        table.create_uid, table.create_date]
    if (company and 'company' in Model_._fields and 'company' not in columns):
        company_id = transaction.context.get('company')
        if company_id is None:
            raise ImportFileError(
                gettext('pharma_import.msg_import_company'))
        sql_columns.append(table.company)
        extra.append(company_id)
    cursor = transaction.connection.cursor()
    count = 0
    if backend.name == 'postgresql' and hasattr(cursor, 'copy'):
        # PostgreSQL: COPY, one stream for all the rows (a multi-row
        # INSERT of 1,000 rows spent most of its time in psycopg's parsing
        # of a query with 15,000 placeholders); omitted columns (id) take
        # their default as with INSERT
        names = ', '.join('"%s"' % c.name for c in sql_columns)
        with cursor.copy('COPY "%s" (%s) FROM STDIN' % (
                    Model_._table, names)) as copy:
            for row in rows:
                copy.write_row(list(row) + extra)
                count += 1
    else:
        for sub in grouped_slice(rows, BATCH_SIZE):
            values = [list(row) + extra for row in sub]
            if not values:
                continue
            cursor.execute(*table.insert(sql_columns, values))
            count += len(values)
    if count:
        # Cached reads of the model are stale
        transaction.counter += 1
    return count
