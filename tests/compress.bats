#!/usr/bin/env bats
# compress.bats: compressed and binary inputs in pdp-map.  A compressed
# input is known by its first bytes and read through its decompressor
# (checked against the decompressor run by hand); a binary one is
# skipped by the text mappers with a message.  Decompressors that are
# missing skip their tests, saying which.

load helper

# need PROG: skip unless PROG is installed.
need() {
	command -v "$1" > /dev/null || skip "$1 is not installed (apt-get install $2)"
}

# text FILE: a few hundred lines of words, the same each time.
text() {
	awk 'BEGIN { for (i = 1; i <= 300; i++) printf "line %d of the text, word%d\n", i, i % 7 }' > "$1"
}

# wf FILE...: the reduced wordfreq of the plain files given.
wf() {
	printf '%s\n' "$@" | pdp-map -j1 wordfreq | pdp-reduce sum
}

@test "each compressor: its file is read decompressed, as the decompressor itself gives it" {
	text t.txt
	want=$(wf t.txt)
	n=0
	for z in gzip:gzip bzip2:bzip2 xz:xz-utils zstd:zstd lz4:lz4 compress:ncompress; do
		prog=${z%%:*}
		command -v "$prog" > /dev/null || { echo "# $prog missing (apt-get install ${z#*:})" >&3; continue; }
		"$prog" -c < t.txt > "t.$prog"
		run --separate-stderr bash -c "set -o pipefail; echo t.$prog | pdp-map wordfreq | pdp-reduce sum"
		assert_status 0
		assert_stderr_empty
		assert_output_equals "$want"
		n=$((n + 1))
	done
	[ "$n" -ge 1 ] || skip "no decompressor installed"
	need gzip gzip
	need bzip2 bzip2
	need xz xz-utils
	need zstd zstd
	need lz4 lz4
	need compress ncompress
}

@test "zstd and lz4 after a skippable frame (as pzstd writes), and lz4's legacy format (lz4 -l), are read decompressed" {
	need zstd zstd
	need lz4 lz4
	text t.txt
	want=$(wf t.txt)
	bytes=$(wc -c < t.txt)
	# A skippable frame (magic 0x184D2A50 to 5F, a 4-byte size, data),
	# then the format's own frame; two in a row; lz4's frame format
	# before 1.0.
	printf '\x50\x2a\x4d\x18\x04\x00\x00\x00abcd' > skip
	printf '\x5f\x2a\x4d\x18\x00\x00\x00\x00' > skip0
	zstd -q -c t.txt | cat skip - > a.zst
	lz4 -q -c t.txt | cat skip skip0 - > b.lz4
	lz4 -q -l -c t.txt > c.lz4
	files="a.zst b.lz4 c.lz4"
	if command -v pzstd > /dev/null; then
		pzstd -q -c t.txt > d.zst
		files="$files d.zst"
	else
		echo "# pzstd missing (apt-get install zstd): its own file not tried" >&3
	fi
	for f in $files; do
		run --separate-stderr bash -c "set -o pipefail; echo $f | pdp-map wordfreq | pdp-reduce sum"
		assert_status 0
		assert_stderr_empty
		assert_output_equals "$want"
		# exec sees the data, not the compressed bytes.
		run --separate-stderr bash -c "echo $f | pdp-map exec sh -c 'wc -c'"
		assert_status 0
		assert_output_equals "$bytes"
		run --separate-stderr bash -c "set -o pipefail; cat $f | pdp-map --pipe wordfreq | pdp-reduce sum"
		assert_status 0
		assert_output_equals "$want"
	done
}

