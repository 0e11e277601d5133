#!/bin/sh
# Web server logs as logrotate leaves them (access.log, access.log.1,
# then access.log.2.gz ...): the requests per status code, and the ten
# client addresses that made the most.  pdp-map reads the gzipped ones
# decompressed, as zgrep would (it decodes gzip itself, in its workers).
#   examples/logs.sh [DIR]   (no DIR: a sample of 8 rotated logs is made)
set -eu
dir=${1:-}
if [ -z "$dir" ]; then
	dir=$(mktemp -d "${TMPDIR:-/tmp}/pdp-logs.XXXXXX")
	trap 'rm -rf "$dir"' EXIT
	# Combined log format; a few busy clients, mostly 200s.
	for i in 0 1 2 3 4 5 6 7; do
		awk -v seed="$i" 'BEGIN {
			srand(seed)
			split("200 200 200 200 200 304 404 500 301 200", code, " ")
			for (n = 0; n < 5000; n++) {
				c = int(rand() * rand() * 40)
				printf "10.0.%d.%d - - [0%d/Dec/2026:10:%02d:00 +0000] \"GET /p%d HTTP/1.1\" %s %d \"-\" \"curl/8\"\n",
				    c % 7, c, 1 + seed % 9, n % 60, n % 13,
				    code[1 + int(rand() * 10)], int(rand() * 9000)
			}
		}' > "$dir/access.log.$i"
	done
	mv "$dir/access.log.0" "$dir/access.log"
	gzip "$dir"/access.log.[2-7]
fi
echo "requests by status code:"
pdp-find -n 'access.log*' "$dir" |
    pdp-map exec awk '{ print $9 "\t1" }' | pdp-reduce sum
echo "the ten busiest clients:"
pdp-find -n 'access.log*' "$dir" |
    pdp-map exec awk '{ print $1 "\t1" }' | pdp-reduce --top 10 sum
