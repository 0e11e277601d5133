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

# visible DIR [TEST...]: what find lists as pdp-find does by default:
# the regular files below DIR that pass TEST, hidden names below DIR
# pruned; NUL-ended, sorted.
visible() {
	local dir=$1
	shift
	find "$dir" -mindepth 1 -name '.*' -prune -o -type f "$@" -print0 | sort -z
}

# assert_same_as WANT-FILE: the last run listed exactly those paths.
assert_same_as() {
	listed > "$BATS_TEST_TMPDIR/got"
	assert_files_equal "$1" "$BATS_TEST_TMPDIR/got"
}

@test "pdp-find: every regular file by default, hidden ones skipped, like find -type f" {
	mktree
	mkdir -p d/.git/objects d/sub/.cache
	echo g > d/.git/config
	echo o > d/.git/objects/ab
	echo x > d/sub/.cache/x.txt
	printf '\0\1\2' > d/sub/bin.dat
	printf '\037\213\010' > d/sub/z.gz
	mkfifo d/fifo
	ln -s a.txt d/link.txt
	run --separate-stderr pdp-find d
	assert_status 0
	assert_stderr_empty
	visible d > want
	assert_same_as want
	run --separate-stderr pdp-find -s name d
	assert_status 0
	assert_stderr_empty
	assert_output_equals <<-'EOF'
		d/a.txt
		d/b.md
		d/noext
		d/sub/bin.dat
		d/sub/c.txt
		d/sub/deep/e.txt
		d/sub/deep/f.txt
		d/sub/skip.log
		d/sub/z.gz
	EOF
}

@test "pdp-find: -H walks hidden files and directories too, like find -type f" {
	mktree
	mkdir -p d/.git/objects d/sub/.cache
	echo g > d/.git/config
	echo o > d/.git/objects/ab
	echo x > d/sub/.cache/x.txt
	run --separate-stderr pdp-find -H d
	assert_status 0
	assert_stderr_empty
	find d -type f -print0 | sort -z > want
	assert_same_as want
	run --separate-stderr pdp-find --hidden -s name -n '.*' d
	assert_status 0
	assert_stderr_empty
	assert_output_equals "d/.hidden.txt"
}

@test "pdp-find: a hidden path named as an operand is walked; hidden names below it are not" {
	mkdir -p .git/objects .config/app/.secret p
	echo c > .git/config
	echo o > .git/objects/ab
	echo a > .config/app/app.conf
	echo s > .config/app/.secret/key
	echo k > .config/.keep
	echo v > visible.txt
	echo p > p/.dot.txt
	run --separate-stderr pdp-find -s name .git
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf '.git/config\n.git/objects/ab')"
	run --separate-stderr pdp-find -s name ./.config
	assert_status 0
	assert_stderr_empty
	assert_output_equals "./.config/app/app.conf"
	visible ./.config > "$BATS_TEST_TMPDIR/want"
	assert_same_as "$BATS_TEST_TMPDIR/want"
	# . and .. are not hidden.
	run --separate-stderr pdp-find -s name .
	assert_status 0
	assert_stderr_empty
	assert_output_equals "./visible.txt"
	(cd .config/app && run --separate-stderr pdp-find -s name .. &&
	    assert_status 0 && assert_output_equals "../app/app.conf")
	# A hidden file named as an operand is listed.
	run --separate-stderr pdp-find p/.dot.txt .git/config
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'p/.dot.txt\n.git/config')"
}

@test "pdp-find: only hidden files below: a warning that names -H, exit 0" {
	mkdir -p h/.d
	echo 1 > h/.a
	echo 2 > h/.d/b
	run --separate-stderr pdp-find h
	assert_status 0
	assert_output_empty
	assert_stderr_equals "pdp-find: no files matched (hidden files and directories are skipped without -H)"
	run --separate-stderr pdp-find -H -s name h
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'h/.a\nh/.d/b')"
}

@test "pdp-find: the default path is ." {
	mktree
	cd d
	run --separate-stderr pdp-find -s name
	assert_status 0
	assert_stderr_empty
	assert_output_equals <<-'EOF'
		./a.txt
		./b.md
		./noext
		./sub/c.txt
		./sub/deep/e.txt
		./sub/deep/f.txt
		./sub/skip.log
	EOF
}

