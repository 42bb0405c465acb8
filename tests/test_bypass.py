# This file is part of the pharma suite. See README.md for license terms.
"""Every access bypass of the suite's code is listed and says why.

`_check_access=False`, `without_check_access` (the context manager and the
decorator) and `set_user(0)` let the code read or write what the user may
not: they are used only where the code itself, not the user, needs the data,
each with a `# bypass: <reason>` comment on the lines just above (or on the
same line).

Tryton 8.0 already runs without access checks: validation (`validate`,
`validate_fields`), `check_modification`, `preprocess_values`,
`on_modification`, Function field getters, setters and searchers, and the
reading of an instance's attributes (`record.field`); a bypass there does
nothing and is not written.

tests/bypasses.txt lists the functions that hold one, with how many: a new
bypass fails test_listed until it is added to that list on purpose, and a
removed one until it is taken out of it."""
import ast
import collections
import functools
import io
import os
import re
import tokenize
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDONS = os.path.join(ROOT, 'addons')
LIST = os.path.join(ROOT, 'tests', 'bypasses.txt')
BYPASS = re.compile(
    r"_check_access\s*=\s*False"
    r"|['\"]_check_access['\"]\s*:\s*False"
    r"|\bcheck_access\s*\(\s*_access\s*=\s*False"
    r"|\bwithout_check_access\b"
    r"|\bset_user\s*\(\s*0\s*\)")
REASON = re.compile(r"#\s*bypass:\s*\S.{8,}")
# the comment may be above a multi-line `with` statement or a decorator
WINDOW = 6


def _code_lines(source):
    """{line number: code}: the source without comments, docstrings and
    other triple-quoted texts, nor import statements"""
    code = collections.defaultdict(str)
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    for token in tokens:
        if token.type in {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE}:
            continue
        if token.type == tokenize.STRING and (
                token.string.lstrip('rbuRBUfF').startswith(('"""', "'''"))):
            continue
        code[token.start[0]] += ' ' + token.string
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for line in range(node.lineno, node.end_lineno + 1):
                code.pop(line, None)
    return code


def _functions(source):
    "[(first line, last line, qualified name)] of the functions of source"
    result = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                        ast.ClassDef)):
                name = prefix + child.name
                first = min([child.lineno]
                    + [d.lineno for d in child.decorator_list])
                if not isinstance(child, ast.ClassDef):
                    result.append((first, child.end_lineno, name))
                visit(child, name + '.')
            else:
                visit(child, prefix)
    visit(ast.parse(source), '')
    return result


def scan(source):
    """Yield (function, line number, reason or None) of the bypasses of
    source; function is the qualified name of the innermost function (a
    decorator belongs to the function it decorates), '<module>' outside"""
    lines = source.split('\n')
    functions = _functions(source)
    for number, code in sorted(_code_lines(source).items()):
        if not BYPASS.search(code):
            continue
        inner = [(last - first, name) for first, last, name in functions
            if first <= number <= last]
        function = min(inner)[1] if inner else '<module>'
        reason = None
        for candidate in lines[max(0, number - 1 - WINDOW):number]:
            match = REASON.search(candidate)
            if match:
                reason = match.group(0)
        yield function, number, reason


@functools.lru_cache(maxsize=None)
def _bypasses():
    return tuple(_scan_addons())


def bypasses():
    """(path relative to addons, function, line number, reason or None)
    of the suite's bypasses (tests excluded)"""
    return list(_bypasses())


def _scan_addons():
    """Yield (path relative to addons, function, line number, reason or None)
    of the suite's bypasses (tests excluded)"""
    for root, dirs, files in os.walk(ADDONS):
        dirs[:] = sorted(d for d in dirs
            if d != 'tests' and not d.endswith('.egg-info'))
        for name in sorted(files):
            if not name.endswith('.py'):
                continue
            path = os.path.join(root, name)
            with open(path, encoding='utf-8') as f:
                source = f.read()
            for function, number, reason in scan(source):
                yield os.path.relpath(path, ADDONS), function, number, reason


