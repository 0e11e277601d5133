/* fuzz_num.c: number parsing and printing.  What parses prints in a form
 * that parses back to the same value; a float is strtod's double; a plain
 * decimal's digits and fraction digits are those of its text.  A double
 * (what parses, and the input's first 8 bytes taken as one) prints as the
 * shortest of printf's %.15g, %.16g and %.17g that strtod reads back,
 * which num_fmtdouble computes by integer arithmetic where it can. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/num.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* num_fmtdouble as printf and strtod alone compute it. */
static void
samefmt(double d)
{
	char want[40], got[40];
	int n;

	if (d != d)
		return;
	if (d == 0)
		d = 0;
	int from = (d < 2.2250738585072014e-308 &&
	    d > -2.2250738585072014e-308) ? 1 : 15;
	for (n = -1; from < 17 && n < 0; from++) {
		n = snprintf(want, sizeof want, "%.*g", from, d);
		if (strtod(want, NULL) != d)
			n = -1;
	}
	if (n < 0)
		n = snprintf(want, sizeof want, "%.17g", d);
	if (num_fmtdouble(got, d) != n || strcmp(got, want) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[32];
	struct num v = num_parse((const char *)data, size);

	if (size >= 8) {
		double d;
		memcpy(&d, data, sizeof d);
		if (d - d == 0)		/* finite */
			samefmt(d);
	}

	if (v.kind == NUM_INT) {
		int n = num_fmtint(buf, v.i);
		struct num w = num_parse(buf, (size_t)n);
		if (w.kind != NUM_INT || w.i != v.i)
			abort();
	} else if (v.kind == NUM_FLOAT) {
		char text[64], *end;
		if (size < sizeof text) {
			memcpy(text, data, size);
			text[size] = '\0';
			if (strtod(text, &end) != v.d)
				abort();
			/* i / 10^dscale: the digits without the point. */
			const char *dot = strchr(text, '.');
			if (v.dscale >= 0) {
				if (strpbrk(text, "eE") || !dot ||
				    strlen(dot + 1) != (size_t)v.dscale)
					abort();
				char dig[64];
				size_t k = 0;
				for (const char *p = text; *p; p++)
					if (*p >= '0' && *p <= '9')
						dig[k++] = *p;
				dig[k] = '\0';
				long long m = strtoll(dig, NULL, 10);
				if ((text[0] == '-' ? -m : m) != v.i)
					abort();
			} else if (v.dscale != -1 ||
			    (!strpbrk(text, "eE") && strlen(text) <= 18)) {
				abort();
			}
		}
		samefmt(v.d);
		int n = num_fmtdouble(buf, v.d);
		struct num w = num_parse(buf, (size_t)n);
		double x = w.kind == NUM_INT ? (double)w.i : w.d;
		if (w.kind == NUM_BAD || (x != v.d && !(x == 0 && v.d == 0)))
			abort();
	}
	return 0;
}
