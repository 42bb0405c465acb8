# This file is part of the pharma suite. See README.md for license terms.
"""Go-live from a company's own spreadsheets (issue 19): messy files made
by hand, territories and departments created on request, every column
read or reported, aliases and short names, the duplicate check at
creation, the wizard's preview and the command line"""
import datetime
import io
import os
import tempfile
import unittest
from contextlib import redirect_stdout
from unittest.mock import patch

import openpyxl

from trytond.exceptions import UserWarning
from trytond.modules.company.tests import create_company, set_company
from trytond.modules.pharma_import import reader as engine
from trytond.modules.pharma_import.party_values import clean_phone
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    DB_NAME, activate_module, with_transaction)
from trytond.transaction import Transaction

from trytond.modules.pharma_hospital.tests.tools import (
    create_clerks, load_zh_cn, run_queue)

RUIJIN = "上海交通大学医学院附属瑞金医院"


def messy_xlsx(title, notes_above, header, rows, notes_below=(),
        merge_title=True, blank_every=0):
    """An .xlsx as people make them: a merged title row, notes above the
    header (so the header is not on row 1), blank rows between the data,
    notes below the table"""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "名单"
    sheet.append([title])
    for note in notes_above:
        sheet.append([note])
    sheet.append([])
    sheet.append(list(header))
    for i, row in enumerate(rows):
        if blank_every and i and not i % blank_every:
            sheet.append([])
        sheet.append(list(row))
    for note in notes_below:
        sheet.append([])
        sheet.append(list(note) if isinstance(note, (list, tuple))
            else [note])
    if merge_title:
        sheet.merge_cells(start_row=1, start_column=1, end_row=1,
            end_column=len(header))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


class GoLiveEngineTestCase(unittest.TestCase):
    "The reading layer: packs, dates, phones, skipped rows, similarity"

    def test_packs(self):
        "20mg×7片, 20mg*7片, 20mgx7片, 20mg*7s and full width are one pack"
        packs = {engine.normalize_pack(p) for p in [
                '20mg×7片', '20mg*7片', '20mgx7片', '20mg*7s', '２０ｍｇ＊７片',
                '20 mg * 7片/盒', '20MG X 7片']}
        self.assertEqual(packs, {'20mg*7'})
        self.assertNotEqual(engine.normalize_pack('10mg×7片'),
            engine.normalize_pack('20mg×7片'))
        self.assertNotEqual(engine.normalize_pack('20mg×14片'),
            engine.normalize_pack('20mg×7片'))

    def test_dates(self):
        "Every form people type a date in"
        expected = datetime.date(2023, 3, 5)
        for value in [datetime.datetime(2023, 3, 5), expected, '2023/3/5',
                '2023-03-05', '2023.3.5', '2023年3月5日', '2023年3月5号',
                20230305, '20230305', 44990, '44990', '２０２３／３／５',
                '2023-03-05 00:00:00']:
            self.assertEqual(engine.to_date(value), expected, value)
        self.assertEqual(engine.to_date('2024年1月'),
            datetime.date(2024, 1, 1))
        with self.assertRaises(engine.CellError):
            engine.to_date('2023/13/45')
        with self.assertRaises(engine.CellError):
            engine.to_date('上周')

    def test_phones(self):
        "Spaces, dashes, brackets and +86 are cleaned; others refused"
        self.assertEqual(clean_phone('+86 138-1234-5678', mobile=True),
            '13812345678')
        self.assertEqual(clean_phone('0086 13812345678', mobile=True),
            '13812345678')
        self.assertEqual(clean_phone('１３８ １２３４ ５６７８', mobile=True),
            '13812345678')
        self.assertIsNone(clean_phone('1381234567', mobile=True))
        self.assertIsNone(clean_phone('无', mobile=True))
        self.assertEqual(clean_phone('(021) 6437-0045'), '02164370045')
        self.assertEqual(clean_phone('021-64370045转8001'),
            '02164370045-8001')
        self.assertIsNone(clean_phone('12'))

    def test_skip_reason(self):
        "Totals, subtotals and notes are not rows of the table"
        fields = [engine.Field('name', required=True, aliases=['姓名']),
            engine.Field('quantity', type='numeric', required=True,
                aliases=['数量'])]
        layout = engine.Layout('S', 1, {'name': 0, 'quantity': 1}, {})
        self.assertEqual(
            engine.skip_reason(['合计', 100], layout, fields), 'summary')
        self.assertEqual(
            engine.skip_reason(['小 计：', None], layout, fields), 'summary')
        self.assertEqual(
            engine.skip_reason([None, None, '总计'], layout, fields),
            'summary')
        self.assertEqual(engine.skip_reason(
                ['注：数量单位为盒'], layout, fields), 'note')
        self.assertEqual(engine.skip_reason(
                ['制表人：张三'], layout, fields), 'note')
        self.assertEqual(engine.skip_reason(
                ['打印日期 2024-01-31'], layout, fields), 'note')
        self.assertEqual(engine.skip_reason(
                ['张三'], layout, fields, after_summary=True), 'note')
        # a row of the table stays, even with a missing value
        self.assertIsNone(engine.skip_reason(['张三', 5], layout, fields))
        self.assertIsNone(engine.skip_reason(['张三'], layout, fields))
        self.assertIsNone(engine.skip_reason(['合计医院', 5], layout, fields))

    def test_similarity(self):
        "A short name is close to its full name; pinyin counts"
        from trytond.modules.pharma_hospital.tools import normalize_name
        full = normalize_name(RUIJIN, 'hospital')
        short = normalize_name("瑞金医院", 'hospital')
        self.assertGreaterEqual(engine.similarity(short, full), 0.85)
        self.assertLess(engine.similarity(
                normalize_name("华山医院", 'hospital'), full), 0.5)
        self.assertGreaterEqual(engine.similarity(
                '瑞锦', '瑞金', 'ruijin', 'ruijin'), 0.9)

    def test_ignored_columns(self):
        "The layout lists the header's columns that no field reads"
        data = messy_xlsx("医生名单", ["说明：2024年版"],
            ["姓名", "医院", "微信", "爱好"], [["张三", "甲医院", "zs", "钓鱼"]])
        fields = [engine.Field('name', required=True, aliases=['姓名']),
            engine.Field('hospital', required=True, aliases=['医院'])]
        with engine.open_file(data) as reader:
            layout, _ = engine.find_layout(reader, "名单", fields)
        self.assertEqual(layout.header_row, 4)
        self.assertEqual(layout.ignored, [('C', "微信"), ('D', "爱好")])