@test "the first bytes decide, not the name: gzip named .txt, plain text named .gz" {
	need gzip gzip
	text t.txt
	gzip -c t.txt > z.txt
	cp t.txt plain.gz
	want=$(wf t.txt t.txt)
	run --separate-stderr bash -c 'set -o pipefail; printf "z.txt\nplain.gz\n" | pdp-map wordfreq | pdp-reduce sum'
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$want"
	# Text that begins with bzip2's letters is text.
	printf 'BZh9 is not bzip2\n' > bz.txt
	run --separate-stderr bash -c 'set -o pipefail; echo bz.txt | pdp-map wordfreq | pdp-reduce sum'
	assert_status 0
	assert_output_equals "$(printf 'bzh9\t1\nbzip2\t1\nis\t1\nnot\t1')"
}

@test "a corrupt .gz among good ones: it fails with a message, the others are whole, exit 1" {
	need gzip gzip
	text a.txt
	awk '{ print "other " $0 }' a.txt > b.txt
	gzip -c a.txt > a.gz
	gzip -c b.txt > b.gz
	head -c 600 b.gz > bad.gz
	printf 'a.gz\nbad.gz\nb.gz\n' > list
	run --separate-stderr bash -c 'pdp-map -j2 --stats wordfreq < list > out'
	assert_status 1
	assert_stderr_contains "pdp-map: bad.gz: corrupt gzip data: unexpected end of file"
	assert_stderr_contains "pdp-map: inputs 3, succeeded 2, failed 1,"
	pdp-reduce sum out > got
	wf a.txt b.txt > want
	assert_files_equal want got
	# --retries tries it again, and it fails again.
	run --separate-stderr bash -c 'pdp-map -j2 --retries 1 wordfreq < list > /dev/null'
	assert_status 1
	assert_stderr_contains "pdp-map: bad.gz: corrupt gzip data: unexpected end of file (trying again: attempt 2 of 2)"
	no_leftovers
}

@test "an empty .gz has no records; concatenated members are read whole, as gzip -dc does" {
	need gzip gzip
	: > e.txt
	gzip -c e.txt > e.gz
	run --separate-stderr bash -c 'set -o pipefail; echo e.gz | pdp-map wc'
	assert_status 0
	assert_output_equals "$(printf 'lines\t0\nwords\t0\nbytes\t0')"
	text a.txt
	gzip -c a.txt > two.gz
	gzip -c a.txt >> two.gz
	run --separate-stderr bash -c 'set -o pipefail; echo two.gz | pdp-map wordfreq | pdp-reduce sum'
	assert_status 0
	assert_output_equals "$(wf a.txt a.txt)"
}

# gzbytes FILE...: each file decompressed by pdp-map, as cksum sees it.
gzbytes() {
	printf '%s\n' "$@" | pdp-map -j1 -k exec sh -c 'cksum | sed "s|\$| $PDP_PATH|"'
}

