/* gunzip.h: gzip files read by pdp itself (RFC 1952 members of RFC 1951
 * deflate data), so that a directory of .gz files costs no process per
 * file.  The other formats go to their programs (decomp.h). */
#ifndef PDP_GUNZIP_H
#define PDP_GUNZIP_H

#include <stddef.h>
#include <sys/types.h>

struct gunzip;

/* A decoder, with its buffers (about 520 KB): one a worker,
 * used for one input after another.  NULL if out of memory. */
struct gunzip *gunzip_new(void);
void gunzip_free(struct gunzip *g);

/* Read the gzip data of fd from its current offset: every member to
 * the end of the file (concatenated members decode whole, as gzip -dc
 * does), each one's CRC-32 and length checked. */
void gunzip_start(struct gunzip *g, int fd);
/* Up to n bytes of the data into buf.  Returns the bytes given, 0 at
 * the end of the last member, -1 on a read error or corrupt data, with
 * gunzip_error saying which. */
ssize_t gunzip_read(struct gunzip *g, char *buf, size_t n);
/* What went wrong, e.g. "unexpected end of file" or "read error: ...". */
const char *gunzip_error(const struct gunzip *g);

#endif
