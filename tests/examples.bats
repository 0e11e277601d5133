#!/usr/bin/env bats
# examples.bats: the scripts of examples/ run, and give what the classic
# tools give on the same files.

load helper

EX="$BATS_TEST_DIRNAME/../examples"

@test "examples/logs.sh: status codes and busiest clients of rotated, gzipped logs, as zcat | awk | sort | uniq -c" {
	command -v gzip > /dev/null || skip "gzip is not installed (apt-get install gzip)"
	mkdir logs
	for i in 0 1 2 3 4; do
		awk -v seed="$i" 'BEGIN { srand(seed); for (n = 0; n < 3000; n++)
			printf "10.1.0.%d - - [01/Dec/2026:10:00:00 +0000] \"GET / HTTP/1.1\" %d 5 \"-\" \"x\"\n",
			    int(rand() * rand() * 30), (n % 7 ? 200 : 404) + (n % 11 ? 0 : 100) }' > logs/access.log.$i
	done
	gzip logs/access.log.[234]
	run --separate-stderr "$EX/logs.sh" logs
	assert_status 0
	assert_stderr_empty
	{
		echo "requests by status code:"
		zcat -f logs/* | awk '{ print $9 }' | sort | uniq -c | awk '{ print $2 "\t" $1 }'
		echo "the ten busiest clients:"
		zcat -f logs/* | awk '{ print $1 }' | sort | uniq -c |
		    sort -k1,1nr -k2,2 | head -n 10 | awk '{ print $2 "\t" $1 }'
	} > want
	printf '%s\n' "$output" > got
	assert_files_equal want got
	# With no directory, it makes a sample of its own and cleans up.
	run --separate-stderr env TMPDIR="$T" "$EX/logs.sh"
	assert_status 0
	assert_output_contains "requests by status code:"
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 17 ] || fail "lines: $output"
	[ -z "$(ls -d "$T"/pdp-logs.* 2>/dev/null)" ] || fail "sample left behind"
}

@test "the issue's zgrep check: pdp-map grep over gzipped logs counts what zgrep -c counts" {
	command -v zgrep > /dev/null || skip "zgrep is not installed (apt-get install gzip)"
	mkdir logs
	for i in 1 2 3; do
		awk -v s="$i" 'BEGIN { srand(s); for (n = 0; n < 2000; n++)
			printf "GET /x HTTP/1.1\" %d 10\n", rand() < 0.2 ? 500 : 200 }' > logs/a.$i
	done
	gzip logs/a.2 logs/a.3
	want=$(zgrep -c '" 500 ' logs/* | awk -F: '{ s += $2 } END { print s }')
	run --separate-stderr bash -c "set -o pipefail; pdp-find logs | pdp-map grep '\" 500 ' | cut -f2 | awk '{ s += \$1 } END { print s }'"
	assert_status 0
	assert_output_equals "$want"
}

@test "examples/wordfreq.sh and interop.sh run on a corpus" {
	gencorpus -f 20 -s 200K -S 5 c > /dev/null
	run --separate-stderr "$EX/wordfreq.sh" c
	assert_status 0
	assert_stderr_empty
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 20 ] || fail "not 20 words"
	pdp-find c | pdp-map wordfreq | pdp-reduce --top 20 sum > want
	printf '%s\n' "$output" > got
	assert_files_equal want got
	run --separate-stderr "$EX/interop.sh" c
	assert_status 0
	assert_stderr_empty
	assert_output_contains "$(printf 'lines\t')"
}

@test "examples/demo.sh (make demo): the pipeline, a line of what it counted, the top 20 words" {
	command -v gzip > /dev/null || skip "gzip is not installed (apt-get install gzip)"
	gencorpus -f 30 -s 300K -S 8 c > /dev/null
	for f in $(find c -name '*0.txt'); do gzip "$f"; done
	printf 'ELF\0binary\n' > c/prog
	run --separate-stderr "$EX/demo.sh" c
	assert_status 0
	assert_stderr_empty
	[ "$(printf '%s\n' "$output" | head -n 1)" = "pdp-find c | pdp-map --combine sum wordfreq | pdp-reduce --top 20 sum" ] ||
	    fail "first line: $output"
	n=$(find c -type f | wc -l)
	assert_output_matches "pdp: $n files \\(1 binary, skipped\\), [0-9]+ MB, [0-9.]+ s on [0-9]+ workers"
	printf '%s\n' "$output" | tail -n 20 > got
	pdp-find c | pdp-map -q wordfreq | pdp-reduce --top 20 sum > want
	assert_files_equal want got
}
