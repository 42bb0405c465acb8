# This file is part of the pharma suite. See README.md for license terms.
import contextlib
import datetime
import io
import os
import random
import re
import zipfile
from unittest import mock
from decimal import Decimal

from trytond.exceptions import UserError, UserWarning
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.modules.pharma_hospital.tests.checks import (
    tree_datetime_without_widget)
from trytond.modules.pharma_hospital.tests.tools import create_staff
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from .. import hashing
from ..event import DEFAULT_REQUIREMENTS
from . import images

# 14:00-17:00 in Shanghai
EVENT_DATE = datetime.datetime(2026, 11, 20, 6, 0)
EVENT_END = datetime.datetime(2026, 11, 20, 9, 0)
LOCAL_START = datetime.datetime(2026, 11, 20, 14, 0)


class PharmaComplianceTestCase(CompanyTestMixin, ModuleTestCase):
    "Test pharma_compliance module"
    module = 'pharma_compliance'
    extras = ['pharma_field']

    def _setup(self):
        """Company (Shanghai time); rep1, compliance1, finance1,
        marketing1 (marketing manager); hospital H1 (grade 3A) with the
        chief physician D1 and the attending D2"""
        pool = Pool()
        Party = pool.get('party.party')

        company = create_company()
        company.timezone = 'Asia/Shanghai'
        company.save()
        data = {'company': company}
        for login, (employee, user) in create_staff(company, [
                    ('rep1', ['rep'], None),
                    ('rep2', ['rep'], None),
                    ('compliance1',
                        ['pharma_compliance.group_pharma_compliance'], None),
                    ('finance1', ['finance'], None),
                    ('marketing1', ['marketing', 'marketing_manager'], None),
                    ], registration='BA-').items():
            data[login] = employee
            data[login + '_user'] = user
        h1, h2 = Party.create([
                {'name': "瑞金医院", 'pharma_type': 'hospital',
                    'hospital_grade': '3a'},
                {'name': "社区医院", 'pharma_type': 'hospital',
                    'hospital_grade': '1'},
                ])
        d1, d2, d3 = Party.create([{
                    'name': "曾医生", 'pharma_type': 'doctor',
                    'hospital': h1.id, 'doctor_title': 'chief',
                    }, {
                    'name': "王医生", 'pharma_type': 'doctor',
                    'hospital': h1.id, 'doctor_title': 'attending',
                    }, {
                    'name': "李医生", 'pharma_type': 'doctor',
                    'hospital': h2.id, 'doctor_title': 'chief',
                    }])
        data.update(h1=h1, h2=h2, d1=d1, d2=d2, d3=d3)
        return data

    @contextlib.contextmanager
    def as_user(self, data, login):
        "Run as the user through the access checks (as RPC does)"
        user = data[login + '_user']
        with Transaction().set_user(user.id), \
                Transaction().set_context(
                    _check_access=True, company=data['company'].id,
                    employee=data[login].id):
            yield

    def _event(self, data, **values):
        Event = Pool().get('pharma.event')
        values = dict({
                'company': data['company'].id,
                'topic': "心衰新进展",
                'event_type': 'seminar',
                'date': EVENT_DATE,
                'end_date': EVENT_END,
                'organiser': data['rep1'].id,
                'state': 'approved',
                }, **values)
        event, = Event.create([values])
        return event

    def _complete_pack(self, data, event, seeds=(1, 2, 3),
            shift=datetime.timedelta(0)):
        """Every default item of the pack (as the rep); shift: of the
        event from EVENT_DATE"""
        pool = Pool()
        Evidence = pool.get('pharma.event.evidence')
        Event = pool.get('pharma.event')
        Speaker = pool.get('pharma.event.speaker')
        SignIn = pool.get('pharma.event.sign_in')
        speaker, = Speaker.create([{
                    'event': event.id, 'party': data['d1'].id,
                    'tier': 'tier1', 'fee': Decimal(3000)}])
        # each event's own documents
        pdf = b'%%PDF-1.4 event %d ' % event.id
        Evidence.create([
                {'event': event.id, 'kind': kind, 'name': kind + '.pdf',
                    'file': pdf + kind.encode()}
                for kind in ['agenda', 'invitation', 'consent', 'slides']]
            + [{'event': event.id, 'kind': 'speaker_agreement',
                    'name': 'agreement.pdf', 'file': pdf + b'agreement',
                    'speaker': speaker.id}]
            + [{'event': event.id, 'kind': 'photo',
                    'name': 'photo%s.jpg' % seed,
                    'file': images.photo(seed, when=LOCAL_START + shift
                        + datetime.timedelta(minutes=20 * i))}
                for i, seed in enumerate(seeds)])
        SignIn.create([{
                    'event': event.id, 'doctor': data['d2'].id,
                    'name': "王医生",
                    'time': EVENT_DATE + shift
                    - datetime.timedelta(minutes=10),
                    }])
        Event.write([event], {
                'attendance_count': 1, 'slides_version': 'MED-2026-15 v3'})
        return speaker

    @with_transaction()
    def test_pack_requirements(self):
        "The pack lists what is missing, by the event type's requirements"
        pool = Pool()
        Requirement = pool.get('pharma.event.requirement')
        data = self._setup()
        with set_company(data['company']):
            event = self._event(data)
            self.assertFalse(event.pack_complete)
            missing = {m[0] for m in event.pack_missing_items()}
            self.assertEqual(missing, {'agenda', 'invitation', 'consent',
                    'sign_in', 'photo', 'slides', 'attendance'})
            self.assertIn('3', event.pack_missing)

            self._complete_pack(data, event)
            self.assertEqual(event.pack_missing_items(), [])
            self.assertTrue(event.pack_complete)

            # the company's own requirements for seminars: 5 photos
            Requirement.create([{
                        'company': data['company'].id,
                        'event_type': 'seminar', 'item': 'photo',
                        'quantity': 5}])
            self.assertEqual(event.pack_missing_items(), [('photo', 3, 5)])

    @with_transaction()
    def test_requirements_override_defaults(self):
        """A type's requirement overrides the default of its item only:
        the other defaults still apply, a quantity of 0 drops the item"""
        pool = Pool()
        Requirement = pool.get('pharma.event.requirement')
        data = self._setup()
        company = data['company']
        with set_company(company):
            Requirement.create([{
                        'company': company.id, 'event_type': 'seminar',
                        'item': 'photo', 'quantity': 5,
                        }, {
                        'company': company.id, 'event_type': 'seminar',
                        'item': 'consent', 'quantity': 0,
                        }])
            expected = dict(DEFAULT_REQUIREMENTS, photo=5)
            del expected['consent']
            self.assertEqual(
                Requirement.get_requirements(company, 'seminar'), expected)
            # another type keeps every default
            self.assertEqual(
                Requirement.get_requirements(company, 'other'),
                DEFAULT_REQUIREMENTS)
            event = self._event(data)
            missing = {m[0] for m in event.pack_missing_items()}
            self.assertEqual(missing, {'agenda', 'invitation', 'sign_in',
                    'photo', 'slides', 'attendance'})

    @with_transaction()
    def test_new_pack_version_access(self):
        """A new version of an approved pack is opened by the event's
        organiser, an event approver (marketing manager) or compliance,
        not by another rep nor by finance"""
        pool = Pool()
        Event = pool.get('pharma.event')
        data = self._setup()
        with set_company(data['company']):
            event = self._event(data)
            self._complete_pack(data, event)
        with self.as_user(data, 'compliance1'):
            Event.approve_pack([Event(event.id)])
        # finance is not in the button's groups
        with self.as_user(data, 'finance1'):
            with self.assertRaisesRegex(UserError, 'not allowed'):
                Event.new_pack_version([Event(event.id)])
        # a rep who does not organise the event
        with self.as_user(data, 'rep2'):
            with self.assertRaisesRegex(UserError, re.escape(
                        'Only the organiser of event "%s"'
                        % Event(event.id).rec_name)):
                Event.new_pack_version([Event(event.id)])
        # in Chinese for the Chinese user (the module's zh_CN.po)
        pool.get('ir.translation').translation_import('zh_CN',
            'pharma_compliance', os.path.join(os.path.dirname(__file__),
                '..', 'locale', 'zh_CN.po'))
        with self.as_user(data, 'rep2'), \
                Transaction().set_context(language='zh_CN'):
            with self.assertRaisesRegex(UserError, re.escape(
                        '只有活动“%s”的组织者、活动审批人或合规人员'
                        '可以为其已批准的证据包创建新版本。'
                        % Event(event.id).rec_name)):
                Event.new_pack_version([Event(event.id)])
        self.assertEqual(Event(event.id).pack_version, 1)
        with self.as_user(data, 'rep1'):
            Event.new_pack_version([Event(event.id)])
        event = Event(event.id)
        self.assertEqual(
            (event.pack_state, event.pack_version), ('draft', 2))
        with self.as_user(data, 'compliance1'):
            Event.approve_pack([Event(event.id)])
            Event.new_pack_version([Event(event.id)])
        self.assertEqual(Event(event.id).pack_version, 3)
        self.assertEqual(
            [(a.action, a.user.login) for a in Event(event.id).pack_approvals],
            [('new_version', 'compliance1'), ('approved', 'compliance1'),
                ('new_version', 'rep1'), ('approved', 'compliance1')])
        # the marketing manager approves events: may reopen the pack too
        with self.as_user(data, 'compliance1'):
            Event.approve_pack([Event(event.id)])
        with self.as_user(data, 'marketing1'):
            Event.new_pack_version([Event(event.id)])
        self.assertEqual(Event(event.id).pack_version, 4)

    @with_transaction()
    def test_approval_snapshot(self):
        """The approval keeps the attendance, the slides' version, the
        speakers and the flags it overrode; the event's changes after it
        are refused or go to a new version and never change it"""
        pool = Pool()
        Event = pool.get('pharma.event')
        Speaker = pool.get('pharma.event.speaker')
        SignIn = pool.get('pharma.event.sign_in')
        Approval = pool.get('pharma.event.pack.approval')
        data = self._setup()
        with set_company(data['company']):
            event = self._event(data)
            speaker = self._complete_pack(data, event)
            SignIn.create([{'event': event.id, 'name': "迟到",
                        'time': EVENT_END + datetime.timedelta(hours=3)}])
        with self.as_user(data, 'compliance1'):
            with Transaction().set_context(_skip_warnings=True):
                Event.approve_pack([Event(event.id)])
        approval, = Event(event.id).pack_approvals
        snapshot = (approval.attendance_count, approval.slides_version,
            approval.speakers, approval.flags, approval.items)
        self.assertEqual(snapshot[:2], (1, 'MED-2026-15 v3'))
        self.assertIn("曾医生", approval.speakers)
        self.assertIn('3000', approval.speakers)
        self.assertIn("迟到", approval.flags)
        self.assertIn("迟到", approval.items)

        with self.as_user(data, 'rep1'):
            event = Event(event.id)
            for values in [{'attendance_count': 40},
                    {'slides_version': 'MED-2026-15 v4'}]:
                with self.assertRaisesRegex(
                        UserError, 'open a new pack version'):
                    Event.write([event], values)
            with self.assertRaisesRegex(UserError, 'open a new pack version'):
                Speaker.write([Speaker(speaker.id)], {'fee': Decimal(1000)})
            with self.assertRaisesRegex(UserError, 'open a new pack version'):
                Speaker.create([{'event': event.id,
                            'party': data['d3'].id}])
            with self.assertRaises(UserError):
                Approval.write([Approval(approval.id)], {'speakers': ''})
        # not even the server's own code rewrites a snapshot
        with self.assertRaisesRegex(UserError, 'approval buttons'):
            Approval.write([Approval(approval.id)], {'attendance_count': 9})

        with self.as_user(data, 'rep1'):
            Event.new_pack_version([Event(event.id)])
            Event.write([Event(event.id)], {
                    'attendance_count': 40,
                    'slides_version': 'MED-2026-15 v4'})
            Speaker.write([Speaker(speaker.id)], {'fee': Decimal(2000)})
            Speaker.create([{'event': event.id, 'party': data['d3'].id}])
        approval = Approval(approval.id)
        self.assertEqual((approval.attendance_count, approval.slides_version,
                approval.speakers, approval.flags, approval.items), snapshot)
        new_version, = [a for a in Event(event.id).pack_approvals
            if a.action == 'new_version']
        self.assertEqual(new_version.version, 2)

    @with_transaction()
    def test_close_and_approve(self):
        "Closing needs the pack approved by compliance, who is recorded"
        pool = Pool()
        Event = pool.get('pharma.event')
        data = self._setup()
        with set_company(data['company']):
            event = self._event(data)
        with self.as_user(data, 'rep1'):
            event = Event(event.id)
            with self.assertRaisesRegex(UserError, 'approved by compliance'):
                Event.do([event])
            with self.assertRaises(UserError):
                Event.write([event], {'pack_state': 'approved'})
            # only compliance approves packs
            with self.assertRaisesRegex(UserError, 'not allowed'):
                Event.approve_pack([event])
        with self.as_user(data, 'compliance1'):
            with self.assertRaisesRegex(UserError, 'incomplete'):
                Event.approve_pack([Event(event.id)])
        with self.as_user(data, 'rep1'):
            self._complete_pack(data, Event(event.id))
        with self.as_user(data, 'compliance1'):
            Event.approve_pack([Event(event.id)])
        event = Event(event.id)
        self.assertEqual(event.pack_state, 'approved')
        approval, = event.pack_approvals
        self.assertEqual(approval.user, data['compliance1_user'])
        self.assertEqual(approval.employee, data['compliance1'])
        self.assertEqual(approval.action, 'approved')
        self.assertTrue(approval.date)
        with self.as_user(data, 'rep1'):
            Event.do([Event(event.id)])
        self.assertEqual(Event(event.id).state, 'done')

    @with_transaction()
    def test_approve_flagged_pack(self):
        "Compliance is warned of the flags of a complete pack"
        pool = Pool()
        Event = pool.get('pharma.event')
        SignIn = pool.get('pharma.event.sign_in')
        data = self._setup()
        with set_company(data['company']):
            event = self._event(data)
            self._complete_pack(data, event)
            SignIn.create([{'event': event.id, 'name': "迟到",
                        'time': EVENT_END + datetime.timedelta(hours=3)}])
        with self.as_user(data, 'compliance1'):
            with self.assertRaisesRegex(UserWarning, 'flagged'):
                Event.approve_pack([Event(event.id)])
            with Transaction().set_context(_skip_warnings=True):
                Event.approve_pack([Event(event.id)])
        self.assertEqual(Event(event.id).pack_state, 'approved')
        self.assertEqual(
            Event(event.id).organiser_registration, 'BA-rep1')

    @with_transaction()
    def test_approve_reuse_warning(self):
        """A photo is never similar to itself (a pack of its own photos and
        documents is approved without warning, also after a photo is
        uploaded again); a photo copied into another event warns on both
        packs, and so does a document copied byte for byte (the same
        consent PDF)"""
        pool = Pool()
        Event = pool.get('pharma.event')
        Evidence = pool.get('pharma.event.evidence')
        data = self._setup()
        with set_company(data['company']):
            own = self._event(data, topic="自有照片")
            original = self._event(data, topic="原始照片",
                date=EVENT_DATE + datetime.timedelta(days=1),
                end_date=EVENT_END + datetime.timedelta(days=1))
            copied = self._event(data, topic="复制照片",
                date=EVENT_DATE + datetime.timedelta(days=3),
                end_date=EVENT_END + datetime.timedelta(days=3))
        with self.as_user(data, 'rep1'):
            self._complete_pack(data, Event(own.id), seeds=(1, 2, 3))
            photo = [e for e in Event(own.id).evidences
                if e.name == 'photo2.jpg'][0]
            # the same file again: fingerprinted again, not against itself
            Evidence.write([Evidence(photo.id)], {'file': photo.file})
            self._complete_pack(data, Event(original.id), seeds=(4, 5, 6),
                shift=datetime.timedelta(days=1))
            source = [e for e in Event(original.id).evidences
                if e.name == 'photo5.jpg'][0]
            copy, = Evidence.create([{'event': copied.id, 'kind': 'photo',
                        'name': 'copy.jpg',
                        'file': images.TRANSFORMS['resized_50'](
                            source.file)}])
            # the original's consent PDF, byte for byte, as the copy's
            consent, = [e for e in Event(original.id).evidences
                if e.name == 'consent.pdf']
            copied_consent, = Evidence.create([{'event': copied.id,
                        'kind': 'consent', 'name': 'consent-copy.pdf',
                        'file': consent.file}])
        with self.as_user(data, 'compliance1'):
            own = Event(own.id)
            # its PDFs are its own (no other event has the same files)
            self.assertEqual(
                [(e.name, e.similar, e.reused) for e in own.evidences
                    if e.similar or e.reused], [])
            photos = [e for e in own.evidences if e.kind == 'photo']
            self.assertEqual(len(photos), 3)
            self.assertEqual(own.compliance_flags, '')
            Event.approve_pack([own])
            self.assertEqual(Event(own.id).pack_state, 'approved')

            # the original's pack: warned of the copy in the other event
            with self.assertRaises(UserWarning) as cm:
                Event.approve_pack([Event(original.id)])
            message = cm.exception.message
            self.assertIn('photo5.jpg', message)
            self.assertIn(Event(copied.id).rec_name, message)
            self.assertNotIn('photo4.jpg', message)
            self.assertNotIn('photo6.jpg', message)
            # and of its consent, the same file in the other event
            self.assertIn('File "consent.pdf" is the same file as '
                'evidence of: %s (rule: each event its own documents)'
                % Event(copied.id).rec_name, message)
            self.assertNotIn('agenda.pdf', message)
            self.assertEqual(Event(original.id).pack_state, 'draft')
            # the copy's event names the original, for both copies
            self.assertTrue(Evidence(copy.id).reused)
            self.assertTrue(Evidence(copied_consent.id).reused)
            flags = Event(copied.id).compliance_flags
            self.assertIn(Event(original.id).rec_name, flags)
            self.assertIn('consent-copy.pdf', flags)
            with Transaction().set_context(_skip_warnings=True):
                Event.approve_pack([Event(original.id)])
        self.assertEqual(Event(original.id).pack_state, 'approved')

    @with_transaction()
    def test_approved_pack_locked(self):
        "Nothing of an approved pack changes; a new version adds items"
        pool = Pool()
        Event = pool.get('pharma.event')
        Evidence = pool.get('pharma.event.evidence')
        SignIn = pool.get('pharma.event.sign_in')
        Approval = pool.get('pharma.event.pack.approval')
        data = self._setup()
        with set_company(data['company']):
            event = self._event(data)
            self._complete_pack(data, event)
        with self.as_user(data, 'compliance1'):
            Event.approve_pack([Event(event.id)])
        with self.as_user(data, 'rep1'):
            event = Event(event.id)
            photo = [e for e in event.evidences if e.kind == 'photo'][0]
            self.assertTrue(photo.locked)
            with self.assertRaisesRegex(UserError, 'approved evidence pack'):
                Evidence.write([photo], {'name': 'other.jpg'})
            with self.as_user(data, 'marketing1'):
                with self.assertRaisesRegex(
                        UserError, 'approved evidence pack'):
                    Evidence.delete([Evidence(photo.id)])
            with self.assertRaisesRegex(UserError, 'new pack version'):
                Evidence.create([{'event': event.id, 'kind': 'photo',
                            'name': 'late.jpg',
                            'file': images.photo(9)}])
            with self.assertRaisesRegex(UserError, 'approved evidence pack'):
                SignIn.write(list(event.sign_ins), {'name': 'X'})
            with self.assertRaises(UserError):
                Event.write([event], {'attendance_count': 40})
            with self.assertRaises(UserError):
                Event.write([event], {'date': EVENT_DATE
                            + datetime.timedelta(days=1)})
            with self.assertRaises(UserError):
                Approval.write(list(event.pack_approvals), {'version': 9})
            with self.assertRaises(UserError):
                Approval.delete(list(event.pack_approvals))

            Event.new_pack_version([event])
            event = Event(event.id)
            self.assertEqual(
                (event.pack_state, event.pack_version), ('draft', 2))
            # the items of version 1 stay fixed; a new one supersedes
            with self.assertRaisesRegex(UserError, 'approved evidence pack'):
                Evidence.write([photo], {'name': 'other.jpg'})
            new, = Evidence.create([{'event': event.id, 'kind': 'photo',
                        'name': 'better.jpg', 'supersedes': photo.id,
                        'file': images.photo(4, when=LOCAL_START)}])
            self.assertEqual(new.pack_version, 2)
            self.assertTrue(Evidence(photo.id).superseded)
            Evidence.write([new], {'name': 'best.jpg'})
        event = Event(event.id)
        self.assertEqual([a.action for a in event.pack_approvals],
            ['new_version', 'approved'])

    @with_transaction()
    def test_edited_replacement_not_reuse(self):
        """A new version of a photo of the pack (the same picture edited:
        cropped and re-saved) supersedes the old one: it is no reuse of
        another event's picture and warns nothing; the same edited copy in
        another event is reuse"""
        pool = Pool()
        Event = pool.get('pharma.event')
        Evidence = pool.get('pharma.event.evidence')
        data = self._setup()
        with set_company(data['company']):
            event = self._event(data)
            self._complete_pack(data, event)
        with self.as_user(data, 'compliance1'):
            Event.approve_pack([Event(event.id)])
        with self.as_user(data, 'rep1'):
            event = Event(event.id)
            photo = [e for e in event.evidences if e.kind == 'photo'][0]
            Event.new_pack_version([event])
            edited = images.encode(
                images.crop(images.decode(photo.file), 0.03), quality=80)
            new, = Evidence.create([{'event': event.id, 'kind': 'photo',
                        'name': 'edited.jpg', 'supersedes': photo.id,
                        'file': edited}])
            new = Evidence(new.id)
            self.assertFalse(new.reused, new.reused_events)
            self.assertFalse(Evidence.search([
                        ('event', '=', event.id), ('reused', '=', True)]))
        with set_company(data['company']):
            other = self._event(data, topic="另一场会议")
            copy, = Evidence.create([{'event': other.id, 'kind': 'photo',
                        'name': 'copy.jpg', 'file': edited}])
            self.assertTrue(Evidence(copy.id).reused)
            self.assertIn(copy, Evidence.search([('reused', '=', True)]))

    @with_transaction()
    def test_payment_gate(self):
        "No payment approved before the pack, and the payee rules"
        pool = Pool()
        Event = pool.get('pharma.event')
        Payment = pool.get('pharma.event.payment')
        Configuration = pool.get('pharma.configuration')
        data = self._setup()
        with set_company(data['company']):
            event = self._event(data)
            speaker = self._complete_pack(data, event)
        with self.as_user(data, 'rep1'):
            payment, = Payment.create([{
                        'event': event.id, 'kind': 'speaker_fee',
                        'speaker': speaker.id, 'payee': data['h1'].id,
                        'amount': Decimal(3000)}])
            # a rep does not approve payments
            with self.assertRaisesRegex(UserError, 'not allowed'):
                Payment.approve([payment])
            with self.assertRaises(UserError):
                Payment.write([payment], {'state': 'approved'})
        with self.as_user(data, 'finance1'):
            with self.assertRaisesRegex(
                    UserError, 'rule: no payment before the pack'):
                Payment.approve([Payment(payment.id)])
        with self.as_user(data, 'compliance1'):
            Event.approve_pack([Event(event.id)])
        # paid to the speaker instead of the institution
        with self.as_user(data, 'rep1'):
            Payment.write([Payment(payment.id)], {'payee': data['d1'].id})
        with self.as_user(data, 'finance1'):
            with self.assertRaisesRegex(UserError, 'institution only'):
                Payment.approve([Payment(payment.id)])
        config = Configuration.get_config(data['company'])
        config.fee_payee_policy = 'consent'
        config.save()
        with self.as_user(data, 'finance1'):
            with self.assertRaisesRegex(UserError, 'documented consent'):
                Payment.approve([Payment(payment.id)])
        with self.as_user(data, 'rep1'):
            Payment.write([Payment(payment.id)], {
                    'consent': b'%PDF consent', 'consent_name': 'c.pdf'})
        with self.as_user(data, 'finance1'):
            Payment.approve([Payment(payment.id)])
            payment = Payment(payment.id)
            self.assertEqual(payment.state, 'approved')
            self.assertEqual(payment.approved_by, data['finance1_user'])
            self.assertTrue(payment.approved_date)
            Payment.pay([payment])
            self.assertEqual(Payment(payment.id).state, 'paid')
        with self.as_user(data, 'rep1'):
            with self.assertRaisesRegex(UserError, 'approved or paid'):
                Payment.write([Payment(payment.id)], {'amount': 1})
            over, = Payment.create([{
                        'event': event.id, 'kind': 'speaker_fee',
                        'speaker': speaker.id, 'payee': data['h1'].id,
                        'amount': Decimal(100)}])
        with self.as_user(data, 'finance1'):
            with self.assertRaisesRegex(UserError, 'more than the fee'):
                Payment.approve([Payment(over.id)])
        # the speakers of an approved pack are fixed (test_speakers_locked):
        # a speaker is added in a new version of the pack, which compliance
        # approves again
        Speaker = pool.get('pharma.event.speaker')
        Evidence = pool.get('pharma.event.evidence')
        with self.as_user(data, 'rep1'):
            Event.new_pack_version([Event(event.id)])
            # a fee without tier (as entered before the rules)
            untiered, = Speaker.create([{'event': event.id,
                        'party': data['d2'].id, 'fee': Decimal(500)}])
            unpaid, = Payment.create([{
                        'event': event.id, 'kind': 'speaker_fee',
                        'speaker': untiered.id, 'payee': data['h1'].id,
                        'amount': Decimal(500)}])
        with self.as_user(data, 'finance1'):
            with self.assertRaisesRegex(
                    UserError, 'rule: no payment before the pack'):
                Payment.approve([Payment(unpaid.id)])
        with self.as_user(data, 'compliance1'):
            # the new speaker's agreement is missing
            with self.assertRaisesRegex(UserError, 'incomplete'):
                Event.approve_pack([Event(event.id)])
        with self.as_user(data, 'rep1'):
            Evidence.create([{'event': event.id,
                        'kind': 'speaker_agreement',
                        'name': 'agreement2.pdf',
                        'file': b'%PDF-1.4 agreement 2',
                        'speaker': untiered.id}])
        with self.as_user(data, 'compliance1'):
            Event.approve_pack([Event(event.id)])
        # the fee without tier is not paid
        with self.as_user(data, 'finance1'):
            with self.assertRaisesRegex(UserError, 'no speaker tier'):
                Payment.approve([Payment(unpaid.id)])

    @with_transaction()
    def test_payment_needs_speaker_evidence(self):
        """A speaker fee is approved only while the approved pack is
        complete and only for a speaker whose agreement is in the current
        version of the pack, even where the company's requirements for
        the event type do not ask for agreements"""
        pool = Pool()
        Event = pool.get('pharma.event')
        Evidence = pool.get('pharma.event.evidence')
        Payment = pool.get('pharma.event.payment')
        Requirement = pool.get('pharma.event.requirement')
        Speaker = pool.get('pharma.event.speaker')
        data = self._setup()
        Requirement.create([{
                    'company': data['company'].id, 'event_type': 'seminar',
                    'item': item,
                    'quantity': 0 if item == 'speaker_agreement' else n}
                for item, n in DEFAULT_REQUIREMENTS.items()])
        with set_company(data['company']):
            event = self._event(data)
            speaker = self._complete_pack(data, event)
        with self.as_user(data, 'rep1'):
            # a second speaker, without agreement
            other, = Speaker.create([{'event': event.id, 'tier': 'tier3',
                        'party': data['d2'].id, 'fee': Decimal(1000)}])
            fee, other_fee = Payment.create([{
                        'event': event.id, 'kind': 'speaker_fee',
                        'speaker': s.id, 'payee': data['h1'].id,
                        'amount': s.fee} for s in [speaker, other]])
        with self.as_user(data, 'compliance1'):
            self.assertEqual(Event(event.id).pack_missing_items(), [])
            Event.approve_pack([Event(event.id)])
        with self.as_user(data, 'finance1'):
            with self.assertRaisesRegex(UserError,
                    "rule: no speaker fee without the speaker's agreement"):
                Payment.approve([Payment(other_fee.id)])

        # the requirements grow after the approval: the pack is no longer
        # complete, nothing is paid from it
        photos, = Requirement.search([('item', '=', 'photo')])
        Requirement.write([photos], {'quantity': 5})
        with self.as_user(data, 'finance1'):
            with self.assertRaisesRegex(
                    UserError, 'rule: no payment without a complete pack'):
                Payment.approve([Payment(fee.id)])
        Requirement.write([photos], {'quantity': 3})
        with self.as_user(data, 'finance1'):
            Payment.approve([Payment(fee.id)])
            self.assertEqual(Payment(fee.id).state, 'approved')

        # version 2: the agreement filed for the first speaker was the
        # second speaker's: it is superseded
        with self.as_user(data, 'rep1'):
            Event.new_pack_version([Event(event.id)])
            agreement, = [e for e in Event(event.id).evidences
                if e.kind == 'speaker_agreement']
            Evidence.create([{'event': event.id,
                        'kind': 'speaker_agreement',
                        'name': 'agreement-wang.pdf',
                        'file': b'%PDF-1.4 agreement wang',
                        'speaker': other.id, 'supersedes': agreement.id}])
            again, = Payment.create([{
                        'event': event.id, 'kind': 'speaker_fee',
                        'speaker': speaker.id, 'payee': data['h1'].id,
                        'amount': Decimal(1)}])
        with self.as_user(data, 'compliance1'):
            Event.approve_pack([Event(event.id)])
        with self.as_user(data, 'finance1'):
            Payment.approve([Payment(other_fee.id)])
            self.assertEqual(Payment(other_fee.id).state, 'approved')
            with self.assertRaisesRegex(UserError,
                    "rule: no speaker fee without the speaker's agreement"):
                Payment.approve([Payment(again.id)])

    @with_transaction()
    def test_speakers_locked(self):
        "The speakers and fees of an approved pack change in a new version"
        pool = Pool()
        Event = pool.get('pharma.event')
        Speaker = pool.get('pharma.event.speaker')
        data = self._setup()
        with set_company(data['company']):
            event = self._event(data)
            speaker = self._complete_pack(data, event)
        with self.as_user(data, 'compliance1'):
            Event.approve_pack([Event(event.id)])
        with self.as_user(data, 'rep1'):
            speaker = Speaker(speaker.id)
            for values in [{'fee': Decimal(2000)}, {'tier': 'tier2'},
                    {'party': data['d3'].id}]:
                with self.assertRaisesRegex(
                        UserError, 'rule: an approved pack is fixed'):
                    Speaker.write([speaker], values)
            with self.as_user(data, 'marketing1'):
                with self.assertRaisesRegex(
                        UserError, 'rule: an approved pack is fixed'):
                    Speaker.delete([Speaker(speaker.id)])
            # (a refused create leaves its record in this test's
            # transaction; RPC rolls it back)
            with self.assertRaisesRegex(
                    UserError, 'rule: an approved pack is fixed'):
                Speaker.create([{'event': event.id, 'tier': 'tier3',
                            'party': data['d2'].id, 'fee': Decimal(500)}])
            # through the event's form too
            with self.assertRaisesRegex(
                    UserError, 'rule: an approved pack is fixed'):
                Event.write([Event(event.id)], {'speakers': [('create', [{
                                    'party': data['d2'].id}])]})
            # what the pack does not fix, and the same fee again
            Speaker.write([speaker], {
                    'contract_ref': 'SP-1', 'fee': Decimal(3000)})

            Event.new_pack_version([Event(event.id)])
            Speaker.write([speaker], {'fee': Decimal(2000)})
            added, = Speaker.create([{'event': event.id, 'tier': 'tier3',
                        'party': data['d2'].id, 'fee': Decimal(500)}])
        self.assertEqual(Speaker(speaker.id).fee, Decimal(2000))
        self.assertEqual(Speaker(added.id).fee, Decimal(500))

    @with_transaction()
    def test_attendee_cost_gate(self):
        """An attendee cost is approved for payment only from an approved
        pack; the costs of an approved pack change in a new version (as
        marketing, who reads every doctor's invitations)"""
        pool = Pool()
        Event = pool.get('pharma.event')
        Invitation = pool.get('pharma.event.invitation')
        Payment = pool.get('pharma.event.payment')
        data = self._setup()
        with set_company(data['company']):
            event = self._event(data)
            self._complete_pack(data, event)
        with self.as_user(data, 'marketing1'):
            invitation, free = Invitation.create([{
                        'event': event.id, 'doctor': data['d2'].id,
                        'state': 'confirmed', 'cost': Decimal(200)}, {
                        'event': event.id, 'doctor': data['d1'].id,
                        'state': 'confirmed'}])
            payment, = Payment.create([{
                        'event': event.id, 'kind': 'attendee_cost',
                        'invitation': invitation.id,
                        'payee': data['d2'].id, 'amount': Decimal(250)}])
        with self.as_user(data, 'finance1'):
            with self.assertRaisesRegex(
                    UserError, 'rule: no payment before the pack'):
                Payment.approve([Payment(payment.id)])
        with self.as_user(data, 'compliance1'):
            Event.approve_pack([Event(event.id)])
        with self.as_user(data, 'marketing1'):
            # the cost cannot be raised to what is asked for
            with self.assertRaisesRegex(
                    UserError, 'rule: an approved pack is fixed'):
                Invitation.write([invitation], {'cost': Decimal(250)})
            with self.assertRaisesRegex(
                    UserError, 'rule: an approved pack is fixed'):
                Invitation.write([free], {'cost': Decimal(100)})
            with self.assertRaisesRegex(
                    UserError, 'rule: an approved pack is fixed'):
                Invitation.create([{'event': event.id,
                            'doctor': data['d1'].id, 'state': 'confirmed',
                            'cost': Decimal(100)}])
            with self.assertRaisesRegex(
                    UserError, 'rule: an approved pack is fixed'):
                Invitation.delete([invitation])
            # the attendance is not a cost
            Invitation.write([invitation, free], {'state': 'attended'})
            Invitation.delete([free])
        with self.as_user(data, 'finance1'):
            with self.assertRaisesRegex(UserError, "attendee's cost 200"):
                Payment.approve([Payment(payment.id)])
        with self.as_user(data, 'marketing1'):
            Payment.write([payment], {'amount': Decimal(200)})
        with self.as_user(data, 'finance1'):
            Payment.approve([Payment(payment.id)])
            self.assertEqual(Payment(payment.id).state, 'approved')
        with self.as_user(data, 'marketing1'):
            Event.new_pack_version([Event(event.id)])
            Invitation.write([invitation], {'cost': Decimal(250)})
        self.assertEqual(Invitation(invitation.id).cost, Decimal(250))

    @with_transaction()
    def test_refusals_name_no_hidden_record(self):
        """Refusals of an approved pack's invitations to rep1 name the
        event, never rep2's doctor nor the hospital of the doctor rep1
        covers, which rep1 cannot read"""
        pool = Pool()
        Event = pool.get('pharma.event')
        Invitation = pool.get('pharma.event.invitation')
        Coverage = pool.get('pharma.coverage')
        Date = pool.get('ir.date')
        ExportWizard = pool.get(
            'pharma.event.inspection_export', type='wizard')
        data = self._setup()
        d2, d3, h2 = data['d2'], data['d3'], data['h2']
        with set_company(data['company']):
            # rep1 covers d3 (at h2, which rep1 does not read), rep2 d2
            Coverage.create([{
                        'company': data['company'].id,
                        'employee': data[login].id, 'party': party.id,
                        'role': 'primary',
                        'start_date': Date.today() - datetime.timedelta(
                            days=30),
                        } for login, party in [('rep1', d3), ('rep2', d2)]])
            event = self._event(data)
            self._complete_pack(data, event)
            own, hidden = Invitation.create([{
                        'event': event.id, 'doctor': d3.id,
                        'invited_by': data['rep1'].id,
                        'cost': Decimal(50)}, {
                        'event': event.id, 'doctor': d2.id,
                        'invited_by': data['rep2'].id,
                        'cost': Decimal(50)}])
            Event.approve_pack([event])
        secrets = [h2.name, d2.name]
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

        with self.as_user(data, 'rep1'):
            # the approved pack is fixed: rep1's invitation of d3
            for func, args in [
                    (Invitation.write, ([Invitation(own.id)], {
                                'cost': Decimal(100)})),
                    (Invitation.copy, ([Invitation(own.id)],))]:
                refused(func, *args, shown=event.topic)
            refused(Invitation.delete, [Invitation(own.id)])
            # rep2's invitation of d2
            for func, args in [
                    (Invitation.write, ([Invitation(hidden.id)], {
                                'cost': Decimal(100)})),
                    (Invitation.delete, ([Invitation(hidden.id)],)),
                    (Invitation.copy, ([Invitation(hidden.id)],))]:
                refused(func, *args)
            # a button and a wizard of compliance
            refused(Event.approve_pack, [Event(event.id)])
            refused(ExportWizard.create)

    @with_transaction()
    def test_doctor_personal_data(self):
        "Compliance reads the doctors, not their phone, e-mail or ID (README)"
        pool = Pool()
        Party = pool.get('party.party')
        ContactMechanism = pool.get('party.contact_mechanism')
        Identifier = pool.get('party.identifier')
        data = self._setup()
        doctors = [data['d1'].id, data['d2'].id]
        for doctor in doctors:
            ContactMechanism.create([
                    {'party': doctor, 'type': 'mobile',
                        'value': '1390000%04d' % doctor},
                    {'party': doctor, 'type': 'email',
                        'value': 'doctor%s@example.com' % doctor}])
            Identifier.create([{'party': doctor,
                        'code': '31010119700101%04d' % doctor}])
        with self.as_user(data, 'marketing1'):
            # a role that works with doctors reads them
            self.assertEqual(len(ContactMechanism.search(
                        [('party', 'in', doctors)])), 4)
        with self.as_user(data, 'compliance1'):
            self.assertEqual(
                sorted(p.id for p in Party.search([('id', 'in', doctors)])),
                sorted(doctors))
            self.assertEqual(ContactMechanism.search(
                    [('party', 'in', doctors)]), [])
            self.assertEqual(Identifier.search(
                    [('party', 'in', doctors)]), [])
            self.assertEqual(
                [[r['mobile'], r['email']] for r in Party.read(
                        doctors, ['mobile', 'email'])],
                [['', ''], ['', '']])
            rows = Party.export_data_domain([('id', 'in', doctors)],
                ['name', 'mobile', 'email'], order=[('id', 'ASC')])
            self.assertEqual(rows, [[Party(d).name, '', ''] for d in doctors])
            with self.assertRaises(UserError) as cm:
                Party.export_data_domain([('id', 'in', doctors)],
                    ['name', 'contact_mechanisms/value', 'identifiers/code'])
            self.assertNotIn('1390000', str(cm.exception))

    @with_transaction()
    def test_speaker_fee_rules(self):
        "Fee caps by tier and period, qualification by title and grade"
        pool = Pool()
        Speaker = pool.get('pharma.event.speaker')
        Configuration = pool.get('pharma.configuration')
        data = self._setup()
        with set_company(data['company']):
            event = self._event(data)
            other = self._event(data, topic="第二场",
                date=EVENT_DATE + datetime.timedelta(days=30),
                end_date=EVENT_END + datetime.timedelta(days=30))
        with self.as_user(data, 'rep1'):
            with self.assertRaisesRegex(UserError, 'fee cap per talk'):
                Speaker.create([{'event': event.id, 'tier': 'tier1',
                            'party': data['d1'].id, 'fee': Decimal(3001)}])
            # an attending physician is not a tier 1 speaker
            with self.assertRaisesRegex(UserError, 'speaker qualification'):
                Speaker.create([{'event': event.id, 'tier': 'tier1',
                            'party': data['d2'].id, 'fee': Decimal(1000)}])
            # a chief physician of a grade 1 hospital neither
            with self.assertRaisesRegex(UserError, 'speaker qualification'):
                Speaker.create([{'event': event.id, 'tier': 'tier2',
                            'party': data['d3'].id, 'fee': Decimal(1000)}])
            Speaker.create([{'event': event.id, 'tier': 'tier3',
                        'party': data['d2'].id, 'fee': Decimal(1000)}])
            Speaker.create([{'event': other.id, 'tier': 'tier1',
                        'party': data['d1'].id, 'fee': Decimal(3000)}])

    @with_transaction()
    def test_speaker_fee_period(self):
        "The fees of a speaker over the period are capped"
        pool = Pool()
        Speaker = pool.get('pharma.event.speaker')
        Configuration = pool.get('pharma.configuration')
        data = self._setup()
        config = Configuration.get_config(data['company'])
        config.fee_cap_period = Decimal(5000)
        config.save()
        with set_company(data['company']):
            event = self._event(data)
            other = self._event(data, topic="第二场",
                date=EVENT_DATE + datetime.timedelta(days=30),
                end_date=EVENT_END + datetime.timedelta(days=30))
            far = self._event(data, topic="明年",
                date=EVENT_DATE + datetime.timedelta(days=400),
                end_date=EVENT_END + datetime.timedelta(days=400))
        with self.as_user(data, 'rep1'):
            Speaker.create([{'event': event.id, 'tier': 'tier1',
                        'party': data['d1'].id, 'fee': Decimal(3000)}])
            Speaker.create([{'event': far.id, 'tier': 'tier1',
                        'party': data['d1'].id, 'fee': Decimal(3000)}])
            with self.assertRaisesRegex(UserError, 'fee cap per period'):
                Speaker.create([{'event': other.id, 'tier': 'tier1',
                            'party': data['d1'].id, 'fee': Decimal(2500)}])

    @with_transaction()
    def test_reuse_detection(self):
        """Re-saved, resized, recompressed and cropped copies are caught
        across the events and calls of the company, not other pictures
        nor other companies'"""
        pool = Pool()
        Evidence = pool.get('pharma.event.evidence')
        Attachment = pool.get('ir.attachment')
        Call = pool.get('pharma.call')
        Event = pool.get('pharma.event')
        data = self._setup()
        with set_company(data['company']):
            first = self._event(data)
            second = self._event(data, topic="另一场",
                date=EVENT_DATE + datetime.timedelta(days=7),
                end_date=EVENT_END + datetime.timedelta(days=7))
        originals = {seed: images.photo(seed) for seed in range(10, 15)}
        with self.as_user(data, 'rep1'):
            Evidence.create([{'event': first.id, 'kind': 'photo',
                        'name': 'p%s.jpg' % s, 'file': d}
                    for s, d in originals.items()])
            copies = []
            for (name, transform), seed in zip(
                    sorted(images.TRANSFORMS.items()),
                    [10, 11, 12, 13, 14] * 2):
                copies.append({'event': second.id, 'kind': 'photo',
                        'name': name + '.jpg',
                        'file': transform(originals[seed])})
            copies.append({'event': second.id, 'kind': 'photo',
                    'name': 'new.jpg', 'file': images.photo(99)})
            created = Evidence.create(copies)
            second = Event(second.id)
            reused = {e.name: e.reused for e in Evidence.browse(created)}
            self.assertEqual(reused, {c['name']: c['name'] != 'new.jpg'
                    for c in copies})
            self.assertTrue(second.reused_evidence)
            self.assertIn(first.rec_name, Evidence(created[0]).similar)
            found = Evidence.search([('reused', '=', True),
                    ('event', '=', second.id)])
            self.assertEqual(len(found), len(copies) - 1)
            self.assertIn(first.rec_name, second.compliance_flags)
            # only new.jpg counts as a photo of the second event; the
            # originals still count for the first
            self.assertEqual(second.pack_counts()['photo'], 1)
            self.assertEqual(Event(first.id).pack_counts()['photo'], 5)

            # a picture and its copy created together find each other
            pair = Evidence.create([{'event': second.id, 'kind': 'photo',
                        'name': 'pair%s.jpg' % i, 'file': data}
                    for i, data in enumerate([images.photo(77),
                            images.TRANSFORMS['cropped_5'](
                                images.photo(77))])])
            self.assertEqual([e.reused for e in Evidence.browse(pair)],
                [True, True])

            # a call's picture
            call, = Call.create([{'party': data['d1'].id,
                        'date': EVENT_DATE, 'employee': data['rep1'].id}])
            Attachment.create([{'resource': str(call), 'name': 'visit.jpg',
                        'data': images.TRANSFORMS['resized_50'](
                            originals[12])}])
        with set_company(data['company']):
            Fingerprint = pool.get('pharma.evidence.fingerprint')
            call_print, = Fingerprint.search([('call', '=', call.id)])
            self.assertTrue(call_print.matches)
        copied = [e for e in Event(first.id).evidences
            if e.name == 'p12.jpg'][0]
        with self.as_user(data, 'compliance1'):
            # the call's name as compliance reads it (call is rep1's
            # instance: rep1 does not read the doctor's hospital)
            name = Call(call.id).rec_name
            self.assertIn(name, Evidence(copied.id).similar)
        # finance cannot read calls: the call is not named to them
        with self.as_user(data, 'finance1'):
            similar = Evidence(copied.id).similar
            self.assertNotIn(name, similar)
            self.assertIn('a call you cannot see', similar)

        # another company's copy is not compared
        other = create_company(name="Other Pharma")
        with set_company(other):
            employee, = pool.get('company.employee').create([{
                        'party': data['d2'].id, 'company': other.id}])
            event = self._event({'company': other, 'rep1': employee})
            evidence, = Evidence.create([{'event': event.id,
                        'kind': 'photo', 'name': 'same.jpg',
                        'file': originals[10]}])
            self.assertFalse(evidence.reused)

    def test_hash_threshold_rates(self):
        """The threshold separates generated pictures from their copies
        (prints the false-positive and false-negative rates)"""
        def hash_bytes(data):
            return hashing.hashes(images.decode(data).convert('RGB'))
        result, _, _ = images.measure(
            hash_bytes, count=30, thresholds=[hashing.THRESHOLD])
        fp, fn = result[hashing.THRESHOLD]
        print('\nthreshold %s on 30 pictures and %s copies: '
            'false positives %.2f%%, false negatives %.2f%%' % (
                hashing.THRESHOLD, 30 * len(images.TRANSFORMS),
                fp * 100, fn * 100))
        self.assertLessEqual(fp, 0.005)
        self.assertLessEqual(fn, 0.01)

    def test_band_prefilter(self):
        "The band lookup finds every hash within the threshold"
        rnd = random.Random(24)
        radius = hashing.band_radius()
        for _ in range(300):
            value = rnd.getrandbits(64)
            flips = rnd.sample(range(64), rnd.randint(0, hashing.THRESHOLD))
            other = value
            for bit in flips:
                other ^= 1 << bit
            self.assertLessEqual(hashing.distance(value, other),
                hashing.THRESHOLD)
            self.assertTrue(any(
                    hashing.bands(other)[i] in set(hashing.neighbours(
                            hashing.bands(value)[i], radius))
                    for i in range(hashing.BANDS)))

    @with_transaction()
    def test_capture_time_and_sign_ins(self):
        """Photos taken outside the event don't count; sign-ins outside
        the hours and attendees of overlapping events are flagged"""
        pool = Pool()
        Evidence = pool.get('pharma.event.evidence')
        SignIn = pool.get('pharma.event.sign_in')
        data = self._setup()
        with set_company(data['company']):
            event = self._event(data)
            overlapping = self._event(data, topic="同时段",
                date=EVENT_DATE + datetime.timedelta(hours=1))
        with self.as_user(data, 'rep1'):
            at_event, day_before, no_exif = Evidence.create([
                    {'event': event.id, 'kind': 'photo', 'name': 'a.jpg',
                        'file': images.photo(31, when=LOCAL_START
                            + datetime.timedelta(minutes=30))},
                    {'event': event.id, 'kind': 'photo', 'name': 'b.jpg',
                        'file': images.photo(32, when=LOCAL_START
                            - datetime.timedelta(days=1))},
                    {'event': event.id, 'kind': 'photo', 'name': 'c.jpg',
                        'file': images.photo(33)},
                    ])
            # the camera's local time, stored as Tryton's UTC datetimes
            self.assertEqual(at_event.capture_time,
                EVENT_DATE + datetime.timedelta(minutes=30))
            self.assertEqual(at_event.fingerprints[0].capture_time,
                EVENT_DATE + datetime.timedelta(minutes=30))
            self.assertEqual(at_event.capture_device, 'HUAWEI P60')
            self.assertTrue(at_event.photo_at_event)
            self.assertFalse(day_before.photo_at_event)
            self.assertIn('not during event', day_before.capture_flag)
            self.assertIn('no capture time', no_exif.capture_flag)
            self.assertEqual(event.pack_counts()['photo'], 2)

            late, early, on_time = SignIn.create([
                    {'event': event.id, 'name': "迟到",
                        'time': EVENT_END + datetime.timedelta(hours=2)},
                    {'event': event.id, 'name': "太早",
                        'time': EVENT_DATE - datetime.timedelta(hours=3)},
                    {'event': event.id, 'name': "曾医生",
                        'doctor': data['d1'].id, 'time': EVENT_DATE},
                    ])
            self.assertIn('outside the hours', late.flag)
            self.assertIn('outside the hours', early.flag)
            self.assertFalse(on_time.flag)
            SignIn.create([{'event': overlapping.id, 'name': "曾医生",
                        'doctor': data['d1'].id,
                        'time': EVENT_DATE + datetime.timedelta(hours=1)}])
            self.assertIn('overlapping event', SignIn(on_time.id).flag)

    @with_transaction()
    def test_reception_rules(self):
        "Calls outside the hospital's reception hours are flagged"
        pool = Pool()
        Call = pool.get('pharma.call')
        Party = pool.get('party.party')
        data = self._setup()
        Party.write([data['h1']], {
                'reception_rules': [('create', [{
                                'weekday': '1',
                                'start_time': datetime.time(9),
                                'end_time': datetime.time(11)}])],
                })
        # Tuesday 24 November 2026, Shanghai time
        tuesday_10 = datetime.datetime(2026, 11, 24, 2, 0)
        tuesday_15 = datetime.datetime(2026, 11, 24, 7, 0)
        with self.as_user(data, 'rep1'):
            inside, outside, phone = Call.create([
                    {'party': data['d1'].id, 'date': tuesday_10,
                        'employee': data['rep1'].id},
                    {'party': data['d1'].id, 'date': tuesday_15,
                        'employee': data['rep1'].id},
                    {'party': data['d1'].id, 'date': tuesday_15,
                        'employee': data['rep1'].id, 'call_type': 'phone'},
                    ])
            self.assertEqual(
                [c.reception_flag for c in Call.browse(
                        [inside, outside, phone])],
                [None, 'outside_hours', None])
            self.assertEqual(
                Call.search([('reception_flag', '!=', None)]), [outside])
            # the form warns as the rep moves the call
            call = Call(inside.id)
            call.date = tuesday_15
            self.assertIn('receives representatives only',
                call.on_change_with_reception_warning())
            self.assertEqual(call.rep_registration_number, 'BA-rep1')
            Call.write([outside], {'date': tuesday_10})
            self.assertIsNone(Call(outside.id).reception_flag)
        Party.write([data['h1']], {'reception_appointment': True})
        with self.as_user(data, 'rep1'):
            Call.write([inside], {'next_step': 'x', 'date': tuesday_10})
            self.assertEqual(Call(inside.id).reception_flag,
                'no_appointment')
            Call.write([inside], {'appointment': True})
            self.assertIsNone(Call(inside.id).reception_flag)

    @with_transaction()
    def test_field_app_reception(self):
        "The phone app gets each hospital's reception rule"
        pool = Pool()
        Party = pool.get('party.party')
        Reception = pool.get('pharma.hospital.reception')
        Sync = pool.get('pharma.field.sync')
        data = self._setup()
        h1 = data['h1']
        Reception.create([{'hospital': h1.id, 'weekday': '1',
                    'start_time': datetime.time(14, 0),
                    'end_time': datetime.time(16, 0)}])
        Party.write([h1], {'reception_appointment': True})
        values = Sync._hospital_values(Party(h1.id))
        self.assertEqual(values['reception'], Party(h1.id).reception_text())
        self.assertIn('14:00-16:00', values['reception'])
        self.assertTrue(values['appointment'])
        values = Sync._hospital_values(data['h2'])
        self.assertEqual((values['reception'], values['appointment']),
            ('', False))

    @with_transaction()
    def test_inspection_export(self):
        "The archive has a folder per event and the index"
        import openpyxl
        from ..export import export_inspection
        pool = Pool()
        Event = pool.get('pharma.event')
        data = self._setup()
        with set_company(data['company']):
            event = self._event(data)
            self._complete_pack(data, event)
            Event.approve_pack([event])
            self._event(data, topic="范围外",
                date=EVENT_DATE + datetime.timedelta(days=60),
                end_date=EVENT_END + datetime.timedelta(days=60))
            buffer = io.BytesIO()
            count = export_inspection(datetime.date(2026, 11, 1),
                datetime.date(2026, 11, 30), buffer)
        self.assertEqual(count, 1)
        archive = zipfile.ZipFile(buffer)
        names = archive.namelist()
        self.assertIn('index.xlsx', names)
        photos = [n for n in names if n.endswith('.jpg')]
        self.assertEqual(len(photos), 3)
        self.assertTrue(all(n.startswith('20261120_%s_' % event.id)
                for n in names if n != 'index.xlsx'))
        workbook = openpyxl.load_workbook(
            io.BytesIO(archive.read('index.xlsx')), read_only=True)
        self.assertEqual(len(workbook.sheetnames), 4)
        rows = list(workbook[workbook.sheetnames[0]].values)
        self.assertEqual(len(rows), 2)
        self.assertEqual(rows[1][0], "心衰新进展")
        # times in the company's local time, as the attendees lived them
        self.assertEqual(rows[1][2], LOCAL_START.strftime('%Y-%m-%d %H:%M'))
        approvals = list(workbook[workbook.sheetnames[2]].values)
        self.assertEqual(len(approvals), 2)

        # a big period goes to the worker: the archive is kept on a
        # record and the user is told
        Export = pool.get('pharma.inspection.export')
        with set_company(data['company']):
            export = Export.request(
                datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
            self.assertEqual(export.state, 'queued')
            Export.run([export])
        export = Export(export.id)
        self.assertEqual((export.state, export.count), ('done', 1))
        self.assertIn('index.xlsx',
            zipfile.ZipFile(io.BytesIO(export.file)).namelist())
        # written straight into the filestore, no temporary copy left
        from trytond.filestore import filestore
        self.assertTrue(export.file_id)
        path = filestore._filename(
            export.file_id, Transaction().database.name)
        self.assertTrue(os.path.exists(path))
        self.assertFalse(os.path.exists(path + '.part'))
        self.assertEqual(os.path.getsize(path), len(export.file))

    def test_inspection_export_command(self):
        """pharma-inspection-export: pharma_hospital's shared options and
        start, the archive written (nothing in the period: the index)"""
        import tempfile
        from trytond.tests.test_tryton import DB_NAME
        from ..export import export_main
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, '检查.zip')
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                status = export_main(['-d', DB_NAME, '-l', 'en',
                        '2026-11-01', '2026-11-30', path])
            self.assertEqual(status, 0)
            self.assertEqual(
                zipfile.ZipFile(path).namelist(), ['index.xlsx'])
            self.assertFalse(os.path.exists(path + '.part'))
        self.assertIn(path, out.getvalue())

    @with_transaction()
    def test_inspection_export_failed(self):
        """A failed archive marks the job failed and tells the user who
        asked (in Chinese in the demo), without a partial file"""
        from .. import export as export_module
        pool = Pool()
        Export = pool.get('pharma.inspection.export')
        data = self._setup()
        transaction = Transaction()
        with set_company(data['company']):
            self._event(data)
            with transaction.set_user(data['compliance1_user'].id):
                export = Export.request(
                    datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
            notified = len(transaction.user_notifications)

            def broken(from_date, to_date, fileobj, company=None):
                fileobj.write(b'PK half an archive')
                raise OSError(28, "No space left on device")
            with mock.patch.object(
                    export_module, 'export_inspection', broken), \
                    self.assertLogs(export_module.logger, 'ERROR'):
                Export.run([export])
        export = Export(export.id)
        self.assertEqual(export.state, 'failed')
        self.assertFalse(export.file_id)
        self.assertIsNone(export.file)
        # the details stay in the server log, not in the user's message
        self.assertIn('server log', export.error)
        self.assertNotIn('space', export.error)
        notification, = transaction.user_notifications[notified:]
        self.assertEqual(notification.user, data['compliance1_user'])
        self.assertEqual(notification.icon, 'tryton-error')
        self.assertIn('2026-11-01', notification.label)
        self.assertIn('could not be made', notification.label)
        # a failed job is not run again
        Export.run([export])
        self.assertEqual(Export(export.id).state, 'failed')

        # a refusal the user can act on is told as it is
        with set_company(data['company']):
            export = Export.request(
                datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))

        def refused(from_date, to_date, fileobj, company=None):
            raise UserError("Refused for the test")
        with set_company(data['company']), mock.patch.object(
                export_module, 'export_inspection', refused), \
                self.assertLogs(export_module.logger, 'ERROR'):
            Export.run([export])
        self.assertEqual(Export(export.id).error, "Refused for the test")

    @with_transaction()
    def test_tree_datetime_widget(self):
        "The web client opens the lists: DateTime columns have a widget"
        self.assertEqual(tree_datetime_without_widget(self.module), [])


del ModuleTestCase