@test "gzip is decoded by pdp itself: byte for byte what gzip -dc gives, every level, block kind and header" {
	need gzip gzip
	command -v python3 > /dev/null || skip "python3 is not installed (apt-get install python3)"
	seq 1 300000 > seq.txt
	head -c 300000 /dev/urandom > rnd.bin
	awk 'BEGIN { srand(7); for (i = 0; i < 200000; i++) printf "%s", substr("ab\n", int(rand() * 3) + 1, 1) }' > ab.txt
	cat seq.txt rnd.bin ab.txt > mix.bin
	: > empty.txt
	for f in seq.txt rnd.bin ab.txt mix.bin empty.txt; do
		for l in 1 6 9; do gzip -c -$l "$f" > "$f.$l.gz"; done
	done
	cat seq.txt.1.gz ab.txt.9.gz empty.txt.6.gz > members.gz
	cp seq.txt.6.gz padded.gz
	head -c 1000 /dev/zero >> padded.gz
	# What gzip never writes but the format allows: fixed and Huffman-only
	# blocks, run-length matches, small windows, stored blocks, and every
	# header field (FEXTRA, FNAME, FCOMMENT, FHCRC).
	python3 - <<-'PY'
	import struct, zlib
	data = open("mix.bin", "rb").read()
	def member(body, flags=0, extra=b""):
	    h = bytearray(b"\x1f\x8b\x08" + bytes([flags]) + b"\0\0\0\0\0\3")
	    if flags & 4:
	        h += struct.pack("<H", len(extra)) + extra
	    if flags & 8:
	        h += b"name.txt\0"
	    if flags & 16:
	        h += b"a comment\0"
	    if flags & 2:
	        h += struct.pack("<H", zlib.crc32(bytes(h)) & 0xffff)
	    return bytes(h)
	def gz(name, d, level=6, wbits=15, strategy=zlib.Z_DEFAULT_STRATEGY, flags=0):
	    c = zlib.compressobj(level, zlib.DEFLATED, -wbits, 9, strategy)
	    body = c.compress(d) + c.flush()
	    out = member(body, flags, b"xyz") + body + struct.pack("<II", zlib.crc32(d), len(d) & 0xffffffff)
	    open(name, "wb").write(out)
	gz("fixed.gz", data, strategy=zlib.Z_FIXED)
	gz("huffonly.gz", data, strategy=zlib.Z_HUFFMAN_ONLY)
	gz("rle.gz", data, strategy=zlib.Z_RLE)
	gz("window9.gz", data, wbits=9)
	gz("stored.gz", data, level=0)
	gz("header.gz", data[:5000], flags=2 | 4 | 8 | 16)
	PY
	set -- *.gz
	run --separate-stderr gzbytes "$@"
	assert_status 0
	assert_stderr_empty
	for f in "$@"; do gzip -dc "$f" | cksum | sed "s|\$| $f|"; done > want
	assert_output_equals "$(cat want)"
	[ "${#lines[@]}" -eq 23 ] || fail "${#lines[@]} files"
}

@test "gzip needs no gzip program and no process per file" {
	need gzip gzip
	text a.txt
	for i in $(seq 200); do gzip -c a.txt > "a$i.gz"; done
	mkdir bin
	for p in cat sed; do ln -s "$(command -v $p)" bin/; done
	ls a*.gz > list
	run --separate-stderr env PATH="$PDP_BIN:$PWD/bin" "$BASH" -c 'pdp-map -j2 wc < list'
	assert_status 0
	assert_stderr_empty
	printf '%s\n' "$output" | pdp-reduce sum > got
	for i in $(seq 200); do echo a.txt; done | pdp-map -j2 wc | pdp-reduce sum > want
	assert_files_equal want got
	# Under strace: no process but the workers.
	command -v strace > /dev/null || skip "strace is not installed (apt-get install strace)"
	# (LeakSanitizer cannot run under ptrace.)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    strace -f -qq -e trace=execve -o trace pdp-map -j2 wc < list > /dev/null
	[ "$(grep -c execve trace)" -eq 1 ] || fail "$(cat trace)"
}

