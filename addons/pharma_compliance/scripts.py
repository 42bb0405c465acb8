# This file is part of the pharma suite. See README.md for license terms.
"""Entry point of pharma-inspection-export: the configuration given with
-c is read (pharma_hospital's top-level pharma_scripts) before the export,
and with it trytond.backend, is imported, so that a configuration naming
PostgreSQL is used; this module imports nothing of trytond at module
level."""


def inspection_export_main(argv=None):
    "Entry point of pharma-inspection-export"
    from pharma_scripts import run
    return run('trytond.modules.pharma_compliance.export:export_main', argv)
