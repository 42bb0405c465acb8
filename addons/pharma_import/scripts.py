# This file is part of the pharma suite. See README.md for license terms.
"""Console scripts:
pharma-import -c trytond.conf [var/local.conf] -d DB [--user LOGIN] KIND FILE
    [--template NAME] [--distributor NAME] [--sheet NAME] [--header-row N]
    [--option NAME] [--create-missing-hospitals] [--create-territories]
    [--dry-run] [--quiet]
pharma-export -c trytond.conf [var/local.conf] -d DB [--user LOGIN] KIND FILE

Their entry points (entry.py) read the configuration with pharma_hospital's
top-level pharma_scripts before this module (and trytond.backend) is
imported; the options and the start every script of the suite shares are
in pharma_hospital's scripts.py.
"""
import os
import sys
import time

from pharma_scripts import _config_args

from trytond.modules.pharma_hospital.scripts import (
    parser as _parser, start as _start)


IMPORT_EPILOG = """\
kinds (KIND):
  hospitals         hospital list (province/city/district, grade, codes…)
  hospital-aliases  short or old names of hospitals (别名, 医院全称)
  doctors           doctor list (hospital, department, title, tier,
                    mobile/office phone, first visit date…)
  flow              a distributor's sales flow (流向), with --distributor
  inventory         a distributor's channel inventory, with --distributor
  tender-results, market-data: with their modules

The layout is detected: the header row is found among the first 30 rows
(titles and notes above it are skipped), merged headers are read, totals
(合计/小计/总计), notes and blank rows are skipped and reported, and every
column is either read or listed as ignored. A row that cannot be read is
refused with its sheet, row, column and value; then nothing is written.

examples (from the repository, with make demo's configuration):
  .venv/bin/pharma-import -c trytond.conf var/local.conf -d demo \\
      hospitals 医院.xlsx --create-territories --dry-run
  .venv/bin/pharma-import -c trytond.conf var/local.conf -d demo \\
      doctors 医生.xlsx
  .venv/bin/pharma-import -c trytond.conf var/local.conf -d demo \\
      flow 国药流向2024-01.xlsx --distributor 国药控股

exit status: 0 written (or a clean --dry-run), 1 refused (nothing
written), 2 usage error.

The command line imports in its own process, in-process (no background
job, no trytond-worker needed), where the web wizard queues the import as
a background job (pharma.job).
"""


def import_parser():
    parser = _parser("Import a spreadsheet into the pharma suite "
        "(the same engine as the import wizard of the web client)",
        epilog=IMPORT_EPILOG)
    parser.add_argument('kind', metavar='KIND',
        help="what the file holds: hospitals, hospital-aliases, doctors, "
        "flow, inventory, or a kind added by another module (see below)")
    parser.add_argument('file', metavar='FILE',
        help="the .xlsx, .xls or .csv (UTF-8 or GB18030) file")
    parser.add_argument('--template', dest='template', metavar='NAME',
        help="a saved import template (column mapping, sheet, header row); "
        "optional: without it the layout is detected")
    parser.add_argument('--distributor', dest='distributor', metavar='NAME',
        help="flow and inventory: the distributor (name or code) the file "
        "comes from, so that it needs no distributor column; its saved "
        "template is used when there is one")
    parser.add_argument('--sheet', dest='sheets', action='append',
        metavar='NAME', help="a sheet to read (repeatable; default: the "
        "first sheet with a header)")
    parser.add_argument('--header-row', dest='header_row', type=int,
        metavar='N', help="the row number of the header (default: found "
        "automatically)")
    parser.add_argument('--option', dest='options', action='append',
        default=[], metavar='NAME',
        help="an option of the kind (repeatable), e.g. "
        "create_missing_hospitals, create_departments, create_territories")
    parser.add_argument('--create-missing-hospitals', dest='options',
        action='append_const', const='create_missing_hospitals',
        help="doctors: create the hospitals that exist nowhere (a name "
        "that looks like an existing hospital is still refused unless "
        "its row says 是 in 强制新建医院)")
    parser.add_argument('--create-departments', dest='options',
        action='append_const', const='create_departments',
        help="doctors: create the departments the hospitals do not have "
        "yet (without it, such rows are refused and the known departments "
        "named)")
    parser.add_argument('--create-territories', dest='options',
        action='append_const', const='create_territories',
        help="hospitals: create the provinces, cities and districts the "
        "file names that do not exist yet")
    parser.add_argument('--dry-run', dest='dry_run', action='store_true',
        help="validate and report (columns, counts, what would be "
        "created, refused rows), write nothing")
    parser.add_argument('--quiet', dest='quiet', action='store_true',
        help="no progress lines on stderr")
    return parser


def import_main(argv=None):
    "Entry point of pharma-import; returns (and exits with) 0 or 1"
    parser = import_parser()
    options = parser.parse_args(
        _config_args(sys.argv[1:] if argv is None else argv))
    status = run_import(options)
    if argv is None:
        sys.exit(status)
    return status


