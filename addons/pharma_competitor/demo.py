# This file is part of the pharma suite. See README.md for license terms.
"""pharma_competitor's demo data, run by scripts/demo.py after the other
modules: competitors from the drug master's manufacturers, their products
matched to ours, a year of observations in the demo hospitals, audit data
for the last quarter and the market share of the last 12 months (the sales
targets and scorecards are pharma_reporting's demo)."""
import datetime
from collections import defaultdict
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from .market import month_start

KINDS = ['price', 'promotion', 'listing', 'salesforce', 'other']
TEXTS = {
    'price': "挂网价下调，医院采购价随之降低",
    'promotion': "在心内科举办病例分享会，邀请了科室主任",
    'listing': "新进医院药事会，进入临床使用",
    'salesforce': "该企业本区域新增两名医药代表",
    'other': "医生反映对方样品发放频繁",
    }


def create_demo(ctx):
    pool = ctx['pool']
    progress = ctx['progress']
    rnd = ctx['random']
    company = ctx['company']
    today = ctx['today']
    Template = pool.get('product.template')
    Product = pool.get('product.product')
    Competitor = pool.get('pharma.competitor')
    CProduct = pool.get('pharma.competitor.product')
    Observation = pool.get('pharma.competitor.observation')
    MarketData = pool.get('pharma.market.data')
    Share = pool.get('pharma.market.share')
    Flow = pool.get('pharma.flow.line')

    theirs = Template.search([('manufacturer', '!=', None),
            ('manufacturer', '!=', company.party.id)])
    ours = Template.search([('is_pharma', '=', True),
            ['OR', ('manufacturer', '=', None),
                ('manufacturer', '=', company.party.id)]])
    if not theirs:
        progress('  no competitor drugs in the drug master: skipped')
        return
    # the six manufacturers with the most drugs in the drug master
    count = defaultdict(int)
    for template in theirs:
        count[template.manufacturer] += 1
    makers = sorted(count, key=lambda m: (-count[m], m.id))[:6]
    competitors = {c.party: c for c in Competitor.create([{
                    'party': m.id,
                    'strengths': "原研品牌，学术推广能力强",
                    'weaknesses': "价格较高，集采后份额下降",
                    } for m in makers])}

    def molecule(name):
        return (name or '').strip().lower()
    our_by_molecule = defaultdict(list)
    for template in ours:
        our_by_molecule[molecule(template.generic_name)].extend(
            template.products)
    vlist = []
    for template in theirs:
        competitor = competitors.get(template.manufacturer)
        if not competitor:
            continue
        vlist.append({
                'competitor': competitor.id,
                'brand': template.brand or template.name,
                'generic_name': template.generic_name,
                'dosage_form': template.dosage_form_string
                if getattr(template, 'dosage_form', None) else None,
                'strength': template.strength,
                'pack': '%s×%s' % (template.strength or '',
                    template.pack_size or 1),
                'pack_size': template.pack_size,
                'quality_tier': template.quality_tier,
                'therapeutic_area': (template.therapeutic_area.id
                    if template.therapeutic_area else None),
                'list_price': template.list_price,
                'our_products': [('add', [p.id for p in our_by_molecule.get(
                                molecule(template.generic_name), [])])],
                })
    # and the other pack sizes they sell, up to 15 competing products
    for values in list(vlist):
        if len(vlist) >= 15:
            break
        if values['pack_size'] and values['pack_size'] > 1:
            variant = dict(values)
            variant['pack_size'] = values['pack_size'] * 2
            variant['pack'] = '%s×%s' % (values['strength'] or '',
                variant['pack_size'])
            variant['list_price'] = (values['list_price'] or 0) * Decimal(
                '1.9')
            vlist.append(variant)
    products = CProduct.create(vlist)
    progress('  %d competitors, %d competitor products'
        % (len(competitors), len(products)))

    # the hospitals where our drugs are sold, and which of our molecules
    last = month_start(today)
    first = last - relativedelta(months=12)
    flows = Flow.search([('company', '=', company.id),
            ('date', '>=', first), ('customer', '!=', None)])
    sold = defaultdict(set)
    for line in flows:
        if line.product and line.product.template.generic_name:
            sold[line.customer].add(
                molecule(line.product.template.generic_name))
    by_molecule = defaultdict(list)
    for product in products:
        by_molecule[molecule(product.generic_name)].append(product)
    observers = [e for login, e in ctx['employees'].items()
        if login.startswith('rep')] or [None]

    observations = []
    for hospital, molecules in sorted(sold.items(), key=lambda x: x[0].id):
        for name in sorted(molecules):
            rivals = by_molecule.get(name)
            if not rivals:
                continue
            for months in range(12, 0, -1):
                month = last - relativedelta(months=months)
                rival = rivals[months % len(rivals)]
                # a volume seen every month: the estimate of the share
                observations.append({
                        'company': company.id,
                        'date': month + datetime.timedelta(
                            days=rnd.randint(0, 27)),
                        'competitor_product': rival.id,
                        'competitor': rival.competitor.id,
                        'hospital': hospital.id,
                        'kind': 'volume',
                        'volume': rnd.randint(20, 160),
                        'text': "药剂科出库数据(估算)",
                        'source': 'report',
                        'observer': (rnd.choice(observers).id
                            if observers[0] else None),
                        })
                if rnd.random() < 0.3:
                    kind = rnd.choice(KINDS)
                    observations.append({
                            'company': company.id,
                            'date': month + datetime.timedelta(
                                days=rnd.randint(0, 27)),
                            'competitor_product': rival.id,
                            'competitor': rival.competitor.id,
                            'hospital': hospital.id,
                            'kind': kind,
                            'price': (rival.list_price * Decimal('0.9')
                                if kind == 'price' and rival.list_price
                                else None),
                            'text': TEXTS[kind],
                            'source': rnd.choice(['call', 'market',
                                    'report']),
                            'observer': (rnd.choice(observers).id
                                if observers[0] else None),
                            })
    Observation.create(observations)
    progress('  %d competitor observations over 12 months'
        % len(observations))

    # measured audit data for the last quarter in the first hospitals
    audit = []
    for hospital, molecules in sorted(
            sold.items(), key=lambda x: x[0].id)[:5]:
        for name in sorted(molecules):
            rivals = by_molecule.get(name)
            if not rivals:
                continue
            for months in (3, 2, 1):
                month = last - relativedelta(months=months)
                for rival in rivals:
                    audit.append({
                            'company': company.id,
                            'month': month,
                            'hospital': hospital.id,
                            'generic_name': rival.generic_name,
                            'manufacturer': rival.competitor.party.id,
                            'competitor_product': rival.id,
                            'units': rnd.randint(200, 1500),
                            'source': "医院用药监测数据",
                            })
    MarketData.create(audit)
    progress('  %d rows of hospital audit data' % len(audit))

    for months in range(12, 0, -1):
        Share.compute(last - relativedelta(months=months), company)
    progress('  market share of the last 12 months')
