#!/usr/bin/env bats
# pdp-reduce: grouping, the ops, output order, numbers and bad input.

load helper

mkr() {
	printf 'b\t3\na\t5\nb\t-1\na\t2\nc\t10\n' > r.tsv
}

# reduce ARGS...: pdp-reduce ARGS with r.tsv on stdin.
reduce() {
	pdp-reduce "$@" < r.tsv
}

@test "pdp-reduce count" {
	mkr
	run --separate-stderr reduce count
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'a\t2\nb\t2\nc\t1')"
}

@test "pdp-reduce sum" {
	mkr
	run --separate-stderr reduce sum
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'a\t7\nb\t2\nc\t10')"
}

@test "pdp-reduce min and max compare numbers, not text" {
	mkr
	printf 'c\t9\nc\t100\n' >> r.tsv
	run --separate-stderr reduce min
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'a\t2\nb\t-1\nc\t9')"
	run --separate-stderr reduce max
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'a\t5\nb\t3\nc\t100')"
}

@test "pdp-reduce range: max - min, exact over the whole int64 range, as datamash gives it" {
	mkr
	printf 'd\t1.5\nd\t0.25\ne\t-9223372036854775808\ne\t9223372036854775807\nf\t7\n' >> r.tsv
	run --separate-stderr reduce range
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'a\t3\nb\t4\nc\t0\nd\t1.25\ne\t18446744073709551615\nf\t0')"
	# The same states through --partial and --merge, split anywhere.
	head -n 4 r.tsv | pdp-reduce --partial range > p1
	tail -n +5 r.tsv | pdp-reduce --partial range > p2
	grep -qx "$(printf 'b\tpdp2:range:-1:3')" p1
	run --separate-stderr bash -c 'cat p1 p2 | pdp-reduce --merge range'
	assert_status 0
	assert_output_equals "$(printf 'a\t3\nb\t4\nc\t0\nd\t1.25\ne\t18446744073709551615\nf\t0')"
	# datamash agrees where its long doubles are exact.
	if command -v datamash >/dev/null; then
		head -n 7 r.tsv | LC_ALL=C sort -s -k1,1 | datamash -g1 range 2 > want
		run --separate-stderr bash -c 'head -n 7 r.tsv | pdp-reduce range'
		assert_output_equals "$(cat want)"
	fi
	# Not a number: the line and the op named.
	printf 'g\tx\n' >> r.tsv
	run --separate-stderr reduce range
	assert_status 2
	assert_stderr_equals "pdp-reduce: stdin:11: range: not a number 'x'"
	# A state that could not have been written: min above max, or a part
	# missing.
	for bad in 'pdp1:range:3:1' 'pdp1:range:3' 'pdp1:range:a:3'; do
		run --separate-stderr pdp-reduce --merge range <<< "$(printf 'k\t%s' "$bad")"
		assert_status 2
		assert_stderr_equals "pdp-reduce: stdin:1: range: corrupt state '$bad'"
	done
}

@test "pdp-reduce: an invalid escape in a key or a text value is bad input, named with its line" {
	# pdp(7): \\ \t \n \r, and nothing else after a backslash.
	printf 'a\\qb\t1\n' > bad1.tsv
	run --separate-stderr pdp-reduce sum bad1.tsv
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-reduce: bad1.tsv:1: field 1 'a\\qb': invalid escape '\\q' (pdp(7): \\\\, \\t, \\n and \\r only)"
	# A backslash at the end of the key.
	printf 'k\t1\na\\\t1\n' > bad2.tsv
	run --separate-stderr pdp-reduce sum bad2.tsv
	assert_status 2
	assert_stderr_equals "pdp-reduce: bad2.tsv:2: field 1 'a\\': invalid escape '\\' (pdp(7): \\\\, \\t, \\n and \\r only)"
	# A text value (first, collect ...), a second key field, --merge's key.
	printf 'k\ta\\zb\n' > text.tsv
	run --separate-stderr pdp-reduce collect text.tsv
	assert_status 2
	assert_stderr_equals "pdp-reduce: text.tsv:1: field 2 'a\\zb': invalid escape '\\z' (pdp(7): \\\\, \\t, \\n and \\r only)"
	printf 'k\tx\\\x01\t3\n' > bad3.tsv
	run --separate-stderr pdp-reduce -k 1,2 -f 3 sum bad3.tsv
	assert_status 2
	assert_stderr_equals "pdp-reduce: bad3.tsv:1: field 2 'x\\\\x01': invalid escape '\\x01' (pdp(7): \\\\, \\t, \\n and \\r only)"
	printf 'a\\q\tpdp1:count:1\n' > bad4.tsv
	run --separate-stderr pdp-reduce --merge count bad4.tsv
	assert_status 2
	assert_stderr_equals "pdp-reduce: bad4.tsv:1: field 1 'a\\q': invalid escape '\\q' (pdp(7): \\\\, \\t, \\n and \\r only)"
	# --invalid=skip skips it with the rest; the valid escapes are keys
	# as they are.
	printf 'a\\qb\t1\na\\tb\t2\na\\\\b\t3\n' > mixed.tsv
	run --separate-stderr pdp-reduce --invalid=skip sum mixed.tsv
	assert_status 0
	assert_output_equals "$(printf 'a\\\\b\t3\na\\tb\t2')"
	assert_stderr_equals "pdp-reduce: skipped 1 invalid record (first: mixed.tsv:1: field 1 'a\\qb': invalid escape '\\q' (pdp(7): \\\\, \\t, \\n and \\r only))"
}

@test "pdp-reduce: keys in messages show NUL and other control bytes as \\xHH, never cut at a NUL" {
	printf 'a\0\t1\na\t1\n' > nul.tsv
	run --separate-stderr pdp-reduce -s sum nul.tsv
	assert_status 2
	assert_stderr_equals "pdp-reduce: nul.tsv:2: input is not sorted: 'a' after 'a\\x00'"
	# The escapes of the record stay as they are in it.
	printf 'b\\tc\t1\nb\t1\n' > tab.tsv
	run --separate-stderr pdp-reduce -s sum tab.tsv
	assert_status 2
	assert_stderr_equals "pdp-reduce: tab.tsv:2: input is not sorted: 'b' after 'b\\tc'"
	printf '\033[31m\t1e308\n\033[31m\t1e308\n' > esc.tsv
	run --separate-stderr pdp-reduce sum esc.tsv
	assert_status 2
	assert_stderr_equals "pdp-reduce: '\\x1b[31m': sum out of range"
}

@test "pdp-reduce mean" {
	mkr
	printf 'd\t1\nd\t1\nd\t2\ne\t0.5\ne\t1\n' >> r.tsv
	run --separate-stderr reduce mean
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'a\t3.5\nb\t1\nc\t10\nd\t1.3333333333333333\ne\t0.75')"
}

