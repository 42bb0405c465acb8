# This file is part of the pharma suite. See README.md for license terms.
import datetime
from collections import defaultdict

from sql.aggregate import Sum
from sql.conditionals import Coalesce
from sql.functions import Lower, Trim

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.pharma_import.bulk import bulk_insert
from trytond.modules.pharma_reporting.report import (  # noqa: F401
    month_start, next_month)
from trytond.modules.pharma_hospital.job import QueuedWizardMixin
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

CONFIDENCES = [
    ('measured', "Measured"),
    ('estimated', "Estimated"),
    ]
SOURCES = [
    ('market', "Market Data"),
    ('observation', "Observations"),
    ('tender', "Tender Awards"),
    ('none', "No Competitor Data"),
    ]


def molecule_key(value):
    return (value or '').strip().lower()


class MarketData(ModelSQL, ModelView):
    "Hospital audit data bought from a research firm"
    __name__ = 'pharma.market.data'
    company = fields.Many2One('company.company', "Company", required=True)
    month = fields.Date("Month", required=True,
        help="The first day of the month the volume belongs to.")
    hospital = fields.Many2One(
        'party.party', "Hospital", required=True, ondelete='RESTRICT',
        domain=[('pharma_type', 'in', ['hospital', 'pharmacy'])],
        context={'company': Eval('company', -1)}, depends={'company'})
    generic_name = fields.Char("Molecule", required=True)
    manufacturer = fields.Many2One(
        'party.party', "Manufacturer", ondelete='RESTRICT',
        domain=[('pharma_type', '=', 'manufacturer')],
        context={'company': Eval('company', -1)}, depends={'company'},
        help="Empty for our own products.")
    competitor_product = fields.Many2One(
        'pharma.competitor.product', "Competitor Product",
        ondelete='SET NULL')
    units = fields.Float("Volume (smallest units)", digits=(16, 2),
        required=True)
    amount = fields.Numeric("Amount", digits=(16, 2))
    source = fields.Char("Source", help="The research firm or data set.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t,
                (t.month, Index.Range()), (t.hospital, Index.Range())))
        cls._order = [('month', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('month'):
            values['month'] = month_start(values['month'])
        return values


class MarketShare(ModelSQL, ModelView):
    "Our share of a molecule in a hospital for one month"
    __name__ = 'pharma.market.share'
    company = fields.Many2One('company.company', "Company", required=True,
        readonly=True)
    month = fields.Date("Month", required=True, readonly=True)
    hospital = fields.Many2One('party.party', "Hospital", required=True,
        readonly=True, context={'company': Eval('company', -1)},
        depends={'company'})
    territory = fields.Many2One('pharma.territory', "Territory",
        readonly=True)
    generic_name = fields.Char("Molecule", required=True, readonly=True)
    therapeutic_area = fields.Many2One(
        'pharma.therapeutic.area', "Therapeutic Area", readonly=True)
    our_units = fields.Float("Our Volume", digits=(16, 2), readonly=True)
    competitor_units = fields.Float("Competitors' Volume", digits=(16, 2),
        readonly=True)
    share = fields.Float("Share (%)", digits=(16, 2), readonly=True)
    previous_share = fields.Float("Previous Share (%)", digits=(16, 2),
        readonly=True)
    change = fields.Float("Change (points)", digits=(16, 2), readonly=True)
    source = fields.Selection(SOURCES, "Competitor Source", readonly=True)
    confidence = fields.Selection(CONFIDENCES, "Confidence", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t,
                (t.company, Index.Range()), (t.month, Index.Range()),
                (t.hospital, Index.Range())))
        # hospitals where share fell most first
        cls._order = [('month', 'DESC'), ('change', 'ASC NULLS LAST'),
            ('id', 'ASC')]

    @classmethod
    def compute(cls, month, company=None):
        """(Re)compute the shares of a month for the company from sales flow
        (ours), market data, volume observations and awarded tender volumes
        (competitors). Every volume is converted to smallest dose units."""
        pool = Pool()
        Company = pool.get('company.company')
        Party = pool.get('party.party')
        if company is None:
            company = Company(Transaction().context['company'])
        month = month_start(month)
        end = next_month(month)
        ours = cls._our_units(company, month, end)
        competitors, sources = cls._competitor_units(company, month, end)
        keys = set(ours) | set(competitors)
        # The shares are derived data, rewritten as a whole for the month:
        # one DELETE, one query of the previous month and of the
        # territories, multi-row INSERTs (bulk_insert: create_uid and
        # create_date as the ORM's create would, which validated each of a
        # national month's 1,300 rows for nothing); who may compute is
        # decided by the wizard's and the cron's access
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        cursor.execute(*table.delete(
                where=(table.company == company.id)
                & (table.month == month)))
        previous_month = month_start(month - datetime.timedelta(days=1))
        cursor.execute(*table.select(
                table.hospital, table.generic_name, table.share,
                where=(table.company == company.id)
                & (table.month == previous_month)))
        previous = {(h, m): share for h, m, share in cursor}
        party = Party.__table__()
        territories = {}
        for sub in grouped_slice(list({h for h, _ in keys}),
                backend.MAX_QUERY_PARAMS):
            cursor.execute(*party.select(party.id, party.territory,
                    where=party.id.in_(list(sub))))
            territories.update(cursor)
        areas = cls._molecule_areas({m for _, m in keys})
        columns = ['company', 'month', 'hospital', 'territory',
            'generic_name', 'therapeutic_area', 'our_units',
            'competitor_units', 'share', 'previous_share', 'change',
            'source', 'confidence']
        vlist = []
        for hospital_id, molecule in sorted(keys):
            our = ours.get((hospital_id, molecule), 0.0)
            other = competitors.get((hospital_id, molecule), 0.0)
            total = our + other
            share = round(100.0 * our / total, 2) if total else None
            source = sources.get((hospital_id, molecule), 'none')
            prev = previous.get((hospital_id, molecule))
            vlist.append([
                    company.id, month, hospital_id,
                    territories.get(hospital_id), molecule,
                    areas.get(molecule), our, other, share, prev,
                    (round(share - prev, 2)
                        if share is not None and prev is not None
                        else None),
                    source,
                    'measured' if source == 'market' else 'estimated',
                    ])
        # bypass: market shares are computed by the code only
        with Transaction().set_context(_check_access=False):
            bulk_insert(cls.__name__, columns, vlist)
        return len(vlist)

    @classmethod
    def _molecule_areas(cls, molecules):
        pool = Pool()
        Template = pool.get('product.template')
        result = {}
        if not molecules or 'generic_name' not in Template._fields:
            return result
        with Transaction().set_context(active_test=False):
            for template in Template.search([
                        ('generic_name', '!=', None),
                        ]):
                key = molecule_key(template.generic_name)
                area = getattr(template, 'therapeutic_area', None)
                if key in molecules and area:
                    result[key] = area.id
        return result

    @classmethod
    def _our_units(cls, company, start, end):
        "Sell-out to hospitals from sales flow, in smallest units"
        pool = Pool()
        result = defaultdict(float)
        try:
            Flow = pool.get('pharma.flow.line')
        except KeyError:
            return result
        Product = pool.get('product.product')
        Template = pool.get('product.template')
        flow = Flow.__table__()
        product = Product.__table__()
        template = Template.__table__()
        cursor = Transaction().connection.cursor()
        pack_size = Coalesce(template.pack_size, 1)
        # group by the subquery's column: TRIM's parameter makes the same
        # expression differ between SELECT and GROUP BY on PostgreSQL
        query = (flow
            .join(product, condition=flow.product == product.id)
            .join(template, condition=product.template == template.id)
            .select(
                flow.customer.as_('hospital'),
                Lower(Trim(template.generic_name)).as_('molecule'),
                (flow.quantity * pack_size).as_('units'),
                where=(flow.company == company.id)
                & (flow.date >= start) & (flow.date < end)
                & (flow.customer != None)  # noqa: E711
                & (template.generic_name != None)))  # noqa: E711
        cursor.execute(*query.select(
                query.hospital, query.molecule, Sum(query.units),
                group_by=[query.hospital, query.molecule]))
        for hospital, molecule, units in cursor:
            result[(hospital, molecule)] += float(units or 0)
        return result

    @classmethod
    def _competitor_units(cls, company, start, end):
        """Competitors' volume per (hospital, molecule): market data when
        there is some, else volume observations, else awarded tenders"""
        pool = Pool()
        cursor = Transaction().connection.cursor()
        result = {}
        sources = {}

        data = pool.get('pharma.market.data').__table__()
        query = data.select(
            data.hospital.as_('hospital'),
            Lower(Trim(data.generic_name)).as_('molecule'),
            data.units.as_('units'),
            where=(data.company == company.id)
            & (data.month >= start) & (data.month < end)
            & (data.manufacturer != None))  # noqa: E711
        cursor.execute(*query.select(
                query.hospital, query.molecule, Sum(query.units),
                group_by=[query.hospital, query.molecule]))
        for hospital, molecule, units in cursor:
            result[(hospital, molecule)] = float(units or 0)
            sources[(hospital, molecule)] = 'market'

        observation = pool.get('pharma.competitor.observation').__table__()
        cproduct = pool.get('pharma.competitor.product').__table__()
        query = (observation
            .join(cproduct,
                condition=observation.competitor_product == cproduct.id)
            .select(
                observation.hospital.as_('hospital'),
                Lower(Trim(cproduct.generic_name)).as_('molecule'),
                (observation.volume * Coalesce(cproduct.pack_size, 1)
                    ).as_('units'),
                where=(observation.company == company.id)
                & (observation.kind == 'volume')
                & (observation.date >= start) & (observation.date < end)
                & (observation.hospital != None)))  # noqa: E711
        cursor.execute(*query.select(
                query.hospital, query.molecule, Sum(query.units),
                group_by=[query.hospital, query.molecule]))
        for hospital, molecule, units in cursor:
            key = (hospital, molecule)
            if key not in result:
                result[key] = float(units or 0)
                sources[key] = 'observation'

        for key, units in cls._tender_units(company, start, end).items():
            if key not in result:
                result[key] = units
                sources[key] = 'tender'
        return result, sources

    @classmethod
    def _tender_units(cls, company, start, end):
        "Hook: pharma_tender's awarded volumes (see tender.py)"
        return {}


class ComputeShareStart(ModelView):
    __name__ = 'pharma.market.share.compute.start'
    month = fields.Date("Month", required=True)

    @classmethod
    def default_month(cls):
        today = Pool().get('ir.date').today()
        return month_start(month_start(today) - datetime.timedelta(days=1))


class ComputeShare(QueuedWizardMixin, Wizard):
    """Compute the market share of a month: by a background job (pharma.job,
    trytond-worker: a national month reads half a million flow lines), which
    the user follows in 我的后台任务 and is notified of"""
    __name__ = 'pharma.market.share.compute'
    start = StateView('pharma.market.share.compute.start',
        'pharma_competitor.market_share_compute_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Compute", 'compute', 'tryton-ok', default=True),
            ])
    compute = StateTransition()
    queued = StateView('pharma.job.queued',
        'pharma_hospital.job_queued_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def transition_compute(self):
        month = month_start(self.start.month)
        self.queued.job = self.queue_job('market_share', 'run_compute',
            gettext('pharma_competitor.msg_job_market_share',
                month=month.strftime('%Y-%m')), total=1)
        return 'queued'

    def default_queued(self, fields):
        return Pool().get('pharma.job.queued').values(self.queued.job)

    def run_compute(self, job):
        "Compute the month's shares of the job's company (run by the job)"
        Share = Pool().get('pharma.market.share')
        month = month_start(self.start.month)
        count = Share.compute(month)
        return gettext('pharma_competitor.msg_market_share_computed',
            month=month.strftime('%Y-%m'), count=count)
