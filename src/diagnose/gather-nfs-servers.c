/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Facts for nfs.options and nfs.server (check-nfs.c): which places Podman
 * uses are on NFS (the filesystems gather_filesystems and gather_nfs
 * found), and what each of their servers answers, asked over the network
 * once per server (nfsserver.h). Runs only when gather_nfs saw an NFS or
 * autofs mount.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "diag-cache.h"
#include "nfs-places.h"
#include "runshare.h"
#include "util.h"
#include "xalloc.h"

/* At most this for one server, so that a dead one leaves time for the rest. */
#define SERVER_MAX_MS 9000
/* Below this, asking a server would only be cut off. */
#define SERVER_MIN_MS 300

/* The place WHAT at PATH, on FI (gather_filesystems, gather_nfs), when FI is NFS. */
static void add_place(struct nfs_places *ps, const char *what, const char *path, const struct fsinfo *fi, bool locks)
{
	struct nfs_place *p;

	if (!path || !fi->path || ps->n >= ARRAY_SIZE(ps->v) || !nfs_place_is_nfs(fi))
		return;
	p = &ps->v[ps->n++];
	memset(p, 0, sizeof(*p));
	p->what = what;
	p->locks = locks;
	p->fi = fi;
}

/*
 * Ask S's server, or, in a fleet run, take the report another worker got:
 * a server is asked once per run. Only a report that settled every question
 * is handed on; one cut short by this user's deadline is this user's own.
 */
static void ask_server(const struct facts *d, struct nfs_server_entry *s, bool locks_later)
{
	/* As the user when root asks for one: no question needs privilege. */
	struct nfs_server_request rq = {.host = s->host, .port = s->port, .rpcbind_port = RPC_PORT_RPCBIND, .as = d->t.as};
	struct runshare *share = diag_cache_share(d->cache);
	int left = guard_remaining_ms();
	char *key, *text;
	size_t len;
	enum runshare_answer a;

	/* Keep time for the lock checks that follow. */
	rq.budget_ms = locks_later ? left / 2 : left;
	if (rq.budget_ms > SERVER_MAX_MS)
		rq.budget_ms = SERVER_MAX_MS;
	if (rq.budget_ms < SERVER_MIN_MS)
		return;
	key = xasprintf("nfs-server %s %d", s->host, s->port);
	a = runshare_get(share, key, rq.budget_ms, &text, &len);
	if (a == RS_FOUND) {
		nfs_server_report_unpack(&rq, text, &s->r);
		free(text);
	} else {
		nfs_server_probe(&rq, &s->r);
	}
	if (a == RS_MINE && !s->r.timed_out && !s->r.interrupted && !s->r.failed) {
		text = nfs_server_report_pack(&s->r);
		runshare_put(share, key, text, strlen(text));
		free(text);
	} else if (a == RS_MINE) {
		runshare_drop(share, key);
	}
	free(key);
	s->probed = true;
}

/* The places on NFS, in the order the checks report them, and one server
 * entry per host and port their mounts are from. Returns whether Podman
 * takes locks on one of the mounts (the lock tests come after the servers). */
static bool find_places(struct facts *d)
{
	struct nfs_places *ps = &d->nfs;
	bool locks_later = false;

	if (d->model_ok) {
		add_place(ps, "graphroot", d->m.graphroot.value, &d->fs_graphroot, true);
		add_place(ps, "imagestore", d->m.imagestore.value, &d->fs_imagestore, false);
		add_place(ps, "runroot", d->m.runroot.value, &d->fs_runroot, false);
	}
	add_place(ps, "~/.config", d->fs_config.path, &d->fs_config, true);
	for (size_t i = 0; i < ps->n; i++) {
		struct nfs_server_entry *s;

		if (!nfs_first_on_mount(ps, i))
			continue;
		locks_later = locks_later || ps->v[i].locks;
		if (!nfs_mount_host(ps->v[i].fi) || nfs_server_of(ps, ps->v[i].fi))
			continue;
		ps->servers = xreallocarray(ps->servers, ps->nservers + 1, sizeof(*ps->servers));
		s = &ps->servers[ps->nservers++];
		memset(s, 0, sizeof(*s));
		s->host = xstrdup(nfs_mount_host(ps->v[i].fi));
		s->port = nfs_mount_port(ps->v[i].fi);
	}
	return locks_later;
}

void gather_nfs_servers(struct facts *d)
{
	bool locks_later;

	if (d->nfs_possible) {
		locks_later = find_places(d);
		for (size_t i = 0; i < d->nfs.nservers; i++)
			ask_server(d, &d->nfs.servers[i], locks_later);
	}
	d->gathered |= FACTS_NFS_SERVERS;
}
