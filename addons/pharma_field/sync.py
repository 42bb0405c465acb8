# This file is part of the pharma suite. See README.md for license terms.
"""The phone app's data: what a representative downloads (pull) and the
calls the phone sends back (push).  Both run as the logged-in user with
the record rules on: the phone never receives a record its user cannot
read, and a call is created by the same rules as in the web client."""
import datetime
import hashlib

from sql import Window
from sql.functions import RowNumber

from trytond.exceptions import UserError, UserWarning
from trytond.i18n import gettext
from trytond.model import Model
from trytond.modules.pharma_hospital.company_time import local_day, utc_start
from trytond.pool import Pool
from trytond.rpc import RPC
from trytond.tools import grouped_slice
from trytond import backend
from trytond.transaction import Transaction, without_check_access

from .call import CHECKIN_TYPES

MAX_IDS = backend.MAX_QUERY_PARAMS // 10
LAST_CALLS = 3
OVERDUE_DAYS = 30
# A phone may send calls it logged up to this long ago (a week offline
# and some margin)
MAX_AGE = datetime.timedelta(days=14)
CALL_TYPES = {'face_to_face', 'joint_visit', 'phone', 'online'}


def _parse_time(value):
    "An ISO time from the phone (UTC, 'Z' or offset) as a naive UTC datetime"
    if not value:
        return None
    if isinstance(value, datetime.datetime):
        result = value
    else:
        text = str(value).strip()
        if text.endswith('Z'):
            text = text[:-1] + '+00:00'
        result = datetime.datetime.fromisoformat(text)
    if result.tzinfo:
        result = result.astimezone(datetime.timezone.utc).replace(
            tzinfo=None)
    return result.replace(microsecond=0)


def _iso(value):
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.replace(microsecond=0).isoformat() + 'Z'
    return value.isoformat()


def version(call):
    """What the phone compares to see a change on the server: the stamp
    and what the plan fixes (a write in the same second still shows)"""
    stamp = call.write_date or call.create_date
    text = '|'.join(str(v) for v in [
            stamp.isoformat() if stamp else '', call.date, call.call_type,
            call.party.id, call.state, call.employee.id,
            call.joint_employee.id if call.joint_employee else ''])
    return hashlib.sha1(text.encode('utf-8')).hexdigest()[:16]


class SyncError(UserError):
    pass


