# This file is part of the pharma suite. See README.md for license terms.
import datetime
from decimal import Decimal

from trytond.exceptions import UserError
from trytond.modules.company.tests import create_company, set_company
from trytond.modules.pharma_hospital.exceptions import DuplicateWarning
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    TestCase, activate_module, drop_db, with_transaction)
from trytond.transaction import Transaction


class PharmaHospitalDataTestCase(TestCase):
    "Test the drug master, listings, channels and master-data quality"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        drop_db()
        activate_module('pharma_hospital')

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        drop_db()

    def _setup(self):
        """Company with an admin employee, a clerk, a rep; Shanghai and
        Suzhou cities; hospital H1 (Shanghai) with doctor D1 covered by the
        rep"""
        pool = Pool()
        Party = pool.get('party.party')
        Employee = pool.get('company.employee')
        User = pool.get('res.user')
        Territory = pool.get('pharma.territory')
        Department = pool.get('pharma.hospital.department')
        Coverage = pool.get('pharma.coverage')
        ModelData = pool.get('ir.model.data')
        today = pool.get('ir.date').today()

        company = create_company()
        data = {'company': company, 'today': today}
        admin = User(Transaction().user)
        for login, group in [
                ('admin', None),
                ('clerk1', 'group_pharma_clerk'),
                ('rep1', 'group_pharma_rep')]:
            party, = Party.create([{'name': login.title()}])
            employee, = Employee.create([{
                        'party': party.id, 'company': company.id}])
            data[login + '_employee'] = employee
            if login == 'admin':
                User.write([admin], {
                        'companies': [('add', [company.id])],
                        'company': company.id,
                        'employees': [('add', [employee.id])],
                        'employee': employee.id,
                        })
                data['admin_user'] = admin
                continue
            user, = User.create([{
                        'name': login.title(), 'login': login,
                        'companies': [('add', [company.id])],
                        'company': company.id,
                        'employees': [('add', [employee.id])],
                        'employee': employee.id,
                        'groups': [('add', [
                                    ModelData.get_id(
                                        'pharma_hospital', group)])],
                        }])
            data[login + '_user'] = user
        province, = Territory.create([{
                    'name': "上海", 'code': 'P-SH', 'level': 'province'}])
        shanghai, suzhou = Territory.create([{
                    'name': "上海市", 'code': 'C-SH', 'level': 'city',
                    'parent': province.id,
                    'reps': [('add', [data['rep1_employee'].id])],
                    }, {
                    'name': "苏州市", 'code': 'C-SZ', 'level': 'city',
                    }])
        district, = Territory.create([{
                    'name': "黄浦区", 'code': 'D-HP', 'level': 'district',
                    'parent': shanghai.id}])
        h1, = Party.create([{
                    'name': "上海市第一人民医院", 'pharma_type': 'hospital',
                    'territory': district.id, 'hospital_grade': '3a',
                    }])
        dep1, dep2 = Department.create([
                {'hospital': h1.id, 'name': "心内科"},
                {'hospital': h1.id, 'name': "肿瘤科"}])
        d1, = Party.create([{
                    'name': "张伟", 'pharma_type': 'doctor',
                    'hospital': h1.id, 'department': dep1.id,
                    'doctor_title': 'attending', 'doctor_tier': 'B',
                    }])
        Coverage.create([{
                    'company': company.id,
                    'employee': data['rep1_employee'].id,
                    'party': p.id, 'role': 'primary',
                    'start_date': today - datetime.timedelta(days=10),
                    } for p in [h1, d1]])
        data.update(province=province, shanghai=shanghai, suzhou=suzhou,
            district=district, h1=h1, d1=d1, dep1=dep1, dep2=dep2)
        return data

    def _drug(self, **values):
        pool = Pool()
        Template = pool.get('product.template')
        ModelData = pool.get('ir.model.data')
        unit = ModelData.get_id('product', 'uom_unit')
        template_values = {
            'name': "阿托伐他汀钙片 10mg*7片",
            'default_uom': unit,
            'type': 'goods',
            'is_pharma': True,
            'generic_name': "阿托伐他汀钙片",
            'brand': "立普妥",
            'dosage_form': 'tablet',
            'strength': "10mg",
            'pack_size': 7,
            'dose_unit': "片",
            'approval_number': "国药准字H20051408",
            'nhsa_drug_code': "XC10AAA074A001010101445",
            'reimbursement': 'category_a',
            'quality_tier': 'original',
            'products': [('create', [{}])],
            }
        template_values.update(values)
        template, = Template.create([template_values])
        return template

    @with_transaction()
    def test_drug_master(self):
        "Drug master fields, pack conversion and province prices"
        pool = Pool()
        Template = pool.get('product.template')
        Product = pool.get('product.product')
        Party = pool.get('party.party')
        data = self._setup()
        with set_company(data['company']):
            maker, = Party.create([{
                        'name': "辉瑞", 'pharma_type': 'manufacturer'}])
            template = self._drug(manufacturer=maker.id,
                province_prices=[('create', [{
                                'province': data['province'].id,
                                'price': Decimal('28.5000'),
                                'start_date': data['today']
                                - datetime.timedelta(days=30),
                                }])])
            product, = template.products

            self.assertEqual(template.packs_to_units(3), 21)
            self.assertEqual(product.packs_to_units(2), 14)
            self.assertEqual(template.units_to_packs(14), 2)
            self.assertEqual(template.quality_tier, 'original')
            self.assertEqual(
                template.get_province_price(data['district']),
                Decimal('28.5000'))
            self.assertIsNone(template.get_province_price(data['suzhou']))
            self.assertEqual(
                Template.search([('rec_name', 'ilike', '%立普妥%')]),
                [template])
            self.assertEqual(
                Product.search([('rec_name', 'ilike', '阿托伐他汀%')]),
                [product])

            other = self._drug(name="Other", pack_size=None)
            with self.assertRaisesRegex(UserError, 'pack size'):
                other.packs_to_units(1)
            # a manufacturer must be a party of type manufacturer
            with self.assertRaises(UserError):
                Template.write([other], {'manufacturer': data['h1'].id})
            with self.assertRaises(UserError):
                Template.write([other], {'pack_size': -2})

    @with_transaction()
    def test_listing_workflow(self):
        "A listing goes from application to listed, each step dated"
        pool = Pool()
        Listing = pool.get('pharma.listing')
        Party = pool.get('party.party')
        data = self._setup()
        with set_company(data['company']):
            product, = self._drug().products
            listing, = Listing.create([{
                        'hospital': data['h1'].id,
                        'product': product.id,
                        'department': data['dep1'].id,
                        'next_meeting': data['today']
                        + datetime.timedelta(days=20),
                        }])
            self.assertEqual(listing.state, 'application')
            self.assertEqual(listing.application_date, data['today'])
            self.assertEqual(Party(data['h1'].id).listed_products, ())

            # a listing cannot skip the committee
            Listing.list_([listing])
            self.assertEqual(listing.state, 'application')

            Listing.review([listing])
            Listing.committee([listing])
            Listing.trial([listing])
            Listing.list_([listing])
            listing = Listing(listing.id)
            self.assertEqual(listing.state, 'listed')
            for step in ['review', 'committee', 'trial', 'listed']:
                self.assertEqual(
                    getattr(listing, step + '_date'), data['today'])
                self.assertEqual(
                    getattr(listing, step + '_by'), data['admin_employee'])
            self.assertEqual(
                list(Party(data['h1'].id).listed_products), [product])
            self.assertEqual(list(Party(data['h1'].id).listings), [listing])

            with self.assertRaises(UserError):
                Listing.delete([listing])

            Listing.delist([listing])
            self.assertEqual(listing.state, 'delisted')
            self.assertEqual(listing.delisted_date, data['today'])
            self.assertEqual(Party(data['h1'].id).listed_products, ())
            # once delisted, the product may apply again
            again, = Listing.create([{
                        'hospital': data['h1'].id,
                        'product': product.id,
                        }])

            # the department belongs to the hospital
            h2, = Party.create([{
                        'name': "其他医院", 'pharma_type': 'hospital'}])
            with self.assertRaises(UserError):
                Listing.create([{
                            'hospital': h2.id,
                            'product': product.id,
                            'department': data['dep1'].id,
                            }])
            # one open listing per hospital and product
            with self.assertRaisesRegex(UserError, 'open listing'):
                Listing.reapply([listing])
            with self.assertRaisesRegex(UserError, 'open listing'):
                Listing.create([{
                            'hospital': data['h1'].id,
                            'product': product.id,
                            }])

    @with_transaction()
    def test_listing_rep_access(self):
        "A rep sees only the listings of the hospitals they cover"
        pool = Pool()
        Listing = pool.get('pharma.listing')
        Party = pool.get('party.party')
        data = self._setup()
        with set_company(data['company']):
            product, = self._drug().products
            h2, = Party.create([{
                        'name': "华山医院", 'pharma_type': 'hospital',
                        'territory': data['suzhou'].id}])
            l1, l2 = Listing.create([{
                        'hospital': data['h1'].id, 'product': product.id,
                        }, {
                        'hospital': h2.id, 'product': product.id,
                        }])
        transaction = Transaction()
        with transaction.set_user(data['rep1_user'].id), \
                transaction.set_context(
                    _check_access=True, company=data['company'].id):
            self.assertEqual(Listing.search([]), [l1])
            Listing.review([Listing(l1.id)])
            with self.assertRaises(UserError):
                Listing.read([l2.id], ['state'])
            with self.assertRaises(UserError):
                Listing.write([Listing(l2.id)], {'notes': "x"})

    @with_transaction()
    def test_purchase_channel(self):
        "A channel shows on the hospital and on the distributor"
        pool = Pool()
        Channel = pool.get('pharma.purchase.channel')
        Party = pool.get('party.party')
        data = self._setup()
        with set_company(data['company']):
            product, = self._drug().products
            distributor, = Party.create([{
                        'name': "国药控股", 'pharma_type': 'distributor'}])
            channel, = Channel.create([{
                        'hospital': data['h1'].id,
                        'distributor': distributor.id,
                        'products': [('add', [product.id])],
                        }])
            self.assertEqual(
                list(Party(data['h1'].id).purchase_channels), [channel])
            self.assertEqual(
                list(Party(distributor.id).supplied_hospitals), [channel])
            self.assertEqual(
                Channel.search([('current', '=', True)]), [channel])
            Channel.write([channel], {
                    'start_date': data['today'] - datetime.timedelta(days=9),
                    'end_date': data['today'] - datetime.timedelta(days=1)})
            self.assertEqual(Channel.search([('current', '=', True)]), [])
            with self.assertRaises(UserError):
                Channel.create([{
                            'hospital': data['h1'].id,
                            'distributor': data['d1'].id}])

    @with_transaction()
    def test_duplicate_warning(self):
        "Creating a hospital or doctor warns about the likely duplicates"
        pool = Pool()
        Party = pool.get('party.party')
        Candidate = pool.get('pharma.duplicate.candidate')
        data = self._setup()
        transaction = Transaction()
        with set_company(data['company']), \
                transaction.set_context(_check_access=True):
            # same name_key, same city (a district of it)
            with self.assertRaises(DuplicateWarning) as cm:
                Party.create([{
                            'name': "上海市一人民医院",
                            'pharma_type': 'hospital',
                            'territory': data['shanghai'].id,
                            }])
            self.assertIn("上海市第一人民医院", cm.exception.message)
            # same name in another city: no warning
            other, = Party.create([{
                        'name': "上海市一人民医院",
                        'pharma_type': 'hospital',
                        'territory': data['suzhou'].id,
                        }])
            # doctor: same name and hospital
            with self.assertRaises(DuplicateWarning):
                Party.create([{
                            'name': "张 伟", 'pharma_type': 'doctor',
                            'hospital': data['h1'].id,
                            }])
            # another department of the same hospital: no warning
            Party.create([{
                        'name': "张伟", 'pharma_type': 'doctor',
                        'hospital': data['h1'].id,
                        'department': data['dep2'].id,
                        }])
            # same name, other hospital: no warning
            Party.create([{
                        'name': "张伟", 'pharma_type': 'doctor',
                        'hospital': other.id,
                        }])
            # the check can be turned off
            config = pool.get('pharma.configuration').get_config()
            config.duplicate_check = False
            config.save()
            dup, = Party.create([{
                        'name': "上海市一人民医院",
                        'pharma_type': 'hospital',
                        'territory': data['shanghai'].id,
                        }])

        candidates = Candidate.search([])
        pairs = {(c.party_a, c.party_b, c.kind, c.reason)
            for c in candidates}
        self.assertIn(
            (data['h1'], dup, 'hospital', 'same_city'), pairs)
        self.assertFalse(
            {p for p in pairs if other in p[:2]}, msg="other city")
        self.assertFalse(
            {p for p in pairs if p[2] == 'doctor'}, msg="other department")
        self.assertEqual(len({c.id for c in candidates}), len(candidates))
        # the merge wizard proposes the pair
        with transaction.set_context(
                active_model='pharma.duplicate.candidate',
                active_id=candidates[0].id):
            ReplaceAsk = pool.get('party.replace.ask')
            self.assertEqual(
                ReplaceAsk.default_source(), candidates[0].party_b.id)
            self.assertEqual(
                ReplaceAsk.default_destination(), candidates[0].party_a.id)

    @with_transaction()
    def test_change_request_approve_reject(self):
        "A steward approves or rejects a change request"
        pool = Pool()
        Request = pool.get('pharma.data.change.request')
        Party = pool.get('party.party')
        data = self._setup()
        d1 = data['d1']
        with set_company(data['company']):
            request, = Request.create([{
                        'party': d1.id,
                        'field': 'doctor_title',
                        'proposed_title': 'chief',
                        'reason': "Promoted",
                        }])
            self.assertEqual(request.old_value, "Attending Physician")
            self.assertEqual(request.proposed_value, "Chief Physician")
            self.assertEqual(request.requested_by, data['admin_employee'])
            Request.submit([request])
            Request.approve([request])
            self.assertEqual(request.state, 'approved')
            self.assertEqual(request.decided_by, data['admin_employee'])
            d1 = Party(d1.id)
            self.assertEqual(d1.doctor_title, 'chief')
            self.assertEqual(d1.verification, 'verified')
            self.assertEqual(d1.last_verified, data['today'])

            # change of hospital drops the department of the old one
            h2, = Party.create([{
                        'name': "华山医院", 'pharma_type': 'hospital'}])
            move, = Request.create([{
                        'party': d1.id, 'field': 'hospital',
                        'proposed_hospital': h2.id}])
            Request.submit([move])
            Request.approve([move])
            d1 = Party(d1.id)
            self.assertEqual((d1.hospital, d1.department), (h2, None))

            request, = Request.create([{
                        'party': d1.id, 'field': 'doctor_tier',
                        'proposed_tier': 'A'}])
            Request.submit([request])
            with self.assertRaisesRegex(UserError, 'reason'):
                Request.reject([request])
            request.decision_reason = "No evidence"
            request.save()
            Request.reject([request])
            self.assertEqual(request.state, 'rejected')
            self.assertEqual(Party(d1.id).doctor_tier, 'B')

            # no proposed value, a field of another party type
            with self.assertRaises(UserError):
                Request.create([{
                            'party': d1.id, 'field': 'doctor_tier'}])
            with self.assertRaises(UserError):
                Request.create([{
                            'party': d1.id, 'field': 'hospital_grade',
                            'proposed_grade': '3a'}])

    @with_transaction()
    def test_change_request_merge(self):
        "A rep's new doctor is queued and merged into the existing one"
        pool = Pool()
        Request = pool.get('pharma.data.change.request')
        Party = pool.get('party.party')
        Coverage = pool.get('pharma.coverage')
        data = self._setup()
        transaction = Transaction()
        with transaction.set_user(data['rep1_user'].id), \
                transaction.set_context(
                    _check_access=True, company=data['company'].id,
                    _skip_warnings=True):
            new, = Party.create([{
                        'name': "张伟", 'pharma_type': 'doctor',
                        'hospital': data['h1'].id,
                        }])
            new = Party(new.id)
            self.assertEqual(new.verification, 'unverified')
            request, = Request.search([('party', '=', new.id)])
            self.assertEqual(
                (request.kind, request.state), ('new', 'submitted'))
            self.assertEqual(request.requested_by, data['rep1_employee'])
            # a rep cannot decide
            with self.assertRaises(UserError):
                Request.approve([request])

        with set_company(data['company']):
            request = Request(request.id)
            request.merge_into = data['d1']
            request.save()
            Request.merge([request])
            self.assertEqual(request.state, 'merged')
            self.assertEqual(request.party, data['d1'])
            self.assertEqual(request.party_name, "张伟 (上海市第一人民医院)")
            with transaction.set_context(active_test=False):
                new = Party(new.id)
            self.assertFalse(new.active)
            self.assertEqual(new.replaced_by, data['d1'])
            # the duplicated coverage of the merged doctor is closed
            self.assertEqual(
                len(Coverage.search([
                            ('party', '=', data['d1'].id),
                            ('role', '=', 'primary'),
                            ('current', '=', True)])), 1)

    @with_transaction()
    def test_change_request_by_rep(self):
        "A rep proposes a new doctor without a party and is told of its own"
        pool = Pool()
        Request = pool.get('pharma.data.change.request')
        Party = pool.get('party.party')
        data = self._setup()
        transaction = Transaction()
        with transaction.set_user(data['rep1_user'].id), \
                transaction.set_context(
                    _check_access=True, company=data['company'].id,
                    _skip_warnings=True):
            # the form shows an unverified party before saving
            self.assertEqual(Party.default_get(['verification']),
                {'verification': 'unverified'})
            # a new party request needs no existing party
            request, = Request.create([{
                        'kind': 'new',
                        'proposed_name': "李娜",
                        'proposed_hospital': data['h1'].id,
                        'proposed_department': data['dep2'].id,
                        'reason': "Met at the oncology department",
                        }])
            self.assertEqual(request.rec_name, "李娜")
            Request.submit([request])
            with self.assertRaisesRegex(UserError, 'Proposed Name'):
                Request.create([{'kind': 'new'}])
            # a change still needs its party
            with self.assertRaises(UserError):
                Request.create([{'kind': 'change', 'field': 'name',
                            'proposed_name': "X"}])

            # a doctor the rep creates becomes a request, and the rep is
            # told where to follow it
            doctor, = Party.create([{'name': "王芳", 'pharma_type': 'doctor',
                        'hospital': data['h1'].id}])
        # sent at commit (notify_user)
        notification, = [n for n in transaction.user_notifications
            if int(n.user) == data['rep1_user'].id]
        self.assertIn("王芳", notification.label)
        self.assertIn("Data Change Requests", notification.description)
        created, = Request.search([('party', '=', doctor.id)])
        self.assertEqual(notification.model, 'pharma.data.change.request')
        self.assertIn(str(created.id), notification.records)

        # the steward approves: the doctor is created as proposed
        with set_company(data['company']):
            Request.approve([Request(request.id)])
            request = Request(request.id)
            self.assertEqual(request.state, 'approved')
            new = request.party
            self.assertEqual((new.name, new.pharma_type, new.hospital,
                    new.department, new.verification),
                ("李娜", 'doctor', data['h1'], data['dep2'], 'verified'))

    @with_transaction()
    def test_rep_key_field_refused(self):
        "A rep cannot change a key field of a verified doctor"
        pool = Pool()
        Party = pool.get('party.party')
        Request = pool.get('pharma.data.change.request')
        ProposeChange = pool.get(
            'pharma.data.change.request.propose', type='wizard')
        data = self._setup()
        d1 = data['d1']
        self.assertEqual(d1.verification, 'verified')
        transaction = Transaction()
        with transaction.set_user(data['rep1_user'].id), \
                transaction.set_context(
                    _check_access=True, company=data['company'].id,
                    _skip_warnings=True):
            with self.assertRaisesRegex(UserError, 'change request'):
                Party.write([Party(d1.id)], {'doctor_title': 'chief'})
            with self.assertRaisesRegex(UserError, 'change request'):
                Party.write([Party(d1.id)], {'name': "张卫"})
            # not a key field, or the same value
            Party.write([Party(d1.id)], {
                    'best_visit_time': "周二上午",
                    'doctor_tier': 'B',
                    })
            # a rep cannot verify a party
            with self.assertRaisesRegex(UserError, 'data steward'):
                Party.write([Party(d1.id)], {
                        'last_verified': data['today']})
            # a verified party cannot be verified by a rep
            with self.assertRaises(UserError):
                Party.verify([Party(d1.id)])

            # an unverified doctor of the rep can be changed freely
            new, = Party.create([{
                        'name': "李娜", 'pharma_type': 'doctor',
                        'hospital': data['h1'].id}])
            Party.write([Party(new.id)], {'doctor_title': 'chief'})

            # the rep proposes the change instead
            with transaction.set_context(
                    active_model='party.party', active_id=d1.id,
                    active_ids=[d1.id]):
                session_id, _, _ = ProposeChange.create()
                ProposeChange.execute(session_id, {}, 'start')
                ProposeChange.execute(session_id, {
                        'start': {
                            'party': d1.id,
                            'field': 'doctor_title',
                            'proposed_title': 'chief',
                            'reason': "Business card",
                            },
                        }, 'submit')
                ProposeChange.delete(session_id)
            request, = Request.search([
                    ('party', '=', d1.id), ('kind', '=', 'change')])
            self.assertEqual(request.state, 'submitted')
            self.assertEqual(request.proposed_title, 'chief')

        # a steward verifies parties and decides
        with transaction.set_user(data['clerk1_user'].id), \
                transaction.set_context(
                    _check_access=True, company=data['company'].id):
            self.assertEqual(
                Party(new.id).verification, 'unverified')
            Party.verify([Party(new.id)])
            self.assertEqual(Party(new.id).verification, 'verified')
            new_request, = Request.search([
                    ('party', '=', new.id), ('kind', '=', 'new')])
            self.assertEqual(new_request.state, 'approved')
            Request.approve([Request(request.id)])
        self.assertEqual(Party(d1.id).doctor_title, 'chief')

    @with_transaction()
    def test_quality_per_rep(self):
        "The average data-quality score per rep matches the party scores"
        pool = Pool()
        Party = pool.get('party.party')
        QualityRep = pool.get('pharma.quality.rep')
        data = self._setup()
        with set_company(data['company']):
            Party.write([data['h1'], data['d1']], {
                    'last_verified': data['today']})
            rows = QualityRep.search([])
            self.assertEqual(len(rows), 1)
            row, = rows
            self.assertEqual(row.employee, data['rep1_employee'])
            self.assertEqual(row.parties, 2)
            self.assertEqual(row.unverified, 0)
            scores = [p.quality_score for p in Party.browse(
                    [data['h1'].id, data['d1'].id])]
            self.assertAlmostEqual(
                row.average_score, sum(scores) / len(scores), delta=0.6)
            self.assertGreater(row.average_score, 20)


del TestCase
