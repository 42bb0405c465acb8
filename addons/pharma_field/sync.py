# This file is part of the pharma suite. See README.md for license terms.
"""The phone app's data: what a representative downloads (pull) and the
calls the phone sends back (push).  Both run as the logged-in user with
the record rules on: the phone never receives a record its user cannot
read, and a call is created by the same rules as in the web client."""
import base64
import datetime
import hashlib
import json

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
# the doctors of a page of the download (the phone asks the next page with
# the cursor)
PAGE_SIZE = 200
MAX_PAGE_SIZE = 1000
# the next sync asks what changed since a little before the last one
# started (transactions still running then)
OVERLAP = datetime.timedelta(seconds=60)
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


def _encode_cursor(state):
    "The opaque cursor the phone sends back to ask the next page or sync"
    text = json.dumps(state, separators=(',', ':'), sort_keys=True)
    return base64.urlsafe_b64encode(text.encode('utf-8')).decode('ascii')


def _decode_cursor(cursor):
    "The cursor's state, or None (a first download) when unreadable"
    if not cursor or not isinstance(cursor, str):
        return None
    try:
        state = json.loads(base64.urlsafe_b64decode(
                cursor.encode('ascii')).decode('utf-8'))
    except (ValueError, UnicodeError):
        return None
    return state if isinstance(state, dict) else None


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
        "The user's employee: the context's only when it is one of theirs"
        pool = Pool()
        Employee = pool.get('company.employee')
        User = pool.get('res.user')
        transaction = Transaction()
        employee = transaction.context.get('employee')
        # the user's own employees, whatever the context says
        with transaction.reset_context():
            user = User(transaction.user)
            employees = {e.id for e in user.employees}
            if employee not in employees:
                employee = user.employee.id if user.employee else None
        if not employee:
            raise SyncError(gettext('pharma_field.msg_sync_no_employee'))
        return Employee(employee)

    @classmethod
    def _covered(cls, employee, today):
        "The ids of the parties the employee (and their team) cover today"
        pool = Pool()
        Coverage = pool.get('pharma.coverage')
        coverages = Coverage.search([
                ('employee', 'in', cls._team(employee)),
                Coverage.valid_domain(today),
                ])
        return {c.party.id for c in coverages}

    @classmethod
    def _team(cls, employee):
        return [employee.id] + [
            e.id for e in getattr(employee, 'subordinates', None) or []]

    @classmethod
    def pull(cls, cursor=None, page_size=None):
        """What the phone needs for a week offline, as plain JSON, in
        pages.  Without a cursor, the first download: the covered doctors
        in pages of page_size (by id), each page with the last calls of
        its doctors; with the cursor of the previous sync (its write
        dates): only the doctors changed or newly covered since, the last
        calls of the doctors whose calls changed, and the removed doctors
        (no longer covered: coverage ended or handed over, deactivated,
        no longer readable).  The first page of each download also
        carries the small sets in full (user, check-in settings, quick
        phrases, hospitals, products, the planned calls of this and next
        week and the overdue ones).  Everything is searched and read as
        the user, with the record rules.

        Returns {full, first, more, cursor, doctors, calls, call_doctors
        (the doctors whose last calls are the ones given), removed
        {doctors}, doctor_count (on the last page: the doctors the phone
        must hold, else it downloads all again), ...}"""
        pool = Pool()
        Date = pool.get('ir.date')
        User = pool.get('res.user')
        transaction = Transaction()
        user = User(transaction.user)
        employee = cls._employee()
        today = Date.today()
        now = datetime.datetime.now().replace(microsecond=0)
        state = _decode_cursor(cursor)
        if (not state or state.get('u') != user.id
                or state.get('e') != employee.id):
            state = {'u': user.id, 'e': employee.id, 'since': None}
        try:
            since = _parse_time(state.get('since'))
            after = int(state.get('after') or 0)
            start = _parse_time(state.get('start')) if after else None
        except (TypeError, ValueError):
            since, after, start = None, 0, None
        first = not after
        start = start or now
        state['start'] = _iso(start)
        full = since is None
        size = max(1, min(int(page_size or PAGE_SIZE), MAX_PAGE_SIZE))

        covered = cls._covered(employee, today)
        doctors, hospital_ids = cls._readable(covered)
        if full:
            candidates = sorted(doctors)
        else:
            candidates = sorted(cls._changed_doctors(
                    employee, doctors, since))
        page = [i for i in candidates if i > after][:size]
        more = len([i for i in candidates if i > after]) > size

        result = {
            'server_time': _iso(datetime.datetime.now()),
            'today': today.isoformat(),
            'full': full,
            'first': first,
            'more': more,
            }
        hospital_names = None
        if first:
            result.update(cls._pull_small(user, employee, today,
                    hospital_ids | {d['hospital'] for d in doctors.values()
                        if d['hospital']}, set(doctors)))
            hospital_names = {h['id']: h['name']
                for h in result['hospitals']}
        result['doctors'] = cls._doctor_values(page, hospital_names)

        call_doctors = list(page)
        if first and not full:
            changed = cls._changed_call_doctors(doctors, since)
            call_doctors = sorted(set(call_doctors) | changed)
            result['removed'] = {
                'doctors': sorted(cls._removed_doctors(
                        employee, covered, doctors, hospital_ids, since)),
                }
        result['call_doctors'] = call_doctors
        result['calls'] = cls._last_calls(call_doctors)

        if more:
            state['after'] = page[-1]
        else:
            # the next sync asks what changed since this one started (a
            # margin for the transactions still running then)
            state = {'u': user.id, 'e': employee.id,
                'since': _iso(start - OVERLAP)}
            result['doctor_count'] = len(doctors)
        result['cursor'] = _encode_cursor(state)
        return result

    @classmethod
    def _readable(cls, covered):
        """({doctor id: {hospital, stamp}}, hospital ids) of the covered
        parties the user reads"""
        pool = Pool()
        Party = pool.get('party.party')
        doctors, hospitals = {}, set()
        for sub in grouped_slice(list(covered), MAX_IDS):
            for row in Party.search_read([('id', 'in', list(sub))],
                    fields_names=['pharma_type', 'hospital', 'write_date',
                        'create_date']):
                if row['pharma_type'] == 'doctor':
                    doctors[row['id']] = {
                        'hospital': row['hospital'],
                        'stamp': row['write_date'] or row['create_date'],
                        }
                elif row['pharma_type'] == 'hospital':
                    hospitals.add(row['id'])
        return doctors, hospitals

    @classmethod
    def _changed_doctors(cls, employee, doctors, since):
        "The doctors changed or newly covered since"
        pool = Pool()
        Coverage = pool.get('pharma.coverage')
        changed = {i for i, d in doctors.items()
            if d['stamp'] and d['stamp'] >= since}
        coverages = Coverage.search([
                ('employee', 'in', cls._team(employee)),
                ['OR',
                    ('create_date', '>=', since),
                    ('write_date', '>=', since)],
                ])
        changed.update(c.party.id for c in coverages
            if c.party.id in doctors)
        return changed

    @classmethod
    def _removed_doctors(cls, employee, covered, doctors, hospitals, since):
        """The doctors the phone may hold that it must drop: covered until
        lately (coverage ended, handed over or changed since) or covered
        but no longer read (deactivated, out of the rules)"""
        pool = Pool()
        Coverage = pool.get('pharma.coverage')
        day = local_day(since) - datetime.timedelta(days=1)
        coverages = Coverage.search([
                ('employee', 'in', cls._team(employee)),
                ['OR',
                    ('end_date', '>=', day),
                    ('create_date', '>=', since),
                    ('write_date', '>=', since)],
                ])
        parties = {c.party.id for c in coverages} | set(covered)
        return parties - set(doctors) - hospitals

    @classmethod
    def _changed_call_doctors(cls, doctors, since):
        "The doctors whose calls changed since (done, cancelled, new)"
        pool = Pool()
        Call = pool.get('pharma.call')
        result = set()
        for sub in grouped_slice(list(doctors), MAX_IDS):
            for row in Call.search_read([
                        ('party', 'in', list(sub)),
                        ['OR',
                            ('create_date', '>=', since),
                            ('write_date', '>=', since)],
                        ], fields_names=['party']):
                result.add(row['party'])
        return result

    @classmethod
    def _doctor_values(cls, ids, hospital_names=None):
        pool = Pool()
        Party = pool.get('party.party')
        if not ids:
            return []
        doctor_fields = ['name', 'pinyin', 'pinyin_initials', 'hospital',
            'department.name', 'doctor_tier',
            'doctor_title:string', 'doctor_position:string',
            'therapeutic_areas', 'kol_level', 'best_visit_time']
        doctor_fields = [f for f in doctor_fields
            if f.split('.')[0].split(':')[0] in Party._fields]
        rows = []
        for sub in grouped_slice(ids, MAX_IDS):
            rows.extend(Party.read(list(sub), doctor_fields))
        if hospital_names is None:
            # the names of the hospitals the user reads
            hospital_names = {}
            hospital_ids = list({r['hospital'] for r in rows
                    if r.get('hospital')})
            for sub in grouped_slice(hospital_ids, MAX_IDS):
                hospital_names.update((r['id'], r['name'])
                    for r in Party.search_read([('id', 'in', list(sub))],
                        fields_names=['name']))
        result = []
        for row in sorted(rows, key=lambda r: r['id']):
            department = row.get('department.')
            result.append({
                    'id': row['id'],
                    'name': row['name'],
                    'pinyin': row.get('pinyin') or '',
                    'initials': row.get('pinyin_initials') or '',
                    'hospital': row.get('hospital'),
                    'hospital_name': hospital_names.get(
                        row.get('hospital'), ''),
                    'department': department['name'] if department else '',
                    'tier': row.get('doctor_tier'),
                    'title': row.get('doctor_title:string') or '',
                    'position': row.get('doctor_position:string') or '',
                    'areas': row.get('therapeutic_areas') or [],
                    'kol': row.get('kol_level'),
                    'best_time': row.get('best_visit_time') or '',
                    })
        return result

    @classmethod
    def _pull_small(cls, user, employee, today, hospital_ids, doctor_ids):
        """The small sets sent in full on the first page: user, settings,
        phrases, hospitals, products and plans"""
        pool = Pool()
        Party = pool.get('party.party')
        Call = pool.get('pharma.call')
        Product = pool.get('product.product')
        Configuration = pool.get('pharma.configuration')
        company = employee.company
        hospitals = []
        for sub in grouped_slice(list(hospital_ids), MAX_IDS):
            hospitals.extend(Party.search([('id', 'in', list(sub))],
                    order=[('id', 'ASC')]))
        hospital_rows = [cls._hospital_values(h) for h in hospitals]

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
        followups = []
        for sub in grouped_slice(list(doctor_ids), MAX_IDS):
            followups.extend(Call.search([
                        ('employee', 'in', employees),
                        ('state', '=', 'planned'),
                        ('followup_of', '!=', None),
                        ('party', 'in', list(sub)),
                        ('id', 'not in', [c.id for c in planned]),
                        ], order=[('date', 'ASC')]))
        followups.sort(key=lambda c: (c.date, c.id))
        # only on the doctors (and hospitals) the phone has: a doctor no
        # longer covered leaves with its plans
        known = set(doctor_ids) | set(h.id for h in hospitals)
        plan_data = [cls._plan_values(c, employee)
            for c in planned + followups if c.party.id in known]

        config = Configuration.get_config(company.id)
        supervisor = employee.supervisor
        return {
            'user': {
                'id': user.id,
                'login': user.login,
                'name': user.name,
                'employee': employee.id,
                'employee_name': employee.rec_name,
                'company': company.rec_name,
                'supervisor': supervisor.id if supervisor else None,
                'supervisor_name': supervisor.rec_name if supervisor else '',
                # shown to the hospitals' reception (备案号)
                'registration': employee.rep_registration_number or '',
                'registered': employee.is_registered_rep(),
                },
            'config': {
                'radius': config.checkin_radius,
                'clock_tolerance': config.checkin_clock_tolerance,
                'max_speed': config.checkin_max_speed,
                },
            'phrases': [p.text for p in config.field_phrases if p.active],
            'hospitals': hospital_rows,
            'products': product_data,
            'plans': plan_data,
            }

    @classmethod
    def _hospital_values(cls, hospital):
        """The values of a hospital for the phone; other modules add
        theirs (e.g. its reception rule)"""
        point = hospital.wgs84
        return {
            'id': hospital.id,
            'name': hospital.name,
            'pinyin': hospital.pinyin,
            'initials': hospital.pinyin_initials,
            'lat': point[0] if point else None,
            'lng': point[1] if point else None,
            }

    @classmethod
    def _last_calls(cls, doctor_ids):
        """The last calls of the doctors, read as the user in a few
        queries (the calls, then their product lines)"""
        pool = Pool()
        Call = pool.get('pharma.call')
        Line = pool.get('pharma.call.product')
        ids = cls._last_call_ids(doctor_ids)
        rows = []
        for sub in grouped_slice(ids, MAX_IDS):
            rows.extend(Call.search_read([('id', 'in', list(sub))],
                    fields_names=['party', 'date', 'call_type',
                        'employee.rec_name', 'products', 'next_step',
                        'client_id']))
        line_ids = [l for r in rows for l in r['products']]
        lines = {}
        for sub in grouped_slice(line_ids, MAX_IDS):
            lines.update((l['id'], l) for l in Line.read(list(sub),
                    ['product', 'feedback']))
        result = []
        for row in sorted(rows, key=lambda r: (r['party'], r['date'])):
            products = [lines[l] for l in row['products'] if l in lines]
            result.append({
                    'id': row['id'],
                    'party': row['party'],
                    'date': _iso(row['date']),
                    'call_type': row['call_type'],
                    'employee': (row.get('employee.') or {}).get(
                        'rec_name', ''),
                    'products': [l['product'] for l in products],
                    'feedback': '；'.join(l['feedback'] for l in products
                        if l['feedback']),
                    'next_step': row['next_step'] or '',
                    'client_id': row['client_id'],
                    })
        return result

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

    # Upload

    @classmethod
    def push(cls, items, sent_at=None):
        """Create the calls the phone logged; items are dicts (see
        _prepare).  The queue is checked first without writing (its shape,
        the calls already there by their client_id, the doctors the user
        reads, the plans the manager changed), then the calls are created,
        completed and checked in together in one batch (one create, one
        do, one write of the evidence).  When the batch is refused (the
        rules on calls: rep registration, samples on hand, compliance),
        each call of the batch is done or refused alone (a savepoint), so
        a refused call does not stop the others and stays in the phone's
        queue with its reason.  An item already created (same client_id)
        is reported, never created twice.  Returns one result per item:
        {client_id, status: created|exists|conflict|refused, call,
        message, server}"""
        pool = Pool()
        Party = pool.get('party.party')
        received = datetime.datetime.now()
        try:
            phone_now = _parse_time(sent_at) or received
        except ValueError:
            phone_now = received
        offset = (received - phone_now).total_seconds()
        items = list(items or [])
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise SyncError(gettext('pharma_field.msg_sync_bad_item',
                        index=index + 1))
        employee = cls._employee()
        # read once for the queue, not per call
        config = pool.get('pharma.configuration').get_config(
            employee.company.id)
        results = [None] * len(items)

        # 1. the calls already there (a queue sent again or cut)
        client_ids = [i.get('client_id') for i in items
            if isinstance(i.get('client_id'), str)]
        existing = cls._existing_many(client_ids)
        # 2. the doctors the user reads, in one search per slice
        party_ids = set()
        for item in items:
            try:
                party_ids.add(int(item.get('party')))
            except (TypeError, ValueError):
                pass
        parties = {}
        for sub in grouped_slice(list(party_ids), MAX_IDS):
            parties.update((p.id, p) for p in Party.search(
                    [('id', 'in', list(sub))]))
        # 3. each item checked without writing: a job or a result
        jobs, later, seen, plans = [], [], set(), set()
        for index, item in enumerate(items):
            client_id = item.get('client_id')
            try:
                if client_id in existing:
                    result = existing[client_id]
                    if isinstance(result, Exception):
                        raise result
                    results[index] = dict(result, client_id=client_id)
                    continue
                if client_id in seen:
                    # twice in the queue: created once, then found
                    later.append((index, item))
                    continue
                job = cls._prepare(item, offset, received, employee,
                    parties=parties)
            except (UserError, UserWarning) as exception:
                results[index] = cls._refused(item, exception)
                continue
            if isinstance(job, dict) and 'status' in job:
                results[index] = job
                continue
            seen.add(client_id)
            if job['planned']:
                if job['planned'].id in plans:
                    # the same plan twice: the second meets it done
                    later.append((index, item))
                    continue
                plans.add(job['planned'].id)
            jobs.append((index, job))

        # 4. the batch, else each call alone
        if jobs:
            transaction = Transaction()
            cursor = transaction.connection.cursor()
            cursor.execute('SAVEPOINT pharma_field_batch')
            try:
                done = cls._apply([j for _, j in jobs], offset, received,
                    config)
            except (UserError, UserWarning, backend.DatabaseIntegrityError):
                cursor.execute('ROLLBACK TO SAVEPOINT pharma_field_batch')
                cls._reset_cache()
                later = [(i, j['item']) for i, j in jobs] + later
            else:
                for (index, _), result in zip(jobs, done):
                    results[index] = result
            cursor.execute('RELEASE SAVEPOINT pharma_field_batch')
        for index, item in sorted(later, key=lambda x: x[0]):
            results[index] = cls._push_alone(item, offset, received, config)
        return results

    @classmethod
    def _refused(cls, item, exception):
        return {
            'client_id': item.get('client_id'),
            'status': 'refused',
            'message': exception.message,
            }

    @classmethod
    def _push_alone(cls, item, offset, received, config):
        "One item in its savepoint: created, found, refused or a conflict"
        cursor = Transaction().connection.cursor()
        cursor.execute('SAVEPOINT pharma_field_item')
        try:
            result = cls._push_one(item, offset, received, config)
        except (UserError, UserWarning) as exception:
            cursor.execute('ROLLBACK TO SAVEPOINT pharma_field_item')
            cls._reset_cache()
            result = cls._refused(item, exception)
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
        return result

    @classmethod
    def _reset_cache(cls):
        for cache in Transaction().cache.values():
            cache.clear()

    @classmethod
    def _existing_many(cls, client_ids):
        """{client_id: {status: exists, call}} of the calls already
        created, or the error when the id is taken by a call the user
        cannot read"""
        pool = Pool()
        Call = pool.get('pharma.call')
        found = {}
        for sub in grouped_slice(list(set(client_ids)), MAX_IDS):
            # the code checks whether the calls exist, whoever may read them
            # bypass: idempotence: the code checks whether the call exists, whoever may read it
            with without_check_access():
                calls = Call.search([('client_id', 'in', list(sub))])
            found.update((c.id, c.client_id) for c in calls)
        readable = set()
        for sub in grouped_slice(list(found), MAX_IDS):
            readable.update(c.id for c in Call.search(
                    [('id', 'in', list(sub))]))
        result = {}
        for call_id, client_id in found.items():
            if call_id in readable:
                result[client_id] = {'status': 'exists', 'call': call_id}
            else:
                result[client_id] = SyncError(gettext(
                        'pharma_field.msg_sync_client_id_taken'))
        return result

    @classmethod
    def _existing(cls, item):
        client_id = item.get('client_id')
        result = cls._existing_many([client_id]).get(client_id)
        if result is None:
            return None
        if isinstance(result, Exception):
            # the phone's own call is one its user reads (as planned calls
            # completed on the phone, entered by the manager)
            raise result
        return dict(result, client_id=client_id)

    @classmethod
    def _push_one(cls, item, clock_offset, received, config=None):
        "One item alone (see _prepare)"
        client_id = item.get('client_id')
        if (not isinstance(client_id, str) or not 8 <= len(client_id) <= 64):
            raise SyncError(gettext('pharma_field.msg_sync_no_client_id'))
        existing = cls._existing(item)
        if existing:
            return existing
        job = cls._prepare(item, clock_offset, received, cls._employee())
        if 'status' in job:
            return job
        result, = cls._apply([job], clock_offset, received, config)
        return result

    @classmethod
    def _prepare(cls, item, clock_offset, received, employee, parties=None):
        """Check an item without writing: a job for _apply, or a result
        (a conflict); a refused item raises.

        item: client_id, party, date (ISO UTC), call_type,
        joint_employee, products [ids], feedback, next_step,
        followup_date (ISO date), samples [{product, quantity}], plan
        (planned call id) and plan_version, checkin ({lat, lng, accuracy,
        time} or None), resolution (None, 'force': complete the plan as
        it is now, 'new': log it apart from the plan)"""
        pool = Pool()
        Party = pool.get('party.party')
        client_id = item.get('client_id')
        if (not isinstance(client_id, str) or not 8 <= len(client_id) <= 64):
            raise SyncError(gettext('pharma_field.msg_sync_no_client_id'))
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
        if parties is None:
            parties = {p.id: p for p in Party.search(
                    [('id', '=', party_id)])}
        party = parties.get(party_id)
        if not party:
            # no name: the user may not read it
            raise SyncError(gettext('pharma_field.msg_sync_party_hidden'))
        call_type = item.get('call_type') or 'face_to_face'
        if call_type not in CALL_TYPES:
            call_type = 'face_to_face'
        lines = []
        feedback = (item.get('feedback') or '').strip()
        try:
            product_ids = [int(p) for p in item.get('products') or []]
            followup_date = None
            if item.get('followup_date'):
                followup_date = datetime.date.fromisoformat(
                    str(item['followup_date'])[:10])
            joint = (int(item['joint_employee'])
                if call_type == 'joint_visit' and item.get('joint_employee')
                else None)
            samples = [{
                    'product': int(s['product']),
                    'quantity': float(s['quantity']),
                    } for s in item.get('samples') or []
                if s.get('product') and s.get('quantity')]
        except (TypeError, ValueError, AttributeError, KeyError):
            raise SyncError(gettext('pharma_field.msg_sync_bad_call'))
        for product in product_ids:
            line = {'product': product}
            if feedback:
                line['feedback'] = feedback
            lines.append(line)
        values = {
            'date': date,
            'call_type': call_type,
            'joint_employee': joint,
            'next_step': (item.get('next_step') or '').strip() or None,
            'followup_date': followup_date,
            'products': [('create', lines)],
            }
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
            values['_plan_date'] = values.pop('date')
            values['_plan_type'] = values.pop('call_type')
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
        else:
            values.update({
                    'company': employee.company.id,
                    'employee': employee.id,
                    'party': party.id,
                    'client_id': client_id,
                    })
        return {
            'item': item,
            'client_id': client_id,
            'values': values,
            'planned': planned,
            'fix': cls._fix(item.get('checkin'), clock_offset),
            }

    @classmethod
    def _apply(cls, jobs, clock_offset, received, config=None):
        """Create (or complete the plans of) the jobs' calls together: one
        create, one write of the plans, one do, one write of the
        evidence; raises when the rules refuse one of them"""
        pool = Pool()
        Call = pool.get('pharma.call')
        new = [j for j in jobs if not j['planned']]
        planned = [j for j in jobs if j['planned']]
        calls = {}
        if new:
            for job, call in zip(new, Call.create(
                        [j['values'] for j in new])):
                calls[job['client_id']] = call
        if planned:
            args, restore, ids = [], [], []
            for job in planned:
                values = dict(job['values'])
                date = values.pop('_plan_date')
                call_type = values.pop('_plan_type')
                args.extend([[job['planned']], values])
                restore.extend([[job['planned']],
                        {'date': date, 'call_type': call_type}])
                ids.extend([[job['planned']],
                        {'client_id': job['client_id']}])
                calls[job['client_id']] = job['planned']
            Call.write(*args)
        Call.do([calls[j['client_id']] for j in jobs])
        if planned:
            Call.write(*restore)
            # bypass: the sync records server-written evidence on the call just saved
            with without_check_access():
                # the phone's id, set once by the code
                Call.write(*ids)
        checkins = [(Call(calls[j['client_id']].id), j['fix']) for j in jobs]
        Call.record_checkins(checkins, clock_offset, received=received,
            config=config)
        results = []
        for job in jobs:
            call = Call(calls[job['client_id']].id)
            results.append({
                    'client_id': job['client_id'],
                    'status': 'created',
                    'call': call.id,
                    'flagged': bool(call.checkin_flagged),
                    })
        return results

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
