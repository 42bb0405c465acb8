# This file is part of the pharma suite. See README.md for license terms.
"""The figures the reports share, written once: the report pack's sheets
and the scorecards count done calls and sell-in with these conditions, so
that a month's figure is the same in each of them."""
from trytond.modules.pharma_calls.call import period_calls

# the orders that count as sell-in (confirmed or later, never cancelled)
SELL_IN_STATES = ['confirmed', 'processing', 'done']


def done_calls(call, company, start, end):
    """Condition on the pharma_call table: the company's done calls whose
    date falls in [start, end) in the company's days (pharma_calls'
    period_calls, which its KPI report counts with too)"""
    return period_calls(call, company, start, end)


def sell_in(sale, company, start=None, end=None):
    """Condition on the sale_sale table: the company's confirmed orders
    (and later states) dated in [start, end)"""
    where = (sale.company == company.id) & sale.state.in_(SELL_IN_STATES)
    if start is not None:
        where &= sale.sale_date >= start
    if end is not None:
        where &= sale.sale_date < end
    return where
