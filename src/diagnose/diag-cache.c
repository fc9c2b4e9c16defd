/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The shared facts of diag-cache.h: short lists, searched linearly; a host
 * has a handful of filesystems and two idmap tools.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag-cache.h"
#include "guard.h"
#include "ids-plan.h"
#include "runshare.h"
#include "xalloc.h"

struct tool_entry {
	char *tool, *path_env;
	struct cached_tool t;
};

struct probe_entry {
	dev_t dev;
	bool single;
	struct probe_result r;
};

struct diag_cache {
	bool have_pv;
	char *pv_path;
	struct podman_version pv;
	bool have_userns;
	int userns;
	struct tool_entry *tools;
	size_t ntools;
	struct probe_entry *probes;
	size_t nprobes;
	struct ids_plan *ids_plan;
	struct runshare *share;
};

struct diag_cache *diag_cache_new(void)
{
	return xcalloc(1, sizeof(struct diag_cache));
}

void diag_cache_free(struct diag_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->ntools; i++) {
		free(c->tools[i].tool);
		free(c->tools[i].path_env);
		free(c->tools[i].t.path);
		free(c->tools[i].t.facts);
	}
	free(c->tools);
	free(c->probes);
	ids_plan_free(c->ids_plan);
	if (c->have_pv)
		podman_version_free(&c->pv);
	free(c->pv_path);
	free(c);
}

/*
 * Across the workers of a fleet run (runshare.h): a fact not yet in this
 * worker's lists is looked up in the run's store, and the worker that
 * first needs it claims it there, measures it, and publishes it (setters
 * below), so that each is measured once per run, not once per worker. A
 * claim not published (the measurement failed, or was not to be kept) is
 * dropped at once or when the user's checks end (diag_cache_user_done); a
 * worker waits for another's claim no longer than WAIT_MS, then measures.
 */
#define WAIT_MS 1000

static bool fetch(struct diag_cache *c, const char *key, int wait_ms, char **data, size_t *len)
{
	*data = NULL;
	*len = 0;
	/* Never past the user's own deadline. */
	if (wait_ms > guard_remaining_ms())
		wait_ms = guard_remaining_ms();
	return c->share && runshare_get(c->share, key, wait_ms, data, len) == RS_FOUND;
}

static void publish(struct diag_cache *c, const char *key, const void *data, size_t len)
{
	if (c->share)
		runshare_put(c->share, key, data, len);
}

void diag_cache_user_done(struct diag_cache *c)
{
	if (c)
		runshare_drop_mine(c->share);
}

static void local_podman(struct diag_cache *c, const char *path_env, const struct podman_version *pv)
{
	podman_version_copy(&c->pv, pv);
	c->pv_path = xstrdup(path_env ? path_env : "");
	c->have_pv = true;
}

const struct podman_version *diag_cache_podman(struct diag_cache *c, const char *path_env)
{
	char *key, *data = NULL;
	size_t len;
	struct podman_version pv;

	if (!c)
		return NULL;
	if (!c->have_pv) {
		key = xasprintf("podman %s", path_env ? path_env : "");
		if (fetch(c, key, WAIT_MS, &data, &len) && podman_version_unpack(&pv, data, len)) {
			local_podman(c, path_env, &pv);
			podman_version_free(&pv);
		}
		free(data);
		free(key);
	}
	return c->have_pv && strcmp(c->pv_path, path_env ? path_env : "") == 0 ? &c->pv : NULL;
}

/* One PATH is kept: the first; users with another PATH each decide anew. */
void diag_cache_set_podman(struct diag_cache *c, const char *path_env, const struct podman_version *pv)
{
	char *key, *data;
	size_t len;

	if (!c || c->have_pv)
		return;
	local_podman(c, path_env, pv);
	key = xasprintf("podman %s", path_env ? path_env : "");
	data = podman_version_pack(pv, &len);
	publish(c, key, data, len);
	free(data);
	free(key);
}

bool diag_cache_userns(struct diag_cache *c, int *status)
{
	char *data = NULL;
	size_t len;

	if (!c)
		return false;
	if (!c->have_userns && fetch(c, "userns", WAIT_MS, &data, &len) && len == sizeof(int)) {
		memcpy(&c->userns, data, sizeof(int));
		c->have_userns = true;
	}
	free(data);
	if (!c->have_userns)
		return false;
	*status = c->userns;
	return true;
}

void diag_cache_set_userns(struct diag_cache *c, int status)
{
	if (!c)
		return;
	c->have_userns = true;
	c->userns = status;
	publish(c, "userns", &status, sizeof(status));
}

static const struct cached_tool *local_tool(const struct diag_cache *c, const char *tool, const char *path_env)
{
	for (size_t i = 0; c && i < c->ntools; i++)
		if (strcmp(c->tools[i].tool, tool) == 0 && strcmp(c->tools[i].path_env, path_env ? path_env : "") == 0)
			return &c->tools[i].t;
	return NULL;
}

static void local_set_tool(struct diag_cache *c, const char *tool, const char *path_env, const char *path, int err,
			   const void *facts, size_t len)
{
	struct tool_entry *e;

	c->tools = xreallocarray(c->tools, c->ntools + 1, sizeof(*c->tools));
	e = &c->tools[c->ntools++];
	e->tool = xstrdup(tool);
	e->path_env = xstrdup(path_env ? path_env : "");
	e->t.path = path ? xstrdup(path) : NULL;
	e->t.err = err;
	e->t.len = len;
	e->t.facts = len ? xmalloc(len) : NULL;
	if (len)
		memcpy(e->t.facts, facts, len);
}

