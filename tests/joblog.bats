#!/usr/bin/env bats
# pdp-map --joblog, --resume, --stats and --progress: the joblog's format
# and what it says, resuming after pdp-map was killed with SIGKILL (no
# input lost, none written twice), the output cut back to the joblog,
# refusals, and the progress line.

load helper

# --- set-up --------------------------------------------------------------

# make_inputs N [NAME...]: files in01.txt ... inNN.txt, file i holding
# i % 5 + 1 lines "inNN.txt:K", then each NAME holding 3 lines
# "NAME:K"; `list` holds all the names, one path record each.
make_inputs() {
	local n=$1 i f k
	shift
	: > list
	for (( i = 1; i <= n; i++ )); do
		f=$(printf 'in%02d.txt' "$i")
		for (( k = 1; k <= i % 5 + 1; k++ )); do
			printf '%s:%d\n' "$f" "$k"
		done > "$f"
		printf '%s\n' "$f" >> list
	done
	for f in "$@"; do
		printf '%s:1\n%s:2\n%s:3\n' "$f" "$f" "$f" > "$f"
		printf '%s\n' "$f" >> list
	done
}

# records_of PATH: the clean records of input PATH.
records_of() {
	awk -F'\t' -v p="$1:" 'index($1, p) == 1' clean
}

# sorted FILE: FILE in bytewise order.
sorted() {
	LC_ALL=C sort "$1"
}

# field N PATH [JOBLOG]: field N of the joblog line of PATH (the last one).
field() {
	inputlines "${3:-j}" | awk -F'\t' -v n="$1" -v p="$2" '$1 == p { v = $n } END { print v }'
}

# joblog_lines [JOBLOG]: the number of input lines.
joblog_lines() {
	inputlines "${1:-j}" | wc -l
}

# once_each [JOBLOG]: every input of `list` has exactly one line with
# exit 0.
once_each() {
	local want got
	want=$(LC_ALL=C sort list)
	got=$(inputlines "${1:-j}" | awk -F'\t' '$7 == 0 { print $1 }' | LC_ALL=C sort)
	[ "$want" = "$got" ] || {
		diff <(echo "$want") <(echo "$got") >&2 || true
		fail "the joblog does not have one success for each input"
	}
}

# outend_is_size [JOBLOG] [OUT]: the last outend is the size of the output.
outend_is_size() {
	local oe size
	oe=$(inputlines "${1:-j}" | tail -n 1 | cut -f10)
	size=$(wc -c < "${2:-out}")
	[ "$oe" = "$size" ] || fail "last outend $oe, output of $size bytes"
}

# stat_of: the --stats line of the last run.
stat_of() {
	printf '%s\n' "$stderr" | grep '^pdp-map: inputs ' || true
}

# --- the joblog's lines --------------------------------------------------

