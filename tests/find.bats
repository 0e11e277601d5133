#!/usr/bin/env bats
# pdp-find: which files are listed, in which order, and its failures.

load helper

# d/a.txt d/b.md d/noext d/.hidden.txt d/sub/c.txt d/sub/skip.log
# d/sub/deep/e.txt d/sub/deep/f.txt
mktree() {
	mkdir -p d/sub/deep
	echo a > d/a.txt
	echo b > d/b.md
	echo n > d/noext
	echo h > d/.hidden.txt
	echo c > d/sub/c.txt
	echo s > d/sub/skip.log
	echo e > d/sub/deep/e.txt
	echo f > d/sub/deep/f.txt
}

# listed: the paths of the last run's records, decoded to raw bytes,
# NUL-ended and sorted, to compare with find -print0 | sort -z.
listed() {
	[ -z "$output" ] || printf '%s\n' "$output" | decode_records | sort -z
}

# assert_same_as WANT-FILE: the last run listed exactly those paths.
assert_same_as() {
	listed > "$BATS_TEST_TMPDIR/got"
	assert_files_equal "$1" "$BATS_TEST_TMPDIR/got"
}

@test "pdp-find: *.txt recursively by default, like find -name '*.txt'" {
	mktree
	run --separate-stderr pdp-find d
	assert_status 0
	assert_stderr_empty
	output=$(printf '%s\n' "$output" | sort)
	assert_output_equals "$(find d -type f -name '*.txt' | sort)"
	assert_output_equals <<-'EOF'
		d/.hidden.txt
		d/a.txt
		d/sub/c.txt
		d/sub/deep/e.txt
		d/sub/deep/f.txt
	EOF
}

@test "pdp-find: the default path is ." {
	mktree
	cd d
	run --separate-stderr pdp-find -s name
	assert_status 0
	assert_stderr_empty
	assert_output_equals <<-'EOF'
		./.hidden.txt
		./a.txt
		./sub/c.txt
		./sub/deep/e.txt
		./sub/deep/f.txt
	EOF
}

@test "pdp-find: -n is repeatable and replaces the default *.txt" {
	mktree
	run --separate-stderr pdp-find -s name -n '*.md' -n 'c*' d
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'd/b.md\nd/sub/c.txt')"
	run --separate-stderr pdp-find -s name --name='*.log' d
	assert_status 0
	assert_output_equals "d/sub/skip.log"
}

@test "pdp-find: -a lists every regular file, not links or FIFOs" {
	mktree
	mkfifo d/fifo.txt
	ln -s a.txt d/link.txt
	run --separate-stderr pdp-find -a d
	assert_status 0
	assert_stderr_empty
	output=$(printf '%s\n' "$output" | sort)
	assert_output_equals "$(find d -type f | sort)"
	assert_output_equals <<-'EOF'
		d/.hidden.txt
		d/a.txt
		d/b.md
		d/noext
		d/sub/c.txt
		d/sub/deep/e.txt
		d/sub/deep/f.txt
		d/sub/skip.log
	EOF
}

@test "pdp-find: -x skips files by name" {
	mktree
	run --separate-stderr pdp-find -s name -x 'a.txt' -x '.*' d
	assert_status 0
	assert_stderr_empty
	assert_output_equals <<-'EOF'
		d/sub/c.txt
		d/sub/deep/e.txt
		d/sub/deep/f.txt
	EOF
}

@test "pdp-find: -x skips whole directories, at any depth" {
	mktree
	run --separate-stderr pdp-find -s name -x sub d
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'd/.hidden.txt\nd/a.txt')"
	run --separate-stderr pdp-find -s name -a --exclude='de*' d
	assert_status 0
	assert_stderr_empty
	assert_output_equals <<-'EOF'
		d/.hidden.txt
		d/a.txt
		d/b.md
		d/noext
		d/sub/c.txt
		d/sub/skip.log
	EOF
}

@test "pdp-find: -d 1 lists only the named directory's own files" {
	mktree
	run --separate-stderr pdp-find -s name -d 1 d
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'd/.hidden.txt\nd/a.txt')"
}

