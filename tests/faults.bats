#!/usr/bin/env bats
# pdp-map under faults, each one really caused: a worker killed with
# kill -9, a mapper (command or plugin) that crashes, a mapper that hangs,
# --halt, SIGINT/SIGTERM/SIGHUP to pdp-map and to a whole pipeline,
# SIGKILL of pdp-map itself, a full disk and a closed pipe.  Each test
# compares the output with a clean run and looks for leftover processes:
# pdp-map's own (no_leftovers) and the commands of exec, found by a sleep
# of a duration that no other test uses.

load helper

# --- set-up --------------------------------------------------------------

# names N: in01.txt ... inNN.txt
names() {
	local i
	for (( i = 1; i <= $1; i++ )); do
		printf 'in%02d.txt\n' "$i"
	done
}

# make_inputs NAME...: each file NAME holds the lines NAME:1 to NAME:3;
# `list` holds the names, one path record each, in the order given.
make_inputs() {
	local f
	: > list
	for f in "$@"; do
		printf '%s:1\n%s:2\n%s:3\n' "$f" "$f" "$f" > "$f"
		printf '%s\n' "$f" >> list
	done
}

# without PATH...: the clean output without the records of those inputs.
without() {
	local p
	cp clean without.tmp
	for p in "$@"; do
		awk -F'\t' -v p="$p:" 'index($1, p) != 1' without.tmp > without.tmp2
		mv without.tmp2 without.tmp
	done
	cat without.tmp
	rm -f without.tmp
}

# whole_inputs FILE: FILE holds the whole output of some inputs, each
# once, and nothing else: sorted, it is the clean output of the inputs it
# names.
whole_inputs() {
	cut -d: -f1 "$1" | LC_ALL=C sort -u > whole.names
	awk -F'\t' 'NR == FNR { n[$0]; next }
	    { split($1, a, ":"); if (a[1] in n) print }' whole.names clean > whole.want
	LC_ALL=C sort "$1" > whole.got
	assert_files_equal whole.want whole.got
}

# sorted FILE: FILE in bytewise order.
sorted() {
	LC_ALL=C sort "$1"
}

# ms: monotonic-enough milliseconds for durations.
ms() {
	echo $(( $(date +%s%N) / 1000000 ))
}

# live PATTERN: pids of the live (not zombie) processes whose command
# line matches the ERE PATTERN (anchor it: pdp-map's own command line may
# hold the same text).
live() {
	local pid st
	for pid in $(pgrep -f "$1"); do
		st=$(awk '{ sub(/^.*\) /, ""); print $1 }' /proc/$pid/stat 2>/dev/null) || continue
		[ -n "$st" ] && [ "$st" != Z ] && echo "$pid"
	done
	return 0
}

# no_live PATTERN: no live process matches PATTERN.
no_live() {
	[ -z "$(live "$1")" ]
}

# some_live PATTERN N: at least N live processes match PATTERN.
some_live() {
	[ "$(live "$1" | wc -l)" -ge "$2" ]
}

# gone PATTERN: soon (10 s at most, on a loaded machine), no live process
# matches PATTERN; the patterns are sleeps of far longer, or that would
# run on.
gone() {
	local left
	wait_until 10 no_live "$1" && return 0
	left=$(live "$1")
	[ -z "$left" ] && return 0
	ps -o pid,ppid,pgid,stat,args -p "$(echo $left | tr ' ' ,)" >&2 || true
	fail "processes matching /$1/ left behind: $left"
}

# busy_worker PID [PATH]: wait until a worker of pdp-map PID runs a
# command (on PATH, if given), and set W to the worker's pid and WPATH to
# the input the command works on (its PDP_PATH).  To kill a worker on a
# known input without a race, give the input that stalls (make_mapper).
busy_worker() {
	local i w c p
	for (( i = 0; i < 400; i++ )); do
		for w in $(pgrep -P "$1"); do
			for c in $(pgrep -P "$w"); do
				p=$(tr '\0' '\n' < "/proc/$c/environ" 2>/dev/null |
				    sed -n 's/^PDP_PATH=//p')
				if [ -n "$p" ] && { [ -z "${2:-}" ] || [ "$p" = "$2" ]; }; then
					W=$w
					WPATH=$p
					# A stall input stalls on its first attempt
					# only: killed before it says so (its .tried),
					# it would stall again when retried.
					case $p in
					*stall*) wait_until 10 test -d "$p.tried" ;;
					esac
					return 0
				fi
			done
		done
		sleep 0.05
	done
	echo "no worker of $1 ran a command" >&2
	return 1
}

# finish PID: wait for the background pdp-map PID; set status, output
# (of `out`) and stderr (of `err`) as `run` would.
finish() {
	status=0
	wait "$1" || status=$?
	output=$(cat out)
	stderr=$(cat err)
}

# --- a worker killed -----------------------------------------------------

@test "kill -9 of a worker mid-run: its input fails as 'worker killed by signal 9', a fresh worker goes on, the rest is there once" {
	make_inputs $(names 6) stall.txt $(names 12 | tail -n 6)
	make_mapper
	clean_run
	rm -rf stall.txt.tried
	pdp-map -j2 exec ./fault.sh 0.2371 96.71 < list > out 2> err &
	pid=$!
	busy_worker "$pid" stall.txt
	before=$(pgrep -P "$pid" | sort)
	kill -9 "$W"
	# A fresh worker takes the slot (two workers again, one of them new).
	fresh() {
		local now
		now=$(pgrep -P "$pid" | sort)
		[ "$(echo "$now" | wc -l)" -eq 2 ] && ! echo "$now" | grep -qx "$W"
	}
	wait_until 20 fresh || fail "no fresh worker after the kill (workers: $(pgrep -P "$pid" | tr '\n' ' '))"
	finish "$pid"
	assert_status 1
	assert_stderr_equals "pdp-map: stall.txt: worker killed by signal 9 (Killed)"
	without stall.txt > want
	sorted out > got
	assert_files_equal want got
	no_leftovers
	gone '^sleep 0\.2371'
	gone '^sleep 96\.71'
}

