# This file is part of the pharma suite. See README.md for license terms.
from trytond.i18n import gettext
from trytond.model import Model, fields
from trytond.modules.pharma_hospital.tools import normalize_name
from trytond.modules.pharma_import.bulk import bulk_insert
from trytond.modules.pharma_import.engine import (
    ImportField, ImportKindMixin)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from .flow import (
    Matcher, customer_key, first_day, next_month, product_key, replace_months)

# the kinds whose files come from one distributor
DISTRIBUTOR_KINDS = ['flow', 'inventory']


class ImportEngine(metaclass=PoolMeta):
    __name__ = 'pharma.import.engine'

    @classmethod
    def _import_kinds(cls):
        return super()._import_kinds() + [
            ('flow', 'pharma.import.flow', "Sales Flow"),
            ('inventory', 'pharma.import.inventory', "Channel Inventory"),
            ]


def _distributor_field():
    return ImportField('distributor', "Distributor", aliases=[
            '经销商', '商业公司', '配送商', '经销商名称', '商业名称',
            'Distributor'])


def _product_fields():
    return [
        ImportField('product_name', "Product", required=True, aliases=[
                '产品名称', '品名', '药品名称', '产品', '商品名称', '通用名',
                'Product']),
        ImportField('pack', "Pack", aliases=['规格', '规格型号', '包装规格',
                '品规', '药品规格', '产品规格', 'Specification', 'Pack']),
        ImportField('lot', "Batch", aliases=['批号', '批次', '生产批号',
                'Batch', 'Lot']),
        ImportField('expiry', "Expiry", type='date', aliases=['有效期',
                '有效期至', '效期', '失效日期', 'Expiry']),
        ImportField('quantity', "Quantity", type='numeric', required=True,
            aliases=['数量', '销售数量', '库存数量', '结存数量', 'Qty',
                'Quantity']),
        ImportField('unit', "Unit", aliases=['单位', 'Unit']),
        ]


