#!/usr/bin/env bats
# pdp-reduce on tables: -t, -W, --csv, headers and names, --no-key, -C,
# --narm, against Python's csv module and datamash where they can say.

load helper

need_datamash() {
	command -v datamash > /dev/null || skip "datamash is not installed (apt-get install datamash)"
}

@test "-t, with a header in each file of a glob: fields by name, as a Python reference sums them" {
	python3 - <<'EOF'
import random
r = random.Random(3)
tot = {}
for m in range(1, 13):
    with open("sales-%02d.csv" % m, "w") as f:
        f.write("date,region,qty,price\n")
        for i in range(500):
            reg = r.choice(["north", "south", "east", "west", "a\\b"])
            q = r.randrange(-5, 100)
            f.write("2024-%02d-01,%s,%d,%d\n" % (m, reg, q, r.randrange(1, 9)))
            t = tot.setdefault(reg, [0, 0])
            t[0] += q
            t[1] += 1
with open("want", "w") as f:
    for k in sorted(tot, key=lambda k: k.replace("\\", "\\\\").encode()):
        f.write("%s\t%d\t%d\n" % (k.replace("\\", "\\\\"), tot[k][0], tot[k][1]))
EOF
	run --separate-stderr pdp-reduce -t, --header-in -k region sum:qty,count sales-*.csv
	assert_status 0
	assert_stderr_empty
	printf '%s\n' "$output" > got
	assert_files_equal want got
	# The same by number, and -f by name.
	run --separate-stderr pdp-reduce -t , --header-in -k 2 -f qty sum,count sales-*.csv
	assert_status 0
	printf '%s\n' "$output" > got
	assert_files_equal want got
	# A backslash in a table is a byte: the key is written escaped.
	assert_output_contains "$(printf 'a\\\\b\t')"
}

@test "--header-in -k NAME of a later field: the same groups as -k N, in every batch and file" {
	# The first field is hashed ahead for the lookups while no header
	# has named another key: a header naming the third must change that
	# from its own batch of records on.
	awk 'BEGIN { print "id\tx\tgrp\tv"; for (i = 0; i < 5000; i++) print "r" i "\tx\tg" i % 37 "\t" i }' > a.tsv
	awk 'BEGIN { print "id\tx\tgrp\tv"; for (i = 0; i < 3000; i++) print "s" i "\tx\tg" i % 41 "\t" i }' > b.tsv
	{ tail -n +2 a.tsv; tail -n +2 b.tsv; } > nohdr.tsv
	pdp-reduce -k 3 count,sum:4 nohdr.tsv > want
	[ "$(wc -l < want)" -eq 41 ]
	run --separate-stderr pdp-reduce --header-in -k grp count,sum:v a.tsv b.tsv
	assert_status 0
	assert_output_equals "$(cat want)"
	# The first field named: the hashed path, the same as -k 1.
	pdp-reduce -k 1 sum:4 nohdr.tsv > want1
	run --separate-stderr pdp-reduce --header-in -k id sum:v a.tsv b.tsv
	assert_status 0
	assert_output_equals "$(cat want1)"
}

