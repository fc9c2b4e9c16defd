/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <libmount.h>
#include <stdlib.h>
#include <string.h>

#include "fsinfo.h"
#include "goexpand.h"
#include "localwalk.h"
#include "mounts.h"
#include "util.h"
#include "xalloc.h"

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* One option's value from an option string; "" for a bare flag, NULL if absent. */
static char *opt(const char *optstr, const char *name)
{
	char *val = NULL;
	size_t len = 0;

	if (!optstr || mnt_optstr_get_option(optstr, name, &val, &len) != 0)
		return NULL;
	/* libmount's value points into the string and is not terminated. */
	return val ? xstrndup(val, len) : xstrdup("");
}

static bool has(const char *optstr, const char *name)
{
	char *v = opt(optstr, name);
	bool yes = v != NULL;

	free(v);
	return yes;
}

/* "server:/export" or "[v6::addr]:/export" */
static void split_source(struct fsinfo *fi)
{
	const char *s = fi->source, *colon;

	if (!s)
		return;
	if (s[0] == '[' && (colon = strstr(s, "]:"))) {
		fi->server = xstrndup(s + 1, (size_t)(colon - s - 1));
		fi->export = xstrdup(colon + 2);
		return;
	}
	colon = strchr(s, ':');
	if (colon) {
		fi->server = xstrndup(s, (size_t)(colon - s));
		fi->export = xstrdup(colon + 1);
	}
}

static void from_mount(struct fsinfo *fi, struct libmnt_fs *fs)
{
	const char *fsopts = mnt_fs_get_fs_options(fs), *vfs = mnt_fs_get_vfs_options(fs);

	fi->mountpoint = dup_or_null(mnt_fs_get_target(fs));
	fi->fstype = dup_or_null(mnt_fs_get_fstype(fs));
	fi->source = dup_or_null(mnt_fs_get_source(fs));
	fi->fs_options = dup_or_null(fsopts);
	fi->vfs_options = dup_or_null(vfs);
	fi->kind = fs_kind_from_type(fi->fstype);
	fi->ro = has(vfs, "ro");
	fi->noexec = has(vfs, "noexec");
	fi->nodev = has(vfs, "nodev");
	fi->nosuid = has(vfs, "nosuid");
	if (strcmp(fi->kind->name, "nfs") == 0) {
		split_source(fi);
		fi->addr = opt(fsopts, "addr");
		fi->vers = opt(fsopts, "vers");
		fi->sec = opt(fsopts, "sec");
		fi->proto = opt(fsopts, "proto");
		fi->local_lock = opt(fsopts, "local_lock");
		fi->soft = has(fsopts, "soft") || has(fsopts, "softerr");
		fi->nolock = has(fsopts, "nolock");
	} else if (fi->kind->family == FSF_NETWORK) {
		split_source(fi);
	}
}

/* An autofs mount on the way down to PATH: the trigger of an automounted home. */
static char *autofs_above(const struct mount_table *t, const char *path)
{
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;
	char *found = NULL;

	while (it && mnt_table_next_fs(t->tb, it, &fs) == 0) {
		const char *tg = mnt_fs_get_target(fs), *ty = mnt_fs_get_fstype(fs);

		if (ty && strcmp(ty, "autofs") == 0 && tg && *tg && path_under(path, tg)) {
			free(found);
			found = xstrdup(tg);
		}
	}
	mnt_free_iter(it);
	return found;
}

/* The nearest existing ancestor of P (P itself when it exists). */
static char *nearest_existing(const struct fsx *x, const char *p, bool *whole, int *err)
{
	char *cur = xstrdup(p);
	struct stat st;

	*whole = true;
	for (;;) {
		char *slash;

		*err = fsx_stat(x, cur, &st);
		if (*err != ENOENT && *err != ENOTDIR)
			return cur;
		*whole = false;
		slash = strrchr(cur, '/');
		if (!slash)
			return cur;
		if (slash == cur) {
			cur[1] = '\0';
			continue;
		}
		*slash = '\0';
	}
}

static void classify(struct fsinfo *fi, const char *where)
{
	/* The walk's table, read once and again only after a change. */
	const struct mount_table *t = lw_mount_table();
	struct libmnt_fs *fs;

	if (t) {
		fs = mount_table_find(t, where);
		if (fs)
			from_mount(fi, fs);
		free(fi->autofs);
		fi->autofs = autofs_above(t, where);
	}
}

