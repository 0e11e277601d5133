#!/usr/bin/env bats
# battery.bats: bad input and hostile environments, each case checked for
# exit status, message, and that nothing else was lost.  Cases covered
# elsewhere: every byte 0x01-0xFF and leading dashes in names
# (pipeline.bats), FIFOs, /dev/zero and directories as inputs, stdin a
# terminal, /dev/full (map.bats, faults.bats), bad numbers, -0, 1e400,
# 9223372036854775808, missing fields, escapes (reduce.bats), a read-only
# -T (reduce-scale.bats), a 64k temporary disk (reduce-scale.bats).

load helper

# Three small files and the reduced wordfreq of them.
mkok() {
	mkdir -p ok
	printf 'one two\n' > ok/a.txt
	printf 'two three\n' > ok/b.txt
	printf 'three\n' > ok/c.txt
	OKSUM=$(printf 'one\t1\nthree\t2\ntwo\t2')
}

# --- file names ----------------------------------------------------------

@test "a name of 255 bytes (NAME_MAX) goes through the pipeline" {
	mkok
	n=$(printf 'n%.0s' $(seq 251)).txt
	printf 'long name\n' > "ok/$n"
	run --separate-stderr bash -c 'set -o pipefail; pdp-find ok | pdp-map wordfreq | pdp-reduce sum'
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'long\t1\nname\t1\none\t1\nthree\t2\ntwo\t2')"
}

# A file DIR/d.../d.../deep.txt whose path is longer than PATH_MAX: made
# one directory at a time, as the kernel refuses such a path whole.
mkdeep() {
	local d i
	d=$(printf 'd%.0s' $(seq 200))
	mkdir -p deep
	(cd deep && for i in $(seq 25); do mkdir "$d" && cd "$d" || exit 1; done &&
	    for i in $(seq 1000); do printf 'deep words words\n'; done > deep.txt)
}

@test "a path longer than PATH_MAX is listed and read, split or not" {
	mkdeep
	run --separate-stderr pdp-find deep
	assert_status 0
	assert_stderr_empty
	[ "${#output}" -gt 4096 ] || fail "the path should be longer than PATH_MAX"
	for opt in --split=0 --split=4k; do
		run --separate-stderr bash -c "set -o pipefail; pdp-find deep | pdp-map $opt wordfreq | pdp-reduce sum"
		assert_status 0
		assert_stderr_empty
		assert_output_equals "$(printf 'deep\t1000\nwords\t2000')"
	done
	run --separate-stderr bash -c 'set -o pipefail; pdp-find -0 deep | pdp-map -0 wc | pdp-reduce sum'
	assert_status 0
	assert_output_equals "$(printf 'bytes\t17000\nlines\t1000\nwords\t3000')"
}

# --- files ---------------------------------------------------------------

@test "a single 100 MB line with no newline: one record of 100 MB, nothing lost" {
	head -c 100000000 /dev/zero | tr '\0' 'a' > big.txt
	echo big.txt > list
	run --separate-stderr bash -c 'set -o pipefail; pdp-map wc < list | pdp-reduce sum'
	assert_status 0
	assert_output_equals "$(printf 'bytes\t100000000\nlines\t0\nwords\t1')"	# as wc: no newline, no line
	for opt in --split=0 --split=8M; do
		pdp-map $opt wordfreq < list | pdp-reduce sum > out
		[ "$(cut -f2 out)" = 1 ] || fail "$opt: expected one word once"
		[ "$(cut -f1 out | wc -c)" -eq 100000001 ] ||
		    fail "$opt: the word is not 100 MB long"
	done
	pdp-map linefreq < list | pdp-reduce count > out
	[ "$(wc -c < out)" -eq 100000003 ] || fail "linefreq: one 100 MB key expected"
	# The key in a file read in parts and in a stream handed out in
	# blocks: sampled for the key ranges as a prefix (copied 64 times
	# whole, it took 25 times as long as one process).
	pdp-map linefreq < list > rec
	s=$(date +%s%N); pdp-reduce -j1 count rec > want; t1=$(($(date +%s%N) - s))
	s=$(date +%s%N); pdp-reduce -j2 count rec > got; t2=$(($(date +%s%N) - s))
	assert_files_equal want got
	cat rec | pdp-reduce -j2 count > got
	assert_files_equal want got
	[ "$t2" -lt $((10 * t1 + 2000000000)) ] || fail "-j2 took $t2 ns, -j1 $t1 ns"
}

