/* sink.c: what every sink does alike with an input's counters: they go
 * out as records at the input's end, or as soon as they pass countsmax
 * bytes (SINK_COUNTSMAX) (the doubling that passes it makes them at most twice that), so
 * a worker's counters are bounded whatever the input. */
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
	if (counts_eachnew(s->counts, putcount, s) < 0) {
		s->ctx->fail(s->ctx, "count overflows");
		return -1;
	}
	return 0;
}

int
sink_spillcounts(struct sink *s)
{
	int r = sink_putcounts(s);

	counts_rollback(s->counts);
	counts_clear(s->counts);
	return r;
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
