/* record.c: escaping, unescaping and splitting records (see pdp(7)). */
#include <stdio.h>
#include <string.h>

#include "record.h"

const unsigned char rec_special[256] = {
	['\t'] = 1, ['\n'] = 1, ['\r'] = 1, ['\\'] = 1,
};

const char *
rec_nextspecial(const char *s, const char *end)
{
	while (s < end && !rec_special[(unsigned char)*s])
		s++;
	return s;
}

int
rec_escchar(int c)
{
	switch (c) {
	case '\t': return 't';
	case '\n': return 'n';
	case '\r': return 'r';
	default: return '\\';
	}
}

int
rec_checkescapes(const char *s, size_t n, size_t *bad)
{
	const char *p = s, *end = s + n, *q;

	while ((q = memchr(p, '\\', (size_t)(end - p)))) {
		if (q + 1 == end || (q[1] != '\\' && q[1] != 't' &&
		    q[1] != 'n' && q[1] != 'r')) {
			*bad = (size_t)(q - s);
			return -1;
		}
		p = q + 2;
	}
	return 0;
}

const char *
rec_badescape(char *buf, const char *s, size_t n, size_t bad)
{
	unsigned char c = bad + 1 < n ? (unsigned char)s[bad + 1] : 0;

	if (bad + 1 >= n)
		snprintf(buf, 8, "\\");
	else if (c < 0x20 || c >= 0x7f)
		snprintf(buf, 8, "\\x%02x", c);
	else
		snprintf(buf, 8, "\\%c", c);
	return buf;
}

void
rec_quote(char *buf, size_t cap, const char *s, size_t n)
{
	size_t cut = n > 40 ? 40 : n, k = 0;

	if (cap < 8)
		return;
	buf[k++] = '\'';
	for (size_t i = 0; i < cut && k + 8 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			k += (size_t)snprintf(buf + k, cap - k, "\\x%02x", c);
		else
			buf[k++] = (char)c;
	}
	snprintf(buf + k, cap - k, "%s'", cut < n ? "..." : "");
}

size_t
rec_escapedlen(const char *s, size_t n)
{
	size_t m = n;

	for (size_t i = 0; i < n; i++)
		m += rec_special[(unsigned char)s[i]];
	return m;
}

char *
rec_escape(char *dst, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (rec_special[c]) {
			*dst++ = '\\';
			*dst++ = (char)rec_escchar(c);
		} else {
			*dst++ = (char)c;
		}
	}
	return dst;
}

long
rec_unescape(char *dst, const char *s, size_t n, size_t *bad)
{
	const char *p = s, *end = s + n;
	char *d = dst;

	while (p < end) {
		const char *q = memchr(p, '\\', (size_t)(end - p));
		size_t run = q ? (size_t)(q - p) : (size_t)(end - p);
		memmove(d, p, run);
		d += run;
		if (!q)
			break;
		if (q + 1 == end) {
			*bad = (size_t)(q - s);
			return -1;
		}
		switch (q[1]) {
		case '\\': *d++ = '\\'; break;
		case 't': *d++ = '\t'; break;
		case 'n': *d++ = '\n'; break;
		case 'r': *d++ = '\r'; break;
		default:
			*bad = (size_t)(q - s);
			return -1;
		}
		p = q + 2;
	}
	return (long)(d - dst);
}

/* The first TAB in [p, end), or end: eight bytes a step where eight
 * are there (a byte that is TAB is a 0 in w ^ TABS, found by the
 * borrow of subtracting 1 from each byte), then a byte a step. */
static const char *
findtab(const char *p, const char *end)
{
	const uint64_t ones = 0x0101010101010101u, tabs = ones * '\t';

	for (; end - p >= 8; p += 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		w ^= tabs;
		uint64_t z = (w - ones) & ~w & ones << 7;
		if (z) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			return p + __builtin_ctzll(z) / 8;
#else
			break;
#endif
		}
	}
	while (p < end && *p != '\t')
		p++;
	return p;
}

size_t
rec_split(const char *rec, size_t len, struct field *f, size_t max)
{
	const char *p = rec, *end = rec + len;
	size_t n = 0;

	for (;;) {
		const char *t = findtab(p, end);
		if (n < max) {
			f[n].s = p;
			f[n].len = (size_t)(t - p);
		}
		n++;
		if (t == end)
			return n;
		p = t + 1;
	}
}

size_t
rec_splitn(const char *rec, size_t len, struct field *f, size_t max)
{
	const char *p = rec, *end = rec + len;
	size_t n = 0;

	while (n < max) {
		const char *t = findtab(p, end);
		f[n].s = p;
		f[n++].len = (size_t)(t - p);
		if (t == end)
			break;
		p = t + 1;
	}
	return n;
}
