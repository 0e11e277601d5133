/* walk.h: pdp-find's directory walk: which files are inputs. */
#ifndef PDP_WALK_H
#define PDP_WALK_H

#include <stddef.h>
#include <sys/types.h>

enum walksort { SORT_NONE, SORT_NAME, SORT_SIZE };

struct walkopts {
	char **names;		/* include globs on the base name */
	size_t nnames;
	int all;		/* every regular file, ignoring names */
	char **excludes;	/* skip files and directories by base name */
	size_t nexcludes;
	int follow;		/* follow symbolic links */
	long maxdepth;		/* -1: unlimited; 1: a root's own entries */
	enum walksort sort;
};

/* Called for each file found, with its path (not NUL-terminated) and, if
 * the walk knows it (SORT_SIZE), its size, else -1. */
typedef void walkfn(void *arg, const char *path, size_t len, off_t size);

/* Walk root, calling fn for every input file in the order asked for
 * (SORT_SIZE calls fn only from walk_finish).  Problems are reported on
 * stderr; returns the number of them. */
struct walker;
struct walker *walk_new(const struct walkopts *o, walkfn *fn, void *arg);
unsigned long walk(struct walker *w, const char *root);
/* Emit what was held back for sorting; returns the number of files found. */
unsigned long long walk_finish(struct walker *w);
void walk_free(struct walker *w);

#endif
