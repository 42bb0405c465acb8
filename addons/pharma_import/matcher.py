# This file is part of the pharma suite. See README.md for license terms.
"Matching names of the files to the territories and hospitals"
import heapq

from trytond.modules.pharma_hospital.tools import (
    normalize_city, normalize_name, territory_name)
from trytond.pool import Pool

from . import reader as import_engine


class TerritoryIndex:
    "City-level territories by normalised name (one query per job)"

    def __init__(self):
        pool = Pool()
        Territory = pool.get('pharma.territory')
        territories = Territory.search([], order=[('id', 'ASC')])
        self.by_id = {t.id: t for t in territories}
        self.parent = {t.id: t.parent.id if t.parent else None
            for t in territories}
        self.level = {t.id: t.level for t in territories}
        self.cities = {}
        self.districts = {}
        self.provinces = {}
        for t in territories:
            key = normalize_city(t.name)
            if t.level == 'city':
                self.cities.setdefault(key, []).append(t.id)
            elif t.level == 'district':
                self.districts.setdefault(
                    (self.parent[t.id], key), []).append(t.id)
            elif t.level == 'province':
                self.provinces.setdefault(key, []).append(t.id)

    def city_of(self, territory_id):
        "The city-level territory of a territory (itself or an ancestor)"
        seen = 0
        while territory_id and seen < 10:
            if self.level.get(territory_id) == 'city':
                return territory_id
            territory_id = self.parent.get(territory_id)
            seen += 1
        return None

    def province_of(self, territory_id):
        seen = 0
        while territory_id and seen < 10:
            if self.level.get(territory_id) == 'province':
                return territory_id
            territory_id = self.parent.get(territory_id)
            seen += 1
        return None

    def find_city(self, city, province=None):
        ids = self.cities.get(normalize_city(city), [])
        if province and len(ids) > 1:
            provinces = self.provinces.get(normalize_city(province), [])
            ids = [i for i in ids if self.province_of(i) in provinces]
        return ids

    def find_district(self, city_id, district):
        return self.districts.get((city_id, normalize_city(district)), [])

    def find_province(self, province):
        return self.provinces.get(normalize_city(province), [])

    def find_city_in(self, province_id, city):
        "The cities named city under province_id (None: anywhere)"
        ids = self.cities.get(normalize_city(city), [])
        if province_id is None:
            return ids
        return [i for i in ids if self.province_of(i) == province_id]

    def locate(self, province, city, district):
        """(territory id or None, [(level, name)] of the path to create),
        or raise KeyError((field, message id, value)) when the file names
        a territory that does not exist or is ambiguous"""
        path, parent = [], None
        if province:
            ids = self.find_province(province)
            if len(ids) > 1:
                raise KeyError(('province', 'ambiguous_city', province))
            if ids:
                parent = ids[0]
            else:
                path.append(('province', province))
        if city:
            if path:
                ids = []
            elif parent:
                ids = self.find_city_in(parent, city)
            else:
                ids = self.find_city(city)
            if len(ids) > 1:
                raise KeyError(('city', 'ambiguous_city', city))
            if ids:
                parent = ids[0]
            else:
                path.append(('city', city))
        if district:
            if not city and not path and parent is None:
                raise KeyError(('district', 'unknown_city', district))
            ids = [] if path else self.find_district(parent, district)
            if len(ids) > 1:
                raise KeyError(('district', 'ambiguous_city', district))
            if ids:
                parent = ids[0]
            else:
                path.append(('district', district))
        return parent, path

    def create_path(self, parent, path):
        "Create the territories of path under parent; return the last id"
        pool = Pool()
        Territory = pool.get('pharma.territory')
        for level, name in path:
            key = normalize_city(name)
            if level == 'province':
                found = self.provinces.get(key, [])
            elif level == 'city':
                found = self.find_city_in(
                    self.province_of(parent) if parent else None, name)
                if parent is None:
                    found = [i for i in found if not self.parent.get(i)]
            else:
                found = self.districts.get((parent, key), [])
            if found:
                parent = found[0]
                continue
            # the full name (浙江 → 浙江省), whatever the row wrote
            territory, = Territory.create([{
                        'name': territory_name(level, name), 'level': level,
                        'parent': parent,
                        }])
            self.by_id[territory.id] = territory
            self.parent[territory.id] = parent
            self.level[territory.id] = level
            if level == 'province':
                self.provinces.setdefault(key, []).append(territory.id)
            elif level == 'city':
                self.cities.setdefault(key, []).append(territory.id)
            else:
                self.districts.setdefault((parent, key), []).append(
                    territory.id)
            parent = territory.id
        return parent

    def label(self, parent, path):
        "浙江省 / 温州市 / 鹿城区 of a path to create under parent"
        names = []
        territory = parent
        seen = 0
        while territory and seen < 10:
            names.insert(0, self.by_id[territory].name)
            territory = self.parent.get(territory)
            seen += 1
        return names, [n for _, n in path]


