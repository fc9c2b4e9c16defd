/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nfs.locks: what an fcntl lock where Podman takes them (the graphroot's
 * filesystem, ~/.config) did, one per NFS mount (gather-nfs-locks.c took
 * it, or read the probe's). A lock that fails or blocks is explained: on
 * NFSv3 by what is missing on this machine (rpc.statd, rpcbind) or on the
 * server; otherwise by the grace period a restarted server keeps.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "check-nfs-locks.h"
#include "xalloc.h"

/* What this machine's rpcbind lists: the server's own report when the
 * server is this machine, else the one gather_nfs_locks asked; NULL when
 * there was no time to ask. */
static const struct nfs_server_report *local_rpcbind(const struct nfs_places *ps, const struct fsinfo *fi)
{
	const struct nfs_server_entry *s = nfs_server_of(ps, fi);

	if (s && s->probed && nfs_host_loopback(s->host))
		return &s->r;
	return ps->have_local ? &ps->local : NULL;
}

static void explain_v3(const struct nfs_places *ps, struct finding *c, const struct fsinfo *fi)
{
	const struct nfs_server_entry *s = nfs_server_of(ps, fi);
	const struct nfs_server_report *lo = local_rpcbind(ps, fi);
	/* The server's own report, when it was asked and is another machine. */
	const struct nfs_server_report *remote = s && s->probed && !nfs_host_loopback(s->host) ? &s->r : NULL;
	char *gap = remote ? nfs_server_lock_gap(remote) : NULL;
	bool here = s && nfs_host_loopback(s->host);
	const char *cause = NULL;
	int rb = lo ? nfs_server_rpcbind_answers(lo) : -1;

	/* What the time did not settle is not blamed. */
	if (rb == 0) {
		cause = "rpcbind-here";
		finding_detail(c, "cause: rpcbind does not answer on this machine%s, so the kernel's lock manager "
				"cannot reach rpc.statd, which every NFSv3 lock needs", here ? " (also the server)" : "");
		finding_remedy(c, "start rpcbind and rpc.statd here: sudo systemctl enable --now rpcbind rpc-statd");
		finding_fix(c, FIX_PACKAGES, "sudo systemctl enable --now rpcbind rpc-statd");
	} else if (rb == 1 && (!nfs_server_registered(lo, RPC_PROG_NSM) ||
			       nfs_server_service_answers(lo, RPC_PROG_NSM) == 0)) {
		cause = "statd-here";
		finding_detail(c, "cause: rpc.statd is not running on this machine%s (%s): the kernel's lock manager "
				"needs the status monitor for every NFSv3 lock, and without it the lock waits (about a "
				"minute) or fails with ENOLCK", here ? ", which is also the server" : "",
			     nfs_server_registered(lo, RPC_PROG_NSM) ? "registered with rpcbind, but it does not answer"
								     : "no status monitor, program 100024, is "
								       "registered with rpcbind");
		finding_remedy(c, "start it: sudo systemctl enable --now rpc-statd");
		finding_fix(c, FIX_PACKAGES, "sudo systemctl enable --now rpc-statd");
	} else if (here && rb == 1 && !nfs_server_registered(lo, RPC_PROG_NLM)) {
		cause = "server-lock-services";
		finding_detail(c, "cause: no lock manager (nlockmgr) is registered with rpcbind on this machine, "
				"which is also the server");
	}
	if (gap) {
		cause = cause ? cause : "server-lock-services";
		finding_detail(c, "cause: on the server %s: %s", s->host, gap);
		finding_remedy(c, "on the server: systemctl start rpc-statd nfs-server; or mount with vers=4.2, which "
				"has locking built in");
	}
	if (!cause && (rb < 0 || (remote && !nfs_server_locks_known(remote)))) {
		cause = "unknown";
		finding_detail(c, "the time ran out before rpcbind%s could be asked to the end, so the cause is not "
				"known; run nfscheck diagnose with a longer --timeout", rb < 0 ? " here" : " on the server");
	}
	if (!cause) {
		cause = "grace-or-lockd";
		finding_detail(c, "the server's lock manager and status monitor answer, and rpc.statd runs here: the "
				"server is probably in its grace period after a restart (up to 90 s), when locks wait");
		finding_remedy(c, "try again in two minutes; if it persists, look at the lock manager on both "
				"machines (journalctl -k | grep lockd)");
	}
	finding_value_str(c, "cause", cause);
	free(gap);
}

static void explain(const struct nfs_places *ps, struct finding *c, const struct fsinfo *fi)
{
	if (nfs_is_v3(fi) && !nfs_local_locks(fi)) {
		explain_v3(ps, c, fi);
		return;
	}
	if (!nfs_local_locks(fi)) {
		finding_detail(c, "NFSv4 locks wait while the server is in its grace period after a restart (90 s "
				"by default), or when it has stopped answering (see nfs.server)");
		finding_remedy(c, "try again in two minutes; if it persists, look at the server");
		finding_value_str(c, "cause", "grace-or-server");
	}
}

/* A lock that works now may owe it to the kernel's memory: it asks
 * rpc.statd once per server, so with statd gone the next reboot or
 * remount is when locks start to block. */
static void statd_gone_here(const struct nfs_places *ps, struct finding *c, const struct fsinfo *fi)
{
	const struct nfs_server_report *lo = local_rpcbind(ps, fi);
	int rb = lo ? nfs_server_rpcbind_answers(lo) : -1;

	/* Only what was settled: rpcbind silent, or statd missing or silent. */
	if (rb < 0 || (rb == 1 && nfs_server_registered(lo, RPC_PROG_NSM) &&
		       nfs_server_service_answers(lo, RPC_PROG_NSM) != 0))
		return;
	c->status = NF_WARN;
	finding_detail(c, "but %s on this machine: this machine's lock manager already knows the server, so "
			"locks work for now; after a reboot or a remount every NFSv3 lock will wait or fail",
		     lo->rpcbind_proto ? "rpc.statd is not running" : "rpcbind does not answer");
	finding_remedy(c, "start it: sudo systemctl enable --now %s", lo->rpcbind_proto ? "rpc-statd" : "rpcbind rpc-statd");
	finding_value_str(c, "cause", lo->rpcbind_proto ? "statd-here" : "rpcbind-here");
}

/* The check for a lock test (or the probe's lock step) that ran, or not. */
static struct finding *lock_verdict(const struct facts *d, struct findings *out, const struct nfs_places *ps,
				    const struct fsinfo *fi, const char *dir, const struct lock_result *lr, bool probe)
{
	struct finding *c;

	switch (lr->outcome) {
	case LOCK_WORKS:
		if (nfs_local_locks(fi))
			c = finding_add(out, "nfs.locks", G_NFS, NF_OK, "an fcntl lock in %s works, locally only (%s%s)", dir,
					fi->nolock ? "" : "local_lock=",
					fi->nolock ? "nolock" : fi->local_lock);
		else if (probe)
			c = finding_add(out, "nfs.locks", G_NFS, NF_OK, "an fcntl lock in %s works (the probe's)", dir);
		else
			c = finding_add(out, "nfs.locks", G_NFS, NF_OK, "an fcntl lock in %s works (%.1f ms)", dir, lr->ms);
		if (nfs_is_v3(fi) && !nfs_local_locks(fi))
			statd_gone_here(ps, c, fi);
		break;
	case LOCK_FAILED:
		c = finding_add(out, "nfs.locks", G_NFS, NF_FAIL, "an fcntl lock in %s fails: %s (%s)", dir,
				errno_name(lr->err), strerror(lr->err));
		break;
	case LOCK_BLOCKED:
		if (probe)
			c = finding_add(out, "nfs.locks", G_NFS, NF_FAIL, "an fcntl lock in %s blocked until the probe's "
					"deadline", dir);
		else
			c = finding_add(out, "nfs.locks", G_NFS, NF_FAIL, "an fcntl lock in %s blocked: no answer within "
					"%.1f s", dir, lr->ms / 1000.0);
		finding_detail(c, "Podman would wait there, or fail with ENOLCK");
		break;
	case LOCK_NO_FILE:
		if (lr->err == NF_EDEADLINE)
			c = finding_add(out, "nfs.locks", G_NFS, NF_FAIL, "no answer creating a file in %s: server not "
					"responding", dir);
		else
			c = finding_add(out, "nfs.locks", G_NFS, NF_SKIP, "not tried: %s cannot create a file in %s: %s",
					d->user, dir, errno_name(lr->err));
		break;
	case LOCK_NOT_RUN:
	default:
		if (lr->cut_short)
			c = finding_add(out, "nfs.locks", G_NFS, NF_SKIP, "%s: not known, the run's deadline came %.1f s "
					"into the lock's wait", fi->mountpoint, lr->ms / 1000.0);
		else
			c = finding_add(out, "nfs.locks", G_NFS, NF_SKIP, "%s: not tried, %s", fi->mountpoint,
					dir ? "no time left" : "no directory to try in");
		break;
	}
	return c;
}

/* The values every nfs.locks check carries, whatever happened. */
static void lock_values(struct finding *c, const struct nfs_places *ps, const struct fsinfo *fi, const char *dir,
			const struct lock_result *lr, bool probe)
{
	struct json_object *a = json_object_new_array();

	finding_value_str(c, "mountpoint", fi->mountpoint);
	finding_value_str(c, "directory", dir);
	for (size_t i = 0; i < ps->n; i++)
		if (ps->v[i].locks && nfs_same_mount(ps->v[i].fi, fi))
			json_object_array_add(a, json_object_new_string(ps->v[i].what));
	finding_value(c, "used_by", a);
	finding_value_str(c, "outcome", lock_outcome_name(lr->outcome));
	finding_value_str(c, "errno", lr->err ? errno_name(lr->err) : NULL);
	finding_value(c, "ms", lr->ms >= 0 && (lr->outcome == LOCK_WORKS || lr->outcome == LOCK_FAILED ||
					      lr->outcome == LOCK_BLOCKED)
				     ? nfs_json_ms(lr->ms)
				     : NULL);
	finding_value_bool(c, "from_probe", probe);
	finding_value_str(c, "locks", nfs_local_locks(fi) ? "local" : nfs_is_v3(fi) ? "nlm" : "nfsv4");
	finding_value_bool(c, "left_behind", lr->left_behind);
}

static void lock_check(const struct facts *d, struct findings *out, const struct nfs_lock_fact *lf)
{
	const struct nfs_places *ps = &d->nfs;
	const struct fsinfo *fi = lf->fi;
	const struct lock_result *lr = &lf->lr;
	char *on = nfs_places_on(ps, fi, true);
	struct finding *c;

	if (lf->dead) {
		c = finding_add(out, "nfs.locks", G_NFS, NF_SKIP, "%s: not tried, the server does not answer (see nfs.server)",
				fi->mountpoint);
		goto values;
	}
	c = lock_verdict(d, out, ps, fi, lf->dir, lr, lf->probe);
	if (lf->shared)
		finding_detail(c, "the outcome of this run's one lock test on %s, made in another user's directory",
			       fi->mountpoint);
	finding_detail(c, "Podman takes fcntl locks here for: %s", on);
	if (lr->outcome == LOCK_FAILED || lr->outcome == LOCK_BLOCKED)
		explain(ps, c, fi);
	if (lf->probe)
		finding_detail(c, "from the probe's lock step (F_SETLK in the user namespace, on the graphroot's "
				"filesystem)");
	if (lr->leftovers_removed)
		finding_detail(c, "removed %d file left by an earlier run that was killed", lr->leftovers_removed);
	if (lr->left_behind)
		finding_detail(c, "could not remove %s; the next run removes it", lr->file);
values:
	lock_values(c, ps, fi, lf->dir, lr, lf->probe);
	free(on);
}

void check_nfs_locks(const struct facts *d, struct findings *out)
{
	for (size_t i = 0; i < d->nfs.nlocks; i++)
		lock_check(d, out, &d->nfs.locks[i]);
}
