/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Subordinate IDs and the helpers that map them. No range at all is its
 * own cause (Podman falls back to one ID, and images with several owners
 * fail), and a newuidmap that is neither setuid nor given file capabilities
 * is another; neither is a filesystem problem.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag-cache.h"
#include "diag.h"
#include "ids-plan.h"
#include "localwalk.h"
#include "xalloc.h"

#define G_IDS "Subordinate IDs"

/* Whether /etc/os-release (gather_idmap_tools) says this is Debian or derived from it. */
static bool debian(const struct facts *d)
{
	return strstr(d->os_id, "debian") || strstr(d->os_id, "ubuntu") || strstr(d->os_like, "debian");
}

/* How to install a package here, from /etc/os-release. */
static char *install_cmd(const struct facts *d, const char *debian_pkg, const char *fedora_pkg, const char *other_pkg)
{
	const char *id = d->os_id, *like = d->os_like;
	const char *tool = NULL;

	if (debian(d))
		return xasprintf("sudo apt-get install %s", debian_pkg);
	if (strstr(id, "fedora") || strstr(id, "rhel") || strstr(id, "centos") || strstr(like, "fedora") ||
	    strstr(like, "rhel"))
		return xasprintf("sudo dnf install %s", fedora_pkg);
	if (strstr(id, "suse") || strstr(like, "suse"))
		tool = "sudo zypper install";
	else if (strstr(id, "arch"))
		tool = "sudo pacman -S";
	return tool ? xasprintf("%s %s", tool, other_pkg) : NULL;
}

/* Ranges that overlap another user's, or include the user's own ID. */
static void check_overlaps(const struct facts *d, struct finding *c, const char *name)
{
	const struct subids *s = &d->ids;

	for (int which = 0; which < 2; which++) {
		const struct idranges *r = which ? &s->gid : &s->uid;

		for (size_t i = 0; i < r->n; i++) {
			const struct subid_entry *o = subids_overlap(&s->files[which], &r->v[i], name, d->t.env.uid);

			if (o) {
				c->status = NF_FAIL;
				finding_detail(c, "%s range %lu-%lu overlaps %s's range %lu-%lu (%s:%u): containers of "
						"both users can read and write each other's files",
					     which ? "GID" : "UID", r->v[i].start, subid_last(r->v[i].start, r->v[i].count),
					     o->owner, o->start, subid_last(o->start, o->count), s->files[which].path, o->line);
				finding_remedy(c, "give each user a range of its own in %s", s->files[which].path);
			}
			if (!which && r->v[i].count && d->t.env.uid >= r->v[i].start &&
			    d->t.env.uid <= subid_last(r->v[i].start, r->v[i].count)) {
				c->status = NF_FAIL;
				finding_detail(c, "the UID range %lu-%lu includes %s's own UID %u; newuidmap refuses it",
					       r->v[i].start, subid_last(r->v[i].start, r->v[i].count), name,
					       (unsigned)d->t.env.uid);
			}
		}
	}
}

static struct json_object *ranges_json(const struct idranges *r)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < r->n; i++) {
		struct json_object *o = json_object_new_object();

		/* No real range reaches INT64_MAX; a line that claims to is not shown negative. */
		json_object_object_add(o, "start", json_object_new_int64(r->v[i].start > INT64_MAX ? INT64_MAX
											    : (int64_t)r->v[i].start));
		json_object_object_add(o, "count", json_object_new_int64(r->v[i].count > INT64_MAX ? INT64_MAX
											    : (int64_t)r->v[i].count));
		json_object_array_add(a, o);
	}
	return a;
}

/* The first ID of the COUNT proposed to NAME: planned with every other user
 * short of IDs (ids-plan.h), so that no two are told to take the same. */
static unsigned long proposed_start(const struct facts *d, const char *name, unsigned long count)
{
	const struct ids_plan *plan = diag_cache_ids_plan(d->cache);
	struct ids_plan *own = NULL;
	unsigned long start;

	if (!plan)
		plan = own = ids_plan_make(d->ids.files, d->policy, NULL, 0);
	start = ids_plan_start(plan, name, d->t.env.uid, count);
	ids_plan_free(own);
	return start;
}

