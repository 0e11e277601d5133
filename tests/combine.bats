#!/usr/bin/env bats
# pdp-map --combine: records aggregated in each worker across its tasks;
# pdp-reduce gives the same result with or without it.

load helper

setup_file() {
	local d=$BATS_FILE_TMPDIR
	"$PDP_TOOLS/gencorpus" -f 60 -s 2M -S 3 "$d/corpus" > /dev/null || return 1
	command -v cc >/dev/null || return 0
	make_crash_plugin "$d"
}

sort_output() {
	output=$(printf '%s\n' "$output" | LC_ALL=C sort)
}

# numeric_files: records with integer and float values, negative ones,
# and equal values written differently (1.0, 1, 01), in m1..m4.txt.
numeric_files() {
	printf 'a\t1.0\nb\t-5\nc\t2.5e1\nd\t7\n' > m1.txt
	printf 'a\t1\nb\t-5.00\nc\t25\nd\t-0.5\ne\t3\n' > m2.txt
	printf 'a\t01\nb\t-4.9\nc\t24.999\nd\t1e1\ne\t3.0\n' > m3.txt
	printf 'a\t0.99\nb\t-1e0\nc\t-0\nd\t7.0\ni\t9007199254740993\n' > m4.txt
}

# crash_files: g1..g6.txt (lines l<i> and common) and bad.txt, on which
# crash.so segfaults.  bad.txt is the smallest file.
crash_files() {
	command -v cc >/dev/null || skip "no C compiler"
	cp "$BATS_FILE_TMPDIR/crash.so" .
	for i in 1 2 3 4 5 6; do printf 'l%d\ncommon\n' "$i" > "g$i.txt"; done
	printf 'x\n' > bad.txt
}

@test "--combine sum wordfreq: the same result as without, with -j1, -j2 and -j4" {
	c=$BATS_FILE_TMPDIR/corpus
	pdp-find "$c" | pdp-map -j2 wordfreq > plain
	pdp-reduce sum < plain > want
	[ "$(wc -l < want)" -gt 1000 ] || fail "too few words"
	for j in 1 2 4; do
		pdp-find "$c" | pdp-map -j"$j" --combine sum wordfreq > comb
		pdp-reduce sum < comb > got
		assert_files_equal want got
		# Fewer records cross the pipe.
		[ "$(wc -l < comb)" -lt "$(wc -l < plain)" ] || fail "-j$j: no fewer records"
	done
	# The integer counts of one worker are one record per key.
	pdp-find "$c" | pdp-map -j1 --combine sum wordfreq | LC_ALL=C sort > comb
	assert_files_equal want comb
}

@test "wordfreq: an input with more words than a worker's counters hold, with and without --combine sum" {
	# 600,000 distinct words pass the 32 MiB of counters twice within
	# big.txt; the 100,000 of mid.txt grow them to 8 MiB, which small.txt
	# after it shrinks.  All in the same worker.
	awk 'BEGIN { for (i = 0; i < 600000; i++) print "w" i, "Common" }' > big.txt
	awk 'BEGIN { for (i = 0; i < 50000; i++) print "m" i, "w" i }' > mid.txt
	awk 'BEGIN { for (i = 0; i < 1000; i++) print "w" i, "common" }' > small.txt
	printf '%s\n' small.txt big.txt mid.txt small.txt > list
	awk '{ for (i = 1; i <= NF; i++) c[tolower($i)]++ }
	    END { for (w in c) printf "%s\t%d\n", w, c[w] }' small.txt big.txt mid.txt small.txt |
	    LC_ALL=C sort > want
	pdp-map -j1 wordfreq < list | pdp-reduce sum | LC_ALL=C sort > got
	assert_files_equal want got
	pdp-map -j1 --combine sum wordfreq < list | pdp-reduce sum | LC_ALL=C sort > got
	assert_files_equal want got
}

