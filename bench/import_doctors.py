#!/usr/bin/env python
# This file is part of the pharma suite. See README.md for license terms.
"""Benchmark of the doctors import (issue 5).

Generates a doctors .xlsx of --rows rows (default 100,000) and, on
PostgreSQL, times:
  (a) the bare parse (openpyxl read-only, values only),
  (b) a plain batched Party.create of the same rows (the ORM's floor),
  (c) the full import (pharma.import.engine, validation + write passes),
and prints rows per second, the ratio c / (a + b) (target <= 1.25), also
in CPU time of this process (less sensitive to a loaded machine), and the
RSS at the start and the peak of each phase (Linux: VmHWM reset before the
phase; the import's must not grow with the file).

    .venv/bin/python bench/import_doctors.py --rows 2000

A database with pharma_import is created from the test machinery
(TRYTOND_DATABASE__URI, default postgresql://postgres@127.0.0.1:5432/) and
dropped at the end unless --keep. (b) and (c) are rolled back, and the
database is vacuumed (VACUUM ANALYZE) before each, so that (c) does not
wade through (b)'s dead rows.
"""
import argparse
import os
import resource
import sys
import tempfile
import time


def rss_mb():
    "Peak RSS of the process (MB)"
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _status(name):
    try:
        with open('/proc/self/status') as fp:
            for line in fp:
                if line.startswith(name + ':'):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def reset_peak():
    """Reset the peak RSS (Linux: VmHWM) so that the peak of each phase is
    measured on its own; return the current RSS (MB)"""
    try:
        with open('/proc/self/clear_refs', 'w') as fp:
            fp.write('5')
    except OSError:
        pass
    return _status('VmRSS')


def phase_peak():
    "Peak RSS since reset_peak() (MB), or the process peak"
    peak = _status('VmHWM')
    return peak if peak is not None else rss_mb()


def log(message):
    print('[%s] %s' % (time.strftime('%H:%M:%S'), message), flush=True)


HOSPITALS = 50
DEPARTMENTS = ["心内科", "肿瘤科", "呼吸科", "消化科", "神经内科", "内分泌科",
    "肾内科", "血液科", "风湿免疫科", "药剂科"]
TITLES = ["主任医师", "副主任医师", "主治医师", "住院医师"]
HEADERS = ["医生姓名", "医院名称", "科室", "职称", "医生分级", "处方权"]


def hospital_name(i):
    return "基准测试第%d医院" % i


