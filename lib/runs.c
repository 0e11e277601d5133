/*
 * runs.c: pdp-reduce's spill.  When the table passes the budget it is
 * written, sorted by key, as a run of partial states to an unlinked
 * temporary file in -T's directory, and emptied; at the end the runs are
 * merged, a key at a time, into the output.  At most MAXRUNS runs are
 * open at once (more are merged into one first), fewer if the
 * descriptor limit says so, so a merge needs a fixed number of buffers:
 * its memory is MAXRUNS readers and one key's states, beside the table
 * that the last merge takes from memory (RUN_TABLE: the table as it was
 * when reading ended, within the budget, and its sorted index, which
 * the budget counts too).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fdlimit.h"
#include "radix.h"
#include "reducer.h"
#include "table.h"
#include "tmp.h"

/* Runs open at once, at most; FDS_OTHER more descriptors are needed
 * beside them: an input file and the output of a merge of runs. */
enum { MAXRUNS = 16, FDS_OTHER = 2 };
/* A run's line is a key and its states that this process held in
 * memory: read back without the limit of an input's records, which a
 * key near that limit passes once its states are added. */
#define RUN_RECORDMAX (SIZE_MAX / 4)

struct run {
	int fd;			/* RUN_TABLE: the table, in key order */
	struct reader r;
	char *rec;		/* current record, NULL at the end */
	size_t len;
	const char *key;
	size_t klen;
	uint32_t *ix, pos, n;	/* the table's entries, by key */
};

static void compactruns(struct reducer *);

/* An unlinked temporary file in -T's directory. */
int
reducer_tmpfile(const char *dir)
{
	int fd = tmp_open(dir, "pdp-reduce");

	if (fd < 0)
		eprintf("%s: cannot make a temporary file:", dir);
	return fd;
}

/* Write the table as a run of states sorted by key, and empty it;
 * lean when memory has run out (table_sortedlean). */
void
reducer_spill(struct reducer *r, int lean)
{
	if (!r->maxruns) {
		long limit, room = fdroom(MAXRUNS + FDS_OTHER, &limit);
		if (room < SPILL_MINFDS)
			eprintf("ulimit -n %ld: too few file descriptors to "
			    "spill to temporary files", limit);
		r->maxruns = (size_t)(room - FDS_OTHER);
	}
	struct obuf o;
	uint32_t n = table_count(r->t);
	uint32_t *ix = lean ? table_sortedlean(r->t) : table_sorted(r->t);
	int fd = reducer_tmpfile(r->o->tmpdir);
	obuf_init(&o, fd, r->o->tmpdir, 1 << 16);
	for (uint32_t i = 0; i < n; i++) {
		size_t klen;
		const char *key = table_key(r->t, ix[i], &klen);
		reducer_printkey(r, key, klen, table_val(r->t, ix[i]), &o, 1);
	}
	obuf_flush(&o);
	obuf_free(&o);
	free(ix);
	reducer_freetable(r);
	/* A new table, not a cleared one: the arrays count against the
	 * budget as allocated, and kept at full size they would leave no
	 * room, so that every new key spilled a run of its own. */
	table_free(r->t);
	r->t = table_new(r->vsize);
	r->runs = ereallocarray(r->runs, r->nruns + 1, sizeof *r->runs);
	r->runs[r->nruns++] = fd;
	if (r->nruns >= r->maxruns)
		compactruns(r);
}

/* The table, if it has keys and is not there yet, as the next run:
 * where the spilled runs before it are the earlier records (and parts
 * after it later ones). */
void
reducer_tablerun(struct reducer *r)
{
	if (r->tablerun || table_count(r->t) == 0)
		return;
	r->tablerun = 1;
	r->runs = ereallocarray(r->runs, r->nruns + 1, sizeof *r->runs);
	r->runs[r->nruns++] = RUN_TABLE;
}

/* A run's line is the key, then the states: the last naggs fields. */
static size_t
runkeylen(const struct reducer *r, const char *rec, size_t len)
{
	size_t tabs = 0, i = len;

	while (i > 0 && tabs < r->o->naggs)
		if (rec[--i] == '\t')
			tabs++;
	return i;
}

