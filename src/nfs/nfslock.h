/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An fcntl lock on a scratch file, as the user, under a deadline: what
 * containers-storage does in the graphroot and Podman in ~/.config. On
 * NFSv3 the lock goes to the server's lock manager and needs the status
 * monitor on both machines; without them it fails with ENOLCK or, as often,
 * blocks for a minute. Blocked past the deadline is the finding then.
 */
#ifndef NFSCHECK_NFSLOCK_H
#define NFSCHECK_NFSLOCK_H

#include <stdbool.h>

#include "guard.h"

enum lock_outcome {
	LOCK_WORKS,
	LOCK_FAILED,     /* the lock call failed: ERR (ENOLCK, ...) */
	LOCK_BLOCKED,    /* the lock call did not return before the deadline */
	LOCK_NO_FILE,    /* the scratch file could not be made: ERR, NF_EDEADLINE when no answer */
	LOCK_NOT_RUN,    /* no time, or nfscheck could not start it */
};

struct lock_result {
	enum lock_outcome outcome;
	int err;
	double ms;          /* the lock call; for LOCK_BLOCKED, how long it waited */
	char *file;         /* the scratch file */
	bool left_behind;   /* it could not be removed (the next run removes it) */
	bool cut_short;     /* LOCK_NOT_RUN: it waited MS, too short to count, when the run's deadline came */
	int leftovers_removed;
};

/* Lock a new file in DIR as AS (NULL: ourselves) with F_SETLKW, waiting at
 * most TIMEOUT_MS for the lock. */
void lock_test(const char *dir, const struct identity *as, int timeout_ms, struct lock_result *r);
void lock_result_free(struct lock_result *r);
const char *lock_outcome_name(enum lock_outcome o);

#endif