class PartyMatcher:
    """The parties of some pharma types (hospitals; pharmacies;
    distributors and agents) for the names a file writes that resolve to
    none: the closest ones, by the normalised name and its pinyin, for
    the refusal messages and the suggestions of the match queue"""
    # the distinct names whose candidates are kept (memory)
    MAX_NAMES = 500
    # the parties compared to a name at most: those sharing its rarest
    # characters and syllables
    PREFILTER = 200

    def __init__(self, types, index=None):
        pool = Pool()
        Party = pool.get('party.party')
        self.types = list(types)
        self.index = index
        self.hospitals = []
        self.by_char = {}
        self.cities = {}
        self._cache = {}
        for party in Party.search_read([
                    ('pharma_type', 'in', self.types),
                    ('name_key', '!=', None),
                    ], fields_names=['name', 'name_key', 'territory']):
            key = party['name_key']
            position = len(self.hospitals)
            city = self._city_of(party['territory'])
            self.cities[party['id']] = city
            self.hospitals.append((key, _pinyin(key), party['id'],
                    party['name'], city))
            for token in _tokens(key):
                self.by_char.setdefault(token, []).append(position)

    def _city_of(self, territory):
        if not territory:
            return None
        if self.index is None:
            self.index = TerritoryIndex()
        return self.index.city_of(territory)

    def city(self, party_id):
        "The city-level territory of a party of the matcher"
        return self.cities.get(party_id)

    def candidates(self, name, city=None, n=3, cutoff=0.5):
        """[(score, id, name)] of the parties most like name, best first;
        with city, those of another city are left out"""
        key = normalize_name(name, 'hospital')
        cache_key = (key, city, n, cutoff)
        if cache_key in self._cache:
            return self._cache[cache_key]
        # The prefilter: the parties sharing at least 2 characters or 2
        # pinyin syllables with the name (瑞锦 and 瑞金 share rui and jin),
        # of which only the PREFILTER with the rarest shared ones are
        # compared (difflib is the costly part)
        tokens = _tokens(key)
        chars, sounds, weights = {}, {}, {}
        for token in tokens:
            positions = self.by_char.get(token, ())
            if not positions:
                continue
            counts = sounds if isinstance(token, tuple) else chars
            weight = 1 / len(positions)
            for position in positions:
                counts[position] = counts.get(position, 0) + 1
                weights[position] = weights.get(position, 0) + weight
        need_chars = min(2, sum(isinstance(t, str) for t in tokens))
        need_sounds = min(2, sum(isinstance(t, tuple) for t in tokens)) or 2
        kept = []
        for position in weights:
            if (chars.get(position, 0) < need_chars
                    and sounds.get(position, 0) < need_sounds):
                continue
            other_city = self.hospitals[position][4]
            if city and other_city and city != other_city:
                continue
            kept.append(position)
        if len(kept) > self.PREFILTER:
            kept = heapq.nlargest(self.PREFILTER, kept, key=weights.get)
        choices = []
        for position in kept:
            other, other_pinyin, id_, other_name, _ = (
                self.hospitals[position])
            choices.append((other, other_pinyin, (id_, other_name)))
        result = [(score, id_, other_name)
            for score, (id_, other_name) in import_engine.closest(
                key, choices, n=n, cutoff=cutoff, key_pinyin=_pinyin(key))]
        # MAX_NAMES bounds the memory of the cache, never the answer: the
        # names beyond it are computed each time (an empty answer would
        # let a look-alike hospital be created as a duplicate)
        if len(self._cache) < self.MAX_NAMES:
            self._cache[cache_key] = result
        return result


class HospitalMatcher(PartyMatcher):
    "The hospitals for the names that resolve to none"

    def __init__(self, index=None):
        super().__init__(['hospital'], index=index)


def _pinyin(key):
    from trytond.modules.pharma_hospital.tools import pinyin_keys
    full, _ = pinyin_keys(key)
    return full.split(' ')[0] if full else ''


def _tokens(key):
    """The characters of a normalised name and the pinyin syllables of
    its Chinese ones (as ('py', syllable)): what the matcher indexes"""
    from trytond.modules.pharma_hospital.tools import syllables
    return set(key) | {('py', s) for s in syllables(key)}


# The similarity above which a new hospital looks like an existing one
SIMILAR = 0.85


def _names(candidates):
    return '、'.join(name for _, _, name in candidates)
