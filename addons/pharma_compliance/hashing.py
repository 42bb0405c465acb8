# This file is part of the pharma suite. See README.md for license terms.
"""Perceptual fingerprints of evidence images.

A fingerprint is the 64-bit pHash of the image (imagehash.phash: DCT of
the 32x32 grey image, bits of the 8x8 low frequencies above their median),
stored as 16 hex digits and as four 16-bit bands, with the pHashes of ten
crops of the image (4% and 8% off two sides at each corner, and off the
four sides): a copy cropped off some sides is near one of its original's
crops (pHash alone is not robust to crops).  Two images are copies when
the Hamming distance of the full hash of one and any hash of the other is
at most THRESHOLD (chosen from the measurements of bench/evidence_hash.py).

Lookup (multi-index hashing): if two 64-bit hashes differ in at most t
bits, at least one of their four 16-bit bands differs in at most t // 4
bits, so the candidates are the rows whose band i is within t // 4 bits of
the query's band i for some i: an indexed IN on each band, then the exact
distance in Python.
"""
import datetime
import io
import itertools

# The Hamming distance (of 64 bits) up to which two photos are copies:
# bench/evidence_hash.py on 120 generated pictures (shapes, text, noise,
# gradients) and 1,200 copies (re-saved, PNG, resized 50%/150%, JPEG q30,
# cropped 3-8% off two or four sides): at 8, 0.014% false positives
# (1 pair of 7,140) and 0.083% false negatives (1 copy of 1,200); at 6,
# 0.014% / 0.17%; at 10, 0.042% / 0%
THRESHOLD = 8
CROPS = (0.04, 0.08)
BANDS = 4
BAND_BITS = 16
BAND_MASK = (1 << BAND_BITS) - 1

# EXIF tags
_DATETIME = 306
_MAKE = 271
_MODEL = 272
_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 36867


def phash(image):
    "The 64-bit pHash of a PIL image as an int"
    import imagehash
    value = imagehash.phash(image, hash_size=8)
    return int(str(value), 16)


def crops(image):
    "The ten crops of image whose hashes are kept besides the full one"
    w, h = image.size
    result = []
    for fraction in CROPS:
        dx, dy = int(w * fraction), int(h * fraction)
        result += [
            image.crop((dx, dy, w, h)),
            image.crop((0, 0, w - dx, h - dy)),
            image.crop((dx, 0, w, h - dy)),
            image.crop((0, dy, w - dx, h)),
            image.crop((dx // 2, dy // 2, w - dx // 2, h - dy // 2)),
            ]
    return result


def hashes(image):
    "The full hash of image then those of its crops"
    return [phash(image)] + [phash(c) for c in crops(image)]


def is_copy(full_a, hashes_b, threshold=THRESHOLD):
    "The smallest distance of full_a to hashes_b if within threshold"
    best = min(distance(full_a, h) for h in hashes_b)
    return best if best <= threshold else None


def bands(value):
    "The four 16-bit bands of a 64-bit hash, most significant first"
    return [(value >> (BAND_BITS * (BANDS - 1 - i))) & BAND_MASK
        for i in range(BANDS)]


def to_hex(value):
    return '%016x' % value


def from_hex(text):
    return int(text, 16)


def distance(a, b):
    return bin(a ^ b).count('1')


def neighbours(band, radius):
    "The 16-bit values within radius bits of band"
    result = [band]
    for r in range(1, radius + 1):
        for bits in itertools.combinations(range(BAND_BITS), r):
            value = band
            for bit in bits:
                value ^= 1 << bit
            result.append(value)
    return result


def band_radius(threshold=THRESHOLD):
    return threshold // BANDS


def _parse_exif_time(text):
    if not text:
        return None
    text = str(text).strip().replace('\x00', '')
    for fmt in ('%Y:%m:%d %H:%M:%S', '%Y-%m-%d %H:%M:%S'):
        try:
            return datetime.datetime.strptime(text[:19], fmt)
        except ValueError:
            continue
    return None


def fingerprint(data):
    """A dict (phash hex, bands, width, height, exif_time, exif_device) of
    the image in the bytes data, or None when data is not an image"""
    from PIL import Image, UnidentifiedImageError
    try:
        image = Image.open(io.BytesIO(bytes(data)))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError,
            Image.DecompressionBombError):
        return None
    exif_time = device = None
    try:
        exif = image.getexif()
    except Exception:
        exif = None
    if exif:
        try:
            sub = exif.get_ifd(_EXIF_IFD)
        except Exception:
            sub = {}
        exif_time = _parse_exif_time(
            sub.get(_DATETIME_ORIGINAL) or exif.get(_DATETIME))
        device = ' '.join(str(exif.get(t)).strip().replace('\x00', '')
            for t in (_MAKE, _MODEL) if exif.get(t)) or None
    values = hashes(image.convert('RGB'))
    return {
        'phash': to_hex(values[0]),
        'hashes': values,
        'width': image.width,
        'height': image.height,
        'exif_time': exif_time,
        'exif_device': device,
        }
