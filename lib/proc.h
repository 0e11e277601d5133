/* proc.h: starting child processes, also when the system is short of
 * them. */
#ifndef PDP_PROC_H
#define PDP_PROC_H

#include <sys/types.h>

/* fork(2), but while it fails with EAGAIN (ulimit -u, a full process
 * table) it is tried again after a wait that doubles from 1 ms, for
 * about two seconds in all.  Flushes stdio first.  Returns as fork. */
pid_t proc_fork(void);

/* Start the program at path with argv and envp, its standard input,
 * output and error on fds[0], fds[1], fds[2] (-1: as they are), SIGPIPE
 * back to its default; no other descriptor is passed unless it lacks
 * close-on-exec.  posix_spawn: no copy of the caller's memory, however
 * big (fork copies its page tables, and its writes then fault).  EAGAIN
 * is waited out as by proc_fork.  Returns 0 with *pid set, or an errno
 * (of the exec too, as glibc reports it). */
int proc_spawn(pid_t *pid, const char *path, char *const argv[],
    char *const envp[], const int fds[3]);

#endif
