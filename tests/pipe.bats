#!/usr/bin/env bats
# pdp-map --pipe: the data itself on stdin, cut into blocks of lines.

load helper

setup_file() {
	# A multi-MB text (more than one default 4M block), made once.
	local d=$BATS_FILE_TMPDIR
	"$PDP_TOOLS/gencorpus" -f 12 -s 6M -S 7 "$d/corpus" > /dev/null || return 1
	find "$d/corpus" -type f | LC_ALL=C sort | xargs cat > "$d/all.txt"
}

sort_output() {
	output=$(printf '%s\n' "$output" | LC_ALL=C sort)
}

# lines100: 100 lines "lineNNNNN", 10 bytes each, in l100.txt.
lines100() {
	awk 'BEGIN { for (i = 1; i <= 100; i++) printf "line%05d\n", i }' > l100.txt
}

@test "--pipe wordfreq: the same sums as the file itself, default and 1K blocks" {
	all=$BATS_FILE_TMPDIR/all.txt
	[ "$(wc -c < "$all")" -gt 5000000 ] || fail "corpus too small"
	pdp-map wordfreq <<< "$all" | pdp-reduce sum > want
	[ -s want ] || fail "no words"
	pdp-map --pipe wordfreq < "$all" | pdp-reduce sum > got
	assert_files_equal want got
	pdp-map --pipe --block 1K wordfreq < "$all" | pdp-reduce sum > got
	assert_files_equal want got
	# Through a pipe, as zcat would give it.
	cat "$all" | pdp-map -j2 --pipe --block 64K wordfreq | pdp-reduce sum > got
	assert_files_equal want got
}

@test "--pipe: linefreq, wc and ngrams 2 sum as for the file" {
	all=$BATS_FILE_TMPDIR/all.txt
	for m in linefreq wc 'ngrams 2'; do
		# shellcheck disable=SC2086
		pdp-map $m <<< "$all" | pdp-reduce sum > want
		# shellcheck disable=SC2086
		pdp-map --pipe --block 16K $m < "$all" | pdp-reduce sum > got
		assert_files_equal want got
	done
}

@test "--pipe --block: blocks hold whole lines; a line longer than a block is one" {
	long=$(printf 'x%.0s' $(seq 50))
	printf 'a\n%s\nc\nc\n\nlast' "$long" > in.txt
	run --separate-stderr pdp-map --pipe --block 4 linefreq < in.txt
	assert_status 0
	assert_stderr_empty
	sort_output
	assert_output_equals "$(printf '%s\t%s\n' '' 1 a 1 c 2 last 1 "$long" 1)"
	# One line per block at --block 1: with -k, exec cat gives the input
	# back, with the last line's newline added.
	printf 'a\n%s\nc\nc\n\nlast\n' "$long" > want
	pdp-map -k -j2 --pipe --block 1 exec cat < in.txt > got
	assert_files_equal want got
	pdp-map -k -j2 --pipe --block 1 exec sh -c 'printf "%d\n" $(wc -l)' < in.txt > got
	printf '1\n1\n1\n1\n1\n0\n' > want
	assert_files_equal want got
}

@test "--pipe: input without a trailing newline" {
	printf 'Alpha beta\nbeta gamma\n\ngamma delta' > in.txt
	run --separate-stderr pdp-map --pipe --block 12 wordfreq < in.txt
	assert_status 0
	assert_stderr_empty
	run --separate-stderr bash -c 'set -o pipefail; pdp-map --pipe --block 12 wordfreq < in.txt | pdp-reduce sum'
	assert_status 0
	assert_output_equals "$(printf 'alpha\t1\nbeta\t2\ndelta\t1\ngamma\t2')"
	run --separate-stderr bash -c 'set -o pipefail; pdp-map --pipe --block 12 wc < in.txt | pdp-reduce sum'
	assert_status 0
	assert_output_equals "$(printf 'bytes\t34\nlines\t3\nwords\t6')"
	run --separate-stderr pdp-map --pipe linefreq < in.txt
	assert_status 0
	sort_output
	assert_output_equals "$(printf '%s\t1\n' '' 'Alpha beta' 'beta gamma' 'gamma delta')"
}