@test "wordfreq: an input past its counters' bound still has each key once, with its whole count: pdp-reduce count and max per input; a failed one leaves no record" {
	# 1,000,000 distinct words pass the 32 MiB of counters about three
	# times: the counts so far go to sorted runs on disk, merged at the
	# input's end.  w1 is twice in big.txt.
	awk 'BEGIN { for (i = 0; i < 1000000; i++) print "w" i, "common"; print "w1" }' > big.txt
	echo "w1 common" > small.txt
	printf '%s\n' small.txt big.txt small.txt > list
	pdp-map -j1 --split 0 --tag wordfreq < list > out 2> err &&
	    status=0 || status=$?
	stderr=$(cat err)
	assert_status 0
	assert_stderr_empty
	awk 'FNR == 1 { f++ } { for (i = 1; i <= NF; i++) c[f "\t" FILENAME "\t" $i]++ }
	    END { for (k in c) print k "\t" c[k] }' small.txt big.txt small.txt |
	    cut -f 2- | LC_ALL=C sort > want
	LC_ALL=C sort out > got
	assert_files_equal want got
	cut -f 2- out | pdp-reduce count > got
	[ "$(grep -E '^(w1|w5|common)\s' got)" = "$(printf 'common\t3\nw1\t3\nw5\t1')" ] ||
	    fail "count: $(grep -E '^(w1|w5|common)\s' got)"
	cut -f 2- out | pdp-reduce max > got
	[ "$(grep -E '^(w1|w5|common)\s' got)" = "$(printf 'common\t1000000\nw1\t2\nw5\t1')" ] ||
	    fail "max: $(grep -E '^(w1|w5|common)\s' got)"

	# Damaged at its end, after its runs were written: it fails, none
	# of its records is written, and nothing of it reaches the input
	# after it in the same worker.
	gzip -c big.txt | head -c -20 > cut.gz
	printf '%s\n' cut.gz small.txt > list
	pdp-map -j1 -k --tag wordfreq < list > out 2> err &&
	    status=0 || status=$?
	stderr=$(cat err)
	assert_status 1
	assert_stderr_contains "pdp-map: cut.gz: "
	[ "$(wc -l < err)" -eq 1 ] || fail "unexpected messages"
	output=$(cat out)
	assert_output_equals "$(printf 'small.txt\tw1\t1\nsmall.txt\tcommon\t1')"

	# No temporary file to be had: no input's fault, and the next big
	# one would fail the same way: the run stops, as when pdp-map's
	# own temporary files fail.
	printf '%s\n' small.txt big.txt > list
	TMPDIR=$PWD/none pdp-map -j1 --split 0 --tag wordfreq < list > out 2> err &&
	    status=0 || status=$?
	stderr=$(cat err)
	assert_status 2
	assert_stderr_equals "pdp-map: $PWD/none: a temporary file of counts: No such file or directory"
}

@test "linefreq: a line of 40 MB does not leave the counters full for the next input" {
	head -c 40000000 /dev/zero | tr '\0' a > big.txt
	echo >> big.txt
	printf 'a\na\na\n' > small.txt
	printf '%s\n' big.txt small.txt > list
	pdp-map -j1 --tag linefreq < list > out 2> err && status=0 || status=$?
	stderr=$(cat err)
	assert_status 0
	assert_stderr_empty
	# Once each key: its count for the input, not a record a line.
	[ "$(grep -c '^small' out)" -eq 1 ] || fail "$(grep -c '^small' out) records for small.txt"
	grep -qx "$(printf 'small.txt\ta\t3')" out || fail "no small.txt a 3"
}

@test "--combine sum: 1,000,000 words, 100,000 new in each input: the worker's table is written early, under 80 MB" {
	[ -x /usr/bin/time ] || skip "no /usr/bin/time"
	[ -z "${PDP_SANITIZE:-}" ] || skip "peak RSS means nothing under the sanitizers"
	for i in 0 1 2 3 4 5 6 7 8 9; do
		awk -v b=$i 'BEGIN { for (j = 0; j < 100000; j++) print "v" b "x" j }' > in$i.txt
		echo in$i.txt
	done > list
	/usr/bin/time -o rss -f %M pdp-map -j1 --combine sum wordfreq < list > out 2> err &&
	    status=0 || status=$?
	stderr=$(cat err)
	assert_status 0
	assert_stderr_empty
	[ "$(wc -l < out)" -eq 1000000 ] || fail "$(wc -l < out) records"
	[ "$(cut -f2 out | sort -u)" = 1 ] || fail "counts other than 1"
	kb=$(tail -n 1 rss)
	[ "$kb" -lt 81920 ] || fail "max RSS $kb KB"
}

