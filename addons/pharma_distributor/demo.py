# This file is part of the pharma suite. See README.md for license terms.
"""pharma_distributor's demo data: what selling needs (a fiscal year, a
minimal chart of accounts, 13% VAT, payment terms, a product account
category), 5 distributors, 3 agents with sub-agents and their agency
agreements, the commercial owner of each province (recruitment), a year of
orders, sales flow and channel inventory, the hospitals' purchase channels,
a flow import template per distributor, the churn alerts, and a few live
orders in every step of the approval chain."""
import datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from trytond.transaction import Transaction

from .flow import customer_key

DISTRIBUTORS = [
    ('国药控股股份有限公司', 'national', 'SH'),
    ('上海医药集团股份有限公司', 'national', 'SH'),
    ('华润医药商业集团有限公司', 'national', 'JS'),
    ('九州通医药集团股份有限公司', 'provincial', 'ZJ'),
    ('南京医药股份有限公司', 'provincial', 'JS'),
    ]
AGENTS = [
    ('杭州康健医药代理有限公司', 'ZJ', ['宁波康健医药有限公司', '温州康健医药有限公司']),
    ('苏州恒德医药代理有限公司', 'JS', ['无锡恒德医药有限公司', '常州恒德医药有限公司']),
    ('上海申安医药代理有限公司', 'SH', ['上海浦东申安医药有限公司']),
    ]


def _accounting(ctx):
    "Chart, fiscal year, 13% VAT, payment term and account category"
    pool = ctx['pool']
    company = ctx['company']
    today = ctx['today']
    Account = pool.get('account.account')
    AccountTemplate = pool.get('account.account.template')
    TaxTemplate = pool.get('account.tax.template')
    TaxCodeTemplate = pool.get('account.tax.code.template')
    TaxCodeLineTemplate = pool.get('account.tax.code.line.template')
    TaxRuleTemplate = pool.get('account.tax.rule.template')
    TaxRuleLineTemplate = pool.get('account.tax.rule.line.template')
    ModelData = pool.get('ir.model.data')
    Configuration = pool.get('account.configuration')
    FiscalYear = pool.get('account.fiscalyear')
    Sequence = pool.get('ir.sequence.strict')
    SequenceType = pool.get('ir.sequence.type')
    Tax = pool.get('account.tax')
    PaymentTerm = pool.get('account.invoice.payment_term')
    Category = pool.get('product.category')
    Journal = pool.get('account.journal')
    PaymentMethod = pool.get('account.invoice.payment.method')

    if not Account.search([('company', '=', company.id)], limit=1):
        template = AccountTemplate(ModelData.get_id(
                'account', 'account_template_root_en'))
        template2type, template2account = {}, {}
        template2tax, template2tax_code = {}, {}
        template2tax_code_line, template2rule = {}, {}
        template.type.create_type(company.id, template2type=template2type)
        template.create_account(company.id,
            template2account=template2account, template2type=template2type)
        TaxTemplate.create_tax(template.id, company.id,
            template2account=template2account, template2tax=template2tax)
        TaxCodeTemplate.create_tax_code(template.id, company.id,
            template2tax_code=template2tax_code)
        TaxCodeLineTemplate.create_tax_code_line(template.id,
            template2tax=template2tax, template2tax_code=template2tax_code,
            template2tax_code_line=template2tax_code_line)
        template.update_account2(template2account, template2tax)
        TaxRuleTemplate.create_rule(template.id, company.id,
            template2rule=template2rule)
        TaxRuleLineTemplate.create_rule_line(template.id, template2tax,
            template2rule, template2rule_line={})

    def account(kind):
        found = Account.search([
                ('company', '=', company.id),
                ('type.%s' % kind, '=', True),
                ('closed', '!=', True),
                ], limit=1)
        return found[0] if found else None
    receivable, payable = account('receivable'), account('payable')
    revenue, expense = account('revenue'), account('expense')
    cash = Account.search([('company', '=', company.id),
            ('code', '=', '1.1.1')], limit=1)
    tax_account = Account.search([('company', '=', company.id),
            ('code', '=', '6.3.6')], limit=1)
    config = Configuration(1)
    config.default_account_receivable = receivable
    config.default_account_payable = payable
    config.default_category_account_revenue = revenue
    config.default_category_account_expense = expense
    config.save()

    # Fiscal years: last year and this one (a year of orders)
    invoice_type, = SequenceType.search([('name', '=', "Invoice")], limit=1)
    move_type, = SequenceType.search(
        [('name', '=', "Account Move")], limit=1)
    for year in [today.year - 1, today.year]:
        if FiscalYear.search([('company', '=', company.id),
                    ('start_date', '<=', datetime.date(year, 6, 1)),
                    ('end_date', '>=', datetime.date(year, 6, 1))]):
            continue
        move_seq, invoice_seq = Sequence.create([{
                    'name': '%s' % year, 'sequence_type': move_type.id,
                    'company': company.id,
                    }, {
                    'name': '发票 %s' % year,
                    'sequence_type': invoice_type.id,
                    'company': company.id,
                    }])
        fiscalyear, = FiscalYear.create([{
                    'name': str(year),
                    'start_date': datetime.date(year, 1, 1),
                    'end_date': datetime.date(year, 12, 31),
                    'company': company.id,
                    'move_sequence': move_seq.id,
                    'invoice_sequences': [('create', [{
                                    'company': company.id,
                                    'out_invoice_sequence': invoice_seq.id,
                                    'in_invoice_sequence': invoice_seq.id,
                                    'out_credit_note_sequence':
                                    invoice_seq.id,
                                    'in_credit_note_sequence':
                                    invoice_seq.id,
                                    }])],
                    }])
        FiscalYear.create_period([fiscalyear])

    vat = Tax.search([('company', '=', company.id),
            ('name', '=', "增值税 13%")], limit=1)
    if not vat:
        vat = Tax.create([{
                    'name': "增值税 13%",
                    'description': "增值税 13%",
                    'type': 'percentage',
                    'rate': Decimal('0.13'),
                    'company': company.id,
                    'invoice_account': tax_account[0].id,
                    'credit_note_account': tax_account[0].id,
                    }])
    vat = vat[0]
    terms = PaymentTerm.search([], limit=1)
    if not terms:
        terms = PaymentTerm.create([{
                    'name': "款到发货",
                    'lines': [('create', [{'type': 'remainder'}])],
                    }, {
                    'name': "月结 60 天",
                    'lines': [('create', [{
                                    'type': 'remainder',
                                    'relativedeltas': [('create', [{
                                                    'days': 60}])],
                                    }])],
                    }])
    category, = Category.create([{
                'name': "药品 (增值税 13%)",
                'accounting': True,
                'account_revenue': revenue.id,
                'account_expense': expense.id,
                'customer_taxes': [('add', [vat.id])],
                }])
    journal = Journal.search([('type', '=', 'cash')], limit=1)
    if journal and cash and not PaymentMethod.search([], limit=1):
        PaymentMethod.create([{
                    'name': "银行转账",
                    'company': company.id,
                    'journal': journal[0].id,
                    'credit_account': cash[0].id,
                    'debit_account': cash[0].id,
                    }])
    return category, terms


