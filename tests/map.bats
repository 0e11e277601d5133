#!/usr/bin/env bats
# pdp-map: the builtin mappers, the worker pool, failures and signals.

load helper

# sorted STDOUT-OF-LAST-RUN: the output lines in bytewise order.
sort_output() {
	output=$(printf '%s\n' "$output" | LC_ALL=C sort)
}

@test "pdp-map wordfreq: words, case folding, digits, UTF-8, invalid bytes" {
	printf 'Hello hello HELLO world42 x_y 3.14 2024\nÜnïcödé ÜNÏCÖDÉ ΑΒΓ caf\377é\n\tdone' > w.txt
	run --separate-stderr pdp-map wordfreq <<< w.txt
	assert_status 0
	assert_stderr_empty
	sort_output
	assert_output_equals "$(printf '%s\t%s\n' \
	    14 1 2024 1 3 1 caf 1 done 1 hello 3 world42 1 x 1 y 1 \
	    é 1 ünïcödé 2 αβγ 1)"
}

@test "pdp-map wordfreq: long words, and words that end at every place of a 16-byte block, as a byte loop reads them" {
	# The SSE2 path reads 16 bytes at a time: words longer than a block,
	# mixed case in the second block and a boundary at every offset must
	# come out as tr and sort make them.
	{
		printf 'Supercalifragilisticexpialidocious abcdefghijklmnopqrstuvwxyz0123456789\n'
		printf 'abcdefghijklmnoP ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789abcdef:x@y[z`w{v/u\n'
		for n in $(seq 1 40); do
			printf '%*s' "$n" '' | tr ' ' 'a'
			printf ',%*s\n' "$n" '' | tr ' ' 'B'
		done
	} > long.txt
	run --separate-stderr pdp-map wordfreq <<< long.txt
	assert_status 0
	assert_stderr_empty
	sort_output
	tr -cs 'A-Za-z0-9' '\n' < long.txt | tr 'A-Z' 'a-z' | LC_ALL=C sort |
	    LC_ALL=C uniq -c | awk '{ printf "%s\t%s\n", $2, $1 }' > want
	printf '%s\n' "$output" > got
	assert_files_equal want got
	# A letter that is not ASCII right after 16 ASCII ones: one word.
	printf 'zzzzzzzzzzzzzzzz\303\251 end\n' > e.txt
	run --separate-stderr pdp-map wordfreq <<< e.txt
	assert_status 0
	sort_output
	assert_output_equals "$(printf 'end\t1\nzzzzzzzzzzzzzzzz\303\251\t1')"
}

@test "pdp-map wordfreq: words of every length at every place of a 64-byte window, and letters that are not ASCII next to them" {
	# wordfreq finds short ASCII words 64 bytes at a time, and leaves the
	# rest to the byte loop: both must give the words that tr gives.  A
	# file of 1.3 MB: past the first 1 MiB block, which cuts a word.
	awk 'BEGIN {
		# Park and Miller: exact in awk'"'"'s doubles.
		s = 7; sep[0] = " "; sep[1] = ", "; sep[2] = "\n"; sep[3] = "--"
		sep[4] = "\t"; sep[5] = "."; sep[6] = "   "
		for (i = 0; i < 110000; i++) {
			s = (s * 48271) % 2147483647
			n = 1 + s % 20
			w = ""
			for (j = 0; j < n; j++)
				w = w substr("abcdefghijKLMNOPqrstuvWXYZ0123456789", 1 + (int(s / 32) + j * 7) % 36, 1)
			printf "%s%s", w, sep[int(s / 1024) % 7]
		}
	}' > ascii.txt
	run --separate-stderr pdp-map wordfreq <<< ascii.txt
	assert_status 0
	assert_stderr_empty
	sort_output
	tr -cs 'A-Za-z0-9' '\n' < ascii.txt | tr 'A-Z' 'a-z' | grep . |
	    LC_ALL=C sort | LC_ALL=C uniq -c |
	    awk '{ printf "%s\t%s\n", $2, $1 }' > want
	printf '%s\n' "$output" > got
	assert_files_equal want got
	# A letter that is not ASCII at the end or start of a word, within
	# one, or a dash that is not ASCII between two, at every offset.
	for k in $(seq 0 69); do
		printf '%*s' "$k" ''
		printf 'abc\303\251 xyz \303\251bc na\303\257ve a\342\200\224b '
		printf '%*s\n' "$k" '' | tr ' ' 'Q'
	done > utf8.txt
	run --separate-stderr pdp-map wordfreq <<< utf8.txt
	assert_status 0
	assert_stderr_empty
	sort_output
	want=$(for k in $(seq 1 69); do printf '%*s\t1\n' "$k" '' | tr ' ' 'q'; done)
	assert_output_equals "$(printf '%s\n' "$want" \
	    "$(printf 'a\t70\nabc\303\251\t70\nb\t70\nna\303\257ve\t70\nxyz\t70\n\303\251bc\t70')" |
	    LC_ALL=C sort)"
}