@test "pdp-reduce first and last keep the values as they are" {
	mkr
	printf 'd\thello world\nd\tx\\ty\nd\t007\n' >> r.tsv
	run --separate-stderr reduce first
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'a\t5\nb\t3\nc\t10\nd\thello world')"
	run --separate-stderr reduce last
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'a\t2\nb\t-1\nc\t10\nd\t007')"
}

@test "pdp-reduce count, first and last take any value" {
	printf 'k\tnot a number\nk\t\nj\tx\n' > r.tsv
	run --separate-stderr reduce count,first,last
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'j\t1\tx\tx\nk\t2\tnot a number\t')"
}

@test "pdp-reduce: several ops at once, one column each" {
	mkr
	run --separate-stderr reduce count,sum,min,max,mean,first,last
	assert_status 0
	assert_stderr_empty
	assert_output_equals <<-'EOF'
		a	2	7	2	5	3.5	5	2
		b	2	2	-1	3	1	3	-1
		c	1	10	10	10	10	10	10
	EOF
}

@test "pdp-reduce op:FIELD and -f FIELD choose the value field" {
	printf 'x\t1\t10\tfoo\nx\t2\t20\tbar\ny\t3\t30\tbaz\n' > r.tsv
	run --separate-stderr reduce sum:3,sum,last:4
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'x\t30\t3\tbar\ny\t30\t3\tbaz')"
	run --separate-stderr reduce -f 3 sum,max
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'x\t30\t20\ny\t30\t30')"
	run --separate-stderr reduce --field=3 sum,min:2
	assert_status 0
	assert_output_equals "$(printf 'x\t30\t1\ny\t30\t3')"
}

@test "pdp-reduce range: plain decimals give the exact difference, as Python's Decimal; other numbers are rounded once" {
	command -v python3 > /dev/null || skip "python3 is not installed (apt-get install python3)"
	# 0.1 and 0.3: 0.2, not the doubles' 0.19999999999999998.
	run --separate-stderr pdp-reduce range <<< $'a\t0.1\na\t0.3\nb\t0.10\nb\t0.3\nc\t-1.5\nc\t2\nd\t1e1\nd\t0.5'
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'a\t0.2\nb\t0.20\nc\t3.5\nd\t9.5')"
	# Random decimals of up to 18 digits, 0 to 9 after the point.
	python3 - > in.tsv <<'PY'
import random
random.seed(7)
for k in range(300):
    for _ in range(random.randint(1, 6)):
        fd = random.randint(0, 9)
        digits = random.randint(max(1, fd), 18)
        m = random.randint(0, 10 ** digits - 1) * random.choice((1, -1))
        s = str(abs(m)).rjust(fd + 1, '0')
        t = (s[:-fd] + '.' + s[-fd:]) if fd else s
        print(f"k{k}\t{'-' if m < 0 else ''}{t}")
PY
	python3 - in.tsv > want <<'PY'
import sys
from decimal import Decimal
v = {}
for line in open(sys.argv[1]):
    k, x = line.rstrip('\n').split('\t')
    v.setdefault(k, []).append(x)
# The fraction digits are those of the two values kept, the smallest and
# the largest (of equal ones, the bytewise smaller text), as the state
# that --partial writes holds just those.
for k in sorted(v):
    lo = min(v[k], key=lambda x: (Decimal(x), x.encode()))
    hi = min(v[k], key=lambda x: (-Decimal(x), x.encode()))
    fd = max(-Decimal(x).as_tuple().exponent for x in (lo, hi))
    r = Decimal(hi) - Decimal(lo)
    print(f"{k}\t{r:.{fd}f}" if fd else f"{k}\t{r}")
PY
	pdp-reduce range in.tsv > got
	assert_files_equal want got
	LC_ALL=C sort -R in.tsv | pdp-reduce -j2 range > got
	assert_files_equal want got
}

@test "pdp-reduce -k: composite keys, ranges, any order" {
	printf 'x\ty\t1\tz\nx\ty\t2\tw\nx\tq\t4\tz\ny\tx\t8\tz\n' > r.tsv
	run --separate-stderr reduce -k 1,2 -f 3 sum
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'x\tq\t4\nx\ty\t3\ny\tx\t8')"
	run --separate-stderr reduce -k 1-2 sum:3,first:4
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'x\tq\t4\tz\nx\ty\t3\tz\ny\tx\t8\tz')"
	run --separate-stderr reduce --key=2,1 sum:3
	assert_status 0
	assert_output_equals "$(printf 'q\tx\t4\nx\ty\t8\ny\tx\t3')"
	run --separate-stderr reduce -k 4 -f 3 sum,count
	assert_status 0
	assert_output_equals "$(printf 'w\t2\t1\nz\t13\t3')"
}

@test "pdp-reduce: bad field lists are usage errors" {
	mkr
	for k in 3-1 '' 1- -2 2x 0,1; do
		run --separate-stderr reduce -k "$k" sum
		assert_status 2
		assert_output_empty
		assert_stderr_contains "pdp-reduce: invalid field list"
	done
	# Names need a header to be found in.
	for k in x a,1; do
		run --separate-stderr reduce -k "$k" sum
		assert_status 2
		assert_output_empty
		assert_stderr_contains "pdp-reduce: fields given by name need a header to find them in: --header-in or -H"
	done
	run --separate-stderr reduce -f 0 sum
	assert_status 2
	assert_output_empty
	assert_stderr_contains "pdp-reduce: invalid field '0'"
	run --separate-stderr reduce sum:0
	assert_status 2
	assert_output_empty
	assert_stderr_contains "pdp-reduce: "
}

@test "pdp-reduce: output in bytewise key order by default" {
	for k in b a B _x 'a b' Z10 z2 é 10 9 a.b 'a~' ''; do
		printf '%s\t1\n' "$k"
	done > r.tsv
	run --separate-stderr reduce sum
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(LC_ALL=C sort -t "$(printf '\t')" -k1,1 r.tsv)"
	run --separate-stderr reduce --order=key sum
	assert_status 0
	assert_output_equals "$(LC_ALL=C sort -t "$(printf '\t')" -k1,1 r.tsv)"
}

@test "pdp-reduce: bytewise key order for keys that share their first 8 bytes, differ in length or in bytes past 0x7f, in memory and spilled" {
	# The sort orders keys by their first 8 bytes, then keys that share
	# them by the whole key: both must agree with sort(1).
	awk 'BEGIN {
		split("a ab abcdefg abcdefgh abcdefghi abcdefgh0 abcdefgha abcdefgh\\t \377 \377\377 z\200 zz", base, " ")
		for (i = 1; i in base; i++)
			for (j = 0; j < 300; j++) {
				s = (i * 7919 + j * 104729) % 1000
				printf "%s%s\t1\n", base[i], (j % 3 ? s : "")
				printf "%s\t1\n", base[i]
			}
		# (No lone backslash: pdp(7) has no such key.)
		for (j = 0; j < 40000; j++)
			printf "sharedpre%d\t1\nsharedpr%c\t1\n", (j * 37) % 40000,
			    33 + j % 90 == 92 ? 93 : 33 + j % 90
	}' > r.tsv
	cut -f 1 r.tsv | LC_ALL=C sort -u > want
	run --separate-stderr reduce count
	assert_status 0
	assert_stderr_empty
	printf '%s\n' "$output" | cut -f 1 > got
	assert_files_equal want got
	run --separate-stderr reduce -S 1M count
	assert_status 0
	assert_stderr_empty
	printf '%s\n' "$output" | cut -f 1 > got
	assert_files_equal want got
}

