# This file is part of the pharma suite. See README.md for license terms.
"""GET /<database>/pharma/health: the health check of an application
server (nginx serves it as /health).

It answers 200 with a small JSON document when a transaction on the
database works, an error status (500, or 502 from nginx) when it does
not. No login: it carries no data of the users, only counts of the task
queue for monitoring."""
import datetime as dt
import json
import time

from sql.aggregate import Count, Min

from trytond.protocols.wrappers import (
    HTTPStatus, Response, with_pool, with_transaction)
from trytond.transaction import Transaction
from trytond.wsgi import app


@app.route('/<database_name>/pharma/health', methods={'GET'})
@with_pool
@with_transaction(readonly=True)
def health(request, pool):
    start = time.monotonic()
    Queue = pool.get('ir.queue')
    queue = Queue.__table__()
    cursor = Transaction().connection.cursor()
    # the queue's backlog: tasks not finished and due now
    cursor.execute(*queue.select(Count(queue.id), Min(queue.enqueued_at),
            where=(queue.finished_at == None)  # noqa: E711
            & ((queue.scheduled_at == None)  # noqa: E711
                | (queue.scheduled_at <= dt.datetime.now()))))
    pending, oldest = cursor.fetchone()
    if isinstance(oldest, str):  # SQLite
        oldest = dt.datetime.fromisoformat(oldest)
    body = {
        'status': 'ok',
        'database': pool.database_name,
        'queue_pending': pending,
        'queue_oldest_seconds': (
            round((dt.datetime.now() - oldest).total_seconds())
            if oldest else 0),
        'db_ms': round((time.monotonic() - start) * 1000, 1),
        }
    return Response(json.dumps(body), status=HTTPStatus.OK,
        content_type='application/json')
