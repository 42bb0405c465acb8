# This file is part of the pharma suite. See README.md for license terms.
"""Demo data of pharma_calls: a quarter of calls of rep1 and rep2 on the
doctors they cover, their weekly plans (the current one of rep1 submitted),
two academic events, call frequencies per product line, and the samples of
each rep on stock with this month's counts (rep1's confirmed with a
difference, flagged to the manager; rep2's to count)."""
import datetime
from decimal import Decimal

from .log import doctor_areas
from trytond.modules.pharma_hospital.company_time import utc_start

KEY_MESSAGES = [
    "疗效确切，指南一级推荐",
    "每日一次，依从性好",
    "一致性评价通过，质量与原研一致",
    "医保目录内，患者负担低",
    "安全性数据充分，不良反应少",
    ]
FEEDBACK = [
    "认可疗效，愿意在合适患者中试用",
    "关注价格和医保报销",
    "希望看到更多真实世界研究数据",
    "已有稳定用药患者，反馈良好",
    "科室用药目录需要药事会审批",
    ]
OBJECTIONS = [
    "担心与原研药的疗效差异",
    "科室已有同类产品",
    "患者对价格敏感",
    ]
NEXT_STEPS = [
    "提供最新临床研究文献",
    "邀请参加下月学术会议",
    "跟进药事会进院进度",
    "安排科室会",
    ]
CALL_TYPES = ['face_to_face'] * 6 + ['phone', 'online', 'department_meeting']
STAGES = ['unaware', 'aware', 'trial', 'regular', 'advocate']