class Sync(Model):
    "Phone App Sync"
    __name__ = 'pharma.field.sync'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__rpc__.update({
                'pull': RPC(readonly=True),
                'push': RPC(readonly=False),
                })

    # Download

    @classmethod
    def _employee(cls):
        pool = Pool()
        Employee = pool.get('company.employee')
        User = pool.get('res.user')
        context = Transaction().context
        employee = context.get('employee')
        if not employee:
            user = User(Transaction().user)
            employee = user.employee.id if user.employee else None
        if not employee:
            raise SyncError(gettext('pharma_field.msg_sync_no_employee'))
        return Employee(employee)

    @classmethod
    def _covered(cls, employee, today):
        "The ids of the parties the employee (and their team) cover today"
        pool = Pool()
        Coverage = pool.get('pharma.coverage')
        employees = [employee.id] + [
            e.id for e in getattr(employee, 'subordinates', None) or []]
        coverages = Coverage.search([
                ('employee', 'in', employees),
                ('start_date', '<=', today),
                ['OR', ('end_date', '=', None), ('end_date', '>=', today)],
                ])
        return {c.party.id for c in coverages}

    @classmethod
    def pull(cls):
        """All the phone needs for a week offline, as plain JSON: the
        covered doctors and hospitals, our products, the planned calls of
        this and next week and the overdue ones, the last calls per
        doctor, the quick phrases and the check-in settings"""
        pool = Pool()
        Party = pool.get('party.party')
        Call = pool.get('pharma.call')
        Product = pool.get('product.product')
        Configuration = pool.get('pharma.configuration')
        Date = pool.get('ir.date')
        User = pool.get('res.user')
        transaction = Transaction()
        user = User(transaction.user)
        employee = cls._employee()
        company = employee.company
        today = Date.today()
        covered = cls._covered(employee, today)

        # Doctors and hospitals: searched, so the record rules apply
        doctors, hospital_ids = [], set()
        for sub in grouped_slice(list(covered), MAX_IDS):
            for party in Party.search([('id', 'in', list(sub))],
                    order=[('id', 'ASC')]):
                if party.pharma_type == 'doctor':
                    doctors.append(party)
                    if party.hospital:
                        hospital_ids.add(party.hospital.id)
                elif party.pharma_type == 'hospital':
                    hospital_ids.add(party.id)
        doctor_fields = ['name', 'pinyin', 'pinyin_initials', 'hospital',
            'department.name', 'doctor_tier', 'doctor_title:string',
            'doctor_position:string', 'therapeutic_areas', 'kol_level',
            'best_visit_time', 'consent_status']
        doctor_fields = [f for f in doctor_fields
            if f.split('.')[0].split(':')[0] in Party._fields]
        doctor_rows = Party.read([d.id for d in doctors], doctor_fields)
        hospitals = []
        for sub in grouped_slice(list(hospital_ids), MAX_IDS):
            hospitals.extend(Party.search([('id', 'in', list(sub))]))
        hospital_rows = []
        for hospital in hospitals:
            point = hospital.wgs84
            hospital_rows.append({
                    'id': hospital.id,
                    'name': hospital.name,
                    'pinyin': hospital.pinyin,
                    'initials': hospital.pinyin_initials,
                    'lat': point[0] if point else None,
                    'lng': point[1] if point else None,
                    })
        hospital_names = {h.id: h.name for h in hospitals}
        doctor_ids = [d.id for d in doctors]
        doctor_data = []
        for row in doctor_rows:
            department = row.get('department.')
            doctor_data.append({
                    'id': row['id'],
                    'name': row['name'],
                    'pinyin': row.get('pinyin') or '',
                    'initials': row.get('pinyin_initials') or '',
                    'hospital': row.get('hospital'),
                    'hospital_name': hospital_names.get(row.get('hospital'),
                        ''),
                    'department': department['name'] if department else '',
                    'tier': row.get('doctor_tier'),
                    'title': row.get('doctor_title:string') or '',
                    'position': row.get('doctor_position:string') or '',
                    'areas': row.get('therapeutic_areas') or [],
                    'kol': row.get('kol_level'),
                    'best_time': row.get('best_visit_time') or '',
                    })

        # Products we detail (ours: no manufacturer or the company's party)
        products = Product.search([
                ('template.is_pharma', '=', True),
                ['OR',
                    ('template.manufacturer', '=', None),
                    ('template.manufacturer', '=', company.party.id)],
                ], order=[('id', 'ASC')])
        product_data = [{
                'id': p.id,
                'name': p.rec_name,
                'area': (p.template.therapeutic_area.id
                    if p.template.therapeutic_area else None),
                } for p in products]

        # Planned calls: this and next week, and the overdue ones
        monday = today - datetime.timedelta(days=today.weekday())
        employees = [employee.id]
        planned = Call.search([
                ['OR',
                    ('employee', 'in', employees),
                    ('joint_employee', 'in', employees)],
                ('state', '=', 'planned'),
                ('date', '>=', utc_start(
                        today - datetime.timedelta(days=OVERDUE_DAYS))),
                ('date', '<', utc_start(
                        monday + datetime.timedelta(days=14))),
                ], order=[('date', 'ASC'), ('id', 'ASC')])
        followups = Call.search([
                ('employee', 'in', employees),
                ('state', '=', 'planned'),
                ('followup_of', '!=', None),
                ('party', 'in', doctor_ids),
                ('id', 'not in', [c.id for c in planned]),
                ], order=[('date', 'ASC')])
        # only on the doctors (and hospitals) the phone has: a doctor no
        # longer covered leaves with its plans
        known = set(doctor_ids) | hospital_ids
        plan_data = [cls._plan_values(c, employee)
            for c in planned + followups if c.party.id in known]

        # The last calls per doctor: one window query, then read through
        # the rules
        last = cls._last_call_ids(doctor_ids)
        call_data = []
        for sub in grouped_slice(last, MAX_IDS):
            for call in Call.search([('id', 'in', list(sub))]):
                call_data.append(cls._call_values(call))

        config = Configuration.get_config(company.id)
        supervisor = employee.supervisor
        return {
            'server_time': _iso(datetime.datetime.now()),
            'today': today.isoformat(),
            'user': {
                'id': user.id,
                'login': user.login,
                'name': user.name,
                'employee': employee.id,
                'employee_name': employee.rec_name,
                'company': company.rec_name,
                'supervisor': supervisor.id if supervisor else None,
                'supervisor_name': supervisor.rec_name if supervisor else '',
                },
            'config': {
                'radius': config.checkin_radius,
                'clock_tolerance': config.checkin_clock_tolerance,
                'max_speed': config.checkin_max_speed,
                },
            'phrases': [p.text for p in config.field_phrases if p.active],
            'doctors': doctor_data,
            'hospitals': hospital_rows,
            'products': product_data,
            'plans': plan_data,
            'calls': call_data,
            }

    @classmethod
    def _last_call_ids(cls, doctor_ids):
        pool = Pool()
        Call = pool.get('pharma.call')
        call = Call.__table__()
        cursor = Transaction().connection.cursor()
        result = []
        for sub in grouped_slice(doctor_ids, MAX_IDS):
            ranked = call.select(call.id,
                RowNumber(window=Window([call.party],
                        order_by=[call.date.desc, call.id.desc])).as_('rank'),
                where=call.party.in_(list(sub)) & (call.state == 'done'))
            cursor.execute(*ranked.select(ranked.id,
                    where=ranked.rank <= LAST_CALLS))
            result.extend(i for i, in cursor)
        return result

    @classmethod
    def _plan_values(cls, call, employee=None):
        return {
            'id': call.id,
            'party': call.party.id,
            'party_name': call.party.rec_name,
            'hospital': call.hospital.id if call.hospital else None,
            'date': _iso(call.date),
            'day': local_day(call.date).isoformat(),
            'call_type': call.call_type,
            'followup': bool(call.followup_of),
            'next_step': call.next_step or '',
            'products': [l.product.id for l in call.products],
            'version': version(call),
            'own': call.employee == (employee or cls._employee()),
            }

    @classmethod
    def _call_values(cls, call):
        return {
            'id': call.id,
            'party': call.party.id,
            'date': _iso(call.date),
            'call_type': call.call_type,
            'employee': call.employee.rec_name,
            'products': [l.product.id for l in call.products],
            'feedback': '；'.join(l.feedback for l in call.products
                if l.feedback),
            'next_step': call.next_step or '',
            'client_id': call.client_id,
            }

    # Upload

    @classmethod
    def push(cls, items, sent_at=None):
        """Create the calls the phone logged; items are dicts (see
        _push_one).  Each item is done or refused alone (a savepoint), so
        a refused call does not stop the others; an item already created
        (same client_id) is reported, never created twice.  Returns one
        result per item: {client_id, status: created|exists|conflict|
        refused, call, message, server}"""
        transaction = Transaction()
        received = datetime.datetime.now()
        try:
            phone_now = _parse_time(sent_at) or received
        except ValueError:
            phone_now = received
        offset = (received - phone_now).total_seconds()
        cursor = transaction.connection.cursor()
        results = []
        # read once for the queue, not per call
        config = Pool().get('pharma.configuration').get_config(
            cls._employee().company.id)
        for index, item in enumerate(items or []):
            if not isinstance(item, dict):
                raise SyncError(gettext('pharma_field.msg_sync_bad_item',
                        index=index + 1))
            cursor.execute('SAVEPOINT pharma_field_item')
            try:
                result = cls._push_one(item, offset, received, config)
            except (UserError, UserWarning) as exception:
                cursor.execute('ROLLBACK TO SAVEPOINT pharma_field_item')
                cls._reset_cache()
                result = {
                    'client_id': item.get('client_id'),
                    'status': 'refused',
                    'message': exception.message,
                    }
            except backend.DatabaseIntegrityError:
                # the same call sent at the same time by another request
                cursor.execute('ROLLBACK TO SAVEPOINT pharma_field_item')
                cls._reset_cache()
                result = cls._existing(item)
                if result is None:
                    raise
            if result['status'] == 'conflict':
                cursor.execute('ROLLBACK TO SAVEPOINT pharma_field_item')
                cls._reset_cache()
            cursor.execute('RELEASE SAVEPOINT pharma_field_item')
            results.append(result)
        return results

    @classmethod
    def _reset_cache(cls):
        for cache in Transaction().cache.values():
            cache.clear()

    @classmethod
    def _existing(cls, item):
        pool = Pool()
        Call = pool.get('pharma.call')
        client_id = item.get('client_id')
        # the code checks whether the call exists, whoever may read it
        # bypass: idempotence: the code checks whether the call exists, whoever may read it
        with without_check_access():
            calls = Call.search([('client_id', '=', client_id)], limit=1)
        if not calls:
            return None
        call, = calls
        # the phone's own call is one its user reads (as planned calls
        # completed on the phone, entered by the manager)
        if not Call.search([('id', '=', call.id)]):
            raise SyncError(gettext('pharma_field.msg_sync_client_id_taken'))
        return {
            'client_id': client_id,
            'status': 'exists',
            'call': call.id,
            }

    @classmethod
    def _push_one(cls, item, clock_offset, received, config=None):
        """item: client_id, party, date (ISO UTC), call_type,
        joint_employee, products [ids], feedback, next_step,
        followup_date (ISO date), samples [{product, quantity}], plan
        (planned call id) and plan_version, checkin ({lat, lng, accuracy,
        time} or None), resolution (None, 'force': complete the plan as
        it is now, 'new': log it apart from the plan)"""
        pool = Pool()
        Call = pool.get('pharma.call')
        Party = pool.get('party.party')
        client_id = item.get('client_id')
        if (not isinstance(client_id, str) or not 8 <= len(client_id) <= 64):
            raise SyncError(gettext('pharma_field.msg_sync_no_client_id'))
        existing = cls._existing(item)
        if existing:
            return existing
        employee = cls._employee()
        try:
            date = _parse_time(item.get('date'))
            party_id = int(item.get('party'))
        except (TypeError, ValueError):
            date = party_id = None
        if not date or not party_id:
            raise SyncError(gettext('pharma_field.msg_sync_bad_call'))
        # the phone's time, put on the server's clock
        date = date + datetime.timedelta(seconds=clock_offset)
        date = min(date, received)
        if date < received - MAX_AGE:
            raise SyncError(gettext('pharma_field.msg_sync_too_old',
                    days=MAX_AGE.days))
        parties = Party.search([('id', '=', party_id)])
        if not parties:
            # no name: the user may not read it
            raise SyncError(gettext('pharma_field.msg_sync_party_hidden'))
        party, = parties
        call_type = item.get('call_type') or 'face_to_face'
        if call_type not in CALL_TYPES:
            call_type = 'face_to_face'
        lines = []
        feedback = (item.get('feedback') or '').strip()
        product_ids = [int(p) for p in item.get('products') or []]
        for product in product_ids:
            line = {'product': product}
            if feedback:
                line['feedback'] = feedback
            lines.append(line)
        followup_date = None
        if item.get('followup_date'):
            followup_date = datetime.date.fromisoformat(
                str(item['followup_date'])[:10])
        values = {
            'date': date,
            'call_type': call_type,
            'joint_employee': (int(item['joint_employee'])
                if call_type == 'joint_visit' and item.get('joint_employee')
                else None),
            'next_step': (item.get('next_step') or '').strip() or None,
            'followup_date': followup_date,
            'products': [('create', lines)],
            }
        samples = [{
                'product': int(s['product']),
                'quantity': float(s['quantity']),
                } for s in item.get('samples') or []
            if s.get('product') and s.get('quantity')]
        if samples:
            values['samples'] = [('create', samples)]

        planned = None
        if item.get('plan') and item.get('resolution') != 'new':
            planned = cls._check_plan(item, party)
            if isinstance(planned, dict):
                return planned
        if planned:
            # the visit of the plan: completed, not added (what the plan
            # fixed changes once the call is done, as the log wizard does)
            plan_date = values.pop('date')
            plan_type = values.pop('call_type')
            # the plan's product lines: kept (with the feedback), added or
            # removed as the rep detailed them
            existing = {l.product.id: l for l in planned.products}
            actions = []
            kept = [existing[p].id for p in product_ids if p in existing]
            if kept and feedback:
                actions.append(('write', kept, {'feedback': feedback}))
            new = [l for l in lines if l['product'] not in existing]
            if new:
                actions.append(('create', new))
            removed = [l.id for p, l in existing.items()
                if p not in product_ids]
            if removed:
                actions.append(('delete', removed))
            values['products'] = actions
            Call.write([planned], values)
            Call.do([planned])
            Call.write([planned], {'date': plan_date, 'call_type': plan_type})
            call = planned
            # bypass: the sync records server-written evidence on the call just saved
            with without_check_access():
                # the phone's id, set once by the code
                Call.write([call], {'client_id': client_id})
        else:
            values.update({
                    'company': employee.company.id,
                    'employee': employee.id,
                    'party': party.id,
                    'client_id': client_id,
                    })
            call, = Call.create([values])
            Call.do([call])
        fix = cls._fix(item.get('checkin'), clock_offset)
        call = Call(call.id)
        Call.record_checkin(call, fix, clock_offset, received=received,
            config=config)
        return {
            'client_id': client_id,
            'status': 'created',
            'call': call.id,
            'flagged': bool(Call(call.id).checkin_flagged),
            }

    @classmethod
    def _fix(cls, checkin, clock_offset):
        if not isinstance(checkin, dict):
            return None
        try:
            lat, lng = float(checkin['lat']), float(checkin['lng'])
        except (KeyError, TypeError, ValueError):
            return None
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            return None
        try:
            accuracy = float(checkin.get('accuracy'))
        except (TypeError, ValueError):
            accuracy = None
        try:
            time = _parse_time(checkin.get('time'))
        except ValueError:
            time = None
        return {'lat': lat, 'lng': lng, 'accuracy': accuracy, 'time': time}

    @classmethod
    def _check_plan(cls, item, party):
        """The planned call the item completes, or a conflict result when
        the manager changed or cancelled it since the phone downloaded it"""
        pool = Pool()
        Call = pool.get('pharma.call')
        client_id = item['client_id']
        try:
            plan_id = int(item['plan'])
        except (TypeError, ValueError):
            plan_id = -1
        calls = Call.search([('id', '=', plan_id)])
        if not calls:
            return {'client_id': client_id, 'status': 'conflict',
                'reason': 'deleted',
                'message': gettext('pharma_field.msg_sync_plan_deleted')}
        planned, = calls
        server = cls._plan_values(planned)
        server['state'] = planned.state
        server['cancel_reason'] = planned.cancel_reason
        if planned.party != party:
            return {'client_id': client_id, 'status': 'conflict',
                'reason': 'changed', 'server': server,
                'message': gettext('pharma_field.msg_sync_plan_changed')}
        if planned.state != 'planned':
            return {'client_id': client_id, 'status': 'conflict',
                'reason': planned.state, 'server': server,
                'message': gettext('pharma_field.msg_sync_plan_%s'
                    % planned.state)}
        if (item.get('resolution') != 'force'
                and item.get('plan_version') != version(planned)):
            return {'client_id': client_id, 'status': 'conflict',
                'reason': 'changed', 'server': server,
                'message': gettext('pharma_field.msg_sync_plan_changed')}
        return planned
