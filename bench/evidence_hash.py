# This file is part of the pharma suite. See README.md for license terms.
"""Choose the perceptual hash threshold of pharma_compliance from
measurements: generated pictures (shapes, text, noise, gradients) against
their copies (re-saved, PNG, resized, recompressed, cropped 3/5/8%).
Prints, per Hamming distance threshold, the false-positive rate (pairs of
different pictures taken as copies) and the false-negative rate (copies
missed), per transform too.  A copy is within the threshold of the full
hash or of a crop's hash of the other picture, either way round (as
pharma_compliance compares them).

    .venv/bin/python bench/evidence_hash.py [--count 200]
"""
import argparse
import importlib.util
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODULE = os.path.join(ROOT, 'addons', 'pharma_compliance')


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--count', type=int, default=200)
    args = parser.parse_args()
    hashing = load('hashing', os.path.join(MODULE, 'hashing.py'))
    images = load('images', os.path.join(MODULE, 'tests', 'images.py'))

    def hash_bytes(data):
        return hashing.hashes(images.decode(data).convert('RGB'))
    start = time.perf_counter()
    thresholds = list(range(2, 21, 2))
    if hashing.THRESHOLD not in thresholds:
        thresholds = sorted(thresholds + [hashing.THRESHOLD])
    result, different, copies = images.measure(
        hash_bytes, count=args.count, thresholds=thresholds)
    elapsed = time.perf_counter() - start
    n_copies = sum(len(v) for v in copies.values())
    print('%d pictures, %d pairs of different pictures, %d copies '
        '(%.1f s)' % (args.count, len(different), n_copies, elapsed))
    print('distance of different pictures: min %d, 1st percentile %d, '
        'median %d' % (min(different),
            sorted(different)[len(different) // 100],
            statistics.median(different)))
    print('distance of copies per transform: median / max')
    for name, values in copies.items():
        print('  %-18s %5.1f / %d' % (
                name, statistics.median(values), max(values)))
    print('threshold  false positives  false negatives')
    for t, (fp, fn) in result.items():
        mark = '  <- pharma_compliance.hashing.THRESHOLD' if (
            t == hashing.THRESHOLD) else ''
        print('  %3d       %7.3f%%         %7.3f%%%s' % (
                t, fp * 100, fn * 100, mark))
    fp, fn = result[hashing.THRESHOLD]
    print('chosen threshold %d: false-positive rate %.3f%%, '
        'false-negative rate %.3f%%' % (hashing.THRESHOLD, fp * 100,
            fn * 100))


if __name__ == '__main__':
    sys.exit(main())
