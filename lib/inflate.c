/* inflate.c: deflate data (RFC 1951) and the bits it is made of, for
 * gunzip.c, which reads it in gzip members.
 *
 * A Huffman code is looked up in a table by its first TBITS bits; a
 * longer code (deflate's go up to 15 bits) goes on to a subtable of the
 * remaining SBITS bits.  Bits come from a 64-bit buffer refilled eight
 * bytes at a time.  Decoding stops whenever a round's output is full
 * (LIM), and resumes where it stopped at the next round. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "inflate.h"

/* A table entry: value << 16 | extra bits << 8 | kind << 4 | code
 * length.  A literal's value is its byte, a length's or distance's the
 * base its extra bits are added to, a subtable's its index. */
enum { K_LIT, K_LEN, K_END, K_SUB, K_BAD, K_DIST };
#define KIND(e)		((e) >> 4 & 15)
#define EXTRA(e)	((e) >> 8 & 255)
#define VAL(e)		((e) >> 16)
#define ENTRY(v, x, k)	((uint32_t)(v) << 16 | (uint32_t)(x) << 8 | (uint32_t)(k) << 4)

static const uint16_t lbase[29] = { 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15,
	17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195,
	227, 258 };
static const uint8_t lextra[29] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1,
	2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 };
static const uint16_t dbase[30] = { 1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33,
	49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
	4097, 6145, 8193, 12289, 16385, 24577 };
static const uint8_t dextra[30] = { 0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4,
	5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 };

/* What each symbol of an alphabet decodes to, but its code length. */
static uint32_t litinfo[288], distinfo[32], leninfo[19];

/* Build the decoding table t of the code with lengths len[0..n) (0: the
 * symbol is not used).  Returns -1 if the lengths are not a prefix
 * code (over-subscribed).  An incomplete code is taken, as deflate
 * allows (a block with a single distance); its unused bit patterns
 * decode to K_BAD. */
static int
build(uint32_t *t, const unsigned char *len, unsigned n, const uint32_t *info)
{
	unsigned count[16] = { 0 }, next[16];
	unsigned nsub = 0;
	int left = 1;

	for (unsigned s = 0; s < n; s++)
		count[len[s]]++;
	count[0] = 0;
	for (int l = 1; l < 16; l++) {
		left = left * 2 - (int)count[l];
		if (left < 0)
			return -1;
	}
	next[1] = 0;
	for (int l = 2; l < 16; l++)
		next[l] = (next[l - 1] + count[l - 1]) << 1;
	for (unsigned i = 0; i <= TMASK; i++)
		t[i] = ENTRY(0, 0, K_BAD);
	for (unsigned s = 0; s < n; s++) {
		unsigned l = len[s];
		if (l == 0)
			continue;
		/* Deflate sends a code's first bit first: the table is
		 * indexed by the code reversed. */
		unsigned code = next[l]++, rev = 0;
		for (unsigned k = 0; k < l; k++)
			rev |= (code >> k & 1) << (l - 1 - k);
		if (l <= TBITS) {
			for (unsigned i = rev; i <= TMASK; i += 1u << l)
				t[i] = info[s] | l;
			continue;
		}
		uint32_t *head = &t[rev & TMASK];
		if (KIND(*head) != K_SUB) {
			unsigned at = (1u << TBITS) + nsub++ * (1u << SBITS);
			for (unsigned i = 0; i <= SMASK; i++)
				t[at + i] = ENTRY(0, 0, K_BAD);
			*head = ENTRY(at, 0, K_SUB);
		}
		uint32_t *sub = &t[VAL(*head)];
		for (unsigned i = rev >> TBITS; i <= SMASK; i += 1u << (l - TBITS))
			sub[i] = info[s] | l;
	}
	return 0;
}

