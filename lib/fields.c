/* fields.c: a line of a table split into fields: at a separator byte,
 * at runs of blanks, or as RFC 4180 CSV.  A table's bytes are bytes, not
 * pdp(7) escapes: a field that holds a byte that records escape (\t \n
 * \r \\) is escaped into the splitter's buffer, as is a quoted CSV field
 * once unquoted; the other fields point into the line.
 * Memory: the buffer holds one line's fields, each escaped (at most
 * twice the line), and for CSV unquoted (at most the line): three times
 * the line. */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fields.h"

/* Room for every field of a line of len bytes, escaped: set before the
 * first field, so that no pointer into the buffer moves. */
static void
reserve(struct splitter *sp, size_t len)
{
	if (3 * len + 1 > sp->cap) {
		sp->cap = 3 * len + 1;
		free(sp->buf);
		sp->buf = emalloc(sp->cap);
	}
}

/* Field [s, s+n) as pdp writes it: in place if plain, else escaped at
 * *at in the buffer. */
static void
setfield(struct splitter *sp, size_t *at, struct field *f, const char *s,
    size_t n)
{
	if (rec_plain(s, n)) {
		f->s = s;
		f->len = n;
		return;
	}
	char *d = sp->buf + *at;
	char *e = rec_escape(d, s, n);
	f->s = d;
	f->len = (size_t)(e - d);
	*at += f->len;
}

static long
splitsep(struct splitter *sp, const char *s, size_t len, struct field *f,
    size_t max)
{
	const char *p = s, *end = s + len;
	size_t n = 0, at = 0;

	for (;;) {
		const char *t = memchr(p, sp->sep, (size_t)(end - p));
		const char *e = t ? t : end;
		if (n < max)
			setfield(sp, &at, &f[n], p, (size_t)(e - p));
		n++;
		if (!t)
			return (long)n;
		p = t + 1;
	}
}

/* -W: as datamash -W and awk: runs of spaces and tabs separate fields,
 * and blanks at the start and the end of the line are ignored. */
static long
splitblanks(struct splitter *sp, const char *s, size_t len, struct field *f,
    size_t max)
{
	const char *p = s, *end = s + len;
	size_t n = 0, at = 0;

	for (;;) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p == end)
			return (long)n;
		const char *e = p;
		while (e < end && *e != ' ' && *e != '\t')
			e++;
		if (n < max)
			setfield(sp, &at, &f[n], p, (size_t)(e - p));
		n++;
		p = e;
	}
}

static long
splitcsv(struct splitter *sp, const char *s, size_t len, struct field *f,
    size_t max, const char **why)
{
	const char *p = s, *end = s + len;
	size_t n = 0, at = 0;

	for (;;) {
		const char *b, *e;
		if (p < end && *p == '"') {
			/* Quoted: "" is a quote; unquoted into the buffer,
			 * past where escaped fields go. */
			char *u = sp->buf + 2 * len + (size_t)(p - s), *d = u;
			for (p++;; p++) {
				if (p == end) {
					*why = "a quoted field is not closed";
					return -1;
				}
				if (*p == '"') {
					if (p + 1 < end && p[1] == '"') {
						*d++ = '"';
						p++;
						continue;
					}
					break;
				}
				*d++ = *p;
			}
			p++;
			if (p < end && *p != sp->sep) {
				*why = "text after a closing quote";
				return -1;
			}
			b = u;
			e = d;
		} else {
			b = p;
			while (p < end && *p != sp->sep) {
				if (*p == '"') {
					*why = "a quote inside an unquoted field "
					    "(RFC 4180 quotes the whole field)";
					return -1;
				}
				p++;
			}
			e = p;
		}
		if (n < max)
			setfield(sp, &at, &f[n], b, (size_t)(e - b));
		n++;
		if (p == end)
			return (long)n;
		p++;	/* the separator */
	}
}

long
fields_split(struct splitter *sp, const char *s, size_t len, struct field *f,
    size_t max, const char **why)
{
	/* Escaped fields take the first two thirds; unquoted CSV fields
	 * the last, each where its bytes were in the line. */
	reserve(sp, len);
	switch (sp->mode) {
	case FS_BLANKS:
		return splitblanks(sp, s, len, f, max);
	case FS_CSV:
		return splitcsv(sp, s, len, f, max, why);
	default:
		return splitsep(sp, s, len, f, max);
	}
}

int
fields_quoteopen(int open, const char *s, size_t len, int sep)
{
	int start = !open;	/* a field starts here */

	for (size_t i = 0; i < len; i++) {
		if (open) {
			if (s[i] == '"') {
				if (i + 1 < len && s[i + 1] == '"')
					i++;	/* "" inside quotes */
				else
					open = start = 0;
			}
		} else if (s[i] == sep) {
			start = 1;
		} else {
			/* A quote elsewhere than at a field's start opens
			 * nothing: fields_split will name it. */
			open = start && s[i] == '"';
			start = 0;
		}
	}
	return open;
}

void
fields_free(struct splitter *sp)
{
	free(sp->buf);
	sp->buf = NULL;
	sp->cap = 0;
}
