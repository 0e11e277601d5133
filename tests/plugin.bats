#!/usr/bin/env bats
# pdp-map plugins: the example plugin, the loader's refusals, crashes,
# and the ctx->emit / ctx->write / ctx->fail hooks.  The plugins are
# built once, in this file's temporary directory, never in the tree.

load helper

setup_file() {
	local d=$BATS_FILE_TMPDIR/plugins src=$BATS_TEST_DIRNAME/..
	mkdir -p "$d"
	command -v cc >/dev/null || return 0
	# The example, built by its own Makefile from a copy of it.
	mkdir -p "$d/example"
	cp "$src/examples/plugin/Makefile" "$src/examples/plugin/fieldfreq.c" "$d/example/"
	make -s -C "$d/example" PDP_INCLUDE="$(cd "$src/lib" && pwd)" > "$d/make.log" 2>&1 ||
	    { cat "$d/make.log" >&2; return 1; }

	# No pdp_mapper symbol.
	printf 'int other_symbol = 1;\n' > "$d/nosym.c"

	# Built for a future interface.
	cat > "$d/abi99.c" <<-'EOF'
	#include "pdp.h"
	static int map(struct pdp_ctx *c, const char *d, size_t l, int f)
	{ (void)c; (void)d; (void)l; (void)f; return 0; }
	const struct pdp_mapper pdp_mapper = { .abi = 99, .name = "abi99",
	    .synopsis = "", .minargs = 0, .maxargs = 0, .map = map };
	EOF

	# Without a map hook, without a name.
	cat > "$d/nomap.c" <<-'EOF'
	#include "pdp.h"
	const struct pdp_mapper pdp_mapper = { .abi = PDP_ABI_VERSION, .name = "nomap" };
	EOF
	cat > "$d/noname.c" <<-'EOF'
	#include "pdp.h"
	static int map(struct pdp_ctx *c, const char *d, size_t l, int f)
	{ (void)c; (void)d; (void)l; (void)f; return 0; }
	const struct pdp_mapper pdp_mapper = { .abi = PDP_ABI_VERSION, .map = map };
	EOF

	# init() fails with a message naming its arguments.
	cat > "$d/initfail.c" <<-'EOF'
	#include "pdp.h"
	static int init(struct pdp_ctx *ctx, int argc, char **argv)
	{
		ctx->fail(ctx, "initfail: cannot start with %d args (%s)", argc, argv[argc - 1]);
		return -1;
	}
	static int map(struct pdp_ctx *c, const char *d, size_t l, int f)
	{ (void)c; (void)d; (void)l; (void)f; return 0; }
	const struct pdp_mapper pdp_mapper = { .abi = PDP_ABI_VERSION, .name = "initfail",
	    .synopsis = "[X]", .minargs = 0, .maxargs = 1, .init = init, .map = map };
	EOF


	# emit() with bytes to escape, write() of ready records, fail().
	cat > "$d/emit.c" <<-'EOF'
	#include <string.h>
	#include "pdp.h"
	static int ends(const char *s, const char *t)
	{
		size_t n = strlen(s), m = strlen(t);
		return n >= m && strcmp(s + n - m, t) == 0;
	}
	static int map(struct pdp_ctx *ctx, const char *d, size_t l, int f)
	{
		(void)d; (void)l; (void)f;
		if (ends(ctx->path, "fail.txt")) {
			ctx->fail(ctx, "emit: refusing %s (%d)", "this input", 42);
			return -1;
		}
		if (ends(ctx->path, "quiet.txt"))
			return -1;
		if (ctx->emit(ctx, "a\tb\nc\\d", 7, "v\t1", 3) < 0 ||
		    ctx->emit(ctx, "cr\r", 3, "2", 1) < 0 ||
		    ctx->emit(ctx, "nul\0x", 5, "3", 1) < 0)
			return -1;
		return ctx->write(ctx, "raw\tx\\\\y\nlast\t4", 15);
	}
	const struct pdp_mapper pdp_mapper = { .abi = PDP_ABI_VERSION, .name = "emit",
	    .synopsis = "", .minargs = 0, .maxargs = 0, .map = map };
	EOF

	# ctx->count(KEY, N) for each line KEY<TAB>N, N a number, max or
	# min; a line FAIL fails the input there; EMIT<TAB>KEY<TAB>V emits;
	# WRITE TEXT writes TEXT without a newline.  With the argument init,
	# init() counts the key init once.
	cat > "$d/count.c" <<-'EOF'
	#include <stdint.h>
	#include <stdlib.h>
	#include <string.h>
	#include "pdp.h"
	static int line(struct pdp_ctx *ctx, const char *s, size_t n)
	{
		const char *tab = NULL;
		char num[32] = "";
		for (size_t i = 0; i < n; i++)
			if (s[i] == '\t')
				tab = s + i;
		if (n == 4 && memcmp(s, "FAIL", 4) == 0) {
			ctx->fail(ctx, "count: FAIL line");
			return -1;
		}
		if (n > 6 && memcmp(s, "WRITE ", 6) == 0)
			return ctx->write(ctx, s + 6, n - 6);
		if (!tab)
			return 0;
		size_t k = (size_t)(s + n - tab - 1);
		memcpy(num, tab + 1, k < 31 ? k : 31);
		if (n > 5 && memcmp(s, "EMIT\t", 5) == 0)
			return ctx->emit(ctx, s + 5, (size_t)(tab - s - 5), num, strlen(num));
		long long v = strcmp(num, "max") == 0 ? INT64_MAX :
		    strcmp(num, "min") == 0 ? INT64_MIN : atoll(num);
		return ctx->count(ctx, s, (size_t)(tab - s), v);
	}
	static int init(struct pdp_ctx *ctx, int argc, char **argv)
	{
		if (argc > 1 && strcmp(argv[1], "init") == 0)
			return ctx->count(ctx, "init", 4, 1);
		return 0;
	}
	static int map(struct pdp_ctx *ctx, const char *d, size_t l, int f)
	{
		const char *e = d + l;
		(void)f;
		while (d < e) {
			const char *nl = memchr(d, '\n', (size_t)(e - d));
			if (!nl)
				nl = e;
			if (line(ctx, d, (size_t)(nl - d)) < 0)
				return -1;
			d = nl + 1;
		}
		return 0;
	}
	const struct pdp_mapper pdp_mapper = { .abi = PDP_ABI_VERSION, .name = "count",
	    .synopsis = "[init]", .minargs = 0, .maxargs = 1, .init = init, .map = map };
	EOF

	local p
	for p in nosym abi99 nomap noname initfail emit count; do
		cc -std=c11 -fPIC -shared -I"$src/lib" -o "$d/$p.so" "$d/$p.c" \
		    > "$d/cc.log" 2>&1 || { cat "$d/cc.log" >&2; return 1; }
	done
	make_crash_plugin "$d"
}

