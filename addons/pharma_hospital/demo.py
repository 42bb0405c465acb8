# This file is part of the pharma suite. See README.md for license terms.
"""pharma_hospital's demo data, run by scripts/demo.py first (every other
module's demo builds on it): territories of
East China, about 30 hospitals in 上海/江苏/浙江 with their departments,
about 200 doctors, manufacturers, the drug master (when product.template
has its fields) and the coverage of rep1/rep2 (manager1 manages the
region)."""
import datetime
from decimal import Decimal

# code, name, level, parent code, subdivision code
TERRITORIES = [
    ('EC', '华东大区', 'region', None, None),
    ('SH', '上海市', 'province', 'EC', 'CN-SH'),
    ('JS', '江苏省', 'province', 'EC', 'CN-JS'),
    ('ZJ', '浙江省', 'province', 'EC', 'CN-ZJ'),
    ('SH-SH', '上海市', 'city', 'SH', None),
    ('SH-HP', '黄浦区', 'district', 'SH-SH', None),
    ('SH-XH', '徐汇区', 'district', 'SH-SH', None),
    ('SH-JA', '静安区', 'district', 'SH-SH', None),
    ('SH-CN', '长宁区', 'district', 'SH-SH', None),
    ('SH-PD', '浦东新区', 'district', 'SH-SH', None),
    ('SH-HK', '虹口区', 'district', 'SH-SH', None),
    ('JS-NJ', '南京市', 'city', 'JS', None),
    ('JS-NJ-GL', '鼓楼区', 'district', 'JS-NJ', None),
    ('JS-NJ-XW', '玄武区', 'district', 'JS-NJ', None),
    ('JS-SZ', '苏州市', 'city', 'JS', None),
    ('JS-SZ-GS', '姑苏区', 'district', 'JS-SZ', None),
    ('JS-SZ-YQ', '苏州工业园区', 'district', 'JS-SZ', None),
    ('ZJ-HZ', '杭州市', 'city', 'ZJ', None),
    ('ZJ-HZ-SC', '上城区', 'district', 'ZJ-HZ', None),
    ('ZJ-HZ-XH', '西湖区', 'district', 'ZJ-HZ', None),
    ('ZJ-NB', '宁波市', 'city', 'ZJ', None),
    ('ZJ-NB-HS', '海曙区', 'district', 'ZJ-NB', None),
    ('ZJ-NB-YZ', '鄞州区', 'district', 'ZJ-NB', None),
    ]
# The districts each rep works in (they see the rest read-only)
REP_TERRITORIES = {
    'rep1': ['SH-HP', 'SH-XH', 'SH-JA', 'SH-CN'],
    'rep2': ['SH-PD', 'SH-HK', 'JS-SZ-GS', 'JS-SZ-YQ'],
    }

