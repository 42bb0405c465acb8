# This file is part of the pharma suite. See README.md for license terms.
import contextlib
import datetime as dt

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.modules.party.tests import PartyCheckReplaceMixin
from trytond.modules.pharma_hospital.tests.checks import (
    tree_datetime_without_widget)
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction


class PharmaServiceTestCase(
        PartyCheckReplaceMixin, CompanyTestMixin, ModuleTestCase):
    "Test pharma_service module"
    module = 'pharma_service'

    def _setup(self):
        """Company, rep1 covering hospital H1 (not H2), quality1 and
        medical1"""
        pool = Pool()
        Party = pool.get('party.party')
        Employee = pool.get('company.employee')
        User = pool.get('res.user')
        Coverage = pool.get('pharma.coverage')
        ModelData = pool.get('ir.model.data')
        Date = pool.get('ir.date')

        company = create_company()
        data = {'company': company, 'today': Date.today()}
        for login, group in [
                ('rep1', 'group_pharma_rep'),
                ('rep2', 'group_pharma_rep'),
                ('quality1', 'group_pharma_quality'),
                ('medical1', 'group_pharma_medical')]:
            party, = Party.create([{'name': login.title()}])
            employee, = Employee.create([{
                        'party': party.id,
                        'company': company.id,
                        }])
            user, = User.create([{
                        'name': login.title(),
                        'login': login,
                        'companies': [('add', [company.id])],
                        'company': company.id,
                        'employees': [('add', [employee.id])],
                        'employee': employee.id,
                        'groups': [('add', [
                                    ModelData.get_id(
                                        'pharma_hospital', group)])],
                        }])
            data[login + '_employee'] = employee
            data[login + '_user'] = user
        h1, h2 = Party.create([{
                    'name': "Hospital 1", 'pharma_type': 'hospital',
                    }, {
                    'name': "Hospital 2", 'pharma_type': 'hospital',
                    }])
        Coverage.create([{
                    'company': company.id,
                    'employee': data['rep1_employee'].id,
                    'party': h1.id,
                    'role': 'primary',
                    'start_date': data['today'] - dt.timedelta(days=10),
                    }])
        data['h1'], data['h2'] = h1, h2
        return data

    @contextlib.contextmanager
    def _as_user(self, user, company):
        transaction = Transaction()
        with contextlib.ExitStack() as stack:
            stack.enter_context(transaction.set_user(user.id))
            stack.enter_context(transaction.set_context(
                    _check_access=True, company=company.id))
            yield

    def _adverse_event(self, company, awareness_date, seriousness, **values):
        pool = Pool()
        Case = pool.get('pharma.service.case')
        values = {
            'company': company.id,
            'case_type': 'adverse_event',
            'channel': 'hotline',
            'awareness_date': awareness_date,
            'seriousness': seriousness,
            'patient_initials': 'ZS',
            **values,
            }
        case, = Case.create([values])
        return case

    @with_transaction()
    def test_serious_adverse_event_deadline(self):
        "A serious adverse event learned today is due in 15 days"
        pool = Pool()
        Case = pool.get('pharma.service.case')
        Date = pool.get('ir.date')
        company = create_company()
        today = Date.today()
        with set_company(company):
            case = self._adverse_event(company, today, 'hospitalisation')
            self.assertEqual(
                case.report_due_date, today + dt.timedelta(days=15))
            self.assertFalse(case.ae_overdue)
            self.assertTrue(case.number)

            late = self._adverse_event(
                company, today - dt.timedelta(days=16), 'life_threatening')
            self.assertEqual(
                late.report_due_date, today - dt.timedelta(days=1))
            self.assertTrue(late.ae_overdue)

            # The 'Overdue Cases' list
            overdue = Case.search([
                    'OR',
                    ('overdue', '=', True),
                    ('ae_overdue', '=', True),
                    ])
            self.assertIn(late, overdue)
            self.assertNotIn(case, overdue)
            self.assertEqual(
                Case.search([('ae_overdue', '=', False)]), [case])

            Case.mark_reported([late])
            self.assertEqual(late.reported_date, today)
            self.assertFalse(late.ae_overdue)
            self.assertEqual(Case.search([('ae_overdue', '=', True)]), [])

    @with_transaction()
    def test_death_due_today(self):
        "A death is due the day the company learned of it"
        pool = Pool()
        Date = pool.get('ir.date')
        company = create_company()
        today = Date.today()
        with set_company(company):
            death = self._adverse_event(company, today, 'death')
            self.assertEqual(death.report_due_date, today)
            self.assertFalse(death.ae_overdue)

            other = self._adverse_event(company, today, 'non_serious')
            self.assertEqual(
                other.report_due_date, today + dt.timedelta(days=30))

            # Outcome death makes it due at once
            other.outcome = 'death'
            other.save()
            self.assertEqual(other.report_due_date, today)

    @with_transaction()
    def test_deadline_configurable(self):
        "The reporting days come from the pharma configuration"
        pool = Pool()
        Configuration = pool.get('pharma.configuration')
        Date = pool.get('ir.date')
        company = create_company()
        today = Date.today()
        with set_company(company):
            config = Configuration.get_config()
            self.assertEqual(
                (config.ae_death_days, config.ae_serious_days,
                    config.ae_other_days), (0, 15, 30))
            config.ae_serious_days = 7
            config.save()
            case = self._adverse_event(company, today, 'disability')
            self.assertEqual(
                case.report_due_date, today + dt.timedelta(days=7))

    @with_transaction()
    def test_adverse_event_awareness_required(self):
        "An adverse event needs its awareness date"
        company = create_company()
        with set_company(company):
            with self.assertRaises(UserError):
                self._adverse_event(company, None, 'non_serious')

    @with_transaction()
    def test_sla_due_date(self):
        "The response due date follows the service level"
        pool = Pool()
        Case = pool.get('pharma.service.case')
        SLA = pool.get('pharma.service.sla')
        company = create_company()
        hours = SLA.get_hours()
        self.assertEqual(hours[('complaint', 'urgent')], 4)
        opened = dt.datetime(2020, 1, 6, 9, 0)
        with set_company(company):
            case, = Case.create([{
                        'case_type': 'complaint',
                        'channel': 'hotline',
                        'priority': 'urgent',
                        'date': opened,
                        }])
            self.assertEqual(case.due_date, opened + dt.timedelta(hours=4))
            self.assertTrue(case.overdue)
            self.assertIn(case, Case.search([('overdue', '=', True)]))

            Case.write([case], {'priority': 'low'})
            self.assertEqual(
                case.due_date, opened + dt.timedelta(hours=120))

            recent, = Case.create([{
                        'case_type': 'medical_inquiry',
                        'channel': 'email',
                        'priority': 'normal',
                        }])
            self.assertFalse(recent.overdue)
            self.assertEqual(
                Case.search([('overdue', '=', False)]), [recent])

            Case.resolve([case])
            self.assertFalse(case.overdue)
            self.assertEqual(Case.search([('overdue', '=', True)]), [])

    @with_transaction()
    def test_rep_access(self):
        "A rep sees the cases of the parties he covers and his own"
        pool = Pool()
        Case = pool.get('pharma.service.case')
        data = self._setup()
        company = data['company']
        with set_company(company):
            c1, c2, c3 = Case.create([{
                        'case_type': 'complaint',
                        'channel': 'rep',
                        'party': data['h1'].id,
                        }, {
                        'case_type': 'medical_inquiry',
                        'channel': 'hotline',
                        'party': data['h2'].id,
                        }, {
                        'case_type': 'technical_support',
                        'channel': 'rep',
                        'party': data['h2'].id,
                        'owner': data['rep2_employee'].id,
                        }])

        with self._as_user(data['rep1_user'], company):
            self.assertEqual(
                {c.id for c in Case.search([])}, {c1.id})
            with self.assertRaises(AccessError):
                Case.read([c2.id], ['description'])
            with self.assertRaises(AccessError):
                Case.write([c2], {'description': "Hidden"})

            # The rep registers cases of his parties and his own
            covered, own = Case.create([{
                        'case_type': 'complaint',
                        'channel': 'rep',
                        'party': data['h1'].id,
                        }, {
                        'case_type': 'medical_inquiry',
                        'channel': 'rep',
                        'party': data['h2'].id,
                        'owner': data['rep1_employee'].id,
                        }])
            self.assertTrue(covered.number)
            self.assertTrue(covered.due_date)
            self.assertEqual(
                {c.id for c in Case.search([])}, {c1.id, covered.id, own.id})
        with self._as_user(data['rep2_user'], company):
            self.assertEqual(
                {c.id for c in Case.search([])}, {c3.id})
        all_ids = {c1.id, c2.id, c3.id, covered.id, own.id}
        with self._as_user(data['quality1_user'], company):
            self.assertEqual({c.id for c in Case.search([])}, all_ids)
            # Quality registers an adverse event
            ae, = Case.create([{
                        'case_type': 'adverse_event',
                        'channel': 'hotline',
                        'party': data['h2'].id,
                        'seriousness': 'death',
                        'awareness_date': data['today'],
                        }])
            self.assertEqual(ae.report_due_date, data['today'])
            all_ids.add(ae.id)
        with self._as_user(data['medical1_user'], company):
            self.assertEqual({c.id for c in Case.search([])}, all_ids)
        with self._as_user(data['rep1_user'], company):
            # Not for a party he does not cover
            with self.assertRaises(AccessError):
                Case.create([{
                            'case_type': 'complaint',
                            'channel': 'rep',
                            'party': data['h2'].id,
                            }])


    @staticmethod
    def _old_case_rules(context):
        """The case rules as they were written before the party searchers
        (lists and subqueries of the rule context)"""
        employees = context['employees']
        today = context['pharma_today']
        territories = context['pharma_territories']
        covered_parties = context['pharma_covered_parties']

        def covered(employee_field):
            return ('coverages', 'where', [
                    (employee_field, 'in', employees),
                    ('start_date', '<=', today),
                    ['OR', ('end_date', '=', None),
                        ('end_date', '>=', today)]])
        other = [('pharma_type', '=', None),
            ('pharma_type', 'not in', ['hospital', 'doctor'])]
        territory = [('territory', 'in', territories),
            ('hospital.territory', 'in', territories)]
        return {
            'rule_case_rep': ['OR', ('owner', 'in', employees), [
                    ['OR', ('party', 'in', covered_parties),
                        ('party.hospital', 'in', covered_parties)],
                    ['OR', ('party', '=', None), ('party', 'where', [
                                'OR', *other, covered('employee'),
                                *territory])]]],
            'rule_case_manager': [
                ['OR', ('owner', 'in', employees),
                    ('owner.supervisor', 'in', employees),
                    ('party.territory', 'in', territories),
                    ('party.hospital.territory', 'in', territories)],
                ['OR', ('party', '=', None), ('party', 'where', [
                            'OR', *other, *territory, covered('employee'),
                            covered('employee.supervisor')])]],
            }

    @with_transaction()
    def test_case_rules_subqueries(self):
        """The case rules through the party searchers give exactly the
        cases of the former domains for a rep and a manager: coverage
        ending yesterday, today and tomorrow, territories, team, own cases,
        doctors of covered hospitals, parties that are neither"""
        pool = Pool()
        Case = pool.get('pharma.service.case')
        Party = pool.get('party.party')
        Employee = pool.get('company.employee')
        User = pool.get('res.user')
        Coverage = pool.get('pharma.coverage')
        Territory = pool.get('pharma.territory')
        Rule = pool.get('ir.rule')
        ModelData = pool.get('ir.model.data')
        data = self._setup()
        company, today = data['company'], data['today']
        day = dt.timedelta(days=1)
        rep1, rep2 = data['rep1_employee'], data['rep2_employee']
        h1, h2 = data['h1'], data['h2']
        party, = Party.create([{'name': "Manager1"}])
        manager, = Employee.create([{'party': party.id,
                    'company': company.id}])
        manager_user, = User.create([{
                    'name': "Manager1", 'login': 'manager1',
                    'companies': [('add', [company.id])],
                    'company': company.id,
                    'employees': [('add', [manager.id])],
                    'employee': manager.id,
                    'groups': [('add', [ModelData.get_id(
                                    'pharma_hospital',
                                    'group_pharma_manager')])],
                    }])
        Employee.write([rep1], {'supervisor': manager.id})
        region, = Territory.create([{'name': "East", 'code': 'E',
                    'level': 'region', 'manager': manager.id}])
        t1, = Territory.create([{'name': "Shanghai", 'code': 'SH',
                    'level': 'city', 'parent': region.id,
                    'reps': [('add', [rep2.id])]}])
        Party.write([h2], {'territory': t1.id})
        h3, = Party.create([{'name': "Hospital 3",
                    'pharma_type': 'hospital'}])
        da, db, dc, dd = Party.create([{
                    'name': name, 'pharma_type': 'doctor',
                    'hospital': hospital.id,
                    } for name, hospital in [
                    ("Doctor A", h1), ("Doctor B", h1), ("Doctor C", h3),
                    ("Doctor D", h2)]])
        acme, = Party.create([{'name': "Acme"}])
        start = today - 30 * day
        Coverage.create([{
                    'company': company.id, 'employee': employee.id,
                    'party': party.id, 'role': 'secondary',
                    'start_date': begin, 'end_date': end,
                    } for employee, party, begin, end in [
                    (rep1, db, start, today),
                    (rep1, dc, start, today - day),
                    (rep2, dd, start, today + day),
                    (rep2, h3, today + day, None),
                    ]])
        parties = [h1, h2, h3, da, db, dc, dd, acme, None]
        owners = [None, rep1, rep2]
        with set_company(company):
            cases = Case.create([{
                        'case_type': 'complaint', 'channel': 'rep',
                        'party': p.id if p else None,
                        'owner': o.id if o else None,
                        } for p in parties for o in owners])
        key = {c.id: (c.party, c.owner) for c in cases}
        visible = {}
        for user, name in [
                (data['rep1_user'], 'rule_case_rep'),
                (data['rep2_user'], 'rule_case_rep'),
                (manager_user, 'rule_case_manager')]:
            with Transaction().set_user(user.id):
                context = Rule._get_context('pharma.service.case')
                old = self._old_case_rules(context)[name]
                rule = Rule(ModelData.get_id('pharma_service', name))
                self.assertNotIn('pharma_covered_parties', rule.domain)
                self.assertNotIn('coverages', rule.domain)
                new = PYSONDecoder(context).decode(rule.domain)
                ids = Case.search(new, order=[('id', 'ASC')])
                self.assertEqual(ids, Case.search(old, order=[('id', 'ASC')]),
                    msg=user.login)
                visible[user.login] = {key[c.id] for c in ids}
        rep1_sees = visible['rep1']
        self.assertIn((db, None), rep1_sees)
        self.assertIn((h1, None), rep1_sees)
        self.assertIn((acme, rep1), rep1_sees)
        self.assertFalse({(da, None), (dc, None), (acme, None), (h2, None)}
            & rep1_sees)
        self.assertIn((dd, None), visible['rep2'])
        self.assertNotIn((h3, None), visible['rep2'])
        manager_sees = visible['manager1']
        self.assertTrue({(h2, None), (dd, None), (None, rep1),
                (acme, rep1), (db, rep1)} <= manager_sees)
        # the team's case on a doctor whose coverage ended yesterday
        self.assertFalse({(h3, None), (dc, rep1), (None, rep2),
                (acme, None)} & manager_sees)

    @with_transaction()
    def test_refusals_name_no_hidden_record(self):
        "Refusals of adverse events to a rep never name a hidden one"
        pool = Pool()
        Case = pool.get('pharma.service.case')
        data = self._setup()
        company = data['company']
        today = data['today']
        with set_company(company):
            hidden = self._adverse_event(company, today, 'hospitalisation',
                party=data['h2'].id, owner=data['rep2_employee'].id,
                description="皮疹伴发热")
            own = self._adverse_event(company, today, 'non_serious',
                party=data['h1'].id, owner=data['rep1_employee'].id)
        secrets = [data['h2'].name, hidden.number, "皮疹伴发热"]
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
                self.assertIn(shown, text, msg=(func, text))
            return text

        with self._as_user(data['rep1_user'], company):
            for func, args in [
                    (Case.write, ([Case(hidden.id)], {'description': "X"})),
                    (Case.delete, ([Case(hidden.id)],)),
                    (Case.copy, ([Case(hidden.id)],)),
                    (Case.process, ([Case(hidden.id)],)),
                    (Case.mark_reported, ([Case(hidden.id)],))]:
                refused(func, *args)
            # the rep's own case is named
            text = refused(Case.write, [Case(own.id)], {
                    'onset_date': today + dt.timedelta(days=1)},
                shown=own.number)
            self.assertIn('onset', text.lower())

    @with_transaction()
    def test_ae_alerts(self):
        "The cron tells the owner and quality before the deadline"
        pool = Pool()
        Case = pool.get('pharma.service.case')
        Notification = pool.get('res.notification')
        data = self._setup()
        company = data['company']
        today = data['today']
        with set_company(company):
            # Serious, learned 14 days ago: due tomorrow
            soon = self._adverse_event(
                company, today - dt.timedelta(days=14), 'hospitalisation',
                owner=data['rep1_employee'].id, party=data['h1'].id)
            # Non serious, learned today: due in 30 days, no alert
            self._adverse_event(company, today, 'non_serious')
            # Overdue
            late = self._adverse_event(
                company, today - dt.timedelta(days=40), 'non_serious')
            # Reported: no alert
            self._adverse_event(
                company, today - dt.timedelta(days=40), 'non_serious',
                reported_date=today - dt.timedelta(days=2))

            Case.send_ae_alerts()

            Transaction()._store_user_notifications()
            notifications = Notification.search([])
            by_user = {}
            for notification in notifications:
                by_user.setdefault(notification.user, []).append(
                    notification)
            # quality and medical: the one due tomorrow and the overdue
            # one, not the one due in 30 days nor the reported one
            expected = {
                ('[%s]' % soon.id, "Adverse event %s must be reported in "
                    "1 day(s)" % soon.number),
                ('[%s]' % late.id, "Adverse event %s is overdue for "
                    "reporting" % late.number),
                }
            for login in ['quality1', 'medical1']:
                self.assertEqual(
                    {(n.records, n.label)
                        for n in by_user[data[login + '_user']]},
                    expected, msg=login)
            # the owner of the one due tomorrow
            rep_notification, = by_user[data['rep1_user']]
            self.assertEqual(rep_notification.records, '[%s]' % soon.id)
            self.assertNotIn(data['rep2_user'], by_user)

    @with_transaction()
    def test_reported_date_access(self):
        "Only the groups of Mark Reported set the reported date"
        pool = Pool()
        Case = pool.get('pharma.service.case')
        data = self._setup()
        company = data['company']
        today = data['today']
        yesterday = today - dt.timedelta(days=1)
        with set_company(company):
            case = self._adverse_event(
                company, today - dt.timedelta(days=3), 'hospitalisation',
                owner=data['rep1_employee'].id, party=data['h1'].id)

        with self._as_user(data['rep1_user'], company):
            # the rep writes his case but does not report it
            Case.write([case], {'description': "Rash"})
            with self.assertRaises(AccessError):
                Case.write([case], {'reported_date': today})
            with self.assertRaises(AccessButtonError):
                Case.mark_reported([case])
            with self.assertRaises(AccessError):
                self._adverse_event(
                    company, today, 'non_serious', party=data['h1'].id,
                    reported_date=today)
            self.assertEqual(
                Case.read([case.id], ['reported_date'])[0]['reported_date'],
                None)
            # an unchanged (empty) reported date is no report
            Case.write([case], {'reported_date': None})
            unreported = self._adverse_event(
                company, today, 'non_serious', party=data['h1'].id,
                reported_date=None)
            self.assertIsNone(unreported.reported_date)

        with self._as_user(data['quality1_user'], company):
            # reported yesterday through the authority's portal
            Case.write([case], {'reported_date': yesterday})
            self.assertEqual(Case(case.id).reported_date, yesterday)
        with self._as_user(data['medical1_user'], company):
            Case.mark_reported([unreported])
            self.assertEqual(Case(unreported.id).reported_date, today)

    @with_transaction()
    def test_article_approval(self):
        "Only Pharma Medical approves articles; a resolved case gives one"
        pool = Pool()
        Case = pool.get('pharma.service.case')
        Article = pool.get('pharma.service.article')
        data = self._setup()
        company = data['company']
        with set_company(company):
            case, = Case.create([{
                        'case_type': 'medical_inquiry',
                        'channel': 'hotline',
                        'description': "Can it be taken with food?",
                        }])
            with self.assertRaises(UserError):
                Case.resolve([case])
                Case.create_article([case])
            Case.process([case])
            case.resolution = "Yes, with or without food."
            case.save()
            Case.resolve([case])
            article, = Case.create_article([case])
            self.assertEqual(article.case, case)
            self.assertEqual(article.state, 'draft')
            self.assertEqual(article.answer, "Yes, with or without food.")

        with self._as_user(data['quality1_user'], company):
            article = Article(article.id)
            with self.assertRaises(AccessButtonError):
                Article.approve([article])
            with self.assertRaises(AccessError):
                Article.write([article], {'state': 'approved'})
        with self._as_user(data['medical1_user'], company):
            article = Article(article.id)
            Article.approve([article])
            self.assertEqual(article.state, 'approved')
            self.assertEqual(article.approved_by, data['medical1_employee'])
            # Found by its answer from a case
            self.assertEqual(
                Article.search([('rec_name', 'ilike', '%without food%')]),
                [article])
        with set_company(company):
            case.articles = [article]
            case.save()
            self.assertEqual(list(case.articles), [article])

            # Suggested on a new case about the same product
            pool = Pool()
            Template = pool.get('product.template')
            Uom = pool.get('product.uom')
            unit, = Uom.search([('name', '=', 'Unit')])
            template, = Template.create([{
                        'name': "Drug",
                        'default_uom': unit.id,
                        'products': [('create', [{}])],
                        }])
            product, = template.products
            Article.write([article], {'product': product.id})
            other, = Case.create([{
                        'case_type': 'medical_inquiry',
                        'channel': 'email',
                        'product': product.id,
                        }])
            self.assertEqual(list(other.suggested_articles), [article])

    @with_transaction()
    def test_handover(self):
        "A transfer moves the open cases of the parties to the new owner"
        pool = Pool()
        Case = pool.get('pharma.service.case')
        Handover = pool.get('pharma.handover', type='wizard')
        self.assertIn('pharma.service.case', Handover._handover_models())
        data = self._setup()
        company = data['company']
        rep1, rep2 = data['rep1_employee'], data['rep2_employee']
        with set_company(company):
            open_, resolved, other = Case.create([{
                        'case_type': 'complaint', 'channel': 'rep',
                        'party': data['h1'].id, 'owner': rep1.id,
                        }, {
                        'case_type': 'complaint', 'channel': 'rep',
                        'party': data['h1'].id, 'owner': rep1.id,
                        }, {
                        'case_type': 'complaint', 'channel': 'rep',
                        'party': data['h2'].id, 'owner': rep1.id,
                        }])
            Case.resolve([resolved])
            moved = Case.pharma_handover(rep1, rep2, [data['h1']], None)
            self.assertEqual([r for r, _ in moved], [open_])
            self.assertEqual(open_.owner, rep2)
            self.assertEqual(resolved.owner, rep1)
            self.assertEqual(other.owner, rep1)

    @with_transaction()
    def test_demo(self):
        "The demo data is created"
        import random

        from trytond.modules.pharma_service.demo import create_demo
        pool = Pool()
        Case = pool.get('pharma.service.case')
        Article = pool.get('pharma.service.article')
        data = self._setup()
        company = data['company']
        with set_company(company):
            create_demo({
                    'pool': pool,
                    'company': company,
                    'users': {k[:-5]: v for k, v in data.items()
                        if k.endswith('_user')},
                    'employees': {k[:-9]: v for k, v in data.items()
                        if k.endswith('_employee')},
                    'today': data['today'],
                    'progress': lambda m: None,
                    'random': random.Random(42),
                    })
            types = {c.case_type for c in Case.search([])}
            self.assertEqual(types, {
                    'complaint', 'medical_inquiry', 'technical_support',
                    'adverse_event'})
            self.assertTrue(Case.search([
                        ('case_type', '=', 'adverse_event'),
                        ('seriousness', '=', 'hospitalisation'),
                        ]))
            self.assertTrue(Article.search([('state', '=', 'approved')]))


    @with_transaction()
    def test_list_views_datetime_widget(self):
        "Every DateTime field of a list view has a date/time widget"
        self.assertEqual(tree_datetime_without_widget(self.module), [])


del ModuleTestCase