/* A tool's entry in the store: err, the path's length (-1: none), the path, the facts. */
struct tool_head {
	int err;
	long path_len;
};

const struct cached_tool *diag_cache_tool(struct diag_cache *c, const char *tool, const char *path_env)
{
	const struct cached_tool *t = local_tool(c, tool, path_env);
	struct tool_head h;
	char *key, *data = NULL;
	size_t len;

	if (t || !c)
		return t;
	key = xasprintf("tool %s %s", tool, path_env ? path_env : "");
	if (fetch(c, key, WAIT_MS, &data, &len) && len >= sizeof(h)) {
		memcpy(&h, data, sizeof(h));
		if (h.path_len >= -1 && (size_t)(h.path_len + 1) <= len - sizeof(h)) {
			size_t pl = h.path_len < 0 ? 0 : (size_t)h.path_len;
			char *path = h.path_len < 0 ? NULL : xstrndup(data + sizeof(h), pl);

			local_set_tool(c, tool, path_env, path, h.err, data + sizeof(h) + pl, len - sizeof(h) - pl);
			free(path);
			t = local_tool(c, tool, path_env);
		}
	}
	free(data);
	free(key);
	return t;
}

void diag_cache_set_tool(struct diag_cache *c, const char *tool, const char *path_env, const char *path, int err,
			 const void *facts, size_t len)
{
	struct tool_head h = {err, path ? (long)strlen(path) : -1};
	size_t pl = path ? strlen(path) : 0;
	char *key, *data;

	if (!c || local_tool(c, tool, path_env))
		return;
	local_set_tool(c, tool, path_env, path, err, facts, len);
	data = xmalloc(sizeof(h) + pl + len + 1);
	memcpy(data, &h, sizeof(h));
	memcpy(data + sizeof(h), path ? path : "", pl);
	if (len)
		memcpy(data + sizeof(h) + pl, facts, len);
	key = xasprintf("tool %s %s", tool, path_env ? path_env : "");
	publish(c, key, data, sizeof(h) + pl + len);
	free(key);
	free(data);
}

static bool local_probe(const struct diag_cache *c, dev_t dev, bool single, struct probe_result *out)
{
	for (size_t i = 0; c && i < c->nprobes; i++)
		if (c->probes[i].dev == dev && c->probes[i].single == single) {
			*out = c->probes[i].r;
			return true;
		}
	return false;
}

/* The copy kept: the steps and what they mean, no path or text of another user's. */
static void local_set_probe(struct diag_cache *c, dev_t dev, bool single, const struct probe_result *r)
{
	struct probe_entry *e;

	c->probes = xreallocarray(c->probes, c->nprobes + 1, sizeof(*c->probes));
	e = &c->probes[c->nprobes++];
	e->dev = dev;
	e->single = single;
	memset(&e->r, 0, sizeof(e->r));
	memcpy(e->r.step, r->step, sizeof(r->step));
	e->r.single_mapping = r->single_mapping;
	e->r.timed_out = r->timed_out;
	e->r.scratch_removed = true;
}

bool diag_cache_probe(struct diag_cache *c, dev_t dev, bool single, struct probe_result *out)
{
	char *key, *data = NULL;
	size_t len;
	bool found;
	int left = guard_remaining_ms();

	if (!c)
		return false;
	if (local_probe(c, dev, single, out))
		return true;
	/* Half the time left at most: enough to probe alone if the other gives up. */
	key = xasprintf("probe %ju %d", (uintmax_t)dev, single);
	if ((found = fetch(c, key, left / 2, &data, &len) && len == sizeof(*out))) {
		memcpy(out, data, sizeof(*out));
		local_set_probe(c, dev, single, out);
		local_probe(c, dev, single, out);
	}
	free(data);
	free(key);
	return found;
}

void diag_cache_set_probe(struct diag_cache *c, dev_t dev, bool single, const struct probe_result *r)
{
	struct probe_result tmp;
	char *key;

	if (!c)
		return;
	key = xasprintf("probe %ju %d", (uintmax_t)dev, single);
	if (r->setup_stage || r->interrupted || local_probe(c, dev, single, &tmp)) {
		/* This user's own: the next worker to need it probes. */
		if (c->share)
			runshare_drop(c->share, key);
		free(key);
		return;
	}
	local_set_probe(c, dev, single, r);
	local_probe(c, dev, single, &tmp);
	publish(c, key, &tmp, sizeof(tmp));
	free(key);
}

const struct ids_plan *diag_cache_ids_plan(const struct diag_cache *c)
{
	return c ? c->ids_plan : NULL;
}

void diag_cache_set_ids_plan(struct diag_cache *c, struct ids_plan *p)
{
	if (!c) {
		ids_plan_free(p);
		return;
	}
	ids_plan_free(c->ids_plan);
	c->ids_plan = p;
}

void diag_cache_set_share(struct diag_cache *c, struct runshare *s)
{
	if (c)
		c->share = s;
}

struct runshare *diag_cache_share(const struct diag_cache *c)
{
	return c ? c->share : NULL;
}
