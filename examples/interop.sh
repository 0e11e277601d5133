#!/bin/sh
# pdp's stages mixed with the classic tools.
#   examples/interop.sh DIR
set -eu
dir=${1:-.}

# find and xargs conventions: NUL-separated paths in, records out.
find "$dir" -name '*.txt' -print0 | pdp-map -0 wc | pdp-reduce sum

# Lines that mention "error", most frequent first, with sort and head.
pdp-find "$dir" | pdp-map grep 'error' | pdp-reduce sum |
    sort -t "$(printf '\t')" -k2,2nr | head -5

# Bigrams per file with --tag, then awk keeps the files' top bigram.
pdp-find "$dir" | pdp-map --tag ngrams 2 |
    pdp-reduce -k 1,2 -f 3 sum | sort -t "$(printf '\t')" -k1,1 -k3,3nr |
    awk -F '\t' '$1 != last { print $1 "\t" $2 "\t" $3; last = $1 }' | head -3

# Several statistics of word counts at once.
pdp-find "$dir" | pdp-map wordfreq | pdp-reduce sum | cut -f2 |
    awk '{ print "all\t" $1 }' | pdp-reduce count,sum,mean,min,max
