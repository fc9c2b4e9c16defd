/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The NFS checks, run only when a place Podman uses (graphroot, imagestore,
 * runroot, ~/.config) is on NFS. nfs.options reads what the mount options
 * mean, from mountinfo alone; nfs.server asks each server over the network
 * (nfsserver.h); nfs.locks takes an fcntl lock where Podman takes them
 * (check-nfs-locks.c).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check-nfs-locks.h"
#include "diag-cache.h"
#include "nfs-places.h"
#include "nfsserver-verdict.h"
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

static void places_free(struct nfs_places *ps)
{
	for (size_t i = 0; i < ps->nservers; i++) {
		nfs_server_report_free(&ps->servers[i].r);
		free(ps->servers[i].host);
	}
	free(ps->servers);
	if (ps->have_local)
		nfs_server_report_free(&ps->local);
}

static struct json_object *places_json(const struct nfs_places *ps, const struct fsinfo *fi)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < ps->n; i++)
		if (nfs_same_mount(ps->v[i].fi, fi))
			json_object_array_add(a, json_object_new_string(ps->v[i].what));
	return a;
}

/* ---- nfs.options ---- */

static void options_check(struct findings *out, const struct nfs_places *ps, const struct fsinfo *fi)
{
	char *desc = fsinfo_describe(fi), *on = nfs_places_on(ps, fi, false);
	struct json_object *o = nfs_mount_json(fi);
	struct finding *c = finding_add(out, "nfs.options", G_NFS, NF_OK, "%s: %s, for %s", fi->mountpoint, desc, on);

	if (fi->soft) {
		finding_worst(c, NF_WARN);
		finding_detail(c, "soft: when the server is slow, reads and writes fail with EIO instead of "
				"waiting; under the load of a pull, a layer can be left half written");
		finding_remedy(c, "mount it hard (the default), or keep the storage off this mount");
	}
	if (fi->sec && strncmp(fi->sec, "krb5", 4) == 0) {
		finding_worst(c, NF_WARN);
		finding_detail(c, "sec=%s: every access needs a valid Kerberos ticket; a long pull or build fails "
				"with EACCES or EKEYEXPIRED when the ticket expires", fi->sec);
		finding_remedy(c, "keep the ticket renewed for as long as Podman runs (krenew, k5start), or keep "
				"the storage off this mount");
	}
	if (nfs_local_locks(fi)) {
		finding_worst(c, NF_WARN);
		finding_detail(c, "%s%s: fcntl locks are local to this machine; fine while only this machine uses the "
				"storage, unsafe if containers on several machines use the same home at once",
			     fi->nolock ? "" : "local_lock=", fi->nolock ? "nolock" : fi->local_lock);
		finding_remedy(c, "use the storage from one machine at a time, or mount without nolock/local_lock");
	} else if (nfs_is_v3(fi)) {
		finding_detail(c, "NFSv3: fcntl locks go to the server's lock manager (nlockmgr), and need rpc.statd "
				"running on this machine and on the server (see nfs.server and nfs.locks)");
	} else {
		finding_detail(c, "NFSv4: locks are part of the protocol; no lock manager or rpc.statd is needed");
	}
	if (fi->proto && strncmp(fi->proto, "udp", 3) == 0)
		finding_detail(c, "proto=%s: the server is asked over TCP here; a server with TCP off may not "
				"answer nfscheck while the mount works", fi->proto);
	finding_value_str(c, "mountpoint", fi->mountpoint);
	finding_value_str(c, "source", fi->source);
	finding_value_str(c, "fstype", fi->fstype);
	finding_value(c, "nfs", o);
	finding_value_str(c, "locks", nfs_local_locks(fi) ? "local" : nfs_is_v3(fi) ? "nlm" : "nfsv4");
	finding_value(c, "used_by", places_json(ps, fi));
	free(desc);
	free(on);
}

/* ---- nfs.server ---- */

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

