# This file is part of the pharma suite. See README.md for license terms.
"""Import kind `market-data`: third-party hospital audit data (volumes by
hospital, molecule, manufacturer and month, as research firms sell it)."""
from trytond.i18n import gettext
from trytond.model import Model
from trytond.modules.pharma_hospital.tools import normalize_name
from trytond.modules.pharma_import.bulk import bulk_insert
from trytond.modules.pharma_import.engine import (
    ImportField, ImportKindMixin)
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from .market import month_start


class ImportEngine(metaclass=PoolMeta):
    __name__ = 'pharma.import.engine'

    @classmethod
    def _import_kinds(cls):
        return super()._import_kinds() + [
            ('market-data', 'pharma.import.market_data', "Market Data")]


class MarketDataImport(ImportKindMixin, Model):
    "Hospital audit data"
    __name__ = 'pharma.import.market_data'
    batch_size = 1000

    @classmethod
    def kind_string(cls, label):
        return gettext('pharma_competitor.msg_import_kind_market_data')

    @classmethod
    def import_fields(cls):
        return [
            ImportField('month', "Month", type='date', required=True,
                aliases=['月份', '年月', '日期', '期间', 'Month', 'Period']),
            ImportField('hospital', "Hospital", required=True,
                aliases=['医院名称', '医院', '终端', 'Hospital']),
            ImportField('generic_name', "Molecule", required=True,
                aliases=['通用名', '分子', '药品通用名', 'Molecule',
                    'Generic Name']),
            ImportField('manufacturer', "Manufacturer", required=True,
                aliases=['生产企业', '厂家', '生产厂家', '企业', 'Manufacturer',
                    'Corporation']),
            ImportField('units', "Volume (smallest units)", type='numeric',
                required=True, aliases=['用量', '数量(最小单位)', '最小单位数量',
                    '数量', 'Units', 'Volume']),
            ImportField('amount', "Amount", type='numeric',
                aliases=['金额', '销售额', 'Amount', 'Value']),
            ImportField('source', "Source",
                aliases=['数据来源', '来源', 'Source']),
            ]

    @classmethod
    def import_key(cls):
        return ['month', 'hospital', 'generic_name', 'manufacturer']

    @classmethod
    def _index(cls, job):
        "Hospitals and manufacturers by normalised name, loaded once"
        def load():
            pool = Pool()
            Party = pool.get('party.party')
            Company = pool.get('company.company')
            hospitals, makers = {}, {}
            # bypass: the market import matches hospitals and makers among
            # every party
            with Transaction().set_context(_check_access=False):
                for party in Party.search([
                            ('pharma_type', 'in',
                                ['hospital', 'pharmacy', 'manufacturer']),
                            ]):
                    index = (makers if party.pharma_type == 'manufacturer'
                        else hospitals)
                    for key in [party.name_key,
                            normalize_name(party.name, party.pharma_type)]:
                        if key:
                            index.setdefault(key, party.id)
                company = Company(job.context['company'])
            ours = normalize_name(company.party.name, 'manufacturer')
            return hospitals, makers, ours
        return job.cache('pharma_market_index', load)

    @classmethod
    def validate_rows(cls, rows, job):
        hospitals, makers, ours = cls._index(job)
        # the short and old names of hospitals (瑞金医院)
        aliases = Pool().get('pharma.hospital.alias').resolve(
            {normalize_name(r.values.get('hospital'), 'hospital')
                for r in rows})
        for row in rows:
            values = row.values
            key = normalize_name(values.get('hospital'), 'hospital')
            hospital = hospitals.get(key) or aliases.get(key)
            if hospital is None:
                job.error(row, 'hospital', gettext(
                        'pharma_competitor.msg_market_unknown_hospital',
                        value=values.get('hospital')))
                continue
            maker_key = normalize_name(
                values.get('manufacturer'), 'manufacturer')
            if maker_key == ours:
                maker = None
            else:
                maker = makers.get(maker_key)
                if maker is None:
                    job.error(row, 'manufacturer', gettext(
                            'pharma_competitor.msg_market_unknown_maker',
                            value=values.get('manufacturer')))
                    continue
            if values.get('units') is None or values['units'] < 0:
                job.error(row, 'units', gettext(
                        'pharma_competitor.msg_market_bad_units',
                        value=values.get('units')))
                continue
            if not job.check_duplicate(row, (month_start(values['month']),
                        hospital, values['generic_name'].strip().lower(),
                        maker)):
                continue
            row.data['hospital'] = hospital
            row.data['manufacturer'] = maker
            row.action = 'create'

    @classmethod
    def write(cls, rows, job):
        pool = Pool()
        MarketData = pool.get('pharma.market.data')
        company = job.context['company']
        # Re-importing a month replaces it: all or nothing in the job's
        # transaction
        done = job.cache('pharma_market_months', set)
        months = {month_start(r.values['month']) for r in rows} - done
        if months:
            # bypass: a re-imported month replaces the data of that month
            with Transaction().set_context(_check_access=False):
                MarketData.delete(MarketData.search([
                            ('company', '=', company),
                            ('month', 'in', list(months)),
                            ]))
            done |= months
        bulk_insert('pharma.market.data', [
                'month', 'hospital', 'generic_name', 'manufacturer', 'units',
                'amount', 'source'], [(
                    month_start(r.values['month']), r.data['hospital'],
                    r.values['generic_name'].strip(),
                    r.data['manufacturer'], float(r.values['units']),
                    r.values.get('amount'),
                    r.values.get('source') or job.filename)
                for r in rows])

    @classmethod
    def export_values(cls, records):
        for r in records:
            yield [r.month, r.hospital.rec_name, r.generic_name,
                r.manufacturer.rec_name if r.manufacturer else '', r.units,
                r.amount, r.source]
