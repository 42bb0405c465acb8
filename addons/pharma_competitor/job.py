# This file is part of the pharma suite. See README.md for license terms.
from trytond.pool import PoolMeta


class Job(metaclass=PoolMeta):
    __name__ = 'pharma.job'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.kind.selection.extend([
                ('market_share', "Market Share"),
                ])

    def _run_market_share(self):
        return self._run_wizard()