@test "pdp-find: -d 2 goes one level down, --max-depth=3 two" {
	mktree
	run --separate-stderr pdp-find -s name -d 2 d
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'd/.hidden.txt\nd/a.txt\nd/sub/c.txt')"
	run --separate-stderr pdp-find -s name --max-depth=3 d
	assert_status 0
	assert_output_equals "$(find d -maxdepth 3 -type f -name '*.txt' | sort)"
}

@test "pdp-find: an invalid depth is a usage error" {
	mktree
	run --separate-stderr pdp-find -d x d
	assert_status 2
	assert_output_empty
	assert_stderr_contains "pdp-find: invalid depth 'x'"
	run --separate-stderr pdp-find -d -1 d
	assert_status 2
	assert_output_empty
	assert_stderr_contains "pdp-find: "
}

@test "pdp-find: symbolic links are not followed without -L" {
	mkdir -p real l
	echo r > real/r.txt
	echo o > other.txt
	ln -s ../real l/dirlink
	ln -s ../other.txt l/filelink.txt
	echo m > l/mine.txt
	run --separate-stderr pdp-find -s name l
	assert_status 0
	assert_stderr_empty
	assert_output_equals "l/mine.txt"
	run --separate-stderr pdp-find -s name -a l
	assert_status 0
	assert_output_equals "l/mine.txt"
}

@test "pdp-find: -L follows links to files and directories" {
	mkdir -p real l
	echo r > real/r.txt
	echo o > other.txt
	ln -s ../real l/dirlink
	ln -s ../other.txt l/filelink.txt
	echo m > l/mine.txt
	run --separate-stderr pdp-find -L -s name l
	assert_status 0
	assert_stderr_empty
	assert_output_equals <<-'EOF'
		l/dirlink/r.txt
		l/filelink.txt
		l/mine.txt
	EOF
	output=$(printf '%s\n' "$output" | sort)
	assert_output_equals "$(find -L l -type f -name '*.txt' | sort)"
}

@test "pdp-find: -L detects a directory loop: reported as find does, the rest listed, exit 1" {
	mkdir -p l/real
	echo a > l/real/f.txt
	ln -s .. l/real/up
	ln -s real l/link
	run --separate-stderr timeout 20 pdp-find -L -s name l
	assert_status 1
	assert_output_equals "$(printf 'l/link/f.txt\nl/real/f.txt')"
	assert_stderr_equals <<-'EOF'
		pdp-find: l/link/up: file system loop: the same directory as l
		pdp-find: l/real/up: file system loop: the same directory as l
	EOF
	# GNU find: the same files, a loop for the same two paths, exit 1.
	run --separate-stderr find -L l -type f
	assert_status 1
	listed > want
	run --separate-stderr pdp-find -L l
	assert_same_as want
	# Without -L the links are not followed at all: no loop, no warning.
	run --separate-stderr pdp-find -s name l
	assert_status 0
	assert_stderr_empty
	assert_output_equals "l/real/f.txt"
}

