/* mem.h: how much memory this process may use. */
#ifndef PDP_MEM_H
#define PDP_MEM_H

#include <stddef.h>
#include <stdint.h>

/* The bytes this process may still take: the machine's RAM, less for a
 * cgroup memory limit (v2 memory.max of its cgroup and its ancestors,
 * v1 memory.limit_in_bytes), and the room left under RLIMIT_AS and
 * RLIMIT_DATA (the limit less what is mapped already); the smallest. */
uint64_t mem_available(void);

/* Set size bytes aside (untouched: no page is used) for allocations to
 * fail into: when one fails (err.c's allocators), the reserve is freed
 * and the allocation tried again; when none is left, empty() is called,
 * which may say more than "malloc" and exit, or return 0 to let the
 * allocation fail. */
void mem_reserve(size_t size, int (*empty)(void));
/* 1, once, if the reserve was used since the last call: the caller
 * frees what it can, then sets memory aside again (mem_rereserve). */
int mem_reserveused(void);
void mem_rereserve(void);

#endif
