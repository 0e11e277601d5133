"""W6's Python peer: count, sum, mean and median of the price (field 4)
by key (field 1) of a TSV with a header, with statistics.median."""
import statistics
import sys

groups = {}
with open(sys.argv[1]) as f:
    next(f)
    for line in f:
        k, _, _, price, _ = line.split("\t", 4)
        groups.setdefault(k, []).append(float(price))
out = sys.stdout
for k in sorted(groups):
    v = groups[k]
    out.write("%s\t%d\t%r\t%r\t%r\n" % (k, len(v), sum(v), sum(v) / len(v),
                                        statistics.median(v)))
