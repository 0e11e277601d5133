/* err.c: error messages ("prog: what: why") and checked allocation. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

const char *argv0 = "pdp";
static void (*fatalhook)(const char *);
static int fatalreport;

void
setprogname(const char *name)
{
	const char *p = strrchr(name, '/');

	argv0 = p ? p + 1 : name;
}

void
setfatalhook(void (*fn)(const char *), int report)
{
	fatalhook = fn;
	fatalreport = report;
}

/* The n bytes of s (a buffer of cap) with each byte that does not print
 * but a TAB as \\xHH, as pdp(7) says messages show them: a file name's
 * ESC must not reach a terminal as a command.  The new length; what
 * does not fit is cut. */
static size_t
visible(char *s, size_t n, size_t cap)
{
	char t[4096];
	size_t k = 0;

	for (size_t i = 0; i < n && k < sizeof t; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 0x20 && c != 0x7f) || c == '\t') {
			t[k++] = (char)c;
		} else if (k + 4 <= sizeof t) {
			t[k++] = '\\';
			t[k++] = 'x';
			t[k++] = "0123456789abcdef"[c >> 4];
			t[k++] = "0123456789abcdef"[c & 15];
		} else {
			break;
		}
	}
	if (k > cap)
		k = cap;
	memcpy(s, t, k);
	return k;
}

static void verr(const char *fmt, va_list ap, int print, char *msg)
	__attribute__((format(printf, 1, 0)));

/* Put the message together as a line; print it, and/or copy it without
 * the program's name and the newline to msg (of size ERRMSG_MAX). */
static void
verr(const char *fmt, va_list ap, int print, char *msg)
{
	int saved = errno;
	size_t n = strlen(fmt);

	/* One fprintf chain on an unbuffered stderr; build the line first so
	 * that concurrent writers do not interleave inside it. */
	char line[4096];
	int off = snprintf(line, sizeof line, "%s: ", argv0);
	if (off < 0)
		off = 0;
	if ((size_t)off < sizeof line) {
		int m = vsnprintf(line + off, sizeof line - off, fmt, ap);
		if (m > 0)
			off += m;
	}
	if ((size_t)off >= sizeof line)
		off = sizeof line - 1;
	if (n > 0 && fmt[n - 1] == ':')
		off += snprintf(line + off, sizeof line - off, " %s",
		    strerror(saved));
	if ((size_t)off >= sizeof line - 1)
		off = sizeof line - 2;
	off = (int)visible(line, (size_t)off, sizeof line - 1);
	if (msg) {
		size_t pre = strlen(argv0) + 2, k = (size_t)off > pre ?
		    (size_t)off - pre : 0;
		if (k >= ERRMSG_MAX)
			k = ERRMSG_MAX - 1;
		memcpy(msg, line + pre, k);
		msg[k] = '\0';
	}
	line[off++] = '\n';
	if (print)
		fwrite(line, 1, off, stderr);
	errno = saved;
}

static _Noreturn void vfatal(const char *fmt, va_list ap)
	__attribute__((format(printf, 1, 0)));

static void
vfatal(const char *fmt, va_list ap)
{
	char msg[ERRMSG_MAX];

	verr(fmt, ap, !fatalhook || fatalreport, msg);
	if (fatalhook) {
		void (*fn)(const char *) = fatalhook;
		fatalhook = NULL;
		fn(msg);
	}
	exit(EXIT_FATAL);
}

void
eprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfatal(fmt, ap);
}

static int envfatal;

void
eprintf_env(const char *fmt, ...)
{
	va_list ap;

	envfatal = 1;
	va_start(ap, fmt);
	vfatal(fmt, ap);
}

int
err_envfatal(void)
{
	return envfatal;
}

void
weprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(fmt, ap, 1, NULL);
	va_end(ap);
}

static int (*nomem)(void);

void
setnomemhook(int (*fn)(void))
{
	nomem = fn;
}

/* Whether to try a failed allocation once more: the hook freed memory
 * (it cannot free some each time). */
static int
retry(void)
{
	int e = errno, r = nomem && nomem();

	errno = e;
	return r;
}

void *
emalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	while (!p && retry())
		p = malloc(n ? n : 1);
	if (!p)
		eprintf("malloc:");
	return p;
}

void *
ecalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);

	while (!p && retry())
		p = calloc(n ? n : 1, m ? m : 1);
	if (!p)
		eprintf("calloc:");
	return p;
}

void *
erealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	while (!q && retry())
		q = realloc(p, n ? n : 1);
	if (!q)
		eprintf("realloc:");
	return q;
}

void *
ereallocarray(void *p, size_t n, size_t m)
{
	if (m && n > SIZE_MAX / m) {
		errno = ENOMEM;
		eprintf("realloc:");
	}
	return erealloc(p, n * m);
}

char *
estrdup(const char *s)
{
	return ememdup(s, strlen(s) + 1);
}

void *
ememdup(const void *p, size_t n)
{
	void *q = emalloc(n);

	memcpy(q, p, n);
	return q;
}
