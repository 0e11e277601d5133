/* sink.h: where a worker's records go.  The worker's task loop hands a
 * sink every record an input makes (ctx->emit, ctx->write, and the
 * counts of ctx->count), then says whether the input succeeded, the same
 * way whatever the mode: a frame sink (frame.c's frames_sink) sends each
 * input's records to the parent; a combine sink (combine.c) folds them
 * into the worker's table for --combine, and sends that table when it is
 * full or asked for.  Adding a mode is adding a sink. */
#ifndef PDP_SINK_H
#define PDP_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "agg.h"
#include "counts.h"
#include "countruns.h"
#include "frame.h"
#include "pdp.h"

struct sink;

struct sinkops {
	/* One record of the running input: raw key and value bytes. */
	void (*record)(struct sink *s, const char *k, size_t kl,
	    const char *v, size_t vl);
	/* Text that is already records (ctx->write), in pieces of any
	 * length; a last line without a newline is ended by finish. */
	void (*text)(struct sink *s, const char *p, size_t n);
	/* counts_add gave r != 0 for key (1: a new key, -1: the count would
	 * overflow): 0 if the count holds, else -1 with the input failed.
	 * A new key needs it only once the counts hold more than countsmax
	 * bytes (below, counted does nothing with it), so a batch of keys
	 * (counts_addshort) is told of no other. */
	int (*counted)(struct sink *s, const char *k, size_t kl, long long n,
	    int r);
	/* The input's data is all mapped and it has not failed: complete
	 * its records (a last line, its counts); this may fail it. */
	void (*finish)(struct sink *s);
	/* The input is over: ok, its records are kept; else taken back. */
	void (*end)(struct sink *s, int ok);
	/* Between inputs; asked: the parent wants what the sink holds. */
	void (*idle)(struct sink *s, int asked);
};

struct sink {
	const struct sinkops *op;
	struct pdp_ctx *ctx;	/* the running input: a sink fails it there */
	struct frames *out;	/* to the parent */
	struct counts *counts;	/* ctx->count's counters */
	const char *tag;	/* --tag: the escaped path and a TAB, or NULL */
	size_t taglen;
	uint64_t records;	/* records the running input sent */
	size_t countsmax;	/* the counts' bound (counted) */
	struct countruns *runs;	/* the input's counts past it, or NULL */
};

/* A sink that sends each input's records as they come. */
struct sink *frames_sink(const struct sink *base);
/* A sink that folds records with a (--combine); tagged: records begin
 * with their input's path (--tag). */
struct sink *combine_sink(const struct sink *base, const struct agg *a,
    int tagged);

/* What sinks share (sink.c).  The counts the running input added, as
 * records of s; -1 if one passed 64 bits (the input failed). */
int sink_putcounts(struct sink *s);
/* The counters passed their bound within an input: its counts so far go
 * to a run (countruns.h) and the counters are emptied; 0, or -1 if the
 * input failed.  sink_putcounts then merges the runs, so that each key
 * of the input is one record with its whole count; a sink drops them
 * when the input fails (sink_dropcounts). */
int sink_spillcounts(struct sink *s);
void sink_dropcounts(struct sink *s);
/* The bound of counts that go out per input (frames_sink, and
 * combine_sink but for sum). */
enum { SINK_COUNTSMAX = 32 << 20 };
/* sinkops.counted for sinks whose counts are per input: they go out
 * as records past s->countsmax bytes. */
int sink_counted(struct sink *s, const char *k, size_t kl, long long n,
    int r);

#endif