@test "pdp-reduce --order=value: descending, ties by key" {
	printf 'b\t5\na\t5\nc\t7\nd\t1\ne\t-2\nf\t10\nf\t-3\nB\t5\n' > r.tsv
	run --separate-stderr reduce --order=value sum
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'c\t7\nf\t7\nB\t5\na\t5\nb\t5\nd\t1\ne\t-2')"
	# Numerically, floats and integers together.
	printf 'g\t6.5\nh\t1e1\n' >> r.tsv
	run --separate-stderr reduce --order=value sum
	assert_status 0
	assert_output_equals "$(printf 'h\t10\nc\t7\nf\t7\ng\t6.5\nB\t5\na\t5\nb\t5\nd\t1\ne\t-2')"
}

@test "pdp-reduce --order=none: every key once" {
	mkr
	run --separate-stderr reduce --order=none sum
	assert_status 0
	assert_stderr_empty
	output=$(printf '%s\n' "$output" | LC_ALL=C sort)
	assert_output_equals "$(printf 'a\t7\nb\t2\nc\t10')"
}

@test "pdp-reduce: an invalid --order is a usage error" {
	mkr
	run --separate-stderr reduce --order=bogus sum
	assert_status 2
	assert_output_empty
	assert_stderr_contains "pdp-reduce: invalid --order 'bogus'"
}

@test "pdp-reduce --top N: the N largest by the first op" {
	mkr
	run --separate-stderr reduce --top 2 sum
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'c\t10\na\t7')"
	run --separate-stderr reduce --top=2 count,sum
	assert_status 0
	assert_output_equals "$(printf 'a\t2\t7\nb\t2\t2')"
	run --separate-stderr reduce --top 100 sum
	assert_status 0
	assert_output_equals "$(printf 'c\t10\na\t7\nb\t2')"
	run --separate-stderr reduce --top 0 sum
	assert_status 2
	assert_output_empty
	assert_stderr_contains "pdp-reduce: invalid --top '0'"
	run --separate-stderr reduce --top x sum
	assert_status 2
	assert_output_empty
	assert_stderr_contains "pdp-reduce: invalid --top 'x'"
}

@test "pdp-reduce: integer sums are exact over the whole int64 range" {
	printf 'max\t9223372036854775807\nmin\t-9223372036854775808\n' > r.tsv
	printf 'big\t9007199254740993\nbig\t0\nbig\t1\n' >> r.tsv
	printf 'mid\t4611686018427387904\nmid\t4611686018427387903\n' >> r.tsv
	printf 'zero\t-0\nzero\t+0\n' >> r.tsv
	run --separate-stderr reduce sum
	assert_status 0
	assert_stderr_empty
	assert_output_equals <<-'EOF'
		big	9007199254740994
		max	9223372036854775807
		mid	9223372036854775807
		min	-9223372036854775808
		zero	0
	EOF
}

@test "pdp-reduce: an intermediate overflow that comes back in range is fine" {
	printf 'k\t9223372036854775807\nk\t1\nk\t-5\n' > r.tsv
	printf 'n\t-9223372036854775808\nn\t-9223372036854775808\nn\t9223372036854775807\nn\t9223372036854775807\n' >> r.tsv
	run --separate-stderr reduce sum
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'k\t9223372036854775803\nn\t-2')"
}

@test "pdp-reduce: an int64 overflow is an error naming the key" {
	printf 'ok\t1\nbig key\t9223372036854775807\nbig key\t1\n' > r.tsv
	run --separate-stderr reduce sum
	assert_status 2
	assert_output_empty
	assert_stderr_contains "pdp-reduce: "
	assert_stderr_contains "big key"
	assert_stderr_contains "out of range"
	printf 'neg\t-9223372036854775808\nneg\t-1\n' > r.tsv
	run --separate-stderr reduce sum
	assert_status 2
	assert_output_empty
	assert_stderr_contains "neg"
	assert_stderr_contains "out of range"
}

@test "pdp-reduce: 0.1 + 0.2 is 0.3, in decimal; written with an exponent, 0.30000000000000004" {
	printf 'k\t0.1\nk\t0.2\nj\t1e-1\nj\t2e-1\n' > r.tsv
	run --separate-stderr reduce sum
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'j\t0.30000000000000004\nk\t0.3')"
}

@test "pdp-reduce: sums of plain decimals are exact, with the most fraction digits of their values, through --partial and --merge" {
	# Money with two places, negative values, a sum that cancels, and
	# what awk's doubles and datamash's %.14Lg get wrong.
	python3 - <<'EOF2'
import random
from decimal import Decimal
r = random.Random(4)
tot = {}
with open("m.tsv", "w") as f:
    for i in range(200000):
        k = "k%d" % r.randrange(50)
        v = Decimal(r.randrange(-10**8, 10**8)) / 100
        f.write("%s\t%s\n" % (k, v))
        tot[k] = tot.get(k, Decimal(0)) + v
    f.write("z\t1.10\nz\t2.20\ny\t0.1\ny\t-0.1\nx\t1\nx\t0.005\n")
tot.update({"z": Decimal("3.30"), "y": Decimal("0.0"), "x": Decimal("1.005")})
with open("want", "w") as f:
    for k in sorted(tot):
        f.write("%s\t%s\n" % (k, tot[k]))
EOF2
	run --separate-stderr pdp-reduce sum m.tsv
	assert_status 0
	assert_stderr_empty
	printf '%s\n' "$output" > got
	assert_files_equal want got
	for n in 2 7; do
		split -n l/$n m.tsv part.
		for p in part.*; do pdp-reduce --partial sum "$p"; done > states
		rm part.*
		run --separate-stderr pdp-reduce --merge sum states
		assert_status 0
		printf '%s\n' "$output" > got
		assert_files_equal want got
	done
	grep -q 'pdp2:sum:3.30:-' states || fail "no decimal state: $(grep '^z' states)"
	# The mean of exact decimals, rounded once.
	run --separate-stderr pdp-reduce mean <(printf 'a\t1.10\na\t2.20\nb\t0.1\nb\t0.2\nb\t0.4\n')
	assert_output_equals "$(printf 'a\t1.65\nb\t0.23333333333333334')"
	# More than 18 digits, or more than 9 after the point: exact binary
	# partials, rounded once, as before.
	printf 'a\t12345678901234567890.5\na\t1\nb\t0.1234567890\nb\t1\n' > big.tsv
	printf 'c\t9999999999999999999999999999999999999.9\nc\t0.1\n' >> big.tsv
	run --separate-stderr pdp-reduce sum big.tsv
	assert_status 0
	assert_output_equals "$(printf 'a\t1.2345678901234567e+19\nb\t1.123456789\nc\t1e+37')"
	# A pdp1 state (before decimals) is still read.
	printf 'k\tpdp1:sum:5:0x1p-1\tpdp1:mean:2:5:-\n' > old.tsv
	run --separate-stderr pdp-reduce --merge sum,mean old.tsv
	assert_status 0
	assert_output_equals "$(printf 'k\t5.5\t2.5')"
}

