# This file is part of the pharma suite. See README.md for license terms.
"Excel import engine: real files, all or nothing, upsert, command line"
import datetime
import io
import os
import re
import struct
import tempfile
import time
import unittest
import zipfile
from decimal import Decimal
from unittest import mock

import openpyxl

from trytond.modules.pharma_import import reader as engine
from trytond.modules.pharma_import.reader import FileRefused
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    DB_NAME, TestCase, activate_module, with_transaction)
from trytond.transaction import Transaction

from trytond.modules.pharma_hospital.tests.tools import load_zh_cn, run_queue

DATA = os.path.join(os.path.dirname(__file__), 'data')

DOCTOR_HEADERS = ["医生姓名", "医院名称", "科室", "职称", "医生分级", "处方权"]
DOCTOR_ROWS = [
    ("张伟", "导入测试医院", "心内科", "主任医师", "A", "是"),
    ("王芳", "导入测试医院", "心内科", "副主任医师", "B", "否"),
    ("李娜", "导入测试医院", "肿瘤科", "主治医师", "C", "是"),
    ("刘洋 ", "导入测试医院", "肿瘤科", "住院医师", "", ""),
    ]


def xlsx(rows, title=None, merges=(), sheets=None):
    "An .xlsx written by openpyxl; rows: list of lists"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.title = title
    for row in rows:
        sheet.append(list(row))
    for merge in merges:
        sheet.merge_cells(merge)
    for name, other in (sheets or {}).items():
        extra = workbook.create_sheet(name)
        for row in other:
            extra.append(list(row))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def patch_zip(data, member, function):
    "Rewrite one member of a zip"
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, 'w', zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == member:
                content = function(content)
            target.writestr(info.filename, content)
    return output.getvalue()