@test "pdp-map: of the inputs read ahead, the largest starts first" {
	# One worker: its output comes in the order the inputs start.
	printf 'aaa\n' > a.txt
	for i in $(seq 300); do printf 'bbb\n'; done > b.txt
	for i in $(seq 10); do printf 'ccc\n'; done > c.txt
	for i in $(seq 5000); do printf 'ddd\n'; done > d.txt
	for i in $(seq 100); do printf 'eee\n'; done > e.txt
	run --separate-stderr pdp-map -j1 wordfreq <<< "$(printf '%s.txt\n' a b c d e)"
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'ddd\t5000\nbbb\t300\neee\t100\nccc\t10\naaa\t1')"
}

@test "pdp-map wordfreq: a file without words gives no records" {
	printf ' ,;. \n\n--\n' > none.txt
	: > empty.txt
	run --separate-stderr pdp-map wordfreq < <(printf '%s\n' none.txt empty.txt)
	assert_status 0
	assert_stderr_empty
	assert_output_empty
}

@test "pdp-map linefreq: counts, empty line, escaped TAB/backslash/CR, last line without newline" {
	printf 'a\tb\nback\\slash\na\tb\nplain\n\nplain\ncr\r\nlast' > lf.txt
	run --separate-stderr pdp-map linefreq <<< lf.txt
	assert_status 0
	assert_stderr_empty
	sort_output
	assert_output_equals "$(printf '%s\t%s\n' '' 1 'a\tb' 2 'back\\slash' 1 \
	    'cr\r' 1 last 1 plain 2)"
}

@test "pdp-map grep: counts the lines matching an ERE" {
	printf 'a\tb\nback\\slash\na\tb\nplain\n\nplain\nlast\napple pie\n' > lf.txt
	run --separate-stderr pdp-map grep '^(a|pl)' <<< lf.txt
	assert_status 0
	assert_stderr_empty
	sort_output
	assert_output_equals "$(printf '%s\t%s\n' 'a\tb' 2 'apple pie' 1 plain 2)"
}

@test "pdp-map grep: no matching line, no records" {
	printf 'a\tb\nback\\slash\nplain\n\nlast' > lf.txt
	run --separate-stderr pdp-map grep 'x{2,}|[0-9]+$' <<< lf.txt
	assert_status 0
	assert_stderr_empty
	assert_output_empty
}

@test "pdp-map grep: an invalid regex is a usage error" {
	echo x > f.txt
	run --separate-stderr pdp-map grep '(' <<< f.txt
	assert_status 2
	assert_output_empty
	assert_stderr_contains "pdp-map: grep: invalid regex '(':"
	run --separate-stderr pdp-map grep <<< f.txt
	assert_status 2
	assert_output_empty
	assert_stderr_contains "pdp-map: grep: usage: grep [-iFwxvoE] [-e] PATTERN"
}

# grep_like OPTS...: GNU grep -E's lines (or -o matches) of $f, counted
# and escaped as pdp-map grep writes them, against its records.
grep_like() {
	local m=-E a
	for a in "$@"; do
		case $a in --fixed-strings) m=-F ;; --*) ;; -*F*) m=-F ;; esac
	done
	LC_ALL=C.UTF-8 grep $m "$@" "$f" | sed 's/\\/\\\\/g' | LC_ALL=C sort |
	    LC_ALL=C uniq -c |
	    awk '{ c = $1; sub(/^ *[0-9]+ /, ""); print $0 "\t" c }' > want
	run --separate-stderr pdp-map grep "$@" <<< "$f"
	assert_status 0
	assert_stderr_empty
	printf '%s\n' "$output" | sed '/^$/d' | LC_ALL=C sort > got
	assert_files_equal want got
}

