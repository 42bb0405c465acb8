# This file is part of the pharma suite. See README.md for license terms.
import datetime

from trytond.model import ModelView, fields
from trytond.modules.pharma_hospital.company_time import local_day, utc_start
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .call import CALL_TYPES, PLANNED_FIELDS


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'log_visit': {
                    'invisible': Eval('pharma_type') != 'doctor',
                    'depends': ['pharma_type'],
                    },
                })

    @classmethod
    @ModelView.button_action('pharma_calls.wizard_call_log')
    def log_visit(cls, parties):
        pass


def doctor_areas(party):
    "The therapeutic areas of a doctor: its own, else its department's"
    areas = set(getattr(party, 'therapeutic_areas', None) or [])
    department = getattr(party, 'department', None)
    if (not areas and department and department.type
            and department.type.therapeutic_area):
        areas.add(department.type.therapeutic_area)
    return areas


def detail_products(party, last=None, limit=3):
    """The company's own drugs to detail to the doctor: those of the last
    call in the doctor's therapeutic areas, else the drugs of its areas;
    never a competitor's drug (a drug with a manufacturer)"""
    pool = Pool()
    Product = pool.get('product.product')
    areas = doctor_areas(party)
    products = []
    if last:
        products = [l.product for l in last.products
            if not l.product.template.manufacturer
            and (not areas or l.product.template.therapeutic_area in areas)]
    if not products and areas:
        # in the order the picker offers them (product.pharma_detail_rank)
        with Transaction().set_context(pharma_doctor=party.id):
            products = Product.search([
                    ('template.manufacturer', '=', None),
                    ('template.is_pharma', '=', True),
                    ('template.therapeutic_area', 'in',
                        [a.id for a in areas]),
                    ], limit=limit, order=[
                    ('pharma_detail_rank', 'ASC'), ('rec_name', 'ASC')])
    return products


class LogCallStart(ModelView):
    "Log Visit"
    __name__ = 'pharma.call.log.start'
    company = fields.Many2One('company.company', "Company", readonly=True)
    employee = fields.Many2One('company.employee', "Representative",
        required=True,
        domain=[('company', '=', Eval('company', -1))])
    party = fields.Many2One('party.party', "Doctor", required=True,
        readonly=True,
        context={'company': Eval('company', -1)}, depends={'company'})
    date = fields.DateTime("Date", required=True)
    call_type = fields.Selection(CALL_TYPES, "Type", required=True)
    joint_employee = fields.Many2One('company.employee', "Joint Visit with",
        states={
            'invisible': Eval('call_type') != 'joint_visit',
            'required': Eval('call_type') == 'joint_visit',
            })
    products = fields.Many2Many(
        'product.product', None, None, "Products",
        domain=[('template.manufacturer', '=', None)],
        context={'company': Eval('company', -1)}, depends={'company'},
        search_order=[('pharma_detail_rank', 'ASC'), ('rec_name', 'ASC')],
        search_context={'pharma_doctor': Eval('party', -1)},
        help="The company's own drugs detailed during the visit: those of "
        "the doctor's therapeutic areas are offered first, then those of "
        "the doctor's last call.")
    feedback = fields.Text("Feedback")
    next_step = fields.Text("Next Step")
    followup_date = fields.Date("Follow-up Date")


