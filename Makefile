# pdp: pdp-find | pdp-map | pdp-reduce.  See README.md.
# This Makefile needs GNU make (ifeq, wildcard, pattern rules, $(shell)).
# The version is in one place, lib/version.h.

VERSION := $(shell sed -n 's/^\#define PDP_VERSION "\(.*\)"/\1/p' lib/version.h)
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
INCDIR ?= $(PREFIX)/include
MANPREFIX ?= $(PREFIX)/share/man

CC ?= cc
OPT ?= -O2 -g
WARN = -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wundef -Wvla
CPPFLAGS += -D_POSIX_C_SOURCE=200809L
CFLAGS += -std=c11 $(OPT) $(WARN)
LDLIBS += -ldl -lm

# make SANITIZE=1: AddressSanitizer and UndefinedBehaviorSanitizer.
ifeq ($(SANITIZE),1)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
BUILD = build/asan
# A plugin or command that crashes must kill its worker with the signal,
# as without the sanitizer, for the crash tests.
export ASAN_OPTIONS = handle_segv=0:handle_sigbus=0:handle_sigfpe=0
else
BUILD = build
endif

PROGS = pdp-find pdp-map pdp-reduce
BINS = $(PROGS:%=$(BUILD)/%)
LIBSRC = $(wildcard lib/*.c)
LIBOBJ = $(LIBSRC:lib/%.c=$(BUILD)/lib/%.o)
LIB = $(BUILD)/libpdp.a
MAN1 = man/pdp-find.1 man/pdp-map.1 man/pdp-reduce.1
MAN7 = man/pdp.7
TOOLS = $(BUILD)/gencorpus

all: $(BINS)

$(BUILD)/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/cmd/%.o: cmd/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(LIBOBJ)
	rm -f $@
	$(AR) rcs $@ $(LIBOBJ)

$(BUILD)/%: $(BUILD)/cmd/%.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/gencorpus: tests/gencorpus.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ tests/gencorpus.c

-include $(wildcard $(BUILD)/lib/*.d $(BUILD)/cmd/*.d)

# The tests run the programs from $(BUILD) (PDP_BIN), as installed.
check: $(BINS) $(TOOLS)
	@command -v bats >/dev/null 2>&1 || { \
	  echo "make check needs bats-core: apt-get install bats" \
	       "(Debian) or npm install -g bats"; exit 2; }
	@log=$$(mktemp) && trap 'rm -f "$$log" "$$log.st"' EXIT INT TERM && \
	  t0=$$(date +%s) && \
	  { PDP_BIN=$(CURDIR)/$(BUILD) PDP_TOOLS=$(CURDIR)/$(BUILD) \
	    PDP_SANITIZE=$(SANITIZE) bats --tap $(BATSFLAGS) tests; \
	    echo $$? > "$$log.st"; } | tee "$$log" && \
	  t=$$(( $$(date +%s) - t0 )) && \
	  ok=$$(grep -c '^ok ' "$$log"); bad=$$(grep -c '^not ok ' "$$log"); \
	  echo "make check: $$((ok + bad)) tests, $$bad failures," \
	    "$$(grep -c '^ok .* # skip' "$$log") skipped," \
	    "$$((t / 60)) min $$((t % 60)) s" && \
	  exit "$$(cat "$$log.st")"

# The examples of examples/cluster on three hosts made on this machine
# (network namespaces, sshd, Slurm): needs root, skips without it.
# Not part of check.
check-cluster: $(BINS) $(TOOLS)
	PDP_BIN=$(CURDIR)/$(BUILD) PDP_TOOLS=$(CURDIR)/$(BUILD) \
	  BATSFLAGS="$(BATSFLAGS)" tests/cluster/run.sh

# The fault harness for as long as asked: pdp-map killed at random
# points and resumed, rounds from seed SEED on (tests/soak.sh).
SOAKTIME ?= 1200
SEED ?= 1
soak: $(BINS) $(TOOLS)
	PDP_BIN=$(CURDIR)/$(BUILD) PDP_TOOLS=$(CURDIR)/$(BUILD) \
	  tests/soak.sh -t $(SOAKTIME) $(SEED)

# The main job on real text: the 20 most frequent words of the
# documentation on this machine (a corpus made here where there is none).
demo: $(BINS) $(TOOLS)
	@PATH="$(CURDIR)/$(BUILD):$$PATH" examples/demo.sh

# pdp against its peers, in the same run: tests/bench/run, not part of
# check.  make bench BENCH="W1 W4" RUNS=5 for a part of it.
bench: $(BINS) $(TOOLS)
	PDP_BIN=$(CURDIR)/$(BUILD) tests/bench/run $(BENCH)

# The same, each pdp row also run with the programs of commit BASE (as
# "@base", alternating): what a change did, measured in the same run.
# PEERS=0 leaves the peers out (make bench-base BASE=REV PEERS=0).
BASE ?= HEAD
bench-base: $(BINS) $(TOOLS)
	rm -rf build/base-src
	git worktree add --detach build/base-src $(BASE) > /dev/null
	$(MAKE) -s -C build/base-src all
	PDP_BIN=$(CURDIR)/$(BUILD) BASE_BIN=$(CURDIR)/build/base-src/build \
	  tests/bench/run $(BENCH); st=$$?; \
	  git worktree remove --force build/base-src; exit $$st

# The CPU of each serial part, for README's Amdahl table: W1 W2 W3 (as
# make bench makes them) as typed and with --combine, by perf.
amdahl: $(BINS)
	PDP_BIN=$(CURDIR)/$(BUILD) tests/bench/amdahl $(BENCH)

# Fuzzing the parsers and the worker's counters with libFuzzer (clang):
# each target runs FUZZTIME seconds from its seeds in tests/fuzz/corpus/;
# what it learns stays in build/fuzz.  A crash is written to build/fuzz/
# and belongs, once fixed, in the target's seed corpus as a regression
# input.  The reduce target runs in libFuzzer's fork mode: an input that
# pdp-reduce rejects leaves its memory to exit(), so each job is a fresh
# process.  gunzip.c reads 61 bytes at a time there (GUNZIP_INSZ), so
# that inputs of a few KB cross its input buffer's refills.
FUZZTIME ?= 60
FUZZERS = record num tokenize state reduce counts countruns gunzip
FUZZCC ?= clang
FUZZDIR = build/fuzz
FUZZSAN = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZOBJ = $(LIBSRC:lib/%.c=$(FUZZDIR)/lib/%.o)

# libpdp with coverage for libFuzzer, built once; each target links it.
$(FUZZDIR)/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(FUZZCC) $(CPPFLAGS) -DGUNZIP_INSZ=61 -std=c11 -g -O1 \
	  -fsanitize=fuzzer-no-link $(FUZZSAN) -MMD -MP -c -o $@ $<

$(FUZZDIR)/libpdp.a: $(FUZZOBJ)
	rm -f $@
	$(AR) rcs $@ $(FUZZOBJ)

$(FUZZDIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZDIR)/libpdp.a
	$(FUZZCC) $(CPPFLAGS) -std=c11 -g -O1 -fsanitize=fuzzer $(FUZZSAN) \
	  -MMD -MP -o $@ $< $(FUZZDIR)/libpdp.a -ldl -lm

-include $(wildcard $(FUZZDIR)/lib/*.d $(FUZZDIR)/*.d)

fuzz: $(FUZZERS:%=$(FUZZDIR)/fuzz_%)
	@for f in $(FUZZERS); do \
	  mkdir -p $(FUZZDIR)/corpus-$$f; \
	  extra=; [ $$f = reduce ] && extra="-fork=1 -ignore_ooms=1"; \
	  echo "fuzz_$$f: $(FUZZTIME) s"; \
	  ASAN_OPTIONS= $(FUZZDIR)/fuzz_$$f -max_total_time=$(FUZZTIME) $$extra \
	    -artifact_prefix=$(FUZZDIR)/$$f- -print_final_stats=1 \
	    $(FUZZDIR)/corpus-$$f tests/fuzz/corpus/$$f \
	    > $(FUZZDIR)/$$f.log 2>&1; st=$$?; \
	  grep -E '^Done|number_of_executed_units' $(FUZZDIR)/$$f.log; \
	  grep -E '^#[0-9]+: cov' $(FUZZDIR)/$$f.log | tail -n 1; \
	  [ $$st -eq 0 ] || { tail -n 40 $(FUZZDIR)/$$f.log; exit 1; }; \
	done

install: $(BINS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANPREFIX)/man1 \
	  $(DESTDIR)$(MANPREFIX)/man7 $(DESTDIR)$(INCDIR)
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)/
	install -m 644 $(MAN1) $(DESTDIR)$(MANPREFIX)/man1/
	install -m 644 $(MAN7) $(DESTDIR)$(MANPREFIX)/man7/
	install -m 644 lib/pdp.h $(DESTDIR)$(INCDIR)/pdp.h

uninstall:
	cd $(DESTDIR)$(BINDIR) && rm -f $(PROGS)
	cd $(DESTDIR)$(MANPREFIX)/man1 && rm -f pdp-find.1 pdp-map.1 pdp-reduce.1
	rm -f $(DESTDIR)$(MANPREFIX)/man7/pdp.7 $(DESTDIR)$(INCDIR)/pdp.h

# The version, for scripts: make -s version
version:
	@echo $(VERSION)

clean:
	rm -rf build

.PHONY: all amdahl bench bench-base check check-cluster demo fuzz install soak uninstall version clean
