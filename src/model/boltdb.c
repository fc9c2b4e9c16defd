/* SPDX-License-Identifier: Apache-2.0 */
/* Reading libpod's BoltDB (bolt_state.db): see boltdb.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boltdb.h"
#include "xalloc.h"

#define BOLT_MAGIC 0xED0CDAEDu
#define BOLT_BRANCH 0x01
#define BOLT_LEAF 0x02
#define BOLT_BUCKET_LEAF 0x01
/* Pages bigger than this are not a libpod database. */
#define BOLT_MAX_PAGE (1u << 20)

struct bolt {
	int fd;
	uint32_t page_size;
	uint64_t size;         /* of the file: no page is read past its end */
};

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* Read page ID with its overflow pages; *LEN is the bytes returned. */
static unsigned char *bolt_page(const struct bolt *b, uint64_t id, size_t *len)
{
	unsigned char head[16], *p;
	uint32_t overflow;
	size_t n;

	if (pread(b->fd, head, sizeof(head), (off_t)(id * b->page_size)) != (ssize_t)sizeof(head))
		return NULL;
	overflow = le32(head + 12);
	if (overflow > 4096)
		return NULL;
	n = (size_t)(overflow + 1) * b->page_size;
	/* The file is the user's: a page claimed past its end would only make
	 * us allocate and read zeros of a sparse file. */
	if (id > b->size / b->page_size || n > b->size - id * b->page_size)
		return NULL;
	p = xmalloc(n);
	if (pread(b->fd, p, n, (off_t)(id * b->page_size)) != (ssize_t)n) {
		free(p);
		return NULL;
	}
	*len = n;
	return p;
}

/* Find KEY in the B+tree whose root page is PAGE (LEN bytes, not owned). */
static bool bolt_find(const struct bolt *b, const unsigned char *page, size_t len, const char *key,
		      int depth, unsigned char **val, size_t *vlen, bool *bucket)
{
	size_t klen = strlen(key);
	uint16_t flags, count;

	if (len < 16 || depth > 32)
		return false;
	flags = le16(page + 8);
	count = le16(page + 10);
	if (16 + (size_t)count * 16 > len)
		return false;
	if (flags & BOLT_LEAF) {
		for (uint16_t i = 0; i < count; i++) {
			const unsigned char *e = page + 16 + (size_t)i * 16;
			size_t kpos = 16 + (size_t)i * 16 + le32(e + 4);
			uint32_t ks = le32(e + 8), vs = le32(e + 12);

			if (kpos + ks + vs > len)
				return false;
			if (ks == klen && memcmp(page + kpos, key, klen) == 0) {
				*val = xmalloc(vs ? vs : 1);
				memcpy(*val, page + kpos + ks, vs);
				*vlen = vs;
				*bucket = le32(e) & BOLT_BUCKET_LEAF;
				return true;
			}
		}
		return false;
	}
	if (flags & BOLT_BRANCH) {
		uint64_t child = 0;
		bool have = false, found;
		unsigned char *cp;
		size_t clen;

		/* The last element whose key is <= KEY leads to it. */
		for (uint16_t i = 0; i < count; i++) {
			const unsigned char *e = page + 16 + (size_t)i * 16;
			size_t kpos = 16 + (size_t)i * 16 + le32(e);
			uint32_t ks = le32(e + 4);
			int cmp;

			if (kpos + ks > len)
				return false;
			cmp = memcmp(page + kpos, key, ks < klen ? ks : klen);
			if (cmp > 0 || (cmp == 0 && ks > klen))
				break;
			child = le64(e + 8);
			have = true;
		}
		if (!have || !(cp = bolt_page(b, child, &clen)))
			return false;
		found = bolt_find(b, cp, clen, key, depth + 1, val, vlen, bucket);
		free(cp);
		return found;
	}
	return false;
}

/* The root page of a bucket value: inline after its header, or on disk. */
static unsigned char *bucket_root(const struct bolt *b, const unsigned char *v, size_t vlen, size_t *len)
{
	uint64_t root;
	unsigned char *p;

	if (vlen < 16)
		return NULL;
	root = le64(v);
	if (root != 0)
		return bolt_page(b, root, len);
	p = xmalloc(vlen - 16);
	memcpy(p, v + 16, vlen - 16);
	*len = vlen - 16;
	return p;
}

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
	uint64_t h = 14695981039346656037ull;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ull;
	}
	return h;
}

int boltdb_read_config(const char *path, char *out[DB_NFIELDS])
{
	static const char *const keys[DB_NFIELDS] = {"run-root", "graph-root", "graph-driver-name"};
	unsigned char meta[2][80], *rootp = NULL, *bv = NULL, *bp = NULL;
	struct bolt b = {.fd = open(path, O_RDONLY | O_CLOEXEC)};
	struct stat st;
	uint64_t best_tx = 0, root = 0;
	size_t rlen, bvlen, bplen;
	bool bucket, ok = false;

	if (b.fd < 0)
		return errno;
	if (fstat(b.fd, &st) != 0)
		goto out;
	b.size = (uint64_t)st.st_size;
	/* Two meta pages; the valid one with the higher transaction id is current. */
	if (pread(b.fd, meta[0], sizeof(meta[0]), 0) != (ssize_t)sizeof(meta[0]) ||
	    le32(meta[0] + 16) != BOLT_MAGIC)
		goto out;
	b.page_size = le32(meta[0] + 24);
	if (b.page_size < 512 || b.page_size > BOLT_MAX_PAGE)
		goto out;
	if (pread(b.fd, meta[1], sizeof(meta[1]), b.page_size) != (ssize_t)sizeof(meta[1]))
		memset(meta[1], 0, sizeof(meta[1]));
	for (int i = 0; i < 2; i++) {
		const unsigned char *mm = meta[i] + 16;

		if (le32(mm) != BOLT_MAGIC || fnv1a(mm, 56) != le64(mm + 56))
			continue;
		if (!root || le64(mm + 48) > best_tx) {
			best_tx = le64(mm + 48);
			root = le64(mm + 16);
		}
	}
	if (!root || !(rootp = bolt_page(&b, root, &rlen)))
		goto out;
	if (!bolt_find(&b, rootp, rlen, "runtime-config", 0, &bv, &bvlen, &bucket) || !bucket)
		goto out;
	if (!(bp = bucket_root(&b, bv, bvlen, &bplen)))
		goto out;
	for (int i = 0; i < DB_NFIELDS; i++) {
		unsigned char *v;
		size_t vl;

		if (!bolt_find(&b, bp, bplen, keys[i], 0, &v, &vl, &bucket))
			continue;
		/* A bucket under a field's name is not its value (fuzz-boltdb found this leak). */
		if (!bucket)
			out[i] = xstrndup((const char *)v, vl);
		free(v);
	}
	ok = true;
out:
	free(rootp);
	free(bv);
	free(bp);
	close(b.fd);
	return ok ? 0 : EINVAL;
}
