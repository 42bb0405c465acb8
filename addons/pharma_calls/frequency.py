# This file is part of the pharma suite. See README.md for license terms.
"""Call frequency targets per product line.

A product line is a therapeutic area of the drug master
(product.template.therapeutic_area in pharma_hospital): the company sets
visits per month by doctor tier for each line, and a doctor counts for the
lines of its therapeutic areas. A call counts for a line when it details a
product of that line."""
from sql import Literal, Null
from sql.aggregate import Count
from sql.conditionals import Case, Coalesce

from trytond import backend
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.modules.pharma_hospital.configuration import OLD_TABLE
from trytond.pool import Pool
from trytond.transaction import Transaction

from .party import month_bounds


class CallFrequency(ModelSQL, ModelView):
    "Product-Line Call Frequency"
    __name__ = 'pharma.call.frequency'
    configuration = fields.Many2One(
        'pharma.configuration.company', "Configuration", required=True,
        ondelete='CASCADE')
    therapeutic_area = fields.Many2One(
        'pharma.therapeutic.area', "Product Line", required=True,
        ondelete='CASCADE',
        help="The therapeutic area of the drugs of the line.")
    freq_a = fields.Integer("A-Tier Visits per Month")
    freq_b = fields.Integer("B-Tier Visits per Month")
    freq_c = fields.Integer("C-Tier Visits per Month")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('configuration')
        t = cls.__table__()
        cls._sql_constraints = [
            ('configuration_area_uniq',
                Unique(t, t.configuration, t.therapeutic_area),
                'pharma_calls.msg_call_frequency_unique'),
            ]

    @classmethod
    def __register__(cls, module):
        # Migration from the per-company configuration table: the lines
        # point to the company values, which keep its ids
        if (backend.TableHandler.table_exist(OLD_TABLE)
                and backend.TableHandler.table_exist(cls._table)):
            cls.__table_handler__(module).drop_fk('configuration')
        super().__register__(module)

    def get_frequency(self, tier):
        return {
            'A': self.freq_a,
            'B': self.freq_b,
            'C': self.freq_c,
            }.get(tier) or 0


class DoctorLineCalls(ModelSQL, ModelView):
    "Doctor Calls per Product Line"
    __name__ = 'pharma.call.doctor.line'
    doctor = fields.Many2One(
        'party.party', "Doctor", required=True, readonly=True)
    therapeutic_area = fields.Many2One(
        'pharma.therapeutic.area', "Product Line", readonly=True)
    target = fields.Integer("Target Calls per Month", readonly=True)
    planned = fields.Integer("Planned Calls this Month", readonly=True,
        help="The planned calls of this month that detail a product of "
        "the line.")
    done = fields.Integer("Done Calls this Month", readonly=True,
        help="The done calls of this month that detail a product of "
        "the line.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # who may read the doctor reads its lines
        cls.__access__.add('doctor')
        cls._order = [('therapeutic_area', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Party = pool.get('party.party')
        PartyArea = pool.get('party.party-pharma.therapeutic.area')
        Frequency = pool.get('pharma.call.frequency')
        Configuration = pool.get('pharma.configuration.company')
        Call = pool.get('pharma.call')
        CallProduct = pool.get('pharma.call.product')
        Product = pool.get('product.product')
        Template = pool.get('product.template')
        Date = pool.get('ir.date')
        company = Transaction().context.get('company') or -1
        party = Party.__table__()
        relation = PartyArea.__table__()
        frequency = Frequency.__table__()
        configuration = Configuration.__table__()
        call = Call.__table__()
        line = CallProduct.__table__()
        product = Product.__table__()
        template = Template.__table__()

        start, end = month_bounds(Date.today())
        detailed = (call
            .join(line, condition=line.call == call.id)
            .join(product, condition=line.product == product.id)
            .join(template, condition=product.template == template.id)
            .select(
                call.party.as_('party'),
                template.therapeutic_area.as_('area'),
                Count(Case((call.state == 'planned', call.id), else_=Null),
                    distinct=True).as_('planned'),
                Count(Case((call.state == 'done', call.id), else_=Null),
                    distinct=True).as_('done'),
                where=(call.company == company)
                & (call.date >= start) & (call.date < end)
                & call.state.in_(['planned', 'done'])
                & (template.therapeutic_area != Null),
                group_by=[call.party, template.therapeutic_area]))
        target = Coalesce(Case(
                (party.doctor_tier == 'A', frequency.freq_a),
                (party.doctor_tier == 'B', frequency.freq_b),
                (party.doctor_tier == 'C', frequency.freq_c),
                else_=Null), Literal(0))
        return (relation
            .join(party, condition=relation.party == party.id)
            .join(frequency, condition=frequency.therapeutic_area
                == relation.area)
            .join(configuration,
                condition=(frequency.configuration == configuration.id)
                & (configuration.company == company))
            .join(detailed, 'LEFT',
                condition=(detailed.party == relation.party)
                & (detailed.area == relation.area))
            .select(
                relation.id.as_('id'),
                relation.party.as_('doctor'),
                relation.area.as_('therapeutic_area'),
                target.as_('target'),
                Coalesce(detailed.planned, Literal(0)).as_('planned'),
                Coalesce(detailed.done, Literal(0)).as_('done'),
                where=(party.pharma_type == 'doctor') & (target > 0)))
