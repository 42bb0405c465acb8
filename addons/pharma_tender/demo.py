# This file is part of the pharma suite. See README.md for license terms.
"""pharma_tender's demo data: a year of tenders in 上海, 江苏 and 浙江 with
the awards of ours and of competitors, a volume-based procurement with its
hospital volumes, open tenders with coming deadlines, floor prices and the
price-linkage alerts of the last awards."""
import datetime
from decimal import Decimal

AUTHORITIES = {
    'SH': '上海市医药集中招标采购事务管理所',
    'JS': '江苏省医疗保障局',
    'ZJ': '浙江省药械采购中心',
    }
PROVINCE_NAMES = {'SH': '上海', 'JS': '江苏', 'ZJ': '浙江'}
COMPETITORS = ['辉瑞投资有限公司', '齐鲁制药有限公司', '江苏恒瑞医药股份有限公司']


def create_demo(ctx):
    pool = ctx['pool']
    progress = ctx['progress']
    rnd = ctx['random']
    company = ctx['company']
    today = ctx['today']
    Party = pool.get('party.party')
    Territory = pool.get('pharma.territory')
    Template = pool.get('product.template')
    Tender = pool.get('pharma.tender')
    Line = pool.get('pharma.tender.line')
    FloorPrice = pool.get('pharma.tender.floor.price')
    marketing = ctx['employees'].get('marketing1')
    owner = marketing.id if marketing else None

    provinces = {}
    for code in ['SH', 'JS', 'ZJ']:
        found = Territory.search([
                ('level', '=', 'province'),
                ['OR', ('code', '=', code),
                    ('name', 'like', PROVINCE_NAMES[code] + '%')],
                ], limit=1)
        if not found:
            found = Territory.create([{
                        'name': PROVINCE_NAMES[code] + '省', 'code': code,
                        'level': 'province'}])
        provinces[code] = found[0]

    # Government authorities and competitor manufacturers
    existing = {p.name: p for p in Party.search([
                ('name', 'in',
                    list(AUTHORITIES.values()) + COMPETITORS)])}
    to_create = [{'name': n, 'pharma_type': 'government',
            'territory': provinces[c].id}
        for c, n in AUTHORITIES.items() if n not in existing]
    manufacturers = Party.search([('pharma_type', '=', 'manufacturer')])
    if not manufacturers:
        to_create += [{'name': n, 'pharma_type': 'manufacturer'}
            for n in COMPETITORS if n not in existing]
    if to_create:
        for party in Party.create(to_create):
            existing[party.name] = party
    if not manufacturers:
        manufacturers = [existing[n] for n in COMPETITORS]
    authorities = {c: existing[n] for c, n in AUTHORITIES.items()}

    # The drug master: ours, and the competitors' makers per generic name
    drugs = Template.search([
            ('is_pharma', '=', True),
            ('manufacturer', '=', None),
            ])
    if not drugs:
        progress('  tenders skipped: no drug of ours in the drug master')
        return
    makers = {}
    for template in Template.search([
                ('is_pharma', '=', True),
                ('manufacturer', '!=', None),
                ]):
        makers.setdefault(template.generic_name, []).append(
            template.manufacturer)
    hospitals = {code: Party.search([
                ('pharma_type', '=', 'hospital'),
                ('territory', 'child_of', [provinces[code].id], 'parent'),
                ], limit=6)
        for code in provinces}
    agents = Party.search(
        [('pharma_type', 'in', ['agent', 'distributor'])], limit=3)

    def price_of(template):
        return template.list_price or Decimal('20')

    FloorPrice.create([{
                'company': company.id,
                'product': t.products[0].id,
                'price': (price_of(t) * Decimal('0.7')).quantize(
                    Decimal('0.01')),
                } for t in drugs if t.products])

    start = today - datetime.timedelta(days=365)
    tenders = []
    for code, province in provinces.items():
        for number in range(3):
            announced = start + datetime.timedelta(
                days=number * 110 + rnd.randint(0, 20))
            if number == 2:
                # the latest batch is awarded last month: the month the
                # management report pack shows by default
                last_month = (today.replace(day=1)
                    - datetime.timedelta(days=1)).replace(day=1)
                announced = last_month + datetime.timedelta(
                    days=rnd.randint(0, 20) - 50)
            submission = announced + datetime.timedelta(days=30)
            award = submission + datetime.timedelta(days=20)
            vbp = (code == 'JS' and number == 1)
            tender_type = 'vbp' if vbp else rnd.choice(
                ['provincial', 'provincial', 'alliance'])
            chosen = rnd.sample(drugs, min(len(drugs), rnd.randint(3, 5)))
            lines = []
            won_any = False
            for sequence, template in enumerate(chosen):
                base = price_of(template)
                bid = (base * Decimal(rnd.choice(
                                ['0.78', '0.85', '0.9', '0.95']))).quantize(
                    Decimal('0.01'))
                we_win = rnd.random() < 0.5
                if we_win:
                    winner = company.party
                    winning = bid
                else:
                    winner = rnd.choice(
                        makers.get(template.generic_name) or manufacturers)
                    winning = (bid * Decimal(rnd.choice(
                                    ['0.8', '0.88', '0.95']))).quantize(
                        Decimal('0.01'))
                won_any |= we_win
                line = {
                    'sequence': sequence,
                    'product': template.products[0].id,
                    'generic_name': template.generic_name,
                    'dosage_form': template.dosage_form,
                    'strength': template.strength,
                    'pack': str(template.pack_size or ''),
                    'quality_tier': template.quality_tier,
                    'quantity': rnd.choice([50000, 120000, 300000]),
                    'ceiling_price': base,
                    'bid_price': bid,
                    'agent': rnd.choice(agents).id if agents else None,
                    'province': province.id,
                    'winning_company': winner.id,
                    'winning_price': winning,
                    'rank': 1 if we_win else rnd.randint(2, 4),
                    'awarded_volume': (rnd.choice([30000, 80000])
                        if we_win else 0),
                    }
                if vbp and we_win and hospitals[code]:
                    line['hospital_volumes'] = [('create', [{
                                    'hospital': h.id,
                                    'committed_volume': rnd.choice(
                                        [2000, 5000, 8000]),
                                    } for h in hospitals[code]])]
                lines.append(line)
            tenders.append({
                    'company': company.id,
                    'name': '%s%d年第%d批药品集中采购' % (
                        PROVINCE_NAMES[code], announced.year, number + 1)
                    + ('(带量采购)' if vbp else ''),
                    'tender_type': tender_type,
                    'authority': authorities[code].id,
                    'region': [('add', [province.id])],
                    'owner': owner,
                    'announcement_date': announced,
                    'registration_deadline': announced + datetime.timedelta(
                        days=10),
                    'submission_deadline': submission,
                    'opening_date': submission + datetime.timedelta(days=1),
                    'award_date': award,
                    'validity_start': award + datetime.timedelta(days=10),
                    'validity_end': award + datetime.timedelta(days=375),
                    'state': 'awarded' if won_any else 'lost',
                    'prepared_by': owner,
                    'prepared_date': announced + datetime.timedelta(days=3),
                    'submitted_by': owner,
                    'submitted_date': submission,
                    'result_by': owner,
                    'result_date': award,
                    'lines': [('create', lines)],
                    })
        # An open tender with coming deadlines
        announced = today - datetime.timedelta(days=rnd.randint(2, 10))
        template = rnd.choice(drugs)
        tenders.append({
                'company': company.id,
                'name': '%s%d年药品挂网采购' % (
                    PROVINCE_NAMES[code], today.year),
                'tender_type': 'provincial',
                'authority': authorities[code].id,
                'region': [('add', [province.id])],
                'owner': owner,
                'announcement_date': announced,
                'registration_deadline': today + datetime.timedelta(
                    days=rnd.choice([1, 3, 7])),
                'submission_deadline': today + datetime.timedelta(
                    days=rnd.choice([14, 21])),
                'state': rnd.choice(['announced', 'preparing']),
                'lines': [('create', [{
                                'product': template.products[0].id,
                                'generic_name': template.generic_name,
                                'dosage_form': template.dosage_form,
                                'strength': template.strength,
                                'quality_tier': template.quality_tier,
                                'ceiling_price': price_of(template),
                                'province': province.id,
                                }])],
                })
    created = Tender.create(tenders)
    # The price-linkage check of the latest results
    last = [t for t in created if t.state in {'awarded', 'lost'}
        and t.award_date >= today - datetime.timedelta(days=120)]
    alerts = Line.check_price_linkage([l for t in last for l in t.lines])
    progress('  %d tenders in 上海/江苏/浙江, %d price-linkage alerts'
        % (len(created), len(alerts)))
