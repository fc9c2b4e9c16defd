/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nfscheck diagnose: a list of checks, each with a stable id, a status, a
 * one-line summary, detail, a remedy, the exact commands that fix it, and
 * the values it measured. The checks share one context: whose storage,
 * the effective configuration, and the facts gathered so far.
 */
#ifndef NFSCHECK_DIAG_H
#define NFSCHECK_DIAG_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

#include "fsinfo.h"
#include "model.h"
#include "policy.h"
#include "probe.h"
#include "quote.h"
#include "subids.h"
#include "target.h"
#include "status.h"
#include "util.h"

struct diag_cache;

/* The shared statuses (status.h), under the names the checks use. */
enum check_status {
	CS_OK = NF_OK,
	CS_WARN = NF_WARN,
	CS_FAIL = NF_FAIL,
	CS_SKIP = NF_SKIP,
};

/* Fix commands are printed in this order: privileges first, storage last. */
enum fix_order {
	FIX_PACKAGES = 10,
	FIX_SUBIDS = 20,
	FIX_IDMAP = 30,
	FIX_KERNEL = 40,
	FIX_RUNTIME = 50,
	FIX_STORAGE = 60,
	FIX_AFTER = 90,
};

struct fix_cmd {
	enum fix_order order;
	char *text;
};

struct check {
	const char *id;
	const char *group;
	enum check_status status;
	char *summary;
	char *detail;
	char *remedy;
	struct fix_cmd *fix;
	size_t nfix;
	struct json_object *values;
};

struct diag {
	struct target t;
	struct model m;
	bool model_ok;
	int timeout_ms;
	bool rootful;              /* root looking at its own storage */
	const char *user;          /* name for messages */
	char *user_buf;            /* what USER points to, when diagnose_collect made it */

	struct fsinfo fs_graphroot;
	bool have_fs_graphroot;
	/* filesystem.graphroot failed only because the filesystem is a network
	 * one, a prediction the probe may overrule with what really happens. */
	bool graphroot_failed_as_network;
	struct subids ids;
	bool have_ids;
	char *newuidmap, *newgidmap;  /* usable tools, NULL when not */
	struct probe_result probe;
	bool probe_ran;
	bool userns_works;
	bool incomplete;           /* nfscheck itself could not do a check */
	struct diag_cache *cache;  /* facts shared with other users' runs (fleet); NULL: none */
	const struct policy *policy; /* the site's remedies (policy.h); NULL: none */

	struct check *v;
	size_t n;
	char **notes;
	size_t nnotes;
};

/* Add a check; the returned pointer is valid until the next diag_add. */
struct check *diag_add(struct diag *d, const char *id, const char *group, enum check_status st,
		       const char *fmt, ...) NF_PRINTF(5, 6);
void check_detail(struct check *c, const char *fmt, ...) NF_PRINTF(2, 3);
void check_remedy(struct check *c, const char *fmt, ...) NF_PRINTF(2, 3);
void check_fix(struct check *c, enum fix_order order, const char *fmt, ...) NF_PRINTF(3, 4);
void check_value_str(struct check *c, const char *key, const char *val);
void check_value_int(struct check *c, const char *key, long long val);
void check_value_bool(struct check *c, const char *key, bool val);
void check_value(struct check *c, const char *key, struct json_object *val);
/* The "nfs" value: what mountinfo says of an NFS mount (check-storage.c). */
struct json_object *nfs_mount_json(const struct fsinfo *fi);
void diag_note(struct diag *d, const char *fmt, ...) NF_PRINTF(2, 3);
const char *check_status_name(enum check_status s);
/* Raise C's status to S if S is worse (skip < ok < warn < fail). */
void check_worst(struct check *c, enum check_status s);

/* The checks, in the order they run. */
void check_podman(struct diag *d);
void check_configuration(struct diag *d);
void check_filesystems(struct diag *d);
void check_subids(struct diag *d);
void check_idmap_tools(struct diag *d);
void check_userns(struct diag *d);
void check_probe(struct diag *d);
void check_nfs(struct diag *d);
void check_runtime_dir(struct diag *d);
void check_startup(struct diag *d);
void check_driver(struct diag *d);
void check_cgroups(struct diag *d);
void check_database(struct diag *d);
void check_location(struct diag *d);

struct diag_options {
	const char *user;            /* --user, or NULL */
	struct diag_cache *cache;    /* fleet: facts shared between users; NULL: none */
	const struct policy *policy; /* the site policy; NULL: none */
	const char *podman_version;  /* --podman-version, or NULL */
	int timeout_ms;
	bool json;
	bool verbose;
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

/* 0 healthy, 1 something will break, 2 could not complete. */
int diag_exit_status(const struct diag *d);
void diag_print_text(const struct diag *d, FILE *out, bool color, bool verbose);
struct json_object *diag_json(const struct diag *d);
void diag_free(struct diag *d);

/* The remedy for a graphroot on the wrong filesystem: move it (fix command). */
void remedy_move_graphroot(struct diag *d, struct check *c);
/* " --user NAME" (shell-quoted) for a command given to root, "" for one's own. */
char *diag_user_flag(const struct diag *d);
/* True when ignore_chown_errors is on for the driver in use. */
bool diag_ignore_chown(const struct diag *d);

#endif