# use_plugins: copy the built plugins into the test directory.
use_plugins() {
	command -v cc >/dev/null || skip "no C compiler"
	cp "$BATS_FILE_TMPDIR"/plugins/*.so "$BATS_FILE_TMPDIR"/plugins/example/fieldfreq.so .
}

sort_output() {
	output=$(printf '%s\n' "$output" | LC_ALL=C sort)
}

# count_run ARG...: pdp-map ARG... ./count.so < list into out, with
# status and stderr set, and out sorted into sorted.
count_run() {
	pdp-map "$@" ./count.so < list > out 2> err && status=0 || status=$?
	stderr=$(cat err)
	LC_ALL=C sort out > sorted
}

# awk_fieldfreq N FILE...: what fieldfreq N counts, as records, sorted.
awk_fieldfreq() {
	local n=$1
	shift
	awk -v n="$n" 'NF >= n { c[$n]++ } END { for (k in c) printf "%s\t%d\n", k, c[k] }' "$@" |
	    LC_ALL=C sort
}

@test "plugin: the example fieldfreq.so, built by its Makefile, counts a column as awk does" {
	use_plugins
	printf 'GET /a x\nPOST /b y\nGET /a z\n\n   lead  /d\tz\nonly\nGET /a\n' > acc1.txt
	printf 'PUT /b\nGET /e q\n' > acc2.txt
	printf 'no newline at the end /b' > acc3.txt
	for n in 1 2 3; do
		awk_fieldfreq "$n" acc1.txt acc2.txt acc3.txt > want
		pdp-map -j2 ./fieldfreq.so "$n" < <(printf '%s\n' acc1.txt acc2.txt acc3.txt) |
		    pdp-reduce sum > got
		assert_files_equal want got
	done
	# Column 1 by default; the counts are per input.
	run --separate-stderr pdp-map ./fieldfreq.so <<< acc1.txt
	assert_status 0
	assert_stderr_empty
	sort_output
	assert_output_equals "$(printf 'GET\t3\nPOST\t1\nlead\t1\nonly\t1')"
}

@test "plugin: fieldfreq on lines longer than a block (PDP_MORE), split or not, and with --pipe" {
	use_plugins
	# A column that crosses the 1 MiB block boundary, and a 3 MB line.
	{
		head -c 1048570 /dev/zero | tr '\0' A
		printf ' secondword tail\nshort line\n'
		head -c 3000000 /dev/zero | tr '\0' B
		printf ' secondword\nx y\n'
	} > long.txt
	awk_fieldfreq 2 long.txt > want
	[ "$(cat want)" = "$(printf 'line\t1\nsecondword\t2\ny\t1')" ] || fail "awk: $(cat want)"
	pdp-map ./fieldfreq.so 2 <<< long.txt | pdp-reduce sum > got
	assert_files_equal want got
	pdp-map -j2 --split 4K ./fieldfreq.so 2 <<< long.txt | pdp-reduce sum > got
	assert_files_equal want got
	pdp-map -j2 --pipe --block 1K ./fieldfreq.so 2 < long.txt | pdp-reduce sum > got
	assert_files_equal want got
	# The example of the manual.
	run --separate-stderr bash -c "set -o pipefail; printf 'GET /a\nPOST /b\nGET /c\n' |
	    pdp-map --pipe ./fieldfreq.so 1 | pdp-reduce sum"
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'GET\t2\nPOST\t1')"
}

@test "plugin: a mapper word without a / is a builtin name: unknown mapper" {
	use_plugins
	printf 'a b\n' > f.txt
	run --separate-stderr pdp-map fieldfreq.so 2 <<< f.txt
	assert_status 2
	assert_output_empty
	assert_stderr_contains "pdp-map: fieldfreq.so: unknown mapper"
}

@test "plugin: a shared object that cannot be loaded: exit status 2 with dlerror's message" {
	use_plugins
	printf 'a b\n' > f.txt
	run --separate-stderr pdp-map ./nosuch.so 2 <<< f.txt
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-map: ./nosuch.so: cannot open shared object file: No such file or directory"
	run --separate-stderr pdp-map /nonexistent/dir/x.so <<< f.txt
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-map: /nonexistent/dir/x.so: cannot open shared object file: No such file or directory"
	echo 'not an ELF file' > bogus.so
	run --separate-stderr pdp-map ./bogus.so <<< f.txt
	assert_status 2
	assert_output_empty
	assert_stderr_matches '^pdp-map: \./bogus\.so: .+'
}

@test "plugin: a shared object without pdp_mapper, a map hook or a name is refused" {
	use_plugins
	printf 'a b\n' > f.txt
	run --separate-stderr pdp-map ./nosym.so <<< f.txt
	assert_status 2
	assert_output_empty
	assert_stderr_contains "pdp-map: ./nosym.so: not a pdp plugin"
	run --separate-stderr pdp-map ./nomap.so <<< f.txt
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-map: ./nomap.so: plugin has no map function"
	run --separate-stderr pdp-map ./noname.so <<< f.txt
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-map: ./noname.so: plugin has no name"
}

@test "plugin: an ABI mismatch is refused with both versions named" {
	use_plugins
	printf 'a b\n' > f.txt
	run --separate-stderr pdp-map ./abi99.so <<< f.txt
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-map: ./abi99.so: plugin built for mapper interface version 99, this pdp-map has version 1: rebuild it against this pdp.h"
	no_leftovers
}

@test "plugin: a wrong number of arguments is a usage error" {
	use_plugins
	printf 'a b\n' > f.txt
	run --separate-stderr pdp-map ./fieldfreq.so 1 2 <<< f.txt
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-map: ./fieldfreq.so: usage: ./fieldfreq.so [COLUMN]"
	run --separate-stderr pdp-map ./abi99.so <<< f.txt
	assert_status 2
	run --separate-stderr pdp-map ./initfail.so a b <<< f.txt
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-map: ./initfail.so: usage: ./initfail.so [X]"
}

@test "plugin: init() that fails: exit status 2 with the plugin's message" {
	use_plugins
	printf 'a b\n' > f.txt
	printf 'c d\n' > g.txt
	run --separate-stderr pdp-map -j2 ./initfail.so xyz < <(printf '%s\n' f.txt g.txt)
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-map: initfail: cannot start with 2 args (xyz)"
	no_leftovers
	run --separate-stderr pdp-map ./fieldfreq.so x <<< f.txt
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-map: fieldfreq: invalid column 'x'"
	no_leftovers
}

@test "plugin: a plugin that segfaults on one input fails that input only" {
	use_plugins
	for i in 1 2 3 4 5 6; do printf 'l%d\ncommon\n' "$i" > "g$i.txt"; done
	printf 'x\n' > bad.txt
	want=$(printf 'common\t6\nl1\t1\nl2\t1\nl3\t1\nl4\t1\nl5\t1\nl6\t1')
	for j in 1 2; do
		pdp-map -j"$j" --stats ./crash.so \
		    < <(printf '%s\n' g1.txt g2.txt bad.txt g3.txt g4.txt g5.txt g6.txt) \
		    > out 2> err && st=0 || st=$?
		status=$st output=$(pdp-reduce sum < out) stderr=$(sed 's/, wall .*//' err)
		assert_status 1
		assert_output_equals "$want"
		assert_stderr_equals "pdp-map: bad.txt: worker killed by signal 11 (Segmentation fault)
pdp-map: inputs 7, succeeded 6, failed 1, bytes 60, records 12"
		# Each good input's records, whole.
		[ "$(wc -l < out)" -eq 12 ] || fail "expected 12 records, got $(wc -l < out)"
		no_leftovers
	done
}

