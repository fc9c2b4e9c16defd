/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nfscheck diagnose: a list of checks, each adding findings (finding.h:
 * a stable id, a status, a one-line summary, detail, a remedy, the exact
 * commands that fix it, and the values it measured). Each check reads the facts gathered before any
 * check ran (facts.h), const, and adds findings: no check sees what another
 * check found, and none can leave a fact behind for a later one.
 */
#ifndef NFSCHECK_DIAG_H
#define NFSCHECK_DIAG_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

#include "facts.h"
#include "finding.h"
#include "quote.h"
#include "status.h"
#include "util.h"

struct diag_cache;

/* One diagnose run: the facts, gathered first, and the findings on them. */
struct diag {
	struct facts f;
	struct findings r;
};

/* The "nfs" value: what mountinfo says of an NFS mount (check-storage.c). */
struct json_object *nfs_mount_json(const struct fsinfo *fi);

/* The checks, in the order they run: each judges the facts and adds its findings. */
void check_podman(const struct facts *d, struct findings *out);
void check_configuration(const struct facts *d, struct findings *out);
void check_filesystems(const struct facts *d, struct findings *out);
void check_subids(const struct facts *d, struct findings *out);
void check_idmap_tools(const struct facts *d, struct findings *out);
void check_userns(const struct facts *d, struct findings *out);
void check_probe(const struct facts *d, struct findings *out);
void check_nfs(const struct facts *d, struct findings *out);
void check_runtime_dir(const struct facts *d, struct findings *out);
void check_startup(const struct facts *d, struct findings *out);
void check_driver(const struct facts *d, struct findings *out);
void check_cgroups(const struct facts *d, struct findings *out);
void check_database(const struct facts *d, struct findings *out);
void check_location(const struct facts *d, struct findings *out);

struct diag_options {
	const char *user;            /* --user, or NULL */
	struct diag_cache *cache;    /* fleet: facts shared between users; NULL: none */
	const struct policy *policy; /* the site policy; NULL: none */
	const char *user_from;       /* the variable user came from (SUDO_USER...), or NULL for --user */
	const char *podman_version;  /* --podman-version, or NULL */
	int timeout_ms;
	bool json;
	bool verbose;
	bool hold_identity;          /* fleet: keep the user's file identity between calls (fsident.h) */
};

/* Run every check and print the report; returns the exit status. */
int diagnose_run(const struct diag_options *o);
/* Run every check into *D without printing (fleet). NF_EXIT_OK, or the
 * exit status of a user that could not be looked up (message printed);
 * either way the caller calls diag_free(D). */
int diagnose_collect(struct diag *d, const struct diag_options *o);
/* diagnose's --timeout when none is given: long enough for one slow
 * server, short enough for a login script. */
#define DIAG_DEFAULT_TIMEOUT_MS 15000

/* The remedies and fix commands without "sudo": for root, who needs none
 * and on a minimal Debian has none. */
void diag_drop_sudo(struct diag *d);
/* 0 healthy, 1 something will break, 2 could not complete. */
int diag_exit_status(const struct diag *d);
void diag_print_text(const struct diag *d, FILE *out, bool color, bool verbose);
struct json_object *diag_json(const struct diag *d);
void diag_free(struct diag *d);

/* The remedy for a graphroot on the wrong filesystem: move it (fix command). */
void remedy_move_graphroot(const struct facts *d, struct finding *c);
/* " --user NAME" (shell-quoted) for a command given to root, "" for one's own. */
char *diag_user_flag(const struct facts *d);

#endif
