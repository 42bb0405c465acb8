# This file is part of the pharma suite. See README.md for license terms.
import datetime
from collections import defaultdict

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Date, Eval, If, PYSONEncoder
from trytond.transaction import Transaction
from trytond.wizard import Button, StateAction, StateView, Wizard

from .access import readable_name
from .employee import employee_users, notify_users
from .notify import Message, user_language
from .exceptions import CoverageError, HandoverError

MODES = [
    ('delegation', "Delegation"),
    ('transfer', "Transfer"),
    ]
SCOPES = [
    ('all', "All Accounts"),
    ('territory', "Territory"),
    ('parties', "Chosen Parties"),
    ]


class HandoverLog(ModelSQL, ModelView):
    "A hand-over of accounts from one employee to another"
    __name__ = 'pharma.handover.log'
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    date = fields.DateTime("Date", required=True, readonly=True)
    user = fields.Many2One('res.user', "User", readonly=True)
    from_employee = fields.Many2One(
        'company.employee', "From", required=True, readonly=True)
    to_employee = fields.Many2One(
        'company.employee', "To", required=True, readonly=True)
    mode = fields.Selection(MODES, "Mode", required=True, readonly=True)
    end_date = fields.Date("Delegation End", readonly=True)
    lines = fields.One2Many(
        'pharma.handover.log.line', 'log', "Moved", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('date', 'DESC'))

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')


