/* inflate.h: the state of a gzip decoder, shared by gunzip.c (the
 * members: header, trailer, CRC, the reader) and inflate.c (the input's
 * bits and the deflate blocks they hold).  Internal to the two. */
#ifndef PDP_INFLATE_H
#define PDP_INFLATE_H

#include <stddef.h>
#include <stdint.h>

/* The fuzzing build reads a few bytes at a time, to reach the refills. */
#ifndef GUNZIP_INSZ
#define GUNZIP_INSZ (64 << 10)
#endif

enum {
	WSIZE = 32768,		/* the farthest a match reaches back */
	OUTSZ = 256 << 10,	/* the output of a round, after the window */
	MARGIN = 258 + 16,	/* a match, and the 8-byte copy's overrun */
	OCAP = WSIZE + OUTSZ + MARGIN,
	LIM = WSIZE + OUTSZ,	/* no symbol is decoded past it */
	INSZ = GUNZIP_INSZ,
	TBITS = 10,
	SBITS = 15 - TBITS,
	TMASK = (1 << TBITS) - 1,
	SMASK = (1 << SBITS) - 1,
	/* A first level, and a subtable for each symbol at most. */
	TSIZE = (1 << TBITS) + 288 * (1 << SBITS),
};

enum state { ST_HEADER, ST_BLOCK, ST_STORED, ST_HUFF, ST_TRAILER, ST_NEXT,
	ST_DONE, ST_ERR };

struct gunzip {
	int fd;
	enum state state;
	int eof;			/* read gave 0, or failed */
	int ioerr;			/* read failed: whatever follows, the
					 * input fails with its message */
	int last;			/* this block is the member's last */
	uint64_t bb;			/* bits not yet used, the next first */
	unsigned bn;			/* how many */
	unsigned char *in, *inend;	/* input not yet in bb */
	size_t stored;			/* bytes left of a stored block */
	size_t op;			/* output decoded */
	size_t rp;			/* output given to the reader */
	size_t cp;			/* output in crc and size */
	size_t mbase;			/* where this member begins in o (0: before) */
	uint32_t crc;			/* this member's so far */
	uint64_t size;
	const uint32_t *lt, *dt;	/* this block's codes */
	char err[128];
	unsigned char ibuf[INSZ];
	unsigned char o[OCAP];
	uint32_t lit[TSIZE], dist[TSIZE], fixlit[TSIZE], fixdist[TSIZE];
};

/* Once a decoder: the fixed codes' tables. */
void inflate_init(struct gunzip *g);
/* Corrupt data: the state ST_ERR, and what (unless a read error or an
 * earlier failure said it first). */
void inflate_fail(struct gunzip *g, const char *what);
/* More input into ibuf (at least 8 bytes unless the file ends). */
void inflate_fillin(struct gunzip *g);
/* At least 56 bits in bb, or all the file has left. */
void inflate_refill(struct gunzip *g);
/* The next n bits (n <= 32) into *v; -1 at the file's end (failed). */
int inflate_bits(struct gunzip *g, unsigned n, uint32_t *v);
/* To the next byte boundary. */
void inflate_align(struct gunzip *g);
/* The states of the deflate data: a block's header (ST_BLOCK), a stored
 * block's bytes (ST_STORED), a Huffman block's symbols (ST_HUFF).  Each
 * goes on until the output reaches LIM or its part ends; after the
 * last block, the state is ST_TRAILER. */
void inflate_block(struct gunzip *g);
void inflate_stored(struct gunzip *g);
void inflate_huff(struct gunzip *g);

#endif