class LogCall(Wizard):
    "Log Visit"
    __name__ = 'pharma.call.log'
    start = StateView('pharma.call.log.start',
        'pharma_calls.call_log_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Log", 'log', 'tryton-ok', default=True),
            ])
    log = StateTransition()

    def _planned(self):
        "The planned call the wizard was started from (the Today list)"
        if (self.model and self.model.__name__ == 'pharma.call'
                and self.record and self.record.state == 'planned'):
            return self.record

    def default_start(self, fields):
        planned = self._planned()
        if planned:
            values = self._default_start(planned.party)
            values['employee'] = planned.employee.id
            if planned.products:
                values['products'] = [
                    l.product.id for l in planned.products]
            return values
        party = self.record
        if self.model and self.model.__name__ == 'pharma.call':
            party = self.record.party if self.record else None
        return self._default_start(party)

    def _default_start(self, party):
        pool = Pool()
        Call = pool.get('pharma.call')
        context = Transaction().context
        values = {
            'company': context.get('company'),
            'employee': context.get('employee'),
            'party': party.id if party else None,
            'date': datetime.datetime.now().replace(microsecond=0),
            'call_type': 'face_to_face',
            'products': [],
            }
        if party:
            last = Call.last_calls([party]).get(party.id)
            if last:
                values['call_type'] = (last.call_type
                    if last.call_type != 'joint_visit' else 'face_to_face')
            values['products'] = [
                p.id for p in detail_products(party, last)]
        return values

    def planned_call(self):
        """The planned call the wizard was started from, else the planned
        call of the same week for the doctor, if any"""
        planned = self._planned()
        if planned:
            return planned
        pool = Pool()
        Call = pool.get('pharma.call')
        date = self.start.date
        day = local_day(date)
        monday = utc_start(day - datetime.timedelta(days=day.weekday()))
        calls = Call.search([
                ('employee', '=', self.start.employee.id),
                ('party', '=', self.start.party.id),
                ('state', '=', 'planned'),
                ('date', '>=', monday),
                ('date', '<', monday + datetime.timedelta(days=7)),
                ], order=[('date', 'ASC')], limit=1)
        return calls[0] if calls else None

    def transition_log(self):
        pool = Pool()
        Call = pool.get('pharma.call')
        last = Call.last_calls([self.start.party]).get(self.start.party.id)
        previous = {l.product: l for l in last.products} if last else {}
        lines = []
        for product in self.start.products:
            line = {'product': product.id}
            if product in previous:
                line['key_message'] = previous[product].key_message
                line['adoption_stage'] = previous[product].adoption_stage
            if self.start.feedback and len(self.start.products) == 1:
                line['feedback'] = self.start.feedback
            lines.append(line)
        values = {
            'company': self.start.company.id,
            'employee': self.start.employee.id,
            'party': self.start.party.id,
            'date': self.start.date,
            'call_type': self.start.call_type,
            'joint_employee': (self.start.joint_employee.id
                if self.start.joint_employee else None),
            'next_step': self.start.next_step,
            'followup_date': self.start.followup_date,
            }
        planned = self.planned_call()
        if planned:
            # the visit of the plan: complete it instead of adding one;
            # what the plan fixed changes only once the call is done
            for name in PLANNED_FIELDS | {'company'}:
                values.pop(name, None)
            values['products'] = [('create', lines)]
            Call.write([planned], values)
            Call.do([planned])
            Call.write([planned], {'date': self.start.date})
        else:
            values['products'] = [('create', lines)]
            call, = Call.create([values])
            Call.do([call])
        return 'end'


class LogMeetingStart(ModelView):
    "Log Department Meeting"
    __name__ = 'pharma.call.log_meeting.start'
    company = fields.Many2One('company.company', "Company", readonly=True)
    employee = fields.Many2One('company.employee', "Representative",
        required=True,
        domain=[('company', '=', Eval('company', -1))])
    department = fields.Many2One(
        'pharma.hospital.department', "Department", required=True)
    date = fields.DateTime("Date", required=True)
    doctors = fields.Many2Many('party.party', None, None, "Attendees",
        required=True,
        context={'company': Eval('company', -1)}, depends={'company'},
        domain=[
            ('pharma_type', '=', 'doctor'),
            ('department', '=', Eval('department', -1)),
            ])
    products = fields.Many2Many('product.product', None, None, "Products",
        domain=[('template.manufacturer', '=', None)],
        context={'company': Eval('company', -1)}, depends={'company'},
        help="The company's own drugs presented at the meeting.")
    key_message = fields.Text("Key Message")
    next_step = fields.Text("Next Step")


class LogMeeting(Wizard):
    "Log Department Meeting"
    __name__ = 'pharma.call.log_meeting'
    start = StateView('pharma.call.log_meeting.start',
        'pharma_calls.call_log_meeting_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Log", 'log', 'tryton-ok', default=True),
            ])
    log = StateTransition()

    def default_start(self, fields):
        context = Transaction().context
        values = {
            'company': context.get('company'),
            'employee': context.get('employee'),
            'date': datetime.datetime.now().replace(microsecond=0),
            }
        if (self.model and self.model.__name__ == 'pharma.hospital.department'
                and self.record):
            values['department'] = self.record.id
        return values

    def transition_log(self):
        pool = Pool()
        Call = pool.get('pharma.call')
        start = self.start
        vlist = [{
                'company': start.company.id,
                'employee': start.employee.id,
                'party': doctor.id,
                'hospital': start.department.hospital.id,
                'department': start.department.id,
                'date': start.date,
                'call_type': 'department_meeting',
                'next_step': start.next_step,
                'products': [('create', [{
                                'product': p.id,
                                'key_message': start.key_message,
                                } for p in start.products])],
                } for doctor in start.doctors]
        calls = Call.create(vlist)
        Call.do(calls)
        return 'end'
