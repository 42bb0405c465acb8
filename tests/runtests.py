#!/usr/bin/env python3
# This file is part of the pharma suite. See README.md for license terms.
"""`make test`: every module's tests on SQLite, again on PostgreSQL, and
the browser tests; one summary per database and a closing total line
`N passed, N failed, N skipped`.

SQLite and PostgreSQL run in two threads side by side; the demo test
(SQLite only) and the browser tests are a shared tail of jobs, the longest
first, that whichever thread finishes its database first takes.

Environment:
    TRYTOND_DATABASE__URI  PostgreSQL URI (default postgresql://postgres@127.0.0.1:5432/)
    CI=true                an unreachable PostgreSQL is a failure, not a skip
    PHARMA_TEST_ONLY       comma separated subset: sqlite,postgresql,browser,po
    PHARMA_TEST_MODULES    comma separated subset of modules
"""
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = sys.executable
MODULES = [
    'pharma_hospital', 'pharma_import', 'pharma_calls',
    'pharma_distributor', 'pharma_tender', 'pharma_reporting',
    'pharma_competitor',
    'pharma_service', 'pharma_field',
    'pharma_compliance',
    ]
PG_URI = os.environ.get(
    'PHARMA_PG_URI', 'postgresql://postgres@127.0.0.1:5432/')
LOG_DIR = os.path.join(ROOT, 'var', 'test-logs')
TIMEOUT = int(os.environ.get('PHARMA_TEST_TIMEOUT', 40 * 60))
print_lock = threading.Lock()


def say(*args):
    with print_lock:
        print(*args, flush=True)


def modules():
    selected = [m for m in MODULES
        if os.path.isdir(os.path.join(ROOT, 'addons', m))]
    only = os.environ.get('PHARMA_TEST_MODULES')
    if only:
        selected = [m for m in selected if m in only.split(',')]
    return selected


def cross_module_tests():
    return sorted(glob.glob(os.path.join(ROOT, 'tests', 'test_*.py')))


def source_hash():
    digest = hashlib.sha1()
    for path in sorted(glob.glob(
                os.path.join(ROOT, 'addons', '**', '*'), recursive=True)):
        if '__pycache__' in path or os.path.isdir(path):
            continue
        if path.endswith(('.py', '.xml', '.cfg', '.po')):
            digest.update(path.encode())
            with open(path, 'rb') as f:
                digest.update(f.read())
    return digest.hexdigest()[:12]


def cache_dir(backend):
    base = os.path.join(ROOT, 'var', 'cache')
    current = source_hash()
    if os.path.isdir(base):
        for old in os.listdir(base):
            if old != current:
                shutil.rmtree(os.path.join(base, old), ignore_errors=True)
    path = os.path.join(base, current, backend)
    os.makedirs(path, exist_ok=True)
    return path


def run_unit(backend, target, env):
    name = os.path.basename(target).replace('.py', '')
    log = os.path.join(LOG_DIR, '%s-%s.log' % (backend, name))
    if target.endswith('.py'):
        cmd = [PYTHON, os.path.join(ROOT, 'tests', 'run_module_tests.py'),
            '--file', target]
    else:
        cmd = [PYTHON, os.path.join(ROOT, 'tests', 'run_module_tests.py'),
            target]
    start = time.monotonic()
    with open(log, 'w') as out:
        try:
            proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE,
                stderr=out, text=True, timeout=TIMEOUT, cwd=ROOT)
            stdout = proc.stdout
        except subprocess.TimeoutExpired as exc:
            stdout = exc.stdout or ''
            if isinstance(stdout, bytes):
                stdout = stdout.decode()
            out.write('\nTIMEOUT after %ss\n' % TIMEOUT)
    counts = None
    for line in stdout.splitlines():
        if line.startswith('PHARMA-COUNTS '):
            counts = json.loads(line[len('PHARMA-COUNTS '):])
    if counts is None:
        counts = {'run': 1, 'passed': 0, 'failed': 1, 'skipped': 0}
    elapsed = time.monotonic() - start
    say('[%s] %-28s %3d passed, %d failed, %d skipped (%.0fs)' % (
            backend, name, counts['passed'], counts['failed'],
            counts['skipped'], elapsed))
    if counts['failed']:
        with open(log) as f:
            tail = f.read()[-6000:]
        say('----- %s (%s) log tail, full log: %s\n%s\n-----' % (
                name, backend, os.path.relpath(log, ROOT), tail))
    return counts