@test "joblog: a header, one line per input, and each field says what happened to that input" {
	make_inputs 8 fail.txt hang.txt
	make_mapper
	clean_run
	t0=$(date +%s)
	pdp-map -j2 --timeout 0.5 --joblog j exec ./fault.sh 0 97.51 < list > out 2> err &&
	    status=0 || status=$?
	stderr=$(cat err)
	assert_status 1
	# The column names, the job, the output file, then a line for each
	# input, each of 12 fields, each before it a line that says where
	# its output will end.
	[ "$(head -n 1 j)" = "$(printf 'path\tsize\tworker\tstart\tduration\trecords\texit\tsignal\tattempts\toutend\tn\toutsum')" ] ||
	    fail "header: $(head -n 1 j)"
	[ "$(sed -n 2p j)" = "$(printf '#pdp-map joblog 2\texec\t./fault.sh\t0\t97.51')" ] ||
	    fail "job: $(sed -n 2p j)"
	[ "$(sed -n 3p j)" = "$(printf '#output\t%s\t%s\t0' "$(stat -c %d out)" "$(stat -c %i out)")" ] ||
	    fail "output: $(sed -n 3p j)"
	[ "$(joblog_lines)" -eq 10 ] || fail "joblog: $(cat j)"
	[ -z "$(inputlines | awk -F'\t' 'NF != 12')" ] || fail "lines without 12 fields: $(cat j)"
	[ -z "$(awk -F'\t' 'NR > 3 && /^#/ && !/^#writing\t[0-9]+$/' j)" ] || fail "other # lines: $(cat j)"
	diff <(sorted list) <(inputlines | cut -f1 | LC_ALL=C sort) >&2 ||
	    fail "the joblog's paths are not the inputs"
	# The inputs that succeeded.
	for f in in0[1-8].txt; do
		line=$(grep "^$f	" j)
		IFS=$'\t' read -r path size worker start duration records exit sig attempts outend n outsum <<< "$line"
		[ "$n" = 1 ] || fail "$f: n $n"
		[[ "$outsum" =~ ^[0-9]+$ ]] || fail "$f: outsum $outsum"
		[ "$size" -eq "$(wc -c < "$f")" ] || fail "$f: size $size"
		[ "$records" -eq "$(wc -l < "$f")" ] || fail "$f: records $records"
		[ "$exit" = 0 ] && [ "$sig" = 0 ] && [ "$attempts" = 1 ] ||
		    fail "$f: exit $exit signal $sig attempts $attempts"
		[[ "$worker" =~ ^[12]$ ]] || fail "$f: worker $worker"
		[[ "$start" =~ ^[0-9]+\.[0-9]{3}$ ]] || fail "$f: start $start"
		[ "${start%.*}" -ge $(( t0 - 1 )) ] && [ "${start%.*}" -le $(( t0 + 60 )) ] ||
		    fail "$f: start $start, not now ($t0)"
		[[ "$duration" =~ ^[0-9]+\.[0-9]{3}$ ]] || fail "$f: duration $duration"
		[[ "$outend" =~ ^[0-9]+$ ]] || fail "$f: outend $outend"
	done
	# The failures: a command that exits 3, one killed at the timeout.
	[ "$(cut -f6-11 <(grep '^fail.txt	' j))" = "$(printf '0\t1\t0\t1\t%s\t1' "$(field 10 fail.txt)")" ] ||
	    fail "fail.txt: $(grep '^fail.txt' j)"
	[ "$(cut -f6-9 <(grep '^hang.txt	' j))" = "$(printf '0\t1\t9\t1')" ] ||
	    fail "hang.txt: $(grep '^hang.txt' j)"
	awk -F'\t' '$1 == "hang.txt" && $5 < 0.5 { exit 1 }' j || fail "hang.txt ran less than 0.5 s"
	# outend: where each input's output ends in `out`, in the order of
	# the lines; between two lines is exactly the output of the input of
	# the second (nothing for a failed one); the last is the file's size.
	prev=0
	while IFS=$'\t' read -r path size worker start duration records exit sig attempts outend n outsum; do
		[ "$outend" -ge "$prev" ] || fail "$path: outend $outend before $prev"
		tail -c +$(( prev + 1 )) out | head -c $(( outend - prev )) | LC_ALL=C sort > seg
		if [ "$exit" = 0 ]; then records_of "$path" > want; else : > want; fi
		assert_files_equal want seg
		prev=$outend
	done < <(inputlines)
	outend_is_size
	sorted out > got
	awk -F'\t' 'index($1, "fail.txt:") != 1 && index($1, "hang.txt:") != 1' clean > want
	assert_files_equal want got
	no_leftovers
}

@test "joblog: outend is '-' when stdout is not a regular file; a run without --resume starts the joblog anew" {
	make_inputs 4
	make_mapper
	run --separate-stderr pdp-map -j2 --joblog j exec ./fault.sh 0 < list
	assert_status 0
	[ "$(joblog_lines)" -eq 4 ] || fail "joblog: $(cat j)"
	[ "$(inputlines | cut -f10 | sort -u)" = - ] || fail "outend: $(cut -f10 j)"
	[ "$(inputlines | cut -f12 | sort -u)" = - ] || fail "outsum: $(cut -f12 j)"
	! grep -q '^#output' j || fail "an output line: $(cat j)"
	# A second run, of another job, starts it anew (as GNU parallel
	# does): its lines alone.
	run --separate-stderr pdp-map -j2 --joblog j exec cat < list
	assert_status 0
	[ "$(joblog_lines)" -eq 4 ] || fail "joblog: $(cat j)"
	[ "$(grep -c '^path	' j)" -eq 1 ] || fail "headers: $(cat j)"
	[ "$(sed -n 2p j)" = "$(printf '#pdp-map joblog 2\texec\tcat')" ] || fail "job: $(sed -n 2p j)"
}