@test "-H: datamash's header line; --header-out names field-N without a header" {
	printf 'region\tqty\tprice\nnorth\t2\t1.5\nsouth\t3\t2\nnorth\t4\t0.5\n' > s.tsv
	run --separate-stderr pdp-reduce -H -k region sum:qty,mean:price,count s.tsv
	assert_status 0
	assert_output_equals "$(printf 'GroupBy(region)\tsum(qty)\tmean(price)\tcount\nnorth\t6\t1\t2\nsouth\t3\t2\t1')"
	tail -n +2 s.tsv > n.tsv
	run --separate-stderr pdp-reduce --header-out sum:2 n.tsv
	assert_status 0
	assert_output_equals "$(printf 'GroupBy(field-1)\tsum(field-2)\nnorth\t6\nsouth\t3')"
	# A header and no data: the header line alone, as datamash; no input:
	# nothing.  With --sorted: the same.
	head -n 1 s.tsv > h.tsv
	run --separate-stderr pdp-reduce -H -k region sum:qty h.tsv
	assert_status 0
	assert_output_equals "$(printf 'GroupBy(region)\tsum(qty)')"
	run --separate-stderr pdp-reduce -H sum < /dev/null
	assert_status 0
	assert_output_empty
	# -H with --sorted.
	{ head -n 1 s.tsv; tail -n +2 s.tsv | LC_ALL=C sort; } > sorted.tsv
	run --separate-stderr pdp-reduce -H -s -k region sum:qty sorted.tsv
	assert_status 0
	assert_output_equals "$(printf 'GroupBy(region)\tsum(qty)\nnorth\t6\nsouth\t3')"
}

@test "--header-in: a name not in the header, a header that moves it, names without a header, -H with --partial: errors that name them" {
	printf 'region\tqty\nx\t1\n' > a.tsv
	printf 'qty\tregion\n2\ty\n' > b.tsv
	run --separate-stderr pdp-reduce --header-in -k region sum:amount a.tsv
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-reduce: no field 'amount' in the header of a.tsv"
	run --separate-stderr pdp-reduce --header-in -k region sum:qty a.tsv b.tsv
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-reduce: b.tsv: field 'region' is field 2 here, but field 1 in a.tsv"
	run --separate-stderr pdp-reduce -k region sum:qty a.tsv
	assert_status 2
	assert_stderr_equals "pdp-reduce: fields given by name need a header to find them in: --header-in or -H"
	run --separate-stderr pdp-reduce -H --partial sum a.tsv
	assert_status 2
	assert_stderr_contains "pdp-reduce: --partial writes states for --merge: not with a header"
	# Numbered fields may move: only names must agree.
	run --separate-stderr pdp-reduce --header-in sum a.tsv b.tsv
	assert_status 2
	assert_stderr_equals "pdp-reduce: b.tsv:2: sum: not a number 'y'"
}

@test "-j: a big file with a header read in parts gives what one process gives; a bad line's number counts the header" {
	awk 'BEGIN { print "k\tv"; s = 1
		for (i = 0; i < 4500000; i++) {
			s = (s * 48271) % 2147483647
			print "k" s % 5000 "\t" s % 100
		} }' > big.tsv
	[ "$(wc -c < big.tsv)" -gt $((32 << 20)) ] || fail "big.tsv is too small for parts"
	run --separate-stderr pdp-reduce -j1 --header-in -k k sum:v,count big.tsv
	assert_status 0
	printf '%s\n' "$output" > one
	run --separate-stderr pdp-reduce -j4 --header-in -k k sum:v,count big.tsv
	assert_status 0
	printf '%s\n' "$output" > four
	assert_files_equal one four
	tail -n +2 big.tsv | pdp-reduce sum,count > plain
	assert_files_equal one plain
	{ head -n 3000000 big.tsv; printf 'bad\tx\n'; tail -n 1500000 big.tsv; } > bad.tsv
	run --separate-stderr pdp-reduce -j4 --header-in sum bad.tsv
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-reduce: bad.tsv:3000001: sum: not a number 'x'"
}

