#!/bin/sh
# Reduce-only benchmark: pdp-reduce sum against mawk and sort | datamash,
# run alternately, three times each; prints median wall time, rows/s and
# peak RSS.  usage: tests/bench/reduce.sh FILE [pdp-reduce options]
set -eu
file=$1
shift
bin=${PDP_BIN:-$(dirname "$0")/../../build}
rows=$(wc -l < "$file")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

run() {	# name command...: append "wall rss" to $tmp/name
	name=$1
	shift
	/usr/bin/time -f '%e %M' -o "$tmp/t" sh -c "$*" > /dev/null
	cat "$tmp/t" >> "$tmp/$name"
}

peers="pdp"
command -v mawk > /dev/null && peers="$peers mawk" || echo "mawk: skipped (Debian: mawk)"
command -v datamash > /dev/null && peers="$peers datamash" ||
    echo "datamash: skipped (Debian: datamash)"
for i in 1 2 3; do
	for p in $peers; do
		case $p in
		pdp) run pdp "$bin/pdp-reduce $* sum < $file" ;;
		mawk) run mawk "mawk -F'\t' '{ s[\$1] += \$2 } END { for (k in s) print k \"\t\" s[k] }' $file" ;;
		datamash) run datamash "LC_ALL=C sort -t'	' -k1,1 -S 25% $file | datamash -g1 sum 2" ;;
		esac
	done
done
printf '%-10s %10s %14s %12s\n' peer 'wall (s)' 'rows/s' 'peak RSS MB'
for p in $peers; do
	sort -n "$tmp/$p" | sed -n 2p | awk -v p="$p" -v rows="$rows" '{
	    printf "%-10s %10.2f %14.0f %12.1f\n", p, $1, rows / ($1 > 0 ? $1 : 0.01), $2 / 1024 }'
done
