# This file is part of the pharma suite. See README.md for license terms.
"""Browser tests of pharma_compliance, as the real users in the web client:

1. rep1 tries to close an academic event whose evidence pack is not
   approved: the client shows the server's Chinese refusal; compliance1
   (合规) opens the event from 待审批证据包 and approves its pack; rep1
   closes the event.
2. compliance1 opens an event one of whose photos is a resized copy of a
   photo of another event: the evidence pack page shows the reuse (the
   event's flag, the photo's 重复使用 and where it was used).

Run alone:
    PHARMA_BROWSER=1 .venv/bin/python tests/run_module_tests.py \\
        --file tests/browser/test_compliance.py
Screenshots: tests/output/browser/compliance/*.png
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from helpers import (  # noqa: E402
    OUTPUT, BrowserTestCase, current_tab, js_errors, list_texts, login,
    open_record, password, rpc_errors, visible_labels, wait_idle)

COMPLETE = '合规浏览器测试学术会'
COPIED = '合规浏览器测试科室会'
SHOTS = os.path.join(OUTPUT, 'compliance')


def open_menu_tree(page, path):
    """Like helpers.open_menu, but each name is looked for below the entry
    clicked before (Pharma > Academic Events > Academic Events)"""
    after = -1
    for name in path:
        rows = page.locator('#menu tbody tr:visible')
        rows.first.wait_for(state='visible')
        texts = [' '.join(t.split()) for t in rows.all_inner_texts()]
        index = next(i for i, t in enumerate(texts)
            if i > after and t == name)
        rows.nth(index).get_by_text(name, exact=True).first.click()
        wait_idle(page)
        after = index
    page.wait_for_selector('#tabcontent .tab-pane.active', state='visible')
    wait_idle(page)


def shot(page, name):
    os.makedirs(SHOTS, exist_ok=True)
    path = os.path.join(SHOTS, re.sub(r'[^\w.-]+', '_', name) + '.png')
    page.screenshot(path=path, full_page=True)
    return path


class ComplianceBrowserTest(BrowserTestCase):
    modules = ['pharma_compliance']
    database = 'compliance'

    @classmethod
    def setup_database(cls, server):
        server.run_python('''
            import datetime
            from decimal import Decimal
            from trytond.modules.pharma_compliance.tests import images
            Party = pool.get('party.party')
            Event = pool.get('pharma.event')
            Evidence = pool.get('pharma.event.evidence')
            User = pool.get('res.user')
            rep1, = User.search([('login', '=', 'rep1')])
            hospital, = Party.create([{'name': '合规测试医院',
                        'pharma_type': 'hospital', 'hospital_grade': '3a'}])
            chief, doctor = Party.create([
                    {'name': '合规讲者', 'pharma_type': 'doctor',
                        'hospital': hospital.id, 'doctor_title': 'chief'},
                    {'name': '合规听众', 'pharma_type': 'doctor',
                        'hospital': hospital.id,
                        'doctor_title': 'attending'}])
            start = datetime.datetime(2026, 11, 20, 6, 0)
            local = datetime.datetime(2026, 11, 20, 14, 10)
            complete, copied = Event.create([{
                        'company': company.id, 'topic': %(complete)r,
                        'event_type': 'seminar', 'date': start,
                        'end_date': start + datetime.timedelta(hours=3),
                        'organiser': rep1.employee.id, 'state': 'approved',
                        'attendance_count': 1,
                        'slides_version': 'MED-2026-7 v1',
                        'speakers': [('create', [{'party': chief.id,
                                        'tier': 'tier1',
                                        'fee': Decimal(3000)}])],
                        'sign_ins': [('create', [{'doctor': doctor.id,
                                        'name': doctor.name,
                                        'time': start}])],
                        }, {
                        'company': company.id, 'topic': %(copied)r,
                        'event_type': 'department_meeting',
                        'date': start + datetime.timedelta(days=3),
                        'organiser': rep1.employee.id, 'state': 'approved',
                        }])
            speaker, = complete.speakers
            photos = [images.photo(seed, when=local
                    + datetime.timedelta(minutes=20 * i))
                for i, seed in enumerate([501, 502, 503])]
            Evidence.create([
                    {'event': complete.id, 'kind': kind,
                        'name': kind + '.pdf', 'file': b'%%PDF ' + kind.encode()}
                    for kind in ['agenda', 'invitation', 'consent', 'slides']]
                + [{'event': complete.id, 'kind': 'speaker_agreement',
                        'name': 'agreement.pdf', 'file': b'%%PDF agreement',
                        'speaker': speaker.id}]
                + [{'event': complete.id, 'kind': 'photo',
                        'name': '现场%%s.jpg' %% i, 'file': data}
                    for i, data in enumerate(photos)]
                + [{'event': copied.id, 'kind': 'photo',
                        'name': '缩小的照片.jpg',
                        'file': images.TRANSFORMS['resized_50'](photos[1])}])
            result['complete'] = Event(complete.id).pack_complete
            ''' % {'complete': COMPLETE, 'copied': COPIED})

    def open_event(self, page, user, menu, topic):
        login(page, self.server.url, user, password(user),
            database=self.server.database)
        open_menu_tree(page, self.server.menu_path(menu, user))
        self.assertTrue(any(topic in r for r in list_texts(page)))
        open_record(page, topic)

    def state(self, topic):
        return self.server.run_python('''
            Event = pool.get('pharma.event')
            event, = Event.search([('topic', '=', %r)])
            result['state'] = [event.state, event.pack_state]
            ''' % topic)['state']

    def test_1_close_event(self):
        "Closing needs the pack approved by compliance"
        page = self.new_page()
        self.open_event(page, 'rep1', 'pharma_calls.menu_event_form',
            COMPLETE)
        current_tab(page).locator('button[name="do"]:visible').click()
        dialog = page.locator('.modal.in:visible').last
        dialog.wait_for(state='visible')
        text = dialog.inner_text()
        shot(page, 'compliance_1_close_refused')
        self.assertIn('合规审批', text)
        self.assertIn(COMPLETE, text)
        dialog.locator('.modal-footer button').first.click()
        wait_idle(page)
        self.assertEqual(self.state(COMPLETE), ['approved', 'draft'])
        self.assertEqual(js_errors(page), [])

        page = self.new_page()
        self.open_event(page, 'compliance1',
            'pharma_compliance.menu_event_pack', COMPLETE)
        current_tab(page).get_by_text('证据包', exact=True).first.click()
        wait_idle(page)
        shot(page, 'compliance_2_pack_to_approve')
        labels = visible_labels(page)
        self.assertIn('审批证据包', labels)
        current_tab(page).locator(
            'button[name="approve_pack"]:visible').click()
        # 现场1.jpg has a resized copy in the other event (test 2): the
        # server warns compliance of it before approving, and approves
        # nothing until compliance goes on
        dialog = page.locator('.user-warning-dialog.in:visible')
        dialog.wait_for(state='visible')
        wait_idle(page)
        text = dialog.inner_text()
        shot(page, 'compliance_3_reuse_warning_on_approval')
        self.assertIn('现场1.jpg', text)
        self.assertIn('相似', text)
        self.assertIn(COPIED, text)
        self.assertNotIn('现场0.jpg', text)
        self.assertNotIn('现场2.jpg', text)
        self.assertEqual(self.state(COMPLETE), ['approved', 'draft'])
        dialog.locator('.modal-footer button.btn-primary').click()
        wait_idle(page)
        self.assertEqual(page.locator('.modal.in:visible').count(), 0,
            rpc_errors(page))
        shot(page, 'compliance_3_pack_approved')
        self.assertEqual(self.state(COMPLETE), ['approved', 'approved'])
        self.assertEqual(js_errors(page), [])
        self.assertEqual([e[0] for e in rpc_errors(page)], ['UserWarning'])
        self.assertTrue(rpc_errors(page)[0][1][0].endswith(
                'pharma_compliance.pack_flags'))

        page = self.new_page()
        self.open_event(page, 'rep1', 'pharma_calls.menu_event_form',
            COMPLETE)
        current_tab(page).locator('button[name="do"]:visible').click()
        wait_idle(page)
        self.assertEqual(page.locator('.modal.in:visible').count(), 0,
            rpc_errors(page))
        shot(page, 'compliance_4_event_closed')
        self.assertEqual(self.state(COMPLETE), ['done', 'approved'])
        self.assertEqual(js_errors(page), [])
        self.assertEqual(rpc_errors(page), [])

    def test_2_reuse_warning(self):
        "A resized copy of another event's photo shows as reused"
        page = self.new_page()
        self.open_event(page, 'compliance1',
            'pharma_compliance.menu_event_pack', COPIED)
        current_tab(page).get_by_text('证据包', exact=True).first.click()
        wait_idle(page)
        shot(page, 'compliance_5_reuse_warning')
        tab = current_tab(page).first
        flags = tab.locator('textarea[name="compliance_flags"]')
        self.assertIn('相似', flags.input_value())
        self.assertIn(COMPLETE, flags.input_value())
        # the web client draws the rows of a one2many once its list is
        # scrolled into view (before, the list shows only 更多 (More))
        evidences = tab.locator('.form-one2many').filter(
            has=page.locator('label.form-one2many-string:text-is("证据材料")'))
        evidences.scroll_into_view_if_needed()
        row = evidences.locator('tbody tr:not(.more-row)').filter(
            has_text='缩小的照片.jpg')
        row.wait_for(state='visible')
        wait_idle(page)
        shot(page, 'compliance_6_reused_photo_row')
        rows = [' '.join(t.split()) for t in evidences.locator(
                'tbody tr:visible').all_inner_texts()]
        self.assertTrue(any('缩小的照片.jpg' in r and COMPLETE in r
                for r in rows), rows)
        self.assertEqual(js_errors(page), [])
        self.assertEqual(rpc_errors(page), [])
