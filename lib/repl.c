/* repl.c: the replacement strings of repl.h, with GNU parallel's
 * meanings: {.} removes a last ".ext" of the last component (".bashrc"
 * becomes "", as in parallel), {/} is what follows the last slash, {//}
 * is dirname(3)'s answer ("." for a path without a slash). */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "io.h"
#include "repl.h"

enum { R_PATH, R_BASE, R_DIR, R_NOEXT, R_BASENOEXT, R_NUM, R_SLOT };

static const struct {
	const char *s;
	size_t n;
	int what;
} strs[] = {
	{ "{}", 2, R_PATH }, { "{/}", 3, R_BASE }, { "{//}", 4, R_DIR },
	{ "{.}", 3, R_NOEXT }, { "{/.}", 4, R_BASENOEXT }, { "{#}", 3, R_NUM },
	{ "{%}", 3, R_SLOT },
};

/* The replacement string at s, or -1. */
static int
at(const char *s, size_t *len)
{
	for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
		if (strncmp(s, strs[i].s, strs[i].n) == 0) {
			*len = strs[i].n;
			return (int)i;
		}
	return -1;
}

int
repl_has(const char *s)
{
	size_t n;

	for (; (s = strchr(s, '{')); s++)
		if (at(s, &n) >= 0)
			return 1;
	return 0;
}

/* The length of p without a last ".ext" of its last component. */
static size_t
noext(const char *p, size_t n)
{
	for (size_t i = n; i > 0; i--) {
		if (p[i - 1] == '/')
			return n;
		if (p[i - 1] == '.')
			return i - 1;
	}
	return n;
}

/* dirname(3) of p, appended to b. */
static void
dirname_(struct sbuf *b, const char *p)
{
	size_t n = strlen(p);

	while (n > 1 && p[n - 1] == '/')
		n--;
	while (n > 0 && p[n - 1] != '/')
		n--;
	if (n == 0) {
		sbuf_add(b, ".", 1);
		return;
	}
	while (n > 1 && p[n - 1] == '/')
		n--;
	sbuf_add(b, p, n);
}

char *
repl_expand(const char *s, const struct repl *r)
{
	struct sbuf b = { 0 };
	const char *base = strrchr(r->path, '/');
	char num[24];
	size_t len;

	base = base ? base + 1 : r->path;
	while (*s) {
		int k = *s == '{' ? at(s, &len) : -1;
		if (k < 0) {
			sbuf_add(&b, s++, 1);
			continue;
		}
		s += len;
		switch (strs[k].what) {
		case R_PATH:
			sbuf_add(&b, r->path, strlen(r->path));
			break;
		case R_BASE:
			sbuf_add(&b, base, strlen(base));
			break;
		case R_DIR:
			dirname_(&b, r->path);
			break;
		case R_NOEXT:
			sbuf_add(&b, r->path, noext(r->path, strlen(r->path)));
			break;
		case R_BASENOEXT:
			sbuf_add(&b, base, noext(base, strlen(base)));
			break;
		case R_NUM:
			sbuf_add(&b, num, (size_t)snprintf(num, sizeof num, "%llu",
			    (unsigned long long)r->num));
			break;
		case R_SLOT:
			sbuf_add(&b, num, (size_t)snprintf(num, sizeof num, "%d",
			    r->slot));
			break;
		}
	}
	sbuf_add(&b, "", 1);
	return b.p;
}
