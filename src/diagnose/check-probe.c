/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The probe check: what the probe run on the graphroot's filesystem
 * (gather-probe.c) found, and what its errnos mean. A single mapping (no subordinate IDs, or no usable
 * newuidmap) makes chown fail with EINVAL whatever the filesystem; that is
 * charged to the ID checks, and only the steps that do not need a second
 * ID decide the filesystem's verdict.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "xalloc.h"

#define G_PROBE "Probe: what Podman does, done for real"

static struct json_object *steps_json(const struct probe_result *r)
{
	struct json_object *a = json_object_new_array();

	for (int s = 0; s < PS__COUNT; s++) {
		struct json_object *o = json_object_new_object();
		const struct probe_step_result *sr = &r->step[s];

		json_object_object_add(o, "id", json_object_new_string(probe_step_id(s)));
		json_object_object_add(o, "text", json_object_new_string(probe_step_text(s)));
		json_object_object_add(o, "ran", json_object_new_boolean(sr->done));
		json_object_object_add(o, "ok", json_object_new_boolean(sr->done && !sr->err));
		json_object_object_add(o, "errno", sr->done && sr->err ? json_object_new_string(errno_name(sr->err))
								       : sr->begun && !sr->done
										 ? json_object_new_string("ETIMEDOUT")
										 : NULL);
		json_object_object_add(o, "message", sr->done && sr->err ? json_object_new_string(strerror(sr->err))
									 : NULL);
		json_object_array_add(a, o);
	}
	return a;
}

/* The probe could not make its directory where the graphroot is or would
 * be. Name the graphroot when it does not exist yet, as Podman's "mkdir
 * /x/y: permission denied" names the directory it could not make, not only
 * the existing one it tried to make it in. */
static struct finding *mkdir_failure(const struct facts *d, struct findings *out, const struct probe_result *r,
				   const char *dir)
{
	struct finding *c;

	if (!d->fs_graphroot.exists)
		c = finding_add(out, "probe", G_PROBE, NF_FAIL, "cannot create the graphroot %s: %s in %s",
				d->m.graphroot.value, errno_name(r->setup_err), dir);
	else
		c = finding_add(out, "probe", G_PROBE, NF_FAIL, "cannot create a directory in %s: %s", dir,
				errno_name(r->setup_err));
	finding_detail(c, "%s cannot create files where the graphroot is (or would be created), so "
			"Podman cannot either", d->user);
	remedy_move_graphroot(d, c);
	return c;
}

static struct finding *setup_failure(const struct facts *d, struct findings *out, const struct probe_result *r,
				   const char *dir)
{
	const char *st = r->setup_stage;
	struct finding *c;

	if (strcmp(st, "mkdir") == 0) {
		c = mkdir_failure(d, out, r, dir);
	} else if (strcmp(st, "unshare") == 0 && !d->userns_works) {
		c = finding_add(out, "probe", G_PROBE, NF_SKIP, "not run: no user namespace (see userns)");
	} else if (strcmp(st, "uid_map") == 0 || strcmp(st, "gid_map") == 0) {
		c = finding_add(out, "probe", G_PROBE, NF_FAIL, "mapping the namespace failed (%s): %s%s%s", st,
				errno_name(r->setup_err), r->setup_message ? ": " : "",
				r->setup_message ? r->setup_message : "");
		finding_detail(c, "Podman maps its namespace the same way and fails the same way");
		finding_remedy(c, "see the subids, newuidmap and newgidmap checks");
	} else {
		c = finding_add(out, "probe", G_PROBE, NF_SKIP, "could not start (%s): %s", st, nf_strerror(r->setup_err));
		out->incomplete = true;
	}
	finding_value_str(c, "setup_stage", st);
	finding_value_str(c, "setup_errno", errno_name(r->setup_err));
	return c;
}

/* Why the probe did not run, as the check; NULL when it ran. */
static struct finding *not_run(const struct facts *d, struct findings *out)
{
	const struct fsinfo *fi = &d->fs_graphroot;
	struct finding *c;

	switch (d->probe.plan) {
	case PROBE_NO_GRAPHROOT:
		return finding_add(out, "probe", G_PROBE, NF_SKIP, "no graphroot to test");
	case PROBE_NOT_ANSWERING:
		return finding_add(out, "probe", G_PROBE, NF_SKIP, "not run: %s does not answer (see filesystem.graphroot)",
				   fi->mountpoint ? fi->mountpoint : "the filesystem");
	case PROBE_UNREACHABLE:
		c = finding_add(out, "probe", G_PROBE, NF_FAIL, "%s cannot reach %s: %s", d->user, d->m.graphroot.value,
				errno_name(fi->resolve_err));
		finding_detail(c, "Podman, running as %s, cannot reach it either (see location)", d->user);
		return c;
	case PROBE_NO_TIME:
		return finding_add(out, "probe", G_PROBE, NF_SKIP, "not run: no time left");
	case PROBE_NO_DIR:
		return finding_add(out, "probe", G_PROBE, NF_SKIP, "not run: no directory to test in");
	case PROBE_RAN:
		break;
	}
	return NULL;
}

/* The probe ran out of time: which step hung, and what that means. */
static struct finding *timed_out(const struct facts *d, struct findings *out, const char *fs, int budget)
{
	const struct probe_result *r = &d->probe.r;
	struct finding *c;
	int stuck = -1;

	for (int s = 0; s < PS__COUNT; s++)
		if (r->step[s].begun && !r->step[s].done)
			stuck = s;
	/* A server that answers everything but locks is not "not responding". */
	if (stuck == PS_LOCK && fsinfo_is_network(&d->fs_graphroot))
		c = finding_add(out, "probe", G_PROBE, NF_FAIL, "an fcntl lock on %s did not return (see nfs.locks)", fs);
	else
		c = finding_add(out, "probe", G_PROBE, NF_FAIL, "no answer from %s while trying to %s: server not responding",
				fs, stuck >= 0 ? probe_step_text(stuck) : "start");
	finding_detail(c, "the probe was stopped after %.1f s; Podman would hang there", budget / 1000.0);
	return c;
}