void
inflate_init(struct gunzip *g)
{
	static int done;
	unsigned char len[288];

	if (!done) {
		done = 1;
		for (unsigned s = 0; s < 288; s++)
			litinfo[s] = s < 256 ? ENTRY(s, 0, K_LIT) :
			    s == 256 ? ENTRY(0, 0, K_END) :
			    s < 286 ? ENTRY(lbase[s - 257], lextra[s - 257],
			    K_LEN) : ENTRY(0, 0, K_BAD);
		for (unsigned s = 0; s < 32; s++)
			distinfo[s] = s < 30 ? ENTRY(dbase[s], dextra[s], K_DIST) :
			    ENTRY(0, 0, K_BAD);
		for (unsigned s = 0; s < 19; s++)
			leninfo[s] = ENTRY(s, 0, K_LIT);
	}
	for (int s = 0; s < 288; s++)
		len[s] = s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8;
	build(g->fixlit, len, 288, litinfo);
	memset(len, 5, 32);
	build(g->fixdist, len, 32, distinfo);
}

void
inflate_fail(struct gunzip *g, const char *what)
{
	if (g->state != ST_ERR && !g->ioerr)
		snprintf(g->err, sizeof g->err, "corrupt gzip data: %s", what);
	g->state = ST_ERR;
}

/* More input into ibuf, keeping what is left of it; at least 8 bytes
 * unless the file ends first. */
