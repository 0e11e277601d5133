/* sink.c: what every sink does alike with an input's counters: they go
 * out as records at the input's end.  Past countsmax bytes
 * (SINK_COUNTSMAX; the doubling that passes it makes them at most twice
 * that) they go to a sorted run on disk and are emptied, and the runs
 * are merged at the input's end (countruns.c): so a worker's counters
 * are bounded whatever the input, and each key is still one record. */
#include "num.h"
#include "sink.h"

static void
putcount(void *arg, const char *k, size_t kl, int64_t n)
{
	struct sink *s = arg;
	char num[32];
	int vl = num_fmtint(num, n);

	s->op->record(s, k, kl, num, (size_t)vl);
}

int
sink_putcounts(struct sink *s)
{
	int r;

	if (s->runs) {
		r = countruns_add(&s->runs, s->counts);
		if (r == 0)
			r = countruns_merge(&s->runs, putcount, s);
		countruns_free(&s->runs);
	} else {
		r = counts_eachnew(s->counts, putcount, s);
	}
	if (r < 0) {
		s->ctx->fail(s->ctx, "count overflows");
		return -1;
	}
	return 0;
}

int
sink_spillcounts(struct sink *s)
{
	int r = countruns_add(&s->runs, s->counts);

	counts_rollback(s->counts);
	counts_clear(s->counts);
	if (r < 0) {
		s->ctx->fail(s->ctx, "count overflows");
		return -1;
	}
	return 0;
}

void
sink_dropcounts(struct sink *s)
{
	countruns_free(&s->runs);
}

int
sink_counted(struct sink *s, const char *k, size_t kl, long long n, int r)
{
	(void)k;
	(void)kl;
	(void)n;
	if (r < 0) {
		s->ctx->fail(s->ctx, "count overflows");
		return -1;
	}
	if (r > 0 && counts_bytes(s->counts) > s->countsmax)
		return sink_spillcounts(s);
	return 0;
}
