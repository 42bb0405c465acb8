# This file is part of the pharma suite. See README.md for license terms.
"""Every access bypass of the suite's code says why.

`_check_access=False` and `without_check_access()` let the code read or
write what the user may not: they are used only where the code itself, not
the user, needs the data, each with a `# bypass: <reason>` comment on the
lines just above (or on the same line). This test lists them from the
sources and fails on one without a reason."""
import os
import re
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDONS = os.path.join(ROOT, 'addons')
BYPASS = re.compile(
    r"_check_access\s*=\s*False|without_check_access\(\)"
    r"|['\"]_check_access['\"]\s*:\s*False")
REASON = re.compile(r"#\s*bypass:\s*\S.{8,}")
# the comment may be above a multi-line `with` statement
WINDOW = 6


def bypasses():
    "Yield (path, line number, reason or None) of the suite's bypasses"
    for root, dirs, files in os.walk(ADDONS):
        dirs[:] = [d for d in dirs
            if d != 'tests' and not d.endswith('.egg-info')]
        for name in sorted(files):
            if not name.endswith('.py'):
                continue
            path = os.path.join(root, name)
            with open(path, encoding='utf-8') as f:
                lines = f.read().split('\n')
            in_docstring = False
            for i, line in enumerate(lines):
                if line.count('"""') % 2:
                    in_docstring = not in_docstring
                    continue
                code = line.split('#', 1)[0]
                if (in_docstring or not BYPASS.search(code)
                        or code.lstrip().startswith(('from ', 'import '))):
                    continue
                reason = None
                for candidate in lines[max(0, i - WINDOW):i + 1]:
                    match = REASON.search(candidate)
                    if match:
                        reason = match.group(0)
                yield os.path.relpath(path, ROOT), i + 1, reason


class BypassTestCase(unittest.TestCase):

    def test_reasons(self):
        "Each access bypass has a one-line reason"
        found = list(bypasses())
        self.assertGreater(len(found), 10)
        missing = ['%s:%s' % (p, n) for p, n, r in found if not r]
        self.assertEqual(missing, [],
            "access bypasses without a '# bypass: <reason>' comment")

    def test_detects(self):
        "The scan finds a bypass without reason"
        self.assertTrue(BYPASS.search(
                "with Transaction().set_context(_check_access=False):"))
        self.assertTrue(BYPASS.search("with without_check_access():"))
        self.assertFalse(REASON.search("# bypass:"))


if __name__ == '__main__':
    unittest.main()
