# This file is part of the pharma suite. See README.md for license terms.
import datetime
from collections import defaultdict

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from .employee import employee_users, notify_users
from .notify import user_language

STRATEGIES = {
    'to_identify': 'msg_lifecycle_strategy_verify',
    'prospect': 'msg_lifecycle_strategy_nurture',
    'opportunity': 'msg_lifecycle_strategy_push',
    'customer': 'msg_lifecycle_strategy_care',
    'user': 'msg_lifecycle_strategy_care',
    }


class Coverage(metaclass=PoolMeta):
    __name__ = 'pharma.coverage'
    last_reminder = fields.Date("Last Follow-up Reminder", readonly=True)
    stale_notified = fields.Date("Stale Stage Notified", readonly=True)

    @classmethod
    def copy(cls, coverages, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('last_reminder', None)
        default.setdefault('stale_notified', None)
        return super().copy(coverages, default=default)


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'
    lifecycle_stale = fields.Function(fields.Boolean(
            "Stale Lifecycle Stage",
            help="In the same stage for longer than the configured days."),
        'get_lifecycle_stale', searcher='search_lifecycle_stale')

    @classmethod
    def _lifecycle_stale_date(cls):
        pool = Pool()
        Config = pool.get('pharma.configuration')
        Date = pool.get('ir.date')
        days = Config.get_config().stage_stale_days
        if not days:
            return None
        return Date.today() - datetime.timedelta(days=days)

    def get_lifecycle_stale(self, name):
        limit = self._lifecycle_stale_date()
        return bool(limit
            and self.lifecycle_stage
            and self.lifecycle_stage != 'lost'
            and self.lifecycle_date
            and self.lifecycle_date <= limit)

    @classmethod
    def search_lifecycle_stale(cls, name, clause):
        _, operator, value = clause
        limit = cls._lifecycle_stale_date()
        stale = (operator == '=') == bool(value)
        if not limit:
            return [('id', '=', -1)] if stale else []
        domain = [
            ('lifecycle_stage', '!=', None),
            ('lifecycle_stage', '!=', 'lost'),
            ('lifecycle_date', '<=', limit),
            ]
        if stale:
            return domain
        return ['OR',
            ('lifecycle_stage', '=', None),
            ('lifecycle_stage', '=', 'lost'),
            ('lifecycle_date', '=', None),
            ('lifecycle_date', '>', limit),
            ]

    @classmethod
    def _lifecycle_coverages(cls, roles):
        pool = Pool()
        Coverage = pool.get('pharma.coverage')
        company = Transaction().context.get('company')
        return Coverage.search([
                ('company', '=', company),
                ('current', '=', True),
                ('role', 'in', roles),
                ('party.pharma_type', 'in', ['hospital', 'doctor']),
                ('party.lifecycle_stage', '!=', None),
                ('party.lifecycle_stage', '!=', 'lost'),
                ('party.active', '=', True),
                ], order=[('id', 'ASC')])

    @classmethod
    def pharma_lifecycle_reminders(cls):
        """Remind the covering employees of the parties whose stage
        follow-up interval has elapsed"""
        pool = Pool()
        Config = pool.get('pharma.configuration')
        Coverage = pool.get('pharma.coverage')
        Date = pool.get('ir.date')
        company = Transaction().context.get('company')
        if not company:
            return
        config = Config.get_config(company)
        today = Date.today()
        # bypass: the cron reads every rep's coverages to remind them
        with Transaction().set_context(_check_access=False):
            due = []
            for coverage in cls._lifecycle_coverages(
                    ['primary', 'delegate']):
                party = coverage.party
                interval = config.get_stage_interval(party.lifecycle_stage)
                if not interval:
                    continue
                base = max(filter(None, [party.lifecycle_date,
                            coverage.last_reminder, coverage.start_date]))
                if base + datetime.timedelta(days=interval) <= today:
                    due.append(coverage)
            if not due:
                return
            users = employee_users([c.employee.id for c in due])
            by_user = defaultdict(list)
            for coverage in due:
                for user in users.get(coverage.employee.id, []):
                    by_user[user].append(coverage.party)
            notifications = []
            for user, parties in by_user.items():
                parties = sorted(set(parties), key=lambda p: p.id)
                strategies = defaultdict(int)
                for party in parties:
                    strategies[STRATEGIES[party.lifecycle_stage]] += 1
                # in the language of the recipient
                with Transaction().set_context(
                        language=user_language(user)):
                    notifications.append({
                            'user': user,
                            'label': gettext(
                                'pharma_hospital.msg_lifecycle_reminder_label',
                                count=len(parties)),
                            'description': ', '.join(
                                '%s: %s' % (
                                    gettext('pharma_hospital.' + m), n)
                                for m, n in sorted(strategies.items())),
                            'model': 'party.party',
                            'record_ids': [p.id for p in parties],
                            })
            notify_users(notifications)
            Coverage.write(due, {'last_reminder': today})

    @classmethod
    def pharma_lifecycle_stale(cls):
        """List the parties stuck in a stage for the supervisor of their
        primary representative"""
        pool = Pool()
        Coverage = pool.get('pharma.coverage')
        Date = pool.get('ir.date')
        company = Transaction().context.get('company')
        if not company:
            return
        today = Date.today()
        # bypass: the cron reads every rep's coverages to notify stale stages
        with Transaction().set_context(_check_access=False):
            limit = cls._lifecycle_stale_date()
            if not limit:
                return
            stale = []
            for coverage in cls._lifecycle_coverages(['primary']):
                party = coverage.party
                if (party.lifecycle_date and party.lifecycle_date <= limit
                        and (not coverage.stale_notified
                            or coverage.stale_notified
                            < party.lifecycle_date)
                        and coverage.employee.supervisor):
                    stale.append(coverage)
            if not stale:
                return
            users = employee_users(
                [c.employee.supervisor.id for c in stale])
            by_user = defaultdict(list)
            for coverage in stale:
                for user in users.get(coverage.employee.supervisor.id, []):
                    by_user[user].append(coverage)
            notifications = []
            for user, coverages in by_user.items():
                parties = sorted({c.party for c in coverages},
                    key=lambda p: p.lifecycle_date)
                # in the language of the recipient
                with Transaction().set_context(
                        language=user_language(user)):
                    notifications.append({
                            'user': user,
                            'label': gettext(
                                'pharma_hospital.msg_lifecycle_stale_label',
                                count=len(parties)),
                            'description': ', '.join(
                                '%s (%s)' % (
                                    p.rec_name, p.lifecycle_stage_string)
                                for p in parties[:10]),
                            'model': 'party.party',
                            'record_ids': [p.id for p in parties],
                            })
            notify_users(notifications)
            Coverage.write(stale, {'stale_notified': today})