@test "--pipe: empty input gives no output and exit status 0" {
	run --separate-stderr pdp-map --pipe wordfreq < /dev/null
	assert_status 0
	assert_output_empty
	assert_stderr_empty
	# No block, so the command does not run at all.
	run --separate-stderr pdp-map --pipe exec printf 'ran\t1\n' < /dev/null
	assert_status 0
	assert_output_empty
	assert_stderr_empty
	run --separate-stderr pdp-map --pipe --stats wc < /dev/null
	assert_status 0
	assert_output_empty
	assert_stderr_contains "pdp-map: inputs 0, succeeded 0, failed 0, bytes 0, records 0"
}

@test "--pipe with -0 is a usage error" {
	run --separate-stderr pdp-map --pipe -0 wordfreq <<< 'a b'
	assert_status 2
	assert_output_empty
	assert_stderr_contains "pdp-map: --pipe reads data, not paths: -0 does not apply"
	run --separate-stderr pdp-map -0 --pipe wc <<< 'a b'
	assert_status 2
	assert_output_empty
}

@test "--pipe --block: an invalid size is a usage error" {
	for b in 0 2G 1025M abc -1 '' 1X 4KX; do
		run --separate-stderr pdp-map --pipe --block "$b" wc <<< 'a b'
		assert_status 2
		assert_output_empty
		assert_stderr_contains "pdp-map: invalid block size '$b'"
	done
	for b in 1 1K 1G 1M 1MiB; do
		run --separate-stderr pdp-map --pipe --block "$b" wc <<< 'a b'
		assert_status 0
		assert_stderr_empty
		assert_output_equals "$(printf 'lines\t1\nwords\t2\nbytes\t4')"
	done
	# Without --pipe there are no blocks: an error, not ignored.
	echo x > x
	run --separate-stderr pdp-map --block 1K wc <<< x
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-map: --block is the size of --pipe's blocks: without --pipe there are none"
	# ... before the command of exec is looked for.
	run --separate-stderr pdp-map --block 1K exec no-such-command-here <<< x
	assert_status 2
	assert_stderr_equals "pdp-map: --block is the size of --pipe's blocks: without --pipe there are none"
}

@test "--pipe exec: the command runs once per block, with PDP_PATH '-'" {
	lines100
	run --separate-stderr pdp-map --pipe --block 100 exec sh -c \
	    'printf "%s\t%d\n" "$PDP_PATH" $(wc -l)' < l100.txt
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf -- '-\t10\n%.0s' $(seq 10))"
	run --separate-stderr pdp-map -j3 --pipe --block 100 exec wc -l < l100.txt
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf -- '10\n%.0s' $(seq 10))"
	run --separate-stderr pdp-map --pipe --block 100 --tag exec sh -c 'printf "n\t%d\n" $(wc -l)' < l100.txt
	assert_status 0
	assert_output_equals "$(printf -- '-\tn\t10\n%.0s' $(seq 10))"
	# On the corpus, the blocks' line counts add up to the total.
	all=$BATS_FILE_TMPDIR/all.txt
	run --separate-stderr bash -c 'set -o pipefail; pdp-map --pipe --block 64K exec sh -c "printf \"lines\t%d\n\" \$(wc -l)" < "$1" | pdp-reduce sum' _ "$all"
	assert_status 0
	assert_output_equals "$(printf 'lines\t%d' "$(wc -l < "$all")")"
}

@test "--pipe: messages name the failing block 'stdin block N'" {
	lines100
	sed 's/^line00025$/MARK00025/' l100.txt > in.txt
	run --separate-stderr pdp-map -j2 --pipe --block 100 --stats exec sh -c \
	    'n=0; while IFS= read -r l; do case $l in MARK*) exit 4; esac; n=$((n + 1)); done
	    printf "lines\t%d\n" $n' < in.txt
	assert_status 1
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 9 ] || fail "expected 9 blocks' records"
	assert_output_equals "$(printf 'lines\t10\n%.0s' $(seq 9))"
	stderr=$(printf '%s\n' "$stderr" | sed 's/, wall .*//')
	assert_stderr_equals "pdp-map: stdin block 3: sh exited with status 4
pdp-map: inputs 10, succeeded 9, failed 1, bytes 1000, records 9"
	run --separate-stderr pdp-map -j2 --pipe --block 100 -v exec sh -c 'd=$(cat); case $d in *MARK*) exit 4; esac; printf "%s\n" "$d"' < in.txt
	assert_status 1
	assert_stderr_matches 'pdp-map: [0-9:]+ worker [12]: stdin block 3: [0-9]+ bytes, 0 records, [0-9.]+ s, failed'
	assert_stderr_matches 'pdp-map: [0-9:]+ worker [12]: stdin block 10: 100 bytes, 10 records'
}