def cfb(streams):
    """A minimal OLE2 compound file (version 3, 512-byte sectors) holding
    streams {name: bytes} (each >= 4096 bytes, so no mini stream), as
    Office writes an encrypted OOXML package (EncryptionInfo +
    EncryptedPackage)"""
    sector = 512
    free, end, fat_sect = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    names = list(streams)
    fat = [fat_sect, end]  # sector 0: FAT, sector 1: directory
    starts = []
    body = b''
    for name in names:
        content = streams[name]
        content += b'\0' * (-len(content) % sector)
        count = len(content) // sector
        start = len(fat)
        starts.append(start)
        for i in range(count):
            fat.append(start + i + 1 if i < count - 1 else end)
        body += content
    fat += [free] * (sector // 4 - len(fat))
    header = bytearray(sector)
    header[0:8] = engine.OLE2_MAGIC
    struct.pack_into('<HHHHH', header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into('<I', header, 44, 1)  # FAT sectors
    struct.pack_into('<I', header, 48, 1)  # first directory sector
    struct.pack_into('<I', header, 56, 4096)  # mini stream cutoff
    struct.pack_into('<IIII', header, 60, end, 0, end, 0)
    struct.pack_into('<I', header, 76, 0)
    for i in range(1, 109):
        struct.pack_into('<I', header, 76 + 4 * i, free)

    def entry(name, type_, left, right, child, start, size):
        data = bytearray(128)
        encoded = name.encode('utf-16-le') + b'\0\0'
        data[0:len(encoded)] = encoded
        struct.pack_into('<HBB', data, 64, len(encoded), type_, 1)
        struct.pack_into('<III', data, 68, left, right, child)
        struct.pack_into('<II', data, 116, start, size)
        return bytes(data)
    nostream = 0xFFFFFFFF
    directory = entry('Root Entry', 5, nostream, nostream, 1, end, 0)
    for i, name in enumerate(names):
        right = i + 2 if i + 1 < len(names) else nostream
        directory += entry(name, 2, nostream, right, nostream, starts[i],
            len(streams[name]))
    directory += b'\0' * (sector - len(directory))
    return (bytes(header) + struct.pack('<%dI' % (sector // 4), *fat)
        + directory + body)


HOSPITAL_FIELDS = [
    engine.Field('name', "Hospital", required=True,
        aliases=['医院名称', '医院', 'Hospital Name']),
    engine.Field('beds', "Beds", type='integer', aliases=['床位数']),
    engine.Field('date', "Date", type='date', aliases=['日期']),
    ]


def read_all(data, fields=HOSPITAL_FIELDS, **kwargs):
    with engine.open_file(data) as reader:
        sheet = reader.sheet_names()[0]
        layout, rows = engine.find_layout(reader, sheet, fields, **kwargs)
        return layout, [engine.read_values(layout, fields, v)
            for _, v in rows]


class ImportEngineTestCase(unittest.TestCase):
    "The reading layer, without database"

    def test_header_not_first_row_aliases(self):
        "Title rows above the header; Chinese and English aliases"
        data = xlsx([["2024 医院名单"], [], ["Hospital Name", "床位数 *"],
                ["瑞金医院", "1,200"]])
        layout, rows = read_all(data)
        self.assertEqual(layout.header_row, 3)
        self.assertEqual(layout.columns, {'name': 0, 'beds': 1})
        self.assertEqual(rows[0][0], {'name': "瑞金医院", 'beds': 1200})

    def test_merged_header(self):
        "Merged header cells: top-left value over the whole range"
        data = xlsx([["名单"], ["医院", None, "床位数"],
                ["名称", "编码", None], ["瑞金医院", "X", 10]],
            merges=['B2:B2', 'A2:B2', 'C2:C3'])
        fields = HOSPITAL_FIELDS + [engine.Field('code', aliases=['医院编码'])]
        layout, rows = read_all(data, fields)
        self.assertEqual(layout.header_row, 3)
        self.assertEqual(layout.columns, {'name': 0, 'code': 1, 'beds': 2})
        self.assertEqual(rows[0][0]['beds'], 10)

    def test_merged_header_xls(self):
        "Merged two-level header of an .xls written by xlwt"
        with open(os.path.join(DATA, 'hospitals_merged.xls'), 'rb') as fp:
            data = fp.read()
        fields = HOSPITAL_FIELDS + [
            engine.Field('uscc', aliases=['医院统一社会信用代码']),
            engine.Field('city', aliases=['城市'])]
        layout, rows = read_all(data, fields)
        self.assertEqual(layout.header_row, 4)
        self.assertEqual([r[0] for r in rows], [
                {'name': "导入测试一院", 'beds': 1200, 'uscc': None,
                    'city': "导入市"},
                {'name': "导入测试二院", 'beds': 1500, 'uscc': None,
                    'city': "导入市"}])
        self.assertEqual(layout.headers['uscc'], "医院统一社会信用代码")

    def test_dates(self):
        "Every date form, as cells and as text"
        for value in [datetime.datetime(2024, 3, 5), datetime.date(2024, 3, 5),
                45356, 45356.0, '2024-03-05', '2024/3/5', '2024.3.5',
                '2024年3月5日', '２０２４年３月５日', '20240305',
                '2024-03-05 00:00:00', ' 2024-3-5 ']:
            self.assertEqual(engine.to_date(value), datetime.date(2024, 3, 5),
                msg=repr(value))
        for value in ['2024-13-01', 'tomorrow', '3/5']:
            with self.assertRaises(engine.CellError, msg=value):
                engine.to_date(value)
        data = xlsx([["医院名称", "日期"], ["A", datetime.datetime(2024, 3, 5)],
                ["B", "2024年3月5日"], ["C", "20240305"], ["D", "bad"]])
        _, rows = read_all(data)
        self.assertEqual([r[0].get('date') for r in rows],
            [datetime.date(2024, 3, 5)] * 3 + [None])
        self.assertEqual(rows[3][2], [('date', 'invalid_date')])

    def test_numbers(self):
        "Numbers as text, thousands separators, full width, spaces"
        for value, expected in [('1,234', 1234), ('１，２３４', 1234),
                ('１２３４', 1234), (' 12\u3000', 12), ('1,234.50', Decimal(
                        '1234.50')), ('¥1,000', 1000), (12.0, 12),
                ('(5)', -5), ('', None)]:
            self.assertEqual(engine.to_decimal(value), expected, msg=value)
        self.assertEqual(engine.to_integer('1,200'), 1200)
        with self.assertRaises(engine.CellError):
            engine.to_integer('12.5')
        with self.assertRaises(engine.CellError):
            engine.to_decimal('12abc')
        self.assertEqual(engine.clean_text(' 瑞金\u3000医院 \xa0'), '瑞金 医院')

    def test_formula_cached_value(self):
        "Formulas give their cached value"
        data = xlsx([["医院名称", "床位数"], ["A", 10]])
        # openpyxl writes no cached value: put one as Excel does
        data = patch_zip(data, 'xl/worksheets/sheet1.xml', lambda c: c.replace(
                b'<c r="B2" t="n"><v>10</v></c>',
                b'<c r="B2"><f>5*2</f><v>10</v></c>'))
        _, rows = read_all(data)
        self.assertEqual(rows[0][0]['beds'], 10)

    def test_declared_dimension(self):
        "A sheet claiming 1,048,576 rows stops at the real end of data"
        data = xlsx([["医院名称"], ["A"], ["B"], ["C"]])
        data = patch_zip(data, 'xl/worksheets/sheet1.xml', lambda c: re.sub(
                rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"',
                c))
        self.assertIn(b'XFD1048576', zipfile.ZipFile(io.BytesIO(data)).read(
                'xl/worksheets/sheet1.xml'))
        start = time.monotonic()
        _, rows = read_all(data)
        self.assertEqual([r[0]['name'] for r in rows], ['A', 'B', 'C'])
        self.assertLess(time.monotonic() - start, 5)

    def test_blank_rows_guard(self):
        "Thousands of formatted blank rows after the data are not read"
        rows = [["医院名称"], ["A"]] + [[None]] * 10 + [["B"]]
        data = xlsx(rows)

        def blanks(content):
            extra = b''.join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>'
                b' </t></is></c></row>' % (i, i) for i in range(20, 3000))
            return content.replace(b'</sheetData>', extra + b'</sheetData>')
        data = patch_zip(data, 'xl/worksheets/sheet1.xml', blanks)
        _, rows = read_all(data)
        self.assertEqual([r[0]['name'] for r in rows], ['A', 'B'])

    def test_csv_encodings(self):
        "CSV in UTF-8, UTF-8 with BOM and GB18030"
        text = "医院名称,床位数\n瑞金医院,\"1,200\"\n"
        for encoded in [text.encode('utf-8'),
                b'\xef\xbb\xbf' + text.encode('utf-8'),
                text.encode('gb18030'),
                ("医院名称,床位数\n" + "x,1\n" * 30000
                    + "瑞金医院,2\n").encode('gb18030')]:
            layout, rows = read_all(encoded)
            self.assertEqual(rows[-1][0]['name'], "瑞金医院")

    def test_renamed_files(self):
        "The format comes from the content, not the extension"
        with open(os.path.join(DATA, 'doctors.xls'), 'rb') as fp:
            xls = fp.read()
        with tempfile.TemporaryDirectory() as directory:
            for name, content, format_ in [
                    ('doctors.xlsx', xls, 'xls'),
                    ('doctors.csv', xlsx([["医院名称"], ["A"]]), 'xlsx'),
                    ('doctors.xls', "医院名称\nA\n".encode('gb18030'), 'csv'),
                    ]:
                path = os.path.join(directory, name)
                with open(path, 'wb') as fp:
                    fp.write(content)
                self.assertEqual(engine.sniff(path), format_)
                with engine.open_file(path) as reader:
                    self.assertEqual(reader.format, format_)

    def assertRefused(self, data, code):
        with self.assertRaises(FileRefused) as context:
            read_all(data)
        self.assertEqual(context.exception.code, code)

    def test_bad_files(self):
        "Every bad file is refused with its own reason"
        good = xlsx([["医院名称"], ["A"]])
        # corrupt zip
        self.assertRefused(good[:len(good) // 2], 'corrupt')
        self.assertRefused(good[:200] + b'\0' * 100 + good[300:], 'corrupt')
        # not a spreadsheet
        self.assertRefused(b'\x89PNG\r\n\x1a\n' + b'\0' * 100,
            'not_spreadsheet')
        self.assertRefused(b'%PDF-1.4\n%...', 'not_spreadsheet')
        docx = io.BytesIO()
        with zipfile.ZipFile(docx, 'w') as archive:
            archive.writestr('word/document.xml', '<w:document/>')
            archive.writestr('[Content_Types].xml', '<Types/>')
        self.assertRefused(docx.getvalue(), 'not_spreadsheet')
        self.assertRefused(cfb({'WordDocument': b'x' * 4096}),
            'not_spreadsheet')
        # empty file and empty sheet
        self.assertRefused(b'', 'empty_file')
        self.assertRefused(xlsx([]), 'empty_sheet')
        # missing required column
        self.assertRefused(xlsx([["床位数", "日期"], [1, 2]]),
            'missing_column')

    def test_encrypted(self):
        "An encrypted workbook (OLE2 EncryptionInfo + EncryptedPackage)"
        data = cfb({'EncryptionInfo': b'\x04\x00\x04\x00' + b'\0' * 4092,
                'EncryptedPackage': b'\x01' * 8192})
        from xlrd import compdoc
        names = {d.name for d in compdoc.CompDoc(
                data, logfile=io.StringIO()).dirlist}
        self.assertIn('EncryptedPackage', names)
        self.assertRefused(data, 'encrypted')

    def test_zip_bomb(self):
        "A file expanding to an unreasonable size is refused before parsing"
        good = xlsx([["医院名称"], ["A"]])
        output = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(good)) as source, \
                zipfile.ZipFile(output, 'w', zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                content = source.read(info.filename)
                if info.filename == 'xl/worksheets/sheet1.xml':
                    content = content.replace(b'</worksheet>',
                        b' ' * (40 * 1024 * 1024) + b'</worksheet>')
                target.writestr(info.filename, content)
        data = output.getvalue()
        self.assertLess(len(data), 1024 * 1024)
        self.assertRefused(data, 'zip_bomb')

    def test_key_set(self):
        "In-file duplicate keys: compact digests, exact on a hash hit"
        keys = engine.KeySet()
        size = 20000
        for i in range(size):
            self.assertIsNone(keys.add(
                    ("医生%05d" % i, i % 50, "心内科"), ('S', i + 2)))
        self.assertEqual(len(keys), size)
        for i in range(0, size, 997):
            key = ("医生%05d" % i, i % 50, "心内科")
            self.assertIn(key, keys)
            self.assertEqual(keys.add(key, ('S', 0)), ('S', i + 2))
        self.assertNotIn(("医生%05d" % size, 0, "心内科"), keys)
        self.assertEqual(len(keys), size)
        # 16 bytes per slot, at least a third of the slots used
        self.assertLessEqual(keys.memory(), 48 * size)
        keys.close()

        class Colliding:
            "Every key has the same hash: only == tells them apart"
            def __init__(self, value):
                self.value = value

            def __hash__(self):
                return 42

            def __eq__(self, other):
                return self.value == other.value

        keys = engine.KeySet(size=4)
        for i in range(10):
            self.assertIsNone(keys.add(
                    (Colliding(i), Decimal('1.0')), ('S', i)))
        # == as a dict: Decimal('1.00') == Decimal('1.0')
        self.assertEqual(keys.add((Colliding(3), Decimal('1.00')), 'x'),
            ('S', 3))
        self.assertIsNone(keys.add((Colliding(10), Decimal('1')), 'y'))
        # A key that cannot be pickled is kept as is
        unpicklable = (lambda: None, 1)
        self.assertIsNone(keys.add(unpicklable, 'first'))
        self.assertEqual(keys.add(unpicklable, 'second'), 'first')
        keys.close()

    def test_row_spill(self):
        "The rows of the validation pass are read back as they were"
        fields = HOSPITAL_FIELDS
        layout = engine.Layout('S', 1, {'name': 0, 'beds': 1, 'date': 2},
            {})
        names = engine.value_names(layout, fields)
        self.assertEqual(names, ['name', 'beds', 'date'])
        rows = []
        for i in range(2500):
            values = {'name': "医院%d" % i, 'beds': i,
                'date': datetime.date(2024, 1, 1 + i % 28)}
            raw = {'name': "医院%d" % i, 'beds': str(i),
                'date': ' 2024年1月%d日' % (1 + i % 28)}
            rows.append((i + 2, values, raw))
        spill = engine.RowSpill()
        for start in range(0, len(rows), 1000):
            spill.append(0, names, rows[start:start + 1000])
        self.assertEqual(spill.rows, 2500)
        read = [r for _, batch, _ in spill for r in batch]
        self.assertEqual(read, rows)
        self.assertEqual([len(b) for _, b, _ in spill], [1000, 1000, 500])
        spill.close()


class ImportTestCase(TestCase):
    "Import kinds, upsert, all or nothing, wizard and command line"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('pharma_import')

    def _setup(self):
        pool = Pool()
        Territory = pool.get('pharma.territory')
        Party = pool.get('party.party')
        province, = Territory.create([{
                    'name': "导入省", 'code': 'IMP-P', 'level': 'province'}])
        city, = Territory.create([{
                    'name': "导入市", 'code': 'IMP-C', 'level': 'city',
                    'parent': province.id,
                    'children': [('create', [{
                                    'name': "导入区", 'code': 'IMP-D',
                                    'level': 'district'}])],
                    }])
        hospital, = Party.create([{
                    'name': "导入测试医院", 'pharma_type': 'hospital',
                    'territory': city.id}])
        return {'city': city, 'province': province, 'hospital': hospital}

    def _run(self, kind, data, **kwargs):
        Engine = Pool().get('pharma.import.engine')
        if kind == 'doctors':
            # these tests are about the engine, not the departments opt-in
            # (test_golive.test_doctor_columns): their files name new ones
            kwargs.setdefault('options', ['create_departments'])
        return Engine.run(kind, data, filename='test', **kwargs)

    def _doctors(self, hospital):
        Party = Pool().get('party.party')
        return Party.search([
                ('pharma_type', '=', 'doctor'),
                ('hospital', '=', hospital.id),
                ], order=[('name', 'ASC')])

    @with_transaction()
    def test_kinds_registry(self):
        "The registry lists the kinds with translated labels"
        Engine = Pool().get('pharma.import.engine')
        kinds = dict(Engine.get_kinds())
        self.assertIn('hospitals', kinds)
        self.assertIn('doctors', kinds)

    @with_transaction()
    def test_hospitals_upsert(self):
        "Hospitals: create, unchanged on re-import, update and log"
        pool = Pool()
        Party = pool.get('party.party')
        Change = pool.get('pharma.import.log.change')
        data = self._setup()
        from stdnum.cn import uscc
        code = '91310000' + '1322067'
        code = code + '0' * (17 - len(code))
        code += uscc.calc_check_digit(code)
        rows = [["医院名单"], ["医院名称", "统一社会信用代码", "省份", "城市",
                "区县", "医院等级", "床位数"],
            ["导入一院", code, "导入省", "导入市", "", "三级甲等", "1,200"],
            ["导入二院", "", "", "导入", "导入区", "二甲", "８００"],
            ["导入测试医院", "", "", "导入市", "", "", ""]]
        job = self._run('hospitals', xlsx(rows))
        self.assertEqual(job.errors, [])
        self.assertEqual(job.summary(), {'created': 2, 'updated': 0,
                'unchanged': 1, 'refused': 0})
        first, = Party.search([('name', '=', "导入一院")])
        self.assertEqual((first.hospital_grade, first.beds, first.territory),
            ('3a', 1200, data['city']))
        self.assertEqual([(i.type, i.code_compact)
                for i in first.identifiers], [('cn_vat', code)])
        second, = Party.search([('name', '=', "导入二院")])
        self.assertEqual(second.territory.name, "导入区")
        self.assertEqual(second.beds, 800)

        job = self._run('hospitals', xlsx(rows))
        self.assertEqual(job.summary(), {'created': 0, 'updated': 0,
                'unchanged': 3, 'refused': 0})
        # Without a city column the name alone finds the hospital
        job = self._run('hospitals', xlsx([["医院名称"], ["导入测试医院"],
                    ["导入 二院"]]))
        self.assertEqual(job.summary(), {'created': 0, 'updated': 0,
                'unchanged': 2, 'refused': 0})

        # The code is the key: a renamed hospital is updated
        rows[2][0] = "导入第一医院"
        rows[3][6] = "900"
        job = self._run('hospitals', xlsx(rows))
        self.assertEqual(job.summary(), {'created': 0, 'updated': 2,
                'unchanged': 1, 'refused': 0})
        self.assertEqual(Party(first.id).name, "导入第一医院")
        changes = Change.search([('log', '=', job.log.id)])
        self.assertEqual({(c.record, c.field, c.old_value, c.new_value)
                for c in changes}, {
                (Party(first.id), 'name', "导入一院", "导入第一医院"),
                (Party(second.id), 'beds', '800', '900')})
        self.assertEqual((job.log.created, job.log.updated,
                job.log.unchanged), (0, 2, 1))

    @with_transaction()
    def test_hospitals_refused(self):
        "A bad row refuses the whole file, naming sheet, row and column"
        Party = Pool().get('party.party')
        self._setup()
        before = Party.search_count([])
        rows = [["医院名称", "城市", "床位数"], ["新医院甲", "导入市", "10"],
            ["新医院乙", "不存在市", "10"], ["新医院丙", "导入市", "十"],
            ["新医院甲", "导入市", "10"]]
        job = self._run('hospitals', xlsx(rows, title="医院"))
        self.assertEqual(job.refused, 3)
        self.assertEqual([(e['sheet'], e['row'], e['column'], e['value'])
                for e in job.errors], [
                ("医院", 3, 'B', "不存在市"),
                ("医院", 4, 'C', "十"),
                ("医院", 5, '', '')])
        self.assertIn("不存在市", job.errors[0]['message'])
        self.assertIn("医院!2", job.errors[2]['message'])
        self.assertEqual(Party.search_count([]), before)
        report = openpyxl.load_workbook(io.BytesIO(
                Pool().get('pharma.import.engine').error_report(job)))
        values = list(report.active.values)
        self.assertEqual(values[1][:4], ("医院", 3, 'B', "城市"))

    @with_transaction()
    def test_doctors_import(self):
        "Doctors: unknown hospital refused unless created, then upsert"
        pool = Pool()
        Party = pool.get('party.party')
        data = self._setup()
        rows = [DOCTOR_HEADERS] + [list(r) for r in DOCTOR_ROWS] + [
            ["赵六", "不存在医院", "心内科", "", "", ""]]
        before = Party.search_count([])
        job = self._run('doctors', xlsx(rows))
        self.assertEqual(job.refused, 1)
        error, = job.errors
        self.assertEqual((error['row'], error['column']), (6, 'B'))
        self.assertIn("6", error['message'])
        self.assertEqual(Party.search_count([]), before)

        job = self._run('doctors', xlsx(rows),
            options=['create_missing_hospitals', 'create_departments'])
        self.assertEqual(job.summary(), {'created': 5, 'updated': 0,
                'unchanged': 0, 'refused': 0})
        doctors = self._doctors(data['hospital'])
        self.assertEqual([(d.name, d.department.name, d.doctor_title,
                    d.doctor_tier, d.prescription_right) for d in doctors][:2],
            [("刘洋", "肿瘤科", 'resident', None, False),
                ("张伟", "心内科", 'chief', 'A', True)])
        new, = Party.search([('name', '=', "不存在医院")])
        self.assertEqual(new.pharma_type, 'hospital')

        job = self._run('doctors', xlsx(rows))
        self.assertEqual(job.summary(), {'created': 0, 'updated': 0,
                'unchanged': 5, 'refused': 0})
        rows[1][4] = "B"
        job = self._run('doctors', xlsx(rows))
        self.assertEqual(job.summary(), {'created': 0, 'updated': 1,
                'unchanged': 4, 'refused': 0})
        change, = job.log.changes
        self.assertEqual((change.field, change.old_value, change.new_value),
            ('doctor_tier', 'A', 'B'))

    @with_transaction()
    def test_doctors_duplicate_rows(self):
        "A row repeating the key of an earlier row is refused"
        Party = Pool().get('party.party')
        data = self._setup()
        rows = [DOCTOR_HEADERS] + [list(r) for r in DOCTOR_ROWS] + [
            ["张 伟", "导入测试医院", "心内科", "主治医师", "", ""],
            ["张伟", "导入测试医院", "肿瘤科", "主治医师", "", ""],
            ]
        before = Party.search_count([])
        job = self._run('doctors', xlsx(rows, title="医生"))
        self.assertEqual(job.summary()['refused'], 1)
        error, = job.errors
        self.assertEqual(error['row'], 6)
        self.assertIn("医生!2", error['message'])
        self.assertEqual(Party.search_count([]), before)
        self.assertEqual(self._doctors(data['hospital']), [])

    @with_transaction()
    def test_file_parsed_once(self):
        """The write pass uses the rows kept by the validation pass and
        validates them again, batch by batch"""
        pool = Pool()
        Party = pool.get('party.party')
        Department = pool.get('pharma.hospital.department')
        Kind = pool.get('pharma.import.doctor')
        self._setup()
        rows = [DOCTOR_HEADERS] + [
            ["医生%d" % i, "新建医院", "新科室", "主治医师", "A", "是"]
            for i in range(7)]
        opened = []
        open_file = engine.open_file

        def counting(*args, **kwargs):
            opened.append(args)
            return open_file(*args, **kwargs)
        validated = []
        validate_rows = Kind.validate_rows

        def counting_validate(rows, job):
            validated.append(len(rows))
            return validate_rows(rows, job)
        with mock.patch.object(engine, 'open_file', counting), \
                mock.patch.object(Kind, 'batch_size', 2), \
                mock.patch.object(Kind, 'validate_rows', counting_validate):
            job = self._run('doctors', xlsx(rows),
                options=['create_missing_hospitals', 'create_departments'])
        self.assertEqual(len(opened), 1)
        # validated once: the write pass takes the validation's outcome
        self.assertEqual(validated, [2, 2, 2, 1])
        self.assertEqual(job.summary(), {'created': 7, 'updated': 0,
                'unchanged': 0, 'refused': 0})
        # The rows of later batches found what earlier batches created
        hospital, = Party.search([('name', '=', "新建医院")])
        department, = Department.search([('hospital', '=', hospital.id)])
        doctors = self._doctors(hospital)
        self.assertEqual(len(doctors), 7)
        self.assertEqual({d.department for d in doctors}, {department})
        self.assertIsNone(job.spill)

    @with_transaction()
    def test_dry_run(self):
        "A dry run reports and writes nothing"
        Party = Pool().get('party.party')
        data = self._setup()
        rows = [DOCTOR_HEADERS] + [list(r) for r in DOCTOR_ROWS]
        job = self._run('doctors', xlsx(rows), dry_run=True)
        self.assertEqual(job.created, 4)
        self.assertEqual(self._doctors(data['hospital']), [])
        self.assertIsNone(job.log)

    @with_transaction()
    def test_xls_and_xlsx_same_records(self):
        "The same file as .xls and .xlsx gives the same records"
        data = self._setup()
        with open(os.path.join(DATA, 'doctors.xls'), 'rb') as fp:
            job = self._run('doctors', fp.read())
        self.assertEqual(job.created, 4)
        first = [(d.name, d.department.name, d.doctor_title, d.doctor_tier,
                d.prescription_right) for d in self._doctors(data['hospital'])]
        rows = [DOCTOR_HEADERS] + [list(r) for r in DOCTOR_ROWS]
        job = self._run('doctors', xlsx(rows))
        self.assertEqual(job.summary(), {'created': 0, 'updated': 0,
                'unchanged': 4, 'refused': 0})
        self.assertEqual(first, [(d.name, d.department.name, d.doctor_title,
                    d.doctor_tier, d.prescription_right)
                for d in self._doctors(data['hospital'])])

    @with_transaction()
    def test_bad_file_changes_nothing(self):
        "A refused file is reported, nothing is written"
        Party = Pool().get('party.party')
        self._setup()
        before = Party.search_count([])
        for content in [b'not a spreadsheet\0', xlsx([["床位数"], [1]]),
                cfb({'EncryptionInfo': b'\0' * 4096,
                        'EncryptedPackage': b'\0' * 4096})]:
            job = self._run('doctors', content)
            self.assertTrue(job.errors)
            self.assertEqual(job.created, 0)
        job = self._run('doctors', xlsx([["床位数"], [1]]))
        self.assertIn("医生姓名", job.errors[0]['message'])
        self.assertEqual(Party.search_count([]), before)

    @with_transaction()
    def test_export_round_trip(self):
        "Exported hospitals and doctors import back unchanged"
        pool = Pool()
        Engine = pool.get('pharma.import.engine')
        Party = pool.get('party.party')
        data = self._setup()
        rows = [DOCTOR_HEADERS] + [list(r) for r in DOCTOR_ROWS]
        self._run('doctors', xlsx(rows))
        doctors = self._doctors(data['hospital'])
        content = Engine.export_xlsx('doctors', doctors)
        header = next(openpyxl.load_workbook(
                io.BytesIO(content)).active.values)
        self.assertEqual(header[:3], ("医生姓名", "医院名称", "医院编码"))
        job = self._run('doctors', content)
        self.assertEqual(job.summary(), {'created': 0, 'updated': 0,
                'unchanged': 4, 'refused': 0})
        hospitals = Party.search([('pharma_type', '=', 'hospital')])
        job = self._run('hospitals', Engine.export_xlsx('hospitals',
                hospitals))
        self.assertEqual(job.unchanged, len(hospitals))
        self.assertEqual(job.errors, [])

    @with_transaction()
    def test_wizard(self):
        "Preview then import through the wizard; export wizard logs"
        pool = Pool()
        Wizard = pool.get('pharma.import.wizard', type='wizard')
        Template = pool.get('pharma.import.template')
        Export = pool.get('pharma.party.export', type='wizard')
        ExportLog = pool.get('pharma.export.log')
        data = self._setup()
        rows = [["标题"], DOCTOR_HEADERS] + [list(r) for r in DOCTOR_ROWS]
        session_id, _, _ = Wizard.create()
        result = Wizard.execute(session_id, {
                'start': {
                    'kind': 'doctors',
                    'file': xlsx(rows),
                    'filename': 'doctors.xlsx',
                    'save_template': True,
                    'template_name': "Rep list",
                    'create_departments': True,
                    },
                }, 'preview')
        values = result['view']['defaults']
        self.assertEqual((values['created'], values['refused']), (4, 0))
        self.assertEqual(self._doctors(data['hospital']), [])
        Wizard.execute(session_id, {
                'start': {
                    'kind': 'doctors',
                    'file': xlsx(rows),
                    'filename': 'doctors.xlsx',
                    'save_template': True,
                    'template_name': "Rep list",
                    'create_departments': True,
                    },
                'preview': {},
                }, 'import_')
        Wizard.delete(session_id)
        # the import is a background job
        self.assertEqual(self._doctors(data['hospital']), [])
        run_queue()
        self.assertEqual(len(self._doctors(data['hospital'])), 4)
        template, = Template.search([('name', '=', "Rep list")])
        self.assertEqual(template.header_row, 2)
        job = self._run('doctors', xlsx(rows), template=template)
        self.assertEqual(job.unchanged, 4)

        doctors = self._doctors(data['hospital'])
        with Transaction().set_context(
                active_model='party.party', active_ids=[d.id for d in doctors],
                active_id=doctors[0].id):
            session_id, _, _ = Export.create()
            result = Export.execute(session_id, {}, 'start')
            Export.delete(session_id)
        values = result['view']['defaults']
        self.assertEqual(values['count'], 4)
        log, = ExportLog.search([])
        self.assertEqual(log.doctors, 4)

    @with_transaction()
    def test_template_mapping(self):
        "A template maps an unknown header, a column letter and a constant"
        pool = Pool()
        Template = pool.get('pharma.import.template')
        data = self._setup()
        template, = Template.create([{
                    'name': "Distributor layout", 'kind': 'doctors',
                    'sheet': "Data", 'header_row': 2,
                    'lines': [('create', [
                                {'field': 'name', 'column': "客户"},
                                {'field': 'department', 'column': 'C'},
                                {'field': 'hospital',
                                    'constant': "导入测试医院"},
                                ])],
                    }])
        content = xlsx([["ignored"]], sheets={"Data": [
                    ["title"], ["客户", "x", "y"], ["孙七", "", "心内科"]]})
        job = self._run('doctors', content, template=template)
        self.assertEqual(job.errors, [])
        doctor, = self._doctors(data['hospital'])
        self.assertEqual((doctor.name, doctor.department.name),
            ("孙七", "心内科"))
        job = self._run('doctors', content, sheets=["Nope"])
        self.assertIn("Nope", job.errors[0]['message'])

    @with_transaction()
    def test_bulk_insert(self):
        "bulk_insert checks create access and fills what the ORM would"
        pool = Pool()
        Log = pool.get('pharma.import.log')
        User = pool.get('res.user')
        from trytond.model.exceptions import AccessError
        from trytond.modules.company.tests import create_company, set_company
        from trytond.modules.pharma_import.bulk import bulk_insert
        company = create_company()
        user, = User.create([{'name': "Nobody", 'login': 'nobody',
                    'companies': [('add', [company.id])],
                    'company': company.id}])
        with set_company(company):
            count = bulk_insert('pharma.import.log', ['kind', 'filename'],
                [('doctors', 'f%d' % i) for i in range(1500)])
            self.assertEqual(count, 1500)
            logs = Log.search([('filename', 'like', 'f%')])
            self.assertEqual(len(logs), 1500)
            self.assertEqual({(l.company, l.create_uid.id, bool(
                            l.create_date)) for l in logs},
                {(company, Transaction().user, True)})
            with Transaction().set_user(user.id), \
                    Transaction().set_context(_check_access=True):
                with self.assertRaises(AccessError):
                    bulk_insert('pharma.import.log', ['kind'], [('doctors',)])

    def test_command_line(self):
        "pharma-import: one bad row refuses all, fixed imports, rerun same"
        from trytond.modules.pharma_import.scripts import import_main
        # several batches with the bad row in the third: batches of 100
        # (PHARMA_IMPORT_ROWS=2000 PHARMA_IMPORT_BATCH=1000 for the real size)
        size = int(os.environ.get('PHARMA_IMPORT_ROWS', 400))
        batch = int(os.environ.get('PHARMA_IMPORT_BATCH', 100))
        pool = Pool(DB_NAME)
        Kind = pool.get('pharma.import.doctor')
        patch_batch = mock.patch.object(Kind, 'batch_size', batch)
        patch_batch.start()
        self.addCleanup(patch_batch.stop)
        hospital_name = "命令行测试医院"
        with Transaction().start(DB_NAME, 0) as transaction:
            Party = pool.get('party.party')
            hospital, = Party.create([{
                        'name': hospital_name, 'pharma_type': 'hospital'}])
            hospital_id = hospital.id
            User = pool.get('res.user')
            nobody, = User.create([{'name': "CLI nobody",
                        'login': 'cli_nobody'}])
            nobody_id = nobody.id
            transaction.commit()

        def count():
            with Transaction().start(DB_NAME, 0, readonly=True):
                Party = pool.get('party.party')
                return Party.search_count([
                        ('pharma_type', '=', 'doctor'),
                        ('hospital', '=', hospital_id)])
        try:
            rows = [["医生名单"], DOCTOR_HEADERS]
            for i in range(size):
                rows.append(["医生%05d" % i, hospital_name,
                        "科室%d" % (i % 20), "主治医师", "ABC"[i % 3], "是"])
            bad = 1 + size // 2
            rows[bad + 1] = list(rows[bad + 1])
            rows[bad + 1][3] = "不存在的职称"
            with tempfile.TemporaryDirectory() as directory:
                path = os.path.join(directory, 'doctors.xlsx')
                with open(path, 'wb') as fp:
                    fp.write(xlsx(rows))
                load_zh_cn(DB_NAME, ('pharma_hospital', 'pharma_import'))
                out = io.StringIO()
                args = ['--database', DB_NAME, '--quiet', '-l', 'zh_CN',
                    '--create-departments', 'doctors', path]
                from contextlib import redirect_stderr, redirect_stdout
                with redirect_stdout(out):
                    self.assertEqual(import_main(args), 1)
                self.assertIn('D%d 单元格' % (bad + 2), out.getvalue())
                self.assertIn('拒绝：1', out.getvalue())
                self.assertIn('未写入任何数据。', out.getvalue())
                self.assertEqual(count(), 0)

                rows[bad + 1][3] = "主治医师"
                with open(path, 'wb') as fp:
                    fp.write(xlsx(rows))
                # --user: the access of that user applies
                err = io.StringIO()
                with redirect_stderr(err):
                    self.assertEqual(import_main(
                            args[:2] + ['--user', 'cli_nobody'] + args[2:]),
                        1)
                self.assertIn('pharma.import.wizard', err.getvalue())
                self.assertEqual(count(), 0)
                out = io.StringIO()
                with redirect_stdout(out):
                    self.assertEqual(import_main(args), 0)
                self.assertIn('新建：%d，' % size, out.getvalue())
                self.assertEqual(count(), size)

                out = io.StringIO()
                with redirect_stdout(out):
                    self.assertEqual(import_main(args + ['--dry-run']), 0)
                    self.assertEqual(import_main(args), 0)
                self.assertIn('不变：%d，' % size, out.getvalue())
                self.assertIn('新建：0，更新：0，', out.getvalue())
                self.assertEqual(count(), size)

                # a bad file: exit 1 with the reason
                with open(path, 'wb') as fp:
                    fp.write(xlsx(rows)[:1000])
                out = io.StringIO()
                with redirect_stdout(out):
                    self.assertEqual(import_main(args), 1)
                self.assertIn('文件已损坏', out.getvalue())
        finally:
            with Transaction().start(DB_NAME, 0) as transaction:
                Party = pool.get('party.party')
                Department = pool.get('pharma.hospital.department')
                Log = pool.get('pharma.import.log')
                Party.delete(Party.search([('hospital', '=', hospital_id)]))
                Department.delete(Department.search([
                            ('hospital', '=', hospital_id)]))
                Party.delete([Party(hospital_id)])
                User = pool.get('res.user')
                User.write([User(nobody_id)], {
                        'active': False,
                        'login': 'cli_nobody_%d' % nobody_id})
                Log.delete(Log.search([]))
                transaction.commit()
