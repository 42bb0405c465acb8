# This file is part of the pharma suite. See README.md for license terms.
"""Generated test images for the perceptual hash: different pictures
(shapes, text, noise, gradients) and transformed copies of them (re-saved,
resized, recompressed, lightly cropped), used by the tests and by
bench/evidence_hash.py"""
import io
import random

from PIL import Image, ImageDraw, ImageFilter

WIDTH, HEIGHT = 320, 240
WORDS = ['Agenda', 'Sign-in', 'Seminar', 'Cardiology', 'Oncology',
    'Hall A', '2026', 'Welcome', 'Q&A', 'Lecture']


def picture(seed, width=WIDTH, height=HEIGHT):
    "A different picture for each seed"
    rnd = random.Random(seed)
    kind = seed % 4
    c1 = tuple(rnd.randrange(256) for _ in range(3))
    c2 = tuple(rnd.randrange(256) for _ in range(3))
    image = Image.new('RGB', (width, height), c1)
    draw = ImageDraw.Draw(image)
    if kind in (0, 3):
        # gradient background, in a random direction
        horizontal = rnd.random() < 0.5
        steps = width if horizontal else height
        for i in range(steps):
            t = i / steps
            color = tuple(int(a + (b - a) * t) for a, b in zip(c1, c2))
            if horizontal:
                draw.line([(i, 0), (i, height)], fill=color)
            else:
                draw.line([(0, i), (width, i)], fill=color)
    for _ in range(rnd.randint(3, 9)):
        x0, y0 = rnd.randrange(width), rnd.randrange(height)
        x1 = x0 + rnd.randint(20, width // 2)
        y1 = y0 + rnd.randint(20, height // 2)
        color = tuple(rnd.randrange(256) for _ in range(3))
        shape = rnd.choice(['ellipse', 'rectangle', 'line', 'polygon'])
        if shape == 'ellipse':
            draw.ellipse([x0, y0, x1, y1], fill=color)
        elif shape == 'rectangle':
            draw.rectangle([x0, y0, x1, y1], fill=color)
        elif shape == 'line':
            draw.line([x0, y0, x1, y1], fill=color, width=rnd.randint(2, 9))
        else:
            draw.polygon([(x0, y0), (x1, y0 + 10), (x0 + 15, y1)],
                fill=color)
    for _ in range(rnd.randint(1, 4)):
        draw.text((rnd.randrange(width - 60), rnd.randrange(height - 20)),
            rnd.choice(WORDS), fill=tuple(rnd.randrange(256)
                for _ in range(3)))
    if kind in (1, 3):
        # sensor noise
        pixels = image.load()
        for _ in range(width * height // 8):
            x, y = rnd.randrange(width), rnd.randrange(height)
            r, g, b = pixels[x, y]
            n = rnd.randint(-40, 40)
            pixels[x, y] = (max(0, min(255, r + n)),
                max(0, min(255, g + n)), max(0, min(255, b + n)))
    if kind == 2:
        image = image.filter(ImageFilter.GaussianBlur(1))
    return image


def encode(image, fmt='JPEG', quality=90, exif=None):
    buffer = io.BytesIO()
    kwargs = {'quality': quality} if fmt == 'JPEG' else {}
    if exif is not None:
        kwargs['exif'] = exif
    image.convert('RGB').save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def decode(data):
    return Image.open(io.BytesIO(data))


def crop(image, fraction):
    "Cut fraction of the width and height, off two sides"
    w, h = image.size
    dx, dy = int(w * fraction), int(h * fraction)
    return image.crop((dx, dy, w, h))


def crop_centre(image, fraction):
    "Cut fraction of the width and height, evenly off the four sides"
    w, h = image.size
    dx, dy = int(w * fraction / 2), int(h * fraction / 2)
    return image.crop((dx, dy, w - dx, h - dy))


# name -> function(original bytes) -> copy bytes
TRANSFORMS = {
    'resaved': lambda data: encode(decode(data), quality=90),
    'png': lambda data: encode(decode(data), fmt='PNG'),
    'resized_50': lambda data: encode(decode(data).resize(
            (WIDTH // 2, HEIGHT // 2))),
    'resized_150': lambda data: encode(decode(data).resize(
            (WIDTH * 3 // 2, HEIGHT * 3 // 2))),
    'recompressed_q30': lambda data: encode(decode(data), quality=30),
    'cropped_3': lambda data: encode(crop(decode(data), 0.03)),
    'cropped_5': lambda data: encode(crop(decode(data), 0.05)),
    'cropped_8': lambda data: encode(crop(decode(data), 0.08)),
    'cropped_centre_6': lambda data: encode(crop_centre(decode(data), 0.06)),
    'cropped_bottom_5': lambda data: encode(decode(data).crop(
            (0, 0, WIDTH - WIDTH // 20, HEIGHT - HEIGHT // 20))),
    }


def exif_bytes(when, make='HUAWEI', model='P60'):
    "EXIF with the capture time (a naive datetime) and the device"
    image = Image.new('RGB', (1, 1))
    exif = image.getexif()
    exif[271] = make
    exif[272] = model
    exif[306] = when.strftime('%Y:%m:%d %H:%M:%S')
    exif.get_ifd(0x8769)[36867] = when.strftime('%Y:%m:%d %H:%M:%S')
    return exif


def photo(seed, when=None, **kwargs):
    "A JPEG of picture(seed), with EXIF capture time when given"
    exif = exif_bytes(when, **kwargs) if when else None
    return encode(picture(seed), exif=exif)


def _distance(a, b):
    "Distance of two hash lists (full first) as the module compares them"
    return min(min(bin(a[0] ^ h).count('1') for h in b),
        min(bin(b[0] ^ h).count('1') for h in a))


def measure(hash_function, count=120, thresholds=range(4, 17, 2)):
    """Hash count pictures and their copies (hash_function: bytes -> list
    of hashes, the full one first); return {threshold: (false positive
    rate, false negative rate)}, the distances of different pictures and
    those of the copies per transform"""
    originals = [photo(seed) for seed in range(count)]
    hashes = [hash_function(d) for d in originals]
    different = []
    for i in range(count):
        for j in range(i + 1, count):
            different.append(_distance(hashes[i], hashes[j]))
    copies = {}
    for name, transform in TRANSFORMS.items():
        copies[name] = [_distance(h, hash_function(transform(d)))
            for h, d in zip(hashes, originals)]
    all_copies = [d for v in copies.values() for d in v]
    result = {}
    for t in thresholds:
        fp = sum(1 for d in different if d <= t) / len(different)
        fn = sum(1 for d in all_copies if d > t) / len(all_copies)
        result[t] = (fp, fn)
    return result, different, copies
