/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The storage checks: the configuration, the filesystem under each place
 * Podman writes or reads, and the hazards of where a local graphroot sits.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "goexpand.h"
#include "report.h"
#include "quote.h"
#include "util.h"
#include "xalloc.h"

#define G_CONFIG "Configuration"
#define G_FS "Filesystems"
#define G_LOCATION "Location of the graphroot"

/* Whether problem P is the error that made the configuration fatal, which
 * the summary already says: a broken file is reported once. */
static bool repeats_fatal(const struct model *m, const struct problem *p)
{
	return m->fatal && m->fatal_message && problem_says(p, m->fatal_message);
}

/* The remedy for a fatal configuration: the summary names the file and line
 * when the error has them; otherwise 'nfscheck config' shows where each
 * value comes from. */
static void remedy_fatal(const struct facts *d, struct finding *c)
{
	for (size_t i = 0; i < d->m.problems.n; i++) {
		const struct problem *p = &d->m.problems.v[i];

		if (p->file && p->line && repeats_fatal(&d->m, p)) {
			finding_remedy(c, "correct the file and line named above; 'nfscheck config' shows every problem");
			return;
		}
	}
	finding_remedy(c, "'nfscheck config' shows where each value comes from, and every problem");
}

void check_configuration(const struct facts *d, struct findings *out)
{
	struct finding *c;
	size_t errors, warnings;
	char *origin;

	if (!d->model_ok) {
		finding_add(out, "config", G_CONFIG, NF_FAIL, "could not work out the storage configuration");
		return;
	}
	errors = problem_count(&d->m.problems, PR_ERROR);
	warnings = problem_count(&d->m.problems, PR_WARNING) - errors;
	origin = origin_text(&d->m.graphroot.origin);
	if (d->m.fatal) {
		c = finding_add(out, "config", G_CONFIG, NF_FAIL, "Podman refuses this configuration: %s",
				d->m.fatal_message);
		remedy_fatal(d, c);
	} else if (errors) {
		c = finding_add(out, "config", G_CONFIG, NF_FAIL, "%zu error%s in the storage configuration", errors,
				errors == 1 ? "" : "s");
		finding_remedy(c, "correct the files and lines named below");
	} else {
		c = finding_add(out, "config", G_CONFIG, warnings ? NF_WARN : NF_OK, "driver %s, graphroot %s (%s)",
				d->m.driver.value ? d->m.driver.value : "(none)",
				d->m.graphroot.value ? d->m.graphroot.value : "(none)", origin);
	}
	for (size_t i = 0; i < d->m.problems.n; i++) {
		const struct problem *p = &d->m.problems.v[i];

		if (p->severity == PR_NOTE || repeats_fatal(&d->m, p))
			continue;
		if (p->file && p->line)
			finding_detail(c, "%s:%u: %s: %s", p->file, p->line, problem_severity_name(p->severity), p->message);
		else
			finding_detail(c, "%s%s%s: %s", p->file ? p->file : "", p->file ? ": " : "",
				       problem_severity_name(p->severity), p->message);
	}
	for (size_t i = 0; i < d->m.nnotes; i++)
		finding_detail(c, "%s", d->m.notes[i]);
	finding_value_str(c, "graphroot", d->m.graphroot.value);
	finding_value_str(c, "graphroot_origin", origin);
	finding_value_str(c, "runroot", d->m.runroot.value);
	finding_value_str(c, "driver", d->m.driver.value);
	finding_value(c, "problems", json_problems(&d->m.problems));
	free(origin);
}

/* Values every filesystem check reports. */
/* What mountinfo says of an NFS mount, as the "nfs" value of a check. */
struct json_object *nfs_mount_json(const struct fsinfo *fi)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "server", fi->server ? json_object_new_string(fi->server) : NULL);
	json_object_object_add(o, "export", fi->export ? json_object_new_string(fi->export) : NULL);
	json_object_object_add(o, "addr", fi->addr ? json_object_new_string(fi->addr) : NULL);
	json_object_object_add(o, "vers", fi->vers ? json_object_new_string(fi->vers) : NULL);
	json_object_object_add(o, "proto", fi->proto ? json_object_new_string(fi->proto) : NULL);
	json_object_object_add(o, "sec", fi->sec ? json_object_new_string(fi->sec) : NULL);
	json_object_object_add(o, "hard", json_object_new_boolean(!fi->soft));
	json_object_object_add(o, "local_lock", fi->local_lock ? json_object_new_string(fi->local_lock) : NULL);
	json_object_object_add(o, "nolock", json_object_new_boolean(fi->nolock));
	return o;
}

