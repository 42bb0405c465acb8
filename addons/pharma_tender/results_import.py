# This file is part of the pharma suite. See README.md for license terms.
"""The `tender-results` import kind: a published award list.

Each row is one award: province, generic name, dosage form, strength,
company, price (and optionally pack, quality tier, agent, rank, volume,
project name and award date). Products are matched in the drug master by
generic name + dosage form + strength, companies by name among the
manufacturers (or our company); unknown ones refuse the row.

The awards are written as lines of one *imported results* tender
(`imported` checked, state awarded when one of the rows is won by us,
else lost) per file and province (and project name when the file has
one), then the price-linkage check runs on them."""
import os

from trytond.i18n import gettext
from trytond.model import Model
from trytond.modules.pharma_import.engine import (
    ImportField, ImportKindMixin)
from trytond.modules.pharma_hospital.tools import (
    normalize_city, normalize_name)
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from .tender import price_key

DOSAGE_FORM_SELECTION = [
    ('tablet', ['片剂', '片', '薄膜衣片', '肠溶片', '缓释片', '控释片',
            '分散片', '普通片', 'Tablet']),
    ('capsule', ['胶囊剂', '胶囊', '肠溶胶囊', '硬胶囊', '软胶囊',
            'Capsule']),
    ('injection', ['注射剂', '注射液', '注射用', '粉针剂', '冻干粉针',
            '注射用无菌粉末', 'Injection']),
    ('infusion', ['输液', '大输液', 'Infusion']),
    ('granule', ['颗粒剂', '颗粒', 'Granule']),
    ('oral_solution', ['口服溶液剂', '口服液', '口服溶液', 'Oral Solution']),
    ('ointment', ['软膏剂', '乳膏剂', '软膏', '乳膏', 'Ointment']),
    ('inhaler', ['吸入剂', '气雾剂', '吸入制剂', '吸入用混悬液', '粉雾剂',
            'Inhaler']),
    ('other', ['其他', 'Other']),
    ]
QUALITY_TIER_SELECTION = [
    ('original', ['原研', '原研药', '参比制剂', '专利药', 'Original']),
    ('generic_consistency', ['通过一致性评价', '一致性评价', '过评',
            '通过仿制药一致性评价', 'Consistency-Evaluated Generic']),
    ('other', ['其他', '未过评', '其它', 'Other']),
    ]


class ImportEngine(metaclass=PoolMeta):
    __name__ = 'pharma.import.engine'

    @classmethod
    def _import_kinds(cls):
        return super()._import_kinds() + [
            ('tender-results', 'pharma.tender.results.import',
                "Tender Results")]


