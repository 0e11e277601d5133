#!/usr/bin/env bats
# pdp-reduce at scale (issue 5): var/stddev/pvar/pstdev/countunique/collect,
# order independence, --partial/--merge on random splits, --sorted
# streaming, and the memory budget (-S) with spills to -T DIR.

load helper

# Every op; and the ones whose result does not depend on the order of the
# records (first and last do: they need splits that keep the order).
# The order statistics, moments and sketches (issue 16) too.
STATS=median,q1,q3,iqr,perc:12.5,mode,antimode,mad,madraw,trimmean:0.1,sskew,pskew,skurt,pkurt,geomean,harmmean,approx-countunique,approx-median,approx-perc:99
ALL=count,sum,min,max,mean,var,stddev,pvar,pstdev,countunique,collect,first,last,$STATS
UNORDERED=count,sum,min,max,mean,var,stddev,pvar,pstdev,countunique,collect,$STATS

setup_file() {
	local d=$BATS_FILE_TMPDIR
	# ~50k records key<TAB>group<TAB>value, ~1000 keys, ~3000 (key,
	# group) pairs; integers, plain decimals, exponents and tiny floats.
	awk 'BEGIN {
		srand(42)
		for (i = 0; i < 50000; i++) {
			k = int(rand() * 1000)
			r = rand()
			if (r < 0.4)
				v = int(rand() * 2000000) - 1000000
			else if (r < 0.8)
				v = sprintf("%.6f", (rand() - 0.5) * 1000)
			else if (r < 0.9)
				v = sprintf("%.3e", (rand() - 0.5) * 1e6)
			else
				v = sprintf("%.17g", rand() * 1e-3)
			printf "k%d\tg%d\t%s\n", k, int(rand() * 3), v
		}
	}' > "$d/data"
	# ~500k records over ~200k keys, for the spill tests.
	awk 'BEGIN {
		srand(7)
		for (i = 0; i < 500000; i++) {
			k = int(rand() * 200000)
			if (rand() < 0.5)
				v = int(rand() * 2000) - 1000
			else
				v = sprintf("%.4f", (rand() - 0.5) * 100)
			printf "key%06d\t%s\n", k, v
		}
	}' > "$d/big"
}

teardown() {
	if [ -n "${MOUNTED:-}" ]; then
		umount "$MOUNTED" 2>/dev/null || umount -l "$MOUNTED" 2>/dev/null
	fi
	[ -n "${BGPIDS:-}" ] && kill $BGPIDS 2>/dev/null
	[ -n "${T:-}" ] && [ -d "$T" ] && chmod -R u+rwx "$T" 2>/dev/null
	return 0
}

# mergeparts OPTS OPS PART...: --partial on each part (value field 3), the
# states concatenated in the order given, then --merge of them all.
mergeparts() {
	local opts=$1 ops=$2 f
	shift 2
	for f; do
		pdp-reduce $opts -f3 --partial "$ops" "$f" || return 1
	done > states.tsv
	pdp-reduce $opts --merge "$ops" < states.tsv
}

# check_merge OPTS OPS WHOLE PART...: mergeparts gives WHOLE byte for byte.
check_merge() {
	local opts=$1 ops=$2 whole=$3
	shift 3
	run --separate-stderr mergeparts "$opts" "$ops" "$@"
	assert_status 0
	assert_stderr_empty
	printf '%s\n' "$output" > merged.tsv
	assert_files_equal "$whole" merged.tsv
}

# reversed ARGS...: the arguments in reverse order.
reversed() {
	local i out=()
	for (( i = $#; i > 0; i-- )); do out+=("${!i}"); done
	printf '%s\n' "${out[@]}"
}

# --- the new operations ----------------------------------------------------

@test "var stddev pvar pstdev: exact values, no cancellation, nan for one value" {
	printf 'a\t1\na\t2\na\t3\na\t4\nb\t1000000000\nb\t1000000001\nb\t1000000002\nc\t5\n' > v.tsv
	run --separate-stderr pdp-reduce var,stddev,pvar,pstdev v.tsv
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf '%s\n' \
	    'a	1.6666666666666667	1.2909944487358056	1.25	1.118033988749895' \
	    'b	1	1	0.6666666666666666	0.816496580927726' \
	    'c	nan	nan	0	0')"
	# Large offsets as floats too: still exactly 1.
	printf 'x\t1e9\nx\t1000000001.0\nx\t1.000000002e9\n' > off.tsv
	run --separate-stderr pdp-reduce var,stddev off.tsv
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'x\t1\t1')"
	# One value through --partial/--merge: still nan.
	printf 'c\t5\n' | pdp-reduce --partial var,stddev,pvar > st.tsv
	run --separate-stderr pdp-reduce --merge var,stddev,pvar st.tsv
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'c\tnan\tnan\t0')"
}

@test "var stddev pvar pstdev agree with python3 statistics on small sets" {
	command -v python3 >/dev/null || skip "python3 is missing"
	printf '%s\n' 'a	1' 'a	2' 'a	3' 'a	4' \
	    'b	0.1' 'b	0.2' 'b	0.3' \
	    'c	1e9' 'c	1000000001' 'c	1.000000002e9' \
	    'd	-5' 'd	2.5' 'd	1e-3' 'd	7' \
	    'e	1e15' 'e	-1e15' 'e	3' 'e	0.5' \
	    'f	9007199254740993' 'f	9007199254740992' \
	    'f	-9223372036854775808' 'f	9223372036854775807' \
	    'g	42' > sm.tsv
	# Exact rational arithmetic: integers as integers, the rest as the
	# doubles they read as; the results printed as the shortest repr,
	# integral values without ".0".
	python3 - sm.tsv > want.tsv <<'EOF'
import re, statistics as s, sys
from fractions import Fraction as F
d = {}
for line in open(sys.argv[1]):
    k, v = line.rstrip('\n').split('\t')
    d.setdefault(k, []).append(F(int(v)) if re.fullmatch(r'-?[0-9]+', v) else F(float(v)))
def fmt(f):
    r = repr(float(f))
    return r[:-2] if r.endswith('.0') else r
for k in sorted(d):
    x = d[k]
    out = [fmt(s.variance(x)), fmt(s.stdev(x))] if len(x) > 1 else ['nan', 'nan']
    out += [fmt(s.pvariance(x)), fmt(s.pstdev(x))]
    print('\t'.join([k] + out))
EOF
	run --separate-stderr pdp-reduce var,stddev,pvar,pstdev sm.tsv
	assert_status 0
	assert_stderr_empty
	printf '%s\n' "$output" > got.tsv
	assert_files_equal want.tsv got.tsv
}

@test "var stddev pvar pstdev on 50k random values: within 1e-15 of python3" {
	command -v python3 >/dev/null || skip "python3 is missing"
	run --separate-stderr pdp-reduce -f3 var,stddev,pvar,pstdev "$BATS_FILE_TMPDIR/data"
	assert_status 0
	assert_stderr_empty
	printf '%s\n' "$output" > got.tsv
	run python3 - "$BATS_FILE_TMPDIR/data" got.tsv <<'EOF'
import re, statistics as s, sys
from fractions import Fraction as F
d = {}
for line in open(sys.argv[1]):
    k, g, v = line.rstrip('\n').split('\t')
    d.setdefault(k, []).append(F(int(v)) if re.fullmatch(r'-?[0-9]+', v) else F(float(v)))
got = [l.rstrip('\n').split('\t') for l in open(sys.argv[2])]
assert [g[0] for g in got] == sorted(d), "keys differ"
worst = 0.0
for g in got:
    x = d[g[0]]
    want = [float(s.variance(x)), float(s.stdev(x)), float(s.pvariance(x)), float(s.pstdev(x))]
    for a, b in zip(map(float, g[1:]), want):
        worst = max(worst, abs(a - b) / abs(b))
print(worst)
sys.exit(0 if worst <= 1e-15 else 1)
EOF
	[ "$status" -eq 0 ] || fail "relative error too large: $output"
}

@test "countunique and collect: distinct values, sorted bytewise, --separator" {
	printf '%s\n' 'a	x' 'a	y' 'a	x' 'a	b' 'a	y' 'b	q' 'c	10' 'c	9' 'c	10.0' > c.tsv
	run --separate-stderr pdp-reduce countunique,collect c.tsv
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf '%s\n' 'a	3	b,x,y' 'b	1	q' 'c	3	10,10.0,9')"
	run --separate-stderr pdp-reduce --separator ';' collect,countunique c.tsv
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf '%s\n' 'a	b;x;y	3' 'b	q	1' 'c	10;10.0;9	3')"
	run --separate-stderr pdp-reduce --separator=' | ' collect c.tsv
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf '%s\n' 'a	b | x | y' 'b	q' 'c	10 | 10.0 | 9')"
}

