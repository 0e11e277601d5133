#!/usr/bin/env bats
# soak.bats: a few rounds of the fault harness (tests/soak.sh), one for
# each mode: pdp-map killed at random points (SIGKILL, SIGTERM, SIGHUP)
# and resumed with --joblog/--resume until it ends, its output then
# exactly that of a clean run, nothing left behind.  `make soak` runs
# rounds for as long as asked.

load helper

soak() {
	run --separate-stderr env SOAK_DIR="$T/soak" "$BATS_TEST_DIRNAME/soak.sh" -m "$1" "$2"
	assert_status 0
	assert_output_matches "^ok seed $2 mode $1: [0-3] kills in [0-9]+ ms"
}

@test "soak: plain, killed and resumed: the output of a clean run" { soak plain 101; }
@test "soak: -k, killed and resumed: byte for byte the output of a clean run" { soak keep 102; }
@test "soak: --combine sum, killed and resumed: the same sums" { soak combine 103; }
@test "soak: --split, killed and resumed: the output of a clean run" { soak split 104; }
@test "soak: paths listed twice, killed and resumed: each copy once" { soak dup 105; }
@test "soak: exec, killed and resumed: the output of a clean run" { soak exec 106; }
@test "soak: gzipped inputs, killed and resumed: the output of a clean run" { soak gz 107; }
