/* reducer.h: the state of one pdp-reduce run, shared by the files of
 * its engine (internal; reduce.h is the interface):
 *   reduce.c  one run: set up, inputs read, output finished; --merge's
 *             states loaded and folded
 *   group.c   records read, grouped by key, added to their states
 *   emit.c    writing a key's line, and the table in the order asked
 *   runs.c    spilling the table to sorted runs, and merging runs
 *   parts.c   one big file read in parts by forked children (-j), and
 *             the last merge split by key range across processes
 *   header.c  a table's header line: fields by name, -H's header */
#ifndef PDP_REDUCER_H
#define PDP_REDUCER_H

#include <stddef.h>
#include <stdint.h>

#include "fields.h"
#include "io.h"
#include "record.h"
#include "reduce.h"

struct reducer {
	const struct reduceopts *o;
	struct table *t;
	size_t vsize;
	size_t nfields;		/* fields stored: max field used + 1 */
	struct field *f;
	struct num *nums;
	char *key;		/* scratch for composite keys */
	size_t keycap;
	char *tmp;		/* --merge: states being parsed */
	uint64_t skipped;
	char firstbad[256];
	struct obuf *out;
	struct sbuf line;
	int *runs;		/* spilled runs (file descriptors; RUN_TABLE
				 * for the table itself, merged in place) */
	size_t nruns;
	int tablerun;		/* the table is among the runs (tablerun) */
	uint32_t *tableix;	/* its entries sorted, if sorted already */
	int keepruns;		/* a merge leaves the runs open and tableix
				 * kept: they are merged again (parts.c) */
	size_t maxruns;		/* runs.c's MAXRUNS, or what ulimit -n leaves */
	int prefetch;		/* the key is a TAB record's field, the first
				 * while keyf[0] is 0 */
	uint64_t partoff;	/* the chunk or part of a file read now
				 * starts here (-j), else 0 */
	size_t *off;		/* each op's state within a key's value */
	char *rides;		/* each op whose state is within another's
				 * (layout in reduce.c): that op adds,
				 * merges, loads and frees it */
	/* What the options set but a part read by a child of parts.c
	 * changes: the options themselves are never written. */
	uint64_t budget;	/* -S, or a part's share of it */
	int partial;		/* --partial, or a child's part */
	int mergejobs;		/* processes for the last merge: -j, or 1 */
	/* Fields: the options' numbers, or the header's for names. */
	size_t *keyf;		/* key fields */
	size_t *vfield;		/* each op's value field */
	char *needs, *numeric;	/* each op reads a value, a number */
	int *sameas;		/* an earlier op that reads the same field as
				 * a number (its parse is copied), or -1 */
	uint32_t hash;		/* the key's hash and length, if hashed */
	size_t klen;		/* (reducer_readall found them) */
	int hashed;
	/* Tables, headers, comments (fields.c, header.c): lines that need
	 * more than a record does go through prepare() in group.c. */
	int slow;
	struct splitter sp;
	int needheader;		/* the next line is a file's header */
	int csvopen;		/* a CSV record goes on in the next line */
	int csvcr;		/* the last of its lines ended in CRLF */
	struct sbuf pend;	/* its lines so far */
	char **hdr;		/* the first header's fields, escaped */
	size_t nhdr;
	char *hdrfile;		/* the file it came from, for messages */
	int headerdue;		/* -H: the header line is still to be written */
	int bare;		/* --no-key: no key field in what is written
				 * to out (runs keep an empty one) */
	char *na;		/* --narm: the ops whose value is NA here */
	/* --sorted: the group being aggregated */
	char *cur;
	size_t curlen, curcap;
	int hascur;
	char *curst;
};

/* Descriptors a spill needs at the least (runs.c): two runs, an input
 * and the output of a merge. */
enum { SPILL_MINFDS = 4 };

/* reduce.c */
void reducer_freestates(struct reducer *r, char *st);
/* Out of memory where no spill helps: exit with a message that says why
 * (--sorted, --order, --top, a budget past ulimit -v); 0 if there is
 * nothing to say (no key yet). */
int reducer_nomem(const struct reducer *r);
/* Free what the table's states hold, for the table to be freed. */
void reducer_freetable(struct reducer *r);
/* Parse the states of a --merge record (or a run's line) into tmp;
 * -1 with *why and *which (the op) set if one is not a state. */
