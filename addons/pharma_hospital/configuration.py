# This file is part of the pharma suite. See README.md for license terms.
"""The pharma configuration: a singleton whose values depend on the company
(as sale.configuration): the values live in pharma.configuration.company,
one record per company, which the other modules extend with their own
fields."""
from sql import Column, Null, Table
from sql.functions import CurrentTimestamp

from trytond import backend
from trytond.model import ModelSingleton, ModelSQL, ModelView, Unique, fields
from trytond.modules.company.model import (
    CompanyMultiValueMixin, CompanyValueMixin)
from trytond.pool import Pool
from trytond.transaction import Transaction

# the table of the configuration before 8.0 of the suite: one row per
# company, kept during an update until every module moved its columns into
# pharma_configuration_company
OLD_TABLE = 'pharma_configuration_old'
_OLD_KEEP = {
    'id', 'company', 'create_uid', 'create_date', 'write_uid', 'write_date'}

verify_interval = fields.Integer("To Identify: Follow-up Days",
    help="Days between reminders to verify a party to identify.")
prospect_interval = fields.Integer("Prospect: Follow-up Days")
opportunity_interval = fields.Integer("Opportunity: Follow-up Days")
customer_interval = fields.Integer("Customer: Follow-up Days")
stage_stale_days = fields.Integer("Days in a Stage before Escalation",
    help="A party that stays longer in a stage is listed for the "
    "manager.")
leave_notice_days = fields.Integer("Leaver Notice Days",
    help="Managers are told this many days ahead who leaves and still "
    "holds accounts.")
duplicate_check = fields.Boolean("Check Duplicates on Create")


def default_func(field_name):
    "The default of the singleton's field: the company value's default"
    @classmethod
    def default(cls, **pattern):
        return getattr(
            cls.multivalue_model(field_name),
            'default_%s' % field_name, lambda: None)()
    return default


def _table_columns(table):
    "The columns of table, read from the database (not from a handler)"
    cursor = Transaction().connection.cursor()
    if backend.name == 'sqlite':
        cursor.execute('PRAGMA table_info("%s")' % table)
        return {r[1] for r in cursor}
    cursor.execute('SELECT column_name FROM information_schema.columns '
        'WHERE table_name = %s AND table_schema = current_schema()',
        (table,))
    return {r[0] for r in cursor}


def _rename_old_table():
    """Move the per-company table of the previous layout aside, once,
    before the singleton's table is created"""
    TableHandler = backend.TableHandler
    table = 'pharma_configuration'
    if (TableHandler.table_exist(table)
            and not TableHandler.table_exist(OLD_TABLE)
            and 'company' in _table_columns(table)):
        TableHandler.table_rename(table, OLD_TABLE)
        if backend.name == 'sqlite':
            # SQLite drops no column an index uses: the old table's
            # indexes are of no use anymore
            cursor = Transaction().connection.cursor()
            cursor.execute("SELECT name FROM sqlite_master "
                "WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
                (OLD_TABLE,))
            for name, in cursor.fetchall():
                cursor.execute('DROP INDEX "%s"' % name)


class Configuration(
        ModelSingleton, ModelSQL, ModelView, CompanyMultiValueMixin):
    __name__ = 'pharma.configuration'
    verify_interval = fields.MultiValue(verify_interval)
    prospect_interval = fields.MultiValue(prospect_interval)
    opportunity_interval = fields.MultiValue(opportunity_interval)
    customer_interval = fields.MultiValue(customer_interval)
    stage_stale_days = fields.MultiValue(stage_stale_days)
    leave_notice_days = fields.MultiValue(leave_notice_days)
    duplicate_check = fields.MultiValue(duplicate_check)

    @classmethod
    def __register__(cls, module):
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        _rename_old_table()
        super().__register__(module)
        # The singleton's row exists from the install (and after the
        # migration from the per-company table): without it
        # ModelSingleton.read answers the defaults, not the company's
        # values (the lines and values written by get_company_values)
        cursor.execute(*table.select(table.id, limit=1))
        if not cursor.fetchone():
            cursor.execute(*table.insert(
                    [table.create_uid, table.create_date],
                    [[0, CurrentTimestamp()]]))

    @classmethod
    def multivalue_model(cls, field):
        pool = Pool()
        Value = pool.get('pharma.configuration.company')
        if field in Value._fields and field != 'company':
            return Value
        return super().multivalue_model(field)

    default_verify_interval = default_func('verify_interval')
    default_prospect_interval = default_func('prospect_interval')
    default_opportunity_interval = default_func('opportunity_interval')
    default_customer_interval = default_func('customer_interval')
    default_stage_stale_days = default_func('stage_stale_days')
    default_leave_notice_days = default_func('leave_notice_days')
    default_duplicate_check = default_func('duplicate_check')

    @classmethod
    def _multivalue_setter(cls, records, name, val):
        Value = cls.multivalue_model(name)
        if Value._fields[name]._type not in {'one2many', 'many2many'}:
            return super()._multivalue_setter(records, name, val)
        # the lines of a company are written through its value record with
        # the actions of the client
        company = Transaction().context.get('company')
        values = Value.search([('company', '=', company)])
        if not values:
            value = records[0].multivalue_record(name, company=company)
            value.save()
            values = [value]
        Value.write(values, {name: val})

    @classmethod
    def get_config(cls, company=None):
        """The configuration with the values of company (default: the
        context's); missing values are the defaults"""
        if company is None:
            company = Transaction().context.get('company')
        company_id = int(company) if company is not None else None
        if company_id is not None and company_id < 0:
            company_id = None
        # bypass: the configuration is read by the code of every role
        with Transaction().set_context(
                company=company_id, _check_access=False):
            return cls(1)

    @classmethod
    def get_company_values(cls, company=None):
        """The record of the values of company (default: the context's),
        created with the defaults when missing; the lines of a company's
        configuration point to it"""
        pool = Pool()
        Value = pool.get('pharma.configuration.company')
        if company is None:
            company = Transaction().context.get('company')
        company_id = int(company)
        # bypass: the lines are written by the code (demo data, imports)
        with Transaction().set_context(_check_access=False):
            values = Value.search([('company', '=', company_id)], limit=1)
            if values:
                return values[0]
            value, = Value.create([{'company': company_id}])
            return value

    def get_stage_interval(self, stage):
        return {
            'to_identify': self.verify_interval,
            'prospect': self.prospect_interval,
            'opportunity': self.opportunity_interval,
            'customer': self.customer_interval,
            'user': self.customer_interval,
            }.get(stage)