@test "--stats agrees with the joblog and with the exit status" {
	make_inputs 6 fail1.txt fail2.txt flaky.txt
	make_mapper
	run --separate-stderr pdp-map -j2 --stats --joblog j exec ./fault.sh 0 < list
	assert_status 1
	ok=$(inputlines | awk -F'\t' '$7 == 0' | wc -l)
	bad=$(inputlines | awk -F'\t' '$7 == 1' | wc -l)
	[ "$ok" -eq 6 ] && [ "$bad" -eq 3 ] || fail "joblog: $ok ok, $bad failed"
	[[ "$(stat_of)" == "pdp-map: inputs 9, succeeded $ok, failed $bad, bytes "* ]] ||
	    fail "stats: $(stat_of)"
	records=$(inputlines | awk -F'\t' '{ n += $6 } END { print n }')
	[[ "$(stat_of)" == *", records $records, "* ]] || fail "stats: $(stat_of), joblog records $records"
	# Resuming: the failed ones run again (flaky.txt now succeeds), the
	# others are skipped.
	run --separate-stderr pdp-map -j2 --stats --joblog j --resume exec ./fault.sh 0 < list
	assert_status 1
	new=$(inputlines | awk 'NR > 9')
	[ "$(echo "$new" | wc -l)" -eq 3 ] || fail "new lines: $new"
	[ "$(field 7 flaky.txt)" = 0 ] || fail "flaky.txt: $(grep ^flaky j)"
	[[ "$(stat_of)" == "pdp-map: inputs 3, succeeded 1, failed 2, not run 0, skipped 6, bytes "* ]] ||
	    fail "stats: $(stat_of)"
	# Without failures, exit 0 and no failed count.
	make_inputs 5
	rm -f j
	run --separate-stderr pdp-map -j2 --stats --joblog j exec ./fault.sh 0 < list
	assert_status 0
	[[ "$(stat_of)" == "pdp-map: inputs 5, succeeded 5, failed 0, bytes "* ]] || fail "stats: $(stat_of)"
	[ "$(inputlines | awk -F'\t' '$7 == 0' | wc -l)" -eq 5 ] || fail "joblog: $(cat j)"
}

# --- resuming ------------------------------------------------------------

@test "--resume after SIGKILL of pdp-map mid-run, three times at different points: nothing lost, nothing twice" {
	make_inputs 24
	make_mapper
	clean_run
	for k in 4 10 16; do
		rm -f out j
		pdp-map -j2 --joblog j exec ./fault.sh 0.1019 < list >> out 2> err &
		pid=$!
		# Kill once k inputs are logged, the next ones running.
		for (( i = 0; i < 500; i++ )); do
			[ -s j ] && [ "$(joblog_lines)" -ge "$k" ] && break
			sleep 0.01
		done
		kill -9 "$pid"
		status=0
		wait "$pid" || status=$?
		assert_status 137
		no_leftovers
		done1=$(joblog_lines)
		[ "$done1" -ge "$k" ] && [ "$done1" -lt 24 ] || fail "killed after $done1 inputs, not mid-run"
		[ "$(wc -l < out)" -lt "$(wc -l < clean)" ] || fail "the run was complete"
		# The same job (the same arguments), or it is refused.
		run --separate-stderr bash -c 'pdp-map -j2 --stats --joblog j --resume exec ./fault.sh 0.1019 < list >> out'
		assert_status 0
		[[ "$stderr" == "pdp-map: inputs $(( 24 - done1 )), succeeded $(( 24 - done1 )), failed 0, not run 0, skipped $done1, "* ]] ||
		    fail "k=$k: stats after $done1 inputs logged"
		sorted out > got
		assert_files_equal clean got
		once_each
		outend_is_size
	done
}

