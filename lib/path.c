/* path.c: open and stat paths longer than PATH_MAX.  The kernel refuses
 * such a path (ENAMETOOLONG), but a walk with openat(2) reaches it, so
 * pdp-find lists it and pdp-map must be able to read it: the path is
 * walked in pieces shorter than PATH_MAX, each ending at a slash. */
#define _GNU_SOURCE		/* O_PATH, where O_SEARCH is missing */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "path.h"

#if defined(O_SEARCH)
#define DIRFLAGS (O_SEARCH | O_DIRECTORY | O_CLOEXEC)
#elif defined(O_PATH)
#define DIRFLAGS (O_PATH | O_DIRECTORY | O_CLOEXEC)
#else
#define DIRFLAGS (O_RDONLY | O_DIRECTORY | O_CLOEXEC)
#endif

/* The directory that holds the last piece of path, and that piece (the
 * rest of path, shorter than PATH_MAX), or -1 with errno set. */
static int
walkdown(const char *path, const char **rest)
{
	char piece[PATH_MAX];
	const char *p = path;
	int dir = AT_FDCWD;

	while (strlen(p) >= PATH_MAX) {
		size_t n = PATH_MAX - 1;
		while (n > 0 && p[n] != '/')
			n--;
		if (n == 0) {
			/* A single name longer than PATH_MAX. */
			if (dir != AT_FDCWD)
				close(dir);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(piece, p, n);
		piece[n] = '\0';
		int next = openat(dir, piece, DIRFLAGS);
		int saved = errno;
		if (dir != AT_FDCWD)
			close(dir);
		if (next < 0) {
			errno = saved;
			return -1;
		}
		dir = next;
		p += n;
		while (*p == '/')
			p++;
	}
	*rest = p;
	return dir;
}

int
path_open(const char *path, int flags)
{
	int fd = open(path, flags);

	if (fd >= 0 || errno != ENAMETOOLONG || strlen(path) < PATH_MAX)
		return fd;
	const char *rest;
	int dir = walkdown(path, &rest);
	if (dir < 0)
		return -1;
	fd = openat(dir, rest, flags);
	int saved = errno;
	close(dir);
	errno = saved;
	return fd;
}

int
path_stat(const char *path, struct stat *st)
{
	if (stat(path, st) == 0)
		return 0;
	if (errno != ENAMETOOLONG || strlen(path) < PATH_MAX)
		return -1;
	const char *rest;
	int dir = walkdown(path, &rest);
	if (dir < 0)
		return -1;
	int r = fstatat(dir, rest, st, 0);
	int saved = errno;
	close(dir);
	errno = saved;
	return r;
}
