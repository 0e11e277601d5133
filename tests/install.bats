#!/usr/bin/env bats
# make install and make uninstall, into a DESTDIR.

load helper

REPO=$BATS_TEST_DIRNAME/..

@test "make install puts the programs, man pages and pdp.h under DESTDIR/PREFIX; they run" {
	run make -s -C "$REPO" install DESTDIR="$T/root" PREFIX=/opt/pdp
	assert_status 0
	for f in bin/pdp-find bin/pdp-map bin/pdp-reduce share/man/man1/pdp-find.1 \
	    share/man/man1/pdp-map.1 share/man/man1/pdp-reduce.1 \
	    share/man/man7/pdp.7 include/pdp.h; do
		[ -f "$T/root/opt/pdp/$f" ] || fail "missing $f"
	done
	[ -x "$T/root/opt/pdp/bin/pdp-map" ] || fail "pdp-map not executable"
	# Programs 755, man pages and the header 644, whatever the umask.
	for f in bin/pdp-find bin/pdp-map bin/pdp-reduce; do
		[ "$(stat -c %a "$T/root/opt/pdp/$f")" = 755 ] || fail "$f: mode $(stat -c %a "$T/root/opt/pdp/$f")"
	done
	for f in share/man/man1/pdp-map.1 share/man/man7/pdp.7 include/pdp.h; do
		[ "$(stat -c %a "$T/root/opt/pdp/$f")" = 644 ] || fail "$f: mode $(stat -c %a "$T/root/opt/pdp/$f")"
	done
	# The version is the one of lib/version.h.
	[ "$("$T/root/opt/pdp/bin/pdp-map" --version)" = "pdp-map $(make -s -C "$REPO" version)" ] ||
	    fail "version: $("$T/root/opt/pdp/bin/pdp-map" --version)"
	printf 'a b a\n' > in.txt
	run --separate-stderr sh -c "echo in.txt | $T/root/opt/pdp/bin/pdp-map wordfreq | $T/root/opt/pdp/bin/pdp-reduce sum"
	assert_status 0
	assert_output_equals "a	2
b	1"
	# The installed header builds the example plugin.
	run cc -std=c11 -fPIC -shared -I"$T/root/opt/pdp/include" \
	    -o fieldfreq.so "$REPO/examples/plugin/fieldfreq.c"
	assert_status 0
}

@test "make uninstall removes what make install put there, and only that" {
	make -s -C "$REPO" install DESTDIR="$T/root" PREFIX=/usr >/dev/null
	touch "$T/root/usr/bin/other"
	run make -s -C "$REPO" uninstall DESTDIR="$T/root" PREFIX=/usr
	assert_status 0
	[ -z "$(find "$T/root" -type f ! -name other)" ] ||
	    fail "left: $(find "$T/root" -type f)"
	[ -f "$T/root/usr/bin/other" ] || fail "removed a file it did not install"
}
