# This file is part of the pharma suite. See README.md for license terms.
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.modules.company.model import employee_field, set_employee
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateAction, StateView, Wizard

from .access import readable_name
from .employee import in_groups
from .exceptions import ChangeRequestError, PharmaAccessError
from .notify import user_language
from .party import DOCTOR_TIERS, DOCTOR_TITLES, HOSPITAL_GRADES, KEY_FIELDS

KINDS = [
    ('new', "New Party"),
    ('change', "Change"),
    ]
FIELDS = [
    (None, ""),
    ('name', "Name"),
    ('hospital', "Hospital"),
    ('department', "Department"),
    ('doctor_title', "Title"),
    ('doctor_tier', "Doctor Tier"),
    ('hospital_grade', "Hospital Grade"),
    ('territory', "Territory"),
    ]
# The field of the request holding the proposed value of a party field
PROPOSED = {
    'name': 'proposed_name',
    'hospital': 'proposed_hospital',
    'department': 'proposed_department',
    'doctor_title': 'proposed_title',
    'doctor_tier': 'proposed_tier',
    'hospital_grade': 'proposed_grade',
    'territory': 'proposed_territory',
    }
STATES = [
    ('draft', "Draft"),
    ('submitted', "Submitted"),
    ('approved', "Approved"),
    ('rejected', "Rejected"),
    ('merged', "Merged"),
    ]
# Groups whose members are data stewards
STEWARD_GROUPS = [
    'group_pharma_clerk', 'group_pharma_marketing',
    'group_pharma_marketing_manager', 'group_pharma_admin']


def _proposed_states(field_name, extra=None):
    states = {
        'invisible': Eval('field') != field_name,
        'required': Eval('field') == field_name,
        }
    if extra:
        states['readonly'] = extra
    return states


def _menu_path(xml_id):
    "The names of the menu entry xml_id and its parents: 医药 / 客户 / …"
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    Menu = pool.get('ir.ui.menu')
    module, fs_id = xml_id.split('.')
    menu = Menu(ModelData.get_id(module, fs_id))
    names = []
    while menu:
        names.insert(0, menu.name)
        menu = menu.parent
    return ' / '.join(names)


class ProposalMixin:
    __slots__ = ()
    party = fields.Many2One(
        'party.party', "Party", required=True, ondelete='CASCADE',
        domain=[('pharma_type', 'in', ['hospital', 'doctor'])])
    party_type = fields.Function(fields.Selection(
            'get_party_types', "Party Type"), 'on_change_with_party_type')
    field = fields.Selection(FIELDS, "Field", sort=False,
        domain=[If(Eval('party_type') == 'hospital',
                ('field', 'in', [None] + KEY_FIELDS['hospital']),
                If(Eval('party_type') == 'doctor',
                    ('field', 'in', [None] + KEY_FIELDS['doctor']),
                    ()))],
        help="The key field to change.")
    proposed_name = fields.Char("Proposed Name",
        states=_proposed_states('name'))
    proposed_hospital = fields.Many2One(
        'party.party', "Proposed Hospital", ondelete='SET NULL',
        domain=[('pharma_type', '=', 'hospital')],
        states=_proposed_states('hospital'))
    proposed_department = fields.Many2One(
        'pharma.hospital.department', "Proposed Department",
        ondelete='SET NULL',
        domain=[('hospital', '=', If(Eval('proposed_hospital'),
                    Eval('proposed_hospital', -1),
                    Eval('party_hospital', -1)))],
        states=_proposed_states('department'))
    party_hospital = fields.Function(fields.Many2One(
            'party.party', "Party Hospital"), 'on_change_with_party_hospital')
    proposed_title = fields.Selection(DOCTOR_TITLES, "Proposed Title",
        sort=False, states=_proposed_states('doctor_title'))
    proposed_tier = fields.Selection(DOCTOR_TIERS, "Proposed Doctor Tier",
        sort=False, states=_proposed_states('doctor_tier'))
    proposed_grade = fields.Selection(HOSPITAL_GRADES,
        "Proposed Hospital Grade", sort=False,
        states=_proposed_states('hospital_grade'))
    proposed_territory = fields.Many2One(
        'pharma.territory', "Proposed Territory", ondelete='SET NULL',
        states=_proposed_states('territory'))
    reason = fields.Text("Reason",
        help="Why the data should change and where it comes from.")

    @classmethod
    def get_party_types(cls):
        Party = Pool().get('party.party')
        return Party.fields_get(['pharma_type'])['pharma_type']['selection']

    @fields.depends('party', '_parent_party.pharma_type')
    def on_change_with_party_type(self, name=None):
        return self.party.pharma_type if self.party else None

    @fields.depends('party', '_parent_party.hospital')
    def on_change_with_party_hospital(self, name=None):
        if self.party and self.party.hospital:
            return self.party.hospital.id

    def get_proposed_value(self):
        "The proposed value as written on the party"
        if not self.field:
            return None
        value = getattr(self, PROPOSED[self.field])
        if isinstance(value, ModelSQL):
            value = value.id
        return value


