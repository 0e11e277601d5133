/* filter.h: pdp-find's tests on a file (name, extension, path, size,
 * age): which of the regular files it meets are listed, and which names
 * it skips. */
#ifndef PDP_FILTER_H
#define PDP_FILTER_H

#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

/* Patterns (-n, -e, -p): a file passes a kind of pattern when it matches
 * any of them.  Bounds (--size, --mtime, --newer): a file passes when it
 * is within all of them.  A file is listed when it passes every kind
 * given, as find(1) joins its primaries with -a.  Excludes (-x) skip a
 * file or a whole directory whose name matches any of them. */
struct bound;
struct filter {
	char **excludes;	/* globs on the base name, to skip */
	size_t nexcludes;
	char **names;		/* globs on the base name */
	size_t nnames;
	char **exts;		/* extensions, without the leading dots */
	size_t nexts;
	char **paths;		/* globs on the path below the operand */
	size_t npaths;
	struct bound *bounds;
	size_t nbounds;
	struct timespec now;	/* what --mtime counts back from */
};

void filter_init(struct filter *f);
void filter_free(struct filter *f);

void filter_exclude(struct filter *f, char *glob);
void filter_name(struct filter *f, char *glob);
void filter_path(struct filter *f, char *glob);
/* EXT, with or without leading dots; -1 if it is empty or holds '/'. */
int filter_ext(struct filter *f, char *ext);
/* [+-]N[c|K|M|G|T]: more than, less than or exactly N bytes (K and up
 * are powers of 1024); -1 if bad. */
int filter_size(struct filter *f, const char *arg);
/* [+-]N: more than, less than or exactly N whole days of 24 hours since
 * the last modification, counted as find -mtime counts; -1 if bad. */
int filter_mtime(struct filter *f, const char *arg);
/* Modified strictly later than mtime. */
void filter_newer(struct filter *f, const struct timespec *mtime);

/* Whether a file or directory of this base name is skipped. */
int filter_excluded(const struct filter *f, const char *name);
/* The tests that need no stat(2): name is the base name, rel the path
 * that -p globs see. */
int filter_byname(const struct filter *f, const char *name, size_t namelen,
    const char *rel);
/* Whether filter_bystat has anything to test. */
int filter_needstat(const struct filter *f);
/* The bounds, on the status of a file that passed the names. */
int filter_bystat(const struct filter *f, const struct stat *st);

#endif