# name, district, grade, type, ownership, beds, outpatients (10k/yr), key
HOSPITALS = [
    ('上海交通大学医学院附属瑞金医院', 'SH-HP', '3a', 'general', 'public', 3200, 420, 'A'),
    ('上海市第九人民医院黄浦分院', 'SH-HP', '2a', 'general', 'public', 600, 80, None),
    ('上海市黄浦区中心医院', 'SH-HP', '2a', 'general', 'public', 450, 60, None),
    ('复旦大学附属中山医院', 'SH-XH', '3a', 'general', 'public', 3000, 450, 'A'),
    ('复旦大学附属肿瘤医院', 'SH-XH', '3a', 'specialist', 'public', 2100, 200, 'A'),
    ('上海市第六人民医院', 'SH-XH', '3a', 'general', 'public', 2000, 300, 'B'),
    ('上海中医药大学附属龙华医院', 'SH-XH', '3a', 'tcm', 'public', 1300, 250, 'B'),
    ('上海市徐汇区中心医院', 'SH-XH', '2a', 'general', 'public', 550, 90, None),
    ('复旦大学附属华山医院', 'SH-JA', '3a', 'general', 'public', 2200, 400, 'A'),
    ('上海市静安区中心医院', 'SH-JA', '2a', 'general', 'public', 500, 70, None),
    ('上海市同仁医院', 'SH-CN', '2a', 'general', 'public', 800, 120, 'C'),
    ('上海交通大学医学院附属仁济医院', 'SH-PD', '3a', 'general', 'public', 2500, 380, 'A'),
    ('上海市东方医院', 'SH-PD', '3a', 'general', 'public', 2000, 260, 'B'),
    ('上海市第一人民医院', 'SH-HK', '3a', 'general', 'public', 2100, 320, 'A'),
    ('江苏省人民医院', 'JS-NJ-GL', '3a', 'general', 'public', 3700, 480, 'A'),
    ('南京大学医学院附属鼓楼医院', 'JS-NJ-GL', '3a', 'general', 'public', 3500, 460, 'A'),
    ('东南大学附属中大医院', 'JS-NJ-XW', '3a', 'general', 'public', 2500, 300, 'B'),
    ('南京市第一医院', 'JS-NJ-XW', '3a', 'general', 'public', 2000, 280, 'B'),
    ('苏州大学附属第一医院', 'JS-SZ-GS', '3a', 'general', 'public', 3000, 350, 'A'),
    ('苏州市立医院', 'JS-SZ-GS', '3b', 'general', 'public', 1800, 220, 'B'),
    ('苏州大学附属第二医院', 'JS-SZ-YQ', '3a', 'general', 'public', 2200, 250, 'B'),
    ('苏州工业园区星海医院', 'JS-SZ-YQ', '2a', 'general', 'public', 400, 60, None),
    ('浙江大学医学院附属第一医院', 'ZJ-HZ-SC', '3a', 'general', 'public', 4000, 500, 'A'),
    ('浙江省人民医院', 'ZJ-HZ-SC', '3a', 'general', 'public', 2600, 330, 'A'),
    ('浙江大学医学院附属邵逸夫医院', 'ZJ-HZ-SC', '3a', 'general', 'public', 2400, 300, 'B'),
    ('浙江省中医院', 'ZJ-HZ-XH', '3a', 'tcm', 'public', 1500, 280, 'B'),
    ('杭州市西湖区社区卫生服务中心', 'ZJ-HZ-XH', '1', 'community', 'public', 60, 30, None),
    ('宁波市第一医院', 'ZJ-NB-HS', '3a', 'general', 'public', 1900, 230, 'B'),
    ('宁波大学附属李惠利医院', 'ZJ-NB-YZ', '3a', 'general', 'public', 2100, 240, 'B'),
    ('宁波和睦康复医院', 'ZJ-NB-YZ', 'none', 'private_clinic', 'private', 150, 10, None),
    ]
# department type code suffix -> beds; the first ones are targets
DEPARTMENTS = {
    'general': ['cardiology', 'oncology', 'respiratory', 'endocrinology',
        'gastro', 'pharmacy', 'neurology'],
    'specialist': ['oncology', 'hematology', 'pharmacy', 'general_surgery'],
    'tcm': ['cardiology', 'gastro', 'respiratory', 'pharmacy'],
    'community': ['pharmacy', 'cardiology'],
    'private_clinic': ['rheumatology', 'pharmacy'],
    'maternal_child': ['gynecology', 'pediatrics', 'pharmacy'],
    }
TARGETS = {'cardiology', 'oncology', 'respiratory', 'endocrinology'}
AREAS = [
    ('CV', '心血管'), ('ONC', '肿瘤'), ('RESP', '呼吸'), ('ENDO', '内分泌'),
    ('GI', '消化'), ('NEURO', '神经'), ('INF', '抗感染'),
    ]
AREA_OF_DEPARTMENT = {
    'cardiology': 'CV', 'oncology': 'ONC', 'hematology': 'ONC',
    'respiratory': 'RESP', 'endocrinology': 'ENDO', 'gastro': 'GI',
    'neurology': 'NEURO', 'general_surgery': 'ONC', 'rheumatology': 'INF',
    'pharmacy': 'INF',
    }
SURNAMES = ('王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾'
    '肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方'
    '白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严戴孔汤单')