static int
runnext(struct reducer *r, struct run *u)
{
	if (u->fd == RUN_TABLE) {
		if (u->pos == u->n) {
			u->rec = NULL;
			return 0;
		}
		if (u->pos + TABLE_AHEAD < u->n)
			table_prefetchindex(r->t, u->ix[u->pos + TABLE_AHEAD]);
		u->key = table_key(r->t, u->ix[u->pos], &u->klen);
		u->rec = (char *)u->key;
		return 1;
	}
	int st = reader_next(&u->r, &u->rec, &u->len);

	if (st < 0)
		reader_fail(&u->r);
	if (st == 0) {
		u->rec = NULL;
		return 0;
	}
	u->key = u->rec;
	u->klen = runkeylen(r, u->rec, u->len);
	return 1;
}

static int
runcmp(const struct run *a, const struct run *b)
{
	return radix_keycmp(a->key, a->klen, b->key, b->klen);
}

/* The first line of run fd that starts at or after off, read by rd
 * (initialized here; the caller frees it): 1 with it and where it
 * starts, 0 if there is none. */
static int
lineat(struct reducer *r, int fd, uint64_t off, struct reader *rd,
    uint64_t *start, char **rec, size_t *len)
{
	int st;

	/* From the byte before off: the rest of the line it ends. */
	reader_initat(rd, fd, r->o->tmpdir, '\n', off ? off - 1 : 0);
	rd->max = RUN_RECORDMAX;
	if (off > 0) {
		if ((st = reader_next(rd, rec, len)) < 0)
			reader_fail(rd);
		if (st == 0 || rd->unterminated)
			return 0;
		off += *len;
	}
	if ((st = reader_next(rd, rec, len)) < 0)
		reader_fail(rd);
	*start = off;
	return st;
}

/* Where the first line of run fd whose key is not below key starts
 * (the run's size if none): a binary search, since a run is sorted by
 * key, then a scan of the last SEEK_SCAN bytes or so. */
enum { SEEK_SCAN = 1 << 16 };
static uint64_t
runseek(struct reducer *r, int fd, const char *key, size_t klen)
{
	struct stat st;
	struct reader rd;
	char *rec;
	size_t len;
	uint64_t lo = 0, hi, s;

	if (fstat(fd, &st) < 0)
		eprintf("%s: temporary file:", r->o->tmpdir);
	/* The answer is in [lo, hi]: the line at lo, if lo > 0, is below
	 * key, and the one at hi, if any, is not. */
	hi = (uint64_t)st.st_size;
	while (hi - lo > SEEK_SCAN) {
		int found = lineat(r, fd, lo + (hi - lo) / 2, &rd, &s, &rec, &len);
		if (!found || s >= hi) {
			reader_free(&rd);
			break;		/* one long line ends the search */
		}
		if (radix_keycmp(rec, runkeylen(r, rec, len), key, klen) < 0)
			lo = s;
		else
			hi = s;
		reader_free(&rd);
	}
	/* Then line by line from lo. */
	int found = lineat(r, fd, lo, &rd, &s, &rec, &len);
	while (found && s < hi &&
	    radix_keycmp(rec, runkeylen(r, rec, len), key, klen) < 0) {
		s += len + 1;
		if ((found = reader_next(&rd, &rec, &len)) < 0)
			reader_fail(&rd);
	}
	reader_free(&rd);
	return found && s < hi ? s : hi;
}

/* A key of run fd (size bytes, if a file) at about frac of its way,
 * for the split of the last merge (reducer_splitmerge): a copy of it, or
 * of its first SAMPLE_MAX bytes (a pivot between ranges need not be a
 * key, and a key of 100 MB sampled 64 times a run would be copied as
 * many times), with its length in *klen; NULL if the run has no key
 * there. */
enum { SAMPLE_MAX = 4096 };

char *
reducer_runsample(struct reducer *r, int fd, uint64_t size, double frac,
    size_t *klen)
{
	const char *key;
	char *rec, *copy = NULL;
	size_t len;

	if (fd == RUN_TABLE) {
		uint32_t n = table_count(r->t);
		if (n == 0)
			return NULL;
		key = table_key(r->t, r->tableix[(uint32_t)(frac * (n - 1))], klen);
		if (*klen > SAMPLE_MAX)
			*klen = SAMPLE_MAX;
		return memcpy(emalloc(*klen + 1), key, *klen);
	}
	struct reader rd;
	uint64_t s;
	if (lineat(r, fd, (uint64_t)(frac * (double)size), &rd, &s,
	    &rec, &len) > 0) {
		*klen = runkeylen(r, rec, len);
		if (*klen > SAMPLE_MAX)
			*klen = SAMPLE_MAX;
		copy = memcpy(emalloc(*klen + 1), rec, *klen);
	}
	reader_free(&rd);
	return copy;
}

