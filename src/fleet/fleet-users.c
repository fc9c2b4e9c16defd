/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who fleet checks: the accounts with a UID in login.defs' [UID_MIN,
 * UID_MAX] through NSS (getpwent: files, LDAP or SSSD when it enumerates),
 * a --uid-range, or the names of a --users file for sites whose directory
 * does not enumerate. Each user's home is placed on its mount from the
 * mount table alone, so an automounted home is never touched to find out.
 */
#include "config.h"

#include <errno.h>
#include <libmount/libmount.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "fleet.h"
#include "idsnap.h"
#include "mounts.h"
#include "nsswitch.h"
#include "msg.h"
#include "xalloc.h"

/* A name a line of a --users file may hold: no longer than this. */
#define USER_LINE_MAX 1024

static void add_user(struct fleet_run *r, const char *name, long long uid, const char *home)
{
	struct fleet_user *u;

	r->u = xreallocarray(r->u, r->n + 1, sizeof(*r->u));
	u = &r->u[r->n++];
	memset(u, 0, sizeof(*u));
	u->name = xstrdup(name);
	u->uid = uid;
	u->home = home ? xstrdup(home) : NULL;
	u->verdict = FV_NOT_CHECKED;
}

static void from_nss(struct fleet_run *r, unsigned long long lo, unsigned long long hi)
{
	struct passwd *pw;

	setpwent();
	while ((pw = getpwent()))
		if (pw->pw_uid >= lo && pw->pw_uid <= hi)
			add_user(r, pw->pw_name, pw->pw_uid, pw->pw_dir);
	endpwent();
}

/* One name a line; blank lines and # comments are skipped. */
static int from_file(struct fleet_run *r, const char *file)
{
	FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long lineno = 0;
	int st = NF_EXIT_OK;

	if (!f) {
		nf_error("%s: %s", file, strerror(errno));
		return NF_EXIT_INCOMPLETE;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		struct identity id;
		struct passwd *pw;

		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' '))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		if (len > USER_LINE_MAX || strlen(line) != (size_t)len) {
			nf_error("%s:%lu: not a user name", file, lineno);
			st = NF_EXIT_INCOMPLETE;
			break;
		}
		/* The snapshot when there is one: getpwnam reads the whole file. */
		if (idsnap_by_name(line, &id)) {
			add_user(r, line, id.uid, id.home);
			identity_free(&id);
			continue;
		}
		pw = getpwnam(line);
		add_user(r, line, pw ? (long long)pw->pw_uid : -1, pw ? pw->pw_dir : NULL);
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return st;
}

/* The mount holding each home, from the mount table: no I/O on the home. */
static void place_homes(struct fleet_run *r)
{
	struct mount_table t = {0};

	if (mount_table_load(&t, NULL) != 0)
		return;
	for (size_t i = 0; i < r->n; i++) {
		struct libmnt_fs *fs = r->u[i].home && r->u[i].home[0] == '/' ? mount_table_find(&t, r->u[i].home) : NULL;
		const char *type = fs ? mnt_fs_get_fstype(fs) : NULL;

		if (!fs)
			continue;
		r->u[i].home_mount = xstrdup(mnt_fs_get_target(fs));
		/* The automounter's own mount is the deepest one: nothing is
		 * mounted on the home yet, and a stat would mount it. */
		if (type && strcmp(type, "autofs") == 0) {
			r->u[i].verdict = FV_NOT_MOUNTED;
			r->u[i].summary = xstrdup("not mounted, not checked: an automounted home (--mount-homes checks it)");
		}
	}
	mount_table_free(&t);
}

int fleet_users(const struct fleet_options *o, struct fleet_run *r)
{
	unsigned long long lo, hi;
	int st = NF_EXIT_OK;

	if (o->users_file) {
		idsnap_preload();
		st = from_file(r, o->users_file);
	} else {
		if (o->have_range) {
			lo = o->uid_lo;
			hi = o->uid_hi;
		} else {
			login_defs_uid_range(o->login_defs, &lo, &hi);
		}
		from_nss(r, lo, hi);
	}
	if (st == NF_EXIT_OK)
		place_homes(r);
	return st;
}