@test "--pipe from a file and from a pipe: the same blocks, the same output, byte for byte with -k" {
	long=$(head -c 100000 /dev/zero | tr '\0' y)
	{ printf 'short\n%s\nmid line\n' "$long"; seq 1 100; printf 'no newline at the end'; } > in.txt
	{ cat in.txt; echo; } > want
	# Each block as its line count, then its lines.
	printf '#!/bin/sh\ncat > "$TMPDIR/b.$$"\nwc -l < "$TMPDIR/b.$$" | tr -d " " | sed "s/^/#/"\ncat "$TMPDIR/b.$$"\nrm "$TMPDIR/b.$$"\n' > blk.sh
	chmod +x blk.sh
	mkdir tmp
	for b in 1M 64K 100 1; do
		TMPDIR=$PWD/tmp pdp-map -k -j2 --pipe --block "$b" exec ./blk.sh < in.txt > fromfile
		cat in.txt | TMPDIR=$PWD/tmp pdp-map -k -j2 --pipe --block "$b" exec ./blk.sh > frompipe
		cmp -s fromfile frompipe || fail "--block $b: from a file and from a pipe differ"
		grep -v '^#' fromfile > lines
		cmp -s want lines || fail "--block $b: the blocks' lines are not the input's"
	done
	# A line per block at --block 1 (the last has no newline).
	grep '^#' fromfile | sort | uniq -c | tr -s ' ' > counts
	[ "$(cat counts)" = "$(printf ' 1 #0\n 103 #1')" ] || fail "blocks of --block 1: $(cat counts)"
	# -a FILE is a file too; the blocks are named as from stdin.
	run --separate-stderr pdp-map --pipe --block 100 -a in.txt -v wc
	assert_status 0
	assert_stderr_contains "in.txt block 1: "
}

@test "--pipe: each block is checked for binary data alone, from a file as from a pipe (--block under 32K)" {
	# 10,000 text lines, then a line with a NUL: at --block 4K only the
	# last block holds it.  The first read of a block from a file brings
	# the blocks after it too, which must not count.
	{ for i in $(seq 10000); do echo 'a b'; done; printf 'x\0y\n'; } > in.txt
	for how in 'pdp-map --pipe --block 4K wc < in.txt' \
	    'pdp-map -a in.txt --pipe --block 4K wc' \
	    'cat in.txt | pdp-map --pipe --block 4K wc'; do
		run --separate-stderr bash -c "set -o pipefail; $how | pdp-reduce sum"
		assert_status 0
		assert_output_equals "$(printf 'bytes\t36864\nlines\t9216\nwords\t18432')"
		[ "$(grep -c 'binary file skipped' <<< "$stderr")" = 1 ] ||
		    fail "$how: not one block skipped: $stderr"
		assert_stderr_contains "block 10: binary file skipped (--binary=text to read it)"
	done
	run --separate-stderr bash -c 'pdp-map --pipe --block 4K --binary=fail wc < in.txt > /dev/null'
	assert_status 1
	assert_stderr_contains "pdp-map: stdin block 10: binary file (--binary=text to read it)"
	[ "$(grep -c 'binary file' <<< "$stderr")" = 1 ] || fail "not one block failed: $stderr"
}

@test "--pipe from a file: the data does not pass through pdp-map's parent" {
	# strace without -f follows the parent alone.  (/proc/PID/io would
	# not do: a reaped child's reads are added to its parent's.)
	command -v strace >/dev/null || skip "no strace to count what the parent reads"
	head -c 50000000 /dev/zero | tr '\0' '\n' > nl.txt
	# LeakSanitizer, under SANITIZE=1, does not run under ptrace.
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    strace -qq -e signal=none -e trace=read,pread64,readv,preadv -o st.log \
	    pdp-map -j2 --pipe wc < nl.txt > out 2> err || fail "pdp-map: $(cat err)"
	[ "$(pdp-reduce sum out | grep lines)" = "$(printf 'lines\t50000000')" ] || fail "out: $(cat out)"
	rchar=$(awk '$NF ~ /^[0-9]+$/ { n += $NF } END { print n + 0 }' st.log)
	# It reads the block boundaries (a line each) and its workers' results.
	[ "$rchar" -gt 0 ] || fail "strace saw no reads: $(head -3 st.log)"
	[ "$rchar" -lt 5000000 ] || fail "the parent read $rchar bytes of a 50 MB input"
}
