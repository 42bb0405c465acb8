#!/usr/bin/env python3
# This file is part of the pharma suite. See README.md for license terms.
"""Back up and restore a pharma database with its file store.

    deploy/backup.py backup  --database pharma_prod --dest /var/backups/pharma
    deploy/backup.py restore --backup /var/backups/pharma/pharma_prod-20261204T0300 \\
        --database pharma_restored
    deploy/backup.py verify  --backup DIR --database pharma_restored

The database URI comes from TRYTOND_DATABASE__URI (as for trytond), the
file store from [database] path of the configuration (-c, or
TRYTOND_CONFIG), where trytond keeps <path>/<database>/xx/yy/<sha>.

Consistency: pg_dump runs on a snapshot exported by a REPEATABLE READ
transaction that stays open meanwhile; the manifest counts every table's
rows and hashes their ids in that same snapshot. The file store is copied
after the snapshot: trytond writes a file before the transaction that
references it commits and never rewrites or deletes a stored file (its
name is the hash of its content), so every file the dump references is
already there. The backup is a directory: database.dump (pg_dump -Fc),
filestore.tar.gz, manifest.json.

restore creates the database (the URI's user needs CREATEDB, or create it
empty beforehand, owned by the application's role), restores without
owners/privileges (objects belong to the restoring role), unpacks the
file store under the new name and verifies: every table has the same rows
(count and hash of the ids) and every file the attachments reference
exists.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import tarfile
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))


def database_uri(database):
    uri = (os.environ.get('TRYTOND_DATABASE__URI')
        or os.environ.get('TRYTOND_DATABASE_URI'))
    if not uri or not uri.startswith('postgresql'):
        raise SystemExit('TRYTOND_DATABASE__URI must be a PostgreSQL URI')
    parts = urllib.parse.urlsplit(uri)
    return urllib.parse.urlunsplit(
        (parts.scheme, parts.netloc, '/' + database, parts.query, ''))


def filestore_root(configs):
    from trytond import config
    if configs:
        config.update_etc([os.path.abspath(c) for c in configs])
    return os.path.abspath(config.get('database', 'path'))


TABLES = """
    SELECT c.relname, EXISTS (SELECT 1 FROM pg_attribute a
            WHERE a.attrelid = c.oid AND a.attname = 'id'
            AND NOT a.attisdropped)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'r' AND n.nspname = 'public'
    ORDER BY c.relname"""


def table_manifest(cursor):
    "{table: [rows, md5 of the sorted ids or None]}"
    from psycopg import sql
    cursor.execute(TABLES)
    result = {}
    for table, has_id in cursor.fetchall():
        if has_id:
            cursor.execute(sql.SQL(
                    "SELECT count(*), md5(coalesce(string_agg(id::text, ','"
                    " ORDER BY id), '')) FROM {}").format(
                    sql.Identifier(table)))
        else:
            cursor.execute(sql.SQL(
                    'SELECT count(*), NULL FROM {}').format(
                    sql.Identifier(table)))
        count, digest = cursor.fetchone()
        result[table] = [count, digest]
    return result


def attachment_files(cursor):
    "The file ids the attachments reference"
    cursor.execute("SELECT to_regclass('public.ir_attachment')")
    if cursor.fetchone()[0] is None:
        return []
    cursor.execute('SELECT DISTINCT file_id FROM ir_attachment '
        'WHERE file_id IS NOT NULL ORDER BY file_id')
    return [f for f, in cursor]


def file_path(root, database, file_id):
    return os.path.join(root, database, file_id[0:2], file_id[2:4], file_id)


def backup(database, dest, configs=None):
    import psycopg
    uri = database_uri(database)
    root = filestore_root(configs)
    stamp = datetime.datetime.now().strftime('%Y%m%dT%H%M%S')
    target = os.path.join(os.path.abspath(dest), '%s-%s' % (database, stamp))
    os.makedirs(target)
    with psycopg.connect(uri) as conn:
        conn.execute('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
        snapshot, = conn.execute('SELECT pg_export_snapshot()').fetchone()
        # pg_dump reads the same snapshot while this transaction is open
        subprocess.run(['pg_dump', '--format=custom', '--compress=6',
                '--snapshot', snapshot, '--file',
                os.path.join(target, 'database.dump'), '--dbname', uri],
            check=True)
        with conn.cursor() as cursor:
            tables = table_manifest(cursor)
            files = attachment_files(cursor)
        conn.rollback()
    store = os.path.join(root, database)
    with tarfile.open(os.path.join(target, 'filestore.tar.gz'), 'w:gz') as tar:
        if os.path.isdir(store):
            tar.add(store, arcname='.')
    missing = [f for f in files
        if not os.path.exists(file_path(root, database, f))]
    manifest = {
        'database': database, 'created': stamp, 'snapshot': snapshot,
        'tables': tables, 'files': files, 'files_missing': missing,
        }
    with open(os.path.join(target, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    print('backup %s: %d tables, %d rows, %d files%s' % (target,
            len(tables), sum(c for c, _ in tables.values()), len(files),
            ', %d MISSING from the file store' % len(missing)
            if missing else ''))
    return target


def restore(source, database, configs=None, create=True):
    import psycopg
    uri = database_uri(database)
    root = filestore_root(configs)
    if create:
        admin = database_uri('postgres')
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute('CREATE DATABASE "%s" TEMPLATE template0 '
                "ENCODING 'UTF8'" % database)
    subprocess.run(['pg_restore', '--no-owner', '--no-acl', '--exit-on-error',
            '--jobs', '2', '--dbname', uri,
            os.path.join(source, 'database.dump')], check=True)
    store = os.path.join(root, database)
    if os.path.exists(store):
        raise SystemExit('%s exists: not overwriting a file store' % store)
    os.makedirs(store)
    with tarfile.open(os.path.join(source, 'filestore.tar.gz')) as tar:
        tar.extractall(store, filter='data')
    return verify(source, database, configs)


def verify(source, database, configs=None):
    "Compare the restored database and file store with the manifest"
    import psycopg
    with open(os.path.join(source, 'manifest.json')) as f:
        manifest = json.load(f)
    root = filestore_root(configs)
    with psycopg.connect(database_uri(database)) as conn:
        with conn.cursor() as cursor:
            tables = table_manifest(cursor)
    problems = []
    for table, expected in sorted(manifest['tables'].items()):
        if tables.get(table) != expected:
            problems.append('table %s: expected %s, restored %s' % (
                    table, expected, tables.get(table)))
    for table in sorted(set(tables) - set(manifest['tables'])):
        problems.append('table %s: not in the backup' % table)
    for file_id in manifest['files']:
        if not os.path.exists(file_path(root, database, file_id)):
            problems.append('file %s: missing' % file_id)
    for problem in problems:
        print(problem)
    print('verify %s: %d tables, %d rows, %d files, %d problems' % (
            database, len(tables), sum(c for c, _ in tables.values()),
            len(manifest['files']), len(problems)))
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('command', choices=['backup', 'restore', 'verify'])
    parser.add_argument('--config', '-c', nargs='+',
        default=[c for c in [os.environ.get('TRYTOND_CONFIG')] if c])
    parser.add_argument('--database', '-d', required=True)
    parser.add_argument('--dest', default='var/backups')
    parser.add_argument('--backup', help="the backup directory")
    parser.add_argument('--no-create', action='store_true',
        help="restore into an existing empty database")
    args = parser.parse_args(argv)
    if args.command == 'backup':
        backup(args.database, args.dest, args.config)
        return 0
    if not args.backup:
        parser.error('--backup is required')
    if args.command == 'restore':
        problems = restore(args.backup, args.database, args.config,
            create=not args.no_create)
    else:
        problems = verify(args.backup, args.database, args.config)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
