/* hugepage.h: memory for big hash tables, in huge pages where the system
 * has them. */
#ifndef PDP_HUGEPAGE_H
#define PDP_HUGEPAGE_H

#include <stddef.h>

/* n * size bytes of zeros.  From 2 MiB up they are mapped on their own,
 * aligned to 2 MiB and, on Linux, backed by huge pages if it can (a
 * hint), and go back to the system when freed.  Exits with a message if
 * memory is short, as emalloc does. */
void *hugecalloc(size_t n, size_t size);
/* The same, but NULL (errno set) if memory is short. */
void *hugetrycalloc(size_t n, size_t size);
/* p, from hugecalloc(n, size), moved into hugecalloc(m, size) (m >= n)
 * and freed; NULL if memory is short, p unchanged. */
void *hugetryextend(void *p, size_t n, size_t m, size_t size);
/* Free what hugecalloc(n, size) gave. */
void hugefree(void *p, size_t n, size_t size);

#endif
