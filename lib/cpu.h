/* cpu.h: how many CPUs this process may run on. */
#ifndef PDP_CPU_H
#define PDP_CPU_H

/* The CPUs in this process's affinity mask (taskset, containers, batch
 * systems), else the CPUs online; at least 1. */
int cpu_count(void);

#endif
