#!/usr/bin/env python3
# This file is part of the pharma suite. See README.md for license terms.
"""Write the web client's custom.js: sao's index.html loads custom.js (and
custom.css) from its own folder, and sao ships neither. The suite's file is
sao_custom/custom.js (its fixes of sao's behaviour) followed by the zh_CN
strings sao leaves untranslated (sao_custom/zh_CN.json: the user menu's
"Preferences...", "Help...", the notifications...), merged into the
messages sao loads from its own locale/zh_CN.json. A static file, so that
trytond's static server and nginx serve the same thing.

Usage: build_custom_js.py OUTPUT_DIR   (writes custom.js and custom.css)"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, '..', 'sao_custom')

TRANSLATIONS = '''
/* pharma suite: the web client's missing translations (sao_custom/zh_CN.json) */
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


def main(output):
    with open(os.path.join(SOURCE, 'custom.js'), encoding='utf-8') as f:
        script = f.read()
    with open(os.path.join(SOURCE, 'zh_CN.json'), encoding='utf-8') as f:
        translations = {'zh_CN': json.load(f)}
    script += TRANSLATIONS % json.dumps(translations, ensure_ascii=False)
    for name, content in [('custom.js', script), ('custom.css', '')]:
        path = os.path.join(output, name)
        # an older checkout linked custom.js to the source: never write
        # through the link
        if os.path.lexists(path):
            os.unlink(path)
        with open(path, 'w', encoding='utf-8') as f:
            f.write(content)


if __name__ == '__main__':
    main(sys.argv[1])
