# This file is part of the pharma suite. See README.md for license terms.
import datetime

from sql import Null

from trytond.i18n import gettext
from trytond.model import Index, Unique, fields
from trytond.model.exceptions import AccessError
from trytond.modules.pharma_hospital.company_time import local_day
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .geo import distance

# What the server records at sync, never what a client writes
EVIDENCE_FIELDS = {
    'checkin_latitude', 'checkin_longitude', 'checkin_accuracy',
    'checkin_phone_time', 'checkin_server_time', 'checkin_clock_offset',
    'checkin_distance', 'checkin_week', 'checkin_no_fix',
    'checkin_outside', 'checkin_imprecise', 'checkin_clock',
    'checkin_travel', 'checkin_flagged', 'checkin_hospital_unknown',
    }
FLAG_FIELDS = ['checkin_no_fix', 'checkin_outside', 'checkin_imprecise',
    'checkin_clock', 'checkin_travel']
# Calls whose start is checked in
CHECKIN_TYPES = {'face_to_face', 'joint_visit'}


class Call(metaclass=PoolMeta):
    __name__ = 'pharma.call'
    _evidence = {
        'invisible': ~Eval('client_id'),
        }
    client_id = fields.Char("Phone ID", readonly=True, strip=False,
        help="The identifier the phone app gave the call when it was "
        "logged, offline or not: a call is created once per identifier.")
    checkin_latitude = fields.Float("Check-in Latitude", digits=(3, 6),
        readonly=True, states=_evidence, help="WGS-84, from the phone.")
    checkin_longitude = fields.Float("Check-in Longitude", digits=(3, 6),
        readonly=True, states=_evidence)
    checkin_accuracy = fields.Float("Check-in Accuracy (m)", digits=(16, 0),
        readonly=True, states=_evidence)
    checkin_phone_time = fields.DateTime("Check-in Phone Time",
        readonly=True, states=_evidence,
        help="When the phone took the location fix, by the phone's clock.")
    checkin_server_time = fields.DateTime("Check-in Received",
        readonly=True, states=_evidence,
        help="When the server received the call.")
    checkin_clock_offset = fields.Integer("Phone Clock Offset (s)",
        readonly=True, states=_evidence,
        help="Server time minus the phone's time at the sync.")
    checkin_distance = fields.Float("Distance to Hospital (m)",
        digits=(16, 0), readonly=True, states=_evidence)
    checkin_week = fields.Date("Check-in Week", readonly=True,
        states=_evidence)
    checkin_no_fix = fields.Boolean("No Location Fix", readonly=True,
        states=_evidence)
    checkin_outside = fields.Boolean("Outside the Hospital", readonly=True,
        states=_evidence)
    checkin_imprecise = fields.Boolean("Imprecise Fix", readonly=True,
        states=_evidence,
        help="The fix's accuracy is worse than the check-in radius.")
    checkin_clock = fields.Boolean("Phone Clock Off", readonly=True,
        states=_evidence)
    checkin_travel = fields.Boolean("Impossible Travel", readonly=True,
        states=_evidence,
        help="Farther from the previous check-in than a car could go.")
    checkin_hospital_unknown = fields.Boolean(
        "Hospital without Coordinates", readonly=True, states=_evidence)
    checkin_flagged = fields.Boolean("Check-in Flagged", readonly=True,
        states=_evidence)
    del _evidence

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('client_id_uniq', Unique(t, t.client_id),
                'pharma_field.msg_call_client_id_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.employee, Index.Range()),
                    (t.checkin_week, Index.Range()),
                    where=t.client_id != Null),
                })

    @classmethod
    def _check_evidence(cls, names):
        names = set(names) & EVIDENCE_FIELDS
        if names:
            raise AccessError(gettext(
                    'pharma_field.msg_call_evidence_readonly',
                    field=', '.join(
                        cls._fields[n].string for n in sorted(names))))

    @classmethod
    def create(cls, vlist):
        transaction = Transaction()
        if transaction.user and transaction.check_access:
            for values in vlist:
                cls._check_evidence(values)
        return super().create(vlist)

    @classmethod
    def check_modification(cls, mode, calls, values=None, external=False):
        super().check_modification(
            mode, calls, values=values, external=external)
        if mode == 'write' and external and Transaction().user:
            cls._check_evidence(set(values or {}) | (
                    {'checkin_flagged'} if 'client_id' in (values or {})
                    else set()))

    @classmethod
    def copy(cls, calls, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('client_id')
        for name in EVIDENCE_FIELDS:
            default.setdefault(name)
        return super().copy(calls, default=default)

    # Check-in evidence

    @classmethod
    def record_checkin(cls, call, fix, clock_offset, received=None,
            config=None):
        "Record the check-in of one call (see record_checkins)"
        cls.record_checkins([(call, fix)], clock_offset, received=received,
            config=config)

    @classmethod
    def record_checkins(cls, checkins, clock_offset, received=None,
            config=None):
        """Record the check-ins of calls synced from the phone together:
        checkins is a list of (call, fix), fix None (no location) or a
        dict lat, lng (WGS-84), accuracy (m) and time (the phone's, naive
        UTC); clock_offset the seconds between the server's and the
        phone's clocks at the sync"""
        pool = Pool()
        Configuration = pool.get('pharma.configuration')
        if not checkins:
            return
        if config is None:
            config = Configuration.get_config(checkins[0][0].company.id)
        received = received or datetime.datetime.now()
        args = []
        for call, fix in checkins:
            args.extend([[call], cls._checkin_values(
                        call, fix, clock_offset, received, config)])
        # bypass: the check-in evidence fields are written by the server only (readonly to users)
        with without_check_access():
            cls.write(*args)
        travel = [cls(c.id) for c, fix in checkins
            if c.call_type in CHECKIN_TYPES and fix]
        if travel:
            cls.check_travels(travel, config=config)

    @classmethod
    def _checkin_values(cls, call, fix, clock_offset, received, config):
        day = local_day(call.date)
        values = {
            'checkin_server_time': received.replace(microsecond=0),
            'checkin_clock_offset': int(round(clock_offset or 0)),
            'checkin_week': day - datetime.timedelta(days=day.weekday()),
            }
        tolerance = (config.checkin_clock_tolerance or 0) * 60
        values['checkin_clock'] = abs(clock_offset or 0) > tolerance
        if call.call_type in CHECKIN_TYPES:
            if not fix:
                values['checkin_no_fix'] = True
            else:
                values.update({
                        'checkin_latitude': round(fix['lat'], 6),
                        'checkin_longitude': round(fix['lng'], 6),
                        'checkin_accuracy': (round(fix['accuracy'])
                            if fix.get('accuracy') is not None else None),
                        'checkin_phone_time': fix.get('time'),
                        })
                phone_now = received - datetime.timedelta(
                    seconds=clock_offset or 0)
                if fix.get('time') and (
                        fix['time'] - phone_now).total_seconds() > tolerance:
                    # a fix dated after the phone sent it
                    values['checkin_clock'] = True
                radius = config.checkin_radius or 500
                values['checkin_imprecise'] = bool(
                    fix.get('accuracy') and fix['accuracy'] > radius)
                hospital = call.hospital
                point = hospital.wgs84 if hospital else None
                if point:
                    gap = distance(point[0], point[1], fix['lat'], fix['lng'])
                    values['checkin_distance'] = round(gap)
                    values['checkin_outside'] = gap > radius
                else:
                    values['checkin_hospital_unknown'] = True
        values['checkin_flagged'] = any(values.get(f) for f in FLAG_FIELDS)
        return values

    @classmethod
    def check_travel(cls, call, config=None):
        "Flag an impossible travel around the call's check-in"
        cls.check_travels([call], config=config)

    @classmethod
    def check_travels(cls, calls, config=None):
        """Flag the later of two check-ins of a representative that are
        farther apart than the maximum speed allows (the neighbours in
        time of each call's check-in, on the same day or the day around),
        with one search per representative"""
        pool = Pool()
        Configuration = pool.get('pharma.configuration')
        if not calls:
            return
        if config is None:
            config = Configuration.get_config(calls[0].company.id)
        speed = (config.checkin_max_speed or 120) / 3.6  # m/s
        margin = 2 * (config.checkin_radius or 500)
        window = datetime.timedelta(hours=24)
        by_employee = {}
        for call in calls:
            by_employee.setdefault(call.employee.id, []).append(call)
        to_flag = set()
        for employee, group in by_employee.items():
            whens = [c.checkin_phone_time or c.date for c in group]
            # bypass: impossible travel compares with the rep's own earlier check-ins whoever may read them
            with without_check_access():
                others = cls.search([
                        ('employee', '=', employee),
                        ('client_id', '!=', None),
                        ('checkin_latitude', '!=', None),
                        ('checkin_phone_time', '>=', min(whens) - window),
                        ('checkin_phone_time', '<=', max(whens) + window),
                        ('state', '=', 'done'),
                        ], order=[
                        ('checkin_phone_time', 'ASC'), ('id', 'ASC')])
            position = {c.id: i for i, c in enumerate(others)}
            for call in group:
                index = position.get(call.id)
                if index is None:
                    continue
                pairs = []
                if index > 0:
                    pairs.append((others[index - 1], others[index]))
                if index + 1 < len(others):
                    pairs.append((others[index], others[index + 1]))
                for first, second in pairs:
                    gap = distance(
                        first.checkin_latitude, first.checkin_longitude,
                        second.checkin_latitude, second.checkin_longitude)
                    seconds = abs((second.checkin_phone_time
                            - first.checkin_phone_time).total_seconds())
                    if gap > margin and gap > speed * max(seconds, 1):
                        if not second.checkin_travel:
                            to_flag.add(second)
        if to_flag:
            # bypass: the travel flag is server-written evidence, readonly to users
            with without_check_access():
                cls.write(list(to_flag), {
                        'checkin_travel': True,
                        'checkin_flagged': True,
                        })
