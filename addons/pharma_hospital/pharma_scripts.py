# This file is part of the pharma suite. See README.md for license terms.
"""The configuration step every console script of the suite starts with
(pharma_import's pharma-import and pharma-export, pharma_compliance's
pharma-inspection-export): ``run('trytond.modules.X.scripts:name', argv)``.

trytond.backend chooses the database backend from the configuration's
[database] uri when it is first imported, and importing a pharma module
package imports it (its __init__ registers the module's routes, which
import trytond.wsgi). So, as trytond-admin does (trytond/cli/admin.py),
the configuration files given with -c are read here, before anything
imports trytond.backend, and only then the command itself is imported.
This module is top-level (not inside trytond.modules.pharma_import) and
imports nothing of trytond at module level."""
import os
import sys

CONFIG_SUFFIXES = ('.conf', '.cfg', '.ini')


def _config_args(argv):
    """-c trytond.conf var/local.conf (as trytond-admin takes them): the
    files after -c up to the next option or the first that is not a
    configuration file become repeated --config options"""
    result, argv = [], list(argv)
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in ('-c', '--config'):
            i += 1
            taken = 0
            while i < len(argv) and not argv[i].startswith('-') and (
                    not taken or argv[i].endswith(CONFIG_SUFFIXES)):
                result += ['--config', argv[i]]
                taken += 1
                i += 1
            if not taken:
                result.append(arg)
            continue
        result.append(arg)
        i += 1
    return result


def config_files(argv):
    "The configuration files that argv names with -c/--config"
    files, argv = [], _config_args(argv)
    for i, arg in enumerate(argv):
        if arg == '--config' and i + 1 < len(argv):
            files.append(argv[i + 1])
        elif arg.startswith('--config='):
            files.append(arg[len('--config='):])
    return files


def configure(argv):
    """Read the configuration files of argv (else $TRYTOND_CONFIG) into
    trytond's configuration; refused once trytond.backend is imported,
    as its backend would stay the one of the configuration read before"""
    if 'trytond.backend' in sys.modules:
        raise RuntimeError(
            "trytond.backend is imported before the configuration is read")
    from trytond import config
    files = config_files(argv)
    if files:
        config.update_etc(files)
    elif os.environ.get('TRYTOND_CONFIG'):
        config.update_etc(os.environ['TRYTOND_CONFIG'])
    return files


def run(target, argv):
    """Read the configuration of argv, then import target
    ('trytond.modules.X.scripts:name') and call it with argv; exit with
    its status when run as a console script (argv None)"""
    import importlib
    args = sys.argv[1:] if argv is None else list(argv)
    configure(args)
    module, name = target.split(':')
    status = getattr(importlib.import_module(module), name)(args)
    if argv is None:
        sys.exit(status)
    return status
