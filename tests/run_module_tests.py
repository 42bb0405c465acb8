#!/usr/bin/env python3
# This file is part of the pharma suite. See README.md for license terms.
"""Run the unit tests and scenarios of the given modules in this process
and print one JSON line of counts (read by tests/runtests.py).

Usage: run_module_tests.py MODULE [MODULE ...]
The database comes from the environment (TRYTOND_DATABASE__URI, DB_CACHE).
"""
import importlib
import importlib.util
import json
import os
import sys
import unittest


def main(modules):
    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    if modules and modules[0] == '--file':
        # a cross-module or browser test file
        path = modules[1]
        spec = importlib.util.spec_from_file_location(
            'pharma_suite_' + os.path.basename(path)[:-3], path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        suite.addTests(loader.loadTestsFromModule(module))
        modules = []
    for module in modules:
        package = importlib.import_module('trytond.modules.%s.tests' % module)
        directory = os.path.dirname(package.__file__)
        for filename in sorted(os.listdir(directory)):
            if filename.startswith('test_') and filename.endswith('.py'):
                suite.addTests(loader.loadTestsFromName(
                        'trytond.modules.%s.tests.%s' % (
                            module, filename[:-3])))
    runner = unittest.TextTestRunner(verbosity=1, stream=sys.stderr)
    result = runner.run(suite)
    counts = {
        'run': result.testsRun,
        'failed': len(result.failures) + len(result.errors)
        + len(getattr(result, 'unexpectedSuccesses', [])),
        'skipped': len(result.skipped),
        }
    counts['passed'] = counts['run'] - counts['failed'] - counts['skipped']
    print('PHARMA-COUNTS ' + json.dumps(counts))
    return 0 if result.wasSuccessful() else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
