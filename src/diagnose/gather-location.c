/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Facts: where a local graphroot sits -- the tmpfiles.d line that keeps
 * systemd-tmpfiles' ageing away from it under /tmp or /var/tmp, the
 * directories on the way the user cannot pass through, and whether SELinux
 * is enforcing -- for check_location, which judges them.
 */
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "facts.h"
#include "fsx.h"
#include "goexpand.h"
#include "quote.h"
#include "util.h"
#include "xalloc.h"

/*
 * Whether GLOB keeps systemd-tmpfiles' ageing of ROOT (/tmp or /var/tmp)
 * away from PATH, a path under ROOT. The cleanup walks down from ROOT and
 * skips, with everything below it, the first entry that an x or X glob
 * matches (fnmatch with FNM_PATHNAME|FNM_PERIOD, as systemd does): so the
 * glob must match PATH or a directory between ROOT and PATH, a whole path
 * at a time -- "/var/tmp/al" matches no part of "/var/tmp/alice". ROOT
 * itself is where the walk starts, never an entry. For X as much as x: the
 * documented difference (X "will not exclude the content") shows only when
 * X's own path is aged, never for a walk that skips it from above, as
 * systemd-tmpfiles --clean does on Debian 12 (tests/diagnose-tmpfiles.sh).
 */
static bool x_matches(const char *glob, const char *path, const char *root)
{
	char *p = xstrdup(path);
	bool hit = false;

	for (char *s = p + strlen(root); !hit && *s == '/';) {
		s = strchr(s + 1, '/');
		if (s)
			*s = '\0';
		hit = fnmatch(glob, p, FNM_PATHNAME | FNM_PERIOD) == 0;
		if (!s)
			break;
		*s = '/';
	}
	free(p);
	return hit;
}

/*
 * The glob of one tmpfiles.d LINE that excludes what it matches from
 * ageing, or NULL: an x or X line, not boot-only ('!': the timer's --clean
 * skips those), without an age of its own (x and X with an age clean what
 * they match by that age), its path read, expanded and simplified as
 * systemd-tmpfiles does. A line systemd would reject, or that could mean
 * another path to another systemd release, excludes nothing: a warning
 * too many beats a missing one.
 */
static char *line_glob(const char *line)
{
	const char *lp = line, *why = NULL;
	char *type = tmpfiles_field(&lp), *arg = NULL, *glob = NULL, *f[4] = {NULL};

	if (type && (type[0] == 'x' || type[0] == 'X') && !strchr(type, '!')) {
		arg = tmpfiles_path_field(&lp, &why);
		/* mode, user, group, then the age */
		for (size_t i = 0; i < 4 && (i == 0 || f[i - 1]); i++)
			f[i] = tmpfiles_field(&lp);
		if (arg && !why && (!f[3] || strcmp(f[3], "-") == 0))
			glob = tmpfiles_simplify(arg);
	}
	for (size_t i = 0; i < 4; i++)
		free(f[i]);
	free(arg);
	free(type);
	return glob;
}

/* The x and X lines of the tmpfiles.d files systemd-tmpfiles reads, in
 * its order, read and expanded once per process: they are the system's,
 * the same for every user fleet checks (it read them again for each). */
struct xline {
	char *where; /* FILE:LINE */
	char *glob;  /* what it excludes (line_glob) */
};
static struct {
	bool read;
	struct xline *v;
	size_t n;
} xlines;

/* Keep FILE's lines that exclude something from ageing. */
static void keep_x_lines(const char *file)
{
	FILE *f = fopen(file, "re");
	char line[4096];
	unsigned no = 0;

	while (f && fgets(line, sizeof(line), f)) {
		char *glob = line_glob(line);

		no++;
		if (!glob)
			continue;
		xlines.v = xreallocarray(xlines.v, xlines.n + 1, sizeof(*xlines.v));
		xlines.v[xlines.n].where = xasprintf("%s:%u", file, no);
		xlines.v[xlines.n++].glob = glob;
	}
	if (f)
		fclose(f);
}

/*
 * The files are those systemd-tmpfiles reads: *.conf, where a name in an
 * earlier directory hides the same name in a later one (a link to
 * /dev/null in /etc masks a packaged file).
 */