@test "pdp-map grep -i -v -F -w -x -o -e: as GNU grep -E selects and matches" {
	gencorpus -f 1 -s 300K -S 7 corp > /dev/null
	{
		find corp -type f -exec cat {} +
		printf 'Error: disk full\nerror 500 at 10:22\nterror\nOK 200\n'
		printf 'foo_bar foo bar\n500 500 500500\nΚΑΛΟΣ καλος Straße\n'
		printf 'a.b a+b (x) [y] {z} ^$|\\\n'
	} > t.txt
	f=t.txt
	grep_like error
	grep_like -i ERROR
	grep_like -v the
	grep_like -F 'a.b'
	grep_like -F '(x) [y] {z} ^$|\'
	grep_like -Fi 'A+B'
	grep_like -w 'th[a-z]*'
	grep_like -w 500
	grep_like -iw 'error|ro'
	grep_like -x '[a-z ]+'
	grep_like -vx '[a-z ]+'
	grep_like -o '[0-9]+'
	grep_like -o '[a-z]+(ed|s)'
	grep_like -ow 500
	grep_like -wo 'ro|ta'
	grep_like -wio 'RO [a-z]+'
	grep_like -io 'καλοσ|κ'
	grep_like -o 'x*'
	grep_like -ox '.*'
	grep_like -e zz -e qu -e OK
	grep_like -Fiw -e A -e the
	grep_like -i -e 'ΚΑΛΟΣ'
	grep_like --ignore-case --word-regexp --fixed-strings -e the
	grep_like -eerror
}

@test "pdp-map grep: a pattern of several lines is one pattern a line, as in grep" {
	printf 'alpha\nbeta\ngamma\n' > t.txt
	f=t.txt
	grep_like "$(printf 'alp\nmm')"
	grep_like -F "$(printf 'a\nb')"
}

@test "pdp-map grep: bad options are usage errors, named" {
	echo x > f.txt
	for a in -c -n -P --count -i-; do
		run --separate-stderr pdp-map grep "$a" x <<< f.txt
		assert_status 2
		assert_output_empty
		assert_stderr_contains "pdp-map: grep: unknown option '$a' (-i, -v, -F, -w, -x, -o, -E, -e PATTERN)"
	done
	run --separate-stderr pdp-map grep -o -v x <<< f.txt
	assert_status 2
	assert_stderr_contains "pdp-map: grep: -o with -v selects nothing"
	run --separate-stderr pdp-map grep -i -e <<< f.txt
	assert_status 2
	assert_stderr_contains "pdp-map: grep: -e needs a pattern"
	run --separate-stderr pdp-map grep -i <<< f.txt
	assert_status 2
	assert_stderr_contains "pdp-map: grep: usage: grep [-iFwxvoE] [-e] PATTERN"
	run --separate-stderr pdp-map grep a b <<< f.txt
	assert_status 2
	assert_stderr_contains "pdp-map: grep: usage: grep [-iFwxvoE] [-e] PATTERN"
	# A pattern that starts with -: after --, or with -e.
	printf -- '-x\ny\n' > d.txt
	f=d.txt
	grep_like -e -x
	run --separate-stderr pdp-map grep -- -x <<< d.txt
	assert_status 0
	assert_output_equals "$(printf -- '-x\t1')"
}

@test "pdp-map wc: the counts of wc -l -w -c" {
	printf 'one two  three\n\tfour\r\nfive\v six\f seven\n\n caf\377é x_y \nno newline' > c.txt
	read -r l w c _ < <(wc -l -w -c c.txt)
	run --separate-stderr pdp-map wc <<< c.txt
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'lines\t%s\nwords\t%s\nbytes\t%s' "$l" "$w" "$c")"
	assert_output_equals "$(printf 'lines\t5\nwords\t11\nbytes\t%s' "$(wc -c < c.txt)")"
}

@test "pdp-map wc: the counts POSIX gives on 2 MB of runs of every kind of byte" {
	# Runs of newlines and of one-byte words longer than the 16 bytes
	# counted at once, whitespace of every kind and every byte value,
	# at every offset.  Counted as POSIX says (GNU wc does not count
	# a run without a printable byte): by Python's split.
	python3 - > want <<'EOF'
import random, sys
r = random.Random(7)
out = bytearray()
while len(out) < 2 << 20:
    k = r.randrange(6)
    n = r.randrange(1, 40)
    if k == 0:
        out += b"\n" * n
    elif k == 1:
        out += b"a " * n
    elif k == 2:
        out += bytes(r.choice(b" \t\n\v\f\r") for _ in range(n))
    else:
        out += bytes(r.randrange(256) for _ in range(n))
open("big.txt", "wb").write(out)
print(out.count(b"\n"), len(out.split()), len(out))
EOF
	read -r l w c < want
	[ "$l" -gt 100000 ] && [ "$w" -gt 100000 ] || fail "too few lines or words: $l $w"
	run --separate-stderr pdp-map --binary=text wc <<< big.txt
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'lines\t%s\nwords\t%s\nbytes\t%s' "$l" "$w" "$c")"
	# The same through --pipe, in blocks of 64 KiB.
	run --separate-stderr bash -c 'set -o pipefail; pdp-map --binary=text --pipe --block 64K -j2 wc < big.txt | pdp-reduce sum'
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'bytes\t%s\nlines\t%s\nwords\t%s' "$c" "$l" "$w")"
}

