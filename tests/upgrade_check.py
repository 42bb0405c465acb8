#!/usr/bin/env python3
# This file is part of the pharma suite. See README.md for license terms.
"""The upgrade path: a database created by an earlier commit's modules is
upgraded by this checkout's with `trytond-admin --all` (`make
upgrade-check`, PostgreSQL; 3 minutes on a quiet 2-core machine, 5.5 with
--demo; tests/test_upgrade.py runs it with --demo in make test).

    .venv/bin/python tests/upgrade_check.py [--from REF] [--database NAME]

1. `git archive REF addons` (default REF: `git merge-base HEAD main`, the
   commit this branch started from, or HEAD~1 on main itself) into a
   temporary directory;
2. with those modules (imported in place of the checkout's), creates the
   database, activates every pharma module of REF and writes a few
   records (territory, hospital, doctors, coverage);
3. with this checkout: `trytond-admin -d NAME --all
   --activate-dependencies` (which must activate every new module an
   activated module depends on, as pharma_reporting for
   pharma_competitor), then `-u <new modules> --activate-dependencies`;
4. checks: every module activated (none left "to upgrade"), the records of
   step 2 read through the ORM, every ir.message and model of the current
   modules present; drops the database.
Exit status 0 when all holds.
"""
import argparse
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = os.path.join(ROOT, '.venv', 'bin', 'python')
URI = os.environ.get('PHARMA_PG_URI', 'postgresql://postgres@127.0.0.1:5432/')

# Run in a subprocess: the earlier commit's modules replace the editable
# installs of the checkout for every trytond.modules.pharma_* import
OLD = r'''
import importlib.util, os, sys
OLD_ADDONS = sys.argv[1]
TMP = sys.argv[3]
class OldModules:
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        prefix = 'trytond.modules.'
        if not name.startswith(prefix + 'pharma_'):
            return None
        parts = name[len(prefix):].split('.')
        base = os.path.join(OLD_ADDONS, *parts)
        if os.path.isdir(base):
            return importlib.util.spec_from_file_location(name,
                os.path.join(base, '__init__.py'),
                submodule_search_locations=[base])
        if os.path.exists(base + '.py'):
            return importlib.util.spec_from_file_location(name, base + '.py')
        return None
sys.meta_path.insert(0, OldModules)
sys.path.insert(0, os.path.join(sys.argv[3], 'scripts'))
import demo
import trytond.modules.pharma_hospital as check
assert check.__file__.startswith(OLD_ADDONS), check.__file__
from trytond import backend, config
from trytond.pool import Pool
from trytond.transaction import Transaction
name = sys.argv[2]
modules = [m for m in sorted(os.listdir(OLD_ADDONS)) if m.startswith('pharma_')]
demo.ADDONS = OLD_ADDONS
modules = demo.pharma_modules()
print('old modules:', ', '.join(modules), flush=True)
if os.environ.get('PHARMA_UPGRADE_DEMO'):
    # the old commit's whole demo: companies, users, coverages, calls,
    # plans, orders, flows, events, jobs...
    sys.argv = ['demo.py', '-c', os.environ['TRYTOND_CONFIG'], '-d', name]
    demo.main()
    pool = Pool(name)
    pool.init()
else:
    demo.create_database(name)
    pool = Pool(name)
    pool.init(update=['ir', 'res'] + modules, lang=['en', 'zh_CN'],
        activatedeps=True)
def data(transaction):
    Territory = pool.get('pharma.territory')
    Party = pool.get('party.party')
    territory, = Territory.create([{'name': 'UPG', 'level': 'city',
        'code': 'UPG-1'}])
    hospital, = Party.create([{'name': 'UPG hospital',
        'pharma_type': 'hospital', 'territory': territory.id}])
    Party.create([{'name': 'UPG doctor %d' % i, 'pharma_type': 'doctor',
        'hospital': hospital.id} for i in range(20)])
demo.in_transaction(name, 0, data)
# the rows of every table but the framework's (ir_, res_: messages,
# translations, views are rewritten by an update)
import json, psycopg
uri = os.environ['TRYTOND_DATABASE__URI'].rstrip('/') + '/' + name
with psycopg.connect(uri) as conn:
    tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables "
        "WHERE schemaname = 'public'")]
    counts = {t: conn.execute('SELECT COUNT(*) FROM "%s"' % t).fetchone()[0]
        for t in tables if not t.startswith(('ir_', 'res_'))}
    # the records of the modules' XML: an update must keep their ids (a
    # record deleted and created again loses what refers to it)
    xml_ids = [list(r) for r in conn.execute(
            "SELECT model, fs_id, db_id FROM ir_model_data "
            "WHERE module LIKE 'pharma_%%'")]
with open(os.path.join(TMP, 'counts.json'), 'w') as f:
    json.dump(counts, f)
with open(os.path.join(TMP, 'xml_ids.json'), 'w') as f:
    json.dump(xml_ids, f)
print('created with the old modules: %d rows in %d tables' % (
    sum(counts.values()), len(counts)), flush=True)
'''

