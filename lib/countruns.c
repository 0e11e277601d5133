/* countruns.c: an input's counts past its counters' bound, as sorted
 * runs in temporary files merged at the input's end (countruns.h).  A
 * run is a sequence of entries: the key's length (8 bytes), its count
 * (8 bytes), the key's bytes. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "countruns.h"
#include "err.h"
#include "io.h"
#include "radix.h"
#include "tmp.h"

enum {
	MAXRUNS = 16,		/* runs of an input, at most: then one */
	RUNBUF = 1 << 16,	/* a run's buffer, writing or reading */
};

struct entry {
	const char *k;
	size_t kl;
	int64_t n;
};

struct index {
	struct entry *e;
	size_t n, cap;
};

/* The index and its sort are kept from run to run of the input, so that
 * each run does not fault their pages in anew. */
struct countruns {
	int fd[MAXRUNS];
	int n;
	struct index ix;
	struct sortkey *v;	/* 2 * vcap */
	size_t vcap;
};

/* The entries that the sort of a run of equal prefixes compares (qsort
 * takes no argument for its comparison). */
static const struct entry *sorting;

struct run {
	struct exactreader in;
	char *key;		/* zero-padded to 16 bytes past its end */
	size_t klen, kcap;
	uint64_t p;		/* its first 8 bytes, big-endian */
	int64_t n;
	int done;
};

static void
collect(void *arg, const char *k, size_t kl, int64_t n)
{
	struct index *ix = arg;

	if (ix->n == ix->cap) {
		ix->cap = ix->cap ? ix->cap * 2 : 1024;
		ix->e = ereallocarray(ix->e, ix->cap, sizeof *ix->e);
	}
	ix->e[ix->n++] = (struct entry){ k, kl, n };
}


static int
cmpidx(const void *a, const void *b)
{
	const struct entry *x = &sorting[*(const uint64_t *)a];
	const struct entry *y = &sorting[*(const uint64_t *)b];

	return radix_keycmp(x->k, x->kl, y->k, y->kl);
}

static int
runcmp(const struct run *a, const struct run *b)
{
	/* The prefixes decide unless equal. */
	if (a->p != b->p)
		return a->p < b->p ? -1 : 1;
	return radix_keycmp(a->key, a->klen, b->key, b->klen);
}

/* What errors of the runs name: the directory, and what the file is. */
static const char *
runname(void)
{
	static char name[4096];

	if (!name[0])
		snprintf(name, sizeof name, "%s: a temporary file of counts",
		    tmp_dir());
	return name;
}

/* A run being written.  Its errors are no input's (eprintf_env). */
struct runout {
	int fd;
	size_t len;
	char *buf;		/* RUNBUF bytes */
};

static void
runflush(struct runout *o)
{
	if (o->len > 0 && writeall(o->fd, o->buf, o->len) < 0)
		eprintf_env("%s: write error:", runname());
	o->len = 0;
}