@test "binary data with NUL bytes, read as text (--binary=text): words split at NUL, lines keep it" {
	printf 'ab\0cd\nab\n' > bin.txt
	echo bin.txt > list
	run --separate-stderr bash -c 'set -o pipefail; pdp-map --binary=text wordfreq < list | pdp-reduce sum'
	assert_status 0
	assert_output_equals "$(printf 'ab\t2\ncd\t1')"
	pdp-map --binary=text linefreq < list | pdp-reduce sum > out
	printf 'ab\t1\nab\0cd\t1\n' > want
	assert_files_equal want out
}

@test "a file deleted between pdp-find and pdp-map: named, the rest complete, exit 1" {
	mkok
	pdp-find ok > list
	rm ok/b.txt
	run --separate-stderr bash -c 'set -o pipefail; pdp-map wordfreq < list | pdp-reduce sum'
	assert_status 1	# pdp-map's, through pipefail
	assert_stderr_equals "pdp-map: ok/b.txt: No such file or directory"
	assert_output_equals "$(printf 'one\t1\nthree\t1\ntwo\t1')"
	run --separate-stderr pdp-map wordfreq < list
	assert_status 1
}

@test "a file truncated between pdp-find and pdp-map is read as it is then" {
	mkok
	pdp-find ok > list
	: > ok/b.txt
	run --separate-stderr bash -c 'set -o pipefail; pdp-map wordfreq < list | pdp-reduce sum'
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'one\t1\nthree\t1\ntwo\t1')"
}

@test "a file truncated while it is read fails, its output discarded, exit 1" {
	mkok
	head -c 3000000 /dev/zero | tr '\0' 'x' | fold -w 99 > ok/victim.txt
	pdp-find -s name ok > list
	# The command reads a byte, empties the file, then reads on: pdp-map
	# has read at most a buffer of it by then.
	run --separate-stderr pdp-map exec sh -c \
	    'head -c 1 >/dev/null; case $PDP_PATH in *victim*) : > "$PDP_PATH";; esac; cat >/dev/null; printf "%s\t1\n" "$PDP_PATH"' < list
	assert_status 1
	assert_stderr_equals "pdp-map: ok/victim.txt: file changed size while being read (3030303 bytes, then 0)"
	output=$(printf '%s\n' "$output" | sort)
	assert_output_equals "$(printf 'ok/a.txt\t1\nok/b.txt\t1\nok/c.txt\t1')"
}

@test "a file replaced by a FIFO between pdp-find and pdp-map: refused at once, exit 1" {
	mkok
	pdp-find ok > list
	rm ok/b.txt
	mkfifo ok/b.txt
	run --separate-stderr timeout 10 pdp-map wordfreq < list
	assert_status 1
	assert_stderr_equals "pdp-map: ok/b.txt: not a regular file"
	output=$(printf '%s\n' "$output" | pdp-reduce sum)
	assert_output_equals "$(printf 'one\t1\nthree\t1\ntwo\t1')"
}

# A file of lines, then 2200 MiB of zeros (sparse): a line over the
# limit, found by whichever process reads the chunk it starts in, and
# named by its line number in the whole file.
@test "-j: a line longer than 1024 MiB in a file read in chunks: its line number in the whole file, exit 2" {
	awk 'BEGIN { for (i = 0; i < 2500000; i++) printf "k%d\t1\n", i % 1000 }' > big.tsv
	truncate -s +2200M big.tsv
	for j in 1 2; do
		run --separate-stderr timeout 300 pdp-reduce -j$j sum big.tsv
		assert_status 2
		assert_stderr_equals "pdp-reduce: big.tsv:2500001: a record longer than 1024 MiB (binary data?)"
		assert_output_empty
	done
	no_leftovers
}

@test "endless input on stdin (/dev/zero) is an error, not a machine out of memory" {
	run --separate-stderr timeout 120 pdp-reduce sum < /dev/zero
	assert_status 2
	assert_stderr_equals "pdp-reduce: stdin:1: a record longer than 1024 MiB (binary data?)"
	assert_output_empty
	run --separate-stderr timeout 120 pdp-map --pipe wc < /dev/zero
	assert_status 2
	assert_stderr_equals "pdp-map: stdin: a line longer than 1024 MiB (binary data?)"
	assert_output_empty
	no_leftovers
}