@test "pdp-reduce: the loop of plain records (count, sum, mean of plain decimals) gives what the general one does, for every shape of value" {
	# --invalid=skip takes every record the general way (addrecord);
	# without it, a record of a known key whose values are plain
	# decimals goes the short way.  Values of every shape, mixed within
	# keys: counts, money, 1 to 18 places (past 9: float partials),
	# 19 digits (leading zeros), "1.", ".5", "+3", exponents, a scale that grows.
	python3 - <<'EOF2'
import random
r = random.Random(7)
def val():
    c = r.randrange(12)
    if c == 0: return str(r.randrange(-10**6, 10**6))
    if c == 1: return "%d.%02d" % (r.randrange(-999, 999), r.randrange(100))
    if c == 2:
        p = r.randrange(1, 19)
        return "%d.%0*d" % (r.randrange(10), p, r.randrange(10**p))
    if c == 3: return str(r.randrange(10**17, 10**18))
    if c == 4: return "%019d" % r.randrange(10**6)
    if c == 5: return r.choice(["1.", ".5", "+3", "-0", "0.0", "-0.001"])
    if c == 6: return "%de%d" % (r.randrange(1, 99), r.randrange(-5, 5))
    return str(r.randrange(100))
with open("p.tsv", "w") as f:
    for i in range(300000):
        k = "k%d" % int(r.paretovariate(1.2) % 500)
        f.write("%s\t%s\t%s\n" % (k, val(), val()))
with open("h.tsv", "w") as f:
    f.write("key\tqty\tprice\n")
    for i in range(60000):
        f.write("p%d\t%d\t%d.%02d\n" % (r.randrange(3000), r.randrange(9),
                                        r.randrange(1000), r.randrange(100)))
EOF2
	ops=count,sum,mean,sum:3,mean:3,count,sum:2
	run --separate-stderr pdp-reduce -j1 --invalid=skip $ops p.tsv
	assert_status 0
	printf '%s\n' "$output" > want
	[ "$(wc -l < want)" -ge 200 ] || fail "only $(wc -l < want) keys"
	run --separate-stderr pdp-reduce -j1 $ops p.tsv
	assert_status 0
	assert_stderr_empty
	printf '%s\n' "$output" > got
	assert_files_equal want got
	# Through a pipe read by two processes (past 4 MiB: parts.c's
	# STREAM_MIN),
	# and a header's names.
	[ "$(wc -c < p.tsv)" -gt $((4 << 20)) ] || fail "p.tsv is small"
	run --separate-stderr sh -c "cat p.tsv | pdp-reduce -j2 $ops"
	assert_status 0
	printf '%s\n' "$output" > got
	assert_files_equal want got
	ops=count,sum:price,mean:price,sum:qty
	run --separate-stderr pdp-reduce -j1 --header-in --invalid=skip $ops h.tsv
	assert_status 0
	printf '%s\n' "$output" > want
	run --separate-stderr pdp-reduce --header-in $ops h.tsv
	assert_status 0
	assert_stderr_empty
	printf '%s\n' "$output" > got
	assert_files_equal want got
	# The key field itself as a value, by number and by name.
	printf '5\t1\t2\t9\n5\t1\t2\t9\n7\t0\t0\t0\n' > kv.tsv
	run --separate-stderr pdp-reduce sum:1,sum:2,mean:1,sum:3 kv.tsv
	assert_status 0
	assert_output_equals "$(printf '5\t10\t2\t5\t4\n7\t7\t0\t7\t0')"
	run --separate-stderr sh -c "{ printf 'id\tq\tp\tx\n'; cat kv.tsv; } |
	    pdp-reduce --header-in -k id sum:p,sum:id"
	assert_status 0
	assert_output_equals "$(printf '5\t4\t10\n7\t0\t7')"
	# A bad value of a known key is still bad, named with its line.
	printf 'a\t1\na\t2\na\tx1\n' > bad.tsv
	run --separate-stderr pdp-reduce sum bad.tsv
	assert_status 2
	assert_stderr_equals "pdp-reduce: bad.tsv:3: sum: not a number 'x1'"
}

