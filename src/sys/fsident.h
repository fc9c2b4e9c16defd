/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Another user's filesystem identity, taken in this process (root only)
 * for the local walk's calls in the user's name: groups, then fsgid and
 * fsuid, each proved, and root's put back and proved after the call.
 *
 * The hold (fleet): a user's checks make some fifty such calls, and the
 * switch there and back, five credential changes, was a fifth of fleet's
 * time. While the hold is on, lw_ident_leave keeps the user's identity,
 * and the next call in the same user's name uses it as it is. Whatever
 * needs root's own access gives it back first (lw_ident_settle): a call as
 * ourselves or as someone else, a walk outside lw_ident_enter, every
 * fork() (a handler runs before it: no child starts with a kept identity),
 * and the end of the hold. diagnose turns it on only while the model and
 * the gatherers that look in nothing but the user's name run. Only the
 * filesystem identity is kept: the process's own IDs and capabilities
 * never change.
 */
#ifndef NFSCHECK_FSIDENT_H
#define NFSCHECK_FSIDENT_H

#include <stdbool.h>
#include <sys/types.h>

#include "guard.h"

struct lw_ident {
	const struct identity *as;
	bool active;  /* lw_ident_leave has something to undo or keep */
	bool kept;    /* the identity was already there (the hold) */
};
/* Take AS's filesystem identity; false (nothing changed) when that is not
 * certain to work. AS NULL: root's own (a kept identity is given back), true. */
bool lw_ident_enter(const struct identity *as, struct lw_ident *s);
/* Back to root's, or kept while the hold is on; dies if the way back
 * cannot be proved. */
void lw_ident_leave(struct lw_ident *s);

/* A filesystem identity copied (the caller's struct may be gone later):
 * the walk cache's entries and the hold keep one each. */
struct ident_copy {
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	int ngroups;
};
void ident_copy_set(struct ident_copy *c, const struct identity *as);
/* Whether C is AS: the same UID, GID and groups in the same order. */
bool ident_copy_is(const struct ident_copy *c, const struct identity *as);
void ident_copy_free(struct ident_copy *c);

/* The identity walks are made as now (inside lw_ident_enter); NULL: our own. */
const struct identity *lw_ident_current(void);
/* Whether a call is between lw_ident_enter and lw_ident_leave. */
bool lw_ident_inside(void);

/* Keep a user's identity between calls (on), or give it back and stop (off). */
void lw_ident_hold(bool on);
/* Root's own filesystem identity again, if one is kept; cheap when none is. */
void lw_ident_settle(void);
/* Whether an identity is kept now: for the tests. */
bool lw_ident_kept(void);

#endif
