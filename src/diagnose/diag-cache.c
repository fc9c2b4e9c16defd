/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The shared facts of diag-cache.h: short lists, searched linearly; a host
 * has a handful of filesystems and two idmap tools.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "diag-cache.h"
#include "ids-plan.h"
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

const struct podman_version *diag_cache_podman(const struct diag_cache *c, const char *path_env)
{
	return c && c->have_pv && strcmp(c->pv_path, path_env ? path_env : "") == 0 ? &c->pv : NULL;
}

/* One PATH is kept: the first; users with another PATH each decide anew. */
void diag_cache_set_podman(struct diag_cache *c, const char *path_env, const struct podman_version *pv)
{
	if (!c || c->have_pv)
		return;
	podman_version_copy(&c->pv, pv);
	c->pv_path = xstrdup(path_env ? path_env : "");
	c->have_pv = true;
}

bool diag_cache_userns(const struct diag_cache *c, int *status)
{
	if (!c || !c->have_userns)
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
}

const struct cached_tool *diag_cache_tool(const struct diag_cache *c, const char *tool, const char *path_env)
{
	for (size_t i = 0; c && i < c->ntools; i++)
		if (strcmp(c->tools[i].tool, tool) == 0 && strcmp(c->tools[i].path_env, path_env ? path_env : "") == 0)
			return &c->tools[i].t;
	return NULL;
}

void diag_cache_set_tool(struct diag_cache *c, const char *tool, const char *path_env, const char *path, int err,
			 const void *facts, size_t len)
{
	struct tool_entry *e;

	if (!c || diag_cache_tool(c, tool, path_env))
		return;
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

bool diag_cache_probe(const struct diag_cache *c, dev_t dev, bool single, struct probe_result *out)
{
	for (size_t i = 0; c && i < c->nprobes; i++)
		if (c->probes[i].dev == dev && c->probes[i].single == single) {
			*out = c->probes[i].r;
			return true;
		}
	return false;
}

void diag_cache_set_probe(struct diag_cache *c, dev_t dev, bool single, const struct probe_result *r)
{
	struct probe_entry *e;
	struct probe_result tmp;

	if (!c || r->setup_stage || r->interrupted || diag_cache_probe(c, dev, single, &tmp))
		return;
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