# At the limit: a record of exactly 1 GiB is read (and spilled, and read
# back from the run, whose line is longer), one of a byte more is
# refused.  Given 2.2 GiB, the buffer that finds it out holds the limit
# and a read, not 2 GiB, which once let a line of nearly that through.
@test "a record of exactly 1 GiB is read; one byte more is refused, with about 1 GiB of memory, not 2" {
	peak() {	# run a command, print its exit status and peak RSS in MB
		python3 -c 'import resource, subprocess, sys
rc = subprocess.call(sys.argv[1], shell=True)
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)' "$1"
	}
	# refused INPUT COMMAND MESSAGE: COMMAND reading what INPUT writes
	# exits 2 with MESSAGE, writes nothing, and (but under the
	# sanitizers) peaks under 1200 MB.
	refused() {
		read -r rc mb < <(peak "$1 | timeout 120 $2 > out 2> err")
		[ "$rc" -eq 2 ] || fail "$2: exit $rc"
		stderr=$(cat err)
		assert_stderr_equals "$3"
		[ ! -s out ] || fail "$2 wrote $(wc -c < out) bytes"
		[ "${PDP_SANITIZE:-}" = 1 ] || [ "$mb" -le 1200 ] ||
		    fail "$2: peak RSS $mb MB"
	}
	local g=$((1 << 30))
	# A key of 1 GiB - 2 zero bytes, TAB, 1: a record of 1 GiB.  The key
	# b after it does not fit in -S 1M beside it: the table is spilled.
	run --separate-stderr sh -c "{ head -c $((g - 2)) /dev/zero; printf '\t1\nb\t1\n'; } |
	    timeout 300 pdp-reduce -j1 -S 1M count | wc -c"
	assert_status 0
	assert_stderr_empty
	assert_output_equals $((g + 5))
	refused "{ head -c 2200M /dev/zero; printf '\t1\n'; }" "pdp-reduce sum" \
	    "pdp-reduce: stdin:1: a record longer than 1024 MiB (binary data?)"
	# pdp-map --pipe: a line of 1 GiB and its newline is one block.
	run --separate-stderr sh -c "{ head -c $g /dev/zero | tr '\\0' a; echo; } |
	    timeout 300 pdp-map --pipe wc | pdp-reduce sum"
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'bytes\t%s\nlines\t1\nwords\t1' $((g + 1)))"
	refused "{ head -c 2200M /dev/zero; echo; }" "pdp-map --pipe wc" \
	    "pdp-map: stdin: a line longer than 1024 MiB (binary data?)"
	no_leftovers
}

# --- records -------------------------------------------------------------

@test "pdp-reduce: nan, inf and hex are not numbers; -0 sums to 0, min and max keep it" {
	for v in nan NaN inf -inf 0x1p3; do
		run --separate-stderr pdp-reduce sum <<< "a	$v"
		assert_status 2
		assert_stderr_equals "pdp-reduce: stdin:1: sum: not a number '$v'"
		assert_output_empty
	done
	run --separate-stderr pdp-reduce sum,min,max <<< "a	-0"
	assert_status 0
	assert_output_equals "$(printf 'a\t0\t-0\t-0')"
}

@test "pdp-reduce: empty keys are keys, in every mode" {
	printf '\t1\nb\t2\n\t3\n' > in.tsv
	want=$(printf '\t4\nb\t2')
	run --separate-stderr pdp-reduce sum in.tsv
	assert_status 0
	assert_output_equals "$want"
	sort in.tsv > sorted.tsv
	run --separate-stderr pdp-reduce -s sum sorted.tsv
	assert_status 0
	assert_output_equals "$want"
	pdp-reduce --partial sum in.tsv > part
	run --separate-stderr pdp-reduce --merge sum part
	assert_status 0
	assert_output_equals "$want"
}

@test "pdp-reduce: a 10 MB key is grouped and written whole" {
	k=$(head -c 10000000 /dev/zero | tr '\0' k)
	{ printf '%s\t1\n' "$k"; printf 'b\t1\n'; printf '%s\t2\n' "$k"; } > in.tsv
	for opt in "" "-S 1M" "--sorted"; do
		if [ "$opt" = --sorted ]; then sort in.tsv > use.tsv; else cp in.tsv use.tsv; fi
		pdp-reduce $opt sum use.tsv > out
		printf 'b\t1\n%s\t3\n' "$k" > want
		assert_files_equal want out
	done
}