@test "pdp-map wc: a file whose size reads as 0 (/proc/self/mountinfo) is read to its end" {
	f=/proc/self/mountinfo
	[ -r "$f" ] && [ "$(stat -c %s "$f")" -eq 0 ] || skip "no /proc/self/mountinfo of size 0"
	# The mapper's process reads its own mountinfo, which is cat's too.
	want=$(wc -c < "$f")
	[ "$want" -gt 0 ] || fail "empty $f"
	run --separate-stderr pdp-map wc <<< "$f"
	assert_status 0
	assert_stderr_empty
	[ "${lines[2]}" = "$(printf 'bytes\t%s' "$want")" ] || fail "got ${lines[2]}, want $want bytes"
}

@test "pdp-map ngrams 2: word pairs within a line only" {
	printf 'The quick brown fox\nthe QUICK\nfox the quick\none\n' > ng.txt
	run --separate-stderr pdp-map ngrams 2 <<< ng.txt
	assert_status 0
	assert_stderr_empty
	sort_output
	assert_output_equals "$(printf '%s\t%s\n' 'brown fox' 1 'fox the' 1 \
	    'quick brown' 1 'the quick' 3)"
	run --separate-stderr pdp-map ngrams 3 <<< ng.txt
	assert_status 0
	sort_output
	assert_output_equals "$(printf '%s\t%s\n' 'fox the quick' 1 \
	    'quick brown fox' 1 'the quick brown' 1)"
}

@test "pdp-map ngrams: a bad or missing N is a usage error" {
	echo x > f.txt
	for n in 0 x -1 '' 1.5 99999999999999999999; do
		run --separate-stderr pdp-map ngrams "$n" <<< f.txt
		assert_status 2
		assert_output_empty
		assert_stderr_contains "pdp-map: ngrams: invalid N '$n'"
	done
	run --separate-stderr pdp-map ngrams <<< f.txt
	assert_status 2
	assert_output_empty
	assert_stderr_contains "pdp-map: ngrams: usage:"
	run --separate-stderr pdp-map ngrams 2 3 <<< f.txt
	assert_status 2
	assert_output_empty
	assert_stderr_contains "pdp-map: ngrams: usage:"
}

@test "pdp-map: an unknown mapper is a usage error" {
	echo x > f.txt
	run --separate-stderr pdp-map nosuch <<< f.txt
	assert_status 2
	assert_output_empty
	assert_stderr_contains "pdp-map: nosuch: unknown mapper"
	run --separate-stderr pdp-map < /dev/null
	assert_status 2
	assert_output_empty
	assert_stderr_contains "pdp-map: missing mapper"
	assert_stderr_contains "usage: pdp-map"
}

@test "pdp-map: bad options are usage errors" {
	echo x > f.txt
	for args in "-j 0x" "-j x" "-j 5000" "-j 5%x" "-j +x" "--split 1K" "--split x" "--bogus" "-Z"; do
		run --separate-stderr pdp-map $args wc <<< f.txt
		assert_status 2
		assert_output_empty
		assert_stderr_contains "pdp-map: "
	done
}

@test "pdp-map: --help on stdout, --version" {
	run --separate-stderr pdp-map --help
	assert_status 0
	assert_stderr_empty
	assert_output_contains "usage: pdp-map"
	assert_output_contains "wordfreq"
	assert_output_contains "ngrams"
	run --separate-stderr pdp-map -h
	assert_status 0
	assert_output_contains "usage: pdp-map"
	run --separate-stderr pdp-map --version
	assert_status 0
	assert_stderr_empty
	assert_output_matches '^pdp-map [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "pdp-map: -j1, -j2, -j8, with and without -k: the same reduced result" {
	gencorpus -f 40 -s 400K -S 3 c > /dev/null
	pdp-find c > list
	pdp-map -j1 wordfreq < list | pdp-reduce sum > ref
	pdp-map -j1 linefreq < list | pdp-reduce sum > lref
	[ -s ref ] && [ -s lref ]
	for j in 1 2 8; do
		for k in "" -k; do
			run --separate-stderr pdp-map -j "$j" $k wordfreq < list
			assert_status 0
			assert_stderr_empty
			printf '%s\n' "$output" | pdp-reduce sum > got
			assert_files_equal ref got
			pdp-map --jobs="$j" $k linefreq < list | pdp-reduce sum > got
			assert_files_equal lref got
		done
	done
}

