/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The probe check: run the probe on the graphroot's filesystem and say
 * what its errnos mean. A single mapping (no subordinate IDs, or no usable
 * newuidmap) makes chown fail with EINVAL whatever the filesystem; that is
 * charged to the ID checks, and only the steps that do not need a second
 * ID decide the filesystem's verdict.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "diag-cache.h"
#include "diag.h"
#include "fsx.h"
#include "xalloc.h"

#define G_PROBE "Probe: what Podman does, done for real"

/* How long the probe may take, leaving time to clean up within --timeout. */
#define PROBE_MAX_MS 8000
#define PROBE_CLEANUP_MS 1200

static bool needs_second_id(enum probe_step s)
{
	return s == PS_CHOWN_FILE || s == PS_CHOWN_DIR;
}

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
static struct check *mkdir_failure(struct diag *d, const struct probe_result *r, const char *dir)
{
	struct check *c;

	if (!d->fs_graphroot.exists)
		c = diag_add(d, "probe", G_PROBE, CS_FAIL, "cannot create the graphroot %s: %s in %s",
			     d->m.graphroot.value, errno_name(r->setup_err), dir);
	else
		c = diag_add(d, "probe", G_PROBE, CS_FAIL, "cannot create a directory in %s: %s", dir,
			     errno_name(r->setup_err));
	check_detail(c, "%s cannot create files where the graphroot is (or would be created), so "
			"Podman cannot either", d->user);
	remedy_move_graphroot(d, c);
	return c;
}

static void setup_failure(struct diag *d, const struct probe_result *r, const char *dir)
{
	const char *st = r->setup_stage;
	struct check *c;

	if (strcmp(st, "mkdir") == 0) {
		c = mkdir_failure(d, r, dir);
	} else if (strcmp(st, "unshare") == 0 && !d->userns_works) {
		c = diag_add(d, "probe", G_PROBE, CS_SKIP, "not run: no user namespace (see userns)");
	} else if (strcmp(st, "uid_map") == 0 || strcmp(st, "gid_map") == 0) {
		c = diag_add(d, "probe", G_PROBE, CS_FAIL, "mapping the namespace failed (%s): %s%s%s", st,
			     errno_name(r->setup_err), r->setup_message ? ": " : "",
			     r->setup_message ? r->setup_message : "");
		check_detail(c, "Podman maps its namespace the same way and fails the same way");
		check_remedy(c, "see the subids, newuidmap and newgidmap checks");
	} else {
		c = diag_add(d, "probe", G_PROBE, CS_SKIP, "could not start (%s): %s", st, nf_strerror(r->setup_err));
		d->incomplete = true;
	}
	check_value_str(c, "setup_stage", st);
	check_value_str(c, "setup_errno", errno_name(r->setup_err));
}

/* Where the probe runs and for how long: NULL, with the check already
 * added, when it cannot run. */
static const char *probe_dir(struct diag *d, int *budget)
{
	const struct fsinfo *fi = &d->fs_graphroot;
	const char *dir;
	struct check *c;

	if (!d->model_ok || !d->have_fs_graphroot) {
		diag_add(d, "probe", G_PROBE, CS_SKIP, "no graphroot to test");
		return NULL;
	}
	if (fi->statfs_err == NF_EDEADLINE || fi->resolve_err == NF_EDEADLINE) {
		diag_add(d, "probe", G_PROBE, CS_SKIP, "not run: %s does not answer (see filesystem.graphroot)",
			 fi->mountpoint ? fi->mountpoint : "the filesystem");
		return NULL;
	}
	dir = fi->exists ? fi->resolved : fi->existing;
	*budget = guard_remaining_ms() - PROBE_CLEANUP_MS;
	if (*budget > PROBE_MAX_MS)
		*budget = PROBE_MAX_MS;
	if (!dir && fi->resolve_err) {
		c = diag_add(d, "probe", G_PROBE, CS_FAIL, "%s cannot reach %s: %s", d->user, d->m.graphroot.value,
			     errno_name(fi->resolve_err));
		check_detail(c, "Podman, running as %s, cannot reach it either (see location)", d->user);
		return NULL;
	}
	if (!dir || *budget < 500) {
		diag_add(d, "probe", G_PROBE, CS_SKIP, "not run: %s", dir ? "no time left" : "no directory to test in");
		return NULL;
	}
	return dir;
}

