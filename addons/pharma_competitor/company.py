# This file is part of the pharma suite. See README.md for license terms.
from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from .market import month_start


class Company(metaclass=PoolMeta):
    __name__ = 'company.company'

    @classmethod
    def pharma_compute_market_share(cls, companies, month):
        """Compute a month's market share of the companies and tell the
        user (run by trytond-worker through __queue__: a national month
        reads half a million flow lines)"""
        pool = Pool()
        Share = pool.get('pharma.market.share')
        month = month_start(month)
        for company in companies:
            with Transaction().set_context(company=company.id):
                count = Share.compute(month, company)
                shares = Share.search([
                        ('company', '=', company.id),
                        ('month', '=', month),
                        ], limit=1000)
            label = gettext('pharma_competitor.msg_market_share_computed',
                month=month.strftime('%Y-%m'), count=count)
            if shares:
                Share.notify_user(shares, 'tryton-info', label)
            else:
                cls.notify_user([company], 'tryton-info', label)
