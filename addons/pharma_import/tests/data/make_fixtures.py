# This file is part of the pharma suite. See README.md for license terms.
"""Writes the .xls fixtures of test_import.py with xlwt (a real BIFF8 writer).
Run once: pip install xlwt; python make_fixtures.py (xlwt is not a runtime
dependency). The same rows are written as .xlsx by the tests themselves."""
import datetime
import os

import xlwt

HERE = os.path.dirname(__file__)

# Doctors of test_import.DOCTOR_ROWS
DOCTORS = [
    ("张伟", "导入测试医院", "心内科", "主任医师", "A", "是"),
    ("王芳", "导入测试医院", "心内科", "副主任医师", "B", "否"),
    ("李娜", "导入测试医院", "肿瘤科", "主治医师", "C", "是"),
    ("刘洋 ", "导入测试医院", "肿瘤科", "住院医师", "", ""),
    ]
HEADERS = ["医生姓名", "医院名称", "科室", "职称", "医生分级", "处方权"]


def doctors():
    book = xlwt.Workbook(encoding='utf-8')
    sheet = book.add_sheet('医生')
    for col, header in enumerate(HEADERS):
        sheet.write(0, col, header)
    for row, values in enumerate(DOCTORS, 1):
        for col, value in enumerate(values):
            sheet.write(row, col, value)
    book.save(os.path.join(HERE, 'doctors.xls'))


def hospitals_merged():
    "Title rows, then a two-level merged header, dates and numbers"
    book = xlwt.Workbook(encoding='utf-8')
    sheet = book.add_sheet('医院')
    sheet.write_merge(0, 0, 0, 4, "2024年医院名单")
    sheet.write(1, 0, "制表日期")
    sheet.write(1, 1, datetime.date(2024, 3, 5),
        xlwt.easyxf(num_format_str='YYYY-MM-DD'))
    # row 3: 医院 over 名称/编码; 床位数 merged vertically
    sheet.write_merge(2, 2, 0, 1, "医院")
    sheet.write_merge(2, 3, 2, 2, "床位数")
    sheet.write_merge(2, 3, 3, 3, "城市")
    sheet.write(3, 0, "名称")
    sheet.write(3, 1, "统一社会信用代码")
    sheet.write(4, 0, "导入测试一院")
    sheet.write(4, 1, "")
    sheet.write(4, 2, 1200)
    sheet.write(4, 3, "导入市")
    sheet.write(5, 0, "导入测试二院")
    sheet.write(5, 2, "1,500")
    sheet.write(5, 3, "导入市")
    book.save(os.path.join(HERE, 'hospitals_merged.xls'))


if __name__ == '__main__':
    doctors()
    hospitals_merged()