def _drugs(ctx, category):
    pool = ctx['pool']
    Template = pool.get('product.template')
    Product = pool.get('product.product')
    ModelData = pool.get('ir.model.data')
    domain = [('type', '=', 'goods')]
    if 'is_pharma' in Template._fields:
        domain.append(('is_pharma', '=', True))
    if 'manufacturer' in Template._fields:
        domain.append(('manufacturer', '=', None))
    templates = Template.search(domain, limit=10)
    if not templates:
        unit = ModelData.get_id('product', 'uom_unit')
        templates = Template.create([{
                    'name': name, 'type': 'goods', 'default_uom': unit,
                    'list_price': Decimal(price),
                    'products': [('create', [{}])],
                    } for name, price in [
                    ("阿托伐他汀钙片 20mg×7", 35), ("氨氯地平片 5mg×28", 42),
                    ("奥美拉唑肠溶胶囊 20mg×14", 28)]])
    for template in templates:
        template.salable = True
        template.sale_uom = template.default_uom
        template.account_category = category
    Template.save(templates)
    return Product.search([('template', 'in', [t.id for t in templates])])


def _stock(company, party, drug, month, quantity, expiry):
    next_month = month + relativedelta(months=1)
    return {
        'company': company.id,
        'distributor': party.id,
        'date': next_month - datetime.timedelta(days=1),
        'month': month,
        'next_month': next_month,
        'product_name': drug.template.name,
        'product': drug.id,
        'lot': month.strftime('%y%m') + '01',
        'expiry': expiry,
        'quantity': float(quantity),
        'unit': '盒',
        }