@test "countunique and collect keep escaped tabs and backslashes as they appear" {
	# Values (as they appear, escaped): a!  a\tb  a\\b  a!  z\tw
	printf '%s\n' 'k	a!' 'k	a\tb' 'k	a\\b' 'k	a!' 'k	z\tw' > e.tsv
	run --separate-stderr pdp-reduce countunique,collect e.tsv
	assert_status 0
	assert_stderr_empty
	assert_output_equals 'k	4	a!,a\\b,a\tb,z\tw'
	# The state escapes the members once more, and merges back.
	run --separate-stderr pdp-reduce --partial collect e.tsv
	assert_status 0
	assert_stderr_empty
	assert_output_equals 'k	pdp2:collect:4:a!\ta\\\\b\ta\\tb\tz\\tw'
	# Split in two: the merge finds the same four members.
	head -n 2 e.tsv | pdp-reduce --partial countunique,collect > st.tsv
	tail -n +3 e.tsv | pdp-reduce --partial countunique,collect >> st.tsv
	run --separate-stderr pdp-reduce --merge countunique,collect st.tsv
	assert_status 0
	assert_stderr_empty
	assert_output_equals 'k	4	a!,a\\b,a\tb,z\tw'
}

@test "--partial writes the documented pdp2 states" {
	printf 'a\t1\na\t2\na\t3\na\t4\nb\tx\nb\ty\nb\tx\n' > p.tsv
	run --separate-stderr pdp-reduce -k1 --partial count,sum,mean,min,max,first,last,var,pstdev <(head -4 p.tsv)
	assert_status 0
	assert_stderr_empty
	assert_output_equals 'a	pdp2:count:4	pdp2:sum:10:-	pdp2:mean:4:10:-	pdp2:min:1	pdp2:max:4	pdp2:first:1	pdp2:last:4	pdp2:var:4:0x1.4p+3:0x1.ep+4	pdp2:pstdev:4:0x1.4p+3:0x1.ep+4'
	run --separate-stderr pdp-reduce --partial countunique,collect p.tsv
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf '%s\n' \
	    'a	pdp2:countunique:4:1\t2\t3\t4	pdp2:collect:4:1\t2\t3\t4' \
	    'b	pdp2:countunique:2:x\ty	pdp2:collect:2:x\ty')"
}

# --- order independence ----------------------------------------------------

@test "results do not depend on the order of the input (3 shuffles, reversed)" {
	# 2000 floats over 5 keys, magnitudes 1e-8 to 1e12: a naive sum
	# depends on the order.
	awk 'BEGIN {
		srand(1)
		for (i = 0; i < 2000; i++)
			printf "k%d\t%.15g\n", i % 5,
			    (rand() - 0.5) * 10 ^ int(rand() * 20 - 8)
	}' > o.tsv
	local ops=sum,mean,var,stddev,min,max,countunique
	pdp-reduce "$ops" o.tsv > o.out
	[ "$(wc -l < o.out)" -eq 5 ] || fail "expected 5 keys"
	shuf --random-source=<(yes) o.tsv > s1.tsv
	awk 'BEGIN { srand(99); for (i = 0; i < 100000; i++) printf "%c", int(rand() * 256) }' > seed
	sort -R --random-source=seed o.tsv > s2.tsv
	awk 'BEGIN { srand(3) } { printf "%.12f\t%s\n", rand(), $0 }' o.tsv |
	    sort -n | cut -f2- > s3.tsv
	tac o.tsv > s4.tsv
	# The shuffles really are other orders of the same records.
	for s in s1 s2 s3 s4; do
		! cmp -s o.tsv $s.tsv || fail "$s.tsv is not shuffled"
		[ "$(sort $s.tsv | md5sum)" = "$(sort o.tsv | md5sum)" ] ||
		    fail "$s.tsv is not a permutation"
		run --separate-stderr pdp-reduce "$ops" $s.tsv
		assert_status 0
		assert_stderr_empty
		printf '%s\n' "$output" > $s.out
		assert_files_equal o.out $s.out
	done
}

# --- --partial / --merge ---------------------------------------------------

@test "--partial then --merge equals the whole: split -n l/2, l/3, l/7 (every op)" {
	local d=$BATS_FILE_TMPDIR/data k
	pdp-reduce -f3 "$ALL" "$d" > whole.tsv
	for k in 2 3 7; do
		rm -f part.*
		split -n l/$k "$d" part.
		[ "$(ls part.* | wc -l)" -eq $k ] || fail "split made no $k parts"
		check_merge "" "$ALL" whole.tsv part.*
	done
}

@test "--partial then --merge equals the whole: head/tail cuts (every op), reversed (unordered ops)" {
	local d=$BATS_FILE_TMPDIR/data
	pdp-reduce -f3 "$ALL" "$d" > whole.tsv
	pdp-reduce -f3 "$UNORDERED" "$d" > whole-u.tsv
	head -n 1 "$d" > c1; sed -n '2,17777p' "$d" > c2; sed -n '17778,17778p' "$d" > c3
	sed -n '17779,40001p' "$d" > c4; tail -n +40002 "$d" > c5
	check_merge "" "$ALL" whole.tsv c1 c2 c3 c4 c5
	check_merge "" "$UNORDERED" whole-u.tsv c5 c4 c3 c2 c1
	head -n 25000 "$d" > h; tail -n +25001 "$d" > t
	check_merge "" "$ALL" whole.tsv h t
	check_merge "" "$UNORDERED" whole-u.tsv t h
}

@test "--partial then --merge equals the whole: split by key hash into 2, 3, 7 (every op, any part order)" {
	local d=$BATS_FILE_TMPDIR/data k
	pdp-reduce -f3 "$ALL" "$d" > whole.tsv
	for k in 2 3 7; do
		rm -f kh.*
		# Every record of a key in one part, in order.
		awk -v k=$k '{ h = (substr($1, 2) * 2654435761) % 4294967296 % k
			print > ("kh." h) }' "$d"
		check_merge "" "$ALL" whole.tsv kh.*
		check_merge "" "$ALL" whole.tsv $(reversed kh.*)
	done
}

@test "--partial then --merge equals the whole: random and round-robin record splits" {
	local d=$BATS_FILE_TMPDIR/data k seed
	pdp-reduce -f3 "$UNORDERED" "$d" > whole-u.tsv
	for k in 2 3 7; do
		for seed in 1 2; do
			rm -f rs.*
			awk -v k=$k -v seed=$seed 'BEGIN { srand(seed) }
				{ print > ("rs." int(rand() * k)) }' "$d"
			check_merge "" "$UNORDERED" whole-u.tsv rs.*
			check_merge "" "$UNORDERED" whole-u.tsv $(reversed rs.*)
		done
		rm -f rr.*
		awk -v k=$k '{ print > ("rr." NR % k) }' "$d"
		check_merge "" "$UNORDERED" whole-u.tsv rr.*
	done
}

@test "--merge --partial re-emits states: two- and three-level merges equal the whole" {
	local d=$BATS_FILE_TMPDIR/data
	pdp-reduce -f3 "$ALL" "$d" > whole.tsv
	split -n l/7 "$d" part.
	local p=(part.*) f
	for f in "${p[@]}"; do
		pdp-reduce -f3 --partial "$ALL" "$f" > "$f.st"
	done
	# Level 2: parts 1-3 and 4-7 merged, still as states.
	cat part.aa.st part.ab.st part.ac.st | pdp-reduce --merge --partial "$ALL" > m1.st
	cat part.ad.st part.ae.st part.af.st part.ag.st | pdp-reduce --merge --partial "$ALL" > m2.st
	grep -q 'pdp2:collect:' m1.st || fail "--merge --partial wrote no states"
	run --separate-stderr bash -c "set -o pipefail; cat m1.st m2.st | pdp-reduce --merge '$ALL'"
	assert_status 0
	assert_stderr_empty
	printf '%s\n' "$output" > merged.tsv
	assert_files_equal whole.tsv merged.tsv
	# Level 3: a merge of (m1) with a merge of (m2 alone).
	pdp-reduce --merge --partial "$ALL" m2.st > m3.st
	cat m1.st m3.st | pdp-reduce --merge --partial "$ALL" > m4.st
	run --separate-stderr pdp-reduce --merge "$ALL" m4.st
	assert_status 0
	assert_stderr_empty
	printf '%s\n' "$output" > merged.tsv
	assert_files_equal whole.tsv merged.tsv
	# A single --partial of the whole merges to the whole.
	pdp-reduce -f3 --partial "$ALL" "$d" > w.st
	run --separate-stderr pdp-reduce --merge "$ALL" w.st
	assert_status 0
	printf '%s\n' "$output" > merged.tsv
	assert_files_equal whole.tsv merged.tsv
}