@test "pdp-find: -n narrows to the names that match any of the globs, as find -name" {
	mktree
	run --separate-stderr pdp-find -s name -n '*.md' -n 'c*' d
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'd/b.md\nd/sub/c.txt')"
	run --separate-stderr pdp-find -s name --name='*.log' d
	assert_status 0
	assert_output_equals "d/sub/skip.log"
	run --separate-stderr pdp-find -n '*.txt' d
	assert_status 0
	assert_stderr_empty
	visible d -name '*.txt' > want
	assert_same_as want
	# Case matters, as for find -name.
	run --separate-stderr pdp-find -n '*.MD' d
	assert_status 0
	assert_output_empty
	assert_stderr_equals "pdp-find: no files matched (hidden files and directories are skipped without -H)"
}

@test "pdp-find: -a and --all change nothing: every regular file, never links or FIFOs" {
	mktree
	mkfifo d/fifo.txt
	ln -s a.txt d/link.txt
	pdp-find -s name d > want
	for a in -a --all; do
		run --separate-stderr pdp-find -s name "$a" d
		assert_status 0
		assert_stderr_empty
		assert_output_equals "$(cat want)"
	done
	assert_output_equals <<-'EOF'
		d/a.txt
		d/b.md
		d/noext
		d/sub/c.txt
		d/sub/deep/e.txt
		d/sub/deep/f.txt
		d/sub/skip.log
	EOF
	run --separate-stderr pdp-find -a -n '*.md' d
	assert_status 0
	assert_output_equals "d/b.md"
}

@test "pdp-find: -x skips files by name" {
	mktree
	run --separate-stderr pdp-find -H -s name -x 'a.txt' -x '.*' -x '*.md' -x noext d
	assert_status 0
	assert_stderr_empty
	assert_output_equals <<-'EOF'
		d/sub/c.txt
		d/sub/deep/e.txt
		d/sub/deep/f.txt
		d/sub/skip.log
	EOF
}

@test "pdp-find: -x skips whole directories, at any depth" {
	mktree
	run --separate-stderr pdp-find -s name -x sub d
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'd/a.txt\nd/b.md\nd/noext')"
	run --separate-stderr pdp-find -s name --exclude='de*' d
	assert_status 0
	assert_stderr_empty
	assert_output_equals <<-'EOF'
		d/a.txt
		d/b.md
		d/noext
		d/sub/c.txt
		d/sub/skip.log
	EOF
	# An operand is never excluded.
	run --separate-stderr pdp-find -s name -x deep d/sub/deep
	assert_status 0
	assert_output_equals "$(printf 'd/sub/deep/e.txt\nd/sub/deep/f.txt')"
}

@test "pdp-find: -d 1 lists only the named directory's own files" {
	mktree
	run --separate-stderr pdp-find -s name -d 1 d
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'd/a.txt\nd/b.md\nd/noext')"
}

@test "pdp-find: -d 2 goes one level down, --max-depth=3 two" {
	mktree
	run --separate-stderr pdp-find -s name -n '*.txt' -d 2 d
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'd/a.txt\nd/sub/c.txt')"
	run --separate-stderr pdp-find -s name --max-depth=3 d
	assert_status 0
	visible d -maxdepth 3 > want
	assert_same_as want
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
		    'pdp-find: no files matched')"
	done
}

