/* mem.c: the memory this process may use, for pdp-reduce's default
 * budget: RAM, the cgroup's memory limit and ulimit -v / -d, as sort
 * minds them, so that the budget is one the process can reach; and a
 * reserve for allocations to fail into when a budget given is more. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "err.h"
#include "mem.h"
#include "num.h"

/* A limit in a file such as memory.max of the cgroup at path under
 * root: a number of bytes, or 0 for none ("max", absent, unreadable). */
static uint64_t
limitfile(const char *root, const char *path, const char *name)
{
	char fn[4300], buf[64];
	unsigned long long v;
	FILE *f;

	if (snprintf(fn, sizeof fn, "%s%s/%s", root, path, name) >=
	    (int)sizeof fn ||
	    (f = fopen(fn, "r")) == NULL)
		return 0;
	char *ok = fgets(buf, sizeof buf, f);
	fclose(f);
	if (!ok)
		return 0;
	buf[strcspn(buf, "\n")] = '\0';
	/* v1 says "no limit" with a huge number (PAGE_COUNTER_MAX). */
	if (opt_uint(buf, 1, ~0ULL >> 2, &v) < 0)
		return 0;
	return v;
}

static uint64_t
minlimit(uint64_t a, uint64_t b)
{
	return a == 0 ? b : b == 0 ? a : a < b ? a : b;
}

/* The smallest memory limit of this process's cgroup and its
 * ancestors (v2 "0::/PATH", v1 "N:memory:/PATH"), or 0. */
static uint64_t
cgroup_limit(void)
{
	char line[4096];
	uint64_t min = 0;
	FILE *f;

	if ((f = fopen("/proc/self/cgroup", "r")) == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL) {
		const char *root, *name;
		char *path;
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "0::/", 4) == 0) {
			path = line + 3;
			root = "/sys/fs/cgroup";
			name = "memory.max";
		} else if ((path = strstr(line, ":memory:/")) != NULL) {
			path += 8;
			root = "/sys/fs/cgroup/memory";
			name = "memory.limit_in_bytes";
		} else {
			continue;
		}
		if (strstr(path, "/..") != NULL)
			continue;
		for (;;) {
			min = minlimit(min, limitfile(root, path, name));
			char *slash = strrchr(path, '/');
			if (slash == NULL)
				break;
			if (slash == path) {
				if (path[1] == '\0')
					break;
				path[1] = '\0';	/* the root last */
				continue;
			}
			*slash = '\0';
		}
	}
	fclose(f);
	return min;
}

/* The bytes mapped now (VmSize of /proc/self/status), or 0. */
static uint64_t
mapped(void)
{
	char line[256];
	unsigned long long kb = 0;
	FILE *f;

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmSize: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return (uint64_t)kb * 1024;
}

/* What is left under the soft limit res, 1 if nothing, 0 if none. */
static uint64_t
rlimitroom(int res)
{
	struct rlimit rl;

	if (getrlimit(res, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return 0;
	uint64_t used = mapped();
	return (uint64_t)rl.rlim_cur > used ? (uint64_t)rl.rlim_cur - used : 1;
}

uint64_t
mem_available(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	uint64_t m = pages > 0 && psize > 0 ?
	    (uint64_t)pages * (uint64_t)psize : (uint64_t)4 << 30;

	m = minlimit(m, cgroup_limit());
	m = minlimit(m, rlimitroom(RLIMIT_AS));
	m = minlimit(m, rlimitroom(RLIMIT_DATA));
	return m;
}

/* The reserve: globals, as err.c's hook has no argument. */
static void *reserve;
static size_t reservesize;
static int used;
static int (*onempty)(void);

static int
usereserve(void)
{
	if (!reserve)
		return onempty();
	free(reserve);
	reserve = NULL;
	used = 1;
	return 1;
}

void
mem_reserve(size_t size, int (*empty)(void))
{
	reservesize = size;
	onempty = empty;
	reserve = malloc(size);
	setnomemhook(usereserve);
}

int
mem_reserveused(void)
{
	if (!used)
		return 0;
	used = 0;
	return 1;
}

void
mem_rereserve(void)
{
	if (!reserve)
		reserve = malloc(reservesize);
}