@test "pdp-find: -L reports a loop of symbolic links (ELOOP) as find does, exit 1, the rest listed" {
	mkdir l
	echo a > l/f.txt
	ln -s b l/a
	ln -s a l/b
	ln -s self l/self
	ln -s nowhere l/dangling
	ln -s f.txt l/g.txt
	run --separate-stderr pdp-find -L -s name l
	assert_status 1
	assert_output_equals "$(printf 'l/f.txt\nl/g.txt')"
	stderr=$(printf '%s\n' "$stderr" | sort)
	assert_stderr_equals <<-'EOF'
		pdp-find: l/a: Too many levels of symbolic links
		pdp-find: l/b: Too many levels of symbolic links
		pdp-find: l/self: Too many levels of symbolic links
	EOF
	# GNU find -L names the same links, lists the same files, exits 1;
	# the dangling link is silent for both.
	run --separate-stderr find -L l -type f
	assert_status 1
	listed > want
	printf '%s\n' "$stderr" | sed -n "s/^find: .\(.*\).: Too many levels of symbolic links\$/\1/p" |
	    sort > want.err
	run --separate-stderr pdp-find -L l
	assert_status 1
	assert_same_as want
	printf '%s\n' "$stderr" | sed -n 's/^pdp-find: \(.*\): Too many levels of symbolic links$/\1/p' |
	    sort > got.err
	assert_files_equal want.err got.err
	# Without -L no link is followed: nothing to report, exit 0, as find.
	run --separate-stderr pdp-find -s name l
	assert_status 0
	assert_stderr_empty
	assert_output_equals "l/f.txt"
	run --separate-stderr find l -type f
	assert_status 0
	assert_stderr_empty
	# An operand that is a loop of links is reported, with or without -L.
	for L in "" -L; do
		run --separate-stderr pdp-find $L l/self
		assert_status 1
		assert_output_empty
		assert_stderr_equals "$(printf '%s\n' 'pdp-find: l/self: Too many levels of symbolic links' \
		    'pdp-find: no files matched (see -n and -a)')"
	done
}

@test "pdp-find: -s name and -s size in a directory with nothing to list" {
	mkdir -p e/empty
	echo x > e/only.md
	for s in name size; do
		run --separate-stderr pdp-find -s "$s" e
		assert_status 0
		assert_output_empty
		assert_stderr_equals "pdp-find: no files matched (see -n and -a)"
	done
}

@test "pdp-find: a directory operand that is a link is followed" {
	mkdir real
	echo r > real/r.txt
	ln -s real op
	run --separate-stderr pdp-find op
	assert_status 0
	assert_stderr_empty
	assert_output_equals "op/r.txt"
}

@test "pdp-find: -s name is bytewise path order (LC_ALL=C sort)" {
	mkdir -p s/a s/a- s/A s/sub
	for n in b a B _x 'a b' Z10 z2 é 10 9 a.b 'a~'; do
		echo "$n" > "s/$n.txt"
	done
	echo 1 > s/a/x.txt
	echo 2 > s/a-/y.txt
	echo 3 > s/A/z.txt
	echo 4 > s/sub/a.txt
	run --separate-stderr pdp-find -s name s
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(find s -name '*.txt' | LC_ALL=C sort)"
	assert_output_equals <<-'EOF'
		s/10.txt
		s/9.txt
		s/A/z.txt
		s/B.txt
		s/Z10.txt
		s/_x.txt
		s/a b.txt
		s/a-/y.txt
		s/a.b.txt
		s/a.txt
		s/a/x.txt
		s/a~.txt
		s/b.txt
		s/sub/a.txt
		s/z2.txt
		s/é.txt
	EOF
}

@test "pdp-find: -s size is largest first, ties by name" {
	mkdir -p s/sub
	printf '12345' > s/five-b.txt
	printf '12345' > s/five-a.txt
	printf '12345' > s/sub/five.txt
	printf '1234567890' > s/ten.txt
	printf '1' > s/one.txt
	: > s/empty.txt
	printf '123' > s/three.txt
	run --separate-stderr pdp-find --sort=size s
	assert_status 0
	assert_stderr_empty
	assert_output_equals <<-'EOF'
		s/ten.txt
		s/five-a.txt
		s/five-b.txt
		s/sub/five.txt
		s/three.txt
		s/one.txt
		s/empty.txt
	EOF
}

@test "pdp-find: -s none lists the same files as -s name" {
	mktree
	run --separate-stderr pdp-find -s none d
	assert_status 0
	assert_stderr_empty
	output=$(printf '%s\n' "$output" | sort)
	assert_output_equals "$(pdp-find -s name d)"
}

@test "pdp-find: an invalid sort order is a usage error" {
	mktree
	run --separate-stderr pdp-find -s bogus d
	assert_status 2
	assert_output_empty
	assert_stderr_contains "pdp-find: invalid sort order 'bogus'"
}