@test "a corrupt gzip file fails with what is wrong with it, the run goes on" {
	need gzip gzip
	command -v python3 > /dev/null || skip "python3 is not installed (apt-get install python3)"
	text a.txt
	seq 1 100000 > s.txt
	gzip -n -c s.txt > s.gz
	python3 - <<-'PY'
	good = open("s.gz", "rb").read()
	def put(name, b):
	    open(name, "wb").write(bytes(b))
	b = bytearray(good); b[-8] ^= 1; put("crc.gz", b)
	b = bytearray(good); b[-2] ^= 1; put("len.gz", b)
	put("garbage.gz", good + b"not gzip\n")
	put("short.gz", good[:len(good) // 2])
	b = bytearray(good); b[3] = 0x20; put("flags.gz", b)
	b = bytearray(good); b[10] |= 6; put("btype.gz", b)
	b = bytearray(good); b[3] = 2; put("hcrc.gz", b[:10] + b"\0\0" + b[10:])
	put("dist.gz", b"\x1f\x8b\x08\0\0\0\0\0\0\3" + bytes([0x03, 0x02, 0x00]) + b"\0" * 8)
	PY
	cat > want.err <<-'EOF'
	pdp-map: crc.gz: corrupt gzip data: CRC error
	pdp-map: len.gz: corrupt gzip data: length error
	pdp-map: garbage.gz: corrupt gzip data: trailing garbage after the data
	pdp-map: short.gz: corrupt gzip data: unexpected end of file
	pdp-map: flags.gz: corrupt gzip data: unknown flags
	pdp-map: btype.gz: corrupt gzip data: invalid block type
	pdp-map: hcrc.gz: corrupt gzip data: header CRC error
	pdp-map: dist.gz: corrupt gzip data: invalid distance (too far back)
	EOF
	for f in crc len garbage short flags btype hcrc dist; do
		run --separate-stderr bash -c "printf 'a.txt\n$f.gz\na.txt\n' | pdp-map -j1 wc"
		assert_status 1
		assert_stderr_equals "$(grep " $f.gz:" want.err)"
		assert_output_equals "$(printf 'a.txt\na.txt\n' | pdp-map -j1 wc)"
	done
}

@test "a missing decompressor fails its input, naming the program and its package" {
	need zstd zstd
	text a.txt
	zstd -q -c a.txt > a.zst
	mkdir bin
	for p in gzip cat sed; do ln -s "$(command -v $p)" bin/; done
	run --separate-stderr env PATH="$PDP_BIN:$PWD/bin" "$BASH" -c 'printf "a.txt\na.zst\n" | pdp-map wordfreq > out'
	assert_status 1
	assert_stderr_equals "pdp-map: a.zst: zstd: command not found (install zstd)"
	pdp-reduce sum out > got
	wf a.txt > want
	assert_files_equal want got
}

@test "--decompress=never: the bytes as they are (here binary, so skipped by a text mapper)" {
	need gzip gzip
	text a.txt
	gzip -c a.txt > a.gz
	run --separate-stderr bash -c 'set -o pipefail; echo a.gz | pdp-map --decompress=never wc'
	assert_status 0
	assert_stderr_equals "pdp-map: a.gz: binary file skipped (--binary=text to read it)"
	run --separate-stderr bash -c 'set -o pipefail; echo a.gz | pdp-map --decompress=never --binary=text wc | pdp-reduce sum'
	assert_status 0
	assert_output_contains "$(printf 'bytes\t%d' "$(wc -c < a.gz)")"
	run --separate-stderr pdp-map --decompress=sometimes wc < /dev/null
	assert_status 2
	assert_stderr_equals "pdp-map: invalid --decompress 'sometimes' (auto or never)"
}

@test "exec and plugins see the decompressed data; \$PDP_PATH names the real file" {
	need gzip gzip
	text a.txt
	gzip -c a.txt > a.gz
	run --separate-stderr bash -c 'set -o pipefail; echo a.gz | pdp-map exec sh -c "wc -l | tr -d \" \"; echo \"\$PDP_PATH\""'
	assert_status 0
	assert_output_equals "$(printf '300\na.gz')"
}

@test "a compressed file is never cut into chunks (--split); -k and --combine count it as any input" {
	need gzip gzip
	gencorpus -f 1 -s 600K -S 4 c > /dev/null
	f=$(find c -type f)
	gzip -c "$f" > big.gz
	printf '%s\n' "$f" > plain
	want=$(pdp-map -j1 wordfreq < plain | pdp-reduce sum)
	for opts in "--split 4k" "-k --split 4k" "--combine sum" "-k"; do
		run --separate-stderr bash -c "set -o pipefail; echo big.gz | pdp-map -j2 $opts wordfreq | pdp-reduce sum"
		assert_status 0
		assert_stderr_empty
		assert_output_equals "$want"
	done
	# -v shows one task, not chunks.
	run --separate-stderr bash -c 'set -o pipefail; echo big.gz | pdp-map -j2 -v --split 4k wc > /dev/null'
	assert_status 0
	[ "$(printf '%s\n' "$stderr" | grep -c 'worker')" -eq 1 ] || fail "tasks: $stderr"
	assert_stderr_not_contains '['
}

@test "a small .gz of 1 GB of data: memory stays bounded; binary zeros are skipped (read to the end: whole)" {
	need gzip gzip
	yes 'abc def ghi' | head -c 1G | gzip -1 > words.gz
	head -c 512M /dev/zero | gzip -1 > zero.gz
	run --separate-stderr bash -c 'set -o pipefail; echo words.gz | /usr/bin/time -f "%M" pdp-map -j1 wc'
	assert_status 0
	assert_output_contains "$(printf 'bytes\t1073741824')"
	rss=$(printf '%s\n' "$stderr" | tail -n 1)
	[ "$rss" -lt 65536 ] || fail "peak RSS ${rss} KB"
	run --separate-stderr bash -c 'set -o pipefail; echo zero.gz | pdp-map -j1 --stats wc'
	assert_status 0
	assert_output_empty
	assert_stderr_contains "pdp-map: zero.gz: binary file skipped (--binary=text to read it)"
	assert_stderr_contains "skipped (binary) 1"
	no_leftovers
}

@test "SIGINT and --timeout during decompression: no decompressor is left running" {
	need xz xz-utils
	need gzip gzip
	head -c 8M /dev/urandom | base64 > slow.txt
	xz -0 -c slow.txt > slow.xz
	gzip -1 -c slow.txt > slow.gz
	# A command that reads slowly keeps the decompressor blocked.
	printf '#!/bin/sh\nwhile read -r l; do sleep 1; done\n' > slow.sh
	chmod +x slow.sh
	echo slow.xz > list
	env --default-signal=INT pdp-map exec ./slow.sh < list > out 2> err &
	pid=$!
	wait_until 20 pgrep -f '^xz -dc$' > /dev/null || { kill "$pid"; fail "no xz started"; }
	kill -INT "$pid"
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 130 ] || fail "exit $status"
	no_leftovers
	wait_until 20 eval '! pgrep -f "^xz -dc$" > /dev/null' || fail "xz left: $(pgrep -af xz)"
	# gzip is decoded in the worker itself: the same, with no process.
	for f in slow.xz slow.gz; do
		run --separate-stderr pdp-map --timeout 1 exec ./slow.sh <<< "$f"
		assert_status 1
		assert_stderr_equals "pdp-map: $f: timed out after 1 s"
	done
	wait_until 20 eval '! pgrep -f "^xz -dc$" > /dev/null' || fail "xz left: $(pgrep -af xz)"
	env --default-signal=INT pdp-map exec ./slow.sh <<< slow.gz > out 2> err &
	pid=$!
	sleep 1
	kill -INT "$pid"
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 130 ] || fail "exit $status"
	no_leftovers
}

