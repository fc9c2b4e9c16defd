/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The walk cache (walkcache.h): a small table searched by hand. A run
 * keeps a few dozen directories; WC_MAX bounds it, and the oldest entry
 * makes room for a new one.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util.h"
#include "fsident.h"
#include "walkcache.h"
#include "xalloc.h"

#define WC_MAX 64

struct entry {
	char *path;
	size_t len;
	int fd, mnt;
	unsigned gen;
	double made;
	bool self;       /* walked as ourselves, not as another user */
	struct ident_copy id; /* who walked it, when not SELF */
	unsigned walk;   /* the walk that last took its descriptor (wc_walk_begin) */
};

static struct entry tab[WC_MAX];
static size_t used, next; /* entries in use; where the search for a free slot starts */
static bool on;
static unsigned walk_now = 1; /* 0 in an entry: no walk holds it */

static void drop(struct entry *e)
{
	if (!e->path)
		return;
	close(e->fd);
	free(e->path);
	ident_copy_free(&e->id);
	memset(e, 0, sizeof(*e));
	e->fd = -1;
}

static void flush(void)
{
	for (size_t i = 0; i < WC_MAX; i++)
		drop(&tab[i]);
	used = next = 0;
}

void wc_enable(bool enable)
{
	flush();
	on = enable;
}

void wc_forked(void)
{
	flush();
}

void wc_walk_begin(void)
{
	if (++walk_now == 0)
		walk_now = 1;
}

/* The slot a new entry takes: an empty one, else the oldest one the walk
 * under way does not hold (it would be closing a descriptor the walk still
 * steps from); NULL when it holds them all. */
static struct entry *free_slot(void)
{
	for (size_t k = 0; k < WC_MAX; k++) {
		struct entry *e = &tab[(next + k) % WC_MAX];

		if (!e->path || e->walk != walk_now) {
			next = (size_t)(e - tab + 1) % WC_MAX;
			return e;
		}
	}
	return NULL;
}

bool wc_enabled(void)
{
	return on;
}

static bool same_identity(const struct entry *e, const struct identity *as)
{
	if (!as)
		return e->self;
	return !e->self && ident_copy_is(&e->id, as);
}

int wc_find(const char *path, const struct identity *as, unsigned gen, int *mnt, size_t *len)
{
	struct entry *best = NULL;
	size_t plen;
	double now;

	if (!on || !used)
		return -1;
	plen = strlen(path);
	now = mono_ms();
	for (size_t i = 0, seen = 0, live = used; i < WC_MAX && seen < live; i++) {
		struct entry *e = &tab[i];

		if (!e->path)
			continue;
		seen++;
		if (e->gen != gen || now - e->made > WC_TTL_MS) {
			drop(e);
			used--;
			continue;
		}
		/* Cheapest first: in fleet most entries are other users'. */
		if (same_identity(e, as) && (!best || e->len > best->len) && e->len <= plen &&
		    (path[e->len] == '/' || path[e->len] == '\0') && memcmp(path, e->path, e->len) == 0)
			best = e;
	}
	if (!best)
		return -1;
	best->walk = walk_now;
	*mnt = best->mnt;
	*len = best->len;
	return best->fd;
}

bool wc_put(const char *path, size_t len, int fd, int mnt, const struct identity *as, unsigned gen)
{
	struct entry *e;

	if (!on || len < 2 || path[0] != '/')
		return false;
	for (size_t i = 0; i < WC_MAX; i++) {
		if (!tab[i].path)
			continue;
		if (same_identity(&tab[i], as)) {
			if (tab[i].len == len && tab[i].gen == gen && memcmp(tab[i].path, path, len) == 0)
				return false; /* there already */
		} else if (as && !tab[i].self && tab[i].walk != walk_now) {
			/* Another user's: fleet is done with them (it checks one
			 * user after another), and every search would pass them. */
			drop(&tab[i]);
			used--;
		}
	}
	if (!(e = free_slot()))
		return false;
	if (e->path)
		used--;
	drop(e);
	e->walk = walk_now;
	e->path = xstrndup(path, len);
	e->len = len;
	e->fd = fd;
	e->mnt = mnt;
	e->gen = gen;
	e->made = mono_ms();
	e->self = as == NULL;
	if (as)
		ident_copy_set(&e->id, as);
	used++;
	return true;
}

bool wc_owns(int fd)
{
	if (!on || fd < 0)
		return false;
	for (size_t i = 0; i < WC_MAX; i++)
		if (tab[i].path && tab[i].fd == fd)
			return true;
	return false;
}
