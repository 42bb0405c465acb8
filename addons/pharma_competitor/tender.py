# This file is part of the pharma suite. See README.md for license terms.
import datetime
from collections import defaultdict

from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from .market import molecule_key


class Tender(metaclass=PoolMeta):
    __name__ = 'pharma.tender'

    @classmethod
    def process_results(cls, tenders):
        super().process_results(tenders)
        Line = Pool().get('pharma.tender.line')
        Line.create_observations([l for t in tenders for l in t.lines])


class TenderLine(metaclass=PoolMeta):
    __name__ = 'pharma.tender.line'
    competitor_product = fields.Many2One(
        'pharma.competitor.product', "Competitor Product",
        ondelete='SET NULL',
        help="The competitor's product that won or bid on this line.")

    @fields.depends('competitor_product', 'generic_name', 'strength',
        'winning_company')
    def on_change_competitor_product(self):
        product = self.competitor_product
        if product:
            if not self.generic_name:
                self.generic_name = product.generic_name
            if not self.strength:
                self.strength = product.strength
            if not self.winning_company:
                self.winning_company = product.competitor.party

    @classmethod
    def create_observations(cls, lines):
        """An award won by a competitor becomes a price observation in the
        competitor's timeline"""
        pool = Pool()
        Observation = pool.get('pharma.competitor.observation')
        Competitor = pool.get('pharma.competitor')
        # bypass: awards become competitor observations written by the code
        # only
        with Transaction().set_context(_check_access=False):
            lines = [l for l in lines
                if l.winning_company and l.winning_price is not None
                and l.winning_company != l.tender.company.party]
            if not lines:
                return []
            origins = [str(l) for l in lines]
            done = {o.origin for o in Observation.search(
                    [('origin', 'in', origins)])}
            lines = [l for l in lines if str(l) not in done]
            competitors = {c.party: c for c in Competitor.search([
                        ('party', 'in', [l.winning_company.id
                                for l in lines]),
                        ])}
            missing = {l.winning_company for l in lines
                if l.winning_company not in competitors
                and l.winning_company.pharma_type == 'manufacturer'}
            if missing:
                for competitor in Competitor.create(
                        [{'party': p.id} for p in missing]):
                    competitors[competitor.party] = competitor
            vlist = []
            for line in lines:
                competitor = competitors.get(line.winning_company)
                if not competitor:
                    continue
                tender = line.tender
                vlist.append({
                        'company': tender.company.id,
                        'date': tender.award_date
                        or pool.get('ir.date').today(),
                        'competitor': competitor.id,
                        'competitor_product': (line.competitor_product.id
                            if line.competitor_product else None),
                        'territory': (line.province.id
                            if line.province else None),
                        'kind': 'price',
                        'price': line.winning_price,
                        'volume': line.awarded_volume,
                        'text': ' '.join(filter(None, [tender.name,
                                    line.generic_name,
                                    line.dosage_form_string,
                                    line.strength])),
                        'source': 'tender',
                        'origin': str(line),
                        })
            return Observation.create(vlist)


class Observation(metaclass=PoolMeta):
    __name__ = 'pharma.competitor.observation'

    @classmethod
    def _get_origins(cls):
        return super()._get_origins() + ['pharma.tender.line']


class MarketShare(metaclass=PoolMeta):
    __name__ = 'pharma.market.share'

    @classmethod
    def _tender_units(cls, company, start, end):
        """Competitors' awarded volumes committed per hospital (volume-based
        procurement), spread evenly over the validity months"""
        pool = Pool()
        Volume = pool.get('pharma.tender.line.volume')
        result = defaultdict(float)
        # bypass: awarded volumes of every tender feed the market share
        with Transaction().set_context(_check_access=False):
            volumes = Volume.search([
                    ('line.tender.company', '=', company.id),
                    ('line.tender.state', 'in', ['awarded', 'lost']),
                    ('line.tender.validity_start', '<', end),
                    ('line.tender.validity_end', '>=', start),
                    ('line.winning_company', '!=', company.party.id),
                    ('line.winning_company', '!=', None),
                    ])
            for volume in volumes:
                line = volume.line
                tender = line.tender
                months = max(1, round(
                        (tender.validity_end - tender.validity_start).days
                        / 30.44))
                pack_size = (line.competitor_product.pack_size
                    if line.competitor_product
                    and line.competitor_product.pack_size else 1)
                result[(volume.hospital.id, molecule_key(line.generic_name))
                    ] += volume.committed_volume * pack_size / months
        return result
