#!/usr/bin/env python3
# This file is part of the pharma suite. See README.md for license terms.
"""Render the nginx configuration of the pharma suite.

Site file for a Debian nginx (/etc/nginx/sites-available/pharma, with
deploy/nginx/http.conf.in as /etc/nginx/conf.d/pharma-http.conf):

    deploy/nginx.py site --server-name crm.example.cn --listen 443 \\
        --tls-cert /etc/ssl/certs/crm.pem --tls-key /etc/ssl/private/crm.key \\
        --sao-root /opt/pharma/sao/node_modules/tryton-sao \\
        --backend 127.0.0.1:8000 --database pharma_prod \\
        --log-dir /var/log/nginx > /etc/nginx/sites-available/pharma

A whole configuration for an nginx run by the user (make prod-local, the
tests): `deploy/nginx.py local --prefix var/prod ...`, with one server per
--listen and, with --split, each listen on its own backend.
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def _read(name):
    with open(os.path.join(HERE, 'nginx', name)) as f:
        return f.read()


def _fill(text, values):
    for key, value in values.items():
        text = text.replace('@%s@' % key, value)
    return text


def tls_block(cert, key):
    if not cert:
        return ''
    return ('    ssl_certificate %s;\n'
        '    ssl_certificate_key %s;\n'
        '    ssl_protocols TLSv1.2 TLSv1.3;\n'
        '    ssl_prefer_server_ciphers off;\n'
        '    ssl_session_cache shared:pharma_tls:10m;\n'
        '    ssl_session_timeout 1d;\n'
        '    add_header Strict-Transport-Security '
        '"max-age=31536000" always;\n' % (cert, key))


def server(listen, upstream, database, sao_root, log_dir,
        server_name='_', tls_cert=None, tls_key=None):
    if tls_cert:
        # nginx 1.22 (Debian 12) spells HTTP/2 on the listen line
        head = 'server {\n    listen %s ssl http2;\n' % listen
    else:
        head = 'server {\n    listen %s;\n' % listen
    text = _fill(_read('pharma-site.conf.in'), {
            'SERVER_LISTEN': head.rstrip('\n'),
            'SERVER_NAME': server_name,
            'TLS': tls_block(tls_cert, tls_key),
            'LOG_DIR': log_dir,
            'SAO_ROOT': os.path.abspath(sao_root),
            'UPSTREAM': upstream,
            'DATABASE': database,
            })
    if tls_cert and (listen == '443' or listen.endswith(':443')):
        # plain HTTP on port 80 only redirects to HTTPS
        text += ('server {\n    listen %s;\n    server_name %s;\n'
            '    return 301 https://$host$request_uri;\n}\n' % (
                listen[:-3] + '80', server_name))
    return text


def upstream(name, backends):
    lines = ['upstream %s {' % name]
    lines += ['    server %s max_fails=0;' % b for b in backends]
    lines += ['    keepalive 32;', '}']
    return '\n'.join(lines) + '\n'


def local(prefix, listens, backends, database, sao_root, split=False,
        tls_cert=None, tls_key=None):
    """The configuration of a user-run nginx under prefix; returns its
    path"""
    prefix = os.path.abspath(prefix)
    log_dir = os.path.join(prefix, 'log')
    for sub in ['run', 'log', 'nginx']:
        os.makedirs(os.path.join(prefix, sub), exist_ok=True)
    with open(os.path.join(prefix, 'nginx-http.conf'), 'w') as f:
        f.write(_read('http.conf.in'))
    upstreams, sites = [], []
    if split:
        assert len(listens) == len(backends)
        for i, (listen, backend) in enumerate(zip(listens, backends)):
            upstreams.append(upstream('pharma_trytond_%d' % i, [backend]))
            sites.append(server(listen, 'pharma_trytond_%d' % i, database,
                    sao_root, log_dir, tls_cert=tls_cert, tls_key=tls_key))
    else:
        upstreams.append(upstream('pharma_trytond', backends))
        for listen in listens:
            sites.append(server(listen, 'pharma_trytond', database,
                    sao_root, log_dir, tls_cert=tls_cert, tls_key=tls_key))
    text = _fill(_read('local-main.conf.in'), {
            'PREFIX': prefix,
            'LOG_DIR': log_dir,
            # run as root, nginx would start its workers as nobody, who
            # cannot write the temporary directories under prefix
            'USER': 'user root;\n' if os.geteuid() == 0 else '',
            'UPSTREAMS': '\n'.join(upstreams),
            'SITES': '\n'.join(sites),
            })
    path = os.path.join(prefix, 'nginx.conf')
    with open(path, 'w') as f:
        f.write(text)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('mode', choices=['site', 'local'])
    parser.add_argument('--listen', action='append')
    parser.add_argument('--backend', action='append')
    parser.add_argument('--database', default='pharma_prod')
    parser.add_argument('--server-name', default='_')
    parser.add_argument('--sao-root',
        default=os.path.join(ROOT, 'sao', 'node_modules', 'tryton-sao'))
    parser.add_argument('--log-dir', default='/var/log/nginx')
    parser.add_argument('--tls-cert')
    parser.add_argument('--tls-key')
    parser.add_argument('--prefix', default=os.path.join(ROOT, 'var', 'prod'))
    parser.add_argument('--split', action='store_true')
    args = parser.parse_args(argv)
    listens = args.listen or (['443'] if args.tls_cert else ['80'])
    backends = args.backend or ['127.0.0.1:8000']
    if args.mode == 'site':
        sys.stdout.write(upstream('pharma_trytond', backends))
        sys.stdout.write(server(listens[0], 'pharma_trytond', args.database,
                args.sao_root, args.log_dir, args.server_name,
                args.tls_cert, args.tls_key))
    else:
        print(local(args.prefix, listens, backends, args.database,
                args.sao_root, args.split, args.tls_cert, args.tls_key))


if __name__ == '__main__':
    main()
