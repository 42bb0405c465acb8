# This file is part of the pharma suite. See README.md for license terms.
import contextvars
import datetime

from sql import Null, Union
from sql.conditionals import Case, Coalesce
from sql.functions import Function, Lower
from sql.operators import Concat

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, inactive_records

from .access import readable_ids, readable_name
from .employee import in_groups
from .exceptions import DoctorError
from .tools import is_pinyin_query, normalize_name, pinyin_keys

# set while Party.create stores the values of its new records
_creating = contextvars.ContextVar('pharma_party_creating', default=False)

PHARMA_TYPES = [
    (None, ""),
    ('hospital', "Hospital"),
    ('doctor', "Doctor"),
    ('distributor', "Distributor"),
    ('agent', "Agent"),
    ('government', "Government"),
    ('pharmacy', "Pharmacy"),
    ('manufacturer', "Manufacturer"),
    ]
HOSPITAL_GRADES = [
    (None, ""),
    ('3a', "Grade 3A"),
    ('3b', "Grade 3B"),
    ('3c', "Grade 3C"),
    ('2a', "Grade 2A"),
    ('2b', "Grade 2B"),
    ('2c', "Grade 2C"),
    ('1', "Grade 1"),
    ('none', "Ungraded"),
    ]
HOSPITAL_TYPES = [
    (None, ""),
    ('general', "General"),
    ('specialist', "Specialist"),
    ('tcm', "Traditional Chinese Medicine"),
    ('maternal_child', "Maternal and Child"),
    ('community', "Community Health Centre"),
    ('private_clinic', "Private Clinic"),
    ]
OWNERSHIPS = [
    (None, ""),
    ('public', "Public"),
    ('private', "Private"),
    ('military', "Military"),
    ]
KEY_LEVELS = [(None, ""), ('A', "A"), ('B', "B"), ('C', "C")]
DOCTOR_TITLES = [
    (None, ""),
    ('chief', "Chief Physician"),
    ('associate_chief', "Associate Chief Physician"),
    ('attending', "Attending Physician"),
    ('resident', "Resident Physician"),
    ('pharmacist', "Pharmacist"),
    ('chief_pharmacist', "Chief Pharmacist"),
    ('nurse', "Nurse"),
    ('other', "Other"),
    ]
DOCTOR_POSITIONS = [
    (None, ""),
    ('president', "Hospital President"),
    ('vice_president', "Vice President"),
    ('department_head', "Head of Department"),
    ('deputy_head', "Deputy Head of Department"),
    ('pharmacy_director', "Pharmacy Director"),
    ('expert', "Expert"),
    ('staff', "Staff"),
    ]
DOCTOR_TIERS = [(None, ""), ('A', "A"), ('B', "B"), ('C', "C")]
KOL_LEVELS = [
    (None, ""),
    ('national', "National"),
    ('provincial', "Provincial"),
    ('city', "City"),
    ('none', "None"),
    ]
LIFECYCLE_STAGES = [
    (None, ""),
    ('to_identify', "To Identify"),
    ('prospect', "Prospect"),
    ('opportunity', "Opportunity"),
    ('customer', "Customer"),
    ('user', "User"),
    ('lost', "Lost"),
    ]
CUSTOMER_SOURCES = [
    (None, ""),
    ('rep', "Rep Development"),
    ('event', "Event"),
    ('referral', "Referral"),
    ('website', "Website"),
    ('media', "Media"),
    ('tender', "Tender"),
    ('import', "Import"),
    ]
CHANNELS = [
    (None, ""),
    ('visit', "Visit"),
    ('phone', "Phone"),
    ('wechat', "WeChat"),
    ('email', "Email"),
    ('meeting', "Academic Meeting"),
    ]
CONSENT_STATES = [
    (None, ""),
    ('pending', "Pending"),
    ('given', "Given"),
    ('refused', "Refused"),
    ('withdrawn', "Withdrawn"),
    ]
VERIFICATION_STATES = [
    ('unverified', "Unverified"),
    ('verified', "Verified"),
    ]
# Fields whose change by a rep goes through a data change request
KEY_FIELDS = {
    'hospital': ['name', 'hospital_grade', 'territory'],
    'doctor': ['name', 'hospital', 'department', 'doctor_title',
        'doctor_tier'],
    }