@test "--resume across compressed inputs: nothing lost, nothing twice" {
	need gzip gzip
	gencorpus -f 12 -s 1M -S 9 c > /dev/null
	for f in $(find c -type f | sort); do gzip -c "$f" > "$f.gz"; rm "$f"; done
	find c -type f | sort > list
	pdp-map -j2 wordfreq < list | sort > clean
	head -n 5 list > first
	pdp-map -j2 --joblog j wordfreq < first > out
	run --separate-stderr bash -c 'pdp-map -j2 --joblog j --resume --stats wordfreq < list >> out'
	assert_status 0
	assert_stderr_contains "inputs 7, succeeded 7, failed 0, not run 0, skipped 5,"
	sort out > got
	assert_files_equal clean got
}

@test "--pipe: compressed standard input, from a pipe or a file, is read decompressed; corrupt is fatal" {
	need gzip gzip
	need xz xz-utils
	text a.txt
	gzip -c a.txt > a.gz
	xz -c a.txt > a.xz
	want=$(pdp-map --pipe wc < a.txt | pdp-reduce sum)
	for f in a.gz a.xz; do
		run --separate-stderr bash -c "set -o pipefail; cat $f | pdp-map --pipe --block 1k wc | pdp-reduce sum"
		assert_status 0
		assert_stderr_empty
		assert_output_equals "$want"
		run --separate-stderr bash -c "set -o pipefail; pdp-map --pipe --block 1k wc < $f | pdp-reduce sum"
		assert_status 0
		assert_output_equals "$want"
	done
	head -c 700 a.gz > bad.gz
	run --separate-stderr bash -c 'set -o pipefail; cat bad.gz | pdp-map --pipe wc > /dev/null'
	assert_status 2
	assert_stderr_equals "pdp-map: stdin: gzip -dc failed (exit status 1): gzip: stdin: unexpected end of file"
	run --separate-stderr bash -c 'set -o pipefail; cat a.gz | pdp-map --pipe --decompress=never --binary=text wc | pdp-reduce sum'
	assert_status 0
	assert_output_contains "$(printf 'bytes\t%d' "$(wc -c < a.gz)")"
	no_leftovers
}