class _KindMixin(ImportKindMixin):
    __slots__ = ()
    batch_size = 1000
    _line_model = None

    @classmethod
    def _distributors(cls, job):
        "{normalised name or code: party id} of distributors and agents"
        def load():
            pool = Pool()
            Party = pool.get('party.party')
            result = {}
            # bypass: flow import matches customers among every party
            with Transaction().set_context(_check_access=False):
                parties = Party.search([
                        ('pharma_type', 'in', ['distributor', 'agent']),
                        ])
            for party in parties:
                for key in [party.name_key, normalize_name(party.name),
                        party.code]:
                    if key:
                        result.setdefault(key, party.id)
            return result
        return job.cache('pharma_distributors', load)

    @classmethod
    def _matcher(cls, job):
        return job.cache('pharma_matcher',
            lambda: Matcher(job.context['company']))

    @classmethod
    def _default_distributor(cls, job):
        """The distributor of the whole file: the one chosen in the wizard,
        else the source of the template"""
        def load():
            pool = Pool()
            Party = pool.get('party.party')
            chosen = Transaction().context.get('pharma_import_distributor')
            if chosen:
                return int(chosen)
            template = job.template
            if template and template.party:
                party = Party(template.party.id)
                if party.pharma_type in {'distributor', 'agent'}:
                    return party.id
            return None
        return job.cache('pharma_default_distributor', load)

    @classmethod
    def validate_rows(cls, rows, job):
        distributors = cls._distributors(job)
        default = cls._default_distributor(job)
        for row in rows:
            name = row.values.get('distributor')
            if not name and default:
                distributor = default
            elif not name:
                job.error(row, 'distributor', gettext(
                        'pharma_distributor.msg_flow_import_no_distributor'))
                continue
            else:
                distributor = distributors.get(name) or distributors.get(
                    normalize_name(name))
                if distributor is None:
                    job.error(row, 'distributor', gettext(
                            'pharma_distributor'
                            '.msg_flow_import_unknown_distributor',
                            value=name))
                    continue
                if default and distributor != default:
                    job.error(row, 'distributor', gettext(
                            'pharma_distributor'
                            '.msg_flow_import_other_distributor',
                            value=name))
                    continue
            if row.values.get('quantity') is None:
                continue
            row.data['distributor'] = distributor
            row.data['product_key'] = product_key(
                row.values['product_name'], row.values.get('pack'))
            row.action = 'create'
        cls._validate_more(rows, job)

    @classmethod
    def _validate_more(cls, rows, job):
        pass

    # the names the preview shows matched: (kind, key, import field)
    _sample_matches = [('product', 'product_key', 'product_name')]

    @classmethod
    def sample_rows(cls, rows, job):
        """The distributor, and the customer and product each name
        resolves to (as the write pass will), or 待匹配 when it goes to the
        match queue"""
        pool = Pool()
        Party = pool.get('party.party')
        Product = pool.get('product.product')
        matched = [r for r in rows if r.data.get('distributor')]
        matcher = cls._matcher(job)
        distributors = {r.data['distributor'] for r in matched}
        resolved = {}
        for kind, key_name, _ in cls._sample_matches:
            resolved[kind], _ = matcher.resolve(distributors, kind,
                {r.data[key_name] for r in matched})
        # bypass: the matcher finds targets among every party and product
        with Transaction().set_context(_check_access=False):
            ids = {kind: list({i for i in targets.values() if i})
                for kind, targets in resolved.items()}
            names = {('customer', r['id']): r['rec_name']
                for r in Party.read(ids.get('customer', []) + list(
                        distributors), ['rec_name'])}
            names.update({('product', r['id']): r['rec_name']
                    for r in Product.read(ids.get('product', []),
                        ['rec_name'])})
        samples = {}
        for row in matched:
            stored = {'distributor': names[
                    ('customer', row.data['distributor'])]}
            for kind, key_name, name in cls._sample_matches:
                target = resolved[kind].get(
                    (row.data['distributor'], row.data[key_name]))
                if target:
                    stored[name] = '%s → %s' % (
                        row.values[name], names[(kind, target)])
                else:
                    stored[name] = gettext(
                        'pharma_distributor.msg_flow_sample_to_match',
                        value=row.values[name])
            samples[row] = cls.sample_values(row, stored)
        return [samples.get(r) or cls.sample_values(r) for r in rows]

    @classmethod
    def _resolve(cls, rows, job, kind, key_name):
        "Set row.data[kind] and create the aliases of the unknown names"
        pool = Pool()
        Alias = pool.get('pharma.flow.alias')
        matcher = cls._matcher(job)
        distributors = {r.data['distributor'] for r in rows}
        keys = {r.data[key_name] for r in rows}
        resolved, unknown = matcher.resolve(distributors, kind, keys)
        for row in rows:
            row.data[kind] = resolved.get(
                (row.data['distributor'], row.data[key_name]))
        created = job.cache('pharma_aliases_%s' % kind, set)
        to_create = []
        raw = {}
        for row in rows:
            if kind == 'customer':
                name = row.values['customer_name']
            else:
                name = ' '.join(filter(None, [row.values['product_name'],
                            row.values.get('pack')]))
            raw.setdefault(
                (row.data['distributor'], row.data[key_name]), name)
        for distributor, key in sorted(unknown):
            if (distributor, key) in created:
                continue
            created.add((distributor, key))
            name = raw[(distributor, key)]
            label, target, reason = matcher.suggestion_label(
                kind, key, name=name, distributor=distributor)
            values = {
                'company': job.context['company'],
                'distributor': distributor,
                'kind': kind,
                'name': name,
                'name_key': key,
                'suggestion': label,
                'suggestion_reason': reason,
                'confirmed': False,
                }
            if target:
                values['party' if kind == 'customer' else 'product'] = (
                    target)
            to_create.append(values)
        if to_create:
            # bypass: aliases learnt by the import are written by the code only
            with Transaction().set_context(_check_access=False):
                Alias.create(to_create)

    @classmethod
    def _replace(cls, rows, job):
        pool = Pool()
        Line = pool.get(cls._line_model)
        Month = pool.get('pharma.flow.month')
        done = job.cache('pharma_replaced_months', set)
        months = {(r.data['distributor'], first_day(r.values['date']))
            for r in rows} - done
        if months:
            # serialised per distributor and month: a second import of the
            # same month is refused while the first runs
            Month.lock_months(job.context['company'], job.code, months,
                job.log.id if job.log else None)
            replace_months(Line, job.context['company'], months,
                job.log.id if job.log else None)
            done |= months


