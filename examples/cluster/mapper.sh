#!/bin/sh
# Hadoop Streaming mapper, Spark RDD.pipe command: lines of text on
# stdin, word<TAB>count lines on stdout (counted per block).
PATH=${PDP_BIN:+$PDP_BIN:}$PATH
exec pdp-map --pipe wordfreq