class GoLiveTestCase(unittest.TestCase):
    "Hospitals, aliases and doctors from a new company's files"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('pharma_import')

    def _run(self, kind, data, **kwargs):
        Engine = Pool().get('pharma.import.engine')
        return Engine.run(kind, data, filename='test.xlsx', **kwargs)

    def _hospital_file(self, extra=()):
        header = ["医院名称", "省份", "城市", "区县", "医院等级", "床位数",
            "院长电话"]
        rows = [
            ["温州市人民医院 ", "浙江省", "温州市", "鹿城区", "三级甲等",
                "１２００", "0577-1"],
            ["温州医科大学附属第一医院", "浙江", "温州", "瓯海区", "三甲",
                "3,000", ""],
            ["鹿城区妇幼保健院", "浙江省", "温州市", "鹿城区", "二甲", 300,
                ""],
            ["南宁市第一人民医院", "广西壮族自治区", "南宁市", "", "三甲", 1500,
                ""],
            ] + list(extra)
        return messy_xlsx("2024年医院名单", ["数据来源：市场部", "更新：2024-01"],
            header, rows, notes_below=[["合计", None, None, None, None,
                    "=SUM(F6:F9)"], "注：床位数为编制床位"], blank_every=2)

    @with_transaction()
    def test_hospitals_create_territories(self):
        "A new company: the territory tree the file names is created"
        pool = Pool()
        Party = pool.get('party.party')
        Territory = pool.get('pharma.territory')
        data = self._hospital_file()
        # without the option: refused, naming the territory, nothing written
        job = self._run('hospitals', data)
        self.assertTrue(job.error_count)
        self.assertEqual(job.errors[0]['sheet'], "名单")
        self.assertEqual(job.errors[0]['row'], 6)
        self.assertEqual(job.errors[0]['column'], 'B')
        self.assertEqual(job.errors[0]['value'], "浙江省")
        self.assertIn("浙江省", job.errors[0]['message'])
        self.assertEqual(Territory.search([]), [])

        job = self._run('hospitals', data, dry_run=True,
            options=['create_territories'])
        self.assertEqual(job.errors, [])
        self.assertEqual(job.summary(), {'created': 4, 'updated': 0,
                'unchanged': 0, 'refused': 0})
        self.assertEqual(job.planned('territories'), [
                "浙江省", "浙江省 / 温州市", "浙江省 / 温州市 / 鹿城区",
                "浙江省 / 温州市 / 瓯海区", "广西壮族自治区",
                "广西壮族自治区 / 南宁市"])
        # blank separators, the totals row and the notes: skipped, reported
        reasons = [(s['row'], s['reason']) for s in job.skipped_rows]
        self.assertIn((8, 'blank'), reasons)
        self.assertIn(('summary'), [r for _, r in reasons])
        self.assertIn(('note'), [r for _, r in reasons])
        self.assertEqual(job.skipped, len(job.skipped_rows))
        self.assertEqual(job.ignored(), [("名单", 'G', "院长电话")])
        self.assertEqual(Territory.search([]), [])
        self.assertEqual(len(job.samples), 4)

        job = self._run('hospitals', data, options=['create_territories'])
        self.assertEqual(job.errors, [])
        self.assertEqual(job.log.skipped, job.skipped)
        # the result keeps what the preview showed
        self.assertIn("院长电话", job.log.columns)
        self.assertIn("浙江省 / 温州市 / 瓯海区", job.log.plans)
        self.assertIn("合计", job.log.skipped_rows)
        territories = Territory.search([], order=[('id', 'ASC')])
        self.assertEqual(sorted((t.level, t.rec_name) for t in territories),
            sorted([
                    ('province', "浙江省"), ('city', "浙江省 / 温州市"),
                    ('district', "浙江省 / 温州市 / 鹿城区"),
                    ('district', "浙江省 / 温州市 / 瓯海区"),
                    ('province', "广西壮族自治区"),
                    ('city', "广西壮族自治区 / 南宁市")]))
        first, = Party.search([('name', '=', "温州医科大学附属第一医院")])
        self.assertEqual(first.territory.rec_name, "浙江省 / 温州市 / 瓯海区")
        self.assertEqual(first.beds, 3000)
        people, = Party.search([('name', '=', "温州市人民医院")])
        self.assertEqual(people.beds, 1200)
        # the suffix variants find the same tree: nothing twice
        again = messy_xlsx("医院", [], ["医院名称", "省", "市", "区县"], [
                ["温州市人民医院", "浙江", "温州", "鹿城"],
                ["南宁市第一人民医院", "广西", "南宁", ""]])
        job = self._run('hospitals', again, options=['create_territories'])
        self.assertEqual(job.errors, [])
        self.assertEqual(job.summary()['unchanged'], 2)
        self.assertEqual(job.planned('territories'), [])
        self.assertEqual(len(Territory.search([])), 6)
        # the preview shows the territories the rows go to, not the cells
        samples = {r: dict(v) for _, r, _, v in job.samples}
        self.assertEqual([samples[4][k] for k in ["省份", "城市", "区县"]],
            ["浙江省", "温州市", "鹿城区"])
        self.assertEqual(samples[5]["省份"], "广西壮族自治区")
        self.assertEqual(samples[5]["城市"], "南宁市")
        self.assertNotIn("区县", samples[5])

    def _ruijin(self):
        pool = Pool()
        Party = pool.get('party.party')
        Territory = pool.get('pharma.territory')
        shanghai, = Territory.create([{'name': "上海市", 'level': 'city'}])
        ruijin, huashan = Party.create([{
                    'name': RUIJIN, 'pharma_type': 'hospital',
                    'territory': shanghai.id,
                    }, {
                    'name': "复旦大学附属华山医院", 'pharma_type': 'hospital',
                    'territory': shanghai.id,
                    }])
        return ruijin, huashan, shanghai

    def _doctor_file(self, hospital="瑞金医院", extra=()):
        header = ["姓名", "医院", "科室", "职称", "级别", "手机号", "办公电话",
            "首次拜访日期", "微信"]
        rows = [
            ["张伟", hospital, "心内科", "主任医生", "A",
                "+86 138-1234-5678", "021-6437 0045",
                datetime.datetime(2023, 3, 5), "zw"],
            ["王芳 ", hospital, "心内科", "副高", "B", "13912345678", "",
                "2023/3/5", ""],
            ["李娜", hospital, "肿瘤科", "主治", "C", "", "",
                "2024年1月12日", ""],
            ["刘洋", hospital, "肿瘤科", "住院医师", "", "", "", 20240305, ""],
            ["陈静", hospital, "", "", "", "", "", 44990, ""],
            ] + list(extra)
        return messy_xlsx("医生名单", ["内部资料"], header, rows,
            notes_below=["制表人：内勤一"])

    @with_transaction()
    def test_short_hospital_names(self):
        """A short name is refused with the closest hospitals named; once
        the alias is loaded, the rows go to the hospital"""
        pool = Pool()
        Party = pool.get('party.party')
        Alias = pool.get('pharma.hospital.alias')
        ruijin, huashan, _ = self._ruijin()
        data = self._doctor_file()
        job = self._run('doctors', data)
        self.assertEqual(job.refused, 5)
        error = job.errors[0]
        self.assertEqual((error['sheet'], error['row'], error['column'],
                error['value']), ("名单", 5, 'B', "瑞金医院"))
        self.assertIn(RUIJIN, error['message'])
        self.assertNotIn("华山", error['message'])
        self.assertEqual(list(job.suggested_aliases), ["瑞金医院"])
        self.assertEqual(job.suggested_aliases["瑞金医院"][0], ruijin.id)
        # with create_missing_hospitals: still refused, it looks like one
        job = self._run('doctors', data,
            options=['create_missing_hospitals'])
        self.assertEqual(job.refused, 5)
        self.assertIn(RUIJIN, job.errors[0]['message'])
        self.assertEqual(Party.search([('name', '=', "瑞金医院")]), [])

        # an administrator loads the alias list
        aliases = messy_xlsx("医院别名", [], ["别名", "医院全称"], [
                ["瑞金医院", RUIJIN], ["广慈医院", RUIJIN],
                ["华山医院", "复旦大学附属华山医院"]])
        job = self._run('hospital-aliases', aliases)
        self.assertEqual(job.errors, [])
        self.assertEqual(job.summary()['created'], 3)
        self.assertEqual(len(Alias.search([('hospital', '=', ruijin.id)])),
            2)
        job = self._run('doctors', data, options=['create_departments'])
        self.assertEqual(job.errors, [])
        self.assertEqual(job.summary()['created'], 5)
        # the preview's first rows as stored: the hospital the short name
        # resolves to, phones cleaned, dates read, new departments marked
        samples = {r: dict(v) for _, r, _, v in job.samples}
        self.assertEqual(len(samples), 5)
        self.assertEqual({s["医院名称"] for s in samples.values()}, {RUIJIN})
        self.assertEqual((samples[5]["手机"], samples[5]["办公电话"]),
            ("13812345678", "02164370045"))
        self.assertEqual([samples[r]["首次拜访日期"] for r in range(5, 10)],
            ["2023-03-05", "2023-03-05", "2024-01-12", "2024-03-05",
                "2023-03-05"])
        self.assertEqual(samples[5]["科室"], "心内科 (new)")
        self.assertEqual(samples[5]["职称"], "主任医师")
        self.assertEqual(Party.search_count([
                    ('pharma_type', '=', 'doctor'),
                    ('hospital', '=', ruijin.id)]), 5)
        self.assertEqual(Party.search([('name', '=', "瑞金医院")]), [])
        # the name search finds the hospital by its old name
        found = Party.search([('rec_name', 'ilike', '%广慈%'),
                ('pharma_type', '=', 'hospital')])
        self.assertEqual(found, [ruijin])
        # an alias that is another hospital's name is refused
        job = self._run('hospital-aliases', messy_xlsx("别名", [],
                ["别名", "医院全称"], [["复旦大学附属华山医院", RUIJIN]]))
        self.assertEqual(job.refused, 1)
        self.assertEqual(job.errors[0]['column'], 'A')

    @with_transaction()
    def test_doctor_columns(self):
        """Phones become contact mechanisms, tier, title variants and first
        visit dates in every style are read, unknown columns reported"""
        pool = Pool()
        Party = pool.get('party.party')
        ruijin, _, _ = self._ruijin()
        data = self._doctor_file(hospital=RUIJIN)
        # departments the hospital lacks are created only when asked: the
        # rows are refused, the department and the known ones named
        job = self._run('doctors', data, dry_run=True)
        self.assertEqual([(e['column'], e['value']) for e in job.errors],
            [('C', "心内科"), ('C', "心内科"), ('C', "肿瘤科"),
                ('C', "肿瘤科")])
        self.assertIn("心内科", job.errors[0]['message'])
        self.assertIn('Create missing departments', job.errors[0]['message'])
        self.assertEqual(job.planned('departments'), [])
        job = self._run('doctors', data, dry_run=True,
            options=['create_departments'])
        self.assertEqual(job.errors, [])
        self.assertEqual(job.ignored(), [("名单", 'I', "微信")])
        mapped = {h: f for _, _, h, f in job.mapping()}
        self.assertEqual(mapped["手机号"], "手机")
        self.assertEqual(mapped["级别"], "医生分级")
        self.assertEqual(mapped["首次拜访日期"], "首次拜访日期")
        self.assertEqual(job.planned('departments'), [
                "%s / 心内科" % RUIJIN, "%s / 肿瘤科" % RUIJIN])
        self.assertEqual([s['reason'] for s in job.skipped_rows],
            ['blank', 'note'])
        job = self._run('doctors', data, options=['create_departments'])
        self.assertEqual(job.errors, [])
        doctors = {d.name: d for d in Party.search([
                    ('pharma_type', '=', 'doctor')])}
        self.assertEqual(len(doctors), 5)
        zhang = doctors["张伟"]
        self.assertEqual(
            sorted((m.type, m.value) for m in zhang.contact_mechanisms),
            [('mobile', '13812345678'), ('phone', '02164370045')])
        self.assertEqual((zhang.doctor_title, zhang.doctor_tier),
            ('chief', 'A'))
        self.assertEqual(doctors["王芳"].doctor_title, 'associate_chief')
        self.assertEqual(doctors["李娜"].doctor_title, 'attending')
        self.assertEqual({n: d.first_visit_date for n, d in doctors.items()},
            {
                "张伟": datetime.date(2023, 3, 5),
                "王芳": datetime.date(2023, 3, 5),
                "李娜": datetime.date(2024, 1, 12),
                "刘洋": datetime.date(2024, 3, 5),
                "陈静": datetime.date(2023, 3, 5),
                })
        # the same file again: unchanged, no phone twice
        job = self._run('doctors', data)
        self.assertEqual(job.summary(), {'created': 0, 'updated': 0,
                'unchanged': 5, 'refused': 0})
        self.assertEqual(len(Party(zhang.id).contact_mechanisms), 2)

    @with_transaction()
    def test_doctor_bad_phone_nothing_written(self):
        "A bad mobile refuses the file with sheet, row, column and value"
        pool = Pool()
        Party = pool.get('party.party')
        self._ruijin()
        data = self._doctor_file(hospital=RUIJIN, extra=[
                ["赵磊", RUIJIN, "心内科", "", "", "138-1234", "", "", ""]])
        job = self._run('doctors', data, options=['create_departments'])
        self.assertEqual(job.refused, 1)
        error, = job.errors
        self.assertEqual((error['row'], error['column'], error['value']),
            (10, 'F', "138-1234"))
        self.assertEqual(Party.search([('pharma_type', '=', 'doctor')]), [])

    @with_transaction()
    def test_many_unresolved_names_still_checked(self):
        """Beyond the matcher's cache (MAX_NAMES distinct names), a name
        still gets its candidates: a look-alike of an existing hospital is
        refused, never created as a duplicate"""
        from trytond.modules.pharma_import.matcher import PartyMatcher
        pool = Pool()
        Party = pool.get('party.party')
        self._ruijin()
        rows = [["医生%d" % i, "不存在的第%d医院" % i, "心内科"]
            for i in range(3)]
        rows.append(["张伟", "瑞金医院", "心内科"])
        data = messy_xlsx("医生名单", [], ["姓名", "医院", "科室"], rows)
        with patch.object(PartyMatcher, 'MAX_NAMES', 2):
            job = self._run('doctors', data, options=[
                    'create_missing_hospitals', 'create_departments'])
        self.assertEqual(job.refused, 1)
        error, = job.errors
        self.assertEqual((error['sheet'], error['column'], error['value']),
            ("名单", 'B', "瑞金医院"))
        self.assertIn(RUIJIN, error['message'])
        self.assertEqual(Party.search([('name', '=', "瑞金医院")]), [])

    @with_transaction()
    def test_sound_alike_hospital_refused(self):
        """A name that sounds like an existing hospital but shares one
        character with it (瑞锦医院, 瑞金医院) is a candidate: with
        create_missing_hospitals its row is refused naming the hospital"""
        pool = Pool()
        Party = pool.get('party.party')
        self._ruijin()
        data = messy_xlsx("医生名单", [], ["姓名", "医院", "科室"], [
                ["张伟", "瑞锦医院", "心内科"]])
        job = self._run('doctors', data, options=[
                'create_missing_hospitals', 'create_departments'])
        self.assertEqual(job.refused, 1)
        error, = job.errors
        self.assertEqual(
            (error['sheet'], error['row'], error['column'], error['value']),
            ("名单", 4, 'B', "瑞锦医院"))
        self.assertIn(RUIJIN, error['message'])
        self.assertEqual(job.planned('hospitals'), [])
        self.assertEqual(Party.search([('name', '=', "瑞锦医院")]), [])

    @with_transaction()
    def test_similar_hospital_refused_unless_forced(self):
        """Creating a hospital that looks like an existing one is refused
        unless its row forces it"""
        pool = Pool()
        Party = pool.get('party.party')
        _, _, shanghai = self._ruijin()
        data = messy_xlsx("医院", [], ["医院名称", "城市", "强制新建"], [
                ["瑞金医院", "上海", ""], ["上海市第六人民医院", "上海", ""]])
        job = self._run('hospitals', data)
        self.assertEqual(job.refused, 1)
        self.assertEqual(job.errors[0]['value'], "瑞金医院")
        self.assertIn(RUIJIN, job.errors[0]['message'])
        data = messy_xlsx("医院", [], ["医院名称", "城市", "强制新建"], [
                ["瑞金医院", "上海", "是"], ["上海市第六人民医院", "上海", ""]])
        job = self._run('hospitals', data)
        self.assertEqual(job.errors, [])
        self.assertEqual(job.summary()['created'], 2)
        self.assertEqual(len(Party.search([('name', '=', "瑞金医院")])), 1)

    @with_transaction()
    def test_hospital_row_by_alias_updates(self):
        "A hospital row written with an alias updates it, keeps its name"
        pool = Pool()
        Alias = pool.get('pharma.hospital.alias')
        ruijin, _, _ = self._ruijin()
        Alias.create([{'name': "瑞金医院", 'hospital': ruijin.id}])
        job = self._run('hospitals', messy_xlsx("医院", [],
                ["医院名称", "床位数"], [["瑞金医院", 2000]]))
        self.assertEqual(job.errors, [])
        self.assertEqual(job.summary()['updated'], 1)
        self.assertEqual((ruijin.name, ruijin.beds), (RUIJIN, 2000))

    @with_transaction()
    def test_duplicate_check_short_name(self):
        """Creating 瑞金医院 when the full name exists warns, naming it (the
        same matching as the import: short name, alias, pinyin)"""
        pool = Pool()
        Party = pool.get('party.party')
        Alias = pool.get('pharma.hospital.alias')
        Configuration = pool.get('pharma.configuration')
        company = create_company()
        with set_company(company):
            config = Configuration.get_config()
            config.duplicate_check = True
            config.save()
            ruijin, huashan, shanghai = self._ruijin()
            Alias.create([{'name': "广慈医院", 'hospital': ruijin.id}])
            with Transaction().set_context(_check_access=True):
                for name in ["瑞金医院", "广慈医院", "瑞锦医院"]:
                    with self.assertRaises(UserWarning) as cm:
                        Party.create([{'name': name,
                                    'pharma_type': 'hospital',
                                    'territory': shanghai.id}])
                    self.assertIn(RUIJIN, cm.exception.message)
                    self.assertNotIn("华山", cm.exception.message)
                # an unrelated name is created without a warning
                Party.create([{'name': "上海市第十人民医院",
                            'pharma_type': 'hospital',
                            'territory': shanghai.id}])

    @with_transaction()
    def test_wizard_aliases(self):
        """A clerk confirms one suggested alias and rejects another in one
        pass: the confirmed name then resolves, the rejected one stays
        refused with the closest hospitals named and is not suggested
        again; only what the file suggests can be confirmed"""
        pool = Pool()
        Wizard = pool.get('pharma.import.wizard', type='wizard')
        Alias = pool.get('pharma.hospital.alias')
        company, (clerk,) = create_clerks(['clerk1'])
        with set_company(company):
            ruijin, huashan, _ = self._ruijin()
            Alias.create([{'name': "中山医院", 'hospital': huashan.id}])
        data = self._doctor_file(extra=[
                ["赵磊", "华山医院", "", "", "", "", "", "", ""],
                ["孙丽", "华山医院", "", "", "", "", "", "", ""]])
        start = {'kind': 'doctors', 'file': data, 'filename': '医生.xlsx',
            'create_departments': True}
        with Transaction().set_user(clerk.id), Transaction().set_context(
                company=company.id, _check_access=True):
            session_id, _, _ = Wizard.create()
            result = Wizard.execute(session_id, {'start': start}, 'preview')
            preview = result['view']['defaults']
            self.assertEqual((preview['created'], preview['refused']),
                (0, 7))
            suggestions = {l['name']: l
                for l in preview['alias_suggestions']}
            self.assertEqual(sorted(suggestions), ["华山医院", "瑞金医院"])
            self.assertEqual(suggestions["瑞金医院"]['hospital'], ruijin.id)
            self.assertEqual(suggestions["华山医院"]['hospital'], huashan.id)
            self.assertEqual({l['decision'] for l in suggestions.values()},
                {'skip'})
            # confirmed, rejected, one the file does not suggest (a crafted
            # request) and a confirmed one sent with another hospital
            lines = [
                dict(suggestions["瑞金医院"], decision='confirm',
                    hospital=huashan.id),
                dict(suggestions["华山医院"], decision='reject'),
                {'name': "无此医院", 'hospital': ruijin.id,
                    'decision': 'confirm'},
                ]
            result = Wizard.execute(session_id, {'start': start,
                    'preview': dict(preview, alias_suggestions=lines)},
                'aliases')
            self.assertEqual(result['view']['state'], 'preview')
            preview = result['view']['defaults']
            # the confirmed name resolves to the suggested hospital
            self.assertEqual((preview['created'], preview['refused']),
                (5, 2))
            self.assertIn(RUIJIN, preview['samples'])
            # the rejected name: refused, the closest hospital named, no
            # more suggested
            self.assertEqual(preview['alias_suggestions'], [])
            errors = preview['errors'].splitlines()
            self.assertEqual(len(errors), 2)
            for line in errors:
                self.assertIn(" 华山医院 ", line)
                self.assertIn("复旦大学附属华山医院", line)
            # nothing else is written: no doctor yet
            Wizard.delete(session_id)
        alias, = Alias.search([('name', '=', "瑞金医院")])
        self.assertEqual((alias.hospital, alias.source, alias.confirmed_by),
            (ruijin, 'confirmed', clerk))
        self.assertEqual(Alias.search([('name', 'in', ["华山医院", "无此医院"])]),
            [])
        # a new import resolves the confirmed alias, refuses the other
        job = self._run('doctors', data, dry_run=True,
            options=['create_departments'])
        self.assertEqual((job.summary()['created'], job.refused), (5, 2))
        self.assertEqual([e['value'] for e in job.errors],
            ["华山医院", "华山医院"])
        self.assertIn("复旦大学附属华山医院", job.errors[0]['message'])

    @with_transaction()
    def test_wizard_preview(self):
        """The wizard shows the columns, what it creates, the first rows
        and the skipped rows before writing; back keeps the file"""
        pool = Pool()
        Wizard = pool.get('pharma.import.wizard', type='wizard')
        Territory = pool.get('pharma.territory')
        data = self._hospital_file()
        session_id, _, _ = Wizard.create()
        wizard = Wizard(session_id)
        wizard.start.kind = 'hospitals'
        wizard.start.file = data
        wizard.start.filename = '医院.xlsx'
        wizard.start.create_territories = True
        values = wizard.default_preview(None)
        self.assertEqual((values['created'], values['refused']), (4, 0))
        self.assertGreater(values['skipped'], 0)
        self.assertIn("院长电话", values['columns'])
        self.assertIn("(column G)", values['columns'])
        self.assertIn("6", values['plans'])
        self.assertIn("浙江省 / 温州市 / 鹿城区", values['plans'])
        self.assertIn("温州市人民医院", values['samples'])
        self.assertIn("1200", values['samples'])
        # the row written 浙江 / 温州: the territories as they will be
        # created (their full names, new)
        line, = [l for l in values['samples'].splitlines()
            if "温州医科大学附属第一医院" in l]
        self.assertIn("省份=浙江省 (new)；城市=温州市 (new)；区县=瓯海区 (new)",
            line)
        self.assertIn("床位数=3000", line)
        self.assertEqual(Territory.search([]), [])
        # back: the file, its name, the kind and the option are kept
        start = wizard.value_start(['kind', 'file', 'filename',
                'create_territories', 'blank'])
        self.assertEqual(start['kind'], 'hospitals')
        self.assertEqual(bytes(start['file']), data)
        self.assertEqual(start['filename'], '医院.xlsx')
        self.assertTrue(start['create_territories'])
        # and the kind's blank template is offered again (it was empty)
        self.assertEqual(bytes(start['blank']),
            bytes(wizard.start.on_change_with_blank()))
        self.assertEqual(wizard.transition_import_(), 'queued')
        # the import is a background job
        self.assertEqual(Territory.search([]), [])
        run_queue()
        self.assertEqual(len(Territory.search([])), 6)

    @with_transaction()
    def test_blank_templates(self):
        "A template per kind that imports back (its example row)"
        pool = Pool()
        Engine = pool.get('pharma.import.engine')
        Start = pool.get('pharma.import.wizard.start')
        for kind, _ in Engine.get_kinds():
            content = Engine.template_xlsx(kind)
            workbook = openpyxl.load_workbook(io.BytesIO(content))
            headers = [c.value for c in next(workbook.active.iter_rows())]
            Kind = Engine.get_kind(kind)
            self.assertEqual(len(headers), len(Kind.import_fields()))
        start = Start(kind='hospitals')
        self.assertTrue(start.on_change_with_blank())
        self.assertEqual(start.on_change_with_blank_name(), 'hospitals.xlsx')
        job = Engine.run('hospitals', Engine.template_xlsx('hospitals'),
            dry_run=True, options=['create_territories'])
        self.assertEqual(job.errors, [])
        self.assertEqual(job.summary()['created'], 1)

    def test_command_line(self):
        """pharma-import: -c with two files (make demo's), every option
        explained, ignored columns and skipped rows printed"""
        from trytond.modules.pharma_import.scripts import (
            _config_args, import_main, import_parser)
        self.assertEqual(_config_args(
                ['-c', 'trytond.conf', 'var/local.conf', '-d', 'x',
                    'doctors', 'f.xlsx']),
            ['--config', 'trytond.conf', '--config', 'var/local.conf',
                '-d', 'x', 'doctors', 'f.xlsx'])
        self.assertEqual(_config_args(['-c', 'a.conf', 'doctors', 'f']),
            ['--config', 'a.conf', 'doctors', 'f'])
        options = import_parser().parse_args(_config_args(
                ['-c', 'trytond.conf', 'var/local.conf', '-d', 'x', 'flow',
                    'f.xlsx', '--distributor', '国药']))
        self.assertEqual(options.config, ['trytond.conf', 'var/local.conf'])
        self.assertEqual(options.distributor, '国药')
        parser = import_parser()
        for action in parser._actions:
            self.assertTrue(action.help, action.dest)
        pool = Pool(DB_NAME)
        name = "命令行上线测试医院"
        with Transaction().start(DB_NAME, 0) as transaction:
            Party = pool.get('party.party')
            hospital, = Party.create([{
                        'name': name, 'pharma_type': 'hospital'}])
            hospital_id = hospital.id
            transaction.commit()
        try:
            with tempfile.TemporaryDirectory() as directory:
                path = os.path.join(directory, '医生.xlsx')
                with open(path, 'wb') as fp:
                    fp.write(self._doctor_file(hospital=name))
                # what it prints is in the language of the run (-l)
                load_zh_cn(DB_NAME, ('pharma_hospital', 'pharma_import'))
                out = io.StringIO()
                with redirect_stdout(out):
                    status = import_main(['-d', DB_NAME, '--quiet',
                            '-l', 'zh_CN', '--dry-run',
                            '--create-departments', 'doctors', path])
                self.assertEqual(status, 0, out.getvalue())
                self.assertIn('忽略的列：微信（工作表“名单” I 列）',
                    out.getvalue())
                self.assertIn('跳过：工作表“名单”第 ', out.getvalue())
                self.assertIn('新建：5，', out.getvalue())
                self.assertIn('将创建 2 个科室：', out.getvalue())
                self.assertIn('试运行（--dry-run）：未写入任何数据。',
                    out.getvalue())
                self.assertNotRegex(out.getvalue(),
                    r'ignored|skipped|created|to create|written')
        finally:
            with Transaction().start(DB_NAME, 0) as transaction:
                Party = pool.get('party.party')
                Party.delete([Party(hospital_id)])
                transaction.commit()
