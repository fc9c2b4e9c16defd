/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nfscheck fleet: every user of a host in one bounded run. Who (login.defs
 * range through NSS, a list, a UID range), the same checks as diagnose
 * --user for each, in worker processes, with the facts that are the same
 * for many users gathered once per worker, and one report: a summary, JSON,
 * Prometheus' text format.
 */
#ifndef NFSCHECK_FLEET_H
#define NFSCHECK_FLEET_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "policy.h"

enum fleet_verdict {
	FV_OK,              /* nothing found that breaks rootless Podman */
	FV_FAIL,            /* diagnose --user says it will fail */
	FV_NOT_RESPONDING,  /* the server under the user's storage does not answer */
	FV_INCOMPLETE,      /* diagnose could not complete (or no such user) */
	FV_NOT_MOUNTED,     /* an automounted home that is not mounted: not checked */
	FV_NOT_CHECKED,     /* the run's --timeout came first, or a worker died */
	FV__COUNT,
};

struct fleet_user {
	char *name;
	long long uid;           /* -1: unknown */
	char *home;
	char *home_mount;        /* the mount holding HOME, from the mount table */
	enum fleet_verdict verdict;
	char **causes;           /* ids of the failing checks */
	size_t ncauses;
	char **fix;              /* diagnose's fix commands, in order */
	size_t nfix;
	char *summary;           /* the first failing check's summary, or why not checked */
	char *dead_mount;        /* the mount that did not answer (FV_NOT_RESPONDING) */
};

struct fleet_options {
	const char *users_file;      /* --users FILE ("-": stdin), or NULL */
	bool have_range;             /* --uid-range */
	unsigned long long uid_lo, uid_hi;
	const char *login_defs;      /* NULL: /etc/login.defs */
	int jobs;
	int timeout_ms;              /* the whole run */
	bool mount_homes;
	const char *podman_version;
	const struct policy *policy; /* NULL: none */
};

struct fleet_run {
	struct fleet_user *u;
	size_t n;
	double started;          /* seconds since the epoch */
	double duration;         /* seconds */
	int jobs;
};

/* Fill R->u with the users to check. NF_EXIT_OK or an exit status (printed). */
int fleet_users(const struct fleet_options *o, struct fleet_run *r);
/* Check every user of R, in parallel, within O->timeout_ms. */
void fleet_check(const struct fleet_options *o, struct fleet_run *r);
void fleet_run_free(struct fleet_run *r);

const char *fleet_verdict_name(enum fleet_verdict v);
/* 0 all healthy, 1 someone fails, 2 the run did not complete. */
int fleet_exit_status(const struct fleet_run *r);

/* One user's result as a JSON object, and back (the worker pipe, --json). */
struct json_object *fleet_user_json(const struct fleet_user *u);
void fleet_user_from_json(struct fleet_user *u, struct json_object *o);
void fleet_user_clear_result(struct fleet_user *u);
struct diag;
/* U's result from diagnose's findings (a worker, after diagnose_collect). */
void fleet_user_from_diag(struct fleet_user *u, const struct diag *d);

/* Count, per cause, the users failing with it: sorted by count. */
struct fleet_cause_count {
	const char *cause;
	size_t n;
};
struct fleet_cause_count *fleet_causes(const struct fleet_run *r, size_t *n);

void fleet_print_text(const struct fleet_run *r, FILE *out);
struct json_object *fleet_json(const struct fleet_run *r);
/* The Prometheus text exposition. Caller frees. */
char *fleet_prometheus(const struct fleet_run *r);
/* Write it to PATH atomically (node_exporter's textfile collector reads it). 0 or errno, printed. */
int fleet_write_prometheus(const struct fleet_run *r, const char *path);

#endif
