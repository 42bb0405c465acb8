# This file is part of the pharma suite. See README.md for license terms.
"Demo data of pharma_service: cases of each type and the knowledge base"
import datetime as dt

CASES = [
    # case_type, channel, priority, description, resolution
    ('complaint', 'hotline', 'high',
        "外包装破损，5 盒药品无法销售。", "已通过销售投诉开具红字发票。"),
    ('complaint', 'rep', 'normal',
        "铝塑板有一粒缺失。", None),
    ('complaint', 'email', 'low',
        "说明书为旧版本。", "已寄送新版说明书。"),
    ('medical_inquiry', 'hotline', 'normal',
        "本品能否与食物同服？", "可以，食物不影响吸收。"),
    ('medical_inquiry', 'wechat', 'normal',
        "肾功能不全患者是否需要调整剂量？", None),
    ('medical_inquiry', 'visit', 'high',
        "儿童用药剂量如何计算？", None),
    ('technical_support', 'email', 'normal',
        "冷链运输温度记录仪读数异常。", "记录仪故障，已更换。"),
    ('technical_support', 'hotline', 'low',
        "药品追溯码扫描失败。", None),
    ]
ADVERSE_EVENTS = [
    # seriousness, outcome, days since awareness, age, sex, description
    ('hospitalisation', 'recovering', 3, 63, 'female',
        "第二次给药后出现皮疹和高热，住院治疗。"),
    ('non_serious', 'recovered', 10, 35, 'male',
        "轻度恶心，停药后缓解。"),
    ('non_serious', 'unknown', 35, 52, 'female',
        "头晕，随访中。"),
    ]


def create_demo(ctx):
    pool = ctx['pool']
    Case = pool.get('pharma.service.case')
    Article = pool.get('pharma.service.article')
    Tag = pool.get('pharma.service.tag')
    Party = pool.get('party.party')
    Product = pool.get('product.product')
    company = ctx['company']
    employees = ctx['employees']
    today = ctx['today']
    rnd = ctx['random']
    progress = ctx['progress']

    hospitals = Party.search(
        [('pharma_type', '=', 'hospital')], limit=20, order=[('id', 'ASC')])
    doctors = Party.search(
        [('pharma_type', '=', 'doctor')], limit=20, order=[('id', 'ASC')])
    distributors = Party.search(
        [('pharma_type', '=', 'distributor')], limit=5,
        order=[('id', 'ASC')])
    products = Product.search([], limit=10, order=[('id', 'ASC')])
    parties = hospitals + doctors + distributors

    def pick(records):
        return rnd.choice(records).id if records else None

    owners = [e for k, e in employees.items()
        if k in {'rep1', 'rep2', 'quality1', 'medical1'}]
    now = dt.datetime.now().replace(microsecond=0)
    values = []
    for i, (case_type, channel, priority, description, resolution) in (
            enumerate(CASES)):
        values.append({
                'company': company.id,
                'case_type': case_type,
                'channel': channel,
                'priority': priority,
                'date': now - dt.timedelta(hours=rnd.randint(1, 120)),
                'party': pick(parties),
                'product': pick(products),
                'lot': 'B%s%03d' % (today.strftime('%y%m'), i + 1),
                'description': description,
                'resolution': resolution,
                'owner': rnd.choice(owners).id if owners else None,
                })
    for seriousness, outcome, days, age, sex, description in ADVERSE_EVENTS:
        awareness = today - dt.timedelta(days=days)
        values.append({
                'company': company.id,
                'case_type': 'adverse_event',
                'channel': 'rep',
                'priority': (
                    'urgent' if seriousness != 'non_serious' else 'normal'),
                'party': pick(doctors or parties),
                'reporter': pick(doctors),
                'reporter_type': 'physician',
                'product': pick(products),
                'lot': 'B%s%03d' % (today.strftime('%y%m'), len(values) + 1),
                'description': description,
                'seriousness': seriousness,
                'outcome': outcome,
                'onset_date': awareness - dt.timedelta(days=2),
                'awareness_date': awareness,
                'patient_initials': rnd.choice(['WL', 'ZS', 'LJ', 'CH']),
                'patient_age': age,
                'patient_sex': sex,
                'owner': employees['quality1'].id
                if 'quality1' in employees else None,
                })
    progress('  %d service cases' % len(values))
    cases = Case.create(values)
    resolved = [c for c in cases if c.resolution]
    Case.resolve(resolved)

    tags = Tag.create([{'name': n} for n in ['用法用量', '不良反应', '储存', '包装']])
    articles = Case.create_article(
        [c for c in resolved if c.case_type == 'medical_inquiry'])
    articles += Article.create([{
                'question': "本品储存条件？",
                'answer': "遮光，密封，25℃以下保存。",
                'product': pick(products),
                'tags': [('add', [tags[2].id])],
                }])
    Article.write(articles[:1], {'tags': [('add', [tags[0].id])]})
    Article.approve(articles)
    progress('  %d knowledge base articles' % len(articles))