@test "--partial then --merge equals the whole with -k 1,2 composite keys" {
	local d=$BATS_FILE_TMPDIR/data k
	pdp-reduce -k 1,2 -f3 "$ALL" "$d" > whole.tsv
	pdp-reduce -k 1,2 -f3 "$UNORDERED" "$d" > whole-u.tsv
	[ "$(wc -l < whole.tsv)" -gt 2000 ] || fail "too few composite keys"
	for k in 2 3 7; do
		rm -f part.* rs.*
		split -n l/$k "$d" part.
		check_merge "-k 1,2" "$ALL" whole.tsv part.*
		awk -v k=$k 'BEGIN { srand(k) } { print > ("rs." int(rand() * k)) }' "$d"
		check_merge "-k 1,2" "$UNORDERED" whole-u.tsv $(reversed rs.*)
	done
	# Two levels.
	rm -f part.*
	split -n l/3 "$d" part.
	for f in part.*; do pdp-reduce -k 1,2 -f3 --partial "$ALL" $f > $f.st; done
	pdp-reduce -k 1,2 --merge --partial "$ALL" part.aa.st part.ab.st > m1.st
	run --separate-stderr bash -c "set -o pipefail; cat m1.st part.ac.st | pdp-reduce -k 1,2 --merge '$ALL'"
	assert_status 0
	assert_stderr_empty
	printf '%s\n' "$output" > merged.tsv
	assert_files_equal whole.tsv merged.tsv
}

# --- --merge errors --------------------------------------------------------

# bad_state OPS STATE MESSAGE: a --merge input whose third line holds
# STATE is an error naming line 3.
bad_state() {
	printf 'a\tpdp1:sum:1:-\nb\tpdp1:sum:2:-\nc\t%s\n' "$2" > bad.tsv
	run --separate-stderr pdp-reduce --merge "$1" < bad.tsv
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-reduce: stdin:3: $3"
}

@test "--merge: a state of another op, another version, garbage are errors with the line" {
	bad_state sum 'pdp1:count:3' "sum: state of another operation 'pdp1:count:3'"
	bad_state sum 'pdp1:mean:1:3:-' "sum: state of another operation 'pdp1:mean:1:3:-'"
	bad_state sum 'pdp3:sum:3:-' "sum: not a pdp2 (or pdp1) state 'pdp3:sum:3:-'"
	bad_state sum 'garbage' "sum: not a pdp2 (or pdp1) state 'garbage'"
	bad_state sum '' "sum: not a pdp2 (or pdp1) state ''"
}

@test "--merge: states no run could have written (no values but a sum, a negative variance) are corrupt" {
	# bad_state's first lines are sum states: one op, its states.
	bs() {
		printf 'a\t%s\nb\t%s\n' "$2" "$3" > bad.tsv
		run --separate-stderr pdp-reduce --merge "$1" < bad.tsv
		assert_status 2
		assert_output_empty
		assert_stderr_equals "pdp-reduce: stdin:2: $1: corrupt state '$3'"
	}
	bs mean 'pdp1:mean:1:5:-' 'pdp1:mean:0:5:-'
	bs var 'pdp1:var:1:0x1p+0:0x1p+0' 'pdp1:var:2:0x1p+0:-0x1p+0'
	# n * S2 < S1^2: values whose squares sum to less than they can.
	bs stddev 'pdp1:stddev:1:0x1p+0:0x1p+0' 'pdp1:stddev:1:0x1p+1:0x1p+0'
	# No values (all NA, --narm) is pdp1:pvar:0:-:-, with no sums.
	bs pvar 'pdp1:pvar:1:0x1p+0:0x1p+0' 'pdp1:pvar:0:0x1p+0:-'
	# What pdp-reduce writes always loads, through every op.
	printf 'k\t1\nk\t2\nk\t2.5\nk\t-7\nj\t1e-300\n' > v.tsv
	ops=count,sum,min,max,mean,first,last,var,stddev,pvar,pstdev,countunique,collect,range
	pdp-reduce "$ops" v.tsv > want
	run --separate-stderr bash -c "set -o pipefail; pdp-reduce --partial $ops v.tsv | pdp-reduce --merge $ops"
	assert_status 0
	assert_output_equals "$(cat want)"
}

@test "--merge: a count that leaves its range names count, whichever op comes first" {
	printf 'k\tpdp1:count:18446744073709551615\nk\tpdp1:count:1\n' > c.tsv
	run --separate-stderr pdp-reduce --merge count c.tsv
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-reduce: 'k': count out of range"
	printf 'k\tpdp1:sum:1:-\tpdp1:count:18446744073709551615\nk\tpdp1:sum:1:-\tpdp1:count:1\n' > sc.tsv
	run --separate-stderr pdp-reduce --merge sum,count sc.tsv
	assert_status 2
	assert_stderr_equals "pdp-reduce: 'k': count out of range"
	# At the edge, still in range.
	printf 'k\tpdp1:count:18446744073709551614\nk\tpdp1:count:1\n' > e.tsv
	run --separate-stderr pdp-reduce --merge count e.tsv
	assert_status 0
	assert_output_equals "$(printf 'k\t18446744073709551615')"
}

@test "--merge: a number of values that leaves 64 bits is out of range, not a wrong answer" {
	local m=18446744073709551615	# 2^64 - 1
	# mean: 2^64 - 1 values and 2; the count wrapped to 1, and the mean
	# was the sum, 6.
	printf 'k\tpdp2:mean:%s:3:-\nk\tpdp2:mean:2:3:-\n' $m > m.tsv
	run --separate-stderr pdp-reduce --merge mean m.tsv
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-reduce: 'k': mean out of range"
	# At the edge, still in range: 6 over 2^64 - 1.
	printf 'k\tpdp2:mean:18446744073709551614:3:-\nk\tpdp2:mean:1:3:-\n' > e.tsv
	run --separate-stderr pdp-reduce --merge mean e.tsv
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'k\t%s' "$(python3 -c 'print(repr(6 / (2**64 - 1)))')")"
	# The others that count their values (a sketch's buckets add up to
	# its count): each gave a number or nan.
	for st in "var:%s:0x1.8p+1:0x1.4p+2" "geomean:%s:0:0:0x1.62e42fefa39efp-1" \
	    "harmmean:%s:0:0:0x1.8p+0" "approx-median:%s:0:0=$m:-"; do
		local op=${st%%:*}
		# shellcheck disable=SC2059
		printf "k\tpdp2:$st\n" $m > big.tsv
		printf "k\tpdp2:$st\n" 2 | sed 's/=[0-9]*:/=2:/' > two.tsv
		run --separate-stderr pdp-reduce --merge "$op" big.tsv two.tsv
		assert_status 2
		assert_output_empty
		assert_stderr_equals "pdp-reduce: 'k': $op out of range"
	done
}

@test "--merge: corrupt states (missing part, 128-bit overflow, bad count, bad float) are errors" {
	bad_state sum 'pdp1:sum:3' "sum: corrupt state 'pdp1:sum:3'"
	bad_state sum 'pdp1:sum:x:-' "sum: corrupt state 'pdp1:sum:x:-'"
	bad_state sum 'pdp1:sum:3:0xzz' "sum: corrupt state 'pdp1:sum:3:0xzz'"
	# 2^127 does not fit a signed 128-bit integer (the message cuts the
	# state after 40 bytes).
	bad_state sum 'pdp1:sum:170141183460469231731687303715884105728:-' \
	    "sum: corrupt state 'pdp1:sum:1701411834604692317316873037158...'"
	bad_state sum 'pdp1:sum:99999999999999999999999999999999999999999:-' \
	    "sum: corrupt state 'pdp1:sum:9999999999999999999999999999999...'"
	printf 'a\tpdp1:count:1\nb\tpdp1:count:-1\n' > bad.tsv
	run --separate-stderr pdp-reduce --merge count bad.tsv
	assert_status 2
	assert_stderr_equals "pdp-reduce: bad.tsv:2: count: corrupt state 'pdp1:count:-1'"
}

