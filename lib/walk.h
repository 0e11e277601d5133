/* walk.h: pdp-find's directory walk: which files are inputs. */
#ifndef PDP_WALK_H
#define PDP_WALK_H

#include <stddef.h>
#include <sys/types.h>

#include "filter.h"

enum walksort { SORT_NONE, SORT_NAME, SORT_SIZE };

struct walkopts {
	const struct filter *filter;	/* which names are skipped, which
					 * regular files listed */
	int hidden;		/* walk names that start with '.' too */
	int follow;		/* follow symbolic links */
	long maxdepth;		/* -1: unlimited; 1: a root's own entries */
	enum walksort sort;
};

/* Called for each file found, with its path (not NUL-terminated) and, if
 * the walk knows it (SORT_SIZE), its size, else -1. */
typedef void walkfn(void *arg, const char *path, size_t len, off_t size);

/* Walk root, calling fn for every input file in the order asked for
 * (SORT_SIZE calls fn only from walk_finish).  A root is walked (or, if
 * a file, tested by the filter) whatever its name: hidden names and
 * excludes only skip what is found below it.  Problems are reported on
 * stderr; returns the number of them. */
struct walker;
struct walker *walk_new(const struct walkopts *o, walkfn *fn, void *arg);
unsigned long walk(struct walker *w, const char *root);
/* Emit what was held back for sorting; returns the number of files found. */
unsigned long long walk_finish(struct walker *w);
/* How many hidden files and directories were skipped (without hidden). */
unsigned long long walk_hidden(const struct walker *w);
void walk_free(struct walker *w);

#endif