class HandoverLogLine(ModelSQL, ModelView):
    "One record moved by a hand-over"
    __name__ = 'pharma.handover.log.line'
    log = fields.Many2One(
        'pharma.handover.log', "Hand-over", required=True,
        ondelete='CASCADE')
    party = fields.Many2One('party.party', "Party", readonly=True)
    record = fields.Reference("Record", selection='get_models', readonly=True)
    description = fields.Char("Description", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('log')

    @classmethod
    def get_models(cls):
        Model = Pool().get('ir.model')
        return Model.get_name_items()


class HandoverStart(ModelView):
    __name__ = 'pharma.handover.start'
    company = fields.Many2One('company.company', "Company", required=True)
    from_employee = fields.Many2One(
        'company.employee', "From", required=True,
        domain=[('company', '=', Eval('company', -1))],
        help="The representative who hands over.")
    to_employee = fields.Many2One(
        'company.employee', "To", required=True,
        domain=[
            ('company', '=', Eval('company', -1)),
            ('id', '!=', Eval('from_employee', -1)),
            ],
        help="The representative who takes over.")
    scope = fields.Selection(SCOPES, "Scope", required=True, sort=False)
    territory = fields.Many2One(
        'pharma.territory', "Territory",
        states={
            'invisible': Eval('scope') != 'territory',
            'required': Eval('scope') == 'territory',
            })
    parties = fields.Many2Many(
        'party.party', None, None, "Parties",
        domain=[
            ('pharma_type', 'in', ['hospital', 'doctor']),
            ('coverages', 'where', [
                    ('employee', '=', Eval('from_employee', -1)),
                    ('current', '=', True),
                    ]),
            ],
        context={'company': Eval('company', -1)}, depends={'company'},
        states={
            'invisible': Eval('scope') != 'parties',
            'required': Eval('scope') == 'parties',
            })
    mode = fields.Selection(MODES, "Mode", required=True,
        help="Delegation: the target covers the accounts until the end "
        "date, the owner keeps them.\n"
        "Transfer: the accounts and everything open move for good.")
    end_date = fields.Date("Delegation End",
        domain=[
            If(Eval('mode') == 'delegation',
                ('end_date', '>=', Date()), ()),
            ],
        states={
            'invisible': Eval('mode') != 'delegation',
            'required': Eval('mode') == 'delegation',
            })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_scope(cls):
        return 'all'

    @classmethod
    def default_mode(cls):
        return 'transfer'

    @classmethod
    def default_from_employee(cls):
        context = Transaction().context
        if context.get('active_model') == 'company.employee':
            return context.get('active_id')


class Handover(Wizard):
    __name__ = 'pharma.handover'
    start = StateView('pharma.handover.start',
        'pharma_hospital.handover_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Hand Over", 'handover', 'tryton-ok', default=True),
            ])
    handover = StateAction('pharma_hospital.act_handover_log_form')

    @classmethod
    def _handover_models(cls):
        """Models whose classmethod
        pharma_handover(from_employee, to_employee, parties, log)
        moves what is open on a transfer and returns [(record, text)]"""
        return []

    def do_handover(self, action):
        start = self.start
        parties = None
        if start.scope == 'parties':
            parties = list(start.parties)
        log = self.run(
            start.company, start.from_employee, start.to_employee,
            start.mode, scope=start.scope, territory=start.territory,
            parties=parties, end_date=start.end_date)
        action['domain'] = PYSONEncoder().encode([('id', '=', log.id)])
        action['views'].reverse()
        return action, {'res_id': [log.id]}

    @classmethod
    def scope_parties(cls, company, employee, scope='all', territory=None,
            parties=None):
        "Parties the employee covers now in the scope"
        pool = Pool()
        Coverage = pool.get('pharma.coverage')
        domain = [
            ('company', '=', company.id),
            ('employee', '=', employee.id),
            ('current', '=', True),
            ]
        if scope == 'territory' and territory:
            domain.append(['OR',
                    ('party.territory', 'child_of', [territory.id], 'parent'),
                    ('party.hospital.territory', 'child_of', [territory.id],
                        'parent'),
                    ])
        elif scope == 'parties':
            domain.append(('party', 'in', [p.id for p in parties or []]))
        # bypass: the hand-over moves the coverages of the leaving rep, which
        # the manager's rules may not show
        with Transaction().set_context(_check_access=False):
            return Coverage.search(domain, order=[('id', 'ASC')])

    @classmethod
    def check_employees(cls, from_employee, to_employee):
        pool = Pool()
        Employee = pool.get('company.employee')
        if from_employee == to_employee:
            raise HandoverError(gettext(
                    'pharma_hospital.msg_handover_same_employee',
                    employee=readable_name(from_employee)))
        to_employee = Employee(to_employee.id)
        if not to_employee.active:
            raise HandoverError(gettext(
                    'pharma_hospital.msg_handover_inactive_target',
                    employee=readable_name(to_employee)))
        if from_employee.company != to_employee.company:
            raise HandoverError(gettext(
                    'pharma_hospital.msg_handover_other_company',
                    employee=readable_name(to_employee)))

    @classmethod
    def run(cls, company, from_employee, to_employee, mode, scope='all',
            territory=None, parties=None, end_date=None):
        """Hand over the accounts of from_employee in the scope to
        to_employee and return the pharma.handover.log"""
        pool = Pool()
        Log = pool.get('pharma.handover.log')
        Date = pool.get('ir.date')
        today = Date.today()
        cls.check_employees(from_employee, to_employee)
        if mode == 'delegation' and (not end_date or end_date < today):
            raise HandoverError(gettext(
                    'pharma_hospital.msg_handover_delegation_end_date'))
        coverages = cls.scope_parties(
            company, from_employee, scope=scope, territory=territory,
            parties=parties)
        if mode == 'delegation':
            coverages = [c for c in coverages if c.role != 'delegate']
        if not coverages:
            raise HandoverError(gettext(
                    'pharma_hospital.msg_handover_nothing',
                    employee=readable_name(from_employee)))
        transaction = Transaction()
        # bypass: the hand-over log and its lines are written by the wizard
        # only
        with transaction.set_context(_check_access=False):
            log, = Log.create([{
                        'company': company.id,
                        'date': datetime.datetime.now(),
                        'user': transaction.user or None,
                        'from_employee': from_employee.id,
                        'to_employee': to_employee.id,
                        'mode': mode,
                        'end_date': end_date if mode == 'delegation' else None,
                        }])
            if mode == 'delegation':
                lines = cls._delegate(log, coverages, to_employee, end_date)
            else:
                lines = cls._transfer(log, coverages, to_employee)
                if scope in {'all', 'territory'}:
                    lines += cls._transfer_territories(
                        log, territory if scope == 'territory' else None)
                moved_parties = sorted({c.party for c in coverages},
                    key=lambda p: p.id)
                for model in cls._handover_models():
                    Model = pool.get(model)
                    for record, description in (Model.pharma_handover(
                                from_employee, to_employee, moved_parties,
                                log) or []):
                        party = getattr(record, 'party', None)
                        if getattr(party, '__name__', None) != 'party.party':
                            party = None
                        lines.append({
                                'party': party.id if party else None,
                                'record': str(record),
                                'description': description,
                                })
            if lines:
                LogLine = pool.get('pharma.handover.log.line')
                for line in lines:
                    line['log'] = log.id
                LogLine.create(lines)
        cls.notify_handover(log, {c.party for c in coverages})
        return log

    @classmethod
    def notify_handover(cls, log, parties):
        """Tell the users of both employees what changed hands (in their
        language, with the log to open); not the user who ran it"""
        runner = Transaction().user
        users = employee_users([log.from_employee.id, log.to_employee.id])
        if log.mode == 'delegation':
            text = 'pharma_hospital.msg_handover_delegated'
        else:
            text = 'pharma_hospital.msg_handover_transferred'
        notifications = []
        for employee, label in [
                (log.to_employee,
                    'pharma_hospital.msg_handover_received_label'),
                (log.from_employee,
                    'pharma_hospital.msg_handover_given_label')]:
            for user in users.get(employee.id, []):
                if user == runner:
                    continue
                notifications.append({
                        'user': user,
                        'label': Message(label, count=len(parties),
                            source=log.from_employee.rec_name,
                            target=log.to_employee.rec_name),
                        'description': Message(text,
                            count=len(parties),
                            source=log.from_employee.rec_name,
                            target=log.to_employee.rec_name,
                            end_date=log.end_date or ''),
                        'model': 'pharma.handover.log',
                        'record_ids': [log.id],
                        })
        notify_users(notifications)

    @classmethod
    def _delegate(cls, log, coverages, to_employee, end_date):
        pool = Pool()
        Coverage = pool.get('pharma.coverage')
        Date = pool.get('ir.date')
        today = Date.today()
        parties = {c.party for c in coverages}
        # Parties the target already covers stay as they are
        taken = {c.party for c in Coverage.search([
                    ('company', '=', log.company.id),
                    ('employee', '=', to_employee.id),
                    ('party', 'in', [p.id for p in parties]),
                    ('current', '=', True),
                    ])}
        to_create, lines = [], []
        for party in sorted(parties - taken, key=lambda p: p.id):
            to_create.append({
                    'company': log.company.id,
                    'employee': to_employee.id,
                    'party': party.id,
                    'role': 'delegate',
                    'start_date': today,
                    'end_date': end_date,
                    'handover': log.id,
                    })
        new = Coverage.create(to_create)
        for coverage in new:
            lines.append({
                    'party': coverage.party.id,
                    'record': str(coverage),
                    'description': gettext(
                        'pharma_hospital.msg_handover_line_delegated',
                        party=coverage.party.rec_name,
                        end_date=end_date),
                    })
        return lines

    @classmethod
    def _transfer_territories(cls, log, territory=None):
        """The target takes the source's place as representative (and
        manager) of the territories, in the subtree of territory if set"""
        pool = Pool()
        Territory = pool.get('pharma.territory')
        source, target = log.from_employee, log.to_employee
        domain = []
        if territory:
            domain.append(('parent', 'child_of', [territory.id]))
        lines, to_write = [], []
        for field in ['reps', 'manager']:
            territories = Territory.search(
                domain + [(field, '=', source.id)], order=[('id', 'ASC')])
            if not territories:
                continue
            if field == 'reps':
                values = {'reps': [
                        ('remove', [source.id]), ('add', [target.id])]}
            else:
                values = {'manager': target.id}
            to_write.extend([territories, values])
            for t in territories:
                lines.append({
                        'record': str(t),
                        'description': gettext(
                            'pharma_hospital.msg_handover_line_territory',
                            territory=t.rec_name,
                            field=Territory.fields_get(
                                [field])[field]['string']),
                        })
        if to_write:
            Territory.write(*to_write)
        return lines

    @classmethod
    def _transfer(cls, log, coverages, to_employee):
        """Close the coverages and give the target the same role from
        today; a coverage that starts today is moved as it is"""
        pool = Pool()
        Coverage = pool.get('pharma.coverage')
        Date = pool.get('ir.date')
        today = Date.today()
        parties = {c.party for c in coverages}
        existing = {}
        for coverage in Coverage.search([
                    ('company', '=', log.company.id),
                    ('employee', '=', to_employee.id),
                    ('party', 'in', [p.id for p in parties]),
                    ('current', '=', True),
                    ]):
            existing.setdefault(coverage.party, []).append(coverage)
        rank = {'primary': 0, 'secondary': 1, 'delegate': 2}
        to_close, to_move, to_create, lines = [], [], [], []
        for coverage in sorted(coverages,
                key=lambda c: (c.party.id, rank[c.role])):
            party = coverage.party
            role = coverage.role
            theirs = existing.get(party, [])
            if any(rank[c.role] <= rank[role] for c in theirs):
                # the target already covers the party with that role or a
                # better one: only the source's row ends
                description = 'msg_handover_line_closed'
                new_role = None
            else:
                # the target's weaker rows give way to the moved role
                to_close.extend(theirs)
                existing[party] = []
                description = 'msg_handover_line_transferred'
                new_role = role
            if coverage.start_date >= today and new_role:
                to_move.append(coverage)
                existing.setdefault(party, []).append(coverage)
            else:
                to_close.append(coverage)
                if new_role:
                    to_create.append({
                            'company': log.company.id,
                            'employee': to_employee.id,
                            'party': party.id,
                            'role': new_role,
                            'start_date': today,
                            'end_date': (coverage.end_date
                                if role == 'delegate' else None),
                            'handover': log.id,
                            })
            lines.append({
                    'party': party.id,
                    'record': str(coverage),
                    'description': gettext(
                        'pharma_hospital.' + description,
                        party=party.rec_name,
                        role=dict(Coverage.fields_get(['role'])['role'][
                                'selection'])[role]),
                    })
        if to_close:
            Coverage.close(to_close, date=today, handover=log)
        if to_move:
            Coverage.write(to_move, {
                    'employee': to_employee.id,
                    'handover': log.id,
                    })
        if to_create:
            Coverage.create(to_create)
        return lines


