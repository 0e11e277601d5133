#!/usr/bin/env python3
"""The textbook Python answer that pdp replaces: a multiprocessing Pool,
imap_unordered over the files, a Counter per file with a per-file
try/except, merged in the parent.  Used only as a peer in benchmarks.

usage: wordfreq.py DIR [JOBS]   (prints word<TAB>count, sorted by word)
"""
import collections
import multiprocessing
import os
import re
import sys

WORD = re.compile(r"[^\W_]+")


def count(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return collections.Counter(WORD.findall(f.read().lower()))
    except OSError as e:
        print(f"{path}: {e.strerror}", file=sys.stderr)
        return collections.Counter()


def main():
    top = sys.argv[1]
    jobs = int(sys.argv[2]) if len(sys.argv) > 2 else os.cpu_count()
    paths = [os.path.join(d, f) for d, _, fs in os.walk(top)
             for f in fs if f.endswith(".txt")]
    total = collections.Counter()
    with multiprocessing.Pool(jobs) as pool:
        for c in pool.imap_unordered(count, paths, chunksize=16):
            total.update(c)
    out = sys.stdout
    for w in sorted(total):
        out.write(f"{w}\t{total[w]}\n")


if __name__ == "__main__":
    main()