@test "--resume with >>: output past the last joblog line (an input being written at a kill) is cut off" {
	make_inputs 10
	make_mapper
	clean_run
	head -n 4 list > first
	pdp-map -j2 --joblog j exec ./fault.sh 0 < first >> out
	size=$(wc -c < out)
	# Killed while writing the output of in05.txt: the joblog says where
	# that output was to end, and part of it is in out.
	printf '#writing\t%d\n' $(( size + 40 )) >> j
	printf 'in05.txt:1\t1\nin05.txt:2\t1\nhalf a li' >> out
	run --separate-stderr bash -c 'pdp-map -j2 --joblog j --resume exec ./fault.sh 0 < list >> out'
	assert_status 0
	assert_stderr_empty
	sorted out > got
	assert_files_equal clean got
	once_each
	outend_is_size
}

@test "--resume: bytes past what pdp-map wrote are never cut: exit 2, nothing run, out and the joblog untouched" {
	make_inputs 10
	make_mapper
	clean_run
	head -n 4 list > first
	pdp-map -j2 --joblog j exec ./fault.sh 0 < first >> out
	size=$(wc -c < out)
	# Appended after the run, by someone else.
	printf 'precious\n' >> out
	cp out out.before
	cp j j.before
	run --separate-stderr bash -c 'pdp-map -j2 --joblog j --resume exec ./fault.sh 0 < list >> out'
	assert_status 2
	assert_stderr_equals "pdp-map: stdout: 9 bytes after what pdp-map wrote (appended since the run?): nothing cut; move them away (truncate -s $size cuts them) and resume again"
	assert_files_equal out.before out
	assert_files_equal j.before j
	# More than the output that was being written: the same.
	printf '#writing\t%d\n' $(( size + 4 )) >> j
	cp j j.before
	run --separate-stderr bash -c 'pdp-map -j2 --joblog j --resume exec ./fault.sh 0 < list >> out'
	assert_status 2
	assert_stderr_contains "9 bytes after what pdp-map wrote"
	assert_files_equal out.before out
	assert_files_equal j.before j
	no_leftovers
}

@test "--resume onto another file than the run wrote (issue 17: precious.txt): exit 2, that file untouched" {
	make_inputs 5
	make_mapper
	pdp-map -j2 --joblog j exec ./fault.sh 0 < list > a.tsv
	seq 100000 > precious.txt
	cp precious.txt want
	run --separate-stderr bash -c 'pdp-map -j2 --joblog j --resume exec ./fault.sh 0 < list >> precious.txt'
	assert_status 2
	assert_stderr_equals "pdp-map: j: the run wrote to a file (device $(stat -c %d a.tsv), inode $(stat -c %i a.tsv)) that is not this standard output: resume with >> onto that same file"
	assert_files_equal want precious.txt
	# A pipe is not that file either: the run's output may hold the
	# start of an input that would run again.
	run --separate-stderr bash -c 'set -o pipefail; pdp-map -j2 --joblog j --resume exec ./fault.sh 0 < list | cat'
	assert_status 2
	assert_stderr_contains "that is not this standard output"
	no_leftovers
}

@test "--joblog naming the output, the -a list or standard input: exit 2 before that file changes" {
	make_inputs 3
	make_mapper
	printf 'precious\t1\n' > same.tsv
	cp same.tsv want
	for resume in "" --resume; do
		run --separate-stderr bash -c "pdp-map --joblog same.tsv $resume exec ./fault.sh 0 < list >> same.tsv"
		assert_status 2
		assert_stderr_equals "pdp-map: --joblog same.tsv: it is also standard output; give the joblog a file of its own"
		assert_files_equal want same.tsv
	done
	cp list want
	run --separate-stderr pdp-map -a list --joblog list exec ./fault.sh 0
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-map: --joblog list: it is also the list of inputs; give the joblog a file of its own"
	assert_files_equal want list
	run --separate-stderr bash -c 'pdp-map --joblog list exec ./fault.sh 0 < list'
	assert_status 2
	assert_stderr_equals "pdp-map: --joblog list: it is also the list of inputs; give the joblog a file of its own"
	run --separate-stderr bash -c 'pdp-map --pipe --joblog list wc < list'
	assert_status 2
	assert_stderr_equals "pdp-map: --joblog list: it is also the data (--pipe); give the joblog a file of its own"
	assert_files_equal want list
	# Through another name (a hard link) it is the same file.
	ln list list2
	run --separate-stderr bash -c 'pdp-map --joblog list2 exec ./fault.sh 0 < list'
	assert_status 2
	assert_files_equal want list
	no_leftovers
}