@test "--combine: a worker's table is asked for every 32,768 inputs: the parent's memory does not grow with their number, and a crash runs again only what came after" {
	[ -x /usr/bin/time ] || skip "no /usr/bin/time"
	[ -z "${PDP_SANITIZE:-}" ] || skip "peak RSS means nothing under the sanitizers"
	crash_files
	# 200,000 inputs (one file, listed again and again; each line is an
	# input of its own).  Held until its table is written, each would
	# cost the parent a few hundred bytes: 74 MB before the bound.
	yes g1.txt | head -n 200000 > list
	/usr/bin/time -o rss -f %M pdp-map -j1 --combine sum ./crash.so < list > out 2> err &&
	    status=0 || status=$?
	stderr=$(cat err)
	assert_status 0
	assert_stderr_empty
	output=$(pdp-reduce sum < out)
	assert_output_equals "$(printf 'common\t200000\nl1\t200000')"
	# The table was written more than once: a record a key each time.
	[ "$(wc -l < out)" -ge 12 ] || fail "$(wc -l < out) records: the table was written $(( $(wc -l < out) / 2 )) times"
	kb=$(tail -n 1 rss)
	[ "$kb" -lt 40960 ] || fail "peak RSS $kb KB"

	# A crash after the first table was written loses only the inputs
	# of the table it held, which run again (bad.txt is to blame, not
	# they): the output has every input but bad.txt.  (bad.txt the
	# largest: handed out as soon as it is read, before the g2.txt
	# behind it, which a fresh worker runs.)
	printf 'x\n%.0s' $(seq 50) > bad.txt
	{ yes g1.txt | head -n 40000; echo bad.txt; yes g2.txt | head -n 10; } > list
	pdp-map -j1 --stats --combine sum ./crash.so < list > out 2> err &&
	    status=0 || status=$?
	stderr=$(cat err)
	assert_status 1
	assert_stderr_contains "pdp-map: bad.txt: worker killed by signal 11 (Segmentation fault)"
	lost=$(sed -n 's/^pdp-map: worker 1: the --combine table of \([0-9]*\) inputs is lost with it: they run again$/\1/p' err)
	# The first table (32,768 inputs or a few more) was written before.
	[ -n "$lost" ] && [ "$lost" -gt 0 ] && [ "$lost" -le $(( 40000 - 32768 )) ] || fail "'$lost' lost"
	assert_stderr_matches "pdp-map: inputs 40011, succeeded 40010, failed 1,"
	[ "$(wc -l < err)" -eq 3 ] || fail "unexpected messages"
	output=$(pdp-reduce sum < out)
	assert_output_equals "$(printf 'common\t40010\nl1\t40000\nl2\t10')"
}

@test "--combine sum: with split files and with --pipe, the same result as without" {
	c=$BATS_FILE_TMPDIR/corpus
	find "$c" -type f | LC_ALL=C sort | head -20 | xargs cat > all.txt
	pdp-map wordfreq <<< all.txt | pdp-reduce sum > want
	pdp-map -j3 --split 64K --combine sum wordfreq <<< all.txt | pdp-reduce sum > got
	assert_files_equal want got
	pdp-map -j3 --pipe --block 64K --combine sum wordfreq < all.txt | pdp-reduce sum > got
	assert_files_equal want got
	pdp-map ngrams 2 <<< all.txt | pdp-reduce sum > want
	pdp-map -j2 --split 64K --combine sum ngrams 2 <<< all.txt | pdp-reduce sum > got
	assert_files_equal want got
}