def row(i):
    return ["医生%06d" % i, hospital_name(i % HOSPITALS),
        DEPARTMENTS[(i // HOSPITALS) % len(DEPARTMENTS)],
        TITLES[i % len(TITLES)], "ABC"[i % 3], "是" if i % 2 else "否"]


def generate(path, rows):
    import openpyxl
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("医生")
    sheet.append(["基准测试医生名单"])
    sheet.append(HEADERS)
    for i in range(rows):
        sheet.append(row(i))
        if i and not i % 20000:
            log("generated %d rows" % i)
    workbook.save(path)


def parse(path):
    import openpyxl
    import openpyxl.reader.excel  # noqa: F401
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    count = 0
    for values in workbook.worksheets[0].iter_rows(values_only=True):
        count += 1
    workbook.close()
    return count


def vacuum(name):
    "VACUUM ANALYZE the database on PostgreSQL (outside a transaction)"
    from trytond import backend
    if backend.name != 'postgresql':
        return
    start = time.monotonic()
    database = backend.Database(name).connect()
    connection = database.get_connection(autocommit=True)
    try:
        with connection.cursor() as cursor:
            cursor.execute('VACUUM ANALYZE')
    finally:
        database.put_connection(connection)
    log("VACUUM ANALYZE: %.1fs" % (time.monotonic() - start))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--rows', type=int, default=100000)
    parser.add_argument('--keep', action='store_true',
        help="keep the benchmark database")
    parser.add_argument('--database', default='bench_import_%d' % os.getpid())
    options = parser.parse_args()
    os.environ.setdefault(
        'TRYTOND_DATABASE__URI', 'postgresql://postgres@127.0.0.1:5432/')
    os.environ['DB_NAME'] = options.database
    directory = tempfile.mkdtemp()
    path = os.path.join(directory, 'doctors.xlsx')
    log("generating %d rows in %s" % (options.rows, path))
    generate(path, options.rows)
    log("file: %.1f MB" % (os.path.getsize(path) / 1024 / 1024))

    from trytond.tests.test_tryton import activate_module, drop_db
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    log("creating database %s with pharma_import" % options.database)
    activate_module('pharma_import')
    pool = Pool(options.database)
    results = {}
    try:
        with Transaction().start(options.database, 0) as transaction:
            Party = pool.get('party.party')
            Department = pool.get('pharma.hospital.department')
            hospitals = Party.create([{
                        'name': hospital_name(i), 'pharma_type': 'hospital'}
                    for i in range(HOSPITALS)])
            Department.create([{'hospital': h.id, 'name': d}
                    for h in hospitals for d in DEPARTMENTS])
            transaction.commit()
        vacuum(options.database)
        log("setup done, peak RSS %.0f MB" % rss_mb())

        memory = {}
        # (a) bare parse (openpyxl already imported by generate())
        cpu = {}
        base = reset_peak()
        start, cpu_start = time.monotonic(), time.process_time()
        count = parse(path)
        results['a'] = time.monotonic() - start
        cpu['a'] = time.process_time() - cpu_start
        memory['a'] = (base, phase_peak())
        log("(a) parse: %d rows in %.2fs, %.0f rows/s, RSS %.0f -> peak "
            "%.0f MB" % (count, results['a'], options.rows / results['a'],
                *memory['a']))

        # (b) plain batched Party.create
        with Transaction().start(options.database, 0) as transaction:
            Party = pool.get('party.party')
            Department = pool.get('pharma.hospital.department')
            hospital_ids = {p.name: p.id for p in Party.search([
                        ('pharma_type', '=', 'hospital')])}
            department_ids = {(d.hospital.id, d.name): d.id
                for d in Department.search([])}
            titles = {"主任医师": 'chief', "副主任医师": 'associate_chief',
                "主治医师": 'attending', "住院医师": 'resident'}
            base = reset_peak()
            start, cpu_start = time.monotonic(), time.process_time()
            batch = []
            for i in range(options.rows):
                name, hospital, department, title, tier, right = row(i)
                hospital_id = hospital_ids[hospital]
                batch.append({
                        'name': name, 'pharma_type': 'doctor',
                        'hospital': hospital_id,
                        'department': department_ids[
                            (hospital_id, department)],
                        'doctor_title': titles[title], 'doctor_tier': tier,
                        'prescription_right': right == "是",
                        'customer_source': 'import',
                        })
                if len(batch) >= 1000:
                    Party.create(batch)
                    batch = []
                    log("(b) created %d" % (i + 1))
            if batch:
                Party.create(batch)
            results['b'] = time.monotonic() - start
            cpu['b'] = time.process_time() - cpu_start
            memory['b'] = (base, phase_peak())
            transaction.rollback()
        log("(b) Party.create: %.2fs, %.0f rows/s, RSS %.0f -> peak %.0f MB"
            % (results['b'], options.rows / results['b'], *memory['b']))
        # (b)'s rolled back rows are dead tuples in the tables and their
        # indexes, which (c) would wade through and autovacuum would
        # clean up during (c): both phases start from a clean database
        vacuum(options.database)

        # (c) full import
        with Transaction().start(options.database, 0) as transaction:
            Engine = pool.get('pharma.import.engine')
            base = reset_peak()
            start, cpu_start = time.monotonic(), time.process_time()
            job = Engine.run('doctors', path, filename='doctors.xlsx',
                options=['create_departments'],
                progress=log)
            results['c'] = time.monotonic() - start
            cpu['c'] = time.process_time() - cpu_start
            memory['c'] = (base, phase_peak())
            summary = job.summary()
            errors = job.errors[:5]
            transaction.rollback()
        log("(c) import: %.2fs, %.0f rows/s, RSS %.0f -> peak %.0f MB, %s%s"
            % (results['c'], options.rows / results['c'], *memory['c'],
                summary, ' errors: %s' % errors if errors else ''))
        ratio = results['c'] / (results['a'] + results['b'])
        print()
        print("rows: %d" % options.rows)
        for key, label in [('a', "(a) bare parse"),
                ('b', "(b) batched Party.create"), ('c', "(c) full import")]:
            print("%-26s %8.2fs %10.0f rows/s  (CPU of this process "
                "%7.2fs)  RSS %4.0f MB, phase peak %4.0f MB (+%.0f MB)" % (
                    label, results[key], options.rows / results[key],
                    cpu[key], memory[key][0], memory[key][1],
                    memory[key][1] - memory[key][0]))
        print("ratio c/(a+b): %.2f (target <= 1.25)" % ratio)
        print("ratio c/(a+b) of the CPU time of this process (without the "
            "database server): %.2f" % (
                cpu['c'] / (cpu['a'] + cpu['b'])))
        print("peak RSS of the process: %.0f MB" % rss_mb())
        return 0 if summary['created'] == options.rows else 1
    finally:
        if not options.keep:
            try:
                drop_db(options.database)
            except Exception as exception:
                log("could not drop %s: %s" % (options.database, exception))
        os.remove(path)
        os.rmdir(directory)


if __name__ == '__main__':
    sys.exit(main())
