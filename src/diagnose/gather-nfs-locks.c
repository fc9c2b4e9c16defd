/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Facts for nfs.locks (check-nfs-locks.c): an fcntl lock where Podman takes
 * them (the graphroot's filesystem, ~/.config), one per NFS mount, after
 * the servers were asked (gather_nfs_servers). The probe already locks a
 * file on the graphroot's filesystem; its answer is used when it has one.
 * An NFSv3 lock's outcome is explained by this machine's rpcbind, so that
 * is asked too, once, right after the first such lock.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag-cache.h"
#include "fsx.h"
#include "nfs-places.h"
#include "runshare.h"
#include "util.h"
#include "xalloc.h"

/* How long a lock may wait: a working server answers in milliseconds; a
 * missing statd or a grace period makes it wait a minute or more. */
#define LOCK_MS 4000
#define LOCK_MIN_MS 500
/* How long another user may take a blocked lock as theirs (fleet). */
#define LOCK_BLOCKED_TTL_MS 30000.0
/* Kept back for the checks after this one. */
#define LOCK_RESERVE_MS 300
/* This machine's rpcbind, asked once an NFSv3 lock has been tried. */
#define LOCAL_RPCBIND_MS 3000
#define LOCAL_RPCBIND_MIN_MS 500

/* What this machine's rpcbind lists, asked once, unless the server of FI
 * is this machine and its report says it already. */
static void ask_local_rpcbind(struct facts *d, const struct fsinfo *fi)
{
	const struct nfs_server_entry *s = nfs_server_of(&d->nfs, fi);
	struct nfs_server_request rq = {.host = "127.0.0.1", .port = RPC_PORT_NFS, .rpcbind_port = RPC_PORT_RPCBIND,
					.rpcbind_only = true, .budget_ms = LOCAL_RPCBIND_MS};

	if ((s && s->probed && nfs_host_loopback(s->host)) || d->nfs.have_local ||
	    guard_remaining_ms() < LOCAL_RPCBIND_MIN_MS)
		return;
	nfs_server_probe(&rq, &d->nfs.local);
	d->nfs.have_local = true;
}

/* The probe's lock step, if it got that far, as a lock result. */
static bool from_probe(const struct facts *d, const struct fsinfo *fi, struct lock_result *lr)
{
	const struct probe_step_result *s = &d->probe.r.step[PS_LOCK];

	if (!facts_probe_ran(d) || !d->fs_graphroot.path || !nfs_same_mount(&d->fs_graphroot, fi) || !s->begun)
		return false;
	memset(lr, 0, sizeof(*lr));
	if (s->done) {
		lr->outcome = s->err ? LOCK_FAILED : LOCK_WORKS;
		lr->err = s->err;
	} else if (d->probe.r.timed_out) {
		lr->outcome = LOCK_BLOCKED;
		lr->err = NF_EDEADLINE;
	} else {
		return false;
	}
	lr->ms = -1;
	return true;
}

/*
 * The lock test on FI's mount, or, in a fleet run, the outcome another
 * worker's test had there: locks are tested once per mount per run, and a
 * lock that blocked once per LOCK_BLOCKED_TTL_MS. Only an outcome the
 * mount gave (works, fails, blocked for the whole wait) is handed on; a
 * file this user could not create is this user's own.
 */
static bool shared_lock_test(const struct facts *d, const struct fsinfo *fi, const char *dir, int ms,
			     struct lock_result *lr)
{
	struct runshare *share = diag_cache_share(d->cache);
	char *key = xasprintf("nfs-lock %s %s", fi->mountpoint ? fi->mountpoint : "?", fi->source ? fi->source : "?");
	char *text;
	size_t len;
	enum runshare_answer a = runshare_get(share, key, ms, &text, &len);
	int outcome, err;
	double took;

	if (a == RS_FOUND && sscanf(text, "%d %d %lf", &outcome, &err, &took) == 3) {
		lr->outcome = (enum lock_outcome)outcome;
		lr->err = err;
		lr->ms = took;
	} else {
		lock_test(dir, d->t.as, ms, lr);
	}
	if (a == RS_MINE && (lr->outcome == LOCK_WORKS || lr->outcome == LOCK_FAILED ||
			     (lr->outcome == LOCK_BLOCKED && ms >= LOCK_MS))) {
		char *t = xasprintf("%d %d %.3f", (int)lr->outcome, lr->err, lr->ms);

		/* A lock that blocked may be a server briefly away, or in its
		 * grace period after a restart: the users after a while test
		 * again, not all the rest of the run. */
		runshare_put_until(share, key, t, strlen(t), lr->outcome == LOCK_BLOCKED ? LOCK_BLOCKED_TTL_MS : 0);
		free(t);
	} else if (a == RS_MINE) {
		runshare_drop(share, key);
	}
	free(key);
	free(a == RS_FOUND ? text : NULL);
	return a == RS_FOUND;
}

static void lock_gather(struct facts *d, struct nfs_lock_fact *lf, const struct fsinfo *fi)
{
	int ms = guard_remaining_ms() - LOCK_RESERVE_MS;
	enum lock_outcome o;

	lf->fi = fi;
	lf->dir = fi->exists ? fi->resolved : fi->existing;
	lf->lr.outcome = LOCK_NOT_RUN;
	if (ms > LOCK_MS)
		ms = LOCK_MS;
	if (fi->statfs_err == NF_EDEADLINE || fi->resolve_err == NF_EDEADLINE || (lf->dir && fsx_mount_dead(lf->dir))) {
		lf->dead = true;
		return;
	}
	lf->probe = from_probe(d, fi, &lf->lr);
	if (!lf->probe && lf->dir && ms >= LOCK_MIN_MS)
		lf->shared = shared_lock_test(d, fi, lf->dir, ms, &lf->lr);
	/* The outcomes nfs.locks explains with this machine's rpcbind: a
	 * working NFSv3 lock (statd may be gone), one that fails or blocks. */
	o = lf->lr.outcome;
	if (nfs_is_v3(fi) && !nfs_local_locks(fi) && (o == LOCK_WORKS || o == LOCK_FAILED || o == LOCK_BLOCKED))
		ask_local_rpcbind(d, fi);
}

/* After the servers only: it goes on with what gather_nfs_servers began,
 * a signal or not, as the NFS check did once begun (diagnose.c). */
void gather_nfs_locks(struct facts *d)
{
	struct nfs_places *ps = &d->nfs;

	if (!(d->gathered & FACTS_NFS_SERVERS))
		return;
	for (size_t i = 0; i < ps->n; i++) {
		bool first = ps->v[i].locks;

		for (size_t k = 0; first && k < i; k++)
			if (ps->v[k].locks && nfs_same_mount(ps->v[k].fi, ps->v[i].fi))
				first = false;
		if (first && ps->nlocks < ARRAY_SIZE(ps->locks))
			lock_gather(d, &ps->locks[ps->nlocks++], ps->v[i].fi);
	}
	d->gathered |= FACTS_NFS_LOCKS;
}