/* The probe as the user in DIR, with SINGLE the one-ID mapping. */
static void run_probe(struct diag *d, const char *dir, bool single, int budget)
{
	struct idranges none = {0};
	struct probe_request rq = {
		.dir = dir, .as = d->t.as, .uid = d->t.env.uid, .gid = d->t.env.gid,
		.uids = single ? &none : &d->ids.uid, .gids = single ? &none : &d->ids.gid,
		.newuidmap = d->newuidmap, .newgidmap = d->newgidmap, .no_userns = d->rootful,
		.timeout_ms = budget,
	};

	struct fsx x = {.as = d->t.as};
	struct stat st;
	bool shareable;

	/* Fleet: one probe per filesystem and mapping kind, in a directory its
	 * user owns and may write; a directory that is not this user's own is
	 * probed for this user alone. */
	shareable = d->cache && !d->rootful && fsx_stat(&x, dir, &st) == 0 && st.st_uid == d->t.env.uid &&
		    (st.st_mode & S_IRWXU) == S_IRWXU;
	if (shareable && diag_cache_probe(d->cache, st.st_dev, single, &d->probe)) {
		d->probe_ran = true;
		return;
	}
	probe_run(&rq, &d->probe);
	d->probe_ran = true;
	if (shareable)
		diag_cache_set_probe(d->cache, st.st_dev, single, &d->probe);
}

/* The probe ran out of time: which step hung, and what that means. */
static struct check *timed_out(struct diag *d, const char *fs, int budget)
{
	const struct probe_result *r = &d->probe;
	struct check *c;
	int stuck = -1;

	for (int s = 0; s < PS__COUNT; s++)
		if (r->step[s].begun && !r->step[s].done)
			stuck = s;
	/* A server that answers everything but locks is not "not responding". */
	if (stuck == PS_LOCK && fsinfo_is_network(&d->fs_graphroot))
		c = diag_add(d, "probe", G_PROBE, CS_FAIL, "an fcntl lock on %s did not return (see nfs.locks)", fs);
	else
		c = diag_add(d, "probe", G_PROBE, CS_FAIL, "no answer from %s while trying to %s: server not responding",
			     fs, stuck >= 0 ? probe_step_text(stuck) : "start");
	check_detail(c, "the probe was stopped after %.1f s; Podman would hang there", budget / 1000.0);
	return c;
}

/* The first step whose failure is the filesystem's, or -1. */
static int failed_step(struct diag *d, bool single)
{
	const struct probe_result *r = &d->probe;

	for (int s = 0; s < PS__COUNT; s++) {
		int err = r->step[s].err;

		if (!r->step[s].done || !err || s == PS_XATTR)
			continue;
		/* EINVAL: the target ID is not mapped, which says nothing of the filesystem. */
		if (needs_second_id(s) && (single || err == EINVAL))
			continue;
		if (needs_second_id(s) && err == EPERM && diag_ignore_chown(d))
			continue;
		return s;
	}
	return -1;
}

/* The verdict of a probe that ran to the end, user.* xattrs included. */
static struct check *verdict(struct diag *d, const char *fs, bool single)
{
	const struct probe_result *r = &d->probe;
	int fail_step = failed_step(d, single);
	int xattr_err = r->step[PS_XATTR].done ? r->step[PS_XATTR].err : 0;
	struct check *c;

	if (fail_step >= 0) {
		int err = r->step[fail_step].err;

		c = diag_add(d, "probe", G_PROBE, CS_FAIL, "%s on %s: %s (%s)", probe_step_text(fail_step), fs,
			     errno_name(err), strerror(err));
		if (fail_step == PS_SYMLINK)
			check_detail(c, "Podman creates every symbolic link of every layer it unpacks; here it fails "
					"with \"symlink ...: %s\"", strerror(err));
		else if (fail_step == PS_LOCK)
			check_detail(c, "containers-storage takes fcntl locks in the graphroot; %s", err == ENOLCK
					? "the NFS lock manager (lockd, statd) does not answer"
					: "they fail here");
		else if (fsinfo_is_network(&d->fs_graphroot))
			check_detail(c, "on %s the server checks ownership and permissions itself and ignores the "
					"user namespace: this is the failure Podman reports as \"lchown ...: operation "
					"not permitted\" or \"setting up pivot dir: permission denied\"",
				     d->fs_graphroot.kind->label);
		remedy_move_graphroot(d, c);
	} else if (single) {
		c = diag_add(d, "probe", G_PROBE, CS_WARN,
			     "%s allows what one ID can do; chown to a second ID was not tested (no %s)", fs,
			     !d->ids.uid.n || !d->ids.gid.n ? "subordinate IDs" : "usable newuidmap/newgidmap");
	} else if (diag_ignore_chown(d) && (r->step[PS_CHOWN_FILE].err || r->step[PS_CHOWN_DIR].err)) {
		c = diag_add(d, "probe", G_PROBE, CS_WARN, "chown to a subordinate ID is refused on %s (%s); "
			     "ignore_chown_errors hides it", fs, errno_name(r->step[PS_CHOWN_FILE].err));
		check_detail(c, "images unpack, but every file belongs to you: no separation between users in "
				"the container");
	} else if (r->chown_ignored) {
		c = diag_add(d, "probe", G_PROBE, CS_WARN, "chown to a subordinate ID is accepted on %s, but the file "
			     "keeps its owner", fs);
		check_detail(c, "images unpack and run, but every file in them belongs to you, which is root in "
				"the container: a program that checks who owns its files (sshd, PostgreSQL) refuses");
		remedy_move_graphroot(d, c);
	} else {
		c = diag_add(d, "probe", G_PROBE, CS_OK, "chown into subordinate IDs works on %s", fs);
	}
	if (xattr_err && c->status != CS_FAIL) {
		if (d->m.force_mask.value) {
			c->status = CS_FAIL;
			check_detail(c, "force_mask is set, and it keeps ownership in user.* xattrs, which %s refuses (%s)",
				     fs, errno_name(xattr_err));
		} else {
			check_detail(c, "user.* xattrs are refused (%s): force_mask could not be used here",
				     errno_name(xattr_err));
		}
	}
	return c;
}

