/* fdlimit.h: how many more file descriptors this process may open. */
#ifndef PDP_FDLIMIT_H
#define PDP_FDLIMIT_H

/* Room for need more descriptors: the soft RLIMIT_NOFILE is raised as
 * far as the hard limit allows if need be.  Returns need if there is
 * room, else how many fit, with the limit in *limit for messages. */
long fdroom(long need, long *limit);

#endif
