# This file is part of the pharma suite. See README.md for license terms.
"Personal information (PIPL): export log of doctors and erasure"
import datetime
from collections import defaultdict

from trytond import backend
from trytond.model import ModelSQL, ModelStorage, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.rpc import RPC
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access


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
        if Transaction().check_access:
            cls._check_export_access(records, fields_names)
        data = super().export_data(records, fields_names, header=header)
        doctors = [r for r in records if r.pharma_type == 'doctor']
        if doctors:
            Pool().get('pharma.export.log').log(
                cls.__name__, len(records), len(doctors), fields_names)
        return data


    @classmethod
    def _check_export_access(cls, records, fields_names):
        """ModelStorage.export_data checks the record rules in Python,
        where a dotted or 'where' clause is not evaluated: check every
        exported record, related ones included, with the SQL rules"""
        pool = Pool()
        to_check = defaultdict(set)
        to_check[cls.__name__].update(r.id for r in records)
        paths = [[n.split('.')[0].split(':')[0] for n in name.split('/')]
            for name in fields_names]
        # bypass: the paths of an export are checked against the SQL rules by
        # the code itself
        with without_check_access():
            for path in paths:
                values = [cls(r.id) for r in records]
                for name in path[:-1]:
                    next_values = []
                    for value in values:
                        if not isinstance(value, ModelStorage):
                            continue
                        field = value._fields.get(name)
                        if not field:
                            continue
                        related = getattr(value, name)
                        if isinstance(related, ModelStorage):
                            related = [related]
                        if isinstance(related, (list, tuple)):
                            for r in related:
                                if isinstance(r, ModelStorage):
                                    to_check[r.__name__].add(r.id)
                                    next_values.append(r)
                    values = next_values
        for model, ids in to_check.items():
            Model = pool.get(model)
            ids = [i for i in ids if i is not None and i >= 0]
            if not ids or not issubclass(Model, ModelSQL):
                continue
            for sub in grouped_slice(ids, backend.MAX_QUERY_PARAMS):
                sub = list(sub)
                # the read raises AccessError for a hidden record
                Model.read(sub, ['create_date'])


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
