# This file is part of the pharma suite. See README.md for license terms.
import datetime
from collections import defaultdict

from sql import Null

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.modules.pharma_calls.event import EVENT_TYPES
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction
from trytond.modules.pharma_hospital.access import readable_name

from .exceptions import (
    PackError, PackFlagsWarning, PackLockedError, SpeakerFeeError)

MAX_IDS = backend.MAX_QUERY_PARAMS // 10
ITEMS = [
    ('agenda', "Agenda"),
    ('invitation', "Invitation"),
    ('consent', "Hospital or Department Consent"),
    ('sign_in', "Sign-in List with Times"),
    ('photo', "Photos Taken at the Event"),
    ('speaker_agreement', "Speaker Agreement"),
    ('slides', "Approved Slides Version"),
    ('attendance', "Attendance Count"),
    ]
# item -> quantity when the company has no requirement for the event type
DEFAULT_REQUIREMENTS = {
    'agenda': 1,
    'invitation': 1,
    'consent': 1,
    'sign_in': 1,
    'photo': 3,
    'speaker_agreement': 1,
    'slides': 1,
    'attendance': 1,
    }
# evidence kinds that an item counts
ITEM_KINDS = {
    'agenda': 'agenda',
    'invitation': 'invitation',
    'consent': 'consent',
    'photo': 'photo',
    'speaker_agreement': 'speaker_agreement',
    'slides': 'slides',
    }
PACK_STATES = [
    ('draft', "Open"),
    ('approved', "Approved"),
    ]
APPROVAL_ACTIONS = [
    ('approved', "Approved"),
    ('new_version', "New Version"),
    ]
SPEAKER_TIERS = [
    (None, ""),
    ('tier1', "Tier 1 (National/Provincial Expert)"),
    ('tier2', "Tier 2 (Regional Expert)"),
    ('tier3', "Tier 3 (Local Physician)"),
    ]
# tier -> (titles, hospital grades) that qualify for it
TIER_RULES = {
    'tier1': ({'chief', 'chief_pharmacist'}, {'3a', '3b', '3c'}),
    'tier2': ({'chief', 'associate_chief', 'chief_pharmacist'},
        {'3a', '3b', '3c', '2a', '2b', '2c'}),
    'tier3': ({'chief', 'associate_chief', 'attending', 'chief_pharmacist',
            'pharmacist'},
        {'3a', '3b', '3c', '2a', '2b', '2c', '1', 'none'}),
    }
# the fields of an event that an approved pack fixes
PACK_EVENT_FIELDS = {'topic', 'event_type', 'date', 'end_date', 'place',
    'attendance_count', 'slides_version'}
# the fields of a speaker that an approved pack fixes
PACK_SPEAKER_FIELDS = {'event', 'party', 'fee', 'tier'}
# the fields of an invitation that an approved pack fixes (its cost)
PACK_INVITATION_FIELDS = {'event', 'cost'}
# sign-ins this long before the start are on time
SIGN_IN_EARLY = datetime.timedelta(hours=1)
DEFAULT_DURATION = datetime.timedelta(hours=3)


def selection_label(Model, field, value):
    "The translated label of a selection value"
    return dict(Model.fields_get([field])[field]['selection']).get(
        value, value or '')


def event_names(events):
    """{event id: name} of events as the user may see them: the name of
    those the user can read, else their id only"""
    pool = Pool()
    Event = pool.get('pharma.event')
    ModelAccess = pool.get('ir.model.access')
    events = {e.id: e for e in events}
    transaction = Transaction()
    if transaction.user and events:
        readable = set()
        with transaction.set_context(_check_access=True):
            if ModelAccess.check(
                    'pharma.event', 'read', raise_exception=False):
                for sub in grouped_slice(list(events), MAX_IDS):
                    readable.update(e.id for e in Event.search(
                            [('id', 'in', list(sub))], order=[]))
    else:
        readable = set(events)
    return {i: e.rec_name if i in readable else gettext(
            'pharma_compliance.msg_hidden_event', id=i)
        for i, e in events.items()}


def _changed(record, values, names):
    "Whether values change any of the fields names of record"
    for name in names & set(values or {}):
        old = getattr(record, name)
        old = getattr(old, 'id', old)
        if old != values[name]:
            return True
    return False


