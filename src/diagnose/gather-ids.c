/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Facts: the user's subordinate ID ranges, and the newuidmap and newgidmap
 * on the user's PATH -- whether they are there, and whether they are setuid
 * root or have the file capability Podman needs. The ID checks judge these,
 * and the probe maps its namespace with them.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag-cache.h"
#include "facts.h"
#include "fsx.h"
#include "localwalk.h"
#include "xalloc.h"

void gather_subids(struct facts *d)
{
	const char *name = d->t.env.user ? d->t.env.user : d->user;

	/* Root maps every ID; it has no range to look up. */
	if (!d->rootful)
		subids_lookup(&d->ids, userenv_get(&d->t.env, "USER"), name, d->t.env.uid);
	d->gathered |= FACTS_SUBIDS;
}

bool tool_setuid_root(const struct tool_file *f)
{
	return !f->stat_err && f->st.st_uid == 0 && (f->st.st_mode & S_ISUID);
}

bool tool_capable(const struct tool_file *f)
{
	return !f->stat_err && f->cap_permitted && f->cap_effective;
}

struct tool_arg {
	const char *path;
	cap_value_t cap;
};

/* What CAPS (NULL: none) says of CAP, into F. Frees CAPS. */
static void tool_caps(cap_t caps, cap_value_t cap, struct tool_file *f)
{
	cap_flag_value_t v = CAP_CLEAR;
	char *text;

	if (!caps)
		return;
	text = cap_to_text(caps, NULL);
	cap_get_flag(caps, cap, CAP_PERMITTED, &v);
	f->cap_permitted = v == CAP_SET;
	cap_get_flag(caps, cap, CAP_EFFECTIVE, &v);
	f->cap_effective = v == CAP_SET;
	if (text)
		snprintf(f->caps, sizeof(f->caps), "%s", text);
	cap_free(text);
	cap_free(caps);
}

static int tool_child(void *arg, struct guard_out *out)
{
	const struct tool_arg *a = arg;
	struct tool_file f = {0};

	if (stat(a->path, &f.st) != 0)
		f.stat_err = errno;
	tool_caps(f.stat_err ? NULL : cap_get_file(a->path), a->cap, &f);
	guard_out_add(out, &f, sizeof(f));
	return 0;
}

/*
 * tool_child's facts in this process, as AS, when the walk proves the
 * tool's path local (localwalk.h); false: ask the child. The file is
 * opened to read its capabilities through the descriptor; one the user
 * cannot open goes to the child, which reads them by name.
 */
static bool tool_here(const struct tool_arg *a, const struct identity *as, struct tool_file *f)
{
	struct lw_ident id;
	struct lw_res r;
	int rc, fd = -1;

	memset(f, 0, sizeof(*f));
	if (!lw_root_walkable() || !lw_ident_enter(as, &id))
		return false;
	rc = lw_resolve(a->path, LW_FOLLOW, &r);
	if (rc == 0) {
		f->st = r.st;
		/* Only a regular file is opened here (a FIFO would block), and
		 * as root for a user only root's own (libcap parses its
		 * attribute): the user's files go to the child in their name. */
		bool theirs = as && (r.st.st_uid != 0 || (r.st.st_mode & (S_IWGRP | S_IWOTH)));

		rc = S_ISREG(r.st.st_mode) && !theirs ? lw_reopen(&r, O_RDONLY | O_NOCTTY | O_NONBLOCK, &fd)
						      : LW_FALLBACK;
		lw_res_free(&r);
		if (rc == 0) {
			tool_caps(cap_get_fd(fd), a->cap, f);
			close(fd);
		} else {
			rc = LW_FALLBACK;
		}
	} else if (rc != LW_FALLBACK) {
		f->stat_err = rc;
		rc = 0;
	}
	lw_ident_leave(&id);
	return rc == 0;
}

/* TOOL in the user's PATH and what its file is, into T; from the fleet's
 * cache when another user with this PATH asked already. */
static void gather_tool(struct facts *d, const char *tool, cap_value_t cap, struct tool_fact *t)
{
	const char *path_env = userenv_get(&d->t.env, "PATH");
	struct fsx x = facts_fsx(d);
	struct tool_arg a = {NULL, cap};
	const struct cached_tool *cached;
	struct guard_out out = {0};
	int status;

	cached = diag_cache_tool(d->cache, tool, path_env);
	if (cached) {
		t->err = cached->err;
		t->path = cached->path ? xstrdup(cached->path) : NULL;
	} else {
		t->err = fsx_lookpath(&x, tool, path_env, &t->path);
	}
	if (t->err == NF_EDEADLINE)
		return;
	if (t->err && !cached)
		diag_cache_set_tool(d->cache, tool, path_env, NULL, t->err, NULL, 0);
	if (t->err)
		return;
	a.path = t->path;
	if (cached && cached->len == sizeof(t->file)) {
		memcpy(&t->file, cached->facts, sizeof(t->file));
	} else if (tool_here(&a, x.as, &t->file)) {
		diag_cache_set_tool(d->cache, tool, path_env, t->path, 0, &t->file, sizeof(t->file));
	} else if (guard_run(x.as, FSX_CALL_MS, tool_child, &a, &status, &out) == GUARD_OK &&
		   out.len == sizeof(t->file)) {
		memcpy(&t->file, out.data, sizeof(t->file));
		/* The same file for every user with this PATH (fleet). */
		diag_cache_set_tool(d->cache, tool, path_env, t->path, 0, &t->file, sizeof(t->file));
	} else {
		t->file.stat_err = EIO;
	}
	free(out.data);
}

static const char *usable(const struct tool_fact *t)
{
	return !t->err && (tool_setuid_root(&t->file) || tool_capable(&t->file)) ? t->path : NULL;
}

/* ID= and ID_LIKE= of /etc/os-release, for the command that installs a tool. */
static void os_release(struct facts *d)
{
	FILE *f = fopen("/etc/os-release", "re");
	char line[256];

	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "ID=", 3) == 0)
			snprintf(d->os_id, sizeof(d->os_id), "%.*s", (int)strcspn(line + 3, "\n"), line + 3);
		else if (strncmp(line, "ID_LIKE=", 8) == 0)
			snprintf(d->os_like, sizeof(d->os_like), "%.*s", (int)strcspn(line + 8, "\n"), line + 8);
	}
	if (f)
		fclose(f);
}

/* A tool not found, or neither setuid root nor capable: its check's remedy
 * depends on the distribution. */
static bool remedy_by_os(const struct tool_fact *t)
{
	if (t->err)
		return t->err != NF_EDEADLINE;
	return !t->file.stat_err && !tool_setuid_root(&t->file) && !tool_capable(&t->file);
}

void gather_idmap_tools(struct facts *d)
{
	/* Root needs neither. */
	if (!d->rootful) {
		gather_tool(d, "newuidmap", CAP_SETUID, &d->uidmap);
		gather_tool(d, "newgidmap", CAP_SETGID, &d->gidmap);
		d->newuidmap = usable(&d->uidmap);
		d->newgidmap = usable(&d->gidmap);
		if (remedy_by_os(&d->uidmap) || remedy_by_os(&d->gidmap))
			os_release(d);
	}
	d->gathered |= FACTS_IDMAP_TOOLS;
}
