/* err.h: the one error printer, and allocation that cannot fail quietly. */
#ifndef PDP_ERR_H
#define PDP_ERR_H

#include <stddef.h>

/* Exit statuses shared by every program (see EXIT STATUS in the man pages). */
enum { EXIT_PARTIAL = 1, EXIT_FATAL = 2, EXIT_HALTED = 3 };

extern const char *argv0;

void setprogname(const char *name);
/* Print "argv0: MESSAGE" on stderr; a format ending in ':' appends
 * strerror(errno).  eprintf then exits with EXIT_FATAL. */
_Noreturn void eprintf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
void weprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* eprintf of an error that is no input's fault (a temporary file that
 * cannot be made or written): in a worker, the whole run stops with it,
 * as pdp-map's parent stops on its own (err_envfatal tells the hook). */
_Noreturn void eprintf_env(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
int err_envfatal(void);
/* Called by eprintf before it exits, with the message (without the
 * program's name): pdp-map's parent stops its workers there, after eprintf
 * printed the message (report 1); a worker passes the message on to the
 * parent instead (report 0). */
enum { ERRMSG_MAX = 1024 };
void setfatalhook(void (*fn)(const char *msg), int report);

/* Called when an allocation fails: fn frees memory it set aside and
 * returns 1 (the allocation is tried once more), or returns 0, or does
 * not return (eprintf of a message that says more than "malloc"). */
void setnomemhook(int (*fn)(void));

void *emalloc(size_t n);
void *ecalloc(size_t n, size_t m);
void *erealloc(void *p, size_t n);
/* erealloc for an array of n elements of size m, with overflow checked. */
void *ereallocarray(void *p, size_t n, size_t m);
char *estrdup(const char *s);
void *ememdup(const void *p, size_t n);

#endif
