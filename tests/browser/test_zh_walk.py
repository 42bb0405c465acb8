# This file is part of the pharma suite. See README.md for license terms.
"""Chinese everywhere: each role's user (zh_CN) walks, in headless Chromium,
every menu entry it can open by clicking through the menu tree, opens the
first record of each list, and fails on any visible label that is still an
English source string of the activated modules.

A label is "English" when it has ASCII letters, no CJK character, and is
(after stripping ':' and '*') one of the source strings of the database:
the msgids of the activated modules' .po files (official and pharma, and
the overrides) plus the source names of the menus, actions, buttons and
groups.  Names such as CNY, KPI, SKU are allowed (ALLOWED).

Run alone (a few minutes):
    PHARMA_BROWSER=1 .venv/bin/python tests/run_module_tests.py \\
        --file tests/browser/test_zh_walk.py
Screenshots: tests/output/browser/zh_walk/<role>_<nn>_<screen>.png
Set PHARMA_ZH_WALK_ROLES=rep1,sales1 to walk a subset of the roles.
"""
import glob
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from helpers import (  # noqa: E402
    BrowserTestCase, OUTPUT, ROOT, current_tab,
    js_errors, login, password, rpc_errors, wait_idle)

ROLES = ['rep1', 'manager1', 'sales1', 'finance1']
SHOT_DIR = os.path.join(OUTPUT, 'zh_walk')
# Latin names a Chinese user reads as such
ALLOWED = {
    'CNY', 'KPI', 'SKU', 'ID', 'OK', 'URL', 'Email', 'E-mail', 'UUID', 'SIP',
    'Skype', 'IRC', 'Jabber', 'XML ID', 'REST API', 'PYSON', 'VIP', 'KOL',
    'GSP', 'GMP', 'DTP', 'CRM', 'ERP', 'API', 'CSV', 'Excel', 'PDF', 'ODT',
    'HTML', 'Web', 'Tryton', 'OTC', 'NMPA', 'DRG', 'DIP', 'A', 'B', 'C',
    'AM', 'PM', 'min', 'kg', 'g', 'mg', 'ml', 'l',
    }
CJK = re.compile('[\u3400-\u9fff\uf900-\ufaff]')
ASCII_LETTER = re.compile('[A-Za-z]')
# the web client's own chrome (its strings come from sao's zh_CN locale)
# actions opened (by an earlier role): with PHARMA_ZH_WALK_FULL=1 every role
# opens every entry of its menu, else a screen is opened by the first role
# that has it (the strings of a screen are the same for every role)
ACTIONS_SEEN = set()
FULL = bool(os.environ.get('PHARMA_ZH_WALK_FULL'))
# actions whose first record's form was checked (by an earlier role)
FORMS_SEEN = set()
DEBUG = os.environ.get('PHARMA_ZH_WALK_DEBUG')
MAX_MENUS = int(os.environ.get('PHARMA_ZH_WALK_MAX', 200))


def is_english(label, sources):
    "label is an English source string left untranslated"
    text = label.strip().rstrip(':：*').strip()
    if not text or CJK.search(text) or not ASCII_LETTER.search(text):
        return False
    if text in ALLOWED:
        return False
    return text in sources


def po_sources(modules):
    "The msgids of the zh_CN.po files of modules (official and pharma)"
    import polib
    import trytond
    base = os.path.dirname(trytond.__file__)
    sources = set()
    for module in modules:
        paths = []
        if module in ('ir', 'res'):
            paths.append(os.path.join(base, module, 'locale', 'zh_CN.po'))
        else:
            for directory in [os.path.join(base, 'modules', module),
                    os.path.join(ROOT, 'addons', module)]:
                paths.append(os.path.join(directory, 'locale', 'zh_CN.po'))
                paths.extend(glob.glob(
                        os.path.join(directory, 'locale', 'override',
                            '*.po')))
        for path in paths:
            if not os.path.exists(path):
                continue
            for entry in polib.pofile(path):
                if not entry.obsolete:
                    sources.add(entry.msgid.strip())
    return sources