def add(totals, counts):
    for key in ('passed', 'failed', 'skipped'):
        totals[key] += counts[key]


def merge(results, name, counts):
    "Add counts to results[name], from any thread"
    with print_lock:
        add(results.setdefault(
                name, {'passed': 0, 'failed': 0, 'skipped': 0}), counts)


def run_backend(backend, env, results, targets, tail=None):
    """Run the targets on the backend, then take jobs from the shared tail
    (the long SQLite-only and browser jobs) until it is empty: the thread
    that finishes its backend first takes the next one"""
    totals = {'passed': 0, 'failed': 0, 'skipped': 0}
    for target in targets:
        add(totals, run_unit(backend, target, env))
    if backend:
        merge(results, backend, totals)
    while tail is not None:
        with print_lock:
            if not tail:
                break
            name, job = tail.pop(0)
        merge(results, name, job())


def base_env():
    env = dict(os.environ)
    env.pop('TRYTOND_CONFIG', None)
    env['PYTHONPATH'] = ROOT + os.pathsep + env.get('PYTHONPATH', '')
    env.setdefault('TEST_NETWORK', '0')
    return env


def sqlite_env():
    env = base_env()
    env['TRYTOND_DATABASE__URI'] = 'sqlite://'
    env['DB_NAME'] = ':memory:'
    env['DB_CACHE'] = cache_dir('sqlite')
    env['PHARMA_BACKEND'] = 'sqlite'
    # trytond's Cache.sync takes an autocommit connection every
    # [cache] clean_timeout seconds (300 by default); on an in-memory SQLite
    # database that is the test's own connection, so a module run longer
    # than 5 minutes committed a test's rows (later tests then failed on
    # UNIQUE res_user.login). One process per run: nothing to sync.
    env['TRYTOND_CACHE__CLEAN_TIMEOUT'] = str(10 ** 9)
    return env


def postgresql_env():
    env = base_env()
    uri = os.environ.get('TRYTOND_DATABASE__URI', PG_URI)
    if not uri.startswith('postgresql'):
        uri = PG_URI
    env['TRYTOND_DATABASE__URI'] = uri
    env.pop('DB_NAME', None)
    # The cache is template databases on the server (CREATE DATABASE ...
    # TEMPLATE, a file copy) rather than pg_dump/pg_restore files, which
    # cost seconds for each test class and scenario
    env['DB_CACHE'] = uri.rstrip('/')
    env['PHARMA_BACKEND'] = 'postgresql'
    return env


def postgresql_templates(uri):
    """Drop trytond's template databases (test-<hash of the modules>) when
    they were made from other sources: their names do not say which"""
    import psycopg
    marker = os.path.join(cache_dir('postgresql'), 'templates')
    if os.path.exists(marker):
        return
    with psycopg.connect(uri.rstrip('/') + '/postgres',
            autocommit=True) as conn:
        names = [r[0] for r in conn.execute(
                "SELECT datname FROM pg_database "
                "WHERE datname ~ '^test-[0-9a-f]{40}$'")]
        for name in names:
            conn.execute('DROP DATABASE IF EXISTS "%s"' % name)
    open(marker, 'w').close()


def postgresql_reachable(uri):
    try:
        import psycopg
    except ImportError as exc:
        return 'psycopg is not installed (%s)' % exc
    try:
        conn = psycopg.connect(uri.rstrip('/') + '/postgres',
            connect_timeout=5)
        conn.close()
    except Exception as exc:
        return str(exc).strip()
    return None


def check_po():
    """Every pharma module's zh_CN.po (and locale/override/zh_CN.po, the
    completed translations of official modules): no empty, no fuzzy entry"""
    import polib
    totals = {'passed': 0, 'failed': 0, 'skipped': 0}
    for module in modules():
        path = os.path.join(ROOT, 'addons', module, 'locale', 'zh_CN.po')
        override = os.path.join(
            ROOT, 'addons', module, 'locale', 'override', 'zh_CN.po')
        problems = []
        if not os.path.exists(path):
            problems.append('missing %s' % path)
        entries = []
        for po in [path, override]:
            if os.path.exists(po):
                entries.extend(polib.pofile(po))
        for entry in entries:
            if entry.obsolete:
                continue
            if not entry.msgstr.strip():
                problems.append('empty: %s %r' % (entry.msgctxt, entry.msgid))
            elif 'fuzzy' in entry.flags:
                problems.append('fuzzy: %s %r' % (entry.msgctxt, entry.msgid))
        if problems:
            totals['failed'] += 1
            say('[po] %s: %d problem(s)\n  %s' % (
                    module, len(problems), '\n  '.join(problems[:40])))
        else:
            totals['passed'] += 1
            say('[po] %-28s ok' % module)
    return totals