# 30 files of different sizes, listed in a shuffled order.
mkorder() {
	mkdir o
	for i in $(seq 1 30); do
		seq 1 $(( (i * 37 % 30) * 300 + 1 )) | sed "s/^/f$i-/" > "o/f$i.txt"
	done
	printf '%s\n' o/f*.txt | shuf --random-source=<(yes) > list
}

@test "pdp-map -k: output in input order (--tag shows it)" {
	mkorder
	run --separate-stderr pdp-map -j8 -k --tag linefreq < list
	assert_status 0
	assert_stderr_empty
	printf '%s\n' "$output" | cut -f1 | uniq > tags
	assert_files_equal list tags
	# Each record is the file's line with count 1, after its path.
	printf '%s\n' "$output" | awk -F'\t' '
	    { n = $1; sub(/^o\//, "", n); sub(/\.txt$/, "", n)
	      if (NF != 3 || $3 != 1 || index($2, n "-") != 1) { print; bad = 1 } }
	    END { exit bad }'
	[ "${#lines[@]}" -eq "$(cat o/*.txt | wc -l)" ]
}

@test "pdp-map: a task's records are never interleaved with another's" {
	mkorder
	run --separate-stderr pdp-map -j8 --tag linefreq < list
	assert_status 0
	assert_stderr_empty
	printf '%s\n' "$output" | cut -f1 | uniq > tags
	# Each path appears as one run of records.
	[ "$(wc -l < tags)" -eq 30 ] || fail "records of tasks interleaved"
	LC_ALL=C sort tags > a
	LC_ALL=C sort list > b
	assert_files_equal b a
}

@test "pdp-map --tag: each record prefixed by the input's path field" {
	printf 'one two\none\n' > a.txt
	printf 'three\n' > b.txt
	run --separate-stderr pdp-map -k --tag wordfreq < <(printf '%s\n' a.txt b.txt)
	assert_status 0
	assert_stderr_empty
	sort_output
	assert_output_equals "$(printf '%s\t%s\t%s\n' a.txt one 2 a.txt two 1 b.txt three 1)"
	# The path field of a record with more fields is the first one.
	run --separate-stderr pdp-map --tag -k wc < <(printf 'a.txt\textra\n')
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'a.txt\tlines\t2\na.txt\twords\t3\na.txt\tbytes\t12')"
}

# ok1.txt and ok2.txt, with a known wc total.
mkok() {
	printf 'one two\n' > ok1.txt
	printf 'three\n' > ok2.txt
}
OKSUM=$(printf 'bytes\t14\nlines\t2\nwords\t3')

@test "pdp-map: a missing file: message, the rest complete, exit 1" {
	mkok
	run --separate-stderr pdp-map -j2 wc < <(printf '%s\n' ok1.txt missing.txt ok2.txt)
	assert_status 1
	assert_stderr_equals "pdp-map: missing.txt: No such file or directory"
	output=$(printf '%s\n' "$output" | pdp-reduce sum)
	assert_output_equals "$OKSUM"
}

@test "a file name's bytes that do not print show as \\xHH in every program's messages, as pdp(7) says" {
	# An ESC sequence in a name must not reach the terminal as one.
	esc=$(printf 'no\033]0;x\007such')
	run --separate-stderr sh -c "printf '%s\n' '$esc' | pdp-map wc"
	assert_status 1
	assert_stderr_equals 'pdp-map: no\x1b]0;x\x07such: No such file or directory'
	run --separate-stderr pdp-find "$esc"
	assert_status 1
	assert_stderr_contains 'pdp-find: no\x1b]0;x\x07such: No such file or directory'
	run --separate-stderr pdp-reduce sum "$esc" "$(printf 'tab\there\001')"
	assert_status 2
	assert_stderr_equals 'pdp-reduce: no\x1b]0;x\x07such: No such file or directory'
	printf 'a\t1\n' > "$(printf 'del\177\tx')"
	printf 'a\tz\n' > "$(printf 'tab\there')"
	run --separate-stderr pdp-reduce sum "$(printf 'del\177\tx')" "$(printf 'tab\there')"
	assert_status 2
	assert_stderr_equals "$(printf 'pdp-reduce: tab\there:1: sum: not a number %s' "'z'")"
	run --separate-stderr pdp-reduce sum "$(printf 'del\177\tx')" nofile
	assert_status 2
	assert_stderr_equals 'pdp-reduce: nofile: No such file or directory'
}

