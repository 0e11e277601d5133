#!/usr/bin/env bash
# One machine's share of the main job: the partial word counts of shard
# I of N of the files under DIR, as pdp-reduce --partial states.
#   shard.sh I N DIR
# Run on every host (by parallel-ssh.sh, or as a task of slurm-array.sh)
# with the same N and DIR, I from 1 to N; the outputs, concatenated in
# any order, go to pdp-reduce --merge sum.  DIR must name the same files
# on every host, by the same path: a shared file system or local copies.
# PDP_BIN, if set, is the directory of the pdp programs.
set -euo pipefail	# a failed pdp-find or pdp-map fails the task
[ $# -eq 3 ] || { echo "usage: shard.sh I N DIR" >&2; exit 2; }
PATH=${PDP_BIN:+$PDP_BIN:}$PATH
pdp-find --shard "$1/$2" "$3" | pdp-map wordfreq | pdp-reduce --partial sum