int reducer_loadstates(struct reducer *r, char *tmp, const struct field *f,
    const char **why, size_t *which);
/* Fold the states in src into st; src is only read (a table's entry,
 * which a child merging a range must not write: its pages are shared
 * copy-on-write). */
void reducer_fold(struct reducer *r, char *st, const char *src,
    const char *key, size_t klen);
/* Fold the states in tmp into st, and empty tmp. */
void reducer_mergeinto(struct reducer *r, char *st, char *tmp,
    const char *key, size_t klen);
/* Write what the reducer holds: the table, or the merge of its runs. */
void reducer_finish(struct reducer *r);
/* Size r->f for the fields the options use (after a header named
 * them). */
void reducer_setfields(struct reducer *r);

/* group.c */
/* Add every record that the reader gives. */
void reducer_readall(struct reducer *r, struct reader *in);

/* header.c */
/* A file's header line: the first one names the fields of -k and
 * op:NAME and is kept for -H; later ones must agree with it. */
void header_take(struct reducer *r, const struct reader *in, const char *s,
    size_t n);
/* -H: the header line, on r->out. */
void header_write(struct reducer *r);
void header_free(struct reducer *r);

/* emit.c */
/* Write one key's line onto out: final values, or states if partial. */
void reducer_printkey(struct reducer *r, const char *key, size_t klen,
    const char *st, struct obuf *out, int partial);
/* A key's final line on r->out, failing first if a value is out of
 * range (or its states with --partial). */
void reducer_emit(struct reducer *r, const char *key, size_t klen,
    const char *st);
/* Print the table in the order asked for. */
void reducer_printtable(struct reducer *r);

/* runs.c */
/* The table's place among the runs, in the order they merge in: read
 * from memory, not written to a run first. */
enum { RUN_TABLE = -1 };
void reducer_tablerun(struct reducer *r);
/* An unlinked temporary file in -T's directory; fatal if none. */
int reducer_tmpfile(const char *dir);
/* Write the table as a run of states sorted by key, and empty it;
 * lean: in less memory, for when it has run out. */
void reducer_spill(struct reducer *r, int lean);
/* Keys from lo (NULL: the first) to before hi (NULL: to the last). */
struct keyrange {
	const char *lo, *hi;
	size_t lolen, hilen;
};
/* Merge runs [from, from+n) onto out: partial states (a new run) or,
 * for the last merge, the final output; only kr's keys if not NULL.
 * The runs are closed after, and the table's index freed, unless
 * r->keepruns. */
void reducer_mergeruns(struct reducer *r, size_t from, size_t n,
    struct obuf *out, int partial, const struct keyrange *kr);
/* A copy of the key of run fd (size bytes, if a file) at about frac
 * (0 to 1) of its way (of its first 4 KiB, if longer), or NULL; the
 * table's needs r->tableix. */
char *reducer_runsample(struct reducer *r, int fd, uint64_t size,
    double frac, size_t *klen);

/* parts.c */
/* The number of lines in the first off bytes of fd (for messages). */
uint64_t reducer_linesbefore(int fd, uint64_t off);
/* The number of parts to read files in (the one open on fd): 0 for one
 * process; *stream set if it is not a regular file. */
int reducer_nparts(const struct reduceopts *o, int nfiles, int fd,
    uint64_t *size, int *stream);
/* Read the file name (open on fd, size bytes) in parts, a process
 * each, and write the output: each process merges a range of keys. */
void reducer_readparts(struct reducer *r, const char *name, int fd,
    uint64_t size, int parts);
/* The same for a stream, whose blocks the parent hands out: 1, or 0 if
 * it ended too soon to be worth it (read alone; nothing written). */
int reducer_readstream(struct reducer *r, const char *name, int fd,
    int parts);
/* The last merge of the runs onto r->out, split by key range across
 * r->mergejobs processes; 0 if it is too small to be worth it (nothing
 * written then). */
int reducer_splitmerge(struct reducer *r);

/* emit.c: a field of what the user reads, as --output-separator and
 * --csv-out ask (escaped: s is in pdp's escapes, decoded for CSV), and
 * the separator before the next one. */
void reducer_putfield(struct reducer *r, const char *s, size_t n,
    int escaped);
void reducer_putsep(struct reducer *r);

#endif
