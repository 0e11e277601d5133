/* hugepage.c: memory for big hash tables.  A table of megabytes read at
 * random (the worker's counters, say) misses the TLB on most lookups in
 * pages of 4 KiB; in pages of 2 MiB its mappings fit in the TLB.  Linux
 * gives them to memory marked MADV_HUGEPAGE before it is first touched,
 * under its common setting ("madvise").  The memory is mapped, not taken
 * from malloc, so that a table that is freed or shrunk gives it back: a
 * freed block of malloc's stays in the process. */
#define _GNU_SOURCE		/* MAP_ANONYMOUS, madvise, mremap */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "err.h"
#include "hugepage.h"

enum { HUGE = 2 << 20 };

/* LeakSanitizer looks for pointers in the heap and the stacks, not in
 * memory the program maps: under it a table, whose states point into
 * the heap, comes from calloc. */
#if defined(__SANITIZE_ADDRESS__)
#define HEAPONLY 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HEAPONLY 1
#endif
#endif

#ifdef MAP_ANONYMOUS
/* The bytes mapped for n * size, or 0 if they come from calloc. */
static size_t
mapped(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size - HUGE) {
		errno = ENOMEM;
		eprintf("mmap:");
	}
#ifdef HEAPONLY
	return 0;
#endif
	size_t bytes = n * size;
	return bytes < HUGE ? 0 : (bytes + HUGE - 1) & ~(size_t)(HUGE - 1);
}
#endif

void *
hugetrycalloc(size_t n, size_t size)
{
#ifdef MAP_ANONYMOUS
	size_t len = mapped(n, size);
	if (len == 0)
		return calloc(n ? n : 1, size ? size : 1);
	/* 2 MiB more than needed, and the ends that are not aligned cut
	 * off.  Fresh anonymous memory reads as zeros. */
	char *m = mmap(NULL, len + HUGE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
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
	return calloc(n ? n : 1, size ? size : 1);
#endif
}

void *
hugecalloc(size_t n, size_t size)
{
	void *p = hugetrycalloc(n, size);

	if (!p)	/* the messages of before hugetrycalloc */
#ifdef MAP_ANONYMOUS
		eprintf("%s:", mapped(n, size) ? "mmap" : "calloc");
#else
		eprintf("calloc:");
#endif
	return p;
}

void *
hugetryextend(void *p, size_t n, size_t m, size_t size)
{
	void *q;

#if defined(MAP_ANONYMOUS) && defined(MREMAP_FIXED)
	/* Linux moves p's pages to q, whose new mapping it takes over, in
	 * the page tables: no copy, and q's first pages are not zeroed
	 * first only to be written over.  Both are aligned to 2 MiB, so
	 * its huge pages move whole.  The rest of q reads as zeros, as
	 * memory that grows a private anonymous mapping does.  If the move
	 * fails, q may be gone already: a copy into a new one. */
	size_t from = mapped(n, size), to = mapped(m, size);
	if (from && to > from) {
		if (!(q = hugetrycalloc(m, size)))
			return NULL;
		if (mremap(p, from, to, MREMAP_MAYMOVE | MREMAP_FIXED, q) == q) {
#ifdef MADV_HUGEPAGE
			(void)madvise(q, to, MADV_HUGEPAGE);
#endif
			return q;
		}
		munmap(q, to);	/* (no other thread maps meanwhile) */
	}
#endif
	if (!(q = hugetrycalloc(m, size)))
		return NULL;
	if (n)
		memcpy(q, p, n * size);
	hugefree(p, n, size);
	return q;
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