GIVEN = ['伟', '芳', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰',
    '娟', '涛', '明', '超', '秀英', '霞', '平', '刚', '建华', '文', '华', '红',
    '志强', '晓东', '海燕', '建国', '俊', '鹏', '慧', '晨', '宇', '浩', '婷',
    '雪', '琳', '斌', '新', '辉', '玲', '国庆', '立新', '春梅', '丹', '颖',
    '振宇', '子豪', '思远', '佳怡', '卫东', '红梅', '永刚', '晓燕', '一鸣']
# Manufacturers (pharma_type manufacturer)
MANUFACTURERS = [
    '辉瑞投资有限公司', '赛诺菲(中国)投资有限公司', '深圳信立泰药业股份有限公司',
    '默克雪兰诺有限公司', '阿斯利康(无锡)贸易有限公司', '齐鲁制药有限公司',
    '山东绿叶制药有限公司', '中美上海施贵宝制药有限公司', '葛兰素史克(中国)投资有限公司',
    '江苏恒瑞医药股份有限公司', '拜耳医药保健有限公司',
    ]
# ours: brand, generic, dosage form, strength, pack, area, price
OUR_DRUGS = [
    ('华脂宁', '阿托伐他汀钙片', 'tablet', '20mg', 7, 'CV', '28.50'),
    ('华压宁', '苯磺酸氨氯地平片', 'tablet', '5mg', 28, 'CV', '32.00'),
    ('华栓通', '硫酸氢氯吡格雷片', 'tablet', '75mg', 7, 'CV', '25.80'),
    ('华瑞宁', '瑞舒伐他汀钙片', 'tablet', '10mg', 7, 'CV', '19.90'),
    ('华糖平', '盐酸二甲双胍缓释片', 'tablet', '0.5g', 30, 'ENDO', '18.60'),
    ('华胃安', '奥美拉唑肠溶胶囊', 'capsule', '20mg', 14, 'GI', '15.20'),
    ('华靶宁', '吉非替尼片', 'tablet', '250mg', 10, 'ONC', '547.00'),
    ('华紫宁', '注射用紫杉醇(白蛋白结合型)', 'injection', '100mg', 1,
        'ONC', '780.00'),
    ('华孢欣', '头孢呋辛酯片', 'tablet', '0.25g', 12, 'INF', '22.40'),
    ('华喘舒', '吸入用布地奈德混悬液', 'inhalation', '1mg:2ml', 5,
        'RESP', '46.00'),
    ]
# brand, generic, form, strength, pack, area, price, manufacturer index
COMPETITOR_DRUGS = [
    ('立普妥', '阿托伐他汀钙片', 'tablet', '20mg', 7, 'CV', '39.60', 0),
    ('络活喜', '苯磺酸氨氯地平片', 'tablet', '5mg', 28, 'CV', '45.00', 0),
    ('波立维', '硫酸氢氯吡格雷片', 'tablet', '75mg', 7, 'CV', '44.10', 1),
    ('泰嘉', '硫酸氢氯吡格雷片', 'tablet', '75mg', 7, 'CV', '29.80', 2),
    ('格华止', '盐酸二甲双胍片', 'tablet', '0.5g', 20, 'ENDO', '25.00', 3),
    ('洛赛克', '奥美拉唑肠溶胶囊', 'capsule', '20mg', 14, 'GI', '70.00', 4),
    ('易瑞沙', '吉非替尼片', 'tablet', '250mg', 10, 'ONC', '547.00', 4),
    ('伊瑞可', '吉非替尼片', 'tablet', '250mg', 10, 'ONC', '460.00', 5),
    ('力扑素', '注射用紫杉醇脂质体', 'injection', '30mg', 1, 'ONC',
        '558.00', 6),
    ('泰素', '紫杉醇注射液', 'injection', '30mg:5ml', 1, 'ONC', '498.00',
        7),
    ('西力欣', '头孢呋辛酯片', 'tablet', '0.25g', 12, 'INF', '36.50', 8),
    ('普米克令舒', '吸入用布地奈德混悬液', 'inhalation', '1mg:2ml', 5,
        'RESP', '62.00', 4),
    ('可定', '瑞舒伐他汀钙片', 'tablet', '10mg', 7, 'CV', '42.30', 4),
    ('艾瑞卡', '注射用卡瑞利珠单抗', 'injection', '200mg', 1, 'ONC',
        '2928.00', 9),
    ('拜新同', '硝苯地平控释片', 'tablet', '30mg', 7, 'CV', '33.40', 10),
    ]


