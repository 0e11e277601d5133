/* proc.c: fork that waits out a passing shortage of processes, as xargs
 * and GNU parallel do: another job's end often frees one. */
#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

pid_t
proc_fork(void)
{
	struct timespec ts = { 0, 1000000 };
	pid_t pid;

	fflush(NULL);
	for (int i = 0; (pid = fork()) < 0 && errno == EAGAIN && i < 11; i++) {
		nanosleep(&ts, NULL);
		ts.tv_nsec *= 2;
	}
	return pid;
}
