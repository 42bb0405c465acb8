# This file is part of the pharma suite. See README.md for license terms.
"""pharma-report -c trytond.conf [var/local.conf] -d DB [-u LOGIN] [-l LANG]
    --month 2026-10 OUT.xlsx

Writes the management report pack of the month as one .xlsx workbook, one
sheet per report, with Chinese titles (the user's language, zh_CN by
default)."""
import argparse
import datetime
import sys


def parse_month(value):
    try:
        return datetime.datetime.strptime(value, '%Y-%m').date()
    except ValueError:
        raise argparse.ArgumentTypeError(
            'the month %r is not of the form YYYY-MM' % value)


def report_parser():
    from trytond.modules.pharma_hospital.scripts import parser
    parser = parser("Write the monthly management report pack (.xlsx)")
    parser.prog = 'pharma-report'
    parser.add_argument('--month', required=True, type=parse_month,
        help="YYYY-MM")
    parser.add_argument('--company', type=int,
        help="company id (default: the user's company)")
    parser.add_argument('output')
    return parser


def report_main(argv=None):
    """pharma-report once the configuration is read (main): the options
    and the start every script of the suite shares (-c, -d, -u, -l)"""
    from pharma_scripts import _config_args

    from trytond.modules.pharma_hospital.scripts import start
    args = report_parser().parse_args(
        _config_args(sys.argv[1:] if argv is None else argv))
    pool, user_id, context = start(args)
    from trytond.transaction import Transaction
    company = args.company or context.get('company')
    if company is None:
        print("pharma-report: no company", file=sys.stderr)
        return 2
    context = dict(context, company=company, _check_access=True,
        language=args.language or context.get('language') or 'zh_CN')
    with Transaction().start(args.database, user_id, readonly=False,
            context=context) as transaction:
        Pack = pool.get('pharma.report.pack')
        Company = pool.get('company.company')
        sheets = Pack.build(args.month, Company(company))
        data = Pack.to_xlsx(sheets, args.month)
        transaction.commit()
    with open(args.output, 'wb') as f:
        f.write(data)
    for title, headers, rows in sheets:
        print('%-24s %6d rows' % (title, len(rows)))
    print('wrote %s' % args.output)
    return 0


def main(argv=None):
    """Entry point of pharma-report: pharma_hospital's top-level
    pharma_scripts reads the configuration given with -c before trytond's
    backend is imported"""
    from pharma_scripts import run
    return run('trytond.modules.pharma_reporting.scripts:report_main', argv)


if __name__ == '__main__':
    main()
