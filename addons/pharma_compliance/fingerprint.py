# This file is part of the pharma suite. See README.md for license terms.
"""Perceptual fingerprints of the pictures of events and calls, and the
similar pictures found across the company (see hashing.py)"""
from collections import defaultdict

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from . import hashing

# resources of ir.attachment whose pictures are fingerprinted
ATTACHMENT_MODELS = {'pharma.call', 'pharma.event'}


def local_to_utc(local, company):
    "The naive UTC datetime of a naive local (company) datetime"
    import datetime
    from trytond.modules.pharma_hospital.company_time import (
        company_timezone)
    zone = company_timezone(company)
    if zone is None:
        return local
    return local.replace(tzinfo=zone).astimezone(
        datetime.timezone.utc).replace(tzinfo=None)


def utc_to_local(value, company):
    "The naive local (company) datetime of a naive UTC datetime"
    import datetime
    from trytond.modules.pharma_hospital.company_time import (
        company_timezone)
    zone = company_timezone(company)
    if zone is None:
        return value
    return value.replace(tzinfo=datetime.timezone.utc).astimezone(
        zone).replace(tzinfo=None)


class Fingerprint(ModelSQL, ModelView):
    __name__ = 'pharma.evidence.fingerprint'
    company = fields.Many2One(
        'company.company', "Company", required=True, ondelete='CASCADE')
    evidence = fields.Many2One(
        'pharma.event.evidence', "Evidence", ondelete='CASCADE')
    attachment = fields.Many2One(
        'ir.attachment', "Attachment", ondelete='CASCADE')
    event = fields.Many2One('pharma.event', "Event", ondelete='CASCADE')
    call = fields.Many2One('pharma.call', "Call", ondelete='CASCADE')
    name = fields.Char("Name")
    phash = fields.Char("Perceptual Hash", size=16)
    width = fields.Integer("Width")
    height = fields.Integer("Height")
    exif_time = fields.DateTime("Capture Time (EXIF)",
        help="The local time the camera wrote in the picture.")
    exif_device = fields.Char("Capture Device (EXIF)")
    capture_time = fields.Function(fields.DateTime("Capture Time",
            help="When the camera took the picture (its EXIF time, a "
            "local time of the company's time zone)."),
        'get_capture_time')
    hashes = fields.One2Many(
        'pharma.evidence.fingerprint.hash', 'fingerprint', "Hashes",
        readonly=True)
    matches = fields.One2Many(
        'pharma.evidence.fingerprint.match', 'fingerprint', "Similar",
        readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.evidence, Index.Range())),
                Index(t, (t.attachment, Index.Range())),
                })

    def get_rec_name(self, name):
        where = self.event or self.call
        return '%s (%s)' % (self.name or '', where.rec_name if where else '')

    @property
    def is_copy(self):
        "A similar picture was fingerprinted before this one"
        return any(m.other.id < self.id for m in self.reuse_matches)

    @property
    def reuse_matches(self):
        """The matches that tell reuse: not those between two versions of
        the pack of one event (a photo replaced by an edited copy of it
        in a new pack version supersedes it: the old version is the
        pack's history, not another use)"""
        matches = []
        for match in self.matches:
            other = match.other
            if (self.evidence and other.evidence
                    and self.event and self.event == other.event
                    and (self.evidence.superseded
                        or other.evidence.superseded)):
                continue
            matches.append(match)
        return matches

    def similar_text(self):
        """The similar pictures and where they are; an event or call the
        user cannot read is named only by its kind"""
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        readable = {}
        for Model in [pool.get('pharma.event'), pool.get('pharma.call')]:
            records = {(m.other.event if Model.__name__ == 'pharma.event'
                    else m.other.call) for m in self.reuse_matches}
            ids = [r.id for r in records if r]
            if not ids:
                continue
            if Transaction().user:
                with Transaction().set_context(_check_access=True):
                    if ModelAccess.check(
                            Model.__name__, 'read', raise_exception=False):
                        allowed = {r.id for r in Model.search(
                                [('id', 'in', ids)])}
                    else:
                        allowed = set()
            else:
                allowed = set(ids)
            readable[Model.__name__] = allowed
        texts = []
        for match in self.reuse_matches:
            where = match.other.event or match.other.call
            if where is None:
                continue
            if where.id in readable.get(where.__name__, ()):
                name, place = match.other.name or '', where.rec_name
            else:
                name = ''
                place = gettext('pharma_compliance.msg_similar_hidden_%s'
                    % ('event' if where.__name__ == 'pharma.event'
                        else 'call'))
            texts.append(gettext('pharma_compliance.msg_similar_item',
                    name=name, where=place, distance=match.distance))
        return '; '.join(texts)

    @classmethod
    def index_evidences(cls, evidences):
        "Fingerprint the pictures among evidences (replacing former ones)"
        evidences = Pool().get('pharma.event.evidence').browse(evidences)
        old = cls.search([('evidence', 'in', [e.id for e in evidences])])
        if old:
            cls.delete(old)
        items = []
        for evidence in evidences:
            if not evidence.file:
                continue
            items.append(({
                    'company': evidence.event.company.id,
                    'evidence': evidence.id,
                    'event': evidence.event.id,
                    'name': evidence.name,
                    }, evidence.file))
        return cls._index(items)

    @classmethod
    def index_attachments(cls, attachments):
        Attachment = Pool().get('ir.attachment')
        attachments = Attachment.browse(attachments)
        old = cls.search(
            [('attachment', 'in', [a.id for a in attachments])])
        if old:
            cls.delete(old)
        items = []
        for attachment in attachments:
            resource = attachment.resource
            if (resource is None or resource.id is None
                    or resource.id < 0
                    or resource.__name__ not in ATTACHMENT_MODELS
                    or attachment.type != 'data'):
                continue
            data = attachment.data
            if not data:
                continue
            values = {
                'company': resource.company.id,
                'attachment': attachment.id,
                'name': attachment.name,
                }
            if resource.__name__ == 'pharma.call':
                values['call'] = resource.id
            else:
                values['event'] = resource.id
            items.append((values, data))
        return cls._index(items)

    def get_capture_time(self, name):
        # the camera writes the local time; Tryton's datetimes are UTC
        # (the client shows them in the user's time zone)
        if self.exif_time:
            return local_to_utc(self.exif_time, self.company)

    @classmethod
    def _index(cls, items):
        """Create the fingerprints of the pictures of items [(values,
        data)] and record the similar pictures of the company"""
        pool = Pool()
        Hash = pool.get('pharma.evidence.fingerprint.hash')
        Match = pool.get('pharma.evidence.fingerprint.match')
        vlist, found = [], []
        for values, data in items:
            print_ = hashing.fingerprint(data)
            if not print_:
                continue
            values = dict(values,
                phash=print_['phash'],
                width=print_['width'],
                height=print_['height'],
                exif_time=print_['exif_time'],
                exif_device=print_['exif_device'])
            vlist.append(values)
            found.append(print_['hashes'])
        if not vlist:
            return []
        records = cls.create(vlist)
        Hash.create([{
                    'fingerprint': record.id,
                    'company': record.company.id,
                    'variant': i,
                    'hash': hashing.to_hex(value),
                    'band0': bands[0],
                    'band1': bands[1],
                    'band2': bands[2],
                    'band3': bands[3],
                    }
                for record, values in zip(records, found)
                for i, value in enumerate(values)
                for bands in [hashing.bands(value)]])
        batch = {r.id for r in records}
        matches = []
        for record, values in zip(records, found):
            for other, distance in cls.find_similar(
                    record.company.id, values, exclude=record):
                matches.append({'fingerprint': record.id,
                        'other': other, 'distance': distance})
                if other not in batch:
                    # the pictures of the batch find each other
                    matches.append({'fingerprint': other,
                            'other': record.id, 'distance': distance})
        if matches:
            Match.create(matches)
        return records

    @classmethod
    def find_similar(cls, company, values, exclude=None,
            threshold=hashing.THRESHOLD):
        """[(fingerprint id, distance)] of the company's pictures similar
        to the picture of hashes values (its full hash first): the full
        hash near any of theirs, or any of values near their full hash"""
        pool = Pool()
        Hash = pool.get('pharma.evidence.fingerprint.hash')
        table = Hash.__table__()
        cursor = Transaction().connection.cursor()
        radius = hashing.band_radius(threshold)
        full = values[0]
        best = {}
        size = backend.MAX_QUERY_PARAMS // 2
        for band in range(hashing.BANDS):
            column = getattr(table, 'band%s' % band)
            # the full hash against every hash of the others
            wanted = set(hashing.neighbours(
                    hashing.bands(full)[band], radius))
            # the crops' hashes against the full hash of the others
            crops = set()
            for value in values[1:]:
                crops.update(hashing.neighbours(
                        hashing.bands(value)[band], radius))
            for keys, only_full in [(wanted, False), (crops, True)]:
                for sub in grouped_slice(sorted(keys), size):
                    where = ((table.company == company)
                        & column.in_(list(sub)))
                    if exclude is not None:
                        where &= table.fingerprint != int(exclude)
                    if only_full:
                        where &= table.variant == 0
                    cursor.execute(*table.select(
                            table.fingerprint, table.hash, where=where))
                    for fingerprint, hash_ in cursor:
                        other = hashing.from_hex(hash_)
                        if only_full:
                            distance = min(hashing.distance(other, v)
                                for v in values[1:])
                        else:
                            distance = hashing.distance(full, other)
                        if distance <= threshold and (
                                fingerprint not in best
                                or distance < best[fingerprint]):
                            best[fingerprint] = distance
        return sorted(best.items(), key=lambda x: (x[1], x[0]))


