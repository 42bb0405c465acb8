# This file is part of the pharma suite. See README.md for license terms.
"The hospital aliases import kind"
from trytond.i18n import gettext
from trytond.model import Model
from trytond.modules.pharma_hospital.tools import normalize_name
from trytond.pool import Pool
from trytond.tools import grouped_slice

from .engine import ImportField, ImportKindMixin, _in_max
from .matcher import HospitalMatcher, TerritoryIndex, _names
from .party_values import _hospitals_by_code, compact_code


class HospitalAliasImport(ImportKindMixin, Model):
    """Hospital aliases (an administrator's list): key = the alias's
    normalised name"""
    __name__ = 'pharma.import.hospital.alias'

    @classmethod
    def kind_string(cls, label):
        return gettext('pharma_import.msg_import_kind_hospital_aliases')

    @classmethod
    def import_fields(cls):
        return [
            ImportField('alias', "Alias", required=True, aliases=[
                    '别名', '简称', '医院简称', '曾用名', '常用名', '俗称',
                    'Alias']),
            ImportField('hospital', "Hospital", required=True, aliases=[
                    '医院全称', '医院名称', '标准名称', '医院', '规范名称',
                    'Hospital']),
            ImportField('hospital_code', "Hospital Code", aliases=[
                    '医院编码', '医院代码', '统一社会信用代码',
                    '医疗机构执业许可证登记号', 'Hospital Code']),
            ]

    @classmethod
    def import_key(cls):
        return ['alias']

    @classmethod
    def template_rows(cls):
        return [{'alias': '瑞金医院',
                'hospital': '上海交通大学医学院附属瑞金医院'}]

    @classmethod
    def validate_rows(cls, rows, job):
        pool = Pool()
        Party = pool.get('party.party')
        Alias = pool.get('pharma.hospital.alias')
        keys = {normalize_name(r.values['hospital'], 'hospital')
            for r in rows}
        alias_keys = {normalize_name(r.values['alias'], 'hospital')
            for r in rows}
        by_name = {}
        for sub in grouped_slice(list(keys | alias_keys), _in_max()):
            for party in Party.search_read([
                        ('pharma_type', '=', 'hospital'),
                        ('name_key', 'in', list(sub)),
                        ], fields_names=['name_key', 'rec_name']):
                by_name.setdefault(party['name_key'], []).append(
                    (party['id'], party['rec_name']))
        by_code = _hospitals_by_code(rows)
        existing = {}
        for sub in grouped_slice(list(alias_keys), _in_max()):
            for alias in Alias.search([('name_key', 'in', list(sub))]):
                existing[alias.name_key] = alias
        for row in rows:
            alias_key = normalize_name(row.values['alias'], 'hospital')
            row.data['alias_key'] = alias_key
            if not job.check_duplicate(row, alias_key):
                continue
            hospital = None
            code = row.values.get('hospital_code')
            if code:
                hospital = by_code.get(compact_code('', code))
            if hospital is None:
                found = by_name.get(
                    normalize_name(row.values['hospital'], 'hospital'), [])
                if len(found) > 1:
                    job.error(row, 'hospital', gettext(
                            'pharma_import.msg_import_ambiguous_hospital',
                            value=row.values['hospital']))
                    continue
                hospital = found[0][0] if found else None
            if hospital is None:
                matcher = job.cache('hospital_matcher', lambda: (
                        HospitalMatcher(job.cache(
                                'territories', TerritoryIndex))))
                candidates = matcher.candidates(row.values['hospital'])
                job.error(row, 'hospital', gettext(
                        'pharma_import.msg_import_unknown_hospital_candidates'
                        if candidates else
                        'pharma_import.msg_import_unknown_hospital',
                        value=row.values['hospital'], row=row.row,
                        candidates=_names(candidates)))
                continue
            others = [n for i, n in by_name.get(alias_key, [])
                if i != hospital]
            if others:
                job.error(row, 'alias', gettext(
                        'pharma_hospital.msg_hospital_alias_other',
                        alias=row.values['alias'], hospital=others[0]))
                continue
            row.data['hospital'] = hospital
            alias = existing.get(alias_key)
            if alias is None:
                row.action = 'create'
            elif alias.hospital.id == hospital:
                row.action = 'unchanged'
            else:
                row.record = alias
                row.changes = {'hospital': (alias.hospital.id, hospital)}
                row.action = 'update'

    @classmethod
    def write(cls, rows, job):
        pool = Pool()
        Alias = pool.get('pharma.hospital.alias')
        to_create = [{'name': r.values['alias'],
                'hospital': r.data['hospital'], 'source': 'import'}
            for r in rows if r.action == 'create']
        if to_create:
            Alias.create(to_create)
        args = []
        for row in rows:
            if row.action == 'update':
                args.extend([[row.record], {
                            'hospital': row.data['hospital'],
                            'source': 'import'}])
                job.log_change(row.record, 'update', row.changes)
        if args:
            Alias.write(*args)

    @classmethod
    def export_values(cls, records):
        for alias in records:
            yield [alias.name, alias.hospital.name, None]
