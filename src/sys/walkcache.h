/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The directories the local walk (localwalk.c) passed through lately,
 * kept open, so that the next walk under one of them starts there: a
 * check looks at the graphroot, its parent, the runtime directory and
 * their prefixes some fifty times, and every walk opened and closed each
 * component from "/" on. For localwalk.c only.
 *
 * An entry is a directory's canonical path (no symlink, "." or ".." in
 * it), its O_PATH descriptor and mount, the filesystem identity that
 * walked it (search permission is the walker's: another identity never
 * gets it), the mount-table generation and the time it was made. It is
 * gone when the table changes, after WC_TTL_MS, in a forked child, and
 * when the cache is switched off. Only commands that change nothing in
 * the filesystem switch it on (diagnose, config, fleet): a directory
 * renamed by our own hand would otherwise still be found at its old name.
 */
#ifndef NFSCHECK_WALKCACHE_H
#define NFSCHECK_WALKCACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "guard.h"

#define WC_TTL_MS 1000.0

void wc_enable(bool on);
bool wc_enabled(void);
/* In a forked child, before anything else here: it has the descriptors but
 * not the identity they were walked with (a guarded child becomes the
 * user), so it starts empty. localwalk.c knows a child without a system
 * call (its page wiped on fork). */
void wc_forked(void);

/* A walk starts: the descriptors it takes from the cache (wc_find) or
 * gives it (wc_put) stay open until the next one starts. */
void wc_walk_begin(void);

/*
 * The longest entry PATH starts with (whole components) for identity AS
 * (NULL: our own) and table generation GEN: its descriptor (still the
 * cache's), *MNT and *LEN (the entry's length in PATH); -1 when none.
 */
int wc_find(const char *path, const struct identity *as, unsigned gen, int *mnt, size_t *len);

/* Keep FD as directory PATH: true when the cache took it (then it is the
 * cache's to close), false when the caller keeps it. */
bool wc_put(const char *path, size_t len, int fd, int mnt, const struct identity *as, unsigned gen);

/* Whether FD is one of the cache's. */
bool wc_owns(int fd);

#endif
