# helper.bash: shared set-up and assertions of the pdp bats tests.
# Loaded by every *.bats file with `load helper`.
#
# Environment: PDP_BIN is the directory of the programs under test
# (default: ../build beside this file), PDP_TOOLS the one with gencorpus
# (default: PDP_BIN).  `make check` exports both.

bats_require_minimum_version 1.5.0

: "${PDP_BIN:=$BATS_TEST_DIRNAME/../build}"
PDP_BIN=$(cd "$PDP_BIN" && pwd)
: "${PDP_TOOLS:=$PDP_BIN}"
PDP_TOOLS=$(cd "$PDP_TOOLS" && pwd)
export PDP_BIN PDP_TOOLS
export PATH="$PDP_BIN:$PATH"
# Bytewise sort, tr and wc everywhere; the programs choose their own
# locale where they need one (wordfreq uses C.UTF-8 whatever this says).
export LC_ALL=C

setup() {
	for p in pdp-find pdp-map pdp-reduce; do
		[ -x "$PDP_BIN/$p" ] || {
			echo "$PDP_BIN/$p is missing: run make first" >&2
			return 1
		}
	done
	# A fresh directory for each test (run --separate-stderr keeps its
	# own files in BATS_TEST_TMPDIR, so the test works one level down).
	umask 022
	T="$BATS_TEST_TMPDIR/w"
	mkdir -p "$T"
	cd "$T" || return 1
	# Marks every process this test starts, workers included (they
	# inherit the environment): no_leftovers looks for it.
	export PDP_TEST_ID="pdp-bats-$$-${BATS_SUITE_TEST_NUMBER:-0}-$RANDOM$RANDOM"
}

teardown() {
	# Files made unreadable for a permission test must not stop bats from
	# removing the test directory.
	[ -n "${T:-}" ] && [ -d "$T" ] && chmod -R u+rwx "$T" 2>/dev/null
	# A memory cgroup a test made (battery.bats), empty by now.
	[ -n "${CGDIR:-}" ] && rmdir "$CGDIR" 2>/dev/null
	return 0
}

# --- assertions ----------------------------------------------------------

# Print what the last `run` saw, for a failing assertion.
_show_run() {
	{
		echo "status: ${status-}"
		echo "stdout: ---"
		printf '%s\n' "${output-}"
		echo "stderr: ---"
		printf '%s\n' "${stderr-}"
		echo "---"
	} >&2
}

fail() {
	printf '%s\n' "$*" >&2
	_show_run
	return 1
}

# assert_status N: the last run exited with N.
assert_status() {
	[ "$status" -eq "$1" ] || fail "expected exit status $1, got $status"
}

# Exit status is not one of a death by signal.
assert_no_signal() {
	[ "$status" -le 128 ] || fail "killed by a signal (status $status)"
}

