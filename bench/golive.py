#!/usr/bin/env python
# This file is part of the pharma suite. See README.md for license terms.
"""Go-live benchmark (issue 19): a company's own spreadsheets loaded in
order into a fresh company on PostgreSQL.

Generates what a company has in Excel when it goes live, made the way
people make them (merged title rows, notes above the header, provinces and
cities written with and without their suffix, full-width digits, phones
with +86 and dashes, dates in several styles, subtotal and total rows,
notes below the table, columns the import does not know):

  1. 医院.xlsx        --hospitals hospitals with province/city/district (the
                      territory tree is created by the import)
  2. 医院别名.xlsx    the short names of a third of the hospitals
  3. 医生.xlsx        --doctors doctors, a third written with the short name
                      of their hospital
  4. 流向_NN.xlsx     --distributors distributors' flow files of one month
                      (--flow-rows rows each, two packs of each drug written
                      in four notations, a few unknown pharmacies and one
                      unknown pack)

then creates a fresh company (scripts/demo.py --no-data, modules
pharma_hospital and pharma_distributor) in the PostgreSQL database
--database (dropped at the end unless --keep), creates the drug master and
the distributors (no spreadsheet kind: entered by hand at go-live), loads
the files in order with the import engine (the one of pharma-import and of
the wizard) and prints the time of each step and the rows loaded, matched,
queued, refused and skipped; then imports one flow file again (the month
is replaced, not doubled) and checks that no row is lost or duplicated.

    .venv/bin/python bench/golive.py                      # full size
    .venv/bin/python bench/golive.py --hospitals 200 --doctors 3000 \\
        --distributors 3 --flow-rows 500                  # a quick run

Target (issue 19): all of it under 10 minutes, 0 rows lost or duplicated.
"""
import argparse
import datetime
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PROVINCES = [
    ("浙江省", ["杭州市", "宁波市", "温州市", "嘉兴市", "湖州市", "绍兴市"]),
    ("江苏省", ["南京市", "苏州市", "无锡市", "常州市", "南通市", "扬州市"]),
    ("广东省", ["广州市", "深圳市", "佛山市", "东莞市", "珠海市", "汕头市"]),
    ("广西壮族自治区", ["南宁市", "柳州市", "桂林市", "梧州市", "北海市",
            "玉林市"]),
    ("四川省", ["成都市", "绵阳市", "德阳市", "宜宾市", "南充市", "泸州市"]),
    ("山东省", ["济南市", "青岛市", "烟台市", "潍坊市", "临沂市", "济宁市"]),
    ("河南省", ["郑州市", "洛阳市", "开封市", "新乡市", "南阳市", "安阳市"]),
    ("湖北省", ["武汉市", "宜昌市", "襄阳市", "荆州市", "黄石市", "十堰市"]),
    ]
DISTRICTS = ["城东区", "城西区", "城南区", "城北区"]
DEPARTMENTS = ["心内科", "肿瘤科", "呼吸科", "消化科", "神经内科", "内分泌科",
    "肾内科", "血液科", "风湿免疫科", "药剂科"]
TITLES = ["主任医师", "主任医生", "副主任医师", "副高", "主治医师", "主治",
    "住院医师", "住院医生"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇",
    "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英",
    "建华", "文", "华", "玉兰", "红", "建国", "志强", "海燕", "晓东", "丹"]
DRUGS = [("阿托伐他汀钙片", "mg", 7), ("瑞舒伐他汀钙片", "mg", 7),
    ("氯吡格雷片", "mg", 7), ("二甲双胍缓释片", "g", 30),
    ("缬沙坦胶囊", "mg", 7), ("奥美拉唑肠溶胶囊", "mg", 14),
    ("头孢克肟分散片", "mg", 6), ("利伐沙班片", "mg", 7),
    ("恩替卡韦分散片", "mg", 7), ("达格列净片", "mg", 14)]
STRENGTHS = {'mg': ["10", "20"], 'g': ["0.5", "1"]}
PACK_STYLES = ["{s}{u}×{n}片", "{s}{u}*{n}片", "{s}{u}x{n}片", "{s}{u}*{n}s"]
FULL_WIDTH = str.maketrans('0123456789', '０１２３４５６７８９')