def _history_shipments(ctx, sales, distributors):
    """Done customer shipments of the delivered orders to distributors
    (the sell-in); return {(party, month, product): quantity}"""
    pool = ctx['pool']
    company = ctx['company']
    Shipment = pool.get('stock.shipment.out')
    Move = pool.get('stock.move')
    Location = pool.get('stock.location')
    warehouse = Location.search([('type', '=', 'warehouse')], limit=1)
    if not warehouse:
        return {}
    warehouse, = warehouse
    customer_location, = Location.search(
        [('type', '=', 'customer')], limit=1)
    sales = [s for s in sales if s.party in distributors]
    shipments = Shipment.create([{
                'company': company.id,
                'customer': s.party.id,
                'delivery_address': s.shipment_address.id,
                'warehouse': warehouse.id,
                'warehouse_output': warehouse.output_location.id,
                'warehouse_storage': warehouse.storage_location.id,
                'planned_date': s.sale_date,
                'effective_date': s.sale_date,
                'state': 'done',
                } for s in sales])
    moves, result = [], {}
    for sale, shipment in zip(sales, shipments):
        month = sale.sale_date.replace(day=1)
        for line in sale.lines:
            key = (sale.party.id, month, line.product.id)
            result[key] = result.get(key, 0) + Decimal(line.quantity)
            moves.append({
                    'company': company.id,
                    'shipment': str(shipment),
                    'origin': str(line),
                    'product': line.product.id,
                    'unit': line.unit.id,
                    'quantity': line.quantity,
                    'from_location': warehouse.output_location.id,
                    'to_location': customer_location.id,
                    'planned_date': sale.sale_date,
                    'effective_date': sale.sale_date,
                    'unit_price': line.unit_price,
                    'currency': company.currency.id,
                    })
    with Transaction().set_context(_skip_warnings=True):
        Move.do(Move.create(moves))
    return result