@test "pdp-reduce: CRLF line ends are read as the lines, every way in; a CR within a field is an invalid record" {
	# A Windows file: the key last (-k2), a number last, a header, a
	# text value last; the same as without the CRs.
	printf 'x\ta\r\ny\ta\r\nz\tb\n' > keys.tsv
	printf 'k\tv\r\na\t1\r\na\t3\r\nb\t2.5\r\n' > nums.tsv
	tr -d '\r' < keys.tsv > keys.lf
	tr -d '\r' < nums.tsv > nums.lf
	for how in "" "-j2" "-S 1M" "--sorted"; do
		for f in keys nums; do
			case $f in
			keys) args="-k2 count,first,collect" ;;
			nums) args="-H -k k sum:v,first:v,max:v" ;;
			esac
			pdp-reduce $how $args $f.lf > want 2> err || fail "$how $f: $(cat err)"
			run --separate-stderr bash -c "pdp-reduce $how $args < $f.tsv"
			assert_status 0
			assert_stderr_empty
			assert_output_equals "$(cat want)"
			run --separate-stderr pdp-reduce $how $args $f.tsv
			assert_status 0
			assert_output_equals "$(cat want)"
		done
	done
	# pdp-map --combine reads its records alike.
	tail -n +2 nums.tsv > recs.tsv
	run --separate-stderr bash -c "set -o pipefail; echo recs.tsv | pdp-map --combine sum exec cat | pdp-reduce sum"
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'a\t4\nb\t2.5')"
	# A raw CR elsewhere is a second form of \r: "a<CR>" and "a\r"
	# would be two keys for one string.
	run --separate-stderr pdp-reduce sum <<< $'a\r\t1\na\\r\t2'
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-reduce: stdin:1: field 1 'a\x0d': a CR, which a record writes as \r (pdp(7))"
	run --separate-stderr pdp-reduce --invalid=skip sum <<< $'a\r\t1\na\\r\t2'
	assert_status 0
	assert_output_equals "$(printf 'a\\r\t2')"
	assert_stderr_equals "pdp-reduce: skipped 1 invalid record (first: stdin:1: field 1 'a\x0d': a CR, which a record writes as \r (pdp(7)))"
	run --separate-stderr pdp-reduce first <<< $'a\tx\ry'
	assert_status 2
	assert_stderr_equals "pdp-reduce: stdin:1: field 2 'x\x0dy': a CR, which a record writes as \r (pdp(7))"
	# A number before a CR within the line is not a number.
	run --separate-stderr pdp-reduce sum <<< $'a\t1\r\tx'
	assert_status 2
	assert_stderr_equals "pdp-reduce: stdin:1: sum: not a number '1\x0d'"
}

# --- environment ---------------------------------------------------------

@test "stdout closed: each program exits 2 naming it, at once" {
	mkok
	pdp-find ok > list
	for cmd in 'pdp-find ok' 'pdp-map wordfreq < list' 'pdp-map --pipe wc < list' \
	    'printf "a\t1\n" | pdp-reduce sum' 'pdp-reduce sum /dev/null' \
	    'pdp-map --help' 'pdp-reduce --version'; do
		run --separate-stderr bash -c "$cmd >&-"
		assert_status 2
		assert_stderr_equals "$(grep -o 'pdp-[a-z]*' <<< "$cmd"): standard output: Bad file descriptor"
	done
	no_leftovers
}

@test "stdin closed: pdp-map and pdp-reduce exit 2 naming it (no hang), unless it is not read" {
	mkok
	pdp-find ok > list
	printf 'a\t1\n' > in.tsv
	# Each would wait forever if its own pipe took descriptor 0.
	for cmd in 'pdp-map wc' 'pdp-map --pipe wc' 'pdp-map -0 wc' 'pdp-reduce sum' \
	    'pdp-reduce sum in.tsv -'; do
		run --separate-stderr timeout 20 bash -c "$cmd <&-"
		assert_status 2
		assert_stderr_equals "${cmd%% *}: standard input: Bad file descriptor"
	done
	run --separate-stderr bash -c 'pdp-reduce sum in.tsv <&-'
	assert_status 0
	assert_output_equals "$(printf 'a\t1')"
	run --separate-stderr bash -c 'set -o pipefail; pdp-find ok <&- | LC_ALL=C sort'
	assert_status 0
	assert_output_equals "$(LC_ALL=C sort list)"
	no_leftovers
}

@test "stderr or stdout closed with --joblog: nothing lands in the joblog that is not its own" {
	mkok
	pdp-find ok > list
	# Records with stdout closed: refused, the joblog not even made.
	run --separate-stderr bash -c 'pdp-map --joblog j wordfreq < list >&-'
	assert_status 2
	assert_stderr_equals "pdp-map: standard output: Bad file descriptor"
	[ ! -e j ] || fail "a joblog: $(cat j)"
	# Messages with stderr closed: lost (as 2>&- asks), the joblog its own.
	printf 'nosuch.txt\n' >> list
	run bash -c 'pdp-map --joblog j wordfreq < list 2>&- > out'
	assert_status 1
	inputlines | cut -f1 | LC_ALL=C sort > paths
	printf 'nosuch.txt\nok/a.txt\nok/b.txt\nok/c.txt\n' > want
	assert_files_equal want paths
	[ -z "$(inputlines | awk -F'\t' 'NF != 12')" ] || fail "joblog: $(cat j)"
	# And pdp-reduce's spill files do not take a closed descriptor either.
	seq 1 100000 | awk '{ print "k" $1 "\t1" }' > in.tsv
	run bash -c 'set -o pipefail; pdp-reduce -S 1M sum in.tsv 2>&- <&- | wc -l'
	assert_status 0
	assert_output_equals 100000
}

