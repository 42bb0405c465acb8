# This file is part of the pharma suite. See README.md for license terms.
"""Hospital reception rules: the days and hours a hospital receives
representatives and whether it needs an appointment; calls planned or
logged outside them are flagged"""
import datetime
from collections import defaultdict

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.pharma_hospital.company_time import company_timezone
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

MAX_IDS = backend.MAX_QUERY_PARAMS // 10
WEEKDAYS = [
    ('0', "Monday"),
    ('1', "Tuesday"),
    ('2', "Wednesday"),
    ('3', "Thursday"),
    ('4', "Friday"),
    ('5', "Saturday"),
    ('6', "Sunday"),
    ]
RECEPTION_FLAGS = [
    (None, ""),
    ('outside_hours', "Outside Reception Hours"),
    ('no_appointment', "Without the Required Appointment"),
    ]
# call types that meet the hospital's staff in person
IN_PERSON = {'face_to_face', 'department_meeting', 'joint_visit'}


class Reception(ModelSQL, ModelView):
    __name__ = 'pharma.hospital.reception'
    hospital = fields.Many2One(
        'party.party', "Hospital", required=True, ondelete='CASCADE',
        domain=[('pharma_type', '=', 'hospital')])
    weekday = fields.Selection(WEEKDAYS, "Day", required=True, sort=False)
    start_time = fields.Time("From", required=True)
    end_time = fields.Time("To", required=True,
        domain=[('end_time', '>', Eval('start_time'))])
    note = fields.Char("Note", help="e.g. the place, who receives.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls.__access__.add('hospital')
        cls._sql_indexes.add(Index(t, (t.hospital, Index.Range())))
        cls._order = [
            ('weekday', 'ASC'), ('start_time', 'ASC'), ('id', 'ASC')]

    def get_rec_name(self, name):
        return '%s %s-%s' % (
            dict(self.fields_get(['weekday'])['weekday']['selection'])[
                self.weekday],
            self.start_time.strftime('%H:%M'),
            self.end_time.strftime('%H:%M'))


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'
    reception_rules = fields.One2Many(
        'pharma.hospital.reception', 'hospital', "Reception Hours",
        states={'invisible': Eval('pharma_type') != 'hospital'},
        help="When the hospital receives representatives; none: any time.")
    reception_appointment = fields.Boolean("Appointment Required",
        states={'invisible': Eval('pharma_type') != 'hospital'},
        help="Representatives are received by appointment only.")

    def reception_flag(self, when, appointment, company=None):
        "The flag of a visit at the naive UTC datetime when, or None"
        if self.reception_rules and when:
            zone = company_timezone(company)
            local = when
            if zone is not None:
                local = when.replace(tzinfo=datetime.timezone.utc
                    ).astimezone(zone).replace(tzinfo=None)
            weekday = str(local.weekday())
            time = local.time()
            if not any(r.weekday == weekday
                    and r.start_time <= time <= r.end_time
                    for r in self.reception_rules):
                return 'outside_hours'
        if self.reception_appointment and not appointment:
            return 'no_appointment'
        return None

    def reception_text(self):
        return '; '.join(r.rec_name for r in self.reception_rules)


class Call(metaclass=PoolMeta):
    __name__ = 'pharma.call'
    appointment = fields.Boolean("Appointment Made",
        states={'readonly': Eval('state') == 'cancelled'},
        help="The hospital agreed to receive the representative then.")
    reception_flag = fields.Selection(
        RECEPTION_FLAGS, "Reception Flag", readonly=True,
        help="The call is outside the hospital's reception rules.")
    reception_warning = fields.Function(
        fields.Char("Reception Warning"), 'on_change_with_reception_warning')
    rep_registration_number = fields.Function(
        fields.Char("Rep Registration Number"),
        'on_change_with_rep_registration_number')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.reception_flag, Index.Equality()),
                where=t.reception_flag != None))  # noqa: E711

    @fields.depends('hospital', 'date', 'appointment', 'call_type',
        'company', 'state')
    def on_change_with_reception_warning(self, name=None):
        flag = self._reception_flag()
        if not flag:
            return None
        return gettext('pharma_compliance.msg_call_reception_%s' % flag,
            hospital=self.hospital.rec_name,
            hours=self.hospital.reception_text() or '-')

    @fields.depends('employee')
    def on_change_with_rep_registration_number(self, name=None):
        if self.employee:
            return self.employee.rep_registration_number

    def _reception_flag(self):
        if (not self.hospital or not self.date
                or self.call_type not in IN_PERSON
                or self.state == 'cancelled'):
            return None
        return self.hospital.reception_flag(
            self.date, self.appointment, company=self.company)

    @classmethod
    def on_modification(cls, mode, calls, field_names=None):
        super().on_modification(mode, calls, field_names=field_names)
        if mode in {'create', 'write'} and (field_names is None
                or {'hospital', 'date', 'appointment', 'call_type',
                    'state'} & set(field_names)):
            cls.set_reception_flags(calls)

    @classmethod
    def set_reception_flags(cls, calls):
        """Store the reception flag of calls: one query for the hospitals
        with rules, one UPDATE per flag"""
        pool = Pool()
        Party = pool.get('party.party')
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        by_flag = defaultdict(list)
        calls = cls.browse(calls)
        hospitals = list({c.hospital.id for c in calls if c.hospital})
        ruled = set()
        for sub in grouped_slice(hospitals, MAX_IDS):
            ruled.update(p.id for p in Party.search([
                        ('id', 'in', list(sub)),
                        ['OR',
                            ('reception_rules', '!=', None),
                            ('reception_appointment', '=', True),
                            ],
                        ]))
        for call in calls:
            if call.hospital and call.hospital.id in ruled:
                flag = call._reception_flag()
            else:
                flag = None
            if flag != call.reception_flag:
                by_flag[flag].append(call.id)
        transaction = Transaction()
        for flag, ids in by_flag.items():
            for sub in grouped_slice(ids, MAX_IDS):
                cursor.execute(*table.update(
                        [table.reception_flag], [flag],
                        where=table.id.in_(list(sub))))
        if by_flag:
            # the records read before must see the new flags
            transaction.counter += 1
            ids = [i for v in by_flag.values() for i in v]
            for cache in transaction.cache.values():
                if cls.__name__ in cache:
                    for id_ in ids:
                        cache[cls.__name__].pop(id_, None)

    @classmethod
    def copy(cls, calls, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('reception_flag')
        default.setdefault('appointment')
        return super().copy(calls, default=default)