static void fs_values(struct finding *c, const struct fsinfo *fi)
{
	char magic[16];

	finding_value_str(c, "path", fi->path);
	finding_value_str(c, "resolved", fi->resolved);
	finding_value_bool(c, "exists", fi->exists);
	finding_value_str(c, "mountpoint", fi->mountpoint);
	finding_value_str(c, "fstype", fi->fstype);
	finding_value_str(c, "source", fi->source);
	finding_value_str(c, "family", fi->kind ? fs_family_name(fi->kind->family) : NULL);
	finding_value_str(c, "options", fi->vfs_options);
	finding_value_str(c, "fs_options", fi->fs_options);
	if (fi->autofs)
		finding_value_str(c, "autofs", fi->autofs);
	if (fi->kind && strcmp(fi->kind->name, "nfs") == 0)
		finding_value(c, "nfs", nfs_mount_json(fi));
	if (fi->statfs_err == 0) {
		snprintf(magic, sizeof(magic), "0x%X", fi->magic);
		finding_value_str(c, "statfs_magic", magic);
		finding_value_str(c, "statfs_type", fi->magic_kind ? fi->magic_kind->name : NULL);
	}
	finding_value_bool(c, "responding", fi->statfs_err != NF_EDEADLINE);
	finding_value_str(c, "statfs_errno", fi->statfs_err ? errno_name(fi->statfs_err) : NULL);
}

char *diag_user_flag(const struct facts *d)
{
	char *q;
	char *s;

	if (!d->t.as)
		return xstrdup("");
	q = shell_quote(d->user);
	s = xasprintf(" --user %s", q);
	free(q);
	return s;
}

/* The site policy's remedy (policy.h), when it has one; false otherwise. */
static bool remedy_from_policy(const struct facts *d, struct finding *c, const char *uf)
{
	const struct policy *p = d->policy;
	const char *home = userenv_get(&d->t.env, "HOME");
	bool image = p && p->remedy == POLICY_REMEDY_IMAGE;
	char *path, *q;

	if (!p || p->remedy == POLICY_REMEDY_NONE)
		return false;
	path = policy_expand(image ? p->image : p->graphroot, d->user, d->t.env.uid, home ? home : "");
	if (!path)
		return false;
	q = shell_quote(path);
	if (image) {
		finding_remedy(c, "the site policy (%s): give the store its own XFS filesystem in the image %s (%s)",
			       p->file, path, p->image_size);
		finding_fix(c, FIX_STORAGE, "%snfscheck fix --image %s --size %s%s", d->t.as ? "sudo " : "", q,
			    p->image_size, uf);
	} else {
		finding_remedy(c, "the site policy (%s): point the graphroot at %s", p->file, path);
		finding_fix(c, FIX_STORAGE, "%snfscheck fix --graphroot %s%s%s", d->t.as ? "sudo " : "", q,
			    p->tmpfiles == 1 ? " --tmpfiles" : "", uf);
	}
	free(q);
	free(path);
	return true;
}

void remedy_move_graphroot(const struct facts *d, struct finding *c)
{
	const char *local;
	char *uf = diag_user_flag(d);

	if (remedy_from_policy(d, c, uf)) {
		free(uf);
		return;
	}
	/* gather_move looked for it, when the facts said it may be needed. */
	local = d->move_to;
	if (local) {
		char *q = shell_quote(local);

		finding_remedy(c, "point the graphroot at a local disk (%s), or give the store its own XFS "
				"filesystem in an image: nfscheck fix --image FILE --size SIZE%s", local, uf);
		finding_fix(c, FIX_STORAGE, "%snfscheck fix --graphroot %s%s", d->t.as ? "sudo " : "", q, uf);
		free(q);
	} else {
		finding_remedy(c, "no local directory found for it: give the store its own XFS filesystem in "
				"an image on a local disk with 'nfscheck fix --image FILE --size SIZE%s'", uf);
	}
	free(uf);
}

/* The check of place ID, WHAT, on the filesystem FI (a fact). ON_NETWORK:
 * what a network filesystem here means (NF_OK for read-only use). */