class FlowImport(_KindMixin, Model):
    "Sales flow: what a distributor sold to whom"
    __name__ = 'pharma.import.flow'
    _line_model = 'pharma.flow.line'

    @classmethod
    def kind_string(cls, label):
        return gettext('pharma_distributor.msg_import_kind_flow')

    @classmethod
    def template_rows(cls):
        import datetime
        return [{
                'date': datetime.date(2024, 1, 5),
                'customer_name': '温州市人民医院',
                'product_name': '阿托伐他汀钙片', 'pack': '20mg×7片',
                'lot': '240101', 'quantity': 100, 'unit': '盒',
                'unit_price': 35.5,
                }]

    @classmethod
    def import_fields(cls):
        return [
            ImportField('date', "Date", type='date', required=True,
                aliases=['日期', '销售日期', '出库日期', '单据日期', 'Date']),
            _distributor_field(),
            ImportField('customer_name', "Customer", required=True,
                aliases=['客户名称', '医院名称', '购货单位', '客户', '终端名称',
                    '医院', 'Customer']),
            ] + _product_fields() + [
            ImportField('unit_price', "Unit Price", type='numeric',
                aliases=['单价', '销售单价', '价格', 'Price', 'Unit Price']),
            ImportField('amount', "Amount", type='numeric',
                aliases=['金额', '销售金额', '总金额', 'Amount']),
            ]

    _sample_matches = [
        ('customer', 'customer_key', 'customer_name'),
        ] + _KindMixin._sample_matches

    @classmethod
    def _validate_more(cls, rows, job):
        for row in rows:
            if row.action == 'create':
                row.data['customer_key'] = customer_key(
                    row.values['customer_name'])

    @classmethod
    def write(cls, rows, job):
        cls._replace(rows, job)
        cls._resolve(rows, job, 'customer', 'customer_key')
        cls._resolve(rows, job, 'product', 'product_key')
        values = []
        for row in rows:
            v = row.values
            amount = v.get('amount')
            if amount is None and v.get('unit_price') is not None:
                amount = v['unit_price'] * v['quantity']
            values.append((
                    v['date'], first_day(v['date']), row.data['distributor'],
                    v['customer_name'], row.data['customer_key'],
                    row.data['customer'], v['product_name'], v.get('pack'),
                    row.data['product_key'], row.data['product'],
                    v.get('lot'), v.get('expiry'), float(v['quantity']),
                    v.get('unit'), v.get('unit_price'), amount,
                    job.filename, row.row,
                    job.log.id if job.log else None))
        bulk_insert('pharma.flow.line', [
                'date', 'month', 'distributor', 'customer_name',
                'customer_key', 'customer', 'product_name', 'pack',
                'product_key',
                'product', 'lot', 'expiry', 'quantity', 'unit', 'unit_price',
                'amount', 'source_file', 'source_row', 'import_batch'],
            values)

    @classmethod
    def export_values(cls, records):
        for r in records:
            yield [r.date, r.distributor.rec_name, r.customer_name,
                r.product_name, r.pack, r.lot, r.expiry, r.quantity, r.unit,
                r.unit_price, r.amount]


