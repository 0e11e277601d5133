/* fuzz_gunzip.c: pdp's own gzip decoder on any bytes.  It must end with
 * the data or an error, never read or write outside its buffers, and
 * give back no more than deflate's largest ratio allows.  (The fuzzing
 * build's decoder reads 61 bytes at a time: see the Makefile.) */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../lib/gunzip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gunzip *g;
	static char buf[65536];
	int p[2];
	uint64_t total = 0;
	ssize_t n;

	/* The input on a pipe, which holds 64 KB. */
	if (size > 60000 || pipe(p) < 0)
		return 0;
	if (write(p[1], data, size) != (ssize_t)size)
		abort();
	close(p[1]);
	if (!g && !(g = gunzip_new()))
		abort();
	gunzip_start(g, p[0]);
	while ((n = gunzip_read(g, buf, sizeof buf)) > 0) {
		total += (uint64_t)n;
		/* 258 bytes from 2 bits at best: about 1032 to 1. */
		if (total > 1100 * (uint64_t)size + 65536)
			abort();
	}
	if (n < 0 && !gunzip_error(g)[0])
		abort();
	close(p[0]);
	return 0;
}