class Coverage(metaclass=PoolMeta):
    __name__ = 'pharma.coverage'
    delegation_ended = fields.Boolean("Delegation Ended", readonly=True,
        states={'invisible': Eval('role') != 'delegate'},
        help="The end of the delegation was notified.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        states = dict(cls.end_date.states or {})
        required = Eval('role') == 'delegate'
        if states.get('required'):
            required = required | states['required']
        states['required'] = required
        cls.end_date.states = states

    @classmethod
    def default_delegation_ended(cls):
        return False

    @classmethod
    def copy(cls, coverages, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('delegation_ended', False)
        return super().copy(coverages, default=default)

    @classmethod
    def validate_fields(cls, coverages, field_names):
        super().validate_fields(coverages, field_names)
        cls.check_delegate_end(coverages, field_names)

    @classmethod
    def check_delegate_end(cls, coverages, field_names=None):
        if field_names and not ({'role', 'end_date'} & field_names):
            return
        for coverage in coverages:
            if coverage.role == 'delegate' and not coverage.end_date:
                raise CoverageError(gettext(
                        'pharma_hospital.msg_coverage_delegate_end_date',
                        party=readable_name(coverage.party),
                        employee=readable_name(coverage.employee)))

    @classmethod
    def pharma_end_delegations(cls):
        """Daily: end the delegations whose end date has passed and tell
        the delegate and the owner"""
        pool = Pool()
        Date = pool.get('ir.date')
        Rule = pool.get('ir.rule')
        company = Transaction().context.get('company')
        if not company:
            return
        today = Date.today()
        # bypass: the cron ends the delegations of every rep
        with Transaction().set_context(_check_access=False):
            # a delegation without end date (older data) ends today
            open_ = cls.search([
                    ('company', '=', company),
                    ('role', '=', 'delegate'),
                    ('end_date', '=', None),
                    ])
            if open_:
                cls.write(open_, {'end_date': today})
            expired = cls.search([
                    ('company', '=', company),
                    ('role', '=', 'delegate'),
                    ('end_date', '<', today),
                    ('delegation_ended', '!=', True),
                    ], order=[('id', 'ASC')])
            if not expired:
                return
            parties = list({c.party for c in expired})
            owners = defaultdict(set)
            for coverage in cls.search([
                        ('company', '=', company),
                        ('party', 'in', [p.id for p in parties]),
                        ('role', '=', 'primary'),
                        ('current', '=', True),
                        ]):
                owners[coverage.party].add(coverage.employee.id)
            employees = {c.employee.id for c in expired}
            for ids in owners.values():
                employees |= ids
            users = employee_users(list(employees))
            by_user = defaultdict(set)
            for coverage in expired:
                for employee in ({coverage.employee.id}
                        | owners.get(coverage.party, set())):
                    for user in users.get(employee, []):
                        by_user[user].add(coverage)
            notifications = []
            for user, coverages in by_user.items():
                coverages = sorted(coverages, key=lambda c: c.id)
                # in the language of the recipient
                with Transaction().set_context(
                        language=user_language(user)):
                    notifications.append({
                            'user': user,
                            'label': gettext(
                                'pharma_hospital.msg_delegation_ended_label',
                                count=len(coverages)),
                            'description': ', '.join(
                                '%s: %s (%s)' % (c.employee.rec_name,
                                    c.party.rec_name, c.end_date)
                                for c in coverages[:10]),
                            'model': 'party.party',
                            'record_ids': list(
                                {c.party.id for c in coverages}),
                            })
            notify_users(notifications)
            cls.write(expired, {'delegation_ended': True})
        Rule._domain_get_cache.clear()
