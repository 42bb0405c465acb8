# This file is part of the pharma suite. See README.md for license terms.
"Text helpers shared by the suite: normalised names and pinyin keys"
import re
import unicodedata

try:
    from pypinyin import Style, pinyin
except ImportError:  # pragma: no cover
    pinyin = None

_BRACKETS = str.maketrans({
        '（': '(', '）': ')', '【': '(', '】': ')', '[': '(', ']': ')',
        '〔': '(', '〕': ')', '{': '(', '}': ')',
        })
_ORDINALS = [
    ('第一', '一'), ('第二', '二'), ('第三', '三'), ('第四', '四'),
    ('第五', '五'), ('第六', '六'), ('第七', '七'), ('第八', '八'),
    ('第九', '九'), ('第十', '十'),
    ]
_SUFFIXES = ['医院', '卫生院', '卫生服务中心']
_SPACES = re.compile(r'[\s\u3000·・\.\-_,，、]+')
MAX_PINYIN_VARIANTS = 16


def normalize_text(value):
    "Full-width to half-width, lower case, no spaces"
    if not value:
        return ''
    value = unicodedata.normalize('NFKC', str(value))
    value = value.translate(_BRACKETS)
    value = _SPACES.sub('', value)
    return value.lower()


def normalize_name(value, kind=None):
    """Normalised key for duplicate detection: spaces, width, brackets,
    第一/一 forms and the hospital suffix do not matter"""
    value = normalize_text(value)
    for long, short in _ORDINALS:
        value = value.replace(long, short)
    if kind in (None, 'hospital'):
        for suffix in _SUFFIXES:
            if value.endswith(suffix) and len(value) > len(suffix):
                value = value[:-len(suffix)]
                break
    value = value.replace('(', '').replace(')', '')
    return value


_AUTONOMOUS = re.compile(
    r'^(.{2,}?)(?:(?:蒙古|回|藏|维吾尔|壮|朝鲜|土家|苗|彝|布依|侗|瑶|白|哈尼'
    r'|傣|黎|傈僳|佤|拉祜|纳西|景颇|柯尔克孜|土|达斡尔|羌|撒拉|仫佬|毛南'
    r'|仡佬|锡伯|普米|塔吉克|怒|鄂温克|保安|裕固|京|独龙|鄂伦春|赫哲'
    r'|门巴|珞巴|基诺|哈萨克|畲|水|东乡|各)族|维吾尔)*自治(?:区|州|县|旗)$')


def normalize_city(value):
    """上海 and 上海市 are the same city; 广西 and 广西壮族自治区 the same
    province, 延边 and 延边朝鲜族自治州 the same prefecture"""
    value = normalize_text(value)
    match = _AUTONOMOUS.match(value)
    if match:
        return match.group(1)
    for suffix in ('特别行政区', '自治州', '地区', '市', '省', '区', '县',
            '盟'):
        if value.endswith(suffix) and len(value) > len(suffix):
            return value[:-len(suffix)]
    return value


# the provinces whose full name is not the short name + 省
_PROVINCES = {
    '北京': '北京市', '天津': '天津市', '上海': '上海市', '重庆': '重庆市',
    '内蒙古': '内蒙古自治区', '广西': '广西壮族自治区', '西藏': '西藏自治区',
    '宁夏': '宁夏回族自治区', '新疆': '新疆维吾尔自治区',
    '香港': '香港特别行政区', '澳门': '澳门特别行政区',
    }


def territory_name(level, value):
    """The full name of a territory written short in a file (浙江 →
    浙江省, 广西 → 广西壮族自治区, 上海 → 上海市, 温州 → 温州市), as the
    territory is created; a district is named as written (full-width and
    spaces cleaned)"""
    value = _SPACES.sub('', unicodedata.normalize('NFKC', str(value or '')))
    if level == 'province':
        if value.endswith(('省', '市', '自治区', '特别行政区')):
            return value
        return _PROVINCES.get(value, value + '省')
    if level == 'city':
        if value.endswith(('市', '州', '地区', '盟')):
            return value
        return value + '市'
    return value


def pinyin_keys(value):
    """Return (full, initials): space separated variants, so that each
    reading of a polyphonic character (曾, 单, 重) is found: the default
    reading first, then one variant per other reading of each character"""
    if not value or pinyin is None:
        return '', ''
    value = normalize_text(value)
    readings = pinyin(value, style=Style.NORMAL, heteronym=True,
        errors=lambda x: [c for c in x])
    base = [r[0] for r in readings]
    combos = [base]
    for i, reading in enumerate(readings):
        for alternative in reading[1:]:
            if len(combos) >= MAX_PINYIN_VARIANTS:
                break
            combos.append(base[:i] + [alternative] + base[i + 1:])
    full_variants, initial_variants = [], []
    for combo in combos:
        full = ''.join(combo)
        initials = ''.join(s[0] for s in combo if s)
        if full not in full_variants:
            full_variants.append(full)
        if initials not in initial_variants:
            initial_variants.append(initials)
    return ' '.join(full_variants), ' '.join(initial_variants)


def syllables(value):
    """The pinyin syllables (default reading) of the Chinese characters of
    value, as a set"""
    if not value or pinyin is None:
        return set()
    return {r[0] for r in pinyin(value, style=Style.NORMAL,
            errors=lambda x: [''] * len(x)) if r and r[0]}


def is_pinyin_query(value):
    return bool(value) and bool(re.fullmatch(r'[A-Za-z]+', value.strip('%')))
