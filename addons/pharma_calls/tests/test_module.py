# This file is part of the pharma suite. See README.md for license terms.
import contextlib
import datetime
import os
import json
from decimal import Decimal
from unittest.mock import patch

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.modules.party.tests import PartyCheckReplaceMixin
from trytond.modules.pharma_hospital.company_time import utc_start
from trytond.modules.pharma_hospital.tests.checks import (
    tree_datetime_without_widget)
from trytond.modules.pharma_hospital.tests.tools import create_staff
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction


class PharmaCallsTestCase(
        PartyCheckReplaceMixin, CompanyTestMixin, ModuleTestCase):
    "Test pharma_calls module"
    module = 'pharma_calls'
    # sorted: the database cache is shared with test_report_query
    extras = ['pharma_distributor', 'stock_lot']

    def _setup(self):
        """Company; manager1 supervises rep1 and rep2 (registered reps);
        hospital H1 with department; doctors D1 (rep1) and D2 (rep2)"""
        pool = Pool()
        Party = pool.get('party.party')
        Department = pool.get('pharma.hospital.department')
        Coverage = pool.get('pharma.coverage')
        Date = pool.get('ir.date')
        today = Date.today()

        company = create_company()
        data = {'company': company, 'today': today}
        for login, (employee, user) in create_staff(company, [
                    ('manager1', ['manager'], None),
                    ('manager2', ['manager'], None),
                    ('rep1', ['rep'], 'manager1'),
                    ('rep2', ['rep'], 'manager1'),
                    ('clerk1', ['clerk'], None),
                    ], registration='R-').items():
            data[login] = employee
            data[login + '_user'] = user
        h1, = Party.create([{'name': "瑞金医院", 'pharma_type': 'hospital'}])
        dep1, = Department.create([{'hospital': h1.id, 'name': "心内科"}])
        d1, d2, d3 = Party.create([{
                    'name': "曾医生", 'pharma_type': 'doctor',
                    'hospital': h1.id, 'department': dep1.id,
                    'doctor_tier': 'A',
                    }, {
                    'name': "王医生", 'pharma_type': 'doctor',
                    'hospital': h1.id, 'department': dep1.id,
                    'doctor_tier': 'B',
                    }, {
                    'name': "李医生", 'pharma_type': 'doctor',
                    'hospital': h1.id, 'department': dep1.id,
                    'doctor_tier': 'C',
                    }])
        start = today - datetime.timedelta(days=30)
        Coverage.create([{
                    'company': company.id,
                    'employee': data['rep1'].id,
                    'party': h1.id, 'role': 'primary', 'start_date': start,
                    }, {
                    'company': company.id,
                    'employee': data['rep1'].id,
                    'party': d1.id, 'role': 'primary', 'start_date': start,
                    }, {
                    'company': company.id,
                    'employee': data['rep2'].id,
                    'party': d2.id, 'role': 'primary', 'start_date': start,
                    }])
        data.update({'h1': h1, 'dep1': dep1, 'd1': d1, 'd2': d2, 'd3': d3})
        return data

    def _as(self, data, login):
        "Context manager: the RPC conditions of the user"
        transaction = Transaction()
        stack = contextlib.ExitStack()
        stack.enter_context(transaction.set_user(data[login + '_user'].id))
        stack.enter_context(transaction.set_context(
                _check_access=True, company=data['company'].id,
                employee=data[login].id))
        return stack

    @contextlib.contextmanager
    def _refused(self, exception, regex=None):
        "Assert the block raises and undo what it wrote before raising"
        cursor = Transaction().connection.cursor()
        cursor.execute('SAVEPOINT refused')
        if regex:
            check = self.assertRaisesRegex(exception, regex)
        else:
            check = self.assertRaises(exception)
        with check:
            yield
        cursor.execute('ROLLBACK TO SAVEPOINT refused')
        # the ids of the undone records may be reused: forget their values
        Transaction().cache.clear()

    def _call(self, data, login='rep1', party='d1', **values):
        Call = Pool().get('pharma.call')
        vals = {
            'company': data['company'].id,
            'employee': data[login].id,
            'party': data[party].id,
            'date': datetime.datetime.now().replace(microsecond=0),
            }
        vals.update(values)
        call, = Call.create([vals])
        return call

    @with_transaction()
    def test_call_defaults_from_doctor(self):
        "The hospital and department come from the doctor"
        data = self._setup()
        with set_company(data['company']):
            call = self._call(data)
            self.assertEqual(call.hospital, data['h1'])
            self.assertEqual(call.department, data['dep1'])
            self.assertEqual(call.state, 'planned')
            self.assertEqual(call.entered_by.id, Transaction().user)

    @with_transaction()
    def test_unregistered_rep_refused(self):
        "Calls by an unregistered representative are refused"
        pool = Pool()
        Employee = pool.get('company.employee')
        Configuration = pool.get('pharma.configuration')
        data = self._setup()
        with set_company(data['company']):
            Employee.write([data['rep1']], {
                    'rep_registration_status': 'expired'})
            with self._refused(UserError, 'not registered'):
                self._call(data)
            config = Configuration.get_config()
            config.rep_compliance = False
            config.save()
            self._call(data)

    @with_transaction()
    def test_done_call_lock(self):
        "Old done calls are read-only; nobody edits another rep's done call"
        pool = Pool()
        Call = pool.get('pharma.call')
        data = self._setup()
        with set_company(data['company']):
            now = datetime.datetime.now().replace(microsecond=0)
            old = self._call(data, date=now - datetime.timedelta(days=10))
            recent = self._call(data, date=now - datetime.timedelta(days=1))
            Call.do([old, recent])
            with self._as(data, 'rep1'):
                Call.write([Call(recent.id)], {'objections': "Price"})
                with self.assertRaisesRegex(AccessError, 'read-only'):
                    Call.write([Call(old.id)], {'objections': "Price"})
                with self.assertRaises(AccessError):
                    Call.delete([Call(recent.id)])
            with self._as(data, 'rep2'):
                with self.assertRaises(AccessError):
                    Call.write([Call(recent.id)], {'objections': "X"})
            with self._as(data, 'manager1'):
                with self.assertRaises(AccessError):
                    Call.write([Call(recent.id)], {'objections': "X"})
                # the supervisor comments even a locked call
                Call.write([Call(old.id)], {'manager_comment': "Good"})
            self.assertEqual(Call(old.id).manager_comment, "Good")

    @with_transaction()
    def test_call_access(self):
        "A rep sees own and covered calls, not those of the other rep"
        pool = Pool()
        Call = pool.get('pharma.call')
        data = self._setup()
        with set_company(data['company']):
            c1 = self._call(data, 'rep1', 'd1')
            c2 = self._call(data, 'rep2', 'd2')
            c3 = self._call(data, 'rep2', 'd1')  # on a doctor rep1 covers
            with self._as(data, 'rep1'):
                self.assertEqual(
                    {c.id for c in Call.search([])}, {c1.id, c3.id})
                with self.assertRaises(AccessError):
                    Call.read([c2.id], ['rec_name'])
                with self.assertRaises(AccessError):
                    Call.write([Call(c3.id)], {'objections': "X"})
                with self._refused(AccessError):
                    self._call(data, 'rep2', 'd1')
            with self._as(data, 'rep2'):
                found = {c.id for c in Call.search([])}
                self.assertIn(c2.id, found)
                self.assertIn(c3.id, found)
                self.assertNotIn(c1.id, found)
                with self.assertRaises(AccessError):
                    Call.read([c1.id], ['party'])
            with self._as(data, 'manager1'):
                self.assertGreaterEqual(
                    {c.id for c in Call.search([])}, {c1.id, c2.id, c3.id})
            with self._as(data, 'clerk1'):
                # a clerk logs for any rep, recorded as the one who entered
                call = self._call(data, 'rep2', 'd2')
                self.assertEqual(call.entered_by, data['clerk1_user'])
            # rep1's coverage of d1 ends yesterday: the rule (a list of
            # the covered parties, cached) no longer lets c3 through
            Coverage = pool.get('pharma.coverage')
            coverage, = Coverage.search([
                    ('employee', '=', data['rep1'].id),
                    ('party', '=', data['d1'].id),
                    ])
            Coverage.write([coverage], {
                    'end_date': data['today'] - datetime.timedelta(days=1),
                    })
            with self._as(data, 'rep1'):
                self.assertEqual(
                    {c.id for c in Call.search([])}, {c1.id})
                with self.assertRaises(AccessError):
                    Call.read([c3.id], ['rec_name'])

    @with_transaction()
    def test_refusals_name_no_hidden_record(self):
        "Refusals to a rep name what the rep reads, never a hidden record"
        pool = Pool()
        Party = pool.get('party.party')
        Address = pool.get('party.address')
        Coverage = pool.get('pharma.coverage')
        Employee = pool.get('company.employee')
        Call = pool.get('pharma.call')
        Plan = pool.get('pharma.weekly.plan')
        Invitation = pool.get('pharma.event.invitation')
        Sale = pool.get('sale.sale')
        LogCall = pool.get('pharma.call.log', type='wizard')
        data = self._setup()
        company = data['company']
        # d4, covered by rep1 and rep2, works at h2, a hospital rep1 does
        # not read; d2 is rep2's only
        h2, = Party.create([{'name': "协和秘院", 'pharma_type': 'hospital'}])
        d4, = Party.create([{'name': "赵医生", 'pharma_type': 'doctor',
                    'hospital': h2.id}])
        Coverage.create([{
                    'company': company.id, 'employee': data[login].id,
                    'party': d4.id, 'role': role,
                    'start_date': data['today'] - datetime.timedelta(days=30),
                    } for login, role in [
                    ('rep1', 'primary'), ('rep2', 'secondary')]])
        data['d4'] = d4
        secrets = [h2.name, data['d2'].name]
        cursor = Transaction().connection.cursor()

        def refused(func, *args, shown=None):
            cursor.execute('SAVEPOINT hidden')
            with self.assertRaises(UserError) as cm:
                func(*args)
            cursor.execute('ROLLBACK TO SAVEPOINT hidden')
            Transaction().cache.clear()
            text = ' '.join(str(a) for a in cm.exception.args if a)
            for secret in secrets:
                self.assertNotIn(secret, text, msg=(func, text))
            if shown:
                # what the rep reads is still named
                self.assertIn(shown, text, msg=(func, text))
            return text

        with set_company(company):
            now = datetime.datetime.now().replace(microsecond=0)
            old = self._call(data, party='d4',
                date=now - datetime.timedelta(days=10))
            recent = self._call(data, party='d4',
                date=now - datetime.timedelta(days=1))
            Call.do([old, recent])
            hidden = self._call(data, 'rep2', 'd2')
            today = data['today']
            monday = today + datetime.timedelta(days=7 - today.weekday())
            plan, = Plan.create([{'company': company.id,
                        'employee': data['rep1'].id, 'week_start': monday}])
            planned = self._call(data, party='d4', weekly_plan=plan.id,
                date=datetime.datetime.combine(monday, datetime.time(10)))
            other_plan, = Plan.create([{'company': company.id,
                        'employee': data['rep2'].id, 'week_start': monday}])
            Call.write([hidden], {'weekly_plan': other_plan.id})
            start = datetime.datetime(2026, 3, 2, 9)
            e1 = self._event(data, "Heart failure", start)
            e2 = self._event(data, "Hypertension", start)
            Invitation.create([{'event': e2.id, 'doctor': d4.id,
                        'invited_by': data['rep2'].id}])
            hidden_invitation, = Invitation.create([{'event': e1.id,
                        'doctor': data['d2'].id,
                        'invited_by': data['rep2'].id}])
            address, = Address.create([{'party': h2.id}])
            sale, = Sale.create([{'company': company.id, 'party': h2.id,
                        'currency': company.currency.id,
                        'invoice_address': address.id,
                        'shipment_address': address.id}])
            self.assertEqual(Party(d4.id).rec_name, "赵医生 (协和秘院)")
            with self._as(data, 'rep1'):
                # the name of d4 wherever rep1 reads it (lists, relations)
                self.assertEqual(Party.read([d4.id], ['rec_name']),
                    [{'id': d4.id, 'rec_name': "赵医生"}])
                self.assertEqual(
                    Call.read([old.id], ['party.rec_name'])[0]['party.'],
                    {'id': d4.id, 'rec_name': "赵医生"})
                Plan.submit([Plan(plan.id)])
                # calls: write, delete of a call on d4 (named without h2),
                # write, delete, copy of a call rep1 cannot read
                refused(Call.write, [Call(old.id)], {'objections': "X"},
                    shown=d4.name)
                refused(Call.delete, [Call(recent.id)], shown=d4.name)
                for func, args in [
                        (Call.write, ([Call(hidden.id)], {'objections': "X"})),
                        (Call.delete, ([Call(hidden.id)],)),
                        (Call.copy, ([Call(hidden.id)],))]:
                    self.assertIn(str(hidden.id), refused(func, *args))
                # weekly plans: a call of the submitted plan, the plan
                refused(Call.write, [Call(planned.id)], {
                        'date': datetime.datetime.combine(
                            monday, datetime.time(11))}, shown=d4.name)
                refused(Plan.delete, [Plan(plan.id)])
                for func, args in [
                        (Plan.write, ([Plan(other_plan.id)], {
                                    'week_start': monday})),
                        (Plan.delete, ([Plan(other_plan.id)],)),
                        (Plan.copy, ([Plan(other_plan.id)],)),
                        (Plan.submit, ([Plan(other_plan.id)],))]:
                    refused(func, *args)
                # invitations: d4 is invited by rep2 to an overlapping event
                refused(Invitation.create, [{'event': e1.id,
                            'doctor': d4.id, 'invited_by': data['rep1'].id}],
                    shown=d4.name)
                for func, args in [
                        (Invitation.write, ([Invitation(
                                        hidden_invitation.id)], {
                                    'cost': Decimal(1)})),
                        (Invitation.delete, ([Invitation(
                                        hidden_invitation.id)],)),
                        (Invitation.copy, ([Invitation(
                                        hidden_invitation.id)],))]:
                    refused(func, *args)
                # sale orders: a rep does not sell
                for func, args in [
                        (Sale.write, ([Sale(sale.id)], {'comment': "X"})),
                        (Sale.delete, ([Sale(sale.id)],)),
                        (Sale.copy, ([Sale(sale.id)],)),
                        (Sale.quote, ([Sale(sale.id)],)),
                        (Sale.create, ([{'company': company.id,
                                        'party': h2.id,
                                        'currency': company.currency.id}],))]:
                    refused(func, *args)
            todo = self._call(data, party='d4')
            Employee.write([data['rep1']], {
                    'rep_registration_status': 'expired'})
            with self._as(data, 'rep1'):
                # a button and the log-visit wizard refused for d4
                refused(Call.do, [Call(todo.id)], shown=d4.name)
                for party in [d4, data['d2']]:
                    session_id, _, _ = LogCall.create()
                    with Transaction().set_context(
                            active_model='party.party', active_id=party.id,
                            active_ids=[party.id]):
                        def log():
                            result = LogCall.execute(session_id, {}, 'start')
                            values = {k: v for k, v in result[
                                    'view']['defaults'].items()
                                if '.' not in k}
                            LogCall.execute(
                                session_id, {'start': values}, 'log')
                        refused(log, shown=d4.name if party == d4 else None)
                    LogCall.delete(session_id)

    @with_transaction()
    def test_call_manager_access(self):
        "A manager sees the team's, joint and managed territories' calls"
        pool = Pool()
        Call = pool.get('pharma.call')
        Employee = pool.get('company.employee')
        Party = pool.get('party.party')
        Territory = pool.get('pharma.territory')
        data = self._setup()
        with set_company(data['company']):
            c1 = self._call(data, 'rep1', 'd1')
            c2 = self._call(data, 'rep2', 'd2')

            def seen():
                with self._as(data, 'manager2'):
                    return {c.id for c in Call.search([])}
            self.assertEqual(seen(), set())
            with self._as(data, 'manager2'):
                with self.assertRaises(AccessError):
                    Call.read([c1.id], ['rec_name'])
            # the team: the rule's list follows a change of supervisor
            Employee.write([data['rep1']], {'supervisor': data['manager2'].id})
            self.assertEqual(seen(), {c1.id})
            Employee.write([data['rep1']], {'supervisor': data['manager1'].id})
            self.assertEqual(seen(), set())
            # joint visits
            Call.write([c2], {'joint_employee': data['manager2'].id})
            self.assertEqual(seen(), {c2.id})
            Call.write([c2], {'joint_employee': None})
            # the hospitals of the managed territories: the rule's list
            # follows a change of the hospital's territory
            managed, other = Territory.create([{
                        'name': "East", 'code': 'E', 'level': 'region',
                        'manager': data['manager2'].id,
                        }, {
                        'name': "West", 'code': 'W', 'level': 'region',
                        }])
            self.assertEqual(seen(), set())
            Party.write([data['h1']], {'territory': managed.id})
            self.assertEqual(seen(), {c1.id, c2.id})
            Party.write([data['h1']], {'territory': other.id})
            self.assertEqual(seen(), set())
            with self._as(data, 'manager1'):
                self.assertEqual(
                    {c.id for c in Call.search([])}, {c1.id, c2.id})

    @with_transaction()
    def test_followup_creates_planned_call(self):
        "Doing a call with a follow-up date plans the follow-up"
        pool = Pool()
        Call = pool.get('pharma.call')
        data = self._setup()
        with set_company(data['company']):
            followup = data['today'] + datetime.timedelta(days=14)
            call = self._call(data, followup_date=followup)
            Call.do([call])
            planned, = Call.search([('followup_of', '=', call.id)])
            self.assertEqual(planned.state, 'planned')
            self.assertEqual(planned.date.date(), followup)
            self.assertEqual(planned.employee, data['rep1'])

    @with_transaction()
    def test_samples_stock(self):
        "Samples leave the rep's location; more than held is refused"
        pool = Pool()
        Call = pool.get('pharma.call')
        Location = pool.get('stock.location')
        Move = pool.get('stock.move')
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        Employee = pool.get('company.employee')
        Product = pool.get('product.product')
        data = self._setup()
        with set_company(data['company']):
            unit, = Uom.search([('name', '=', 'Unit')])
            template, = Template.create([{
                        'name': "Sample Drug", 'type': 'goods',
                        'default_uom': unit.id,
                        'products': [('create', [{}])],
                        }])
            product, = template.products
            storage, = Location.search([('code', '=', 'STO')])
            supplier, = Location.search([('code', '=', 'SUP')])
            bag, = Location.create([{
                        'name': "Rep1 bag", 'type': 'storage',
                        'parent': storage.parent.id}])
            Employee.write([data['rep1']], {'sample_location': bag.id})
            move, = Move.create([{
                        'product': product.id, 'unit': unit.id,
                        'quantity': 10, 'from_location': supplier.id,
                        'to_location': bag.id,
                        'company': data['company'].id,
                        'unit_price': Decimal(1),
                        'currency': data['company'].currency.id,
                        }])
            Move.do([move])
            call = self._call(data, samples=[('create', [{
                                'product': product.id, 'quantity': 12}])])
            with self.assertRaisesRegex(UserError, 'holds only'):
                Call.do([call])
            Call.write([call], {'samples': [
                        ('write', [s.id for s in call.samples],
                            {'quantity': 4})]})
            Call.do([call])
            call = Call(call.id)
            self.assertEqual(call.state, 'done')
            self.assertEqual(len(call.stock_moves), 1)
            self.assertEqual(call.stock_moves[0].state, 'done')
            with Transaction().set_context(locations=[bag.id]):
                self.assertEqual(Product(product.id).quantity, 6)

    @with_transaction()
    def test_weekly_plan_workflow(self):
        "Only the supervisor approves; a submitted plan is locked for the rep"
        pool = Pool()
        Plan = pool.get('pharma.weekly.plan')
        Call = pool.get('pharma.call')
        data = self._setup()
        with set_company(data['company']):
            today = data['today']
            monday = today + datetime.timedelta(days=7 - today.weekday())
            with self._as(data, 'rep1'):
                plan, = Plan.create([{
                            'company': data['company'].id,
                            'employee': data['rep1'].id,
                            'week_start': monday,
                            }])
                call = self._call(data, date=datetime.datetime.combine(
                        monday, datetime.time(10)), weekly_plan=plan.id)
                Plan.submit([plan])
                with self.assertRaises(AccessError):
                    Plan.write([plan], {'week_start': monday
                            + datetime.timedelta(days=7)})
                with self.assertRaises(AccessError):
                    Call.write([Call(call.id)], {
                            'date': datetime.datetime.combine(
                                monday, datetime.time(11))})
                with self.assertRaises(UserError):
                    Plan.approve([plan])
            with self._as(data, 'manager2'):
                # another team's manager neither reads the plan
                with self.assertRaises(AccessError):
                    Plan.approve([Plan(plan.id)])
                # nor approves it even past the record rules
                with Transaction().set_context(_check_access=False), \
                        self.assertRaisesRegex(AccessError, 'supervisor'):
                    Plan.approve([Plan(plan.id)])
            with self._as(data, 'manager1'):
                plan = Plan(plan.id)
                self.assertEqual(plan.calls_planned, 1)
                self.assertEqual(plan.a_tier_doctors, 1)
                self.assertEqual(plan.new_doctors, 1)
                with self.assertRaisesRegex(UserError, 'comment'):
                    Plan.reject([plan])
                Plan.write([plan], {'manager_comment': "Add D2"})
                Plan.reject([plan])
            with self._as(data, 'rep1'):
                plan = Plan(plan.id)
                self.assertEqual(plan.state, 'rejected')
                self.assertEqual(plan.manager_comment, "Add D2")
                Plan.draft([plan])
                Plan.submit([plan])
            with self._as(data, 'manager1'):
                # from the team list the next plan becomes the current row
                with Transaction().set_context(
                        pharma_plan_approve_next=True):
                    self.assertEqual(
                        Plan.approve([Plan(plan.id)]), 'next')
            self.assertEqual(Plan(plan.id).state, 'approved')
            self.assertEqual(Plan(plan.id).approved_by, data['manager1'])
            with self._as(data, 'rep1'):
                plan2, = Plan.create([{
                            'company': data['company'].id,
                            'employee': data['rep1'].id,
                            'week_start': monday + datetime.timedelta(
                                days=7),
                            }])
                Plan.submit([plan2])
            with self._as(data, 'manager1'):
                # elsewhere the approval stays on the plan
                self.assertIsNone(Plan.approve([Plan(plan2.id)]))
            self.assertEqual(Plan(plan2.id).state, 'approved')

    @with_transaction()
    def test_plan_actual_default_period(self):
        "Plan vs actual on its default period shows the weeks of this month"
        pool = Pool()
        Plan = pool.get('pharma.weekly.plan')
        Context = pool.get('pharma.call.reporting.context')
        PlanActual = pool.get('pharma.call.report.plan_actual')
        data = self._setup()
        with set_company(data['company']):
            today = data['today']
            first = today.replace(day=1)
            # the week of the 1st starts last month unless the 1st is a
            # Monday; this week may too
            weeks = {first - datetime.timedelta(days=first.weekday()),
                today - datetime.timedelta(days=today.weekday())}
            last = first - datetime.timedelta(days=40)
            plans = Plan.create([{
                        'company': data['company'].id,
                        'employee': data['rep1'].id,
                        'week_start': week,
                        } for week in sorted(weeks | {
                            last - datetime.timedelta(days=last.weekday())})])
            self._call(data, weekly_plan=plans[-1].id,
                date=datetime.datetime.combine(
                    max(weeks), datetime.time(4)))
            with self._as(data, 'manager1'), Transaction().set_context(
                    from_date=Context.default_from_date(),
                    to_date=Context.default_to_date()):
                rows = PlanActual.search([])
                self.assertEqual(
                    sorted(r.week_start for r in rows), sorted(weeks))
                row, = [r for r in rows if r.week_start == max(weeks)]
                self.assertEqual(row.planned, 1)

    @with_transaction()
    def test_weekly_plan_list_done_rate(self):
        "The lists of plans, the manager's too, show the completion rate"
        pool = Pool()
        Plan = pool.get('pharma.weekly.plan')
        ModelData = pool.get('ir.model.data')
        View = pool.get('ir.ui.view')
        for fs_id in [
                'weekly_plan_view_list', 'weekly_plan_view_list_manager']:
            view = View(ModelData.get_id('pharma_calls', fs_id))
            arch = Plan.fields_view_get(view.id, 'tree')['arch']
            self.assertIn('name="done_rate"', arch, fs_id)

    @with_transaction()
    def test_weekly_plan_close(self):
        "At week end, calls still planned are missed and the plan is done"
        pool = Pool()
        Plan = pool.get('pharma.weekly.plan')
        Call = pool.get('pharma.call')
        data = self._setup()
        with set_company(data['company']):
            today = data['today']
            monday = today - datetime.timedelta(days=today.weekday() + 7)
            plan, = Plan.create([{
                        'company': data['company'].id,
                        'employee': data['rep1'].id,
                        'week_start': monday,
                        }])
            at = lambda d: datetime.datetime.combine(
                monday + datetime.timedelta(days=d), datetime.time(10))
            done = self._call(data, date=at(0), weekly_plan=plan.id)
            missed = self._call(data, date=at(1), weekly_plan=plan.id)
            moved = self._call(data, date=at(9), weekly_plan=plan.id)
            Call.do([done])
            Plan.close_weeks()
            self.assertEqual(Plan(plan.id).state, 'done')
            missed = Call(missed.id)
            self.assertEqual(missed.state, 'cancelled')
            self.assertEqual(missed.cancel_reason, 'missed')
            self.assertEqual(Call(moved.id).state, 'planned')
            self.assertEqual(
                [Call(c.id).plan_result for c in [done, missed, moved]],
                ['done', 'missed', 'moved'])
            plan = Plan(plan.id)
            self.assertEqual(
                (plan.calls_done, plan.calls_missed, plan.calls_moved),
                (1, 1, 1))
            self.assertAlmostEqual(plan.done_rate, 1 / 3)

    @with_transaction()
    def test_log_visit_wizard(self):
        "Log visit prefills from the last call and creates a done call"
        pool = Pool()
        Call = pool.get('pharma.call')
        LogCall = pool.get('pharma.call.log', type='wizard')
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        data = self._setup()
        with set_company(data['company']):
            unit, = Uom.search([('name', '=', 'Unit')])
            template, = Template.create([{
                        'name': "Drug", 'default_uom': unit.id,
                        'products': [('create', [{}])],
                        }])
            product, = template.products
            last = self._call(data, call_type='phone',
                date=datetime.datetime.now().replace(microsecond=0)
                - datetime.timedelta(days=3),
                products=[('create', [{
                                'product': product.id,
                                'key_message': "Efficacy",
                                'adoption_stage': 'trial'}])])
            Call.do([last])
            with self._as(data, 'rep1'), Transaction().set_context(
                    active_model='party.party', active_id=data['d1'].id,
                    active_ids=[data['d1'].id]):
                session_id, _, _ = LogCall.create()
                result = LogCall.execute(session_id, {}, 'start')
                values = {k: v for k, v in result['view']['defaults'].items()
                    if '.' not in k}
                self.assertEqual(values['call_type'], 'phone')
                self.assertEqual(values['products'], [product.id])
                self.assertEqual(values['employee'], data['rep1'].id)
                LogCall.execute(session_id, {'start': values}, 'log')
                LogCall.delete(session_id)
            calls = Call.search([
                    ('party', '=', data['d1'].id), ('id', '!=', last.id)])
            call, = calls
            self.assertEqual(call.state, 'done')
            self.assertEqual(call.call_type, 'phone')
            self.assertEqual(call.products[0].key_message, "Efficacy")
            self.assertEqual(call.products[0].adoption_stage, 'trial')
            d1 = pool.get('party.party')(data['d1'].id)
            self.assertEqual(d1.calls[0], call)
            self.assertEqual(d1.last_call_date, call.date)

    @with_transaction()
    def test_log_visit_products(self):
        "The products a rep details: own drugs of the doctor's areas, no price"
        pool = Pool()
        Call = pool.get('pharma.call')
        Party = pool.get('party.party')
        Area = pool.get('pharma.therapeutic.area')
        LogCall = pool.get('pharma.call.log', type='wizard')
        Product = pool.get('product.product')
        data = self._setup()
        with set_company(data['company']):
            endo, cardio = Area.create([
                    {'name': "Endocrinology"}, {'name': "Cardiology"}])
            maker, = Party.create([{'name': "Rival Pharma",
                        'pharma_type': 'manufacturer'}])
            metformin = self._product("二甲双胍片", is_pharma=True,
                therapeutic_area=endo.id)
            sitagliptin = self._product("西格列汀片", is_pharma=True,
                therapeutic_area=endo.id)
            amlodipine = self._product("氨氯地平片", is_pharma=True,
                therapeutic_area=cardio.id)
            rival = self._product("竞品降糖片", is_pharma=True,
                therapeutic_area=endo.id, manufacturer=maker.id)
            Party.write([data['d1']], {
                    'therapeutic_areas': [('add', [endo.id])]})
            # the last call detailed a cardiology drug and our diabetes drug
            last = self._call(data, date=datetime.datetime.now().replace(
                    microsecond=0) - datetime.timedelta(days=3),
                products=[('create', [
                            {'product': amlodipine.id},
                            {'product': metformin.id}])])
            Call.do([last])
            with self._as(data, 'rep1'):
                # a competitor's drug is never detailed
                with self._refused(UserError):
                    self._call(data, products=[('create', [
                                    {'product': rival.id}])])
                # the search finds drugs by pinyin and initials
                for text in ['ejsg', 'erjia', 'EJSG']:
                    self.assertIn(metformin, Product.search([
                                ('rec_name', 'ilike', '%' + text + '%')]),
                        msg=text)
                with Transaction().set_context(
                        active_model='party.party',
                        active_id=data['d1'].id,
                        active_ids=[data['d1'].id]):
                    session_id, _, _ = LogCall.create()
                    result = LogCall.execute(session_id, {}, 'start')
                    LogCall.delete(session_id)
            defaults = result['view']['defaults']
            # the last call's products in the doctor's area only
            self.assertEqual(defaults['products'], [metformin.id])
            fields_view = result['view']['fields_view']
            products = fields_view['fields']['products']
            self.assertIn('template.manufacturer', products['domain'])
            # its list shows no list price nor cost price
            view_id = pool.get('ir.model.data').get_id(
                'pharma_calls', 'product_view_list_detail')
            arch = Product.fields_view_get(view_id, 'tree')['arch']
            for name in ['list_price', 'cost_price']:
                self.assertNotIn('"%s"' % name, arch)
            self.assertIn('view_ids="%s"' % view_id, fields_view['arch'])

            # no last call in the areas: the drugs of the doctor's area
            Party.write([data['d2']], {
                    'therapeutic_areas': [('add', [endo.id])]})
            with self._as(data, 'rep2'), Transaction().set_context(
                    active_model='party.party', active_id=data['d2'].id,
                    active_ids=[data['d2'].id]):
                session_id, _, _ = LogCall.create()
                result = LogCall.execute(session_id, {}, 'start')
                LogCall.delete(session_id)
            self.assertEqual(set(result['view']['defaults']['products']),
                {metformin.id, sitagliptin.id})

    @with_transaction()
    def test_detail_products_order(self):
        "The picker offers the doctor's area drugs, then the last call's"
        pool = Pool()
        Call = pool.get('pharma.call')
        CallProduct = pool.get('pharma.call.product')
        LogStart = pool.get('pharma.call.log.start')
        Party = pool.get('party.party')
        Area = pool.get('pharma.therapeutic.area')
        Product = pool.get('product.product')
        data = self._setup()
        with set_company(data['company']):
            endo, cardio, infect = Area.create([
                    {'name': "Endocrinology"}, {'name': "Cardiology"},
                    {'name': "Anti-infectives"}])
            maker, = Party.create([{'name': "Rival Pharma",
                        'pharma_type': 'manufacturer'}])
            # created in the reverse of the expected order: the default
            # order (by name) is not the expected one
            cefuroxime = self._product("A头孢呋辛片", is_pharma=True,
                therapeutic_area=infect.id)
            amlodipine = self._product("B氨氯地平片", is_pharma=True,
                therapeutic_area=cardio.id)
            sitagliptin = self._product("C西格列汀片", is_pharma=True,
                therapeutic_area=endo.id)
            metformin = self._product("D二甲双胍片", is_pharma=True,
                therapeutic_area=endo.id)
            rival = self._product("0竞品降糖片", is_pharma=True,
                therapeutic_area=endo.id, manufacturer=maker.id)
            ours = [metformin, sitagliptin, amlodipine, cefuroxime]
            Party.write([data['d1']], {
                    'therapeutic_areas': [('add', [endo.id])]})
            last = self._call(data, date=datetime.datetime.now().replace(
                    microsecond=0) - datetime.timedelta(days=3),
                products=[('create', [
                            {'product': amlodipine.id},
                            {'product': metformin.id}])])
            Call.do([last])

            def offered(Model, name, values):
                "The products the client's picker offers for the field"
                field = Model.fields_get([name])[name]
                decoder = PYSONDecoder(values)
                domain = decoder.decode(field['domain'])
                order = decoder.decode(field['search_order'])
                context = decoder.decode(field['search_context'])
                with Transaction().set_context(context):
                    return [p for p in Product.search(domain, order=order)
                        if p in ours + [rival]]

            with self._as(data, 'rep1'):
                # the call form's product lines: the doctor is the call's
                self.assertEqual(offered(CallProduct, 'product', {
                            '_parent_call': {'party': data['d1'].id}}),
                    [metformin, sitagliptin, amlodipine, cefuroxime])
                # the log-visit dialog
                self.assertEqual(offered(LogStart, 'products', {
                            'party': data['d1'].id}),
                    [metformin, sitagliptin, amlodipine, cefuroxime])
                with Transaction().set_context(pharma_doctor=data['d1'].id):
                    self.assertEqual(
                        [p.pharma_detail_rank for p in Product.browse(ours)],
                        [0, 1, 2, 3])
                # without a doctor: the default order, no competitor drug
                self.assertEqual(offered(CallProduct, 'product', {}),
                    [cefuroxime, amlodipine, sitagliptin, metformin])
                # a doctor without areas nor calls: the default order
                self.assertEqual(offered(LogStart, 'products', {
                            'party': data['d3'].id}),
                    [cefuroxime, amlodipine, sitagliptin, metformin])

    @with_transaction()
    def test_notification_language(self):
        "Alerts are written in each recipient's language and date format"
        pool = Pool()
        Call = pool.get('pharma.call')
        Lang = pool.get('ir.lang')
        User = pool.get('res.user')
        Notification = pool.get('res.notification')
        Translation = pool.get('ir.translation')
        from trytond.modules.pharma_hospital.notify import Message, render
        data = self._setup()
        zh_cn, = Lang.search([('code', '=', 'zh_CN')])
        en, = Lang.search([('code', '=', 'en')])
        Lang.write([zh_cn], {'translatable': True})
        Translation.translation_import('zh_CN', 'pharma_calls',
            os.path.join(os.path.dirname(__file__), '..', 'locale',
                'zh_CN.po'))
        User.write([data['rep1_user']], {'language': zh_cn.id})
        User.write([data['rep2_user']], {'language': en.id})
        date = datetime.date(2026, 12, 4)
        self.assertEqual(render(date, data['rep1_user']), '2026-12-04')
        self.assertEqual(render(date, data['rep2_user']), '12/04/2026')
        message = Message('pharma_calls.msg_alert_plan_missing')
        self.assertEqual(render(message, data['rep1_user']), '周计划未提交')
        self.assertEqual(render(message, data['rep2_user']),
            'Weekly plan not submitted')

        with set_company(data['company']):
            today = data['today']
            now = datetime.datetime.now()
            if today.weekday() == 0 and now.hour < 12:
                # the plan alert waits for Monday noon
                return
            Call.send_alerts()
        monday = today - datetime.timedelta(days=today.weekday())
        for login, label, description in [
                ('rep1', '周计划未提交', monday.strftime('%Y-%m-%d')),
                ('rep2', 'Weekly plan not submitted',
                    monday.strftime('%m/%d/%Y'))]:
            Transaction()._store_user_notifications()
            notification, = Notification.search([
                    ('user', '=', data[login + '_user'].id),
                    ('model', '=', 'company.employee'),
                    ])
            self.assertEqual(notification.label, label)
            self.assertEqual(notification.description, description)

    @with_transaction()
    def test_frequency_and_kpis(self):
        "Doctors show planned/done/target; the KPIs count the calls"
        pool = Pool()
        Call = pool.get('pharma.call')
        Party = pool.get('party.party')
        RepDay = pool.get('pharma.call.report.rep_day')
        Coverage = pool.get('pharma.call.report.coverage')
        data = self._setup()
        with set_company(data['company']):
            now = datetime.datetime.now().replace(microsecond=0)
            calls = [self._call(data, party=p) for p in ['d1', 'd1', 'd3']]
            Call.do(calls)
            self._call(data, party='d1')
            d1, d3 = Party.browse([data['d1'], data['d3']])
            if now.day == datetime.date.max.day:
                return
            self.assertEqual(d1.calls_done_month, 2)
            self.assertEqual(d1.calls_planned_month, 1)
            self.assertEqual(d1.call_target_month, 4)
            self.assertEqual(d3.call_target_month, 1)
            self.assertFalse(d1.over_visited)
            with Transaction().set_context(
                    from_date=data['today'], to_date=data['today']):
                record, = RepDay.search([])
                self.assertEqual(
                    (record.calls, record.doctors, record.hospitals),
                    (3, 2, 1))
                coverage = {r.party: r for r in Coverage.search([])}
                self.assertEqual(coverage[d1].calls, 2)
                self.assertEqual(coverage[d1].target, 4)
            with Transaction().set_context(
                    from_date=data['today'], to_date=data['today'],
                    representative=data['rep2'].id):
                self.assertEqual(RepDay.search([]), [])
            with Transaction().set_context(product=-1):
                self.assertEqual(RepDay.search([]), [])

    @with_transaction()
    def test_rep_day_graph_adds_up(self):
        """The calls-per-day graph adds the rows of the reps of a day: only
        figures that add up are plotted (two reps seeing one doctor the
        same day reached one doctor, not two)"""
        from lxml import etree
        pool = Pool()
        Call = pool.get('pharma.call')
        RepDay = pool.get('pharma.call.report.rep_day')
        ModelData = pool.get('ir.model.data')
        data = self._setup()
        with set_company(data['company']):
            date = utc_start(data['today']) + datetime.timedelta(hours=1)
            calls = [self._call(data, login=login, party='d1', date=date)
                for login in ['rep1', 'rep2']]
            Call.do(calls)
            # what the team did that day, counted from the calls
            team = {'calls': 2, 'doctors': 1, 'hospitals': 1,
                'departments': 1}
            view_id = ModelData.get_id(
                'pharma_calls', 'report_rep_day_view_graph')
            arch = etree.fromstring(
                RepDay.fields_view_get(view_id, 'graph')['arch'])
            ynames = arch.xpath('//y/field/@name')
            self.assertIn('calls', ynames)
            with Transaction().set_context(
                    from_date=data['today'], to_date=data['today']):
                rows = RepDay.search([])
                self.assertEqual(len(rows), 2)
                for name in ynames:
                    # the client plots the sum of the rows of a date
                    self.assertEqual(
                        sum(getattr(r, name) for r in rows), team[name],
                        msg=name)

    @with_transaction()
    def test_export_by_batches(self):
        "The calls list and KPI export by batches gives Tryton's rows"
        pool = Pool()
        Call = pool.get('pharma.call')
        RepDay = pool.get('pharma.call.report.rep_day')
        from trytond.modules.pharma_hospital.export import (
            BatchExportMixin, is_batch_exportable)
        data = self._setup()
        with set_company(data['company']):
            calls = [self._call(data), self._call(data),
                self._call(data, login='rep2', party='d2')]
            Call.do(calls[:2])
            other = calls[2]
            columns = ['date', 'employee/rec_name', 'party/rec_name',
                'hospital/rec_name', 'department/rec_name', 'call_type',
                'followup_date', 'state', 'party/name', 'employee']
            self.assertTrue(is_batch_exportable(Call, columns))
            self.assertFalse(is_batch_exportable(Call, ['products/product']))
            with self._as(data, 'rep1'):
                calls = Call.search([])
                self.assertEqual(len(calls), 2)
                self.assertEqual(
                    Call.export_data(calls, columns, header=True),
                    super(BatchExportMixin, Call).export_data(
                        calls, columns, header=True))
                # the rules still apply: rep2's call is refused
                with self.assertRaises(AccessError):
                    Call.export_data([Call(other.id)], columns)
            with Transaction().set_context(
                    from_date=data['today'], to_date=data['today']):
                rows = RepDay.search([])
                columns = ['date', 'employee/rec_name', 'calls', 'doctors']
                self.assertEqual(RepDay.export_data(rows, columns),
                    super(BatchExportMixin, RepDay).export_data(
                        rows, columns))

    @with_transaction()
    def test_rep_read_rule_representatives(self):
        "A rep reads own calls and the calls on the parties covered today"
        pool = Pool()
        Call = pool.get('pharma.call')
        data = self._setup()
        with set_company(data['company']):
            own = self._call(data, party='d3')
            covered = self._call(data, login='rep2', party='d1')
            others = [self._call(data, login='rep2', party='d2'),
                self._call(data, login='rep2', party='d3')]
            self.assertEqual(list(own.representatives), [data['rep1']])
            self.assertEqual(sorted(e.id for e in covered.representatives),
                sorted([data['rep1'].id, data['rep2'].id]))
            rep1 = [data['rep1'].id]
            # the searcher gives the rows of the list-based domain
            self.assertEqual(
                sorted(Call.search([('representatives', 'in', rep1)])),
                sorted(Call.search(['OR', ('employee', 'in', rep1),
                            ('party', 'in', [data['h1'].id,
                                    data['d1'].id])])))
            self.assertEqual(
                sorted(Call.search([('representatives', 'not in', rep1)])),
                sorted(others))
            self.assertEqual(Call.search([('representatives', 'in', [])]),
                [])
            with self._as(data, 'rep1'):
                self.assertEqual(sorted(Call.search([])),
                    sorted([own, covered]))
                self.assertEqual(Call.search_count([]), 2)

    @with_transaction()
    def test_report_rules_on_calls(self):
        "The call reports group only the calls of the rows the user reads"
        pool = Pool()
        Call = pool.get('pharma.call')
        RepDay = pool.get('pharma.call.report.rep_day')
        Coverage = pool.get('pharma.call.report.coverage')
        data = self._setup()
        with set_company(data['company']):
            calls = [self._call(data), self._call(data, party='d1'),
                self._call(data, login='rep2', party='d2')]
            Call.do(calls)
            context = {'from_date': data['today'],
                'to_date': data['today']}

            def rows(Report, login, pushdown=True):
                with self._as(data, login), \
                        Transaction().set_context(context):
                    if pushdown:
                        self.assertIsNotNone(
                            Report._rule_where(Call.__table__()))
                    records = Report.search([])
                    return sorted((r.employee.id, r.calls)
                        for r in Report.browse(records))

            def without_pushdown(Report, login):
                with patch.object(Report, '_rule_where',
                        return_value=None):
                    return rows(Report, login, pushdown=False)
            for Report in [RepDay, Coverage]:
                self.assertEqual(rows(Report, 'rep1'),
                    [(data['rep1'].id, 2)])
                self.assertEqual(rows(Report, 'manager1'), sorted(
                        [(data['rep1'].id, 2), (data['rep2'].id, 1)]))
                for login in ['rep1', 'manager1']:
                    self.assertEqual(rows(Report, login),
                        without_pushdown(Report, login))

    @with_transaction()
    def test_calendar_end(self):
        "The calendar ends a call on its own day (23:00 not over midnight)"
        pool = Pool()
        Call = pool.get('pharma.call')
        data = self._setup()
        company = data['company']
        company.timezone = 'Asia/Shanghai'
        company.save()
        utc = datetime.datetime
        with set_company(company):
            # 2026-03-10 at 10:00 and at 23:45 in Shanghai
            morning = self._call(data, date=utc(2026, 3, 10, 2, 0))
            late = self._call(data, party='d3', date=utc(2026, 3, 10, 15, 45))
            self.assertEqual(morning.calendar_end, utc(2026, 3, 10, 2, 30))
            # 23:59 in Shanghai, not 00:15 of the next day
            self.assertEqual(late.calendar_end, utc(2026, 3, 10, 15, 59))
            with self._as(data, 'rep1'):
                # the calendar's domain on the end finds the calls
                self.assertEqual(Call.search([
                            ('calendar_end', '>=', utc(2026, 3, 10, 2, 15)),
                            ('calendar_end', '<', utc(2026, 3, 10, 3, 0)),
                            ]), [morning])
                # moving a planned call in the calendar writes its date
                Call.write([morning], {
                        'date': utc(2026, 3, 10, 3, 0),
                        'calendar_end': utc(2026, 3, 10, 3, 30),
                        })
                self.assertEqual(morning.date, utc(2026, 3, 10, 3, 0))

    @with_transaction()
    def test_call_rec_name_company_time(self):
        "A call's name shows its time in the company's timezone, not UTC"
        data = self._setup()
        company = data['company']
        utc = datetime.datetime
        with set_company(company):
            call = self._call(data, date=utc(2026, 3, 10, 2, 0))
            self.assertTrue(call.rec_name.endswith(' @ 2026-03-10 02:00'))
            company.timezone = 'Asia/Shanghai'
            company.save()
            # 10:00 in Shanghai
            call = self._call(data, party='d3', date=utc(2026, 3, 10, 2, 0))
            self.assertTrue(call.rec_name.endswith(' @ 2026-03-10 10:00'))
            # 00:30 of the next day in Shanghai
            call = self._call(data, date=utc(2026, 3, 10, 16, 30))
            self.assertTrue(call.rec_name.endswith(' @ 2026-03-11 00:30'))

    @with_transaction()
    def test_report_company_day(self):
        "The call reports count days in the company's timezone, not UTC"
        pool = Pool()
        Call = pool.get('pharma.call')
        RepDay = pool.get('pharma.call.report.rep_day')
        data = self._setup()
        company = data['company']
        company.timezone = 'Asia/Shanghai'
        company.save()
        utc = datetime.datetime
        with set_company(company):
            calls = [
                # 2026-03-10 07:30 and 09:00 in Shanghai
                self._call(data, party='d1', date=utc(2026, 3, 9, 23, 30)),
                self._call(data, party='d3', date=utc(2026, 3, 10, 1, 0)),
                # 2026-03-11 00:30 in Shanghai
                self._call(data, party='d1', date=utc(2026, 3, 10, 16, 30)),
                ]
            Call.do(calls)
            day = datetime.date(2026, 3, 10)
            with Transaction().set_context(from_date=day, to_date=day):
                record, = RepDay.search([])
                self.assertEqual(record.date, day)
                self.assertEqual((record.calls, record.doctors), (2, 2))
            with Transaction().set_context(
                    from_date=day, to_date=day + datetime.timedelta(days=1)):
                records = RepDay.search([], order=[('date', 'ASC')])
                self.assertEqual(
                    [(r.date, r.calls) for r in records],
                    [(day, 2), (day + datetime.timedelta(days=1), 1)])
                # reading a row restricts the query to its own day (read
                # returns the rows in no particular order)
                calls = {r['id']: r['calls'] for r in RepDay.read(
                        [r.id for r in records], ['calls'])}
                self.assertEqual([calls[r.id] for r in records], [2, 1])

    def _event(self, data, topic, start, days=1, **values):
        Event = Pool().get('pharma.event')
        vals = {
            'company': data['company'].id,
            'topic': topic,
            'date': start,
            'end_date': start + datetime.timedelta(days=days),
            'organiser': data['rep1'].id,
            }
        vals.update(values)
        event, = Event.create([vals])
        return event

    @with_transaction()
    def test_invitation_conflict(self):
        "Inviting a doctor invited by another rep to an overlapping event"
        pool = Pool()
        Invitation = pool.get('pharma.event.invitation')
        data = self._setup()
        with set_company(data['company']):
            start = datetime.datetime(2026, 3, 2, 9)
            e1 = self._event(data, "Heart failure", start)
            e2 = self._event(data, "Hypertension",
                start + datetime.timedelta(hours=12))
            e3 = self._event(data, "Lipids", start + datetime.timedelta(
                    days=5))
            Invitation.create([{
                        'event': e1.id, 'doctor': data['d1'].id,
                        'invited_by': data['rep1'].id}])
            with self._refused(UserError, 'Rep1'):
                Invitation.create([{
                            'event': e2.id, 'doctor': data['d1'].id,
                            'invited_by': data['rep2'].id}])
            # the same rep or a non-overlapping event is fine
            Invitation.create([{
                        'event': e2.id, 'doctor': data['d1'].id,
                        'invited_by': data['rep1'].id}, {
                        'event': e3.id, 'doctor': data['d1'].id,
                        'invited_by': data['rep2'].id}])

    @with_transaction()
    def test_event_caps(self):
        "Caps per attendee, per doctor and period, and events per doctor"
        pool = Pool()
        Invitation = pool.get('pharma.event.invitation')
        Configuration = pool.get('pharma.configuration')
        Party = pool.get('party.party')
        data = self._setup()
        with set_company(data['company']):
            config = Configuration.get_config()
            config.cap_per_attendee = Decimal(500)
            config.cap_per_doctor = Decimal(800)
            config.cap_per_event = Decimal(1000)
            config.event_max_per_doctor = 2
            config.save()
            start = datetime.datetime.now().replace(
                microsecond=0) - datetime.timedelta(days=20)
            events = [self._event(data, "E%s" % i,
                    start + datetime.timedelta(days=7 * i))
                for i in range(3)]
            with self._refused(UserError, 'per attendee'):
                Invitation.create([{
                            'event': events[0].id, 'doctor': data['d1'].id,
                            'invited_by': data['rep1'].id,
                            'cost': Decimal(600)}])
            Invitation.create([{
                        'event': events[0].id, 'doctor': data['d1'].id,
                        'invited_by': data['rep1'].id,
                        'cost': Decimal(400)}])
            with self._refused(UserError, 'exceeds the cap of'):
                Invitation.create([{
                            'event': events[1].id, 'doctor': data['d1'].id,
                            'invited_by': data['rep1'].id,
                            'cost': Decimal(450)}])
            Invitation.create([{
                        'event': events[1].id, 'doctor': data['d1'].id,
                        'invited_by': data['rep1'].id,
                        'cost': Decimal(100)}])
            with self._refused(UserError, 'more than 2 events'):
                Invitation.create([{
                            'event': events[2].id, 'doctor': data['d1'].id,
                            'invited_by': data['rep1'].id}])
            with self._refused(UserError, 'cap per event'):
                self._event(data, "Big", start, budget_committed=2000)
            self.assertEqual(
                Party(data['d1'].id).event_spend_period, Decimal(500))

    @with_transaction()
    def test_evidence_reused(self):
        "The same file on two events is flagged as reused"
        pool = Pool()
        Evidence = pool.get('pharma.event.evidence')
        Event = pool.get('pharma.event')
        data = self._setup()
        with set_company(data['company']):
            start = datetime.datetime(2026, 3, 2, 9)
            e1 = self._event(data, "E1", start)
            e2 = self._event(data, "E2", start + datetime.timedelta(days=30))
            a, b, c = Evidence.create([{
                        'event': e1.id, 'name': 'sign-in.jpg',
                        'kind': 'sign_in', 'file': b'photo-1'}, {
                        'event': e1.id, 'name': 'room.jpg',
                        'file': b'photo-2'}, {
                        'event': e2.id, 'name': 'sign-in-2.jpg',
                        'kind': 'sign_in', 'file': b'photo-1'}])
            self.assertEqual(len(a.sha256), 64)
            self.assertEqual([a.reused, b.reused, c.reused],
                [True, False, True])
            self.assertEqual(set(Evidence.search([('reused', '=', True)])),
                {a, c})
            self.assertTrue(Event(e2.id).reused_evidence)

    @with_transaction()
    def test_handover_and_alerts(self):
        "Open calls and draft plans move; overdue follow-ups alert"
        pool = Pool()
        Call = pool.get('pharma.call')
        Plan = pool.get('pharma.weekly.plan')
        Notification = pool.get('res.notification')
        data = self._setup()
        with set_company(data['company']):
            past = datetime.datetime.now().replace(
                microsecond=0) - datetime.timedelta(days=10)
            done = self._call(data, date=past)
            Call.do([done])
            followup = self._call(data, date=past, followup_of=done.id)
            today = data['today']
            plan, = Plan.create([{
                        'company': data['company'].id,
                        'employee': data['rep1'].id,
                        'week_start': today - datetime.timedelta(
                            days=today.weekday()),
                        }])
            alerts = Call.send_alerts()
            labels = {(a[2], a[4]) for a in alerts}
            self.assertIn(("Follow-up call overdue", True), labels)
            Handover = pool.get('pharma.handover', type='wizard')
            empty_plan = plan
            planned_plan, = Plan.create([{
                        'company': data['company'].id,
                        'employee': data['rep1'].id,
                        'week_start': empty_plan.week_start
                        + datetime.timedelta(days=7),
                        }])
            in_plan = self._call(data, weekly_plan=planned_plan.id,
                date=datetime.datetime.combine(planned_plan.week_start,
                    datetime.time(10)))
            log = Handover.run(data['company'], data['rep1'], data['rep2'],
                'transfer', scope='parties', parties=[data['d1']])
            moved = {l.record for l in log.lines}
            self.assertGreaterEqual(moved, {followup, in_plan, planned_plan})
            self.assertEqual(Call(followup.id).employee, data['rep2'])
            self.assertEqual(Call(done.id).employee, data['rep1'])
            self.assertEqual(Plan(planned_plan.id).employee, data['rep2'])
            self.assertEqual(Call(in_plan.id).weekly_plan, planned_plan)
            self.assertEqual(Call(in_plan.id).employee, data['rep2'])
            # an empty draft plan stays with its rep
            self.assertEqual(Plan(empty_plan.id).employee, data['rep1'])
    @with_transaction()
    def test_log_meeting_and_cycle_plan(self):
        "A department meeting logs one call per attendee; cycle plans"
        pool = Pool()
        Call = pool.get('pharma.call')
        LogMeeting = pool.get('pharma.call.log_meeting', type='wizard')
        CyclePlan = pool.get('pharma.cycle.plan')
        Plan = pool.get('pharma.weekly.plan')
        data = self._setup()
        with set_company(data['company']):
            with self._as(data, 'rep1'), Transaction().set_context(
                    active_model='pharma.hospital.department',
                    active_id=data['dep1'].id,
                    active_ids=[data['dep1'].id]):
                session_id, _, _ = LogMeeting.create()
                result = LogMeeting.execute(session_id, {}, 'start')
                values = {k: v for k, v in result['view']['defaults'].items()
                    if '.' not in k}
                self.assertEqual(values['department'], data['dep1'].id)
                values['doctors'] = [data['d1'].id, data['d3'].id]
                values['products'] = []
                LogMeeting.execute(session_id, {'start': values}, 'log')
            calls = Call.search([('call_type', '=', 'department_meeting')])
            self.assertEqual({c.party for c in calls},
                {data['d1'], data['d3']})
            self.assertEqual({c.state for c in calls}, {'done'})

            today = data['today']
            cycle, = CyclePlan.create([{
                        'company': data['company'].id,
                        'employee': data['rep1'].id,
                        'start_date': today.replace(day=1),
                        'end_date': (today.replace(day=1)
                            + datetime.timedelta(days=32)).replace(day=1)
                        - datetime.timedelta(days=1),
                        }])
            CyclePlan.generate([cycle])
            cycle = CyclePlan(cycle.id)
            line, = cycle.lines  # rep1 covers only the A-tier doctor D1
            self.assertEqual((line.party, line.target_calls), (data['d1'], 4))
            self.assertEqual(line.done_calls, 1)
            self.assertEqual(line.remaining_calls, 3)
            self.assertEqual(cycle.attainment, 0.25)
            monday = today - datetime.timedelta(days=today.weekday())
            if monday < cycle.start_date:
                # early in a month this week starts in the previous one:
                # plan the first week that starts within the cycle
                monday += datetime.timedelta(days=7)
            plan, = Plan.create([{
                        'company': data['company'].id,
                        'employee': data['rep1'].id,
                        'week_start': monday}])
            Plan.fill_from_cycle([plan])
            self.assertEqual(
                [c.party for c in Plan(plan.id).lines], [data['d1']])

    @with_transaction()
    def test_demo(self):
        "The demo data is created"
        import random
        from trytond.modules.pharma_calls import demo
        pool = Pool()
        Call = pool.get('pharma.call')
        Plan = pool.get('pharma.weekly.plan')
        Event = pool.get('pharma.event')
        Area = pool.get('pharma.therapeutic.area')
        Inventory = pool.get('stock.inventory')
        Configuration = pool.get('pharma.configuration')
        Notification = pool.get('res.notification')
        data = self._setup()
        with set_company(data['company']):
            area, = Area.create([{'name': "Cardiology"}])
            self._product("Statin", is_pharma=True,
                therapeutic_area=area.id)
            demo.create_demo({
                    'pool': pool, 'company': data['company'],
                    'users': {l: data[l + '_user'] for l in ['rep1', 'rep2']},
                    'employees': {l: data[l] for l in [
                            'rep1', 'rep2', 'manager1']},
                    'today': data['today'], 'progress': lambda m: None,
                    'random': random.Random(42),
                    })
            self.assertGreater(Call.search_count([('state', '=', 'done')]),
                100)
            self.assertEqual(Plan.search_count([
                        ('state', '=', 'submitted'),
                        ('employee', '=', data['rep1'].id)]), 1)
            self.assertEqual(Event.search_count([]), 2)
            frequency, = Configuration.get_config().call_frequencies
            self.assertEqual(
                (frequency.therapeutic_area, frequency.freq_a), (area, 6))
            flagged, = Inventory.search([('sample_differences', '=', True)])
            self.assertEqual(flagged.sample_employee, data['rep1'])
            self.assertEqual(Inventory.search_count([
                        ('sample_employee', '=', data['rep2'].id),
                        ('state', '=', 'draft')]), 1)
            Transaction()._store_user_notifications()
            self.assertEqual(Notification.search_count([
                        ('user', '=', data['manager1_user'].id),
                        ('model', '=', 'stock.inventory')]), 1)

    def _product(self, name, **values):
        pool = Pool()
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        unit, = Uom.search([('name', '=', 'Unit')])
        vals = {
            'name': name, 'type': 'goods', 'default_uom': unit.id,
            'products': [('create', [{}])],
            }
        vals.update(values)
        template, = Template.create([vals])
        return template.products[0]

    def _sample_bag(self, data, login='rep1'):
        "A sample location for the rep"
        pool = Pool()
        Location = pool.get('stock.location')
        Employee = pool.get('company.employee')
        storage, = Location.search([('code', '=', 'STO')])
        bag, = Location.create([{
                    'name': "%s bag" % login, 'type': 'storage',
                    'parent': storage.parent.id}])
        Employee.write([data[login]], {'sample_location': bag.id})
        return bag

    def _receive(self, data, product, location, quantity, lot=None):
        pool = Pool()
        Location = pool.get('stock.location')
        Move = pool.get('stock.move')
        supplier, = Location.search([('code', '=', 'SUP')])
        values = {
            'product': product.id, 'unit': product.default_uom.id,
            'quantity': quantity, 'from_location': supplier.id,
            'to_location': location.id,
            'company': data['company'].id,
            'unit_price': Decimal(1),
            'currency': data['company'].currency.id,
            }
        if lot:
            values['lot'] = lot.id
        move, = Move.create([values])
        Move.do([move])
        return move

    @with_transaction()
    def test_product_line_frequency(self):
        "Product-line targets per doctor, per doctor and line, cycle plan"
        pool = Pool()
        Call = pool.get('pharma.call')
        Party = pool.get('party.party')
        Area = pool.get('pharma.therapeutic.area')
        Configuration = pool.get('pharma.configuration')
        CyclePlan = pool.get('pharma.cycle.plan')
        Coverage = pool.get('pharma.call.report.coverage')
        data = self._setup()
        with set_company(data['company']):
            cardio, onco = Area.create([
                    {'name': "Cardiology"}, {'name': "Oncology"}])
            config = Configuration.get_config()
            Configuration.write([config], {'call_frequencies': [
                        ('create', [{
                                    'therapeutic_area': cardio.id,
                                    'freq_a': 6, 'freq_b': 3, 'freq_c': 1,
                                    }, {
                                    'therapeutic_area': onco.id,
                                    'freq_a': 2,
                                    }])]})
            Party.write([data['d1']], {
                    'therapeutic_areas': [('add', [cardio.id, onco.id])]})
            # D3 is C-tier: the oncology line has no C-tier target
            Party.write([data['d3']], {
                    'therapeutic_areas': [('add', [onco.id])]})
            statin = self._product("Statin", is_pharma=True,
                therapeutic_area=cardio.id)
            tki = self._product("TKI", is_pharma=True,
                therapeutic_area=onco.id)
            detail = lambda *ps: [('create', [
                        {'product': p.id} for p in ps])]
            done = [
                self._call(data, products=detail(statin)),
                self._call(data, products=detail(statin, tki)),
                self._call(data),
                ]
            Call.do(done)
            self._call(data, products=detail(tki))  # planned

            d1, d2, d3 = Party.browse([data['d1'], data['d2'], data['d3']])
            # the highest line target; no line: the tier
            self.assertEqual(d1.call_target_month, 6)
            self.assertEqual(d2.call_target_month, 2)
            self.assertEqual(d3.call_target_month, 1)
            self.assertEqual(d3.call_lines, ())
            lines = {l.therapeutic_area: (l.target, l.planned, l.done)
                for l in d1.call_lines}
            self.assertEqual(lines, {
                    cardio: (6, 0, 2),
                    onco: (2, 1, 1),
                    })
            self.assertEqual(d1.calls_done_month, 3)

            today = data['today']
            cycle, = CyclePlan.create([{
                        'company': data['company'].id,
                        'employee': data['rep1'].id,
                        'start_date': today.replace(day=1),
                        'end_date': (today.replace(day=1)
                            + datetime.timedelta(days=32)).replace(day=1)
                        - datetime.timedelta(days=1),
                        }])
            CyclePlan.generate([cycle])
            cycle = CyclePlan(cycle.id)
            self.assertEqual(
                {(l.party, l.therapeutic_area): (
                        l.target_calls, l.done_calls, l.remaining_calls)
                    for l in cycle.lines},
                {(d1, cardio): (6, 2, 4), (d1, onco): (2, 1, 1)})
            # generating again adds nothing
            CyclePlan.generate([cycle])
            self.assertEqual(len(CyclePlan(cycle.id).lines), 2)

            with Transaction().set_context(
                    from_date=today.replace(day=1), to_date=today):
                coverage = {r.party: r for r in Coverage.search([])}
                self.assertEqual(coverage[d1].target, 6)
                # the report's target (in SQL) is get_frequency's, VIP
                # frequency first
                Party.write([d1], {'vip': True, 'vip_frequency': 5})
            # the report's rows read before the write are cached in the
            # transaction (as for any model): read again with a fresh
            # cache, as the client's next request would
            Transaction().cache.clear()
            with Transaction().set_context(
                    from_date=today.replace(day=1), to_date=today):
                coverage = {r.party: r for r in Coverage.search([])}
                self.assertEqual(
                    {p: (r.target, r.attainment)
                        for p, r in coverage.items()},
                    {p: (config.get_frequency(p),
                            r.calls / config.get_frequency(p))
                        for p, r in coverage.items()})
                self.assertEqual(coverage[d1].target, 5)

            # a rep reads the lines of the doctors they see
            with self._as(data, 'rep1'):
                self.assertEqual(len(Party(data['d1'].id).call_lines), 2)

    @with_transaction()
    def test_sample_count(self):
        "The monthly count of a rep's samples; differences go to the manager"
        pool = Pool()
        Inventory = pool.get('stock.inventory')
        Line = pool.get('stock.inventory.line')
        Notification = pool.get('res.notification')
        Product = pool.get('product.product')
        Location = pool.get('stock.location')
        data = self._setup()
        with set_company(data['company']):
            product = self._product("Sample Drug")
            bag = self._sample_bag(data)
            self._receive(data, product, bag, 10)

            count, = Inventory.create_sample_counts()
            self.assertEqual(count.sample_employee, data['rep1'])
            self.assertEqual(count.location, bag)
            line, = count.lines
            self.assertEqual((line.product, line.expected_quantity),
                (product, 10))
            # one draft count per rep at a time
            self.assertEqual(Inventory.create_sample_counts(), [])
            storage, = Location.search([('code', '=', 'STO')])
            with self._refused(UserError, 'sample location'):
                Inventory.create([{
                            'company': data['company'].id,
                            'location': storage.id,
                            'sample_employee': data['rep1'].id}])

            with self._as(data, 'rep2'):
                self.assertEqual(Inventory.search([]), [])
                with self.assertRaises(AccessError):
                    Inventory.read([count.id], ['number'])
            with self._as(data, 'rep1'):
                self.assertEqual(Inventory.search([]), [count])
                # the rep counts 8, and cannot lower the expected quantity
                Line.write([Line(line.id)], {
                        'quantity': 8, 'expected_quantity': 8})
                Inventory.confirm([Inventory(count.id)])
                with self.assertRaises(AccessError):
                    Inventory.write([Inventory(count.id)], {
                            'sample_differences': False})
            count = Inventory(count.id)
            self.assertEqual(count.state, 'done')
            self.assertTrue(count.sample_differences)
            self.assertEqual(Line(line.id).expected_quantity, 10)
            with Transaction().set_context(locations=[bag.id]):
                self.assertEqual(Product(product.id).quantity, 8)
            Transaction()._store_user_notifications()
            notification, = Notification.search([
                    ('model', '=', 'stock.inventory')])
            self.assertEqual(notification.user, data['manager1_user'])
            self.assertEqual(json.loads(notification.records), [count.id])
            self.assertIn("Sample Drug", notification.description)
            with self._as(data, 'manager1'):
                self.assertEqual(Inventory.search(
                        [('sample_differences', '=', True)]), [count])
            with self._as(data, 'manager2'):
                self.assertEqual(Inventory.search([]), [])

            # a count that matches is not flagged
            count2, = Inventory.create_sample_counts()
            Line.write(list(count2.lines), {'quantity': 8})
            Inventory.confirm([count2])
            self.assertFalse(Inventory(count2.id).sample_differences)
            Transaction()._store_user_notifications()
            self.assertEqual(Notification.search_count([
                        ('model', '=', 'stock.inventory')]), 1)

            # the wizard: a manager counts the samples of the team only
            Create = pool.get('pharma.sample.count.create', type='wizard')
            for login, allowed in [('manager1', True), ('manager2', False)]:
                with self._as(data, login):
                    session_id, _, _ = Create.create()
                    result = Create.execute(session_id, {}, 'start')
                    defaults = result['view']['defaults']
                    self.assertEqual(defaults['employees'],
                        [data['rep1'].id] if allowed else [])
                    start = {'date': data['today'],
                        'employees': [data['rep1'].id]}
                    if allowed:
                        result = Create.execute(
                            session_id, {'start': start}, 'create_')
                        self.assertEqual(result['actions'][0][0][
                                'res_model'], 'stock.inventory')
                    else:
                        with self.assertRaises(AccessError):
                            Create.execute(
                                session_id, {'start': start}, 'create_')
                    Create.delete(session_id)
            self.assertEqual(Inventory.search_count([
                        ('sample_employee', '=', data['rep1'].id),
                        ('state', '=', 'draft')]), 1)

    @with_transaction()
    def test_samples_lot(self):
        "Samples by lot leave the rep's location; more than the lot is refused"
        pool = Pool()
        Call = pool.get('pharma.call')
        Lot = pool.get('stock.lot')
        Product = pool.get('product.product')
        data = self._setup()
        with set_company(data['company']):
            product = self._product("Lot Drug", lot_required=['storage'])
            bag = self._sample_bag(data)
            lot1, lot2 = Lot.create([
                    {'number': 'L1', 'product': product.id},
                    {'number': 'L2', 'product': product.id}])
            self._receive(data, product, bag, 5, lot=lot1)
            self._receive(data, product, bag, 5, lot=lot2)

            call = self._call(data, samples=[('create', [{
                                'product': product.id, 'lot': lot1.id,
                                'quantity': 6}])])
            # 10 in the bag but only 5 of lot L1
            with self._refused(UserError, 'holds only'):
                Call.do([call])
            Call.write([call], {'samples': [
                        ('write', [s.id for s in call.samples],
                            {'quantity': 3})]})
            Call.do([call])
            move, = Call(call.id).stock_moves
            self.assertEqual((move.lot, move.quantity, move.state),
                (lot1, 3, 'done'))
            self.assertEqual(move.from_location, bag)
            with Transaction().set_context(locations=[bag.id]):
                self.assertEqual(Product(product.id).quantity, 7)
            with Transaction().set_context(
                    locations=[bag.id], lot=lot1.id):
                self.assertEqual(Lot(lot1.id).quantity, 2)
                self.assertEqual(Lot(lot2.id).quantity, 5)

    def _kpi_setup(self, data):
        """dep1 and dep2 are targets of H1 (rep1 covers H1), dep3 is not;
        rep1 did a call on D1 (dep1) and one on D3 (dep3); an event of
        rep1 where D1 and D3 attended (100 + 50) and D2 did not show"""
        pool = Pool()
        Department = pool.get('pharma.hospital.department')
        Party = pool.get('party.party')
        Call = pool.get('pharma.call')
        Invitation = pool.get('pharma.event.invitation')
        Territory = pool.get('pharma.territory')
        Department.write([data['dep1']], {'target': True})
        dep2, dep3 = Department.create([
                {'hospital': data['h1'].id, 'name': "肿瘤科",
                    'target': True},
                {'hospital': data['h1'].id, 'name': "皮肤科"}])
        Party.write([data['d3']], {'department': dep3.id})
        east, west = Territory.create([
                {'name': "East", 'level': 'region'},
                {'name': "West", 'level': 'region'}])
        Party.write([data['h1']], {'territory': east.id})
        calls = [self._call(data, party='d1'), self._call(data, party='d3')]
        Call.do(calls)
        # an hour into the company's day of data['today'] (now - 2 hours
        # was the day before from midnight to 2:00)
        event = self._event(data, "Lipids",
            utc_start(data['today']) + datetime.timedelta(hours=1),
            days=0, state='done')
        Invitation.create([{
                    'event': event.id, 'doctor': data[d].id,
                    'invited_by': data['rep1'].id, 'state': state,
                    'cost': Decimal(cost),
                    } for d, state, cost in [
                    ('d1', 'attended', 100), ('d3', 'attended', 50),
                    ('d2', 'no_show', 70)]])
        return {'east': east, 'west': west, 'dep2': dep2, 'dep3': dep3}

    @with_transaction()
    def test_rep_kpi(self):
        "Department coverage, data quality and events per rep and period"
        pool = Pool()
        KPI = pool.get('pharma.call.report.rep_kpi')
        QualityRep = pool.get('pharma.quality.rep')
        data = self._setup()
        with set_company(data['company']):
            extra = self._kpi_setup(data)
            today = data['today']
            period = {'from_date': today, 'to_date': today}
            with Transaction().set_context(period):
                rows = {r.employee: r for r in KPI.search([])}
                kpi = rows[data['rep1']]
                self.assertEqual(
                    (kpi.calls, kpi.doctors, kpi.hospitals), (2, 2, 1))
                # dep1 of the two targets; dep3 is not a target
                self.assertEqual(
                    (kpi.departments_reached, kpi.target_departments),
                    (1, 2))
                self.assertEqual(kpi.department_coverage, 0.5)
                quality, = QualityRep.search(
                    [('employee', '=', data['rep1'].id)])
                self.assertAlmostEqual(
                    kpi.quality_score, quality.average_score, places=1)
                self.assertEqual(
                    (kpi.events, kpi.doctors_attended), (1, 2))
                self.assertEqual(kpi.event_cost, Decimal(150))
                self.assertEqual(kpi.cost_per_doctor, Decimal(75))
                # rep2 covers only a doctor: no calls, its data quality
                self.assertEqual(rows[data['rep2']].calls, 0)
                self.assertEqual(rows[data['rep2']].target_departments, 0)
            yesterday = today - datetime.timedelta(days=1)
            with Transaction().set_context(
                    from_date=yesterday, to_date=yesterday):
                kpi = {r.employee: r for r in KPI.search([])}[data['rep1']]
                self.assertEqual((kpi.calls, kpi.departments_reached,
                        kpi.events, kpi.doctors_attended), (0, 0, 0, 0))
                self.assertIsNone(kpi.cost_per_doctor)
            statin = self._product("Statin")
            with Transaction().set_context(period, product=statin.id):
                # no call detailed it, no event was about it
                kpi = {r.employee: r for r in KPI.search([])}[data['rep1']]
                self.assertEqual((kpi.calls, kpi.departments_reached,
                        kpi.target_departments, kpi.events), (0, 0, 2, 0))
            with Transaction().set_context(period,
                    representative=data['rep2'].id):
                self.assertEqual(
                    [r.employee for r in KPI.search([])], [data['rep2']])
            with Transaction().set_context(period,
                    territory=extra['west'].id):
                self.assertEqual(KPI.search([]), [])
            with Transaction().set_context(period,
                    territory=extra['east'].id):
                kpi, = KPI.search([])
                self.assertEqual((kpi.employee, kpi.calls),
                    (data['rep1'], 2))

            with self._as(data, 'rep2'), \
                    Transaction().set_context(period):
                self.assertEqual(
                    [r.employee for r in KPI.search([])], [data['rep2']])
            with self._as(data, 'manager1'), \
                    Transaction().set_context(period):
                self.assertEqual(
                    {r.employee for r in KPI.search([])},
                    {data['rep1'], data['rep2']})

    @with_transaction()
    def test_hospital_sales(self):
        "Calls and coverage beside the sell-out per hospital and month"
        pool = Pool()
        Report = pool.get('pharma.call.report.hospital_sales')
        Flow = pool.get('pharma.flow.line')
        Party = pool.get('party.party')
        data = self._setup()
        with set_company(data['company']):
            extra = self._kpi_setup(data)
            distributor, = Party.create([{
                        'name': "国药控股", 'pharma_type': 'distributor'}])
            today = data['today']
            month = today.replace(day=1)
            last_month = (month - datetime.timedelta(days=1)).replace(day=1)
            product = self._product("Statin")
            Flow.create([{
                        'company': data['company'].id,
                        'date': date,
                        'month': date.replace(day=1),
                        'distributor': distributor.id,
                        'customer_name': data['h1'].name,
                        'customer': data['h1'].id,
                        'product': product.id,
                        'quantity': quantity,
                        'amount': Decimal(quantity * 30),
                        } for date, quantity in [
                        (today, 10), (today, 5), (last_month, 20)]])
            with Transaction().set_context(
                    from_date=last_month, to_date=today):
                rows = {r.month: r for r in Report.search([
                            ('hospital', '=', data['h1'].id)])}
                self.assertEqual(set(rows), {month, last_month})
                row = rows[month]
                self.assertEqual((row.calls, row.doctors,
                        row.departments_reached, row.target_departments),
                    (2, 2, 1, 2))
                self.assertEqual(row.department_coverage, 0.5)
                self.assertEqual(row.quantity, 15)
                self.assertEqual(row.amount, Decimal(450))
                self.assertEqual(row.territory, extra['east'])
                row = rows[last_month]
                self.assertEqual((row.calls, row.quantity, row.amount),
                    (0, 20, Decimal(600)))
            with Transaction().set_context(from_date=month, to_date=today):
                row, = Report.search([])
                self.assertEqual(row.month, month)
                # read again by id
                self.assertEqual(Report(row.id).amount, Decimal(450))
                # rep2 covers D2 of H1: the sales of H1, none of the calls
                with Transaction().set_context(
                        representative=data['rep2'].id):
                    row, = Report.search([])
                    self.assertEqual((row.calls, row.amount),
                        (0, Decimal(450)))
                with Transaction().set_context(territory=extra['west'].id):
                    self.assertEqual(Report.search([]), [])
                # the product's sales beside the calls detailing it
                with Transaction().set_context(product=product.id):
                    row, = Report.search([])
                    self.assertEqual((row.calls, row.amount),
                        (0, Decimal(450)))
                other = self._product("Other")
                with Transaction().set_context(product=other.id):
                    self.assertEqual(Report.search([]), [])
            with self._as(data, 'rep1'):
                with self.assertRaises(AccessError):
                    Report.search([])
            with self._as(data, 'manager1'), Transaction().set_context(
                    from_date=month, to_date=today):
                self.assertEqual(len(Report.search([])), 1)


    @with_transaction()
    def test_list_views_datetime_widget(self):
        "Every DateTime field of a list view has a date/time widget"
        self.assertEqual(tree_datetime_without_widget(self.module), [])


del ModuleTestCase