@test "plugin: ctx->emit escapes TAB, newline, backslash and CR; ctx->write passes text on" {
	use_plugins
	name=$(printf 'sp ace\tx.txt')
	printf 'data\n' > "$name"
	pdp-map emit.so 2>/dev/null <<< 'sp ace\tx.txt' && fail "emit.so without a / must not load"
	pdp-map ./emit.so <<< 'sp ace\tx.txt' > out
	printf 'a\\tb\\nc\\\\d\tv\\t1\ncr\\r\t2\nnul\0x\t3\nraw\tx\\\\y\nlast\t4\n' > want
	assert_files_equal want out
	pdp-map --tag ./emit.so <<< 'sp ace\tx.txt' > out
	sed 's/^/sp ace\\tx.txt\t/' want > want.tag
	assert_files_equal want.tag out
}

@test "plugin: ctx->fail, or -1 without a message, fails that input only" {
	use_plugins
	for f in ok.txt fail.txt quiet.txt; do printf 'data\n' > "$f"; done
	pdp-map -k ./emit.so < <(printf '%s\n' ok.txt fail.txt quiet.txt) > out 2> err &&
	    status=0 || status=$?
	stderr=$(LC_ALL=C sort err)
	assert_status 1
	printf 'a\\tb\\nc\\\\d\tv\\t1\ncr\\r\t2\nnul\0x\t3\nraw\tx\\\\y\nlast\t4\n' > want
	assert_files_equal want out
	assert_stderr_equals "pdp-map: fail.txt: emit: refusing this input (42)
pdp-map: quiet.txt: mapper emit failed"
}

