# This file is part of the pharma suite. See README.md for license terms.
"""Record rules hold through every relation, generated from the pool.

On the demo database (scripts/demo.py, one user per role), for each role,
each model the role may read and each relation path (depth 1 and 2) that
ends on a model with record rules for the role, the probe links visible
records of the model to records the role cannot read (in SQL, in a
savepoint rolled back after each path), then, as the role with the access
checks of RPC:

- filters by a stored field of the hidden record: the count must not
  change when that field's value changes;
- orders by it (Many2One paths): the order must not change when the two
  hidden records' values are swapped;
- exports it (the column ``a/b/field``): the export is refused or does not
  change with the value;
- reads it with the dotted name (``a.b.field``, as the client's related
  fields do): the read is refused or does not change with the value.

Nothing is written by hand per model: a new model or relation is probed
as soon as it is in the pool. A path the role may not use at all (an
AccessError) tells nothing and passes.

The probe runs in its own process on the database of the backend of the
run (SQLite file or a PostgreSQL database named pharma_rules_<pid>, or
$PHARMA_RULES_NAME, dropped afterwards): `python tests/test_rules.py
--probe CONFIG... DB`. PHARMA_RULES_DATABASE (and PHARMA_RULES_PATH for
SQLite) reuse an existing demo database.
"""
import datetime
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROLES = ['rep1', 'sales1', 'manager1', 'marketing1', 'clerk1', 'finance1',
    'logistics1', 'medical1', 'quality1']
RELATIONS = {'many2one', 'one2many', 'many2many', 'reference'}
# the framework's own models: not reached by the roles' menus
SKIP_PREFIXES = ('ir.', 'res.')


def probe(configs, database, roles):
    from trytond.config import config
    for path in configs:
        config.update_etc(path)
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    pool = Pool(database)
    pool.init()
    results = {}
    for login in roles:
        with Transaction().start(database, 0, readonly=False) as transaction:
            User = pool.get('res.user')
            user, = User.search([('login', '=', login)])
            user_id, company = user.id, user.company.id if user.company else None
            transaction.rollback()
        with Transaction().start(database, user_id, context={
                    'company': company, '_check_access': True,
                    'language': 'en'}) as transaction:
            results[login] = RoleProbe(pool, transaction).run()
            transaction.rollback()
    return results


