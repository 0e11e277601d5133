/* countruns.h: the counts of one input past its counters' bound (sink.c).
 * Each time the counters pass it, the input's counts so far are written,
 * sorted by key, to a run in an unlinked temporary file, and the
 * counters are emptied; at the input's end the runs are merged, a key at
 * a time, so that each key of the input goes out once with its whole
 * count, as records per input mean (pdp-reduce count, max).
 *
 * Memory: an index of the counters' keys and its sort, 56 bytes a key
 * (up to twice that as the index doubles), kept for the input's next
 * run; the counters' bound limits the keys, to about 700,000.  While
 * runs are merged, a buffer and one key for each of at most MAXRUNS runs
 * (more are merged into one first). */
#ifndef PDP_COUNTRUNS_H
#define PDP_COUNTRUNS_H

#include "counts.h"

struct countruns;

/* The counts the running input added (counts_eachnew) as a new run of
 * *cr, created if NULL.  Returns 0, or -1 if a count passed 64 bits. */
int countruns_add(struct countruns **cr, const struct counts *c);
/* Every key of the runs once, in key order, with the sum of its counts,
 * to fn (a key of up to 16 bytes in 16 readable bytes, as counts_fn
 * promises); then the runs are freed and *cr is NULL.  Returns 0, or -1
 * if a key's sum passed 64 bits. */
int countruns_merge(struct countruns **cr, counts_fn *fn, void *arg);
/* Drop the runs (the input failed). */
void countruns_free(struct countruns **cr);

#endif