@test "stdout a full disk: pdp-find and pdp-reduce exit 2 naming stdout; --help and --version of each too" {
	[ -w /dev/full ] || skip "no /dev/full"
	mkok
	run --separate-stderr bash -c 'pdp-find ok > /dev/full'
	assert_status 2
	assert_stderr_equals "pdp-find: stdout: write error: No space left on device"
	run --separate-stderr bash -c 'set -o pipefail; printf "a\t1\n" | pdp-reduce sum > /dev/full'
	assert_status 2
	assert_stderr_equals "pdp-reduce: stdout: write error: No space left on device"
	# --help and --version too.
	for p in pdp-find pdp-map pdp-reduce; do
		for o in --help --version; do
			run --separate-stderr bash -c "$p $o > /dev/full"
			assert_status 2
			assert_stderr_equals "$p: stdout: write error: No space left on device"
		done
	done
}

@test "a read-only TMPDIR: pdp-reduce's spill and pdp-map's held output say so, exit 2" {
	need_unprivileged
	mkdir ro && chmod 555 ro
	seq 1 200000 | awk '{ print "k" $1 "\t1" }' > in.tsv
	run --separate-stderr unpriv env TMPDIR="$T/ro" "$UBIN/pdp-reduce" -S 1M sum in.tsv
	assert_status 2
	assert_stderr_equals "pdp-reduce: $T/ro: cannot make a temporary file: Permission denied"
	assert_output_empty
	# More than the 1 MiB an input's output is held in memory (and
	# fewer keys than the 32 MiB of a worker's counters hold).
	seq 1 200000 > many.txt
	chmod 644 many.txt
	run --separate-stderr bash -c "set -o pipefail; echo many.txt | ${UNPRIV[*]} env TMPDIR='$T/ro' '$UBIN/pdp-map' linefreq"
	assert_status 2
	assert_stderr_equals "pdp-map: $T/ro: cannot hold output: Permission denied"
	assert_output_empty
	no_leftovers
	# More keys than that: the worker's runs of counts say so first.
	seq 1 400000 > many.txt
	run --separate-stderr bash -c "set -o pipefail; echo many.txt | ${UNPRIV[*]} env TMPDIR='$T/ro' '$UBIN/pdp-map' linefreq"
	assert_status 2
	assert_stderr_equals "pdp-map: $T/ro: a temporary file of counts: Permission denied"
	assert_output_empty
	no_leftovers
}

@test "a TMPDIR that takes no more (ulimit -f as a full disk): pdp-map's held output says where, exit 2, nothing left" {
	mkdir tmp
	# 2.8 MB of output from one input: past the 1 MiB held in memory,
	# with fewer keys than the 32 MiB of a worker's counters hold.
	seq 1 200000 | sed 's/^/line/' > many.txt
	run --separate-stderr bash -c "set -o pipefail; trap '' XFSZ; ulimit -f 1024; echo many.txt | TMPDIR='$T/tmp' pdp-map linefreq | cat > /dev/null"
	assert_status 2
	assert_stderr_equals "pdp-map: $T/tmp: a temporary file of output: write error: File too large"
	[ -z "$(ls -A tmp)" ] || fail "left in TMPDIR: $(ls -A tmp)"
	no_leftovers
	# More keys than that: the worker's runs of counts, first.
	seq 1 400000 | sed 's/^/line/' > many.txt
	run --separate-stderr bash -c "set -o pipefail; trap '' XFSZ; ulimit -f 1024; echo many.txt | TMPDIR='$T/tmp' pdp-map linefreq | cat > /dev/null"
	assert_status 2
	assert_stderr_equals "pdp-map: $T/tmp: a temporary file of counts: write error: File too large"
	no_leftovers
}

@test "ulimit -n 16: pdp-map runs fewer workers and says so; the result is the same" {
	gencorpus -f 40 -s 400k -S 5 c > /dev/null
	pdp-find c > list
	pdp-map -j2 wordfreq < list | pdp-reduce sum > want
	run --separate-stderr bash -c 'ulimit -n 16; pdp-map -j8 wordfreq < list > out'
	assert_status 0
	# How many fit depends on what bats itself keeps open.
	assert_stderr_matches '^pdp-map: ulimit -n 16: room for [1-3] workers?, not 8$'
	pdp-reduce sum out > got
	assert_files_equal want got
	run --separate-stderr env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    bash -c 'ulimit -n 8; pdp-map -j2 wordfreq < list'
	assert_status 2
	assert_stderr_equals "pdp-map: ulimit -n 8: too few file descriptors for one worker"
	assert_output_empty
	no_leftovers
}

