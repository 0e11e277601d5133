#!/usr/bin/env bats
# pdp-map --split: big files cut into line-aligned chunks run in parallel.

load helper

# varied FILE: about 300 KB of lines of mixed words (UTF-8, digits,
# punctuation, TABs), some longer than 8K, empty lines, CRs, and a last
# line without a newline.
varied() {
	awk 'BEGIN {
		srand(42)
		n = split("alpha beta gamma Ünïcödé ΑΒΓ café naïve über the The THE " \
		    "x_y 3.14 δέλτα 42 foo-bar ÉTÉ été it'"'"'s end. (paren) a\r", w, " ")
		for (i = 0; i < 1800; i++) {
			r = int(rand() * 100)
			if (r < 6) { print ""; continue }
			k = r < 8 ? int(rand() * 1200) + 900 : int(rand() * 12) + 1
			s = ""
			for (j = 0; j < k; j++)
				s = s (j ? (rand() < 0.1 ? "\t" : " ") : "") w[int(rand() * n) + 1]
			print s
		}
		printf "the last line has no newline café"
	}' > "$1"
}

setup_file() {
	varied "$BATS_FILE_TMPDIR/v.txt"
}

sort_output() {
	output=$(printf '%s\n' "$output" | LC_ALL=C sort)
}

# verbose_tasks: the -v lines of the last run, as "PATH [RANGE]: B bytes",
# sorted by offset.
verbose_tasks() {
	printf '%s\n' "$stderr" | sed -n 's/^pdp-map: [0-9:]* worker [0-9]*: \(.* bytes\), .*/\1/p' |
	    sort -t '[' -k 2n
}

@test "--split: the test file is as meant (size, long lines, empty lines, no final newline)" {
	v=$BATS_FILE_TMPDIR/v.txt
	size=$(wc -c < "$v")
	[ "$size" -gt 250000 ] && [ "$size" -lt 450000 ] || fail "size $size"
	[ "$(awk 'length($0) > 8192' "$v" | wc -l)" -ge 5 ] || fail "too few long lines"
	[ "$(grep -c '^$' "$v")" -ge 20 ] || fail "too few empty lines"
	[ -n "$(tail -c 1 "$v")" ] || fail "ends with a newline"
}

@test "--split 4K: every builtin sums to the same as --split 0" {
	v=$BATS_FILE_TMPDIR/v.txt
	for m in wordfreq linefreq 'grep ^[a-z]+ ' 'grep é$' wc 'ngrams 2' 'ngrams 3'; do
		# shellcheck disable=SC2086
		pdp-map --split 0 $m <<< "$v" | pdp-reduce sum > want
		[ -s want ] || fail "$m: no records"
		# shellcheck disable=SC2086
		pdp-map -j4 --split 4K $m <<< "$v" | pdp-reduce sum > got
		assert_files_equal want got
	done
	# And wc agrees with wc -l -c, and with POSIX words (GNU wc does not
	# count the words without a printable character, such as ΑΒΓ here).
	read -r l c _ < <(wc -l -c "$v")
	w=$(tr ' \t\v\f\r' '\n\n\n\n\n' < "$v" | grep -cv '^$')
	printf 'bytes\t%s\nlines\t%s\nwords\t%s\n' "$c" "$l" "$w" > want
	pdp-map -j3 --split 4K wc <<< "$v" | pdp-reduce sum > got
	assert_files_equal want got
}

@test "--split: the default (64M) does not cut a 300 KB file, --split 4K does" {
	v=$BATS_FILE_TMPDIR/v.txt
	size=$(wc -c < "$v")
	run --separate-stderr pdp-map -v wc <<< "$v"
	assert_status 0
	[ "$(verbose_tasks)" = "$v: $size bytes" ] || fail "expected one task: $(verbose_tasks)"
	run --separate-stderr pdp-map -v --split 4K wc <<< "$v"
	assert_status 0
	n=$(verbose_tasks | wc -l)
	[ "$n" -eq $(( (size + 4095) / 4096 )) ] || fail "expected $(( (size + 4095) / 4096 )) chunks, got $n"
	# The chunks' bytes add up to the file: each line read once.
	b=$(verbose_tasks | awk '{ s += $(NF - 1) } END { print s }')
	[ "$b" -eq "$size" ] || fail "chunks read $b bytes of $size"
}