static void fs_check(const struct facts *d, struct findings *out, const char *id, const char *what,
		     const struct fsinfo *fi, enum nf_status on_network)
{
	bool writable = on_network != NF_OK, graphroot = strcmp(id, "filesystem.graphroot") == 0;
	const char *path = fi->path;
	bool failed_as_network;
	struct finding *c;
	char *desc;

	if (!path)
		return;
	desc = fsinfo_describe(fi);
	if (fi->statfs_err == NF_EDEADLINE) {
		c = finding_add(out, id, G_FS, NF_FAIL, "%s: server not responding (%s)", what, desc);
		finding_detail(c, "%s is on %s, which did not answer within the deadline; everything Podman "
				"does there will hang", path, fi->mountpoint ? fi->mountpoint : "its mount");
		finding_remedy(c, "bring the server back, or move the storage off it");
	} else if (fsinfo_is_network(fi) && writable) {
		bool squash = graphroot && diag_ignore_chown(d);

		c = finding_add(out, id, G_FS, squash ? NF_WARN : on_network, "%s is on %s: %s", what,
				fi->kind->family == FSF_NETWORK ? fi->kind->label : fi->magic_kind->label, desc);
		finding_detail(c, "on %s the server decides ownership and knows nothing of user namespaces: "
				"a chown to a subordinate UID is refused", fi->kind->label);
		if (squash)
			finding_detail(c, "ignore_chown_errors is set: Podman ignores the refusals and every file "
					"in every image is owned by you");
	} else if (fsinfo_is_network(fi)) {
		c = finding_add(out, id, G_FS, NF_OK, "%s is on %s (read-only use is fine)", what, desc);
	} else if (fi->resolve_err && fi->resolve_err != ENOENT) {
		c = finding_add(out, id, G_FS, writable ? NF_FAIL : NF_WARN, "%s: %s cannot reach %s: %s (on %s)", what,
				d->user, path, errno_name(fi->resolve_err), desc);
	} else if (fi->statfs_err && fi->statfs_err != ENOENT) {
		c = finding_add(out, id, G_FS, NF_WARN, "%s: statfs failed: %s", what, nf_strerror(fi->statfs_err));
	} else {
		c = finding_add(out, id, G_FS, NF_OK, "%s is on %s", what, desc);
	}
	if (c->status != NF_FAIL && writable && (fi->ro || fi->noexec)) {
		/* The summary names the cause, not only the filesystem type. */
		c->status = NF_FAIL;
		free(c->summary);
		c->summary = xasprintf("%s is on %s mounted %s: Podman %s", what, fi->mountpoint,
				       fi->ro ? "read-only" : "noexec",
				       fi->ro ? "cannot write its store" : "cannot run programs from images stored there");
		finding_detail(c, "%s is on %s", path, desc);
	} else if (c->status == NF_OK && writable && fi->nodev && graphroot) {
		c->status = NF_WARN;
		finding_detail(c, "%s is mounted nodev: device files in images will not work", fi->mountpoint);
	}
	if (fi->autofs)
		finding_detail(c, "below the automounter at %s", fi->autofs);
	if (!fi->exists && fi->existing)
		finding_detail(c, "%s does not exist yet; it would be created on the filesystem of %s", path, fi->existing);
	fs_values(c, fi);
	/* Failed only because the filesystem is a network one: a prediction. */
	failed_as_network = graphroot && c->status == NF_FAIL && fsinfo_is_network(fi) &&
			    fi->statfs_err != NF_EDEADLINE && !fi->ro && !fi->noexec;
	if (c->status == NF_FAIL && graphroot && fi->statfs_err != NF_EDEADLINE)
		remedy_move_graphroot(d, c);
	else if (c->status == NF_FAIL && strcmp(id, "filesystem.runroot") == 0)
		finding_remedy(c, "set XDG_RUNTIME_DIR to a local directory you own, mode 0700 (/run/user/%u "
				"from a systemd login)", (unsigned)d->t.env.uid);
	else if (c->status == NF_WARN && strcmp(id, "filesystem.tmpdir") == 0)
		finding_remedy(c, "export TMPDIR=/var/tmp (or another local directory) before pulling images");
	/* The probe did there what Podman does, and the server allowed it:
	 * what really happens overrules what the kind of filesystem predicts. */
	if (failed_as_network && d->probe.chown_proven) {
		c->status = NF_WARN;
		finding_detail(c, "but the probe did there what Podman does, and the server allowed it: see probe");
	}
	free(desc);
}

void check_filesystems(const struct facts *d, struct findings *out)
{
	if (!d->model_ok || !d->m.graphroot.value) {
		finding_add(out, "filesystem.graphroot", G_FS, NF_SKIP, "no graphroot to look at");
		return;
	}
	fs_check(d, out, "filesystem.graphroot", "graphroot", &d->fs_graphroot, NF_FAIL);
	fs_check(d, out, "filesystem.imagestore", "imagestore", &d->fs_imagestore, NF_FAIL);
	/* Read-only lower layers: a network filesystem is what they are for. */
	for (size_t i = 0; i < d->nfs_stores; i++)
		fs_check(d, out, "filesystem.additionalimagestores", "additional image store", &d->fs_stores[i], NF_OK);
	fs_check(d, out, "filesystem.runroot", "runroot", &d->fs_runroot, NF_FAIL);
	/* Pulls copy each layer through here first: slow on NFS, but no chown. */
	fs_check(d, out, "filesystem.tmpdir", "image copy directory", &d->fs_tmpdir, NF_WARN);
}

/* ---- location hazards of a local graphroot ---- */

