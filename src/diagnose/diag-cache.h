/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Facts that are the same for many users, measured once in a fleet run (the
 * workers hand them to each other through the run's store) and
 * taken by each user's gatherers (facts.h): whether user namespaces can be created (a kernel
 * setting), what the idmap tools are (one PATH, one file), and the probe's
 * outcome on one filesystem. The checks still judge each user: only the
 * measurement is shared, never a finding, because findings name the user.
 */
#ifndef NFSCHECK_DIAG_CACHE_H
#define NFSCHECK_DIAG_CACHE_H

#include <stdbool.h>
#include <sys/types.h>

#include "podman-version.h"
#include "probe.h"

struct diag_cache;

struct diag_cache *diag_cache_new(void);
void diag_cache_free(struct diag_cache *c);

/* The Podman release modelled, found on the PATH PATH_ENV: decided once
 * for every user with that PATH (a clean login environment gives most
 * users the same one). NULL until decided. */
const struct podman_version *diag_cache_podman(struct diag_cache *c, const char *path_env);
void diag_cache_set_podman(struct diag_cache *c, const char *path_env, const struct podman_version *pv);

/* unshare(CLONE_NEWUSER) as an unprivileged user: its errno (0 worked). */
bool diag_cache_userns(struct diag_cache *c, int *status);
void diag_cache_set_userns(struct diag_cache *c, int status);

/* A tool looked up in PATH: its full path (NULL: not found, ERR) and the
 * facts gather_idmap_tools gathered about the file (LEN bytes). */
struct cached_tool {
	char *path;
	int err;
	void *facts;
	size_t len;
};
const struct cached_tool *diag_cache_tool(struct diag_cache *c, const char *tool, const char *path_env);
void diag_cache_set_tool(struct diag_cache *c, const char *tool, const char *path_env, const char *path, int err,
			 const void *facts, size_t len);

/*
 * The probe on the filesystem DEV, in a directory its user owns and may
 * write, with a single or a multi-ID mapping. Only runs that started are
 * kept (a setup failure is the user's own). The copy has no scratch path
 * and no mapping text: they were another user's.
 */
bool diag_cache_probe(struct diag_cache *c, dev_t dev, bool single, struct probe_result *out);
void diag_cache_set_probe(struct diag_cache *c, dev_t dev, bool single, const struct probe_result *r);

/* The subordinate ranges proposed to every user short of them (ids-plan.h),
 * made once for the run; the cache owns it. NULL: none made. */
struct ids_plan;
const struct ids_plan *diag_cache_ids_plan(const struct diag_cache *c);
void diag_cache_set_ids_plan(struct diag_cache *c, struct ids_plan *p);

/* fleet: the store its workers share (runshare.h), made before they fork;
 * the cache does not own it. NULL (or no cache): every fact is measured. */
struct runshare;
void diag_cache_set_share(struct diag_cache *c, struct runshare *s);
/* A user's checks are over: claims on facts this worker did not publish
 * are given up, so that no other worker waits for them. */
void diag_cache_user_done(struct diag_cache *c);
struct runshare *diag_cache_share(const struct diag_cache *c);

#endif
