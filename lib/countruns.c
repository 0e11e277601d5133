/* countruns.c: an input's counts past its counters' bound, as sorted
 * runs in temporary files merged at the input's end (countruns.h).  A
 * run is a sequence of entries: the key's length (8 bytes), its count
 * (8 bytes), the key's bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "countruns.h"
#include "err.h"
#include "io.h"
#include "tmp.h"

enum {
	MAXRUNS = 16,		/* runs of an input, at most: then one */
	RUNBUF = 1 << 16,	/* a run's buffer, writing or reading */
};

struct countruns {
	int fd[MAXRUNS];
	int n;
};

struct entry {
	uint64_t p;		/* the first 8 bytes, big-endian */
	const char *k;
	size_t kl;
	int64_t n;
};

struct index {
	struct entry *e;
	size_t n, cap;
};

struct run {
	int fd;
	char *buf;
	size_t pos, len;
	char *key;		/* zero-padded to 16 bytes past its end */
	size_t klen, kcap;
	uint64_t p;		/* its first 8 bytes, big-endian */
	int64_t n;
	int done;
};

/* The first 8 bytes of a key (zero-padded, as counts_fn and a run give
 * it) as a number that orders as they do. */
static uint64_t
prefix(const char *k)
{
	const unsigned char *b = (const unsigned char *)k;
	uint64_t p = 0;

	for (int i = 0; i < 8; i++)
		p = p << 8 | b[i];
	return p;
}

static void
collect(void *arg, const char *k, size_t kl, int64_t n)
{
	struct index *ix = arg;

	if (ix->n == ix->cap) {
		ix->cap = ix->cap ? ix->cap * 2 : 1024;
		ix->e = ereallocarray(ix->e, ix->cap, sizeof *ix->e);
	}
	ix->e[ix->n++] = (struct entry){ prefix(k), k, kl, n };
}

/* Bytewise, a shorter key first on a tie: pdp-reduce's order.  p, q:
 * their prefixes, which decide unless equal. */
static int
keycmp(uint64_t p, const char *a, size_t al, uint64_t q, const char *b,
    size_t bl)
{
	if (p != q)
		return p < q ? -1 : 1;
	int c = memcmp(a, b, al < bl ? al : bl);
	return c ? c : (al > bl) - (al < bl);
}

static int
entrycmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return keycmp(x->p, x->k, x->kl, y->p, y->k, y->kl);
}

static int
runcmp(const struct run *a, const struct run *b)
{
	return keycmp(a->p, a->key, a->klen, b->p, b->key, b->klen);
}

static void
putentry(void *arg, const char *k, size_t kl, int64_t n)
{
	struct obuf *o = arg;
	uint64_t l = kl;

	obuf_write(o, &l, sizeof l);
	obuf_write(o, &n, sizeof n);
	obuf_write(o, k, kl);
}

/* A new run, written by fill(arg, o); its descriptor. */
static int
newrun(void (*fill)(void *, struct obuf *), void *arg)
{
	const char *dir = tmp_dir();
	int fd = tmp_open(dir, "pdp-counts.");
	struct obuf o;

	if (fd < 0)
		eprintf("%s: a temporary file for an input's counts:", dir);
	obuf_init(&o, fd, dir, RUNBUF);
	fill(arg, &o);
	obuf_flush(&o);
	obuf_free(&o);
	if (lseek(fd, 0, SEEK_SET) < 0)
		eprintf("%s: lseek:", dir);
	return fd;
}

/* n bytes of u: 1, or 0 at the run's end before the first of them. */
static int
readn(struct run *u, void *p, size_t n)
{
	char *q = p;

	while (n > 0) {
		if (u->pos == u->len) {
			ssize_t r = readsome(u->fd, u->buf, RUNBUF);
			if (r < 0)
				eprintf("%s: read error:", tmp_dir());
			if (r == 0 && q == p)
				return 0;
			if (r == 0)
				eprintf("%s: a run of counts cut short", tmp_dir());
			u->pos = 0;
			u->len = (size_t)r;
		}
		size_t k = u->len - u->pos < n ? u->len - u->pos : n;
		memcpy(q, u->buf + u->pos, k);
		u->pos += k;
		q += k;
		n -= k;
	}
	return 1;
}

static void
advance(struct run *u)
{
	uint64_t kl;

	if (!readn(u, &kl, sizeof kl)) {
		u->done = 1;
		return;
	}
	if (kl > SIZE_MAX - 16 || !readn(u, &u->n, sizeof u->n))
		eprintf("%s: a run of counts cut short", tmp_dir());
	if (kl + 16 > u->kcap) {
		u->kcap = (size_t)kl + 16;
		u->key = erealloc(u->key, u->kcap);
	}
	if (kl > 0 && !readn(u, u->key, (size_t)kl))
		eprintf("%s: a run of counts cut short", tmp_dir());
	memset(u->key + kl, 0, 16);
	u->klen = (size_t)kl;
	u->p = prefix(u->key);
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

	*cur = (struct run){ .fd = -1 };
	for (int i = 0; i < n; i++) {
		u[i] = (struct run){ .fd = fd[i], .buf = emalloc(RUNBUF) };
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
		close(u[i].fd);
		free(u[i].buf);
		free(u[i].key);
	}
	return rc;
}

struct compaction {
	const struct countruns *cr;
	int rc;
};

static void
fillmerged(void *arg, struct obuf *o)
{
	struct compaction *cp = arg;

	cp->rc = merge(cp->cr->fd, cp->cr->n, putentry, o);
}

static void
fillsorted(void *arg, struct obuf *o)
{
	const struct index *ix = arg;

	for (size_t i = 0; i < ix->n; i++)
		putentry(o, ix->e[i].k, ix->e[i].kl, ix->e[i].n);
}

int
countruns_add(struct countruns **crp, const struct counts *c)
{
	struct countruns *cr = *crp;
	struct index ix = { 0 };

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
	if (counts_eachnew(c, collect, &ix) < 0) {
		free(ix.e);
		return -1;
	}
	if (ix.n > 1)
		qsort(ix.e, ix.n, sizeof *ix.e, entrycmp);
	cr->fd[cr->n++] = newrun(fillsorted, &ix);
	free(ix.e);
	return 0;
}

int
countruns_merge(struct countruns **crp, counts_fn *fn, void *arg)
{
	struct countruns *cr = *crp;
	int rc = merge(cr->fd, cr->n, fn, arg);

	free(cr);
	*crp = NULL;
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
	free(cr);
	*crp = NULL;
}
