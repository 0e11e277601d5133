/* fuzz_record.c: the record escapes.  Decoding never reads or writes out
 * of bounds, and escaping then decoding gives the bytes back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char *dec = malloc(size + 1), *esc = malloc(2 * size + 1);
	size_t bad;
	struct field f[4];

	long n = rec_unescape(dec, s, size, &bad);
	if (n >= 0 && (size_t)n > size)
		abort();
	if (n < 0 && bad >= size)
		abort();
	/* Round trip: any bytes escape to a field that decodes to them. */
	size_t el = rec_escapedlen(s, size);
	if (rec_escape(esc, s, size) != esc + el)
		abort();
	if (memchr(esc, '\t', el) || memchr(esc, '\n', el))
		abort();
	long m = rec_unescape(dec, esc, el, &bad);
	if (m != (long)size || memcmp(dec, s, size) != 0)
		abort();
	size_t nf = rec_split(s, size, f, 4);
	if (nf == 0)
		abort();
	free(dec);
	free(esc);
	return 0;
}
