# This file is part of the pharma suite. See README.md for license terms.
"Personal information (PIPL): export log of doctors and erasure"
import datetime

from trytond import backend
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.rpc import RPC
from trytond.tools import grouped_slice
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

    @classmethod
    def get_contact_mechanism(cls, parties, names):
        """The phone, mobile, fax, e-mail and website of the parties from
        the contact mechanisms the user may read only (the PIPL rules of
        pipl.xml), as the party module's getter chooses among them"""
        usage = Transaction().context.get('party_contact_mechanism_usage')
        readable = cls._readable_contact_mechanisms(parties)
        result = {name: {} for name in names}
        for party in parties:
            mechanisms = [m for m in party.contact_mechanisms
                if readable is None or m.id in readable]
            for name in names:
                of_type = [m for m in mechanisms if m.type == name]
                mechanism = of_type[0] if of_type else None
                if usage:
                    mechanism = next((m for m in of_type
                            if getattr(m, usage)), mechanism)
                result[name][party.id] = mechanism.value if mechanism else ''
        return result

    @classmethod
    def _readable_contact_mechanisms(cls, parties):
        """The ids of the parties' contact mechanisms the user may read, in
        SQL with the rules, or None for all of them"""
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        Rule = pool.get('ir.rule')
        ContactMechanism = pool.get('party.contact_mechanism')
        transaction = Transaction()
        if not transaction.user:
            return None
        # Tryton calls a getter without the access checks, whoever reads
        # the field (the client, an export, the code): the mechanisms follow
        # the rules of the user of the transaction, as reading them does
        with transaction.set_context(_check_access=True):
            if not ModelAccess.check(ContactMechanism.__name__, 'read',
                    raise_exception=False):
                return set()
            if not Rule.domain_get(ContactMechanism.__name__, mode='read'):
                return None
            query = Rule.query_get(ContactMechanism.__name__, mode='read')
        table = ContactMechanism.__table__()
        cursor = transaction.connection.cursor()
        readable = set()
        for sub in grouped_slice(
                [p.id for p in parties], backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.select(table.id,
                    where=fields.SQL_OPERATORS['in'](table.party, list(sub))
                    & table.id.in_(query)))
            readable.update(i for i, in cursor)
        return readable


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