@test "pdp-reduce: records of a short key and one number, taken in one pass, give what the general loop does: keys of 0 to 20 bytes, every value shape, CRLF, read in odd pieces" {
	# A key<TAB>number record with a key of up to 15 bytes (UTF-8 too)
	# is taken whole from the buffer (group.c's takeshort); anything
	# else goes the general way.  --invalid=skip takes every record the
	# general way, so both must agree, from a file, a pipe written in
	# odd pieces (records cut at every place by the buffer's end) and
	# two processes; the plain sums against Python's Decimal.
	python3 - <<'EOF2'
import random
from decimal import Decimal
r = random.Random(11)
def key():
    n = r.choice([0, 1, 2, 7, 8, 9, 14, 15, 16, 17, 20, r.randrange(21)])
    k = "".join(r.choice("abcXYZ09-_.\u00e9\x7f") for _ in range(n))
    if n >= 4 and r.randrange(8) == 0:
        k = k[:2] + "\\t" + k[2:]	# an escaped TAB, a valid key
    return k
keys = [key() for _ in range(400)]
def val():
    c = r.randrange(10)
    if c == 0: return "%d.%02d" % (r.randrange(-999, 999), r.randrange(100))
    if c == 1: return str(r.randrange(10**17, 10**18))
    if c == 2: return r.choice(["1.", ".5", "+3", "-0", "0.0", "1e3"])
    if c == 3: return "%d.%011d" % (r.randrange(10), r.randrange(10**11))
    return str(r.randrange(-5, 100))
sums = {}
with open("s.tsv", "w", newline="", encoding="utf-8") as f:
    for i in range(400000):
        k = keys[int(r.paretovariate(1.1)) % len(keys)]
        v = val()
        end = "\r\n" if r.randrange(50) == 0 else "\n"
        if r.randrange(100) == 0:
            v += "\tx"		# a field after the number
        f.write("%s\t%s%s" % (k, v, end))
        if k.startswith("p"):
            pass
with open("p.tsv", "w", encoding="utf-8") as f:
    for i in range(200000):
        k = keys[r.randrange(len(keys))]
        v = "%d.%02d" % (r.randrange(-999, 999), r.randrange(100))
        sums[k] = sums.get(k, Decimal(0)) + Decimal(v)
        f.write("%s\t%s\n" % (k, v))
with open("p.want", "w", encoding="utf-8") as f:
    for k in sorted(sums, key=lambda s: s.encode()):
        f.write("%s\t%s\n" % (k, sums[k]))
EOF2
	for ops in sum count,sum,mean mean,count; do
		run --separate-stderr pdp-reduce -j1 --invalid=skip $ops s.tsv
		assert_status 0
		printf '%s\n' "$output" > want
		[ "$(wc -l < want)" -ge 300 ] || fail "only $(wc -l < want) keys"
		run --separate-stderr pdp-reduce -j1 $ops s.tsv
		assert_status 0
		assert_stderr_empty
		printf '%s\n' "$output" > got
		assert_files_equal want got
	done
	run --separate-stderr pdp-reduce -j1 sum p.tsv
	assert_status 0
	printf '%s\n' "$output" > got
	assert_files_equal p.want got
	# From a pipe in pieces of 1 to 40 bytes, and by two processes.
	head -n 20000 p.tsv > p20k
	run --separate-stderr sh -c "python3 -c '
import os, random, sys, time
d = open(\"p20k\", \"rb\").read()
r = random.Random(3)
i = 0
while i < len(d):
    n = r.randrange(1, 41)
    os.write(1, d[i:i + n])
    i += n
    if r.randrange(200) == 0:
        time.sleep(0.001)
' | pdp-reduce -j1 sum"
	assert_status 0
	printf '%s\n' "$output" > got
	run --separate-stderr pdp-reduce -j1 --invalid=skip sum p20k
	printf '%s\n' "$output" > want
	assert_files_equal want got
	run --separate-stderr sh -c "cat s.tsv s.tsv s.tsv | pdp-reduce -j2 count,sum"
	assert_status 0
	printf '%s\n' "$output" > got
	run --separate-stderr sh -c "cat s.tsv s.tsv s.tsv | pdp-reduce -j1 --invalid=skip count,sum"
	printf '%s\n' "$output" > want
	assert_files_equal want got
	# A record without a TAB is not joined to the next one's key.
	printf 'a\t1\nabc\ndef\t5\nghijklmnop\t1\nghijklmnop\t1\n' > notab.tsv
	run --separate-stderr pdp-reduce sum notab.tsv
	assert_status 2
	assert_stderr_equals "pdp-reduce: notab.tsv:2: missing field 2"
	# A bad value of a known short key, named with its line.
	printf 'a\t1\na\t2\na\t3x\nghijklmnop\t1\nghijklmnop\t1\n' > bad.tsv
	run --separate-stderr pdp-reduce sum bad.tsv
	assert_status 2
	assert_stderr_equals "pdp-reduce: bad.tsv:3: sum: not a number '3x'"
}

@test "pdp-reduce: float sums do not depend on the input order" {
	printf 'k\t1e16\nk\t1\nk\t-1e16\n' > r.tsv
	run --separate-stderr reduce sum
	assert_status 0
	assert_output_equals "$(printf 'k\t1')"
	printf 'k\t1e16\nk\t-1e16\nk\t1\n' > r.tsv
	run --separate-stderr reduce sum
	assert_status 0
	assert_output_equals "$(printf 'k\t1')"
	for x in 1e16 1 -1e16 0.1 0.2 0.3 3.5e-5 -7.25 1e-10 123456.789 2.5 \
	    1e15 -0.3 0.7 1e-300 -2.5e7 0.001 33.33 5 -5e-5; do
		printf 'k\t%s\nj\t%s\n' "$x" "$x"
	done > r.tsv
	run --separate-stderr reduce sum,mean
	assert_status 0
	assert_stderr_empty
	local want=$output
	[ "${#lines[@]}" -eq 2 ]
	for seed in 1 2 3 4 5 6; do
		shuf --random-source=<(yes "$seed") r.tsv > s.tsv
		run --separate-stderr pdp-reduce sum,mean s.tsv
		assert_status 0
		assert_output_equals "$want"
	done
	# The exact sum rounded once (math.fsum's answer), then / 20.
	assert_output_equals "$(printf 'j\t999999975123492.4\t49999998756174.62\nk\t999999975123492.4\t49999998756174.62')"
}

@test "pdp-reduce: floats print in the shortest form that reads back" {
	printf 'a\t1e20\nb\t0.5\nc\t2.5e-8\nd\t123456789012345678\nd\t0.5\n' > r.tsv
	printf 'e\t1e300\ne\t1e300\nf\t-1.5\ng\t100\ng\t0.25\nh\t3.0\n' >> r.tsv
	run --separate-stderr reduce sum
	assert_status 0
	assert_stderr_empty
	assert_output_equals <<-'EOF'
		a	1e+20
		b	0.5
		c	2.5e-08
		d	123456789012345678.5
		e	2e+300
		f	-1.5
		g	100.25
		h	3.0
	EOF
}

@test "pdp-reduce: the shortest form also for subnormal doubles" {
	printf 'a\t5e-324\nb\t0.5e-320\n' > r.tsv
	run --separate-stderr reduce sum
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'a\t5e-324\nb\t5e-321')"
}

@test "pdp-reduce: -0 prints as 0" {
	printf 'a\t-0.0\nb\t-0e5\nc\t0.1\nc\t-0.1\n' > r.tsv
	run --separate-stderr reduce sum,mean
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'a\t0.0\t0\nb\t0\t0\nc\t0.0\t0')"
}

@test "pdp-reduce: a non-number for a numeric op stops with the line" {
	printf 'a\t1\nb\tx\nc\t2\n' > r.tsv
	run --separate-stderr pdp-reduce sum < r.tsv
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-reduce: stdin:2: sum: not a number 'x'"
	for op in mean min max; do
		run --separate-stderr pdp-reduce "$op" < r.tsv
		assert_status 2
		assert_output_empty
		assert_stderr_equals "pdp-reduce: stdin:2: $op: not a number 'x'"
	done
	for v in '' ' 1' '1 ' 1x 0x10 1e '.' '-' 'inf' 'nan' '1,5' '--1'; do
		printf 'a\t%s\n' "$v" > r.tsv
		run --separate-stderr pdp-reduce sum < r.tsv
		assert_status 2
		assert_output_empty
		assert_stderr_contains "pdp-reduce: stdin:1: sum: not a number '$v'"
	done
}

@test "pdp-reduce: numbers out of range are errors" {
	for v in 1e400 -1e400 9223372036854775808 -9223372036854775809; do
		printf 'a\t1\na\t%s\n' "$v" > r.tsv
		run --separate-stderr pdp-reduce sum < r.tsv
		assert_status 2
		assert_output_empty
		assert_stderr_contains "pdp-reduce: stdin:2: sum: "
		assert_stderr_contains "'$v'"
	done
	# A float sum that leaves the double range.
	printf 'a\t1e308\na\t1e308\n' > r.tsv
	run --separate-stderr pdp-reduce sum < r.tsv
	assert_status 2
	assert_output_empty
	assert_stderr_contains "out of range"
}

