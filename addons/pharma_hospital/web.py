# This file is part of the pharma suite. See README.md for license terms.
"""What the suite adds to the web client without touching its files: the
web client's index.html loads /custom.js and /custom.css, which sao does
not ship (the server answered 405, a console error on every page load).
They are served here: custom.js completes sao's zh_CN translation (the
user menu's "Preferences...", "Help...", the notifications...) from
web_zh_CN.json, merged into the messages sao loads from its own
locale/zh_CN.json (sao's strings it leaves untranslated)."""
import json
import os

from trytond.protocols.wrappers import Response
from trytond.wsgi import app

HERE = os.path.dirname(os.path.abspath(__file__))

CUSTOM_JS = '''/* pharma suite: the web client's missing translations */
(function() {
    'use strict';
    var extra = %s;
    var loadJSON = Sao.i18n.loadJSON;
    Sao.i18n.loadJSON = function(data, domain) {
        var language = ((data && data['']) || {}).language || '';
        var messages = extra[language] || extra[language.split('_')[0]];
        if (messages) {
            for (var key in messages) {
                if (!data[key]) {
                    data[key] = messages[key];
                }
            }
        }
        return loadJSON.call(this, data, domain);
    };
})();
'''


def _custom_js():
    translations = {}
    with open(os.path.join(HERE, 'web_zh_CN.json'), encoding='utf-8') as f:
        translations['zh_CN'] = json.load(f)
    return CUSTOM_JS % json.dumps(translations, ensure_ascii=False)


@app.route('/custom.js', methods={'GET'})
def custom_js(request):
    return Response(_custom_js(), content_type='text/javascript; charset=utf-8')


@app.route('/custom.css', methods={'GET'})
def custom_css(request):
    return Response('', content_type='text/css; charset=utf-8')
