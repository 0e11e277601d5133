/* path.h: open and stat paths of any length. */
#ifndef PDP_PATH_H
#define PDP_PATH_H

#include <sys/stat.h>

/* open(2), but a path longer than PATH_MAX is opened a piece at a time
 * (pdp-find lists such paths; the kernel refuses them whole). */
int path_open(const char *path, int flags);
/* stat(2) on the same terms. */
int path_stat(const char *path, struct stat *st);

#endif
