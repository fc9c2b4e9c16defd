/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "idsnap.h"
#include "nsswitch.h"
#include "xalloc.h"

struct snap_user {
	char *name, *home, *shell;
	uid_t uid;
	gid_t gid;
	gid_t *groups;   /* the primary group first, then the others in group order */
	int ngroups;
	size_t seq;      /* enumeration order: the first of equal keys is NSS's answer */
};

static struct {
	bool loaded;
	struct snap_user *u;
	size_t n;
	size_t *by_name, *by_uid;
} snap;

static int cmp_name(const void *a, const void *b)
{
	const struct snap_user *x = &snap.u[*(const size_t *)a], *y = &snap.u[*(const size_t *)b];
	int c = strcmp(x->name, y->name);

	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

static int cmp_uid(const void *a, const void *b)
{
	const struct snap_user *x = &snap.u[*(const size_t *)a], *y = &snap.u[*(const size_t *)b];

	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Where the first user named NAME is in by_name, or -1. */
static long name_pos(const char *name)
{
	size_t lo = 0, hi = snap.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(snap.u[snap.by_name[mid]].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < snap.n && strcmp(snap.u[snap.by_name[lo]].name, name) == 0 ? (long)lo : -1;
}

static void add_group(struct snap_user *u, gid_t g)
{
	for (int i = 0; i < u->ngroups; i++)
		if (u->groups[i] == g)
			return;
	u->groups = xreallocarray(u->groups, (size_t)u->ngroups + 1, sizeof(gid_t));
	u->groups[u->ngroups++] = g;
}

static void read_users(void)
{
	struct passwd *pw;

	setpwent();
	while ((pw = getpwent())) {
		struct snap_user *u;

		snap.u = xreallocarray(snap.u, snap.n + 1, sizeof(*snap.u));
		u = &snap.u[snap.n];
		memset(u, 0, sizeof(*u));
		u->name = xstrdup(pw->pw_name);
		u->home = xstrdup(pw->pw_dir ? pw->pw_dir : "");
		u->shell = xstrdup(pw->pw_shell ? pw->pw_shell : "");
		u->uid = pw->pw_uid;
		u->gid = pw->pw_gid;
		u->seq = snap.n++;
		add_group(u, pw->pw_gid);
	}
	endpwent();
}

/* Each group's members, as getgrouplist finds them: every entry of a name. */
static void read_groups(void)
{
	struct group *gr;

	setgrent();
	while ((gr = getgrent()))
		for (char **m = gr->gr_mem; m && *m; m++) {
			long i = name_pos(*m);

			/* getgrouplist matches the name: every entry so named. */
			for (size_t k = i >= 0 ? (size_t)i : snap.n;
			     k < snap.n && strcmp(snap.u[snap.by_name[k]].name, *m) == 0; k++)
				add_group(&snap.u[snap.by_name[k]], gr->gr_gid);
		}
	endgrent();
}

void idsnap_preload(void)
{
	if (snap.loaded || !nsswitch_enumerates("passwd") || !nsswitch_enumerates("group"))
		return;
	read_users();
	snap.by_name = xcalloc(snap.n ? snap.n : 1, sizeof(size_t));
	snap.by_uid = xcalloc(snap.n ? snap.n : 1, sizeof(size_t));
	for (size_t i = 0; i < snap.n; i++)
		snap.by_name[i] = snap.by_uid[i] = i;
	qsort(snap.by_name, snap.n, sizeof(size_t), cmp_name);
	qsort(snap.by_uid, snap.n, sizeof(size_t), cmp_uid);
	read_groups();
	snap.loaded = true;
}

static bool fill(long i, struct identity *id)
{
	const struct snap_user *u;

	if (i < 0)
		return false;
	u = &snap.u[i];
	memset(id, 0, sizeof(*id));
	id->uid = u->uid;
	id->gid = u->gid;
	id->name = xstrdup(u->name);
	id->home = xstrdup(u->home);
	id->shell = xstrdup(u->shell);
	id->groups = xcalloc((size_t)u->ngroups, sizeof(gid_t));
	memcpy(id->groups, u->groups, (size_t)u->ngroups * sizeof(gid_t));
	id->ngroups = u->ngroups;
	return true;
}

bool idsnap_by_name(const char *name, struct identity *id)
{
	long i = snap.loaded ? name_pos(name) : -1;

	return fill(i >= 0 ? (long)snap.by_name[i] : -1, id);
}

bool idsnap_by_uid(uid_t uid, struct identity *id)
{
	size_t lo = 0, hi = snap.n;

	if (!snap.loaded)
		return false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (snap.u[snap.by_uid[mid]].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return fill(lo < snap.n && snap.u[snap.by_uid[lo]].uid == uid ? (long)snap.by_uid[lo] : -1, id);
}