@test "--merge: countunique/collect with a wrong member count are errors" {
	printf 'a\tpdp1:countunique:1:x\nb\t%s\n' 'pdp1:countunique:3:a\tb' > bad.tsv
	run --separate-stderr pdp-reduce --merge countunique < bad.tsv
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-reduce: stdin:2: countunique: corrupt state 'pdp1:countunique:3:a\\tb'"
	# A duplicated member: two items but one distinct value.
	printf 'a\tpdp1:collect:1:x\nb\t%s\n' 'pdp1:collect:2:y\ty' > bad.tsv
	run --separate-stderr pdp-reduce --merge collect < bad.tsv
	assert_status 2
	assert_stderr_equals "pdp-reduce: stdin:2: collect: corrupt state 'pdp1:collect:2:y\\ty'"
	# Members but a count of 0.
	printf 'a\tpdp1:collect:0:x\n' > bad.tsv
	run --separate-stderr pdp-reduce --merge collect < bad.tsv
	assert_status 2
	assert_stderr_equals "pdp-reduce: stdin:1: collect: corrupt state 'pdp1:collect:0:x'"
}

@test "--merge: a missing or extra state field is an error with the line" {
	printf 'a\tpdp1:sum:1:-\tpdp1:count:1\nb\tpdp1:sum:1:-\n' > bad.tsv
	run --separate-stderr pdp-reduce --merge sum,count < bad.tsv
	assert_status 2
	assert_output_empty
	# (The wording of this one is not fixed: the line and "expected".)
	assert_stderr_matches '^pdp-reduce: stdin:2: .*expected'
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] || fail "more than one line on stderr"
	# The states in another op order.
	printf 'a\tpdp1:count:1\tpdp1:sum:1:-\n' > bad.tsv
	run --separate-stderr pdp-reduce --merge sum,count < bad.tsv
	assert_status 2
	assert_stderr_equals "pdp-reduce: stdin:1: sum: state of another operation 'pdp1:count:1'"
	printf 'a\tpdp1:count:1\tpdp1:count:1\n' > bad.tsv
	run --separate-stderr pdp-reduce --merge count < bad.tsv
	assert_status 2
	assert_stderr_matches '^pdp-reduce: stdin:1: .*expected'
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] || fail "more than one line on stderr"
}

@test "--merge --invalid=skip skips bad state lines and says so" {
	printf '%s\n' 'a	pdp1:sum:1:-' 'b	garbage' 'b	pdp1:sum:2:-' \
	    'c	pdp3:sum:1:-' 'a	pdp1:count:1' 'a	pdp1:sum:0x1p-1:-' \
	    'a	pdp1:sum:170141183460469231731687303715884105728:-' 'b	pdp1:sum:5:0x1p-1' > bad.tsv
	run --separate-stderr pdp-reduce --merge --invalid=skip sum bad.tsv
	assert_status 0
	assert_output_equals "$(printf 'a\t1\nb\t7.5')"
	assert_stderr_equals "pdp-reduce: skipped 5 invalid records (first: bad.tsv:2: sum: not a pdp2 (or pdp1) state 'garbage')"
	printf 'a\tpdp1:countunique:1:x\nb\t%s\nb\tpdp1:countunique:1:z\n' 'pdp1:countunique:3:a\tb' > bad.tsv
	run --separate-stderr pdp-reduce --merge --invalid=skip countunique < bad.tsv
	assert_status 0
	assert_output_equals "$(printf 'a\t1\nb\t1')"
	assert_stderr_equals "pdp-reduce: skipped 1 invalid record (first: stdin:2: countunique: corrupt state 'pdp1:countunique:3:a\\tb')"
}

# --- --sorted --------------------------------------------------------------

@test "--sorted equals the hash result on LC_ALL=C sort input (one and two key fields)" {
	local d=$BATS_FILE_TMPDIR/data
	LC_ALL=C sort -t $'\t' -k1,1 "$d" > s1.tsv
	pdp-reduce -f3 "$ALL" s1.tsv > want.tsv
	run --separate-stderr pdp-reduce -s -f3 "$ALL" s1.tsv
	assert_status 0
	assert_stderr_empty
	printf '%s\n' "$output" > got.tsv
	assert_files_equal want.tsv got.tsv
	LC_ALL=C sort -t $'\t' -k1,2 "$d" > s2.tsv
	pdp-reduce -k 1,2 -f3 "$ALL" s2.tsv > want.tsv
	run --separate-stderr pdp-reduce --sorted -k 1,2 -f3 "$ALL" < s2.tsv
	assert_status 0
	assert_stderr_empty
	printf '%s\n' "$output" > got.tsv
	assert_files_equal want.tsv got.tsv
	# Prefixes: a before a! before ab, as sort puts them.
	printf 'ab\t1\na\t2\na!\t3\nab\t4\na\t5\n' | LC_ALL=C sort -t $'\t' -k1,1 > p.tsv
	run --separate-stderr pdp-reduce -s sum p.tsv
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'a\t7\na!\t3\nab\t5')"
}

@test "--sorted: unsorted input is an error naming the line and both keys" {
	printf 'a\t1\nb\t2\na\t3\n' > u.tsv
	run --separate-stderr pdp-reduce -s sum < u.tsv
	assert_status 2
	assert_stderr_equals "pdp-reduce: stdin:3: input is not sorted: 'a' after 'b'"
	# Never a repeated group.
	[ -z "$(printf '%s\n' "$output" | cut -f1 | sort | uniq -d)" ] ||
	    fail "a group was written twice"
	run --separate-stderr pdp-reduce --sorted count u.tsv
	assert_status 2
	assert_stderr_equals "pdp-reduce: u.tsv:3: input is not sorted: 'a' after 'b'"
	# Out of order much later, in a long input.
	awk 'BEGIN { for (i = 1; i <= 50000; i++) printf "k%06d\t1\n", i
		printf "k000002\t1\n" }' > u2.tsv
	run --separate-stderr pdp-reduce -s sum u2.tsv
	assert_status 2
	assert_stderr_equals "pdp-reduce: u2.tsv:50001: input is not sorted: 'k000002' after 'k050000'"
	[ -z "$(printf '%s\n' "$output" | cut -f1 | sort | uniq -d)" ] ||
	    fail "a group was written twice"
}

@test "--sorted with --top or --order=value is an error" {
	printf 'a\t1\n' > x.tsv
	run --separate-stderr pdp-reduce --sorted --top 1 sum x.tsv
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-reduce: --sorted writes each group as it ends: not with --top or --order=value"
	run --separate-stderr pdp-reduce -s --order=value sum x.tsv
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-reduce: --sorted writes each group as it ends: not with --top or --order=value"
}

@test "--sorted --merge on sorted partial states equals the whole" {
	local d=$BATS_FILE_TMPDIR/data
	pdp-reduce -f3 "$UNORDERED" "$d" > whole-u.tsv
	split -n l/3 "$d" part.
	for f in part.*; do pdp-reduce -f3 --partial "$UNORDERED" $f; done > st.tsv
	LC_ALL=C sort -t $'\t' -k1,1 st.tsv > sst.tsv
	run --separate-stderr pdp-reduce --sorted --merge "$UNORDERED" sst.tsv
	assert_status 0
	assert_stderr_empty
	printf '%s\n' "$output" > got.tsv
	assert_files_equal whole-u.tsv got.tsv
	# The concatenated (unsorted) states are refused.
	run --separate-stderr pdp-reduce --sorted --merge "$UNORDERED" st.tsv
	assert_status 2
	assert_stderr_matches "^pdp-reduce: st.tsv:[0-9]+: input is not sorted: 'k[0-9]+' after 'k[0-9]+'$"
}

@test "--sorted runs in constant memory" {
	[ -x /usr/bin/time ] || skip "/usr/bin/time is missing"
	[ -z "${PDP_SANITIZE:-}" ] || skip "peak RSS means nothing under the sanitizers"
	LC_ALL=C sort -t $'\t' -k1,1 "$BATS_FILE_TMPDIR/big" > s.tsv
	local ops=count,mean,var,countunique,collect
	/usr/bin/time -o rss.s -f %M pdp-reduce -s "$ops" s.tsv > got.tsv
	/usr/bin/time -o rss.h -f %M pdp-reduce "$ops" s.tsv > want.tsv
	assert_files_equal want.tsv got.tsv
	local s h
	s=$(tail -n 1 rss.s) h=$(tail -n 1 rss.h)
	[ "$s" -lt 10240 ] || fail "--sorted peak RSS ${s}K, not under 10M"
	[ "$h" -gt $(( s * 4 )) ] || fail "in-memory ${h}K not larger than --sorted ${s}K"
}

# --- memory budget and spills ----------------------------------------------

