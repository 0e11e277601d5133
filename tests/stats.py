#!/usr/bin/env python3
"""A reference for pdp-reduce's order statistics and moments, computed
with exact fractions: stats.py OPS DATA GOT compares GOT (pdp-reduce OPS
on DATA, key<TAB>value records) with it and says what differs.

The exact operations (median, q1, q3, iqr, perc, mode, antimode, mad,
madraw) of plain decimals are compared as text: the exact decimal with
the inputs' most fraction digits, more only where they are not zeros.
The others are compared as numbers, to 1e-12 relative (the true value
rounded once against pdp's long double arithmetic)."""
import math
import sys
from fractions import Fraction

EXACT = {"median", "q1", "q3", "iqr", "perc", "mode", "antimode", "mad",
         "madraw"}


def scale_of(v):
    return len(v.split(".")[1]) if "." in v else 0


def quantile(xs, p):
    h = (len(xs) - 1) * p
    lo = math.floor(h)
    if h == lo:
        return xs[lo]
    return xs[lo] + (h - lo) * (xs[lo + 1] - xs[lo])


def median(xs):
    return quantile(xs, Fraction(1, 2))


def mode(xs, anti):
    best, bestn, i = None, None, 0
    while i < len(xs):
        j = i
        while j < len(xs) and xs[j] == xs[i]:
            j += 1
        if best is None or (j - i < bestn if anti else j - i > bestn):
            best, bestn = xs[i], j - i
        i = j
    return best


def moments(xs):
    n = len(xs)
    mean = sum(xs) / n
    m2 = sum((x - mean) ** 2 for x in xs) / n
    m3 = sum((x - mean) ** 3 for x in xs) / n
    m4 = sum((x - mean) ** 4 for x in xs) / n
    return n, m2, m3, m4


def value(op, param, xs):
    xs = sorted(xs)
    n = len(xs)
    if op == "median":
        return median(xs)
    if op == "q1":
        return quantile(xs, Fraction(1, 4))
    if op == "q3":
        return quantile(xs, Fraction(3, 4))
    if op == "iqr":
        return quantile(xs, Fraction(3, 4)) - quantile(xs, Fraction(1, 4))
    if op == "perc":
        return quantile(xs, Fraction(param if param else "95") / 100)
    if op in ("mode", "antimode"):
        return mode(xs, op == "antimode")
    if op in ("mad", "madraw"):
        m = median(xs)
        r = median(sorted(abs(x - m) for x in xs))
        return r * Fraction("1.4826") if op == "mad" else r
    if op == "trimmean":
        p = Fraction(param if param else "0")
        if p >= Fraction(1, 2):
            return median(xs)
        c = math.floor(n * p)
        kept = xs[c:n - c]
        return sum(kept) / len(kept)
    if op == "geomean":
        return math.exp(math.fsum(math.log(x) for x in xs) / n)
    if op == "harmmean":
        return n / math.fsum(1 / x for x in xs)
    if op in ("sskew", "pskew", "skurt", "pkurt"):
        n, m2, m3, m4 = moments(xs)
        if op.endswith("skew"):
            if n <= 1 or (op == "sskew" and n <= 2):
                return None
            r = float(m3) / math.sqrt(float(m2)) ** 3
            if op == "sskew":
                r *= math.sqrt(n * (n - 1)) / (n - 2)
            return r
        if n <= 1 or (op == "skurt" and n <= 3):
            return None
        r = float(m4 / (m2 * m2)) - 3
        if op == "skurt":
            r = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * r + 6)
        return r
    raise SystemExit("stats.py: unknown op " + op)


def decimal(x, scale):
    while (x * 10 ** scale).denominator != 1:
        scale += 1
    i = int(x * 10 ** scale)
    if scale == 0:
        return str(i)
    s = "%d" % abs(i)
    s = s.rjust(scale + 1, "0")
    return ("-" if i < 0 else "") + s[:-scale] + "." + s[-scale:]


def main():
    ops = sys.argv[1].split(",")
    groups = {}
    scales = {}
    with open(sys.argv[2]) as f:
        for line in f:
            k, v = line.rstrip("\n").split("\t")
            groups.setdefault(k, []).append(Fraction(v))
            scales[k] = max(scales.get(k, 0), scale_of(v))
    bad = 0
    with open(sys.argv[3]) as f:
        got = [l.rstrip("\n").split("\t") for l in f]
    keys = sorted(groups, key=lambda k: k.encode())
    if [g[0] for g in got] != keys:
        print("stats.py: keys differ")
        return 1
    for row in got:
        k = row[0]
        for i, spec in enumerate(ops):
            op, _, param = spec.partition(":")
            want = value(op, param, groups[k])
            g = row[1 + i]
            if op in EXACT:
                w = decimal(want, scales[k])
                ok = g == w
            elif want is None:
                w = "nan"
                ok = g == "nan"
            else:
                w = repr(float(want))
                ok = g != "nan" and math.isclose(float(g), float(want),
                                                 rel_tol=1e-12,
                                                 abs_tol=1e-12)
            if not ok:
                bad += 1
                if bad <= 10:
                    print("%s %s: got %s, want %s" % (k, spec, g, w))
    return 1 if bad else 0


sys.exit(main())