def all_pharma_modules():
    return sorted(os.path.basename(p) for p in glob.glob(
            os.path.join(ROOT, 'addons', 'pharma_*'))
        if os.path.exists(os.path.join(p, 'tryton.cfg')))


class ZhWalkTestCase(BrowserTestCase):
    modules = all_pharma_modules()
    database = 'zhwalk'
    demo_data = True

    @classmethod
    def setup_database(cls, server):
        cls.menus = {}
        info = server.run_python('''
            from sql import Table
            cursor = transaction.connection.cursor()
            Module = pool.get('ir.module')
            result['modules'] = [m.name for m in Module.search(
                    [('state', '=', 'activated')])]
            sources = set()
            for table, column in [('ir_ui_menu', 'name'),
                    ('ir_action', 'name'), ('ir_model_button', 'string'),
                    ('ir_action_act_window_domain', 'name'),
                    ('res_group', 'name'), ('ir_model', 'string'),
                    ('ir_model_field', 'string')]:
                t = Table(table)
                cursor.execute(*t.select(getattr(t, column)))
                sources.update(v for v, in cursor if v)
            Translation = pool.get('ir.translation')
            t = Table('ir_translation')
            cursor.execute(*t.select(t.src, where=t.type.in_(
                        ['field', 'model', 'selection', 'view', 'help',
                            'wizard_button', 'report'])))
            sources.update(v for v, in cursor if v)
            result['sources'] = sorted(sources)
            ''')
        cls.sources = set(s.strip() for s in info['sources'])
        cls.sources |= po_sources(info['modules'])
        roles = os.environ.get('PHARMA_ZH_WALK_ROLES')
        cls.roles = roles.split(',') if roles else ROLES
        for login_ in cls.roles:
            cls.menus[login_] = menu_tree(server, login_)

    def test_walk(self):
        "rep1, manager1, sales1, finance1 (zh_CN) see no English label"
        os.makedirs(SHOT_DIR, exist_ok=True)
        for path in glob.glob(os.path.join(SHOT_DIR, '*.png')):
            os.remove(path)
        report = {}
        errors = {}
        for login_ in self.roles:
            with self.subTest(role=login_):
                found, problems = self.walk_role(login_)
                report[login_] = found
                errors[login_] = problems
        lines = []
        for login_ in self.roles:
            for screen, labels in report[login_]:
                lines.append('%s: %s: %s' % (login_, screen,
                        ', '.join(sorted(labels))))
            for problem in errors[login_]:
                lines.append('%s: %s' % (login_, problem))
        with open(os.path.join(SHOT_DIR, 'report.txt'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
        for login_ in self.roles:
            self.assertTrue(self.menus[login_],
                '%s sees no menu entry' % login_)
        self.assertFalse(any(report.values()),
            'English labels left on Chinese screens:\n%s' % '\n'.join(lines))

    def walk_role(self, login_):
        """Open every menu entry of login_ with an action; return the
        screens with English labels and the screens that failed to open"""
        page = self.new_page()
        login(page, self.server.url, login_, password(login_),
            database=self.server.database)
        found, problems = [], []
        counter = [0]

        def check(screen):
            labels = visible_labels_all(page)
            english = [l for l in labels if is_english(l, self.sources)]
            counter[0] += 1
            shot(page, '%s_%02d_%s' % (login_, counter[0], screen))
            if english:
                found.append((screen, english))

        check('home')
        tree = self.menus[login_]
        # every menu entry's name, as the role's menu shows them
        english = [m['name'] for m in tree
            if is_english(m['name'], self.sources)]
        if english:
            found.append(('menu', english))
        expanded = set()
        opened = 0
        for menu in tree:
            if not menu['action'] or opened >= MAX_MENUS:
                continue
            if not FULL and menu['action'] in ACTIONS_SEEN:
                # an earlier role checked this screen (same views and
                # strings); its menu entry's name was checked above
                continue
            ACTIONS_SEEN.add(menu['action'])
            screen = '/'.join(menu['path'])
            start = time.monotonic()
            try:
                if not navigate(page, tree, menu, expanded):
                    problems.append('menu not found: %s' % screen)
                    continue
                opened += 1
                t1 = time.monotonic()
                errors_before = len(rpc_errors(page))
                kind = wait_screen(page)
                if kind is None:
                    problems.append('%s: nothing opened %s' % (screen,
                            rpc_errors(page)[errors_before:][:1]))
                t2 = time.monotonic()
                check(screen)
                t3 = time.monotonic()
                if (kind == 'list' and menu['action'] not in FORMS_SEEN
                        and open_first_record(page)):
                    FORMS_SEEN.add(menu['action'])
                    check(screen + '/form')
                t4 = time.monotonic()
                close_screen(page, kind)
                if DEBUG:
                    print('%s %s %s nav %.1f wait %.1f check %.1f form %.1f '
                        'close %.1f' % (login_, screen, kind, t1 - start,
                            t2 - t1, t3 - t2, t4 - t3, time.monotonic() - t4),
                        file=sys.stderr)
            except Exception as exception:
                problems.append('%s: %s' % (screen,
                        str(exception).splitlines()[0][:200]))
                shot(page, '%s_error_%s' % (login_, screen))
                recover(page)
        if js_errors(page):
            problems.append('JavaScript errors: %s' % js_errors(page)[:5])
        page.context.close()
        return found, problems


def menu_tree(server, login_):
    """The menu entries login_ can see, depth first, with their path of
    names as the user sees them (zh_CN) and whether they open an action"""
    return server.run_python('''
        Menu = pool.get('ir.ui.menu')
        User = pool.get('res.user')
        user = User(transaction.user)
        language = user.language.code if user.language else None
        with transaction.set_context(language=language,
                _check_access=True):
            menus = Menu.search([], order=[('sequence', 'ASC'), ('id', 'ASC')])
            by_parent = {}
            visible = {m.id for m in menus}
            for menu in menus:
                parent = menu.parent.id if menu.parent else None
                by_parent.setdefault(parent, []).append(menu)
            entries = []

            def walk(parent, path, ids):
                for menu in by_parent.get(parent, []):
                    if parent is not None and parent not in visible:
                        continue
                    entries.append({
                            'id': menu.id,
                            'name': menu.name,
                            'path': path + [menu.name],
                            'ids': ids + [menu.id],
                            'action': (str(menu.action) if menu.action
                                else None),
                            'children': bool(by_parent.get(menu.id)),
                            })
                    walk(menu.id, path + [menu.name], ids + [menu.id])
            walk(None, [], [])
        result['menus'] = entries
        ''', user=login_)['menus']


def idle(page):
    "Wait until the web client is idle (a shorter quiet time: the walk is long)"
    wait_idle(page, quiet=150)


def menu_rows(page):
    return page.locator('#menu tbody tr:visible')


def navigate(page, tree, menu, expanded):
    """Click through the menu tree to menu: expand the parents whose
    children are not shown yet (a click on an expanded parent would fold
    it), then click the entry itself"""
    by_id = {m['id']: m for m in tree}
    children = {}
    for entry in tree:
        if len(entry['ids']) > 1:
            children.setdefault(entry['ids'][-2], []).append(entry['name'])
    index = -1
    for depth, menu_id in enumerate(menu['ids']):
        entry = by_id[menu_id]
        rows = menu_rows(page)
        texts = [' '.join(t.split()) for t in rows.all_inner_texts()]
        position = None
        for i in range(index + 1, len(texts)):
            if texts[i] == entry['name']:
                position = i
                break
        if position is None:
            return False
        index = position
        row = rows.nth(position)
        if depth == len(menu['ids']) - 1:
            row.get_by_text(entry['name'], exact=True).first.click()
            idle(page)
            break
        names = children.get(menu_id, [])
        shown = texts[position + 1:position + 1 + len(names)]
        if not names or any(n in shown for n in names):
            continue  # already expanded
        expander = row.locator('.expander:visible')
        if expander.count():
            expander.first.click()
        else:
            row.get_by_text(entry['name'], exact=True).first.click()
        expanded.add(menu_id)
        idle(page)
        # the children come with the next request
        try:
            menu_rows(page).nth(position + 1).wait_for(timeout=3000)
        except Exception:
            pass
        idle(page)
        if entry['action'] and not expander.count():
            # a click on a parent with an action opened it too
            close_screen(page, None)
    return True


def wait_screen(page, timeout=8):
    """Wait for what the menu entry opened: a tab with a list or a form,
    or a wizard dialog; return 'list', 'form', 'dialog' or None"""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.locator('.modal.in:visible').count():
            idle(page)
            return 'dialog'
        if current_tab(page).count():
            idle(page)
            view = page.locator('#tabcontent').get_attribute(
                'data-view-type')
            if view == 'form':
                return 'form'
            if view == 'tree':
                # the rows come with the next request
                try:
                    current_tab(page).locator(
                        'table tbody tr:visible').first.wait_for(
                        state='visible', timeout=800)
                except Exception:
                    pass
                idle(page)
                return 'list'
            if view:
                return view
        page.wait_for_timeout(100)
    return None


def open_first_record(page):
    "Open the first row of the list in the current tab; True if a form shows"
    row = current_tab(page).locator('table tbody tr:visible').first
    if not row.count():
        return False
    # a cell without link (a link opens the linked record instead)
    cells = row.locator('td[data-title]:visible:not(:has(a))')
    if not cells.count():
        return False
    try:
        cells.first.dblclick()
        page.locator('#tabcontent[data-view-type="form"]').wait_for(
            state='attached', timeout=5000)
        idle(page)
    except Exception:
        return False
    return True


def close_screen(page, kind):
    "Close the wizard dialog or the current tab"
    for _ in range(3):
        dialog = page.locator('.modal.in:visible')
        if not dialog.count():
            break
        dialog = dialog.last
        cancel = dialog.locator('.modal-footer button').filter(
            has_text=re.compile('取消|关闭|Cancel|Close'))
        if cancel.count():
            cancel.first.click()
        else:
            close = dialog.locator('button.close')
            if close.count():
                close.first.click()
            else:
                page.keyboard.press('Escape')
        idle(page)
    close = page.locator('#tablist li.active button.close')
    if close.count():
        close.first.click()
        idle(page)
        # a modified record asks before closing: discard
        dialog = page.locator('.modal.in:visible')
        if dialog.count():
            button = dialog.last.locator('.modal-footer button').filter(
                has_text=re.compile('放弃|不保存|Discard|No|否'))
            if button.count():
                button.first.click()
            else:
                page.keyboard.press('Escape')
            idle(page)


def recover(page):
    try:
        close_screen(page, None)
    except Exception:
        pass


def visible_labels_all(page):
    """The visible labels of the screen: those of helpers.visible_labels
    plus the menu, the form's separators and the dialogs' texts"""
    selectors = [
        '#tabcontent .tab-pane.active label:visible',
        '#tabcontent .tab-pane.active th:visible',
        '#tabcontent .tab-pane.active .nav-tabs a:visible',
        '#tabcontent .tab-pane.active button:visible',
        '#tabcontent .tab-pane.active .form-separator:visible',
        '#tabcontent .tab-pane.active option:checked',
        '#tablist li.active a span:visible',
        '#tabcontent .tab-pane.active .column-selection:visible',
        '#tabcontent .tab-pane.active .column-multiselection:visible',
        '#tabcontent .tab-pane.active select:visible option:checked',
        '#tabcontent .tab-pane.active .title:visible',
        '.modal.in label:visible',
        '.modal.in th:visible',
        '.modal.in button:visible',
        '.modal.in .modal-title:visible',
        '.modal.in .modal-body p:visible',
        ]
    labels = []
    for selector in selectors:
        try:
            texts = page.locator(selector).all_inner_texts()
        except Exception:
            continue
        for text in texts:
            text = ' '.join(text.split())
            if text and text not in labels:
                labels.append(text)
    return labels


def shot(page, name):
    path = os.path.join(SHOT_DIR, re.sub(r'[^\w.-]+', '_', name)[:120]
        + '.png')
    try:
        page.screenshot(path=path)
    except Exception:
        pass
    return path
