#!/bin/sh
# The main job: the 20 most frequent words under a directory.
#   examples/wordfreq.sh DIR
set -eu
pdp-find "${1:-.}" | pdp-map wordfreq | pdp-reduce --top 20 sum