@test "-S 1M spills and gives the in-memory result: sum" {
	local b=$BATS_FILE_TMPDIR/big
	mkdir tmp
	pdp-reduce sum "$b" > want.tsv
	run --separate-stderr pdp-reduce -S 1M -T tmp sum "$b"
	assert_status 0
	assert_stderr_empty
	printf '%s\n' "$output" > got.tsv
	assert_files_equal want.tsv got.tsv
	[ -z "$(ls -A tmp)" ] || fail "files left in -T tmp: $(ls -A tmp)"
}

@test "-S 1M spills and gives the in-memory result: count,mean,min,max,var,countunique,collect,first,last" {
	local b=$BATS_FILE_TMPDIR/big ops=count,mean,min,max,var,countunique,collect,first,last
	mkdir tmp
	pdp-reduce "$ops" "$b" > want.tsv
	run --separate-stderr pdp-reduce -S 1M -T tmp "$ops" "$b"
	assert_status 0
	assert_stderr_empty
	printf '%s\n' "$output" > got.tsv
	assert_files_equal want.tsv got.tsv
	[ -z "$(ls -A tmp)" ] || fail "files left in -T tmp: $(ls -A tmp)"
}

@test "-S 1M with --partial and with --merge: still the in-memory result" {
	local b=half.tsv
	head -n 200000 "$BATS_FILE_TMPDIR/big" > "$b"
	mkdir tmp
	pdp-reduce sum,mean,countunique "$b" > want.tsv
	pdp-reduce -S 1M -T tmp --partial sum,mean,countunique "$b" > st.tsv
	run --separate-stderr pdp-reduce --merge sum,mean,countunique st.tsv
	assert_status 0
	assert_stderr_empty
	printf '%s\n' "$output" > got.tsv
	assert_files_equal want.tsv got.tsv
	run --separate-stderr pdp-reduce -S 1M -T tmp --merge sum,mean,countunique st.tsv
	assert_status 0
	assert_stderr_empty
	printf '%s\n' "$output" > got.tsv
	assert_files_equal want.tsv got.tsv
	[ -z "$(ls -A tmp)" ] || fail "files left in -T tmp: $(ls -A tmp)"
}

@test "-S 1M with --order=value, --top, --order=none: the in-memory result" {
	local b=$BATS_FILE_TMPDIR/big
	mkdir tmp
	pdp-reduce --order=value sum "$b" > want.tsv
	pdp-reduce -S 1M -T tmp --order=value sum "$b" > got.tsv
	assert_files_equal want.tsv got.tsv
	run --separate-stderr pdp-reduce -S 1M -T tmp --top 3 sum "$b"
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(head -n 3 want.tsv)"
	pdp-reduce --order=none sum "$b" | sort > want.tsv
	pdp-reduce -S 1M -T tmp --order=none sum "$b" | sort > got.tsv
	assert_files_equal want.tsv got.tsv
	[ -z "$(ls -A tmp)" ] || fail "files left in -T tmp: $(ls -A tmp)"
}

@test "-S 4M keeps peak RSS under 40 MB; the in-memory run is larger" {
	[ -x /usr/bin/time ] || skip "/usr/bin/time is missing"
	[ -z "${PDP_SANITIZE:-}" ] || skip "peak RSS means nothing under the sanitizers"
	local b=$BATS_FILE_TMPDIR/big ops=count,mean,var,countunique,collect
	mkdir tmp
	/usr/bin/time -o rss.s -f %M pdp-reduce -S 4M -T tmp "$ops" "$b" > got.tsv
	/usr/bin/time -o rss.h -f %M pdp-reduce "$ops" "$b" > want.tsv
	assert_files_equal want.tsv got.tsv
	local s h
	s=$(tail -n 1 rss.s) h=$(tail -n 1 rss.h)
	[ "$s" -lt 40960 ] || fail "-S 4M peak RSS ${s}K, not under 40M"
	[ "$h" -gt "$s" ] || fail "in-memory ${h}K not larger than -S 4M ${s}K"
	/usr/bin/time -o rss.s -f %M pdp-reduce -S 4M -T tmp sum "$b" > /dev/null
	s=$(tail -n 1 rss.s)
	[ "$s" -lt 40960 ] || fail "-S 4M sum peak RSS ${s}K, not under 40M"
}

@test "order statistics on 20 million values over a million keys: -S 64M spills and keeps RSS near 64 MB, with the in-memory answer" {
	[ -x /usr/bin/time ] || skip "/usr/bin/time is missing"
	[ -z "${PDP_SANITIZE:-}" ] || skip "peak RSS means nothing under the sanitizers (stats.bats spills under them)"
	command -v mawk > /dev/null || skip "mawk is not installed"
	mawk 'BEGIN { s = 1; for (i = 0; i < 20000000; i++) {
		s = (s * 48271) % 2147483647
		printf "k%06d\t%d.%02d\n", s % 1000000, int(s / 1000000) % 997, s % 100 } }' > v.tsv
	mkdir tmp
	local ops=median,perc:90,mad
	/usr/bin/time -o rss.s -f %M pdp-reduce -j1 -S 64M -T tmp "$ops" v.tsv > got.tsv
	/usr/bin/time -o rss.h -f %M pdp-reduce -j1 "$ops" v.tsv > want.tsv
	assert_files_equal want.tsv got.tsv
	[ "$(wc -l < got.tsv)" -eq 1000000 ] || fail "$(wc -l < got.tsv) keys"
	local s h
	s=$(tail -n 1 rss.s) h=$(tail -n 1 rss.h)
	# 64 MB of states and keys, the spill's merge buffers, the program.
	[ "$s" -lt 98304 ] || fail "-S 64M peak RSS ${s}K, not under 96M"
	[ "$h" -gt $((2 * s)) ] || fail "in-memory ${h}K not over twice -S 64M's ${s}K"
	[ -z "$(ls -A tmp)" ] || fail "temporary files left"
	rm -f v.tsv
}

@test "sums of values of every magnitude: their exact partials count in -S, which keeps RSS near it" {
	[ -x /usr/bin/time ] || skip "/usr/bin/time is missing"
	[ -z "${PDP_SANITIZE:-}" ] || skip "peak RSS means nothing under the sanitizers"
	command -v mawk > /dev/null || skip "mawk is not installed"
	# Eight magnitudes a key: an exact sum keeps each apart, past the
	# three partials a state holds inline, and 1e300 in its over part.
	mawk 'BEGIN { for (i = 0; i < 300000; i++) { k = sprintf("k%06d", i)
		printf "%s\t1e300\n%s\t1e-300\n%s\t1e200\n%s\t1e-200\n", k, k, k, k
		printf "%s\t1e100\n%s\t1e-100\n%s\t1\n%s\t1e-50\n", k, k, k, k } }' > v.tsv
	mkdir tmp
	/usr/bin/time -o rss.s -f %M pdp-reduce -j1 -S 16M -T tmp sum v.tsv > got.tsv
	/usr/bin/time -o rss.h -f %M pdp-reduce -j1 sum v.tsv > want.tsv
	assert_files_equal want.tsv got.tsv
	[ "$(wc -l < got.tsv)" -eq 300000 ] || fail "$(wc -l < got.tsv) keys"
	[ "$(sed -n 1p got.tsv)" = "$(printf 'k000000\t1e+300')" ] || fail "$(sed -n 1p got.tsv)"
	local s h
	s=$(tail -n 1 rss.s) h=$(tail -n 1 rss.h)
	# 16 MB of states and keys, merge buffers, the program: 20.8 MB when
	# written; 29.2 MB when the partials were left out of the count.
	[ "$s" -lt 25600 ] || fail "-S 16M peak RSS ${s}K, not under 25M"
	[ "$h" -gt $((2 * s)) ] || fail "in-memory ${h}K not over twice -S 16M's ${s}K"
	[ -z "$(ls -A tmp)" ] || fail "temporary files left"
}

# spill_fds PID DIR: how many of PID's descriptors are deleted files in DIR.
spill_fds() {
	ls -l "/proc/$1/fd" 2>/dev/null | grep -c -- "-> $2/pdp-reduce.* (deleted)$"
}

# all_read PID FILE: PID has read as many bytes as FILE holds.
all_read() {
	local r
	r=$(awk '$1 == "rchar:" { print $2 }' "/proc/$1/io" 2>/dev/null)
	[ -n "$r" ] && [ "$r" -ge "$(stat -c %s "$2")" ]
}