static void read_x_lines(void)
{
	const char *dirs[] = {"/etc/tmpfiles.d", "/run/tmpfiles.d", "/usr/local/lib/tmpfiles.d", "/usr/lib/tmpfiles.d"};
	const size_t ndirs = ARRAY_SIZE(dirs);

	xlines.read = true;
	for (size_t i = 0; i < ndirs; i++) {
		char **names = NULL;
		bool *isdir = NULL;
		size_t n = 0;
		struct fsx x = {0};

		if (fsx_list_dir(&x, dirs[i], &names, &isdir, &n) != 0)
			continue;
		for (size_t k = 0; k < n; k++) {
			size_t len = strlen(names[k]);
			bool hidden = false;
			char *p;

			if (len < 6 || strcmp(names[k] + len - 5, ".conf") != 0)
				continue;
			for (size_t j = 0; j < i && !hidden; j++) {
				p = xasprintf("%s/%s", dirs[j], names[k]);
				hidden = access(p, F_OK) == 0 || errno != ENOENT;
				free(p);
			}
			if (hidden)
				continue;
			p = xasprintf("%s/%s", dirs[i], names[k]);
			keep_x_lines(p);
			free(p);
		}
		fsx_free_names(names, n);
		free(isdir);
	}
}

/* The FILE:LINE of a tmpfiles.d 'x' or 'X' line that excludes PATH, under
 * ROOT, from ageing; NULL when none does. */
static char *tmpfiles_exclusion(const char *path, const char *root)
{
	if (!xlines.read)
		read_x_lines();
	for (size_t i = 0; i < xlines.n; i++)
		if (x_matches(xlines.v[i].glob, path, root))
			return xstrdup(xlines.v[i].where);
	return NULL;
}

/* DIR exists and the user cannot pass through it: remember it. */
static void passable(struct facts *d, const char *dir)
{
	struct location_fact *l = &d->location;
	struct fsx x = facts_fsx(d);
	struct blocked_dir *b;
	struct stat st;
	int err;

	if (fsx_stat(&x, dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return;
	err = fsx_access(&x, dir, X_OK);
	if (!err || err == NF_EDEADLINE)
		return;
	l->blocked = xreallocarray(l->blocked, l->nblocked + 1, sizeof(*l->blocked));
	b = &l->blocked[l->nblocked++];
	b->dir = xstrdup(dir);
	b->st = st;
	b->err = err;
}

/*
 * Every existing directory on the way to PATH, and PATH, must let the user
 * through. One look-up of PATH as the user settles the way there: the
 * kernel searched every directory it passed (it needs the user's search
 * permission on each), so when it found PATH, or found a component
 * missing, each existing directory before was passable. Only another
 * answer (EACCES, ENOTDIR) sends us through the prefixes one by one.
 */
static void traverse(struct facts *d, const char *path)
{
	char *p = go_clean_path(path);
	struct fsx x = facts_fsx(d);
	struct stat st;
	int err = fsx_stat(&x, p, &st);

	if (err == 0 || err == ENOENT) {
		if (err == 0)
			passable(d, p);
		free(p);
		return;
	}
	passable(d, "/");
	for (char *slash = strchr(p + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		passable(d, p);
		*slash = '/';
	}
	if (strcmp(p, "/") != 0)
		passable(d, p);
	free(p);
}

void gather_location(struct facts *d)
{
	const char *g = d->model_ok ? d->m.graphroot.value : NULL;
	FILE *f;
	char buf[8] = "";

	/* check_location looks no further at a network graphroot. */
	if (!g || (d->fs_graphroot.path && fsinfo_is_network(&d->fs_graphroot)))
		goto done;
	d->location.looked = true;
	if (path_under(g, "/tmp") || path_under(g, "/var/tmp")) {
		char *clean = go_clean_path(g);

		d->location.tmpfiles_exclusion = tmpfiles_exclusion(clean, path_under(g, "/tmp") ? "/tmp" : "/var/tmp");
		free(clean);
	}
	traverse(d, g);
	f = fopen("/sys/fs/selinux/enforce", "re");
	d->location.selinux_enforcing = f && fgets(buf, sizeof(buf), f) && buf[0] == '1';
	if (f)
		fclose(f);
done:
	d->gathered |= FACTS_LOCATION;
}
