#!/usr/bin/env bats
# pdp-map exec: a command run for each input, its records, its failures.

load helper

# sort_output: the stdout of the last run in bytewise order.
sort_output() {
	output=$(printf '%s\n' "$output" | LC_ALL=C sort)
}

# hex STRING: the bytes of STRING as lowercase hex, no separators.
hex() {
	printf '%s' "$1" | od -An -tx1 | tr -d ' \n'
}

# numbered_lines FILE N: N lines "line NNNNNNN abc...xyz" (47 bytes each).
numbered_lines() {
	awk -v n="$2" 'BEGIN { for (i = 0; i < n; i++)
	    printf "line %07d abcdefghijklmnopqrstuvwxyz0123456\n", i }' > "$1"
}

@test "exec: the command's records pass through, for each input" {
	printf 'a\t1\nb\t2\n' > one.txt
	printf 'c\t3\n' > two.txt
	run --separate-stderr pdp-map exec sh -c 'sed "s/^/x/"' \
	    < <(printf '%s\n' one.txt two.txt)
	assert_status 0
	assert_stderr_empty
	sort_output
	assert_output_equals "$(printf 'xa\t1\nxb\t2\nxc\t3')"
}

@test "exec: PDP_PATH holds the raw path (space, TAB), --tag the escaped one" {
	name=$(printf 'sp ace\tta b.txt')
	printf 'x\n' > "$name"
	want=$(hex "$name")
	# The path record escapes the TAB; the command sees the raw bytes.
	run --separate-stderr pdp-map exec sh -c \
	    'printf "path\t%s\n" "$(printf %s "$PDP_PATH" | od -An -tx1 | tr -d " \n")"' \
	    <<< 'sp ace\tta b.txt'
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'path\t%s' "$want")"
	# The same name as a NUL-terminated raw path.
	run --separate-stderr pdp-map -0 exec sh -c \
	    'printf "path\t%s\n" "$(printf %s "$PDP_PATH" | od -An -tx1 | tr -d " \n")"' \
	    < <(printf '%s\0' "$name")
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'path\t%s' "$want")"
	run --separate-stderr pdp-map -0 --tag exec printf 'k\t1\n' \
	    < <(printf '%s\0' "$name")
	assert_status 0
	assert_output_equals "$(printf 'sp ace\\tta b.txt\tk\t1')"
}

@test "exec: no shell is involved: \$HOME, * and backquotes reach the command literally" {
	printf 'x\n' > f.txt
	run --separate-stderr pdp-map exec printf '%s\t1\n' '$HOME' '*' '`echo hi`' '; true' <<< f.txt
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf '%s\t1\n' '$HOME' '*' '`echo hi`' '; true')"
}

@test "exec: a last line without a newline gets one, and is not joined to the next input's" {
	printf 'x\n' > f1.txt
	printf 'y\n' > f2.txt
	pdp-map -k exec printf 'a\t1\nb\t2' < <(printf '%s\n' f1.txt f2.txt) > out
	printf 'a\t1\nb\t2\na\t1\nb\t2\n' > want
	assert_files_equal want out
	# Without -k: each input's output is still whole lines.
	pdp-map -j2 exec printf 'k\t1' < <(printf '%s\n' f1.txt f2.txt) > out
	printf 'k\t1\nk\t1\n' > want
	assert_files_equal want out
}

@test "exec --tag: each line of the command is prefixed with the path field" {
	mkdir d
	printf 'x\n' > 'd/x y.txt'
	printf 'x\n' > 'd/b\ack.txt'
	pdp-map -k --tag exec printf 'a\t1\nb\t2' \
	    < <(printf '%s\n' 'd/x y.txt' 'd/b\\ack.txt') > out
	printf 'd/x y.txt\ta\t1\nd/x y.txt\tb\t2\nd/b\\\\ack.txt\ta\t1\nd/b\\\\ack.txt\tb\t2\n' > want
	assert_files_equal want out
}

@test "exec: the command's stderr goes to stderr, never into the records" {
	printf 'x\n' > f.txt
	run --separate-stderr pdp-map exec sh -c \
	    'echo "oops from $PDP_PATH" >&2; printf "out\t1\n"; echo "more oops" >&2' <<< f.txt
	assert_status 0
	assert_output_equals "$(printf 'out\t1')"
	assert_stderr_equals "$(printf 'oops from f.txt\nmore oops')"
}

