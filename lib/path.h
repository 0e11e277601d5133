/* path.h: open and stat paths of any length, and find a command in
 * PATH. */
#ifndef PDP_PATH_H
#define PDP_PATH_H

#include <sys/stat.h>

/* open(2), but a path longer than PATH_MAX is opened a piece at a time
 * (pdp-find lists such paths; the kernel refuses them whole). */
int path_open(const char *path, int flags);
/* stat(2) on the same terms. */
int path_stat(const char *path, struct stat *st);

/* Find cmd as execvp would: a name with a slash as it is, else the
 * first executable file of that name in a directory of PATH (an empty
 * entry is the current directory).  Returns 0 with *full set (allocated),
 * or ENOENT or EACCES. */
int path_search(const char *cmd, char **full);

#endif