@test "pdp-map: a directory: message, the rest complete, exit 1" {
	mkok
	mkdir adir
	run --separate-stderr pdp-map -j2 wc < <(printf '%s\n' ok1.txt adir ok2.txt)
	assert_status 1
	assert_stderr_equals "pdp-map: adir: Is a directory"
	output=$(printf '%s\n' "$output" | pdp-reduce sum)
	assert_output_equals "$OKSUM"
}

@test "pdp-map: a FIFO or a device is refused without blocking, exit 1" {
	mkok
	mkfifo ff
	run --separate-stderr timeout 10 pdp-map -j2 wc < <(printf '%s\n' ok1.txt ff /dev/zero ok2.txt)
	assert_status 1
	assert_stderr_matches '(^|'$'\n'')pdp-map: ff: [^'$'\n'']+'
	assert_stderr_matches '(^|'$'\n'')pdp-map: /dev/zero: [^'$'\n'']+'
	[ "${#stderr_lines[@]}" -eq 2 ] || fail "expected 2 lines on stderr"
	output=$(printf '%s\n' "$output" | pdp-reduce sum)
	assert_output_equals "$OKSUM"
}

@test "pdp-map: a file it may not read: message, the rest complete, exit 1" {
	mkok
	printf 'secret\n' > locked.txt
	need_unprivileged
	chmod 000 locked.txt
	run --separate-stderr unpriv "$UBIN/pdp-map" -j2 wc < <(printf '%s\n' ok1.txt locked.txt ok2.txt)
	assert_status 1
	assert_stderr_equals "pdp-map: locked.txt: Permission denied"
	output=$(printf '%s\n' "$output" | pdp-reduce sum)
	assert_output_equals "$OKSUM"
}

@test "pdp-map: bad path records are failed inputs, not fatal" {
	mkok
	run --separate-stderr pdp-map --stats wc < <(printf 'ok1.txt\nbad\\q\n\nok2.txt\n')
	assert_status 1
	assert_stderr_contains "pdp-map: stdin:2: invalid escape in path record"
	assert_stderr_contains "pdp-map: stdin:3: empty path"
	assert_stderr_contains "inputs 4, succeeded 2, failed 2"
	output=$(printf '%s\n' "$output" | pdp-reduce sum)
	assert_output_equals "$OKSUM"
}

@test "pdp-map --stats: succeeded + failed = inputs" {
	mkok
	mkdir adir
	run --separate-stderr pdp-map --stats wc < <(printf '%s\n' ok1.txt missing adir ok2.txt ok1.txt)
	assert_status 1
	assert_stderr_contains "pdp-map: missing: No such file or directory"
	assert_stderr_contains "pdp-map: adir: Is a directory"
	local stats
	stats=$(printf '%s\n' "$stderr" | grep 'inputs [0-9]') ||
	    fail "no --stats line"
	[[ $stats =~ inputs\ ([0-9]+),\ succeeded\ ([0-9]+),\ failed\ ([0-9]+) ]] ||
	    fail "bad --stats line: $stats"
	[ "${BASH_REMATCH[1]}" -eq 5 ] || fail "inputs should be 5: $stats"
	[ "${BASH_REMATCH[2]}" -eq 3 ] || fail "succeeded should be 3: $stats"
	[ "${BASH_REMATCH[3]}" -eq 2 ] || fail "failed should be 2: $stats"
	[[ $stats == *"bytes 22"* ]] || fail "bytes should be 22: $stats"
	[[ $stats == *"records 9"* ]] || fail "records should be 9: $stats"
}

@test "pdp-map -v: a log line per task" {
	mkok
	run --separate-stderr pdp-map -v -j2 wc < <(printf '%s\n' ok1.txt ok2.txt missing.txt)
	assert_status 1
	[ "${#stderr_lines[@]}" -eq 4 ] || fail "expected 3 log lines and 1 warning"
	assert_stderr_matches 'worker [0-9]+: ok1\.txt: 8 bytes'
	assert_stderr_matches 'worker [0-9]+: ok2\.txt: 6 bytes'
	assert_stderr_matches 'worker [0-9]+: missing\.txt: .*failed'
	assert_stderr_contains "pdp-map: missing.txt: No such file or directory"
	output=$(printf '%s\n' "$output" | pdp-reduce sum)
	assert_output_equals "$OKSUM"
}

@test "pdp-map -q: no warnings, but the exit status stays 1" {
	mkok
	run --separate-stderr pdp-map -q wc < <(printf '%s\n' ok1.txt missing.txt ok2.txt)
	assert_status 1
	assert_stderr_empty
	output=$(printf '%s\n' "$output" | pdp-reduce sum)
	assert_output_equals "$OKSUM"
}