class TenderResultsImport(ImportKindMixin, Model):
    "Published award list"
    __name__ = 'pharma.tender.results.import'

    @classmethod
    def kind_string(cls, label):
        return gettext('pharma_tender.msg_import_kind_tender_results')

    @classmethod
    def import_fields(cls):
        return [
            ImportField('province', "Province", required=True,
                aliases=['省份', '省', '地区', '省市', '采购地区',
                    'Province']),
            ImportField('generic_name', "Generic Name", required=True,
                aliases=['通用名', '药品通用名', '通用名称', '药品名称',
                    '产品名称', '品种名称', 'Generic Name', 'Product']),
            ImportField('dosage_form', "Dosage Form", type='selection',
                selection=DOSAGE_FORM_SELECTION,
                aliases=['剂型', '剂型名称', 'Form']),
            ImportField('strength', "Strength",
                aliases=['规格', '规格型号', '制剂规格', 'Specification']),
            ImportField('pack', "Pack",
                aliases=['包装', '包装规格', '转换比', '包装数量']),
            ImportField('quality_tier', "Quality Tier", type='selection',
                selection=QUALITY_TIER_SELECTION,
                aliases=['质量层次', '质量分层', '质量层级', 'Tier']),
            ImportField('company', "Company", required=True,
                aliases=['生产企业', '企业名称', '中选企业', '中标企业',
                    '生产厂家', '申报企业', 'Manufacturer']),
            ImportField('price', "Price", type='numeric', required=True,
                aliases=['中标价', '中选价格', '中标价格', '中选价',
                    '挂网价', '单价', 'Winning Price']),
            ImportField('agent', "Agent",
                aliases=['配送企业', '代理商', '代理企业', 'Agent']),
            ImportField('rank', "Rank", type='integer',
                aliases=['排名', '名次', '顺位', 'Rank']),
            ImportField('volume', "Awarded Volume", type='numeric',
                aliases=['中选量', '约定采购量', '采购量', '中标量',
                    'Volume']),
            ImportField('tender', "Tender", aliases=['项目名称',
                    '招标项目', '采购项目', '批次', 'Tender']),
            ImportField('award_date', "Award Date", type='date',
                aliases=['中标日期', '公布日期', '中选日期', '执行日期',
                    'Award Date']),
            ]

    @classmethod
    def import_key(cls):
        return ['province', 'generic_name', 'dosage_form', 'strength',
            'company', 'tender']

    @classmethod
    def export_values(cls, lines):
        """Rows of awarded pharma.tender.line in import_fields() order:
        export_xlsx('tender-results', []) is the blank template"""
        def first(selection, key):
            for value, texts in selection:
                if value == key:
                    return texts[0]
            return None
        for line in lines:
            province = line.province
            if province:
                province = province.get_province() or province
            yield [
                province.name if province else None,
                line.generic_name,
                first(DOSAGE_FORM_SELECTION, line.dosage_form),
                line.strength,
                line.pack,
                first(QUALITY_TIER_SELECTION, line.quality_tier),
                (line.winning_company.name if line.winning_company
                    else None),
                line.winning_price,
                line.winning_agent.name if line.winning_agent else None,
                line.rank,
                line.awarded_volume,
                line.tender.name,
                line.tender.award_date,
                ]

    @classmethod
    def _provinces(cls):
        "{normalised name or code: province id}"
        Territory = Pool().get('pharma.territory')
        result = {}
        for territory in Territory.search([('level', '=', 'province')]):
            result[normalize_city(territory.name)] = territory.id
            if territory.code:
                result[territory.code.lower()] = territory.id
        return result

    @classmethod
    def _drugs(cls):
        "{price key: [template]} of the drug master"
        Template = Pool().get('product.template')
        result = {}
        for template in Template.search([('is_pharma', '=', True)]):
            key = price_key(template.generic_name, template.dosage_form,
                template.strength)
            result.setdefault(key, []).append(template)
        return result

    @classmethod
    def validate_rows(cls, rows, job):
        pool = Pool()
        Party = pool.get('party.party')
        Company = pool.get('company.company')
        provinces = job.cache('tender_provinces', cls._provinces)
        drugs = job.cache('tender_drugs', cls._drugs)
        company = Company(job.context['company'])
        our_key = normalize_name(company.party.name, 'manufacturer')

        company_keys = {normalize_name(r.values['company'], 'manufacturer')
            for r in rows}
        agent_keys = {normalize_name(r.values['agent'], 'agent')
            for r in rows if r.values.get('agent')}
        makers = {p.name_key: p for p in Party.search([
                    ('pharma_type', '=', 'manufacturer'),
                    ('name_key', 'in', list(company_keys)),
                    ])}
        agents = {p.name_key: p for p in Party.search([
                    ('pharma_type', 'in', ['agent', 'distributor']),
                    ('name_key', 'in', list(agent_keys)),
                    ])} if agent_keys else {}
        for row in rows:
            values = row.values
            province = provinces.get(normalize_city(values['province']))
            if province is None:
                province = provinces.get(values['province'].lower())
            if province is None:
                job.error(row, 'province', gettext(
                        'pharma_tender.msg_import_unknown_province',
                        value=values['province']))
                continue
            key = price_key(values['generic_name'],
                values.get('dosage_form'), values.get('strength'))
            templates = drugs.get(key)
            if not templates:
                job.error(row, 'generic_name', gettext(
                        'pharma_tender.msg_import_unknown_product',
                        value=' '.join(filter(None, [
                                    values['generic_name'],
                                    values.get('strength')]))))
                continue
            company_key = normalize_name(values['company'], 'manufacturer')
            if company_key == our_key:
                winner = company.party
            else:
                winner = makers.get(company_key)
            if winner is None:
                job.error(row, 'company', gettext(
                        'pharma_tender.msg_import_unknown_company',
                        value=values['company']))
                continue
            ours = [t for t in templates if not t.manufacturer]
            row.data['province'] = province
            row.data['winner'] = winner.id
            row.data['won'] = winner == company.party
            row.data['product'] = (ours[0].products[0].id
                if ours and ours[0].products else None)
            agent = values.get('agent')
            row.data['agent'] = (agents[normalize_name(agent, 'agent')].id
                if agent and normalize_name(agent, 'agent') in agents
                else None)
            if not job.check_duplicate(row, (province, key, winner.id,
                        values.get('tender'))):
                continue
            row.action = 'create'

    @classmethod
    def write(cls, rows, job):
        pool = Pool()
        Tender = pool.get('pharma.tender')
        Line = pool.get('pharma.tender.line')
        Territory = pool.get('pharma.territory')
        Date = pool.get('ir.date')
        today = Date.today()
        tenders = job.cache('tender_results_tenders', dict)
        filename = os.path.basename(job.filename or '') or gettext(
            'pharma_tender.msg_import_results_tender')
        company = job.context['company']

        to_create = {}
        for row in rows:
            key = (row.data['province'], row.values.get('tender'))
            if key in tenders:
                continue
            if key not in to_create:
                province = Territory(row.data['province'])
                date = row.values.get('award_date') or today
                to_create[key] = {
                    'company': company,
                    'name': '%s - %s' % (
                        row.values.get('tender') or filename,
                        province.name),
                    'tender_type': 'provincial',
                    'region': [('add', [province.id])],
                    'award_date': date,
                    'validity_start': date,
                    'state': 'lost',
                    'imported': True,
                    }
        if to_create:
            for key, tender in zip(to_create,
                    Tender.create(list(to_create.values()))):
                tenders[key] = tender.id

        lines = []
        won = set()
        for row in rows:
            values = row.values
            tender = tenders[(row.data['province'], values.get('tender'))]
            if row.data['won']:
                won.add(tender)
            lines.append({
                    'tender': tender,
                    'product': row.data['product'] if row.data['won']
                    else None,
                    'generic_name': values['generic_name'],
                    'dosage_form': values.get('dosage_form'),
                    'strength': values.get('strength'),
                    'pack': values.get('pack'),
                    'quality_tier': values.get('quality_tier'),
                    'province': row.data['province'],
                    'winning_company': row.data['winner'],
                    'winning_price': values['price'],
                    'winning_agent': row.data['agent'],
                    'rank': values.get('rank'),
                    'awarded_volume': (float(values['volume'])
                        if values.get('volume') is not None else None),
                    })
        # bypass: the results import sets the awarded state, which only the
        # import writes
        with Transaction().set_context(_check_access=False):
            if won:
                Tender.write(Tender.browse(list(won)), {'state': 'awarded'})
            Line.create(lines)
        # The same processing as a result entered by hand (price linkage,
        # and what later modules add); it does not alert twice
        Tender.process_results(
            Tender.browse(list({l['tender'] for l in lines})))
