#!/usr/bin/env bash
# tests/soak.sh: the fault harness of pdp-map --joblog/--resume.  One
# round: a corpus and an input list made from SEED, a clean run, then a
# run killed at a random point (SIGKILL, SIGTERM or SIGHUP), resumed,
# killed again maybe, and resumed until it ends; the output must then be
# exactly the clean run's: no input lost, doubled or cut.  No process
# and no temporary file may be left behind.
#
#   usage: tests/soak.sh [-m MODE] [-t SECONDS] SEED...
#     MODE: plain, keep (-k), combine (--combine sum), split (--split),
#           dup (paths listed twice), exec (a command per input), gz
#           (half the files gzipped), or random (default: one chosen by
#           the seed)
#     -t SECONDS: run rounds from the first SEED on until that long
#           has passed (make soak), instead of one round per SEED
#   environment: PDP_BIN (the programs), PDP_TOOLS (gencorpus; default
#   PDP_BIN), SOAK_DIR (work directory, default a new one under TMPDIR,
#   removed at the end)
#
# Prints one line per round and exits 1 at the first round that fails,
# keeping its directory for a look.
set -u
export LC_ALL=C
mode=random
limit=0
while getopts m:t: o; do
	case $o in
	m) mode=$OPTARG ;;
	t) limit=$OPTARG ;;
	*) echo "usage: $0 [-m MODE] [-t SECONDS] SEED..." >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: $0 [-m MODE] [-t SECONDS] SEED..." >&2; exit 2; }
bin=${PDP_BIN:-$(cd "$(dirname "$0")/../build" && pwd)}
tools=${PDP_TOOLS:-$bin}
export PATH="$bin:$PATH"
top=${SOAK_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/pdp-soak.XXXXXX")}
mkdir -p "$top"
modes=(plain keep combine split dup exec gz)

# rnd N: R, a number in [0, N) from the round's generator (not in a
# subshell, whose generator would not advance this one's).
rnd() {
	R=$(( RANDOM % $1 ))
}

# corpus DIR: 20 to 100 files of 4 to 24 MB in all, made by gencorpus
# from the round's generator.
corpus() {
	local n size
	rnd 81
	n=$(( 20 + R ))
	rnd 21
	size=$(( 4 + R ))
	rnd 1000000
	"$tools/gencorpus" -f "$n" -s "${size}M" -w 5000 -S "$R" "$1" > /dev/null
}

# opts MODE: pdp-map's options and mapper for MODE.
opts() {
	case $1 in
	plain|dup|gz) echo "-j2 wordfreq" ;;
	keep) echo "-j2 -k wordfreq" ;;
	combine) echo "-j2 --combine sum wordfreq" ;;
	split) echo "-j2 --split 4k wordfreq" ;;
	exec) echo "-j2 exec ./slow.sh" ;;
	esac
}

# leftovers DIR: pdp-map processes of this round, or temporary files.
leftovers() {
	local d=$1 pid
	for pid in $(pgrep -x pdp-map); do
		{ tr '\0' '\n' < "/proc/$pid/environ"; } 2>/dev/null |
		    grep -qxF "PDP_SOAK=$d" && echo "process $pid"
	done
	ls -A "$d/tmp"
}

# round SEED: one round; 0 if it held.
round() {
	local seed=$1 m=$mode d sig kills=0 st o delay
	local sigs=(KILL TERM HUP)
	RANDOM=$seed
	rnd ${#modes[@]}
	[ "$m" = random ] && m=${modes[$R]}
	d=$top/$seed-$m
	rm -rf "$d"
	mkdir -p "$d/tmp"
	(
	RANDOM=$seed
	cd "$d" || exit 1
	export TMPDIR=$d/tmp PDP_SOAK=$d
	corpus c
	rnd 5
	printf '#!/bin/sh\nsleep 0.0%d\nexec tr -s " " "\\n"\n' "$R" > slow.sh
	chmod +x slow.sh
	if [ "$m" = gz ]; then
		find c -name '*[02468].txt' -exec gzip {} +
	fi
	pdp-find c > list
	if [ "$m" = dup ]; then
		# Overlapping operands: the files of one directory twice.
		pdp-find -n '*.txt' "c/$(ls c | head -n 1)" >> list
	fi
	o=$(opts "$m")
	# The clean run, and how long it takes (a second time, warm).
	pdp-map $o < list > clean || { echo "clean run failed"; exit 1; }
	t0=$(date +%s%N)
	pdp-map $o < list > /dev/null
	t1=$(date +%s%N)
	span=$(( (t1 - t0) / 1000000 + 1 ))
	rm -f j out
	: > out
	# Killed at random points, then resumed until a run ends.
	first=1
	while :; do
		args=(--joblog j)
		[ "$first" = 1 ] || args+=(--resume)
		# A background job of a script ignores SIGINT: in its own
		# job (set -m), it is killed as at a terminal.
		pdp-map "${args[@]}" $o < list >> out 2>> err &
		pid=$!
		rnd 4
		if [ $kills -lt 3 ] && [ "$R" -ne 0 ]; then
			rnd $(( span * 9 / 10 + 1 ))
			delay=$R
			sleep "$(awk -v ms="$R" 'BEGIN { printf "%.3f", ms / 1000 }')"
			rnd 3
			sig=${sigs[$R]}
			if kill -s "$sig" "$pid" 2>/dev/null; then
				kills=$((kills + 1))
				echo "SIG$sig at $delay ms" >> runs
			else
				echo "SIG$sig at $delay ms: too late" >> runs
			fi
		fi
		st=0
		wait "$pid" || st=$?
		echo "run: exit $st" >> runs
		first=0
		[ "$st" -eq 0 ] && break
		case $st in
		129|137|143) ;;	# killed as asked
		*) echo "a run exited $st:"; tail -n 5 err; exit 1 ;;
		esac
	done
	# Exactly the clean run's records: in the same order with -k,
	# summed alike with --combine, else the same lines.
	case $m in
	keep) cmp -s clean out || { echo "-k output differs"; exit 1; } ;;
	combine) cmp -s <(pdp-reduce sum clean) <(pdp-reduce sum out) ||
	    { echo "reduced sums differ"; exit 1; } ;;
	*) cmp -s <(sort clean) <(sort out) || { echo "records differ"; exit 1; } ;;
	esac
	left=$(leftovers "$d")
	[ -z "$left" ] || { echo "left behind: $left"; exit 1; }
	echo "$kills kills in $span ms ($(grep -v '^run' runs | tr '\n' ',' | sed 's/,$//'))"
	) > "$d.result" 2>&1
	st=$?
	if [ $st -eq 0 ]; then
		echo "ok seed $seed mode $m: $(tail -n 1 "$d.result"), output whole"
		rm -rf "$d" "$d.result"
		return 0
	fi
	echo "FAIL seed $seed mode $m: $(cat "$d.result") (kept in $d)"
	return 1
}

status=0
if [ "$limit" -gt 0 ]; then
	end=$(( $(date +%s) + limit ))
	seed=$1
	n=0
	while [ "$(date +%s)" -lt "$end" ]; do
		round "$seed" || { status=1; break; }
		seed=$((seed + 1))
		n=$((n + 1))
	done
	echo "$n rounds"
else
	for seed in "$@"; do
		round "$seed" || { status=1; break; }
	done
fi
[ $status -eq 0 ] && [ -z "${SOAK_DIR:-}" ] && rm -rf "$top"
exit $status
