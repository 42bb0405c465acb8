# This file is part of the pharma suite. See README.md for license terms.
from trytond.model import fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval


class Move(metaclass=PoolMeta):
    __name__ = 'stock.move'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['pharma.call']


class CallSampleLot(metaclass=PoolMeta):
    __name__ = 'pharma.call.sample'
    lot = fields.Many2One('stock.lot', "Lot",
        domain=[('product', '=', Eval('product', -1))])

    def _stock_key(self):
        return (self.product.id, self.lot.id if self.lot else None)

    @classmethod
    def _stock_grouping(cls):
        return ('product', 'lot')

    def _get_move(self):
        move = super()._get_move()
        move.lot = self.lot
        return move
