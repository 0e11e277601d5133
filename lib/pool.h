/* pool.h: pdp-map's parent: reads path records, hands tasks to a pool of
 * worker processes it forks and watches, and writes their output. */
#ifndef PDP_POOL_H
#define PDP_POOL_H

#include <stdint.h>

#include "worker.h"

struct poolconf {
	int jobs;		/* worker processes */
	int keeporder;		/* -k: output in input order */
	int nul;		/* -0: NUL-terminated raw paths */
	int verbose;		/* -v: a line per task */
	int quiet;		/* -q: no per-input warnings */
	int stats;		/* --stats: a summary at the end */
	uint64_t split;		/* cut files larger than this; 0: never */
	int splitauto;		/* split is the default: at most, per file */
	int infd;		/* the path records, or --pipe's data: 0, or -a's */
	const char *inname;	/* its name for messages ("stdin") */
	int pipe;		/* --pipe: the input is the data, cut in blocks */
	uint64_t block;		/* --pipe block size */
	int combine;		/* --combine: workers send tables on request */
	unsigned retries;	/* --retries: tries after the first */
	double timeout;		/* --timeout in seconds; 0: none */
	/* --halt WHEN,WHY=N or N% */
	enum { HALT_NEVER, HALT_SOON, HALT_NOW } halt;
	enum { HALT_FAIL, HALT_SUCCESS, HALT_DONE } haltwhy;
	uint64_t haltn;
	int haltpct;		/* N is a percentage of the inputs read */
	const char *joblog;	/* --joblog FILE */
	char **job;		/* what the joblog says the job is: the mapper,
				 * its arguments, options that change output */
	size_t njob;
	int resume;		/* --resume: skip what the joblog shows done */
	int progress;		/* --progress or --bar: a status on stderr */
	int bar;		/* --bar: it is a bar */
	const struct workerconf *wc;
};

/* Run the whole job; returns the exit status (0, 1 if some inputs
 * failed, 3 if --halt ...,fail stopped it; a run stopped by --halt
 * ...,success or ...,done returns 0 or 1 as one that ended).  Fatal errors exit 2 after stopping
 * the workers. */
int pool_run(const struct poolconf *c);
/* --dry-run: print the tasks pool_run would start, and start none
 * (dryrun.c).  Returns the exit status. */
int pool_dryrun(const struct poolconf *c);

#endif
