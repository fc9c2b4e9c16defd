/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Facts: the probe (probe.h) run as the user on the graphroot's filesystem,
 * with the IDs and tools gathered before it, and what its outcome settles
 * for the other checks: whether chown to a second ID, which the kind of
 * filesystem may predict to fail, was done there for real and worked.
 */
#include "config.h"

#include <errno.h>
#include <sys/stat.h>

#include "diag-cache.h"
#include "facts.h"
#include "fsx.h"

/* How long the probe may take, leaving time to clean up within --timeout. */
#define PROBE_MAX_MS 8000
#define PROBE_CLEANUP_MS 1200

static bool needs_second_id(enum probe_step s)
{
	return s == PS_CHOWN_FILE || s == PS_CHOWN_DIR;
}

int probe_failed_step(const struct facts *d)
{
	const struct probe_result *r = &d->probe.r;

	for (int s = 0; s < PS__COUNT; s++) {
		int err = r->step[s].err;

		if (!r->step[s].done || !err || s == PS_XATTR)
			continue;
		/* EINVAL: the target ID is not mapped, which says nothing of the filesystem. */
		if (needs_second_id(s) && (d->probe.single || err == EINVAL))
			continue;
		if (needs_second_id(s) && err == EPERM && diag_ignore_chown(d))
			continue;
		return s;
	}
	return -1;
}

/* Where the probe runs and for how long, or why it does not. */
static enum probe_plan plan(const struct facts *d, const char **dir, int *budget)
{
	const struct fsinfo *fi = &d->fs_graphroot;

	if (!d->model_ok || !fi->path)
		return PROBE_NO_GRAPHROOT;
	if (fi->statfs_err == NF_EDEADLINE || fi->resolve_err == NF_EDEADLINE)
		return PROBE_NOT_ANSWERING;
	*dir = fi->exists ? fi->resolved : fi->existing;
	*budget = guard_remaining_ms() - PROBE_CLEANUP_MS;
	if (*budget > PROBE_MAX_MS)
		*budget = PROBE_MAX_MS;
	if (!*dir && fi->resolve_err)
		return PROBE_UNREACHABLE;
	if (!*dir)
		return PROBE_NO_DIR;
	return *budget < 500 ? PROBE_NO_TIME : PROBE_RAN;
}

/* The probe as the user in its directory, from the fleet's cache when
 * another user's run on the same filesystem may stand for this one. */
static void run(struct facts *d)
{
	struct probe_fact *p = &d->probe;
	struct idranges none = {0};
	struct probe_request rq = {
		.dir = p->dir, .as = d->t.as, .uid = d->t.env.uid, .gid = d->t.env.gid,
		.uids = p->single ? &none : &d->ids.uid, .gids = p->single ? &none : &d->ids.gid,
		.newuidmap = d->newuidmap, .newgidmap = d->newgidmap, .no_userns = d->rootful,
		.timeout_ms = p->budget_ms,
	};
	struct fsx x = facts_fsx(d);
	struct stat st;
	bool shareable;

	/* Fleet: one probe per filesystem and mapping kind, in a directory its
	 * user owns and may write; a directory that is not this user's own is
	 * probed for this user alone. */
	shareable = d->cache && !d->rootful && fsx_stat(&x, p->dir, &st) == 0 && st.st_uid == d->t.env.uid &&
		    (st.st_mode & S_IRWXU) == S_IRWXU;
	if (shareable && diag_cache_probe(d->cache, st.st_dev, p->single, &p->r))
		return;
	probe_run(&rq, &p->r);
	if (shareable)
		diag_cache_set_probe(d->cache, st.st_dev, p->single, &p->r);
}

/* Whether the probe went through to the end with a second ID, and chown
 * to it worked on a file and a directory with nothing else failing (the
 * probe check's verdict neither fail nor skip). */
static bool chown_proven(const struct facts *d)
{
	const struct probe_result *r = &d->probe.r;
	int xattr_err = r->step[PS_XATTR].done ? r->step[PS_XATTR].err : 0;

	return d->probe.plan == PROBE_RAN && !d->probe.single && !r->interrupted && !r->setup_stage &&
	       !r->timed_out && probe_failed_step(d) < 0 && !(xattr_err && d->m.force_mask.value) &&
	       r->step[PS_CHOWN_FILE].done && !r->step[PS_CHOWN_FILE].err && r->step[PS_CHOWN_DIR].done &&
	       !r->step[PS_CHOWN_DIR].err;
}

void gather_probe(struct facts *d)
{
	struct probe_fact *p = &d->probe;

	p->plan = plan(d, &p->dir, &p->budget_ms);
	if (p->plan == PROBE_RAN) {
		/* Without a usable multi-ID mapping, Podman's own fallback: one ID. */
		p->single = !d->rootful && (!d->ids.uid.n || !d->ids.gid.n || !d->newuidmap || !d->newgidmap);
		run(d);
		p->chown_proven = chown_proven(d);
	}
	d->gathered |= FACTS_PROBE;
}
