/* mem.h: how much memory this process may use. */
#ifndef PDP_MEM_H
#define PDP_MEM_H

#include <stdint.h>

/* The bytes this process may still take: the machine's RAM, less for a
 * cgroup memory limit (v2 memory.max of its cgroup and its ancestors,
 * v1 memory.limit_in_bytes), and the room left under RLIMIT_AS and
 * RLIMIT_DATA (the limit less what is mapped already); the smallest. */
uint64_t mem_available(void);

#endif
