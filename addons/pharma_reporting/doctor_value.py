# This file is part of the pharma suite. See README.md for license terms.
"""Where effort pays: for each doctor the calls, events and samples received
beside the sell-out trend of the doctor's hospital. Sales stay at hospital
level: department- or doctor-level sales would be counting prescriptions
(统方), which the suite must not do."""
import datetime

from sql import Literal, Null
from sql.aggregate import Count, Sum
from sql.conditionals import Coalesce

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.pharma_hospital.company_time import utc_start
from trytond.pool import Pool
from trytond.transaction import Transaction


class DoctorValueContext(ModelView):
    __name__ = 'pharma.doctor.value.context'
    from_date = fields.Date("From Date", required=True)
    to_date = fields.Date("To Date", required=True)

    @classmethod
    def default_to_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_from_date(cls):
        return (Pool().get('ir.date').today()
            - datetime.timedelta(days=90))


class DoctorValue(ModelSQL, ModelView):
    "Doctor value: effort beside the hospital's result"
    __name__ = 'pharma.doctor.value'
    doctor = fields.Many2One(
        'party.party', "Doctor", required=True, readonly=True)
    hospital = fields.Many2One('party.party', "Hospital", readonly=True)
    doctor_tier = fields.Char("Tier", readonly=True)
    calls = fields.Integer("Calls", readonly=True)
    events = fields.Integer("Events Attended", readonly=True)
    event_cost = fields.Numeric("Event Cost", digits=(16, 2), readonly=True)
    samples = fields.Float("Samples Received", digits=(16, 2),
        readonly=True)
    hospital_sellout = fields.Float(
        "Hospital Sell-out", digits=(16, 2), readonly=True)
    hospital_sellout_previous = fields.Float(
        "Hospital Sell-out (Previous Period)", digits=(16, 2),
        readonly=True)
    hospital_trend = fields.Function(fields.Float(
            "Hospital Trend (%)", digits=(16, 1)), 'get_hospital_trend')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('doctor')
        cls._order = [('calls', 'DESC'), ('id', 'ASC')]

    @classmethod
    def _period(cls):
        context = Transaction().context
        today = Pool().get('ir.date').today()
        to_date = context.get('to_date') or today
        from_date = context.get('from_date') or (
            to_date - datetime.timedelta(days=90))
        return from_date, to_date

    @classmethod
    def table_query(cls):
        pool = Pool()
        Party = pool.get('party.party')
        Call = pool.get('pharma.call')
        Sample = pool.get('pharma.call.sample')
        Invitation = pool.get('pharma.event.invitation')
        Event = pool.get('pharma.event')
        Flow = pool.get('pharma.flow.line')
        party = Party.__table__()
        call = Call.__table__()
        call2 = Call.__table__()
        sample = Sample.__table__()
        invitation = Invitation.__table__()
        event = Event.__table__()
        flow = Flow.__table__()
        flow2 = Flow.__table__()
        company = Transaction().context.get('company') or -1
        from_date, to_date = cls._period()
        dt_from = utc_start(from_date)
        dt_to = utc_start(to_date + datetime.timedelta(days=1))
        length = (to_date - from_date).days + 1
        previous_from = from_date - datetime.timedelta(days=length)

        calls = call.select(Count(call.id),
            where=(call.party == party.id) & (call.state == 'done')
            & (call.company == company)
            & (call.date >= dt_from) & (call.date < dt_to))
        samples = sample.join(call2, condition=sample.call == call2.id
            ).select(Coalesce(Sum(sample.quantity), 0),
            where=(call2.party == party.id) & (call2.state == 'done')
            & (call2.company == company)
            & (call2.date >= dt_from) & (call2.date < dt_to))
        attended = (invitation.doctor == party.id)
        attended &= (invitation.state == 'attended')
        attended &= (event.company == company)
        attended &= (event.date >= dt_from) & (event.date < dt_to)
        events = invitation.join(event,
            condition=invitation.event == event.id).select(
            Count(invitation.id), where=attended)
        event_cost = invitation.join(event,
            condition=invitation.event == event.id).select(
            Coalesce(Sum(invitation.cost), 0), where=attended)
        sellout = flow.select(Coalesce(Sum(flow.quantity), 0),
            where=(flow.customer == party.hospital)
            & (flow.company == company)
            & (flow.date >= from_date) & (flow.date <= to_date))
        previous = flow2.select(Coalesce(Sum(flow2.quantity), 0),
            where=(flow2.customer == party.hospital)
            & (flow2.company == company)
            & (flow2.date >= previous_from) & (flow2.date < from_date))
        return party.select(
            party.id.as_('id'),
            party.id.as_('doctor'),
            party.hospital.as_('hospital'),
            party.doctor_tier.as_('doctor_tier'),
            calls.as_('calls'),
            events.as_('events'),
            event_cost.as_('event_cost'),
            samples.as_('samples'),
            sellout.as_('hospital_sellout'),
            previous.as_('hospital_sellout_previous'),
            where=(party.pharma_type == 'doctor')
            & (party.active == Literal(True)))

    def get_hospital_trend(self, name):
        if self.hospital_sellout_previous:
            return round(100.0 * (
                    self.hospital_sellout - self.hospital_sellout_previous)
                / self.hospital_sellout_previous, 1)
