# This file is part of the pharma suite. See README.md for license terms.
"""pharma-report --config trytond.conf --database DB --month 2026-10 OUT.xlsx

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


def report_main(argv=None):
    parser = argparse.ArgumentParser(prog='pharma-report',
        description="Write the monthly management report pack (.xlsx)")
    parser.add_argument('-c', '--config', required=True, nargs='+',
        help="configuration file(s), as trytond's -c")
    parser.add_argument('-d', '--database', required=True)
    parser.add_argument('--month', required=True, type=parse_month,
        help="YYYY-MM")
    parser.add_argument('--user', default='admin',
        help="run as this login (access rules apply)")
    parser.add_argument('--company', type=int,
        help="company id (default: the user's company)")
    parser.add_argument('--lang', default=None,
        help="language of the titles (default: the user's, else zh_CN)")
    parser.add_argument('output')
    args = parser.parse_args(argv)

    from trytond import config
    config.update_etc(args.config)
    import os
    path = config.get('database', 'path')
    if path and not os.path.isabs(path):
        # relative to where the command runs, as the demo does
        config.set('database', 'path', os.path.abspath(path))
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    pool = Pool(args.database)
    pool.init()
    with Transaction().start(args.database, 0, readonly=True) as transaction:
        User = pool.get('res.user')
        users = User.search([('login', '=', args.user)], limit=1)
        if not users:
            print("pharma-report: no user %r" % args.user, file=sys.stderr)
            return 2
        user, = users
        company = args.company or (user.company.id if user.company else None)
        language = args.lang or (user.language.code if user.language
            else 'zh_CN')
        user_id = user.id
    if company is None:
        print("pharma-report: no company", file=sys.stderr)
        return 2
    with Transaction().start(args.database, user_id, readonly=False,
            context={'company': company, 'language': language,
                '_check_access': True}) as transaction:
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


if __name__ == '__main__':
    sys.exit(report_main())
