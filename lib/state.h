/* state.h: the text form of partial aggregate states (pdp-reduce
 * --partial and --merge, and its spill files), version pdp1.  The format
 * is described in pdp(7). */
#ifndef PDP_STATE_H
#define PDP_STATE_H

#include <stddef.h>

#include "agg.h"
#include "io.h"

/* Append op a's state st to b as one record field. */
void state_save(const struct agg *a, const void *st, struct sbuf *b);
/* Parse a field written by state_save into st (zero-filled, of
 * agg_statesize bytes).  Returns 0, or -1 with *why set. */
int state_load(const struct agg *a, void *st, const char *s, size_t n,
    const char **why);

#endif
