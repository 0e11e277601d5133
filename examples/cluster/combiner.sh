#!/bin/sh
# Hadoop Streaming combiner: one word<TAB>count line per word of a map
# task's output, so that less goes through the shuffle.
PATH=${PDP_BIN:+$PDP_BIN:}$PATH
exec pdp-reduce sum