/* Every step's outcome, the clean-up, and the values, whatever the verdict. */
static void probe_values(struct check *c, const struct probe_result *r, const char *dir, bool single)
{
	for (int s = 0; s < PS__COUNT; s++)
		if (r->step[s].done)
			check_detail(c, "  %-62s %s", probe_step_text(s), r->step[s].err ? errno_name(r->step[s].err) : "ok");
		else if (r->step[s].begun)
			check_detail(c, "  %-62s %s", probe_step_text(s), "no answer");
	if (r->leftovers_removed)
		check_detail(c, "removed %d directory left by an earlier run that was killed", r->leftovers_removed);
	if (r->scratch && !r->scratch_removed)
		check_detail(c, "could not remove %s; the next run removes it", r->scratch);
	check_value_str(c, "directory", dir);
	check_value_str(c, "scratch", r->scratch);
	check_value_str(c, "mapping", single ? "single: 0 -> your ID only" : r->mapping);
	check_value_bool(c, "single_mapping", single);
	check_value(c, "steps", steps_json(r));
	check_value_bool(c, "chown_ignored", r->chown_ignored);
	check_value_bool(c, "timed_out", r->timed_out);
	check_value_int(c, "leftovers_removed", r->leftovers_removed);
	check_value_bool(c, "left_behind", r->scratch && !r->scratch_removed);
}

/*
 * filesystem.graphroot predicts from the filesystem's kind that a network
 * filesystem refuses chown to subordinate IDs. The probe has just done
 * what Podman does there; when it got through, the prediction was wrong
 * for this mount (a server that allows it, or a CIFS mount that accepts and
 * ignores it) and only a warning is left of it.
 */
static void overrule_prediction(struct diag *d, const struct check *probe, bool single)
{
	const struct probe_result *r = &d->probe;

	if (!d->graphroot_failed_as_network || single || probe->status == CS_FAIL || probe->status == CS_SKIP ||
	    !r->step[PS_CHOWN_FILE].done || r->step[PS_CHOWN_FILE].err || !r->step[PS_CHOWN_DIR].done ||
	    r->step[PS_CHOWN_DIR].err)
		return;
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->v[i].id, "filesystem.graphroot") == 0 && d->v[i].status == CS_FAIL) {
			d->v[i].status = CS_WARN;
			check_detail(&d->v[i], "but the probe did there what Podman does, and the server allowed "
					       "it: see probe");
		}
}

void check_probe(struct diag *d)
{
	const struct fsinfo *fi = &d->fs_graphroot;
	const struct probe_result *r = &d->probe;
	const char *fs = fi->fstype ? fi->fstype : "the filesystem";
	const char *dir;
	struct check *c;
	int budget = 0;
	bool single;

	if (!(dir = probe_dir(d, &budget)))
		return;
	/* Without a usable multi-ID mapping, Podman's own fallback: one ID. */
	single = !d->rootful && (!d->ids.uid.n || !d->ids.gid.n || !d->newuidmap || !d->newgidmap);
	run_probe(d, dir, single, budget);
	if (r->interrupted) {
		c = diag_add(d, "probe", G_PROBE, CS_SKIP, "interrupted");
	} else if (r->setup_stage && !r->timed_out) {
		setup_failure(d, r, dir);
		c = &d->v[d->n - 1];
	} else if (r->timed_out) {
		c = timed_out(d, fs, budget);
	} else {
		c = verdict(d, fs, single);
		overrule_prediction(d, c, single);
	}
	probe_values(c, r, dir, single);
}
