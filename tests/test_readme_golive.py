# This file is part of the pharma suite. See README.md for license terms.
"""README "上线 / Going live" says what the code does: its pharma-import
command lines parse (the PostgreSQL one included), the message it quotes
for two imports of one month is the real one (pharma_distributor's
zh_CN.po), and only the doctors import suggests aliases"""
import os
import re
import shlex
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def section():
    with open(os.path.join(ROOT, 'README.md'), encoding='utf-8') as fp:
        text = fp.read()
    start = text.index('## 上线 / Going live')
    return text[start:text.index('\n## ', start + 1)]


def po_text(module, message_id):
    path = os.path.join(ROOT, 'addons', module, 'locale', 'zh_CN.po')
    with open(path, encoding='utf-8') as fp:
        text = fp.read()
    entry = text[text.index(
            'msgctxt "model:ir.message,text:%s"' % message_id):]
    return re.search(r'msgstr "(.*)"', entry).group(1)


class ReadmeGoLiveTestCase(unittest.TestCase):
    "The go-live section of the README"

    def test_commands_parse(self):
        "Every pharma-import command of the section parses; one is for PG"
        from pharma_scripts import _config_args, config_files
        from trytond.modules.pharma_import.scripts import import_parser
        lines = section().replace('\\\n', ' ').splitlines()
        commands = [shlex.split(line.strip())[1:] for line in lines
            if line.strip().startswith('.venv/bin/pharma-import ')]
        self.assertGreaterEqual(len(commands), 2)
        for args in commands:
            with self.subTest(args=args):
                options = import_parser().parse_args(_config_args(args))
                self.assertEqual(options.kind, 'flow')
                self.assertEqual(options.config, config_files(args))
        self.assertIn(['trytond.conf', 'pg.conf'],
            [config_files(args) for args in commands])

    def test_month_busy_quoted(self):
        "The refusal of a second import of one month is quoted as it is"
        busy = po_text('pharma_distributor', 'msg_flow_month_busy')
        fixed = busy.split('%(month)s', 1)[1].strip()
        text = re.sub(r'\s+', '', section())
        self.assertIn(re.sub(r'\s+', '', fixed), text)
        self.assertNotIn('正在写入', text)

    def test_aliases_doctors_only(self):
        "The flow import suggests no alias (it queues the names)"
        text = ' '.join(section().split())
        self.assertNotIn('doctors or flow file names a hospital', text)
        self.assertIn('A flow file suggests no alias', text)