@test "kill -9 of a worker mid-run with --retries 1: the input runs again, the output is that of a clean run" {
	make_inputs $(names 6) stall.txt $(names 12 | tail -n 6)
	make_mapper
	clean_run
	rm -rf stall.txt.tried
	pdp-map -j2 --retries 1 exec ./fault.sh 0.2372 96.72 < list > out 2> err &
	pid=$!
	busy_worker "$pid" stall.txt
	kill -9 "$W"
	finish "$pid"
	assert_status 0
	assert_stderr_equals "pdp-map: stall.txt: worker killed by signal 9 (Killed) (trying again: attempt 2 of 2)"
	sorted out > got
	assert_files_equal clean got
	no_leftovers
	gone '^sleep 0\.2372'
	gone '^sleep 96\.72'
}

@test "kill -9 of a worker mid-run with --combine sum: the inputs of its table run again, its input fails or is retried; the reduced sum agrees" {
	make_inputs $(names 6) stall.txt $(names 12 | tail -n 6)
	make_mapper
	clean_run
	pdp-reduce sum < clean > clean.sum
	for retries in 0 1; do
		rm -rf out err stall.txt.tried
		pdp-map -j2 --combine sum --retries "$retries" exec ./fault.sh 0.2373 96.73 < list > out 2> err &
		pid=$!
		busy_worker "$pid" stall.txt
		kill -9 "$W"
		finish "$pid"
		# The input it ran fails; those done before in its table run
		# again (one line says so, if there were any).
		assert_stderr_contains "pdp-map: stall.txt: worker killed by signal 9 (Killed)"
		lost=$(sed -n 's/^pdp-map: \([^:]*\): \(result lost: \)\{0,1\}worker killed by signal 9 (Killed)$/\1/p' err)
		again=$(grep -c '^pdp-map: worker [12]: the --combine table of [0-9]* inputs\{0,1\} is lost with it: \(it is\|they\) run again$' err || true)
		pdp-reduce sum < out | LC_ALL=C sort > got
		if [ "$retries" -eq 0 ]; then
			assert_status 1
			[ "$lost" = stall.txt ] || fail "lost: $lost"
			[ "$(wc -l < err)" -eq $(( 1 + again )) ] || fail "unexpected messages"
			without stall.txt | pdp-reduce sum | LC_ALL=C sort > want
		else
			assert_status 0
			[ -z "$lost" ] || fail "lost for good: $lost"
			grep -q '(trying again: attempt 2 of 2)$' err || fail "no retry"
			LC_ALL=C sort clean.sum > want
		fi
		assert_files_equal want got
		no_leftovers
		gone '^sleep 0\.2373'
		gone '^sleep 96\.73'
	done
}

# --- a mapper that crashes -----------------------------------------------

# A plugin that writes each line of its input as LINE<TAB>1, and crashes
# with a NULL write on an input whose name holds "segv", or holds "once"
# on its first attempt only (it leaves NAME.tried behind).
setup_file() {
	local d=$BATS_FILE_TMPDIR/plugins src=$BATS_TEST_DIRNAME/..
	mkdir -p "$d"
	command -v cc >/dev/null || return 0
	cat > "$d/crashy.c" <<-'EOF'
	#include <errno.h>
	#include <fcntl.h>
	#include <signal.h>
	#include <stdio.h>
	#include <stdlib.h>
	#include <string.h>
	#include <sys/stat.h>
	#include <time.h>
	#include <unistd.h>
	#include "pdp.h"
	static void crash(void) { *(volatile int *)0 = 1; }
	/* The bytes process pid has written (wchar in /proc/PID/io), or -1. */
	static long long wchar(pid_t pid)
	{
		char p[64], b[512];
		snprintf(p, sizeof p, "/proc/%d/io", (int)pid);
		int fd = open(p, O_RDONLY);
		ssize_t n = fd < 0 ? -1 : read(fd, b, sizeof b - 1);
		if (fd >= 0)
			close(fd);
		if (n <= 0)
			return -1;
		b[n] = '\0';
		char *w = strstr(b, "wchar: ");
		return w ? atoll(w + 7) : -1;
	}
	/* Kill this worker with SIGKILL once it has written another MiB:
	 * with --combine, when it is writing its table at the end. */
	static void killduringflush(void)
	{
		pid_t w = getpid();
		long long w0 = wchar(w);
		if (w0 < 0 || fork() != 0)
			return;
		for (;;) {
			struct timespec ts = { 0, 1000000 };
			nanosleep(&ts, NULL);
			long long x = wchar(w);
			if (x < 0)
				_exit(0);
			if (x > w0 + (1 << 20)) {
				kill(w, SIGKILL);
				_exit(0);
			}
		}
	}
	static int map(struct pdp_ctx *c, const char *d, size_t l, int f)
	{
		const char *e = d + l;
		char m[4096];
		(void)f;
		/* $CRASHY_LOG: a line a run, to count them. */
		const char *log = getenv("CRASHY_LOG");
		if (log) {
			int fd = open(log, O_WRONLY | O_APPEND | O_CREAT, 0666);
			snprintf(m, sizeof m, "%s\n", c->path);
			if (fd < 0 || write(fd, m, strlen(m)) < 0)
				return -1;
			close(fd);
		}
		if (strstr(c->path, "segv"))
			crash();
		if (strstr(c->path, "bigtable")) {
			/* Half a million keys: a table of 7 MB to write at the
			 * end (within the 64 MiB of counters, past which some
			 * would go during the task); the first attempt's worker
			 * is killed while it writes it.  $CRASHY_KEYS: as many
			 * keys instead. */
			const char *nk = getenv("CRASHY_KEYS");
			int n = nk ? atoi(nk) : 500000;
			char k[16];
			for (int i = 0; i < n; i++) {
				snprintf(k, sizeof k, "k%07d", i);
				if (c->count(c, k, strlen(k), 1) < 0)
					return -1;
			}
			snprintf(m, sizeof m, "%s.tried", c->path);
			if (!getenv("CRASHY_NOKILL") && mkdir(m, 0777) == 0)
				killduringflush();
		}
		if (strstr(c->path, "nope")) {
			c->fail(c, "refused");
			return -1;
		}
		if (strstr(c->path, "once")) {
			snprintf(m, sizeof m, "%s.tried", c->path);
			if (mkdir(m, 0777) == 0)
				crash();
		}
		while (d < e) {
			const char *nl = memchr(d, '\n', (size_t)(e - d));
			size_t n = nl ? (size_t)(nl - d) : (size_t)(e - d);
			if (c->emit(c, d, n, "1", 1) < 0)
				return -1;
			d += n + (nl != NULL);
		}
		return 0;
	}
	const struct pdp_mapper pdp_mapper = { .abi = PDP_ABI_VERSION,
	    .name = "crashy", .synopsis = "", .minargs = 0, .maxargs = 0,
	    .map = map };
	EOF
	cc -std=c11 -D_POSIX_C_SOURCE=200809L -fPIC -shared -I"$src/lib" \
	    -o "$d/crashy.so" "$d/crashy.c" > "$d/cc.log" 2>&1 ||
	    { cat "$d/cc.log" >&2; return 1; }
}

