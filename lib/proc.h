/* proc.h: starting child processes when the system is short of them. */
#ifndef PDP_PROC_H
#define PDP_PROC_H

#include <sys/types.h>

/* fork(2), but while it fails with EAGAIN (ulimit -u, a full process
 * table) it is tried again after a wait that doubles from 1 ms, for
 * about two seconds in all.  Flushes stdio first.  Returns as fork. */
pid_t proc_fork(void);

#endif
