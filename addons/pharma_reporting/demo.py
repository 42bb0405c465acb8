# This file is part of the pharma suite. See README.md for license terms.
"""pharma_reporting's demo data, run by scripts/demo.py after the modules
it depends on: sales targets of last month for our drugs and the commercial
staff, and the scorecards of last month."""
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from .report import month_start


def create_demo(ctx):
    pool = ctx['pool']
    progress = ctx['progress']
    rnd = ctx['random']
    company = ctx['company']
    today = ctx['today']
    Template = pool.get('product.template')
    Target = pool.get('pharma.sales.target')
    Scorecard = pool.get('pharma.scorecard')

    month = month_start(today) - relativedelta(months=1)
    if not Target.search([
                ('company', '=', company.id), ('month', '=', month)],
            limit=1):
        ours = Template.search([('is_pharma', '=', True),
                ['OR', ('manufacturer', '=', None),
                    ('manufacturer', '=', company.party.id)]])
        targets = [{
                'company': company.id,
                'month': month,
                'product': p.id,
                'amount': Decimal(rnd.randint(20, 80) * 1000),
                } for template in ours for p in template.products]
        sales1 = ctx['employees'].get('sales1')
        if sales1:
            targets.append({'company': company.id, 'month': month,
                    'employee': sales1.id, 'amount': Decimal(500000)})
        Target.create(targets)
        progress('  %d sales targets of %s' % (
                len(targets), month.strftime('%Y-%m')))
    Scorecard.compute(month, company)
    progress('  scorecards of %s' % month.strftime('%Y-%m'))
