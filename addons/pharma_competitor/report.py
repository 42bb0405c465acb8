# This file is part of the pharma suite. See README.md for license terms.
"""The report pack's sheets on competitors and market share (pharma_reporting
builds the pack; these sheets come with competitor intelligence)."""
import datetime

from sql.aggregate import Count

from trytond.modules.pharma_reporting.report import _msg
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


class ReportPack(metaclass=PoolMeta):
    __name__ = 'pharma.report.pack'

    @classmethod
    def _sheets(cls):
        sheets = super()._sheets()
        keys = [k for k, _ in sheets]
        index = (keys.index('tender_results') + 1
            if 'tender_results' in keys else len(sheets))
        sheets[index:index] = [
            ('competitor_share', '_sheet_competitor_share'),
            ('competitor_activity', '_sheet_competitor_activity'),
            ('territory_share', '_sheet_territory_share'),
            ('key_hospital_competitors', '_sheet_key_hospital_competitors'),
            ]
        return sheets

    @classmethod
    def _sheet_competitor_share(cls, company, start, end):
        Share = Pool().get('pharma.market.share')
        sources = cls._selection('pharma.market.share', 'source')
        confidences = cls._selection('pharma.market.share', 'confidence')
        # bypass: management report pack: company-wide by design
        with Transaction().set_context(_check_access=False):
            shares = Share.search([
                    ('company', '=', company.id),
                    ('month', '=', start),
                    ])
            if not shares:
                Share.compute(start, company)
                shares = Share.search([
                        ('company', '=', company.id),
                        ('month', '=', start),
                        ])
            rows = [[s.hospital.rec_name, s.generic_name, s.our_units,
                    s.competitor_units, s.share, s.change,
                    sources.get(s.source, s.source),
                    confidences.get(s.confidence, s.confidence)]
                for s in shares]
        return [_msg('col_hospital'), _msg('col_molecule'),
            _msg('col_our_units'), _msg('col_competitor_units'),
            _msg('col_share'), _msg('col_change'), _msg('col_source'),
            _msg('col_confidence')], rows

    @classmethod
    def _sheet_competitor_activity(cls, company, start, end):
        Observation = Pool().get('pharma.competitor.observation')
        observation = Observation.__table__()
        cursor = cls._cursor()
        cursor.execute(*observation.select(
                observation.competitor, observation.kind,
                Count(observation.id),
                Count(observation.hospital, distinct=True),
                where=(observation.company == company.id)
                & (observation.date >= start) & (observation.date < end),
                group_by=[observation.competitor, observation.kind]))
        data = list(cursor)
        names = cls._names('pharma.competitor', [c for c, *_ in data])
        kinds = cls._selection('pharma.competitor.observation', 'kind')
        rows = [[names.get(c, ''), kinds.get(k, k), n, h]
            for c, k, n, h in sorted(data, key=lambda x: -x[2])]
        return [_msg('col_competitor'), _msg('col_kind'),
            _msg('col_observations'), _msg('col_hospitals')], rows

    @classmethod
    def _sheet_territory_share(cls, company, start, end):
        """Our share summed over the hospitals of each territory (its
        subtree included) and of the whole company, per therapeutic area"""
        Share = Pool().get('pharma.market.share')
        Area = Pool().get('pharma.market.share.area')
        levels = cls._selection('pharma.market.share.area', 'level')
        order = {l: i for i, l in enumerate(levels)}
        # bypass: management report pack: company-wide by design
        with Transaction().set_context(_check_access=False,
                company=company.id, from_month=start, to_month=start):
            if not Share.search([
                        ('company', '=', company.id),
                        ('month', '=', start),
                        ], limit=1):
                Share.compute(start, company)
            rows = [[r.territory.rec_name if r.territory
                    else levels.get('all'),
                    levels.get(r.level, r.level),
                    r.therapeutic_area.rec_name if r.therapeutic_area
                    else '',
                    r.hospitals, r.our_units, r.competitor_units,
                    r.share, r.previous_share, r.change]
                for r in sorted(Area.search([('month', '=', start)]),
                    key=lambda r: (order.get(r.level, 99),
                        r.territory.rec_name if r.territory else '',
                        r.therapeutic_area.rec_name if r.therapeutic_area
                        else ''))]
        return [_msg('col_territory'), _msg('col_level'),
            _msg('col_therapeutic_area'), _msg('col_hospitals'),
            _msg('col_our_units'), _msg('col_competitor_units'),
            _msg('col_share'), _msg('col_previous_share'),
            _msg('col_change')], rows

    @classmethod
    def _sheet_key_hospital_competitors(cls, company, start, end):
        "The key-account hospitals where competitors were seen in the month"
        KeyHospital = Pool().get('pharma.competitor.key_hospital')
        # bypass: management report pack: company-wide by design
        with Transaction().set_context(_check_access=False,
                company=company.id, from_date=start,
                to_date=end - datetime.timedelta(days=1)):
            records = KeyHospital.search([], order=[
                    ('observations', 'DESC'), ('last_date', 'DESC'),
                    ('id', 'ASC')])
            rows = [[r.hospital.rec_name, r.key_level or '',
                    r.territory.rec_name if r.territory else '',
                    r.competitor.rec_name, r.observations, r.last_date,
                    r.kinds] for r in records]
        return [_msg('col_hospital'), _msg('col_key_level'),
            _msg('col_territory'), _msg('col_competitor'),
            _msg('col_observations'), _msg('col_last_observation'),
            _msg('col_kinds')], rows