@test "pdp-find: -s name and -s size in a directory with nothing to list" {
	mkdir -p e/empty
	echo x > e/.only
	for s in name size; do
		run --separate-stderr pdp-find -s "$s" e
		assert_status 0
		assert_output_empty
		assert_stderr_equals "pdp-find: no files matched (hidden files and directories are skipped without -H)"
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

@test "pdp-find: file operands pass the filters as find tests them, but never -x" {
	mktree
	run --separate-stderr pdp-find -e md d/a.txt d/b.md d/noext
	assert_status 0
	assert_stderr_empty
	assert_output_equals "d/b.md"
	run --separate-stderr pdp-find -n 'a*' -x 'a*' d/a.txt d/b.md
	assert_status 0
	assert_stderr_empty
	assert_output_equals "d/a.txt"
	# -p sees a file operand's path as given, as find -path does.
	run --separate-stderr pdp-find -p 'd/*.md' d/a.txt d/b.md
	assert_status 0
	assert_output_equals "d/b.md"
	run --separate-stderr find d/a.txt d/b.md -path 'd/*.md'
	assert_output_equals "d/b.md"
	run --separate-stderr pdp-find --size +100 d/a.txt
	assert_status 0
	assert_output_empty
	assert_stderr_equals "pdp-find: no files matched"
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
	run --separate-stderr unpriv "$UBIN/pdp-find" -s name -n '*.txt' d
	assert_status 1
	assert_stderr_equals "pdp-find: d/locked: Permission denied"
	assert_output_equals <<-'EOF'
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
	# The usage names every option of the man page's SYNOPSIS.
	for o in '[-0aHLh]' '[-d depth]' '[-e ext]...' '[-n glob]...' \
	    '[-p glob]...' '[-x glob]...' '[--size [+|-]N[K|M|G]]...' \
	    '[--mtime [+|-]days]...' '[--newer file]...' '[-s name|size|none]' \
	    '[--shard I/N]' '[path ...]'; do
		assert_stderr_contains "$o"
	done
	for o in --size --mtime --newer -e -p; do
		run --separate-stderr pdp-find . "$o"
		assert_status 2
		assert_output_empty
		assert_stderr_contains "usage: pdp-find"
	done
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
	for o in 0 a d e H L n p s x h; do
		assert_output_contains "  -$o, --"
	done
	for o in null all max-depth extension hidden follow mtime name newer \
	    path size sort shard exclude help version; do
		assert_output_contains " --$o"
	done
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
	run --separate-stderr pdp-find -H -n '*.txt' -s name --shard 1/3 d
	assert_status 0
	assert_output_equals "$(printf 'd/sub/c.txt\nd/sub/deep/f.txt')"
	run --separate-stderr pdp-find -H -n '*.txt' -s name --shard 2/3 d
	assert_status 0
	assert_output_equals "d/a.txt"
	run --separate-stderr pdp-find -H -n '*.txt' -s name --shard 3/3 d
	assert_status 0
	assert_output_equals "$(printf 'd/.hidden.txt\nd/new\\nline.txt\nd/sub/deep/e.txt')"
	run --separate-stderr pdp-find -H -n '*.txt' -s name --shard=7/7 d
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

# --- filters ---------------------------------------------------------------

# x/ holds names with extensions of every kind.
mkexts() {
	mkdir -p x/sub x/.h
	for n in a.txt b.TXT c.Txt d.txt.bak e.tar.gz f.gz g.tgz tar.gz .txt \
	    noext 'sp ace.txt' h..txt sub/i.txt sub/j.md .h/k.txt; do
		echo "$n" > "x/$n"
	done
}

@test "pdp-find: -e EXT: the names ending in .EXT, any case, as fd -e" {
	mkexts
	for e in txt .txt TXT ..tXt; do
		run --separate-stderr pdp-find -s name -e "$e" x
		assert_status 0
		assert_stderr_empty
		assert_output_equals <<-'EOF'
			x/a.txt
			x/b.TXT
			x/c.Txt
			x/h..txt
			x/sp ace.txt
			x/sub/i.txt
		EOF
	done
	# As find -iname '*.txt', but a name that is only ".txt" has no
	# extension (fd's rule), even with -H.
	run --separate-stderr pdp-find -H -e txt x
	assert_status 0
	find x -type f -iname '*.txt' ! -name .txt -print0 | sort -z > want
	assert_same_as want
	assert_output_contains "x/.h/k.txt"
}

@test "pdp-find: -e is repeatable (any of them), and takes extensions of two parts" {
	mkexts
	run --separate-stderr pdp-find -s name -e tar.gz x
	assert_status 0
	assert_stderr_empty
	assert_output_equals "x/e.tar.gz"
	run --separate-stderr pdp-find -s name -e gz x
	assert_status 0
	assert_output_equals "$(printf 'x/e.tar.gz\nx/f.gz\nx/tar.gz')"
	run --separate-stderr pdp-find -s name --extension=md -e tgz -e bak x
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'x/d.txt.bak\nx/g.tgz\nx/sub/j.md')"
}

@test "pdp-find: an empty extension, or one with a slash, is a usage error" {
	mkexts
	for e in '' . .. a/b; do
		run --separate-stderr pdp-find -e "$e" x
		assert_status 2
		assert_output_empty
		assert_stderr_equals "pdp-find: invalid extension '$e'"
	done
}

# sz/: files of 0, 1, 1023, 1024, 1025, 1 MiB and 1 MiB + 1 bytes.
mksizes() {
	mkdir sz
	for n in 0 1 1023 1024 1025 1048576 1048577; do
		head -c "$n" /dev/zero > "sz/$n"
	done
}

@test "pdp-find: --size +N, -N and N: more than, less than, exactly N bytes" {
	mksizes
	sizes() { printf '%s\n' "$output" | sed 's,^sz/,,' | sort -n | tr '\n' ' '; }
	for t in '+1k:1025 1048576 1048577 ' '-1k:0 1 1023 ' '1k:1024 ' \
	    '1024:1024 ' '1024c:1024 ' '+1M:1048577 ' '-1M:0 1 1023 1024 1025 ' \
	    '1MiB:1048576 ' '0:0 ' '+0:1 1023 1024 1025 1048576 1048577 ' \
	    '-1:0 ' '+1048577:' '+1023c:1024 1025 1048576 1048577 ' '1K:1024 '; do
		run --separate-stderr pdp-find --size "${t%%:*}" sz
		assert_status 0
		[ -n "${t#*:}" ] || { assert_stderr_equals "pdp-find: no files matched"; continue; }
		assert_stderr_empty
		[ "$(sizes)" = "${t#*:}" ] || fail "--size ${t%%:*}: got $(sizes), want ${t#*:}"
	done
}

@test "pdp-find: --size in bytes (c) is find -size's, and --size is not rounded up as find's units are" {
	mksizes
	for t in +1023c -1024c 1024c +0c -1025c 1048577c; do
		run --separate-stderr pdp-find --size "$t" sz
		assert_status 0
		find sz -type f -size "$t" -print0 | sort -z > want
		assert_same_as want
	done
	# find rounds sizes up to its unit: -1k is only the empty file.
	[ "$(find sz -type f -size -1k)" = sz/0 ]
	run --separate-stderr pdp-find -s name --size -1k sz
	assert_status 0
	assert_output_equals "$(printf 'sz/0\nsz/1\nsz/1023')"
}

@test "pdp-find: --size given twice is a range (both hold)" {
	mksizes
	run --separate-stderr pdp-find -s name --size +1k --size -1M sz
	assert_status 0
	assert_stderr_empty
	assert_output_equals "sz/1025"
	find sz -type f -size +1024c -size -1048576c -print0 | sort -z > want
	assert_same_as want
}

@test "pdp-find: an invalid --size is a usage error naming the option" {
	mksizes
	for bad in '' + - x 1x 1b 1kc c ++1 +-1 ' 1' '1 ' 1.5k 9223372036854775808 8E 16777216T; do
		run --separate-stderr pdp-find --size "$bad" sz
		assert_status 2
		assert_output_empty
		assert_stderr_equals "pdp-find: invalid --size '$bad' ([+-]N[cKMG])"
	done
}

# mt/: files last modified 1, 30, 50 and 250 hours ago and 2 hours from
# now: whole 24-hour periods 0, 1, 2, 10 and -1.  Far from the edges of
# a period, so that the test does not depend on when it runs.
mkages() {
	local now
	now=$(date +%s)
	mkdir mt
	for h in 1 30 50 250; do
		touch -d "@$((now - h * 3600))" "mt/h$h"
	done
	touch -d "@$((now + 2 * 3600))" mt/future
}

@test "pdp-find: --mtime counts whole 24-hour periods as find -mtime" {
	mkages
	for t in 0 1 2 10 +0 +1 +2 +9 +10 -1 -2 -3 -10 -11 3; do
		run --separate-stderr pdp-find --mtime "$t" mt
		assert_status 0
		find mt -type f -mtime "$t" -print0 | sort -z > want
		assert_same_as want
		if [ -s want ]; then assert_stderr_empty; else
			assert_stderr_equals "pdp-find: no files matched"; fi
	done
	run --separate-stderr pdp-find -s name --mtime -1 mt
	assert_output_equals "$(printf 'mt/future\nmt/h1')"
	# +1: at least two whole days old, as find has it.
	run --separate-stderr pdp-find -s name --mtime +1 mt
	assert_output_equals "$(printf 'mt/h250\nmt/h50')"
	run --separate-stderr pdp-find -s name --mtime +0 --mtime=-3 mt
	assert_status 0
	assert_output_equals "$(printf 'mt/h30\nmt/h50')"
}

@test "pdp-find: an invalid --mtime is a usage error naming the option" {
	mkages
	for bad in '' + x 1.5 1d ++1 -+1 ' 1' 1000000001; do
		run --separate-stderr pdp-find --mtime "$bad" mt
		assert_status 2
		assert_output_empty
		assert_stderr_equals "pdp-find: invalid --mtime '$bad' ([+-]DAYS)"
	done
}

@test "pdp-find: --newer FILE: modified strictly later, to the nanosecond, as find -newer" {
	mkdir nw
	touch -d '@1700000000.500000000' stamp
	touch -d '@1700000000.500000000' nw/same
	touch -d '@1700000000.400000000' nw/older
	touch -d '@1700000000.600000000' nw/newer
	touch -d '@1800000000' nw/much-newer
	touch -d '@1600000000' nw/much-older
	run --separate-stderr pdp-find -s name --newer stamp nw
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'nw/much-newer\nnw/newer')"
	find nw -type f -newer stamp -print0 | sort -z > want
	assert_same_as want
	# Given twice: newer than both; a link as FILE is followed.
	ln -s nw/newer link
	run --separate-stderr pdp-find -s name --newer stamp --newer=link nw
	assert_status 0
	assert_output_equals "nw/much-newer"
}

