# This file is part of the pharma suite. See README.md for license terms.
"""Existing databases upgrade (issues 22 and 25): the database of the
previous landed version, with its whole demo, is upgraded by this
checkout's `trytond-admin --all` and keeps every record.

tests/upgrade_check.py does the work (see there): the modules and
scripts/demo.py of PREVIOUS (git archive) create a PostgreSQL database
with the demo's data, the rows of every table are counted, this checkout
upgrades it, then every module must be activated, no table may have
fewer rows, every pharma model reads through the ORM and every message of
the current modules exists. PostgreSQL only; skipped on SQLite, and
skipped (said so) in a clone without the commit's history.

PREVIOUS is the last version that landed: move it forward when a version
lands (PHARMA_UPGRADE_FROM overrides it).
"""
import os
import subprocess
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# the version that landed before this one (stop 27, 2026-12-05)
PREVIOUS = 'ec3f74320c7741afce7bb16f78c0bf7ce6d6814c'
POSTGRESQL = os.environ.get('TRYTOND_DATABASE__URI', os.environ.get(
        'TRYTOND_DATABASE_URI', '')).startswith('postgresql')


@unittest.skipUnless(POSTGRESQL, "PostgreSQL only (as production)")
class UpgradeTestCase(unittest.TestCase):
    "The previous version's demo database upgrades and keeps its records"

    def test_upgrade_previous_demo(self):
        ref = os.environ.get('PHARMA_UPGRADE_FROM', PREVIOUS)
        known = subprocess.run(['git', 'cat-file', '-e', ref + '^{commit}'],
            cwd=ROOT, capture_output=True)
        if known.returncode:
            self.skipTest('commit %s is not in this clone' % ref)
        sys.path.insert(0, os.path.join(ROOT, 'tests'))
        import upgrade_check
        uri = os.environ.get('TRYTOND_DATABASE__URI',
            os.environ.get('TRYTOND_DATABASE_URI'))
        os.environ['PHARMA_PG_URI'] = uri
        upgrade_check.URI = uri
        database = 'pharma_upgrade_%s' % os.getpid()
        status = upgrade_check.main(['--from', ref, '--demo',
                '--database', database])
        self.assertEqual(status, 0, "the upgrade check found problems "
            "(PROBLEM lines in this test's output)")


if __name__ == '__main__':
    unittest.main()
