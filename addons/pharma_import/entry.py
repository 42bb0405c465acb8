# This file is part of the pharma suite. See README.md for license terms.
"""Entry points of pharma-import and pharma-export: pharma_scripts (the
top-level module of pharma_hospital) reads the configuration given with -c
before scripts.py, and with it trytond.backend, is imported. This module
imports nothing of trytond at module level (the package's __init__ is
empty)."""


def import_main(argv=None):
    "Entry point of pharma-import"
    from pharma_scripts import run
    return run('trytond.modules.pharma_import.scripts:import_main', argv)


def export_main(argv=None):
    "Entry point of pharma-export"
    from pharma_scripts import run
    return run('trytond.modules.pharma_import.scripts:export_main', argv)