/* The verdict of a probe that ran to the end, user.* xattrs included. */
static struct finding *verdict(const struct facts *d, struct findings *out, const char *fs, bool single)
{
	const struct probe_result *r = &d->probe.r;
	int fail_step = probe_failed_step(d);
	int xattr_err = r->step[PS_XATTR].done ? r->step[PS_XATTR].err : 0;
	struct finding *c;

	if (fail_step >= 0) {
		int err = r->step[fail_step].err;

		c = finding_add(out, "probe", G_PROBE, NF_FAIL, "%s on %s: %s (%s)", probe_step_text(fail_step), fs,
				errno_name(err), strerror(err));
		if (fail_step == PS_SYMLINK)
			finding_detail(c, "Podman creates every symbolic link of every layer it unpacks; here it fails "
					"with \"symlink ...: %s\"", strerror(err));
		else if (fail_step == PS_LOCK)
			finding_detail(c, "containers-storage takes fcntl locks in the graphroot; %s", err == ENOLCK
					? "the NFS lock manager (lockd, statd) does not answer"
					: "they fail here");
		else if (fsinfo_is_network(&d->fs_graphroot))
			finding_detail(c, "on %s the server checks ownership and permissions itself and ignores the "
					"user namespace: this is the failure Podman reports as \"lchown ...: operation "
					"not permitted\" or \"setting up pivot dir: permission denied\"",
				     d->fs_graphroot.kind->label);
		remedy_move_graphroot(d, c);
	} else if (single) {
		c = finding_add(out, "probe", G_PROBE, NF_WARN,
				"%s allows what one ID can do; chown to a second ID was not tested (no %s)", fs,
				!d->ids.uid.n || !d->ids.gid.n ? "subordinate IDs" : "usable newuidmap/newgidmap");
	} else if (diag_ignore_chown(d) && (r->step[PS_CHOWN_FILE].err || r->step[PS_CHOWN_DIR].err)) {
		c = finding_add(out, "probe", G_PROBE, NF_WARN, "chown to a subordinate ID is refused on %s (%s); "
				"ignore_chown_errors hides it", fs, errno_name(r->step[PS_CHOWN_FILE].err));
		finding_detail(c, "images unpack, but every file belongs to you: no separation between users in "
				"the container");
	} else if (r->chown_ignored) {
		c = finding_add(out, "probe", G_PROBE, NF_WARN, "chown to a subordinate ID is accepted on %s, but the file "
				"keeps its owner", fs);
		finding_detail(c, "images unpack and run, but every file in them belongs to you, which is root in "
				"the container: a program that checks who owns its files (sshd, PostgreSQL) refuses");
		remedy_move_graphroot(d, c);
	} else {
		c = finding_add(out, "probe", G_PROBE, NF_OK, "chown into subordinate IDs works on %s", fs);
	}
	if (xattr_err && c->status != NF_FAIL) {
		if (d->m.force_mask.value) {
			c->status = NF_FAIL;
			finding_detail(c, "force_mask is set, and it keeps ownership in user.* xattrs, which %s refuses (%s)",
				       fs, errno_name(xattr_err));
		} else {
			finding_detail(c, "user.* xattrs are refused (%s): force_mask could not be used here",
				       errno_name(xattr_err));
		}
	}
	return c;
}

/* Every step's outcome, the clean-up, and the values, whatever the verdict. */
static void probe_values(struct finding *c, const struct probe_result *r, const char *dir, bool single)
{
	for (int s = 0; s < PS__COUNT; s++)
		if (r->step[s].done)
			finding_detail(c, "  %-62s %s", probe_step_text(s), r->step[s].err ? errno_name(r->step[s].err) : "ok");
		else if (r->step[s].begun)
			finding_detail(c, "  %-62s %s", probe_step_text(s), "no answer");
	if (r->leftovers_removed)
		finding_detail(c, "removed %d directory left by an earlier run that was killed", r->leftovers_removed);
	if (r->scratch && !r->scratch_removed)
		finding_detail(c, "could not remove %s; the next run removes it", r->scratch);
	finding_value_str(c, "directory", dir);
	finding_value_str(c, "scratch", r->scratch);
	finding_value_str(c, "mapping", single ? "single: 0 -> your ID only" : r->mapping);
	finding_value_bool(c, "single_mapping", single);
	finding_value(c, "steps", steps_json(r));
	finding_value_bool(c, "chown_ignored", r->chown_ignored);
	finding_value_bool(c, "timed_out", r->timed_out);
	finding_value_int(c, "leftovers_removed", r->leftovers_removed);
	finding_value_bool(c, "left_behind", r->scratch && !r->scratch_removed);
}

void check_probe(const struct facts *d, struct findings *out)
{
	const struct fsinfo *fi = &d->fs_graphroot;
	const struct probe_result *r = &d->probe.r;
	const char *fs = fi->fstype ? fi->fstype : "the filesystem";
	bool single = d->probe.single;
	struct finding *c;

	if (not_run(d, out))
		return;
	if (r->interrupted)
		c = finding_add(out, "probe", G_PROBE, NF_SKIP, "interrupted");
	else if (r->setup_stage && !r->timed_out)
		c = setup_failure(d, out, r, d->probe.dir);
	else if (r->timed_out)
		c = timed_out(d, out, fs, d->probe.budget_ms);
	else
		c = verdict(d, out, fs, single);
	probe_values(c, r, d->probe.dir, single);
}