@test "--csv: quoted separators, doubled quotes, newlines in quotes (LF and CRLF), CRLF: as Python's csv module reads them" {
	python3 - <<'EOF'
import csv, random
r = random.Random(7)
names = ["Smith, J", 'Doe "JD"', "multi\nline", "plain", "tab\there", "back\\slash", "", "crlf", "cr\r\nlf in quotes"]
tot = {}
with open("in.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\r\n")
    w.writerow(["name", "amount", "note"])
    for i in range(3000):
        n = r.choice(names)
        a = r.randrange(-1000, 1000)
        w.writerow([n, a, r.choice(["x", "a,b", 'q"q', "l1\nl2", "l1\r\nl2"])])
        t = tot.setdefault(n, [0, 0])
        t[0] += a
        t[1] += 1
def esc(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
with open("want", "w") as f:
    for k in sorted(tot, key=lambda k: esc(k).encode()):
        f.write("%s\t%d\t%d\n" % (esc(k), tot[k][0], tot[k][1]))
EOF
	run --separate-stderr pdp-reduce --csv --header-in -k name sum:amount,count in.csv
	assert_status 0
	assert_stderr_empty
	printf '%s\n' "$output" > got
	assert_files_equal want got
	# ; as the separator, as spreadsheets write it where , is the decimal
	# point.
	printf 'k;v\n"a;b";1\n"a;b";2\n' > semi.csv
	run --separate-stderr pdp-reduce --csv -t ';' --header-in sum:v semi.csv
	assert_status 0
	assert_output_equals "$(printf 'a;b\t3')"
}

@test "--csv: what RFC 4180 does not allow is an invalid record, named; an open quote at the end is an error" {
	printf 'a,1\nb"x,2\nc,3\n' > q.csv
	run --separate-stderr pdp-reduce --csv sum q.csv
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-reduce: q.csv:2: a quote inside an unquoted field (RFC 4180 quotes the whole field)"
	run --separate-stderr pdp-reduce --csv --invalid=skip sum q.csv
	assert_status 0
	assert_output_equals "$(printf 'a\t1\nc\t3')"
	assert_stderr_contains "pdp-reduce: skipped 1 invalid record (first: q.csv:2: a quote inside an unquoted field"
	printf '"ab"c,1\n' > t.csv
	run --separate-stderr pdp-reduce --csv sum t.csv
	assert_status 2
	assert_stderr_equals "pdp-reduce: t.csv:1: text after a closing quote"
	printf 'a,1\n"b,2\nc,3\n' > u.csv
	for inv in fail skip; do
		run --separate-stderr pdp-reduce --csv --invalid=$inv sum u.csv
		assert_status 2
		assert_output_empty
		assert_stderr_equals "pdp-reduce: u.csv:3: a quoted field is not closed at the end of the file"
	done
	# A ragged line: the field is missing.
	printf 'a,1\nb\n' > r.csv
	run --separate-stderr pdp-reduce --csv sum r.csv
	assert_status 2
	assert_stderr_equals "pdp-reduce: r.csv:2: missing field 2"
}

@test "-W: ps aux's columns by name, as awk sums them" {
	cat > ps.txt <<'EOF'
USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND
root           1  0.0  0.0 167404 11836 ?        Ss   Nov30   0:09 /sbin/init
root           2  0.0  0.0      0     0 ?        S    Nov30   0:00 [kthreadd]
www-data    1204  0.3  1.2 201212 98304 ?        S    Nov30   3:12 nginx: worker process
www-data    1205  0.2  1.1 201212 90112 ?        S    Nov30   2:55 nginx: worker process
   alice    4242 12.5  3.4 998877 276480 pts/0   Rl+  10:01   1:02 python3 job.py --fast
EOF
	run --separate-stderr pdp-reduce -W --header-in -k USER sum:RSS,count ps.txt
	assert_status 0
	awk 'NR > 1 { s[$1] += $6; n[$1]++ } END { for (k in s) print k "\t" s[k] "\t" n[k] }' ps.txt |
	    LC_ALL=C sort > want
	printf '%s\n' "$output" > got
	assert_files_equal want got
	run --separate-stderr pdp-reduce -W -k 0 --header-in sum:%MEM ps.txt
	assert_status 0
	assert_output_equals "5.7"
}

@test "--no-key and -k 0: one line of values; --partial and --merge of 1, 2 and 7 splits give one run's bytes" {
	seq 1 1000 | awk '{ print "k" $1 % 7 "\t" $1 * 1.5 }' > r.tsv
	run --separate-stderr pdp-reduce --no-key sum,count,mean,min,max,var,countunique r.tsv
	assert_status 0
	want=$output
	[ "$want" = "$(printf '750750.0\t1000\t750.75\t1.5\t1500\t187687.5\t1000')" ] || fail "got: $want"
	run --separate-stderr pdp-reduce -k 0 sum,count,mean,min,max,var,countunique r.tsv
	assert_output_equals "$want"
	run --separate-stderr pdp-reduce -s --no-key sum,count,mean,min,max,var,countunique r.tsv
	assert_output_equals "$want"
	for n in 1 2 7; do
		split -n l/$n r.tsv part.
		for p in part.*; do
			pdp-reduce --no-key --partial sum,count,mean,min,max,var,countunique "$p"
		done > states
		rm part.*
		[ "$(wc -l < states)" -eq "$n" ] || fail "$n splits, $(wc -l < states) states"
		run --separate-stderr pdp-reduce --no-key --merge sum,count,mean,min,max,var,countunique states
		assert_status 0
		assert_output_equals "$want"
	done
	# The states alone: no key field.
	run --separate-stderr pdp-reduce --no-key --partial count r.tsv
	assert_output_equals "pdp2:count:1000"
	# A spill keeps one group.
	seq 1 300000 | awk '{ print "k" $1 "\t" $1 }' > many.tsv
	run --separate-stderr pdp-reduce -S 1M --no-key sum,count many.tsv
	assert_status 0
	assert_output_equals "$(printf '45000150000\t300000')"
}

@test "-C skips comment lines (a header is taken first); --sort is accepted" {
	printf '#k\tv\n# a comment\n  ; another\na\t1\n#x\t5\na\t2\n' > c.tsv
	run --separate-stderr pdp-reduce -C --header-in sum c.tsv
	assert_status 0
	assert_output_equals "$(printf 'a\t3')"
	run --separate-stderr pdp-reduce -H -C -k '#k' sum:v c.tsv
	assert_status 0
	assert_output_equals "$(printf 'GroupBy(#k)\tsum(v)\na\t3')"
	run --separate-stderr pdp-reduce --sort -C --header-in sum c.tsv
	assert_output_equals "$(printf 'a\t3')"
	run --separate-stderr pdp-reduce --header-in sum c.tsv
	assert_status 2
	assert_stderr_contains "c.tsv:2: missing field 2"
}

@test "--narm skips NA, N/A and NaN in any case, as datamash --narm" {
	printf 'k\tNA\nk\t1\nk\tnan\nk\tN/A\nk\t2\nk\tNaN\nj\tna\n' > n.tsv
	run --separate-stderr pdp-reduce --narm sum,mean,max,countunique,count n.tsv
	assert_status 0
	assert_output_equals "$(printf 'j\t0\tnan\t\t0\t1\nk\t3\t1.5\t2\t2\t6')"
	run --separate-stderr pdp-reduce sum n.tsv
	assert_status 2
	assert_stderr_contains "n.tsv:1: sum: not a number 'NA'"
	# A key of NA alone keeps its states through --partial and --merge.
	run --separate-stderr pdp-reduce --narm --partial sum,mean,var,min,max,range,countunique n.tsv
	assert_status 0
	printf '%s\n' "$output" > states
	run --separate-stderr pdp-reduce --merge sum,mean,var,min,max,range,countunique states states
	assert_status 0
	assert_output_equals "$(printf 'j\t0\tnan\tnan\t\t\t\t0\nk\t6\t1.5\t0.3333333333333333\t1\t2\t1\t2')"
	# first and last cannot: their state has no room for "none yet".
	run --separate-stderr pdp-reduce --narm --partial first n.tsv
	assert_status 2
	assert_stderr_equals "pdp-reduce: --narm --partial: a state of first cannot say that a part had no value"
	if command -v datamash > /dev/null; then
		run --separate-stderr pdp-reduce --narm -k 1 sum,mean n.tsv
		grep '^k' n.tsv | datamash --narm -g 1 sum 2 mean 2 > want
		printf '%s\n' "$output" | grep '^k' > got
		assert_files_equal want got
	fi
}

@test "-t and --csv: bad separators and mixed modes are usage errors" {
	echo 'a,1' > f.csv
	for t in ab '' '"'; do
		run --separate-stderr pdp-reduce -t "$t" sum f.csv
		assert_status 2
		assert_stderr_contains "pdp-reduce: invalid field separator"
	done
	run --separate-stderr pdp-reduce --csv -W sum f.csv
	assert_status 2
	assert_stderr_equals "pdp-reduce: --csv and -W: one way to split fields"
	for o in "-W -t," "-t, -W" "-W -t;" ; do
		run --separate-stderr pdp-reduce $o sum f.csv
		assert_status 2
		assert_output_empty
		assert_stderr_equals "pdp-reduce: -W and -t: one way to split fields"
	done
	run --separate-stderr pdp-reduce -t, --merge sum f.csv
	assert_status 2
	assert_stderr_contains "pdp-reduce: --merge reads pdp-reduce's own states"
	# -t '\t' and a TAB are the default: pdp records, escapes and all.
	printf 'a\\tb\t1\n' > e.tsv
	run --separate-stderr pdp-reduce -t '\t' sum e.tsv
	assert_status 0
	assert_output_equals "$(printf 'a\\tb\t1')"
}

# The ten datamash invocations of pdp-reduce(1), "For datamash users":
# the same answers on the same file, numbers compared to 12 digits
# (datamash prints 14, pdp 17).
@test "datamash's common invocations and their pdp-reduce equivalents give the same answers" {
	need_datamash
	python3 - <<'EOF'
import random
r = random.Random(9)
with open("d.tsv", "w") as t, open("d.csv", "w") as c, open("d.ws", "w") as w:
    t.write("k\tj\tv\tx\n")
    for i in range(20000):
        k, j = r.choice("abcdefg"), r.choice("xyz")
        v, x = r.randrange(-500, 500), round(r.uniform(-10, 10), 3)
        t.write("%s\t%s\t%d\t%s\n" % (k, j, v, x))
        c.write("%s,%d\n" % (k, v))
        w.write("  %s   %s %d\n" % (k, j, v))
    t.write("# a comment\n")
EOF
	tail -n +2 d.tsv | grep -v '^#' > plain.tsv
	cmp_pair() {	# FILE "datamash args" "pdp-reduce args"
		LC_ALL=C datamash --output-delimiter="$(printf '\t')" $2 < "$1" > want
		pdp-reduce $3 < "$1" > got || fail "pdp-reduce $3 failed"
		python3 - want got "$2" <<'EOF' || fail "datamash $2 / pdp-reduce $3 differ"
import sys
a = open(sys.argv[1]).read().split("\n")
b = open(sys.argv[2]).read().split("\n")
assert len(a) == len(b), (sys.argv[3], len(a), len(b))
for x, y in zip(a, b):
    for p, q in zip(x.split("\t"), y.split("\t")):
        if p == q:
            continue
        try:
            fp, fq = float(p), float(q)
            assert abs(fp - fq) <= 1e-12 * max(1, abs(fp)), (sys.argv[3], x, y)
        except ValueError:
            assert p == q, (sys.argv[3], x, y)
EOF
	}
	cmp_pair plain.tsv "-s -g 1 sum 3" "-f 3 sum"
	cmp_pair plain.tsv "-s -g 1 count 1" "count"
	cmp_pair plain.tsv "-s -g 1 sum 3 mean 4" "sum:3,mean:4"
	cmp_pair plain.tsv "-s -g 1,2 sum 3" "-k 1,2 sum:3"
	cmp_pair plain.tsv "sum 3" "--no-key sum:3"
	cmp_pair d.ws "-W -s -g 1 sum 3" "-W sum:3"
	cmp_pair d.csv "-t, -s -g 1 max 2" "-t, max"
	cmp_pair d.tsv "-C --header-in -s -g 1 min 3 max 3" "-C --header-in min:3,max:3"
	cmp_pair plain.tsv "-s -g 1 unique 2" "unique:2"
	cmp_pair plain.tsv "-s -g 1 absmin 4 absmax 4" "absmin:4,absmax:4"
	cmp_pair plain.tsv "-s -g 1 countunique 4" "countunique:4"
	cmp_pair plain.tsv "-s -g 1 pstdev 4 svar 3" "pstdev:4,var:3"
	cmp_pair plain.tsv "-s -g 1 median 3 q1 4 q3 4 iqr 4" "median:3,q1:4,q3:4,iqr:4"
	cmp_pair plain.tsv "-s -g 1 perc 4 perc:10 3 perc:99 4" "perc:95:4,perc:10:3,perc:99:4"
	cmp_pair plain.tsv "-s -g 1,2 mode 3 antimode 3 mad 4 madraw 3" "-k 1,2 mode:3,antimode:3,mad:4,madraw:3"
	cmp_pair plain.tsv "-s -g 1 trimmean 4 trimmean:0.2 3 trimmean:0.5 4" "trimmean:0:4,trimmean:0.2:3,trimmean:0.5:4"
	cmp_pair plain.tsv "-s -g 1 sskew 4 pskew 3 skurt 4 pkurt 3" "sskew:4,pskew:3,skurt:4,pkurt:3"
	cmp_pair plain.tsv "-s -g 1 median 3 geomean 3 harmmean 3" "median:3,geomean:3,harmmean:3"
	grep -v '^#' d.tsv > h.tsv
	cmp_pair h.tsv "-H -s -g 1 sum 3" "-H sum:3"
}

@test "--csv-out: keys and texts decoded and quoted as RFC 4180, as Python's csv module reads them; --output-separator" {
	printf 'k,j,v\n"a,1",x,1\n"a,1",x,2\n"q""t",y,5\nnl,"z\nw",3\nt\\b,"tab\there",4\n' > c.csv
	run --separate-stderr pdp-reduce --csv --header-in -H --csv-out -k 1,2 sum:v,collect:j c.csv
	assert_status 0
	assert_stderr_empty
	printf '%s\n' "$output" > out.csv
	run python3 -c '
import csv
rows = list(csv.reader(open("out.csv", newline="")))
want = [["GroupBy(k)", "GroupBy(j)", "sum(v)", "collect(j)"],
        ["a,1", "x", "3", "x"], ["nl", "z\nw", "3", "z\nw"],
        ["q\"t", "y", "5", "y"], ["t\\b", "tab\there", "4", "tab\there"]]
assert rows == want, rows'
	assert_status 0
	# --output-separator: the fields as pdp writes them, another byte
	# between them; datamash's --output-delimiter is the same option.
	run --separate-stderr pdp-reduce --csv --header-in --output-separator=';' -k 1,2 sum:v c.csv
	assert_status 0
	assert_output_equals "$(printf 'a,1;x;3\nnl;z\\nw;3\nq"t;y;5\nt\\\\b;tab\\there;4')"
	run --separate-stderr pdp-reduce --csv --header-in --output-delimiter=';' --no-key -H sum:v c.csv
	assert_status 0
	assert_output_equals "$(printf 'sum(v)\n15')"
	for bad in "--output-separator=ab" "--output-separator=" '--output-separator="'; do
		run --separate-stderr pdp-reduce "$bad" sum c.csv
		assert_status 2
		assert_stderr_contains "invalid output separator"
	done
	run --separate-stderr pdp-reduce --partial --csv-out sum c.csv
	assert_status 2
	assert_output_empty
	assert_stderr_contains "not with --output-separator or --csv-out"
}
