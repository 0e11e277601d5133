#!/bin/sh
# The main job on real text: the 20 most frequent words of the
# documentation on this machine (/usr/share/doc and its licenses: plain,
# gzipped and binary files side by side), or of a corpus made here where
# there is none.  make demo runs it with the programs of build/.
#   examples/demo.sh [DIR...]
set -eu
if [ $# -eq 0 ]; then
	for d in /usr/share/doc /usr/share/common-licenses; do
		[ -d "$d" ] && set -- "$@" "$d"
	done
fi
if [ $# -eq 0 ]; then
	dir=${TMPDIR:-/tmp}/pdp-demo.$$
	trap 'rm -rf "$dir"' EXIT
	gencorpus -f 200 -s 4M -S 1 "$dir" > /dev/null
	set -- "$dir"
fi
stats=${TMPDIR:-/tmp}/pdp-demo-stats.$$
trap 'rm -f "$stats"; [ -z "${dir:-}" ] || rm -rf "$dir"' EXIT
echo "pdp-find $* | pdp-map --combine sum wordfreq | pdp-reduce --top 20 sum"
echo "  (--combine sum: each worker adds up the counts of all its files, so one"
echo "  table a worker crosses the pipe, not one a file; gzipped files are"
echo "  decoded in the workers, binary ones skipped)"
t0=$(date +%s%N)
pdp-find "$@" | pdp-map -q --stats --combine sum wordfreq 2> "$stats" |
    pdp-reduce --top 20 sum > "$stats.top"
t1=$(date +%s%N)
# pdp-map: inputs N, succeeded N, failed N, skipped (binary) N, bytes N, ...
awk -v ns=$((t1 - t0)) '
function commas(n,   s) {
	s = sprintf("%d", n)
	while (s ~ /[0-9][0-9][0-9][0-9]/)
		sub(/[0-9][0-9][0-9]($|,)/, ",&", s)
	return s
}
/^pdp-map: inputs / {
	gsub(/,/, "")
	for (i = 1; i <= NF; i++) v[$i] = $(i + 1)
	bin = match($0, /\(binary\) [0-9]+/) ? substr($0, RSTART + 9, RLENGTH - 9) : 0
	printf "pdp: %s files", commas(v["inputs"])
	if (bin) printf " (%s binary, skipped)", commas(bin)
	if (v["failed"]) printf " (%s failed)", commas(v["failed"])
	printf ", %s MB, %.1f s on %d workers\n", commas(v["bytes"] / 1e6), ns / 1e9, v["workers"]
}' "$stats"
grep -v '^pdp-map: inputs ' "$stats" >&2 || true
cat "$stats.top"
rm -f "$stats.top"