def read_list(text):
    "Counter of 'path:function' from the lines 'path:function count'"
    listed = collections.Counter()
    for line in text.split('\n'):
        line = line.split('#', 1)[0].strip()
        if line:
            key, count = line.rsplit(None, 1)
            listed[key] += int(count)
    return listed


def differences(found, listed):
    """(unlisted, stale): the bypasses found beyond the list and the listed
    ones not found, as 'path:function count' lines"""
    unlisted = ['%s %s' % (k, n) for k, n in sorted((found - listed).items())]
    stale = ['%s %s' % (k, n) for k, n in sorted((listed - found).items())]
    return unlisted, stale


def found_counter(found):
    return collections.Counter(
        '%s:%s' % (path, function) for path, function, _, _ in found)


SAMPLE = '''\
"""A module whose docstring names without_check_access() and
Transaction().set_context(_check_access=False)"""
from trytond.transaction import Transaction, without_check_access


class Model:

    @classmethod
    def unexplained(cls):
        # without_check_access() in a comment is no bypass
        with Transaction().set_context(_check_access=False):
            pass

    @classmethod
    def explained(cls):
        # bypass: the code, not the user, needs every record here
        with without_check_access():
            def inner():
                return Transaction().set_user(0)
            return inner()

    @classmethod
    # bypass: a decorator has its reason above it, as a with statement
    @without_check_access
    def decorated(cls):
        text = """with without_check_access():"""
        return text, {'_check_access': False}


with Transaction().set_user(0):  # bypass: at import, for every user alike
    pass
'''


class BypassTestCase(unittest.TestCase):

    def test_reasons(self):
        "Each access bypass has a one-line reason"
        found = list(bypasses())
        self.assertGreater(len(found), 10)
        missing = ['%s:%s (line %s)' % (p, f, n)
            for p, f, n, r in found if not r]
        self.assertEqual(missing, [],
            "access bypasses without a '# bypass: <reason>' comment")

    def test_listed(self):
        "The access bypasses are those of tests/bypasses.txt"
        with open(LIST, encoding='utf-8') as f:
            listed = read_list(f.read())
        self.assertGreater(sum(listed.values()), 10)
        unlisted, stale = differences(found_counter(bypasses()), listed)
        self.assertEqual(unlisted, [],
            "new access bypasses: remove them if Tryton already runs the "
            "code without access checks, else add them to tests/bypasses.txt")
        self.assertEqual(stale, [],
            "access bypasses of tests/bypasses.txt no longer in the code: "
            "take them out of the list")

    def test_detects(self):
        "The scan finds each form of bypass, its function and its reason"
        self.assertEqual(list(scan(SAMPLE)), [
                ('Model.unexplained', 11, None),
                ('Model.explained', 17, '# bypass: the code, not the user, '
                    'needs every record here'),
                ('Model.explained.inner', 19, '# bypass: the code, not the '
                    'user, needs every record here'),
                ('Model.decorated', 24, '# bypass: a decorator has its '
                    'reason above it, as a with statement'),
                ('Model.decorated', 27, '# bypass: a decorator has its '
                    'reason above it, as a with statement'),
                ('<module>', 30, '# bypass: at import, for every user alike'),
                ])
        self.assertFalse(REASON.search("# bypass:"))

    def test_detects_unlisted(self):
        "A bypass beyond the list fails, even with a reason"
        found = found_counter(
            ('pharma_x/x.py', f, n, r) for f, n, r in scan(SAMPLE))
        listed = read_list(
            "# a comment\n"
            "pharma_x/x.py:Model.unexplained 1\n"
            "pharma_x/x.py:Model.explained 1\n"
            "pharma_x/x.py:Model.explained.inner 1\n"
            "pharma_x/x.py:Model.decorated 1\n"
            "pharma_x/x.py:Model.gone 1\n")
        self.assertEqual(differences(found, listed), ([
                    'pharma_x/x.py:<module> 1',
                    'pharma_x/x.py:Model.decorated 1',
                    ], [
                    'pharma_x/x.py:Model.gone 1',
                    ]))
        self.assertEqual(differences(found, found), ([], []))


if __name__ == '__main__':
    unittest.main()