static void
runwrite(struct runout *o, const void *p, size_t n)
{
	if (o->len + n > RUNBUF)
		runflush(o);
	if (n > RUNBUF) {
		if (writeall(o->fd, p, n) < 0)
			eprintf_env("%s: write error:", runname());
		return;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static void
putentry(void *arg, const char *k, size_t kl, int64_t n)
{
	struct runout *o = arg;
	uint64_t h[2] = { kl, (uint64_t)n };

	runwrite(o, h, sizeof h);
	runwrite(o, k, kl);
}

/* A new run, written by fill(arg, o); its descriptor, which no command
 * that the worker runs inherits. */
static int
newrun(void (*fill)(void *, struct runout *), void *arg)
{
	int fd = tmp_open(tmp_dir(), "pdp-counts.");

	if (fd < 0)
		eprintf_env("%s:", runname());
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	struct runout o = { fd, 0, emalloc(RUNBUF) };
	fill(arg, &o);
	runflush(&o);
	free(o.buf);
	if (lseek(fd, 0, SEEK_SET) < 0)
		eprintf_env("%s: lseek:", runname());
	return fd;
}

/* n bytes of u: 1, or 0 at the run's end before the first of them. */
static int
readn(struct run *u, void *p, size_t n)
{
	int r = exact_read(&u->in, p, n);

	if (r < 0 && errno)
		eprintf_env("%s: read error:", runname());
	if (r < 0)
		eprintf_env("%s: cut short", runname());
	return r;
}

static void
advance(struct run *u)
{
	uint64_t h[2], kl;

	if (!readn(u, h, sizeof h)) {
		u->done = 1;
		return;
	}
	kl = h[0];
	u->n = (int64_t)h[1];
	if (kl > SIZE_MAX - 16)
		eprintf_env("%s: cut short", runname());
	if (kl + 16 > u->kcap) {
		u->kcap = (size_t)kl + 16;
		u->key = erealloc(u->key, u->kcap);
	}
	if (kl > 0 && !readn(u, u->key, (size_t)kl))
		eprintf_env("%s: cut short", runname());
	memset(u->key + kl, 0, 16);
	u->klen = (size_t)kl;
	u->p = radix_prefix(u->key, u->klen);
}

/* The heap h[0..n) of runs, smallest key on top: h[i] sinks. */
static void
sink(struct run **h, size_t n, size_t i)
{
	for (;;) {
		size_t m = i, l = 2 * i + 1, r = l + 1;
		if (l < n && runcmp(h[l], h[m]) < 0)
			m = l;
		if (r < n && runcmp(h[r], h[m]) < 0)
			m = r;
		if (m == i)
			return;
		struct run *t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* The top run of h moves to its next key: it sinks, or leaves. */
static size_t
next(struct run **h, size_t n)
{
	advance(h[0]);
	if (h[0]->done)
		h[0] = h[--n];
	sink(h, n, 0);
	return n;
}

/* The runs fd[0..n) merged into fn, and closed.  -1 if a sum passed 64
 * bits (fn has then had the keys before it). */
static int
merge(const int *fd, int n, counts_fn *fn, void *arg)
{
	struct run u[MAXRUNS + 1], *h[MAXRUNS], *cur = &u[MAXRUNS];
	size_t nh = 0;
	int rc = 0;

	*cur = (struct run){ .in = { .fd = -1 } };
	for (int i = 0; i < n; i++) {
		u[i] = (struct run){ .in = { .fd = fd[i],
		    .buf = emalloc(RUNBUF), .cap = RUNBUF } };
		advance(&u[i]);
		if (!u[i].done)
			h[nh++] = &u[i];
	}
	for (size_t i = nh; i-- > 0;)
		sink(h, nh, i);
	while (nh > 0 && rc == 0) {
		/* The smallest key, copied: its run moves on. */
		struct run *t = h[0];
		if (t->klen + 16 > cur->kcap) {
			cur->kcap = t->klen + 16;
			cur->key = erealloc(cur->key, cur->kcap);
		}
		memcpy(cur->key, t->key, t->klen + 16);
		cur->klen = t->klen;
		cur->p = t->p;
		int64_t sum = t->n;
		nh = next(h, nh);
		while (nh > 0 && runcmp(h[0], cur) == 0) {
			int64_t x = h[0]->n;
			if ((x > 0 && sum > INT64_MAX - x) ||
			    (x < 0 && sum < INT64_MIN - x))
				rc = -1;
			sum += rc ? 0 : x;
			nh = next(h, nh);
		}
		if (rc == 0)
			fn(arg, cur->key, cur->klen, sum);
	}
	free(cur->key);
	for (int i = 0; i < n; i++) {
		close(u[i].in.fd);
		free(u[i].in.buf);
		free(u[i].key);
	}
	return rc;
}

struct compaction {
	const struct countruns *cr;
	int rc;
};

static void
fillmerged(void *arg, struct runout *o)
{
	struct compaction *cp = arg;

	cp->rc = merge(cp->cr->fd, cp->cr->n, putentry, o);
}

struct sorted {
	const struct index *ix;
	const uint64_t *order;	/* indices into ix->e, in key order */
};

static void
fillsorted(void *arg, struct runout *o)
{
	const struct sorted *so = arg;

	for (size_t i = 0; i < so->ix->n; i++) {
		const struct entry *e = &so->ix->e[so->order[i]];
		putentry(o, e->k, e->kl, e->n);
	}
}

/* The entries' indices in key order: by their first 8 bytes (radix.h),
 * then each run that shares those by the whole key.  In v, 2n of them. */
static const uint64_t *
order(const struct index *ix, struct sortkey *v)
{
	size_t n = ix->n;

	for (size_t i = 0; i < n; i++)
		v[i] = (struct sortkey){ radix_prefix(ix->e[i].k, ix->e[i].kl),
		    i };
	struct sortkey *s = radix_sort(v, v + n, n);
	uint64_t *out = (uint64_t *)(void *)(s == v ? v + n : v);
	for (size_t i = 0; i < n; i++)
		out[i] = s[i].idx;
	sorting = ix->e;
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && s[j].pre == s[i].pre; j++)
			;
		if (j - i > 1)
			qsort(out + i, j - i, sizeof *out, cmpidx);
	}
	sorting = NULL;
	return out;
}

int
countruns_add(struct countruns **crp, const struct counts *c)
{
	struct countruns *cr = *crp;

	if (!cr)
		cr = *crp = ecalloc(1, sizeof *cr);
	if (cr->n == MAXRUNS) {
		struct compaction cp = { cr, 0 };
		int fd = newrun(fillmerged, &cp);
		cr->fd[0] = fd;
		cr->n = 1;
		if (cp.rc < 0)
			return -1;
	}
	cr->ix.n = 0;
	if (counts_eachnew(c, collect, &cr->ix) < 0)
		return -1;
	if (cr->ix.n > 0) {
		if (cr->ix.n > cr->vcap) {
			cr->vcap = cr->ix.cap;
			free(cr->v);
			cr->v = ereallocarray(NULL, 2 * cr->vcap, sizeof *cr->v);
		}
		struct sorted so = { &cr->ix, order(&cr->ix, cr->v) };
		cr->fd[cr->n++] = newrun(fillsorted, &so);
	}
	return 0;
}

int
countruns_merge(struct countruns **crp, counts_fn *fn, void *arg)
{
	struct countruns *cr = *crp;
	int rc = merge(cr->fd, cr->n, fn, arg);

	cr->n = 0;
	countruns_free(crp);
	return rc;
}

void
countruns_free(struct countruns **crp)
{
	struct countruns *cr = *crp;

	if (!cr)
		return;
	for (int i = 0; i < cr->n; i++)
		close(cr->fd[i]);
	free(cr->ix.e);
	free(cr->v);
	free(cr);
	*crp = NULL;
}