/* The x line that keeps systemd-tmpfiles away from G, as a command to
 * paste: G is a user's path, quoted for tmpfiles.d inside the line and the
 * line quoted for the shell (printf, not echo: dash's echo eats
 * backslashes). */
static void remedy_tmpfiles(struct finding *c, const char *g, const char *user)
{
	char *line, *ql, *file, *qf, *tq;

	if (text_refusal(g) || text_refusal(user)) {
		finding_remedy(c, "exclude it with an x line in /etc/tmpfiles.d (see tmpfiles.d(5)); its name holds "
				"control characters, so no command to paste is given");
		return;
	}
	tq = tmpfiles_quote(g);
	line = xasprintf("x %s", tq);
	file = xasprintf("/etc/tmpfiles.d/nfscheck-%s.conf", user);
	ql = shell_quote(line);
	qf = shell_quote(file);
	finding_remedy(c, "exclude it: printf '%%s\\n' %s | sudo tee %s", ql, qf);
	free(tq);
	free(line);
	free(file);
	free(ql);
	free(qf);
}

/* DIR, on the way to the graphroot, that the user cannot pass through. */
static void report_blocked(const struct facts *d, struct finding *c, const struct blocked_dir *b)
{
	finding_worst(c, NF_FAIL);
	finding_detail(c, "%s cannot pass through %s (mode %04o, owner uid %u): %s", d->user, b->dir,
		       (unsigned)(b->st.st_mode & 07777), (unsigned)b->st.st_uid, errno_name(b->err));
	finding_remedy(c, "let %s through %s (chmod o+x, or a group it is in), or choose another graphroot",
		       d->user, b->dir);
	finding_value_str(c, "blocked_by", b->dir);
}

void check_location(const struct facts *d, struct findings *out)
{
	const char *g = d->model_ok ? d->m.graphroot.value : NULL;
	const struct location_fact *l = &d->location;
	struct finding *c;

	if (!g) {
		finding_add(out, "location", G_LOCATION, NF_SKIP, "no graphroot to look at");
		return;
	}
	c = finding_add(out, "location", G_LOCATION, NF_OK, "%s", g);
	if (d->fs_graphroot.path && fsinfo_is_network(&d->fs_graphroot)) {
		c->status = NF_SKIP;
		free(c->summary);
		c->summary = xasprintf("%s is on a network filesystem (see filesystem.graphroot)", g);
		return;
	}
	if (path_under(g, "/tmp") || path_under(g, "/var/tmp")) {
		const char *excl = l->tmpfiles_exclusion;

		if (excl) {
			finding_detail(c, "under %s, but excluded from ageing by %s", path_under(g, "/tmp") ? "/tmp" : "/var/tmp",
				       excl);
		} else {
			finding_worst(c, NF_WARN);
			finding_detail(c, "systemd-tmpfiles removes files in %s not used for %s; images will vanish",
				       path_under(g, "/tmp") ? "/tmp" : "/var/tmp", path_under(g, "/tmp") ? "10 days" : "30 days");
			if (d->policy && d->policy->tmpfiles == 0)
				finding_detail(c, "the site policy (%s) adds no tmpfiles exclusions", d->policy->file);
			else
				remedy_tmpfiles(c, g, d->user);
		}
		if (d->fs_graphroot.path && d->fs_graphroot.fstype && strcmp(d->fs_graphroot.fstype, "tmpfs") == 0) {
			finding_worst(c, NF_WARN);
			finding_detail(c, "%s is a tmpfs: the store is lost at every reboot", d->fs_graphroot.mountpoint);
		}
		finding_value_str(c, "tmpfiles_exclusion", excl);
	}
	for (size_t i = 0; i < l->nblocked; i++)
		report_blocked(d, c, &l->blocked[i]);
	if (l->selinux_enforcing) {
		char *dflt = xasprintf("%s/.local/share/containers", d->t.env.passwd_home ? d->t.env.passwd_home : "~");

		finding_value_bool(c, "selinux_enforcing", true);
		if (!path_under(g, dflt)) {
			finding_worst(c, NF_WARN);
			finding_detail(c, "SELinux is enforcing and the graphroot is not under %s, so its files "
					"may lack the container labels", dflt);
			/* A command to paste as root: the user's path is shell-quoted. */
			char *qd = shell_quote(dflt), *qg = shell_quote(g);

			if (text_refusal(g))
				finding_remedy(c, "label it like %s with semanage fcontext -e and restorecon (its name "
						"holds control characters, so no command to paste is given)", dflt);
			else
				finding_remedy(c, "sudo semanage fcontext -a -e %s %s && sudo restorecon -R -v %s", qd, qg,
					       qg);
			free(qd);
			free(qg);
		}
		free(dflt);
	}
	if (c->status == NF_OK && !c->detail)
		finding_detail(c, "a local directory, reachable by %s", d->user);
}