# start_slow ARGS...: pdp-reduce -S 1M ARGS in the background, fed the
# big file then nothing (the writer stays open); SIGINT at its default.
start_slow() {
	mkfifo in.fifo
	{ cat "$BATS_FILE_TMPDIR/big"; exec sleep 60; } > in.fifo 3>&- &
	BGPIDS=$!
	env --default-signal=INT pdp-reduce -S 1M "$@" sum < in.fifo > out.tsv 2> err.txt 3>&- &
	PID=$!
}

@test "spill files go to -T DIR unlinked at once; after SIGINT: status 130, DIR empty" {
	[ -d /proc/self/fd ] || skip "no /proc"
	env --default-signal=INT true 2>/dev/null || skip "env has no --default-signal"
	mkdir tmp
	local dir
	dir=$(pwd -P)/tmp
	start_slow -T "$dir"
	wait_until 20 eval '[ "$(spill_fds $PID "$dir")" -gt 0 ]' ||
	    fail "no spill file of pdp-reduce in $dir"
	# Once the input is read, it waits for more, its runs open.
	wait_until 20 all_read $PID "$BATS_FILE_TMPDIR/big" ||
	    fail "pdp-reduce did not read its input"
	sleep 0.3
	kill -0 $PID || fail "pdp-reduce ended before its input did"
	[ "$(spill_fds $PID "$dir")" -gt 0 ] || fail "no spilled run open"
	[ -z "$(ls -A tmp)" ] || fail "spill files are not unlinked: $(ls -A tmp)"
	kill -INT $PID
	local st=0
	wait $PID || st=$?
	[ "$st" -eq 130 ] || fail "status $st after SIGINT, not 130"
	[ -z "$(ls -A tmp)" ] || fail "files left in $dir: $(ls -A tmp)"
}

@test "spill files go to \$TMPDIR without -T; after SIGINT none remain" {
	[ -d /proc/self/fd ] || skip "no /proc"
	env --default-signal=INT true 2>/dev/null || skip "env has no --default-signal"
	mkdir tmp
	local dir
	dir=$(pwd -P)/tmp
	export TMPDIR=$dir
	start_slow
	wait_until 20 eval '[ "$(spill_fds $PID "$dir")" -gt 0 ]' ||
	    fail "no spill file of pdp-reduce in \$TMPDIR $dir"
	wait_until 20 all_read $PID "$BATS_FILE_TMPDIR/big" ||
	    fail "pdp-reduce did not read its input"
	sleep 0.3
	kill -INT $PID
	local st=0
	wait $PID || st=$?
	[ "$st" -eq 130 ] || fail "status $st after SIGINT, not 130"
	[ -z "$(ls -A tmp)" ] || fail "files left in $dir: $(ls -A tmp)"
}

@test "SIGINT between making a spill file and unlinking it leaves no file" {
	command -v cc >/dev/null || skip "no C compiler"
	env --default-signal=INT true 2>/dev/null || skip "env has no --default-signal"
	# A shim that, before unlinking a pdp-reduce temporary file, marks
	# the moment and waits: the signal arrives inside that window.  (A
	# program that never names its files, or that blocks or handles the
	# signal there, passes too.)
	cat > slowunlink.c <<-'EOF'
	#define _GNU_SOURCE
	#include <dlfcn.h>
	#include <fcntl.h>
	#include <stdlib.h>
	#include <string.h>
	#include <unistd.h>
	int unlink(const char *p)
	{
		int (*real)(const char *) = (int (*)(const char *))dlsym(RTLD_NEXT, "unlink");
		const char *mark = getenv("SLOW_UNLINK_MARK");
		if (mark && strstr(p, "pdp-reduce")) {
			close(open(mark, O_WRONLY | O_CREAT, 0644));
			sleep(5);
		}
		return real(p);
	}
	EOF
	cc -shared -fPIC -o slowunlink.so slowunlink.c -ldl > cc.log 2>&1 ||
	    skip "cannot build an LD_PRELOAD shim: $(cat cc.log)"
	mkdir tmp
	SLOW_UNLINK_MARK=$PWD/mark LD_PRELOAD=$PWD/slowunlink.so \
	    env --default-signal=INT pdp-reduce -S 1M -T "$PWD/tmp" sum \
	    "$BATS_FILE_TMPDIR/big" > out.tsv 2> err.txt 3>&- &
	PID=$!
	local st=0
	if wait_until 20 test -e mark; then
		kill -INT $PID
		wait $PID || st=$?
		[ "$st" -eq 130 ] || fail "status $st after SIGINT, not 130"
	else
		wait $PID || st=$?
	fi
	[ -z "$(ls -A tmp)" ] || fail "files left in tmp: $(ls -A tmp)"
}

@test "-T DIR that does not exist is an error naming DIR" {
	run --separate-stderr pdp-reduce -S 1M -T "$PWD/nodir" sum "$BATS_FILE_TMPDIR/big"
	assert_status 2
	assert_stderr_equals "pdp-reduce: $PWD/nodir: cannot make a temporary file: No such file or directory"
}

@test "-T DIR that is read-only is an error naming DIR" {
	need_unprivileged
	mkdir ro
	cp "$BATS_FILE_TMPDIR/big" big.tsv
	chmod 644 big.tsv
	chmod 555 ro
	chmod o+rx "$T"
	run --separate-stderr unpriv "$UBIN/pdp-reduce" -S 1M -T "$T/ro" sum "$T/big.tsv"
	assert_status 2
	assert_stderr_equals "pdp-reduce: $T/ro: cannot make a temporary file: Permission denied"
	[ -z "$(ls -A ro)" ] || fail "files left in ro"
}

@test "a full temporary disk is a clear error" {
	[ "$(id -u)" -eq 0 ] || skip "mounting a small tmpfs needs root"
	mkdir full
	mount -t tmpfs -o size=64k tmpfs "$PWD/full" 2>/dev/null ||
	    skip "cannot mount a tmpfs here"
	MOUNTED=$PWD/full
	run --separate-stderr pdp-reduce -S 1M -T "$PWD/full" sum "$BATS_FILE_TMPDIR/big"
	assert_status 2
	assert_stderr_contains "No space left on device"
	assert_stderr_equals "pdp-reduce: $PWD/full: write error: No space left on device"
	[ -z "$(ls -A full)" ] || fail "files left in the full dir"
}

@test "-S below 1M or garbage is an error, each with its own message" {
	printf 'a\t1\n' > x.tsv
	local s
	for s in 1023K 1048575 0; do
		run --separate-stderr pdp-reduce -S "$s" sum x.tsv
		assert_status 2
		assert_output_empty
		assert_stderr_equals "pdp-reduce: buffer size '$s' too small (at least 1M)"
	done
	for s in abc '' 1X -1M 1M2 1.5M; do
		run --separate-stderr pdp-reduce -S "$s" sum x.tsv
		assert_status 2
		assert_output_empty
		assert_stderr_equals "pdp-reduce: invalid buffer size '$s' (a whole number with K, M, G or T: 64M, 2G)"
	done
	for s in 1M 1m 1048576 1024K 2G; do
		run --separate-stderr pdp-reduce -S "$s" sum x.tsv
		assert_status 0
		assert_stderr_empty
		assert_output_equals "$(printf 'a\t1')"
	done
	run --separate-stderr pdp-reduce --buffer-size=512K sum x.tsv
	assert_status 2
	assert_stderr_equals "pdp-reduce: buffer size '512K' too small (at least 1M)"
}

# --- -j: one big file read in parts ---------------------------------------

# pdp-reduce processes started by this test.
reduce_procs() {
	local d
	for d in /proc/[0-9]*; do
		[ "$(cat "$d/comm" 2>/dev/null)" = pdp-reduce ] || continue
		tr '\0' '\n' < "$d/environ" 2>/dev/null |
		    grep -qxF "PDP_TEST_ID=$PDP_TEST_ID" && echo "${d#/proc/}"
	done
	return 0
}

# A file past two parts (32 MiB): the big records repeated, with the
# value field cut to integers and decimals both.
# first_child PID: a child process of PID, once it has one (5 s at most).
first_child() {
	local i c
	for i in $(seq 500); do
		c=$(pgrep -P "$1" | head -n 1)
		[ -n "$c" ] && { echo "$c"; return 0; }
		sleep 0.01
	done
	return 1
}

mkparts() {
	local i
	for i in $(seq 10); do cat "$BATS_FILE_TMPDIR/big"; done > parts.tsv
	[ "$(wc -c < parts.tsv)" -gt 33554432 ] || fail "parts.tsv is too small for two parts"
}

