#!/usr/bin/env python3
# This file is part of the pharma suite. See README.md for license terms.
"""Initialise (or upgrade) a production database of the pharma suite.

    TRYTOND_CONFIG=/etc/pharma/trytond.conf \\
    TRYTOND_DATABASE__URI=postgresql://pharma_app:...@127.0.0.1:5432/ \\
    PHARMA_ADMIN_PASSWORD=... PHARMA_COMPANY_NAME=... \\
        .venv/bin/python deploy/init_db.py --database pharma_prod

The database must exist, created empty by a PostgreSQL administrator and
owned by the application's user (deploy/postgresql/create-role.sql); the
application's user needs no superuser or CREATEDB right.

On an empty database: creates Tryton's tables, activates every pharma
module with its dependencies, loads Chinese, sets the admin password from
PHARMA_ADMIN_PASSWORD (required, never a default) and, when
PHARMA_COMPANY_NAME is set, creates the company (CNY, Asia/Shanghai).
No demo user and no demo data is created.

On an initialised database: updates the activated modules
(trytond-admin --all) and activates the pharma modules missing from it.
"""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, 'scripts'))

_start = time.monotonic()


def progress(message):
    print('[init_db %5.1fs] %s' % (time.monotonic() - _start, message),
        flush=True)


def admin_environment():
    """The environment of trytond-admin: its sessions plan without nested
    loops. Updating a module reads each table's foreign keys from
    information_schema (key_column_usage JOIN referential_constraints),
    which PostgreSQL 15 plans as nested loops over every constraint: 5 s a
    table with the suite's 1,400 constraints, 0.3 s with hash joins, so
    `--all` went from about 25 minutes to a few. Only the admin's
    sessions (libpq's PGOPTIONS), never the application's."""
    env = dict(os.environ)
    env['PGOPTIONS'] = (env.get('PGOPTIONS', '') + ' -c enable_nestloop=off'
        ).strip()
    return env


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', '-c', nargs='+',
        default=[os.environ.get('TRYTOND_CONFIG')
            or os.path.join(HERE, 'trytond.conf')])
    parser.add_argument('--database', '-d', required=True)
    parser.add_argument('--stamp', help="a file holding the hash of the "
        "modules' sources of the last update: no update when unchanged")
    args = parser.parse_args(argv)
    # this process is an admin too (the activation of a new database)
    os.environ.update(admin_environment())
    import demo
    from trytond import config
    config.update_etc([os.path.abspath(p) for p in args.config])
    from trytond import backend
    from trytond.pool import Pool

    name = args.database
    database = backend.Database(name).connect()
    connection = database.get_connection()
    try:
        initialised = database.test()
    finally:
        database.put_connection(connection)
    modules = demo.pharma_modules()
    password = os.environ.get('PHARMA_ADMIN_PASSWORD')
    if not initialised:
        if not password:
            raise SystemExit(
                'PHARMA_ADMIN_PASSWORD is required to initialise a database')
        progress('creating the tables of %r' % name)
        connection = database.get_connection()
        try:
            with connection.cursor():
                database.init()
            connection.commit()
        finally:
            database.put_connection(connection)
        progress('activating %s' % ', '.join(modules))
        pool = Pool(name)
        pool.init(update=['ir', 'res'] + list(modules),
            lang=['en', demo.LANGUAGE], activatedeps=True)
    elif args.stamp and os.path.exists(args.stamp) and open(
            args.stamp).read().strip() == demo.source_hash():
        progress('the modules did not change since the last update')
        pool = Pool(name)
        pool.init()
    else:
        # the upgrade path: trytond-admin --all, then the new modules
        import subprocess
        admin = [os.path.join(os.path.dirname(sys.executable),
                'trytond-admin'), '-c', *args.config, '-d', name]
        progress('updating the activated modules (trytond-admin --all)')
        env = admin_environment()
        subprocess.run(admin + ['--all', '--activate-dependencies',
                '-l', demo.LANGUAGE], check=True,
            env=env)
        missing = sorted(set(modules) - demo.activated_modules(name))
        if missing:
            progress('activating %s' % ', '.join(missing))
            subprocess.run(admin + ['-u', *missing,
                    '--activate-dependencies', '-l', demo.LANGUAGE],
                check=True, env=env)
        pool = Pool(name)
        pool.init()

    def setup(transaction):
        "Chinese, the admin's password, the company: what is missing"
        Lang = pool.get('ir.lang')
        Configuration = pool.get('ir.configuration')
        User = pool.get('res.user')
        zh_cn, = Lang.search([('code', '=', demo.LANGUAGE)])
        if not zh_cn.translatable:
            Lang.write([zh_cn], {'translatable': True})
        configuration = Configuration(1)
        if configuration.language != demo.LANGUAGE:
            configuration.language = demo.LANGUAGE
            configuration.save()
        admin, = User.search([('login', '=', 'admin')])
        table = User.__table__()
        cursor = transaction.connection.cursor()
        cursor.execute(*table.select(table.password_hash,
                where=table.id == admin.id))
        if not cursor.fetchone()[0]:
            if not password:
                raise SystemExit('the admin has no password: set '
                    'PHARMA_ADMIN_PASSWORD')
            User.write([admin], {'password': password, 'language': zh_cn.id})
            progress('admin password set')
        company_name = os.environ.get('PHARMA_COMPANY_NAME')
        if company_name and not pool.get('company.company').search([]):
            demo.COMPANY_NAME = company_name
            china, subdivisions = demo.create_country(pool)
            company = demo.create_company(pool, china, subdivisions)
            User.write([admin], {
                    'companies': [('add', [company.id])],
                    'company': company.id,
                    })
            progress('company %s created' % company_name)
    demo.in_transaction(name, 0, setup)
    if args.stamp:
        with open(args.stamp, 'w') as f:
            f.write(demo.source_hash())
    progress('database %r ready' % name)


if __name__ == '__main__':
    main()