# --- binary inputs -------------------------------------------------------

@test "a compressed file cut within its header fails as a truncated archive, never read as text; bzip2's 'BZ' and one byte are text" {
	# Whole files of 2 to 4 bytes: the first bytes of gzip's, xz's,
	# zstd's and lz4's magic (the decompressors are not needed).
	printf '\x1f\x8b' > a.gz
	printf '\xfd7zX' > b.xz
	printf '\x28\xb5\x2f' > c.zst
	printf '\x04\x22\x4d' > d.lz4
	printf 'BZ' > e.bz2
	printf '\x1f' > f.gz
	printf 'ok\n' > g.txt
	printf '%s\n' a.gz b.xz c.zst d.lz4 e.bz2 f.gz g.txt > list
	run --separate-stderr pdp-map -j1 --stats wordfreq < list
	assert_status 1
	assert_stderr_contains "pdp-map: a.gz: corrupt gzip data: unexpected end of file (2 bytes, within its header)"
	assert_stderr_contains "pdp-map: b.xz: corrupt xz data: unexpected end of file (4 bytes, within its header)"
	assert_stderr_contains "pdp-map: c.zst: corrupt zstd data: unexpected end of file (3 bytes, within its header)"
	assert_stderr_contains "pdp-map: d.lz4: corrupt lz4 data: unexpected end of file (3 bytes, within its header)"
	assert_stderr_matches "pdp-map: inputs 7, succeeded 3, failed 4,"
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 5 ] || fail "unexpected messages"
	output=$(printf '%s\n' "$output" | LC_ALL=C sort)
	assert_output_equals "$(printf 'bz\t1\nok\t1')"
	# --decompress=never: as they are, "7zX" a word.
	run --separate-stderr pdp-map --decompress=never wordfreq <<< b.xz
	assert_status 0
	assert_output_equals "$(printf '7zx\t1')"
	# --pipe, from the file and from a pipe: the stream is damaged, a
	# fatal error as for any corrupt compressed stdin.
	run --separate-stderr pdp-map --pipe wc < a.gz
	assert_status 2
	assert_stderr_equals "pdp-map: stdin: corrupt gzip data: unexpected end of file (2 bytes, within its header)"
	run --separate-stderr bash -c 'cat b.xz | pdp-map --pipe wc'
	assert_status 2
	assert_stderr_equals "pdp-map: stdin: corrupt xz data: unexpected end of file (4 bytes, within its header)"
	run --separate-stderr pdp-map --pipe wc < e.bz2
	assert_status 0
}