@test "pdp-find: -0 writes raw NUL-terminated paths, as find -print0" {
	mkdir -p z/sub
	echo 1 > "z/new
line.txt"
	echo 2 > "z/tab	x.txt"
	echo 3 > 'z/back\slash.txt'
	echo 4 > z/sub/plain.txt
	pdp-find -0 -s name z > got
	find z -name '*.txt' -print0 | LC_ALL=C sort -z > want
	assert_files_equal want got
	run --separate-stderr pdp-find --null z
	assert_status 0
	assert_stderr_empty
}

@test "pdp-find: without -0, TAB, newline and backslash are escaped" {
	mkdir z
	echo 1 > "z/new
line.txt"
	echo 2 > "z/tab	x.txt"
	echo 3 > 'z/back\slash.txt'
	echo 4 > "$(printf 'z/cr\r.txt')"
	run --separate-stderr pdp-find -s name z
	assert_status 0
	assert_stderr_empty
	assert_output_equals <<-'EOF'
		z/back\\slash.txt
		z/cr\r.txt
		z/new\nline.txt
		z/tab\tx.txt
	EOF
}

@test "pdp-find: file operands are listed as given, - names a file after --" {
	mktree
	echo x > -dash.txt
	run --separate-stderr pdp-find d/b.md -- -dash.txt
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'd/b.md\n-dash.txt')"
}

@test "pdp-find: a missing operand: message, the others listed, exit 1" {
	mktree
	run --separate-stderr pdp-find nosuch d/sub/deep
	assert_status 1
	assert_stderr_contains "pdp-find: nosuch: No such file or directory"
	output=$(printf '%s\n' "$output" | sort)
	assert_output_equals "$(printf 'd/sub/deep/e.txt\nd/sub/deep/f.txt')"
	run --separate-stderr pdp-find nosuch
	assert_status 1
	assert_output_empty
	assert_stderr_contains "pdp-find: nosuch: No such file or directory"
}

@test "pdp-find: an operand that is neither file nor directory is reported" {
	mkfifo fifo
	run --separate-stderr timeout 10 pdp-find fifo
	assert_status 1
	assert_output_empty
	assert_stderr_contains "pdp-find: fifo: "
}

@test "pdp-find: nothing matched: empty output, a warning, exit 0" {
	mktree
	run --separate-stderr pdp-find -n '*.zzz' d
	assert_status 0
	assert_output_empty
	assert_stderr_contains "pdp-find: no files matched"
}

@test "pdp-find: an empty directory: empty output, a warning, exit 0" {
	mkdir empty
	run --separate-stderr pdp-find empty
	assert_status 0
	assert_output_empty
	assert_stderr_contains "pdp-find: no files matched"
}

@test "pdp-find: an unreadable directory is reported, the walk goes on, exit 1" {
	mktree
	mkdir d/locked
	echo l > d/locked/hidden.txt
	need_unprivileged
	chmod 000 d/locked
	run --separate-stderr unpriv "$UBIN/pdp-find" -s name d
	assert_status 1
	assert_stderr_contains "pdp-find: d/locked: Permission denied"
	assert_output_equals <<-'EOF'
		d/.hidden.txt
		d/a.txt
		d/sub/c.txt
		d/sub/deep/e.txt
		d/sub/deep/f.txt
	EOF
}

@test "pdp-find: an unknown option or a missing argument is a usage error" {
	run --separate-stderr pdp-find -q .
	assert_status 2
	assert_output_empty
	assert_stderr_contains "usage: pdp-find"
	run --separate-stderr pdp-find --bogus .
	assert_status 2
	assert_output_empty
	assert_stderr_contains "usage: pdp-find"
	run --separate-stderr pdp-find -n
	assert_status 2
	assert_output_empty
	assert_stderr_contains "usage: pdp-find"
}

@test "pdp-find: --help and -h print usage on stdout, exit 0" {
	run --separate-stderr pdp-find --help
	assert_status 0
	assert_stderr_empty
	assert_output_contains "usage: pdp-find"
	assert_output_contains "--max-depth"
	assert_output_contains "--exclude"
	run --separate-stderr pdp-find -h
	assert_status 0
	assert_stderr_empty
	assert_output_contains "usage: pdp-find"
}

