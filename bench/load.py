#!/usr/bin/env python3
# This file is part of the pharma suite. See README.md for license terms.
"""Load test: N concurrent users logging calls and opening lists for a
bounded time against trytond's WSGI application served by several gunicorn
workers on loopback; reports throughput, errors (must be 0) and p95, then
checks that every call it logged is in the database exactly once.

    .venv/bin/python bench/load.py --database national \\
        --uri postgresql://postgres@127.0.0.1:5432/ --users 20 --seconds 60

Only loopback addresses are used; the request loops stop on time and on a
count (--max-requests per user).
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'scripts'))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from run import JsonRpc, free_port, percentile, set_uri  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', '-c',
        default=os.path.join(ROOT, 'trytond.conf'))
    parser.add_argument('--database', '-d', default='bench')
    parser.add_argument('--uri')
    parser.add_argument('--users', type=int, default=20)
    parser.add_argument('--workers', type=int, default=4)
    parser.add_argument('--seconds', type=int, default=60)
    parser.add_argument('--max-requests', type=int, default=2000,
        help="per user, a bound besides the time")
    args = parser.parse_args(argv)
    import demo

    conf = tempfile.NamedTemporaryFile('w', suffix='.conf', delete=False)
    with open(args.config) as f:
        text = f.read()
    if args.uri:
        text = set_uri(text, args.uri)
    db_path = os.path.join(ROOT, 'var', 'db')
    text = text.replace('path = var/db', 'path = %s' % db_path)
    conf.write(text)
    conf.close()
    port = free_port()
    env = dict(os.environ, TRYTOND_CONFIG=conf.name,
        TRYTOND_DATABASE_NAMES=args.database)
    server = subprocess.Popen([os.path.join(ROOT, '.venv', 'bin',
                'gunicorn'), '--workers', str(args.workers),
            '--bind', '127.0.0.1:%d' % port, '--timeout', '120',
            'trytond.application:app'], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = 'http://127.0.0.1:%d' % port
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(url + '/', timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        run_load(args, url, demo)
    finally:
        server.terminate()
        server.wait()


def run_load(args, url, demo):
    marker = 'load-%s' % uuid.uuid4().hex[:8]
    setup = JsonRpc(url, args.database)
    setup.login('rep1', demo.password('rep1'))
    context = setup('model.res.user.get_preferences', True, {})
    doctors = setup('model.party.party.search',
        [('pharma_type', '=', 'doctor')], 0, 50, None, context)
    if not doctors:
        raise SystemExit('rep1 sees no doctor: generate data first')
    latencies = []
    errors = []
    logged = []
    lock = threading.Lock()
    deadline = time.monotonic() + args.seconds

    def user(index):
        rpc = JsonRpc(url, args.database)
        rpc.login('rep1', demo.password('rep1'))
        for n in range(args.max_requests):
            if time.monotonic() > deadline:
                break
            start = time.perf_counter()
            try:
                if n % 2 == 0:
                    note = '%s-%d-%d' % (marker, index, n)
                    ids = rpc('model.pharma.call.create', [{
                                'party': doctors[(index + n) % len(doctors)],
                                'call_type': 'phone',
                                'objections': note,
                                }], context)
                    with lock:
                        logged.append(note)
                else:
                    rpc('model.pharma.call.search_read', [], 0, 80, None,
                        ['party', 'date', 'state'], context)
                with lock:
                    latencies.append(time.perf_counter() - start)
            except Exception as exc:
                with lock:
                    errors.append(repr(exc)[:200])

    threads = [threading.Thread(target=user, args=(i,))
        for i in range(args.users)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    found = setup('model.pharma.call.search_read',
        [('objections', 'like', marker + '-%')], 0, None, None,
        ['objections'], context)
    notes = [r['objections'] for r in found]
    duplicates = len(notes) - len(set(notes))
    missing = set(logged) - set(notes)
    print('users %d, workers %d, %.0f s: %d requests, %.1f/s, p50 %.0f ms, '
        'p95 %.0f ms, errors %d' % (args.users, args.workers, elapsed,
            len(latencies), len(latencies) / elapsed,
            statistics.median(latencies) * 1000 if latencies else 0,
            percentile(latencies, 95) * 1000, len(errors)))
    print('calls logged %d, found %d, missing %d, duplicated %d' % (
            len(logged), len(notes), len(missing), duplicates))
    for error in errors[:5]:
        print('error:', error)
    if errors or missing or duplicates:
        raise SystemExit(1)


if __name__ == '__main__':
    main()
