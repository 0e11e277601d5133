/*
 * pdp.h: the mapper interface of pdp-map (installed for plugins).
 *
 * A mapper is a set of hooks that pdp-map's worker processes call.  For
 * each input (a file, a chunk of a file, or a block of --pipe data) a
 * worker calls map() one or more times with consecutive blocks of its
 * data, then end().  A block ends at the end of a line, except when a
 * line is longer than a block: then the flag PDP_MORE says the same line
 * goes on in the next block.  The last block of an input may lack the
 * final newline.
 *
 * Mappers produce records with ctx->emit() (one key<TAB>value record,
 * escaped by pdp-map as pdp(7) says), ctx->count() (add n to a per-
 * input counter of key; the counters are written as key<TAB>count records
 * after end()) or ctx->write() (text that is already records, passed on
 * as it is; a last line without a newline gets one; an escape that
 * pdp(7) does not have fails the input).  Keys and values
 * are raw bytes of any value.
 *
 * A hook returns 0 on success or -1 on failure, after calling ctx->fail()
 * with a message; the input then counts as failed.  A plugin is a shared
 * object exporting "const struct pdp_mapper pdp_mapper"; pdp-map refuses
 * one whose abi differs from PDP_ABI_VERSION.
 */
#ifndef PDP_H
#define PDP_H

#include <stddef.h>

#define PDP_ABI_VERSION 1

enum { PDP_MORE = 1 };

struct pdp_ctx {
	void *data;		/* the mapper's own state: set it in init() */
	const char *path;	/* current input (raw bytes), "-" for --pipe */
	unsigned long long offset;	/* where the current input starts */
	int (*emit)(struct pdp_ctx *ctx, const char *key, size_t klen,
	    const char *val, size_t vlen);
	int (*count)(struct pdp_ctx *ctx, const char *key, size_t klen,
	    long long n);
	void (*fail)(struct pdp_ctx *ctx, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
	int (*write)(struct pdp_ctx *ctx, const char *records, size_t len);
	void *host;		/* pdp-map's own: do not touch */
};

struct pdp_mapper {
	int abi;		/* PDP_ABI_VERSION */
	const char *name;
	const char *synopsis;	/* the arguments, for messages: "REGEX" */
	int minargs, maxargs;	/* maxargs -1: any number */
	/* Once per worker, before any input; argv[0] is the mapper word. */
	int (*init)(struct pdp_ctx *ctx, int argc, char **argv);
	int (*map)(struct pdp_ctx *ctx, const char *data, size_t len, int flags);
	/* After the last block of an input, and after a failed one (whose
	 * output is then discarded), so that it can clean up (optional). */
	int (*end)(struct pdp_ctx *ctx);
	/* Once per worker, after the last input (optional). */
	void (*finish)(struct pdp_ctx *ctx);
};

#endif
