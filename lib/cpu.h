/* cpu.h: how many CPUs this process may run on. */
#ifndef PDP_CPU_H
#define PDP_CPU_H

/* The smallest of: the CPUs in this process's affinity mask (taskset,
 * cpusets, containers), else the CPUs online; the CPU quota of its
 * cgroup v2 and of the cgroups above it, rounded up; and
 * SLURM_CPUS_PER_TASK, if set.  A source that cannot be read or parsed
 * is ignored.  At least 1. */
int cpu_count(void);

/* A number of jobs as GNU parallel's -j takes it: N; N% of cpu_count(),
 * rounded up; +N or -N, that many more or fewer than cpu_count(); 0,
 * one per CPU.  Always at least 1, at most 4096.  -1 if s is none of
 * these. */
int cpu_jobs(const char *s);

#endif
