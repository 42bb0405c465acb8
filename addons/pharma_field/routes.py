# This file is part of the pharma suite. See README.md for license terms.
"""The phone app's routes on trytond's own WSGI application:

- /<database>/field/              the app (its shell: static files)
- /<database>/field/api/pull      the user's data in pages, then what
                                  changed (POST {cursor}, session)
- /<database>/field/api/push      the calls the phone logged, in one
                                  batch (POST {items, sent_at}, session)

The app logs in with Tryton's own login (common.db.login on
/<database>/rpc/) and sends its session in the Authorization header
(`Session base64(login:user id:token)`) as the web client does; the API
runs as that user with the record rules on."""
import gzip
import hashlib
import json
import mimetypes
import os
import threading

from trytond.pool import Pool
from trytond.protocols.jsonrpc import JSONDecoder, JSONEncoder
from trytond.protocols.wrappers import (
    HTTPStatus, Response, abort, redirect, with_pool, with_transaction)
from trytond.tools import safe_join
from trytond.transaction import Transaction
from trytond.wsgi import app

STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'static')
TYPES = {
    '.webmanifest': 'application/manifest+json',
    '.js': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
    '.html': 'text/html; charset=utf-8',
    '.png': 'image/png',
    '.svg': 'image/svg+xml',
    }
_files = {}
_files_lock = threading.Lock()


def _load(path):
    "(body, gzipped body, etag) of a static file, kept while unchanged"
    mtime = os.path.getmtime(path)
    with _files_lock:
        cached = _files.get(path)
        if cached and cached[0] == mtime:
            return cached[1:]
    with open(path, 'rb') as f:
        body = f.read()
    compressed = gzip.compress(body, 9, mtime=0)
    etag = hashlib.sha256(body).hexdigest()[:16]
    with _files_lock:
        _files[path] = (mtime, body, compressed, etag)
    return body, compressed, etag


def shell_version():
    "A hash of the shell's files: the service worker's cache name"
    digest = hashlib.sha256()
    for root, _, names in sorted(os.walk(STATIC)):
        for name in sorted(names):
            if name == 'sw.js':
                continue
            digest.update(_load(os.path.join(root, name))[2].encode())
    return digest.hexdigest()[:12]


def _index():
    """index.html with app.css and app.js inlined: the first load of the
    shell is one request (a phone on a weak network), the files stay
    apart in the source"""
    body = _load(os.path.join(STATIC, 'index.html'))[0]
    css = _load(os.path.join(STATIC, 'app.css'))[0]
    js = _load(os.path.join(STATIC, 'app.js'))[0]
    body = body.replace(b'<link rel="stylesheet" href="app.css">',
        b'<style>' + css + b'</style>')
    body = body.replace(b'<script src="app.js" defer></script>',
        b'<script>' + js + b'</script>')
    etag = hashlib.sha256(body).hexdigest()[:16]
    return body, gzip.compress(body, 9, mtime=0), etag


def _static(request, filename):
    path = safe_join(STATIC, filename)
    if not path or not os.path.isfile(path):
        abort(HTTPStatus.NOT_FOUND)
    body, compressed, etag = _load(path)
    if filename == 'index.html':
        body, compressed, etag = _index()
    if filename == 'sw.js':
        version = shell_version()
        body = body.replace(b'__VERSION__', version.encode())
        compressed = gzip.compress(body, 9, mtime=0)
        etag = etag + version
    ext = os.path.splitext(path)[1]
    mimetype = TYPES.get(ext) or mimetypes.guess_type(path)[0] or (
        'application/octet-stream')
    headers = {
        # the service worker keeps the shell; the browser revalidates
        'Cache-Control': 'no-cache',
        'ETag': '"%s"' % etag,
        'X-Content-Type-Options': 'nosniff',
        }
    if filename == 'sw.js':
        headers['Service-Worker-Allowed'] = './'
    if request.if_none_match and etag in request.if_none_match:
        return Response(status=HTTPStatus.NOT_MODIFIED, headers=headers)
    if 'gzip' in request.accept_encodings and ext not in {'.png'}:
        headers['Content-Encoding'] = 'gzip'
        headers['Vary'] = 'Accept-Encoding'
        body = compressed
    return Response(body, headers=headers, content_type=mimetype)