use_plugin() {
	command -v cc >/dev/null || skip "no C compiler"
	cp "$BATS_FILE_TMPDIR/plugins/crashy.so" .
	# No core files from the crashes.
	ulimit -c 0
}

@test "an exec command that dies of SIGSEGV on one input: only that input fails" {
	make_inputs $(names 3) segv.txt $(names 6 | tail -3)
	make_mapper
	clean_run
	run --separate-stderr pdp-map -j2 exec ./fault.sh 0 < list
	assert_status 1
	assert_stderr_equals "pdp-map: segv.txt: ./fault.sh killed by signal 11 (Segmentation fault)"
	printf '%s\n' "$output" | sort > got
	without segv.txt > want
	assert_files_equal want got
	no_leftovers
}

@test "a plugin that segfaults on one input: its worker dies, only that input fails, a fresh worker does the rest (-j1 -k)" {
	use_plugin
	make_inputs in01.txt segv.txt in02.txt in03.txt in04.txt
	clean_run
	# -j1 -k: the crash comes second, and only a fresh worker can run
	# the three inputs after it; they come in input order.
	pdp-map -j1 -k ./crashy.so < list > out 2> err && status=0 || status=$?
	stderr=$(cat err)
	assert_status 1
	assert_stderr_equals "pdp-map: segv.txt: worker killed by signal 11 (Segmentation fault)"
	for f in in01.txt in02.txt in03.txt in04.txt; do
		sed 's/$/	1/' "$f"
	done > want
	assert_files_equal want out
	no_leftovers
}

@test "--retries 2: an exec command that crashes on its first attempt only: the run succeeds, the joblog says attempts 2" {
	make_inputs $(names 4) once.txt $(names 8 | tail -4)
	make_mapper
	clean_run
	run --separate-stderr pdp-map -j2 --retries 2 --joblog j exec ./fault.sh 0 < list
	assert_status 0
	assert_stderr_equals "pdp-map: once.txt: ./fault.sh killed by signal 11 (Segmentation fault) (trying again: attempt 2 of 3)"
	printf '%s\n' "$output" | sort > got
	assert_files_equal clean got
	# The joblog: once.txt succeeded on attempt 2 (its command died, not
	# its worker: signal 0); every other input on attempt 1.
	[ "$(awk -F'\t' '$1 == "once.txt" { print $7, $8, $9 }' j)" = "0 0 2" ] ||
	    fail "joblog line of once.txt: $(grep '^once' j)"
	[ "$(inputlines | awk -F'\t' '$1 != "once.txt" && !($7 == 0 && $9 == 1)')" = "" ] ||
	    fail "other joblog lines: $(cat j)"
	[ "$(inputlines | wc -l)" -eq 9 ] || fail "joblog: $(cat j)"
	no_leftovers
}

# crash_once: with --retries 2, a plugin that crashes its worker on the
# first attempt of once.txt only: the run succeeds, once.txt has
# attempts 2, every other input (queued to that worker or not) 1.
crash_once() {
	clean_run
	run --separate-stderr pdp-map -j2 --retries 2 --joblog j ./crashy.so < list
	assert_status 0
	assert_stderr_equals "pdp-map: once.txt: worker killed by signal 11 (Segmentation fault) (trying again: attempt 2 of 3)"
	printf '%s\n' "$output" | sort > got
	assert_files_equal clean got
	# signal is what ended the last attempt: it succeeded, so 0.
	[ "$(awk -F'\t' '$1 == "once.txt" { print $6, $7, $8, $9 }' j)" = "3 0 0 2" ] ||
	    fail "joblog line of once.txt: $(grep '^once' j)"
	[ "$(inputlines | awk -F'\t' '$1 != "once.txt" && !($7 == 0 && $8 == 0 && $9 == 1)')" = "" ] ||
	    fail "other joblog lines: $(cat j)"
	[ "$(inputlines | wc -l)" -eq "$(wc -l < list)" ] || fail "joblog: $(cat j)"
	no_leftovers
}

@test "--retries 2: a plugin that crashes its worker on the first attempt only: the run succeeds, the joblog says attempts 2" {
	use_plugin
	make_inputs $(names 4) once.txt $(names 8 | tail -4)
	crash_once
}

# Small inputs that a plugin does quickly are queued several to a
# worker.  When the worker dies or is replaced, those queued behind the
# one that ran must run again on a fresh worker: once each, on attempt 1,
# and the failure is put on the input that caused it.

# many_small N NAME: inputs s001.txt ... sNNN.txt with NAME in the
# middle.  NAME has 8 bytes, as they do, so that its file is as big as
# theirs: pdp-map hands out the largest first, and NAME must come in
# the middle of the run, when the workers have queues.
many_small() {
	local i half=$(( $1 / 2 ))
	make_inputs $(for (( i = 1; i <= $1; i++ )); do
		[ "$i" -eq "$half" ] && echo "$2"
		printf 's%03d.txt\n' "$i"
	done)
}