class ConfigurationCompany(ModelSQL, CompanyValueMixin):
    __name__ = 'pharma.configuration.company'
    verify_interval = verify_interval
    prospect_interval = prospect_interval
    opportunity_interval = opportunity_interval
    customer_interval = customer_interval
    stage_stale_days = stage_stale_days
    leave_notice_days = leave_notice_days
    duplicate_check = duplicate_check

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('company_uniq', Unique(t, t.company),
                'pharma_hospital.msg_configuration_company_unique'),
            ]

    @classmethod
    def __register__(cls, module):
        _rename_old_table()
        super().__register__(module)
        cls._migrate_old_table()

    @classmethod
    def _migrate_old_table(cls):
        """Copy the columns of the fields registered so far from the old
        per-company table (same ids, so that the lines pointing to a
        company's configuration keep pointing to its values), then drop
        them there, and the table once no value is left"""
        TableHandler = backend.TableHandler
        if not TableHandler.table_exist(OLD_TABLE):
            return
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        table = cls.__table__()
        old = Table(OLD_TABLE)
        old_columns = _table_columns(OLD_TABLE)
        columns = [n for n, f in cls._fields.items()
            if n not in _OLD_KEEP and n in old_columns
            and not isinstance(f, fields.Function)]
        cursor.execute(*table.select(table.id))
        existing = {i for i, in cursor}
        cursor.execute(*old.select(
                old.id, old.company, old.create_uid, old.create_date,
                *[Column(old, c) for c in columns],
                where=old.company != Null))
        rows = cursor.fetchall()
        for row in rows:
            id_, company, create_uid, create_date = row[:4]
            values = list(row[4:])
            if id_ in existing:
                if columns:
                    cursor.execute(*table.update(
                            [Column(table, c) for c in columns], values,
                            where=table.id == id_))
            else:
                cursor.execute(*table.insert(
                        [table.id, table.company, table.create_uid,
                            table.create_date]
                        + [Column(table, c) for c in columns],
                        [[id_, company, create_uid or 0,
                                create_date or CurrentTimestamp()]
                            + values]))
                existing.add(id_)
        if existing:
            transaction.database.setnextid(
                transaction.connection, cls._table, max(existing) + 1)
        for column in columns:
            cursor.execute('ALTER TABLE "%s" DROP COLUMN "%s"'
                % (OLD_TABLE, column))
        if not (_table_columns(OLD_TABLE) - _OLD_KEEP):
            # CASCADE: the foreign keys of the lines to the old rows
            cursor.execute('DROP TABLE "%s"%s' % (OLD_TABLE,
                    ' CASCADE' if backend.name == 'postgresql' else ''))

    @classmethod
    def default_verify_interval(cls):
        return 7

    @classmethod
    def default_prospect_interval(cls):
        return 30

    @classmethod
    def default_opportunity_interval(cls):
        return 14

    @classmethod
    def default_customer_interval(cls):
        return 60

    @classmethod
    def default_stage_stale_days(cls):
        return 90

    @classmethod
    def default_leave_notice_days(cls):
        return 30

    @classmethod
    def default_duplicate_check(cls):
        return True