/* Fewer IDs than the site policy's [subids] minimum: a range of that size more. */
static void below_policy(const struct facts *d, struct finding *c, const char *name)
{
	unsigned long want = d->policy->min_subids, start = 0;
	char *q = shell_quote(name);

	finding_detail(c, "%s sets [subids] minimum = %lu", d->policy->file, want);
	if (strcmp(d->ids.backend, "files") == 0)
		start = proposed_start(d, name, want);
	if (!start) {
		finding_remedy(c, "give %s a range of %lu subordinate UIDs and GIDs, then run 'podman system migrate'",
			       name, want);
	} else {
		finding_remedy(c, "add a range of %lu subordinate UIDs and GIDs, then run 'podman system migrate'", want);
		finding_fix(c, FIX_SUBIDS, "sudo usermod --add-subuids %lu-%lu --add-subgids %lu-%lu %s", start,
			    start + want - 1, start, start + want - 1, q);
		finding_fix(c, FIX_AFTER, "podman system migrate");
	}
	free(q);
}

void check_subids(const struct facts *d, struct findings *out)
{
	const char *name = d->t.env.user ? d->t.env.user : d->user;
	const struct subids *s = &d->ids;
	struct finding *c;
	unsigned long tu, tg;
	bool own_line_broken = false;

	if (d->rootful) {
		finding_add(out, "subids", G_IDS, NF_SKIP, "root maps every ID; no subordinate range is needed");
		return;
	}
	tu = idranges_total(&s->uid);
	tg = idranges_total(&s->gid);
	if (!s->uid.n || !s->gid.n) {
		unsigned long start = strcmp(s->backend, "files") == 0 ? proposed_start(d, name, SUBID_RECOMMENDED) : 0;
		char *q = shell_quote(name);

		c = finding_add(out, "subids", G_IDS, NF_FAIL, "no subordinate %s range for %s",
				!s->uid.n && !s->gid.n ? "UID or GID" : !s->uid.n ? "UID" : "GID", name);
		finding_detail(c, "Podman falls back to a single mapping: only your own ID exists in the namespace, "
				"and any image whose files have other owners fails to unpack (\"potentially "
				"insufficient UIDs or GIDs\"); this is not a filesystem problem");
		if (s->lib_err)
			finding_detail(c, "libsubid could not be loaded: %s", s->lib_err);
		else if (s->uid.failed || s->gid.failed)
			finding_detail(c, "libsubid reported an error from the '%s' backend", s->backend);
		if (s->lib_err)
			/* The ranges are unknown, not missing: usermod would add a second one. */
			finding_remedy(c, "install libsubid (Debian's libsubid4), which nfscheck asks, as Podman does, "
					  "for the ranges; then run nfscheck again");
		else if (strcmp(s->backend, "files") != 0)
			finding_remedy(c, "ask the administrator of the '%s' subid backend for a range of %d IDs "
					"for %s, then run 'podman system migrate'", s->backend, SUBID_RECOMMENDED, name);
		else if (!start) {
			finding_remedy(c, "give %s a range of %d subordinate UIDs and GIDs, then run 'podman system "
					"migrate'; no free range of that size is left below %lu in /etc/subuid and "
					"/etc/subgid", name, SUBID_RECOMMENDED, SUBID_MAX);
		} else {
			finding_remedy(c, "give %s a range of %d subordinate UIDs and GIDs, then run 'podman system "
					"migrate'", name, SUBID_RECOMMENDED);
			finding_fix(c, FIX_SUBIDS, "sudo usermod --add-subuids %lu-%lu --add-subgids %lu-%lu %s", start,
				    start + SUBID_RECOMMENDED - 1, start, start + SUBID_RECOMMENDED - 1, q);
			/* Podman's own state: run by the user, not by root acting for them. */
			if (d->t.as)
				finding_fix(c, FIX_AFTER, "runuser -u %s -- podman system migrate", q);
			else
				finding_fix(c, FIX_AFTER, "podman system migrate");
		}
		free(q);
	} else if (d->policy && d->policy->min_subids && (tu < d->policy->min_subids || tg < d->policy->min_subids)) {
		below_policy(d, c = finding_add(out, "subids", G_IDS, NF_FAIL, "%lu subordinate UIDs and %lu GIDs for %s: "
						"the site policy asks for %lu", tu, tg, name, d->policy->min_subids), name);
	} else if (tu < SUBID_RECOMMENDED || tg < SUBID_RECOMMENDED) {
		c = finding_add(out, "subids", G_IDS, NF_WARN, "%lu subordinate UIDs and %lu GIDs for %s (fewer than %d)",
				tu, tg, name, SUBID_RECOMMENDED);
		finding_detail(c, "an image whose files belong to an ID above the range fails to unpack");
		finding_remedy(c, "widen the range to %d IDs, then run 'podman system migrate'", SUBID_RECOMMENDED);
	} else {
		c = finding_add(out, "subids", G_IDS, NF_OK, "%lu subordinate UIDs and %lu GIDs for %s (from %s)", tu, tg,
				s->uid.asked, s->backend);
	}
	check_overlaps(d, c, name);
	for (size_t i = 0; i < s->problems.n; i++) {
		const struct problem *p = &s->problems.v[i];

		finding_detail(c, "%s:%u: %s (%s)", p->file, p->line, p->message, p->podman);
		own_line_broken = true;
	}
	if (own_line_broken && c->status == NF_OK)
		c->status = NF_WARN;
	{
		struct json_object *ru = ranges_json(&s->uid), *rg = ranges_json(&s->gid);

		finding_value(c, "uid_ranges", ru);
		finding_value(c, "gid_ranges", rg);
		finding_value_str(c, "backend", s->backend);
		finding_value_str(c, "looked_up_as", s->uid.asked ? s->uid.asked : name);
	}
}

