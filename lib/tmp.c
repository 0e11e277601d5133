/* tmp.c: unlinked temporary files (pdp-map's held output, pdp-reduce's
 * runs), and where they go by default. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "tmp.h"

const char *
tmp_dir(void)
{
	const char *dir = getenv("TMPDIR");

	return dir && *dir ? dir : "/tmp";
}

int
tmp_open(const char *dir, const char *prefix)
{
	size_t dl = strlen(dir), pl = strlen(prefix);
	char *tmpl = emalloc(dl + pl + 8);
	sigset_t all, old;

	memcpy(tmpl, dir, dl);
	tmpl[dl] = '/';
	memcpy(tmpl + dl + 1, prefix, pl);
	memcpy(tmpl + dl + 1 + pl, "XXXXXX", 7);
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	int fd = mkstemp(tmpl);
	int e = errno;
	if (fd >= 0)
		unlink(tmpl);
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(tmpl);
	errno = e;
	return fd;
}
