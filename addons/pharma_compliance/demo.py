# This file is part of the pharma suite. See README.md for license terms.
"""Demo data of pharma_compliance: the reception hours of the first
hospital (Tuesday and Thursday mornings, by appointment), an academic event
with a complete evidence pack approved by compliance, closed, with its
speaker fee approved for payment to the speaker's hospital, and an event
whose pack is incomplete: no consent, a sign-in after the event and a
photo that is a resized copy of one of the first event's."""
import datetime
from decimal import Decimal

from trytond.modules.pharma_hospital.company_time import company_timezone

from .tests import images


def _local(value, company):
    zone = company_timezone(company)
    if zone is None:
        return value
    return value.replace(tzinfo=datetime.timezone.utc).astimezone(
        zone).replace(tzinfo=None)


def create_demo(ctx):
    pool = ctx['pool']
    company = ctx['company']
    employees = ctx['employees']
    today = ctx['today']
    progress = ctx['progress']
    Party = pool.get('party.party')
    Event = pool.get('pharma.event')
    Speaker = pool.get('pharma.event.speaker')
    Evidence = pool.get('pharma.event.evidence')
    SignIn = pool.get('pharma.event.sign_in')
    Payment = pool.get('pharma.event.payment')
    Reception = pool.get('pharma.hospital.reception')

    rep = employees.get('rep1') or next(iter(employees.values()), None)
    hospitals = Party.search([('pharma_type', '=', 'hospital')],
        order=[('id', 'ASC')], limit=1)
    if not rep or not hospitals:
        return
    hospital, = hospitals
    progress("pharma_compliance: reception hours of %s" % hospital.name)
    Reception.create([{
                'hospital': hospital.id, 'weekday': day,
                'start_time': datetime.time(9),
                'end_time': datetime.time(11, 30),
                'note': "门诊楼三楼药剂科",
                } for day in ['1', '3']])
    Party.write([hospital], {'reception_appointment': True})

    doctors = Party.search([
            ('pharma_type', '=', 'doctor'),
            ('hospital', '=', hospital.id),
            ], order=[('id', 'ASC')], limit=4)
    if len(doctors) < 2:
        return
    speaker_party = doctors[0]
    if hospital.hospital_grade not in {'3a', '3b', '3c'}:
        Party.write([hospital], {'hospital_grade': '3a'})
    if speaker_party.doctor_title != 'chief':
        Party.write([speaker_party], {'doctor_title': 'chief'})

    progress("pharma_compliance: an event with an approved evidence pack, "
        "an incomplete one")
    start = datetime.datetime.combine(
        today - datetime.timedelta(days=6), datetime.time(6))
    second_start = datetime.datetime.combine(
        today - datetime.timedelta(days=2), datetime.time(7))
    complete, incomplete = Event.create([{
                'company': company.id,
                'topic': "冠心病规范化诊疗学术会（合规示范）",
                'event_type': 'seminar',
                'date': start,
                'end_date': start + datetime.timedelta(hours=3),
                'place': hospital.name,
                'organiser': rep.id,
                'state': 'approved',
                'budget_estimated': Decimal(8000),
                }, {
                'company': company.id,
                'topic': "糖尿病新药科室会（证据不全）",
                'event_type': 'department_meeting',
                'date': second_start,
                'end_date': second_start + datetime.timedelta(hours=1),
                'place': hospital.name,
                'organiser': rep.id,
                'state': 'approved',
                'budget_estimated': Decimal(2000),
                }])
    speaker, = Speaker.create([{
                'event': complete.id, 'party': speaker_party.id,
                'tier': 'tier1', 'fee': Decimal(3000),
                'qualification': "主任医师",
                'contract_ref': "SP-2026-024",
                }])
    local = _local(start, company)
    photos = {seed: images.photo(seed, when=local + datetime.timedelta(
                minutes=25 * i)) for i, seed in enumerate([241, 242, 243])}
    pdf = b'%PDF-1.4 demo '
    Evidence.create([
            {'event': complete.id, 'kind': kind, 'name': name,
                'file': pdf + name.encode('utf-8')}
            for kind, name in [
                ('agenda', "会议议程.pdf"),
                ('invitation', "邀请函.pdf"),
                ('consent', "医院同意函.pdf"),
                ('slides', "幻灯片 MED-2026-024 v2.pdf"),
                ]]
        + [{'event': complete.id, 'kind': 'speaker_agreement',
                'name': "讲者协议.pdf", 'file': pdf + b'agreement',
                'speaker': speaker.id}]
        + [{'event': complete.id, 'kind': 'photo',
                'name': "现场照片%s.jpg" % (i + 1), 'file': data}
            for i, data in enumerate(photos.values())])
    SignIn.create([{
                'event': complete.id, 'doctor': d.id, 'name': d.name,
                'time': start + datetime.timedelta(minutes=5 * i - 10),
                } for i, d in enumerate(doctors[1:])])
    Event.write([complete], {
            'attendance_count': len(doctors) - 1,
            'slides_version': "MED-2026-024 v2",
            })
    Event.approve_pack([complete])
    Event.do([complete])
    payment, = Payment.create([{
                'event': complete.id, 'kind': 'speaker_fee',
                'speaker': speaker.id, 'payee': hospital.id,
                'amount': Decimal(3000),
                }])
    Payment.approve([payment])

    local = _local(second_start, company)
    Evidence.create([
            {'event': incomplete.id, 'kind': 'agenda', 'name': "议程.pdf",
                'file': pdf + b'agenda 2'},
            {'event': incomplete.id, 'kind': 'photo', 'name': "照片1.jpg",
                'file': images.photo(244, when=local)},
            # the first event's photo, resized and re-saved
            {'event': incomplete.id, 'kind': 'photo', 'name': "照片2.jpg",
                'file': images.TRANSFORMS['resized_50'](photos[242])},
            ])
    SignIn.create([{
                'event': incomplete.id, 'doctor': doctors[1].id,
                'name': doctors[1].name,
                'time': second_start + datetime.timedelta(hours=4),
                }])
