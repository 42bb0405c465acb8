# This file is part of the pharma suite. See README.md for license terms.
"""Shared tools of the browser tests: a trytond server on a free loopback
port against a fresh SQLite database, headless Chromium (Debian's) driven
by playwright, login, menu navigation, screenshots and visible labels.

Typical use::

    from helpers import BrowserTestCase

    class MyTest(BrowserTestCase):
        modules = ['pharma_hospital']

        @classmethod
        def setup_database(cls, server):
            server.run_python('''
                Party = pool.get('party.party')
                Party.create([{'name': '测试医院', 'pharma_type': 'hospital'}])
                ''')

        def test_something(self):
            page = self.new_page()
            login(page, self.server.url, 'rep1', password('rep1'),
                database=self.server.database)
            # menu names as the user sees them (the role users are zh_CN)
            path = self.server.menu_path(
                'pharma_hospital.menu_hospital_form', 'rep1')
            open_menu(page, path)
            rows = list_texts(page)
            open_record(page, '测试医院')
            labels = visible_labels(page)
            screenshot(page, 'my_test')
            self.assertEqual(js_errors(page), [])

The database is created by scripts/demo.py --no-data (company, one user per
role with the demo passwords, start-up wizards closed), so the users and
passwords are those of the README; set `demo_data = True` on the class for
the full demo data (slower).  Run one file:

    PHARMA_BROWSER=1 .venv/bin/python tests/run_module_tests.py \\
        --file tests/browser/test_smoke.py

Without PHARMA_BROWSER the tests are skipped when chromium is missing; with
it (as under `make test`) a missing chromium is a failure.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SAO_ROOT = os.path.join(ROOT, 'sao', 'node_modules', 'tryton-sao')
OUTPUT = os.path.join(ROOT, 'tests', 'output', 'browser')
CHROMIUM = os.environ.get('PHARMA_CHROMIUM', '/usr/bin/chromium')
CHROMIUM_ARGS = [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update',
    '--disable-sync',
    ]
PYTHON = sys.executable
TIMEOUT = 30_000  # ms, for one browser step (the machine is shared)

sys.path.insert(0, os.path.join(ROOT, 'scripts'))
from demo import password  # noqa: E402,F401



def browser_skip_reason():
    """The reason to skip the browser tests, or None to run them.
    Under `make test` (PHARMA_BROWSER=1) nothing is skipped: a missing
    chromium or web client is a failure."""
    if os.environ.get('PHARMA_BROWSER'):
        return None
    if not os.access(CHROMIUM, os.X_OK):
        return ('%s is missing (make chromium), and PHARMA_BROWSER is '
            'unset' % CHROMIUM)
    return None


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _clean_env():
    "The environment without the TRYTOND_* settings of the caller"
    env = {k: v for k, v in os.environ.items()
        if not k.startswith('TRYTOND_') and k not in ('DB_NAME', 'DB_CACHE')}
    env['PYTHONPATH'] = os.pathsep.join(
        [ROOT, os.path.join(ROOT, 'scripts')]
        + [p for p in env.get('PYTHONPATH', '').split(os.pathsep) if p])
    return env


class TrytonServer:
    """A trytond on a free loopback port against a fresh SQLite database in
    a temporary directory."""

    def __init__(self, modules=('pharma_hospital',), database='smoke',
            demo_data=False):
        self.modules = list(modules)
        self.database = database
        self.demo_data = demo_data
        self.directory = tempfile.mkdtemp(prefix='pharma-browser-')
        self.port = free_port()
        self.url = 'http://127.0.0.1:%s/' % self.port
        self.config = os.path.join(self.directory, 'trytond.conf')
        self.log_path = os.path.join(self.directory, 'trytond.log')
        self.process = None
        os.makedirs(os.path.join(self.directory, 'db'))
        with open(self.config, 'w') as f:
            f.write(textwrap.dedent('''\
                [database]
                uri = sqlite://
                path = %(db)s
                language = zh_CN

                [web]
                listen = 127.0.0.1:%(port)s
                root = %(root)s

                [session]
                timeout = 3600
                ''') % {
                    'db': os.path.join(self.directory, 'db'),
                    'port': self.port,
                    'root': SAO_ROOT,
                    })

    def create_database(self):
        """Create the database with scripts/demo.py (--no-data by default);
        a copy of the same build (modules, data or not, sources, day) made
        earlier in the run when there is one (var/cache/browser-db/:
        several test files use the same modules)"""
        if os.environ.get('PHARMA_BROWSER_DB_CACHE', '1') == '0':
            return self._create_database()
        import fcntl
        cache = os.path.join(ROOT, 'var', 'cache', 'browser-db')
        os.makedirs(cache, exist_ok=True)
        cached = os.path.join(cache, self._cache_key() + '.sqlite')
        target = os.path.join(
            self.directory, 'db', self.database + '.sqlite')
        with open(cached + '.lock', 'w') as lock:
            # another test file of the run may be building the same one
            fcntl.flock(lock, fcntl.LOCK_EX)
            if os.path.exists(cached):
                shutil.copyfile(cached, target)
                return
            self._create_database()
            for name in os.listdir(cache):
                path = os.path.join(cache, name)
                if (name.endswith('.sqlite') and os.path.getmtime(path)
                        < time.time() - 86400):
                    os.remove(path)
            shutil.copyfile(target, cached + '.tmp')
            os.replace(cached + '.tmp', cached)

    def _cache_key(self):
        import datetime
        import hashlib
        from demo import source_hash
        digest = hashlib.sha1()
        digest.update(repr((sorted(self.modules), bool(self.demo_data),
                    datetime.date.today().isoformat(),
                    source_hash())).encode())
        for name in sorted(os.listdir(os.path.join(ROOT, 'scripts'))):
            if name.endswith('.py'):
                with open(os.path.join(ROOT, 'scripts', name), 'rb') as f:
                    digest.update(name.encode() + f.read())
        return digest.hexdigest()

    def _create_database(self):
        cmd = [PYTHON, os.path.join(ROOT, 'scripts', 'demo.py'),
            '--config', self.config, '--database', self.database,
            '--modules', ','.join(self.modules)]
        if not self.demo_data:
            cmd.append('--no-data')
        proc = subprocess.run(cmd, env=_clean_env(), cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if proc.returncode:
            raise RuntimeError('creating the database failed:\n%s'
                % proc.stdout[-6000:])
        return proc.stdout

    def run_python(self, code, user='admin'):
        """Run code in a transaction on the database as user (login), with
        the demo company in the context; `pool`, `company`, `transaction`
        and `result` (a dict, returned as JSON) are defined."""
        runner = textwrap.dedent('''\
            import json, sys
            from trytond import config
            config.update_etc(%(config)r)
            from trytond.pool import Pool
            from trytond.transaction import Transaction
            pool = Pool(%(db)r)
            pool.init()
            with Transaction().start(%(db)r, 0) as transaction:
                User = pool.get('res.user')
                user, = User.search([('login', '=', %(user)r)])
                user_id, company_id = user.id, user.company.id
            with Transaction().start(%(db)r, user_id, context={
                        'company': company_id,
                        '_skip_warnings': True}) as transaction:
                company = pool.get('company.company')(company_id)
                result = {}
            %(code)s
            print('PHARMA-RESULT ' + json.dumps(result))
            ''') % {
                'config': self.config, 'db': self.database, 'user': user,
                'code': textwrap.indent(textwrap.dedent(code), ' ' * 4),
                }
        proc = subprocess.run([PYTHON, '-c', runner], env=_clean_env(),
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True)
        for line in proc.stdout.splitlines():
            if line.startswith('PHARMA-RESULT '):
                return json.loads(line[len('PHARMA-RESULT '):])
        raise RuntimeError('run_python failed:\n%s' % proc.stdout[-6000:])

    def menu_path(self, xml_id, user='admin'):
        """The names of the menu entry xml_id ('module.fs_id') and of its
        parents, in the language of user, as the web client shows them"""
        module, fs_id = xml_id.split('.')
        return self.run_python('''
            ModelData = pool.get('ir.model.data')
            User = pool.get('res.user')
            user = User(transaction.user)
            language = user.language.code if user.language else None
            with transaction.set_context(language=language):
                menu = pool.get('ir.ui.menu')(
                    ModelData.get_id(%r, %r))
                names = []
                while menu:
                    names.insert(0, menu.name)
                    menu = menu.parent
            result['path'] = names
            ''' % (module, fs_id), user=user)['path']

    def start(self, timeout=120):
        self.log = open(self.log_path, 'w')
        self.process = subprocess.Popen([
                os.path.join(os.path.dirname(PYTHON), 'trytond'),
                '-c', self.config, '-d', self.database],
            env=_clean_env(), cwd=self.directory,
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError('trytond exited:\n%s' % self.read_log())
            try:
                with urllib.request.urlopen(self.url, timeout=5) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.5)
        raise RuntimeError('trytond did not answer on %s in %ss:\n%s'
            % (self.url, timeout, self.read_log()))

    def read_log(self):
        try:
            with open(self.log_path) as f:
                return f.read()[-6000:]
        except OSError:
            return ''

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if getattr(self, 'log', None):
            self.log.close()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


def launch_browser(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM,
        headless=True, args=CHROMIUM_ARGS)


def new_page(browser, locale='zh-CN'):
    """A page in a new browser context; it records the pending requests
    (for wait_idle) and the errors returned by the server (rpc_errors)"""
    # the users' browsers are in China: the web client shows datetimes in
    # the browser's time zone (the company's is Asia/Shanghai)
    context = browser.new_context(
        viewport={'width': 1400, 'height': 900}, locale=locale,
        timezone_id='Asia/Shanghai')
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    pending = set()
    errors = []
    js_errors = []

    def finished(request):
        pending.discard(request)
        if '/rpc/' not in request.url:
            return
        try:
            response = request.response()
            body = response.json() if response else None
        except Exception:
            return
        if isinstance(body, dict) and body.get('error'):
            errors.append(body['error'])
    page.on('request', lambda request: pending.add(request))
    page.on('requestfinished', finished)
    page.on('requestfailed', lambda request: pending.discard(request))
    page.on('pageerror', lambda error: js_errors.append(str(error)))

    def console(message):
        # jQuery reports the exceptions of its deferreds as warnings
        if 'exception' in message.text.lower() and 'Deprecation' not in (
                message.text):
            js_errors.append(message.text.splitlines()[0])
    page.on('console', console)
    page.pharma_pending = pending
    page.pharma_errors = errors
    page.pharma_js_errors = js_errors
    return page


def rpc_errors(page):
    "The errors the server returned to the page's RPC calls"
    return list(getattr(page, 'pharma_errors', []))


def js_errors(page):
    "The uncaught JavaScript errors of the page"
    return list(getattr(page, 'pharma_js_errors', []))


def login(page, url, user, passwd, database=None):
    """Log in the web client: user name, Enter, password, Enter; wait for
    the menu.  The database comes from the URL fragment."""
    if database:
        url = url.rstrip('/') + '/#' + database
    page.goto(url)
    page.wait_for_selector('#login', state='visible')
    database_input = page.locator('input#database:visible')
    if (database and database_input.count()
            and database_input.first.is_editable()
            and not database_input.first.input_value()):
        database_input.first.fill(database)
    page.fill('#login', user)
    page.press('#login', 'Enter')
    field = page.locator('input[type="password"]:visible')
    # the server's first answer (it loads the database's modules on the
    # first request) can take long on a loaded machine: wait longer than a
    # step, pressing Enter again if the login box is still there without
    # a request pending (a key press lost while the page was busy)
    deadline = time.monotonic() + 3 * TIMEOUT / 1000
    while True:
        try:
            field.wait_for(timeout=TIMEOUT / 3)
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            login_box = page.locator('#login:visible')
            if (login_box.count() and not getattr(
                        page, 'pharma_pending', None)):
                login_box.first.press('Enter')
    field.fill(passwd)
    field.press('Enter')
    page.locator('#menu tbody tr:visible').first.wait_for(
        timeout=3 * TIMEOUT)
    wait_idle(page)


def wait_idle(page, timeout=TIMEOUT, quiet=300):
    """Wait until the web client has had no pending request for quiet ms
    (the client chains its calls: one ends, the next starts)"""
    pending = getattr(page, 'pharma_pending', None)
    deadline = time.monotonic() + timeout / 1000
    idle_since = None
    while time.monotonic() < deadline:
        page.wait_for_timeout(50)
        if pending:
            idle_since = None
            continue
        if idle_since is None:
            idle_since = time.monotonic()
        elif (time.monotonic() - idle_since) * 1000 >= quiet:
            return
    raise TimeoutError('the web client is still busy after %sms' % timeout)


def open_menu(page, path):
    """Open the menu entry at path (the names shown in the menu, e.g.
    ['Pharma', 'Customers', 'Hospitals'] or ['医药', '客户', '医院']): a
    click on each parent expands it, a click on the leaf opens it."""
    for name in path:
        row = page.locator('#menu tbody tr:visible').filter(
            has=page.get_by_text(name, exact=True)).first
        row.wait_for(state='visible')
        row.get_by_text(name, exact=True).first.click()
        wait_idle(page)
    # the tab of the action
    page.wait_for_selector('#tabcontent .tab-pane.active', state='visible')
    wait_idle(page)


def click_tool(page, tool):
    """Click a toolbar button of the current tab by its id: new_, save,
    reload, switch_, previous, next, attach, note, action, relate,
    print, email"""
    current_tab(page).locator('button#%s:visible' % tool).first.click()
    wait_idle(page)


def field(page, name, scope=None):
    "The visible input of the form field name in the current tab (or scope)"
    root = scope or current_tab(page)
    return root.locator(
        'input[name="%s"]:visible, select[name="%s"]:visible, '
        'textarea[name="%s"]:visible' % (name, name, name)).first


def current_tab(page):
    return page.locator('#tabcontent .tab-pane.active')


def list_texts(page, wait=15_000):
    """The texts of the rows of the list in the current tab; waits up to
    wait ms for the first row (an empty list returns [] after that)"""
    rows = current_tab(page).locator('table tbody tr:visible')
    try:
        rows.first.wait_for(state='visible', timeout=wait)
    except Exception:
        return []
    wait_idle(page)
    return [' '.join(t.split()) for t in rows.all_inner_texts()]


def open_record(page, text):
    "Open the form of the row whose text contains text (double click)"
    row = current_tab(page).locator('table tbody tr:visible').filter(
        has_text=text).first
    row.wait_for(state='visible')
    row.get_by_text(text).first.dblclick()
    wait_form(page)


def wait_form(page):
    "Wait until the current tab shows a form view"
    try:
        page.locator('#tabcontent[data-view-type="form"]').wait_for(
            state='attached')
    except Exception:
        raise AssertionError('the form did not open; JavaScript errors: '
            '%s; server errors: %s' % (js_errors(page), rpc_errors(page)))
    wait_idle(page)


def screenshot(page, name):
    "Save a screenshot into tests/output/browser/<name>.png"
    os.makedirs(OUTPUT, exist_ok=True)
    path = os.path.join(OUTPUT, re.sub(r'[^\w.-]+', '_', name) + '.png')
    page.screenshot(path=path, full_page=True)
    return path


def visible_labels(page, scope=None):
    """The visible labels of the current screen: form labels, list column
    headers, tab and page titles, buttons (texts, stripped, no empties)"""
    root = scope or page
    selectors = [
        '#tabcontent .tab-pane.active label:visible',
        '#tabcontent .tab-pane.active th:visible',
        '#tabcontent .tab-pane.active .nav-tabs a:visible',
        '#tabcontent .tab-pane.active button:visible',
        '#tabs .nav-tabs li.active a:visible',
        '.modal.in label:visible',
        '.modal.in th:visible',
        '.modal.in button:visible',
        '.modal.in .modal-title:visible',
        ]
    labels = []
    for selector in selectors:
        for text in root.locator(selector).all_inner_texts():
            text = ' '.join(text.split())
            if text and text not in labels:
                labels.append(text)
    return labels


class BrowserTestCase(unittest.TestCase):
    """Starts a fresh database and server once for the class; each test
    gets new pages with new_page().  Override setup_database(server)."""
    modules = ['pharma_hospital']
    database = 'smoke'
    demo_data = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        reason = browser_skip_reason()
        if reason:
            raise unittest.SkipTest(reason)
        if not os.access(CHROMIUM, os.X_OK):
            raise RuntimeError('%s is missing: run `make chromium`'
                % CHROMIUM)
        if not os.path.isfile(os.path.join(SAO_ROOT, 'index.html')):
            raise RuntimeError('the web client is missing in %s: run '
                '`make sao`' % SAO_ROOT)
        from playwright.sync_api import sync_playwright
        cls.server = TrytonServer(
            cls.modules, cls.database, demo_data=cls.demo_data)
        try:
            cls.server.create_database()
            cls.setup_database(cls.server)
            cls.server.start()
            cls.playwright = sync_playwright().start()
            cls.browser = launch_browser(cls.playwright)
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def setup_database(cls, server):
        pass

    @classmethod
    def tearDownClass(cls):
        browser = getattr(cls, 'browser', None)
        if browser:
            browser.close()
        playwright = getattr(cls, 'playwright', None)
        if playwright:
            playwright.stop()
        server = getattr(cls, 'server', None)
        if server:
            server.cleanup()
        super().tearDownClass()

    def new_page(self, locale='zh-CN'):
        page = new_page(self.browser, locale=locale)
        self.addCleanup(page.context.close)
        return page
