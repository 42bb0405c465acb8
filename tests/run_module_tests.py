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
import time
import unittest


class TimedResult(unittest.TextTestResult):
    "Records each test's duration (PHARMA_TEST_DURATIONS=N prints the N slowest)"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.durations_ = []

    def startTest(self, test):
        self._pharma_start = time.monotonic()
        super().startTest(test)

    def stopTest(self, test):
        super().stopTest(test)
        self.durations_.append(
            (time.monotonic() - self._pharma_start, test.id()))


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
    runner = unittest.TextTestRunner(
        verbosity=1, stream=sys.stderr, resultclass=TimedResult)
    start = time.monotonic()
    result = runner.run(suite)
    slowest = int(os.environ.get('PHARMA_TEST_DURATIONS', 0) or 0)
    if slowest:
        sys.stderr.write('\nSlowest tests (of %.0fs):\n' % (
                time.monotonic() - start))
        for duration, name in sorted(result.durations_, reverse=True)[
                :slowest]:
            sys.stderr.write('%8.1fs  %s\n' % (duration, name))
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
