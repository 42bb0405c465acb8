# This file is part of the pharma suite. See README.md for license terms.
"The hospitals import kind"
from trytond.i18n import gettext
from trytond.model import Model
from trytond.modules.pharma_hospital.tools import (
    normalize_city, normalize_name, territory_name)
from trytond.pool import Pool
from trytond.tools import grouped_slice

from .engine import (
    ImportField, ImportKindMixin, _in_max, _selection_label)
from .matcher import SIMILAR, HospitalMatcher, TerritoryIndex, _names
from .party_values import (
    GRADE_SELECTION, IDENTIFIER_FIELDS, LEVEL_SELECTION, OWNERSHIP_SELECTION,
    TYPE_SELECTION, compact_code, valid_code)


class HospitalImport(ImportKindMixin, Model):
    "Hospitals: key = official code, else normalised name + city"
    __name__ = 'pharma.import.hospital'

    @classmethod
    def kind_string(cls, label):
        return gettext('pharma_import.msg_import_kind_hospitals')

    @classmethod
    def import_fields(cls):
        return [
            ImportField('name', "Hospital Name", required=True,
                aliases=['医院名称', '医院', '机构名称', '医疗机构名称',
                    '终端名称', 'Hospital', 'Name']),
            ImportField('uscc', "USCC", aliases=[
                    '统一社会信用代码', '信用代码', '社会信用代码',
                    'Unified Social Credit Code']),
            ImportField('licence', "Licence Number", aliases=[
                    '医疗机构执业许可证登记号', '执业许可证登记号',
                    '执业许可证号', '许可证号', 'Medical Institution Licence',
                    'Licence']),
            ImportField('nhsa', "NHSA Code", aliases=[
                    '医保机构编码', '医保编码', '国家医保编码',
                    '定点医疗机构编码', 'Medical Insurance Code']),
            ImportField('province', "Province", aliases=['省份', '省',
                    '所在省份']),
            ImportField('city', "City", aliases=['城市', '市', '地市',
                    '所在城市']),
            ImportField('district', "District", aliases=['区县', '区',
                    '县区']),
            ImportField('grade', "Grade", type='selection',
                selection=GRADE_SELECTION,
                aliases=['医院等级', '等级', 'Hospital Grade']),
            ImportField('hospital_type', "Type", type='selection',
                selection=TYPE_SELECTION,
                aliases=['医院类型', '类型', '机构类型', 'Hospital Type']),
            ImportField('ownership', "Ownership", type='selection',
                selection=OWNERSHIP_SELECTION,
                aliases=['所有制', '性质', '经营性质']),
            ImportField('beds', "Beds", type='integer',
                aliases=['床位数', '床位', '编制床位', 'Beds']),
            ImportField('outpatient_visits', "Outpatient Visits",
                type='integer', aliases=['年门诊量', '门诊量',
                    'Annual Outpatient Visits']),
            ImportField('key_account', "Key Account", type='boolean',
                aliases=['重点客户', '重点医院']),
            ImportField('key_level', "Key Level", type='selection',
                selection=LEVEL_SELECTION, aliases=['重点级别',
                    '客户级别']),
            ImportField('force', "Create Anyway", type='boolean',
                aliases=['强制新建', '确认新建', '确认为新医院', 'Force']),
            ]

    @classmethod
    def import_key(cls):
        return ['uscc', 'licence', 'nhsa', 'name', 'city']

    @classmethod
    def import_options(cls):
        return [('create_territories', gettext(
                    'pharma_import.msg_import_option_create_territories'))]

    @classmethod
    def template_rows(cls):
        return [{
                'name': '温州市人民医院', 'province': '浙江省',
                'city': '温州市', 'district': '鹿城区', 'grade': '三级甲等',
                'hospital_type': '综合医院', 'ownership': '公立',
                'beds': 1200,
                }]

    _fields_map = {
        'name': 'name',
        'grade': 'hospital_grade',
        'hospital_type': 'hospital_type',
        'ownership': 'ownership',
        'beds': 'beds',
        'outpatient_visits': 'outpatient_visits',
        'key_account': 'key_account',
        'key_level': 'key_level',
        'territory': 'territory',
        }

    @classmethod
    def validate_rows(cls, rows, job):
        pool = Pool()
        Party = pool.get('party.party')
        Identifier = pool.get('party.identifier')
        Alias = pool.get('pharma.hospital.alias')
        index = job.cache('territories', TerritoryIndex)
        create_territories = job.option('create_territories')
        codes = {}
        for row in rows:
            values = row.values
            city_id = None
            row.data['territory_path'] = None
            if (values.get('province') or values.get('city')
                    or values.get('district')):
                try:
                    territory, path = index.locate(values.get('province'),
                        values.get('city'), values.get('district'))
                except KeyError as exception:
                    field, code, value = exception.args[0]
                    job.error(row, field, gettext(
                            'pharma_import.msg_import_%s' % code,
                            value=value))
                    continue
                if path and not create_territories:
                    level, value = path[0]
                    job.error(row, level, gettext(
                            'pharma_import.msg_import_unknown_territory',
                            value=value))
                    continue
                if path:
                    above, names = index.label(territory, path)
                    # the names as first written (浙江省, then 浙江)
                    seen = job.cache('territory_names', dict)
                    for i in range(len(names)):
                        ident = (territory,) + tuple(
                            normalize_city(n) for n in names[:i + 1])
                        names[i] = seen.setdefault(ident, names[i])
                        job.plan('territories',
                            ' / '.join(above + names[:i + 1]), ident)
                    row.data['territory_path'] = (territory, path)
                    # a city to create is a city of its own for the key
                    city_id = ('new',) + tuple(
                        normalize_city(n) for _, n in path)
                    territory = None
                else:
                    city_id = index.city_of(territory)
                values['territory'] = territory
            row.data['city'] = city_id
            row.data['name_key'] = normalize_name(values['name'], 'hospital')
            row.data['codes'] = []
            for name, type_ in IDENTIFIER_FIELDS:
                code = values.get(name)
                if not code:
                    continue
                if not valid_code(type_, code):
                    job.error(row, name, gettext(
                            'pharma_import.msg_import_invalid_code',
                            value=code))
                    break
                compact = compact_code(type_, code)
                row.data['codes'].append((type_, compact, code))
                codes.setdefault(type_, set()).add(compact)
        rows = [r for r in rows if not r.errors]
        by_code = {}
        for type_, values in codes.items():
            for sub in grouped_slice(list(values), _in_max()):
                for identifier in Identifier.search([
                            ('type', '=', type_),
                            ('code_compact', 'in', list(sub)),
                            ('party.pharma_type', '=', 'hospital'),
                            ]):
                    by_code[(type_, identifier.code_compact)] = (
                        identifier.party)
        by_name, by_name_only = {}, {}
        keys = list({r.data['name_key'] for r in rows})
        aliases = Alias.resolve(keys)
        for sub in grouped_slice(keys, _in_max()):
            for party in Party.search([
                        ('pharma_type', '=', 'hospital'),
                        ('name_key', 'in', list(sub)),
                        ]):
                city = index.city_of(
                    party.territory.id if party.territory else None)
                by_name.setdefault((party.name_key, city), []).append(party)
                by_name_only.setdefault(party.name_key, []).append(party)
        for row in rows:
            record = None
            for type_, compact, _ in row.data['codes']:
                found = by_code.get((type_, compact))
                if found and record and found != record:
                    job.error(row, None, gettext(
                            'pharma_import.msg_import_code_conflict',
                            first=record.rec_name, second=found.rec_name))
                    break
                record = record or found
            if row.errors:
                continue
            name_key = (row.data['name_key'], row.data['city'])
            if record is None:
                if row.data['city'] is None:
                    # Without a city the name alone must be unambiguous
                    candidates = by_name_only.get(row.data['name_key'], [])
                else:
                    candidates = by_name.get(name_key, [])
                if len(candidates) > 1:
                    job.error(row, 'name', gettext(
                            'pharma_import.msg_import_ambiguous_hospital',
                            value=row.values['name']))
                    continue
                record = candidates[0] if candidates else None
            row.data['by_alias'] = False
            if record is None and row.data['name_key'] in aliases:
                record = Party(aliases[row.data['name_key']])
                row.data['by_alias'] = True
            if (record is None and job.phase == 'validate'
                    and not row.values.get('force')):
                matcher = job.cache('hospital_matcher',
                    lambda: HospitalMatcher(index))
                city = row.data['city'] if isinstance(
                    row.data['city'], int) else None
                similar = [c for c in matcher.candidates(
                        row.values['name'], city=city) if c[0] >= SIMILAR]
                if similar:
                    job.error(row, 'name', gettext(
                            'pharma_import.msg_import_similar_hospital',
                            value=row.values['name'],
                            candidates=_names(similar)))
                    continue
            if row.data['codes']:
                key = ('code',) + tuple(row.data['codes'][0][:2])
            else:
                key = ('name',) + name_key
            if not job.check_duplicate(row, key):
                continue
            if record is None:
                row.action = 'create'
                continue
            row.record = record
            fields_map = dict(cls._fields_map)
            if row.data['by_alias']:
                # the file writes another name of the hospital: keep its
                # name
                fields_map.pop('name')
            changes = cls._compare(record, row.values, fields_map)
            if row.data['territory_path']:
                changes['territory'] = (
                    record.territory.id if record.territory else None, None)
            existing = {i.type: i for i in record.identifiers}
            for type_, compact, code in row.data['codes']:
                identifier = existing.get(type_)
                if identifier is None or identifier.code_compact != compact:
                    changes[type_] = (
                        identifier.code if identifier else None, code)
            row.changes = changes
            row.action = 'update' if changes else 'unchanged'

    @classmethod
    def sample_rows(cls, rows, job):
        """The territory names as stored (浙江 → 浙江省, the existing
        territory's names), the hospital's own name when the row writes
        an alias"""
        index = job.cache('territories', TerritoryIndex)
        seen = job.cache('territory_names', dict)
        result = []
        for row in rows:
            stored = {'force': None}
            names = {}
            path = row.data.get('territory_path')
            territory = path[0] if path else row.values.get('territory')
            parent = territory
            while territory:
                names[index.level[territory]] = index.by_id[territory].name
                territory = index.parent.get(territory)
            if path:
                written = []
                for level, name in path[1]:
                    written.append(normalize_city(name))
                    ident = (parent,) + tuple(written)
                    names[level] = gettext(
                        'pharma_import.msg_import_sample_new',
                        value=territory_name(level, seen.get(ident, name)))
            if names:
                for level in ['province', 'city', 'district']:
                    stored[level] = names.get(level)
            if row.data.get('by_alias'):
                stored['name'] = row.record.name
            result.append(cls.sample_values(row, stored))
        return result

    @classmethod
    def _values(cls, row):
        values = {}
        for name, attr in cls._fields_map.items():
            if row.values.get(name) is not None:
                values[attr] = row.values[name]
        return values

    @classmethod
    def write(cls, rows, job):
        pool = Pool()
        Party = pool.get('party.party')
        Identifier = pool.get('party.identifier')
        index = job.cache('territories', TerritoryIndex)
        for row in rows:
            if row.data.get('territory_path'):
                parent, path = row.data['territory_path']
                territory = index.create_path(parent, path)
                row.values['territory'] = territory
                if row.action == 'update':
                    row.changes['territory'] = (None, territory)
        to_create = []
        for row in rows:
            if row.action != 'create':
                continue
            values = cls._values(row)
            values['pharma_type'] = 'hospital'
            values.setdefault('customer_source', 'import')
            if row.data['codes']:
                values['identifiers'] = [('create', [
                            {'type': t, 'code': code}
                            for t, _, code in row.data['codes']])]
            to_create.append(values)
        if to_create:
            Party.create(to_create)
        args, identifiers_create, identifiers_write = [], [], []
        for row in rows:
            if row.action != 'update':
                continue
            values = {a: n for a, (o, n) in row.changes.items()
                if a in Party._fields}
            if values:
                args.extend([[row.record], values])
            existing = {i.type: i for i in row.record.identifiers}
            for type_, compact, code in row.data['codes']:
                if type_ not in row.changes:
                    continue
                if type_ in existing:
                    identifiers_write.extend(
                        [[existing[type_]], {'code': code}])
                else:
                    identifiers_create.append({
                            'party': row.record.id, 'type': type_,
                            'code': code})
            job.log_change(row.record, 'update', row.changes)
        if args:
            Party.write(*args)
        if identifiers_create:
            Identifier.create(identifiers_create)
        if identifiers_write:
            Identifier.write(*identifiers_write)

    @classmethod
    def export_values(cls, records):
        for sub in grouped_slice(records, _in_max()):
            for party in sub:
                codes = {i.type: i.code for i in party.identifiers}
                city = province = district = None
                territory = party.territory
                while territory:
                    if territory.level == 'city':
                        city = territory.name
                    elif territory.level == 'district':
                        district = territory.name
                    elif territory.level == 'province':
                        province = territory.name
                    territory = territory.parent
                yield [
                    party.name,
                    codes.get('cn_vat') or codes.get('cn_uscc'),
                    codes.get('cn_mil'),
                    codes.get('cn_nhsa'),
                    province, city, district,
                    _selection_label(GRADE_SELECTION, party.hospital_grade)
                    if party.hospital_grade else None,
                    _selection_label(TYPE_SELECTION, party.hospital_type)
                    if party.hospital_type else None,
                    _selection_label(OWNERSHIP_SELECTION, party.ownership)
                    if party.ownership else None,
                    party.beds,
                    party.outpatient_visits,
                    '是' if party.key_account else '否',
                    party.key_level,
                    ]