class FingerprintHash(ModelSQL):
    "A perceptual hash of a picture (of the picture or of a crop)"
    __name__ = 'pharma.evidence.fingerprint.hash'
    fingerprint = fields.Many2One('pharma.evidence.fingerprint',
        "Fingerprint", required=True, ondelete='CASCADE')
    company = fields.Many2One(
        'company.company', "Company", required=True, ondelete='CASCADE')
    variant = fields.Integer("Variant", required=True,
        help="0 for the whole picture, else a crop.")
    hash = fields.Char("Hash", size=16, required=True)
    band0 = fields.Integer("Band 0", required=True)
    band1 = fields.Integer("Band 1", required=True)
    band2 = fields.Integer("Band 2", required=True)
    band3 = fields.Integer("Band 3", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls.__access__.add('fingerprint')
        cls._sql_indexes.update({
                Index(t, (t.company, Index.Equality()),
                    (getattr(t, 'band%s' % i), Index.Equality()))
                for i in range(hashing.BANDS)})
        cls._sql_indexes.add(Index(t, (t.fingerprint, Index.Range())))


class FingerprintMatch(ModelSQL, ModelView):
    "A similar picture"
    __name__ = 'pharma.evidence.fingerprint.match'
    fingerprint = fields.Many2One('pharma.evidence.fingerprint',
        "Fingerprint", required=True, ondelete='CASCADE')
    other = fields.Many2One('pharma.evidence.fingerprint',
        "Similar Picture", required=True, ondelete='CASCADE')
    distance = fields.Integer("Distance",
        help="The number of the 64 bits of the perceptual hashes that "
        "differ.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls.__access__.add('fingerprint')
        cls._sql_indexes.update({
                Index(t, (t.fingerprint, Index.Range())),
                Index(t, (t.other, Index.Range())),
                })


class Attachment(metaclass=PoolMeta):
    __name__ = 'ir.attachment'

    @classmethod
    def on_modification(cls, mode, attachments, field_names=None):
        super().on_modification(mode, attachments, field_names=field_names)
        if mode == 'create' or (field_names and (
                    {'data', 'resource'} & set(field_names))):
            Fingerprint = Pool().get('pharma.evidence.fingerprint')
            Fingerprint.index_attachments(attachments)