class ChangeRequest(
        ProposalMixin, Workflow, ModelSQL, ModelView):
    "A request to create or change a hospital or doctor"
    __name__ = 'pharma.data.change.request'
    _states = {'readonly': Eval('state') != 'draft'}

    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    kind = fields.Selection(KINDS, "Kind", required=True, states=_states)
    party_name = fields.Char("Party Name", readonly=True,
        help="The name of the party when the request was made.")
    old_value = fields.Char("Old Value", readonly=True)
    proposed_value = fields.Function(
        fields.Char("Proposed Value"), 'get_proposed_string')
    requested_by = employee_field("Requested By",
        states=[s for s, _ in STATES if s != 'draft'])
    request_date = fields.Date("Request Date", readonly=True)
    merge_into = fields.Many2One(
        'party.party', "Merge Into", ondelete='SET NULL',
        domain=[
            ('pharma_type', '=', Eval('party_type')),
            ],
        states={
            'readonly': Eval('state') != 'submitted',
            'invisible': ~Eval('state').in_(['submitted', 'merged']),
            },
        help="The existing party the request's party duplicates.")
    decided_by = employee_field("Decided By",
        states=[s for s, _ in STATES])
    decision_date = fields.Date("Decision Date", readonly=True)
    decision_reason = fields.Text("Decision Reason",
        states={
            'readonly': ~Eval('state').in_(['submitted']),
            'invisible': Eval('state') == 'draft',
            },
        help="Required to reject.")
    state = fields.Selection(
        STATES, "State", readonly=True, required=True, sort=False)
    state_string = state.translated('state')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        for fname in ['party', 'field', 'proposed_name', 'proposed_hospital',
                'proposed_department', 'proposed_title', 'proposed_tier',
                'proposed_grade', 'proposed_territory', 'reason']:
            field = getattr(cls, fname)
            field.states = field.states.copy()
            field.states['readonly'] = Eval('state') != 'draft'
        for fname in ['party', 'proposed_hospital', 'party_hospital',
                'merge_into']:
            field = getattr(cls, fname)
            field.context = {'company': Eval('company', -1)}
            field.depends = set(field.depends) | {'company'}
        cls.field.states['required'] = Eval('kind') == 'change'
        cls.field.states['invisible'] = Eval('kind') != 'change'
        # a rep proposes a new party that does not exist yet: no party,
        # the proposed values describe it
        new_party = (Eval('kind') == 'new') & ~Eval('party')
        cls.party.required = False
        cls.party.states['required'] = Eval('kind') == 'change'
        for fname in ['name', 'hospital', 'department', 'doctor_title',
                'hospital_grade', 'territory']:
            field = getattr(cls, PROPOSED[fname])
            field.states = field.states.copy()
            field.states['invisible'] = (
                field.states['invisible'] & ~new_party)
        cls.proposed_name.states['required'] = (
            cls.proposed_name.states['required'] | new_party)
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.party, Index.Range())),
                Index(t, (t.state, Index.Equality(cardinality='low')),
                    where=t.state.in_(['draft', 'submitted'])),
                })
        cls._order = [('request_date', 'DESC NULLS FIRST'), ('id', 'DESC')]
        cls._transitions |= set((
                ('draft', 'submitted'),
                ('submitted', 'draft'),
                ('submitted', 'approved'),
                ('submitted', 'rejected'),
                ('submitted', 'merged'),
                ('rejected', 'draft'),
                ))
        cls._buttons.update({
                'draft': {
                    'invisible': ~Eval('state').in_(['submitted', 'rejected']),
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                'submit': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'approve': {
                    'invisible': Eval('state') != 'submitted',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'reject': {
                    'invisible': Eval('state') != 'submitted',
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                'merge': {
                    'invisible': Eval('state') != 'submitted',
                    'readonly': ~Eval('merge_into'),
                    'icon': 'tryton-link',
                    'depends': ['state', 'merge_into'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_kind(cls):
        return 'change'

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_requested_by(cls):
        pool = Pool()
        User = pool.get('res.user')
        employee = Transaction().context.get('employee')
        if employee:
            return employee
        user = User(Transaction().user)
        if user.employee:
            return user.employee.id

    @classmethod
    def default_request_date(cls):
        return Pool().get('ir.date').today()

    @fields.depends('field', *PROPOSED.values())
    def on_change_field(self):
        for fname, proposed in PROPOSED.items():
            if fname != self.field:
                setattr(self, proposed, None)

    def get_rec_name(self, name):
        party = (self.party.rec_name if self.party
            else (self.party_name or self.proposed_name))
        if self.kind == 'change' and self.field:
            field = dict(self.fields_get(['field'])['field']['selection'])
            return '%s: %s' % (party, field.get(self.field, self.field))
        return party or ''

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('party.rec_name', operator, operand, *extra),
            ('party_name', operator, operand, *extra),
            ]

    @classmethod
    def _value_string(cls, party_class, field_name, value):
        "The text of value for field_name of party"
        if value is None or value == '':
            return ''
        field = party_class._fields[field_name]
        if field._type == 'many2one':
            Target = Pool().get(field.model_name)
            if isinstance(value, int):
                value = Target(value)
            return value.rec_name
        if field._type == 'selection':
            selection = dict(party_class.fields_get(
                    [field_name])[field_name]['selection'])
            return selection.get(value, value)
        return str(value)

    def get_proposed_string(self, name):
        Party = Pool().get('party.party')
        if self.kind != 'change' or not self.field:
            return None
        return self._value_string(Party, self.field, self.get_proposed_value())

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Party = pool.get('party.party')
        values = super().preprocess_values(mode, values)
        if mode == 'create' and values.get('party'):
            party = Party(values['party'])
            # bypass: the request keeps the party's name and current value,
            # which a rep may propose to change without reading every field
            with without_check_access():
                values.setdefault('party_name', party.rec_name)
                if values.get('field') in Party._fields:
                    values.setdefault('old_value', cls._value_string(
                            Party, values['field'],
                            getattr(party, values['field'])))
        return values

    @classmethod
    def check_modification(cls, mode, requests, values=None, external=False):
        super().check_modification(
            mode, requests, values=values, external=external)
        if mode == 'delete':
            for request in requests:
                if request.state != 'draft':
                    raise AccessError(gettext(
                            'pharma_hospital.msg_change_request_delete_draft',
                            request=readable_name(request)))
        elif mode == 'write' and external:
            for request in requests:
                if request.state in {'approved', 'rejected', 'merged'}:
                    raise AccessError(gettext(
                            'pharma_hospital.msg_change_request_done',
                            request=readable_name(request)))

    @classmethod
    def validate_fields(cls, requests, field_names):
        super().validate_fields(requests, field_names)
        cls.check_field(requests, field_names)

    @classmethod
    def check_field(cls, requests, field_names=None):
        if field_names and not ({'field', 'party', 'kind'} & field_names):
            return
        for request in requests:
            if request.kind != 'change' or not request.field:
                continue
            allowed = KEY_FIELDS.get(request.party.pharma_type, [])
            if request.field not in allowed:
                raise ChangeRequestError(gettext(
                        'pharma_hospital.msg_change_request_field',
                        request=readable_name(request),
                        field=request.field))

    @classmethod
    def copy(cls, requests, default=None):
        default = default.copy() if default is not None else {}
        for fname in ['request_date', 'decided_by', 'decision_date',
                'decision_reason', 'merge_into', 'old_value',
                'party_name']:
            default.setdefault(fname, None)
        default.setdefault('requested_by', cls.default_requested_by())
        return super().copy(requests, default=default)

    @classmethod
    def _decide(cls, requests):
        today = Pool().get('ir.date').today()
        cls.write(requests, {'decision_date': today})

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, requests):
        cls.write(requests, {
                'decided_by': None,
                'decision_date': None,
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('submitted')
    def submit(cls, requests):
        today = Pool().get('ir.date').today()
        for request in requests:
            if request.kind == 'change' and (
                    request.get_proposed_value() in {None, ''}):
                raise ChangeRequestError(gettext(
                        'pharma_hospital.msg_change_request_no_value',
                        request=readable_name(request)))
            if (request.kind == 'new' and not request.party
                    and not request.proposed_name):
                raise ChangeRequestError(gettext(
                        'pharma_hospital.msg_change_request_new_name',
                        request=readable_name(request)))
        cls.write(requests, {'request_date': today})

    @classmethod
    @ModelView.button
    @Workflow.transition('approved')
    @set_employee('decided_by')
    def approve(cls, requests):
        cls.apply(requests)
        cls._decide(requests)

    @classmethod
    def apply(cls, requests):
        "Apply the proposed changes and mark the parties verified"
        pool = Pool()
        Party = pool.get('party.party')
        Date = pool.get('ir.date')
        today = Date.today()
        to_write = []
        cls._create_new_parties(requests)
        for request in requests:
            if request.kind != 'change' or not request.field:
                continue
            values = {request.field: request.get_proposed_value()}
            party = request.party
            if (request.field == 'hospital' and party.department
                    and party.department.hospital.id != values['hospital']):
                values['department'] = None
            to_write.extend([[party], values])
        parties = list({r.party for r in requests if r.party})
        # bypass: the steward's approval applies the change to a party the
        # steward may not otherwise write
        with without_check_access():
            if to_write:
                Party.write(*to_write)
            Party.write(parties, {
                    'verification': 'verified',
                    'last_verified': today,
                    })

    @classmethod
    def _create_new_parties(cls, requests):
        "Create the parties the new party requests without party propose"
        pool = Pool()
        Party = pool.get('party.party')
        new = [r for r in requests if r.kind == 'new' and not r.party]
        if not new:
            return
        vlist = []
        for request in new:
            values = {
                'name': request.proposed_name,
                'pharma_type': ('doctor' if request.proposed_hospital
                    else 'hospital'),
                }
            for fname in ['hospital', 'department', 'doctor_title',
                    'hospital_grade', 'territory']:
                value = getattr(request, PROPOSED[fname])
                if isinstance(value, ModelSQL):
                    value = value.id
                if value is not None:
                    values[fname] = value
            vlist.append(values)
        # bypass: approving a new-party request creates the party for the steward
        with without_check_access():
            parties = Party.create(vlist)
            cls.write(*sum(([[r], {'party': p.id, 'party_name': p.rec_name}]
                        for r, p in zip(new, parties)), []))

    @classmethod
    @ModelView.button
    @Workflow.transition('rejected')
    @set_employee('decided_by')
    def reject(cls, requests):
        for request in requests:
            if not request.decision_reason:
                raise ChangeRequestError(gettext(
                        'pharma_hospital.msg_change_request_reject_reason',
                        request=readable_name(request)))
        cls._decide(requests)

    @classmethod
    @ModelView.button
    @Workflow.transition('merged')
    @set_employee('decided_by')
    def merge(cls, requests):
        pool = Pool()
        Party = pool.get('party.party')
        for request in requests:
            if not request.merge_into or request.merge_into == request.party:
                raise ChangeRequestError(gettext(
                        'pharma_hospital.msg_change_request_merge_into',
                        request=readable_name(request)))
        for request in requests:
            Party.merge_party(request.party, request.merge_into)
        cls._decide(requests)


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'verify': {
                    'invisible': (~Eval('pharma_type').in_(
                            ['hospital', 'doctor'])
                        | (Eval('verification') == 'verified')),
                    'icon': 'tryton-ok',
                    'depends': ['pharma_type', 'verification'],
                    },
                })

    @classmethod
    @ModelView.button
    def verify(cls, parties):
        "Mark the parties verified and approve their pending new requests"
        pool = Pool()
        Date = pool.get('ir.date')
        Request = pool.get('pharma.data.change.request')
        parties = [p for p in parties
            if p.pharma_type in {'hospital', 'doctor'}]
        if not parties:
            return
        # bypass: verifying marks the party verified, a field only this button
        # writes
        with without_check_access():
            cls.write(parties, {
                    'verification': 'verified',
                    'last_verified': Date.today(),
                    })
            requests = Request.search([
                    ('party', 'in', [p.id for p in parties]),
                    ('kind', '=', 'new'),
                    ('state', '=', 'submitted'),
                    ])
        if requests:
            Request.approve(requests)

    @classmethod
    def merge_party(cls, source, destination):
        """Merge source into destination with the party.replace wizard's
        logic (every reference moves, source is deactivated)"""
        pool = Pool()
        Replace = pool.get('party.replace', type='wizard')
        Session = pool.get('ir.session.wizard')
        transaction = Transaction()
        # bypass: a merge approved by the steward moves every reference, in
        # records of every rep
        with without_check_access(), transaction.set_context(
                _skip_warnings=True, active_model=None, active_id=None,
                active_ids=None):
            session, = Session.create([{}])
            replace = Replace(session.id)
            replace.ask.source = source
            replace.ask.destination = destination
            replace.transition_replace()
            Session.delete([session])

    @classmethod
    def _user_is_steward(cls):
        return in_groups(*STEWARD_GROUPS, 'group_pharma_manager')

    @classmethod
    def check_modification(cls, mode, parties, values=None, external=False):
        super().check_modification(
            mode, parties, values=values, external=external)
        transaction = Transaction()
        if (mode == 'write' and external and transaction.user
                and values and {'verification', 'last_verified'} & set(values)
                and not cls._user_is_steward()):
            for party in parties:
                raise PharmaAccessError(gettext(
                        'pharma_hospital.msg_party_verify_steward',
                        party=readable_name(party)))
        if (mode == 'write' and external and transaction.user
                and values and set(values) & set(
                    KEY_FIELDS['hospital'] + KEY_FIELDS['doctor'])
                and cls._user_is_rep() and not cls._user_is_steward()):
            for party in parties:
                if (party.verification != 'verified'
                        or party.pharma_type not in KEY_FIELDS):
                    continue
                for fname in KEY_FIELDS[party.pharma_type]:
                    if fname not in values:
                        continue
                    old = getattr(party, fname)
                    if isinstance(old, ModelSQL):
                        old = old.id
                    if (old or None) != (values[fname] or None):
                        raise PharmaAccessError(gettext(
                                'pharma_hospital'
                                '.msg_party_key_field_change_request',
                                party=readable_name(party),
                                field=cls.__names__(fname)['field']))

    @classmethod
    def default_verification(cls):
        # what a rep creates stays unverified until a steward approves it:
        # the form says so before saving
        if (Transaction().user and cls._user_is_rep()
                and not cls._user_is_steward()):
            return 'unverified'
        return super().default_verification()

    @classmethod
    def create(cls, vlist):
        parties = super().create(vlist)
        cls._request_verification(parties)
        return parties

    @classmethod
    def _request_verification(cls, parties):
        """Queue the unverified hospitals and doctors created by a
        representative for the data stewards"""
        pool = Pool()
        Request = pool.get('pharma.data.change.request')
        User = pool.get('res.user')
        transaction = Transaction()
        if not transaction.check_access or not transaction.user:
            return
        user = User(transaction.user)
        if not user.employee:
            return
        parties = cls.browse(parties)
        to_queue = [p for p in parties
            if p.pharma_type in {'hospital', 'doctor'}
            and p.verification == 'unverified']
        if to_queue:
            today = pool.get('ir.date').today()
            # bypass: a party created by a rep queues its verification request
            # for the stewards
            with without_check_access():
                requests = Request.create([{
                            'company': user.employee.company.id,
                            'party': p.id,
                            'kind': 'new',
                            'requested_by': user.employee.id,
                            'request_date': today,
                            'state': 'submitted',
                            } for p in to_queue])
            # tell the rep, in its language, where to follow the requests
            with transaction.set_context(language=user_language(user)):
                menu = _menu_path('pharma_hospital.menu_change_request_form')
                for party, request in zip(to_queue, requests):
                    Request.notify_user([request], 'tryton-info',
                        gettext('pharma_hospital'
                            '.msg_change_request_new_created_label',
                            party=party.rec_name),
                        gettext('pharma_hospital'
                            '.msg_change_request_new_created',
                            party=party.rec_name, menu=menu),
                        user=user.id)


class ProposeChangeStart(ProposalMixin, ModelView):
    __name__ = 'pharma.data.change.request.propose.start'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.party.readonly = True
        cls.field.required = True

    @fields.depends('field', *PROPOSED.values())
    def on_change_field(self):
        for fname, proposed in PROPOSED.items():
            if fname != self.field:
                setattr(self, proposed, None)


class ProposeChange(Wizard):
    "Propose a change of a key field of a hospital or doctor"
    __name__ = 'pharma.data.change.request.propose'
    start = StateView('pharma.data.change.request.propose.start',
        'pharma_hospital.change_request_propose_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Submit", 'submit', 'tryton-ok', default=True),
            ])
    submit = StateAction('pharma_hospital.act_change_request_form')

    def default_start(self, fields):
        party = self.record
        if not party:
            return {}
        return {
            'party': party.id,
            'party_type': party.pharma_type,
            'party_hospital': party.hospital.id if party.hospital else None,
            }

    def do_submit(self, action):
        pool = Pool()
        Request = pool.get('pharma.data.change.request')
        values = {
            'party': self.start.party.id,
            'kind': 'change',
            'field': self.start.field,
            'reason': self.start.reason,
            }
        for proposed in PROPOSED.values():
            value = getattr(self.start, proposed)
            if isinstance(value, ModelSQL):
                value = value.id
            values[proposed] = value
        request, = Request.create([values])
        Request.submit([request])
        action['res_id'] = [request.id]
        action['views'].reverse()
        return action, {}


class Replace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        return super().fields_to_replace() + [
            ('pharma.data.change.request', 'party'),
            ('pharma.data.change.request', 'merge_into'),
            ('pharma.data.change.request', 'proposed_hospital'),
            ]