@test "exec: a command exiting with status 3 fails that input only, its output discarded" {
	for f in a.txt bad.txt c.txt; do printf 'x\n' > "$f"; done
	run --separate-stderr pdp-map -j2 exec sh -c \
	    'printf "%s\t1\n" "$PDP_PATH"; [ "$PDP_PATH" != bad.txt ] || exit 3' \
	    < <(printf '%s\n' a.txt bad.txt c.txt)
	assert_status 1
	sort_output
	assert_output_equals "$(printf 'a.txt\t1\nc.txt\t1')"
	assert_stderr_equals "pdp-map: bad.txt: sh exited with status 3"
}

@test "exec: a command killed by a signal fails that input only, with the signal named" {
	for f in a.txt bad.txt c.txt; do printf 'x\n' > "$f"; done
	run --separate-stderr pdp-map -j2 exec sh -c \
	    'printf "%s\t1\n" "$PDP_PATH"; [ "$PDP_PATH" != bad.txt ] || kill -SEGV $$' \
	    < <(printf '%s\n' a.txt bad.txt c.txt)
	assert_status 1
	sort_output
	assert_output_equals "$(printf 'a.txt\t1\nc.txt\t1')"
	assert_stderr_equals "pdp-map: bad.txt: sh killed by signal 11 (Segmentation fault)"
	no_leftovers
}

@test "exec: a command that is not found: exit status 127, nothing run" {
	printf 'x\n' > f.txt
	run -127 --separate-stderr pdp-map exec nosuch arg <<< f.txt
	assert_status 127
	assert_output_empty
	assert_stderr_equals "pdp-map: nosuch: command not found"
	run -127 --separate-stderr pdp-map exec ./nosuch <<< f.txt
	assert_status 127
	assert_output_empty
	assert_stderr_equals "pdp-map: ./nosuch: command not found"
	run -127 --separate-stderr pdp-map exec /nonexistent/dir/cmd <<< f.txt
	assert_status 127
	assert_stderr_equals "pdp-map: /nonexistent/dir/cmd: command not found"
	run --separate-stderr pdp-map exec <<< f.txt
	assert_status 2
	assert_output_empty
	assert_stderr_contains "pdp-map: exec: usage: exec CMD [ARG ...]"
}

@test "exec: a command that cannot be executed (no x bit, a directory): exit status 126" {
	printf 'x\n' > f.txt
	printf '#!/bin/sh\nprintf "ran\\t1\\n"\n' > noexec
	chmod 644 noexec
	mkdir adir
	run --separate-stderr pdp-map exec ./noexec <<< f.txt
	assert_status 126
	assert_output_empty
	assert_stderr_equals "pdp-map: ./noexec: Permission denied"
	run --separate-stderr pdp-map exec ./adir <<< f.txt
	assert_status 126
	assert_output_empty
	assert_stderr_equals "pdp-map: ./adir: Permission denied"
	# Found in PATH, without the x bit.
	mkdir bin
	cp noexec bin/nox
	run --separate-stderr env PATH="$T/bin:$PATH" pdp-map exec nox <<< f.txt
	assert_status 126
	assert_output_empty
	assert_stderr_equals "pdp-map: nox: Permission denied"
}

@test "exec: a directory found in PATH is not executable either: exit status 126" {
	printf 'x\n' > f.txt
	mkdir -p bin/dcmd
	run --separate-stderr env PATH="$T/bin:$PATH" pdp-map exec dcmd <<< f.txt
	assert_status 126
	assert_output_empty
	assert_stderr_equals "pdp-map: dcmd: Permission denied"
}

@test "exec: a command that reads only part of its input is fine" {
	numbered_lines big.txt 60000	# 2.8 MB, more than any pipe holds
	cp big.txt big2.txt
	run --separate-stderr pdp-map -j2 exec head -c1 < <(printf '%s\n' big.txt big2.txt)
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'l\nl')"
	run --separate-stderr pdp-map exec head -n 1 <<< big.txt
	assert_status 0
	assert_stderr_empty
	assert_output_equals "line 0000000 abcdefghijklmnopqrstuvwxyz0123456"
	# A command that reads nothing at all.
	run --separate-stderr pdp-map exec printf 'k\t1\n' <<< big.txt
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'k\t1')"
}

@test "exec: files are not split by default, and are with --split" {
	numbered_lines f.txt 4200	# 197400 bytes
	# One record per run of the command, with the lines it saw.
	run --separate-stderr pdp-map exec sh -c 'printf "run\t%d\n" $(wc -l)' <<< f.txt
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'run\t4200')"
	run --separate-stderr pdp-map -j2 --split 4K exec sh -c 'printf "run\t%d\n" $(wc -l)' <<< f.txt
	assert_status 0
	assert_stderr_empty
	# ceil(197400 / 4096) = 49 chunks, covering every line once.
	[ "$(wc -c < f.txt)" -eq 197400 ] || fail "test file of unexpected size"
	runs=$(printf '%s\n' "$output" | wc -l)
	nlines=$(printf '%s\n' "$output" | awk -F '\t' '{ s += $2 } END { print s }')
	[ "$runs" -eq 49 ] || fail "expected 49 runs, got $runs"
	[ "$nlines" -eq 4200 ] || fail "expected 4200 lines in all, got $nlines"
}

