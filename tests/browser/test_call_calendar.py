# This file is part of the pharma suite. See README.md for license terms.
"""Browser test of the call calendar (pharma_calls): rep1 opens 拜访日历
and a call made at 23:00 (Asia/Shanghai, stored as 15:00 UTC) is drawn on
its own day in the 23:00 row, not in the 00:00 row of the next day.

Run alone:
    PHARMA_BROWSER=1 .venv/bin/python tests/run_module_tests.py \\
        --file tests/browser/test_call_calendar.py
Screenshot: tests/output/browser/calls/calendar_late_call.png
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from helpers import (  # noqa: E402
    OUTPUT, BrowserTestCase, current_tab, js_errors, login, open_menu,
    password, rpc_errors, wait_idle)

HOSPITAL = '浦东日历测试医院'
DOCTOR = '夜诊日历医生'
SHOTS = os.path.join(OUTPUT, 'calls')

# where each drawn segment of an event is: the day of the column under its
# centre and the time slot row under its top edge
SEGMENTS = '''(root) => {
    const inside = (value, box, low, high) =>
        value >= box[low] && value < box[high];
    const headers = [...root.querySelectorAll('.fc-day-header[data-date]')];
    const slots = [...root.querySelectorAll('.fc-slats tr[data-time]')];
    return [...root.querySelectorAll('.fc-time-grid-event')].map((ev) => {
        const box = ev.getBoundingClientRect();
        const centre = box.left + box.width / 2;
        const header = headers.find((h) => inside(
                centre, h.getBoundingClientRect(), 'left', 'right'));
        const slot = slots.find((s) => inside(
                box.top + 1, s.getBoundingClientRect(), 'top', 'bottom'));
        // a short event shows its time from the attribute (CSS)
        const time = ev.querySelector('.fc-time');
        return {
            text: ev.innerText.replace(/\\s+/g, ' ').trim(),
            time: time ? (time.dataset.start || time.innerText) : null,
            day: header ? header.dataset.date : null,
            slot: slot ? slot.dataset.time : null,
            };
        });
    }'''


class CallCalendarTestCase(BrowserTestCase):
    modules = ['pharma_calls']
    database = 'calendar'

    @classmethod
    def setup_database(cls, server):
        # rep1 (registered) covers a doctor; a call of rep1 at 23:00 local
        # time on the Wednesday of this week (the week view shows it and
        # the next day)
        cls.ids = server.run_python('''
            import datetime
            Party = pool.get('party.party')
            Department = pool.get('pharma.hospital.department')
            Coverage = pool.get('pharma.coverage')
            Employee = pool.get('company.employee')
            User = pool.get('res.user')
            Call = pool.get('pharma.call')
            Date = pool.get('ir.date')
            from trytond.modules.pharma_hospital.company_time import (
                utc_start)
            rep1, = User.search([('login', '=', 'rep1')])
            employee = rep1.employee
            employee.rep_registration_status = 'registered'
            employee.rep_registration_date = datetime.date(2024, 1, 1)
            employee.rep_registration_number = 'SH-CA-%%05d' %% employee.id
            Employee.save([employee])
            hospital, = Party.create([{
                        'name': %(hospital)r, 'pharma_type': 'hospital',
                        'hospital_grade': '3a',
                        }])
            department, = Department.create([{
                        'hospital': hospital.id, 'name': '内分泌科',
                        }])
            doctor, = Party.create([{
                        'name': %(doctor)r, 'pharma_type': 'doctor',
                        'hospital': hospital.id,
                        'department': department.id, 'doctor_tier': 'A',
                        }])
            Coverage.create([{
                        'company': company.id, 'employee': employee.id,
                        'party': p.id, 'role': 'primary',
                        } for p in [hospital, doctor]])
            today = Date.today()
            day = today - datetime.timedelta(days=today.weekday() - 2)
            # the company's midnight of the day (UTC) + 23 hours
            date = utc_start(day) + datetime.timedelta(hours=23)
            call, = Call.create([{
                        'company': company.id, 'employee': employee.id,
                        'party': doctor.id, 'date': date,
                        'call_type': 'face_to_face',
                        }])
            result.update(call=call.id, day=day.isoformat(),
                next_day=(day + datetime.timedelta(days=1)).isoformat(),
                utc=str(call.date))
            ''' % {'hospital': HOSPITAL, 'doctor': DOCTOR})
        cls.menu = server.menu_path(
            'pharma_calls.menu_call_calendar', user='rep1')

    def test_late_call_on_its_day_and_hour(self):
        "A call at 23:00 is drawn in its day's 23:00 row, not the next day"
        page = self.new_page()
        login(page, self.server.url, 'rep1', password('rep1'),
            database=self.server.database)
        open_menu(page, self.menu)
        tab = current_tab(page)
        events = tab.locator('.fc-time-grid-event').filter(has_text=DOCTOR)
        events.first.wait_for(state='attached')
        wait_idle(page)
        # the call's time in view for the screenshot
        events.first.scroll_into_view_if_needed()
        wait_idle(page)
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(
            path=os.path.join(SHOTS, 'calendar_late_call.png'))
        segments = [s for s in tab.evaluate(SEGMENTS)
            if DOCTOR in s['text']]
        self.assertTrue(segments, tab.inner_text())
        # every piece of the call is on its own day, the first at 23:00
        self.assertEqual({s['day'] for s in segments}, {self.ids['day']},
            segments)
        self.assertEqual(segments[0]['slot'], '23:00:00', segments)
        self.assertTrue(re.match(r'23:00\b', segments[0]['time'] or ''),
            segments)
        self.assertEqual(js_errors(page), [])
        self.assertEqual(rpc_errors(page), [])
