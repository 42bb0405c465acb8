# This file is part of the pharma suite. See README.md for license terms.
"""The company's day in SQL.

Tryton stores datetimes as naive UTC. A report that groups or filters by
day must use the company's day: a call made at 08:00 in Shanghai is at
00:00 UTC, and one made at 07:00 is still on the previous UTC day.
"""
import datetime
import re

from sql import Expression
from sql.functions import AtTimeZone, Function

from trytond import backend
from trytond.pool import Pool
from trytond.tools import timezone as tz
from trytond.transaction import Transaction


class _SQLiteDate(Function):
    __slots__ = ()
    _function = 'DATE'


class _ZoneName(Expression):
    """A time zone name written in the query, not passed as a parameter:
    PostgreSQL sees two parameters as two different expressions, so a
    parameter in a SELECT column is not found in the GROUP BY"""
    __slots__ = ('name',)

    def __init__(self, name):
        super().__init__()
        if not re.fullmatch(r'[A-Za-z0-9_/+\-]+', name):
            raise ValueError(name)
        self.name = name

    def __str__(self):
        return "'%s'" % self.name

    @property
    def params(self):
        return ()


def company_timezone(company=None):
    "The ZoneInfo of the company (default the context's), or None"
    pool = Pool()
    Company = pool.get('company.company')
    if company is None:
        company = Transaction().context.get('company')
        if company is None or company < 0:
            return None
    company = Company(int(company))
    if not company.timezone:
        return None
    return tz.ZoneInfo(company.timezone)


def _offset(zone, at=None):
    "The zone's offset from UTC in seconds at the naive UTC datetime `at`"
    at = (at.replace(tzinfo=datetime.timezone.utc) if at
        else datetime.datetime.now(datetime.timezone.utc))
    return int(at.astimezone(zone).utcoffset().total_seconds())


def local_date(field, expression, at=None, company=None):
    """SQL of the company's date of the naive UTC datetime `expression`,
    cast by the Date field `field`.

    PostgreSQL converts each value with its own offset (AT TIME ZONE);
    SQLite has no time zones and shifts every value by the offset at `at`
    (default now), which differs only across a daylight saving change."""
    zone = company_timezone(company)
    if zone is None:
        return field.sql_cast(expression)
    if backend.name == 'sqlite':
        return _SQLiteDate(expression, '%+d seconds' % _offset(zone, at))
    return field.sql_cast(AtTimeZone(
            AtTimeZone(expression, _ZoneName('UTC')), _ZoneName(zone.key)))


def utc_start(date, company=None):
    """The naive UTC datetime at which the company's day `date` starts, to
    compare with stored datetimes"""
    start = datetime.datetime.combine(date, datetime.time())
    zone = company_timezone(company)
    if zone is None:
        return start
    return (start.replace(tzinfo=zone)
        .astimezone(datetime.timezone.utc).replace(tzinfo=None))


def local_day(value, company=None):
    "The company's date of the naive UTC datetime `value`"
    zone = company_timezone(company)
    if value is None or zone is None:
        return value and value.date()
    return (value.replace(tzinfo=datetime.timezone.utc)
        .astimezone(zone).date())