@test "ulimit -n 16: pdp-reduce merges fewer spilled runs at once; the same result" {
	seq 1 300000 | awk '{ print "k" ($1 % 150000) "\t" $1 }' > in.tsv
	pdp-reduce sum in.tsv > want
	run --separate-stderr bash -c 'ulimit -n 16; pdp-reduce -S 1M sum in.tsv > got'
	assert_status 0
	assert_stderr_empty
	assert_files_equal want got
	# (LeakSanitizer, under make check SANITIZE=1, needs descriptors of
	# its own at exit.)
	run --separate-stderr env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    bash -c 'ulimit -n 6; pdp-reduce -S 1M sum in.tsv'
	assert_status 2
	assert_stderr_equals "pdp-reduce: ulimit -n 6: too few file descriptors to spill to temporary files"
}

@test "ulimit -n 8: pdp-reduce's default -j reads a big file in fewer parts; a -j given that cannot work says so" {
	# 40 MB: two parts of 16 MB at least, so the default -j (the CPUs,
	# at least 2 here) would read it in parts.
	awk 'BEGIN { for (i = 0; i < 2800000; i++) print "k" (i % 100000) "\t" i }' > big.tsv
	pdp-reduce -j1 sum big.tsv > want
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	for n in 8 6; do
		run --separate-stderr bash -c "ulimit -n $n; pdp-reduce sum big.tsv > got.$n"
		assert_status 0
		assert_stderr_empty
		assert_files_equal want "got.$n"
	done
	# -j 4 needs 8 more descriptors than -j1 and spilling: its
	# part's run and mailbox for each child, the parent's run and a pipe.
	run --separate-stderr bash -c 'ulimit -n 8; pdp-reduce -j4 sum big.tsv'
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-reduce: ulimit -n 8: too few file descriptors for -j 4 (-j1 needs fewer)"
	run --separate-stderr bash -c 'ulimit -n 20; pdp-reduce -j4 sum big.tsv > got.j4'
	assert_status 0
	assert_files_equal want got.j4
}

@test "ulimit -u: pdp-map runs the workers it can start and says so; exec commands too; the result is whole" {
	need_unprivileged
	mkok
	pdp-find ok > list
	for i in $(seq 20); do printf 'w%d x\n' "$i" > "ok/f$i.txt"; done
	chmod -R a+rX ok
	pdp-find ok > list
	pdp-map -j1 wordfreq < list | pdp-reduce sum > want
	pdp-map -j1 exec cat < list | LC_ALL=C sort > want.exec
	# The user's processes now, so that the limit leaves room for the
	# shell, pdp-map and one or two workers whatever else runs as it.
	uid=$(unpriv id -u)
	base=$(ps -o pid= -u "$uid" | wc -l)
	mkdir o && chmod 777 o
	run --separate-stderr unpriv bash -c "export ASAN_OPTIONS='${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0'; ulimit -u $(( base + 4 )); $UBIN/pdp-map -j4 wordfreq < list > o/got"
	assert_status 0
	assert_stderr_matches '^pdp-map: could start only [12] of 4 workers: Resource temporarily unavailable$'
	run --separate-stderr bash -c 'set -o pipefail; pdp-reduce sum o/got | cmp - want'
	assert_status 0
	# exec: each worker also needs a process for its command: workers
	# stop until the commands can start, and no input fails for it.
	run --separate-stderr unpriv bash -c "export ASAN_OPTIONS='${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0'; ulimit -u $(( base + 5 )); $UBIN/pdp-map -j4 exec cat < list > o/got.exec"
	assert_status 0
	assert_stderr_matches 'pdp-map: worker [0-9] stops: cat: Resource temporarily unavailable \(going on with [0-9]\)'
	assert_stderr_not_contains 'ok/'
	LC_ALL=C sort o/got.exec > got.sorted
	assert_files_equal want.exec got.sorted
	# Not even one worker: exit 2.
	# (LeakSanitizer, under make check SANITIZE=1, needs a thread of its
	# own at exit, which this limit refuses.)
	run --separate-stderr unpriv bash -c "export ASAN_OPTIONS='${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0'; ulimit -u $(( base + 1 )); exec $UBIN/pdp-map -j4 wordfreq < list"
	assert_status 2
	assert_stderr_equals "pdp-map: could not start a worker: fork: Resource temporarily unavailable"
	no_leftovers
}

