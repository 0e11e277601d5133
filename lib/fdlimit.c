/* fdlimit.c: the descriptor limit (ulimit -n), raised where it is soft.
 * pdp-map fits its number of workers to it, and pdp-reduce the number
 * of spilled runs it keeps open. */
#include <fcntl.h>
#include <sys/resource.h>

#include "fdlimit.h"

/* Below this much room the descriptors already open are counted (one
 * fcntl each, so only where the limit is low). */
enum { SLACK = 256 };

long
fdroom(long need, long *limit)
{
	struct rlimit rl;
	long open = 0;

	*limit = -1;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= (rlim_t)(need + SLACK))
		return need;
	for (int fd = 0; (rlim_t)fd < rl.rlim_cur; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			open++;
	if (rl.rlim_cur < (rlim_t)(open + need) &&
	    (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > rl.rlim_cur)) {
		struct rlimit up = rl;
		up.rlim_cur = rl.rlim_max != RLIM_INFINITY &&
		    rl.rlim_max < (rlim_t)(open + need) ? rl.rlim_max :
		    (rlim_t)(open + need);
		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			rl = up;
	}
	*limit = (long)rl.rlim_cur;
	long room = (long)rl.rlim_cur - open;
	return room >= need ? need : room < 0 ? 0 : room;
}