@test "pdp-reduce: sums past the range of doubles on their way: every answer that is a double is given" {
	# Issue 17 item 12: the mean of 1e308 and 1e308 is 1e308, the var
	# of 1e160 and 1e160 is 0, though their sum and squares are not
	# doubles; stddev of 1e200 and -1e200 is sqrt(2)e200, its var 2e400
	# is out of range and says so.
	printf 'a\t1e308\na\t1e308\n' > r.tsv
	run --separate-stderr pdp-reduce mean,geomean < r.tsv
	assert_status 0
	assert_output_equals "$(printf 'a\t1e+308\t1e+308')"
	printf 'a\t1e160\na\t1e160\n' > r.tsv
	run --separate-stderr pdp-reduce var,stddev,pvar,pstdev,mean < r.tsv
	assert_status 0
	assert_output_equals "$(printf 'a\t0\t0\t0\t0\t1e+160')"
	printf 'a\t1e200\na\t-1e200\n' > r.tsv
	run --separate-stderr pdp-reduce stddev,pstdev,mean < r.tsv
	assert_status 0
	assert_output_equals "$(printf 'a\t1.414213562373095e+200\t1e+200\t0')"
	run --separate-stderr pdp-reduce var < r.tsv
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-reduce: 'a': var out of range"
	# A sum that passes the range and comes back: 1e308; the same
	# through --partial states (whose partials may pass it too) and
	# --merge, and through pdp-map --combine's records.
	printf 'a\t1e308\na\t1e308\na\t-1e308\n' > r.tsv
	run --separate-stderr pdp-reduce sum,mean,stddev < r.tsv
	assert_status 0
	assert_output_equals "$(printf 'a\t1e+308\t3.333333333333333e+307\t1.1547005383792515e+308')"
	pdp-reduce --partial sum,mean,stddev < r.tsv > p1
	grep -q 'p+2047' p1
	run --separate-stderr pdp-reduce --merge sum,mean,stddev p1 p1
	assert_status 2
	assert_stderr_equals "pdp-reduce: 'a': sum out of range"
	pdp-reduce --partial mean,stddev < r.tsv > p2
	run --separate-stderr pdp-reduce --merge mean,stddev p2 p2
	assert_status 0
	assert_output_equals "$(printf 'a\t3.333333333333333e+307\t1.0327955589886445e+308')"
	printf '%s\n' r.tsv > list
	run --separate-stderr sh -c 'pdp-map --combine sum exec cat < list | pdp-reduce sum'
	assert_status 0
	assert_output_equals "$(printf 'a\t1e+308')"
	# Harmonic means of tiny values: 1/x past the range on the way.
	printf 'a\t4e-320\na\t4e-320\n' > r.tsv
	run --separate-stderr pdp-reduce harmmean < r.tsv
	assert_status 0
	assert_output_equals "$(printf 'a\t4e-320')"
}

@test "pdp-reduce: mean, var, stddev of values up to 1e307 equal exact fractions, whole or merged from parts" {
	python3 - <<'EOF2'
import random
r = random.Random(17)
with open("small.tsv", "w") as f, open("big.tsv", "w") as g:
    for k in range(40):
        for i in range(r.randrange(2, 60)):
            m = r.uniform(-1, 1)
            f.write("k%d\t%.17g\n" % (k, m * 10.0 ** r.randrange(100, 150)))
            g.write("k%d\t%.17g\n" % (k, m * 10.0 ** r.randrange(290, 307)))
EOF2
	check() {	# file ops: pdp's output against fractions, 1e-15 relative
		python3 - "$@" <<'EOF2'
import sys
from decimal import Decimal as D, getcontext
from fractions import Fraction as F
getcontext().prec = 60
path, ops, got = sys.argv[1], sys.argv[2].split(","), sys.argv[3]
vals = {}
for line in open(path):
    k, v = line.rstrip("\n").split("\t")
    vals.setdefault(k, []).append(F(v))
def ref(op, xs):
    n = len(xs)
    mean = sum(xs) / n
    ss = sum((x - mean) ** 2 for x in xs)
    if op == "mean": return float(mean)
    if op == "var": return float(ss / (n - 1))
    if op == "pvar": return float(ss / n)
    q = ss / (n - 1) if op == "stddev" else ss / n
    return float((D(q.numerator) / D(q.denominator)).sqrt())
bad = 0
lines = open(got).read().split("\n")[:-1]
assert len(lines) == len(vals), (len(lines), len(vals))
for line in lines:
    f = line.split("\t")
    for op, v in zip(ops, f[1:]):
        want = ref(op, vals[f[0]])
        if abs(float(v) - want) > 1e-15 * abs(want):
            print(f[0], op, v, want)
            bad += 1
sys.exit(bad > 0)
EOF2
	}
	pdp-reduce mean,var,pvar,stddev,pstdev small.tsv > got
	check small.tsv mean,var,pvar,stddev,pstdev got
	pdp-reduce mean,stddev,pstdev big.tsv > got
	check big.tsv mean,stddev,pstdev got
	# Three parts, merged: the same output, and the same states.
	split -n l/3 big.tsv part.
	for f in part.*; do pdp-reduce --partial mean,stddev,pstdev "$f" > "$f.st"; done
	run --separate-stderr pdp-reduce --merge mean,stddev,pstdev part.*.st
	assert_status 0
	assert_output_equals "$(cat got)"
	pdp-reduce --partial mean,stddev,pstdev big.tsv > whole.st
	pdp-reduce --merge --partial mean,stddev,pstdev part.*.st > merged.st
	assert_files_equal whole.st merged.st
}

@test "pdp-reduce: a missing field stops with the line" {
	printf 'a\t1\nb\n' > r.tsv
	run --separate-stderr reduce sum
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-reduce: stdin:2: missing field 2"
	run --separate-stderr reduce -k 3 count
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-reduce: stdin:1: missing key field 3"
	# count needs no value field.
	run --separate-stderr reduce count
	assert_status 0
	assert_output_equals "$(printf 'a\t1\nb\t1')"
}

@test "pdp-reduce --invalid=skip: bad records skipped and counted, exit 0" {
	printf 'a\t1\nb\tx\nc\nd\t1e400\na\t2\n' > r.tsv
	run --separate-stderr reduce --invalid=skip sum
	assert_status 0
	assert_output_equals "$(printf 'a\t3')"
	assert_stderr_contains "pdp-reduce: skipped 3 invalid records"
	assert_stderr_contains "stdin:2"
	[ "${#stderr_lines[@]}" -eq 1 ]
	run --separate-stderr reduce --invalid=fail sum
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-reduce: stdin:2: sum: not a number 'x'"
	run --separate-stderr reduce --invalid=maybe sum
	assert_status 2
	assert_output_empty
	assert_stderr_contains "pdp-reduce: invalid --invalid 'maybe'"
}