def create_demo(ctx):
    pool = ctx['pool']
    progress = ctx['progress']
    rnd = ctx['random']
    company = ctx['company']
    today = ctx['today']
    Party = pool.get('party.party')
    Territory = pool.get('pharma.territory')
    Agreement = pool.get('pharma.agency.agreement')
    Sale = pool.get('sale.sale')
    Flow = pool.get('pharma.flow.line')
    Inventory = pool.get('pharma.inventory.line')
    Alias = pool.get('pharma.flow.alias')
    UserGroup = pool.get('res.user-res.group')
    Channel = pool.get('pharma.purchase.channel')
    ImportTemplate = pool.get('pharma.import.template')
    employees = ctx['employees']
    sales1 = employees.get('sales1')
    finance1 = ctx['users'].get('finance1')

    progress('  accounting: chart, fiscal years, 13% VAT, payment terms')
    category, terms = _accounting(ctx)
    drugs = _drugs(ctx, category)

    # Finance may pass the credit limit (with a warning): Pharma Finance
    # gives the credit limit group (for users made before this module)
    if finance1:
        UserGroup.imply_groups([finance1.id])

    provinces = {}
    for code in ['SH', 'JS', 'ZJ']:
        found = Territory.search([('level', '=', 'province'),
                ('code', '=', code)], limit=1)
        provinces[code] = found[0] if found else None
    # The commercial employee recruits the agents of the three provinces
    owned = [t for t in provinces.values()
        if t and not t.commercial_owner]
    if sales1 and owned:
        Territory.write(owned, {'commercial_owner': sales1.id})

    licence_dates = [today + datetime.timedelta(days=d)
        for d in (400, 60, 30, 700, 200)]
    distributors = Party.create([{
                'name': name,
                'pharma_type': 'distributor',
                'distributor_level': level,
                'territory': provinces[code].id if provinces[code] else None,
                'licence_number': '%s%s%06d' % (code, 'AA', 100000 + i),
                'licence_scope': "化学药制剂、抗生素制剂、生化药品、生物制品",
                'licence_expiry': licence_dates[i],
                'credit_limit_amounts': [('create', [{
                                'company': company.id,
                                'credit_limit_amount': Decimal(2000000),
                                }])],
                'addresses': [('create', [{'street': "仓库"}])],
                } for i, (name, level, code) in enumerate(DISTRIBUTORS)])
    # A prepaid distributor: goods leave only once its invoice is paid
    Party.write([distributors[3]], {'sale_shipment_method': 'invoice'})
    agents = Party.create([{
                'name': name,
                'pharma_type': 'agent',
                'distributor_level': 'provincial',
                'territory': provinces[code].id if provinces[code] else None,
                'licence_number': 'AG%06d' % (200000 + i),
                'licence_expiry': today + datetime.timedelta(days=365),
                'addresses': [('create', [{'street': "办公室"}])],
                'sub_agents': [('create', [{
                                'name': sub,
                                'pharma_type': 'agent',
                                'distributor_level': 'sub_agent',
                                'territory': (provinces[code].id
                                    if provinces[code] else None),
                                'addresses': [('create', [{}])],
                                } for sub in subs])],
                } for i, (name, code, subs) in enumerate(AGENTS)])
    progress('  %d distributors, %d agents with %d sub-agents' % (
            len(distributors), len(agents),
            sum(len(a.sub_agents) for a in agents)))

    # Agents being recruited (招商): without an owner, the commercial owner
    # of the territory gets them
    Party.create([{
                'name': name,
                'pharma_type': 'agent',
                'lifecycle_stage': stage,
                'recruitment_deadline': today + datetime.timedelta(days=days),
                'territory': provinces[code].id if provinces[code] else None,
                } for name, stage, days, code in [
                ('绍兴瑞康医药有限公司', 'prospect', 14, 'ZJ'),
                ('南通济民医药有限公司', 'opportunity', -3, 'JS'),
                ]])

    agreements = Agreement.create([{
                'company': company.id,
                'reference': 'AA-%s-%02d' % (today.year, i + 1),
                'agent': agent.id,
                'products': [('add', [d.id for d in drugs[:4 + i]])],
                'territories': [('add', [agent.territory.id])]
                if agent.territory else [],
                'start_date': today.replace(month=1, day=1)
                - relativedelta(years=1),
                'end_date': today.replace(month=12, day=31),
                'quota': Decimal(500000 * (i + 1)),
                'price': Decimal(30),
                'owner': sales1.id if sales1 else None,
                } for i, agent in enumerate(agents)])
    Agreement.activate(agreements)

    # A year of delivered orders (the history); the live ones below go
    # through the approval chain
    customers = distributors + agents
    vlist = []
    for months in range(12, 0, -1):
        month = (today.replace(day=1) - relativedelta(months=months))
        for party in customers:
            if rnd.random() < 0.3:
                continue
            vlist.append({
                    'company': company.id,
                    'currency': company.currency.id,
                    'party': party.id,
                    'invoice_address': party.addresses[0].id,
                    'shipment_address': party.addresses[0].id,
                    'payment_term': terms[-1].id,
                    'sale_date': month + datetime.timedelta(
                        days=rnd.randint(0, 27)),
                    'pharma_owner': sales1.id if sales1 else None,
                    'pharma_territory': (party.territory.id
                        if party.territory else None),
                    'lines': [('create', [{
                                    'product': d.id,
                                    'unit': d.default_uom.id,
                                    'quantity': rnd.choice(
                                        [200, 300, 500, 800]),
                                    'unit_price': (d.list_price
                                        or Decimal(30)),
                                    } for d in rnd.sample(
                                        drugs, min(3, len(drugs)))])],
                    })
    history = Sale.create(vlist)
    Sale.write(history, {'state': 'done', 'shipment_state': 'sent',
            'invoice_state': 'paid'})
    Sale.store_cache(history)
    progress('  %d orders of the last 12 months' % len(history))
    sell_in = _history_shipments(ctx, history, distributors)

    # Live orders, one in each step
    live = Sale.create([{
                'company': company.id,
                'currency': company.currency.id,
                'party': party.id,
                'invoice_address': party.addresses[0].id,
                'shipment_address': party.addresses[0].id,
                'payment_term': terms[0].id,
                'pharma_owner': sales1.id if sales1 else None,
                'lines': [('create', [{
                                'product': drugs[0].id,
                                'unit': drugs[0].default_uom.id,
                                'quantity': 100,
                                'unit_price': drugs[0].list_price
                                or Decimal(30),
                                }])],
                } for party in distributors[:4]])
    Sale.quote(live[1:])
    Sale.submit_finance(live[2:])
    Sale.write([live[3]], {'payment_received': live[3].total_amount,
            'finance_note': "银行转账已到账"})
    with Transaction().set_context(_skip_warnings=True):
        Sale.finance_approve([live[3]])

    # Sales flow and channel inventory: each distributor sells our drugs
    # to the hospitals and pharmacies of the demo
    hospitals = Party.search([('pharma_type', 'in',
                ['hospital', 'pharmacy'])], limit=40)
    flows, stocks, channels = [], [], {}
    start = today.replace(day=1) - relativedelta(months=12)
    for index, party in enumerate(distributors):
        clients = rnd.sample(hospitals, min(8, len(hospitals)))
        # the hospitals buy through the distributor (purchase channels)
        for client in clients:
            if client.pharma_type == 'hospital':
                channels[(client.id, party.id)] = start
        level = {d.id: Decimal(rnd.randint(3000, 5000)) for d in drugs}
        start = today.replace(day=1) - relativedelta(months=12)
        for drug in drugs:
            stocks.append(_stock(company, party, drug,
                    start - relativedelta(months=1), level[drug.id],
                    start + relativedelta(months=12)))
        for months in range(12, 0, -1):
            month = (today.replace(day=1) - relativedelta(months=months))
            sold = {d.id: 0 for d in drugs}
            for client in clients:
                if index == 0 and client == clients[0] and months <= 2:
                    # a hospital that stopped buying two months ago: the
                    # churn alert of the demo
                    continue
                for drug in rnd.sample(drugs, min(2, len(drugs))):
                    quantity = rnd.randint(10, 120)
                    sold[drug.id] += quantity
                    price = drug.list_price or Decimal(30)
                    flows.append({
                            'company': company.id,
                            'distributor': party.id,
                            'date': month + datetime.timedelta(
                                days=rnd.randint(0, 27)),
                            'month': month,
                            'customer_name': client.name,
                            'customer_key': client.name_key,
                            'customer': client.id,
                            'product_name': drug.template.name,
                            'product': drug.id,
                            'lot': '%s%02d' % (month.strftime('%y%m'),
                                rnd.randint(1, 9)),
                            'expiry': month + relativedelta(months=24),
                            'quantity': quantity,
                            'unit': '盒',
                            'unit_price': price,
                            'amount': price * quantity,
                            'source_file': 'demo-%s.xlsx'
                            % month.strftime('%Y%m'),
                            })
            for drug in drugs:
                level[drug.id] += (
                    sell_in.get((party.id, month, drug.id), 0)
                    - sold[drug.id])
                reported = level[drug.id]
                if index == 0 and months == 3 and drug == drugs[0]:
                    # a gap the reconciliation flags
                    reported -= 40
                stocks.append(_stock(company, party, drug, month, reported,
                        month + relativedelta(
                            months=rnd.choice([4, 12, 24]))))
        # a name the distributor writes its own way waits in the queue
        raw = flows[-1]['customer_name'] + '(总院)'
        flows[-1].update({'customer_name': raw,
                'customer_key': customer_key(raw), 'customer': None})
        Alias.create([{
                    'company': company.id,
                    'distributor': party.id,
                    'kind': 'customer',
                    'name': raw,
                    'name_key': customer_key(raw),
                    'suggestion': clients[-1].rec_name,
                    }])
    Flow.create(flows)
    Inventory.create(stocks)
    progress('  %d sales flow lines, %d inventory lines' % (
            len(flows), len(stocks)))

    # A hospital buys through the first distributor but is never in its
    # flow: the hospital flow check lists it as missing
    listed = {h for h, _ in channels}
    for hospital in hospitals:
        if hospital.pharma_type == 'hospital' and hospital.id not in listed:
            channels[(hospital.id, distributors[0].id)] = start
            break
    existing = {(c.hospital.id, c.distributor.id) for c in Channel.search([
                ('distributor', 'in', [d.id for d in distributors])])}
    Channel.create([{
                'hospital': hospital,
                'distributor': distributor,
                'start_date': date,
                } for (hospital, distributor), date in channels.items()
            if (hospital, distributor) not in existing])
    progress('  %d purchase channels' % len(channels))

    # Each distributor sends its flow in its own layout: one saved
    # template per distributor
    ImportTemplate.create([{
                'name': "%s 流向" % party.name,
                'kind': 'flow',
                'party': party.id,
                'header_row': header_row,
                'lines': [('create', [
                            {'field': f, 'column': c}
                            for f, c in columns])],
                } for party, header_row, columns in [
                (distributors[0], 3, [
                        ('date', '开票日期'), ('customer_name', '终端客户'),
                        ('product_name', '品规'), ('quantity', '发货数量'),
                        ('lot', '批号'), ('amount', '含税金额')]),
                (distributors[1], 1, [
                        ('date', 'B'), ('customer_name', 'C'),
                        ('product_name', 'D'), ('quantity', 'E')]),
                ]
            if not ImportTemplate.search([
                    ('kind', '=', 'flow'), ('party', '=', party.id)])])

    # The churn job of the day: one alert per customer that stops buying
    from .churn import Churn
    with Transaction().set_context(company=company.id):
        alerts = Churn.alert()
    progress('  %d churn alerts' % len(alerts))
