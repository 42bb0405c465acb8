# This file is part of the pharma suite. See README.md for license terms.
"Helpers for the suite's scenarios"
from trytond.tests import tools


def activate_modules(modules, *setup):
    """Like trytond.tests.tools.activate_modules, but the database of the
    modules alone is the one cached (shared with the unit tests of the same
    modules) and the setup functions (create_company, create_chart) run on
    each restored copy: each set of modules is installed once per run
    instead of once per set of setup functions"""
    config = tools.activate_modules(modules)
    for func in setup:
        func(config=config)
    return config