@test "-j: a big file read in parts gives the one-process result, every op, spilled or not" {
	mkparts
	ops=sum,count,min,max,mean,var,stddev,pvar,pstdev,first,last,countunique,collect
	pdp-reduce -j1 "$ops" parts.tsv > want
	for j in 2 3 4; do
		pdp-reduce -j$j "$ops" parts.tsv > got
		assert_files_equal want got
	done
	# Spilled: two parts of 4M, dozens of runs (fewer ops: every op's
	# states through many merges is a long test under the sanitizers).
	pdp-reduce -j1 sum,first,last,count parts.tsv > want2
	pdp-reduce -j2 -S 8M sum,first,last,count parts.tsv > got
	assert_files_equal want2 got
	pdp-reduce -j2 --partial "$ops" parts.tsv | pdp-reduce --merge "$ops" > got
	assert_files_equal want got
	# No key at all in 35 MB of comments: --header-out writes no header, as one
	# process does when no header line was read.
	yes '# a comment, and nothing else, on every line of the file' |
	    head -c 36700160 > comments.tsv
	pdp-reduce -j1 -C --header-out sum comments.tsv > want3
	[ ! -s want3 ] || fail "one process wrote $(head -c 80 want3)"
	run --separate-stderr pdp-reduce -j2 -C --header-out sum comments.tsv
	assert_status 0
	assert_output_empty
	assert_stderr_empty
	[ -z "$(reduce_procs)" ] || fail "pdp-reduce processes left: $(reduce_procs)"
}

@test "-j: a bad record in a later part: its true line number, exit 2, no output, no process left" {
	mkparts
	n=$(wc -l < parts.tsv)
	bad=$((n - 10))
	awk -v b=$bad 'NR == b { print "key000001\tx"; next } { print }' parts.tsv > badparts.tsv
	run --separate-stderr pdp-reduce -j2 sum badparts.tsv
	assert_status 2
	assert_stderr_equals "pdp-reduce: badparts.tsv:$bad: sum: not a number 'x'"
	assert_output_empty
	[ -z "$(reduce_procs)" ] || fail "pdp-reduce processes left: $(reduce_procs)"
}

# The processes take a file's chunks as each is ready (8 MiB, or 1 MiB
# and up so that each has 16): order-independent ops, a header, and
# chunks cut by a line longer than a chunk.
@test "-j: a file's chunks taken by the processes as they are ready give the one-process result: every op, a header, -S, lines longer than a chunk" {
	mkparts
	ops=sum,count,min,max,mean,var,stddev,pvar,pstdev,countunique,collect,median,mode,range
	pdp-reduce -j1 "$ops" parts.tsv > want
	for j in 2 3 4; do
		pdp-reduce -j$j "$ops" parts.tsv > got
		assert_files_equal want got
	done
	pdp-reduce -j2 -S 8M sum,count,median parts.tsv > got
	pdp-reduce -j1 sum,count,median parts.tsv > want2
	assert_files_equal want2 got
	# A header line, named fields, -H.
	{ printf 'word\tn\n'; cat parts.tsv; } > head.tsv
	pdp-reduce -j1 -H --header-in -k word sum:n,mean:n head.tsv > want3
	pdp-reduce -j3 -H --header-in -k word sum:n,mean:n head.tsv > got
	assert_files_equal want3 got
	[ "$(head -n 1 got)" = "$(printf 'GroupBy(word)\tsum(n)\tmean(n)')" ] || fail "$(head -n 1 got)"
	# Lines of 10 MB, longer than a chunk (under 4 MB with -j2 in this
	# file of about 130 MB), here and there: a chunk may start and end
	# inside one, or hold none.
	awk 'NR % 1000000 == 5 { printf "long"; for (i = 0; i < 1000000; i++) printf "1234567890"; print "\t1"; next } { print }' parts.tsv > long.tsv
	sz=$(wc -c < long.tsv)
	[ $((sz / 32)) -lt 10000000 ] || fail "long.tsv is $sz bytes: its chunks hold a long line whole"
	pdp-reduce -j1 count,sum long.tsv > want4
	for j in 2 3; do
		pdp-reduce -j$j count,sum long.tsv > got
		assert_files_equal want4 got
	done
	nlong=$(awk 'NR % 1000000 == 5' parts.tsv | wc -l)
	[ "$nlong" -gt 3 ] || fail "only $nlong long lines"
	grep -q "^long1234567890.*	$nlong	$nlong$" want4 || fail "the long lines not counted"
	[ -z "$(reduce_procs)" ] || fail "pdp-reduce processes left: $(reduce_procs)"
}

@test "-j: a bad record in a middle chunk: its true line number, with a header, exit 2, no output" {
	mkparts
	n=$(wc -l < parts.tsv)
	for at in $((n / 2 + 3)) $((n / 3)); do
		{ printf 'word\tn\n'; awk -v b=$at 'NR == b { print "key000001\tx"; next } { print }' parts.tsv; } > badparts.tsv
		for j in 2 3; do
			run --separate-stderr pdp-reduce -j$j --header-in sum:n badparts.tsv
			assert_status 2
			assert_stderr_equals "pdp-reduce: badparts.tsv:$((at + 1)): sum: not a number 'x'"
			assert_output_empty
		done
	done
	sleep 0.5
	[ -z "$(reduce_procs)" ] || fail "pdp-reduce processes left: $(reduce_procs)"
}

@test "-j: a bad record in the first part stops the others: exit 2, no output, no process left" {
	mkparts
	awk 'NR == 3 { print "key000001\tx"; next } { print }' parts.tsv > badparts.tsv
	run --separate-stderr pdp-reduce -j4 sum badparts.tsv
	assert_status 2
	assert_stderr_equals "pdp-reduce: badparts.tsv:3: sum: not a number 'x'"
	assert_output_empty
	sleep 0.5
	[ -z "$(reduce_procs)" ] || fail "pdp-reduce processes left: $(reduce_procs)"
}

@test "-j: --invalid=skip counts the skipped records once (one process)" {
	mkparts
	awk 'NR % 1000000 == 7 { print "key000001\tx"; next } { print }' parts.tsv > badparts.tsv
	run --separate-stderr pdp-reduce -j4 --invalid=skip sum badparts.tsv
	assert_status 0
	assert_stderr_equals "pdp-reduce: skipped 5 invalid records (first: badparts.tsv:7: sum: not a number 'x')"
}

# The last merge is split by key range across -j processes (each writes
# its range; the ranges are copied out in order): with 200,000 keys in
# parts.tsv, -j2 and -j3 split it.
@test "-j: the last merge split by key range: one process's bytes, -H, order statistics, first/last, --partial, spilled files" {
	mkparts
	ops=count,sum,mean,median,first,last,collect,approx-countunique
	{ printf 'id\tv\n'; cat parts.tsv; } > head.tsv
	pdp-reduce -j1 --header-in -H "$ops" head.tsv > want
	[ "$(head -n 1 want)" = "$(printf 'GroupBy(id)\tcount\tsum(v)\tmean(v)\tmedian(v)\tfirst(v)\tlast(v)\tcollect(v)\tapprox-countunique(v)')" ] ||
	    fail "header: $(head -n 1 want)"
	[ "$(wc -l < want)" -gt 150000 ] || fail "too few keys: $(wc -l < want)"
	for j in 2 3; do
		pdp-reduce -j$j --header-in -H "$ops" head.tsv > got
		assert_files_equal want got
	done
	pdp-reduce -j1 --partial "$ops" parts.tsv > want.p
	pdp-reduce -j2 --partial "$ops" parts.tsv > got.p
	assert_files_equal want.p got.p
	# Several files: no parts, but spilled runs whose merge is split.
	pdp-reduce -j1 "$ops" parts.tsv | tail -n +1 > want.s
	head -n 300000 parts.tsv > first.tsv
	tail -n +300001 parts.tsv > rest.tsv
	pdp-reduce -j2 -S 8M -T . "$ops" first.tsv rest.tsv > got.s
	assert_files_equal want.s got.s
	# One key (every sample the same) is not split; --header-out's
	# header (no header read) comes first.
	pdp-reduce -j1 -k0 --header-out count,median parts.tsv > want.k0
	pdp-reduce -j2 -k0 --header-out count,median parts.tsv > got.k0
	assert_files_equal want.k0 got.k0
	[ "$(wc -l < got.k0)" = 2 ] || fail "-k0: $(cat got.k0)"
	pdp-reduce -j1 --header-out sum parts.tsv > want.h
	pdp-reduce -j2 --header-out sum parts.tsv > got.h
	assert_files_equal want.h got.h
	[ "$(head -n 1 got.h)" = "$(printf 'GroupBy(field-1)\tsum(field-2)')" ] || fail "-H: $(head -n 1 got.h)"
	# A reader that stops early ends every process quietly.
	run --separate-stderr bash -c 'pdp-reduce -j2 "$1" parts.tsv | head -n 1' _ "$ops"
	assert_status 0
	assert_stderr_equals ""
	[ "$(echo "$output" | cut -f1)" = "$(sed -n 2p want | cut -f1)" ] || fail "first line: $output"
	sleep 0.5
	[ -z "$(reduce_procs)" ] || fail "pdp-reduce processes left: $(reduce_procs)"
}

