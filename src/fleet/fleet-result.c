/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One user's result: made from diagnose's own findings (the same checks,
 * verdict, causes and fix commands as diagnose --user), and carried as one
 * JSON line from a worker to the parent.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "fleet.h"
#include "guard.h"
#include "render.h"
#include "xalloc.h"

static const char *const verdict_names[FV__COUNT] = {
	[FV_OK] = "ok",
	[FV_FAIL] = "fail",
	[FV_NOT_RESPONDING] = "not-responding",
	[FV_INCOMPLETE] = "incomplete",
	[FV_NOT_MOUNTED] = "not-mounted",
	[FV_NOT_CHECKED] = "not-checked",
};

const char *fleet_verdict_name(enum fleet_verdict v)
{
	return v < FV__COUNT ? verdict_names[v] : "not-checked";
}

static enum fleet_verdict verdict_of(const char *s)
{
	for (int v = 0; v < FV__COUNT; v++)
		if (s && strcmp(s, verdict_names[v]) == 0)
			return (enum fleet_verdict)v;
	return FV_NOT_CHECKED;
}

void fleet_user_clear_result(struct fleet_user *u)
{
	for (size_t i = 0; i < u->ncauses; i++)
		free(u->causes[i]);
	free(u->causes);
	for (size_t i = 0; i < u->nfix; i++)
		free(u->fix[i]);
	free(u->fix);
	free(u->summary);
	free(u->dead_mount);
	u->causes = u->fix = NULL;
	u->ncauses = u->nfix = 0;
	u->summary = u->dead_mount = NULL;
}

static struct json_object *strings_json(char *const *v, size_t n)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static char **strings_from(struct json_object *a, size_t *n)
{
	size_t len = json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
	char **v = len ? xcalloc(len, sizeof(char *)) : NULL;

	for (size_t i = 0; i < len; i++)
		v[i] = xstrdup(json_object_get_string(json_object_array_get_idx(a, i)) ?: "");
	*n = len;
	return v;
}

struct json_object *fleet_user_json(const struct fleet_user *u)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "user", json_object_new_string(u->name));
	json_object_object_add(o, "uid", u->uid >= 0 ? json_object_new_int64(u->uid) : NULL);
	json_object_object_add(o, "home", u->home ? json_object_new_string(u->home) : NULL);
	json_object_object_add(o, "verdict", json_object_new_string(fleet_verdict_name(u->verdict)));
	json_object_object_add(o, "causes", strings_json(u->causes, u->ncauses));
	json_object_object_add(o, "summary", u->summary ? json_object_new_string(u->summary) : NULL);
	json_object_object_add(o, "fix", strings_json(u->fix, u->nfix));
	json_object_object_add(o, "not_responding", u->dead_mount ? json_object_new_string(u->dead_mount) : NULL);
	return o;
}

void fleet_user_from_json(struct fleet_user *u, struct json_object *o)
{
	struct json_object *v;

	fleet_user_clear_result(u);
	u->verdict = verdict_of(json_object_object_get_ex(o, "verdict", &v) ? json_object_get_string(v) : NULL);
	if (json_object_object_get_ex(o, "causes", &v))
		u->causes = strings_from(v, &u->ncauses);
	if (json_object_object_get_ex(o, "fix", &v))
		u->fix = strings_from(v, &u->nfix);
	if (json_object_object_get_ex(o, "summary", &v) && json_object_get_string(v))
		u->summary = xstrdup(json_object_get_string(v));
	if (json_object_object_get_ex(o, "not_responding", &v) && json_object_get_string(v))
		u->dead_mount = xstrdup(json_object_get_string(v));
}

/* The server under the graphroot did not answer: statfs or the probe ran
 * out of time there (a lock that hangs is nfs.locks' finding, not this). */
static const char *dead_mount(const struct diag *d)
{
	const struct fsinfo *fi = &d->f.fs_graphroot;
	const struct probe_result *r = &d->f.probe.r;

	if (!fi->path)
		return NULL;
	if (fi->statfs_err == NF_EDEADLINE || fi->resolve_err == NF_EDEADLINE ||
	    (d->f.probe.plan == PROBE_RAN && r->timed_out && !(r->step[PS_LOCK].begun && !r->step[PS_LOCK].done)))
		return fi->mountpoint ? fi->mountpoint : "?";
	return NULL;
}

/*
 * The server under U's storage stopped answering while U's checks ran: the
 * checks that failed then failed because of it (a statfs or a probe step
 * cut off, a storage.conf that could not be read), so they are not causes
 * of their own, and their fix commands would move storage away from a
 * server that is only down. Counted as the other users on that mount are.
 */
static void not_responding(struct fleet_user *u, const char *mount)
{
	char *first = u->summary;

	u->summary = NULL;
	fleet_user_clear_result(u);
	u->verdict = FV_NOT_RESPONDING;
	u->dead_mount = xstrdup(mount);
	u->causes = xcalloc(1, sizeof(char *));
	u->causes[u->ncauses++] = xstrdup("server-not-responding");
	u->summary = first ? xasprintf("%s did not answer: %s", mount, first)
			   : xasprintf("%s did not answer", mount);
	free(first);
}

/* U's result from diagnose's findings D (finding.h): its verdict, the
 * failing checks' ids, the first one's summary, and the fix block diagnose
 * prints (render.h). */
void fleet_user_from_diag(struct fleet_user *u, const struct diag *d)
{
	const char **fix;
	int st = diag_exit_status(d);
	const char *dead = dead_mount(d);

	fleet_user_clear_result(u);
	for (size_t i = 0; i < d->r.n; i++) {
		if (d->r.v[i].status != NF_FAIL)
			continue;
		u->causes = xreallocarray(u->causes, u->ncauses + 1, sizeof(char *));
		u->causes[u->ncauses++] = xstrdup(d->r.v[i].id);
		if (!u->summary)
			u->summary = xstrdup(d->r.v[i].summary);
	}
	fix = render_fix_block(&d->r, &u->nfix);
	u->fix = u->nfix ? xcalloc(u->nfix, sizeof(char *)) : NULL;
	for (size_t i = 0; i < u->nfix; i++)
		u->fix[i] = xstrdup(fix[i]);
	free(fix);
	u->verdict = st == 1 ? FV_FAIL : st == 2 ? FV_INCOMPLETE : FV_OK;
	if (dead)
		not_responding(u, dead);
	if (u->verdict == FV_INCOMPLETE && !u->summary)
		u->summary = xstrdup(d->r.nnotes ? d->r.notes[d->r.nnotes - 1] : "nfscheck could not complete the checks");
}

int fleet_exit_status(const struct fleet_run *r)
{
	bool fail = false;

	for (size_t i = 0; i < r->n; i++) {
		switch (r->u[i].verdict) {
		case FV_INCOMPLETE:
		case FV_NOT_CHECKED:
			return 2;
		case FV_FAIL:
		case FV_NOT_RESPONDING:
			fail = true;
			break;
		default:
			break;
		}
	}
	return fail ? 1 : 0;
}

void fleet_run_free(struct fleet_run *r)
{
	for (size_t i = 0; i < r->n; i++) {
		fleet_user_clear_result(&r->u[i]);
		free(r->u[i].name);
		free(r->u[i].home);
		free(r->u[i].home_mount);
	}
	free(r->u);
	memset(r, 0, sizeof(*r));
}
