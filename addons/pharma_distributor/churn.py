# This file is part of the pharma suite. See README.md for license terms.
import datetime
import statistics
from collections import defaultdict

from sql import Null
from sql.aggregate import Sum

from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.pharma_hospital.notify import Message
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .tools import notify_employees


class ChurnAlert(Workflow, ModelSQL, ModelView):
    "A customer whose purchases decline, alerted once per episode"
    __name__ = 'pharma.churn.alert'
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    party = fields.Many2One(
        'party.party', "Customer", required=True, readonly=True,
        ondelete='CASCADE',
        context={'company': Eval('company', -1)}, depends={'company'})
    reason = fields.Selection([
            ('overdue', "Overdue"),
            ('drop', "Volume Drop"),
            ], "Reason", required=True, readonly=True)
    description = fields.Text("Description", readonly=True)
    date = fields.Date("Date", required=True, readonly=True,
        help="When the alert was sent.")
    last_purchase = fields.Date("Last Purchase", readonly=True,
        help="The last purchase known when the alert was sent; a later "
        "purchase closes the alert.")
    interval = fields.Integer("Usual Interval (days)", readonly=True)
    days = fields.Integer("Days without Purchase", readonly=True)
    drop_percent = fields.Integer("Drop (%)", readonly=True)
    state = fields.Selection([
            ('open', "Open"),
            ('closed', "Closed"),
            ], "State", required=True, readonly=True, sort=False)
    closed_date = fields.Date("Closed On", readonly=True)
    closing = fields.Selection([
            (None, ""),
            ('purchase', "New Purchase"),
            ('cleared', "Condition Cleared"),
            ('manual', "Closed by Hand"),
            ], "Closed Because", readonly=True, sort=False,
        help="A customer closed by hand is not alerted again before it "
        "buys again.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.company, Index.Range()),
                    (t.party, Index.Range())),
                Index(t, (t.state, Index.Equality(cardinality='low')),
                    where=t.state == 'open'),
                })
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {('open', 'closed')}
        cls._buttons.update({
                'close': {
                    'invisible': Eval('state') != 'open',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'open'

    def get_rec_name(self, name):
        return '%s (%s)' % (self.party.rec_name, self.date)

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, alerts):
        cls._close(alerts, 'manual')

    @classmethod
    def _close(cls, alerts, closing):
        pool = Pool()
        Date = pool.get('ir.date')
        if alerts:
            cls.write(list(alerts), {
                    'state': 'closed',
                    'closed_date': Date.today(),
                    'closing': closing,
                    })


class Churn:
    "Purchase-decline detection (used by the party cron)"

    @classmethod
    def purchases(cls, company):
        "{party id: sorted [(date, amount)]} of orders and flow"
        pool = Pool()
        CustomerValue = pool.get('pharma.customer.value')
        cursor = Transaction().connection.cursor()
        with Transaction().set_context(company=company):
            purchases = CustomerValue._purchases()
            cursor.execute(*purchases.select(
                    purchases.party, purchases.date, Sum(purchases.amount),
                    where=purchases.date != Null,
                    group_by=[purchases.party, purchases.date]))
            result = defaultdict(list)
            for party, date, amount in cursor:
                if isinstance(date, str):
                    date = datetime.date.fromisoformat(date)
                result[party].append((date, float(amount or 0)))
        for values in result.values():
            values.sort()
        return result

    @classmethod
    def check(cls, history, today, factor, drop):
        """Return ('overdue', interval, days) or ('drop', percent) or None
        for a sorted [(date, amount)] history"""
        dates = [d for d, _ in history]
        if len(dates) >= 3:
            last = dates[-6:]
            gaps = [(b - a).days for a, b in zip(last, last[1:])]
            interval = statistics.median(gaps)
            days = (today - dates[-1]).days
            if interval > 0 and days > factor * interval:
                return ('overdue', int(interval), days)
        if drop:
            start = today - datetime.timedelta(days=91)
            recent = sum(a for d, a in history if start < d <= today)
            year_start = start - datetime.timedelta(days=365)
            year_end = today - datetime.timedelta(days=365)
            before = sum(a for d, a in history
                if year_start < d <= year_end)
            if before > 0 and (before - recent) / before * 100 > drop:
                return ('drop', round((before - recent) / before * 100))
        return None

    @classmethod
    def alert(cls):
        """Alert the owners of the customers whose purchases decline, once
        per episode: an open alert is closed when the customer buys again
        or the condition clears, and only then may a new alert be sent.
        Return [(party, result, user ids)] of the alerts sent."""
        pool = Pool()
        Configuration = pool.get('pharma.configuration')
        Date = pool.get('ir.date')
        Party = pool.get('party.party')
        Alert = pool.get('pharma.churn.alert')
        company = Transaction().context.get('company')
        if not company:
            return []
        config = Configuration.get_config(company)
        today = Date.today()
        factor = config.churn_factor or 1.5
        history = cls.purchases(company)
        results = {}
        for party_id, values in history.items():
            result = cls.check(values, today, factor, config.churn_drop)
            if result:
                results[party_id] = result
        last_purchase = {p: v[-1][0] for p, v in history.items() if v}

        # End the episodes: a new purchase, or the condition cleared
        bought, cleared = [], []
        open_alerts = Alert.search([
                ('company', '=', company),
                ('state', '=', 'open'),
                ])
        for alert in open_alerts:
            last = last_purchase.get(alert.party.id)
            if last and (not alert.last_purchase
                    or last > alert.last_purchase):
                bought.append(alert)
            elif alert.party.id not in results:
                cleared.append(alert)
        Alert._close(bought, 'purchase')
        Alert._close(cleared, 'cleared')

        # An episode is still running for a customer with an open alert,
        # or closed by hand without a purchase since
        running = set()
        if results:
            for alert in Alert.search([
                        ('company', '=', company),
                        ('party', 'in', list(results)),
                        ['OR',
                            ('state', '=', 'open'),
                            ('closing', '=', 'manual'),
                            ],
                        ]):
                if (alert.state == 'open'
                        or alert.last_purchase == last_purchase.get(
                            alert.party.id)):
                    running.add(alert.party.id)
        alerts = [(Party(p), r) for p, r in sorted(results.items())
            if p not in running]
        if not alerts:
            return []
        owners = cls.owners(company, [p for p, _ in alerts])
        notified, to_create = [], []
        for party, result in alerts:
            employees = set(owners.get(party.id, set()))
            if party.primary_rep:
                employees.add(party.primary_rep)
            values = {
                'company': company,
                'party': party.id,
                'reason': result[0],
                'date': today,
                'last_purchase': last_purchase.get(party.id),
                'state': 'open',
                }
            if result[0] == 'overdue':
                description = Message('pharma_distributor.msg_churn_overdue',
                    party=party.rec_name, interval=result[1],
                    days=result[2])
                values.update(interval=result[1], days=result[2])
            else:
                description = Message('pharma_distributor.msg_churn_drop',
                    party=party.rec_name, drop=result[1])
                values['drop_percent'] = result[1]
            values['description'] = str(description)
            to_create.append(values)
            # in the language of each recipient
            users = notify_employees([party], employees,
                Message('pharma_distributor.msg_churn_label',
                    party=party.rec_name),
                description)
            notified.append((party, result, users))
        Alert.create(to_create)
        return notified

    @classmethod
    def owners(cls, company, parties):
        "{party id: {employee}}: agreement owners, else the last order's"
        pool = Pool()
        Agreement = pool.get('pharma.agency.agreement')
        Sale = pool.get('sale.sale')
        owners = defaultdict(set)
        ids = [p.id for p in parties]
        for agreement in Agreement.search([
                    ('agent', 'in', ids),
                    ('company', '=', company),
                    ('owner', '!=', None),
                    ]):
            owners[agreement.agent.id].add(agreement.owner)
        for sale in Sale.search([
                    ('party', 'in', ids),
                    ('company', '=', company),
                    ('pharma_owner', '!=', None),
                    ], order=[('sale_date', 'ASC NULLS FIRST')]):
            owners[sale.party.id] = {sale.pharma_owner}
        return owners
