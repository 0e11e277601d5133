/* fuzz_reduce.c: pdp-reduce's whole input path on arbitrary bytes:
 * records read from a file, fields cut, keys grouped, values parsed and
 * aggregated, states merged, spilled to temporary files and printed.
 * The first byte picks the mode, the operations and the key fields.  An
 * error that would exit 2 comes back here instead; what it leaves open
 * or allocated is cleaned up or not counted. */
#define _GNU_SOURCE		/* memfd_create */
#include <fcntl.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../lib/agg.h"
#include "../../lib/err.h"
#include "../../lib/fields.h"
#include "../../lib/io.h"
#include "../../lib/reduce.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__asan_default_options(void);

/* A fatal error leaves the reducer's memory behind by design (the
 * program exits); the fuzzer must not call that a leak. */
const char *
__asan_default_options(void)
{
	return "detect_leaks=0";
}

static jmp_buf back;

static void
onfatal(const char *msg)
{
	(void)msg;
	longjmp(back, 1);
}

static const char *const opsets[8] = {
	"sum", "count,min,max,absmin", "mean,var,stddev", "first,last,countunique",
	"collect,pvar,pstdev", "sum:3,count,range", "max:2,min:1,absmax:2",
	"unique:3",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int in = -1, null = -1;
	char name[64], *names[1] = { name };

	if (in < 0) {
		in = memfd_create("fuzz-reduce", 0);
		null = open("/dev/null", O_WRONLY);
		if (in < 0 || null < 0)
			abort();
	}
	if (size < 2)
		return 0;
	uint8_t mode = data[0], sel = data[1];
	data += 2;
	size -= 2;
	if (ftruncate(in, 0) < 0 ||
	    (size && pwrite(in, data, size, 0) != (ssize_t)size))
		abort();
	snprintf(name, sizeof name, "/proc/self/fd/%d", in);

	size_t keyf[2] = { 0, 1 };
	struct agg aggs[4];
	size_t naggs = 0;
	char ops[64];
	snprintf(ops, sizeof ops, "%s", opsets[sel & 7]);
	for (char *save, *t = strtok_r(ops, ",", &save); t;
	    t = strtok_r(NULL, ",", &save))
		if (agg_parse(&aggs[naggs], t, (sel >> 3 & 1) ? 2 : 1, NULL) == 0)
			naggs++;
	struct reduceopts o = {
		.keyf = keyf,
		.nkeyf = (sel >> 4 & 1) ? 2 : 1,
		.aggs = aggs,
		.naggs = naggs,
		.order = (enum order)((mode >> 3 & 3) % 3),
		.top = (mode >> 5 & 1) ? 3 : 0,
		.skipinvalid = mode & 1,
		.sorted = mode >> 1 & 1,
		.merge = mode >> 2 & 1,
		.partial = mode >> 6 & 1,
		.bufsize = (mode >> 7 & 1) ? 4096 : (uint64_t)1 << 30,
		.tmpdir = "/tmp",
		.outsep = '\t',
	};
	if (sel >> 4 & 1 && o.merge)
		o.nkeyf = 1;
	/* Tables (not with --merge, which the command refuses), headers,
	 * comments and NA. */
	if (!o.merge) {
		static const int seps[] = { '\t', ',', ' ', ',' };
		o.fsmode = sel >> 5 & 3;
		o.fsep = seps[o.fsmode];
	}
	o.headerin = o.headerout = o.comments = o.narm = sel >> 7 & 1;
	/* --csv-out, with the header and the rest (the command refuses it
	 * with --partial). */
	if (!o.partial && (sel >> 7 & 1)) {
		o.csvout = 1;
		o.outsep = ',';
	}
	if (o.partial)
		o.headerout = 0;
	struct obuf out;
	obuf_init(&out, null, "stdout", 1 << 16);
	/* Descriptors from here up are the reducer's: closed if an error
	 * leaves them open. */
	int low = dup(0);
	if (low >= 0)
		close(low);
	setfatalhook(onfatal, 0);
	if (setjmp(back) == 0)
		reduce_run(&o, names, 1, &out);
	else if (low >= 0)
		for (int fd = low; fd < low + 64; fd++)
			if (fd != in && fd != null)
				close(fd);
	setfatalhook(NULL, 0);
	obuf_free(&out);
	return 0;
}
