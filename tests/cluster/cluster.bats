#!/usr/bin/env bats
# The examples of examples/cluster on three hosts, as started by
# tests/cluster/run.sh (make check-cluster), which runs this file on
# the controller with PDP_CLUSTER_DIR, CLUSTER_HOSTS, PARALLEL_SSH and
# SLURM_CONF set.  The answer is the bytes of the one-machine run on
# the same corpus ($PDP_CLUSTER_DIR/want).

load ../helper

EX="$BATS_TEST_DIRNAME/../../examples/cluster"
W=$PDP_CLUSTER_DIR
# A file that every pdp-map fails to read, even as root: reading
# /proc/self/mem at offset 0 is an I/O error.
BAD=/proc/self/mem

@test "cluster: parallel over ssh on 3 hosts: the one-machine result" {
	run --separate-stderr "$EX/parallel-ssh.sh" "$CLUSTER_HOSTS" "$W/corpus"
	assert_status 0
	printf '%s\n' "$output" > got
	assert_files_equal "$W/want" got
}

@test "cluster: parallel over ssh: each host ran one shard, on itself" {
	run --separate-stderr parallel --will-cite -S "$CLUSTER_HOSTS" -j1 \
	    'echo {#} $(hostname)' ::: 1 2 3
	assert_status 0
	output=$(printf '%s\n' "$output" | sort)
	[ "$(printf '%s\n' "$output" | cut -d ' ' -f 2 | sort -u | wc -l)" -eq 3 ] ||
	    fail "the 3 jobs did not run on 3 hosts"
}

@test "cluster: parallel over ssh: a failed pdp-map fails the run" {
	run --separate-stderr "$EX/parallel-ssh.sh" h1 "$BAD"
	[ "$status" -ne 0 ] || fail "exit status 0 despite a failed pdp-map"
	assert_no_signal
	assert_stderr_contains "pdp-map: $BAD: read error: Input/output error"
}

@test "cluster: Slurm array of 3 and a merge job: the one-machine result" {
	CPUS=$(getconf _NPROCESSORS_ONLN) \
	    run --separate-stderr "$EX/slurm-array.sh" 3 "$W/corpus" out
	assert_status 0
	assert_files_equal "$W/want" out/counts
	# One task on each node (-c with all its CPUs takes a whole node).
	array=$(sed -n 's/^array job //p' <<< "$stderr")
	nodes=$(scontrol show job "$array" | sed -n 's/^ *NodeList=//p' | sort -u)
	[ "$(printf '%s\n' "$nodes" | wc -l)" -eq 3 ] ||
	    fail "the array ran on: $nodes"
}

@test "cluster: Slurm: a failed pdp-map is a FAILED task, the merge never runs" {
	run --separate-stderr "$EX/slurm-array.sh" 1 "$BAD" out
	[ "$status" -ne 0 ] || fail "exit status 0 despite a failed task"
	assert_no_signal
	array=$(sed -n 's/^array job //p' <<< "$stderr")
	state=$(scontrol show job "$array" | sed -n 's/^ *JobState=\([A-Z_]*\).*/\1/p')
	[ "$state" = FAILED ] || fail "array task state: $state"
	grep -q "pdp-map: $BAD: read error" out/task-1.log ||
	    fail "task log: $(cat out/task-1.log)"
	[ ! -e out/counts ] || fail "a merged result despite the failed task"
}