static void clear_mount(struct fsinfo *fi)
{
	char *path = fi->path, *resolved = fi->resolved, *existing = fi->existing;
	bool exists = fi->exists;
	int rerr = fi->resolve_err;

	fi->path = fi->resolved = fi->existing = NULL;
	fsinfo_free(fi);
	fi->path = path;
	fi->resolved = resolved;
	fi->existing = existing;
	fi->exists = exists;
	fi->resolve_err = rerr;
}

void fsinfo_get(struct fsinfo *fi, const char *path, const struct fsx *x)
{
	struct statfs sf;
	char *clean = go_clean_path(path);
	int err;

	memset(fi, 0, sizeof(*fi));
	fi->path = xstrdup(path);
	/* First from the mount table alone: this answer stands even if every
	 * call below times out on a dead server. */
	classify(fi, clean);
	/* Symlinks decide which mount a path is really on; resolving may block
	 * on a dead server, so it runs under the deadline. It also mounts an
	 * automounted home, as any use of the path would. */
	fi->resolve_err = fsx_resolve_prefix(x, clean, &fi->resolved);
	if (fi->resolve_err == 0) {
		char *r = go_clean_path(fi->resolved);

		free(fi->resolved);
		fi->resolved = r;
		fi->existing = nearest_existing(x, r, &fi->exists, &err);
		if (err && err != ENOENT)
			fi->resolve_err = err;
		clear_mount(fi);
		classify(fi, r);
	}
	if (!fi->kind)
		fi->kind = fs_kind_from_type(NULL);
	/* statfs on NFS is a round trip to the server: the deadline is the
	 * "not responding" test. */
	if (fi->resolve_err == NF_EDEADLINE) {
		fi->statfs_err = NF_EDEADLINE;
	} else {
		fi->statfs_err = fsx_statfs(x, fi->existing ? fi->existing : clean, &sf);
		if (fi->statfs_err == 0) {
			fi->magic = (uint32_t)sf.f_type;
			fi->magic_kind = fs_kind_from_magic(fi->magic);
		}
	}
	free(clean);
}

bool fsinfo_is_network(const struct fsinfo *fi)
{
	return (fi->kind && fi->kind->family == FSF_NETWORK) ||
	       (fi->magic_kind && fi->magic_kind->family == FSF_NETWORK);
}

char *fsinfo_describe(const struct fsinfo *fi)
{
	const struct fs_kind *k = fi->kind;
	char *s;

	if (k && strcmp(k->name, "nfs") == 0)
		s = xasprintf("%s from %s%s%s (vers=%s, proto=%s, sec=%s, %s%s%s)", fi->fstype,
			      fi->server ? fi->server : "?", fi->export ? ":" : "", fi->export ? fi->export : "",
			      fi->vers ? fi->vers : "?", fi->proto ? fi->proto : "?", fi->sec ? fi->sec : "?",
			      fi->soft ? "soft" : "hard", fi->local_lock ? ", local_lock=" : "",
			      fi->local_lock ? fi->local_lock : "");
	else if (k && k->family == FSF_NETWORK)
		s = xasprintf("%s (%s) from %s", fi->fstype, k->label, fi->source ? fi->source : "?");
	else
		s = xasprintf("%s%s%s", fi->fstype ? fi->fstype : "unknown",
			      fi->source && fi->fstype && strcmp(fi->source, fi->fstype) ? " from " : "",
			      fi->source && fi->fstype && strcmp(fi->source, fi->fstype) ? fi->source : "");
	return s;
}

void fsinfo_free(struct fsinfo *fi)
{
	free(fi->path);
	free(fi->resolved);
	free(fi->existing);
	free(fi->mountpoint);
	free(fi->fstype);
	free(fi->source);
	free(fi->fs_options);
	free(fi->vfs_options);
	free(fi->autofs);
	free(fi->server);
	free(fi->export);
	free(fi->addr);
	free(fi->vers);
	free(fi->sec);
	free(fi->proto);
	free(fi->local_lock);
	memset(fi, 0, sizeof(*fi));
}
