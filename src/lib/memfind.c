/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mem_find: a few bytes of the needle are compared at 16
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

/* One bit per lane of M (a lane is 0 or 0xff): SSE2's movemask where
 * there is one, else lane by lane. */
static unsigned lanes(v16 m)
{
#if defined(__SSE2__)
	return (unsigned)__builtin_ia32_pmovmskb128((__attribute__((vector_size(16))) char)m);
#else
	unsigned bits = 0;

	for (unsigned k = 0; k < 16; k++)
		bits |= (unsigned)(m[k] & 1) << k;
	return bits;
#endif
}

static const char *scalar(const unsigned char *h, size_t n, const unsigned char *nd, size_t m)
{
	for (size_t i = 0; i + m <= n; i++)
		if (h[i] == nd[0] && h[i + m - 1] == nd[m - 1] && memcmp(h + i, nd, m) == 0)
			return (const char *)h + i;
	return NULL;
}

/*
 * Three bytes of the needle (first, middle, last) are compared at 16
 * places at once; the middle one keeps common near misses (a Go table
 * holds "golang.org/x/" thousands of times where "go.podman.io/" is
 * sought) from reaching memcmp.
 */
const char *mem_find(const void *hay, size_t n, const void *needle, size_t m)
{
	const unsigned char *h = hay, *nd = needle;
	size_t i = 0, mid = m / 2;

	if (m == 0)
		return hay;
	if (m > n)
		return NULL;
	if (m == 1)
		return memchr(hay, nd[0], n);
	const v16 first = splat(nd[0]), middle = splat(nd[mid]), last = splat(nd[m - 1]);

	/* Block I covers the starts I..I+15; its last bytes end at I+15+M-1. */
	for (; i + 16 + m - 1 <= n; i += 16) {
		unsigned bits = lanes((v16)((load16(h + i) == first) & (load16(h + i + mid) == middle) &
					    (load16(h + i + m - 1) == last)));

		for (; bits; bits &= bits - 1) {
			size_t k = (size_t)__builtin_ctz(bits);

			if (memcmp(h + i + k + 1, nd + 1, m - 2) == 0)
				return (const char *)h + i + k;
		}
	}
	return scalar(h + i, n - i, nd, m);
}