@test "pdp-map: no input: no output, exit 0" {
	run --separate-stderr pdp-map wordfreq < /dev/null
	assert_status 0
	assert_stderr_empty
	assert_output_empty
}

map_to_full() {
	pdp-map -j2 "$@" < list > /dev/full 3>&-
}

@test "pdp-map: writing to /dev/full is an error, exit 2" {
	[ -w /dev/full ] || skip "no /dev/full here"
	mkok
	printf '%s\n' ok1.txt ok2.txt > list
	run --separate-stderr map_to_full wc
	assert_status 2
	assert_output_empty
	assert_stderr_contains "pdp-map: stdout: write error"
	no_leftovers
	# Much output, failing while the workers are busy.
	seq 1 200000 > big.txt
	yes big.txt | head -n 20 > list
	run --separate-stderr map_to_full linefreq
	assert_status 2
	assert_stderr_contains "write error"
	no_leftovers
}

to_head() {
	local t0=$SECONDS
	yes "$T/big.txt" | timeout 30 pdp-map -j2 linefreq 3>&- | head -n 1
	echo "${PIPESTATUS[*]} $(( SECONDS - t0 ))" > status
}

@test "pdp-map | head -1: the whole pool ends at once, no orphans" {
	seq 1 100000 > big.txt
	run --separate-stderr to_head
	assert_status 0
	assert_output_matches '^[0-9]+	1$'
	read -r yes_st map_st head_st secs < status
	[ "$map_st" -eq 141 ] || [ "$map_st" -eq 0 ] ||
	    fail "pdp-map exited with $map_st (124: it did not stop)"
	[ "$head_st" -eq 0 ]
	[ "$secs" -lt 10 ] || fail "took $secs s"
	assert_stderr_empty
	no_leftovers
}

# signal_test SIG STATUS: stop a busy pdp-map with SIG.
signal_test() {
	seq 1 300000 > big.txt
	mkdir tmp
	# An endless input, each task more than a spool's memory of output.
	# A background job of a script starts with SIGINT ignored, and
	# pdp-map rightly keeps it so: give it the default disposition.
	yes "$T/big.txt" | TMPDIR="$T/tmp" env --default-signal=INT \
	    pdp-map -j2 linefreq > out 2> err 3>&- &
	local pid=$!
	wait_until 20 test -s out || fail "pdp-map did not start"
	[ "$(pdp_map_procs | wc -l)" -ge 2 ] || fail "no workers"
	kill -s "$1" "$pid"
	local st=0
	wait "$pid" || st=$?
	wait || true
	[ "$st" -eq "$2" ] || fail "pdp-map exited with $st after SIG$1, not $2"
	status=$st
	stderr=$(cat err)
	assert_stderr_not_contains "worker"
	no_leftovers
	[ -z "$(ls -A tmp)" ] || fail "left in TMPDIR: $(ls -A tmp)"
}

@test "pdp-map: SIGINT stops the workers, exit 130, nothing left behind" {
	signal_test INT 130
}

@test "pdp-map: SIGTERM stops the workers, exit 143, nothing left behind" {
	signal_test TERM 143
}

