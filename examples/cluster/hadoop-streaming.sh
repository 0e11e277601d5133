#!/bin/sh
# The main job under Hadoop Streaming (documented, not run by the tests:
# Hadoop cannot be installed on the test machines; tests/streaming.bats
# runs these same mapper.sh, combiner.sh and reducer.sh through a
# simulation of the contract: splits, map, combine, sort, partitioned
# reduce).  pdp must be installed on every node.
#   hadoop-streaming.sh INPUT OUTPUT [REDUCERS]
# INPUT holds text files; OUTPUT/part-* are word<TAB>count lines, each
# part sorted by word.  A mapper that exits non-zero fails its task,
# which Hadoop tries again.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
exec hadoop jar "${HADOOP_STREAMING_JAR:-$HADOOP_HOME/share/hadoop/tools/lib/hadoop-streaming.jar}" \
    -D mapreduce.job.reduces="${3:-3}" \
    -D stream.num.map.output.key.fields=1 \
    -files "$here/mapper.sh,$here/combiner.sh,$here/reducer.sh" \
    -input "$1" -output "$2" \
    -mapper mapper.sh -combiner combiner.sh -reducer reducer.sh