@test "--combine min, max and range: the same as pdp-reduce OP, ties and floats included" {
	numeric_files
	for op in min max sum range; do
		ls m*.txt | pdp-map -j1 exec cat | pdp-reduce "$op" > "want.$op"
		for j in 1 2 3 4; do
			ls m*.txt | pdp-map -j"$j" --combine "$op" exec cat | pdp-reduce "$op" > got
			assert_files_equal "want.$op" got
		done
	done
	# Of equal numbers, the bytewise smallest text wins.
	run cat want.min
	assert_output_equals "$(printf 'a\t0.99\nb\t-5\nc\t-0\nd\t-0.5\ne\t3\ni\t9007199254740993')"
	run cat want.max
	assert_output_equals "$(printf 'a\t01\nb\t-1e0\nc\t2.5e1\nd\t1e1\ne\t3\ni\t9007199254740993')"
	run cat want.sum
	assert_output_equals "$(printf 'a\t3.99\nb\t-15.9\nc\t74.999\nd\t23.5\ne\t6.0\ni\t9007199254740993')"
	# 01 less 0.99, two plain decimals: exactly 0.01.
	run cat want.range
	assert_output_equals "$(printf 'a\t0.01\nb\t4\nc\t25\nd\t10.5\ne\t0\ni\t0')"
}

@test "--combine sum: float sums stay exact (0.1, 0.2, 1e17, -1e17, 3), with -j1 to -j4" {
	printf 'k\t0.1\nn\t9007199254740993\n' > f1.txt
	printf 'k\t0.2\nk\t1e17\nn\t1\n' > f2.txt
	printf 'k\t-1e17\nn\t-3\n' > f3.txt
	printf 'k\t3\nz\t-0.0\n' > f4.txt
	want=$(printf 'k\t3.3\nn\t9007199254740991\nz\t0.0')
	run --separate-stderr bash -c 'set -o pipefail; ls f*.txt | pdp-map exec cat | pdp-reduce sum'
	assert_status 0
	assert_output_equals "$want"
	for j in 1 2 3 4; do
		run --separate-stderr bash -c "set -o pipefail; ls f*.txt | pdp-map -j$j --combine sum exec cat | pdp-reduce sum"
		assert_status 0
		assert_stderr_empty
		assert_output_equals "$want"
	done
}

@test "--combine with --tag: the path is part of the key" {
	c=$BATS_FILE_TMPDIR/corpus
	pdp-find "$c" | head -8 | pdp-map --tag wordfreq | pdp-reduce -k 1,2 -f 3 sum > want
	[ "$(cut -f 1 want | uniq | wc -l)" -eq 8 ] || fail "expected 8 paths"
	for j in 1 3; do
		pdp-find "$c" | head -8 | pdp-map -j"$j" --tag --combine sum wordfreq |
		    pdp-reduce -k 1,2 -f 3 sum > got
		assert_files_equal want got
	done
	# One file, so one record per (path, word): the same records.
	f=$(pdp-find "$c" | head -1)
	pdp-map --tag wordfreq <<< "$f" | LC_ALL=C sort > want
	pdp-map --tag --combine sum wordfreq <<< "$f" | LC_ALL=C sort > got
	assert_files_equal want got
}

@test "--combine: other ops, op:field and -k are usage errors" {
	printf 'a\n' > f.txt
	for op in count mean sum:2 first last nonsense '' SUM; do
		run --separate-stderr pdp-map --combine "$op" wordfreq <<< f.txt
		assert_status 2
		assert_output_empty
		assert_stderr_contains "pdp-map: invalid --combine '$op'"
	done
	run --separate-stderr pdp-map -k --combine sum wordfreq <<< f.txt
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-map: --combine and -k cannot be used together: combined records belong to no input"
	run --separate-stderr pdp-map --combine=max --keep-order wordfreq <<< f.txt
	assert_status 2
	assert_output_empty
	assert_stderr_contains "pdp-map: --combine and -k cannot be used together"
}

