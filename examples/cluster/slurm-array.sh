#!/usr/bin/env bash
# The main job as a Slurm array: task I of N counts the words of shard I
# of DIR into OUT/part.I, on the shared file system; a job that depends
# on the whole array (afterok) merges them into OUT/counts.
#   slurm-array.sh N DIR OUT
# Waits for the merge and exits with its status: non-zero if a task
# failed (the merge job is then cancelled, never run on missing parts).
# CPUS (default 2) is each task's -c; pdp-map uses that many workers.
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: slurm-array.sh N DIR OUT" >&2; exit 2; }
n=$1
dir=$2
out=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
rm -f "$out"/part.* "$out"/counts "$out"/counts.tmp

array=$(sbatch --parsable --job-name=pdp-shard --array="1-$n" -N1 -n1 \
    -c "${CPUS:-2}" -o "$out/task-%a.log" \
    --wrap="exec $here/shard.sh \$SLURM_ARRAY_TASK_ID $n $dir > $out/part.\$SLURM_ARRAY_TASK_ID")
echo "array job $array" >&2
# --kill-on-invalid-dep: a failed task cancels the merge rather than
# leaving it pending for ever.  The merge writes counts whole or not at
# all.  PDP_BIN, if set, goes with the rest of the environment.
sbatch --parsable --wait --job-name=pdp-merge -d "afterok:$array" \
    --kill-on-invalid-dep=yes -o "$out/merge.log" \
    --wrap="cat $out/part.* | ${PDP_BIN:+$PDP_BIN/}pdp-reduce --merge sum > $out/counts.tmp && mv $out/counts.tmp $out/counts" >/dev/null || true
# sbatch --wait does not fail for a job cancelled before it ran.
if [ ! -e "$out/counts" ]; then
	echo "slurm-array.sh: no result: a task of array job $array failed" \
	    "(see $out/task-*.log and scontrol show job $array)" >&2
	exit 1
fi