@test "--pipe: a line far longer than --block is one block, read in time that grows with it, not its square" {
	# The reference: as many bytes in short lines, the same command.
	awk 'BEGIN { for (i = 0; i < 1398101; i++) print "abcdefghijklmnopqrstuvwxyz abcdefghijklmnopqrstuvwxyz abcdefghijklmnopqrstuvwxyz abcdefghijklmn" }' > lines
	head -c 134217728 lines > lines128
	head -c 134217727 /dev/zero | tr '\0' x > long
	echo >> long
	t0=$(date +%s%N)
	run --separate-stderr bash -c 'set -o pipefail; cat lines128 | pdp-map -j2 --pipe --block 1M wc | pdp-reduce sum'
	t1=$(date +%s%N)
	assert_status 0
	ref=$(( (t1 - t0) / 1000000 ))
	run --separate-stderr bash -c 'set -o pipefail; cat long | pdp-map -j2 --pipe --block 1M wc | pdp-reduce sum'
	t2=$(date +%s%N)
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'bytes\t134217728\nlines\t1\nwords\t1')"
	took=$(( (t2 - t1) / 1000000 ))
	# Quadratic scanning took minutes here; linear is about the
	# reference (plus the copies of one big block).
	[ "$took" -le $(( 10 * ref + 10000 )) ] || fail "the long line took $took ms, short lines $ref ms"
}

@test "ulimit -v too small: a clear error, exit 2, nothing left behind" {
	[ "${PDP_SANITIZE:-}" != 1 ] || skip "the sanitizers reserve more address space than any such limit"
	mkok
	pdp-find ok > list
	# Too small for a worker's buffers: the run stops at once.  (The
	# windows are narrow: below them the parent or the loader fails;
	# libm, linked since the order statistics, moved them up 1 MB.)
	run --separate-stderr bash -c 'ulimit -v 5500; pdp-map -j2 wordfreq < list'
	assert_status 2
	assert_stderr_matches '^pdp-map: a worker could not start: (malloc|calloc|realloc): Cannot allocate memory$'
	assert_output_empty
	run --separate-stderr bash -c 'set -o pipefail; ulimit -v 3500; printf "a\t1\n" | pdp-reduce sum'
	assert_status 2
	assert_stderr_matches '^pdp-reduce: (malloc|calloc|realloc): Cannot allocate memory$'
	no_leftovers
	# Enough: the same result as without a limit.
	run --separate-stderr bash -c 'set -o pipefail; ulimit -v 60000; pdp-map -j2 wordfreq < list | pdp-reduce sum'
	assert_status 0
	assert_output_equals "$OKSUM"
}

@test "ulimit -v 50000: pdp-reduce's default budget fits what it may map, and it spills where sort would" {
	[ "${PDP_SANITIZE:-}" != 1 ] || skip "the sanitizers reserve more address space than any such limit"
	awk 'BEGIN { for (i = 0; i < 1000000; i++) print "key" i "\t" i }' > k1m.tsv
	pdp-reduce sum k1m.tsv > want
	# The budget was a quarter of RAM whatever the limit: realloc failed.
	for v in 50000 25000; do
		run --separate-stderr bash -c "ulimit -v $v; pdp-reduce sum k1m.tsv > got"
		assert_status 0
		assert_stderr_empty
		assert_files_equal want got
	done
	# ulimit -d too (RLIMIT_DATA).
	run --separate-stderr bash -c "ulimit -d 50000; pdp-reduce sum k1m.tsv > got"
	assert_status 0
	assert_files_equal want got
	# A budget given that memory cannot hold: where the table cannot
	# grow, it spills (in less memory), and later spills come sooner.
	for ops in sum count,first,max; do
		pdp-reduce "$ops" k1m.tsv > want.ops
		run --separate-stderr bash -c "ulimit -v 25000; pdp-reduce -S 1G $ops k1m.tsv > got"
		assert_status 0
		assert_stderr_empty
		assert_files_equal want.ops got
	done
	no_leftovers
}

