#!/usr/bin/env bash
# The main job over several hosts with GNU parallel and ssh: each host
# counts the words of its shard of DIR, the counts are merged here.
#   parallel-ssh.sh HOSTS DIR > counts
# HOSTS is a comma-separated list of ssh logins (h1,h2,h3); one job goes
# to each.  Each host runs this directory's shard.sh, which must be at
# the same path there (a shared file system; otherwise copy it, or add
# --basefile), with pdp in its PATH or in PDP_BIN.  ssh options come
# from PARALLEL_SSH (as in PARALLEL_SSH='ssh -F config').  The exit
# status is non-zero if any host failed.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: parallel-ssh.sh HOSTS DIR" >&2; exit 2; }
hosts=$1
dir=$2
here=$(cd "$(dirname "$0")" && pwd)
n=$(printf '%s\n' "$hosts" | tr ',' '\n' | grep -c .)
PATH=${PDP_BIN:+$PDP_BIN:}$PATH

# -j1: one job at a time per host, so each host gets one shard ({#} is
# the job's number, from 1).  The output of each job is held by parallel
# and written whole.  --halt now,fail=1: one failed host ends the run.
parallel --will-cite -S "$hosts" -j1 --halt now,fail=1 \
    "${PDP_BIN:+PDP_BIN=$PDP_BIN} $here/shard.sh {#} $n $dir" ::: $(seq "$n") |
    pdp-reduce --merge sum
