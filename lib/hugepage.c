/* hugepage.c: memory for big hash tables.  A table of megabytes read at
 * random (the worker's counters, say) misses the TLB on most lookups in
 * pages of 4 KiB; in pages of 2 MiB its mappings fit in the TLB.  Linux
 * gives them to memory marked MADV_HUGEPAGE before it is first touched,
 * under its common setting ("madvise"), so the memory is marked and then
 * zeroed, not taken zeroed from calloc. */
#define _DEFAULT_SOURCE		/* madvise */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "err.h"
#include "hugepage.h"

enum { HUGE = 2 << 20 };

void *
hugecalloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size) {
		errno = ENOMEM;
		eprintf("aligned_alloc:");
	}
	size_t bytes = n * size;
	if (bytes < HUGE)
		return ecalloc(n, size);
	/* aligned_alloc wants a multiple of the alignment. */
	size_t whole = (bytes + HUGE - 1) & ~(size_t)(HUGE - 1);
	void *p = aligned_alloc(HUGE, whole);
	if (!p)
		eprintf("aligned_alloc:");
#if defined(__linux__) && defined(MADV_HUGEPAGE)
	(void)madvise(p, whole, MADV_HUGEPAGE);
#endif
	memset(p, 0, bytes);
	return p;
}
