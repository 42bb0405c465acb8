# This file is part of the pharma suite. See README.md for license terms.
"Hospital aliases: the short and old names a hospital is written by"
from sql.operators import Like

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .exceptions import HospitalAliasError
from .tools import normalize_name, normalize_text, pinyin_keys

SOURCES = [
    ('manual', "Entered"),
    ('import', "Alias List"),
    ('confirmed', "Confirmed Suggestion"),
    ]


class HospitalAlias(ModelSQL, ModelView):
    """Another name of a hospital (瑞金医院 for 上海交通大学医学院附属瑞金医院):
    files written with it resolve to the hospital"""
    __name__ = 'pharma.hospital.alias'
    hospital = fields.Many2One('party.party', "Hospital", required=True,
        ondelete='CASCADE', domain=[('pharma_type', '=', 'hospital')])
    name = fields.Char("Alias", required=True,
        help="The short, old or common name the files use.")
    name_key = fields.Char("Normalised Name", readonly=True)
    search_text = fields.Char("Search Text", readonly=True)
    source = fields.Selection(SOURCES, "Source", readonly=True)
    confirmed_by = fields.Many2One('res.user', "Confirmed By",
        readonly=True)
    confirmed_date = fields.DateTime("Confirmed On", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('name_key_uniq', Unique(t, t.name_key),
                'pharma_hospital.msg_hospital_alias_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.hospital, Index.Range())))
        cls._order = [('name', 'ASC'), ('id', 'ASC')]

    @classmethod
    def default_source(cls):
        return 'manual'

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if 'name' in values:
            values['name'] = ' '.join((values['name'] or '').split())
            values['name_key'] = normalize_name(
                values['name'], 'hospital') or None
            full, initials = pinyin_keys(values['name'])
            values['search_text'] = ' '.join(filter(None, [
                        (values['name'] or '').lower(), full,
                        initials])) or None
        if mode == 'create':
            import datetime
            values.setdefault('confirmed_by', Transaction().user or None)
            values.setdefault('confirmed_date', datetime.datetime.now())
        return values

    @classmethod
    def validate_fields(cls, aliases, field_names):
        super().validate_fields(aliases, field_names)
        if field_names and not ({'name', 'hospital'} & set(field_names)):
            return
        cls.check_not_other_hospital(aliases)

    @classmethod
    def check_not_other_hospital(cls, aliases):
        "An alias is not the name of another hospital"
        pool = Pool()
        Party = pool.get('party.party')
        keys = {a.name_key: a for a in aliases if a.name_key}
        for sub in grouped_slice(list(keys), 500):
            # bypass: the import resolves aliases against every hospital of the master data
            with Transaction().set_context(_check_access=False):
                others = Party.search([
                        ('pharma_type', '=', 'hospital'),
                        ('name_key', 'in', list(sub)),
                        ])
            for other in others:
                alias = keys[other.name_key]
                if other != alias.hospital:
                    raise HospitalAliasError(gettext(
                            'pharma_hospital.msg_hospital_alias_other',
                            alias=alias.name,
                            hospital=cls._hospital_name(other)))

    @classmethod
    def _hospital_name(cls, hospital):
        "The name of hospital if the user may read it, else its id"
        pool = Pool()
        Rule = pool.get('ir.rule')
        transaction = Transaction()
        if transaction.user:
            # validation runs without the access checks: the user's rules
            with transaction.set_context(_check_access=True):
                query = Rule.query_get(hospital.__name__, mode='read')
            table = hospital.__table__()
            cursor = transaction.connection.cursor()
            cursor.execute(*table.select(table.id,
                    where=(table.id == hospital.id) & table.id.in_(query)))
            if not cursor.fetchone():
                return str(hospital.id)
        return hospital.rec_name

    @classmethod
    def resolve(cls, keys):
        "{normalised name: hospital id} of the aliases among keys"
        result = {}
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        for sub in grouped_slice([k for k in set(keys) if k], 500):
            cursor.execute(*table.select(table.name_key, table.hospital,
                    where=table.name_key.in_(list(sub))))
            result.update(cursor)
        return result

    @classmethod
    def hospitals_matching(cls, operand):
        "A query of the hospital ids whose alias matches an ilike operand"
        table = cls.__table__()
        text = normalize_text(operand.strip('%')) if isinstance(
            operand, str) else ''
        if not text:
            return None
        return table.select(table.hospital,
            where=Like(table.search_text, '%' + text.lower() + '%'))


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'
    hospital_aliases = fields.One2Many('pharma.hospital.alias', 'hospital',
        "Aliases", states={'invisible': Eval('pharma_type') != 'hospital'},
        help="Other names of the hospital: files "
        "written with them resolve to it.")

    @classmethod
    def search_rec_name(cls, name, clause):
        "The name search finds a hospital by its aliases too"
        pool = Pool()
        Alias = pool.get('pharma.hospital.alias')
        domain = super().search_rec_name(name, clause)
        _, operator, operand, *extra = clause
        if (operator in ('ilike', 'like') and isinstance(operand, str)
                and operand.strip('%')
                and not any(c in operand.strip('%') for c in '%_\\')):
            query = Alias.hospitals_matching(operand)
            if query is not None:
                clause = ('id', 'in', query)
                if domain and domain[0] == 'OR':
                    return list(domain) + [clause]
                return ['OR', domain, clause]
        return domain
