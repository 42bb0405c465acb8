# This file is part of the pharma suite. See README.md for license terms.
from trytond.model import fields
from trytond.modules.pharma_hospital.company_time import local_day
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction


class Call(metaclass=PoolMeta):
    __name__ = 'pharma.call'

    @classmethod
    def do(cls, calls):
        super().do(calls)
        CallCompetitor = Pool().get('pharma.call.competitor')
        CallCompetitor.create_observations(
            [m for c in calls for m in c.competitors])


class CallCompetitor(metaclass=PoolMeta):
    __name__ = 'pharma.call.competitor'
    competitor_product = fields.Many2One(
        'pharma.competitor.product', "Competitor Product",
        ondelete='RESTRICT',
        domain=[('competitor.party', '=', Eval('competitor', -1))])
    observation = fields.Many2One(
        'pharma.competitor.observation', "Observation", readonly=True,
        ondelete='SET NULL')

    @fields.depends('competitor_product', 'competitor')
    def on_change_competitor_product(self):
        if self.competitor_product:
            self.competitor = self.competitor_product.competitor.party

    @classmethod
    def create(cls, vlist):
        mentions = super().create(vlist)
        cls.create_observations(
            [m for m in mentions if m.call.state == 'done'])
        return mentions

    @classmethod
    def copy(cls, mentions, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('observation', None)
        return super().copy(mentions, default=default)

    @classmethod
    def create_observations(cls, mentions):
        """A competitor mention of a done call becomes an observation on
        the hospital, in the competitor's timeline"""
        pool = Pool()
        Observation = pool.get('pharma.competitor.observation')
        Competitor = pool.get('pharma.competitor')
        mentions = [m for m in mentions if not m.observation]
        if not mentions:
            return []
        # bypass: competitor mentions create observations written by the code
        # only
        with Transaction().set_context(_check_access=False):
            parties = {m.competitor for m in mentions}
            competitors = {c.party: c for c in Competitor.search(
                    [('party', 'in', [p.id for p in parties])])}
            missing = [p for p in parties if p not in competitors]
            if missing:
                for competitor in Competitor.create(
                        [{'party': p.id} for p in missing]):
                    competitors[competitor.party] = competitor
            observations = Observation.create([{
                        'company': m.call.company.id,
                        'date': local_day(m.call.date, m.call.company),
                        'competitor': competitors[m.competitor].id,
                        'competitor_product': (m.competitor_product.id
                            if m.competitor_product else None),
                        'hospital': (m.call.hospital.id
                            if m.call.hospital else None),
                        'kind': 'other',
                        'text': m.text,
                        'source': 'call',
                        'origin': str(m.call),
                        'observer': m.call.employee.id,
                        } for m in mentions])
            cls.write(*[x for m, o in zip(mentions, observations)
                    for x in ([m], {'observation': o.id})])
        return observations


class Observation(metaclass=PoolMeta):
    __name__ = 'pharma.competitor.observation'

    @classmethod
    def _get_origins(cls):
        return super()._get_origins() + ['pharma.call']
