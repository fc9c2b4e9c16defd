/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "guard.h"
#include "runshare.h"
#include "util.h"
#include "xalloc.h"

#define KEY_MAX 256
/* How often a waiting worker looks again. */
#define POLL_MS 5

enum slot_state { SLOT_EMPTY, SLOT_CLAIMED, SLOT_DONE };

struct slot {
	int state;
	pid_t owner;
	size_t len;
	double expires;        /* mono_ms() after which it is measured again; 0: never */
	char key[KEY_MAX];
	/* BYTES of data follow */
};

struct runshare {
	int lock;              /* a spin lock: held for a copy, never across a measurement */
	size_t nslots, bytes, map_len;
};

static struct slot *slot_at(struct runshare *s, size_t i)
{
	return (struct slot *)((char *)(s + 1) + i * (sizeof(struct slot) + s->bytes));
}

/* Held only for a copy: a worker killed while holding it (the run's end)
 * would leave it held, so after a second of waiting the store is not used. */
#define LOCK_GIVE_UP_MS 1000

static bool lock(struct runshare *s)
{
	double until = 0;

	while (__atomic_exchange_n(&s->lock, 1, __ATOMIC_ACQUIRE)) {
		if (!until)
			until = mono_ms() + LOCK_GIVE_UP_MS;
		else if (mono_ms() > until)
			return false;
		sched_yield();
	}
	return true;
}

static void unlock(struct runshare *s)
{
	__atomic_store_n(&s->lock, 0, __ATOMIC_RELEASE);
}

struct runshare *runshare_new(size_t nslots, size_t bytes)
{
	size_t len = sizeof(struct runshare) + nslots * (sizeof(struct slot) + bytes);
	struct runshare *s = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (s == MAP_FAILED)
		return NULL;
	/* A fresh anonymous mapping is zero: every slot empty, the lock free. */
	s->nslots = nslots;
	s->bytes = bytes;
	s->map_len = len;
	return s;
}

void runshare_free(struct runshare *s)
{
	if (s)
		munmap(s, s->map_len);
}

/* KEY's slot, or a free one claimed for it (NULL: none). Called locked. */
static struct slot *find(struct runshare *s, const char *key, bool *claimed)
{
	struct slot *empty = NULL;

	*claimed = false;
	for (size_t i = 0; i < s->nslots; i++) {
		struct slot *sl = slot_at(s, i);

		if (sl->state != SLOT_EMPTY && strcmp(sl->key, key) == 0)
			return sl;
		if (sl->state == SLOT_EMPTY && !empty)
			empty = sl;
	}
	if (empty) {
		empty->state = SLOT_CLAIMED;
		empty->owner = getpid();
		snprintf(empty->key, sizeof(empty->key), "%s", key);
		*claimed = true;
	}
	return empty;
}

enum runshare_answer runshare_get(struct runshare *s, const char *key, int wait_ms, char **data, size_t *len)
{
	double until = mono_ms() + (wait_ms > 0 ? wait_ms : 0);

	*data = NULL;
	*len = 0;
	if (!s || strlen(key) >= KEY_MAX)
		return RS_ALONE;
	for (;;) {
		struct timespec ts = {0, POLL_MS * 1000000L};
		bool claimed;
		struct slot *sl;

		if (!lock(s))
			return RS_ALONE;
		sl = find(s, key, &claimed);
		if (!sl || claimed) {
			unlock(s);
			return sl ? RS_MINE : RS_ALONE;
		}
		/* Stale (runshare_put_until): the asker measures it again. */
		if (sl->state == SLOT_DONE && sl->expires > 0 && mono_ms() > sl->expires) {
			sl->state = SLOT_CLAIMED;
			sl->owner = getpid();
			unlock(s);
			return RS_MINE;
		}
		if (sl->state == SLOT_DONE) {
			*len = sl->len;
			*data = xmalloc(sl->len + 1);
			memcpy(*data, sl + 1, sl->len);
			(*data)[sl->len] = '\0';
			unlock(s);
			return RS_FOUND;
		}
		/* The measuring worker is gone (killed at the deadline): take its claim. */
		if (kill(sl->owner, 0) != 0 && errno == ESRCH) {
			sl->owner = getpid();
			unlock(s);
			return RS_MINE;
		}
		unlock(s);
		if (mono_ms() >= until || guard_interrupted())
			return RS_ALONE;
		nanosleep(&ts, NULL);
	}
}

static void release(struct runshare *s, const char *key, const void *data, size_t len, bool publish,
		    double ttl_ms)
{
	if (!s || !lock(s))
		return;
	for (size_t i = 0; i < s->nslots; i++) {
		struct slot *sl = slot_at(s, i);

		if (sl->state != SLOT_CLAIMED || sl->owner != getpid() || strcmp(sl->key, key) != 0)
			continue;
		if (publish && len <= s->bytes) {
			memcpy(sl + 1, data, len);
			sl->len = len;
			sl->expires = ttl_ms > 0 ? mono_ms() + ttl_ms : 0;
			sl->state = SLOT_DONE;
		} else {
			sl->state = SLOT_EMPTY;
		}
		break;
	}
	unlock(s);
}

void runshare_put(struct runshare *s, const char *key, const void *data, size_t len)
{
	release(s, key, data, len, true, 0);
}

void runshare_put_until(struct runshare *s, const char *key, const void *data, size_t len, double ttl_ms)
{
	release(s, key, data, len, true, ttl_ms);
}

void runshare_drop(struct runshare *s, const char *key)
{
	release(s, key, NULL, 0, false, 0);
}

void runshare_drop_mine(struct runshare *s)
{
	if (!s || !lock(s))
		return;
	for (size_t i = 0; i < s->nslots; i++) {
		struct slot *sl = slot_at(s, i);

		if (sl->state == SLOT_CLAIMED && sl->owner == getpid())
			sl->state = SLOT_EMPTY;
	}
	unlock(s);
}