class Requirement(ModelSQL, ModelView):
    __name__ = 'pharma.event.requirement'
    company = fields.Many2One(
        'company.company', "Company", required=True, ondelete='CASCADE')
    event_type = fields.Selection(EVENT_TYPES, "Event Type", required=True)
    item = fields.Selection(ITEMS, "Item", required=True)
    quantity = fields.Integer("Quantity", required=True,
        domain=[('quantity', '>=', 0)],
        help="How many of the item the pack needs (0: not required).")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('item_uniq', Unique(t, t.company, t.event_type, t.item),
                'pharma_compliance.msg_requirement_unique'),
            ]
        cls._order = [
            ('event_type', 'ASC'), ('item', 'ASC'), ('id', 'ASC')]

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_quantity(cls):
        return 1

    @classmethod
    def get_requirements(cls, company, event_type):
        """{item: quantity} for the event type: the defaults, each
        overridden by the company's requirement for the type's item"""
        # bypass: the company's requirements apply to every user's event
        with Transaction().set_context(_check_access=False):
            records = cls.search([
                    ('company', '=', int(company)),
                    ('event_type', '=', event_type),
                    ])
        # the defaults apply unless the type overrides the item (a
        # quantity of 0 drops it)
        requirements = dict(DEFAULT_REQUIREMENTS)
        requirements.update({r.item: r.quantity for r in records})
        return {i: q for i, q in requirements.items() if q}