# assert_attempts NAME EXIT ATTEMPTS: in the joblog j, NAME has that
# exit status and number of attempts, and every other input of list
# succeeded on attempt 1.
assert_attempts() {
	inputlines | awk -F'\t' '{ print $1, $7, $9 }' | LC_ALL=C sort > got
	{ echo "$1 $2 $3"; grep -vxF "$1" list | sed 's/$/ 0 1/'; } |
	    LC_ALL=C sort > want
	assert_files_equal want got
}

@test "400 small inputs, a plugin that segfaults on one: only that input fails; the inputs queued to its worker run once, on attempt 1" {
	use_plugin
	many_small 400 segv.txt
	clean_run
	run --separate-stderr pdp-map -j2 --joblog j ./crashy.so < list
	assert_status 1
	assert_stderr_equals "pdp-map: segv.txt: worker killed by signal 11 (Segmentation fault)"
	printf '%s\n' "$output" | sort > got
	without segv.txt > want
	assert_files_equal want got
	assert_attempts segv.txt 1 1
	no_leftovers
}

@test "400 small inputs, --retries 2, a plugin that crashes its worker once: the run succeeds, only that input has attempts 2" {
	use_plugin
	many_small 400 once.txt
	crash_once
}

@test "400 small inputs, --retries 1, a plugin that fails one: its worker is replaced, the inputs queued to it run once" {
	use_plugin
	many_small 400 nope.txt
	clean_run
	# Each run of the mapper on an input leaves a line in runs.
	CRASHY_LOG=$PWD/runs run --separate-stderr pdp-map -j2 --retries 1 --joblog j ./crashy.so < list
	assert_status 1
	assert_stderr_equals "pdp-map: nope.txt: refused (trying again: attempt 2 of 2)
pdp-map: nope.txt: refused"
	printf '%s\n' "$output" | sort > got
	without nope.txt > want
	assert_files_equal want got
	assert_attempts nope.txt 1 2
	# The worker that failed it finished its queue before it was
	# replaced: no input ran twice, and nope.txt once an attempt.
	LC_ALL=C sort runs | uniq -c | awk '{ print $2, $1 }' > got
	{ echo "nope.txt 2"; grep -vxF nope.txt list | sed 's/$/ 1/'; } |
	    LC_ALL=C sort > want
	assert_files_equal want got
	no_leftovers
}

@test "--combine --retries 1: a worker killed while it writes its table at the end: its inputs run again, nothing is lost" {
	use_plugin
	[ -r /proc/self/io ] || skip "no /proc/PID/io"
	make_inputs $(names 6)
	# The smallest input: with -j1, the last to run.
	printf 'x\n' > bigtable.txt
	echo bigtable.txt >> list
	CRASHY_NOKILL=1 pdp-map -j1 --combine sum ./crashy.so < list |
	    pdp-reduce sum | LC_ALL=C sort > want
	[ "$(wc -l < want)" -eq 500019 ] || fail "clean run: $(wc -l < want) keys"
	run --separate-stderr pdp-map -j1 --combine sum --retries 1 ./crashy.so < list
	assert_status 0
	assert_stderr_contains "pdp-map: bigtable.txt: result lost: worker killed by signal 9 (Killed) (trying again: attempt 2 of 2)"
	assert_stderr_contains "pdp-map: in01.txt: result lost: worker killed by signal 9 (Killed) (trying again: attempt 2 of 2)"
	printf '%s\n' "$output" | pdp-reduce sum | LC_ALL=C sort > got
	assert_files_equal want got
	no_leftovers
}

@test "--combine: a task whose own table passed 64 MiB, then a crash or a failure in the next: what it sent waits with the table, is dropped with it, and runs again once" {
	use_plugin
	# bigtable.txt (the largest: first) counts CRASHY_KEYS keys, past
	# the counters and past its own table: some of its records go to
	# pdp-map during the task, the rest stay in the worker's table.
	# segv.txt crashes the worker before that table is written:
	# bigtable.txt runs again, and its keys are there once.
	export CRASHY_KEYS=600000 CRASHY_NOKILL=1
	make_inputs segv.txt
	seq 100 > bigtable.txt
	printf '%s\n' bigtable.txt segv.txt > list
	pdp-map -j1 --combine max ./crashy.so <<< bigtable.txt |
	    pdp-reduce max | LC_ALL=C sort > want
	[ "$(wc -l < want)" -eq $(( CRASHY_KEYS + 100 )) ] || fail "clean run: $(wc -l < want) keys"
	CRASHY_LOG=$PWD/runs pdp-map -j1 --combine max --stats ./crashy.so < list > out 2> err &&
	    status=0 || status=$?
	stderr=$(cat err)
	assert_status 1
	assert_stderr_contains "pdp-map: worker 1: the --combine table of 1 input is lost with it: it is run again"
	assert_stderr_contains "pdp-map: segv.txt: worker killed by signal 11 (Segmentation fault)"
	assert_stderr_matches "pdp-map: inputs 2, succeeded 1, failed 1, bytes [0-9]*, records $(wc -l < out),"
	pdp-reduce max < out | LC_ALL=C sort > got
	assert_files_equal want got
	# Its keys are distinct: a record of one twice is one written twice.
	[ -z "$(cut -f 1 out | LC_ALL=C sort | uniq -d | head -3)" ] || fail "records twice"
	[ "$(grep -c '^bigtable.txt$' runs)" -eq 2 ] || fail "bigtable.txt ran $(grep -c '^bigtable.txt$' runs) times"

	# An input that fails after it (no crash) drops only its own.
	make_inputs nope.txt
	printf '%s\n' bigtable.txt nope.txt > list
	pdp-map -j1 --combine max ./crashy.so < list > out 2> err &&
	    status=0 || status=$?
	stderr=$(cat err)
	assert_status 1
	assert_stderr_equals "pdp-map: nope.txt: refused"
	pdp-reduce max < out | LC_ALL=C sort > got
	assert_files_equal want got

	# One that fails after it sent some of its own (2 million keys: the
	# counters pass their bound twice, their counts pass the task's
	# table's, which is sent during the task): none of them is written
	# nor counted, and the input after it in the worker is whole.
	seq 200 > bigtable-nope.txt
	printf '%s\n' bigtable-nope.txt bigtable.txt > list
	CRASHY_KEYS=2000000 pdp-map -j1 --combine sum ./crashy.so <<< bigtable.txt |
	    pdp-reduce sum | LC_ALL=C sort > want
	CRASHY_KEYS=2000000 pdp-map -j1 --combine sum --stats ./crashy.so < list > out 2> err &&
	    status=0 || status=$?
	stderr=$(cat err)
	assert_status 1
	assert_stderr_contains "pdp-map: bigtable-nope.txt: refused"
	assert_stderr_matches "pdp-map: inputs 2, succeeded 1, failed 1, bytes [0-9]*, records $(wc -l < out),"
	pdp-reduce sum < out | LC_ALL=C sort > got
	assert_files_equal want got
	no_leftovers
}

