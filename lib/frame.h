/* frame.h: a worker's side of proto.h: what it sends the parent.  Output
 * is gathered into RES_OUT frames of at most RES_OUTMAX bytes; the frame
 * that ends a task goes in the same write as the output before it.  A
 * write that fails means the parent is gone: the worker exits at once. */
#ifndef PDP_FRAME_H
#define PDP_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct frames {
	int fd;
	char *buf;		/* struct reshdr, the payload, room for a RES_DONE */
	size_t len;		/* payload bytes */
};

void frames_init(struct frames *f, int fd);
void frames_free(struct frames *f);
/* Where n more payload bytes go in the current frame, or NULL if they do
 * not fit (then use frames_put). */
static inline char *
frames_room(struct frames *f, size_t n)
{
	if (RES_OUTMAX - f->len < n)
		return NULL;
	char *p = f->buf + sizeof(struct reshdr) + f->len;
	f->len += n;
	return p;
}
/* The same when n + over bytes fit: the over bytes after the n may be
 * written too, as scratch that the next payload overwrites (a key copied
 * as a whole word). */
static inline char *
frames_roomover(struct frames *f, size_t n, size_t over)
{
	if (RES_OUTMAX - f->len < n + over)
		return NULL;
	return frames_room(f, n);
}
void frames_put(struct frames *f, const void *p, size_t n);
/* Put a field with the record escapes of pdp(7). */
void frames_putescaped(struct frames *f, const char *s, size_t n);
/* Send the output gathered so far. */
void frames_flush(struct frames *f);
/* Send a frame of type with payload p (the output gathered stays). */
void frames_send(struct frames *f, uint32_t type, const void *p, size_t n);
/* Send the output gathered, then the end of a task: d and, if it
 * failed, its message (cut to ERRMSG_MAX - 1 bytes, as the parent reads). */
void frames_done(struct frames *f, const struct donemsg *d, const char *err);

#endif
