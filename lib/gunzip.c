/* gunzip.c: gzip files (RFC 1952), decoded in the worker: each member's
 * header, its deflate data (inflate.c), its CRC-32 and length; members
 * one after another to the end of the file; and the reader that the
 * worker's feed reads the data through.  Running gzip -dc costs a
 * process an input, which is most of the time on a directory of small
 * logs; this decodes them in place, and faster than gzip does.
 *
 * Memory, whatever the file: INSZ of input, OCAP of output (the last
 * WSIZE bytes, the window a match can reach back into, then a round's
 * output) and four tables of 40 KB: about 520 KB, once a worker. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gunzip.h"
#include "inflate.h"

/* CRC-32 (the polynomial of gzip), eight tables for eight bytes a step. */
static uint32_t crctab[8][256];

static void
crcinit(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320 ^ c >> 1 : c >> 1;
		crctab[0][i] = c;
	}
	for (int t = 1; t < 8; t++)
		for (int i = 0; i < 256; i++)
			crctab[t][i] = crctab[t - 1][i] >> 8 ^
			    crctab[0][crctab[t - 1][i] & 255];
}

static uint32_t
crc32(uint32_t crc, const unsigned char *p, size_t n)
{
	crc = ~crc;
	for (; n >= 8; n -= 8, p += 8) {
		uint32_t a = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
		    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
		crc = crctab[7][a & 255] ^ crctab[6][a >> 8 & 255] ^
		    crctab[5][a >> 16 & 255] ^ crctab[4][a >> 24] ^
		    crctab[3][p[4]] ^ crctab[2][p[5]] ^ crctab[1][p[6]] ^
		    crctab[0][p[7]];
	}
	while (n--)
		crc = crctab[0][(crc ^ *p++) & 255] ^ crc >> 8;
	return ~crc;
}

/* A member's header: the magic, method, flags and what they announce. */
static void
header(struct gunzip *g, int first)
{
	unsigned char h[10];
	uint32_t v, hcrc;

	for (int i = 0; i < 10; i++) {
		if (inflate_bits(g, 8, &v) < 0) {
			if (!first && i < 2 && !g->ioerr) {
				g->state = ST_ERR;
				snprintf(g->err, sizeof g->err, "corrupt gzip "
				    "data: trailing garbage after the data");
			}
			return;
		}
		h[i] = (unsigned char)v;
		if (i == 1 && (h[0] != 0x1f || h[1] != 0x8b)) {
			inflate_fail(g, first ? "not in gzip format" :
			    "trailing garbage after the data");
			return;
		}
	}
	hcrc = crc32(0, h, 10);
	if (h[2] != 8) {
		inflate_fail(g, "unknown compression method");
		return;
	}
	if (h[3] & 0xe0) {
		inflate_fail(g, "unknown flags");
		return;
	}
	if (h[3] & 4) {		/* FEXTRA: a length, and that many bytes */
		unsigned char x[2];
		uint32_t len;
		if (inflate_bits(g, 16, &len) < 0)
			return;
		x[0] = (unsigned char)len;
		x[1] = (unsigned char)(len >> 8);
		hcrc = crc32(hcrc, x, 2);
		while (len--) {
			if (inflate_bits(g, 8, &v) < 0)
				return;
			x[0] = (unsigned char)v;
			hcrc = crc32(hcrc, x, 1);
		}
	}
	for (int f = 8; f <= 16; f += 8) {	/* FNAME, FCOMMENT: to a NUL */
		if (!(h[3] & f))
			continue;
		do {
			if (inflate_bits(g, 8, &v) < 0)
				return;
			unsigned char c = (unsigned char)v;
			hcrc = crc32(hcrc, &c, 1);
		} while (v != 0);
	}
	if (h[3] & 2) {		/* FHCRC */
		if (inflate_bits(g, 16, &v) < 0)
			return;
		if (v != (hcrc & 0xffff)) {
			inflate_fail(g, "header CRC error");
			return;
		}
	}
	g->crc = 0;
	g->size = 0;
	g->cp = g->op;
	g->mbase = g->op;
	g->state = ST_BLOCK;
}

