/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The memo: a hash table of questions (operation, mode, size limit, path,
 * argument) and their answers (status and bytes). Keys come from the
 * user's files (paths in storage.conf), so the hash is strhash's keyed
 * one; and the table stops taking answers at MEMO_MAX, so a file naming
 * thousands of paths costs memory in proportion to nothing.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fsx-memo.h"
#include "strhash.h"
#include "xalloc.h"

#define MEMO_BUCKETS 64
#define MEMO_MAX 512

struct entry {
	struct entry *next;
	uint64_t hash;
	int op, mode, status;
	size_t max, len;
	char *path, *arg, *data; /* path and arg NULL when the key had none */
};

struct fsx_memo {
	struct entry *bucket[MEMO_BUCKETS];
	size_t n;
};

struct fsx_memo *fsx_memo_new(void)
{
	return xcalloc(1, sizeof(struct fsx_memo));
}

void fsx_memo_free(struct fsx_memo *m)
{
	if (!m)
		return;
	for (size_t b = 0; b < MEMO_BUCKETS; b++)
		for (struct entry *e = m->bucket[b], *next; e; e = next) {
			next = e->next;
			free(e->path);
			free(e->arg);
			free(e->data);
			free(e);
		}
	free(m);
}

/* A NULL string and "" are different keys: mixed in with a length that
 * no string has. */
static uint64_t mix(uint64_t h, const char *s)
{
	uint64_t absent = UINT64_MAX;

	return s ? strhash_more(h, s, strlen(s) + 1) : strhash_more(h, &absent, sizeof(absent));
}

static uint64_t key_hash(const struct fsx_memo_key *k)
{
	int head[2] = {k->op, k->mode};

	return mix(mix(strhash_more(strhash(head, sizeof(head)), &k->max, sizeof(k->max)), k->path), k->arg);
}

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static struct entry *find(struct fsx_memo *m, const struct fsx_memo_key *k, uint64_t h)
{
	for (struct entry *e = m->bucket[h % MEMO_BUCKETS]; e; e = e->next)
		if (e->hash == h && e->op == k->op && e->mode == k->mode && e->max == k->max &&
		    same(e->path, k->path) && same(e->arg, k->arg))
			return e;
	return NULL;
}

bool fsx_memo_get(struct fsx_memo *m, const struct fsx_memo_key *k, int *status, struct guard_out *out)
{
	struct entry *e = find(m, k, key_hash(k));

	if (!e)
		return false;
	memset(out, 0, sizeof(*out));
	*status = e->status;
	if (e->data) {
		out->data = xmalloc(e->len + 1);
		memcpy(out->data, e->data, e->len + 1);
		out->len = e->len;
		out->cap = e->len + 1;
	}
	return true;
}

void fsx_memo_put(struct fsx_memo *m, const struct fsx_memo_key *k, int status, const struct guard_out *out)
{
	uint64_t h = key_hash(k);
	struct entry *e;

	/* Descriptors cannot be kept; no question asked here returns one. */
	if (m->n >= MEMO_MAX || out->nfds > 0 || find(m, k, h))
		return;
	e = xcalloc(1, sizeof(*e));
	e->hash = h;
	e->op = k->op;
	e->mode = k->mode;
	e->max = k->max;
	e->status = status;
	e->path = k->path ? xstrdup(k->path) : NULL;
	e->arg = k->arg ? xstrdup(k->arg) : NULL;
	if (status == 0 && out->data) {
		e->data = xmalloc(out->len + 1);
		memcpy(e->data, out->data, out->len);
		e->data[out->len] = '\0';
		e->len = out->len;
	}
	e->next = m->bucket[h % MEMO_BUCKETS];
	m->bucket[h % MEMO_BUCKETS] = e;
	m->n++;
}