CHECK = r'''
import os, sys
sys.path.insert(0, os.path.join(sys.argv[2], 'scripts'))
import demo
from trytond.pool import Pool
from trytond.transaction import Transaction
name = sys.argv[1]
pool = Pool(name)
pool.init()
problems = []
with Transaction().start(name, 0, readonly=True):
    Module = pool.get('ir.module')
    Message = pool.get('ir.message')
    Model = pool.get('ir.model')
    ModelData = pool.get('ir.model.data')
    Party = pool.get('party.party')
    wanted = demo.pharma_modules()
    states = {m.name: m.state for m in Module.search([])}
    for module in wanted:
        if states.get(module) != 'activated':
            problems.append('module %s: %s' % (module, states.get(module)))
    stuck = [n for n, s in states.items() if s in ('to upgrade', 'to activate', 'to remove')]
    if stuck:
        problems.append('modules left: %s' % stuck)
    doctors = Party.search([('name', 'like', 'UPG doctor %')])
    if len(doctors) != 20:
        problems.append('doctors: %d of 20' % len(doctors))
    models = {m.name for m in Model.search([])}
    for model_name, _ in pool.iterobject():
        if model_name not in models:
            problems.append('model %s missing' % model_name)
    for module in wanted:
        path = os.path.join(sys.argv[2], 'addons', module, 'message.xml')
        if not os.path.exists(path):
            continue
        import re
        with open(path) as f:
            ids = re.findall(r'model="ir.message" id="([^"]+)"', f.read())
        have = {d.fs_id for d in ModelData.search([
            ('module', '=', module), ('model', '=', 'ir.message')])}
        for fs_id in ids:
            if fs_id not in have:
                problems.append('message %s.%s missing' % (module, fs_id))
# every row kept: no table of the old database has fewer rows
import json, psycopg
from trytond import backend
with open(os.path.join(sys.argv[3], 'counts.json')) as f:
    old_counts = json.load(f)
uri = os.environ['TRYTOND_DATABASE__URI'].rstrip('/') + '/' + name
with psycopg.connect(uri) as conn:
    tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables "
        "WHERE schemaname = 'public'")}
    for table, count in sorted(old_counts.items()):
        if table not in tables:
            problems.append('table %s dropped (%d rows)' % (table, count))
            continue
        now = conn.execute('SELECT COUNT(*) FROM "%s"' % table).fetchone()[0]
        if now < count:
            problems.append('table %s: %d rows, %d before' % (
                table, now, count))
    # a record of the XML still defined (by its module or by the module it
    # moved to) has the id it had
    with open(os.path.join(sys.argv[3], 'xml_ids.json')) as f:
        old_ids = json.load(f)
    new_ids = {}
    for model, fs_id, db_id in conn.execute(
            "SELECT model, fs_id, db_id FROM ir_model_data "
            "WHERE module LIKE 'pharma_%%'"):
        new_ids.setdefault((model, fs_id), set()).add(db_id)
    for model, fs_id, db_id in old_ids:
        ids = new_ids.get((model, fs_id))
        if ids is not None and db_id not in ids:
            problems.append('record %s %s: id %s, %s before' % (
                model, fs_id, sorted(ids), db_id))
# and every pharma model reads through the ORM (its columns as the code
# expects them)
from trytond.model import ModelSQL, fields
read = 0
with Transaction().start(name, 0, readonly=True):
    for model_name, Model in pool.iterobject():
        if (not model_name.startswith('pharma.')
                or not issubclass(Model, ModelSQL)
                or Model._is_table_query()):
            continue
        names = [n for n, f in Model._fields.items()
            if not isinstance(f, fields.Function)]
        try:
            records = Model.search([], limit=50, order=[('id', 'ASC')])
            Model.read([r.id for r in records], names)
            read += len(records)
        except Exception as exception:
            problems.append('model %s: %s' % (model_name, exception))
            Transaction().rollback()
print('read %d records of the pharma models' % read)
for problem in problems:
    print('PROBLEM', problem)
print('upgrade check: %d problems' % len(problems))
sys.exit(1 if problems else 0)
'''