class RoleProbe:

    def __init__(self, pool, transaction):
        self.pool = pool
        self.transaction = transaction
        self.cursor = transaction.connection.cursor()
        self.leaks = []
        self.checked = 0
        self.refused = 0
        self.unexercised = 0
        self._hidden = {}
        self._visible = {}

    # -- the pool ---------------------------------------------------------
    def models(self):
        from trytond.model import ModelSQL
        for name, Model in self.pool.iterobject():
            if (name.startswith(SKIP_PREFIXES)
                    or not issubclass(Model, ModelSQL)
                    or Model._is_table_query()):
                continue
            yield Model

    def readable(self, Model):
        ModelAccess = self.pool.get('ir.model.access')
        return ModelAccess.check(Model.__name__, 'read',
            raise_exception=False)

    def protected(self, Model):
        Rule = self.pool.get('ir.rule')
        return bool(Rule.domain_get(Model.__name__, mode='read'))

    def relations(self, Model):
        "Yield (field name, field, [target models]) of stored relations"
        from trytond.model import ModelSQL, fields
        for fname, field in sorted(Model._fields.items()):
            if (isinstance(field, fields.Function)
                    or field._type not in RELATIONS):
                continue
            if field._type == 'reference':
                selection = field.selection
                if isinstance(selection, str):
                    with self.transaction.set_user(0):
                        try:
                            selection = getattr(Model, selection)()
                        except TypeError:
                            # an instance method
                            selection = getattr(Model(), field.selection)()
                names = [k for k, _ in selection if k]
            else:
                names = [field.get_target().__name__]
            targets = []
            for name in names:
                try:
                    Target = self.pool.get(name)
                except KeyError:
                    continue
                if (issubclass(Target, ModelSQL)
                        and not Target._is_table_query()):
                    targets.append(Target)
            if targets:
                yield fname, field, targets

    def probe_field(self, Target):
        "A stored field of Target whose value the probe sets"
        from trytond.model import fields
        order = ['name', 'code', 'number', 'reference', 'description']
        candidates = [(n, f) for n, f in Target._fields.items()
            if not isinstance(f, fields.Function)
            and type(f) in {fields.Char, fields.Integer, fields.Date}
            and not getattr(f, 'translate', False)
            and n not in {'id', 'create_uid', 'write_uid'}]
        candidates.sort(key=lambda c: (
                order.index(c[0]) if c[0] in order else len(order), c[0]))
        return candidates[0] if candidates else (None, None)

    # -- records ----------------------------------------------------------
    def all_ids(self, Model, limit=200):
        table = Model.__table__()
        self.cursor.execute(*table.select(table.id,
                order_by=[table.id], limit=limit))
        return [i for i, in self.cursor]

    def visible(self, Model):
        if Model.__name__ not in self._visible:
            try:
                ids = [r.id for r in Model.search(
                        [], order=[('id', 'ASC')], limit=50)]
            except Exception:
                ids = []
            self._visible[Model.__name__] = ids
        return self._visible[Model.__name__]

    def hidden(self, Model):
        if Model.__name__ not in self._hidden:
            all_ids = self.all_ids(Model, limit=2000)
            visible = set()
            for i in range(0, len(all_ids), 500):
                visible.update(r.id for r in Model.search(
                        [('id', 'in', all_ids[i:i + 500])], order=[]))
            self._hidden[Model.__name__] = [
                i for i in all_ids if i not in visible][:10]
        return self._hidden[Model.__name__]

    def link(self, Model, record, fname, Target, target):
        "Make record's fname reach target, in SQL"
        from sql import Literal
        from sql.functions import CurrentTimestamp
        field = Model._fields[fname]
        if field._type == 'many2one':
            table = Model.__table__()
            self.cursor.execute(*table.update(
                    [getattr(table, fname)], [target],
                    where=table.id == record))
        elif field._type == 'reference':
            table = Model.__table__()
            self.cursor.execute(*table.update(
                    [getattr(table, fname)],
                    ['%s,%s' % (Target.__name__, target)],
                    where=table.id == record))
        elif field._type == 'one2many':
            table = Target.__table__()
            origin = Target._fields[field.field]
            value = record
            if origin._type == 'reference':
                value = '%s,%s' % (Model.__name__, record)
            self.cursor.execute(*table.update(
                    [getattr(table, field.field)], [value],
                    where=table.id == target))
        elif field._type == 'many2many':
            Relation = self.pool.get(field.relation_name)
            table = Relation.__table__()
            columns = [getattr(table, field.origin),
                getattr(table, field.target), table.create_uid,
                table.create_date]
            origin = record
            if Relation._fields[field.origin]._type == 'reference':
                origin = '%s,%s' % (Model.__name__, record)
            self.cursor.execute(*table.insert(columns,
                    [[origin, target, Literal(0), CurrentTimestamp()]]))

    def set_value(self, Target, target, fname, value):
        table = Target.__table__()
        self.cursor.execute(*table.update(
                [getattr(table, fname)], [value], where=table.id == target))

    @staticmethod
    def values(field, target):
        "Two values of field, the first sorting first"
        from trytond.model import fields
        if isinstance(field, fields.Integer):
            return -900000 - target, 900000 + target
        if isinstance(field, fields.Date):
            return datetime.date(1901, 1, 1), datetime.date(2998, 1, 1)
        size = field.size if isinstance(field.size, int) else 64
        return (('AAA%s' % target)[:size], ('zzz%s' % target)[:size])

    # -- the probe --------------------------------------------------------
    def paths(self, Model):
        "Yield [(Model, fname, Target), ...] to a protected model"
        # a path through a model the role may not read is refused by
        # Tryton (AccessError)
        for fname, field, targets in self.relations(Model):
            for Target in targets:
                if not self.readable(Target):
                    continue
                if self.protected(Target):
                    yield [(Model, fname, Target)]
                if field._type == 'reference':
                    continue
                for fname2, field2, targets2 in self.relations(Target):
                    for Target2 in targets2:
                        if (field2._type != 'reference'
                                and self.readable(Target2)
                                and self.protected(Target2)):
                            yield [(Model, fname, Target),
                                (Target, fname2, Target2)]

    def run(self):
        for Model in self.models():
            if not self.readable(Model):
                continue
            for path in self.paths(Model):
                self.check(path)
        return {
            'checked': self.checked,
            'refused': self.refused,
            'unexercised': self.unexercised,
            'leaks': self.leaks,
            }

    def check(self, path):
        from trytond.exceptions import UserError
        from trytond.model.exceptions import AccessError
        Model = path[0][0]
        Target = path[-1][2]
        tfname, tfield = self.probe_field(Target)
        if not tfname:
            return
        name = '.'.join(f for _, f, _ in path)
        label = '%s: %s.%s (%s)' % (
            Model.__name__, name, tfname, Target.__name__)
        cursor = self.cursor
        cursor.execute('SAVEPOINT pharma_probe')
        try:
            records = self.visible(Model)
            hidden = [t for t in self.hidden(Target) if t not in records]
            if len(records) < 2 or len(hidden) < 2:
                self.unexercised += 1
                return
            m1, m2 = records[:2]
            t1, t2 = hidden[:2]
            try:
                if len(path) == 1:
                    self.link(Model, m1, path[0][1], Target, t1)
                    self.link(Model, m2, path[0][1], Target, t2)
                else:
                    (_, f1, Middle), (_, f2, _) = path
                    middles = [x for x in self.all_ids(Middle)
                        if not (Middle is Target and x in {t1, t2})
                        and not (Middle is Model and x in {m1, m2})][:2]
                    if len(middles) < 2:
                        self.unexercised += 1
                        return
                    x1, x2 = middles
                    self.link(Model, m1, f1, Middle, x1)
                    self.link(Model, m2, f1, Middle, x2)
                    self.link(Middle, x1, f2, Target, t1)
                    self.link(Middle, x2, f2, Target, t2)
            except Exception:
                # a constraint of the database refuses the link
                self.unexercised += 1
                return
            # preconditions: the role still reads m1 and m2, not t1 and t2
            if (Model.search_count([('id', 'in', [m1, m2])]) != 2
                    or Target.search_count([('id', 'in', [t1, t2])])):
                self.unexercised += 1
                return
            low1, high1 = self.values(tfield, t1)
            low2, high2 = self.values(tfield, t2)
            clause = [('id', '=', m1), (name + '.' + tfname, '=', low1,
                    *([Target.__name__] if len(path) == 1
                        and Model._fields[name]._type == 'reference'
                        else []))]
            order = [(name + '.' + tfname, 'ASC'), ('id', 'ASC')]
            sortable = all(
                M._fields[f]._type == 'many2one' for M, f, _ in path)
            try:
                self.set_value(Target, t1, tfname, low1)
                self.set_value(Target, t2, tfname, high2)
            except Exception:
                # a constraint of the database (size, unique) refuses it
                self.unexercised += 1
                return
            column = '/'.join(f for _, f, _ in path) + '/' + tfname

            def export():
                # an export of m1 and m2 with the hidden value's column:
                # refused, or the same whatever the value
                self.transaction.cache.clear()
                try:
                    return Model.export_data(
                        Model.browse([m1, m2]), [column])
                except (AccessError, UserError):
                    return 'refused'

            def dotted():
                # read with the dotted name (the client's related fields):
                # refused, or the same whatever the value
                self.transaction.cache.clear()
                try:
                    return Model.read([m1, m2], [name + '.' + tfname])
                except (AccessError, UserError):
                    return 'refused'
            try:
                count_low = Model.search_count(clause)
                if sortable:
                    order_a = Model.search([('id', 'in', [m1, m2])],
                        order=order)
                export_a = export()
                read_a = dotted()
                try:
                    self.set_value(Target, t1, tfname, high1)
                    self.set_value(Target, t2, tfname, low2)
                except Exception:
                    self.unexercised += 1
                    return
                count_high = Model.search_count(clause)
                if sortable:
                    order_b = Model.search([('id', 'in', [m1, m2])],
                        order=order)
                export_b = export()
                read_b = dotted()
            except (AccessError, UserError):
                self.refused += 1
                return
            self.checked += 1
            if count_low != count_high:
                self.leaks.append('filter ' + label)
            if sortable and order_a != order_b:
                self.leaks.append('order ' + label)
            if export_a != export_b:
                self.leaks.append('export ' + label)
            if read_a != read_b:
                self.leaks.append('read ' + label)
        finally:
            # ROLLBACK TO keeps the savepoint: without RELEASE every path
            # left one open (a subtransaction each, gigabytes on a run)
            cursor.execute('ROLLBACK TO SAVEPOINT pharma_probe')
            cursor.execute('RELEASE SAVEPOINT pharma_probe')
            self.transaction.cache.clear()


