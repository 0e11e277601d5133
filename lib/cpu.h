/* cpu.h: how many CPUs this process may run on. */
#ifndef PDP_CPU_H
#define PDP_CPU_H

/* The smallest of: the CPUs in this process's affinity mask (taskset,
 * cpusets, containers), else the CPUs online; the CPU quota of its
 * cgroup v2 and of the cgroups above it, rounded up; and
 * SLURM_CPUS_PER_TASK, if set.  A source that cannot be read or parsed
 * is ignored.  At least 1. */
int cpu_count(void);

#endif