@test "--split -v: each chunk is logged with its [offset+length], the last to the end of the file" {
	# 1000 lines of 5 bytes, a line of 9001 bytes from 5000 to 14001,
	# and "tail\n": chunk 2 owns no line, chunk 1 the long one.
	awk 'BEGIN { for (i = 0; i < 1000; i++) printf "w%d x\n", i % 10 }' > sm.txt
	head -c 9000 /dev/zero | tr '\0' A >> sm.txt
	printf '\ntail\n' >> sm.txt
	[ "$(wc -c < sm.txt)" -eq 14006 ] || fail "size"
	run --separate-stderr bash -c 'set -o pipefail; pdp-map -j2 --split 4K wordfreq <<< sm.txt | pdp-reduce sum'
	assert_status 0
	assert_output_equals "$(printf '%s\t1\n' "$(head -c 9000 /dev/zero | tr '\0' a)" tail
	    printf 'w%d\t100\n' 0 1 2 3 4 5 6 7 8 9; printf 'x\t1000')"
	run --separate-stderr pdp-map -j2 -v --split 4K wc <<< sm.txt
	assert_status 0
	tasks=$(verbose_tasks)
	[[ "$tasks" == "sm.txt [0+4096]: 4100 bytes
sm.txt [4096+4096]: 9901 bytes
sm.txt [8192+4096]: 0 bytes
sm.txt [12288+1718]: 5 bytes" ]] || fail "chunks: $tasks"
}

@test "--split: a file not larger than the split size is one task, one byte more is two" {
	awk 'BEGIN { for (i = 0; i < 100; i++) printf "line %07d abcdefghijklmnopqrstuvwxyz0123456\n", i }' > lines.txt
	head -c 4096 lines.txt > e4096.txt
	head -c 4097 lines.txt > e4097.txt
	head -c 100 lines.txt > small.txt
	run --separate-stderr pdp-map -k -v --split 4K wc < <(printf '%s\n' small.txt e4096.txt e4097.txt)
	assert_status 0
	assert_stderr_matches 'worker [0-9]+: small\.txt: 100 bytes, 3 records'
	assert_stderr_matches 'worker [0-9]+: e4096\.txt: 4096 bytes, 3 records'
	assert_stderr_matches 'worker [0-9]+: e4097\.txt \[0\+4096\]: 4097 bytes, 3 records'
	assert_stderr_matches 'worker [0-9]+: e4097\.txt \[4096\+[0-9]+\]: 0 bytes'
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 4 ] || fail "expected 4 tasks"
}

@test "--split below 4K, or not a size, is a usage error" {
	printf 'a\n' > f.txt
	for s in 4095 1K 100 1; do
		run --separate-stderr pdp-map --split "$s" wc <<< f.txt
		assert_status 2
		assert_output_empty
		assert_stderr_contains "pdp-map: split size '$s' too small (at least 4K)"
	done
	for s in abc -1 '' 4KX 1.5M; do
		run --separate-stderr pdp-map --split "$s" wc <<< f.txt
		assert_status 2
		assert_output_empty
		assert_stderr_contains "pdp-map: invalid split size '$s'"
	done
	for s in 0 4K 4096 4KiB 4KB 1M 1T; do
		run --separate-stderr pdp-map --split "$s" wc <<< f.txt
		assert_status 0
		assert_stderr_empty
		assert_output_equals "$(printf 'lines\t1\nwords\t1\nbytes\t2')"
	done
}

@test "--split -k --tag: the chunks of one file come together, the files in input order" {
	v=$BATS_FILE_TMPDIR/v.txt
	# Without its CRs: exec's output is records, which hold a CR only at
	# a line's end.
	tr -d '\r' < "$v" > one.txt
	awk 'BEGIN { for (i = 0; i < 3000; i++) printf "two %05d\n", i }' > two.txt
	cp "$v" three.txt
	run --separate-stderr pdp-map -k -j4 --split 4K --tag linefreq \
	    < <(printf '%s\n' one.txt two.txt three.txt)
	assert_status 0
	assert_stderr_empty
	tags=$(printf '%s\n' "$output" | cut -f 1 | uniq)
	[ "$tags" = "$(printf 'one.txt\ntwo.txt\nthree.txt')" ] || fail "tags in order: $tags"
}

@test "--split -k: the chunks of a file are written in file order" {
	v=$BATS_FILE_TMPDIR/v.txt
	# Without its CRs: exec's output is records, which hold a CR only at
	# a line's end.
	tr -d '\r' < "$v" > one.txt
	awk 'BEGIN { for (i = 0; i < 3000; i++) printf "two %05d\n", i }' > two.txt
	{ cat one.txt; echo; cat two.txt; } > want
	pdp-map -k -j4 --split 4K exec cat < <(printf '%s\n' one.txt two.txt) > got
	assert_files_equal want got
	{ sed 's/^/one.txt\t/' one.txt; echo; sed 's/^/two.txt\t/' two.txt; } > want
	pdp-map -k -j4 --split 4K --tag exec cat < <(printf '%s\n' one.txt two.txt) > got
	assert_files_equal want got
}

@test "--split: peak RSS stays under 64 MB on a 200 MB file with -j2 wordfreq" {
	[ -x /usr/bin/time ] || skip "no /usr/bin/time"
	[ -z "${PDP_SANITIZE:-}" ] || skip "peak RSS means nothing under the sanitizers"
	"$PDP_TOOLS/gencorpus" -f 1 -s 200M -d 0 big > /dev/null
	f=$(find big -type f)
	[ "$(wc -c < "$f")" -gt 200000000 ] || fail "corpus too small"
	/usr/bin/time -o rss -f %M pdp-map -j2 wordfreq <<< "$f" > out 2> err &&
	    st=0 || st=$?
	rm -rf big
	status=$st stderr=$(cat err) output=
	assert_status 0
	assert_stderr_empty
	[ "$(pdp-reduce sum < out | wc -l)" -gt 1000 ] || fail "too few words"
	kb=$(tail -n 1 rss)
	[ "$kb" -lt 65536 ] || fail "max RSS $kb KB"
}