# --- a mapper that hangs -------------------------------------------------

@test "--timeout 0.5: a hanging command is killed with its children, its input fails, the run ends in seconds" {
	make_inputs $(names 3) hang.txt $(names 6 | tail -3)
	make_mapper
	clean_run
	t0=$(ms)
	run --separate-stderr pdp-map -j2 --timeout 0.5 exec ./fault.sh 0 97.31 < list
	t=$(( $(ms) - t0 ))
	assert_status 1
	assert_stderr_equals "pdp-map: hang.txt: timed out after 0.5 s"
	# Not the 97 s the command sleeps (generous: the property is that
	# it ends, on a machine that may be loaded).
	[ "$t" -lt 30000 ] || fail "took $t ms"
	# The sleep was a child of the command: the process group went.
	gone '^sleep 97\.31'
	printf '%s\n' "$output" | sort > got
	without hang.txt > want
	assert_files_equal want got
	no_leftovers
}

@test "--timeout: a decimal number with an optional unit; hex, exponents, inf and other text are usage errors" {
	echo x > x
	local t
	for t in 0x10 1e3 inf nan -1 '' s 1.5.2 1x 10sec .; do
		run --separate-stderr pdp-map --timeout "$t" wc <<< x
		assert_status 2
		assert_output_empty
		assert_stderr_equals "pdp-map: invalid timeout '$t' (e.g. 30, 1.5s, 500ms, 2m, 1h)"
	done
	for t in 30 1.5s 500ms 2m 1h 1d .5 0 3.; do
		run --separate-stderr pdp-map --timeout "$t" wc <<< x
		assert_status 0
		assert_stderr_empty
		assert_output_equals "$(printf 'lines\t1\nwords\t1\nbytes\t2')"
	done
}

@test "--timeout 0.5 --retries 1: a hanging command is tried twice, then its input fails" {
	make_inputs $(names 2) hang.txt
	make_mapper
	clean_run
	t0=$(ms)
	run --separate-stderr pdp-map -j2 --timeout 0.5 --retries 1 exec ./fault.sh 0 97.32 < list
	t=$(( $(ms) - t0 ))
	assert_status 1
	assert_stderr_equals <<-'EOF'
	pdp-map: hang.txt: timed out after 0.5 s (trying again: attempt 2 of 2)
	pdp-map: hang.txt: timed out after 0.5 s
	EOF
	[ "$t" -ge 1000 ] || fail "two attempts of 0.5 s took $t ms"
	[ "$t" -lt 30000 ] || fail "took $t ms, not the 97 s of the command"
	gone '^sleep 97\.32'
	printf '%s\n' "$output" | sort > got
	without hang.txt > want
	assert_files_equal want got
	no_leftovers
}

@test "--combine --timeout: a hanging input fails alone; the inputs in its worker's table run again, not counted as attempts" {
	# The worker of a task that times out is killed with its table:
	# the inputs in it did nothing wrong and run again; hang.txt alone
	# fails, after its two attempts.
	make_inputs $(names 6) hang.txt $(names 12 | tail -6)
	make_mapper
	clean_run
	run --separate-stderr pdp-map -j2 --combine sum --stats --timeout 0.5 \
	    --retries 1 exec ./fault.sh 0 97.33 < list
	assert_status 1
	assert_stderr_contains "pdp-map: hang.txt: timed out after 0.5 s (trying again: attempt 2 of 2)"
	assert_stderr_contains "pdp-map: hang.txt: timed out after 0.5 s"
	assert_stderr_matches "pdp-map: inputs 13, succeeded 12, failed 1,"
	# No other input is named: a lost table is one line a worker.
	printf '%s\n' "$stderr" | grep -v -e '^pdp-map: hang\.txt: timed out' \
	    -e '^pdp-map: inputs 13,' \
	    -e '^pdp-map: worker [12]: the --combine table of [0-9]* inputs\{0,1\} is lost with it: \(it is\|they\) run again$' > other || true
	[ ! -s other ] || fail "other messages: $(cat other)"
	gone '^sleep 97\.33'
	printf '%s\n' "$output" | pdp-reduce sum > got
	without hang.txt | pdp-reduce sum > want
	assert_files_equal want got
	no_leftovers
}

# --- --halt --------------------------------------------------------------

