# This file is part of the pharma suite. See README.md for license terms.
"""gunicorn settings of the trytond application servers:

    TRYTOND_CONFIG=/etc/pharma/trytond.conf gunicorn \\
        -c deploy/gunicorn.conf.py trytond.application:app

Environment: PHARMA_BIND (127.0.0.1:8000), PHARMA_WEB_WORKERS (4),
PHARMA_PID_FILE.
"""
import os

bind = os.environ.get('PHARMA_BIND', '127.0.0.1:8000').split(',')
# Sync workers: one request at a time per process, several processes.
# Sizing: README "Production / 部署" > Sizing
workers = int(os.environ.get('PHARMA_WEB_WORKERS', 4))
worker_class = 'sync'
# The pool (models, views) is loaded once in the master
# (TRYTOND_DATABASE_NAMES) and shared copy-on-write by the workers
preload_app = True
# A request longer than this is killed (reports and imports go through
# trytond-worker); keep it above nginx's proxy_read_timeout
timeout = 330
# a worker finishing its request on stop (systemctl reload / HUP replaces
# the workers without cutting any)
graceful_timeout = 15
keepalive = 5
# Recycle workers now and then (memory held by large reads)
max_requests = 2000
max_requests_jitter = 200
pidfile = os.environ.get('PHARMA_PID_FILE') or None
# No control socket (gunicornc): its default path is per user, shared by
# every gunicorn of the user on the machine (the tests start several)
control_socket_disable = True
proc_name = 'pharma-trytond'

# stderr (journald under systemd); deploy/logging.conf formats the lines
accesslog = '-'
errorlog = '-'
# One key=value line per request; rt_ms is the time the worker spent on
# the request (gunicorn's %(M)s), xff the client behind nginx
access_log_format = (
    'ts=%(t)s client=%({x-forwarded-for}i)s method=%(m)s path="%(U)s" '
    'status=%(s)s bytes=%(B)s rt_ms=%(M)s pid=%(p)s ua="%(a)s"')