/* Mounts from S, "/a, /b", and whether one of them locks through the server on NFSv3. */
static char *mounts_of(const struct nfs_places *ps, const struct nfs_server_entry *s, bool *v3_locks, bool *v3,
		       bool *v4)
{
	char *m = NULL;

	*v3_locks = *v3 = *v4 = false;
	for (size_t i = 0; i < ps->n; i++) {
		const struct fsinfo *fi = ps->v[i].fi;
		char *t;

		if (!nfs_first_on_mount(ps, i) || !nfs_mount_host(fi) || strcmp(nfs_mount_host(fi), s->host) != 0 ||
		    nfs_mount_port(fi) != s->port)
			continue;
		*v3 = *v3 || nfs_is_v3(fi);
		*v4 = *v4 || !nfs_is_v3(fi);
		*v3_locks = *v3_locks || (nfs_is_v3(fi) && !nfs_local_locks(fi));
		t = m ? xasprintf("%s, %s", m, fi->mountpoint) : xstrdup(fi->mountpoint);
		free(m);
		m = t;
	}
	return m;
}

/* The OK wording: what rpcbind lists, and what the judgement left open. */
static struct finding *server_answers(struct findings *out, const struct nfs_server_entry *s,
				      const struct nfs_judgement *j)
{
	const struct nfs_server_report *r = &s->r;
	char *mountd = nfs_server_service_text(r, RPC_PROG_MOUNT), *nlm = nfs_server_service_text(r, RPC_PROG_NLM),
	     *nsm = nfs_server_service_text(r, RPC_PROG_NSM);
	struct finding *c = finding_add(out, "nfs.server", G_NFS, NF_OK, "%s answers %s%s", s->host, j->versions,
				   j->rpcbind < 0    ? "; rpcbind not asked to the end, the time ran out"
				   : j->rpcbind == 0 ? "; rpcbind does not answer"
				   : nlm && nsm      ? "; rpcbind lists the lock manager and status monitor"
						     : "");

	if (r->rpcbind_proto)
		finding_detail(c, "rpcbind (protocol %d): mountd %s; nlockmgr %s; status %s", r->rpcbind_proto,
			       mountd ? mountd : "not registered", nlm ? nlm : "not registered",
			       nsm ? nsm : "not registered");
	else if (j->rpcbind_silent) {
		finding_worst(c, NF_WARN);
		finding_detail(c, "rpcbind on %s does not answer; NFSv3 needs it to mount", s->host);
	}
	/* Not known is not fine: the server command's rule, whether or not rpcbind answered. */
	if (j->locks_unknown) {
		finding_worst(c, NF_WARN);
		finding_detail(c, "whether NFSv3 locks will work is not known: run nfscheck diagnose again with "
				"a longer --timeout");
	} else if (j->rpcbind_unasked) {
		finding_worst(c, NF_WARN);
		finding_detail(c, "rpcbind on %s was not asked to the end, the time ran out; NFSv3 needs it to mount: "
				"run nfscheck diagnose again with a longer --timeout", s->host);
	}
	if (j->mountd_missing) {
		finding_worst(c, NF_WARN);
		finding_detail(c, "mountd on %s %s: NFSv3 clients cannot mount from it, so a remount here would fail",
			       s->host, mountd ? "is registered with rpcbind, but does not answer" : "is not registered with rpcbind");
	}
	free(mountd);
	free(nlm);
	free(nsm);
	return c;
}