@test "--halt soon,fail=1 -j1: inputs fail from the 3rd: exit 3, the first two written, nothing run after" {
	make_inputs in01.txt in02.txt fail03.txt fail04.txt in05.txt
	make_mapper
	clean_run
	run --separate-stderr pdp-map -j1 -k --stats --halt soon,fail=1 exec ./fault.sh 0 < list
	assert_status 3
	assert_stderr_contains "pdp-map: fail03.txt: ./fault.sh exited with status 3"
	assert_stderr_contains "pdp-map: stopping after 1 failed input (--halt soon,fail=1)"
	assert_stderr_not_contains fail04.txt
	assert_stderr_contains "inputs 5, succeeded 2, failed 1, not run 2"
	printf '%s\n' "$output" > got
	sed 's/$/	1/' in01.txt in02.txt > want
	assert_files_equal want got
	# fail=2: one more failure first.
	run --separate-stderr pdp-map -j1 -k --halt soon,fail=2 exec ./fault.sh 0 < list
	assert_status 3
	assert_stderr_contains "pdp-map: fail04.txt: ./fault.sh exited with status 3"
	assert_stderr_contains "pdp-map: stopping after 2 failed inputs (--halt soon,fail=2)"
	printf '%s\n' "$output" > got
	assert_files_equal want got
	no_leftovers
}

# halt_soon_running [OPTION...]: with --halt soon,fail=1 -j2, an input
# that fails beside a running one: the running one is finished and
# written, nothing new starts.
halt_soon_running() {
	make_inputs slow.txt fail.txt in01.txt in02.txt
	make_mapper
	clean_run
	# slow.txt takes 1 s; fail.txt fails at once, beside it.
	cat > slow.sh <<-'EOF'
	#!/bin/sh
	case $PDP_PATH in slow*) sleep 1.0271 ;; esac
	exec ./fault.sh 0
	EOF
	chmod +x slow.sh
	run --separate-stderr pdp-map -j2 "$@" --stats --joblog j --halt soon,fail=1 exec ./slow.sh < list
	assert_status 3
	assert_stderr_contains "pdp-map: stopping after 1 failed input (--halt soon,fail=1)"
	assert_stderr_contains "inputs 4, succeeded 1, failed 1, not run 2"
	printf '%s\n' "$output" > got
	sed 's/$/	1/' slow.txt > want
	assert_files_equal want got
	# Lines for slow.txt and fail.txt, none for the inputs not run.
	[ "$(inputlines | cut -f1,7 | LC_ALL=C sort)" = "$(printf 'fail.txt\t1\nslow.txt\t0')" ] ||
	    fail "joblog: $(cat j)"
	no_leftovers
}

@test "--halt soon,fail=1 -j2: the input already running is finished and written, nothing new starts" {
	halt_soon_running
}

@test "--halt soon,fail=1 -j2 -k: the same in input order (a failure counts when it happens, not when its turn comes)" {
	halt_soon_running -k
}

@test "--halt now,fail=1: a failure stops a long-running input at once: exit 3 in seconds, not the 97 s it sleeps, no command left" {
	make_inputs hang.txt fail.txt in01.txt
	make_mapper
	t0=$(ms)
	run --separate-stderr pdp-map -j2 --halt now,fail=1 exec ./fault.sh 0.3 97.41 < list
	t=$(( $(ms) - t0 ))
	assert_status 3
	assert_stderr_contains "pdp-map: fail.txt: ./fault.sh exited with status 3"
	assert_stderr_contains "pdp-map: stopping after 1 failed input (--halt now,fail=1)"
	assert_stderr_not_contains "hang.txt"
	# hang.txt was stopped, in01.txt never started.
	assert_output_empty
	[ "$t" -lt 30000 ] || fail "took $t ms, not the 97 s of the command"
	gone '^sleep 97\.41'
	no_leftovers
}

@test "--halt: invalid policies are refused with exit 2" {
	make_inputs in01.txt
	for h in bogus soon now soon,fail=0 now,fail=x 'soon,fail=' \
	    'soon,fail=-1' 'now,fail=1x' 'SOON,fail=1' 'never,fail=1' '' \
	    'now,success=0' 'soon,done=101%' 'soon,fail=%' 'now,failed=1' 'soon,done=5%%'; do
		run --separate-stderr pdp-map --halt "$h" wc < list
		assert_status 2
		assert_output_empty
		assert_stderr_equals "pdp-map: invalid --halt '$h' (never, or now or soon, then ,fail= ,success= or ,done= and N or N%)"
	done
	run --separate-stderr pdp-map --halt never wc < list
	assert_status 0
}

# --- signals -------------------------------------------------------------

@test "SIGINT, SIGTERM, SIGHUP to pdp-map mid-run: exit 128+N, no worker or command left, TMPDIR empty" {
	make_inputs $(names 16)
	make_mapper
	clean_run
	mkdir tmp
	for sig in INT TERM HUP; do
		rm -f out err j
		# --joblog: the output is written as each input ends.
		# SIGINT is ignored in a script's background jobs, and pdp-map
		# keeps it so: give it the default disposition.
		TMPDIR=$T/tmp env --default-signal=INT \
		    pdp-map -j2 --joblog j exec ./fault.sh 0.2551 < list > out 2> err &
		pid=$!
		# Some inputs done, some running.
		wait_until 30 eval '[ "$(inputlines | wc -l)" -ge 2 ]'
		busy_worker "$pid"
		kill -"$sig" "$pid"
		finish "$pid"
		want=$(( 128 + $(kill -l "$sig") ))
		[ "$status" -eq "$want" ] || fail "SIG$sig: exit $status, not $want"
		assert_stderr_empty
		no_leftovers
		gone '^sleep 0\.2551'
		[ -z "$(ls -A tmp)" ] || fail "left in TMPDIR: $(ls -A tmp)"
		# What was written is whole inputs, those the joblog names.
		whole_inputs out
		[ -s out ] || fail "SIG$sig: nothing was written before the signal"
		diff <(cut -d: -f1 out | sort -u) <(inputlines | cut -f1 | sort) >&2 ||
		    fail "SIG$sig: the output and the joblog disagree"
	done
}

