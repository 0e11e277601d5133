#!/usr/bin/env bats
# cmdline.bats: pdp-map's habits from GNU parallel and xargs: --dry-run,
# --bar, and a path given as an argument.  (-a is in map.bats, -j in
# cpu.bats, --halt in faults.bats, replacement strings and --ok-status
# in exec.bats.)

load helper

@test "--dry-run: a line per task (chunks, replacement strings, quoting), nothing run, no output" {
	printf 'x\n' > a.txt
	printf 'y\n' > 'sp ace.txt'
	gencorpus -f 1 -s 300K -S 2 c > /dev/null
	big=$(find c -type f)
	printf 'a.txt\nsp ace.txt\n%s\n' "$big" > list
	run --separate-stderr pdp-map -j2 -k --dry-run exec sh -c 'touch ran; wc -l' sh {} {#} < list
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf "a.txt: exec sh -c 'touch ran; wc -l' sh a.txt 1\nsp ace.txt: exec sh -c 'touch ran; wc -l' sh 'sp ace.txt' 2\n%s: exec sh -c 'touch ran; wc -l' sh %s 3" "$big" "$big")"
	[ ! -e ran ] || fail "a command ran"
	# Chunks of a builtin, as the run would cut them.
	run --separate-stderr bash -c "set -o pipefail; echo $big | pdp-map -j2 --dry-run --split 100K wordfreq"
	assert_status 0
	size=$(wc -c < "$big")
	[ "$(printf '%s\n' "$output" | wc -l)" -eq $(( (size + 102399) / 102400 )) ] || fail "chunks of $size bytes: $output"
	assert_output_contains "$big [0+102400]: wordfreq"
	assert_output_contains "$big [204800+102400]: wordfreq"
	# The last chunk stops at the end of the file.
	n=$(( (size + 102399) / 102400 ))
	assert_output_contains "$big [$(( (n - 1) * 102400 ))+$(( size - (n - 1) * 102400 ))]: wordfreq"
	# A bad record is still a failed input; --joblog is refused.
	run --separate-stderr bash -c "set -o pipefail; printf 'a\\\\q\\n' | pdp-map --dry-run wc"
	assert_status 1
	assert_stderr_equals "pdp-map: stdin:1: invalid escape in path record"
	run --separate-stderr pdp-map --dry-run --joblog j wc < list
	assert_status 2
	assert_stderr_equals "pdp-map: --dry-run runs nothing: it writes no --joblog"
	[ ! -e j ] || fail "a joblog was made"
}

# It reads the list as a run does, LOOKAHEAD paths at a time; it once
# read it whole into memory as it went (19 MB for 3 million paths).
@test "--dry-run over a long list holds a few paths, not the list" {
	[ "${PDP_SANITIZE:-}" != 1 ] || skip "peak RSS means nothing under the sanitizers"
	printf 'x\n' > a.txt
	peak() {	# run a command, print its exit status and peak RSS in KB
		python3 -c 'import resource, subprocess, sys
rc = subprocess.call(sys.argv[1], shell=True)
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$1"
	}
	read -r rc small < <(peak "yes a.txt | head -n 1000 | pdp-map --dry-run wc > out1")
	[ "$rc" -eq 0 ] || fail "1,000 paths: exit $rc"
	read -r rc big < <(peak "yes a.txt | head -n 3000000 | pdp-map --dry-run wc > out")
	[ "$rc" -eq 0 ] || fail "3,000,000 paths: exit $rc"
	[ "$(wc -l < out)" -eq 3000000 ] || fail "$(wc -l < out) lines"
	[ "$(sort -u out)" = "a.txt: wc" ] || fail "lines: $(sort -u out | head -3)"
	[ "$big" -le $((small + 2048)) ] || fail "peak RSS $big KB for 3,000,000 paths, $small KB for 1,000"
}

@test "--bar on a terminal: percent, inputs, MB, rate and ETA, redrawn, its line cleared at the end" {
	command -v script > /dev/null || skip "script(1) is not installed: cannot make a terminal"
	for i in $(seq 12); do printf 'x\n' > "in$i.txt"; done
	ls in*.txt > list
	printf '#!/bin/sh\nsleep 0.3\ncat\n' > slow.sh
	chmod +x slow.sh
	run --separate-stderr script -qec "pdp-map -j2 --bar exec ./slow.sh < list > out" /dev/null
	assert_status 0
	[ "$(wc -l < out)" -eq 12 ] || fail "output: $(cat out)"
	assert_output_matches '\[#*\.*\] +[0-9]+% [0-9]+/12 inputs, [0-9.]+/0\.0 MB, [0-9.]+ MB/s, ETA [0-9]+ s'
	# The last thing drawn is the cleared line.
	[[ "$output" == *$'\r\033[K'* ]] || fail "the bar's line is not cleared"
	last=${output##*$'\r'}
	[ "$last" = $'\033[K' ] || [ "$last" = $'\033[K\r' ] || fail "after the bar: $(printf '%q' "$last")"
	# Not on a terminal: nothing, unless --bar=always.
	run --separate-stderr bash -c 'pdp-map --bar exec cat < list > /dev/null'
	assert_status 0
	assert_stderr_empty
	run --separate-stderr bash -c 'pdp-map --bar=always exec ./slow.sh < list > /dev/null'
	assert_status 0
	assert_stderr_contains "inputs,"
	run --separate-stderr pdp-map --bar=sometimes wc < /dev/null
	assert_status 2
	assert_stderr_equals "pdp-map: invalid --bar 'sometimes' (auto or always)"
}

@test "--bar: before the input list has ended, it says the total is not known rather than guess" {
	for i in 1 2 3; do printf 'x\n' > "in$i.txt"; done
	run --separate-stderr bash -c 'set -o pipefail; { echo in1.txt; sleep 1.2; echo in2.txt; echo in3.txt; } | pdp-map -j1 --bar=always exec cat > /dev/null'
	assert_status 0
	assert_stderr_contains "+ inputs, "
	assert_stderr_contains "ETA when all inputs are listed"
}

@test "a path given as the mapper's argument: the error says that paths come on stdin" {
	printf 'x\n' > access.log
	run --separate-stderr pdp-map wordfreq access.log
	assert_status 2
	assert_stderr_equals "pdp-map: wordfreq: access.log: paths are read from standard input, not from arguments: pdp-find DIR | pdp-map wordfreq, or pdp-map -a FILE wordfreq"
	run --separate-stderr pdp-map wordfreq nosuch.log
	assert_status 2
	assert_stderr_equals "pdp-map: wordfreq: usage: wordfreq [--word=RULE] [--case=CASE]"
}