def log(message):
    print('[%s] %s' % (time.strftime('%H:%M:%S'), message), flush=True)


def cities():
    for province, names in PROVINCES:
        for city in names:
            yield province, city


def hospitals(count):
    """[(full name, short name or None, province, city, district)]: a
    third of them have a short name"""
    result = []
    all_cities = list(cities())
    numbers = {}
    for i in range(count):
        province, city = all_cities[i % len(all_cities)]
        k = numbers[city] = numbers.get(city, 0) + 1
        stem = city[:-1]
        kind = i % 4
        if kind == 0:
            full = "%s市第%d人民医院" % (stem, k)
        elif kind == 1:
            full = "%s医科大学附属第%d医院" % (stem, k)
        elif kind == 2:
            full = "%s市中医院第%d分院" % (stem, k)
        else:
            full = "%s市妇幼保健院第%d院区" % (stem, k)
        short = "%s%d院" % (stem, k) if i % 3 == 0 else None
        district = DISTRICTS[(i // len(all_cities)) % len(DISTRICTS)]
        result.append((full, short, province, city, district))
    return result


def workbook(title, notes, header, rows, totals=None, below=(),
        subtotal_every=0, quantity_column=None):
    import openpyxl
    from openpyxl.utils import get_column_letter
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Sheet1")
    sheet.append([title])
    for note in notes:
        sheet.append([note])
    sheet.append(list(header))
    row_number = 2 + len(notes)
    first = row_number + 1
    for i, row in enumerate(rows):
        sheet.append(list(row))
        row_number += 1
        if subtotal_every and i and not (i + 1) % subtotal_every:
            column = get_column_letter(quantity_column + 1)
            subtotal = [None] * (quantity_column + 1)
            subtotal[1] = "小计"
            subtotal[quantity_column] = '=SUM(%s%d:%s%d)' % (
                column, first, column, row_number)
            sheet.append(subtotal)
            sheet.append([])
            row_number += 2
    if totals is not None:
        sheet.append([])
        sheet.append(totals)
    for note in below:
        sheet.append([note])
    return book


def save(book, path):
    book.save(path)
    return path


def generate(directory, options):
    "Write the company's files; return their paths and what they hold"
    listed = hospitals(options.hospitals)
    files = {}
    # 1. hospitals
    rows = []
    for i, (full, _, province, city, district) in enumerate(listed):
        beds = str(100 + (i * 37) % 1500)
        rows.append([full + (" " if i % 7 == 0 else ""),
                province if i % 2 else province.rstrip("省"),
                city if i % 3 else city[:-1], district,
                ["三级甲等", "三甲", "二级甲等", "二甲"][i % 4],
                beds.translate(FULL_WIDTH) if i % 5 == 0 else int(beds),
                "0577-%08d" % i])
    files['hospitals'] = save(workbook("%d家医院名单（市场部整理）" % len(rows),
            ["说明：床位数为编制床位", "更新日期：2024年1月"],
            ["医院名称", "省份", "城市", "区县", "医院等级", "床位数",
                "院办电话"], rows, totals=["合计", None, None, None, None,
                "=SUM(F5:F%d)" % (4 + len(rows))],
            below=["制表人：内勤"]), os.path.join(directory, '医院.xlsx'))
    # 2. aliases
    aliases = [(short, full) for full, short, *_ in listed if short]
    files['aliases'] = save(workbook("医院简称对照表", [],
            ["简称", "医院全称"], aliases),
        os.path.join(directory, '医院别名.xlsx'))
    # 3. doctors
    rows = []
    seen = set()
    for i in range(options.doctors):
        h = i % len(listed)
        full, short, *_ = listed[h]
        n = i // len(listed)
        department = DEPARTMENTS[n % len(DEPARTMENTS)]
        name = SURNAMES[n % len(SURNAMES)] + GIVEN[
            (n // len(SURNAMES)) % len(GIVEN)]
        if (name, h, department) in seen:
            name += "%d" % n
        seen.add((name, h, department))
        mobile = "1%02d%08d" % (30 + i % 60, i)
        mobile = ["+86 %s-%s-%s" % (mobile[:3], mobile[3:7], mobile[7:]),
            mobile, "%s %s %s" % (mobile[:3], mobile[3:7], mobile[7:])][i % 3]
        visit = datetime.date(2023, 1, 1) + datetime.timedelta(days=i % 700)
        visit = [visit, visit.strftime('%Y/%-m/%-d'),
            '%d年%d月%d日' % (visit.year, visit.month, visit.day),
            int(visit.strftime('%Y%m%d')),
            (visit - datetime.date(1899, 12, 30)).days][i % 5]
        rows.append([name, short if short and i % 2 == 0 or short and (
                    h % 3 == 0 and i % 2) else full, department,
            TITLES[i % len(TITLES)], "ABC"[i % 3], mobile, visit,
            "微信%d" % i if i % 10 == 0 else None])
    files['doctors'] = save(workbook("医生名单", ["内部资料 请勿外传"],
            ["姓名", "医院", "科室", "职称", "级别", "手机号", "首次拜访日期",
                "备注"], rows, below=["制表人：内勤"]),
        os.path.join(directory, '医生.xlsx'))
    # 4. flow files
    flows = []
    for d in range(options.distributors):
        rows = []
        for r in range(options.flow_rows):
            h = (d * 7919 + r * 31) % len(listed)
            full, short, *_ = listed[h]
            if r % 50 == 49:
                customer = "未登记大药房%d" % (r % 7)
            else:
                customer = short if short and r % 2 else full
            drug, unit, size = DRUGS[r % len(DRUGS)]
            strength = STRENGTHS[unit][(r // len(DRUGS)) % 2]
            pack = PACK_STYLES[r % len(PACK_STYLES)].format(
                s=strength, u=unit, n=size)
            if r % 97 == 96:
                pack = "40mg*28片"  # a pack nobody has: the queue
            if r % 11 == 0:
                pack = pack.translate(FULL_WIDTH)
            day = 1 + r % 28
            date = [datetime.date(2024, 1, day), '2024/1/%d' % day,
                '2024年1月%d日' % day][r % 3]
            quantity = 1 + r % 40
            rows.append([date, customer, drug, pack, 'L%05d' % r, quantity,
                    '盒', 25.5, quantity * 25.5, "业务员%d" % (r % 9)])
        name = distributor_name(d)
        path = save(workbook("%s 2024年1月销售流向" % name,
                ["单位：盒/元"],
                ['销售日期', '客户名称', '产品名称', '规格', '批号', '数量',
                    '单位', '单价', '金额', '业务员'], rows,
                totals=["合计", None, None, None, None, None],
                below=["审核：", "打印日期：2024-02-02"],
                subtotal_every=500, quantity_column=5),
            os.path.join(directory, '流向_%02d.xlsx' % d))
        flows.append((name, path, len(rows)))
    files['flows'] = flows
    return files, listed, aliases


def distributor_name(d):
    return "华东第%d医药有限公司" % (d + 1)


def create_database(options, config):
    "A fresh company with the demo script (--no-data)"
    subprocess.run(['dropdb', '-h', '127.0.0.1', '-U', 'postgres',
            '--if-exists', options.database], check=True)
    subprocess.run([sys.executable, os.path.join(ROOT, 'scripts', 'demo.py'),
            '--config', os.path.join(ROOT, 'trytond.conf'), config,
            '--database', options.database, '--no-data',
            '--modules', 'pharma_hospital,pharma_distributor'],
        check=True, stdout=subprocess.DEVNULL)


def master_data(pool, options):
    "The drug master and the distributors (entered by hand at go-live)"
    Party = pool.get('party.party')
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    ModelData = pool.get('ir.model.data')
    unit = Uom(ModelData.get_id('product', 'uom_unit'))
    Template.create([{
                'name': drug, 'default_uom': unit.id, 'type': 'goods',
                'is_pharma': True, 'strength': strength + u,
                'pack_size': size, 'products': [('create', [{}])],
                } for drug, u, size in DRUGS for strength in STRENGTHS[u]])
    Party.create([{'name': distributor_name(d), 'pharma_type': 'distributor'}
            for d in range(options.distributors)])


def main():
    parser = argparse.ArgumentParser(description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--hospitals', type=int, default=2000)
    parser.add_argument('--doctors', type=int, default=50000)
    parser.add_argument('--distributors', type=int, default=20)
    parser.add_argument('--flow-rows', type=int, default=2500,
        help="data rows per flow file (default 2,500: 50,000 lines)")
    parser.add_argument('--database', default='i19_golive')
    parser.add_argument('--uri', default='postgresql://postgres@127.0.0.1:5432/')
    parser.add_argument('--keep', action='store_true',
        help="keep the database")
    parser.add_argument('--reuse', action='store_true',
        help="load into the existing fresh company of --database (made by "
        "an earlier run that stopped before loading)")
    options = parser.parse_args()

    directory = tempfile.mkdtemp(prefix='golive-')
    config = os.path.join(directory, 'pg.conf')
    with open(config, 'w') as fp:
        fp.write('[database]\nuri = %s\n' % options.uri)
    steps = []
    started = time.monotonic()

    def step(name, function):
        start = time.monotonic()
        result = function()
        elapsed = time.monotonic() - start
        steps.append((name, elapsed, result))
        log('%-34s %7.1fs  %s' % (name, elapsed,
                result if isinstance(result, str) else ''))
        return result

    files, listed, aliases = step("generate the spreadsheets",
        lambda: generate(directory, options))
    if not options.reuse:
        step("fresh company (demo.py --no-data)",
            lambda: create_database(options, config))
    load_started = time.monotonic()

    from trytond import config as tconfig
    tconfig.update_etc([os.path.join(ROOT, 'trytond.conf'), config])
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Pool.start()
    pool = Pool(options.database)
    with Transaction().start(options.database, 0, readonly=True):
        pool.init()
    with Transaction().start(options.database, 0, readonly=True):
        User = pool.get('res.user')
        admin, = User.search([('login', '=', 'admin')])
        with Transaction().set_user(admin.id):
            context = User.get_preferences(context_only=True)
    admin_id = admin.id
    context['_check_access'] = True
    problems = []

    def transaction():
        return Transaction().start(options.database, admin_id,
            context=context)

    def master():
        with transaction() as t:
            master_data(pool, options)
            t.commit()
        return "%d products, %d distributors" % (
            2 * len(DRUGS), options.distributors)
    step("drug master, distributors (ORM)", master)

    def load(kind, path, options_=(), distributor=None, expect=None):
        def run():
            with transaction() as t:
                Engine = pool.get('pharma.import.engine')
                Party = pool.get('party.party')
                ctx = {}
                if distributor:
                    party, = Party.search([('name', '=', distributor)])
                    ctx['pharma_import_distributor'] = party.id
                with t.set_context(ctx):
                    job = Engine.run(kind, path,
                        filename=os.path.basename(path),
                        options=list(options_))
                if job.error_count:
                    problems.append('%s: %s' % (path, job.errors[:3]))
                    t.rollback()
                else:
                    t.commit()
            counts = job.counts()
            if expect is not None and (
                    counts['created'] + counts['updated']
                    + counts['unchanged']) != expect:
                problems.append('%s: %s rows loaded, %s expected' % (
                        path, counts, expect))
            return ('created %(created)s updated %(updated)s unchanged '
                '%(unchanged)s refused %(refused)s skipped %(skipped)s'
                % counts)
        return run

    step("1 hospitals (+ territories)", load('hospitals', files['hospitals'],
            ['create_territories'], expect=len(listed)))
    step("2 hospital aliases", load('hospital-aliases', files['aliases'],
            expect=len(aliases)))
    step("3 doctors (+ departments)", load('doctors', files['doctors'],
            ['create_departments'], expect=options.doctors))
    flow_started = time.monotonic()
    flow_rows = 0
    for name, path, count in files['flows']:
        load('flow', path, distributor=name, expect=count)()
        flow_rows += count
    steps.append(("4 flow files (%d)" % len(files['flows']),
            time.monotonic() - flow_started, "%d lines" % flow_rows))
    log('%-34s %7.1fs  %s' % steps[-1])
    name, path, count = files['flows'][0]
    step("5 one flow file again (replaced)", load('flow', path,
            distributor=name, expect=count))
    loading = time.monotonic() - load_started

    def concurrent():
        """Two imports of the same distributor and month at once: the
        second is refused while the first has not committed"""
        name, path, count = files['flows'][1 % len(files['flows'])]
        with transaction() as first:
            Engine = pool.get('pharma.import.engine')
            Party = pool.get('party.party')
            party, = Party.search([('name', '=', name)])
            with first.set_context(pharma_import_distributor=party.id):
                Engine.run('flow', path, filename='first.xlsx')
                with first.new_transaction() as second:
                    try:
                        Engine.run('flow', path, filename='second.xlsx')
                        result = 'NOT refused'
                        problems.append(
                            'a concurrent import was not refused')
                    except Exception as exception:
                        result = 'refused: %s' % getattr(
                            exception, 'message', exception)
                    second.rollback()
            first.commit()
        return result
    step("6 same month twice at once", concurrent)

    with Transaction().start(options.database, 0, readonly=True):
        cursor = Transaction().connection.cursor()

        def one(query):
            cursor.execute(query)
            return cursor.fetchone()[0]
        counts = {
            'hospitals': one("SELECT COUNT(*) FROM party_party "
                "WHERE pharma_type = 'hospital'"),
            'territories': one("SELECT COUNT(*) FROM pharma_territory"),
            'aliases': one("SELECT COUNT(*) FROM pharma_hospital_alias"),
            'doctors': one("SELECT COUNT(*) FROM party_party "
                "WHERE pharma_type = 'doctor'"),
            'mobiles': one("SELECT COUNT(*) FROM party_contact_mechanism "
                "WHERE type = 'mobile'"),
            'doctors at a short-named hospital': one(
                "SELECT COUNT(*) FROM party_party d JOIN "
                "pharma_hospital_alias a ON a.hospital = d.hospital "
                "WHERE d.pharma_type = 'doctor'"),
            'duplicate doctors': one(
                "SELECT COUNT(*) FROM (SELECT name_key, hospital, department "
                "FROM party_party WHERE pharma_type = 'doctor' GROUP BY "
                "name_key, hospital, department HAVING COUNT(*) > 1) d"),
            'flow lines': one("SELECT COUNT(*) FROM pharma_flow_line"),
            'duplicate flow lines': one(
                "SELECT COUNT(*) FROM (SELECT distributor, source_row FROM "
                "pharma_flow_line GROUP BY distributor, source_row "
                "HAVING COUNT(*) > 1) d"),
            'flow lines with customer': one("SELECT COUNT(*) FROM "
                "pharma_flow_line WHERE customer IS NOT NULL"),
            'flow lines with product': one("SELECT COUNT(*) FROM "
                "pharma_flow_line WHERE product IS NOT NULL"),
            'match queue (names)': one(
                "SELECT COUNT(*) FROM pharma_flow_alias"),
            }
    expected = {
        'hospitals': len(listed), 'aliases': len(aliases),
        'doctors': options.doctors, 'mobiles': options.doctors,
        'duplicate doctors': 0, 'flow lines': flow_rows,
        'duplicate flow lines': 0,
        }
    for key, value in expected.items():
        if counts[key] != value:
            problems.append('%s: %s, expected %s' % (key, counts[key], value))
    print()
    print('| step | time (s) | rows |')
    print('|---|---:|---|')
    for name, elapsed, result in steps:
        if name == "generate the spreadsheets":
            result = '%d hospitals, %d aliases, %d doctors, %d flow files' % (
                len(listed), len(aliases), options.doctors,
                len(files['flows']))
        print('| %s | %.1f | %s |' % (name, elapsed, result or ''))
    print('| **loading (drug master and steps 1-5)** | **%.1f** | |'
        % loading)
    print()
    for key, value in counts.items():
        print('- %s: %s' % (key, value))
    print()
    print('total %.1fs (generation included); target: loading under 600 s'
        % (time.monotonic() - started))
    if problems:
        print('PROBLEMS:')
        for problem in problems:
            print('  ' + problem)
    else:
        print('0 rows lost or duplicated')
    if not options.keep:
        from trytond import backend
        Pool.stop(options.database)
        backend.Database(options.database).close()
        subprocess.run(['dropdb', '-h', '127.0.0.1', '-U', 'postgres',
                '--if-exists', options.database])
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