def _json(request, data, status=HTTPStatus.OK):
    body = json.dumps(data, cls=JSONEncoder, ensure_ascii=False,
        separators=(',', ':')).encode('utf-8')
    headers = {'Cache-Control': 'no-store'}
    if 'gzip' in request.accept_encodings and len(body) > 1024:
        body = gzip.compress(body, 6)
        headers['Content-Encoding'] = 'gzip'
        headers['Vary'] = 'Accept-Encoding'
    return Response(body, status=status, headers=headers,
        content_type='application/json; charset=utf-8')


@app.route('/<database_name>/field', methods={'GET'})
def field_root(request, database_name):
    return redirect(request.base_url + '/')


@app.route('/<database_name>/field/', methods={'GET'})
def field_index(request, database_name):
    return _static(request, 'index.html')


@app.route('/<database_name>/field/<path:filename>', methods={'GET'})
def field_static(request, database_name, filename):
    if filename.startswith('api/'):
        abort(HTTPStatus.METHOD_NOT_ALLOWED)
    return _static(request, filename)


def _user_context():
    "The user's preferences (company, employee, language) as in the client"
    User = Pool().get('res.user')
    return User.get_preferences(context_only=True)


def _auth(func):
    "A valid session first (a phone whose session expired logs in again)"
    def wrapper(request, *args, **kwargs):
        if not request.user_id:
            return _json(request, {'error': 'session'},
                status=HTTPStatus.UNAUTHORIZED)
        return func(request, *args, **kwargs)
    wrapper.__name__ = func.__name__
    return wrapper


def _api(func):
    def wrapper(request, pool, *args, **kwargs):
        try:
            pool.get('pharma.field.sync')
        except KeyError:
            # pharma_field is not activated in this database
            abort(HTTPStatus.NOT_FOUND)
        with Transaction().set_context(_user_context()):
            try:
                return func(request, pool, *args, **kwargs)
            except Exception as exception:
                from trytond.exceptions import UserError
                if isinstance(exception, UserError):
                    return _json(request, {
                            'error': exception.message,
                            }, status=HTTPStatus.BAD_REQUEST)
                raise
    wrapper.__name__ = func.__name__
    return wrapper


def _body(request):
    "The request's JSON object"
    try:
        data = json.loads(request.get_data(as_text=True) or '{}',
            object_hook=JSONDecoder())
    except ValueError:
        abort(HTTPStatus.BAD_REQUEST)
    if not isinstance(data, dict):
        abort(HTTPStatus.BAD_REQUEST)
    return data


@app.route('/<database_name>/field/api/pull', methods={'POST'})
@_auth
@with_pool
@with_transaction(user='request', context={'_check_access': True},
    readonly=True)
@_api
def field_pull(request, pool):
    "A page of the download: {cursor, page_size} from the previous page"
    Sync = pool.get('pharma.field.sync')
    data = _body(request)
    page_size = data.get('page_size')
    if page_size is not None and not isinstance(page_size, int):
        abort(HTTPStatus.BAD_REQUEST)
    return _json(request, Sync.pull(data.get('cursor'), page_size))


@app.route('/<database_name>/field/api/push', methods={'POST'})
@_auth
@with_pool
@with_transaction(user='request', context={'_check_access': True},
    readonly=False)
@_api
def field_push(request, pool):
    "The queue of calls in one request, created in one batch"
    Sync = pool.get('pharma.field.sync')
    data = _body(request)
    if not isinstance(data.get('items', []), list):
        abort(HTTPStatus.BAD_REQUEST)
    results = Sync.push(data.get('items') or [], data.get('sent_at'))
    return _json(request, {'results': results})
