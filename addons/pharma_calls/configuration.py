# This file is part of the pharma suite. See README.md for license terms.
from trytond.model import fields
from trytond.modules.pharma_hospital.configuration import default_func
from trytond.pool import PoolMeta

rep_compliance = fields.Boolean("Representative Compliance",
    help="Refuse calls by representatives who are not registered.")
call_lock_days = fields.Integer("Call Lock Days",
    help="Done calls older than this number of days are read-only.")
freq_a = fields.Integer("A-Tier Visits per Month")
freq_b = fields.Integer("B-Tier Visits per Month")
freq_c = fields.Integer("C-Tier Visits per Month")
over_visit_limit = fields.Integer("Over-Visit Limit per Month",
    help="More calls a month on one doctor are flagged.")
event_period_days = fields.Integer("Event Period Days",
    help="The period over which events and spend per doctor are "
    "counted.")
event_max_per_doctor = fields.Integer("Max Events per Doctor",
    help="The maximum number of events a doctor is invited to in the "
    "period (0 for no limit).")
cap_per_event = fields.Numeric("Cap per Event", digits=(16, 2),
    help="The maximum actual or committed cost of one event "
    "(0 for no cap).")
cap_per_attendee = fields.Numeric("Cap per Attendee", digits=(16, 2),
    help="The maximum cost of one invitation (0 for no cap).")
cap_per_doctor = fields.Numeric("Cap per Doctor and Period",
    digits=(16, 2),
    help="The maximum spend on one doctor in the period (0 for no cap).")
call_frequencies = fields.One2Many(
    'pharma.call.frequency', 'configuration', "Product-Line Frequencies",
    help="Visits per month by doctor tier for the doctors of a "
    "product line (therapeutic area); they replace the tier "
    "frequencies above for those doctors.")


class Configuration(metaclass=PoolMeta):
    __name__ = 'pharma.configuration'
    rep_compliance = fields.MultiValue(rep_compliance)
    call_lock_days = fields.MultiValue(call_lock_days)
    freq_a = fields.MultiValue(freq_a)
    freq_b = fields.MultiValue(freq_b)
    freq_c = fields.MultiValue(freq_c)
    call_frequencies = fields.MultiValue(fields.One2Many(
            'pharma.call.frequency', None, "Product-Line Frequencies",
            help=call_frequencies.help))
    over_visit_limit = fields.MultiValue(over_visit_limit)
    event_period_days = fields.MultiValue(event_period_days)
    event_max_per_doctor = fields.MultiValue(event_max_per_doctor)
    cap_per_event = fields.MultiValue(cap_per_event)
    cap_per_attendee = fields.MultiValue(cap_per_attendee)
    cap_per_doctor = fields.MultiValue(cap_per_doctor)

    default_rep_compliance = default_func('rep_compliance')
    default_call_lock_days = default_func('call_lock_days')
    default_freq_a = default_func('freq_a')
    default_freq_b = default_func('freq_b')
    default_freq_c = default_func('freq_c')
    default_over_visit_limit = default_func('over_visit_limit')
    default_event_period_days = default_func('event_period_days')
    default_event_max_per_doctor = default_func('event_max_per_doctor')
    default_cap_per_event = default_func('cap_per_event')
    default_cap_per_attendee = default_func('cap_per_attendee')
    default_cap_per_doctor = default_func('cap_per_doctor')

    def get_frequency(self, party):
        """Target calls per month for the doctor: the VIP frequency, else
        the highest of its product-line targets (one call can detail the
        products of several lines), else the tier frequency"""
        if getattr(party, 'vip', False) and party.vip_frequency:
            return party.vip_frequency
        lines = self.get_line_frequencies(party)
        if lines:
            return max(lines.values())
        return {
            'A': self.freq_a,
            'B': self.freq_b,
            'C': self.freq_c,
            }.get(getattr(party, 'doctor_tier', None)) or 0

    def get_line_frequencies(self, party):
        """Target calls per month of the doctor per product line:
        {therapeutic area: visits} for the doctor's therapeutic areas
        with a product-line frequency"""
        if getattr(party, 'pharma_type', None) != 'doctor':
            return {}
        areas = {a.id for a in (party.therapeutic_areas or [])}
        tier = getattr(party, 'doctor_tier', None)
        result = {}
        for line in (getattr(self, 'call_frequencies', None) or []):
            if line.therapeutic_area.id in areas:
                frequency = line.get_frequency(tier)
                if frequency:
                    result[line.therapeutic_area] = frequency
        return result


class ConfigurationCompany(metaclass=PoolMeta):
    __name__ = 'pharma.configuration.company'
    rep_compliance = rep_compliance
    call_lock_days = call_lock_days
    freq_a = freq_a
    freq_b = freq_b
    freq_c = freq_c
    call_frequencies = call_frequencies
    over_visit_limit = over_visit_limit
    event_period_days = event_period_days
    event_max_per_doctor = event_max_per_doctor
    cap_per_event = cap_per_event
    cap_per_attendee = cap_per_attendee
    cap_per_doctor = cap_per_doctor

    @classmethod
    def default_rep_compliance(cls):
        return True

    @classmethod
    def default_call_lock_days(cls):
        return 7

    @classmethod
    def default_freq_a(cls):
        return 4

    @classmethod
    def default_freq_b(cls):
        return 2

    @classmethod
    def default_freq_c(cls):
        return 1

    @classmethod
    def default_over_visit_limit(cls):
        return 8

    @classmethod
    def default_event_period_days(cls):
        return 90

    @classmethod
    def default_event_max_per_doctor(cls):
        return 4

    @classmethod
    def default_cap_per_event(cls):
        return 0

    @classmethod
    def default_cap_per_attendee(cls):
        return 0

    @classmethod
    def default_cap_per_doctor(cls):
        return 0