@test "--combine: a record that is not a number, or has no value, fails its input only" {
	numeric_files
	printf 'a\tx1\n' > bad1.txt
	printf 'notab\n' > bad2.txt
	printf 'a\t1\n\n' > bad3.txt
	printf 'a\t1\033x\r\n' > bad4.txt
	ls m1.txt m2.txt | pdp-map exec cat | pdp-reduce sum > want
	for op in sum max; do
		pdp-map -j2 --stats --combine "$op" exec cat \
		    < <(printf '%s\n' m1.txt bad1.txt m2.txt bad2.txt bad3.txt bad4.txt) > out 2> err &&
		    status=0 || status=$?
		stderr=$(sed 's/, records .*//' err | LC_ALL=C sort)
		assert_status 1
		assert_stderr_equals "pdp-map: bad1.txt: --combine $op: not a number 'x1'
pdp-map: bad2.txt: --combine: record without a value field
pdp-map: bad3.txt: --combine: record without a value field
pdp-map: bad4.txt: --combine $op: not a number '1\\x1bx'
pdp-map: inputs 6, succeeded 2, failed 4, bytes 74"
		[ "$op" = sum ] || continue
		pdp-reduce sum < out > got
		assert_files_equal want got
	done
}

@test "--combine --stats: inputs and succeeded as without --combine" {
	c=$BATS_FILE_TMPDIR/corpus
	n=$(pdp-find "$c" | wc -l)
	bytes=$(find "$c" -type f -exec cat {} + | wc -c)
	for comb in '' '--combine sum'; do
		# shellcheck disable=SC2086
		run --separate-stderr bash -c "set -o pipefail; pdp-find '$c' | pdp-map -j2 --stats $comb wordfreq > /dev/null"
		assert_status 0
		assert_stderr_matches "^pdp-map: inputs $n, succeeded $n, failed 0, bytes $bytes, records [0-9]+, wall [0-9.]+ s, [0-9.]+ MB/s, workers [0-9]+\$"
	done
}

@test "--combine: a worker killed before its first input's end loses nothing else" {
	crash_files
	# bad.txt made the largest and put first: it runs first on the one
	# worker, whose table is then empty; a new worker does the rest.
	printf 'x\n%.0s' $(seq 50) > bad.txt
	pdp-map -j1 --stats --combine sum ./crash.so \
	    < <(printf '%s\n' bad.txt g1.txt g2.txt g3.txt g4.txt g5.txt g6.txt) > out 2> err &&
	    status=0 || status=$?
	stderr=$(sed 's/, bytes .*//' err)
	output=$(pdp-reduce sum < out)
	assert_status 1
	assert_output_equals "$(printf 'common\t6\nl1\t1\nl2\t1\nl3\t1\nl4\t1\nl5\t1\nl6\t1')"
	assert_stderr_equals "pdp-map: bad.txt: worker killed by signal 11 (Segmentation fault)
pdp-map: inputs 7, succeeded 6, failed 1"
	no_leftovers
}

@test "--combine: a worker killed in an input with others in its table: those run again, not counted as an attempt" {
	crash_files
	ls g*.txt | pdp-map ./crash.so | pdp-reduce sum > clean
	# One worker, bad.txt last (and the smallest): all six inputs folded
	# in the table are lost with it, and run again on a fresh worker.
	pdp-map -j1 --stats --combine sum ./crash.so \
	    < <(printf '%s\n' g1.txt g2.txt g3.txt g4.txt g5.txt g6.txt bad.txt) > out 2> err &&
	    status=0 || status=$?
	stderr=$(sed 's/, bytes .*//' err)
	assert_status 1
	assert_stderr_equals "pdp-map: worker 1: the --combine table of 6 inputs is lost with it: they run again
pdp-map: bad.txt: worker killed by signal 11 (Segmentation fault)
pdp-map: inputs 7, succeeded 6, failed 1"
	pdp-reduce sum < out > got
	assert_files_equal clean got
	# Under --retries the lost inputs keep their attempts: bad.txt's
	# two crashes lose the table twice, and no g*.txt fails.
	pdp-map -j1 --stats --combine sum --retries 1 ./crash.so \
	    < <(printf '%s\n' g1.txt g2.txt g3.txt g4.txt g5.txt g6.txt bad.txt) > out 2> err &&
	    status=0 || status=$?
	stderr=$(cat err)
	assert_status 1
	assert_stderr_matches "pdp-map: inputs 7, succeeded 6, failed 1,"
	[ "$(grep -c 'result lost' err)" -eq 0 ] || fail "an input was failed for a lost table"
	pdp-reduce sum < out > got
	assert_files_equal clean got
	no_leftovers
}

