# This file is part of the pharma suite. See README.md for license terms.
"""The console scripts read the configuration given with -c before
trytond.backend is imported: trytond.backend fixes the backend from the
[database] uri when it is imported, so a configuration naming PostgreSQL
must give a PostgreSQL run, whatever the environment says"""
import os
import subprocess
import sys
import tempfile
import unittest
from importlib.metadata import entry_points

PROBE = """
import sys
from importlib.metadata import entry_points
ep, = entry_points(group='console_scripts', name=sys.argv[1])
main = ep.load()
before = 'trytond.backend' in sys.modules
try:
    main(['-c', sys.argv[2], '-d', 'nowhere', '--help'])
except SystemExit:
    pass
import trytond.backend
print(before, trytond.backend.name)
"""


class ScriptsTestCase(unittest.TestCase):
    "The console scripts and their configuration"

    def test_config_before_backend(self):
        "-c with a postgresql uri gives the postgresql backend"
        scripts = {ep.name for ep in entry_points(group='console_scripts')}
        names = [name for name in ['pharma-import', 'pharma-export',
                'pharma-inspection-export', 'pharma-report']
            if name in scripts]
        self.assertIn('pharma-import', names)
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, 'pg.conf')
            with open(path, 'w') as fp:
                fp.write('[database]\n'
                    'uri = postgresql://postgres@127.0.0.1:5432/\n')
            env = dict(os.environ, TRYTOND_DATABASE__URI='sqlite://')
            env.pop('TRYTOND_CONFIG', None)
            for name in names:
                with self.subTest(script=name):
                    result = subprocess.run(
                        [sys.executable, '-c', PROBE, name, path],
                        env=env, capture_output=True, text=True,
                        timeout=120)
                    self.assertEqual(result.returncode, 0, result.stderr)
                    self.assertEqual(result.stdout.split()[-2:],
                        ['False', 'postgresql'], result.stdout)