/* The CRC and size of the output not yet in them. */
static void
account(struct gunzip *g)
{
	g->crc = crc32(g->crc, g->o + g->cp, g->op - g->cp);
	g->size += g->op - g->cp;
	g->cp = g->op;
}

static void
trailer(struct gunzip *g)
{
	uint32_t crc, size;

	account(g);
	inflate_align(g);
	if (inflate_bits(g, 32, &crc) < 0 || inflate_bits(g, 32, &size) < 0)
		return;
	if (crc != g->crc)
		inflate_fail(g, "CRC error");
	else if (size != (uint32_t)g->size)
		inflate_fail(g, "length error");
	else
		g->state = ST_NEXT;
}

/* After a member: the end of the file, or another member. */
static int
atend(struct gunzip *g)
{
	if (g->bn > 0)
		return 0;
	g->bb = 0;
	if (g->in == g->inend)
		inflate_fillin(g);
	return g->in == g->inend;
}

/* After a member: the end of the file, another member, or zero bytes
 * to the end (a tape's padding), which gzip -dc takes too. */
static void
nextmember(struct gunzip *g)
{
	uint32_t v;

	if (atend(g)) {
		if (g->state != ST_ERR)
			g->state = ST_DONE;
		return;
	}
	if (g->bn < 8)
		inflate_refill(g);
	if ((g->bb & 255) != 0) {
		header(g, 0);
		return;
	}
	while (!atend(g)) {
		if (inflate_bits(g, 8, &v) < 0)
			return;
		if (v != 0) {
			inflate_fail(g, "trailing garbage after the data");
			return;
		}
	}
	if (g->state != ST_ERR)
		g->state = ST_DONE;
}

/* Decode until a round's output is full, or the end. */
static void
decode(struct gunzip *g)
{
	while (g->op < LIM) {
		if (g->ioerr) {
			g->state = ST_ERR;
			return;
		}
		switch (g->state) {
		case ST_HEADER:
			header(g, 1);
			break;
		case ST_BLOCK:
			inflate_block(g);
			break;
		case ST_STORED:
			inflate_stored(g);
			break;
		case ST_HUFF:
			inflate_huff(g);
			break;
		case ST_TRAILER:
			trailer(g);
			break;
		case ST_NEXT:
			nextmember(g);
			break;
		case ST_DONE:
		case ST_ERR:
			return;
		}
	}
}

struct gunzip *
gunzip_new(void)
{
	struct gunzip *g = malloc(sizeof *g);

	if (!g)
		return NULL;
	crcinit();
	inflate_init(g);
	gunzip_start(g, -1);
	return g;
}

void
gunzip_free(struct gunzip *g)
{
	free(g);
}

void
gunzip_start(struct gunzip *g, int fd)
{
	g->fd = fd;
	g->state = ST_HEADER;
	g->eof = 0;
	g->ioerr = 0;
	g->bb = 0;
	g->bn = 0;
	g->in = g->inend = g->ibuf;
	g->op = g->rp = g->cp = g->mbase = 0;
	g->err[0] = '\0';
}

ssize_t
gunzip_read(struct gunzip *g, char *buf, size_t n)
{
	for (;;) {
		if (g->rp < g->op) {
			size_t k = g->op - g->rp;
			if (k > n)
				k = n;
			memcpy(buf, g->o + g->rp, k);
			g->rp += k;
			return (ssize_t)k;
		}
		if (g->ioerr)
			g->state = ST_ERR;
		if (g->state == ST_DONE)
			return 0;
		if (g->state == ST_ERR) {
			errno = EIO;
			return -1;
		}
		if (g->op >= LIM) {
			/* Keep the window; what is before it is read. */
			size_t shift = g->op - WSIZE;
			account(g);
			memmove(g->o, g->o + shift, WSIZE);
			g->op = g->rp = g->cp = WSIZE;
			g->mbase = g->mbase > shift ? g->mbase - shift : 0;
		}
		decode(g);
	}
}

const char *
gunzip_error(const struct gunzip *g)
{
	return g->err;
}