_hospital = Eval('pharma_type') == 'hospital'
_doctor = Eval('pharma_type') == 'doctor'
_hospital_states = {'invisible': ~_hospital}
_doctor_states = {'invisible': ~_doctor}


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    pharma_type = fields.Selection(PHARMA_TYPES, "Pharma Type", sort=False,
        help="The role of the party in the pharmaceutical trade.")
    pharma_type_string = pharma_type.translated('pharma_type')

    # Hospital
    hospital_grade = fields.Selection(
        HOSPITAL_GRADES, "Hospital Grade", sort=False, states=_hospital_states)
    hospital_type = fields.Selection(
        HOSPITAL_TYPES, "Hospital Type", sort=False, states=_hospital_states)
    ownership = fields.Selection(
        OWNERSHIPS, "Ownership", sort=False, states=_hospital_states)
    beds = fields.Integer(
        "Beds", states=_hospital_states, domain=[
            If(Eval('beds', None) != None,  # noqa: E711
                ('beds', '>=', 0), ())])
    outpatient_visits = fields.Integer(
        "Annual Outpatient Visits", states=_hospital_states)
    key_account = fields.Boolean("Key Account", states=_hospital_states)
    key_level = fields.Selection(KEY_LEVELS, "Key Level", sort=False,
        states={
            'invisible': ~_hospital | ~Eval('key_account'),
            'required': _hospital & Bool(Eval('key_account')),
            })
    territory = fields.Many2One(
        'pharma.territory', "Territory", ondelete='RESTRICT',
        states={'invisible': ~Eval('pharma_type').in_(
                    ['hospital', 'distributor', 'agent', 'government',
                        'pharmacy'])},
        help="The city or district the party belongs to.")
    departments = fields.One2Many(
        'pharma.hospital.department', 'hospital', "Departments",
        states=_hospital_states)
    hospital_doctors = fields.One2Many(
        'party.party', 'hospital', "Doctors",
        filter=[('pharma_type', '=', 'doctor')],
        states=_hospital_states, readonly=True)

    # Doctor
    hospital = fields.Many2One(
        'party.party', "Hospital", ondelete='RESTRICT',
        domain=[If(_doctor, [('pharma_type', '=', 'hospital')], [])],
        states={
            'invisible': ~_doctor,
            'required': _doctor,
            })
    department = fields.Many2One(
        'pharma.hospital.department', "Department", ondelete='RESTRICT',
        domain=[('hospital', '=', Eval('hospital', -1))],
        states=_doctor_states)
    doctor_title = fields.Selection(
        DOCTOR_TITLES, "Title", sort=False, states=_doctor_states)
    doctor_position = fields.Selection(
        DOCTOR_POSITIONS, "Position", sort=False, states=_doctor_states)
    therapeutic_areas = fields.Many2Many(
        'party.party-pharma.therapeutic.area', 'party', 'area',
        "Therapeutic Areas", states=_doctor_states)
    prescription_right = fields.Boolean(
        "Prescription Right", states=_doctor_states)
    doctor_tier = fields.Selection(DOCTOR_TIERS, "Doctor Tier", sort=False,
        states=_doctor_states,
        help="A, B or C from the doctor's potential and support.")
    first_visit_date = fields.Date("First Visit", states=_doctor_states,
        help="The date of the first call on the doctor.")
    kol_level = fields.Selection(KOL_LEVELS, "KOL Level", sort=False,
        states=_doctor_states)
    societies = fields.Text("Academic Societies", states=_doctor_states)
    publications = fields.Text("Publications", states=_doctor_states)
    research_interests = fields.Text(
        "Research Interests", states=_doctor_states)
    best_visit_time = fields.Char("Best Visiting Time", states=_doctor_states)
    preferred_channel = fields.Selection(CHANNELS, "Preferred Channel",
        sort=False, states=_doctor_states)
    vip = fields.Boolean("VIP", states=_doctor_states)
    vip_frequency = fields.Integer("VIP Visits per Month",
        states={
            'invisible': ~_doctor | ~Eval('vip'),
            })
    consent_status = fields.Selection(CONSENT_STATES,
        "Personal Information Consent", sort=False, states=_doctor_states)
    consent_date = fields.Date("Consent Date",
        states={
            'invisible': ~_doctor,
            'required': Eval('consent_status').in_(['given', 'withdrawn']),
            })

    # Every pharma party
    lifecycle_stage = fields.Selection(LIFECYCLE_STAGES, "Lifecycle Stage",
        sort=False, states={'invisible': ~Eval('pharma_type')})
    lifecycle_stage_string = lifecycle_stage.translated('lifecycle_stage')
    lifecycle_date = fields.Date("Stage Since", readonly=True,
        states={'invisible': ~Eval('pharma_type')})
    lifecycle_history = fields.One2Many(
        'pharma.lifecycle.history', 'party', "Lifecycle History",
        readonly=True, states={'invisible': ~Eval('pharma_type')})
    customer_source = fields.Selection(CUSTOMER_SOURCES, "Customer Source",
        sort=False, states={'invisible': ~Eval('pharma_type')})
    coverages = fields.One2Many(
        'pharma.coverage', 'party', "Coverage",
        states={'invisible': ~Eval('pharma_type').in_(
                    ['hospital', 'doctor'])})
    primary_rep = fields.Function(fields.Many2One(
            'company.employee', "Primary Representative"),
        'get_primary_rep', searcher='search_primary_rep')
    covered_by_me = fields.Function(fields.Boolean("Covered by Me",
            help="Covered today by one of the user's employees."),
        'get_covered_by_me', searcher='search_covered_by_me')
    pharma_representatives = fields.Function(fields.Many2Many(
            'company.employee', None, None, "Representatives",
            help="The employees who cover the party today."),
        'get_pharma_representatives',
        searcher='search_pharma_representatives')
    pharma_readers = fields.Function(fields.Many2Many(
            'company.employee', None, None, "Readers",
            help="The employees who cover the party today and those who "
            "work in or manage the territory of the party or of its "
            "hospital."),
        'get_pharma_readers', searcher='search_pharma_readers')
    verification = fields.Selection(VERIFICATION_STATES, "Verification",
        readonly=True, states={'invisible': ~Eval('pharma_type')})
    last_verified = fields.Date("Last Verified", readonly=True,
        states={'invisible': ~Eval('pharma_type')})
    pinyin = fields.Char("Pinyin", readonly=True)
    pinyin_initials = fields.Char("Pinyin Initials", readonly=True)
    pharma_search = fields.Char("Search Text", readonly=True,
        help="The code, name, pinyin and pinyin initials in lower case, "
        "in one text that the search of parties by name scans.")
    name_key = fields.Char("Normalised Name", readonly=True)
    quality_score = fields.Function(fields.Integer("Data Quality"),
        'get_quality_score')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.pharma_type, Index.Equality())),
                Index(t, (t.hospital, Index.Range())),
                Index(t, (t.department, Index.Range())),
                Index(t, (t.territory, Index.Range())),
                Index(t, (t.name_key, Index.Equality())),
                # the ILIKE/LIKE of the searches on these optional Char
                # columns is on COALESCE(column, '') (as party's name
                # index): trigram indexes on PostgreSQL with pg_trgm, for
                # patterns of 3 characters or more
                Index(t, (Coalesce(t.pinyin, ''), Index.Similarity())),
                Index(t, (Coalesce(t.pinyin_initials, ''),
                        Index.Similarity())),
                Index(t, (Coalesce(t.pharma_search, ''),
                        Index.Similarity())),
                # the doctors list: its type, in its order
                Index(t, (t.pharma_type, Index.Equality()),
                    (t.name, Index.Range()), (t.id, Index.Range()),
                    where=t.pharma_type != Null),
                })

    @classmethod
    def default_verification(cls):
        return 'verified'

    @fields.depends('pharma_type', 'lifecycle_stage')
    def on_change_pharma_type(self):
        if self.pharma_type and not self.lifecycle_stage:
            self.lifecycle_stage = 'to_identify'

    @fields.depends('hospital', 'department')
    def on_change_hospital(self):
        if self.department and self.department.hospital != self.hospital:
            self.department = None

    @classmethod
    def get_primary_rep(cls, parties, name):
        pool = Pool()
        Coverage = pool.get('pharma.coverage')
        Date = pool.get('ir.date')
        today = Date.today()
        result = {p.id: None for p in parties}
        for sub in grouped_slice(parties, backend.MAX_QUERY_PARAMS // 10):
            for coverage in Coverage.search([
                        ('party', 'in', [p.id for p in sub]),
                        ('role', '=', 'primary'),
                        Coverage.valid_domain(today),
                        ], order=[('start_date', 'ASC')]):
                result[coverage.party.id] = coverage.employee.id
        return result

    @classmethod
    def _covered_by_me_domain(cls):
        "The coverages of today of the user's employees"
        pool = Pool()
        User = pool.get('res.user')
        Coverage = pool.get('pharma.coverage')
        today = pool.get('ir.date').today()
        return [
            ('employee', 'in', list(User.get_employees()) or [-1]),
            Coverage.valid_domain(today),
            ]

    @classmethod
    def get_covered_by_me(cls, parties, name):
        Coverage = Pool().get('pharma.coverage')
        covered = set()
        for sub in grouped_slice(parties, backend.MAX_QUERY_PARAMS // 10):
            covered.update(c.party.id for c in Coverage.search(
                    cls._covered_by_me_domain()
                    + [('party', 'in', [p.id for p in sub])]))
        return {p.id: p.id in covered for p in parties}

    @classmethod
    def search_covered_by_me(cls, name, clause):
        _, operator, value = clause[:3]
        domain = [('coverages', 'where', cls._covered_by_me_domain())]
        if (operator == '=') != bool(value):
            domain = ['NOT', domain]
        return domain

    @classmethod
    def get_pharma_representatives(cls, parties, name):
        pool = Pool()
        Coverage = pool.get('pharma.coverage')
        coverage = Coverage.__table__()
        cursor = Transaction().connection.cursor()
        today = pool.get('ir.date').today()
        result = {p.id: set() for p in parties}
        for sub in grouped_slice(result, backend.MAX_QUERY_PARAMS // 10):
            cursor.execute(*coverage.select(
                    coverage.party, coverage.employee,
                    where=coverage.party.in_(list(sub))
                    & Coverage.valid_condition(coverage, today)))
            for party, employee in cursor:
                result[party].add(employee)
        return {p: sorted(e) for p, e in result.items()}

    @classmethod
    def get_pharma_readers(cls, parties, name):
        "The representatives and the employees of the territory's branch"
        pool = Pool()
        Territory = pool.get('pharma.territory')
        result = cls.get_pharma_representatives(parties, name)
        branch = {}

        def employees(territory):
            if territory.id not in branch:
                ids = set(e.id for e in territory.reps)
                if territory.manager:
                    ids.add(territory.manager.id)
                if territory.parent:
                    ids |= employees(territory.parent)
                branch[territory.id] = ids
            return branch[territory.id]
        # bypass: the territories above the party's (not the user's data)
        with Transaction().set_context(_check_access=False):
            for party in cls.browse(parties):
                readers = set(result[party.id])
                for territory in [party.territory,
                        party.hospital.territory if party.hospital else None]:
                    if territory:
                        readers |= employees(Territory(territory.id))
                result[party.id] = sorted(readers)
        return result

    @classmethod
    def _pharma_employees(cls, name, clause):
        """The employee ids or query of a clause on a Function field of
        employees and whether it is negative: 'in', '=' and their negations
        with ids, or a field of the employees after the dot (positive)"""
        pool = Pool()
        Employee = pool.get('company.employee')
        field, operator, value, *extra = clause
        if '.' in field:
            nested = field.split('.', 1)[1]
            # inactive employees too, as a Many2One's nested search
            with inactive_records():
                return Employee.search([(nested, operator, value, *extra)],
                    order=[], query=True), False
        if operator not in {'in', 'not in', '=', '!='}:
            raise NotImplementedError(
                "%s: only in, not in, = and != on employee ids" % name)
        if value is None:
            employees = []
        elif isinstance(value, int):
            employees = [value]
        else:
            employees = [e for e in value if e is not None]
        return employees, operator in {'not in', '!='}

    @classmethod
    def _pharma_id_clause(cls, ids, negative):
        "The clause of the parties whose id is in the query ids"
        if negative:
            return [('id', 'not in', ids)]
        return [('id', 'in', ids)]

    @classmethod
    def search_pharma_representatives(cls, name, clause):
        """The parties covered today by the employees, as one id subquery
        on the (employee, start date) index of the coverage (the
        representatives' rules)"""
        pool = Pool()
        Coverage = pool.get('pharma.coverage')
        coverage = Coverage.__table__()
        today = pool.get('ir.date').today()
        employees, negative = cls._pharma_employees(name, clause)
        if not employees and isinstance(employees, list):
            return [] if negative else [('id', '=', None)]
        return cls._pharma_id_clause(coverage.select(coverage.party,
                where=fields.SQL_OPERATORS['in'](
                    coverage.employee, employees)
                & Coverage.valid_condition(coverage, today)), negative)

    @classmethod
    def search_pharma_readers(cls, name, clause):
        """The parties covered today by the employees and those whose
        territory, or whose hospital's territory, is in the employees'
        territories (subtrees included), as one id subquery: the UNION of
        the coverage and the (territory) and (hospital) index scans (the
        representatives' and managers' read rules)"""
        pool = Pool()
        Coverage = pool.get('pharma.coverage')
        Territory = pool.get('pharma.territory')
        today = pool.get('ir.date').today()
        employees, negative = cls._pharma_employees(name, clause)
        if not isinstance(employees, list):
            raise NotImplementedError(
                "%s: only in, not in, = and != on employee ids" % name)
        if not employees:
            return [] if negative else [('id', '=', None)]
        coverage = Coverage.__table__()
        party = cls.__table__()
        doctor = cls.__table__()
        hospital = cls.__table__()
        ids = coverage.select(coverage.party,
            where=fields.SQL_OPERATORS['in'](coverage.employee, employees)
            & Coverage.valid_condition(coverage, today))
        territories = Territory.visible_ids(employees)
        if territories:
            ids = Union(ids,
                party.select(party.id,
                    where=fields.SQL_OPERATORS['in'](
                        party.territory, territories)),
                doctor.join(hospital,
                    condition=doctor.hospital == hospital.id).select(
                    doctor.id,
                    where=fields.SQL_OPERATORS['in'](
                        hospital.territory, territories)))
        return cls._pharma_id_clause(ids, negative)

    @classmethod
    def search_primary_rep(cls, name, clause):
        pool = Pool()
        Coverage = pool.get('pharma.coverage')
        today = pool.get('ir.date').today()
        _, operator, value, *extra = clause
        nested = clause[0][len(name) + 1:] if '.' in clause[0] else 'id'
        return [('coverages', 'where', [
                    ('employee.' + nested if nested != 'id' else 'employee',
                        operator, value, *extra),
                    ('role', '=', 'primary'),
                    Coverage.valid_domain(today),
                    ])]

    @classmethod
    def _quality_fields(cls, pharma_type):
        if pharma_type == 'hospital':
            return ['hospital_grade', 'hospital_type', 'territory', 'beds',
                'departments', 'identifiers', 'addresses']
        elif pharma_type == 'doctor':
            return ['hospital', 'department', 'doctor_title', 'doctor_tier',
                'doctor_position', 'therapeutic_areas', 'contact_mechanisms',
                'consent_status']
        return []

    def get_quality_score(self, name):
        """0 to 100: key fields filled (70), verified within a year (20),
        the rest from later modules (fresh visit, 10)"""
        if self.pharma_type not in ('hospital', 'doctor'):
            return None
        names = self._quality_fields(self.pharma_type)
        filled = sum(1 for f in names if getattr(self, f, None))
        score = 70 * filled / len(names)
        if self.verification == 'verified' and self.last_verified:
            today = Pool().get('ir.date').today()
            if (today - self.last_verified).days <= 365:
                score += 20
        score += self._quality_bonus()
        return int(round(min(score, 100)))

    def _quality_bonus(self):
        "Hook for later modules (a recent visit)"
        return 0

    @classmethod
    def get_rec_name(cls, parties, name):
        # a batch getter (no module overrides party.party's instance one):
        # a doctor is named with the hospital only where the user may read
        # the hospital, with one query for the doctors of a read; else any
        # who reads a doctor would read the name of its hospital
        names = {p.id: super(Party, p).get_rec_name(name) for p in parties}
        hospitals = {p.hospital for p in parties
            if p.pharma_type == 'doctor' and p.hospital}
        shown = readable_ids(hospitals) if hospitals else set()
        for party in parties:
            if (party.pharma_type == 'doctor' and party.hospital
                    and party.hospital.id in shown):
                names[party.id] = '%s (%s)' % (
                    names[party.id], party.hospital.name)
        return names

    @classmethod
    def search_rec_name(cls, name, clause):
        domain = super().search_rec_name(name, clause)
        _, operator, operand, *extra = clause
        fast = _search_text_domain(domain, operator, operand)
        if fast is not None:
            return fast
        if (operator in ('ilike', 'like')
                and isinstance(operand, str)
                and is_pinyin_query(operand)):
            value = operand.lower()
            if not value.startswith('%'):
                value = '%' + value
            domain = list(domain) + [
                ('pinyin', 'ilike', value),
                ('pinyin_initials', 'ilike', value),
                ]
        return domain

    @classmethod
    def __register__(cls, module):
        # before the indexes are created: the Similarity indexes of party
        # and of the suite become trigram indexes
        create_trigram_extension()
        table_h = cls.__table_handler__(module)
        filled = table_h.column_exist('pharma_search')
        super().__register__(module)
        if not filled:
            cls._fill_search_text()
        else:
            # doctors stored before their search text held their hospital's
            # (one NAME_END only)
            cls._fill_search_text(lambda table: (table.hospital != Null)
                & ~table.pharma_search.like(
                    '%' + NAME_END + '%' + NAME_END + '%'))

    @classmethod
    def _fill_search_text(cls, where=None):
        # where: a function of the party table giving the rows to fill
        """Compute pharma_search in SQL from the stored keys: a party's own
        text followed by its hospital's (name and pinyin), so that a doctor
        is found by the name, short name or pinyin of its hospital"""
        table = cls.__table__()
        hospital = cls.__table__()
        cursor = Transaction().connection.cursor()
        own = _search_text_sql(table)
        cursor.execute(*table.update([table.pharma_search], [own],
                where=where(table) if where else None))
        with_hospital = hospital.id == table.hospital
        if where:
            with_hospital &= where(table)
        cursor.execute(*table.update(
                [table.pharma_search],
                [Concat(own, _search_text_sql(hospital, code=False))],
                from_=[hospital], where=with_hospital))

    @classmethod
    def _update_hospital_search_text(cls, parties):
        """Refresh the search text of the doctors among parties and of the
        doctors of the hospitals among parties"""
        ids = [p.id for p in parties]
        for sub_ids in grouped_slice(ids, 500):
            sub_ids = list(sub_ids)
            cls._fill_search_text(lambda table: table.id.in_(sub_ids)
                | table.hospital.in_(sub_ids))

    @classmethod
    def _pharma_keys(cls, values, party=None):
        name = values.get('name', party.name if party else None)
        pharma_type = values.get(
            'pharma_type', party.pharma_type if party else None)
        if 'name' in values or 'pharma_type' in values:
            full, initials = pinyin_keys(name)
            values['pinyin'] = full or None
            values['pinyin_initials'] = initials or None
            values['name_key'] = normalize_name(name, pharma_type) or None
        if {'name', 'pharma_type', 'code'} & set(values):
            values['pharma_search'] = search_text(
                values.get('code', party.code if party else None), name,
                values.get('pinyin'), values.get('pinyin_initials'))
        return values

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create':
            cls._pharma_keys(values)
            if values.get('pharma_type') and not values.get('lifecycle_stage'):
                values['lifecycle_stage'] = 'to_identify'
            if values.get('lifecycle_stage'):
                values.setdefault(
                    'lifecycle_date', Pool().get('ir.date').today())
        return values

    @classmethod
    def create(cls, vlist):
        token = _creating.set(True)
        try:
            parties = super().create(vlist)
        finally:
            _creating.reset(token)
        cls._record_lifecycle(
            [(p, None, p.lifecycle_stage) for p in parties
                if p.lifecycle_stage])
        cls._cover_created(parties)
        return parties

    @classmethod
    def _multivalue_setter(cls, records, name, value):
        """A new doctor does not store the company-dependent defaults
        (accounts, payment terms, price list, stock locations, sale and
        invoice methods, language…) that create() sets on every party:
        without a stored value get_multivalue returns the same default, and
        a doctor is never a customer or supplier of the company (China's
        rules: doctors are visited, not sold to). Storing them wrote seven
        rows per doctor and took 60% of the time of creating one; a doctor
        whose value differs from the default still stores it."""
        if _creating.get() and cls._is_multivalue_default(name, value):
            records = [r for r in records if r.pharma_type != 'doctor']
            if not records:
                return
        super()._multivalue_setter(records, name, value)

    @classmethod
    def _is_multivalue_default(cls, name, value):
        """Whether value is what get_multivalue(name) returns for a party
        without stored values in the context's company"""
        Value = cls.multivalue_model(name)
        pattern = {}
        if 'company' in Value._fields:
            pattern['company'] = Transaction().context.get('company')
        func = getattr(cls, 'default_%s' % name, None)
        default = func(**pattern) if func else None
        return _value_id(default) == _value_id(value)

    @classmethod
    def _cover_created(cls, parties):
        """A representative who creates a hospital or doctor covers it at
        once, so that they can use it while it waits for verification"""
        pool = Pool()
        User = pool.get('res.user')
        Coverage = pool.get('pharma.coverage')
        Date = pool.get('ir.date')
        transaction = Transaction()
        if not transaction.check_access or transaction.user == 0:
            return
        user = User(transaction.user)
        if not user.employee or not cls._user_is_rep():
            return
        to_cover = [p for p in parties
            if p.pharma_type in ('hospital', 'doctor')]
        if to_cover:
            # bypass: a rep's new party is covered by the rep, a coverage the
            # rep may not create
            with transaction.set_context(_check_access=False):
                Coverage.create([{
                            'company': user.employee.company.id,
                            'employee': user.employee.id,
                            'party': p.id,
                            'role': 'primary',
                            'start_date': Date.today(),
                            } for p in to_cover])
                cls.write(to_cover, {'verification': 'unverified'})

    @classmethod
    def _user_is_rep(cls):
        return in_groups('group_pharma_rep')

    @classmethod
    def write(cls, *args):
        actions = iter(args)
        changes = []
        for parties, values in zip(actions, actions):
            if 'lifecycle_stage' in values:
                changes.extend(
                    (p, p.lifecycle_stage, values['lifecycle_stage'])
                    for p in parties
                    if p.lifecycle_stage != values['lifecycle_stage'])
        super().write(*args)
        cls._record_lifecycle(changes)

    @classmethod
    def on_modification(cls, mode, parties, field_names=None):
        super().on_modification(mode, parties, field_names=field_names)
        if mode == 'write' and field_names and (
                {'name', 'pharma_type', 'code'} & set(field_names)):
            cls._update_keys(parties)
        if (mode == 'create' and any(p.hospital for p in parties)) or (
                mode == 'write' and field_names and (
                    {'name', 'pharma_type', 'code', 'hospital'}
                    & set(field_names))):
            cls._update_hospital_search_text(parties)
        if (mode != 'write'
                or {'territory', 'pharma_type'} & set(field_names or [])):
            if any(p.pharma_type == 'hospital' for p in parties):
                # the managers' rules list the hospitals of their
                # territories (ir.rule context pharma_managed_hospitals)
                Pool().get('ir.rule')._domain_get_cache.clear()

    @classmethod
    def _update_keys(cls, parties):
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        for party in parties:
            full, initials = pinyin_keys(party.name)
            cursor.execute(*table.update(
                    [table.pinyin, table.pinyin_initials, table.name_key,
                        table.pharma_search],
                    [full or None, initials or None,
                        normalize_name(party.name, party.pharma_type)
                        or None,
                        search_text(party.code, party.name, full, initials)],
                    where=table.id == party.id))

    @classmethod
    def _record_lifecycle(cls, changes):
        pool = Pool()
        History = pool.get('pharma.lifecycle.history')
        Date = pool.get('ir.date')
        User = pool.get('res.user')
        if not changes:
            return
        transaction = Transaction()
        user = User(transaction.user) if transaction.user else None
        employee = user.employee if user else None
        today = Date.today()
        # bypass: the lifecycle history is written by the code only
        with transaction.set_context(_check_access=False):
            History.create([{
                        'party': p.id,
                        'from_stage': old,
                        'to_stage': new,
                        'date': datetime.datetime.now(),
                        'user': transaction.user or None,
                        'employee': employee.id if employee else None,
                        } for p, old, new in changes])
            table = cls.__table__()
            cursor = transaction.connection.cursor()
            for sub in grouped_slice([p.id for p, _, _ in changes],
                    backend.MAX_QUERY_PARAMS // 10):
                cursor.execute(*table.update(
                        [table.lifecycle_date], [today],
                        where=table.id.in_(list(sub))))

    @classmethod
    def validate_fields(cls, parties, field_names):
        super().validate_fields(parties, field_names)
        cls.check_doctor(parties, field_names)

    @classmethod
    def check_doctor(cls, parties, field_names=None):
        if field_names and not (
                {'pharma_type', 'hospital', 'department'} & field_names):
            return
        for party in parties:
            if party.pharma_type != 'doctor':
                continue
            if party.hospital and party.hospital.pharma_type != 'hospital':
                raise DoctorError(gettext(
                        'pharma_hospital.msg_doctor_hospital_type',
                        doctor=readable_name(party),
                        hospital=readable_name(party.hospital)))
            if (party.department
                    and party.department.hospital != party.hospital):
                raise DoctorError(gettext(
                        'pharma_hospital.msg_doctor_department_hospital',
                        doctor=readable_name(party),
                        department=readable_name(party.department)))

    @classmethod
    def copy(cls, parties, default=None):
        if Transaction().check_access:
            # ModelStorage.copy reads the originals without access check:
            # copying a hidden doctor must fail like reading it
            cls.read([p.id for p in parties], ['create_date'])
        default = default.copy() if default is not None else {}
        default.setdefault('coverages', None)
        default.setdefault('lifecycle_history', None)
        default.setdefault('hospital_doctors', None)
        default.setdefault('departments', None)
        return super().copy(parties, default=default)


def create_trigram_extension():
    """Create PostgreSQL's pg_trgm extension when the server has it and
    the database does not (it is a trusted extension since PostgreSQL 13:
    the database's owner may create it), so that the Similarity indexes
    are trigram indexes; elsewhere, or without the right, nothing"""
    transaction = Transaction()
    database = transaction.database
    if backend.name != 'postgresql' or database.has_extension('pg_trgm'):
        return
    cursor = transaction.connection.cursor()
    cursor.execute("SELECT 1 FROM pg_available_extensions "
        "WHERE name = 'pg_trgm'")
    if not cursor.fetchone():
        return
    cursor.execute('SAVEPOINT pharma_trgm')
    try:
        cursor.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    except Exception:
        cursor.execute('ROLLBACK TO SAVEPOINT pharma_trgm')
        return
    cursor.execute('RELEASE SAVEPOINT pharma_trgm')
    # has_extension caches its answer per database and asks on another
    # connection, which does not see the extension before the commit:
    # the indexes created in this transaction may use it
    database._extensions[database.name]['pg_trgm'] = True


# pharma_search: lower(code) CODE_END lower(name) NAME_END pinyin variants
# and initials variants, each followed by VARIANT_END. A party's code,
# name and pinyin never hold these control characters, so a pattern
# without wildcards cannot match across two parts:
#   code ILIKE 'x%'                          pharma_search LIKE 'x%'
#   name ILIKE '%x%'                         LIKE '%<CODE_END>%x%<NAME_END>%'
#   name, pinyin or initials ILIKE '%x%'     LIKE '%<CODE_END>%x%'
# One LIKE on a lower-case text instead of an ILIKE per column (which
# lower-cases every value of every row on PostgreSQL): the name search
# among 200,000 doctors is a scan of cheap comparisons.
# A doctor's text is followed by its hospital's name NAME_END variants (the
# hospital's text without its code): rep1 typing rj, ruijin or 瑞金 finds
# the doctors of 瑞金医院 (Party._fill_search_text keeps it up to date)
CODE_END, NAME_END, VARIANT_END = '\x1f', '\x1e', '\x1d'
_WILDCARDS = ('%', '_', '\\', CODE_END, NAME_END, VARIANT_END)


class SqlReplace(Function):
    "REPLACE(text, from, to) (PostgreSQL and SQLite)"
    __slots__ = ()
    _function = 'REPLACE'


def search_text(code, name, pinyin, initials):
    "The pharma_search of a party"
    variants = (pinyin or '').split() + (initials or '').split()
    return ''.join([(code or '').lower(), CODE_END, (name or '').lower(),
            NAME_END] + [v + VARIANT_END for v in variants])


def _search_text_sql(table, code=True):
    """search_text() in SQL, from the stored columns (without the code: the
    part of a hospital that follows its doctors' own text)"""
    def variants(column):
        return SqlReplace(Coalesce(column, ''), ' ', VARIANT_END)
    pinyin = variants(table.pinyin)
    initials = variants(table.pinyin_initials)
    if code:
        start = Concat(Concat(
                Lower(Coalesce(table.code, '')), CODE_END),
            Lower(Coalesce(table.name, '')))
    else:
        start = Lower(Coalesce(table.name, ''))
    return Concat(Concat(Concat(start, NAME_END),
        Case((table.pinyin != Null, Concat(pinyin, VARIANT_END)),
            else_='')),
        Case((table.pinyin_initials != Null, Concat(initials, VARIANT_END)),
            else_=''))


def _search_text_domain(domain, operator, operand):
    """party's rec_name domain with its code and name clauses (and the
    pinyin of a pinyin query) as LIKEs on pharma_search, or None when the
    operand is not a plain '%text%' (then the usual clauses apply)"""
    if (operator != 'ilike' or not isinstance(operand, str)
            or not (operand.startswith('%') and operand.endswith('%'))):
        return None
    text = operand[1:-1]
    if not text or any(c in text for c in _WILDCARDS):
        return None
    text = text.lower()
    if is_pinyin_query(text):
        name_pattern = '%' + CODE_END + '%' + text + '%'
    else:
        name_pattern = '%' + CODE_END + '%' + text + '%' + NAME_END + '%'
    replaced = set()
    result = []
    for clause in domain:
        if (isinstance(clause, (list, tuple)) and len(clause) == 3
                and clause[1] == 'ilike'):
            if clause[0] == 'code' and clause[2] == operand[1:]:
                result.append(('pharma_search', 'like', text + '%'))
                replaced.add('code')
                continue
            if clause[0] == 'name' and clause[2] == operand:
                result.append(('pharma_search', 'like', name_pattern))
                replaced.add('name')
                continue
        result.append(clause)
    if replaced != {'code', 'name'}:
        return None
    return result


def _value_id(value):
    "A multivalue's value as create() and write() take it"
    if isinstance(value, ModelSQL):
        return value.id
    if isinstance(value, (list, tuple)):
        return tuple(_value_id(v) for v in value)
    return value


class TherapeuticArea(ModelSQL, ModelView):
    __name__ = 'pharma.therapeutic.area'
    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code")


class PartyTherapeuticArea(ModelSQL):
    __name__ = 'party.party-pharma.therapeutic.area'
    party = fields.Many2One(
        'party.party', "Party", required=True, ondelete='CASCADE')
    area = fields.Many2One(
        'pharma.therapeutic.area', "Area", required=True, ondelete='CASCADE')


class LifecycleHistory(ModelSQL, ModelView):
    __name__ = 'pharma.lifecycle.history'
    party = fields.Many2One(
        'party.party', "Party", required=True, ondelete='CASCADE')
    date = fields.DateTime("Date", required=True)
    from_stage = fields.Selection(LIFECYCLE_STAGES, "From", sort=False)
    to_stage = fields.Selection(LIFECYCLE_STAGES, "To", sort=False)
    user = fields.Many2One('res.user', "User")
    employee = fields.Many2One('company.employee', "Employee")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('party')
        cls._order.insert(0, ('date', 'DESC'))


class PartyIdentifierConfiguration(metaclass=PoolMeta):
    __name__ = 'party.configuration'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        selection = list(cls.identifier_types.selection)
        for key, label in IDENTIFIER_TYPES:
            if key not in dict(selection):
                selection.append((key, label))
        cls.identifier_types.selection = selection


IDENTIFIER_TYPES = [
    ('cn_mil', "Medical Institution Licence Number"),
    ('cn_nhsa', "National Medical Insurance Institution Code"),
    ('cn_dcode', "Distributor Customer Code"),
    ]


class Replace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        return super().fields_to_replace() + [
            ('party.party', 'hospital'),
            ('pharma.hospital.department', 'hospital'),
            ('pharma.hospital.department', 'head'),
            ('pharma.lifecycle.history', 'party'),
            ('pharma.coverage', 'party'),
            ]

    def transition_replace(self):
        pool = Pool()
        Coverage = pool.get('pharma.coverage')
        # Close the coverage rows a merge would duplicate
        Coverage.close_duplicates(self.ask.source, self.ask.destination)
        return super().transition_replace()