@test "pdp-map: standard input a terminal is refused" {
	command -v script > /dev/null || skip "script(1) is not installed: cannot make a terminal"
	run --separate-stderr timeout 20 script -qec "pdp-map wc" /dev/null < /dev/null
	[ "$status" -ne 124 ] || fail "pdp-map waited on the terminal"
	assert_status 2
	output=${output//$'\r'/}
	assert_output_contains "pdp-map: paths are read from standard input: pdp-find DIR | pdp-map wc ..., or -a FILE"
	# With -a, a terminal on stdin is no matter.
	printf 'one two\n' > a.txt
	echo a.txt > list
	run --separate-stderr timeout 20 script -qec "pdp-map -a list wc" /dev/null < /dev/null
	assert_status 0
	output=${output//$'\r'/}
	assert_output_contains "$(printf 'words\t2')"
}

@test "pdp-map -a FILE: the path records from FILE, stdin left alone; a missing FILE is named" {
	printf 'one two\n' > a.txt
	printf 'three\n' > b.txt
	printf 'a.txt\nb.txt\n' > list
	run --separate-stderr bash -c 'set -o pipefail; echo "not read" | pdp-map -a list --arg-file=list wordfreq | pdp-reduce sum'
	assert_status 0
	assert_output_equals "$(printf 'one\t1\nthree\t1\ntwo\t1')"
	# stdin closed is fine with -a.
	run --separate-stderr bash -c 'set -o pipefail; pdp-map -a list wc <&- | pdp-reduce sum'
	assert_status 0
	assert_output_contains "$(printf 'words\t3')"
	# --pipe: FILE is the data.
	run --separate-stderr bash -c 'pdp-map --pipe -a a.txt wc'
	assert_status 0
	assert_output_contains "$(printf 'words\t2')"
	run --separate-stderr pdp-map -a nosuch wc
	assert_status 2
	assert_stderr_equals "pdp-map: nosuch: No such file or directory"
	# A bad record of FILE is named by FILE and line.
	printf 'a.txt\nbad\\q\n' > badlist
	run --separate-stderr pdp-map -a badlist wc
	assert_status 1
	assert_stderr_equals "pdp-map: badlist:2: invalid escape in path record"
	# -a - is standard input, as for xargs and GNU parallel; ./- a file.
	run --separate-stderr bash -c 'set -o pipefail; cat list | pdp-map -a - wc | pdp-reduce sum'
	assert_status 0
	assert_output_contains "$(printf 'words\t3')"
	run --separate-stderr bash -c 'set -o pipefail; pdp-map --pipe -a - wc < a.txt | pdp-reduce sum'
	assert_status 0
	assert_output_contains "$(printf 'words\t2')"
	cp list ./-
	run --separate-stderr bash -c 'set -o pipefail; pdp-map -a ./- wc < /dev/null | pdp-reduce sum'
	assert_status 0
	assert_output_contains "$(printf 'words\t3')"
}

@test "pdp-map -0: NUL-terminated raw paths, newline in a name" {
	mkdir z
	printf 'alpha\n' > "z/new
line.txt"
	printf 'beta\n' > 'z/back\slash.txt'
	printf '%s\0' "z/new
line.txt" 'z/back\slash.txt' > list0
	run --separate-stderr pdp-map -0 -k --tag linefreq < list0
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf '%s\t%s\t1\n' 'z/new\nline.txt' alpha 'z/back\\slash.txt' beta)"
	# The same names escaped, without -0.
	run --separate-stderr pdp-map -k --tag linefreq < <(printf '%s\n' 'z/new\nline.txt' 'z/back\\slash.txt')
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf '%s\t%s\t1\n' 'z/new\nline.txt' alpha 'z/back\\slash.txt' beta)"
}

@test "pdp-map --split: a file cut into chunks gives the same reduced result" {
	gencorpus -f 1 -s 100K -S 5 c > /dev/null
	pdp-find -a c > list
	[ "$(wc -l < list)" -eq 1 ]
	[ "$(wc -c < "$(cat list)")" -gt 65536 ]
	for m in wordfreq linefreq wc "ngrams 2"; do
		pdp-map --split 0 $m < list | pdp-reduce sum > whole
		run --separate-stderr pdp-map -j2 --split 4K $m < list
		assert_status 0
		assert_stderr_empty
		printf '%s\n' "$output" | pdp-reduce sum > split
		assert_files_equal whole split
	done
	# It really ran chunks: one log line for each.
	run --separate-stderr pdp-map -v --split 4K wc < list
	assert_status 0
	[ "${#stderr_lines[@]}" -gt 10 ] || fail "expected many chunks"
	output=$(printf '%s\n' "$output" | pdp-reduce sum)
	assert_output_equals "$(printf 'bytes\t%s\nlines\t%s\nwords\t%s' \
	    "$(cat "$(cat list)" | wc -c)" "$(cat "$(cat list)" | wc -l)" \
	    "$(cat "$(cat list)" | wc -w)")"
}

@test "pdp-map --tag linefreq: special file names shown escaped" {
	mkdir n
	printf 'sp\n' > 'n/sp ace.txt'
	printf 'tab\n' > "n/ta	b.txt"
	printf 'nl\n' > "n/new
line.txt"
	printf 'bs\n' > 'n/back\slash.txt'
	printf 'dash\n' > 'n/-lead.txt'
	printf 'bad\n' > "$(printf 'n/bad\377\376.txt')"
	run --separate-stderr pdp-map --tag linefreq < <(pdp-find n)
	assert_status 0
	assert_stderr_empty
	sort_output
	assert_output_equals "$(printf '%s\t%s\t1\n' 'n/-lead.txt' dash \
	    'n/back\\slash.txt' bs "$(printf 'n/bad\377\376.txt')" bad \
	    'n/new\nline.txt' nl 'n/sp ace.txt' sp 'n/ta\tb.txt' tab)"
	# A relative path with a leading dash is a path, not an option.
	cd n
	run --separate-stderr pdp-map --tag linefreq <<< -lead.txt
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf -- '-lead.txt\tdash\t1')"
}
