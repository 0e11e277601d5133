/* reduce.h: pdp-reduce's engine: read records, group them by key in a
 * hash table, aggregate, and print in the requested order. */
#ifndef PDP_REDUCE_H
#define PDP_REDUCE_H

#include <stddef.h>
#include <stdint.h>

#include "agg.h"
#include "io.h"

enum order { ORDER_KEY, ORDER_VALUE, ORDER_NONE };

struct reduceopts {
	size_t *keyf;		/* key fields, 0-based, in output order */
	size_t nkeyf;		/* 0: --no-key, one group of everything */
	struct agg *aggs;
	size_t naggs;
	enum order order;
	uint64_t top;		/* keep the top N by the first op; 0: all */
	int skipinvalid;
	int partial;		/* write states, not values */
	int merge;		/* read states: key fields, then one per op */
	int sorted;		/* input grouped by key: constant memory */
	uint64_t bufsize;	/* memory budget before spilling */
	const char *tmpdir;	/* where runs are spilled */
	int jobs;		/* processes for one big regular file, and
				 * for the last merge of runs */
	int jobsauto;		/* jobs is the default: fewer if ulimit -n asks */
	/* Tables: input that is not pdp records (fields.h, header.c). */
	int fsmode;		/* FS_*: how a line splits into fields */
	int fsep;		/* -t's byte, or --csv's (',' unless -t) */
	int headerin;		/* the first line of each file is a header */
	int headerout;		/* -H: write a header line */
	int comments;		/* -C: skip lines that begin with # or ; */
	int narm;		/* --narm: skip NA, N/A and NaN values */
	const char **keynames;	/* a name for each key field given by one,
				 * else NULL; keyf[i] is then unset */
	int round;		/* --round: digits after the point, or -1 */
	const char *numfmt;	/* --format, as one %L conversion, or NULL */
	/* What the user reads (not --partial): fields separated by outsep
	 * (TAB by default) and, with csvout, decoded and quoted as CSV. */
	int outsep;
	int csvout;
};

/* Reduce the named files ("-" is stdin) onto out.  Returns the exit
 * status; bad input exits 2 from inside unless skipinvalid is set. */
int reduce_run(const struct reduceopts *o, char **files, int nfiles,
    struct obuf *out);

#endif