@test "--resume: output changed since the run (its checksum differs): exit 2, nothing cut" {
	make_inputs 5
	make_mapper
	pdp-map -j2 --joblog j exec ./fault.sh 0 < list > out
	size=$(wc -c < out)
	printf X | dd of=out bs=1 seek=3 conv=notrunc 2> /dev/null
	cp out out.before
	run --separate-stderr bash -c 'pdp-map -j2 --joblog j --resume exec ./fault.sh 0 < list >> out'
	assert_status 2
	assert_stderr_equals "pdp-map: stdout: bytes 0 to $size are not what pdp-map wrote (changed since the run?): nothing cut; restore the file, or start anew without --resume"
	assert_files_equal out.before out
}

@test "--resume of another job's joblog: exit 2, nothing run, the joblog untouched" {
	make_inputs 5
	make_mapper
	pdp-map -j2 --joblog j exec ./fault.sh 0 < list > out
	cp j j.before
	cp out out.before
	run --separate-stderr bash -c 'pdp-map -j2 --joblog j --resume --tag exec ./fault.sh 0 < list >> out'
	assert_status 2
	assert_stderr_equals "pdp-map: j: the joblog of another job ('exec ./fault.sh 0', not 'exec ./fault.sh 0 --tag'): resume with the same mapper, arguments and options, or name another joblog"
	run --separate-stderr bash -c 'pdp-map -j2 --joblog j --resume wordfreq < list >> out'
	assert_status 2
	assert_stderr_contains "the joblog of another job ('exec ./fault.sh 0', not 'wordfreq')"
	assert_files_equal j.before j
	assert_files_equal out.before out
	# A joblog of the format before this one (10 columns) is not resumed.
	printf 'path\tsize\tworker\tstart\tduration\trecords\texit\tsignal\tattempts\toutend\nin01.txt\t9\t1\t1.000\t0.001\t2\t0\t0\t1\t20\n' > old
	run --separate-stderr bash -c 'pdp-map --joblog old --resume exec ./fault.sh 0 < list >> out'
	assert_status 2
	assert_stderr_equals "pdp-map: old: a joblog of an older pdp-map (format 1), which this one cannot resume safely: run without --resume to start anew"
	# Not a joblog at all.
	printf 'hello\n' > notj
	run --separate-stderr bash -c 'pdp-map --joblog notj --resume exec ./fault.sh 0 < list >> out'
	assert_status 2
	assert_stderr_equals "pdp-map: notj: not a pdp-map joblog (its first line is not the joblog's column names)"
	assert_files_equal out.before out
}

@test "--resume of a file that is no joblog (/dev/zero, binary data): exit 2 at once, having read its first line only" {
	make_inputs 2
	make_mapper
	head -c 3000000 /dev/urandom | tr -d '\n' > rnd.bin
	cp rnd.bin want
	# 300 MB of address space: /dev/zero read up to the record limit
	# would take 1 GiB.  (Not under the sanitizers, which reserve more.)
	lim="ulimit -v 300000;"
	[ "${PDP_SANITIZE:-}" != 1 ] || lim=
	for f in /dev/zero rnd.bin; do
		run --separate-stderr bash -c "$lim pdp-map --joblog $f --resume exec ./fault.sh 0 < list"
		assert_status 2
		assert_output_empty
		assert_stderr_equals "pdp-map: $f: not a pdp-map joblog (its first line is not the joblog's column names)"
	done
	assert_files_equal want rnd.bin
}

