/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Facts: a local directory to move the graphroot to, for the remedy of a
 * graphroot on the wrong filesystem (remedy_move_graphroot). Looked for
 * only where the facts gathered so far say the graphroot may have to move,
 * and at most once: a healthy run looks at nothing more.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "fsx.h"
#include "util.h"
#include "xalloc.h"

/* The site policy names where the graphroot goes: nothing to look for. */
static bool policy_says(const struct facts *d)
{
	const struct policy *p = d->policy;
	const char *home = userenv_get(&d->t.env, "HOME");
	char *path;

	if (!p || p->remedy == POLICY_REMEDY_NONE)
		return false;
	path = policy_expand(p->remedy == POLICY_REMEDY_IMAGE ? p->image : p->graphroot, d->user, d->t.env.uid,
			     home ? home : "");
	free(path);
	return path != NULL;
}

void facts_look_for_move(struct facts *d)
{
	const char *bases[] = {"/var/tmp", "/tmp"};
	struct fsx x = facts_fsx(d);

	if (d->move_looked)
		return;
	d->move_looked = true;
	if (policy_says(d))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(bases) && !d->move_to; i++) {
		struct fsinfo fi;
		bool local;

		fsinfo_get(&fi, bases[i], &x);
		local = fi.statfs_err == 0 && !fsinfo_is_network(&fi) && fi.kind->family == FSF_LOCAL &&
			strcmp(fi.fstype ? fi.fstype : "", "tmpfs") != 0;
		fsinfo_free(&fi);
		if (local)
			d->move_to = xasprintf("%s/%s/containers/storage", bases[i], d->user);
	}
}

/* The filesystem checks and the probe's verdict move the graphroot when
 * these facts say so; the start-up decisions look for themselves
 * (gather_startup). More often than needed is a lookup too many, never a
 * wrong remedy. */
void gather_move(struct facts *d)
{
	const struct fsinfo *fi = &d->fs_graphroot;
	const struct probe_result *r = &d->probe.r;
	/* fs_check's failures, but for a server not answering (no remedy then);
	 * a graphroot that does not exist yet is no failure. */
	bool fs = fi->path && (fsinfo_is_network(fi) || (fi->resolve_err && fi->resolve_err != ENOENT) || fi->ro ||
			       fi->noexec);
	bool probe = false;

	/* check_probe's: the probe could not make its directory, or a step failed. */
	if (facts_probe_ran(d) && !r->interrupted && !r->timed_out)
		probe = r->setup_stage ? strcmp(r->setup_stage, "mkdir") == 0
				       : probe_failed_step(d) >= 0 || r->chown_ignored;

	if (d->model_ok && d->m.graphroot.value && (fs || probe))
		facts_look_for_move(d);
	d->gathered |= FACTS_MOVE;
}
