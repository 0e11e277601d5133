# The main job under Spark with RDD.pipe (documented, not run by the
# tests: Spark cannot be installed on the test machines).  pdp must be
# installed on every executor; mapper.sh, combiner.sh and reducer.sh
# are this directory's.
#   spark-submit --files mapper.sh,combiner.sh,reducer.sh \
#       spark-pipe.py INPUT OUTPUT [PARTITIONS]
# Each partition of lines goes through one mapper.sh process and its
# output through combiner.sh; the words are then partitioned and sorted
# by word, and each partition goes through reducer.sh.  A command that
# exits non-zero fails its task.
import sys
from pyspark import SparkContext

sc = SparkContext(appName="pdp-wordfreq")
src, dst = sys.argv[1], sys.argv[2]
parts = int(sys.argv[3]) if len(sys.argv) > 3 else 3

counts = (sc.textFile(src)
          .pipe("./mapper.sh")
          .pipe("./combiner.sh")
          .map(lambda line: tuple(line.split("\t", 1)))
          .repartitionAndSortWithinPartitions(parts)
          .map(lambda kv: kv[0] + "\t" + kv[1])
          .pipe("./reducer.sh"))
counts.saveAsTextFile(dst)