@test "pdp-find: --newer FILE that cannot be read is an error, exit 2" {
	mkdir nw
	echo x > nw/a
	run --separate-stderr pdp-find --newer nosuch nw
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-find: --newer nosuch: No such file or directory"
	ln -s self self
	run --separate-stderr pdp-find --newer self nw
	assert_status 2
	assert_stderr_equals "pdp-find: --newer self: Too many levels of symbolic links"
}

@test "pdp-find: -p GLOB: the path below the named directory, * matching / too, as find -path" {
	mktree
	run --separate-stderr pdp-find -s name -p 'sub/*' d
	assert_status 0
	assert_stderr_empty
	assert_output_equals <<-'EOF'
		d/sub/c.txt
		d/sub/deep/e.txt
		d/sub/deep/f.txt
		d/sub/skip.log
	EOF
	for g in 'sub/*' '*/deep/*' 'sub/*.txt' '*.txt' '?.txt' 'sub/[cs]*' '*e*'; do
		run --separate-stderr pdp-find -p "$g" d
		assert_status 0
		visible d -path "d/$g" > want
		assert_same_as want
		# The same with the operand spelled d/ and ./d.
		run --separate-stderr pdp-find -p "$g" d/
		assert_status 0
		output=$(printf '%s\n' "$output" | sed 's,^d/,d/,')
		assert_same_as want
		run --separate-stderr pdp-find --path="$g" ./d
		assert_status 0
		output=$(printf '%s\n' "$output" | sed 's,^\./,,')
		assert_same_as want
	done
	# A leading dot is nothing special to the glob (-H to walk them).
	run --separate-stderr pdp-find -H -s name -p '*/.*' -p '.*' d
	assert_status 0
	assert_output_equals "d/.hidden.txt"
	# Any of several.
	run --separate-stderr pdp-find -s name -p a.txt -p 'sub/deep/e*' d
	assert_status 0
	assert_output_equals "$(printf 'd/a.txt\nd/sub/deep/e.txt')"
	# The operand itself is not part of the path.
	run --separate-stderr pdp-find -p 'd/*' d
	assert_status 0
	assert_output_empty
	assert_stderr_equals "pdp-find: no files matched (hidden files and directories are skipped without -H)"
}