@test "binary files beside text: skipped by the text mappers with a message, exit 0; --binary=text, =fail" {
	text a.txt
	printf 'ELF\0\1\2 binary words here\n' > b.bin
	printf 'a.txt\nb.bin\n' > list
	run --separate-stderr bash -c 'set -o pipefail; pdp-map --stats --joblog j wordfreq < list | pdp-reduce sum'
	assert_status 0
	assert_stderr_contains "pdp-map: b.bin: binary file skipped (--binary=text to read it)"
	assert_stderr_contains "pdp-map: inputs 2, succeeded 2, failed 0, skipped (binary) 1,"
	assert_output_equals "$(wf a.txt)"
	# The joblog has it as done.
	[ "$(inputlines | awk -F'\t' '$1 == "b.bin" { print $6, $7 }')" = "0 0" ] || fail "joblog: $(cat j)"
	run --separate-stderr bash -c 'set -o pipefail; pdp-map -q wordfreq < list | pdp-reduce sum'
	assert_status 0
	assert_stderr_empty
	run --separate-stderr bash -c 'set -o pipefail; pdp-map --stats --combine sum wordfreq < list | pdp-reduce sum'
	assert_status 0
	assert_stderr_contains "pdp-map: b.bin: binary file skipped (--binary=text to read it)"
	assert_stderr_contains "skipped (binary) 1,"
	assert_output_equals "$(wf a.txt)"
	for m in wordfreq linefreq 'grep .' wc 'ngrams 2'; do
		run --separate-stderr bash -c "set -o pipefail; echo b.bin | pdp-map $m"
		assert_status 0
		assert_output_empty
		assert_stderr_equals "pdp-map: b.bin: binary file skipped (--binary=text to read it)"
	done
	run --separate-stderr bash -c 'set -o pipefail; echo b.bin | pdp-map --binary=text wordfreq | pdp-reduce sum'
	assert_status 0
	assert_output_equals "$(printf 'binary\t1\nelf\t1\nhere\t1\nwords\t1')"
	run --separate-stderr bash -c 'pdp-map --binary=fail wordfreq < list > /dev/null'
	assert_status 1
	assert_stderr_equals "pdp-map: b.bin: binary file (--binary=text to read it)"
	run --separate-stderr pdp-map --binary=maybe wc < /dev/null
	assert_status 2
	assert_stderr_equals "pdp-map: invalid --binary 'maybe' (skip, text or fail)"
}

@test "binary: exec sees every file as it is unless --binary is given; a NUL past 32K is text" {
	printf 'x\0y\n' > b.bin
	run --separate-stderr bash -c 'set -o pipefail; echo b.bin | pdp-map exec wc -c'
	assert_status 0
	assert_output_equals 4
	run --separate-stderr bash -c 'set -o pipefail; echo b.bin | pdp-map --binary=skip exec wc -c'
	assert_status 0
	assert_output_empty
	assert_stderr_equals "pdp-map: b.bin: binary file skipped (--binary=text to read it)"
	{ head -c 40000 /dev/zero | tr '\0' 'a'; printf '\n\0\n'; } > late.txt
	run --separate-stderr bash -c 'set -o pipefail; echo late.txt | pdp-map wc'
	assert_status 0
	assert_stderr_empty
	assert_output_contains "$(printf 'lines\t2')"
}