def browser_jobs():
    "One job per browser test file, the longest (most modules) first"
    env = base_env()
    env['PHARMA_BROWSER'] = '1'
    files = sorted(glob.glob(
            os.path.join(ROOT, 'tests', 'browser', 'test_*.py')),
        key=lambda f: (os.path.basename(f) != 'test_zh_walk.py', f))
    # the longest first
    return [('browser', lambda f=f: run_unit('browser', f, env))
        for f in files]


def main():
    os.makedirs(LOG_DIR, exist_ok=True)
    only = os.environ.get('PHARMA_TEST_ONLY', 'po,sqlite,postgresql,browser')
    only = only.split(',')
    ci = os.environ.get('CI', '').lower() in ('1', 'true', 'yes')
    results = {}
    if 'po' in only:
        results['zh_CN translations'] = check_po()
    threads = []
    # Two threads (two cores): SQLite's modules in one, PostgreSQL's in
    # the other; the SQLite-only demo test and the browser tests form a
    # shared tail that whichever thread is free takes, so that neither
    # waits for the other at the end
    tail = []
    sqlite_targets = modules() + cross_module_tests()
    sqlite = sqlite_env() if 'sqlite' in only else None
    if sqlite:
        demo = [t for t in sqlite_targets if t.endswith('test_demo.py')]
        sqlite_targets = [t for t in sqlite_targets if t not in demo]
        tail.extend(('sqlite', lambda t=t: run_unit('sqlite', t, sqlite))
            for t in demo)
    if 'browser' in only:
        # the Chinese walk (the longest job) first, then the demo test
        browser = browser_jobs()
        tail[:0] = browser[:1]
        tail.extend(browser[1:])
    if 'sqlite' in only:
        say('== SQLite: %s' % ', '.join(modules()))
        threads.append(threading.Thread(target=run_backend,
                args=('sqlite', sqlite, results, sqlite_targets, tail)))
    if 'postgresql' in only:
        env = postgresql_env()
        problem = postgresql_reachable(env['TRYTOND_DATABASE__URI'])
        if problem:
            say('!' * 72)
            say('!! PostgreSQL at %s is UNREACHABLE: %s' % (
                    env['TRYTOND_DATABASE__URI'], problem))
            if ci:
                say('!! CI=true: this is a FAILURE, not a skip.')
                results['postgresql'] = {
                    'passed': 0, 'failed': 1, 'skipped': 0}
            else:
                say('!! The PostgreSQL run is SKIPPED (set CI=true to fail).')
                results['postgresql'] = {
                    'passed': 0, 'failed': 0, 'skipped': 1}
            say('!' * 72)
        else:
            say('== PostgreSQL (%s): %s' % (
                    env['TRYTOND_DATABASE__URI'], ', '.join(modules())))
            postgresql_templates(env['TRYTOND_DATABASE__URI'])
            threads.append(threading.Thread(target=run_backend,
                    args=('postgresql', env, results,
                        modules() + cross_module_tests(), tail)))
    if tail and not threads:
        # only the browser tests (a third worker from the start was
        # measured slower: the two cores are busy with the databases)
        threads.append(threading.Thread(target=run_backend,
                args=(None, base_env(), results, [], tail)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    say('')
    say('Summary')
    total = {'passed': 0, 'failed': 0, 'skipped': 0}
    order = ['zh_CN translations', 'sqlite', 'postgresql', 'browser']
    for name, counts in sorted(results.items(),
            key=lambda item: order.index(item[0])
            if item[0] in order else len(order)):
        say('  %-20s %d passed, %d failed, %d skipped' % (
                name + ':', counts['passed'], counts['failed'],
                counts['skipped']))
        for key in total:
            total[key] += counts[key]
    say('%d passed, %d failed, %d skipped' % (
            total['passed'], total['failed'], total['skipped']))
    return 1 if total['failed'] or not total['passed'] else 0


if __name__ == '__main__':
    sys.exit(main())
