# This file is part of the pharma suite. See README.md for license terms.
"""Entry point of pharma-inspection-export: the configuration given with
-c is read (pharma_scripts.configure) before the export, and with it
trytond.backend, is imported, so that a configuration naming PostgreSQL
is used; this module imports nothing of trytond at module level."""
import sys


def inspection_export_main(argv=None):
    "Entry point of pharma-inspection-export"
    from pharma_scripts import configure
    configure(sys.argv[1:] if argv is None else argv)
    from .export import export_main
    status = export_main(argv)
    if argv is None:
        sys.exit(status)
    return status
