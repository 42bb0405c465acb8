# This file is part of the pharma suite. See README.md for license terms.
"Values of the hospital and doctor kinds: identifiers, selections, phones"
import re
import unicodedata

from trytond.modules.pharma_hospital.tools import normalize_text
from trytond.pool import Pool
from trytond.tools import grouped_slice

from .engine import _in_max


IDENTIFIER_FIELDS = [
    # Tryton 8.0 stores the 统一社会信用代码 as cn_vat (cn_uscc before)
    ('uscc', 'cn_vat'),
    ('licence', 'cn_mil'),
    ('nhsa', 'cn_nhsa'),
    ]

GRADE_SELECTION = [
    ('3a', ['三级甲等', '三甲', '三级甲', '3A', '3甲']),
    ('3b', ['三级乙等', '三乙', '三级乙', '3B']),
    ('3c', ['三级丙等', '三丙', '三级丙', '3C', '三级']),
    ('2a', ['二级甲等', '二甲', '二级甲', '2A']),
    ('2b', ['二级乙等', '二乙', '二级乙', '2B']),
    ('2c', ['二级丙等', '二丙', '二级丙', '2C', '二级']),
    ('1', ['一级', '一级医院', 'Grade 1']),
    ('none', ['未定级', '无', 'Ungraded', 'none']),
    ]
TYPE_SELECTION = [
    ('general', ['综合医院', '综合', 'General']),
    ('specialist', ['专科医院', '专科', 'Specialist']),
    ('tcm', ['中医医院', '中医院', '中医', 'TCM']),
    ('maternal_child', ['妇幼保健院', '妇幼', 'Maternal and Child']),
    ('community', ['社区卫生服务中心', '社区', 'Community']),
    ('private_clinic', ['民营诊所', '诊所', 'Clinic', 'Private Clinic']),
    ]
OWNERSHIP_SELECTION = [
    ('public', ['公立', '公办', 'Public']),
    ('private', ['民营', '私立', 'Private']),
    ('military', ['军队', '部队', 'Military']),
    ]
LEVEL_SELECTION = [('A', ['A级', 'A类']), ('B', ['B级', 'B类']),
    ('C', ['C级', 'C类'])]
TITLE_SELECTION = [
    ('chief', ['主任医师', 'Chief Physician', '主任医生', '主任中医师',
            '正高', '正高级', '教授', '主任医师教授']),
    ('associate_chief', ['副主任医师', 'Associate Chief Physician',
            '副主任医生', '副主任中医师', '副高', '副高级', '副教授']),
    ('attending', ['主治医师', 'Attending Physician', '主治医生', '主治',
            '主治中医师', '中级']),
    ('resident', ['住院医师', 'Resident Physician', '医师', '住院医生',
            '住院', '初级', '医士', '中医师']),
    ('pharmacist', ['药师', '主管药师', 'Pharmacist']),
    ('chief_pharmacist', ['主任药师', '副主任药师', 'Chief Pharmacist']),
    ('nurse', ['护士', '护师', '主管护师', 'Nurse']),
    ('other', ['其他', 'Other']),
    ]
POSITION_SELECTION = [
    ('president', ['院长', 'President']),
    ('vice_president', ['副院长', 'Vice President']),
    ('department_head', ['科主任', '主任', 'Head of Department']),
    ('deputy_head', ['科副主任', '副主任', 'Deputy Head']),
    ('pharmacy_director', ['药剂科主任', 'Pharmacy Director']),
    ('expert', ['专家', 'Expert']),
    ('staff', ['医生', '员工', 'Staff']),
    ]
KOL_SELECTION = [
    ('national', ['全国', '国家级', 'National']),
    ('provincial', ['省级', 'Provincial']),
    ('city', ['市级', 'City']),
    ('none', ['无', '否', 'None']),
    ]


def compact_code(type_, code):
    "The identifier code as party.identifier stores it in code_compact"
    if not code:
        return None
    code = normalize_text(code).upper()
    if type_ in ('cn_vat', 'cn_uscc'):
        try:
            from stdnum.cn import uscc
            return uscc.compact(code)
        except Exception:
            return code
    return code


def valid_code(type_, code):
    if type_ in ('cn_vat', 'cn_uscc'):
        try:
            from stdnum.cn import uscc
            return uscc.is_valid(code)
        except ImportError:
            return True
    return True


_PHONE_NOISE = re.compile(r'[\s\-–—()（）.·/]')


def clean_phone(value, mobile=False):
    """The number without spaces, dashes, brackets nor +86/0086 (None when
    it is not a phone number): '+86 138-1234-5678' -> '13812345678'"""
    text = unicodedata.normalize('NFKC', str(value or '')).strip()
    if not text:
        return None
    text = _PHONE_NOISE.sub('', text)
    extension = ''
    match = re.match(r'^(.*?)(?:转|ext\.?|x|分机)(\d{1,6})$', text, re.I)
    if match and not mobile:
        text, extension = match.group(1), match.group(2)
    if text.startswith('+86'):
        text = text[3:]
    elif text.startswith('0086'):
        text = text[4:]
    elif text.startswith('86') and len(text) == 13:
        text = text[2:]
    if not text.isdigit():
        return None
    if mobile:
        return text if re.fullmatch(r'1[3-9]\d{9}', text) else None
    if re.fullmatch(r'1[3-9]\d{9}', text):
        return text
    if not 7 <= len(text) <= 12:
        return None
    return text + ('-' + extension if extension else '')




def _hospitals_by_code(rows):
    "{compact hospital code: hospital id} of the rows' hospital_code column"
    Identifier = Pool().get('party.identifier')
    codes = {compact_code('', r.values['hospital_code'])
        for r in rows if r.values.get('hospital_code')}
    by_code = {}
    for sub in grouped_slice(list(codes), _in_max()):
        for identifier in Identifier.search([
                    ('code_compact', 'in', list(sub)),
                    ('party.pharma_type', '=', 'hospital'),
                    ]):
            by_code[normalize_text(identifier.code_compact).upper()] = (
                identifier.party.id)
    return by_code
