/* filter.c: pdp-find's tests on a file, as find(1)'s primaries: the
 * excludes and the patterns on names and paths, which need nothing but
 * the name, and the bounds on size and time, which need a stat(2).
 * Memory: the options' own strings are kept, not copied; one bound for
 * each bound option. */
#include <fnmatch.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "filter.h"
#include "num.h"

enum boundkind { B_SIZE, B_MTIME, B_NEWER };

struct bound {
	enum boundkind kind;
	int cmp;		/* +1 more, -1 less, 0 exactly (B_SIZE, B_MTIME) */
	long long n;		/* bytes or days */
	struct timespec t;	/* B_NEWER */
};

void
filter_init(struct filter *f)
{
	memset(f, 0, sizeof *f);
	if (clock_gettime(CLOCK_REALTIME, &f->now) < 0)
		eprintf("clock_gettime:");
}

void
filter_free(struct filter *f)
{
	free(f->excludes);
	free(f->names);
	free(f->exts);
	free(f->paths);
	free(f->bounds);
}

static void
add(char ***v, size_t *n, char *s)
{
	*v = ereallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = s;
}

static void
addbound(struct filter *f, struct bound b)
{
	f->bounds = ereallocarray(f->bounds, f->nbounds + 1, sizeof *f->bounds);
	f->bounds[f->nbounds++] = b;
}

void
filter_exclude(struct filter *f, char *glob)
{
	add(&f->excludes, &f->nexcludes, glob);
}

void
filter_name(struct filter *f, char *glob)
{
	add(&f->names, &f->nnames, glob);
}

void
filter_path(struct filter *f, char *glob)
{
	add(&f->paths, &f->npaths, glob);
}

int
filter_ext(struct filter *f, char *ext)
{
	while (*ext == '.')
		ext++;
	if (*ext == '\0' || strchr(ext, '/'))
		return -1;
	add(&f->exts, &f->nexts, ext);
	return 0;
}

/* The comparison a leading + or - asks for; skips it. */
static int
sign(const char **s)
{
	switch (**s) {
	case '+': (*s)++; return 1;
	case '-': (*s)++; return -1;
	default: return 0;
	}
}

int
filter_size(struct filter *f, const char *arg)
{
	const char *s = arg;
	int cmp = sign(&s);
	size_t n = strlen(s);
	char buf[64];
	unsigned long long v;

	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, s, n + 1);
	/* find's c (bytes) after a number is no unit at all. */
	if (n >= 2 && buf[n - 1] == 'c' && buf[n - 2] >= '0' && buf[n - 2] <= '9')
		buf[n - 1] = '\0';
	if (opt_size(buf, &v) < 0 || v > INT64_MAX)
		return -1;
	addbound(f, (struct bound){ .kind = B_SIZE, .cmp = cmp, .n = (long long)v });
	return 0;
}

int
filter_mtime(struct filter *f, const char *arg)
{
	const char *s = arg;
	int cmp = sign(&s);
	unsigned long long v;

	/* A billion days: far beyond any clock, and days * 86400 fits. */
	if (opt_uint(s, 0, 1000000000, &v) < 0)
		return -1;
	addbound(f, (struct bound){ .kind = B_MTIME, .cmp = cmp, .n = (long long)v });
	return 0;
}

void
filter_newer(struct filter *f, const struct timespec *mtime)
{
	addbound(f, (struct bound){ .kind = B_NEWER, .t = *mtime });
}

static int
anyglob(char **globs, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (fnmatch(globs[i], s, 0) == 0)
			return 1;
	return 0;
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* As fd has it: name ends with "." EXT, ASCII letters in any case, and
 * has a byte before that dot (".txt" has no extension). */
static int
hasext(const char *name, size_t n, const char *ext)
{
	size_t e = strlen(ext);

	if (n < e + 2 || name[n - e - 1] != '.')
		return 0;
	name += n - e;
	for (size_t i = 0; i < e; i++)
		if (lower((unsigned char)name[i]) != lower((unsigned char)ext[i]))
			return 0;
	return 1;
}

int
filter_excluded(const struct filter *f, const char *name)
{
	return anyglob(f->excludes, f->nexcludes, name);
}

int
filter_byname(const struct filter *f, const char *name, size_t namelen,
    const char *rel)
{
	if (f->nnames && !anyglob(f->names, f->nnames, name))
		return 0;
	if (f->nexts) {
		size_t i;
		for (i = 0; i < f->nexts; i++)
			if (hasext(name, namelen, f->exts[i]))
				break;
		if (i == f->nexts)
			return 0;
	}
	if (f->npaths && !anyglob(f->paths, f->npaths, rel))
		return 0;
	return 1;
}

int
filter_needstat(const struct filter *f)
{
	return f->nbounds > 0;
}

static int
cmpll(long long a, long long b)
{
	return (a > b) - (a < b);
}

/* Whole 24-hour periods from mtime to now, rounded down as find rounds
 * them (a file modified in the future is -1 days old). */
static long long
days(const struct timespec *now, const struct timespec *m)
{
	long long a = now->tv_sec, b = m->tv_sec, age;

	if (b < 0 && a > LLONG_MAX + b)
		return LLONG_MAX / 86400;
	if (b > 0 && a <= LLONG_MIN + b)
		return LLONG_MIN / 86400;
	age = a - b;
	if (now->tv_nsec < m->tv_nsec)
		age--;
	return age >= 0 ? age / 86400 : -((-(age + 1)) / 86400) - 1;
}

int
filter_bystat(const struct filter *f, const struct stat *st)
{
	for (size_t i = 0; i < f->nbounds; i++) {
		const struct bound *b = &f->bounds[i];
		switch (b->kind) {
		case B_SIZE:
			if (cmpll(st->st_size, b->n) != b->cmp)
				return 0;
			break;
		case B_MTIME:
			if (cmpll(days(&f->now, &st->st_mtim), b->n) != b->cmp)
				return 0;
			break;
		case B_NEWER:
			if (st->st_mtim.tv_sec < b->t.tv_sec ||
			    (st->st_mtim.tv_sec == b->t.tv_sec &&
			    st->st_mtim.tv_nsec <= b->t.tv_nsec))
				return 0;
			break;
		}
	}
	return 1;
}