@test "pdp-find: --version" {
	run --separate-stderr pdp-find --version
	assert_status 0
	assert_stderr_empty
	assert_output_matches '^pdp-find [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "pdp-find: a directory of 20,000 files: the same list as find" {
	make_many many 20000
	pdp-find many | sort > got
	find many -type f -name '*.txt' | sort > want
	[ "$(wc -l < want)" -eq 20000 ]
	assert_files_equal want got
	run --separate-stderr pdp-find -s name many
	assert_status 0
	assert_stderr_empty
	[ "${#lines[@]}" -eq 20000 ] || fail "expected 20000 lines, got ${#lines[@]}"
}

@test "pdp-find: --shard I/N: the shards are disjoint and together the whole list" {
	make_many many 1000
	pdp-find -s name many > all
	for k in 1 2 3; do
		run --separate-stderr pdp-find -s name --shard "$k/3" many
		assert_status 0
		assert_stderr_empty
		printf '%s\n' "$output" > "s$k"
	done
	# Disjoint: no path twice; the union: every path once.
	sort s1 s2 s3 > union
	[ -z "$(uniq -d union)" ] || fail "a path is in two shards"
	assert_files_equal all union
	# Roughly even: each shard within 25% of 1000/3.
	for i in 1 2 3; do
		n=$(wc -l < "s$i")
		[ "$n" -ge 250 ] && [ "$n" -le 417 ] ||
		    fail "shard $i of 3 has $n of 1000 files"
	done
	# 1/1 is everything.
	run --separate-stderr pdp-find -s name --shard 1/1 many
	assert_status 0
	assert_output_equals "$(cat all)"
}

@test "pdp-find: --shard hashes the raw path with FNV-1a 64, mod N, 1-based" {
	mktree
	printf 'x\n' > 'd/new
line.txt'
	# Fixed values: the hash must never change, as other tools reproduce
	# it.  FNV-1a 64 of "d/a.txt" is 0xcab40b14c99c8849, which is 1 mod
	# 3: shard 2.  The raw name with a newline is in shard 3; its escaped
	# form would be in shard 1.
	run --separate-stderr pdp-find -s name --shard 1/3 d
	assert_status 0
	assert_output_equals "$(printf 'd/sub/c.txt\nd/sub/deep/f.txt')"
	run --separate-stderr pdp-find -s name --shard 2/3 d
	assert_status 0
	assert_output_equals "d/a.txt"
	run --separate-stderr pdp-find -s name --shard 3/3 d
	assert_status 0
	assert_output_equals "$(printf 'd/.hidden.txt\nd/new\\nline.txt\nd/sub/deep/e.txt')"
	run --separate-stderr pdp-find -s name --shard=7/7 d
	assert_status 0
	assert_output_equals "d/sub/deep/e.txt"
}

@test "pdp-find: --shard with -0 and -s size" {
	make_many many 300
	for i in 1 2; do
		pdp-find -0 --shard "$i/2" many | tr '\0' '\n' | sort > "z$i"
		pdp-find --shard "$i/2" many | sort > "n$i"
		assert_files_equal "n$i" "z$i"
		pdp-find -s size --shard "$i/2" many | sort > "s$i"
		assert_files_equal "n$i" "s$i"
	done
	[ -s z1 ] && [ -s z2 ] || fail "an empty shard of 300 files"
}

@test "pdp-find: an invalid --shard is a usage error naming the option" {
	mktree
	for bad in 0/3 4/3 1/0 x/y 1/ /3 3 -1/3 1/-3 '1/3 ' 1/1000001; do
		run --separate-stderr pdp-find --shard "$bad" d
		assert_status 2
		assert_output_empty
		assert_stderr_equals "pdp-find: invalid --shard '$bad' (I/N, 1 <= I <= N <= 1000000)"
	done
	run --separate-stderr pdp-find --shard
	assert_status 2
	assert_stderr_contains "usage: pdp-find"
}