def _selection_key(Model, field, wanted):
    "wanted if it is a key of the selection field (else None)"
    selection = Model._fields[field].selection
    if isinstance(selection, str):
        selection = getattr(Model, selection)()
    keys = [k for k, _ in selection]
    return wanted if wanted in keys else None


def create_demo(ctx):
    pool = ctx['pool']
    rnd = ctx['random']
    company = ctx['company']
    employees = ctx['employees']
    progress = ctx['progress']
    today = ctx['today']

    Party = pool.get('party.party')
    Territory = pool.get('pharma.territory')
    Subdivision = pool.get('country.subdivision')
    Country = pool.get('country.country')
    Area = pool.get('pharma.therapeutic.area')
    DepartmentType = pool.get('pharma.department.type')
    Department = pool.get('pharma.hospital.department')
    Coverage = pool.get('pharma.coverage')
    ModelData = pool.get('ir.model.data')

    # Territories: manager1 manages the region, reps work their districts
    subdivisions = {s.code: s for s in Subdivision.search(
            [('code', 'like', 'CN-%')])}
    china = Country.search([('code', '=', 'CN')], limit=1)
    china = china[0] if china else None
    territories = {}
    for level in ['region', 'province', 'city', 'district']:
        rows = [t for t in TERRITORIES if t[2] == level]
        created = Territory.create([{
                    'code': code, 'name': name, 'level': level,
                    'parent': territories[parent].id if parent else None,
                    'subdivision': (subdivisions[sub].id
                        if sub in subdivisions else None),
                    'manager': (employees['manager1'].id
                        if level == 'region' else None),
                    } for code, name, _, parent, sub in rows])
        territories.update(zip([r[0] for r in rows], created))
    for login, codes in REP_TERRITORIES.items():
        Territory.write([territories[c] for c in codes], {
                'reps': [('add', [employees[login].id])]})
    progress('  %d territories (华东大区 managed by manager1)'
        % len(territories))

    areas = {a.code: a for a in Area.search([])}
    missing = [(c, n) for c, n in AREAS if c not in areas]
    if missing:
        for area in Area.create(
                [{'code': c, 'name': n} for c, n in missing]):
            areas[area.code] = area

    # Hospitals
    def province_code(district):
        return district.split('-')[0]
    hospital_values = []
    for (name, district, grade, type_, ownership, beds, visits,
            key) in HOSPITALS:
        territory = territories[district]
        city = territory.parent
        sub = subdivisions.get('CN-' + province_code(district))
        hospital_values.append({
                'name': name,
                'pharma_type': 'hospital',
                'hospital_grade': grade,
                'hospital_type': type_,
                'ownership': ownership,
                'beds': beds,
                'outpatient_visits': visits * 10000,
                'key_account': bool(key),
                'key_level': key,
                'territory': territory.id,
                'lifecycle_stage': 'customer' if key else 'prospect',
                'customer_source': 'rep',
                'addresses': [('create', [{
                                'city': '%s%s' % (city.name, territory.name),
                                'country': china.id if china else None,
                                'subdivision': sub.id if sub else None,
                                }])],
                })
    hospitals = Party.create(hospital_values)
    progress('  %d hospitals in 上海/江苏/浙江' % len(hospitals))

    # Departments
    types = {}
    for t in DepartmentType.search([]):
        data = ModelData.search([
                ('model', '=', 'pharma.department.type'),
                ('db_id', '=', t.id)], limit=1)
        if data and data[0].fs_id.startswith('department_type_'):
            types[data[0].fs_id[len('department_type_'):]] = t
    department_values = []
    for hospital, row in zip(hospitals, HOSPITALS):
        for code in DEPARTMENTS[row[3]]:
            type_ = types.get(code)
            if not type_:
                continue
            department_values.append({
                    'hospital': hospital.id,
                    'name': type_.name,
                    'type': type_.id,
                    'beds': (0 if code == 'pharmacy'
                        else rnd.randint(3, 12) * 10),
                    'target': code in TARGETS,
                    })
    departments = Department.create(department_values)
    code_of_type = {t.id: c for c, t in types.items()}
    by_hospital = {}
    for department in departments:
        by_hospital.setdefault(department.hospital.id, []).append(department)
    progress('  %d departments' % len(departments))

    # Doctors: about 200, unique names within a hospital
    field_titles = ['chief', 'associate_chief', 'attending', 'resident']
    doctor_values = []
    for hospital, row in zip(hospitals, HOSPITALS):
        count = {'3a': 9, '3b': 7, '2a': 5}.get(row[2], 3)
        used = set()
        depts = by_hospital.get(hospital.id, [])
        for i in range(count):
            while True:
                name = rnd.choice(SURNAMES) + rnd.choice(GIVEN)
                if name not in used:
                    used.add(name)
                    break
            department = depts[i % len(depts)] if depts else None
            code = code_of_type.get(department.type.id) if department else None
            if code == 'pharmacy':
                title = rnd.choice(['pharmacist', 'chief_pharmacist'])
                position = 'pharmacy_director' if i < len(depts) else 'staff'
            else:
                if i < len(depts):
                    title = rnd.choice(field_titles[:2])
                else:
                    title = rnd.choices(field_titles, [1, 3, 4, 2])[0]
                position = ('department_head' if i < len(depts)
                    else rnd.choice(['expert', 'staff', 'deputy_head']))
            tier = rnd.choices(['A', 'B', 'C'], [2, 3, 5])[0]
            if row[2] == '3a' and title == 'chief':
                kol = rnd.choice(['national', 'provincial', 'city'])
            else:
                kol = rnd.choice(['city', 'none', 'none'])
            area = AREA_OF_DEPARTMENT.get(code)
            doctor_values.append({
                    'name': name,
                    'pharma_type': 'doctor',
                    'hospital': hospital.id,
                    'department': department.id if department else None,
                    'doctor_title': title,
                    'doctor_position': position,
                    'doctor_tier': tier,
                    'kol_level': kol,
                    'prescription_right': title not in (
                        'pharmacist', 'chief_pharmacist'),
                    'therapeutic_areas': ([('add', [areas[area].id])]
                        if area in areas else []),
                    'vip': tier == 'A' and kol in ('national', 'provincial'),
                    'vip_frequency': (4 if tier == 'A'
                        and kol in ('national', 'provincial') else None),
                    'best_visit_time': rnd.choice(
                        ['周二下午门诊后', '周四上午查房后', '周一中午',
                            '周五下午']),
                    'preferred_channel': rnd.choice(
                        ['visit', 'visit', 'wechat', 'meeting']),
                    'consent_status': rnd.choices(
                        ['given', 'pending'], [4, 1])[0],
                    'lifecycle_stage': rnd.choice(
                        ['prospect', 'opportunity', 'customer', 'user']),
                    'customer_source': rnd.choice(
                        ['rep', 'event', 'referral', 'import']),
                    })
    for values in doctor_values:
        if values['consent_status'] == 'given':
            values['consent_date'] = today - datetime.timedelta(
                days=rnd.randint(30, 400))
    doctors = Party.create(doctor_values)
    # Heads of department: the first doctor of each department
    heads = {}
    for doctor in doctors:
        if (doctor.department and doctor.doctor_position in (
                    'department_head', 'pharmacy_director')
                and doctor.department.id not in heads):
            heads[doctor.department.id] = doctor.id
    to_write = []
    for department in departments:
        if department.id in heads:
            to_write.extend([[department], {'head': heads[department.id]}])
    if to_write:
        Department.write(*to_write)
    progress('  %d doctors' % len(doctors))

    # Coverage: each rep covers the hospitals of their districts and most
    # of their doctors as primary; manager1 has none of their own
    coverage_values = []
    start = today - datetime.timedelta(days=365)
    district_rep = {c: login for login, codes in REP_TERRITORIES.items()
        for c in codes}
    for hospital, row in zip(hospitals, HOSPITALS):
        login = district_rep.get(row[1])
        if not login:
            continue
        coverage_values.append({
                'company': company.id, 'employee': employees[login].id,
                'party': hospital.id, 'role': 'primary',
                'start_date': start,
                })
    for doctor in doctors:
        row = HOSPITALS[hospitals.index(doctor.hospital)]
        login = district_rep.get(row[1])
        if not login or doctor.doctor_tier == 'C':
            continue
        coverage_values.append({
                'company': company.id, 'employee': employees[login].id,
                'party': doctor.id, 'role': 'primary',
                'start_date': start,
                })
    Coverage.create(coverage_values)
    progress('  %d coverages for rep1 and rep2' % len(coverage_values))

    # Manufacturers and the drug master
    manufacturers = Party.create([{
                'name': name, 'pharma_type': 'manufacturer',
                } for name in MANUFACTURERS])
    create_drugs(ctx, manufacturers, areas, territories)