void
inflate_fillin(struct gunzip *g)
{
	size_t have = (size_t)(g->inend - g->in);

	if (g->eof)
		return;
	memmove(g->ibuf, g->in, have);
	g->in = g->ibuf;
	g->inend = g->ibuf + have;
	while (g->inend - g->in < 8 && !g->eof) {
		ssize_t r = read(g->fd, g->inend, INSZ - (size_t)(g->inend - g->ibuf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			/* Its message wins over what the bytes before it may
			 * still lead to; decode() stops at the next step. */
			snprintf(g->err, sizeof g->err, "read error: %s",
			    strerror(errno));
			g->ioerr = 1;
			g->state = ST_ERR;
			g->eof = 1;
		} else if (r == 0) {
			g->eof = 1;
		} else {
			g->inend += r;
		}
	}
}

static inline uint64_t
le64(const unsigned char *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	    (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 |
	    (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

/* At least 56 bits in bb, or all the file has left.  Eight bytes at a
 * time: the bits past bn are those of the next byte, loaded again at
 * the same place by the next refill. */
void
inflate_refill(struct gunzip *g)
{
	if (g->inend - g->in < 8)
		inflate_fillin(g);
	if (g->inend - g->in >= 8) {
		g->bb |= le64(g->in) << g->bn;
		g->in += (63 - g->bn) >> 3;
		g->bn |= 56;
		return;
	}
	while (g->bn < 56 && g->in < g->inend) {	/* bn stays below 64 */
		g->bb |= (uint64_t)*g->in++ << g->bn;
		g->bn += 8;
	}
}

/* The next n bits (n <= 32) into *v; -1 at the file's end. */
int
inflate_bits(struct gunzip *g, unsigned n, uint32_t *v)
{
	if (g->bn < n)
		inflate_refill(g);
	if (g->bn < n) {
		inflate_fail(g, "unexpected end of file");
		return -1;
	}
	*v = (uint32_t)(g->bb & ((1ull << n) - 1));
	g->bb >>= n;
	g->bn -= n;
	return 0;
}

/* To the next byte boundary. */
void
inflate_align(struct gunzip *g)
{
	g->bb >>= g->bn & 7;
	g->bn -= g->bn & 7;
}

/* One symbol of the code t into *e (outside the hot loop). */
static int
symbol(struct gunzip *g, const uint32_t *t, uint32_t *e)
{
	if (g->bn < 15)
		inflate_refill(g);
	uint32_t x = t[g->bb & TMASK];
	if (KIND(x) == K_SUB)
		x = t[VAL(x) + (g->bb >> TBITS & SMASK)];
	if ((x & 15) > g->bn || KIND(x) == K_BAD) {
		inflate_fail(g, (x & 15) > g->bn || g->bn < 15 ?
		    "unexpected end of file" : "invalid code");
		return -1;
	}
	g->bb >>= x & 15;
	g->bn -= x & 15;
	*e = x;
	return 0;
}

static void
dynamic(struct gunzip *g)
{
	static const unsigned char order[19] = { 16, 17, 18, 0, 8, 7, 9, 6,
		10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15 };
	unsigned char len[286 + 30];
	uint32_t nlit, ndist, nlen, v, e;

	if (inflate_bits(g, 5, &nlit) < 0 || inflate_bits(g, 5, &ndist) < 0 ||
	    inflate_bits(g, 4, &nlen) < 0)
		return;
	nlit += 257;
	ndist += 1;
	nlen += 4;
	if (nlit > 286 || ndist > 30) {
		inflate_fail(g, "too many length or distance codes");
		return;
	}
	memset(len, 0, 19);
	for (uint32_t i = 0; i < nlen; i++) {
		if (inflate_bits(g, 3, &v) < 0)
			return;
		len[order[i]] = (unsigned char)v;
	}
	/* The code lengths' code, in the table of the distances. */
	if (build(g->dist, len, 19, leninfo) < 0) {
		inflate_fail(g, "invalid code lengths code");
		return;
	}
	for (uint32_t i = 0; i < nlit + ndist;) {
		if (symbol(g, g->dist, &e) < 0)
			return;
		unsigned s = VAL(e), rep, x;
		if (s < 16) {
			len[i++] = (unsigned char)s;
			continue;
		}
		if (s == 16 && i == 0) {
			inflate_fail(g, "invalid code lengths");
			return;
		}
		unsigned char fill = s == 16 ? len[i - 1] : 0;
		if (inflate_bits(g, s == 16 ? 2 : s == 17 ? 3 : 7, &x) < 0)
			return;
		rep = x + (s == 16 ? 3 : s == 17 ? 3 : 11);
		if (i + rep > nlit + ndist) {
			inflate_fail(g, "invalid code lengths");
			return;
		}
		memset(len + i, fill, rep);
		i += rep;
	}
	if (len[256] == 0) {
		inflate_fail(g, "no end-of-block code");
		return;
	}
	if (build(g->lit, len, nlit, litinfo) < 0 ||
	    build(g->dist, len + nlit, ndist, distinfo) < 0) {
		inflate_fail(g, "invalid literal, length or distance code");
		return;
	}
	g->lt = g->lit;
	g->dt = g->dist;
	g->state = ST_HUFF;
}

void
inflate_block(struct gunzip *g)
{
	uint32_t v;

	if (inflate_bits(g, 3, &v) < 0)
		return;
	g->last = v & 1;
	switch (v >> 1) {
	case 0:
		inflate_align(g);
		if (inflate_bits(g, 32, &v) < 0)
			return;
		if ((v & 0xffff) != (~v >> 16 & 0xffff)) {
			inflate_fail(g, "invalid stored block length");
			return;
		}
		g->stored = v & 0xffff;
		g->state = ST_STORED;
		break;
	case 1:
		g->lt = g->fixlit;
		g->dt = g->fixdist;
		g->state = ST_HUFF;
		break;
	case 2:
		dynamic(g);
		break;
	default:
		inflate_fail(g, "invalid block type");
	}
}

/* A stored block's bytes: first those in bb, then from the input. */
void
inflate_stored(struct gunzip *g)
{
	while (g->stored > 0 && g->op < LIM) {
		if (g->bn >= 8) {
			g->o[g->op++] = (unsigned char)g->bb;
			g->bb >>= 8;
			g->bn -= 8;
			g->stored--;
			continue;
		}
		g->bb = 0;	/* bn is 0: what is past it is in ibuf */
		if (g->in == g->inend)
			inflate_fillin(g);
		if (g->in == g->inend) {
			inflate_fail(g, "unexpected end of file");
			return;
		}
		size_t n = (size_t)(g->inend - g->in);
		if (n > g->stored)
			n = g->stored;
		if (n > LIM - g->op)
			n = LIM - g->op;
		memcpy(g->o + g->op, g->in, n);
		g->in += n;
		g->op += n;
		g->stored -= n;
	}
	if (g->stored == 0)
		g->state = g->last ? ST_TRAILER : ST_BLOCK;
}

/* The symbols of a Huffman block, until its end or until LIM: the hot
 * loop, on local copies of the state. */
void
inflate_huff(struct gunzip *g)
{
	uint64_t bb = g->bb;
	unsigned bn = g->bn;
	const unsigned char *in = g->in, *inend = g->inend;
	unsigned char *o = g->o, *op = o + g->op, *lim = o + LIM;
	const unsigned char *mstart = o + g->mbase;
	const uint32_t *lt = g->lt, *dt = g->dt;
	const char *bad = NULL;

	while (op < lim) {
		if (inend - in >= 8) {
			bb |= le64(in) << bn;
			in += (63 - bn) >> 3;
			bn |= 56;
		} else {
			g->bb = bb, g->bn = bn, g->in = (unsigned char *)in;
			inflate_refill(g);
			bb = g->bb, bn = g->bn, in = g->in, inend = g->inend;
		}
		uint32_t e = lt[bb & TMASK];
		if (KIND(e) == K_SUB)
			e = lt[VAL(e) + (bb >> TBITS & SMASK)];
		unsigned l = e & 15;
		if (l > bn || KIND(e) == K_BAD) {
			bad = l > bn || bn < 15 ? "unexpected end of file" :
			    "invalid literal or length code";
			break;
		}
		bb >>= l;
		bn -= l;
		if (KIND(e) == K_LIT) {
			*op++ = (unsigned char)VAL(e);
			/* A second literal from the same refill, often. */
			if (bn < 15)
				continue;
			e = lt[bb & TMASK];
			if (KIND(e) == K_SUB)
				e = lt[VAL(e) + (bb >> TBITS & SMASK)];
			if (KIND(e) != K_LIT)
				continue;
			l = e & 15;
			bb >>= l;
			bn -= l;
			*op++ = (unsigned char)VAL(e);
			continue;
		}
		if (KIND(e) == K_END) {
			g->state = g->last ? ST_TRAILER : ST_BLOCK;
			break;
		}
		/* A length, then a distance: at most 5 + 15 + 13 bits after
		 * the length's code, all in the 56 of the refill. */
		unsigned x = EXTRA(e);
		if (x > bn) {
			bad = "unexpected end of file";
			break;
		}
		size_t len = VAL(e) + (size_t)(bb & ((1u << x) - 1));
		bb >>= x;
		bn -= x;
		e = dt[bb & TMASK];
		if (KIND(e) == K_SUB)
			e = dt[VAL(e) + (bb >> TBITS & SMASK)];
		l = e & 15;
		x = EXTRA(e);
		if (l + x > bn || KIND(e) != K_DIST) {
			bad = l + x > bn || bn < 15 + 13 ?
			    "unexpected end of file" : "invalid distance code";
			break;
		}
		bb >>= l;
		size_t dist = VAL(e) + (size_t)(bb & ((1u << x) - 1));
		bb >>= x;
		bn -= l + x;
		if (dist > (size_t)(op - mstart)) {
			bad = "invalid distance (too far back)";
			break;
		}
		const unsigned char *from = op - dist;
		unsigned char *end = op + len;
		if (dist >= 8) {
			/* Each 8 bytes' source is written before it is read;
			 * the overrun is within MARGIN. */
			do {
				memcpy(op, from, 8);
				op += 8;
				from += 8;
			} while (op < end);
		} else if (dist == 1) {
			memset(op, op[-1], len);
		} else {
			do
				*op++ = *from++;
			while (op < end);
		}
		op = end;
	}
	g->bb = bb;
	g->bn = bn;
	g->in = (unsigned char *)in;
	g->op = (size_t)(op - o);
	if (bad)
		inflate_fail(g, bad);
}
