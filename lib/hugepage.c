/* hugepage.c: memory for big hash tables.  A table of megabytes read at
 * random (the worker's counters, say) misses the TLB on most lookups in
 * pages of 4 KiB; in pages of 2 MiB its mappings fit in the TLB.  Linux
 * gives them to memory marked MADV_HUGEPAGE before it is first touched,
 * under its common setting ("madvise").  The memory is mapped, not taken
 * from malloc, so that a table that is freed or shrunk gives it back: a
 * freed block of malloc's stays in the process. */
#define _DEFAULT_SOURCE		/* MAP_ANONYMOUS, madvise */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "err.h"
#include "hugepage.h"

enum { HUGE = 2 << 20 };

#ifdef MAP_ANONYMOUS
/* The bytes mapped for n * size, or 0 if they come from calloc. */
static size_t
mapped(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size - HUGE) {
		errno = ENOMEM;
		eprintf("mmap:");
	}
	size_t bytes = n * size;
	return bytes < HUGE ? 0 : (bytes + HUGE - 1) & ~(size_t)(HUGE - 1);
}
#endif

void *
hugecalloc(size_t n, size_t size)
{
#ifdef MAP_ANONYMOUS
	size_t len = mapped(n, size);
	if (len == 0)
		return ecalloc(n, size);
	/* 2 MiB more than needed, and the ends that are not aligned cut
	 * off.  Fresh anonymous memory reads as zeros. */
	char *m = mmap(NULL, len + HUGE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		eprintf("mmap:");
	char *p = (char *)(((uintptr_t)m + HUGE - 1) & ~(uintptr_t)(HUGE - 1));
	if (p > m)
		munmap(m, (size_t)(p - m));
	if (p + len < m + len + HUGE)
		munmap(p + len, (size_t)(m + len + HUGE - (p + len)));
#ifdef MADV_HUGEPAGE
	(void)madvise(p, len, MADV_HUGEPAGE);
#endif
	return p;
#else
	return ecalloc(n, size);
#endif
}

void
hugefree(void *p, size_t n, size_t size)
{
#ifdef MAP_ANONYMOUS
	size_t len = mapped(n, size);
	if (p && len) {
		munmap(p, len);
		return;
	}
#else
	(void)n;
	(void)size;
#endif
	free(p);
}
