# This file is part of the pharma suite. See README.md for license terms.
"The doctors import kind"
from trytond.i18n import gettext
from trytond.model import Model
from trytond.modules.pharma_hospital.tools import (
    normalize_name, normalize_text)
from trytond.pool import Pool
from trytond.tools import grouped_slice

from .engine import (
    ImportField, ImportKindMixin, _in_max, _selection_label)
from .matcher import SIMILAR, HospitalMatcher, TerritoryIndex, _names
from .party_values import (
    KOL_SELECTION, LEVEL_SELECTION, POSITION_SELECTION, TITLE_SELECTION,
    _hospitals_by_code, clean_phone, compact_code)


class DoctorImport(ImportKindMixin, Model):
    "Doctors: key = name + hospital + department"
    __name__ = 'pharma.import.doctor'
    # the write pass takes the matches of the validation pass: looking the
    # doctors up again cost as much as the validation itself, and a key is
    # unique in the file, so no earlier batch can have created the doctor
    # of a row (write() reuses the hospitals and departments they created)
    revalidate = False

    @classmethod
    def kind_string(cls, label):
        return gettext('pharma_import.msg_import_kind_doctors')

    @classmethod
    def import_fields(cls):
        return [
            ImportField('name', "Doctor Name", required=True,
                aliases=['医生姓名', '姓名', '医生', '客户姓名', 'Doctor',
                    'Name']),
            ImportField('hospital', "Hospital", required=True,
                aliases=['医院名称', '医院', '所在医院', '机构名称',
                    'Hospital Name']),
            ImportField('hospital_code', "Hospital Code",
                aliases=['医院编码', '医院代码', '统一社会信用代码',
                    '医疗机构执业许可证登记号', 'Hospital Code']),
            ImportField('department', "Department",
                aliases=['科室', '科室名称', '所在科室', 'Dept']),
            ImportField('title', "Title", type='selection',
                selection=TITLE_SELECTION, aliases=['职称', '技术职称',
                    '专业技术职称', '医师职称', '医生职称', '职称级别',
                    'Title']),
            ImportField('position', "Position", type='selection',
                selection=POSITION_SELECTION, aliases=['职务', '行政职务',
                    'Position']),
            ImportField('tier', "Doctor Tier", type='selection',
                selection=LEVEL_SELECTION,
                aliases=['医生分级', '分级', '医生级别', '级别', '客户分级',
                    '客户等级', '医生等级', '等级', 'Tier']),
            ImportField('kol_level', "KOL Level", type='selection',
                selection=KOL_SELECTION, aliases=['KOL级别', 'KOL']),
            ImportField('prescription_right', "Prescription Right",
                type='boolean', aliases=['处方权', 'Prescription']),
            ImportField('vip', "VIP", type='boolean', aliases=['VIP客户',
                    '重点医生']),
            ImportField('mobile', "Mobile", aliases=['手机', '手机号',
                    '手机号码', '移动电话', '联系手机', 'Mobile']),
            ImportField('phone', "Office Phone", aliases=['办公电话',
                    '科室电话', '电话', '座机', '固定电话', '联系电话',
                    'Phone']),
            ImportField('first_visit_date', "First Visit", type='date',
                aliases=['首次拜访日期', '首次拜访', '首访日期', '首次拜访时间',
                    '初次拜访日期', 'First Visit']),
            ImportField('force', "Create Hospital Anyway", type='boolean',
                aliases=['强制新建医院', '强制新建', '确认新建', 'Force']),
            ]

    @classmethod
    def import_key(cls):
        return ['name', 'hospital', 'department']

    @classmethod
    def import_options(cls):
        return [
            ('create_missing_hospitals', gettext(
                    'pharma_import.msg_import_option_create_hospitals')),
            ('create_departments', gettext(
                    'pharma_import.msg_import_option_create_departments')),
            ]

    _fields_map = {
        'name': 'name',
        'first_visit_date': 'first_visit_date',
        'title': 'doctor_title',
        'position': 'doctor_position',
        'tier': 'doctor_tier',
        'kol_level': 'kol_level',
        'prescription_right': 'prescription_right',
        'vip': 'vip',
        }

    @classmethod
    def validate_rows(cls, rows, job):
        pool = Pool()
        Party = pool.get('party.party')
        Department = pool.get('pharma.hospital.department')
        ContactMechanism = pool.get('party.contact_mechanism')
        hospital_keys = {normalize_name(r.values['hospital'], 'hospital')
            for r in rows}
        by_code = _hospitals_by_code(rows)
        by_name = {}
        for sub in grouped_slice(list(hospital_keys), _in_max()):
            for party in Party.search_read([
                        ('pharma_type', '=', 'hospital'),
                        ('name_key', 'in', list(sub)),
                        ], fields_names=['name_key']):
                by_name.setdefault(party['name_key'], []).append(party['id'])
        create_missing = job.option('create_missing_hospitals')
        Alias = pool.get('pharma.hospital.alias')
        aliases = Alias.resolve(hospital_keys)
        for row in rows:
            hospital_key = normalize_name(row.values['hospital'], 'hospital')
            row.data['hospital_key'] = hospital_key
            if not cls._check_phones(row, job):
                continue
            hospital = None
            code = row.values.get('hospital_code')
            if code:
                hospital = by_code.get(compact_code('', code))
            if hospital is None:
                candidates = by_name.get(hospital_key, [])
                if len(candidates) > 1:
                    job.error(row, 'hospital', gettext(
                            'pharma_import.msg_import_ambiguous_hospital',
                            value=row.values['hospital']))
                    continue
                hospital = candidates[0] if candidates else None
            if hospital is None:
                hospital = aliases.get(hospital_key)
            if hospital is None and not cls._check_new_hospital(
                    row, job, create_missing):
                continue
            row.data['hospital'] = hospital
            row.data['name_key'] = normalize_name(
                row.values['name'], 'doctor')
            department = row.values.get('department')
            row.data['department_key'] = (
                normalize_text(department) if department else None)
        rows = [r for r in rows if not r.errors]
        hospital_ids = list({r.data['hospital'] for r in rows
                if r.data['hospital']})
        departments = {}
        department_names = {}
        for sub in grouped_slice(hospital_ids, _in_max()):
            for department in Department.search([
                        ('hospital', 'in', list(sub)),
                        ], order=[('name', 'ASC')]):
                departments[(department.hospital.id,
                        normalize_text(department.name))] = department.id
                department_names.setdefault(
                    department.hospital.id, []).append(department.name)
        create_departments = job.option('create_departments')
        doctors = {}
        names = list({r.data['name_key'] for r in rows})
        for sub in grouped_slice(hospital_ids, _in_max()):
            sub = list(sub)
            for names_sub in grouped_slice(names, _in_max()):
                for doctor in Party.search([
                            ('pharma_type', '=', 'doctor'),
                            ('hospital', 'in', sub),
                            ('name_key', 'in', list(names_sub)),
                            ]):
                    key = (doctor.name_key, doctor.hospital.id,
                        doctor.department.id if doctor.department else None)
                    doctors.setdefault(key, []).append(doctor)
        phones = {}
        doctor_ids = [d.id for ds in doctors.values() for d in ds]
        for sub in grouped_slice(doctor_ids, _in_max()):
            for mechanism in ContactMechanism.search([
                        ('party', 'in', list(sub)),
                        ('type', 'in', ['mobile', 'phone']),
                        ]):
                phones.setdefault(mechanism.party.id, set()).add(
                    (mechanism.type, clean_phone(mechanism.value,
                            mobile=mechanism.type == 'mobile')
                        or mechanism.value))
        for row in rows:
            hospital = row.data['hospital']
            dept_key = row.data['department_key']
            if not job.check_duplicate(row, (row.data['name_key'],
                        hospital or row.data['hospital_key'], dept_key)):
                continue
            department = departments.get((hospital, dept_key)) if (
                hospital and dept_key) else None
            row.data['department'] = department
            if dept_key and department is None and not create_departments:
                # a department is created only when asked (the preview
                # lists them), as territories are
                known = department_names.get(hospital, [])
                job.error(row, 'department', gettext(
                        'pharma_import.msg_import_unknown_department',
                        value=row.values['department'],
                        hospital=row.values['hospital'],
                        known='、'.join(known[:8]) if known else '-'))
                continue
            if dept_key and department is None:
                job.plan('departments', '%s / %s' % (
                        row.values['hospital'], row.values['department']),
                    (hospital or row.data['hospital_key'], dept_key))
            if hospital is None or (dept_key and department is None):
                row.action = 'create'
                continue
            candidates = doctors.get(
                (row.data['name_key'], hospital, department), [])
            if not candidates:
                row.action = 'create'
                continue
            record = candidates[0]
            row.record = record
            row.changes = cls._compare(record, row.values, cls._fields_map)
            known = phones.get(record.id, set())
            for name in ['mobile', 'phone']:
                value = row.values.get(name)
                if value and (name, value) not in known:
                    row.changes[name] = (None, value)
            row.action = 'update' if row.changes else 'unchanged'

    @classmethod
    def sample_rows(cls, rows, job):
        "The matched hospital (or the new one) and the new departments"
        pool = Pool()
        Party = pool.get('party.party')
        ids = list({r.data['hospital'] for r in rows if r.data['hospital']})
        names = {p['id']: p['rec_name'] for p in Party.read(
                ids, ['rec_name'])}
        result = []
        for row in rows:
            hospital = row.data['hospital']
            stored = {
                'hospital': names[hospital] if hospital else gettext(
                    'pharma_import.msg_import_sample_new',
                    value=row.values['hospital']),
                # read to match the hospital only
                'hospital_code': None,
                'force': None,
                }
            if row.data['department_key'] and not row.data['department']:
                stored['department'] = gettext(
                    'pharma_import.msg_import_sample_new',
                    value=row.values['department'])
            result.append(cls.sample_values(row, stored))
        return result

    @classmethod
    def _check_phones(cls, row, job):
        "Clean the phone numbers of row; refuse those that are not"
        for name, mobile in [('mobile', True), ('phone', False)]:
            value = row.values.get(name)
            if not value:
                continue
            cleaned = clean_phone(value, mobile=mobile)
            if cleaned is None:
                job.error(row, name, gettext(
                        'pharma_import.msg_import_invalid_mobile'
                        if mobile else
                        'pharma_import.msg_import_invalid_phone',
                        value=value))
                return False
            row.values[name] = cleaned
        return True

    @classmethod
    def _check_new_hospital(cls, row, job, create_missing):
        """A hospital name that resolves to none: refused with the closest
        hospitals named, or (create_missing) created unless it looks like
        an existing one and the row does not force it"""
        name = row.values['hospital']
        matcher = job.cache('hospital_matcher', lambda: HospitalMatcher(
                job.cache('territories', TerritoryIndex)))
        candidates = matcher.candidates(name)
        similar = [c for c in candidates if c[0] >= SIMILAR]
        if similar:
            job.suggest_alias(name, Pool().get('party.party')(similar[0][1]))
        if create_missing and (row.values.get('force') or not similar):
            job.plan('hospitals', name, row.data['hospital_key'])
            return True
        if create_missing:
            job.error(row, 'hospital', gettext(
                    'pharma_import.msg_import_similar_hospital',
                    value=name, candidates=_names(similar)))
        elif candidates:
            job.error(row, 'hospital', gettext(
                    'pharma_import.msg_import_unknown_hospital_candidates',
                    value=name, candidates=_names(candidates)))
        else:
            job.error(row, 'hospital', gettext(
                    'pharma_import.msg_import_unknown_hospital',
                    value=name, row=row.row))
        return False

    @classmethod
    def write(cls, rows, job):
        pool = Pool()
        Party = pool.get('party.party')
        Department = pool.get('pharma.hospital.department')
        ContactMechanism = pool.get('party.contact_mechanism')
        # The rows come with the outcome of the validation pass
        # (revalidate is False): the hospitals and departments that earlier
        # batches of this import created are taken from the job
        hospitals = job.cache('doctors_created_hospitals', dict)
        departments = job.cache('doctors_created_departments', dict)
        # Missing hospitals (only with the option ticked)
        new_hospitals = {}
        for row in rows:
            if row.data['hospital'] is None:
                key = row.data['hospital_key']
                if key not in hospitals:
                    new_hospitals.setdefault(key, row.values['hospital'])
        if new_hospitals:
            keys = list(new_hospitals)
            created = Party.create([{
                        'name': new_hospitals[k],
                        'pharma_type': 'hospital',
                        'customer_source': 'import',
                        } for k in keys])
            hospitals.update(zip(keys, [p.id for p in created]))
        for row in rows:
            if row.data['hospital'] is None:
                row.data['hospital'] = hospitals[row.data['hospital_key']]
        # Missing departments
        new_departments = {}
        for row in rows:
            if row.data['department_key'] and not row.data['department']:
                key = (row.data['hospital'], row.data['department_key'])
                if key not in departments:
                    new_departments.setdefault(key, row.values['department'])
        if new_departments:
            keys = list(new_departments)
            created = Department.create([{
                        'hospital': h, 'name': new_departments[(h, d)],
                        } for h, d in keys])
            departments.update(zip(keys, [d.id for d in created]))
        for row in rows:
            if row.data['department_key'] and not row.data['department']:
                row.data['department'] = departments[
                    (row.data['hospital'], row.data['department_key'])]
        to_create = []
        for row in rows:
            if row.action != 'create':
                continue
            values = {}
            for name, attr in cls._fields_map.items():
                if row.values.get(name) is not None:
                    values[attr] = row.values[name]
            values.update({
                    'pharma_type': 'doctor',
                    'hospital': row.data['hospital'],
                    'department': row.data['department'],
                    'customer_source': 'import',
                    })
            mechanisms = [{'type': n, 'value': row.values[n]}
                for n in ['mobile', 'phone'] if row.values.get(n)]
            if mechanisms:
                values['contact_mechanisms'] = [('create', mechanisms)]
            to_create.append(values)
        if to_create:
            Party.create(to_create)
        args, mechanisms = [], []
        for row in rows:
            if row.action != 'update':
                continue
            values = {a: n for a, (o, n) in row.changes.items()
                if a not in ('mobile', 'phone')}
            if values:
                args.extend([[row.record], values])
            for name in ['mobile', 'phone']:
                if name in row.changes:
                    mechanisms.append({'party': row.record.id,
                            'type': name, 'value': row.changes[name][1]})
            job.log_change(row.record, 'update', row.changes)
        if args:
            Party.write(*args)
        if mechanisms:
            ContactMechanism.create(mechanisms)

    @classmethod
    def export_values(cls, records):
        for sub in grouped_slice(records, _in_max()):
            for party in sub:
                yield [
                    party.name,
                    party.hospital.name if party.hospital else None,
                    None,
                    party.department.name if party.department else None,
                    _selection_label(TITLE_SELECTION, party.doctor_title)
                    if party.doctor_title else None,
                    _selection_label(POSITION_SELECTION,
                        party.doctor_position)
                    if party.doctor_position else None,
                    party.doctor_tier,
                    _selection_label(KOL_SELECTION, party.kol_level)
                    if party.kol_level else None,
                    '是' if party.prescription_right else '否',
                    '是' if party.vip else '否',
                    cls._mechanism(party, 'mobile'),
                    cls._mechanism(party, 'phone'),
                    party.first_visit_date,
                    None,
                    ]

    @staticmethod
    def _mechanism(party, type_):
        for mechanism in party.contact_mechanisms:
            if mechanism.type == type_:
                return mechanism.value
