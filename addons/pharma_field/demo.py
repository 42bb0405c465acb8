# This file is part of the pharma suite. See README.md for license terms.
"""Demo data of pharma_field: the coordinates of the Shanghai hospitals
(GCJ-02, as Amap shows them; approximate), the company's quick phrases
for the phone app and the reps' supervisors registered as reps (manager1
logs its joint visits with the app)."""
import datetime

# name: (latitude, longitude) in GCJ-02
HOSPITALS = {
    '上海交通大学医学院附属瑞金医院': (31.211767, 121.469264),
    '上海市黄浦区中心医院': (31.230046, 121.488891),
    '复旦大学附属中山医院': (31.199002, 121.454022),
    '复旦大学附属肿瘤医院': (31.193489, 121.449714),
    '上海市第六人民医院': (31.181811, 121.429043),
    '上海中医药大学附属龙华医院': (31.185214, 121.452512),
    '上海市徐汇区中心医院': (31.206913, 121.443701),
    '复旦大学附属华山医院': (31.217214, 121.443907),
    '上海市静安区中心医院': (31.224912, 121.445013),
    '上海市同仁医院': (31.220011, 121.419816),
    '上海交通大学医学院附属仁济医院': (31.228314, 121.526105),
    '上海市东方医院': (31.236915, 121.527103),
    '上海市第一人民医院': (31.249911, 121.486012),
    }
PHRASES = [
    "认可疗效，愿意试用",
    "关注价格和医保报销",
    "需要更多临床证据",
    "已有稳定用药患者",
    "科室已有同类产品",
    "下次带文献再谈",
    "医生很忙，简短沟通",
    "邀请参加科室会",
    ]


def create_demo(ctx):
    pool = ctx['pool']
    company = ctx['company']
    progress = ctx['progress']
    Party = pool.get('party.party')
    Configuration = pool.get('pharma.configuration')
    Phrase = pool.get('pharma.field.phrase')

    hospitals = Party.search([
            ('pharma_type', '=', 'hospital'),
            ('name', 'in', list(HOSPITALS)),
            ('latitude', '=', None),
            ])
    args = []
    for hospital in hospitals:
        lat, lng = HOSPITALS[hospital.name]
        args.extend([[hospital], {
                    'latitude': lat, 'longitude': lng,
                    'coordinate_system': 'gcj02',
                    }])
    if args:
        Party.write(*args)
    progress('pharma_field: coordinates of %d hospitals' % len(hospitals))

    # the supervisors of the reps log their joint visits in the app: their
    # calls pass the rep registration check as the reps' do
    Employee = pool.get('company.employee')
    today = ctx.get('today') or datetime.date.today()
    supervisors = {e.supervisor for e in Employee.search([
                ('company', '=', company.id),
                ('supervisor', '!=', None),
                ])}
    supervisors = [e for e in supervisors
        if e.rep_registration_status != 'registered']
    for employee in supervisors:
        employee.rep_registration_status = 'registered'
        employee.rep_registration_date = today - datetime.timedelta(days=400)
        if not employee.rep_registration_number:
            employee.rep_registration_number = 'SH-BA-%05d' % employee.id
    if supervisors:
        Employee.save(supervisors)
        progress('pharma_field: %d supervisors registered (%s)' % (
                len(supervisors),
                ', '.join(e.rec_name for e in supervisors)))

    config = Configuration.get_company_values(company.id)
    if not Phrase.search([('configuration', '=', config.id)], limit=1):
        Phrase.create([{
                    'configuration': config.id,
                    'sequence': i,
                    'text': text,
                    } for i, text in enumerate(PHRASES, 1)])
        progress('pharma_field: %d quick phrases' % len(PHRASES))