class InventoryImport(_KindMixin, Model):
    "Channel inventory: what a distributor holds on a date"
    __name__ = 'pharma.import.inventory'
    _line_model = 'pharma.inventory.line'

    @classmethod
    def kind_string(cls, label):
        return gettext('pharma_distributor.msg_import_kind_inventory')

    @classmethod
    def template_rows(cls):
        import datetime
        return [{
                'date': datetime.date(2024, 1, 31),
                'product_name': '阿托伐他汀钙片', 'pack': '20mg×7片',
                'lot': '240101', 'expiry': datetime.date(2026, 1, 1),
                'quantity': 500, 'unit': '盒',
                }]

    @classmethod
    def import_fields(cls):
        return [
            ImportField('date', "Date", type='date', required=True,
                aliases=['日期', '库存日期', '盘点日期', '截止日期', 'Date']),
            _distributor_field(),
            ] + _product_fields()

    @classmethod
    def write(cls, rows, job):
        cls._replace(rows, job)
        cls._resolve(rows, job, 'product', 'product_key')
        values = []
        for row in rows:
            v = row.values
            values.append((
                    v['date'], first_day(v['date']), next_month(v['date']),
                    row.data['distributor'],
                    v['product_name'], v.get('pack'), row.data['product_key'],
                    row.data['product'], v.get('lot'), v.get('expiry'),
                    float(v['quantity']), v.get('unit'), job.filename,
                    row.row, job.log.id if job.log else None))
        bulk_insert('pharma.inventory.line', [
                'date', 'month', 'next_month', 'distributor', 'product_name',
                'pack', 'product_key', 'product', 'lot', 'expiry', 'quantity',
                'unit', 'source_file', 'source_row', 'import_batch'],
            values)

    @classmethod
    def export_values(cls, records):
        for r in records:
            yield [r.date, r.distributor.rec_name, r.product_name, r.pack,
                r.lot, r.expiry, r.quantity, r.unit]


class ImportTemplate(metaclass=PoolMeta):
    __name__ = 'pharma.import.template'

    @classmethod
    def get_for_source(cls, kind, party):
        "The active template of kind saved for the party (or None)"
        if not party:
            return None
        templates = cls.search([
                ('kind', '=', kind),
                ('party', '=', int(party)),
                ], order=[('id', 'DESC')], limit=1)
        return templates[0] if templates else None


class ImportWizard(metaclass=PoolMeta):
    __name__ = 'pharma.import.wizard'

    def _run(self, dry_run, **kwargs):
        source = getattr(self.start, 'source', None)
        if source and self.start.kind in DISTRIBUTOR_KINDS:
            with Transaction().set_context(
                    pharma_import_distributor=source.id):
                return super()._run(dry_run, **kwargs)
        return super()._run(dry_run, **kwargs)


class ImportWizardStart(metaclass=PoolMeta):
    __name__ = 'pharma.import.wizard.start'
    source = fields.Many2One(
        'party.party', "Distributor",
        domain=[('pharma_type', 'in', ['distributor', 'agent'])],
        states={'invisible': ~Eval('kind').in_(DISTRIBUTOR_KINDS)},
        help="The distributor the file comes from: its saved template is "
        "chosen, and the file may have no distributor column.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        domain = If(Eval('source') & Eval('kind').in_(DISTRIBUTOR_KINDS),
            [('party', '=', Eval('source', -1))], [])
        cls.template.domain = [cls.template.domain, domain]

    @fields.depends('source', 'kind', 'template', 'template_party',
        methods=['on_change_template'])
    def on_change_source(self):
        pool = Pool()
        Template = pool.get('pharma.import.template')
        if self.source and self.kind in DISTRIBUTOR_KINDS:
            self.template = Template.get_for_source(self.kind, self.source)
            self.template_party = self.source
            self.on_change_template()

    @fields.depends(methods=['on_change_source'])
    def on_change_kind(self):
        if hasattr(super(), 'on_change_kind'):
            super().on_change_kind()
        self.on_change_source()
