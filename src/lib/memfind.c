/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mem_find: the first and last bytes of the needle are compared at 16
 * places at once (GCC's generic vectors: SSE2 on x86-64, NEON on arm64,
 * plain words elsewhere), and only where both match is the rest compared.
 * This is W. Muła's "SIMD-friendly" substring search; it needs no table,
 * so a call costs nothing before the first byte is read.
 */
#include "memfind.h"

#include <stdint.h>
#include <string.h>

typedef unsigned char v16 __attribute__((vector_size(16)));

static v16 load16(const unsigned char *p)
{
	v16 v;

	memcpy(&v, p, sizeof(v)); /* unaligned */
	return v;
}

static v16 splat(unsigned char c)
{
	v16 v;

	memset(&v, c, sizeof(v));
	return v;
}

/* Whether any of the 16 lanes of M is set (a lane is 0 or 0xff). */
static int any(v16 m)
{
	uint64_t w[2];

	memcpy(w, &m, sizeof(w));
	return (w[0] | w[1]) != 0;
}

static const char *scalar(const unsigned char *h, size_t n, const unsigned char *nd, size_t m)
{
	for (size_t i = 0; i + m <= n; i++)
		if (h[i] == nd[0] && h[i + m - 1] == nd[m - 1] && memcmp(h + i, nd, m) == 0)
			return (const char *)h + i;
	return NULL;
}

const char *mem_find(const void *hay, size_t n, const void *needle, size_t m)
{
	const unsigned char *h = hay, *nd = needle;
	size_t i = 0;

	if (m == 0)
		return hay;
	if (m > n)
		return NULL;
	if (m == 1)
		return memchr(hay, nd[0], n);
	const v16 first = splat(nd[0]), last = splat(nd[m - 1]);

	/* Block I covers the starts I..I+15; its last bytes end at I+15+M-1. */
	for (; i + 16 + m - 1 <= n; i += 16) {
		v16 hit = (v16)((load16(h + i) == first) & (load16(h + i + m - 1) == last));

		if (!any(hit))
			continue;
		for (unsigned k = 0; k < 16; k++)
			if (hit[k] && memcmp(h + i + k + 1, nd + 1, m - 2) == 0)
				return (const char *)h + i + k;
	}
	return scalar(h + i, n - i, nd, m);
}
