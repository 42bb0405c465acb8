# This file is part of the pharma suite. See README.md for license terms.
"Personal information (PIPL): export log of doctors and erasure"
import datetime

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.rpc import RPC
from trytond.transaction import Transaction


class ExportLog(ModelSQL, ModelView):
    __name__ = 'pharma.export.log'
    date = fields.DateTime("Date", required=True, readonly=True)
    user = fields.Many2One(
        'res.user', "User", readonly=True, ondelete='SET NULL')
    model = fields.Char("Model", readonly=True)
    records = fields.Integer("Records", readonly=True,
        help="The number of exported records.")
    doctors = fields.Integer("Doctors", readonly=True,
        help="The number of exported doctors.")
    fields_names = fields.Text("Fields", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('date', 'DESC'))

    @classmethod
    def log(cls, model, records, doctors, fields_names):
        transaction = Transaction()
        # bypass: the PIPL export log is written by the code only (read-only to
        # users)
        with transaction.set_context(_check_access=False):
            return cls.create([{
                        'date': datetime.datetime.now(),
                        'user': transaction.user or None,
                        'model': model,
                        'records': records,
                        'doctors': doctors,
                        'fields_names': '\n'.join(fields_names),
                        }])[0]


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # An export of doctors is recorded, so it needs a writable
        # transaction
        for name in ['export_data', 'export_data_domain']:
            rpc = cls.__rpc__[name]
            cls.__rpc__[name] = RPC(
                readonly=False, instantiate=rpc.instantiate,
                unique=rpc.unique, timeout=rpc.timeout,
                size_limits=rpc.size_limits)

    @classmethod
    def export_data(cls, records, fields_names, header=False):
        # RuleMixin.export_data (access.py) has checked in SQL the rules of
        # every record the export reaches, personal data included
        data = super().export_data(records, fields_names, header=header)
        doctors = [r for r in records if r.pharma_type == 'doctor']
        if doctors:
            Pool().get('pharma.export.log').log(
                cls.__name__, len(records), len(doctors), fields_names)
        return data


class Erase(metaclass=PoolMeta):
    __name__ = 'party.erase'

    def to_erase(self, party_id):
        pool = Pool()
        Party = pool.get('party.party')
        columns = ['best_visit_time', 'societies', 'publications',
            'research_interests', 'preferred_channel', 'consent_status',
            'consent_date', 'pinyin', 'pinyin_initials', 'name_key']
        return super().to_erase(party_id) + [
            (Party, [('id', '=', party_id)], False,
                columns, [None] * len(columns)),
            ]
