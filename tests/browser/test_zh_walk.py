# This file is part of the pharma suite. See README.md for license terms.
"""Every role's screens, end to end: each demo user (zh_CN) logs in in
headless Chromium and opens, by clicking through the menu tree, every menu
entry it is offered (lists, forms, wizards), the first record's form of
each list (see below), and its user menu (notifications, preferences).
The rows of the menu tree are found by the ids of the entry and its
parents in the web client's tree, not by their names (folders hold
entries named as the entries of other folders).  It fails on:

- a 「#错误」 cell (a row the server refused to read),
- a JavaScript exception or console error (ALLOWED_CONSOLE lists the
  tolerated ones, each with its reason),
- an error or warning dialog, or an error returned by the server,
- a visible English label: after stripping ':' and '*', a label with ASCII
  letters, no CJK character, that is one of the source strings of the
  database (the msgids of the activated modules' .po files, official and
  pharma, and the overrides, plus the source names of the menus, actions,
  buttons and groups); names such as CNY, KPI, SKU are allowed (ALLOWED),
- an English notification or user menu entry (no CJK character),
- a menu entry offered that opens nothing, or a folder without entries.

Each role opens the first record's form of each model it lists under the
suite's menu (医药) once; the official modules' screens (admin's 财务,
库存, 管理...) are opened as lists and wizards.  A screenshot is taken of
each view the first time it shows and of every screen with a problem.

Each screen is timed; the screens slower than SLOW seconds are printed
and written to tests/output/browser/zh_walk/timings.txt.  They are
reported, not asserted: the project forbids timed assertions.

The roles are walked in PHARMA_WALK_JOBS (default 3) parallel browsers
against one server.  Run alone (several minutes):
    PHARMA_BROWSER=1 .venv/bin/python tests/run_module_tests.py \\
        --file tests/browser/test_zh_walk.py
Screenshots: tests/output/browser/zh_walk/<role>_<nn>_<screen>.png (each
view once, by the first role that opens it, and every screen with a
problem); and per role, with the test logs, its home page, its user menu
and its main screens (the entries of the suite's menu it opens, in menu
order, at most PHARMA_WALK_ROLE_SHOTS, default 40):
var/test-logs/screens/<role>/<nn>_<screen>.png
Set PHARMA_ZH_WALK_ROLES=rep1,sales1 to walk a subset of the roles.
"""
import glob
import os
import re
import shutil
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from helpers import (  # noqa: E402
    BrowserTestCase, OUTPUT, ROOT, TIMEOUT, current_tab, js_errors,
    launch_browser, login, new_page, password, rpc_errors)

ROLES = ['rep1', 'manager1', 'admin', 'marketing1', 'sales1', 'clerk1',
    'finance1', 'rep2', 'logistics1', 'medical1', 'quality1', 'compliance1']
SHOT_DIR = os.path.join(OUTPUT, 'zh_walk')
# each role's home and main screens, kept with the test logs
ROLE_SHOT_DIR = os.path.join(ROOT, 'var', 'test-logs', 'screens')
ROLE_SHOTS = int(os.environ.get('PHARMA_WALK_ROLE_SHOTS', 40))
# Latin names a Chinese user reads as such
ALLOWED = {
    'CNY', 'KPI', 'SKU', 'ID', 'OK', 'URL', 'Email', 'E-mail', 'UUID', 'SIP',
    'Skype', 'IRC', 'Jabber', 'XML ID', 'REST API', 'PYSON', 'VIP', 'KOL',
    'GSP', 'GMP', 'DTP', 'CRM', 'ERP', 'API', 'CSV', 'Excel', 'PDF', 'ODT',
    'HTML', 'Web', 'Tryton', 'OTC', 'NMPA', 'DRG', 'DIP', 'A', 'B', 'C',
    'AM', 'PM', 'min', 'kg', 'g', 'mg', 'ml', 'l',
    }