@test "plugin: ctx->count: an input that fails after counting leaves none of its counts, with or without --combine sum" {
	use_plugins
	printf 'x\t1\ny\t2\n' > a.txt
	printf 'x\t5\nz\t7\nFAIL\n' > f.txt
	printf 'x\t1\nz\t1\n' > b.txt
	printf '%s\n' a.txt f.txt b.txt > list
	# -j1: f.txt's counts are taken back in the worker that goes on to b.txt.
	count_run -j1 -k
	assert_status 1
	assert_stderr_equals "pdp-map: f.txt: count: FAIL line"
	printf 'x\t1\ny\t2\nx\t1\nz\t1\n' > want
	assert_files_equal want out
	count_run -j1 --combine sum
	assert_status 1
	assert_stderr_equals "pdp-map: f.txt: count: FAIL line"
	printf 'x\t2\ny\t2\nz\t1\n' > want
	assert_files_equal want sorted
	# An input that fails at its end, when what it wrote is combined.
	printf 'x\t5\nWRITE nope\n' > f.txt
	count_run -j1 --combine sum
	assert_status 1
	assert_stderr_equals "pdp-map: f.txt: --combine: record without a value field"
	assert_files_equal want sorted
}

@test "plugin: ctx->count: keys of 15 to 17 bytes, empty, with TAB, NUL or backslash: the same with --combine sum" {
	use_plugins
	k15=aaaaaaaaaaaaaaa
	# "ab" and "ab" NUL differ only in their length.
	printf '%s\t1\n%sb\t2\n%sbc\t3\na\tb\t4\nc\\d\t5\nnu\0l\t6\n\t7\nab\t8\nab\0\t9\n' \
	    "$k15" "$k15" "$k15" > a.txt
	cp a.txt b.txt
	printf 'a.txt\nb.txt\n' > list
	printf '%s\t2\n%sb\t4\n%sbc\t6\na\\tb\t8\nc\\\\d\t10\nnu\0l\t12\n\t14\nab\t16\nab\0\t18\n' \
	    "$k15" "$k15" "$k15" | LC_ALL=C sort > want
	for j in 1 2; do
		pdp-map -j$j ./count.so < list | pdp-reduce sum | LC_ALL=C sort > plain
		assert_files_equal want plain
		pdp-map -j$j --combine sum ./count.so < list > comb
		[ "$(wc -l < comb)" -eq $((9 * j)) ] || fail "-j$j: $(wc -l < comb) combined records"
		pdp-reduce sum < comb | LC_ALL=C sort > summed
		assert_files_equal want summed
	done
}

