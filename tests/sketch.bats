#!/usr/bin/env bats
# pdp-reduce's sketches (issue 16): approx-countunique (HyperLogLog,
# 2^14 registers, standard error 0.81%) and approx-perc, approx-median
# (DDSketch, 1% relative accuracy): their error bounds on 10 million
# values, their states, merges byte for byte, and bad states.

load helper

# gen DIST N: N values of a distribution, one a line, seeded.
gen() {
	mawk -v dist="$1" -v n="$2" 'BEGIN {
		srand(11)
		for (i = 0; i < n; i++) {
			if (dist == "uniform")
				printf "%.3f\n", rand() * 1000000
			else if (dist == "zipf")	# log-uniform ranks: P(k) ~ 1/k
				printf "%d\n", int(exp(rand() * log(10000000)))
			else {				# lognormal, mu 2, sigma 1.5
				u = rand(); if (u == 0) u = 1e-12
				z = sqrt(-2 * log(u)) * cos(6.283185307179586 * rand())
				printf "%.6g\n", exp(2 + 1.5 * z)
			}
		}
	}'
}

# check DIST N PERCS: the sketches of N values against the exact answers.
# N - 1 is a multiple of 100000, so that the rank of each P, (N-1)P/100,
# is a whole number and perc:P is the value of that rank exactly, which
# DDSketch's answer must be within 1% of; approx-countunique must be
# within 3 standard errors (2.44%) of the number of distinct values.
check() {
	local dist=$1 n=$2 percs=$3 ops="approx-countunique" p
	gen "$dist" "$n" > v.txt
	for p in $percs; do ops="$ops,approx-perc:$p"; done
	pdp-reduce --no-key -f1 "$ops,approx-median" v.txt > approx
	: > exact
	for p in $percs 50; do
		pdp-reduce --no-key -f1 "perc:$p" v.txt >> exact
	done
	LC_ALL=C sort -u v.txt | wc -l >> exact
	python3 - "$dist" approx exact <<'EOF'
import sys
dist = sys.argv[1]
a = open(sys.argv[2]).read().split()
e = open(sys.argv[3]).read().split()
distinct, exact = int(e[-1]), [float(x) for x in e[:-1]]
hll = int(a[0])
err = abs(hll - distinct) / distinct
print("%s: approx-countunique %d, distinct %d, error %.3f%%" % (dist, hll, distinct, 100 * err))
assert err <= 0.0244, "HyperLogLog error past 3 standard errors"
for got, want in zip([float(x) for x in a[1:]], exact):
    rel = abs(got - want) / abs(want)
    print("%s: approx %.9g exact %.9g error %.3f%%" % (dist, got, want, 100 * rel))
    assert rel <= 0.01 + 1e-12, "DDSketch error past 1%"
EOF
}

@test "approx-countunique and approx-perc on 10 million values each of uniform, Zipf and lognormal data: within their bounds" {
	[ -z "${PDP_SANITIZE:-}" ] || skip "30 million values take too long under the sanitizers (the 200,001-value test runs)"
	command -v mawk > /dev/null || skip "mawk is not installed"
	for dist in uniform zipf lognormal; do
		run check "$dist" 10000001 "0 1 25 90 99 99.9 100"
		printf '%s\n' "$output" >&3
		assert_status 0
	done
}

@test "approx-countunique and approx-perc on 200,001 values: within their bounds" {
	command -v mawk > /dev/null || skip "mawk is not installed"
	for dist in uniform zipf lognormal; do
		run check "$dist" 200001 "0 10 75 99 100"
		assert_status 0
	done
}

@test "sketches: --partial and --merge of 1, 2 and 7 splits give one run's output and states, byte for byte" {
	command -v mawk > /dev/null || skip "mawk is not installed"
	gen lognormal 300000 | mawk '{ printf "k%d\t%s\n", NR % 5, (NR % 3 ? $1 : -$1) }' > d.tsv
	printf 'k9\t0\nk9\t0\nk8\t-1\n' >> d.tsv
	ops=approx-countunique,approx-perc:10,approx-median,approx-perc:99.9
	merge_splits "$ops" d.tsv
	# Spilled and in parts: the same.
	mkdir tmp
	pdp-reduce -j2 -S 1M -T tmp "$ops" d.tsv > s
	cmp s one
}

@test "sketch states: the documented forms; small counts exact; zeros and negatives" {
	printf 'a\tx\na\ty\na\tx\nb\t-2\nb\t0\nb\t3\nb\t3\n' > t.tsv
	run --separate-stderr pdp-reduce -f2 approx-countunique t.tsv
	assert_status 0
	assert_output_equals "$(printf 'a\t2\nb\t3')"
	run --separate-stderr pdp-reduce --partial approx-median t.tsv
	assert_status 2
	assert_stderr_contains "approx-median: not a number 'x'"
	printf 'b\t-2\nb\t0\nb\t3\nb\t3\n' > u.tsv
	run --separate-stderr pdp-reduce --partial approx-median u.tsv
	assert_status 0
	# 3 is in bucket ceil(ln 3 / ln(1.01/0.99)) = 55, -2 in 35 of the
	# negatives; each answer is its bucket's middle, within 1%.
	assert_output_equals "$(printf 'b\tpdp2:approx-median:4:1:55=2:35=1')"
	run --separate-stderr pdp-reduce approx-median,approx-perc:0,approx-perc:30,approx-perc:100 u.tsv
	assert_status 0
	assert_output_equals "$(printf 'b\t0\t-1.9936617014173506\t-1.9936617014173506\t2.974233423476716')"
	run --separate-stderr pdp-reduce --partial approx-countunique t.tsv
	assert_status 0
	assert_output_equals "$(printf 'a\tpdp2:approx-countunique:s:425=3,15668=2\nb\tpdp2:approx-countunique:s:312=2,10645=1,12409=5')"
}

@test "sketch states that no run could have written are corrupt: errors with the line, exit 2" {
	for st in 'approx-median:4:1:56=2:-' 'approx-median:2:0:56=0,2:-' \
	    'approx-median:2:0:56=2,0:-' 'approx-median:1:0:999999=1:-' \
	    'approx-median:1:1:-' 'approx-countunique:s:5=1,5=2' \
	    'approx-countunique:s:16384=1' 'approx-countunique:s:3=52' \
	    'approx-countunique:s:3=0' 'approx-countunique:d:00' 'approx-countunique:x:'; do
		op=${st%%:*}
		run --separate-stderr pdp-reduce --merge "$op" <<< "$(printf 'a\tpdp2:%s' "$st")"
		assert_status 2
		assert_output_empty
		assert_stderr_contains "stdin:1:"
	done
	run --separate-stderr pdp-reduce approx-perc:101 /dev/null
	assert_status 2
	assert_stderr_contains "approx-perc:101: bad parameter"
}