# assert_output_equals [TEXT]: stdout of the last run is exactly TEXT
# (or, without an argument, the text on stdin).  `run` drops trailing
# newlines; compare files with cmp where they matter.
assert_output_equals() {
	local want
	if [ $# -gt 0 ]; then want=$1; else want=$(cat); fi
	[ "$output" = "$want" ] || {
		diff <(printf '%s\n' "$want") <(printf '%s\n' "$output") >&2 || true
		fail "stdout differs from the expected (diff above: < expected, > got)"
	}
}

assert_output_empty() {
	[ -z "$output" ] || fail "expected no output on stdout"
}

assert_output_contains() {
	[[ "$output" == *"$1"* ]] || fail "stdout does not contain '$1'"
}

assert_output_matches() {
	[[ "$output" =~ $1 ]] || fail "stdout does not match /$1/"
}

assert_stderr_equals() {
	local want
	if [ $# -gt 0 ]; then want=$1; else want=$(cat); fi
	[ "$stderr" = "$want" ] || {
		diff <(printf '%s\n' "$want") <(printf '%s\n' "$stderr") >&2 || true
		fail "stderr differs from the expected (diff above: < expected, > got)"
	}
}

assert_stderr_contains() {
	[[ "$stderr" == *"$1"* ]] || fail "stderr does not contain '$1'"
}

assert_stderr_not_contains() {
	[[ "$stderr" != *"$1"* ]] || fail "stderr contains '$1'"
}

assert_stderr_matches() {
	[[ "$stderr" =~ $1 ]] || fail "stderr does not match /$1/"
}

assert_stderr_empty() {
	[ -z "$stderr" ] || fail "expected nothing on stderr"
}

# assert_files_equal A B: byte-identical files.
assert_files_equal() {
	cmp "$1" "$2" >&2 || {
		{ diff "$1" "$2" | head -20 >&2; } || true
		fail "files $1 and $2 differ"
	}
}

# --- processes -----------------------------------------------------------

# Pids of the pdp-map processes (parents and workers) started by this
# test: those whose environment holds our PDP_TEST_ID.  Other pdp-map runs
# on the machine (other tests, other people) are not ours.
pdp_map_procs() {
	local d pid comm
	for d in /proc/[0-9]*; do
		pid=${d#/proc/}
		read -r comm < "$d/comm" 2>/dev/null || continue
		[ "$comm" = pdp-map ] || continue
		tr '\0' '\n' < "$d/environ" 2>/dev/null |
		    grep -qxF "PDP_TEST_ID=$PDP_TEST_ID" && echo "$pid"
	done
	return 0
}

# no_leftovers: no pdp-map process of this test is alive (allowing a
# second for processes that are already on their way out).
no_leftovers() {
	[ -d /proc/self ] || skip "no /proc: cannot look for leftover processes"
	local i left
	for i in $(seq 20); do
		left=$(pdp_map_procs)
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	ps -o pid,ppid,pgid,stat,args -p "$(echo $left | tr ' ' ,)" >&2 || true
	fail "pdp-map processes left behind: $left"
}

# wait_until SECONDS CMD...: poll CMD until it succeeds.
wait_until() {
	local limit=$(( $1 * 10 )) i
	shift
	for (( i = 0; i < limit; i++ )); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# --- users ---------------------------------------------------------------

# Permission tests need a user whom mode bits stop.  As a normal user,
# that is us.  As root (CI runs as root), the step runs as nobody through
# setpriv, with the programs copied where nobody can run them and the
# test directory made reachable.  Skips the test if neither works.
need_unprivileged() {
	if [ "$(id -u)" -ne 0 ]; then
		UNPRIV=()
		UBIN=$PDP_BIN
		return 0
	fi
	command -v setpriv >/dev/null ||
		skip "running as root and setpriv is missing: chmod cannot deny root"
	local uid gid d
	uid=$(id -u nobody 2>/dev/null) || uid=65534
	gid=$(id -g nobody 2>/dev/null) || gid=65534
	UNPRIV=(setpriv --reuid="$uid" --regid="$gid" --clear-groups --)
	# bats makes its run directory private (0700): let others through the
	# directories between it and the test directory (search only).
	# Nothing outside the run directory is touched.
	d=$T
	if [ -n "${BATS_RUN_TMPDIR:-}" ]; then
		while [ "$d" != / ] && [ "$d" != . ]; do
			case $d in
			"$BATS_RUN_TMPDIR"|"$BATS_RUN_TMPDIR"/*)
				chmod o+x "$d" 2>/dev/null || true ;;
			*)	break ;;
			esac
			d=$(dirname "$d")
		done
	fi
	UBIN="$T/ubin"
	mkdir -p "$UBIN"
	cp "$PDP_BIN/pdp-find" "$PDP_BIN/pdp-map" "$PDP_BIN/pdp-reduce" "$UBIN/"
	chmod 755 "$UBIN" "$UBIN"/*
	"${UNPRIV[@]}" test -x "$UBIN/pdp-find" ||
		skip "running as root and nobody cannot reach $T"
	"${UNPRIV[@]}" true ||
		skip "running as root and setpriv cannot switch to nobody"
}

# unpriv CMD...: CMD as the unprivileged user (see need_unprivileged).
unpriv() {
	"${UNPRIV[@]}" "$@"
}

# --- data ----------------------------------------------------------------

# inputlines [JOBLOG]: the joblog's lines of inputs (not the column
# names, not pdp-map's own lines that begin with #).
inputlines() {
	awk 'NR > 1 && !/^#/' "${1:-j}"
}

# decode_records < records > names: the path field of each pdp(7) record
# decoded to raw bytes, each name ended by NUL (so names with newlines
# compare with find -print0).
decode_records() {
	local line
	while IFS= read -r line; do
		# Records only hold the escapes \\ \t \n \r, which %b decodes.
		printf '%b\0' "${line%%	*}"
	done
}

# make_many DIR N: N small files DIR/{a,b}/fNNNNN.txt; file i holds the
# line "wK common" with K = i % 100.
make_many() {
	mkdir -p "$1/a" "$1/b"
	awk -v dir="$1" -v n="$2" 'BEGIN {
		for (i = 0; i < n; i++) {
			f = sprintf("%s/%s/f%05d.txt", dir, (i % 2 ? "a" : "b"), i)
			printf "w%d common\n", i % 100 > f
			close(f)
		}
	}'
}

gencorpus() {
	"$PDP_TOOLS/gencorpus" "$@"
}

# --- mappers that fail on purpose ------------------------------------------

# make_mapper: ./fault.sh DELAY [HANG]: after DELAY seconds, each line of
# its input as "LINE<TAB>1".  By the input's name: *fail* exits 3, *segv*
# dies of SIGSEGV, *once* dies of SIGSEGV on its first attempt only and
# *flaky* exits 3 on its first attempt only (both leave NAME.tried
# behind), *hang* runs `sleep HANG` (a child of the command, so a
# grandchild of the worker), *stall* runs `sleep HANG` on its first
# attempt only (a worker busy with it until killed).
make_mapper() {
	cat > fault.sh <<-'EOF'
	#!/bin/sh
	sleep "$1"
	case $PDP_PATH in
	*fail*)	exit 3 ;;
	*segv*)	kill -SEGV $$ ;;
	*once*)	if mkdir "$PDP_PATH.tried" 2>/dev/null; then kill -SEGV $$; fi ;;
	*flaky*)	if mkdir "$PDP_PATH.tried" 2>/dev/null; then exit 3; fi ;;
	*hang*)	sleep "$2"; exit 0 ;;
	*stall*)	if mkdir "$PDP_PATH.tried" 2>/dev/null; then sleep "$2"; fi ;;
	esac
	exec sed 's/$/	1/'
	EOF
	chmod +x fault.sh
}

# clean_run: `clean`, the sorted output of a run without faults (a plain
# sed over the inputs of `list`), checked against the files themselves.
clean_run() {
	pdp-map -j2 exec sed 's/$/	1/' < list | LC_ALL=C sort > clean
	xargs cat < list | sed 's/$/	1/' | LC_ALL=C sort > clean.lines
	cmp -s clean clean.lines || { diff clean clean.lines >&2; return 1; }
}

# make_crash_plugin DIR: DIR/crash.so, a plugin that counts each line and
# segfaults on an input whose path ends with bad.txt (needs cc).
make_crash_plugin() {
	cat > "$1/crash.c" <<-'EOF'
	#include <string.h>
	#include "pdp.h"
	static int map(struct pdp_ctx *ctx, const char *d, size_t l, int f)
	{
		size_t n = strlen(ctx->path);
		(void)f;
		if (n >= 7 && strcmp(ctx->path + n - 7, "bad.txt") == 0)
			*(volatile int *)0 = 0;
		for (size_t i = 0; i < l; ) {
			const char *nl = memchr(d + i, '\n', l - i);
			size_t e = nl ? (size_t)(nl - d) : l;
			if (ctx->count(ctx, d + i, e - i, 1) < 0)
				return -1;
			i = e + 1;
		}
		return 0;
	}
	const struct pdp_mapper pdp_mapper = { .abi = PDP_ABI_VERSION, .name = "crash",
	    .synopsis = "", .minargs = 0, .maxargs = 0, .map = map };
	EOF
	cc -std=c11 -fPIC -shared -I"$BATS_TEST_DIRNAME/../lib" -o "$1/crash.so" "$1/crash.c"
}

# merge_splits OPS FILE: pdp-reduce OPS of FILE cut into 1, 2 and 7
# round-robin splits, each --partial, then --merge (and --merge --partial,
# the parts in reverse) gives one run's output and states byte for byte.
merge_splits() {
	local ops=$1 file=$2 k f
	pdp-reduce "$ops" "$file" > one
	pdp-reduce --partial "$ops" "$file" > one.st
	for k in 1 2 7; do
		rm -f part.*
		split -n r/$k "$file" part.
		for f in part.*; do pdp-reduce --partial "$ops" "$f" > "$f.st"; done
		pdp-reduce --merge "$ops" part.*.st > m
		cmp m one || fail "--merge of $k splits differs"
		pdp-reduce --merge --partial "$ops" $(ls -r part.*.st) > m.st
		cmp m.st one.st || fail "--merge --partial of $k splits differs"
	done
}