@test "exec: several MB of output from one command arrive complete" {
	printf 'x\n' > a.txt
	printf 'y\n' > b.txt
	prog='BEGIN { for (i = 0; i < 400000; i++) printf "key%07d\t%d\n", i, i }'
	awk "$prog" > one		# 6.4 MB
	cat one one > want
	pdp-map -k -j2 exec awk "$prog" < <(printf '%s\n' a.txt b.txt) > out
	assert_files_equal want out
	# Without -k, the two outputs are still not interleaved.
	pdp-map -j2 exec sh -c 'awk -v p="$PDP_PATH" "BEGIN { for (i = 0; i < 300000; i++) printf \"%s%07d\t1\n\", p, i }"' \
	    < <(printf '%s\n' a.txt b.txt) > out
	[ "$(wc -l < out)" -eq 600000 ] || fail "expected 600000 lines, got $(wc -l < out)"
	runs=$(cut -c1-5 out | uniq | LC_ALL=C sort | tr '\n' ' ')
	[ "$runs" = "a.txt b.txt " ] || fail "outputs interleaved: $runs"
}

# --- replacement strings and --ok-status ---------------------------------

@test "exec: GNU parallel's replacement strings, each path one argument, as parallel gives them" {
	command -v parallel > /dev/null || skip "GNU parallel is not installed (apt-get install parallel): the reference"
	mkdir -p d.x/sub
	for f in 'a.txt' 'sp ace.txt' '-lead.txt' "quo'te\".txt" $'new\nline.txt' '.hidden' 'noext' 'd.x/sub/f.tar.gz' 'd.x/plain'; do
		printf 'x\n' > "$f"
		printf '%s\0' "$f"
	done > list0
	# Each argument on its own line, bracketed: spaces and newlines show.
	printf '#!/bin/sh\nfor a; do printf "[%%s]" "$a"; done; echo\n' > show.sh
	chmod +x show.sh
	run --separate-stderr bash -c 'pdp-map -0 -k -j1 exec ./show.sh {} {/} {//} {.} {/.} {#} "p={}-{#}" < list0'
	assert_status 0
	assert_stderr_empty
	printf '%s\n' "$output" > got
	parallel --will-cite -0 -k -j1 ./show.sh {} {/} {//} {.} {/.} {#} "p={}-{#}" < list0 > want
	assert_files_equal want got
	# {%} is the worker's slot; with no replacement string, nothing changes.
	run --separate-stderr bash -c 'set -o pipefail; printf "a.txt\nnoext\n" | pdp-map -j1 -k exec ./show.sh {%} x'
	assert_status 0
	assert_output_equals "$(printf '[1][x]\n[1][x]')"
	# The input is on stdin as well.
	run --separate-stderr bash -c 'set -o pipefail; echo a.txt | pdp-map exec sh -c "cat; echo \$1" sh {/.}'
	assert_status 0
	assert_output_equals "$(printf 'x\na')"
}

@test "exec: a replacement string in the command itself, found in PATH for each input" {
	mkdir bin
	printf '#!/bin/sh\necho "one\t1"\n' > bin/one
	printf '#!/bin/sh\necho "two\t1"\n' > bin/two
	chmod +x bin/one bin/two
	: > one; : > two; : > three
	run --separate-stderr bash -c 'set -o pipefail; printf "one\ntwo\nthree\n" | PATH="$PWD/bin:$PATH" pdp-map -k -j1 exec {}'
	assert_status 1
	assert_output_equals "$(printf 'one\t1\ntwo\t1')"
	assert_stderr_equals "pdp-map: three: three: command not found"
}

@test "exec --ok-status: grep -c's 1 (no match) counts as success, other statuses still fail" {
	printf 'a 500 x\nb 200 y\n' > l1
	printf 'c 200 z\n' > l2
	printf 'l1\nl2\n' > list
	run --separate-stderr bash -c 'pdp-map -k -j1 --tag exec grep -c " 500 " < list'
	assert_status 1
	assert_output_equals "$(printf 'l1\t1')"
	assert_stderr_equals "pdp-map: l2: grep exited with status 1"
	run --separate-stderr bash -c 'pdp-map -k -j1 --tag --ok-status 0,1 exec grep -c " 500 " < list'
	assert_status 0
	assert_output_equals "$(printf 'l1\t1\nl2\t0')"
	# A status outside the list fails, a range works.
	run --separate-stderr bash -c 'set -o pipefail; printf "l1\n" | pdp-map --ok-status 0-1 exec sh -c "exit 2"'
	assert_status 1
	assert_stderr_equals "pdp-map: l1: sh exited with status 2"
	run --separate-stderr bash -c 'set -o pipefail; printf "l1\n" | pdp-map --ok-status 1,2-3 exec sh -c "exit 3"'
	assert_status 0
	for bad in '' 256 'a' '2-1' '1,,x' '0,' ',1' '0,,1' ',' '1-' '-1'; do
		run --separate-stderr pdp-map --ok-status "$bad" exec true < /dev/null
		assert_status 2
		assert_stderr_equals "pdp-map: invalid --ok-status '$bad' (exit statuses 0 to 255, e.g. 0,1 or 0-2)"
	done
	# A mapper that runs no command has no exit status to read: an
	# error, not ignored.
	for m in wc linefreq; do
		run --separate-stderr pdp-map --ok-status 0,1 $m < list
		assert_status 2
		assert_output_empty
		assert_stderr_equals "pdp-map: --ok-status: $m runs no command whose exit status it could read (exec does)"
	done
}

@test "exec: a CR within a line of its records fails the input, across writes too; CRLF line ends go through" {
	printf 'a\rb\t1\n' > mid.txt
	printf 'k\t1\r\nj\t2\r\n' > crlf.txt
	printf 'k\t1\r' > last.txt
	run --separate-stderr pdp-map -k exec cat < <(printf '%s\n' mid.txt crlf.txt last.txt)
	assert_status 1
	assert_output_equals "$(printf 'k\t1\r\nj\t2\r\nk\t1\r')"
	assert_stderr_equals "pdp-map: mid.txt: a CR within a line of its records (pdp(7): \\r; only a CRLF line end may hold one)"
	# pdp-reduce drops those line ends.
	run --separate-stderr bash -c "set -o pipefail; printf '%s\n' crlf.txt last.txt | pdp-map exec cat | pdp-reduce sum"
	assert_status 0
	assert_output_equals "$(printf 'j\t2\nk\t2')"
	# A CR at the end of one write, and what follows it in the next.
	run --separate-stderr pdp-map exec sh -c 'printf "a\r"; sleep 0.3; printf "b\t1\n"' <<< mid.txt
	assert_status 1
	assert_output_empty
	assert_stderr_equals "pdp-map: mid.txt: a CR within a line of its records (pdp(7): \\r; only a CRLF line end may hold one)"
	run --separate-stderr pdp-map exec sh -c 'printf "a\t1\r"; sleep 0.3; printf "\nb\t1\n"' <<< mid.txt
	assert_status 0
	assert_output_equals "$(printf 'a\t1\r\nb\t1')"
}

@test "exec: records with an invalid escape fail their input, also across the command's writes" {
	printf 'k\\q\t1\n' > q.txt
	printf 'ends\t1\\' > end.txt
	printf 'a\\\\b\tx\\ty\n' > good.txt
	run --separate-stderr pdp-map exec cat < <(printf '%s\n' q.txt end.txt good.txt)
	assert_status 1
	assert_output_equals "$(printf 'a\\\\b\tx\\ty')"
	assert_stderr_contains "pdp-map: q.txt: invalid escape '\\q' in its records (pdp(7): \\\\, \\t, \\n and \\r only)"
	assert_stderr_contains "pdp-map: end.txt: invalid escape '\\' at the end of its records"
	# A backslash at the end of one write and its letter in the next.
	run --separate-stderr pdp-map exec sh -c 'printf "a\\\\"; sleep 0.3; printf "qb\t1\n"' <<< good.txt
	assert_status 1
	assert_output_empty
	assert_stderr_equals "pdp-map: good.txt: invalid escape '\\q' in its records (pdp(7): \\\\, \\t, \\n and \\r only)"
	run --separate-stderr pdp-map exec sh -c 'printf "a\\\\"; sleep 0.3; printf "tb\t1\n"' <<< good.txt
	assert_status 0
	assert_output_equals "$(printf 'a\\tb\t1')"
	# So a command's key and the builtin's for the same bytes are one key.
	printf 'a\\b\n' > raw.txt
	pdp-map linefreq <<< raw.txt > builtin.tsv
	pdp-map exec printf 'a\\\\b\t1\n' <<< raw.txt > exec.tsv
	run --separate-stderr bash -c 'set -o pipefail; cat builtin.tsv exec.tsv | pdp-reduce sum'
	assert_status 0
	assert_output_equals "$(printf 'a\\\\b\t2')"
}
