/* hugepage.h: memory for big hash tables, in huge pages where the system
 * has them. */
#ifndef PDP_HUGEPAGE_H
#define PDP_HUGEPAGE_H

#include <stddef.h>

/* n * size bytes of zeros, to free with free().  From 2 MiB up, aligned
 * to 2 MiB and, on Linux, backed by huge pages if it can (a hint).
 * Exits with a message if memory is short, as emalloc does. */
void *hugecalloc(size_t n, size_t size);

#endif
