/* fuzz_num.c: number parsing and printing.  What parses prints in a form
 * that parses back to the same value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/num.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[32];
	struct num v = num_parse((const char *)data, size);

	if (v.kind == NUM_INT) {
		int n = num_fmtint(buf, v.i);
		struct num w = num_parse(buf, (size_t)n);
		if (w.kind != NUM_INT || w.i != v.i)
			abort();
	} else if (v.kind == NUM_FLOAT) {
		int n = num_fmtdouble(buf, v.d);
		struct num w = num_parse(buf, (size_t)n);
		double x = w.kind == NUM_INT ? (double)w.i : w.d;
		if (w.kind == NUM_BAD || (x != v.d && !(x == 0 && v.d == 0)))
			abort();
	}
	return 0;
}
