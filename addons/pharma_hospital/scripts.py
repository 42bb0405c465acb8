# This file is part of the pharma suite. See README.md for license terms.
"""Console scripts:
pharma-import --config trytond.conf --database DB [--user LOGIN] KIND FILE
    [--template NAME] [--sheet NAME] [--header-row N] [--option NAME]
    [--dry-run]
pharma-export --config trytond.conf --database DB [--user LOGIN] KIND FILE
"""
import argparse
import os
import sys
import time


def _parser(description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('-c', '--config', dest='config',
        default=os.environ.get('TRYTOND_CONFIG'),
        help="the trytond configuration file")
    parser.add_argument('-d', '--database', dest='database', required=True,
        help="the database name")
    parser.add_argument('-u', '--user', dest='user',
        help="the login to run as (access rules apply); "
        "default: the administrator")
    return parser


def import_parser():
    parser = _parser("Import a spreadsheet into the pharma suite")
    parser.add_argument('kind', metavar='KIND',
        help="hospitals, doctors, or a kind added by another module")
    parser.add_argument('file', metavar='FILE', help=".xlsx, .xls or .csv")
    parser.add_argument('--template', dest='template',
        help="the name of a saved import template")
    parser.add_argument('--sheet', dest='sheets', action='append',
        help="a sheet to read (repeatable)")
    parser.add_argument('--header-row', dest='header_row', type=int)
    parser.add_argument('--option', dest='options', action='append',
        default=[], help="e.g. create_missing_hospitals")
    parser.add_argument('--create-missing-hospitals', dest='options',
        action='append_const', const='create_missing_hospitals')
    parser.add_argument('--dry-run', dest='dry_run', action='store_true',
        help="validate and report, write nothing")
    parser.add_argument('--quiet', dest='quiet', action='store_true')
    return parser


def _start(options):
    from trytond import config
    if options.config:
        config.update_etc(options.config)
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Pool.start()
    # In-process callers (tests) may have loaded the pool already
    loaded = options.database in Pool.database_list()
    pool = Pool(options.database)
    if not loaded:
        with Transaction().start(options.database, 0, readonly=True):
            pool.init()
    with Transaction().start(options.database, 0, readonly=True):
        User = pool.get('res.user')
        login = options.user or 'admin'
        users = User.search([('login', '=', login)], limit=1)
        if not users:
            if options.user:
                raise SystemExit("Unknown user: %s" % login)
            user_id, context = 0, {}
        else:
            user_id = users[0].id
            with Transaction().set_user(user_id):
                context = User.get_preferences(context_only=True)
    if options.user:
        context['_check_access'] = True
    return pool, user_id, context


def import_main(argv=None):
    "Entry point of pharma-import; returns (and exits with) 0 or 1"
    parser = import_parser()
    options = parser.parse_args(argv)
    status = run_import(options)
    if argv is None:
        sys.exit(status)
    return status


def run_import(options, out=None, err=None):
    out = out or sys.stdout
    err = err or sys.stderr
    if not os.path.isfile(options.file):
        print("No such file: %s" % options.file, file=err)
        return 1
    pool, user_id, context = _start(options)
    from trytond.exceptions import UserError
    from trytond.transaction import Transaction
    started = time.monotonic()

    def progress(message):
        if not options.quiet:
            print('[%6.1fs] %s' % (time.monotonic() - started, message),
                file=err, flush=True)

    with Transaction().start(
            options.database, user_id, context=context) as transaction:
        Engine = pool.get('pharma.import.engine')
        Template = pool.get('pharma.import.template')
        template = None
        try:
            if options.template:
                templates = Template.search([
                        ('name', '=', options.template),
                        ('kind', '=', options.kind),
                        ], limit=1)
                if not templates:
                    print("Unknown template: %s" % options.template,
                        file=err)
                    transaction.rollback()
                    return 1
                template, = templates
            job = Engine.run(options.kind, options.file,
                filename=os.path.basename(options.file), template=template,
                dry_run=options.dry_run, options=options.options,
                progress=progress, sheets=options.sheets,
                header_row=options.header_row)
        except UserError as exception:
            transaction.rollback()
            print(str(exception.message), file=err)
            return 1
        for error in job.errors[:100]:
            location = '%s!%s%s' % (error['sheet'], error['column'],
                error['row']) if error['row'] else ''
            print('%s %s %s' % (location, error['value'], error['message']),
                file=out)
        if job.error_count > 100:
            print('… %s more' % (job.error_count - 100), file=out)
        summary = job.summary()
        print('created: %(created)s, updated: %(updated)s, '
            'unchanged: %(unchanged)s, refused: %(refused)s' % summary,
            file=out)
        if job.error_count or options.dry_run:
            transaction.rollback()
            if job.error_count:
                print('nothing was written', file=out)
            return 1 if job.error_count else 0
        transaction.commit()
    return 0


def export_parser():
    parser = _parser("Export hospitals or doctors to .xlsx")
    parser.add_argument('kind', metavar='KIND', help="hospitals or doctors")
    parser.add_argument('file', metavar='FILE', help="the .xlsx to write")
    return parser


def export_main(argv=None):
    "Entry point of pharma-export"
    options = export_parser().parse_args(argv)
    pool, user_id, context = _start(options)
    from trytond.transaction import Transaction
    types = {'hospitals': 'hospital', 'doctors': 'doctor'}
    if options.kind not in types:
        print("Unknown kind: %s" % options.kind, file=sys.stderr)
        status = 1
    else:
        with Transaction().start(
                options.database, user_id, context=context):
            Party = pool.get('party.party')
            Engine = pool.get('pharma.import.engine')
            ExportLog = pool.get('pharma.export.log')
            Kind = Engine.get_kind(options.kind)
            parties = Party.search(
                [('pharma_type', '=', types[options.kind])],
                order=[('id', 'ASC')])
            with open(options.file, 'wb') as fp:
                fp.write(Engine.export_xlsx(options.kind, parties))
            ExportLog.log('party.party', len(parties),
                len(parties) if options.kind == 'doctors' else 0,
                Kind.export_headers())
            print('exported: %s' % len(parties))
        status = 0
    if argv is None:
        sys.exit(status)
    return status