@test "without --joblog: an input's output reaches a pipe soon after it ends, not at the end of the run; SIGTERM leaves a file the inputs that ended" {
	# c waits for a's record to come out of the pipe (30 s at most).
	printf '%s\n' a b c > list
	touch a b c
	cat > m.sh <<-'EOF'
	#!/bin/sh
	if [ "$PDP_PATH" = c ]; then
		i=0
		while [ ! -e got ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
		[ -e got ] || echo 'late	1'
	fi
	printf '%s\t1\n' "$PDP_PATH"
	EOF
	chmod +x m.sh
	run --separate-stderr bash -c 'set -o pipefail; pdp-map -j1 -k exec ./m.sh < list | { read -r l; touch got; printf "%s\n" "$l"; cat; }'
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'a\t1\nb\t1\nc\t1')"
	# A file: after SIGTERM it holds the inputs that had ended.  hang.txt
	# (first, on one worker for 62 s) keeps the run going until the kill.
	make_inputs hang.txt $(names 6)
	make_mapper
	clean_run
	pdp-map -j2 exec ./fault.sh 0.2551 61.73 < list > out 2> err &
	pid=$!
	wait_until 60 eval '[ "$(cut -d: -f1 out | sort -u | wc -l)" -ge 2 ]' ||
	    fail "no output while the run went on: $(cat err)"
	kill -TERM "$pid"
	finish "$pid"
	[ "$status" -eq 143 ] || fail "exit $status, not 143"
	assert_stderr_empty
	whole_inputs out
	! grep -q '^hang' out || fail "the hanging input was written"
	no_leftovers
	gone '^sleep 61\.73'
}

@test "nohup: a SIGHUP ignored when pdp-map starts stays ignored, and the run completes" {
	make_inputs $(names 8)
	make_mapper
	clean_run
	nohup pdp-map -j2 exec ./fault.sh 0.2552 < list > out 2> err &
	pid=$!
	busy_worker "$pid"
	kill -HUP "$pid"
	finish "$pid"
	assert_status 0
	sorted out > got
	assert_files_equal clean got
	no_leftovers
	gone '^sleep 0\.2552'
}

