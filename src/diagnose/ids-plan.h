/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The subordinate ranges proposed to users short of them, planned for all
 * of them together (subids_plan) so that no two users are told to take the
 * same IDs: every account of login.defs' [UID_MIN, UID_MAX] through NSS,
 * in UID order, then the users fleet checks beyond them. diagnose --user
 * plans the same way, so it proposes what fleet proposes for that user.
 */
#ifndef NFSCHECK_IDS_PLAN_H
#define NFSCHECK_IDS_PLAN_H

#include <sys/types.h>

#include "policy.h"
#include "subids.h"

struct ids_plan;

struct ids_extra {
	const char *name;
	long long uid;   /* -1: unknown */
};

/* The plan over FILES (subuid, subgid) with POLICY's minimum, for the
 * enumerated users and then EXTRA (users outside them, in order). */
struct ids_plan *ids_plan_make(const struct subid_file files[2], const struct policy *policy,
			       const struct ids_extra *extra, size_t nextra);
void ids_plan_free(struct ids_plan *p);
/* The first ID proposed to NAME (UID) for COUNT IDs; a user the plan does
 * not hold with that count gets the first range after all of the plan's.
 * 0: none fits. */
unsigned long ids_plan_start(const struct ids_plan *p, const char *name, uid_t uid, unsigned long count);

#endif
