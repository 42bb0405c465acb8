# This file is part of the pharma suite. See README.md for license terms.
from sql import Cast, Literal, Null
from sql.functions import CharLength
from sql.operators import Concat, Like
from sql.aggregate import Min
from sql.conditionals import Case

from trytond import backend
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

from .access import readable_name
from .exceptions import DuplicateWarning
from .party import NAME_END, VARIANT_END
from .tools import normalize_name, pinyin_keys

KINDS = [
    ('hospital', "Hospital"),
    ('doctor', "Doctor"),
    ]
REASONS = [
    ('same_city', "Same name in the same city"),
    ('same_subdivision', "Same name in the same subdivision"),
    ('unknown_city', "Same name, city unknown"),
    ('same_hospital', "Same name in the same hospital"),
    ('same_department', "Same name in the same department"),
    ]


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def create(cls, vlist):
        cls._check_duplicates(vlist)
        return super().create(vlist)

    @classmethod
    def _check_duplicates(cls, vlist):
        "Search before create: warn about the likely duplicates"
        pool = Pool()
        Configuration = pool.get('pharma.configuration')
        Warning = pool.get('res.user.warning')
        transaction = Transaction()
        if (not transaction.check_access or not transaction.user
                or transaction.context.get('pharma_skip_duplicate_check')):
            return
        vlist = [v for v in vlist
            if v.get('pharma_type') in {'hospital', 'doctor'}
            and v.get('name')]
        if not vlist:
            return
        if not Configuration.get_config().duplicate_check:
            return
        duplicates = cls.find_duplicates(vlist)
        if duplicates:
            key = Warning.format('pharma_duplicate', duplicates)
            if Warning.check(key):
                raise DuplicateWarning(key, gettext(
                        'pharma_hospital.msg_party_duplicate',
                        names=', '.join(v['name'] for v in vlist),
                        duplicates=', '.join(
                            readable_name(d) for d in duplicates[:10])))

    @classmethod
    def find_duplicates(cls, vlist):
        """Return the existing parties that the values of hospitals or
        doctors to create likely duplicate"""
        keys = {}
        for values in vlist:
            key = normalize_name(values['name'], values['pharma_type'])
            if key:
                keys.setdefault(
                    (values['pharma_type'], key), []).append(values)
        if not keys:
            return []
        duplicates = []
        # bypass: duplicates are found among every party, also those the user
        # cannot read (only ids are shown)
        with without_check_access():
            for sub in grouped_slice(
                    list(keys), backend.MAX_QUERY_PARAMS // 2):
                sub = list(sub)
                existing = cls.search([
                        ('name_key', 'in', list({k for _, k in sub})),
                        ('pharma_type', 'in', list({t for t, _ in sub})),
                        ], order=[('id', 'ASC')])
                for party in existing:
                    for values in keys.get(
                            (party.pharma_type, party.name_key), []):
                        if (cls._is_duplicate(values, party)
                                and party not in duplicates):
                            duplicates.append(party)
            for (pharma_type, key), values_list in keys.items():
                if pharma_type != 'hospital':
                    continue
                for values in values_list:
                    for party in cls._similar_hospitals(values, key):
                        if (party not in duplicates and cls._same_city(
                                    cls._values_location(values),
                                    party._location())):
                            duplicates.append(party)
        return duplicates

    @classmethod
    def _similar_hospitals(cls, values, key):
        """The hospitals a new hospital's name is likely another name of,
        as the import matches them: a confirmed alias, a short name
        contained in the full one (瑞金医院 / 上海交通大学医学院附属瑞金医院)
        or the same pinyin"""
        pool = Pool()
        Alias = pool.get('pharma.hospital.alias')
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        ids = set(Alias.resolve([key]).values())
        where = Literal(False)
        if len(key) >= 2 and not any(c in key for c in '%_\\'):
            where |= Like(table.name_key, '%' + key + '%')
            where |= Like(Literal(key),
                Concat(Concat('%', table.name_key), '%'))
        full, _ = pinyin_keys(values['name'])
        first = full.split(' ')[0] if full else ''
        if first:
            # the same pinyin, or the pinyin of the short name ending the
            # full name's (瑞锦医院 / …附属瑞金医院)
            where |= Like(table.pharma_search,
                '%' + NAME_END + '%' + first + VARIANT_END + '%')
        cursor.execute(*table.select(table.id,
                where=(table.pharma_type == 'hospital')
                & (table.active == Literal(True))
                & (table.name_key != Null)
                & (CharLength(table.name_key) >= 2)
                & where,
                limit=20))
        ids.update(i for i, in cursor)
        return cls.browse(sorted(ids))

    @classmethod
    def _is_duplicate(cls, values, party):
        if values['pharma_type'] == 'hospital':
            return cls._same_city(
                cls._values_location(values), party._location())
        elif values['pharma_type'] == 'doctor':
            if values.get('hospital') != (
                    party.hospital.id if party.hospital else None):
                return False
            department = values.get('department')
            if department and party.department:
                return department == party.department.id
            return True
        return False

    @classmethod
    def _same_city(cls, location1, location2):
        (city1, subdivisions1), (city2, subdivisions2) = location1, location2
        if city1 and city2:
            return city1 == city2
        if subdivisions1 and subdivisions2:
            return bool(subdivisions1 & subdivisions2)
        # the location of one of them is unknown
        return True

    @classmethod
    def _values_location(cls, values):
        """(city territory id, set of address subdivision ids) of the
        values to create"""
        pool = Pool()
        Territory = pool.get('pharma.territory')
        city = None
        if values.get('territory'):
            city = Territory(values['territory']).get_city()
        subdivisions = set()
        for action in values.get('addresses') or []:
            if action[0] == 'create':
                for address in action[1]:
                    if address.get('subdivision'):
                        subdivisions.add(address['subdivision'])
        return city.id if city else None, subdivisions

    def _location(self):
        city = self.territory.get_city() if self.territory else None
        subdivisions = {a.subdivision.id for a in self.addresses
            if a.subdivision}
        return city.id if city else None, subdivisions


class DuplicateCandidate(ModelSQL, ModelView):
    "A pair of hospitals or doctors that are likely duplicates"
    __name__ = 'pharma.duplicate.candidate'
    party_a = fields.Many2One('party.party', "Party A", readonly=True)
    party_b = fields.Many2One('party.party', "Party B", readonly=True,
        help="The newer party, usually the one to merge into Party A.")
    kind = fields.Selection(KINDS, "Kind", readonly=True)
    reason = fields.Selection(REASONS, "Reason", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('kind', 'ASC'), ('party_a', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        return cls._hospital_query() | cls._doctor_query()

    @classmethod
    def _pair_id(cls, a, b):
        "A unique id of the pair (Cantor pairing)"
        s = Cast(a.id, 'BIGINT') + b.id
        return ((s * (s + Literal(1))) / Literal(2)) + b.id

    @classmethod
    def _pair_where(cls, a, b, pharma_type):
        return ((a.pharma_type == pharma_type)
            & (b.pharma_type == pharma_type)
            & (a.active == Literal(True)) & (b.active == Literal(True))
            & (a.name_key != Null)
            & (a.id < b.id))

    @classmethod
    def _hospital_query(cls):
        pool = Pool()
        Party = pool.get('party.party')
        Territory = pool.get('pharma.territory')
        Address = pool.get('party.address')
        a, b = Party.__table__(), Party.__table__()
        ta, pa = Territory.__table__(), Territory.__table__()
        tb, pb = Territory.__table__(), Territory.__table__()

        def subdivisions():
            address = Address.__table__()
            return address.select(
                address.party.as_('party'),
                Min(address.subdivision).as_('subdivision'),
                where=(address.active == Literal(True))
                & (address.subdivision != Null),
                group_by=[address.party])
        sa, sb = subdivisions(), subdivisions()
        city_a = Case(
            (ta.level == 'city', ta.id), (pa.level == 'city', pa.id),
            else_=Null)
        city_b = Case(
            (tb.level == 'city', tb.id), (pb.level == 'city', pb.id),
            else_=Null)
        from_ = (a.join(b, condition=a.name_key == b.name_key)
            .join(ta, 'LEFT', condition=ta.id == a.territory)
            .join(pa, 'LEFT', condition=pa.id == ta.parent)
            .join(tb, 'LEFT', condition=tb.id == b.territory)
            .join(pb, 'LEFT', condition=pb.id == tb.parent)
            .join(sa, 'LEFT', condition=sa.party == a.id)
            .join(sb, 'LEFT', condition=sb.party == b.id))
        no_city = (city_a == Null) | (city_b == Null)
        same_city = (city_a != Null) & (city_b != Null) & (city_a == city_b)
        same_subdivision = (no_city & (sa.subdivision != Null)
            & (sb.subdivision != Null)
            & (sa.subdivision == sb.subdivision))
        unknown = no_city & (
            (sa.subdivision == Null) | (sb.subdivision == Null))
        return from_.select(
            cls._pair_id(a, b).as_('id'),
            a.id.as_('party_a'),
            b.id.as_('party_b'),
            Literal('hospital').as_('kind'),
            Case((same_city, Literal('same_city')),
                (same_subdivision, Literal('same_subdivision')),
                else_=Literal('unknown_city')).as_('reason'),
            where=cls._pair_where(a, b, 'hospital')
            & (same_city | same_subdivision | unknown))

    @classmethod
    def _doctor_query(cls):
        pool = Pool()
        Party = pool.get('party.party')
        a, b = Party.__table__(), Party.__table__()
        from_ = a.join(b, condition=(a.name_key == b.name_key)
            & (a.hospital == b.hospital))
        same_department = ((a.department != Null) & (b.department != Null)
            & (a.department == b.department))
        return from_.select(
            cls._pair_id(a, b).as_('id'),
            a.id.as_('party_a'),
            b.id.as_('party_b'),
            Literal('doctor').as_('kind'),
            Case((same_department, Literal('same_department')),
                else_=Literal('same_hospital')).as_('reason'),
            where=cls._pair_where(a, b, 'doctor')
            & ((a.department == Null) | (b.department == Null)
                | (a.department == b.department)))


class ReplaceAsk(metaclass=PoolMeta):
    __name__ = 'party.replace.ask'

    @classmethod
    def _candidate(cls):
        pool = Pool()
        Candidate = pool.get('pharma.duplicate.candidate')
        context = Transaction().context
        if (context.get('active_model') == 'pharma.duplicate.candidate'
                and context.get('active_id')):
            return Candidate(context['active_id'])

    @classmethod
    def default_source(cls):
        candidate = cls._candidate()
        if candidate:
            return candidate.party_b.id
        return super().default_source()

    @classmethod
    def default_destination(cls):
        candidate = cls._candidate()
        if candidate:
            return candidate.party_a.id
        if hasattr(super(), 'default_destination'):
            return super().default_destination()
