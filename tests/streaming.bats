#!/usr/bin/env bats
# The Hadoop Streaming / Spark RDD.pipe contract, simulated: the example
# mapper, combiner and reducer of examples/cluster, run over input
# splits with a sort between them, give the bytes of the one-machine
# pdp-find | pdp-map | pdp-reduce.

load helper

EX="$BATS_TEST_DIRNAME/../examples/cluster"

# The input of the streaming job: the corpus's files concatenated (each
# ends with a newline), cut into 4 splits of whole lines.
splits() {
	gencorpus -f 40 -s 2M -S 7 corpus >/dev/null
	pdp-find -0 -s name corpus | xargs -0 cat > input
	split -n l/4 -d input split.
	[ "$(ls split.* | wc -l)" -eq 4 ]
}

# streaming R COMBINE MAPPER...: each split through MAPPER (and
# combiner.sh if COMBINE is 1), as a map task each, the map outputs
# sorted and cut into R partitions by key, each partition through
# reducer.sh; the parts merged into result.  Fails as the first failed
# task does.
streaming() {
	local r=$1 combine=$2 s p
	shift 2
	for s in split.??; do
		"$@" < "$s" > "$s.map" || return
		if [ "$combine" -eq 1 ]; then
			"$EX/combiner.sh" < "$s.map" > "$s.out" || return
		else
			mv "$s.map" "$s.out"
		fi
	done
	rm -f part.*
	cat split.??.out | LC_ALL=C sort |
	    awk -F '\t' -v r="$r" '{ print > ("part." (length($1) % r)) }'
	for p in part.?; do
		"$EX/reducer.sh" < "$p" > "$p.out" || return
	done
	LC_ALL=C sort -m part.?.out > result
}

@test "streaming: mapper, combiner, sort, 3 reducers: the one-machine result" {
	splits
	pdp-find corpus | pdp-map wordfreq | pdp-reduce sum > want
	[ "$(wc -l < want)" -gt 1000 ]
	run --separate-stderr streaming 3 1 "$EX/mapper.sh"
	assert_status 0
	assert_stderr_empty
	assert_files_equal want result
}

@test "streaming: no combiner, one reducer: the one-machine result" {
	splits
	pdp-find corpus | pdp-map wordfreq | pdp-reduce sum > want
	run --separate-stderr streaming 1 0 "$EX/mapper.sh"
	assert_status 0
	assert_stderr_empty
	assert_files_equal want result
}

@test "streaming: a mapper that fails fails its task" {
	splits
	run --separate-stderr streaming 3 1 \
	    pdp-map --pipe exec sh -c 'exit 3'
	assert_status 1
	assert_no_signal
	assert_stderr_contains "pdp-map: stdin block 1: sh exited with status 3"
	[ ! -e result ] || fail "a result despite the failed mapper"
}

@test "streaming: a reducer given unsorted input fails its task" {
	printf 'b\t1\na\t2\n' > part
	run --separate-stderr "$EX/reducer.sh" < part
	assert_status 2
	assert_stderr_contains "input is not sorted"
}