@test "a damaged archive whose data looks binary fails as damaged, never skipped as binary; --resume runs it again" {
	# Damage can make an archive's first 32 KiB hold a NUL (garbage,
	# or binary data cut short): only reading it to its end tells a
	# whole binary archive, skipped with exit 0, from a damaged one,
	# whose input must fail (exit 1, joblog exit 1) and run again.
	# 3 MB: more than a worker's first block (1 MiB) comes out before
	# the cut, so the first 32 KiB decide binary before the damage
	# shows.
	head -c 3000000 /dev/urandom > r.bin
	n=0
	for z in gzip:gzip bzip2:bzip2 xz:xz-utils zstd:zstd lz4:lz4; do
		prog=${z%%:*}
		command -v "$prog" > /dev/null || { echo "# $prog missing (apt-get install ${z#*:})" >&3; continue; }
		"$prog" -c < r.bin > "whole.$prog"
		head -c $(( $(wc -c < "whole.$prog") / 2 )) "whole.$prog" > "half.$prog"
		"$prog" -dc < "half.$prog" > /dev/null 2>&1 && fail "$prog -dc reads half.$prog"
		run --separate-stderr bash -c "set -o pipefail; echo whole.$prog | pdp-map --joblog jw.$prog wc"
		assert_status 0
		assert_output_empty
		assert_stderr_equals "pdp-map: whole.$prog: binary file skipped (--binary=text to read it)"
		run --separate-stderr bash -c "set -o pipefail; echo half.$prog | pdp-map --joblog j.$prog wc"
		assert_status 1
		assert_output_empty
		assert_stderr_contains "pdp-map: half.$prog: "
		assert_stderr_not_contains "binary"
		[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] || fail "messages: $stderr"
		[ "$(grep -v '^#' "j.$prog" | tail -n 1 | cut -f 7)" = 1 ] || fail "$prog: joblog: $(cat "j.$prog")"
		# (The first 32 KiB of what half.$prog gives are binary.)
		"$prog" -dc < "half.$prog" 2> /dev/null | head -c 32768 | tr -d '\000' | cmp -s - <("$prog" -dc < "half.$prog" 2> /dev/null | head -c 32768) && fail "no NUL in half.$prog's first 32 KiB"
		# --binary=fail names the damage too, not the NUL.
		run --separate-stderr bash -c "echo half.$prog | pdp-map --binary=fail wc"
		assert_status 1
		assert_stderr_not_contains "binary"
		# Mended, the input runs again on --resume, and is skipped.
		cp "whole.$prog" "half.$prog"
		run --separate-stderr bash -c "set -o pipefail; echo half.$prog | pdp-map --joblog j.$prog --resume wc"
		assert_status 0
		assert_stderr_equals "pdp-map: half.$prog: binary file skipped (--binary=text to read it)"
		n=$((n + 1))
	done
	[ "$n" -ge 1 ] || skip "no decompressor installed"
	# gzip, decoded by pdp itself: a CRC that does not match.
	cp whole.gzip crc.gz
	printf '\0\0\0\0' | dd of=crc.gz bs=1 seek=$(( $(wc -c < crc.gz) - 8 )) conv=notrunc 2> /dev/null
	run --separate-stderr bash -c "set -o pipefail; echo crc.gz | pdp-map wc"
	assert_status 1
	assert_stderr_equals "pdp-map: crc.gz: corrupt gzip data: CRC error"
	need bzip2 bzip2
	need xz xz-utils
	need zstd zstd
	need lz4 lz4
}

@test "binary after decompression, and a binary file cut into chunks: skipped once, with one message" {
	need gzip gzip
	head -c 300000 /dev/urandom > r.bin
	gzip -c r.bin > r.gz
	run --separate-stderr bash -c 'set -o pipefail; printf "r.bin\nr.gz\n" | pdp-map -j2 --split 4k wc'
	assert_status 0
	assert_output_empty
	assert_stderr_contains "pdp-map: r.bin: binary file skipped (--binary=text to read it)"
	assert_stderr_contains "pdp-map: r.gz: binary file skipped (--binary=text to read it)"
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 2 ] || fail "messages: $stderr"
}

@test "a tree like /usr/share/doc: the same counts as a reference that decompresses every file and leaves binaries out" {
	[ -d /usr/share/doc ] || skip "no /usr/share/doc"
	command -v python3 > /dev/null || skip "python3 is not installed"
	need gzip gzip
	# The reference: each file decompressed by Python (gzip, bz2, lzma)
	# or by zstd/lz4 when its first bytes say so, and left out if a NUL
	# is in its first 32 KiB; then plain files for pdp-map.
	python3 "$BATS_TEST_DIRNAME/plain.py" /usr/share/doc mirror > skipped.ref
	run --separate-stderr bash -c 'set -o pipefail; pdp-find -H /usr/share/doc | pdp-map wordfreq | pdp-reduce sum > got'
	assert_status 0
	printf '%s\n' "$stderr" | sed -n 's/^pdp-map: \(.*\): binary file skipped.*/\1/p' | sort > skipped.got
	sort skipped.ref > skipped.want
	assert_files_equal skipped.want skipped.got
	pdp-find -H mirror | pdp-map --decompress=never wordfreq | pdp-reduce sum > want
	assert_files_equal want got
}
