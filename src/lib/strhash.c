/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <endian.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "strhash.h"

static uint64_t key[2];
static int keyed;

static uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

#define SIPROUND                                                               \
	do {                                                                   \
		v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);      \
		v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;                         \
		v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;                         \
		v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);      \
	} while (0)

static void make_key(void)
{
	struct timespec ts;

	/* getrandom() can only fail this early on a kernel without it; the
	 * clock and pid still keep the key from being known in advance. */
	if (getrandom(key, sizeof(key), GRND_NONBLOCK) != (ssize_t)sizeof(key)) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		key[0] ^= (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15ULL ^ (uint64_t)getpid();
		key[1] ^= (uint64_t)ts.tv_sec * 0xC2B2AE3D27D4EB4FULL;
	}
	keyed = 1;
}

static uint64_t siphash(const unsigned char *in, size_t len, uint64_t k0, uint64_t k1)
{
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
	uint64_t m, b = (uint64_t)len << 56;
	size_t end = len - len % 8;

	for (size_t i = 0; i < end; i += 8) {
		memcpy(&m, in + i, 8);
		m = le64toh(m);
		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; j < len % 8; j++)
		b |= (uint64_t)in[end + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t strhash(const void *p, size_t n)
{
	if (!keyed)
		make_key();
	return siphash(p, n, key[0], key[1]);
}

uint64_t strhash_more(uint64_t h, const void *p, size_t n)
{
	if (!keyed)
		make_key();
	return siphash(p, n, key[0] ^ h, key[1]);
}