# A merge writes keys before it meets a failing one (a table that is
# not merged fails before its first line): what the split merge writes
# is the start of the right output, and ends before the failing key.
@test "-j: a sum out of range in a later or the first key range: exit 2, what is written is the start of the output, no process left" {
	mkparts
	pdp-reduce -j1 sum parts.tsv > all
	for k in key199990 key000002; do
		{ cat parts.tsv; printf '%s\t1e308\n%s\t1e308\n' $k $k; } > over.tsv
		run --separate-stderr pdp-reduce -j1 sum over.tsv
		assert_status 2
		assert_stderr_equals "pdp-reduce: '$k': sum out of range"
		assert_output_empty
		run --separate-stderr pdp-reduce -j2 sum over.tsv
		assert_status 2
		assert_stderr_equals "pdp-reduce: '$k': sum out of range"
		printf '%s' "$output" > got
		if [ -s got ]; then
			echo >> got
			head -n "$(wc -l < got)" all | cmp - got || fail "not the start of the output"
			[ "$(tail -n 1 got | cut -f1)" \< "$k" ] || fail "wrote past $k"
		fi
		sleep 0.5
		[ -z "$(reduce_procs)" ] || fail "pdp-reduce processes left: $(reduce_procs)"
	done
}

# Kill the first child of pdp-reduce -j2 OPS big3.tsv: exit 2 and, while
# it reads (almost always), the one message, naming the part as PART (a
# regex) says, and nothing written; if it was merging its range by then,
# what is written is the start of the output.  No process is left.
killpart() {
	local ops=$1 part=$2 i
	mkparts
	for i in 1 2 3; do cat parts.tsv; done > big3.tsv
	pdp-reduce -j1 "$ops" big3.tsv > all
	pdp-reduce -j2 "$ops" big3.tsv > got 2> err &
	pid=$!
	child=$(first_child "$pid") || fail "no child process seen"
	kill -KILL "$child"
	st=0
	wait "$pid" || st=$?
	[ "$st" -eq 2 ] || fail "exit status $st: $(cat err)"
	if grep -q "the process reading" err; then
		[ "$(wc -l < err)" -eq 1 ] &&
		    grep -Eqx "pdp-reduce: big3.tsv: the process reading $part was killed by signal 9 \(Killed\)" err ||
		    fail "$(cat err)"
		[ ! -s got ] || fail "output written"
	else
		grep -Eq "the process merging the keys from '.*' was killed by signal 9" err || fail "$(cat err)"
		head -c "$(wc -c < got)" all | cmp - got || fail "not the start of the output"
	fi
	sleep 0.5
	[ -z "$(reduce_procs)" ] || fail "pdp-reduce processes left: $(reduce_procs)"
}

@test "-j: a process reading a part killed by a signal: exit 2, the message, nothing written, no process left" {
	killpart sum "part 2"
}

@test "-j with first/last (fixed parts): a process killed by a signal: exit 2, its bytes named, nothing written, no process left" {
	killpart first,last "bytes [0-9]+-[0-9]+"
}

@test "-j from a pipe: blocks handed out to the processes give the one-process result: every op, spilled, -H, long and unterminated lines, a FIFO" {
	mkparts
	ops=sum,count,min,max,mean,var,stddev,pvar,pstdev,countunique,collect,median
	pdp-reduce -j1 "$ops" parts.tsv > want
	for j in 2 3; do
		cat parts.tsv | pdp-reduce -j$j "$ops" > got
		assert_files_equal want got
	done
	# first and last depend on the order: read by one process.
	pdp-reduce -j1 count,first,last parts.tsv > want.fl
	cat parts.tsv | pdp-reduce -j2 count,first,last > got
	assert_files_equal want.fl got
	cat parts.tsv | pdp-reduce -j2 --partial "$ops" | pdp-reduce --merge "$ops" > got
	assert_files_equal want got
	# Spilled: each process within its share of -S (64M: 28M each,
	# less than the values median holds).
	pdp-reduce -j1 sum,min,count,median parts.tsv > want2
	cat parts.tsv | pdp-reduce -j2 -S 64M -T . sum,min,count,median > got
	assert_files_equal want2 got
	# Standard input that is a file is a stream too, read from its
	# offset.
	pdp-reduce -j2 "$ops" < parts.tsv > got
	assert_files_equal want got
	tail -n +1001 parts.tsv | pdp-reduce -j1 "$ops" > want5
	{ head -n 1000 > /dev/null; pdp-reduce -j2 "$ops" > got; } < parts.tsv
	assert_files_equal want5 got
	# A header (named fields, -H), a line of 3 MB (longer than a block)
	# among the others, and a last line with no newline.
	long=$(head -c 3000000 /dev/zero | tr '\0' k)
	{ printf 'id\tv\n'; head -n 500000 parts.tsv; printf '%s\t7\n' "$long"
	  tail -n +500001 parts.tsv; printf 'zz\t5'; } > odd.tsv
	pdp-reduce -j1 --header-in -H count,sum:v,max:v odd.tsv > want3
	cat odd.tsv | pdp-reduce -j2 --header-in -H count,sum:v,max:v > got
	assert_files_equal want3 got
	[ "$(tail -n 1 got)" = "$(printf 'zz\t1\t5\t5')" ] || fail "last: $(tail -n 1 got)"
	# A named pipe and a process substitution are streams too.
	mkfifo fifo
	cat parts.tsv > fifo &
	pdp-reduce -j2 "$ops" fifo > got
	wait
	assert_files_equal want got
	pdp-reduce -j2 "$ops" <(cat parts.tsv) > got
	assert_files_equal want got
	# A small stream is read by one process, with the same result.
	head -n 1000 parts.tsv | pdp-reduce -j1 "$ops" > want4
	head -n 1000 parts.tsv | pdp-reduce -j2 "$ops" > got
	assert_files_equal want4 got
	[ -z "$(reduce_procs)" ] || fail "pdp-reduce processes left: $(reduce_procs)"
}

@test "-j from a pipe: a bad record in a child's block: its line number in the stream, exit 2, no output, no process left" {
	mkparts
	n=$(wc -l < parts.tsv)
	for bad in $((n - 10)) $((n / 2 + 3)); do
		awk -v b=$bad 'NR == b { print "key000001\tx"; next } { print }' parts.tsv > badparts.tsv
		for j in 2 3; do
			run --separate-stderr bash -c "cat badparts.tsv | pdp-reduce -j$j sum"
			assert_status 2
			assert_stderr_equals "pdp-reduce: stdin:$bad: sum: not a number 'x'"
			assert_output_empty
		done
	done
	sleep 0.5
	[ -z "$(reduce_procs)" ] || fail "pdp-reduce processes left: $(reduce_procs)"
}

@test "-j from a pipe: a process reading blocks killed by a signal: exit 2, the message, nothing written, no process left" {
	mkparts
	# The stream pauses after its first 80 MB: the child is killed
	# then, and the parent learns it when it hands the child its next
	# block.
	{ cat parts.tsv; sleep 2; cat parts.tsv; } | pdp-reduce -j2 sum > got 2> err &
	pid=$!
	child=$(first_child "$pid") || fail "no child process seen"
	sleep 0.5
	kill -KILL "$child"
	st=0
	wait "$pid" || st=$?
	[ "$st" -eq 2 ] || fail "exit status $st: $(cat err)"
	[ "$(cat err)" = "pdp-reduce: stdin: the process reading part 2 was killed by signal 9 (Killed)" ] || fail "$(cat err)"
	[ ! -s got ] || fail "output written"
	sleep 0.5
	[ -z "$(reduce_procs)" ] || fail "pdp-reduce processes left: $(reduce_procs)"
}

@test "-j: a bad number of jobs is a usage error" {
	for j in x 4097 1.5 %; do
		run --separate-stderr pdp-reduce -j "$j" sum /dev/null
		assert_status 2
		assert_stderr_equals "pdp-reduce: invalid number of jobs '$j' (N, N%, +N, -N or 0: one per CPU)"
	done
}