/* ---- newuidmap and newgidmap ---- */

static void tool_check(const struct facts *d, struct findings *out, const char *id, const char *tool,
		       const char *capname, const struct tool_fact *t)
{
	const struct tool_file *f = &t->file;
	const char *path = t->path;
	struct finding *c;

	if (d->rootful) {
		finding_add(out, id, G_IDS, NF_SKIP, "root needs no %s", tool);
		return;
	}
	if (t->err == NF_EDEADLINE) {
		/* Cut short by --timeout: "not found" would name a false cause. */
		finding_add(out, id, G_IDS, NF_SKIP, "%s: not checked, the --timeout deadline came first", tool);
		out->incomplete = true;
		return;
	}
	if (t->err) {
		char *inst = install_cmd(d, "uidmap", "shadow-utils", "shadow");

		c = finding_add(out, id, G_IDS, NF_FAIL, "%s not found in PATH", tool);
		finding_detail(c, "Podman stops: \"command required for rootless mode with multiple IDs: exec: "
				"\\\"%s\\\": executable file not found in $PATH\"", tool);
		if (inst) {
			finding_remedy(c, "install it: %s", inst);
			finding_fix(c, FIX_PACKAGES, "%s", inst);
		} else {
			finding_remedy(c, "install the shadow package that provides %s", tool);
		}
		free(inst);
		return;
	}
	if (f->stat_err) {
		c = finding_add(out, id, G_IDS, NF_FAIL, "%s: %s", path, nf_strerror(f->stat_err));
	} else if (tool_setuid_root(f)) {
		c = finding_add(out, id, G_IDS, NF_OK, "%s is setuid root", path);
	} else if (tool_capable(f)) {
		c = finding_add(out, id, G_IDS, NF_OK, "%s has file capabilities (%s)", path, f->caps);
	} else {
		char *q = shell_quote(path);

		c = finding_add(out, id, G_IDS, NF_FAIL, "%s is neither setuid root nor has %s", path, capname);
		finding_detail(c, "Podman stops: \"cannot set up namespace using \\\"%s\\\": should have setuid or "
				"have filecaps %s\"", path, capname + 4);
		if (debian(d)) {
			/* Debian's uidmap ships it setuid root, not with file capabilities. */
			finding_remedy(c, "make it setuid root, as Debian's uidmap package ships it");
			finding_fix(c, FIX_IDMAP, "sudo chown root:root %s && sudo chmod 4755 %s", q, q);
		} else {
			finding_remedy(c, "give it the capability %s (or make it setuid root)", capname);
			finding_fix(c, FIX_IDMAP, "sudo setcap %s+ep %s", capname, q);
		}
		free(q);
	}
	finding_value_str(c, "path", path);
	if (!f->stat_err) {
		char mode[8];

		snprintf(mode, sizeof(mode), "%04o", (unsigned)(f->st.st_mode & 07777));
		finding_value_str(c, "mode", mode);
		finding_value_int(c, "owner", f->st.st_uid);
		finding_value_bool(c, "setuid_root", f->st.st_uid == 0 && (f->st.st_mode & S_ISUID));
		finding_value_str(c, "file_capabilities", f->caps[0] ? f->caps : NULL);
	}
}

void check_idmap_tools(const struct facts *d, struct findings *out)
{
	tool_check(d, out, "newuidmap", "newuidmap", "cap_setuid", &d->uidmap);
	tool_check(d, out, "newgidmap", "newgidmap", "cap_setgid", &d->gidmap);
}