# Console messages tolerated, with the reason for each
ALLOWED_CONSOLE = [
    # the web client asks for the avatar/logo of a user or company that has
    # none; the server answers 404 and the client shows its default
    (re.compile(r'Failed to load resource: .* 404'), 'missing avatar'),
    # jQuery's deprecation notices (sao 8.0's bundled plugins)
    (re.compile(r'Deprecation|deprecated', re.I), 'jQuery deprecation'),
    ]
# the text of the current tab and of the first visible error and warning
# dialogs (null if none), in one call
SCREEN_STATE = """() => {
    const visible = el => !!(el.offsetWidth || el.offsetHeight
        || el.getClientRects().length)
        && getComputedStyle(el).visibility !== 'hidden';
    const first = selector => {
        const el = [...document.querySelectorAll(selector)].find(visible);
        return el ? el.innerText : null;
    };
    const tab = document.querySelector('#tabcontent .tab-pane.active');
    return {
        tab: tab ? tab.innerText : '',
        error: first('.modal.error-dialog'),
        warning: first('.modal.warning-dialog'),
        };
}"""
CJK = re.compile('[\u3400-\u9fff\uf900-\ufaff]')
ASCII_LETTER = re.compile('[A-Za-z]')
ENGLISH_WORDS = re.compile(r'\b[A-Za-z]{2,}\s+[A-Za-z]{2,}\b')
# a date as 12/04/2026 (en_US) where zh_CN writes 2026-12-04
US_DATE = re.compile(r'\b\d{2}/\d{2}/\d{4}\b')
JOBS = int(os.environ.get('PHARMA_WALK_JOBS', 3))
SLOW = 2.0  # seconds: reported, not asserted
DEBUG = os.environ.get('PHARMA_ZH_WALK_DEBUG')
MAX_MENUS = int(os.environ.get('PHARMA_ZH_WALK_MAX', 500))
ERROR_CELL = re.compile('#错误|#ERROR')
# playwright's time-outs of an action (a click, a wait), retried once
TIMED_OUT = re.compile(r'Timeout \d+ms exceeded')
# the views whose labels were checked (by any role), see walk_role.check
LABELS_SEEN = set()
LOCK = threading.Lock()


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
            t = Table('ir_translation')
            cursor.execute(*t.select(t.src, where=t.type.in_(
                        ['field', 'model', 'selection', 'view', 'help',
                            'wizard_button', 'report'])))
            sources.update(v for v, in cursor if v)
            # the strings written in the views (string and sum attributes
            # of fields, labels, pages, separators, buttons) and the
            # messages, also when no .po names them yet
            import re as re_
            for view in pool.get('ir.ui.view').search([]):
                sources.update(re_.findall(
                        r'(?:string|sum|confirm)="([^"]+)"', view.arch or ''))
            t = Table('ir_message')
            cursor.execute(*t.select(t.text))
            sources.update(v for v, in cursor if v)
            result['sources'] = sorted(sources)
            ''')
        cls.sources = set(s.strip() for s in info['sources'])
        cls.sources |= po_sources(info['modules'])
        roles = os.environ.get('PHARMA_ZH_WALK_ROLES')
        cls.roles = roles.split(',') if roles else ROLES
        cls.menus = menu_trees(server, cls.roles)

    def test_menus_offer_usable_actions(self):
        "A menu entry whose action is limited to groups is limited to them"
        wrong = self.server.run_python('''
            Menu = pool.get('ir.ui.menu')
            wrong = []
            for menu in Menu.search([]):
                action = menu.action
                if not action or not hasattr(action, 'action'):
                    continue
                groups = {g.id for g in action.action.groups}
                menu_groups = {g.id for g in menu.groups}
                if groups and (not menu_groups or menu_groups - groups):
                    wrong.append(menu.complete_name)
            result['wrong'] = sorted(wrong)
            ''')['wrong']
        # official menus under their own administration menus
        wrong = [w for w in wrong if not w.startswith(
                ('管理', 'Administration', '财务', 'Financial'))]
        self.assertEqual(wrong, [])

    def test_walk(self):
        "Every role opens every screen it is offered without error"
        os.makedirs(SHOT_DIR, exist_ok=True)
        for path in glob.glob(os.path.join(SHOT_DIR, '*.png')):
            os.remove(path)
        start = time.monotonic()
        results = {}
        # the roles with the most entries first, over JOBS browsers
        queue = sorted(self.roles, key=lambda r: -len(self.menus[r]))
        lock = threading.Lock()

        def worker():
            from playwright.sync_api import sync_playwright
            playwright = sync_playwright().start()
            browser = launch_browser(playwright)
            try:
                while True:
                    with lock:
                        if not queue:
                            return
                        login_ = queue.pop(0)
                    try:
                        results[login_] = self.walk_role(browser, login_)
                    except Exception as exception:
                        results[login_] = ([], [
                                'walk failed: %s' % exception], [], [])
            finally:
                browser.close()
                playwright.stop()
        threads = [threading.Thread(target=worker)
            for _ in range(max(1, min(JOBS, len(self.roles))))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - start

        lines, problems, retried = [], [], []
        timings = []
        for login_ in self.roles:
            english, errors, times, retries = results.get(
                login_, ([], ['not walked'], [], []))
            retried.extend('%s: %s' % (login_, r) for r in retries)
            for screen, labels in english:
                lines.append('%s: %s: English: %s' % (login_, screen,
                        ', '.join(sorted(labels))))
            for error in errors:
                problems.append('%s: %s' % (login_, error))
            timings.extend((seconds, login_, screen)
                for screen, seconds in times)
        timings.sort(reverse=True)
        slow = [t for t in timings if t[0] > SLOW]
        table = ['%d screens in %.0f s with %d browsers; %d slower than '
            '%.0f s (reported, not asserted):' % (len(timings), elapsed,
                len(threads), len(slow), SLOW)]
        table += ['%6.1f s  %-10s %s' % t for t in timings[:max(25,
                        len(slow))]]
        table += ['retried once after a time-out: %s' % r for r in retried]
        with open(os.path.join(SHOT_DIR, 'timings.txt'), 'w') as f:
            f.write('\n'.join(table) + '\n')
        shown = table[:40] + table[max(40, len(table) - len(retried)):]
        print('\n' + '\n'.join(shown), file=sys.stderr)
        with open(os.path.join(SHOT_DIR, 'report.txt'), 'w') as f:
            f.write('\n'.join(lines + problems) + '\n')
        for login_ in self.roles:
            self.assertTrue(self.menus[login_],
                '%s sees no menu entry' % login_)
            # its home page and main screens are in the test logs
            saved = sorted(os.listdir(os.path.join(ROLE_SHOT_DIR, login_)))
            self.assertIn('01_home.png', saved, login_)
            self.assertGreater(len(saved), 2, (login_, saved))
        self.assertEqual(problems, [],
            'Screens failing:\n%s' % '\n'.join(problems))
        self.assertEqual(lines, [],
            'English labels left on Chinese screens:\n%s' % '\n'.join(lines))

    def walk_role(self, browser, login_):
        """Open every menu entry of login_; return the screens with English
        labels, the problems and the time of each screen"""
        page = new_page(browser)
        console = []

        def on_console(message):
            if message.type != 'error':
                return
            text = message.text.splitlines()[0] if message.text else ''
            if not any(r.search(text) for r, _ in ALLOWED_CONSOLE):
                console.append(text)
        page.on('console', on_console)
        page.context.add_init_script(IDLE_SCRIPT)
        start = time.monotonic()
        login(page, self.server.url, login_, password(login_),
            database=self.server.database)
        found, problems, times = [], [], [('home', time.monotonic() - start)]
        retried = []
        counter = [0]
        role_dir = os.path.join(ROLE_SHOT_DIR, login_)
        shutil.rmtree(role_dir, ignore_errors=True)
        os.makedirs(role_dir, exist_ok=True)
        role_shots = [0]

        def role_shot(screen):
            "The role's own screenshot of screen, up to ROLE_SHOTS"
            if role_shots[0] >= ROLE_SHOTS:
                return
            role_shots[0] += 1
            shot(page, '%02d_%s' % (role_shots[0], screen),
                directory=role_dir)
        seen = {'js': 0, 'rpc': 0, 'console': 0}

        def check(screen, key=None):
            """Check the screen; its labels and a screenshot only the first
            time a role opens the view key (the labels of a view are the
            same for every role: the cells and errors are checked always)"""
            with LOCK:
                first = key is None or key not in LABELS_SEEN
                LABELS_SEEN.add(key)
            if first:
                labels = visible_labels_all(page)
                english = [l for l in labels if is_english(l, self.sources)]
                if english:
                    found.append((screen, english))
            state = page.evaluate(SCREEN_STATE)
            bad = (ERROR_CELL.search(state['tab']) or state['error']
                or state['warning'])
            if first or bad:
                # a screenshot of each view (its first showing) and of
                # each screen with a problem
                counter[0] += 1
                shot(page, '%s_%02d_%s' % (login_, counter[0], screen))
            if ERROR_CELL.search(state['tab']):
                problems.append('%s: 「#错误」 cells' % screen)
            for kind in ['error', 'warning']:
                if state[kind] is not None:
                    problems.append('%s: %s dialog: %s' % (screen, kind,
                            ' '.join(state[kind].split())[:200]))
            for name, new in [('js', js_errors(page)),
                    ('rpc', rpc_errors(page)), ('console', console)]:
                if len(new) > seen[name]:
                    problems.append('%s: %s errors: %s' % (screen, name,
                            [str(e)[:200] for e in new[seen[name]:]][:3]))
                    seen[name] = len(new)

        check('home')
        role_shot('home')
        self.check_user_menu(page, login_, found, problems, role_shot)
        tree = self.menus[login_]
        english = [m['name'] for m in tree
            if is_english(m['name'], self.sources)]
        if english:
            found.append(('menu', english))
        for menu in tree:
            if not menu['action'] and not menu['children']:
                problems.append('%s: a folder without entries' % '/'.join(
                        menu['path']))
        expanded = set()
        forms = set()
        opened = 0
        for menu in tree:
            if not menu['action'] or opened >= MAX_MENUS:
                continue
            screen = '/'.join(menu['path'])
            # a click that times out (the page busy on a loaded machine:
            # 1 screen of ~700 in a CI run) is tried once more after
            # closing what is open; failing twice is a problem, and every
            # retry is printed with the timings
            for attempt in range(2):
                try:
                    t0 = time.monotonic()
                    if not navigate(page, tree, menu, expanded):
                        problems.append('menu not found: %s' % screen)
                        break
                    opened += attempt == 0
                    kind = wait_screen(page)
                    times.append((screen, time.monotonic() - t0))
                    if kind is None:
                        problems.append('%s: nothing opened' % screen)
                    check(screen, '%s/%s' % (menu['action'], kind))
                    if menu['suite'] and kind is not None:
                        role_shot(screen)
                    # the form of a model is checked once per role, on the
                    # first record of the first list of the model the role
                    # opens (the party form of the hospitals, doctors,
                    # distributors... is one form): under the suite's menu,
                    # the official modules' forms (admin's) are not opened
                    form_key = menu['model'] or menu['action']
                    if (kind == 'list' and menu['suite']
                            and form_key not in forms):
                        forms.add(form_key)
                        t0 = time.monotonic()
                        if open_first_record(page):
                            times.append((screen + '/form',
                                    time.monotonic() - t0))
                            check(screen + '/form',
                                '%s/form/' % menu['action'])
                    close_screen(page, kind)
                    # a dialog left open (an error on closing) is a problem
                    check(screen + '/closed') if page.locator(
                        '.modal.in:visible').count() else None
                except Exception as exception:
                    message = str(exception).splitlines()[0][:200]
                    shot(page, '%s_error_%s' % (login_, screen))
                    recover(page)
                    if attempt == 0 and TIMED_OUT.search(message):
                        retried.append('%s: %s' % (screen, message))
                        continue
                    problems.append('%s: %s' % (screen, message))
                recover(page)
                break
        page.context.close()
        return found, problems, times, retried

    def check_user_menu(self, page, login_, found, problems, role_shot):
        """Open the user menu (notifications, preferences, help, logout):
        its entries and the notifications are in Chinese"""
        toggle = page.locator('#user-preferences a.dropdown-toggle, '
            'a.dropdown-toggle:has(.notification-badge)').first
        try:
            toggle.click()
            idle(page)
            menu = page.locator('ul.notification-menu:visible').first
            menu.wait_for(state='visible', timeout=5000)
            texts = [' '.join(t.split())
                for t in menu.locator('li').all_inner_texts()]
            shot(page, '%s_00_user_menu' % login_)
            role_shot('user_menu')
            # a notification names Chinese records inside an English
            # sentence: two English words in a row are English
            english = [t for t in texts if t and t not in ALLOWED and (
                    ENGLISH_WORDS.search(t) or US_DATE.search(t)
                    or (not CJK.search(t) and ASCII_LETTER.search(t)))]
            if english:
                found.append(('user menu', english))
            page.keyboard.press('Escape')
            if menu.is_visible():
                toggle.click()
            idle(page)
        except Exception as exception:
            problems.append('user menu: %s' % str(exception).splitlines()[
                    0][:200])


def menu_trees(server, logins):
    """The menu entries each of logins can see, depth first, with their
    path of names as the user sees them (zh_CN) and whether they open an
    action (one server run for all: each loads the pool)"""
    return server.run_python('''
        Menu = pool.get('ir.ui.menu')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        suite = ModelData.get_id('pharma_hospital', 'menu_pharma')
        result['menus'] = {}
        for user in User.search([('login', 'in', %r)]):
            language = user.language.code if user.language else None
            with transaction.set_user(user.id), transaction.set_context(
                    language=language, _check_access=True):
                menus = Menu.search([],
                    order=[('sequence', 'ASC'), ('id', 'ASC')])
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
                        name = ' '.join(menu.name.split())
                        entries.append({
                                'id': menu.id,
                                'name': name,
                                'path': path + [name],
                                'ids': ids + [menu.id],
                                'action': (str(menu.action) if menu.action
                                    else None),
                                'model': getattr(
                                    menu.action, 'res_model', None)
                                if menu.action else None,
                                'suite': suite in ids + [menu.id],
                                'children': bool(by_parent.get(menu.id)),
                                })
                        walk(menu.id, path + [name], ids + [menu.id])
                walk(None, [], [])
            result['menus'][user.login] = entries
        ''' % (list(logins),))['menus']


# Counts the web client's requests in the page (XMLHttpRequest and fetch):
# window.pharmaWalkIdle(quiet) resolves once none has been pending for
# quiet ms.  One call per wait instead of polling from Python (a round trip
# each 50 ms).  The client chains its calls through jQuery's deferreds
# (setTimeout), so the next call of a chain starts within the quiet time.
IDLE_SCRIPT = """(() => {
    let pending = 0, last = performance.now();
    const done = () => {
        pending -= 1;
        last = performance.now();
    };
    const send = XMLHttpRequest.prototype.send;
    XMLHttpRequest.prototype.send = function() {
        pending += 1;
        this.addEventListener('loadend', done, {once: true});
        return send.apply(this, arguments);
    };
    const fetch_ = window.fetch;
    window.fetch = function() {
        pending += 1;
        return fetch_.apply(this, arguments).finally(done);
    };
    window.pharmaWalkIdle = (quiet, timeout) => new Promise(
        (resolve, reject) => {
            const start = performance.now();
            const check = () => {
                const now = performance.now();
                if (!pending && now - last >= quiet) {
                    resolve(true);
                } else if (now - start > timeout) {
                    reject(new Error(
                        'the web client is still busy after ' + timeout
                        + 'ms'));
                } else {
                    setTimeout(check, 10);
                }
            };
            check();
        });
})();"""
QUIET = 100  # ms without a pending request: the client is idle


def idle(page, quiet=QUIET):
    "Wait until the web client is idle"
    page.evaluate('([q, t]) => window.pharmaWalkIdle(q, t)',
        [quiet, TIMEOUT])


def menu_rows(page):
    return page.locator('#menu tbody tr:visible')


# The row of a menu entry in the web client's menu tree, found by the ids
# of the entry and its parents (the rows' records): the names are no key,
# a folder shows entries named as entries of other folders ('科目' under
# 财务/设置/模板 and under 财务/设置).  Returns the state of the deepest
# row found and marks it (data-walk-row) for a real click.
FIND_ROW = """ids => {
    const screen = Sao.main_menu_screen;
    const view = screen && screen.current_view;
    if (!view) {
        return {depth: -1};
    }
    jQuery('#menu tr[data-walk-row]').removeAttr('data-walk-row');
    let rows = view.rows, row = null, depth = -1;
    for (const id of ids) {
        const next = rows.find(r => r.record.id === id);
        if (!next || !next.el.parent().length) {
            break;
        }
        row = next;
        depth += 1;
        rows = row.rows;
    }
    if (row) {
        row.el.attr('data-walk-row', '1');
    }
    return {
        depth: depth,
        expanded: row ? row.is_expanded() && row.rows.length > 0 &&
            row.rows.every(r => r.el.parent().length > 0) : false,
        };
}"""


def find_row(page, ids):
    "The depth of the deepest row of ids shown, and if it is expanded"
    return page.evaluate(FIND_ROW, ids)


def navigate(page, tree, menu, expanded):
    """Click through the menu tree to menu: expand the parents whose
    children are not shown yet (a click on an expanded parent would fold
    it), then click the entry itself"""
    ids = menu['ids']
    by_id = {m['id']: m for m in tree}
    for depth in range(len(ids)):
        state = find_row(page, ids[:depth + 1])
        if state['depth'] < depth:
            # the children of the parent come with the next request
            try:
                page.wait_for_function(
                    '([f, ids]) => eval(f)(ids).depth >= ids.length - 1',
                    arg=[FIND_ROW, ids[:depth + 1]], timeout=5000)
            except Exception:
                return False
            state = find_row(page, ids[:depth + 1])
        row = page.locator('#menu tr[data-walk-row]')
        entry = by_id[ids[depth]]
        if depth == len(ids) - 1:
            row.get_by_text(entry['name'], exact=True).first.click()
            idle(page)
            break
        if state['expanded']:
            continue
        expander = row.locator('.expander:visible')
        if expander.count():
            expander.first.click()
        else:
            row.get_by_text(entry['name'], exact=True).first.click()
        expanded.add(ids[depth])
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
                # the rows come with the search request, after the view:
                # idle waits for both
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
            has_text=re.compile('取消|关闭|确定|Cancel|Close|OK'))
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
    for text in page.evaluate(LABELS, selectors):
        text = ' '.join(text.split())
        if text and text not in labels:
            labels.append(text)
    return labels


# The inner texts of the elements of each selector, in one call; ':visible'
# keeps the elements (before the next part) shown as playwright's ':visible'
# does: a box and not visibility: hidden
LABELS = """selectors => {
    const visible = el => !!(el.offsetWidth || el.offsetHeight
        || el.getClientRects().length)
        && getComputedStyle(el).visibility !== 'hidden';
    const texts = [];
    for (const selector of selectors) {
        const parts = selector.split(':visible');
        let elements = [document];
        parts.forEach((part, i) => {
            if (!part.trim()) {
                return;
            }
            let found = [];
            for (const root of elements) {
                found.push(...root.querySelectorAll(
                        root === document ? part : ':scope ' + part));
            }
            if (i < parts.length - 1) {
                found = found.filter(visible);
            }
            elements = [...new Set(found)];
        });
        for (const element of elements) {
            if (element !== document) {
                texts.push(element.innerText || element.textContent || '');
            }
        }
    }
    return texts;
}"""


def shot(page, name, directory=SHOT_DIR):
    path = os.path.join(directory, re.sub(r'[^\w.-]+', '_', name)[:120]
        + '.png')
    try:
        page.screenshot(path=path)
    except Exception:
        pass
    return path
