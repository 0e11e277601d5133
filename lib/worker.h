/* worker.h: the worker process of pdp-map: runs a mapper over each task
 * it is sent and sends the records back to the parent. */
#ifndef PDP_WORKER_H
#define PDP_WORKER_H

#include "agg.h"
#include "pdp.h"
#include "source.h"

struct workerconf {
	const struct pdp_mapper *m;
	int argc;
	char **argv;		/* argv[0] is the mapper word */
	int tag;		/* prefix records with the path field */
	struct agg *combine;	/* --combine: aggregate across tasks */
	int decompress;		/* read compressed inputs decompressed */
	enum binmode binary;	/* what to do with binary inputs */
	const unsigned char *okstatus;	/* exec: 256 flags, or NULL: 0 only */
	int bigtasks;		/* --pipe: tasks carry their data */
};

/* For the exec mapper: the input's command was killed by sig (for the
 * joblog). */
void worker_signal(struct pdp_ctx *ctx, int sig);

/* For the exec mapper: the input's command could not be started for
 * want of processes (ulimit -u): not the input's failure. */
void worker_again(struct pdp_ctx *ctx);

/* For the exec mapper: the running input's number (1 for the first
 * read) and the worker's slot (from 1). */
void worker_taskinfo(struct pdp_ctx *ctx, uint64_t *num, int *slot);

/* For the exec mapper: whether a command's exit status means success
 * (--ok-status; 0 alone by default). */
int worker_okstatus(struct pdp_ctx *ctx, int status);

/* The worker's life: read tasks from taskfd until EOF, answer on resfd,
 * then exit.  Never returns. */
_Noreturn void worker_main(const struct workerconf *c, int taskfd, int resfd);

#endif
