/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Whose storage nfscheck looks at: the caller's, with the caller's
 * environment, or with --user NAME (root only) that user's, with a clean
 * login environment, every file touched in that user's name.
 */
#ifndef NFSCHECK_TARGET_H
#define NFSCHECK_TARGET_H

#include <stdbool.h>

#include "guard.h"
#include "userenv.h"

struct target {
	struct identity id;
	bool have_id;
	const struct identity *as;  /* switch to this user for file access; NULL: stay */
	struct userenv env;         /* the environment Podman would start with */
};

/* Set up T for USER (NULL: ourselves). Returns an exit status; on
 * anything but NF_EXIT_OK it has printed why. */
int target_open(struct target *t, const char *user);
void target_close(struct target *t);

/* Check a --podman-version argument for COMMAND; NF_EXIT_OK or the usage error. */
int target_check_podman_version(const char *command, const char *arg);

#endif