@test "plugin: ctx->count as typed: each input's counts as records, negative, the least and the most, keys near 16 bytes escaped or not" {
	use_plugins
	# Keys of 1, 4, 15, 16 and 17 bytes, plain and with a byte to escape
	# (backslash, CR, TAB) first, within, last and past the 16th; counts
	# 0 (added to nothing), of every length of digits, negative, and the
	# ends of 64 bits, on short keys and a long one.
	k16=aaaaaaaaaaaaaaaa
	printf '%s\t%s\n' a 1 b 0 c -7 d 10 e 99 f 100 g 12345678901234567 \
	    "$k16" max "${k16}x" min n min "${k16%a}" -100 "${k16%a}\\" 3 \
	    "\\${k16%a}" 4 "${k16}\\" 5 "${k16%a}"$'\r' 6 $'t\tab' 7 \
	    "${k16%a}"$'\t' 8 > a.txt
	printf '%s\t%s\n' a 2 a -2 h 9223372036854775806 h 1 > b.txt
	printf '%s\n' a.txt b.txt > list
	for j in 1 2; do
		count_run -j$j
		assert_status 0
		assert_stderr_equals ""
		{
			printf '%s\t%s\n' a 1 b 0 c -7 d 10 e 99 f 100 \
			    g 12345678901234567 "$k16" 9223372036854775807 \
			    "${k16}x" -9223372036854775808 n -9223372036854775808 \
			    "${k16%a}" -100 "${k16%a}\\\\" 3 "\\\\${k16%a}" 4 \
			    "${k16}\\\\" 5 "${k16%a}\\r" 6 't\tab' 7 "${k16%a}\\t" 8
			printf '%s\t%s\n' a 0 h 9223372036854775807
		} | LC_ALL=C sort > want
		assert_files_equal want sorted
	done
}