def create_demo(ctx):
    pool = ctx['pool']
    company = ctx['company']
    employees = ctx['employees']
    today = ctx['today']
    rnd = ctx['random']
    progress = ctx['progress']
    Employee = pool.get('company.employee')
    Coverage = pool.get('pharma.coverage')
    Call = pool.get('pharma.call')
    Plan = pool.get('pharma.weekly.plan')
    Product = pool.get('product.product')
    Party = pool.get('party.party')

    reps = [employees[l] for l in ['rep1', 'rep2'] if l in employees]
    if not reps:
        return
    # the reps start their day on "Today" (the action opened at login)
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    today_action = ModelData.get_id('pharma_calls', 'act_call_today')
    User.write(User.search([('employees', 'in', [r.id for r in reps])]), {
            'actions': [('add', [today_action])],
            })
    if Call.search([('company', '=', company.id)], limit=1):
        progress("pharma_calls: demo calls exist, skipped")
        return
    Employee.write(reps, {
            'rep_registration_status': 'registered',
            'rep_registration_date': today - datetime.timedelta(days=400),
            })
    for rep in reps:
        if not rep.rep_registration_number:
            rep.rep_registration_number = 'SH-BA-%05d' % rep.id
    Employee.save(reps)

    # the company's own drugs (a drug with a manufacturer is a competitor's)
    own = Product.search([
            ('type', '=', 'goods'),
            ('template.manufacturer', '=', None),
            ])
    products = own[:5] or Product.search([], limit=5)
    doctors = {}
    for rep in reps:
        coverages = Coverage.search([
                ('company', '=', company.id),
                ('employee', '=', rep.id),
                ('party.pharma_type', '=', 'doctor'),
                ])
        doctors[rep] = sorted({c.party for c in coverages},
            key=lambda p: p.id)[:40]
    if not any(doctors.values()):
        progress("pharma_calls: no covered doctors, skipped")
        return

    monday = today - datetime.timedelta(days=today.weekday())
    start = monday - datetime.timedelta(weeks=12)
    progress("pharma_calls: a quarter of calls and weekly plans")
    plan_values = []
    for rep in reps:
        if not doctors[rep]:
            continue
        for week in range(13):
            week_start = start + datetime.timedelta(weeks=week)
            plan_values.append({
                    'company': company.id,
                    'employee': rep.id,
                    'week_start': week_start,
                    'state': 'done' if week_start < monday else 'draft',
                    'manager_comment': (
                        "计划合理，注意A级医生覆盖" if week % 4 == 0 else None),
                    })
    plans = Plan.create(plan_values)
    plan_of = {(p.employee.id, p.week_start): p for p in plans}

    # the drugs of each doctor's therapeutic areas (an endocrinologist is
    # not detailed amlodipine)
    detailed = {}
    for doctor in {d for ds in doctors.values() for d in ds}:
        areas = doctor_areas(doctor)
        detailed[doctor] = [p for p in own
            if p.template.therapeutic_area in areas] or products

    call_values = []
    now = datetime.datetime.now().replace(second=0, microsecond=0)
    for rep in reps:
        rep_doctors = doctors[rep]
        if not rep_doctors:
            continue
        for day in range((today - start).days + 5):
            date = start + datetime.timedelta(days=day)
            if date > monday + datetime.timedelta(days=4):
                break
            if date.weekday() >= 5:
                continue
            week_start = date - datetime.timedelta(days=date.weekday())
            plan = plan_of[rep.id, week_start]
            for i, doctor in enumerate(rnd.sample(
                        rep_doctors, min(len(rep_doctors), 4))):
                # the rep's working hours in the company's time zone
                # (Asia/Shanghai), stored in UTC as every DateTime
                when = utc_start(date) + datetime.timedelta(
                    hours=9 + 2 * i, minutes=rnd.choice([0, 15, 30]))
                past = when < now
                state = 'done' if past else 'planned'
                cancel_reason = None
                if past and rnd.random() < 0.08:
                    state, cancel_reason = 'cancelled', 'missed'
                values = {
                    'company': company.id,
                    'employee': rep.id,
                    'party': doctor.id,
                    'date': when,
                    'call_type': rnd.choice(CALL_TYPES),
                    'state': state,
                    'cancel_reason': cancel_reason,
                    'weekly_plan': plan.id if rnd.random() < 0.85 else None,
                    }
                if state == 'done':
                    values['products'] = [('create', [{
                                    'product': p.id,
                                    'key_message': rnd.choice(KEY_MESSAGES),
                                    'adoption_stage': rnd.choice(STAGES),
                                    'feedback': rnd.choice(FEEDBACK),
                                    } for p in rnd.sample(detailed[doctor],
                                    min(len(detailed[doctor]),
                                        rnd.randint(1, 2)))])]
                    if rnd.random() < 0.3:
                        values['objections'] = rnd.choice(OBJECTIONS)
                    values['next_step'] = rnd.choice(NEXT_STEPS)
                    if rnd.random() < 0.1:
                        values['followup_date'] = (
                            date + datetime.timedelta(days=14))
                    if rnd.random() < 0.05 and rep.supervisor:
                        values['call_type'] = 'joint_visit'
                        values['joint_employee'] = rep.supervisor.id
                        values['manager_comment'] = "协访：沟通顺畅，需加强产品差异化介绍"
                elif values['call_type'] == 'joint_visit':
                    values['call_type'] = 'face_to_face'
                call_values.append(values)
    for i in range(0, len(call_values), 500):
        Call.create(call_values[i:i + 500])

    # The current week: rep1's plan submitted for approval
    current = [p for p in plans if p.week_start == monday]
    rep1 = employees.get('rep1')
    submitted = [p for p in current if rep1 and p.employee == rep1]
    if submitted:
        Plan.submit(submitted)

    progress("pharma_calls: two academic events")
    Event = pool.get('pharma.event')
    Invitation = pool.get('pharma.event.invitation')
    hospitals = Party.search([('pharma_type', '=', 'hospital')], limit=2)
    kols = [d for d in sum(doctors.values(), [])
        if d.doctor_title in ('chief', 'associate_chief')][:2] or \
        sum(doctors.values(), [])[:2]
    when = utc_start(today + datetime.timedelta(days=10)) + (
        datetime.timedelta(hours=14))
    last_month_mid = utc_start(
        (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=15)
        ) + datetime.timedelta(hours=14)
    events = Event.create([{
                'company': company.id,
                'topic': "高血压合理用药学术研讨会",
                'event_type': 'seminar',
                'product': products[0].id if products else None,
                'date': when,
                'end_date': when + datetime.timedelta(hours=3),
                'place': hospitals[0].rec_name if hospitals else "上海",
                'organiser': reps[0].id,
                'budget_estimated': Decimal(20000),
                'budget_committed': Decimal(15000),
                'state': 'approved',
                'speakers': [('create', [{
                                'party': kols[0].id,
                                'qualification': "主任医师，心内科主任",
                                'contract_ref': "SP-2026-001",
                                'fee': Decimal(3000),
                                }])] if kols else [],
                }, {
                'company': company.id,
                'topic': "心内科科室会：他汀类药物新进展",
                'event_type': 'department_meeting',
                'product': products[-1].id if products else None,
                # held in the middle of last month: the month the
                # management report pack shows by default
                'date': last_month_mid,
                'end_date': last_month_mid + datetime.timedelta(hours=1),
                'place': hospitals[-1].rec_name if hospitals else "上海",
                'organiser': reps[-1].id,
                'budget_estimated': Decimal(3000),
                'budget_committed': Decimal(2500),
                'budget_actual': Decimal(2400),
                'state': 'done',
                }])
    invitations = []
    for event, rep in zip(events, [reps[0], reps[-1]]):
        for doctor in doctors[rep][:8]:
            invitations.append({
                    'event': event.id,
                    'doctor': doctor.id,
                    'invited_by': rep.id,
                    'state': ('attended' if event.state == 'done'
                        else rnd.choice(['invited', 'confirmed'])),
                    'cost': Decimal(150),
                    })
    Invitation.create(invitations)
    progress("pharma_calls: %s calls, %s plans, %s events" % (
            len(call_values), len(plans), len(events)))
    create_frequencies(ctx, products)
    create_samples(ctx, reps, products)


