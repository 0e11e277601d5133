/* pipein.h: pdp-map --pipe's standard input when it is compressed: its
 * first bytes tell, and then its decompressor's output is read instead. */
#ifndef PDP_PIPEIN_H
#define PDP_PIPEIN_H

#include <sys/types.h>

#include "decomp.h"
#include "io.h"

struct pipein {
	int active;		/* a decompressor runs */
	struct decomp d;
	pid_t pump;		/* feeds it what was read, then the rest */
	const char *name;	/* of the input, for messages */
};

/* Read standard input on r (nothing taken from it yet) until its first
 * bytes tell whether it is compressed; if it is, start its decompressor
 * and make r read the decompressed data. */
void pipein_start(struct pipein *p, struct reader *r);
/* Read what the decompressor says on its standard error, so that it
 * never waits on it. */
void pipein_drain(struct pipein *p);
/* At the end of the data: the decompressor must have succeeded, or the
 * run stops (exit 2). */
void pipein_finish(struct pipein *p);
/* Stop the decompressor and the pump (a fatal error, a signal). */
void pipein_kill(struct pipein *p);

#endif