@test "ulimit -v: the states' own memory past what -S promised spills too; where nothing can spill, a message that says why" {
	[ "${PDP_SANITIZE:-}" != 1 ] || skip "the sanitizers reserve more address space than any such limit"
	# 2 million values of 300,000 keys: the states of median (each
	# key's values), var (its exact sums), countunique and collect
	# (its members) allocate as they grow, past the table.
	awk 'BEGIN { for (i = 0; i < 2000000; i++) print "k" (i * 7919) % 300000 "\t" i % 1000 }' > k.tsv
	for ops in median,q1 sum,mean,var countunique,collect sskew,approx-median; do
		pdp-reduce "$ops" k.tsv > want
		run --separate-stderr bash -c "ulimit -v 60000; pdp-reduce -S 1G $ops k.tsv > got"
		assert_status 0
		assert_stderr_empty
		assert_files_equal want got
	done
	# No spill can help: one key's values with --sorted, every key
	# with --order=value or --top.
	awk 'BEGIN { for (i = 0; i < 6000000; i++) print "k\t" i }' > one.tsv
	run --separate-stderr bash -c "ulimit -v 60000; pdp-reduce -s median one.tsv"
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-reduce: out of memory holding one key's states (--sorted: its values do not fit in what ulimit -v or the machine allows)"
	run --separate-stderr bash -c "ulimit -v 60000; pdp-reduce --order=value median k.tsv"
	assert_status 2
	assert_output_empty
	assert_stderr_contains "keys (--order=value keeps every key: it cannot spill)"
	run --separate-stderr bash -c "ulimit -v 60000; pdp-reduce --top 3 median k.tsv"
	assert_status 2
	assert_stderr_contains "keys (--top keeps every key: it cannot spill)"
	no_leftovers
}

@test "a cgroup memory limit: pdp-reduce's default budget is a quarter of it, so it spills instead of being killed" {
	[ "${PDP_SANITIZE:-}" != 1 ] || skip "the sanitizers' shadow memory is charged to the cgroup"
	local mine
	mine=$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup)
	CGDIR=/sys/fs/cgroup/memory${mine%/}/pdp-bats-$$
	[ -n "$mine" ] && mkdir "$CGDIR" 2>/dev/null ||
	    skip "no cgroup v1 memory controller to make a group in (needs root)"
	echo 100M > "$CGDIR/memory.limit_in_bytes"
	# 3 million keys: about 150 MB in memory, more than the group may
	# have; the default budget of the machine (a quarter of its RAM)
	# would hold them all and the kernel would kill the process.
	awk 'BEGIN { for (i = 0; i < 3000000; i++) print "key" i "\t" i }' > k3m.tsv
	peak() {	# run a command, print its exit status and peak RSS in MB
		python3 -c 'import resource, subprocess, sys
rc = subprocess.run(["bash", "-c", sys.argv[1]]).returncode
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)' "$1"
	}
	read -r rc free < <(peak "pdp-reduce sum k3m.tsv > want")
	[ "$rc" -eq 0 ]
	[ "$free" -gt 100 ] || skip "the table took only $free MB without a limit"
	read -r rc held < <(peak "echo \$\$ > $CGDIR/cgroup.procs; exec pdp-reduce sum k3m.tsv > got")
	[ "$rc" -eq 0 ] || fail "pdp-reduce in a 100 MB cgroup: exit $rc"
	assert_files_equal want got
	[ "$held" -le 40 ] || fail "peak RSS $held MB in a 100 MB cgroup (without it: $free MB)"
	no_leftovers
}

# Locales made with localedef into a directory of this file's, if the
# machine has the sources (Debian's libc-bin and locales data).
setup_file() {
	export LOCDIR="$BATS_FILE_TMPDIR/locales"
	mkdir -p "$LOCDIR"
	for l in de_DE tr_TR; do
		localedef -i "$l" -f UTF-8 "$LOCDIR/$l.UTF-8" >/dev/null 2>&1 || true
	done
}

@test "locales: the same bytes out under C, POSIX, C.UTF-8, none, an unknown one, de_DE and tr_TR" {
	printf 'Istanbul ISTANBUL istanbul İstanbul 1,5 2.5\nstraße STRASSE\n' > ok.txt
	printf 'a\t1.5\na\t2,5\nb\t0.1\nb\t0.2\n' > num.tsv
	base() {
		echo ok.txt | pdp-map wordfreq | pdp-reduce sum
		echo ok.txt | pdp-map linefreq | pdp-reduce --order=value count
		pdp-reduce --invalid=skip sum,mean num.tsv 2>&1
		echo ok.txt | pdp-map grep '[[:upper:]]st' | pdp-reduce sum
	}
	LC_ALL=C base > want
	grep -q 'istanbul' want || fail "the test's own run looks wrong"
	n=0
	for loc in POSIX C.UTF-8 "" xx_YY.BOGUS de_DE.UTF-8 tr_TR.UTF-8; do
		case $loc in
		de_DE*|tr_TR*) [ -e "$LOCDIR/$loc" ] || continue ;;
		esac
		n=$((n + 1))
		LOCPATH=$LOCDIR LC_ALL=$loc LANG=$loc base > got 2>&1
		cmp want got >&2 || { diff want got >&2; fail "LC_ALL='$loc' changed the output"; }
		(unset LC_ALL LANG LC_CTYPE LC_NUMERIC; base) > got 2>&1
		assert_files_equal want got
	done
	[ "$n" -ge 4 ] || fail "too few locales tried"
}
