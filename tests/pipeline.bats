#!/usr/bin/env bats
# The three programs together: pdp-find DIR | pdp-map MAPPER | pdp-reduce OP.

load helper

# main_job DIR [MAP-OPTIONS]: the main job; the three exit statuses go to
# the file "statuses".
main_job() {
	local dir=$1
	shift
	pdp-find "$dir" | pdp-map "$@" wordfreq | pdp-reduce sum
	echo "${PIPESTATUS[*]}" > statuses
}

assert_statuses() {
	[ "$(cat statuses)" = "$1" ] ||
	    fail "exit statuses of the pipeline: $(cat statuses), expected $1"
}

# An independent word count of ASCII text: word<TAB>count, bytewise.
ascii_wordfreq() {
	cat "$@" | tr -cs 'A-Za-z0-9' '\n' | tr 'A-Z' 'a-z' | grep -v '^$' |
	    LC_ALL=C sort | uniq -c | awk '{ printf "%s\t%s\n", $2, $1 }'
}

@test "pipeline: the main job agrees with tr | sort | uniq -c on ASCII text" {
	mkdir -p c/sub/deeper
	printf 'The quick brown fox jumps over the lazy dog.\n' > c/one.txt
	printf 'THE END; the end, The End!\n\nfoo_bar foo-bar 3.14 42\n' > c/sub/two.txt
	printf 'no newline at the end: dog DOG Dog' > c/sub/deeper/three.txt
	printf '\t  leading space\ttabs\r\nand CRLF lines\r\n' > c/sub/four.txt
	printf 'read too: every regular file\n' > c/sub/also.md
	printf 'not read: hidden\n' > c/sub/.hidden.txt
	: > c/empty.txt
	for i in $(seq 1 50); do
		printf 'line %d of file %d: alpha beta%d gamma\n' $(seq 1 $(( i % 7 + 1 )) | sed "s/.*/& $i $i/") > "c/sub/f$i.txt"
	done
	run --separate-stderr main_job c -j2
	assert_status 0
	assert_stderr_empty
	assert_statuses "0 0 0"
	local want
	want=$(find c -type f ! -name '.*' -print0 | xargs -0 -n 1 sh -c 'cat "$1"; echo' _ |
	    ascii_wordfreq)
	assert_output_equals "$want"
	assert_output_contains "$(printf 'the\t6')"
	assert_output_contains "$(printf 'dog\t4')"
	assert_output_contains "$(printf 'every\t1')"
	[[ "$output" != *hidden* ]] || fail "a hidden file was read"
}

@test "pipeline: the main job on a gencorpus corpus agrees with grep -o [[:alnum:]]" {
	locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$' ||
	    skip "no C.UTF-8 locale for the reference implementation"
	gencorpus -f 30 -s 300K -d 2 -S 11 c > /dev/null
	run --separate-stderr main_job c
	assert_status 0
	assert_stderr_empty
	assert_statuses "0 0 0"
	# gencorpus capitalizes only ASCII letters, so tr can lowercase.
	find c -name '*.txt' -print0 |
	    xargs -0 env LC_ALL=C.UTF-8 grep -ohE '[[:alnum:]]+' | tr 'A-Z' 'a-z' |
	    LC_ALL=C sort | uniq -c | awk '{ printf "%s\t%s\n", $2, $1 }' > want
	printf '%s\n' "$output" > got
	[ "$(wc -l < want)" -gt 1000 ]
	assert_files_equal want got
	# A non-ASCII word made it through.
	LC_ALL=C grep -q $'[\x80-\xff]' got || fail "no UTF-8 word in the result"
}

@test "pipeline: --top 20 of the corpus, the demo job" {
	gencorpus -f 20 -s 200K -S 1 c > /dev/null
	pdp-find c | pdp-map wordfreq | pdp-reduce sum > all
	run --separate-stderr bash -c 'set -o pipefail; pdp-find c | pdp-map wordfreq | pdp-reduce --top 20 sum'
	assert_status 0
	assert_stderr_empty
	[ "${#lines[@]}" -eq 20 ]
	# The 20 largest counts, ties by word.
	assert_output_equals "$(sort -t "$(printf '\t')" -k2,2nr -k1,1 all | head -n 20)"
}

@test "pipeline: an empty directory gives empty output" {
	mkdir empty
	run --separate-stderr main_job empty
	assert_status 0
	assert_output_empty
	assert_statuses "0 0 0"
	assert_stderr_contains "pdp-find: no files matched"
	[ "${#stderr_lines[@]}" -eq 1 ]
}