@test "joblog: a second run on a joblog in use is refused (a lock on the joblog, no lock file left)" {
	make_inputs 4
	make_mapper
	mkfifo hold
	# The first run waits for its input list.
	pdp-map -j2 --joblog j exec ./fault.sh 0 < hold > out1 2> err1 &
	pid=$!
	exec 7> hold
	wait_until 20 test -s j || fail "no joblog from the first run"
	run --separate-stderr bash -c 'pdp-map -j2 --joblog j exec ./fault.sh 0 < list > out2'
	assert_status 2
	assert_stderr_equals "pdp-map: j: in use by another pdp-map (process $pid)"
	run --separate-stderr bash -c 'pdp-map -j2 --joblog j --resume exec ./fault.sh 0 < list >> out1'
	assert_status 2
	assert_stderr_equals "pdp-map: j: in use by another pdp-map (process $pid)"
	cat list >&7
	exec 7>&-
	wait "$pid"
	[ "$(joblog_lines)" -eq 4 ] || fail "joblog: $(cat j)"
	[ ! -s out2 ] || fail "out2: $(cat out2)"
	ls -A > files
	grep -vxE 'hold|j|list|out1|out2|err1|files|fault.sh|in0[1-4].txt' files && fail "files left: $(cat files)"
	# Free again once it ended.
	run --separate-stderr bash -c 'pdp-map -j2 --joblog j --resume exec ./fault.sh 0 < list >> out1'
	assert_status 0
	no_leftovers
}

@test "joblog: a path listed twice is two inputs, each resumed on its own (n counts its records)" {
	make_inputs 3
	make_mapper
	cat list list > twice
	clean_run
	cat clean clean | LC_ALL=C sort > clean2
	pdp-map -j1 --joblog j exec ./fault.sh 0 < twice > out
	sorted out > got
	assert_files_equal clean2 got
	[ "$(inputlines | cut -f1,11 | LC_ALL=C sort | tr '\t\n' ' ,')" = "in01.txt 1,in01.txt 2,in02.txt 1,in02.txt 2,in03.txt 1,in03.txt 2," ] ||
	    fail "keys: $(inputlines | cut -f1,11)"
	# Killed after the first copy of each: the second copies run again.
	head -n 3 twice > first
	pdp-map -j1 --joblog j exec ./fault.sh 0 < first > out
	run --separate-stderr bash -c 'pdp-map -j1 --stats --joblog j --resume exec ./fault.sh 0 < twice >> out'
	assert_status 0
	assert_stderr_contains "pdp-map: inputs 3, succeeded 3, failed 0, not run 0, skipped 3,"
	sorted out > got
	assert_files_equal clean2 got
}

@test "--resume with > (stdout truncated): exit 2, 'stdout is shorter than the joblog says', nothing run" {
	make_inputs 6
	make_mapper
	head -n 3 list > first
	pdp-map -j2 --joblog j exec ./fault.sh 0 < first > out
	end=$(tail -n 1 j | cut -f10)
	cp j j.before
	run --separate-stderr bash -c 'pdp-map -j2 --joblog j --resume exec ./fault.sh 0 < list > out'
	assert_status 2
	assert_stderr_equals "pdp-map: stdout is shorter (0 bytes) than the joblog says ($end): resume with >> onto the same output"
	assert_files_equal j.before j
	[ ! -s out ] || fail "out: $(cat out)"
	no_leftovers
}

@test "--resume without --joblog: exit 2" {
	make_inputs 2
	run --separate-stderr pdp-map --resume wc < list
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-map: --resume needs --joblog FILE"
}

