/* tmp.h: temporary files that no exit path can leave behind. */
#ifndef PDP_TMP_H
#define PDP_TMP_H

/* The directory of temporary files: $TMPDIR if set and not empty, else
 * /tmp. */
const char *tmp_dir(void);
/* A new file in dir, named prefix and six random characters, opened for
 * reading and writing and already unlinked.  Every signal is held off
 * between its creation and its unlink, so that a signal that ends the
 * program cannot leave it behind.  Returns the descriptor, or -1 with
 * errno set. */
int tmp_open(const char *dir, const char *prefix);

#endif