/* The judgement of nfs_server_judge(), for the mounts from S, as a check. */
static void server_check(struct findings *out, struct nfs_places *ps, struct nfs_server_entry *s)
{
	const struct nfs_server_report *r = &s->r;
	struct nfs_need need;
	char *mounts = mounts_of(ps, s, &need.v3_locks, &need.v3, &need.v4);
	struct json_object *ma = json_object_new_array();
	struct nfs_judgement j;
	struct finding *c;

	for (size_t i = 0; i < ps->n; i++)
		if (nfs_first_on_mount(ps, i) && nfs_mount_host(ps->v[i].fi) && strcmp(nfs_mount_host(ps->v[i].fi), s->host) == 0 &&
		    nfs_mount_port(ps->v[i].fi) == s->port)
			json_object_array_add(ma, json_object_new_string(ps->v[i].fi->mountpoint));
	if (!s->probed) {
		c = finding_add(out, "nfs.server", G_NFS, NF_SKIP, "%s: not asked, no time left", s->host);
		finding_value(c, "mounts", ma);
		free(mounts);
		return;
	}
	nfs_server_judge(r, &need, &j);
	/* A problem the server did not settle by answering is not known, not a fault. */
	if (j.problem && j.outcome != NFS_DOWN) {
		c = finding_add(out, "nfs.server", G_NFS, NF_SKIP, "%s: not known, %s", s->host, j.problem);
		finding_remedy(c, "run nfscheck diagnose again with a longer --timeout");
	} else if (j.problem && j.refused) {
		/* A refusal is an answer: not "not responding", but no NFS there. */
		c = finding_add(out, "nfs.server", G_NFS, NF_FAIL, "%s is not serving NFS: %s", s->host, j.problem);
		finding_detail(c, "a new mount from it fails, and everything under %s hangs until it serves again",
			       mounts);
		finding_remedy(c, "bring the NFS server back (on the server: systemctl status nfs-server), or move the "
				"storage off it");
	} else if (j.problem) {
		c = finding_add(out, "nfs.server", G_NFS, NF_FAIL, "%s is not responding: %s", s->host, j.problem);
		finding_detail(c, "everything under %s will hang until it answers again", mounts);
		finding_remedy(c, "bring the NFS server back (on the server: systemctl status nfs-server), or move the "
				"storage off it");
	} else if (j.gap) {
		c = finding_add(out, "nfs.server", G_NFS, NF_FAIL, "%s answers %s, but NFSv3 locks will fail: %s", s->host,
				j.versions, j.gap);
		finding_detail(c, "%s is mounted with NFSv3 and locking on: every fcntl lock Podman takes goes to the "
				"server's lock manager", mounts);
		finding_remedy(c, "on the server, start the lock services (systemctl start rpc-statd nfs-server), or "
				"mount with vers=4.2, which has locking built in");
	} else {
		c = server_answers(out, s, &j);
	}
	if (j.missing_version) {
		finding_worst(c, NF_WARN);
		finding_detail(c, "a mount uses NFSv%d, which the server does not answer now", j.missing_version);
	}
	finding_detail(c, "mounts from %s: %s", s->host, mounts);
	finding_value(c, "server", nfs_server_json(r));
	finding_value(c, "mounts", ma);
	nfs_judgement_free(&j);
	free(mounts);
}

void check_nfs(const struct facts *d, struct findings *out)
{
	struct nfs_places ps = {0};
	bool locks_later = false;

	if (!d->nfs_possible)
		return;
	if (d->model_ok) {
		add_place(&ps, "graphroot", d->m.graphroot.value, &d->fs_graphroot, true);
		add_place(&ps, "imagestore", d->m.imagestore.value, &d->fs_imagestore, false);
		add_place(&ps, "runroot", d->m.runroot.value, &d->fs_runroot, false);
	}
	add_place(&ps, "~/.config", d->fs_config.path, &d->fs_config, true);
	for (size_t i = 0; i < ps.n; i++) {
		struct nfs_server_entry *s;

		if (!nfs_first_on_mount(&ps, i))
			continue;
		options_check(out, &ps, ps.v[i].fi);
		locks_later = locks_later || ps.v[i].locks;
		if (!nfs_mount_host(ps.v[i].fi) || nfs_server_of(&ps, ps.v[i].fi))
			continue;
		ps.servers = xreallocarray(ps.servers, ps.nservers + 1, sizeof(*ps.servers));
		s = &ps.servers[ps.nservers++];
		memset(s, 0, sizeof(*s));
		s->host = xstrdup(nfs_mount_host(ps.v[i].fi));
		s->port = nfs_mount_port(ps.v[i].fi);
	}
	for (size_t i = 0; i < ps.nservers; i++) {
		ask_server(d, &ps.servers[i], locks_later);
		server_check(out, &ps, &ps.servers[i]);
	}
	check_nfs_locks(d, out, &ps);
	places_free(&ps);
}