@test "pdp-find: filters of different kinds all hold, as find's primaries joined by -a" {
	mktree
	mksizes
	mv sz d/sz
	printf 'long enough\n' > d/sub/big.txt
	touch -d '@1600000000' d/sub/deep/f.txt
	touch -d '@1700000000' stamp
	run --separate-stderr pdp-find -s name -e txt -n '[a-e]*' --size +2 d
	assert_status 0
	assert_stderr_empty
	assert_output_equals "d/sub/big.txt"
	visible d -iname '?*.txt' -name '[a-e]*' -size +2c > want
	assert_same_as want
	run --separate-stderr pdp-find -s name -p 'sub/*' -x big.txt --newer stamp -n '*.txt' d
	assert_status 0
	assert_output_equals "$(printf 'd/sub/c.txt\nd/sub/deep/e.txt')"
	visible d ! -name big.txt -path 'd/sub/*' -newer stamp -name '*.txt' > want
	assert_same_as want
	run --separate-stderr pdp-find -s name -p 'sz/*' --size +1k --size -1M --mtime -1 -d 2 d
	assert_status 0
	assert_output_equals "d/sz/1025"
	# With -L, --sort=size and --shard.
	run --separate-stderr pdp-find -L -s size -p 'sz/*' --size +1000 --shard 1/1 d
	assert_status 0
	assert_output_equals "$(printf 'd/sz/1048577\nd/sz/1048576\nd/sz/1025\nd/sz/1024\nd/sz/1023')"
}