/* Merge runs [from, from+n) onto out: partial states (a new run) or,
 * for the last merge, the final output; only the keys in kr if it is
 * not NULL.  The runs are closed after, and the table's index freed,
 * unless r->keepruns. */
void
reducer_mergeruns(struct reducer *r, size_t from, size_t n, struct obuf *out,
    int partial, const struct keyrange *kr)
{
	struct run *u = ecalloc(n, sizeof *u);
	char *acc = ecalloc(1, r->vsize), *tmp = ecalloc(1, r->vsize);
	/* Its own fields and states: a merge may run in the middle of
	 * adding a record (compactruns from spill). */
	struct field *f = ereallocarray(NULL, r->o->naggs, sizeof *f);
	const char *why;
	size_t which, kcap = 0;
	char *kbuf = NULL;

	for (size_t i = 0; i < n; i++) {
		u[i].fd = r->runs[from + i];
		if (u[i].fd == RUN_TABLE) {
			if (!r->tableix)
				r->tableix = table_sorted(r->t);
			u[i].ix = r->tableix;
			if (!r->keepruns)
				r->tableix = NULL;
			u[i].n = table_count(r->t);
			if (kr && kr->lo) {
				/* The first entry not below lo. */
				uint32_t lo = 0, hi = u[i].n;
				while (lo < hi) {
					uint32_t mid = lo + (hi - lo) / 2;
					size_t kl;
					const char *k = table_key(r->t, u[i].ix[mid], &kl);
					if (radix_keycmp(k, kl, kr->lo, kr->lolen) < 0)
						lo = mid + 1;
					else
						hi = mid;
				}
				u[i].pos = lo;
			}
			runnext(r, &u[i]);
			continue;
		}
		reader_initat(&u[i].r, u[i].fd, r->o->tmpdir, '\n',
		    kr && kr->lo ? runseek(r, u[i].fd, kr->lo, kr->lolen) : 0);
		u[i].r.max = RUN_RECORDMAX;
		runnext(r, &u[i]);
	}
	for (;;) {
		struct run *min = NULL;
		for (size_t i = 0; i < n; i++)
			if (u[i].rec && (!min || runcmp(&u[i], min) < 0))
				min = &u[i];
		if (!min || (kr && kr->hi &&
		    radix_keycmp(min->key, min->klen, kr->hi, kr->hilen) >= 0))
			break;
		/* The key must outlive the readers' buffers. */
		size_t klen = min->klen;
		if (klen >= kcap) {
			kcap = klen * 2 + 1;
			free(kbuf);
			kbuf = emalloc(kcap);
		}
		char *key = memcpy(kbuf, min->key, klen);
		struct run probe = { .key = key, .klen = klen };
		for (size_t i = 0; i < n; i++) {
			while (u[i].rec && runcmp(&u[i], &probe) == 0) {
				if (u[i].fd == RUN_TABLE) {
					/* Read, not emptied: freed with the
					 * table. */
					reducer_fold(r, acc, table_val(r->t,
					    u[i].ix[u[i].pos++]), key, klen);
					runnext(r, &u[i]);
					continue;
				}
				rec_split(u[i].rec + klen + 1, u[i].len - klen - 1,
				    f, r->o->naggs);
				if (reducer_loadstates(r, tmp, f, &why, &which) < 0)
					eprintf("%s: temporary file: %s", r->o->tmpdir, why);
				reducer_mergeinto(r, acc, tmp, key, klen);
				runnext(r, &u[i]);
			}
		}
		if (partial)
			reducer_printkey(r, key, klen, acc, out, 1);
		else
			reducer_emit(r, key, klen, acc);
		reducer_freestates(r, acc);
	}
	free(kbuf);
	for (size_t i = 0; i < n; i++) {
		if (u[i].fd == RUN_TABLE) {
			if (!r->keepruns)
				free(u[i].ix);
			continue;
		}
		reader_free(&u[i].r);
		if (!r->keepruns)
			close(u[i].fd);
	}
	free(u);
	free(acc);
	free(tmp);
	free(f);
}

/* Keep the number of runs under MAXRUNS by merging them into one. */
static void
compactruns(struct reducer *r)
{
	struct obuf o;
	int fd = reducer_tmpfile(r->o->tmpdir);
	obuf_init(&o, fd, r->o->tmpdir, 1 << 16);
	reducer_mergeruns(r, 0, r->nruns, &o, 1, NULL);
	obuf_flush(&o);
	obuf_free(&o);
	r->runs[0] = fd;
	r->nruns = 1;
}
