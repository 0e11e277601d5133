#!/usr/bin/env bats
# pdp-map's default -j: the CPUs it is given (affinity, cgroup v2 quota,
# Slurm allocation), seen from the workers that -v names.

load helper

# workers_used [CMD ARG...]: run 4 slow tasks under CMD pdp-map -v (no
# -j) and print the highest worker number used.  Each task sleeps, so
# that every worker there is gets one.
workers_used() {
	local i
	mkdir -p in
	for i in 1 2 3 4; do echo x > "in/$i.txt"; done
	pdp-find in | "$@" pdp-map -v exec sh -c 'sleep 0.3' 2> log || return
	sed -n 's/.* worker \([0-9]*\):.*/\1/p' log | sort -n | tail -n 1
}

# The workers that 4 tasks can use without a limit.
ncpu() {
	local n
	n=$(getconf _NPROCESSORS_ONLN)
	[ "$n" -gt 4 ] && n=4
	echo "$n"
}

@test "pdp-map -j default: SLURM_CPUS_PER_TASK=1 gives one worker" {
	run workers_used env SLURM_CPUS_PER_TASK=1
	assert_status 0
	assert_output_equals 1
}

@test "pdp-map -j default: an unusable SLURM_CPUS_PER_TASK is ignored" {
	[ "$(ncpu)" -gt 1 ] || skip "one CPU: nothing to tell apart"
	for bad in 0 x -1 '' 99999; do
		run workers_used env SLURM_CPUS_PER_TASK="$bad"
		assert_status 0
		assert_output_equals "$(ncpu)"
	done
}

@test "pdp-map -j default: taskset -c 0 gives one worker; -j overrides it" {
	command -v taskset >/dev/null || skip "no taskset"
	run workers_used taskset -c 0
	assert_status 0
	assert_output_equals 1
	run workers_used env SLURM_CPUS_PER_TASK=1 taskset -c 0 \
	    sh -c 'exec "$0" -j 3 "$@"'
	assert_status 0
	assert_output_equals 3
}

# cgroup_run CPU.MAX: workers_used with /sys/fs/cgroup replaced, in a
# private mount namespace, by a directory whose cpu.max holds CPU.MAX.
cgroup_run() {
	printf '%s\n' "$1" > cpu.max
	workers_used unshare --mount sh -c '
		mount -t tmpfs none /sys/fs/cgroup &&
		cp cpu.max /sys/fs/cgroup/cpu.max &&
		exec "$0" "$@"'
}

@test "pdp-map -j default: the cgroup v2 CPU quota, rounded up" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to mount over /sys/fs/cgroup"
	command -v unshare >/dev/null || skip "no unshare"
	grep -q '^0::/$' /proc/self/cgroup ||
	    skip "not in the root of a cgroup v2 hierarchy or namespace"
	unshare --mount sh -c 'mount -t tmpfs none /sys/fs/cgroup' ||
	    skip "cannot mount a tmpfs over /sys/fs/cgroup here"
	run cgroup_run "50000 100000"
	assert_status 0
	assert_output_equals 1
	[ "$(ncpu)" -gt 1 ] || skip "one CPU: the quotas above one CPU cannot be told apart"
	run cgroup_run "max 100000"
	assert_status 0
	assert_output_equals "$(ncpu)"
	run cgroup_run "150000 100000"
	assert_status 0
	assert_output_equals 2
	run cgroup_run "garbage"
	assert_status 0
	assert_output_equals "$(ncpu)"
}

# jobs_used SPEC: the highest worker number of 6 slow tasks with -j SPEC,
# on one CPU (taskset), so that the CPU count is 1.
jobs_used() {
	local i
	mkdir -p in
	for i in 1 2 3 4 5 6; do echo x > "in/$i.txt"; done
	pdp-find in | taskset -c 0 pdp-map -v -j "$1" exec sh -c 'sleep 0.3' 2> log || return
	sed -n 's/.* worker \([0-9]*\):.*/\1/p' log | sort -n | tail -n 1
}

@test "pdp-map -j as GNU parallel takes it: N, N%, +N, -N, and 0 for one per CPU; at least 1" {
	command -v taskset > /dev/null || skip "taskset is not installed (apt-get install util-linux)"
	for spec in 0:1 3:3 50%:1 200%:2 250%:3 +2:3 -1:1 -5:1 +0:1; do
		run jobs_used "${spec%%:*}"
		assert_status 0
		assert_output_equals "${spec#*:}"
	done
	run --separate-stderr pdp-map -j 5%x wc < /dev/null
	assert_status 2
	assert_stderr_equals "pdp-map: invalid number of jobs '5%x' (N, N%, +N, -N or 0: one per CPU)"
}