@test "SIGINT to the process group of pdp-find | pdp-map | pdp-reduce: all of them end, nothing is left" {
	env --default-signal=INT true 2>/dev/null ||
	    skip "env --default-signal is missing (coreutils < 8.31)"
	mkdir d
	(cd d && make_inputs $(names 16) && rm list)
	make_mapper
	# A session of its own, with SIGINT not ignored (bats starts
	# background jobs with SIGINT ignored), as a terminal's ^C would
	# reach a foreground pipeline.
	env --default-signal=INT setsid -w sh -c 'echo $$ > pgid
	    exec pdp-find d | pdp-map -j2 exec ./fault.sh 0.2661 | pdp-reduce sum > out' 2> err &
	sp=$!
	wait_until 20 test -s pgid
	pgid=$(cat pgid)
	wait_until 20 some_live '^sleep 0\.2661' 1 || fail "no command started"
	kill -INT -- "-$pgid"
	status=0
	wait "$sp" || status=$?
	[ "$status" -ne 0 ] || fail "the pipeline ended with 0 after SIGINT"
	in_group() { [ -z "$(pgrep -g "$pgid")" ]; }
	wait_until 10 in_group || {
		ps -o pid,ppid,pgid,stat,args -g "$pgid" >&2 || true
		fail "processes left in the pipeline's group $pgid"
	}
	no_leftovers
	gone '^sleep 0\.2661'
	# No partial sum passes for a result.
	[ ! -s out ] || fail "output after SIGINT: $(cat out)"
	# The same pipeline, left alone, sums every line once.
	pdp-find d | pdp-map -j2 exec ./fault.sh 0 | pdp-reduce sum > out
	cat d/* | sed 's/$/	1/' | LC_ALL=C sort > want
	LC_ALL=C sort out > got
	assert_files_equal want got
}

@test "pdp-map killed with SIGKILL mid-run: its workers and their commands are gone, not left for the 97 s they sleep" {
	make_inputs $(names 8)
	make_mapper
	clean_run
	pdp-map -j2 exec ./fault.sh 97.61 < list > out 2> err &
	pid=$!
	busy_worker "$pid"
	wait_until 20 some_live '^sleep 97\.61' 2 ||
	    fail "the commands did not start"
	workers=$(pgrep -P "$pid" | tr '\n' ' ')
	kill -9 "$pid"
	finish "$pid"
	assert_status 137
	no_leftovers
	gone '^sleep 97\.61'
	for w in $workers; do
		[ ! -d "/proc/$w" ] || [ "$(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$w/stat")" = Z ] ||
		    fail "worker $w is alive"
	done
	whole_inputs out
}

# --- output that cannot be written --------------------------------------

@test "stdout is /dev/full: exit 2, 'stdout: write error: No space left on device', nothing left" {
	[ -w /dev/full ] || skip "no /dev/full"
	make_inputs $(names 6)
	make_mapper
	run --separate-stderr bash -c 'pdp-map -j2 exec ./fault.sh 0.1173 < list > /dev/full'
	assert_status 2
	assert_stderr_equals "pdp-map: stdout: write error: No space left on device"
	no_leftovers
	gone '^sleep 0\.1173'
	# The same with a builtin mapper.
	run --separate-stderr bash -c 'pdp-map -j2 wordfreq < list > /dev/full'
	assert_status 2
	assert_stderr_equals "pdp-map: stdout: write error: No space left on device"
	no_leftovers
}

@test "ulimit -f: output past the file size limit is 'write error: File too large', exit 2, in each program, not a silent death by SIGXFSZ" {
	# ulimit -f counts blocks of 1024 bytes; each output below passes 1.
	seq 30000 | sed 's/^/k/; s/$/\t1/' > recs
	mkdir d
	for i in $(seq 100); do : > "d/file-with-a-long-name-$i"; done
	echo recs > list
	run --separate-stderr bash -c 'ulimit -f 1; pdp-reduce sum < recs > out'
	assert_status 2
	assert_stderr_equals "pdp-reduce: stdout: write error: File too large"
	run --separate-stderr bash -c 'ulimit -f 1; pdp-find d > out'
	assert_status 2
	assert_stderr_equals "pdp-find: stdout: write error: File too large"
	run --separate-stderr bash -c 'ulimit -f 1; pdp-map wordfreq < list > out'
	assert_status 2
	assert_stderr_equals "pdp-map: stdout: write error: File too large"
	no_leftovers
	# A command that exec runs gets SIGXFSZ as it would without pdp-map:
	# sh tells of its child killed by it (128 + 25).
	run --separate-stderr bash -c 'ulimit -f 1; pdp-map exec sh -c "seq 100000 > big.out" < list'
	assert_status 1
	assert_stderr_contains "pdp-map: recs: sh exited with status 153"
	[ "$(wc -c < big.out)" -eq 1024 ] || fail "big.out: $(wc -c < big.out) bytes"
}

@test "| head -1: pdp-map ends at once (SIGPIPE), long before its inputs are done, nothing left" {
	# 20 inputs of 200 KB, 0.3 s each on 2 workers: 3 s for the lot.
	: > list
	for i in $(seq -w 1 20); do
		awk -v i="$i" 'BEGIN { for (k = 0; k < 4000; k++)
		    printf "big%s-%05d abcdefghijklmnopqrstuvwxyz0123456789abcdefghi\n", i, k }' > "big$i.txt"
		echo "big$i.txt" >> list
	done
	make_mapper
	# The whole run, for reference, on this machine as it is now.
	t0=$(ms)
	pdp-map -j2 exec ./fault.sh 0.3117 < list > /dev/null
	full=$(( $(ms) - t0 ))
	t0=$(ms)
	run --separate-stderr bash -c 'pdp-map -j2 exec ./fault.sh 0.3117 < list | head -1; echo "${PIPESTATUS[0]}" >&2'
	t=$(( $(ms) - t0 ))
	assert_status 0
	assert_output_matches $'^big[0-9]{2}-[0-9]{5} [a-z0-9]+\t1$'
	# Died by SIGPIPE, quietly.
	assert_stderr_equals 141
	[ "$t" -lt $(( full / 2 )) ] || fail "took $t ms, the whole run $full ms"
	no_leftovers
	gone '^sleep 0\.3117'
}

# mixed N: inputs in01.txt ... inNN.txt, the odd ones failing (their
# names hold "fail"), run one at a time in input order.
halt_mixed() {
	local i names=()
	for (( i = 1; i <= $1; i++ )); do
		if (( i % 2 )); then names+=("fail$i.txt"); else names+=("ok$i.txt"); fi
	done
	make_inputs "${names[@]}"
	make_mapper
}

@test "--halt soon,success=N and done=N: stop after that many, exit 0 or 1 as the inputs that ran say" {
	halt_mixed 10
	run --separate-stderr pdp-map -j1 -k --stats --halt soon,success=2 exec ./fault.sh 0 < list
	assert_status 1
	assert_stderr_contains "pdp-map: stopping after 2 inputs succeeded (--halt soon,success=2)"
	assert_stderr_contains "pdp-map: inputs 10, succeeded 2, failed 2, not run 6"
	[ "$(printf '%s\n' "$output" | cut -d: -f1 | sort -u | tr '\n' ' ')" = "ok2.txt ok4.txt " ] ||
	    fail "output of: $output"
	run --separate-stderr pdp-map -j1 -k --stats --halt now,done=3 exec ./fault.sh 0 < list
	assert_status 1
	assert_stderr_contains "pdp-map: stopping after 3 inputs done (--halt now,done=3)"
	assert_stderr_contains "succeeded 1, failed 2, not run 7"
	# Only successes before the halt: exit 0.
	make_inputs in01.txt in02.txt in03.txt
	run --separate-stderr pdp-map -j1 --halt now,success=1 exec ./fault.sh 0 < list
	assert_status 0
	assert_stderr_equals "pdp-map: stopping after 1 input succeeded (--halt now,success=1)"
	no_leftovers
}

@test "--halt with --combine: a success counts when its task ends, not when the table is written; now loses the tables, and --resume runs their inputs" {
	make_inputs $(names 20)
	make_mapper
	clean_run
	run --separate-stderr pdp-map -j1 --combine sum --stats \
	    --halt soon,success=3 exec ./fault.sh 0 < list
	assert_status 0
	assert_stderr_contains "pdp-map: stopping after 3 inputs succeeded (--halt soon,success=3)"
	assert_stderr_contains "pdp-map: inputs 20, succeeded 3, failed 0, not run 17,"
	printf '%s\n' "$output" | pdp-reduce sum > got
	head -n 9 clean | pdp-reduce sum > want
	assert_files_equal want got
	# now: the table that holds the three is stopped with its worker;
	# they are not run, and a --resume runs every input once.
	run --separate-stderr pdp-map -j1 --combine sum --stats --joblog jl \
	    --halt now,success=3 exec ./fault.sh 0 < list
	assert_status 0
	assert_stderr_contains "pdp-map: stopping after 3 inputs succeeded (--halt now,success=3)"
	assert_stderr_contains "pdp-map: inputs 20, succeeded 0, failed 0, not run 20,"
	assert_output_empty
	run --separate-stderr pdp-map -j1 --combine sum --joblog jl --resume \
	    exec ./fault.sh 0 < list
	assert_status 0
	printf '%s\n' "$output" | pdp-reduce sum > got
	pdp-reduce sum clean > want
	assert_files_equal want got
	no_leftovers
}

@test "--halt soon,fail=N%: a share of the inputs read (all of them, once stdin has ended); exit 3" {
	halt_mixed 20
	# 10 of 20 fail: 20% is reached at the fourth failure.
	run --separate-stderr pdp-map -j1 -k --stats --halt soon,fail=20% exec ./fault.sh 0 < list
	assert_status 3
	assert_stderr_contains "pdp-map: stopping after 4 failed inputs, 20% of 20 (--halt soon,fail=20%)"
	assert_stderr_contains "succeeded 3, failed 4, not run 13"
	# 60% is never reached: the run completes, exit 1.
	run --separate-stderr pdp-map -j1 --halt now,fail=60% exec ./fault.sh 0 < list
	assert_status 1
	assert_stderr_not_contains "stopping"
}