def create_frequencies(ctx, products):
    "Call frequencies of the product lines of the promoted drugs"
    pool = ctx['pool']
    Configuration = pool.get('pharma.configuration')
    config = Configuration.get_config(ctx['company'])
    areas = []
    for product in products:
        area = product.template.therapeutic_area
        if area and area not in areas:
            areas.append(area)
    existing = {f.therapeutic_area for f in config.call_frequencies}
    values = []
    for area, (freq_a, freq_b, freq_c) in zip(areas, [(6, 3, 1), (3, 2, 1)]):
        if area not in existing:
            values.append({
                    'therapeutic_area': area.id,
                    'freq_a': freq_a, 'freq_b': freq_b, 'freq_c': freq_c,
                    })
    if values:
        Configuration.write([config], {
                'call_frequencies': [('create', values)]})
        ctx['progress']("pharma_calls: %s product-line frequencies"
            % len(values))


def create_samples(ctx, reps, products):
    """A sample location per rep with two drugs, and this month's sample
    counts"""
    pool = ctx['pool']
    company = ctx['company']
    Location = pool.get('stock.location')
    Move = pool.get('stock.move')
    Employee = pool.get('company.employee')
    Inventory = pool.get('stock.inventory')
    InventoryLine = pool.get('stock.inventory.line')
    goods = [p for p in products if p.type == 'goods'][:2]
    supplier = Location.search([('type', '=', 'supplier')], limit=1)
    warehouse = Location.search([('type', '=', 'warehouse')], limit=1)
    if not goods or not supplier or not warehouse:
        return
    reps = [r for r in reps if not r.sample_location]
    if not reps:
        return
    ctx['progress']("pharma_calls: samples of the reps and their counts")
    bags = Location.create([{
                'name': "样品 %s" % rep.party.name,
                'type': 'storage',
                'parent': warehouse[0].id,
                } for rep in reps])
    for rep, bag in zip(reps, bags):
        rep.sample_location = bag
    Employee.save(reps)
    moves = [Move(
            product=product, unit=product.default_uom, quantity=50,
            from_location=supplier[0], to_location=bag, company=company,
            unit_price=Decimal(1),
            currency=company.currency,
            effective_date=ctx['today'] - datetime.timedelta(days=30))
        for bag in bags for product in goods]
    Move.save(moves)
    Move.do(moves)
    counts = Inventory.create_sample_counts(reps, date=ctx['today'])
    if counts:
        # rep1 counted two samples less of the first drug than expected
        count = counts[0]
        lines = list(count.lines)
        for line in lines:
            line.quantity = line.expected_quantity - (
                2 if line.product == goods[0] else 0)
        InventoryLine.save(lines)
        Inventory.confirm([count])
