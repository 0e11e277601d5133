/* proto.h: the frames that pdp-map's parent and workers exchange over
 * their pipes.  Both ends are the same program, so frames are plain
 * structs in host byte order. */
#ifndef PDP_PROTO_H
#define PDP_PROTO_H

#include <stdint.h>

enum { TASK_FILE, TASK_DATA, TASK_RANGE, TASK_FLUSH };

/* Parent to worker: one task, followed by pathlen bytes of raw path
 * (TASK_FILE) or datalen bytes of data (TASK_DATA, for --pipe).
 * TASK_RANGE (--pipe from a regular file): the lines that start in
 * [off, off+len) of the file open on descriptor fd, which the worker
 * inherited.  TASK_FLUSH asks a --combine worker for its table. */
struct taskmsg {
	uint64_t id;
	uint64_t off;		/* the chunk: lines that start in [off, off+len) */
	uint64_t len;		/* UINT64_MAX: to the end of the file */
	uint64_t size;		/* a chunk: the file size it was cut from */
	uint64_t datalen;
	uint64_t num;		/* the input's number: 1 for the first read */
	uint32_t pathlen;
	uint32_t kind;		/* TASK_* */
	uint32_t slot;		/* the worker's slot, from 1 */
	int32_t fd;		/* TASK_RANGE: the data's descriptor */
};

/* RES_FLUSH (--combine): the RES_OUT frames since the last RES_DONE are
 * the worker's combined table, to be written now with the RES_OUT frames
 * of its tasks (those that passed TABLE_MAX on their own, combine.c);
 * payload: a uint64_t count of all those records.  RES_FATAL: the worker could not start, and no
 * worker will (payload: the message).  RES_EXIT: a fatal error between
 * tasks; the worker exits (payload: the message). */
enum { RES_OUT = 1, RES_DONE, RES_FATAL, RES_FLUSH, RES_EXIT };

/* Worker to parent: a header, then len bytes of payload. */
struct reshdr {
	uint32_t type;		/* RES_* */
	uint32_t len;
};

/* Payload of RES_DONE, followed by an error message if !ok. */
struct donemsg {
	uint64_t id;
	uint64_t bytes;		/* input bytes read */
	uint64_t records;	/* records written */
	int32_t ok;
	int32_t sig;		/* the signal that killed the input's command */
	int32_t exiting;	/* a fatal error: the worker exits after this */
	int32_t again;		/* not run: no process for its command (EAGAIN) */
	int32_t binary;		/* succeeded: binary, and skipped */
};

/* Output travels in frames of at most this many payload bytes. */
enum { RES_OUTMAX = 1 << 18 };

#endif
