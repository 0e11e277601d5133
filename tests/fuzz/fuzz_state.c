/* fuzz_state.c: pdp-reduce's partial states (--merge input).  A state
 * that loads saves to text that loads again to the same text, and holds
 * the invariants of a state that pdp-reduce could have written: it has a
 * value (a key exists only with one), unless --narm skipped every value
 * (min, max, absmin, absmax and range are then empty, mean and var nan),
 * and a variance is not negative. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/agg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why;

	for (int op = 0; op < AGG_NOPS; op++) {
		struct agg a = { .op = (enum aggop)op };
		size_t ss = agg_statesize(a.op);
		char *st = calloc(1, ss), *st2 = calloc(1, ss);
		struct sbuf b1 = { 0 }, b2 = { 0 };
		if (agg_load(&a, st, (const char *)data, size, &why) == 0) {
			/* What loads saves to a state that loads again, with
			 * the same final value. */
			agg_save(&a, st, &b1);
			if (agg_load(&a, st2, b1.p, b1.len, &why) != 0)
				abort();
			struct aggval v = agg_final(&a, st), w = agg_final(&a, st2);
			char x[32], y[32];
			if (v.kind == AV_NONE && a.op != AGG_MIN &&
			    a.op != AGG_MAX && a.op != AGG_ABSMIN &&
			    a.op != AGG_ABSMAX && a.op != AGG_RANGE)
				abort();
			if (v.kind == AV_FLOAT && v.d < 0 && (a.op == AGG_VAR ||
			    a.op == AGG_STDDEV || a.op == AGG_PVAR ||
			    a.op == AGG_PSTDEV || a.op == AGG_RANGE))
				abort();
			if (v.kind != w.kind)
				abort();
			if (v.kind == AV_TEXT) {
				if (v.tlen != w.tlen || (v.tlen &&
				    memcmp(v.text, w.text, v.tlen)))
					abort();
			} else {
				int n = agg_fmt(&v, x), m = agg_fmt(&w, y);
				if (n != m || memcmp(x, y, (size_t)n))
					abort();
			}
			/* The text is canonical (partials too): saving
			 * what loaded gives the same bytes. */
			agg_save(&a, st2, &b2);
			if (b1.len != b2.len || memcmp(b1.p, b2.p, b1.len))
				abort();
		}
		agg_freestate(&a, st);
		agg_freestate(&a, st2);
		sbuf_free(&b1);
		sbuf_free(&b2);
		free(st);
		free(st2);
	}
	return 0;
}
