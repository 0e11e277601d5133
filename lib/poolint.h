/* poolint.h: pdp-map's parent, inside: the pool that pool.c runs and
 * outcome.c updates as the workers' frames come (pool.h is the
 * interface). */
#ifndef PDP_POOLINT_H
#define PDP_POOLINT_H

#include <poll.h>
#include <signal.h>

#include "commit.h"
#include "inputs.h"
#include "pool.h"
#include "slot.h"

enum { READCHUNK = 1 << 18 };	/* bytes of results read at once */

struct pool {
	const struct poolconf *c;
	struct slot *slots;
	int nslots;
	struct inputs ins;
	struct commit cm;
	char *rbuf;
	struct pollfd *pfd;	/* stdin, the signal pipe, a slot each */
	struct slot **pslot;
	struct sigaction oldhup, oldint;	/* as pdp-map found them */
	double flushed;		/* when the output was last flushed */
};

/* outcome.c */
/* Read what the worker of s sent, and act on each whole frame. */
void outcome_read(struct pool *p, struct slot *s);
/* The worker of s is gone (it died, or was killed for a timeout):
 * status is its wait status, reason what to say, if not how it died;
 * intask if it died in a task (which is to blame), running or just
 * failed. */
void outcome_died(struct pool *p, struct slot *s, int status,
    const char *reason, int intask);
/* The number of slots that have, or may start, a worker. */
int pool_usable(const struct pool *p);

#endif