def run_import(options, out=None, err=None):
    """Run the import options describe; every text printed is a message
    (message.xml) in the language of the run: --language, else the user's,
    else the configuration's [database] language"""
    out = out or sys.stdout
    err = err or sys.stderr
    pool, user_id, context = _start(options)
    from trytond.exceptions import UserError
    from trytond.i18n import gettext
    from trytond.transaction import Transaction
    started = time.monotonic()

    def progress(message):
        if not options.quiet:
            print('[%6.1fs] %s' % (time.monotonic() - started, message),
                file=err, flush=True)

    def message(name, **variables):
        return gettext('pharma_import.msg_import_%s' % name, **variables)

    with Transaction().start(
            options.database, user_id, context=context) as transaction:
        if not os.path.isfile(options.file):
            print(message('cli_no_file', file=options.file), file=err)
            return 1
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
                    print(message('cli_unknown_template',
                            template=options.template, kind=options.kind),
                        file=err)
                    transaction.rollback()
                    return 1
                template, = templates
            context = {}
            if getattr(options, 'distributor', None):
                distributor = _find_distributor(pool, options.distributor)
                if distributor is None:
                    print(message('cli_unknown_distributor',
                            distributor=options.distributor), file=err)
                    transaction.rollback()
                    return 1
                context['pharma_import_distributor'] = distributor.id
                if template is None:
                    template = Template.get_for_source(
                        options.kind, distributor) if hasattr(
                        Template, 'get_for_source') else None
            with transaction.set_context(context):
                job = Engine.run(options.kind, options.file,
                    filename=os.path.basename(options.file),
                    template=template, dry_run=options.dry_run,
                    options=options.options, progress=progress,
                    sheets=options.sheets, header_row=options.header_row)
        except UserError as exception:
            transaction.rollback()
            print(str(exception.message), file=err)
            return 1
        for error in job.errors[:100]:
            if error['row']:
                print(message('cli_refused', location=message(
                            'cli_location', sheet=error['sheet'],
                            column=error['column'], row=error['row']),
                        value=error['value'], message=error['message']),
                    file=out)
            else:
                # the whole file (damaged, no header…)
                print(error['message'], file=out)
        if job.error_count > 100:
            print(message('cli_more_refused', count=job.error_count - 100),
                file=out)
        for sheet, column, header, field in job.mapping():
            print(message('cli_column', sheet=sheet, column=column,
                    header=header, field=field), file=out)
        ignored = job.ignored()
        if ignored:
            print(message('result_ignored', columns='、'.join(
                        message('cli_ignored_column', sheet=sheet,
                            column=column, header=header)
                        for sheet, column, header in ignored)), file=out)
        for key in job.plans:
            labels = job.planned(key)
            print(message('preview_plan_%s' % key, count=len(labels))
                + '、'.join(labels[:50]) + ('……' if len(labels) > 50 else ''),
                file=out)
        for name, (_, hospital) in job.suggested_aliases.items():
            print(message('cli_suggested_alias', name=name,
                    hospital=hospital), file=out)
        reasons = {r: message('skipped_%s' % r)
            for r in ['blank', 'summary', 'note']}
        for skipped in job.skipped_rows[:100]:
            print(message('cli_skipped_row', sheet=skipped['sheet'],
                    row=skipped['row'],
                    reason=reasons.get(skipped['reason'], skipped['reason']),
                    value=skipped['value']), file=out)
        if job.skipped:
            print(message('result_skipped', count=job.skipped), file=out)
        print(message('cli_summary', skipped=job.skipped, **job.summary()),
            file=out)
        if job.error_count or options.dry_run:
            transaction.rollback()
            if job.error_count:
                print(message('cli_nothing_written'), file=out)
            else:
                print(message('cli_dry_run'), file=out)
            return 1 if job.error_count else 0
        transaction.commit()
    return 0


def _find_distributor(pool, name):
    "The distributor or agent named (or coded) name"
    from trytond.modules.pharma_hospital.tools import normalize_name
    Party = pool.get('party.party')
    if 'pharma_type' not in Party._fields:
        return None
    for domain in [[('code', '=', name)], [('name', '=', name)],
            [('name_key', '=', normalize_name(name))],
            [('name', 'ilike', '%' + name + '%')]]:
        parties = Party.search(domain + [
                ('pharma_type', 'in', ['distributor', 'agent'])], limit=2)
        if len(parties) == 1:
            return parties[0]
    return None


def export_parser():
    parser = _parser("Export hospitals or doctors to .xlsx")
    parser.add_argument('kind', metavar='KIND', help="hospitals or doctors")
    parser.add_argument('file', metavar='FILE', help="the .xlsx to write")
    return parser


def export_main(argv=None):
    "Entry point of pharma-export"
    options = export_parser().parse_args(
        _config_args(sys.argv[1:] if argv is None else argv))
    pool, user_id, context = _start(options)
    from trytond.i18n import gettext
    from trytond.transaction import Transaction
    types = {'hospitals': 'hospital', 'doctors': 'doctor'}
    status = 0
    with Transaction().start(
            options.database, user_id, context=context):
        if options.kind not in types:
            print(gettext('pharma_import.msg_import_unknown_kind',
                    kind=options.kind), file=sys.stderr)
            status = 1
        else:
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
            print(gettext('pharma_import.msg_import_cli_exported',
                    count=len(parties)))
    if argv is None:
        sys.exit(status)
    return status
