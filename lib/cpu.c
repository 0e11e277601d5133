/* cpu.c: the number of CPUs this process may use: its affinity mask,
 * its cgroup v2 CPU quota and its Slurm allocation, the smallest. */
#define _GNU_SOURCE		/* sched_getaffinity, CPU_COUNT */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu.h"
#include "num.h"

#define CPU_MAX 4096

/* The quota of the cgroup at path (under /sys/fs/cgroup), or 0. */
static int
quota_of(const char *path)
{
	char buf[64], fn[4200];
	unsigned long long q, p;
	FILE *f;

	if (snprintf(fn, sizeof fn, "/sys/fs/cgroup%s/cpu.max", path) >=
	    (int)sizeof fn || (f = fopen(fn, "r")) == NULL)
		return 0;
	char *ok = fgets(buf, sizeof buf, f);
	fclose(f);
	/* "max PERIOD" or "QUOTA PERIOD" */
	char *sp = ok ? strchr(buf, ' ') : NULL;
	if (sp == NULL)
		return 0;
	*sp++ = '\0';
	sp[strcspn(sp, "\n")] = '\0';
	if (opt_uint(buf, 1, ~0ULL >> 2, &q) < 0 ||
	    opt_uint(sp, 1, ~0ULL >> 2, &p) < 0)
		return 0;
	q = (q + p - 1) / p;
	return q > CPU_MAX ? CPU_MAX : (int)q;
}

/* The smallest quota of this process's cgroup v2 and its ancestors, as
 * seen in /proc/self/cgroup ("0::/PATH"), or 0 if there is none. */
static int
cgroup_quota(void)
{
	char line[4096], *path = NULL;
	int min = 0, n;
	FILE *f;

	if ((f = fopen("/proc/self/cgroup", "r")) == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "0::/", 4) == 0) {
			path = line + 3;
			path[strcspn(path, "\n")] = '\0';
			break;
		}
	}
	fclose(f);
	if (path == NULL || strstr(path, "/..") != NULL)
		return 0;
	for (;;) {
		if ((n = quota_of(path)) > 0 && (min == 0 || n < min))
			min = n;
		char *slash = strrchr(path, '/');
		if (slash == NULL || slash == path)
			break;
		*slash = '\0';
	}
	return min;
}

/* SLURM_CPUS_PER_TASK, or 0. */
static int
slurm_cpus(void)
{
	const char *s = getenv("SLURM_CPUS_PER_TASK");
	unsigned long long v;

	if (s == NULL || opt_uint(s, 1, CPU_MAX, &v) < 0)
		return 0;
	return (int)v;
}

int
cpu_count(void)
{
	int n = 0, m;
#ifdef CPU_COUNT
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
		n = CPU_COUNT(&set);
#endif
	if (n == 0) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);
		n = c > 0 ? (c > CPU_MAX ? CPU_MAX : (int)c) : 1;
	}
	if ((m = cgroup_quota()) > 0 && m < n)
		n = m;
	if ((m = slurm_cpus()) > 0 && m < n)
		n = m;
	return n;
}

int
cpu_jobs(const char *s)
{
	unsigned long long n;
	size_t len = strlen(s);
	long long j;

	if (len > 1 && s[len - 1] == '%') {
		char num[24];
		if (len - 1 >= sizeof num)
			return -1;
		memcpy(num, s, len - 1);
		num[len - 1] = '\0';
		if (opt_uint(num, 1, 1000000, &n) < 0)
			return -1;
		j = ((long long)cpu_count() * (long long)n + 99) / 100;
	} else if (*s == '+' || *s == '-') {
		if (opt_uint(s + 1, 0, 4096, &n) < 0)
			return -1;
		j = cpu_count() + (*s == '+' ? (long long)n : -(long long)n);
	} else {
		if (opt_uint(s, 0, 4096, &n) < 0)
			return -1;
		j = n == 0 ? cpu_count() : (long long)n;
	}
	return j < 1 ? 1 : j > 4096 ? 4096 : (int)j;
}
