/* fields.h: a line of a table, for pdp-reduce -t, -W and --csv, split
 * into fields in pdp's record form (record.h). */
#ifndef PDP_FIELDS_H
#define PDP_FIELDS_H

#include <stddef.h>

#include "record.h"

/* How a line splits: pdp records (TAB, escapes are pdp(7)'s), a
 * separator byte (-t), runs of blanks (-W), RFC 4180 CSV (--csv). */
enum { FS_RECORDS, FS_SEP, FS_BLANKS, FS_CSV };

struct splitter {
	int mode;		/* FS_* */
	int sep;		/* FS_SEP, FS_CSV: the separator byte */
	char *buf;		/* fields that had to be escaped or unquoted */
	size_t cap;
};

/* Split the line s (len bytes, no newline; for CSV a whole record,
 * lines joined by \n) into at most max fields of f, each in pdp's
 * escaped form, valid until the next call.  Returns the number of
 * fields (which may exceed max), or -1 with *why set for CSV that is not
 * RFC 4180's (a quote inside an unquoted field, text after a closing
 * quote, a quote left open). */
long fields_split(struct splitter *sp, const char *s, size_t len,
    struct field *f, size_t max, const char **why);
/* CSV: whether a record that is open (inside a quoted field) before
 * the line s, or starts with it, is open after it. */
int fields_quoteopen(int open, const char *s, size_t len, int sep);
void fields_free(struct splitter *sp);

#endif