def lacking_after_all(states, new):
    """[(module, [activated modules depending on it])] of the new modules
    that `trytond-admin --all --activate-dependencies` left not activated
    though an activated pharma module depends on them"""
    import configparser
    lacking = []
    for module in new:
        needed_by = []
        for name, state in sorted(states.items()):
            path = os.path.join(ROOT, 'addons', name, 'tryton.cfg')
            if state != 'activated' or not os.path.exists(path):
                continue
            parser = configparser.ConfigParser()
            parser.read(path, encoding='utf-8')
            if module in parser.get('tryton', 'depends',
                    fallback='').split():
                needed_by.append(name)
        if needed_by and states.get(module) != 'activated':
            lacking.append((module, needed_by))
    return lacking


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--from', dest='ref')
    parser.add_argument('--database', default='i25_upgrade_check')
    parser.add_argument('--keep', action='store_true')
    parser.add_argument('--demo', action='store_true',
        help="create the old database with the old commit's whole demo "
        "(scripts/demo.py) instead of a territory, a hospital and 20 "
        "doctors")
    args = parser.parse_args(argv)
    ref = args.ref or subprocess.run(['git', 'merge-base', 'HEAD', 'main'],
        capture_output=True, text=True, cwd=ROOT, check=True).stdout.strip()
    head = subprocess.run(['git', 'rev-parse', 'HEAD'], capture_output=True,
        text=True, cwd=ROOT, check=True).stdout.strip()
    if ref == head:
        # on main: from the commit before, not from the same code
        ref = subprocess.run(['git', 'rev-parse', 'HEAD~1'],
            capture_output=True, text=True, cwd=ROOT,
            check=True).stdout.strip()
    tmp = tempfile.mkdtemp(prefix='pharma-upgrade-')
    archive = subprocess.run(['git', 'archive', ref, 'addons', 'scripts'],
        capture_output=True, cwd=ROOT, check=True).stdout
    subprocess.run(['tar', '-x', '-C', tmp], input=archive, check=True)
    print('upgrade from %s (%s)' % (ref, tmp), flush=True)
    # as deploy/init_db.py: the admin's sessions plan without nested loops
    # (the foreign keys' introspection, 5 s a table otherwise)
    env = dict(os.environ, TRYTOND_DATABASE__URI=URI, PYTHONOPTIMIZE='1',
        PGOPTIONS='-c enable_nestloop=off')
    env.pop('TRYTOND_CONFIG', None)
    if args.demo:
        env['PHARMA_UPGRADE_DEMO'] = '1'
    conf = os.path.join(tmp, 'trytond.conf')
    with open(conf, 'w') as f:
        f.write('[database]\npath = %s\n' % os.path.join(tmp, 'filestore'))
    env['TRYTOND_CONFIG'] = conf
    import psycopg
    with psycopg.connect(URI.rstrip('/') + '/postgres',
            autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "%s"' % args.database)
    status = 1
    try:
        subprocess.run([PYTHON, '-c', OLD, os.path.join(tmp, 'addons'),
                args.database, tmp], env=env, check=True)
        admin = [os.path.join(ROOT, '.venv', 'bin', 'trytond-admin'),
            '-c', conf, '-d', args.database]
        print('trytond-admin --all with this checkout', flush=True)
        subprocess.run(admin + ['--all', '--activate-dependencies', '-l',
                'zh_CN'], env=env,
            check=True)
        sys.path.insert(0, os.path.join(ROOT, 'scripts'))
        import demo
        new = sorted(set(demo.pharma_modules()) - set(
                m for m in os.listdir(os.path.join(tmp, 'addons'))))
        # a new module that an activated module came to depend on (as
        # pharma_reporting for pharma_competitor) is activated by --all
        # itself: loaded in the same run as the module it took records
        # from, which keeps their ids
        with psycopg.connect(URI.rstrip('/') + '/' + args.database) as conn:
            states = dict(conn.execute(
                    "SELECT name, state FROM ir_module"))
        lacking = lacking_after_all(states, new)
        if lacking:
            print('PROBLEM not activated by --all: %s' % ', '.join(
                    '%s (needed by %s)' % (m, ', '.join(by))
                    for m, by in lacking), flush=True)
        if new:
            print('activating the new modules %s' % new, flush=True)
            subprocess.run(admin + ['-u', *new, '--activate-dependencies',
                    '-l', 'zh_CN'], env=env, check=True)
        status = subprocess.run([PYTHON, '-c', CHECK, args.database, ROOT, tmp],
            env=env).returncode
        if lacking:
            status = status or 1
    finally:
        if not args.keep:
            with psycopg.connect(URI.rstrip('/') + '/postgres',
                    autocommit=True) as conn:
                conn.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)'
                    % args.database)
    return status


if __name__ == '__main__':
    sys.exit(main())
