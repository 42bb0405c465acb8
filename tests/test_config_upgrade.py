# This file is part of the pharma suite. See README.md for license terms.
"""Upgrade of the pharma configuration from one row per company
(pharma_configuration with a company column and a column per value, the
product-line frequencies and quick phrases pointing to a company's row) to
the singleton with its values in pharma_configuration_company: after the
module update every company reads the values and lines it had.

The old layout is built by hand in the database of the test (DB_NAME:
in memory on SQLite; give it its own name on PostgreSQL, for example
DB_NAME=test_config_upgrade), then the modules are updated as
trytond-admin -u does."""
import datetime
import os
import unittest
from decimal import Decimal

MODULES = ['pharma_calls', 'pharma_field', 'pharma_distributor',
    'pharma_compliance']
# ids of the old rows: not those a new table would give
OLD_IDS = [7, 9]
SKIP = {'id', 'create_uid', 'create_date', 'write_uid', 'write_date'}


class ConfigUpgradeTestCase(unittest.TestCase):
    "Module update from the per-company configuration table"

    @classmethod
    def setUpClass(cls):
        from trytond.tests.test_tryton import (
            DB_NAME, activate_module, db_exist, drop_db)
        if db_exist(DB_NAME) and DB_NAME != ':memory:':
            # left over by an interrupted run
            drop_db()
        activate_module(MODULES)
        cls.database = DB_NAME

    @classmethod
    def tearDownClass(cls):
        from trytond.tests.test_tryton import drop_db
        if cls.database != ':memory:':
            drop_db()

    def _old_value(self, Value, name, field, index):
        "A value of the old row of the index-th company, not the default"
        default = getattr(Value, 'default_%s' % name, lambda: None)()
        if field._type == 'integer':
            return (default or 0) + 10 * (index + 1)
        if field._type == 'boolean':
            return not default if index == 0 else bool(default)
        if field._type == 'numeric':
            return Decimal(default or 0) + Decimal('100.50') * (index + 1)
        if field._type == 'float':
            return (default or 0) + 0.25 * (index + 1)
        if field._type == 'selection':
            keys = [k for k, _ in field.selection if k]
            return keys[(keys.index(default) + index + 1) % len(keys)]
        return None

    def _build_old_layout(self):
        """The tables as the per-company configuration had them, with two
        companies' values and lines; returns what each company must read
        after the update"""
        from trytond import backend
        from trytond.modules.company.tests import create_company
        from trytond.modules.currency.tests import create_currency
        from trytond.pool import Pool
        from trytond.transaction import Transaction
        pool = Pool(self.database)
        postgresql = backend.name == 'postgresql'
        with Transaction().start(self.database, 0) as transaction:
            Area = pool.get('pharma.therapeutic.area')
            Value = pool.get('pharma.configuration.company')
            database = transaction.database
            cursor = transaction.connection.cursor()
            currency = create_currency('cny')
            companies = [create_company(name, currency=currency)
                for name in ["南京医药", "上海医药"]]
            areas = Area.create([{'name': "肿瘤"}, {'name': "心血管"}])
            columns = {n: f for n, f in Value._fields.items()
                if n not in SKIP and n != 'company'
                and getattr(f, '_sql_type', None)}
            self.assertIn('freq_a', columns)
            self.assertIn('checkin_radius', columns)
            self.assertIn('gap_tolerance', columns)
            self.assertIn('fee_payee_policy', columns)

            cursor.execute('DROP TABLE pharma_configuration')
            cursor.execute('DROP TABLE pharma_configuration_company%s'
                % (' CASCADE' if postgresql else ''))
            key = 'SERIAL PRIMARY KEY' if postgresql else (
                'INTEGER PRIMARY KEY AUTOINCREMENT')
            definitions = ['id %s' % key, 'create_uid INTEGER',
                'create_date TIMESTAMP', 'write_uid INTEGER',
                'write_date TIMESTAMP', 'company INTEGER NOT NULL']
            for name, field in columns.items():
                definitions.append('%s %s' % (name,
                        database.sql_type(field._sql_type).base))
            definitions.append(
                'CONSTRAINT pharma_configuration_company_uniq '
                'UNIQUE (company)')
            cursor.execute('CREATE TABLE pharma_configuration (%s)'
                % ', '.join(definitions))
            # an index on a value column (SQLite drops no column an index
            # uses)
            cursor.execute('CREATE INDEX pharma_configuration_freq_a_index '
                'ON pharma_configuration (freq_a)')
            expected = {}
            now = datetime.datetime.now()
            for index, (id_, company) in enumerate(zip(OLD_IDS, companies)):
                values = {n: self._old_value(Value, n, f, index)
                    for n, f in columns.items()}
                names = ['id', 'create_uid', 'create_date', 'company'] + list(
                    values)
                params = [id_, 0, now, company.id] + list(values.values())
                cursor.execute('INSERT INTO pharma_configuration (%s) '
                    'VALUES (%s)' % (', '.join(names),
                        ', '.join([database.flavor.param] * len(params))),
                    params)
                expected[company.id] = values
            # the lines of the first company's configuration
            cursor.execute('DELETE FROM pharma_call_frequency')
            cursor.execute('DELETE FROM pharma_field_phrase')
            for area, freq in zip(areas, [5, 3]):
                cursor.execute('INSERT INTO pharma_call_frequency '
                    '(create_uid, create_date, configuration, '
                    'therapeutic_area, freq_a, freq_b, freq_c) '
                    'VALUES (0, %s, %s, %s, %s, 2, 1)'.replace(
                        '%s', database.flavor.param),
                    (now, OLD_IDS[0], area.id, freq))
            cursor.execute('INSERT INTO pharma_field_phrase '
                '(create_uid, create_date, configuration, sequence, text, '
                'active) VALUES (0, %s, %s, 1, %s, %s)'.replace(
                    '%s', database.flavor.param),
                (now, OLD_IDS[1], "关注价格", True))
            if postgresql:
                # the foreign keys of the lines to the old rows
                for table in ['pharma_call_frequency', 'pharma_field_phrase']:
                    cursor.execute('ALTER TABLE %s DROP CONSTRAINT IF EXISTS '
                        '%s_configuration_fkey' % (table, table))
                    cursor.execute('ALTER TABLE %s ADD CONSTRAINT '
                        '%s_configuration_fkey FOREIGN KEY (configuration) '
                        'REFERENCES pharma_configuration (id) '
                        'ON DELETE CASCADE' % (table, table))
                cursor.execute("SELECT setval('pharma_configuration_id_seq', "
                    "%s)", (max(OLD_IDS),))
            transaction.commit()
        company_ids = [c.id for c in companies]
        return company_ids, [a.id for a in areas], expected

    def test_upgrade(self):
        "Every company reads its values and lines after the update"
        from trytond.pool import Pool
        from trytond.transaction import Transaction
        company_ids, area_ids, expected = self._build_old_layout()

        pool = Pool(self.database)
        pool.init(update=['pharma_hospital'] + MODULES)

        with Transaction().start(self.database, 0) as transaction:
            Configuration = pool.get('pharma.configuration')
            Value = pool.get('pharma.configuration.company')
            Company = pool.get('company.company')
            cursor = transaction.connection.cursor()
            cursor.execute('SELECT COUNT(*) FROM pharma_configuration')
            self.assertEqual(cursor.fetchone()[0], 1)
            values = Value.search([], order=[('id', 'ASC')])
            self.assertEqual([v.id for v in values], OLD_IDS)
            self.assertEqual([v.company.id for v in values], company_ids)
            for company_id in company_ids:
                config = Configuration.get_config(company_id)
                for name, value in expected[company_id].items():
                    self.assertEqual(getattr(config, name), value,
                        msg='%s of company %s' % (name, company_id))
            first = Configuration.get_config(company_ids[0])
            self.assertEqual(
                sorted((f.therapeutic_area.id, f.freq_a)
                    for f in first.call_frequencies),
                sorted(zip(area_ids, [5, 3])))
            self.assertEqual(first.field_phrases, ())
            second = Configuration.get_config(company_ids[1])
            self.assertEqual(second.call_frequencies, ())
            self.assertEqual(
                [p.text for p in second.field_phrases], ["关注价格"])

            # the values of a new company get a new record (the id
            # sequence is past the old rows) and the defaults
            currency = Company(company_ids[0]).currency
            from trytond.modules.company.tests import create_company
            company = create_company("北京医药", currency=currency)
            config = Configuration.get_config(company.id)
            self.assertEqual(config.freq_a, Value.default_freq_a())
            value = Configuration.get_company_values(company.id)
            self.assertGreater(value.id, max(OLD_IDS))
            with Transaction().set_context(company=company.id):
                Configuration.write([Configuration(1)], {
                        'freq_a': 11,
                        'call_frequencies': [('create', [{
                                        'therapeutic_area': area_ids[0],
                                        'freq_a': 9}])],
                        })
            config = Configuration.get_config(company.id)
            self.assertEqual(config.freq_a, 11)
            self.assertEqual(
                [f.freq_a for f in config.call_frequencies], [9])
            self.assertEqual(
                Configuration.get_config(company_ids[0]).freq_a,
                expected[company_ids[0]]['freq_a'])
            transaction.rollback()

        # a second update leaves the migrated values alone
        with Transaction().start(self.database, 0) as transaction:
            Configuration = pool.get('pharma.configuration')
            with Transaction().set_context(company=company_ids[1]):
                Configuration.write([Configuration(1)], {'freq_b': 42})
            transaction.commit()
        pool.init(update=['pharma_hospital'] + MODULES)
        with Transaction().start(self.database, 0):
            Configuration = pool.get('pharma.configuration')
            self.assertEqual(
                Configuration.get_config(company_ids[1]).freq_b, 42)


if __name__ == '__main__':
    unittest.main()
