/* record.h: the record format of pdp(7): TAB-separated fields, one record
 * a line, with the escapes \\ \t \n \r inside a field. */
#ifndef PDP_RECORD_H
#define PDP_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* 1 for the bytes a field must escape: \t \n \r and backslash. */
extern const unsigned char rec_special[256];

/* First byte in [s, end) that must be escaped, or end. */
const char *rec_nextspecial(const char *s, const char *end);
/* Whether [s, s+n) needs no escape (the common case, in one loop). */
static inline int
rec_plain(const char *s, size_t n)
{
	unsigned char any = 0;

	for (size_t i = 0; i < n; i++)
		any |= rec_special[(unsigned char)s[i]];
	return !any;
}
/* The length of the line [s, s+n) without the CR that ends it, if one
 * does: a CRLF line end is not data (pdp(7)). */
static inline size_t
rec_nocr(const char *s, size_t n)
{
	return n && s[n - 1] == '\r' ? n - 1 : n;
}
/* The letter that follows the backslash for special byte c. */
int rec_escchar(int c);
/* Bytes needed to escape [s, s+n). */
size_t rec_escapedlen(const char *s, size_t n);
/* Escape [s, s+n) into dst (which has rec_escapedlen bytes); returns dst end. */
char *rec_escape(char *dst, const char *s, size_t n);
/* Decode the escapes of [s, s+n) into dst (n bytes suffice; dst may be s).
 * Returns the decoded length, or -1 on a bad escape or a trailing lone
 * backslash, with *bad set to its offset in s. */
long rec_unescape(char *dst, const char *s, size_t n, size_t *bad);
/* Whether the 16 bytes at s, a key of up to 16 bytes with zeros after
 * it (a zero needs no escape), need no escape: two words at a time. */
static inline int
rec_plain16(const char *s)
{
	const uint64_t ones = 0x0101010101010101u, high = ones << 7;
	uint64_t any = 0;

	for (int i = 0; i < 2; i++) {
		uint64_t w, t, n, r, b;
		memcpy(&w, s + 8 * i, 8);
		t = w ^ ('\t' * ones);
		n = w ^ ('\n' * ones);
		r = w ^ ('\r' * ones);
		b = w ^ ('\\' * ones);
		/* (v - ones) & ~v & high is nonzero iff v has a zero byte. */
		any |= ((t - ones) & ~t) | ((n - ones) & ~n) |
		    ((r - ones) & ~r) | ((b - ones) & ~b);
	}
	return !(any & high);
}
/* Whether [s, s+n) holds a backslash: 8 bytes at a time, for the short
 * fields of the per-record path, where a memchr call costs more. */
static inline int
rec_hasbackslash(const char *s, size_t n)
{
	const uint64_t ones = 0x0101010101010101u, bs = 0x5c * ones;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		w ^= bs;
		if ((w - ones) & ~w & (ones << 7))
			return 1;
	}
	for (; i < n; i++)
		if (s[i] == '\\')
			return 1;
	return 0;
}

/* Whether the escapes of the field [s, s+n) are valid: 0, or -1 with
 * *bad the offset of the backslash that begins an invalid one. */
int rec_checkescapes(const char *s, size_t n, size_t *bad);
/* The escape at s[bad] for a message, as "\q", "\" at the end of a
 * field, or "\x01" for a byte that does not print; buf has 8 bytes. */
const char *rec_badescape(char *buf, const char *s, size_t n, size_t bad);
/* A field for a message, into buf (cap bytes): as it is in the record,
 * bytes that do not print (NUL, ESC ...) as \xHH, cut after 40 bytes
 * with "...", in single quotes. */
void rec_quote(char *buf, size_t cap, const char *s, size_t n);

/* A field of a record: a pointer into the record and a length. */
struct field {
	const char *s;
	size_t len;
};

/* Split rec into at most max fields; returns the number of fields found
 * (which may exceed max: the remaining ones are not stored). */
size_t rec_split(const char *rec, size_t len, struct field *f, size_t max);
/* The first max fields of rec alone: the rest is not looked at, and
 * the number returned is at most max (the fields there are, if fewer). */
size_t rec_splitn(const char *rec, size_t len, struct field *f, size_t max);

#endif