@test "--combine -j2: a crash costs no other input: the result is the clean run's, bad.txt alone failed" {
	crash_files
	ls g*.txt | pdp-map ./crash.so | pdp-reduce sum > clean
	for round in 1 2 3; do
		pdp-map -j2 --stats --combine sum ./crash.so \
		    < <(printf '%s\n' g1.txt g2.txt g3.txt bad.txt g4.txt g5.txt g6.txt) > out 2> err &&
		    status=0 || status=$?
		assert_status 1
		stderr=$(cat err)
		assert_stderr_contains "pdp-map: bad.txt: worker killed by signal 11 (Segmentation fault)"
		# Every line of stderr is accounted for: the crash, the table
		# it lost, if it held one, and the stats.
		n=$(grep -c '^pdp-map: worker [12]: the --combine table of [1-6] inputs\{0,1\} is lost with it: \(it is\|they\) run again$' err || true)
		[ "$n" -le 1 ] && [ "$(wc -l < err)" -eq $(( n + 2 )) ] || fail "unexpected messages"
		assert_stderr_matches "pdp-map: inputs 7, succeeded 6, failed 1,"
		pdp-reduce sum < out > got
		assert_files_equal clean got
		no_leftovers
	done
}

@test "--combine: one input with more keys than a table holds: its records go out past 64 MiB, memory stays bounded, every result exact" {
	[ -x /usr/bin/time ] || skip "no /usr/bin/time"
	# 8 million keys in many.txt: held in one table, they took 450 to
	# 500 MB; bounded, under 240 MB (the counters and the tables, each
	# about 64 MiB, twice that as one doubles past it).
	awk 'BEGIN { for (i = 0; i < 8000000; i++) print "k" i; print "k1 k2" }' > many.txt
	echo "k1 k2 x" > small.txt
	printf '%s\n' small.txt many.txt small.txt > list
	for op in sum max; do
		# --split 0: many.txt one task, so that max is of its count.
		/usr/bin/time -o rss -f %M pdp-map -j1 --split 0 --stats --combine $op wordfreq < list > out 2> err &&
		    status=0 || status=$?
		stderr=$(cat err)
		assert_status 0
		assert_stderr_matches "^pdp-map: inputs 3, succeeded 3, failed 0, bytes [0-9]*, records $(wc -l < out),"
		[ "$(wc -l < err)" -eq 1 ] || fail "$op: unexpected messages"
		# k1 and k2: twice in many.txt, once in each small.txt; x once
		# in each small.txt; every other key of many.txt once.
		if [ $op = sum ]; then want='k1 4 k2 4 x 2'; else want='k1 2 k2 2 x 1'; fi
		pdp-reduce $op < out > got
		[ "$(awk -F '\t' '$1 == "k1" || $1 == "k2" || $1 == "x" { printf "%s%s %s", s, $1, $2; s = " " }' got)" = "$want" ] ||
		    fail "$op: $(grep -E '^(k1|k2|x)\s' got)"
		[ "$(wc -l < got)" -eq 8000001 ] || fail "$op: $(wc -l < got) keys"
		[ "$(awk -F '\t' '$1 ~ /^k(0|[1-9][0-9]*)$/ && substr($1, 2) + 0 < 8000000 &&
		    ($2 == 1 || $1 == "k1" || $1 == "k2")' got | wc -l)" -eq 8000000 ] ||
		    fail "$op: keys or counts other than those of the inputs"
		[ -n "${PDP_SANITIZE:-}" ] && continue	# RSS means nothing there
		kb=$(tail -n 1 rss)
		[ "$kb" -lt 245760 ] || fail "$op: peak RSS $kb KB"
	done
}
