/* timeit.c: run a shell command, print "SECONDS MAXRSS_KB" on stderr:
 * wall time, and the peak resident size of the largest process the
 * command ran (as GNU time's %M), from wait4(2).  A benchmark helper, so
 * that `make bench` needs nothing beyond libc.
 *   usage: timeit 'command'   (exit status: the command's) */
#define _DEFAULT_SOURCE		/* wait4 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	int status;

	if (argc != 2) {
		fputs("usage: timeit 'command'\n", stderr);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid < 0) {
		perror("timeit: fork");
		return 2;
	}
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", argv[1], (char *)NULL);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("timeit: wait4");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* The shell's own rusage covers only it; its children's peak is in
	 * RUSAGE_CHILDREN once they were waited for, which sh did. */
	struct rusage rc;
	getrusage(RUSAGE_CHILDREN, &rc);
	long rss = rc.ru_maxrss > ru.ru_maxrss ? rc.ru_maxrss : ru.ru_maxrss;
	fprintf(stderr, "%.3f %ld\n", (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, rss);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
