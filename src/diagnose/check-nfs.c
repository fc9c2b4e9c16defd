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
#include "nfs-places.h"
#include "nfsserver-verdict.h"
#include "util.h"
#include "xalloc.h"

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
static void server_check(struct findings *out, const struct nfs_places *ps, const struct nfs_server_entry *s)
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
	const struct nfs_places *ps = &d->nfs;

	if (!d->nfs_possible)
		return;
	for (size_t i = 0; i < ps->n; i++)
		if (nfs_first_on_mount(ps, i))
			options_check(out, ps, ps->v[i].fi);
	for (size_t i = 0; i < ps->nservers; i++)
		server_check(out, ps, &ps->servers[i]);
	check_nfs_locks(d, out);
}
