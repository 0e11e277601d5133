/* dryrun.c: pdp-map --dry-run: the tasks that a run would start, one
 * line each, and nothing run: the input (escaped, as in records), its
 * chunk if it is cut, and what would read it: the mapper and its
 * arguments, or the exec command line with its replacement strings
 * replaced, quoted as a shell would need it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commit.h"
#include "err.h"
#include "inputs.h"
#include "pool.h"
#include "repl.h"
#include "report.h"

/* s as one shell word. */
static void
quoted(struct obuf *o, const char *s)
{
	if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_-+=./:,@%") == strlen(s)) {
		obuf_write(o, s, strlen(s));
		return;
	}
	obuf_putc(o, '\'');
	for (; *s; s++)
		if (*s == '\'')
			obuf_write(o, "'\\''", 4);
		else
			obuf_putc(o, *s);
	obuf_putc(o, '\'');
}

static void
printtask(struct commit *cm, const struct poolconf *c, const struct task *t)
{
	const struct workerconf *wc = c->wc;
	struct obuf *o = &cm->out;
	struct repl r = { .path = t->in->path, .num = t->in->num, .slot = 1 };
	char range[64];

	obuf_write(o, t->in->shown, strlen(t->in->shown));
	report_range(range, t);
	obuf_write(o, range, strlen(range));
	obuf_write(o, ":", 1);
	for (int i = 0; i < wc->argc; i++) {
		obuf_putc(o, ' ');
		/* The exec command line, as each input would have it. */
		char *a = i > 0 && repl_has(wc->argv[i]) ?
		    repl_expand(wc->argv[i], &r) : NULL;
		quoted(o, a ? a : wc->argv[i]);
		free(a);
	}
	obuf_putc(o, '\n');
}

int
pool_dryrun(const struct poolconf *c)
{
	struct commit cm;
	struct inputs ins;
	struct task t;

	commit_init(&cm, c, 1);
	inputs_init(&ins, c, &cm, c->jobs);
	cm.seen = &ins.seen;
	for (;;) {
		while (inputs_next(&ins, &t)) {
			printtask(&cm, c, &t);
			commit_taskdone(&cm, t.in);
		}
		if (ins.seen.ended)
			break;
		/* Read only once what is buffered is taken, as the pool
		 * does: else the buffer grows to hold the whole list. */
		int had = ins.nqueue;
		inputs_take(&ins);
		if (ins.nqueue == had)
			inputs_read(&ins);
	}
	int status = commit_finish(&cm, &ins.seen);
	inputs_free(&ins);
	return status;
}
