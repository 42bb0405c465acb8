# This file is part of the pharma suite. See README.md for license terms.
"""What every console script of the suite shares once its configuration
is read (pharma_scripts.run): the common options (-c, -d, -u, -l) and the
start (the pool, the user, its context). pharma_import's pharma-import and
pharma-export and pharma_compliance's pharma-inspection-export use them."""
import argparse
import os


def parser(description, epilog=None):
    parser = argparse.ArgumentParser(description=description, epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('-c', '--config', dest='config', action='append',
        metavar='FILE',
        help="a trytond configuration file; several may follow -c, read "
        "in order, e.g. -c trytond.conf var/local.conf as make demo uses "
        "(default: $TRYTOND_CONFIG)")
    parser.add_argument('-d', '--database', dest='database', required=True,
        help="the database name")
    parser.add_argument('-u', '--user', dest='user',
        help="the login to run as (access rules apply); "
        "default: the administrator (the first user of the "
        "Administration group)")
    parser.add_argument('-l', '--language', dest='language',
        metavar='CODE',
        help="the language of the messages, e.g. zh_CN (default: the "
        "user's language, else the configuration's [database] language)")
    return parser


def start(options):
    from trytond import config
    if options.config:
        config.update_etc(options.config)
    elif os.environ.get('TRYTOND_CONFIG'):
        config.update_etc(os.environ['TRYTOND_CONFIG'])
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
        if options.user:
            users = User.search([('login', '=', options.user)], limit=1)
            if not users:
                raise SystemExit("Unknown user: %s" % options.user)
        else:
            # the company's administrator: the first active member of
            # Tryton's Administration group, whatever its login
            ModelData = pool.get('ir.model.data')
            users = User.search([
                    ('groups', '=', ModelData.get_id('res', 'group_admin')),
                    ], order=[('id', 'ASC')], limit=1)
        if not users:
            user_id, context = 0, {}
        else:
            user_id = users[0].id
            with Transaction().set_user(user_id):
                context = User.get_preferences(context_only=True)
    if options.user:
        context['_check_access'] = True
    if getattr(options, 'language', None):
        context['language'] = options.language
    return pool, user_id, context
