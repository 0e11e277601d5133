#!/usr/bin/env bats
# docs.bats: each program's usage names the options of its man page's
# SYNOPSIS, and its --help and man page document the same long options.

load helper

MAN="$BATS_TEST_DIRNAME/../man"

need_mandoc() {
	command -v mandoc > /dev/null || skip "mandoc is not installed (apt-get install mandoc): it renders the man pages"
}

# opts: the option words (-x, --long) in the text on stdin.
opts() {
	grep -oE -- '(^|[ [|])--?[a-zA-Z0-9][a-zA-Z0-9-]*' | sed 's/^[ [|]//' | sort -u
}

check_docs() {
	need_mandoc
	local prog=$1
	mandoc -T ascii "$MAN/$prog.1" | col -b |
	    sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | opts > synopsis
	run --separate-stderr "$prog" --bogus-option
	assert_status 2
	printf '%s\n' "$stderr" | sed -n '/usage:/,$p' | opts > usage
	diff synopsis usage >&2 || fail "$prog: usage and SYNOPSIS differ (< man, > usage)"
	"$prog" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u > help
	mandoc -T ascii "$MAN/$prog.1" | col -b | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u > man
	comm -23 help man > missing
	[ ! -s missing ] || fail "$prog: in --help, not in the man page: $(cat missing)"
}

@test "pdp-find: usage and the man page's SYNOPSIS name the same options; every long option of --help is in the man page" {
	check_docs pdp-find
}

@test "pdp-map: usage and the man page's SYNOPSIS name the same options; every long option of --help is in the man page" {
	check_docs pdp-map
}

@test "pdp-reduce: usage and the man page's SYNOPSIS name the same options; every long option of --help is in the man page" {
	check_docs pdp-reduce
}