DOSE_UNITS = {'tablet': '片', 'capsule': '粒', 'injection': '支',
    'inhaler': '支'}
# index of COMPETITOR_DRUGS rows made by Chinese generic makers
DOMESTIC = {3, 7, 8}


def create_drugs(ctx, manufacturers, areas, territories):
    pool = ctx['pool']
    progress = ctx['progress']
    rnd = ctx['random']
    Template = pool.get('product.template')
    ModelData = pool.get('ir.model.data')
    if 'generic_name' not in Template._fields:
        progress('  drug master skipped: product.template has no '
            'generic_name field yet')
        return
    unit = ModelData.get_id('product', 'uom_unit')
    provinces = [territories[c] for c in ['SH', 'JS', 'ZJ']]

    def values(brand, generic, form, strength, pack, area, price,
            manufacturer, tier, number):
        form = 'inhaler' if form == 'inhalation' else form
        result = {
            'name': '%s %s %s×%s' % (brand, generic, strength, pack),
            'type': 'goods',
            'default_uom': unit,
            'list_price': Decimal(price),
            'products': [('create', [{}])],
            }
        optional = {
            'is_pharma': True,
            'generic_name': generic,
            'brand': brand,
            'strength': strength,
            'pack_size': pack,
            'dose_unit': DOSE_UNITS.get(form, '支'),
            'approval_number': '国药准字%s%08d' % (
                'J' if tier == 'original' else 'H', 20260000 + number),
            'nhsa_drug_code': 'XC%02dA%07d' % (number % 20, 1000 + number),
            'reimbursement': 'category_a' if number % 3 else 'category_b',
            'quality_tier': tier,
            'manufacturer': manufacturer.id if manufacturer else None,
            'therapeutic_area': areas[area].id if area in areas else None,
            }
        for field, value in optional.items():
            if field not in Template._fields:
                continue
            if (Template._fields[field]._type == 'selection'
                    and value is not None
                    and not _selection_key(Template, field, value)):
                continue
            result[field] = value
        if 'province_prices' in Template._fields:
            # the listed (winning bid) price differs a little per province
            result['province_prices'] = [('create', [{
                            'province': p.id,
                            'price': (Decimal(price) * Decimal(
                                    rnd.choice(['0.96', '0.98', '1.00'])
                                    )).quantize(Decimal('0.01')),
                            'start_date': ctx['today'].replace(
                                month=1, day=1),
                            } for p in provinces])]
        return result

    vlist = [values(*row, None, 'generic_consistency', i)
        for i, row in enumerate(OUR_DRUGS)]
    vlist += [values(*row[:7], manufacturers[row[7]],
            'generic_consistency' if i in DOMESTIC else 'original',
            100 + i)
        for i, row in enumerate(COMPETITOR_DRUGS)]
    Template.create(vlist)
    progress('  drug master: %d drugs of ours, %d of competitors'
        % (len(OUR_DRUGS), len(COMPETITOR_DRUGS)))