@test "plugin: ctx->count: sums past 64 bits with --combine sum come in parts; an input's own overflow fails it" {
	use_plugins
	printf 'k\tmax\nj\t1\nm\tmin\n' > a.txt
	printf 'k\tmax\nj\t2\nm\tmin\nEMIT\tj\t5\n' > b.txt
	printf 'k\tmax\nk\t1\n' > c.txt
	printf '%s\n' a.txt c.txt b.txt > list
	count_run -j1 --combine sum
	assert_status 1
	assert_stderr_equals "pdp-map: c.txt: count overflows"
	# j: its counts, and apart from them what ctx->emit gave.
	printf 'j\t3\nj\t5\nk\t9223372036854775807\nk\t9223372036854775807\nm\t-9223372036854775808\nm\t-9223372036854775808\n' > want
	assert_files_equal want sorted
	# The parts are what pdp-reduce --merge takes: its sum is out of range.
	run pdp-reduce sum < out
	assert_status 2
	# An input whose own count is out of range while the worker's sum
	# is not, found when 600,000 more keys push its counts out early.
	# (a.txt is the bigger, to run first; its lines without a TAB count
	# nothing.)
	{ printf 'k\t5\n'; awk 'BEGIN { for (i = 0; i < 1000000; i++) print "padding" }'; } > a.txt
	{ printf 'k\tmin\nk\t-5\n'; awk 'BEGIN { for (i = 0; i < 600000; i++) printf "w%d\t1\n", i }'; } > d.txt
	printf '%s\n' a.txt d.txt > list
	count_run -j1 --combine sum
	assert_status 1
	assert_stderr_equals "pdp-map: d.txt: count overflows"
	printf 'k\t5\n' > want
	assert_files_equal want out
	# A record that ctx->write left unfinished when a committed count
	# moves to the worker's table.
	printf 'WRITE x\nk\tmax\nWRITE \t5\n' > e.txt
	printf '%s\n' a.txt e.txt > list
	count_run -j1 --combine sum
	assert_status 0
	assert_stderr_empty
	# (a.txt's k 5, moved when e.txt's count overflows, and e.txt's.)
	printf 'k\t5\nk\t9223372036854775807\nx\t5\n' > want
	assert_files_equal want sorted
}

@test "plugin: ctx->count in init() counts for the worker's first input" {
	use_plugins
	printf 'x\t1\n' > a.txt
	printf 'x\t2\n' > b.txt
	printf '%s\n' a.txt b.txt > list
	for combine in "" "--combine sum"; do
		# shellcheck disable=SC2086
		pdp-map -j1 $combine ./count.so init < list > out 2> err && status=0 || status=$?
		stderr=$(cat err)
		assert_status 0
		assert_stderr_empty
		pdp-reduce sum < out > got
		printf 'init\t1\nx\t3\n' > want
		assert_files_equal want got
	done
}
