/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The environment Podman would see: this process's own, or for --user a
 * clean one made from the passwd entry, as a fresh login shell without a
 * systemd session would have it.
 */
#ifndef NFSCHECK_USERENV_H
#define NFSCHECK_USERENV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "guard.h"

struct userenv {
	uid_t uid;            /* the rootless UID Podman uses */
	gid_t gid;
	char *user;           /* passwd name of UID, NULL if it has none */
	char *passwd_home;    /* passwd home of UID */
	bool assumed;         /* made up for --user, not read from a process */
	char **vars;          /* "NAME=value" */
	size_t n;
};

void userenv_from_process(struct userenv *e);
void userenv_for_user(struct userenv *e, const struct identity *id);
/* NULL when unset; "" when set but empty (Go's LookupEnv tells them apart). */
const char *userenv_get(const struct userenv *e, const char *name);
/* Set NAME, or unset it when VALUE is NULL. */
void userenv_set(struct userenv *e, const char *name, const char *value);
void userenv_free(struct userenv *e);
/* homedir.Get(): $HOME when set and not empty, else the passwd entry's. Caller frees. */
char *userenv_home(const struct userenv *e);

#endif
