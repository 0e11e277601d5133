#!/bin/sh
# Hadoop Streaming reducer: word<TAB>count lines sorted by word, as the
# shuffle delivers them; each word's total is written as soon as its
# group ends, in constant memory.
PATH=${PDP_BIN:+$PDP_BIN:}$PATH
exec pdp-reduce --sorted sum