@test "pdp-find: without a size or time filter a file costs no stat(2); with one, one" {
	command -v strace > /dev/null || skip "strace is missing"
	strace -o /dev/null true 2> /dev/null || skip "strace cannot trace here"
	make_many many 1000
	# (LeakSanitizer, under make check SANITIZE=1, cannot run traced.)
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	strace -f -o trace pdp-find many > out
	[ "$(wc -l < out)" -eq 1000 ]
	n=$(grep -c 'stat.*f[0-9]*\.txt' trace || true)
	[ "$n" -eq 0 ] || fail "$n stats of files without a filter that needs them"
	strace -f -o trace pdp-find -n '*.txt' -e txt -p 'a/*' -x zz many > out
	[ "$(wc -l < out)" -eq 500 ]
	n=$(grep -c 'stat.*f[0-9]*\.txt' trace || true)
	[ "$n" -eq 0 ] || fail "$n stats of files with name filters only"
	strace -f -o trace pdp-find --size +0 -p 'a/*' many > out
	[ "$(wc -l < out)" -eq 500 ]
	n=$(grep -c 'stat.*f[0-9]*\.txt' trace || true)
	[ "$n" -eq 500 ] || fail "$n stats of 500 files that passed the names (want 500)"
}

# --- find's syntax -----------------------------------------------------------

@test "pdp-find: find(1) primaries are refused with pdp-find's spelling, exit 2" {
	mktree
	for t in '-name:use -n GLOB or --name=GLOB' \
	    '-iname:use -n GLOB (case-sensitive) or -e EXT (any case)' \
	    '-path:use -p GLOB or --path=GLOB' \
	    '-type:pdp-find lists regular files only: leave it out' \
	    '-size:use --size=[+-]N[KMG]' \
	    '-mtime:use --mtime=[+-]DAYS' \
	    '-newer:use --newer=FILE' \
	    '-print0:use -0 or --null' \
	    '-maxdepth:use -d N or --max-depth=N' \
	    '-exec:pipe its output to pdp-map exec CMD, or -0 to xargs -0 CMD' \
	    '-prune:use -x GLOB or --exclude=GLOB' \
	    '-follow:use -L or --follow' \
	    '-print:pdp-find prints every file it lists: leave it out' \
	    '-delete:pdp-find only lists files; see pdp-find(1)' \
	    '-or:pdp-find has no operators: filters are all joined by and'; do
		w=${t%%:*}
		run --separate-stderr pdp-find "$w" x d
		assert_status 2
		assert_output_empty
		assert_stderr_equals "pdp-find: $w is find(1) syntax; ${t#*:}"
	done
	# In find's order, after the directory, too (getopt would permute).
	run --separate-stderr pdp-find d -name '*.txt'
	assert_status 2
	assert_output_empty
	assert_stderr_equals "pdp-find: -name is find(1) syntax; use -n GLOB or --name=GLOB"
	run --separate-stderr pdp-find -s name d -type f -print0
	assert_status 2
	assert_stderr_equals "pdp-find: -type is find(1) syntax; pdp-find lists regular files only: leave it out"
}

@test "pdp-find: a word like a primary is fine as an option's argument or after --" {
	mktree
	echo m > d/-name
	run --separate-stderr pdp-find -s name -n -name d
	assert_status 0
	assert_stderr_empty
	assert_output_equals "d/-name"
	for a in '--name -name' '--na -name' '--name=-name' '-x -path -n -name' '-x-path -n-name' '-Ln -name'; do
		# shellcheck disable=SC2086
		run --separate-stderr pdp-find -s name $a d
		assert_status 0
		assert_stderr_empty
		assert_output_equals "d/-name"
	done
	# -x takes -name; d/sub and d are operands, in their order.
	run --separate-stderr pdp-find -s name -x -name d/sub -d 1 d
	assert_status 0
	assert_stderr_empty
	assert_output_equals "$(printf 'd/sub/c.txt\nd/sub/skip.log\nd/a.txt\nd/b.md\nd/noext')"
	run --separate-stderr pdp-find -- -name
	assert_status 1
	assert_output_empty
	assert_stderr_equals "$(printf '%s\n' 'pdp-find: -name: No such file or directory' \
	    'pdp-find: no files matched')"
	cd d
	run --separate-stderr pdp-find -- -name
	assert_status 0
	assert_stderr_empty
	assert_output_equals "-name"
}