@test "pipeline: a directory of 20,000 small files" {
	make_many many 20000
	run --separate-stderr main_job many -j2
	assert_status 0
	assert_stderr_empty
	assert_statuses "0 0 0"
	local want
	want=$( { printf 'common\t20000\n'
		for k in $(seq 0 99); do printf 'w%d\t200\n' "$k"; done; } |
	    LC_ALL=C sort)
	assert_output_equals "$want"
	# Every file is one input: wc's lines and the file count agree.
	run --separate-stderr bash -c 'set -o pipefail; pdp-find many | pdp-map --stats wc | pdp-reduce sum'
	assert_status 0
	assert_output_equals "$(printf 'bytes\t%s\nlines\t20000\nwords\t40000' \
	    "$(find many -type f -exec cat {} + | wc -c)")"
	assert_stderr_contains "inputs 20000, succeeded 20000, failed 0"
	[ "$(find many -type f -name '*.txt' | wc -l)" -eq 20000 ]
}

# Files whose names hold a space, TAB, newline, backslash, a leading dash
# and invalid UTF-8, each holding one word of its own.
mkweird() {
	mkdir -p n/-sub
	printf 'space\n' > 'n/sp ace.txt'
	printf 'tab\n' > "n/ta	b.txt"
	printf 'newline\n' > "n/new
line.txt"
	printf 'backslash\n' > 'n/back\slash.txt'
	printf 'backslashn\n' > 'n/back\n.txt'
	printf 'dash\n' > 'n/-lead.txt'
	printf 'subdash\n' > 'n/-sub/--x.txt'
	printf 'invalid\n' > "$(printf 'n/bad\377\376.txt')"
	printf 'cr\n' > "$(printf 'n/c\rr.txt')"
}

@test "pipeline: special file names go through pdp-find intact" {
	mkweird
	run --separate-stderr pdp-find -s name n
	assert_status 0
	assert_stderr_empty
	[ "${#lines[@]}" -eq 9 ] || fail "expected one record a file"
	printf '%s\n' "$output" | decode_records > got
	find n -name '*.txt' -print0 | LC_ALL=C sort -z > want
	assert_files_equal want got
	# Each decoded name is a file that exists.
	while IFS= read -r -d '' f; do
		[ -f "$f" ] || fail "not a file: $f"
	done < got
}

@test "pipeline: special file names go through the whole pipeline" {
	mkweird
	run --separate-stderr main_job n -j2
	assert_status 0
	assert_stderr_empty
	assert_statuses "0 0 0"
	assert_output_equals "$(printf '%s\t1\n' backslash backslashn cr dash \
	    invalid newline space subdash tab)"
	# --tag shows each name escaped, next to its word.
	run --separate-stderr bash -c 'set -o pipefail; pdp-find n | pdp-map --tag linefreq | pdp-reduce -k 1,2 count'
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf '%s\t%s\t1\n' 'n/-lead.txt' dash \
	    'n/-sub/--x.txt' subdash 'n/back\\n.txt' backslashn \
	    'n/back\\slash.txt' backslash "$(printf 'n/bad\377\376.txt')" invalid \
	    'n/c\rr.txt' cr 'n/new\nline.txt' newline 'n/sp ace.txt' space \
	    'n/ta\tb.txt' tab)"
	# And with -0 between pdp-find and pdp-map.
	run --separate-stderr bash -c 'set -o pipefail; pdp-find -0 n | pdp-map -0 -j2 wordfreq | pdp-reduce sum'
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf '%s\t1\n' backslash backslashn cr dash \
	    invalid newline space subdash tab)"
}

@test "pipeline: find -print0 | pdp-map -0 interoperates" {
	mkweird
	run --separate-stderr bash -c 'set -o pipefail; find n -name "*.txt" -print0 | pdp-map -0 wordfreq | pdp-reduce sum'
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf '%s\t1\n' backslash backslashn cr dash \
	    invalid newline space subdash tab)"
}

@test "pipeline: per-file word totals with --tag wc and pdp-reduce -k" {
	mkdir c
	printf 'a b c\n' > c/x.txt
	printf 'd e\nf\n' > c/y.txt
	run --separate-stderr bash -c 'set -o pipefail; pdp-find c | pdp-map --tag wc | pdp-reduce -k 1,2 -f 3 sum'
	assert_status 0
	assert_stderr_empty
	assert_output_equals <<-'EOF'
		c/x.txt	bytes	6
		c/x.txt	lines	1
		c/x.txt	words	3
		c/y.txt	bytes	6
		c/y.txt	lines	2
		c/y.txt	words	3
	EOF
}

@test "pipeline: a failing input does not spoil the others' result" {
	mkdir c
	printf 'kept words\n' > c/a.txt
	printf 'more kept\n' > c/b.txt
	printf 'c/a.txt\nc/missing.txt\nc/b.txt\n' > list
	run --separate-stderr bash -c 'set -o pipefail; pdp-map -j2 wordfreq < list | pdp-reduce sum'
	assert_status 1	# pdp-map's, through pipefail
	assert_stderr_equals "pdp-map: c/missing.txt: No such file or directory"
	assert_output_equals "$(printf 'kept\t2\nmore\t1\nwords\t1')"
}
