/* path.c: open and stat paths longer than PATH_MAX.  The kernel refuses
 * such a path (ENAMETOOLONG), but a walk with openat(2) reaches it, so
 * pdp-find lists it and pdp-map must be able to read it: the path is
 * walked in pieces shorter than PATH_MAX, each ending at a slash.  And
 * the search of PATH for a command, as execvp does it. */
#define _GNU_SOURCE		/* O_PATH, where O_SEARCH is missing */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
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

/* 0 if f can be run, else why not (a directory cannot). */
static int
runnable(const char *f)
{
	struct stat st;

	if (access(f, X_OK) < 0)
		return access(f, F_OK) == 0 ? EACCES : errno;
	if (stat(f, &st) == 0 && S_ISDIR(st.st_mode))
		return EACCES;
	return 0;
}

int
path_search(const char *cmd, char **full)
{
	if (!*cmd)
		return ENOENT;
	if (strchr(cmd, '/')) {
		int e = runnable(cmd);
		if (e == 0)
			*full = estrdup(cmd);
		return e;
	}
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/bin:/bin";
	int found = ENOENT;
	size_t cl = strlen(cmd);
	for (;;) {
		const char *colon = strchr(path, ':');
		size_t dl = colon ? (size_t)(colon - path) : strlen(path);
		char *f = emalloc(dl + cl + 3);
		if (dl == 0) {
			memcpy(f, ".", 1);
			dl = 1;
		} else {
			memcpy(f, path, dl);
		}
		f[dl] = '/';
		memcpy(f + dl + 1, cmd, cl + 1);
		int e = runnable(f);
		if (e == 0) {
			*full = f;
			return 0;
		}
		free(f);
		/* execvp goes on past what it cannot run, and says EACCES
		 * if nothing else is found. */
		if (e == EACCES)
			found = EACCES;
		if (!colon)
			return found;
		path = colon + 1;
	}
}