class RulesTestCase(unittest.TestCase):
    "Filtering and ordering through relations tell no hidden values"

    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.mkdtemp(prefix='pharma-rules-')
        env = dict(os.environ)
        env.pop('DB_NAME', None)
        uri = env.get('TRYTOND_DATABASE__URI', 'sqlite://')
        cls.uri = uri
        cls.database = os.environ.get('PHARMA_RULES_DATABASE')
        cls.created = not cls.database
        if not cls.database:
            cls.database = os.environ.get(
                'PHARMA_RULES_NAME', 'pharma_rules_%s' % os.getpid())
        config = os.path.join(cls.directory, 'local.conf')
        with open(config, 'w') as f:
            if uri.startswith('sqlite'):
                f.write('[database]\nuri = sqlite://\npath = %s\n'
                    % os.environ.get('PHARMA_RULES_PATH', cls.directory))
            else:
                f.write('[database]\nuri = %s\n' % uri)
        env.pop('TRYTOND_DATABASE__URI', None)
        cls.env = env
        cls.configs = [os.path.join(ROOT, 'trytond.conf'), config]
        if (cls.created and uri.startswith('sqlite')
                and 'PHARMA_RULES_PATH' not in os.environ):
            # the demo database of every module, as the Chinese walk of
            # the browser tests builds it: one build for both in a run
            # (tests/browser/helpers.py keeps it for the day and sources)
            sys.path.insert(0, os.path.join(ROOT, 'tests', 'browser'))
            from helpers import TrytonServer
            server = TrytonServer(modules=sorted(
                    os.path.basename(p) for p in glob.glob(
                        os.path.join(ROOT, 'addons', 'pharma_*'))
                    if os.path.exists(os.path.join(p, 'tryton.cfg'))),
                database=cls.database, demo_data=True)
            server.create_database()
            cls.server_directory = server.directory
            with open(config, 'w') as f:
                f.write('[database]\nuri = sqlite://\npath = %s\n'
                    % os.path.join(server.directory, 'db'))
        elif cls.created:
            demo = subprocess.run([sys.executable, '-W', 'ignore',
                    os.path.join(ROOT, 'scripts', 'demo.py'),
                    '--config', *cls.configs, '--database', cls.database],
                env=env, cwd=ROOT, capture_output=True, text=True,
                timeout=3600)
            assert demo.returncode == 0, demo.stderr[-3000:]
        result = subprocess.run([sys.executable, '-W', 'ignore',
                os.path.abspath(__file__), '--probe', *cls.configs,
                cls.database],
            env=env, cwd=ROOT, capture_output=True, text=True, timeout=3600)
        assert result.returncode == 0, result.stderr[-3000:]
        cls.results = json.loads(result.stdout.strip().splitlines()[-1])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.directory, ignore_errors=True)
        if getattr(cls, 'server_directory', None):
            shutil.rmtree(cls.server_directory, ignore_errors=True)
        if cls.created:
            # where scripts/demo.py notes what it did to a PostgreSQL one
            for suffix in ['.source', '.done']:
                path = os.path.join(ROOT, 'var', cls.database + suffix)
                if os.path.exists(path):
                    os.remove(path)
        if cls.created and cls.uri.startswith('postgresql'):
            import psycopg
            with psycopg.connect(cls.uri.rstrip('/') + '/postgres',
                    autocommit=True) as conn:
                conn.execute('DROP DATABASE IF EXISTS "%s"' % cls.database)

    def test_no_leak(self):
        "No role tells a hidden record's value through a relation"
        for login, result in self.results.items():
            with self.subTest(role=login):
                self.assertEqual(result['leaks'], [])

    def test_exercised(self):
        "Each role's relations to hidden records are probed"
        checked = sum(r['checked'] for r in self.results.values())
        self.assertGreater(self.results['rep1']['checked'], 20,
            self.results['rep1'])
        self.assertGreater(checked, 50, self.results)


if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == '--probe':
        *configs, database = sys.argv[2:]
        roles = os.environ.get('PHARMA_RULES_ROLES')
        results = probe(configs, database,
            roles.split(',') if roles else ROLES)
        print(json.dumps(results, ensure_ascii=False))
    else:
        unittest.main()