@test "pdp-reduce: file operands, named in messages; - is stdin" {
	printf 'a\t1\n' > f1.tsv
	printf 'a\t2\nb\t3\n' > f2.tsv
	printf 'a\t4\nb\tzz\n' > bad.tsv
	run --separate-stderr pdp-reduce sum f1.tsv f2.tsv
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'a\t3\nb\t3')"
	run --separate-stderr pdp-reduce sum f1.tsv - f2.tsv < f1.tsv
	assert_status 0
	assert_output_equals "$(printf 'a\t4\nb\t3')"
	run --separate-stderr pdp-reduce sum f1.tsv bad.tsv
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-reduce: bad.tsv:2: sum: not a number 'zz'"
}

@test "pdp-reduce: a missing file is an error, exit 2" {
	printf 'a\t1\n' > f1.tsv
	run --separate-stderr pdp-reduce sum f1.tsv nosuch.tsv
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-reduce: nosuch.tsv: No such file or directory"
}

@test "pdp-reduce: empty input, empty output, exit 0" {
	run --separate-stderr pdp-reduce sum < /dev/null
	assert_status 0
	assert_stderr_empty
	assert_output_empty
}

@test "pdp-reduce: a last line without newline is a record" {
	printf 'a\t1\na\t2' > r.tsv
	run --separate-stderr reduce sum
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'a\t3')"
}

@test "pdp-reduce: escaped keys stay escaped and grouped by their bytes" {
	printf 'a\\tb\t1\na\\tb\t2\na\\\\b\t5\n' > r.tsv
	run --separate-stderr reduce sum
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf '%s\t%s\n' 'a\\b' 5 'a\tb' 3)"
}

@test "pdp-reduce: an unknown op or none is a usage error" {
	mkr
	run --separate-stderr reduce bogus
	assert_status 2
	assert_output_empty
	assert_stderr_contains "pdp-reduce: unknown operation 'bogus'"
	run --separate-stderr reduce sum,medianx
	assert_status 2
	assert_output_empty
	assert_stderr_contains "pdp-reduce: unknown operation 'medianx'"
	# A known op with a bad field says so.
	for op in sum:0 sum:2x perc:50:1000001; do
		run --separate-stderr reduce "$op"
		assert_status 2
		assert_output_empty
		assert_stderr_equals "pdp-reduce: $op: bad field: a number from 1 to 1000000, or a name that does not start with a digit"
	done
	run --separate-stderr reduce
	assert_status 2
	assert_output_empty
	assert_stderr_contains "pdp-reduce: missing operation"
	assert_stderr_contains "usage: pdp-reduce"
	run --separate-stderr reduce --bogus sum
	assert_status 2
	assert_output_empty
	assert_stderr_contains "usage: pdp-reduce"
}

@test "pdp-reduce: --help on stdout, --version" {
	run --separate-stderr pdp-reduce --help
	assert_status 0
	assert_stderr_empty
	assert_output_contains "usage: pdp-reduce"
	assert_output_contains "count sum min max mean first last"
	run --separate-stderr pdp-reduce -h
	assert_status 0
	assert_output_contains "usage: pdp-reduce"
	run --separate-stderr pdp-reduce --version
	assert_status 0
	assert_stderr_empty
	assert_output_matches '^pdp-reduce [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "pdp-reduce --round and --format: numbers as asked (decimal sums rounded exactly); bad forms are usage errors" {
	printf 'a\t1\na\t2\nb\t2.675\nc\t0.125\nc\t0.25\nd\t-2.5\ne\t-0.001\n' > r.tsv
	run --separate-stderr reduce --round 2 sum,count,mean,min,first
	assert_status 0
	assert_stderr_empty
	# b's sum is the decimal 2.675, half to even: 2.68, and so is its min,
	# the value as it appeared; its mean is the double just below 2.675:
	# 2.67, as printf rounds it.  first is text.  -0.001 is 0.00, unsigned.
	assert_output_equals "$(printf 'a\t3.00\t2.00\t1.50\t1.00\t1\nb\t2.68\t1.00\t2.67\t2.68\t2.675\nc\t0.38\t2.00\t0.19\t0.12\t0.125\nd\t-2.50\t1.00\t-2.50\t-2.50\t-2.5\ne\t0.00\t1.00\t0.00\t0.00\t-0.001')"
	run --separate-stderr reduce --round 0 sum
	assert_output_equals "$(printf 'a\t3\nb\t3\nc\t0\nd\t-2\ne\t0')"
	run --separate-stderr reduce --format '%08.3f' sum,count,mean
	assert_status 0
	assert_output_contains "$(printf 'a\t0003.000\t0002.000\t0001.500')"
	run --separate-stderr reduce --format 'x%.1e%%' sum
	assert_output_contains "$(printf 'a\tx3.0e+00%%')"
	if command -v datamash > /dev/null; then
		grep '^a' r.tsv | datamash --format '%08.3f' -g 1 sum 2 count 2 mean 2 min 2 > want
		pdp-reduce --format '%08.3f' sum,count,mean,min <(grep '^a' r.tsv) > got
		assert_files_equal want got
		grep '^a' r.tsv | datamash --round 3 -g 1 sum 2 mean 2 > want
		pdp-reduce --round 3 sum,mean <(grep '^a' r.tsv) > got
		assert_files_equal want got
	fi
	for f in '%d' '%f%f' '%' '%5' '%123f' '%.100f' 'x' '%Lf' '%s'; do
		run --separate-stderr reduce --format "$f" sum
		assert_status 2
		assert_output_empty
		assert_stderr_contains "pdp-reduce: invalid --format '$f'"
	done
	for n in 31 -1 x ''; do
		run --separate-stderr reduce --round "$n" sum
		assert_status 2
		assert_stderr_contains "pdp-reduce: invalid --round '$n' (0 to 30)"
	done
	run --separate-stderr reduce --round 2 --format '%f' sum
	assert_status 2
	assert_stderr_equals "pdp-reduce: --round and --format: one way to print numbers"
	run --separate-stderr reduce --round 2 --partial sum
	assert_status 2
	assert_stderr_contains "not with --round or --format"
}

