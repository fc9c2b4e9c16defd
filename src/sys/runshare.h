/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Facts shared by the processes of one run: fleet makes the store before
 * its workers fork, and a fact one worker measured (an NFS server's report,
 * a lock test on a mount) is read by every other, so that a host's run asks
 * each server once and tests locks once per mount, not once per user or
 * per worker. A fact has a key; the first worker to ask for a key that is
 * not there claims it and must publish or drop it; the others wait for it,
 * within their own deadline. A fixed number of entries of bounded size, in
 * a shared anonymous mapping: a key that does not fit is simply measured by
 * each worker, as without the store.
 */
#ifndef NFSCHECK_RUNSHARE_H
#define NFSCHECK_RUNSHARE_H

#include <stddef.h>

struct runshare;

enum runshare_answer {
	RS_FOUND,   /* *DATA holds the fact (caller frees) */
	RS_MINE,    /* not there: the caller measures it, then runshare_put or runshare_drop */
	RS_ALONE,   /* no store, no room, or the wait ran out: measure it, publish nothing */
};

/* A store of NSLOTS facts of at most BYTES each; NULL when it cannot be made. */
struct runshare *runshare_new(size_t nslots, size_t bytes);
/* Unmap it (in the process that made it, after the workers are gone). */
void runshare_free(struct runshare *s);
/* KEY's fact; if another process is measuring it, wait at most WAIT_MS. */
enum runshare_answer runshare_get(struct runshare *s, const char *key, int wait_ms, char **data, size_t *len);
/* Publish the fact claimed with RS_MINE; one too big is dropped. */
void runshare_put(struct runshare *s, const char *key, const void *data, size_t len);
/* The same, for a fact that may pass (a server down for a while): after
 * TTL_MS the next to ask measures it again (RS_MINE). */
void runshare_put_until(struct runshare *s, const char *key, const void *data, size_t len, double ttl_ms);
/* Give up a claim: the next to ask measures it. */
void runshare_drop(struct runshare *s, const char *key);
/* Give up every claim this process still holds (a user's checks are over). */
void runshare_drop_mine(struct runshare *s);

#endif