class Event(metaclass=PoolMeta):
    __name__ = 'pharma.event'
    _pack_states = {
        'readonly': ((Eval('pack_state') == 'approved')
            | Eval('state').in_(['done', 'cancelled'])),
        }
    attendance_count = fields.Integer("Attendance Count",
        domain=['OR', ('attendance_count', '=', None),
            ('attendance_count', '>=', 0)],
        states=_pack_states)
    slides_version = fields.Char("Approved Slides Version",
        states=_pack_states,
        help="The version (and approval number) of the slides approved by "
        "medical affairs that were shown.")
    sign_ins = fields.One2Many(
        'pharma.event.sign_in', 'event', "Sign-ins", states=_pack_states)
    pack_state = fields.Selection(
        PACK_STATES, "Evidence Pack", readonly=True, required=True)
    pack_version = fields.Integer("Pack Version", readonly=True,
        required=True)
    pack_approvals = fields.One2Many(
        'pharma.event.pack.approval', 'event', "Pack Approvals",
        readonly=True)
    pack_complete = fields.Function(
        fields.Boolean("Pack Complete"), 'get_pack')
    pack_missing = fields.Function(
        fields.Text("Missing from the Pack"), 'get_pack')
    compliance_flags = fields.Function(
        fields.Text("Compliance Flags"), 'get_pack')
    flagged = fields.Function(
        fields.Boolean("Flagged"), 'get_pack')
    payments = fields.One2Many(
        'pharma.event.payment', 'event', "Payments")
    organiser_registration = fields.Function(
        fields.Char("Organiser Registration Number",
            help="The filing number (备案号) of the representative who "
            "organises the event."),
        'on_change_with_organiser_registration')
    del _pack_states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'approve_pack': {
                    'invisible': ((Eval('pack_state') != 'draft')
                        | ~Eval('state').in_(['approved', 'done'])),
                    'depends': ['pack_state', 'state'],
                    },
                })
        cls.evidences.states = dict(cls.evidences.states or {})
        cls.evidences.states['readonly'] = (
            Eval('pack_state') == 'approved')
        cls.speakers.states = dict(cls.speakers.states or {})
        cls.speakers.states['readonly'] = (
            cls.speakers.states.get('readonly', False)
            | (Eval('pack_state') == 'approved'))
        cls._buttons.update({
                'new_pack_version': {
                    'invisible': ((Eval('pack_state') != 'approved')
                        | (Eval('state') != 'approved')),
                    'depends': ['pack_state', 'state'],
                    },
                })

    @classmethod
    def default_pack_state(cls):
        return 'draft'

    @fields.depends('organiser')
    def on_change_with_organiser_registration(self, name=None):
        if self.organiser:
            return self.organiser.rep_registration_number

    @classmethod
    def default_pack_version(cls):
        return 1

    # The pack

    def pack_requirements(self):
        Requirement = Pool().get('pharma.event.requirement')
        return Requirement.get_requirements(self.company, self.event_type)

    @property
    def hours(self):
        "The start and end (naive UTC) of the event"
        start = self.date
        end = self.end_date or (start + DEFAULT_DURATION if start else None)
        return start, end

    def pack_counts(self):
        "{item: number present} of the pack's current items"
        evidences = [e for e in self.evidences if not e.superseded]
        counts = defaultdict(int)
        for evidence in evidences:
            if evidence.kind == 'photo':
                if evidence.photo_at_event:
                    counts['photo'] += 1
            elif evidence.kind == 'speaker_agreement':
                continue
            else:
                counts[evidence.kind] += 1
        counts['slides'] = counts['slides'] if self.slides_version else 0
        counts['sign_in'] = len([s for s in self.sign_ins if s.time])
        counts['attendance'] = self.attendance_count or 0
        agreed = {e.speaker.id for e in evidences
            if e.kind == 'speaker_agreement' and e.speaker}
        counts['speaker_agreement'] = len(
            [s for s in self.speakers if s.id in agreed])
        return counts

    def pack_missing_items(self):
        "[(item, present, needed)] of what the pack lacks"
        requirements = self.pack_requirements()
        counts = self.pack_counts()
        missing = []
        for item, _ in ITEMS:
            needed = requirements.get(item, 0)
            if item == 'speaker_agreement':
                # one agreement per speaker
                needed = len(self.speakers) if needed else 0
            if needed and counts.get(item, 0) < needed:
                missing.append((item, counts.get(item, 0), needed))
        return missing

    def pack_missing_texts(self):
        "The texts of what the pack lacks"
        Item = Pool().get('pharma.event.requirement')
        return [gettext('pharma_compliance.msg_pack_missing_item',
                item=selection_label(Item, 'item', item),
                present=present, needed=needed)
            for item, present, needed in self.pack_missing_items()]

    def pack_flags(self):
        "The texts of what compliance should look at"
        Evidence = Pool().get('pharma.event.evidence')
        flags = []
        evidences = [e for e in self.evidences if not e.superseded]
        # the same file (a consent, invitation or sign-in sheet copied
        # byte for byte) in other events; a picture's copies, the same
        # file included, are its similar pictures
        same_file = Evidence.same_file_events(
            [e for e in evidences if not e.fingerprints])
        names = event_names(
            {e for events in same_file.values() for e in events})
        for evidence in evidences:
            if evidence.similar:
                flags.append(gettext('pharma_compliance.msg_flag_reused',
                        evidence=evidence.name, where=evidence.similar))
            if same_file.get(evidence.id):
                flags.append(gettext('pharma_compliance.msg_flag_same_file',
                        evidence=evidence.name,
                        where='; '.join(
                            names[e.id] for e in same_file[evidence.id])))
            if evidence.kind == 'photo' and evidence.capture_flag:
                flags.append(evidence.capture_flag)
        for sign_in in self.sign_ins:
            if sign_in.flag:
                flags.append(sign_in.flag)
        signed = len([s for s in self.sign_ins if s.time])
        if self.attendance_count and self.attendance_count > signed:
            flags.append(gettext(
                    'pharma_compliance.msg_flag_attendance',
                    count=self.attendance_count, signed=signed))
        return flags

    @classmethod
    def get_pack(cls, events, names):
        result = {n: {} for n in names}
        for event in events:
            missing = event.pack_missing_texts()
            if 'pack_complete' in names:
                result['pack_complete'][event.id] = not missing
            if 'pack_missing' in names:
                result['pack_missing'][event.id] = '\n'.join(missing)
            if {'compliance_flags', 'flagged'} & set(names):
                flags = event.pack_flags()
                if 'compliance_flags' in names:
                    result['compliance_flags'][event.id] = '\n'.join(flags)
                if 'flagged' in names:
                    result['flagged'][event.id] = bool(flags)
        return result

    @classmethod
    def check_pack_approved(cls, events, message):
        for event in events:
            if event.pack_state != 'approved':
                raise PackError(gettext(message, event=readable_name(event)))

    @classmethod
    def do(cls, events):
        cls.check_pack_approved(events, 'pharma_compliance.msg_event_close')
        super().do(events)

    @classmethod
    @ModelView.button
    def approve_pack(cls, events):
        pool = Pool()
        Approval = pool.get('pharma.event.pack.approval')
        Warning = pool.get('res.user.warning')
        for event in events:
            if event.pack_state == 'approved':
                continue
            missing = event.pack_missing_texts()
            if missing:
                raise PackError(gettext(
                        'pharma_compliance.msg_pack_incomplete',
                        event=readable_name(event),
                        missing='; '.join(missing)))
        events = [e for e in events if e.pack_state != 'approved']
        if not events:
            return
        flagged = [e for e in events if e.pack_flags()]
        if flagged:
            key = Warning.format('pharma_compliance.pack_flags', flagged)
            if Warning.check(key):
                raise PackFlagsWarning(key, gettext(
                        'pharma_compliance.msg_pack_flags_warning',
                        events=', '.join(readable_name(e) for e in flagged),
                        flags='\n'.join(
                            f for e in flagged for f in e.pack_flags())))
        Approval.record(events, 'approved',
            flags={e.id: e.pack_flags() for e in flagged})
        with Transaction().set_context(_pharma_pack=True):
            cls.write(events, {'pack_state': 'approved'})

    @classmethod
    def check_new_pack_version(cls, events):
        """Only the organiser of the event, those who approve events (the
        approve button's groups: marketing manager, regional manager,
        pharma admin) and those who approve packs (the approve_pack
        button's groups: compliance) open a new version; the button's own
        groups keep out the other roles (finance, medical...)"""
        pool = Pool()
        Button = pool.get('ir.model.button')
        User = pool.get('res.user')
        if not Transaction().user:
            return
        approvers = (Button.get_groups(cls.__name__, 'approve')
            | Button.get_groups(cls.__name__, 'approve_pack'))
        if approvers & set(User.get_groups()):
            return
        employees = set(User.get_employees())
        for event in events:
            if event.organiser.id not in employees:
                raise PackLockedError(gettext(
                        'pharma_compliance.msg_pack_new_version_access',
                        event=readable_name(event)))

    @classmethod
    @ModelView.button
    def new_pack_version(cls, events):
        "Open a new version of approved packs: their items stay as they are"
        Approval = Pool().get('pharma.event.pack.approval')
        events = [e for e in events if e.pack_state == 'approved']
        if not events:
            return
        cls.check_new_pack_version(events)
        with Transaction().set_context(_pharma_pack=True):
            for version, group in _by_version(events).items():
                cls.write(group, {
                        'pack_state': 'draft',
                        'pack_version': version + 1,
                        })
        Approval.record(events, 'new_version')

    @classmethod
    def check_modification(cls, mode, events, values=None, external=False):
        super().check_modification(
            mode, events, values=values, external=external)
        if Transaction().context.get('_pharma_pack'):
            return
        if mode == 'create':
            if external:
                cls.check_pack_approved(
                    [e for e in events if e.state == 'done'],
                    'pharma_compliance.msg_event_close')
            return
        if mode != 'write':
            return
        fields = set(values or {})
        if fields & {'pack_state', 'pack_version'}:
            raise PackLockedError(gettext(
                    'pharma_compliance.msg_pack_state_button'))
        if values.get('state') == 'done':
            cls.check_pack_approved(
                events, 'pharma_compliance.msg_event_close')
        locked = fields & PACK_EVENT_FIELDS
        if locked:
            for event in events:
                if event.pack_state == 'approved':
                    raise PackLockedError(gettext(
                            'pharma_compliance.msg_pack_locked_event',
                            event=readable_name(event),
                            fields=', '.join(
                                cls.fields_get([f])[f]['string']
                                for f in sorted(locked))))

    @classmethod
    def copy(cls, events, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('pack_state', 'draft')
        default.setdefault('pack_version', 1)
        default.setdefault('pack_approvals')
        default.setdefault('sign_ins')
        default.setdefault('payments')
        default.setdefault('evidences')
        return super().copy(events, default=default)


def _check_pack_open(events, message):
    "Refuse a change of the speakers or costs of events of approved packs"
    for event in events:
        if event.pack_state == 'approved':
            raise PackLockedError(gettext(message, event=readable_name(event)))


def _by_version(events):
    result = defaultdict(list)
    for event in events:
        result[event.pack_version].append(event)
    return result


class PackItemMixin:
    "An item of an event's evidence pack: fixed once the pack is approved"
    __slots__ = ()

    @classmethod
    def default_pack_version(cls):
        return None

    def get_locked(self, name):
        event = self.event
        return bool(event.pack_state == 'approved'
            or (self.pack_version or 0) < event.pack_version)

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create' and values.get('event') is not None:
            Event = Pool().get('pharma.event')
            values['pack_version'] = Event(values['event']).pack_version
        return values

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if Transaction().context.get('_pharma_pack'):
            return
        if mode == 'create':
            for record in records:
                if record.event.pack_state == 'approved':
                    raise PackLockedError(gettext(
                            'pharma_compliance.msg_pack_locked_add',
                            event=readable_name(record.event)))
            return
        if external and 'pack_version' in (values or {}):
            raise PackLockedError(gettext(
                    'pharma_compliance.msg_pack_state_button'))
        for record in records:
            if record.locked:
                raise PackLockedError(gettext(
                        'pharma_compliance.msg_pack_locked_item',
                        item=readable_name(record),
                        event=readable_name(record.event)))


class EventEvidence(PackItemMixin, metaclass=PoolMeta):
    __name__ = 'pharma.event.evidence'
    pack_version = fields.Integer("Pack Version", readonly=True)
    locked = fields.Function(fields.Boolean("Locked"), 'get_locked')
    speaker = fields.Many2One(
        'pharma.event.speaker', "Speaker", ondelete='RESTRICT',
        domain=[('event', '=', Eval('event', -1))],
        states={
            'invisible': Eval('kind') != 'speaker_agreement',
            'required': Eval('kind') == 'speaker_agreement',
            },
        help="The speaker whose agreement this is.")
    supersedes = fields.Many2One(
        'pharma.event.evidence', "Supersedes", ondelete='RESTRICT',
        domain=[('event', '=', Eval('event', -1)),
            ('id', '!=', Eval('id', -1))],
        help="The item of an approved version that this one replaces.")
    superseded = fields.Function(
        fields.Boolean("Superseded"), 'get_superseded')
    fingerprints = fields.One2Many(
        'pharma.evidence.fingerprint', 'evidence', "Fingerprints",
        readonly=True)
    capture_time = fields.Function(
        fields.DateTime("Capture Time"), 'get_fingerprint')
    capture_device = fields.Function(
        fields.Char("Capture Device"), 'get_fingerprint')
    phash = fields.Function(
        fields.Char("Perceptual Hash"), 'get_fingerprint')
    similar = fields.Function(
        fields.Text("Similar Images"), 'get_fingerprint')
    capture_flag = fields.Function(
        fields.Char("Capture Flag"), 'get_capture_flag')
    photo_at_event = fields.Function(
        fields.Boolean("Taken at the Event"), 'get_capture_flag')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        kinds = dict(cls.kind.selection)
        for kind, label in [
                ('invitation', "Invitation"),
                ('consent', "Hospital or Department Consent"),
                ('speaker_agreement', "Speaker Agreement"),
                ('slides', "Approved Slides"),
                ]:
            if kind not in kinds:
                cls.kind.selection.insert(-1, (kind, label))
        cls.reused.help = ("The same or a similar picture (re-saved, "
            "resized, recompressed or cropped) is evidence of another "
            "event or call.")

    def get_superseded(self, name):
        return any(e.supersedes == self for e in self.event.evidences)

    @classmethod
    def get_fingerprint(cls, evidences, names):
        result = {n: {e.id: None for e in evidences} for n in names}
        for evidence in evidences:
            fingerprint = (evidence.fingerprints[0]
                if evidence.fingerprints else None)
            if not fingerprint:
                continue
            for name, value in [
                    ('capture_time', fingerprint.capture_time),
                    ('capture_device', fingerprint.exif_device),
                    ('phash', fingerprint.phash),
                    ('similar', fingerprint.similar_text()),
                    ]:
                if name in names:
                    result[name][evidence.id] = value
        return result

    @classmethod
    def get_reused(cls, evidences, names):
        """The same file (SHA-256) or a similar picture (perceptual hash)
        is evidence of another event or call of the company (replaces
        pharma_calls' check, which compares across companies)"""
        result = {n: {e.id: None for e in evidences} for n in names}
        same_file = cls.same_file_events(evidences)
        labels = event_names(
            {e for events in same_file.values() for e in events})
        similar = cls.get_fingerprint(evidences, ['similar'])['similar']
        for evidence in evidences:
            events = [labels[e.id] for e in same_file[evidence.id]]
            if similar.get(evidence.id):
                events.append(similar[evidence.id])
            if 'reused' in names:
                result['reused'][evidence.id] = bool(events)
            if 'reused_events' in names:
                result['reused_events'][evidence.id] = '; '.join(events)
        return result

    @classmethod
    def same_file_events(cls, evidences):
        """{evidence id: [event]}: the other events of the company whose
        evidence is the same file (SHA-256)"""
        hashes = {e.sha256 for e in evidences if e.sha256}
        others = defaultdict(set)
        if hashes:
            # bypass: reuse is detected across every event of the company; the texts name only readable ones (event_names)
            with Transaction().set_context(_check_access=False):
                for sub in grouped_slice(list(hashes), MAX_IDS):
                    for other in cls.search([('sha256', 'in', list(sub))]):
                        others[other.sha256, other.event.company.id].add(
                            other.event)
        return {e.id: sorted((o for o in others.get(
                        (e.sha256, e.event.company.id), ())
                    if o.id != e.event.id), key=lambda o: o.id)
            for e in evidences}

    @classmethod
    def search_reused(cls, name, clause):
        pool = Pool()
        Event = pool.get('pharma.event')
        Match = pool.get('pharma.evidence.fingerprint.match')
        Fingerprint = pool.get('pharma.evidence.fingerprint')
        table, other = cls.__table__(), cls.__table__()
        event, other_event = Event.__table__(), Event.__table__()
        same_file = (table
            .join(event, condition=table.event == event.id)
            .join(other, condition=(table.sha256 == other.sha256)
                & (table.event != other.event))
            .join(other_event, condition=(other.event == other_event.id)
                & (other_event.company == event.company))
            .select(table.id))
        match = Match.__table__()
        fingerprint = Fingerprint.__table__()
        other_print = Fingerprint.__table__()
        newer = cls.__table__()
        # two versions of the pack of one event (one superseded) are its
        # history, not a reuse (Fingerprint.reuse_matches)
        superseded = newer.select(newer.supersedes,
            where=newer.supersedes != Null)
        similar = (match
            .join(fingerprint, condition=match.fingerprint == fingerprint.id)
            .join(other_print, condition=match.other == other_print.id)
            .select(
                fingerprint.evidence,
                where=(fingerprint.evidence != Null)
                & ~((fingerprint.event == other_print.event)
                    & (other_print.evidence != Null)
                    & (fingerprint.evidence.in_(superseded)
                        | other_print.evidence.in_(superseded)))))
        _, operator, value = clause
        if (operator == '=') == bool(value):
            return ['OR', ('id', 'in', same_file), ('id', 'in', similar)]
        return [('id', 'not in', same_file), ('id', 'not in', similar)]

    @classmethod
    def get_capture_flag(cls, evidences, names):
        pool = Pool()
        Configuration = pool.get('pharma.configuration')
        result = {n: {} for n in names}
        configs = {}
        for evidence in evidences:
            event = evidence.event
            flag, at_event = None, True
            if evidence.kind == 'photo':
                if event.company.id not in configs:
                    configs[event.company.id] = Configuration.get_config(
                        event.company)
                hours = datetime.timedelta(
                    hours=configs[event.company.id].photo_date_tolerance
                    or 0)
                fingerprint = (evidence.fingerprints[0]
                    if evidence.fingerprints else None)
                start, end = event.hours
                taken = _utc(fingerprint.exif_time, event.company) if (
                    fingerprint and fingerprint.exif_time) else None
                if not fingerprint or fingerprint.is_copy:
                    # a copy of a picture that was evidence before
                    at_event = False
                if not fingerprint:
                    at_event = False
                elif taken and not (start - hours <= taken <= end + hours):
                    at_event = False
                    flag = gettext('pharma_compliance.msg_flag_photo_time',
                        evidence=evidence.name,
                        taken=fingerprint.exif_time.strftime(
                            '%Y-%m-%d %H:%M'),
                        event=event.rec_name)
                elif not taken:
                    flag = gettext(
                        'pharma_compliance.msg_flag_photo_no_time',
                        evidence=evidence.name)
            if 'capture_flag' in names:
                result['capture_flag'][evidence.id] = flag
            if 'photo_at_event' in names:
                result['photo_at_event'][evidence.id] = at_event
        return result

    @classmethod
    def on_modification(cls, mode, evidences, field_names=None):
        super().on_modification(mode, evidences, field_names=field_names)
        if mode == 'create' or (field_names and 'file' in field_names):
            Fingerprint = Pool().get('pharma.evidence.fingerprint')
            Fingerprint.index_evidences(evidences)

    @classmethod
    def copy(cls, evidences, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('fingerprints')
        default.setdefault('supersedes')
        return super().copy(evidences, default=default)


def _utc(local, company):
    "The naive UTC datetime of a naive local (company) datetime"
    from .fingerprint import local_to_utc
    return local_to_utc(local, company)


class EventSignIn(PackItemMixin, ModelSQL, ModelView):
    __name__ = 'pharma.event.sign_in'
    event = fields.Many2One(
        'pharma.event', "Event", required=True, ondelete='CASCADE')
    doctor = fields.Many2One(
        'party.party', "Doctor", ondelete='RESTRICT',
        domain=[('pharma_type', '=', 'doctor')])
    name = fields.Char("Name", required=True)
    time = fields.DateTime("Sign-in Time", required=True)
    pack_version = fields.Integer("Pack Version", readonly=True)
    locked = fields.Function(fields.Boolean("Locked"), 'get_locked')
    flag = fields.Function(fields.Char("Flag"), 'get_flags')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls.__access__.add('event')
        cls._sql_indexes.add(Index(t, (t.doctor, Index.Range())))
        cls._order = [('time', 'ASC'), ('id', 'ASC')]

    @fields.depends('doctor', 'name')
    def on_change_doctor(self):
        if self.doctor and not self.name:
            self.name = self.doctor.name

    @classmethod
    def get_flags(cls, sign_ins, name):
        result = {}
        doctors = {s.doctor.id for s in sign_ins if s.doctor}
        others = defaultdict(list)
        if doctors:
            for other in cls.search([
                        ('doctor', 'in', list(doctors)),
                        ('event.state', '!=', 'cancelled'),
                        ]):
                others[other.doctor.id].append(
                    (other.event.id, other.event.company.id,
                        other.event.hours, other.event.rec_name))
        for sign_in in sign_ins:
            event = sign_in.event
            start, end = event.hours
            flag = None
            if sign_in.time and start and not (
                    start - SIGN_IN_EARLY <= sign_in.time <= end):
                flag = gettext('pharma_compliance.msg_flag_sign_in_time',
                    name=sign_in.name, time=_local_text(
                        sign_in.time, event.company),
                    event=event.rec_name)
            elif sign_in.doctor:
                for event_id, company, (o_start, o_end), rec_name in (
                        others[sign_in.doctor.id]):
                    if (event_id != event.id
                            and company == event.company.id
                            and o_start < end and start < o_end):
                        flag = gettext(
                            'pharma_compliance.msg_flag_sign_in_overlap',
                            name=sign_in.name, event=rec_name)
                        break
            result[sign_in.id] = flag
        return result

    def get_rec_name(self, name):
        return '%s %s' % (self.name, _local_text(
                self.time, self.event.company) if self.time else '')


def _local_text(value, company):
    from trytond.modules.pharma_hospital.company_time import (
        company_timezone)
    zone = company_timezone(company)
    if zone is not None:
        value = value.replace(tzinfo=datetime.timezone.utc).astimezone(
            zone).replace(tzinfo=None)
    return value.strftime('%Y-%m-%d %H:%M')


class PackApproval(ModelSQL, ModelView):
    __name__ = 'pharma.event.pack.approval'
    event = fields.Many2One(
        'pharma.event', "Event", required=True, ondelete='CASCADE',
        readonly=True)
    version = fields.Integer("Version", required=True, readonly=True)
    action = fields.Selection(
        APPROVAL_ACTIONS, "Action", required=True, readonly=True)
    user = fields.Many2One('res.user', "User", required=True, readonly=True)
    employee = fields.Many2One(
        'company.employee', "Employee", readonly=True)
    date = fields.DateTime("Date", required=True, readonly=True)
    items = fields.Text("Items", readonly=True,
        help="What the pack held at that moment.")
    attendance_count = fields.Integer("Attendance Count", readonly=True)
    slides_version = fields.Char("Approved Slides Version", readonly=True)
    speakers = fields.Text("Speakers", readonly=True,
        help="The speakers with their tier and fee at that moment.")
    flags = fields.Text("Overridden Flags", readonly=True,
        help="The compliance flags of the pack that the approval accepted.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('event')
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def record(cls, events, action, flags=None):
        """Log who did action on the packs of events, and when, with a
        snapshot of the pack; flags: {event id: [text]} overridden"""
        pool = Pool()
        User = pool.get('res.user')
        Speaker = pool.get('pharma.event.speaker')
        transaction = Transaction()
        user = User(transaction.user) if transaction.user else None
        employee = transaction.context.get('employee')
        now = datetime.datetime.now().replace(microsecond=0)
        flags = flags or {}
        vlist = []
        for event in events:
            speakers = ['%s\t%s\t%s' % (s.party.rec_name,
                    selection_label(Speaker, 'tier', s.tier),
                    s.fee if s.fee is not None else '')
                for s in event.speakers]
            items = ['%s: %s (%s)' % (e.kind, e.name, e.sha256 or '')
                for e in event.evidences if not e.superseded]
            items += [s.rec_name for s in event.sign_ins]
            vlist.append({
                    'event': event.id,
                    'version': event.pack_version,
                    'action': action,
                    'user': user.id if user else 0,
                    'employee': employee,
                    'date': now,
                    'items': '\n'.join(items),
                    'attendance_count': event.attendance_count,
                    'slides_version': event.slides_version,
                    'speakers': '\n'.join(speakers),
                    'flags': '\n'.join(flags.get(event.id, [])),
                    })
        # bypass: the approval log is written by the server only (read-only to users)
        with transaction.set_context(_check_access=False):
            return cls.create(vlist)

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if external or mode == 'write':
            # the log is written by the buttons only and a snapshot never
            # changes, not even by the server's own code
            raise PackLockedError(gettext(
                    'pharma_compliance.msg_pack_approval_readonly'))


class EventSpeaker(metaclass=PoolMeta):
    __name__ = 'pharma.event.speaker'
    tier = fields.Selection(SPEAKER_TIERS, "Speaker Tier", sort=False,
        help="The tier fixes the fee cap per talk and the qualification "
        "(title, hospital grade) the speaker needs.")
    title = fields.Function(fields.Selection(
            'get_title_selection', "Title"), 'get_qualification')
    institution = fields.Function(fields.Many2One(
            'party.party', "Institution"), 'get_qualification')
    hospital_grade = fields.Function(fields.Selection(
            'get_grade_selection', "Hospital Grade"), 'get_qualification')
    payments = fields.One2Many(
        'pharma.event.payment', 'speaker', "Payments", readonly=True)

    @classmethod
    def get_title_selection(cls):
        Party = Pool().get('party.party')
        return Party.fields_get(['doctor_title'])['doctor_title']['selection']

    @classmethod
    def get_grade_selection(cls):
        Party = Pool().get('party.party')
        return Party.fields_get(
            ['hospital_grade'])['hospital_grade']['selection']

    def get_qualification(self, name):
        party = self.party
        hospital = getattr(party, 'hospital', None)
        if name == 'title':
            return getattr(party, 'doctor_title', None)
        if name == 'institution':
            return hospital.id if hospital else None
        if name == 'hospital_grade':
            return hospital.hospital_grade if hospital else None

    @classmethod
    def check_modification(cls, mode, speakers, values=None, external=False):
        "The speakers and fees of an approved pack change in a new version"
        super().check_modification(
            mode, speakers, values=values, external=external)
        if Transaction().context.get('_pharma_pack'):
            return
        if mode == 'write':
            speakers = [s for s in speakers
                if _changed(s, values, PACK_SPEAKER_FIELDS)]
            if speakers and values.get('event') is not None:
                _check_pack_open([Pool().get('pharma.event')(
                            values['event'])],
                    'pharma_compliance.msg_pack_locked_speaker')
        _check_pack_open({s.event for s in speakers},
            'pharma_compliance.msg_pack_locked_speaker')

    @classmethod
    def validate_fields(cls, speakers, field_names):
        super().validate_fields(speakers, field_names)
        if field_names and not (field_names & {'fee', 'tier', 'party'}):
            return
        # a fee without tier is refused when it is approved for payment
        cls.check_fee([s for s in speakers if s.tier])

    @classmethod
    def check_fee(cls, speakers, amounts=None):
        """The speaker fee rules: the tier and its qualification when
        there is a fee, the cap per talk of the tier, the cap per speaker
        and period; amounts {speaker id: amount} replaces the fee"""
        pool = Pool()
        Configuration = pool.get('pharma.configuration')
        Party = pool.get('party.party')
        amounts = amounts or {}
        for speaker in speakers:
            fee = amounts.get(speaker.id, speaker.fee) or 0
            if not fee:
                continue
            event = speaker.event
            config = Configuration.get_config(event.company)
            name = speaker.party.rec_name
            if not speaker.tier:
                raise SpeakerFeeError(gettext(
                        'pharma_compliance.msg_speaker_no_tier',
                        speaker=name, event=readable_name(event)))
            tier = selection_label(cls, 'tier', speaker.tier)
            titles, grades = TIER_RULES[speaker.tier]
            if (speaker.title not in titles
                    or speaker.hospital_grade not in grades):
                raise SpeakerFeeError(gettext(
                        'pharma_compliance.msg_speaker_qualification',
                        speaker=name, tier=tier,
                        title=selection_label(
                            Party, 'doctor_title', speaker.title) or '-',
                        grade=selection_label(
                            Party, 'hospital_grade', speaker.hospital_grade)
                        or '-',
                        titles='、'.join(
                            selection_label(Party, 'doctor_title', t)
                            for t in sorted(titles)),
                        grades='、'.join(
                            selection_label(Party, 'hospital_grade', g)
                            for g in sorted(grades))))
            cap = config.get_fee_cap(speaker.tier)
            if cap and fee > cap:
                raise SpeakerFeeError(gettext(
                        'pharma_compliance.msg_speaker_fee_cap',
                        speaker=name, event=readable_name(event), fee=fee,
                        tier=tier, cap=cap))
            cap = config.fee_cap_period or 0
            days = config.fee_period_days or 0
            if cap and days:
                window = datetime.timedelta(days=days)
                # bypass: the period cap counts every fee of the speaker, whoever entered it
                with Transaction().set_context(_check_access=False):
                    others = cls.search([
                            ('id', '!=', speaker.id),
                            ('party', '=', speaker.party.id),
                            ('event.company', '=', event.company.id),
                            ('event.state', '!=', 'cancelled'),
                            ('event.date', '>', event.date - window),
                            ('event.date', '<', event.date + window),
                            ])
                total = fee + sum((o.fee or 0) for o in others)
                if total > cap:
                    raise SpeakerFeeError(gettext(
                            'pharma_compliance.msg_speaker_fee_period',
                            speaker=name, total=total, cap=cap, days=days))


class EventInvitation(metaclass=PoolMeta):
    __name__ = 'pharma.event.invitation'

    @classmethod
    def check_modification(
            cls, mode, invitations, values=None, external=False):
        "The attendee costs of an approved pack change in a new version"
        super().check_modification(
            mode, invitations, values=values, external=external)
        if Transaction().context.get('_pharma_pack'):
            return
        if mode == 'write':
            # the invitations whose cost changes or moves to another event
            moved = []
            for invitation in invitations:
                cost = values['cost'] if 'cost' in values else invitation.cost
                if ((invitation.cost or cost)
                        and _changed(
                            invitation, values, PACK_INVITATION_FIELDS)):
                    moved.append((invitation, cost))
            invitations = [i for i, _ in moved]
            if values.get('event') is not None and any(c for _, c in moved):
                _check_pack_open([Pool().get('pharma.event')(
                            values['event'])],
                    'pharma_compliance.msg_pack_locked_attendee_cost')
        else:
            # an invitation without a cost adds or removes no cost
            invitations = [i for i in invitations if i.cost]
        _check_pack_open({i.event for i in invitations},
            'pharma_compliance.msg_pack_locked_attendee_cost')