@test "pdp-reduce absmin, absmax and unique: as datamash, merged from any split, and --combine absmin/absmax" {
	printf 'k\t-5\nk\t3\nk\t-1.5\nj\t5\nj\t-5\nj\t2\nj\t-9223372036854775808\ni\t0.25\ni\t-0.25\ni\t1e-1\n' > r.tsv
	run --separate-stderr reduce absmin,absmax,unique
	assert_status 0
	assert_stderr_empty
	# Equal magnitudes: the bytewise smallest text (-0.25, -5).
	assert_output_equals "$(printf 'i\t1e-1\t-0.25\t-0.25,0.25,1e-1\nj\t2\t-9223372036854775808\t-5,-9223372036854775808,2,5\nk\t-1.5\t-5\t-1.5,-5,3')"
	want=$output
	for n in 2 3; do
		split -n l/$n r.tsv part.
		for p in part.*; do pdp-reduce --partial absmin,absmax,unique "$p"; done > states
		rm part.*
		run --separate-stderr pdp-reduce --merge absmin,absmax,unique states
		assert_status 0
		assert_output_equals "$want"
	done
	if command -v datamash > /dev/null; then
		printf 'k\t-5\nk\t3\nk\t-1.5\nm\t7\nm\t-2\n' > d.tsv
		datamash -s -g 1 absmin 2 absmax 2 unique 2 < d.tsv > want
		pdp-reduce absmin,absmax,unique d.tsv > got
		assert_files_equal want got
	fi
	printf 'a\t-3\nb\t4\n' > f1.txt
	printf 'a\t2\nb\t-7\n' > f2.txt
	for op in absmin absmax; do
		ls f?.txt | pdp-map exec cat | pdp-reduce $op > want
		ls f?.txt | pdp-map -j2 --combine $op exec cat | pdp-reduce $op > got
		assert_files_equal want got
	done
	run cat got
	assert_output_equals "$(printf 'a\t-3\nb\t-7')"
}

@test "pdp-reduce: count and sum beside a mean of the same field give what each gives alone" {
	# A sum and a count are kept within the mean's state (its sum and
	# its number of values): every path (the table, spills, -j, --sorted,
	# --partial) must see what it would see with each op kept apart.
	# The reference runs each op beside max of the same field, which
	# keeps its own state and drops the same records (NA with --narm,
	# not a number with --invalid=skip).
	set -o pipefail
	python3 - <<'EOF2'
import random
r = random.Random(11)
def val(bad):
    x = r.random()
    if bad and x < 0.02: return "abc"
    if bad and x < 0.05: return "NA"
    if x < 0.08: return "%.6e" % r.uniform(-1e6, 1e6)
    if x < 0.10: return "0.12345678901"
    if x < 0.40: return str(r.randrange(-10**6, 10**6))
    return "%.2f" % r.uniform(-1e4, 1e4)
# 30,000 keys: some 3 MB of table, past -S 1M.
for name, bad, n in (("ok.tsv", 0, 150000), ("bad.tsv", 1, 150000)):
    with open(name, "w") as f:
        for i in range(n):
            f.write("k%d\t%s\t%s\n" % (r.randrange(30000), val(bad), val(bad)))
EOF2
	# (A stream of more than 4 MiB is read by two processes with -j2.)
	for i in 1 2 3 4 5; do cat ok.tsv; done > big.tsv
	LC_ALL=C sort -t "$(printf '\t')" -k1,1 -s ok.tsv > sorted.tsv
	# -S 1M spills: a -T that is not there is an error then.
	for f in ok.tsv bad.tsv; do
		run --separate-stderr pdp-reduce --narm --invalid=skip -S 1M \
		    -T nodir count,sum:2,mean:2 "$f"
		assert_status 2
		assert_stderr_contains "nodir"
	done
	alone() {	# alone OPTS FILE N OP...: each op's column, pasted
		local o=$1 f=$2 n=$3 op	# (count beside max:N)
		shift 3
		pdp-reduce $o count,max:$n "$f" | cut -f1 > cols || return 1
		for op in "$@"; do
			case $op in
			count) pdp-reduce $o count,max:$n "$f" ;;
			*) pdp-reduce $o "$op,max:${op#*:}" "$f" ;;
			esac | cut -f2 > col || return 1
			paste cols col > cols.new && mv cols.new cols
		done
		cat cols
	}
	for c in "ok.tsv|" "ok.tsv|-S 1M" "ok.tsv|--partial" "ok.tsv|--partial -S 1M" \
	    "bad.tsv|--narm --invalid=skip" "bad.tsv|--invalid=skip" \
	    "bad.tsv|--narm --invalid=skip -S 1M" "big.tsv|-j2" "big.tsv|-j1 -S 1M" \
	    "sorted.tsv|--sorted" "sorted.tsv|--sorted --partial"; do
		f=${c%%|*} o=${c#*|}
		for ops in count,sum:2,mean:2 mean:2,count,sum:3,sum:2,mean:3 \
		    sum:2,mean:2 count,mean:3; do
			if [ "$f" = bad.tsv ] && [ "$ops" != count,mean:3 ]; then
				# (max:2 beside an op of field 3 would drop more.)
				case $ops in *:3*) continue ;; esac
			fi
			n=2
			case $ops in count,mean:3) n=3 ;; esac
			alone "$o" "$f" $n $(echo "$ops" | tr , ' ') > want ||
				fail "the reference failed: $o $ops"
			[ "$(wc -l < want)" -ge 29000 ] || fail "$(wc -l < want) keys"
			if [ "$f" = big.tsv ]; then
				cat big.tsv | pdp-reduce $o "$ops" > got 2> err
			else
				pdp-reduce $o "$ops" "$f" > got 2> err
			fi || fail "pdp-reduce $o $ops $f: exit $?: $(cat err)"
			cmp -s want got ||
				fail "$o $ops $f: $(diff want got | head -5)"
		done
	done
	# --merge keeps each state apart: states that disagree (a count
	# that is not the mean's number of values) are each their own.
	printf 'k\tpdp2:count:3\tpdp2:sum:10:-\tpdp2:mean:2:4:-\n' > s.tsv
	run --separate-stderr pdp-reduce --merge count,sum,mean s.tsv
	assert_status 0
	assert_output_equals "$(printf 'k\t3\t10\t2')"
}

@test "pdp-reduce: count and sum beside a mean take no memory of their own" {
	[ -x /usr/bin/time ] || skip "/usr/bin/time is missing"
	[ -z "${PDP_SANITIZE:-}" ] || skip "peak RSS means nothing under the sanitizers"
	# 300,000 keys with count,sum,mean take what the mean alone takes
	# (an entry and 40 bytes a key), not 40 bytes more.  -S 1G: no run
	# spills, whatever memory the machine has free.
	python3 -c '
for i in range(300000):
    print("key%d\t%d.25" % (i, i))' > many.tsv
	/usr/bin/time -o rss.all -f %M pdp-reduce -S 1G count,sum,mean many.tsv > got.all
	/usr/bin/time -o rss.mean -f %M pdp-reduce -S 1G mean many.tsv > got.mean
	/usr/bin/time -o rss.apart -f %M pdp-reduce -S 1G count,sum,max many.tsv > /dev/null
	cut -f1,4 got.all > got.all.mean
	assert_files_equal got.mean got.all.mean
	all=$(tail -n 1 rss.all) mean=$(tail -n 1 rss.mean) apart=$(tail -n 1 rss.apart)
	[ "$all" -lt $((mean + 4096)) ] ||
		fail "count,sum,mean ${all} KB, mean alone ${mean} KB"
	# (count,sum,max keep their states apart: 64 bytes a key, 19 MB.)
	[ "$apart" -gt $((all + 8192)) ] ||
		fail "count,sum,max ${apart} KB, count,sum,mean ${all} KB"
}