@test "--resume: a last joblog line cut short (no newline) is ignored: that input runs again, its output is not doubled" {
	make_inputs 8
	make_mapper
	clean_run
	pdp-map -j2 --joblog j exec ./fault.sh 0 < list >> out
	last=$(tail -n 1 j | cut -f1)
	# Killed while writing the line: its output is written, the line is
	# not whole.
	truncate -s -3 j
	[ "$(tail -c 1 j)" != "" ] || fail "the joblog still ends with a newline"
	n=$(( $(wc -l < j) + 1 ))
	run --separate-stderr bash -c 'pdp-map -j2 --stats --joblog j --resume exec ./fault.sh 0 < list >> out'
	assert_status 0
	assert_stderr_contains "pdp-map: j:$n: its last line is unfinished (no newline): left out, and cut off"
	assert_stderr_contains "pdp-map: inputs 1, succeeded 1, failed 0, not run 0, skipped 7,"
	sorted out > got
	assert_files_equal clean got
	# It was $last that ran again: the cut line is removed when the
	# joblog is opened, and the new run wrote a whole line for it.
	[ "$(grep -c "^$last	" j)" -eq 1 ] || fail "$last did not run again: $(cat j)"
	[ "$(tail -n 1 j | cut -f1)" = "$last" ] || fail "last line: $(tail -n 1 j)"
	[ "$(tail -n 1 j | cut -f10)" -eq "$(wc -c < out)" ] ||
	    fail "last outend is not the size of out: $(tail -n 1 j)"
}

@test "--resume after a resume that followed a cut-short joblog line: the joblog is still readable" {
	make_inputs 8
	make_mapper
	clean_run
	pdp-map -j2 --joblog j exec ./fault.sh 0 < list >> out
	truncate -s -3 j
	pdp-map -j2 --joblog j --resume exec ./fault.sh 0 < list >> out 2> /dev/null
	# Every line of the joblog is whole again.
	[ -z "$(inputlines | awk -F'\t' 'NF != 12')" ] || fail "joblog: $(cat j)"
	run --separate-stderr bash -c 'pdp-map -j2 --stats --joblog j --resume exec ./fault.sh 0 < list >> out'
	assert_status 0
	assert_stderr_contains "pdp-map: inputs 0, succeeded 0, failed 0, not run 0, skipped 8,"
	sorted out > got
	assert_files_equal clean got
}

@test "--resume with every input done: no output, exit 0, nothing added to the joblog" {
	make_inputs 6
	make_mapper
	clean_run
	pdp-map -j2 --joblog j exec ./fault.sh 0 < list >> out
	cp out out.before
	cp j j.before
	run --separate-stderr bash -c 'pdp-map -j2 --stats --joblog j --resume exec ./fault.sh 0 < list >> out'
	assert_status 0
	assert_stderr_contains "pdp-map: inputs 0, succeeded 0, failed 0, not run 0, skipped 6,"
	# A run that wrote to a pipe resumes onto a pipe.
	pdp-map -j2 --joblog j2 exec ./fault.sh 0 < list > /dev/null
	cp j2 j2.before
	run --separate-stderr pdp-map -j2 --joblog j2 --resume exec ./fault.sh 0 < list
	assert_status 0
	assert_output_empty
	assert_stderr_empty
	assert_files_equal j2.before j2
	assert_files_equal out.before out
	assert_files_equal j.before j
	no_leftovers
}

# --- --progress ----------------------------------------------------------

@test "--progress=always: a status line with 'inputs' on stderr, ended by a newline; records untouched" {
	make_inputs 8 fail.txt
	make_mapper
	clean_run
	pdp-map -j2 --progress=always exec ./fault.sh 0.0517 < list > out 2> err &&
	    status=0 || status=$?
	assert_status 1
	grep -q inputs err || fail "no progress line: $(cat -v err)"
	[ "$(tail -c 1 err | od -An -c | tr -d ' ')" = '\n' ] || fail "stderr does not end with a newline: $(cat -v err)"
	# The last redraw: every input counted.
	last=$(tail -n 1 err | tr '\r' '\n' | grep inputs | tail -n 1)
	[[ "$last" == "pdp-map: 9/9 inputs, 1 failed, "* ]] || fail "last progress line: $(printf %s "$last" | cat -v)"
	sorted out > got
	awk -F'\t' 'index($1, "fail.txt:") != 1' clean > want
	assert_files_equal want got
}

@test "--progress: nothing when stderr is not a terminal" {
	make_inputs 6
	make_mapper
	clean_run
	run --separate-stderr pdp-map -j2 --progress exec ./fault.sh 0 < list
	assert_status 0
	assert_stderr_empty
	printf '%s\n' "$output" | LC_ALL=C sort > got
	assert_files_equal clean got
}
