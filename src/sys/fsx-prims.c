/* SPDX-License-Identifier: Apache-2.0 */
/* The calls fsx's operations are made of: the C library's and the local walk's. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsx.h"
#include "fsx-internal.h"
#include "goexpand.h"
#include "guard.h"
#include "ioutil.h"
#include "localwalk.h"
#include "util.h"
#include "xalloc.h"

static int libc_stat(const char *path, bool follow, struct stat *st)
{
	return (follow ? stat(path, st) : lstat(path, st)) == 0 ? 0 : errno;
}

static int libc_access(const char *path, int mode)
{
	return access(path, mode) == 0 ? 0 : errno;
}

static int libc_realpath(const char *path, char **out)
{
	*out = realpath(path, NULL);
	return *out ? 0 : errno;
}

static int libc_statfs(const char *path, struct statfs *sf)
{
	return statfs(path, sf) == 0 ? 0 : errno;
}

static int libc_open_read(const char *path, int *fd)
{
	*fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	return *fd >= 0 ? 0 : errno;
}

static int libc_open_dir(const char *path, DIR **d, char **where)
{
	*where = NULL;
	*d = opendir(path);
	return *d ? 0 : errno;
}

static int libc_stat_entry(DIR *d, const char *where, const char *name, struct stat *st)
{
	(void)where;
	return fstatat(dirfd(d), name, st, 0) == 0 ? 0 : errno;
}

const struct prims fsx_libc_prims = {
	libc_stat, libc_access, libc_realpath, libc_statfs, libc_open_read, libc_open_dir, libc_stat_entry, NULL,
};

/* In-process, acting for another user: access(2) then means the user's
 * filesystem identity, which AT_EACCESS uses and the real uid would not. */
bool fsx_local_eaccess;

/*
 * Within one in-process operation, a path's stat asked again is the first
 * answer: existing_prefix looks at a directory, then dir_allows looks at
 * it again, and the operation is one moment, as it is in the child. An
 * lstat that found no link answers a stat too; one that failed, with the
 * same error.
 */
#define OP_STATS 8
static struct op_stat {
	char *path;
	bool follow;
	int rc;
	struct stat st;
} op_stats[OP_STATS];
static size_t n_op_stats;

void fsx_op_stats_clear(void)
{
	for (size_t i = 0; i < n_op_stats; i++)
		free(op_stats[i].path);
	n_op_stats = 0;
}

static const struct op_stat *op_stat_find(const char *path, bool follow)
{
	for (size_t i = 0; i < n_op_stats; i++) {
		const struct op_stat *o = &op_stats[i];

		if (strcmp(o->path, path) != 0)
			continue;
		if (o->follow == follow || (!o->follow && (o->rc != 0 || !S_ISLNK(o->st.st_mode))))
			return o;
	}
	return NULL;
}

static int local_stat(const char *path, bool follow, struct stat *st)
{
	const struct op_stat *known = op_stat_find(path, follow);
	struct lw_res r;
	int rc;

	if (known) {
		*st = known->st;
		return known->rc;
	}
	rc = lw_resolve(path, LW_STAT_ONLY | (follow ? LW_FOLLOW : 0), &r);
	if (rc == 0)
		*st = r.st;
	lw_res_free(&r);
	if (rc != LW_FALLBACK && n_op_stats < OP_STATS)
		op_stats[n_op_stats++] = (struct op_stat){xstrdup(path), follow, rc, rc == 0 ? *st : (struct stat){0}};
	return rc;
}

static int local_access(const char *path, int mode)
{
	struct lw_res r;
	int rc = lw_resolve(path, LW_FOLLOW | LW_BORROW, &r);

	if (rc == 0 && faccessat(r.fd, "", mode, AT_EMPTY_PATH | (fsx_local_eaccess ? AT_EACCESS : 0)) != 0)
		rc = errno == EINVAL || errno == ENOSYS ? LW_FALLBACK : errno;
	lw_res_free(&r);
	return rc;
}

static int local_realpath(const char *path, char **out)
{
	struct lw_res r;
	int rc = lw_resolve(path, LW_STAT_ONLY | LW_FOLLOW | LW_LEXICAL_DOTS, &r);

	*out = NULL;
	if (rc == 0) {
		*out = r.canon;
		r.canon = NULL;
	}
	lw_res_free(&r);
	return rc;
}

static int local_statfs(const char *path, struct statfs *sf)
{
	struct lw_res r;
	int rc = lw_resolve(path, LW_FOLLOW | LW_BORROW, &r);

	if (rc == 0 && fstatfs(r.fd, sf) != 0)
		rc = errno;
	lw_res_free(&r);
	return rc;
}

static int local_open_read(const char *path, int *fd)
{
	struct lw_res r;
	int rc = lw_resolve(path, LW_FOLLOW | LW_BORROW, &r);

	*fd = -1;
	/* A FIFO or device may block or act on open: only the child opens those. */
	if (rc == 0 && !S_ISREG(r.st.st_mode) && !S_ISDIR(r.st.st_mode))
		rc = LW_FALLBACK;
	if (rc == 0)
		rc = lw_reopen(&r, O_RDONLY | O_NOCTTY | O_NONBLOCK, fd);
	lw_res_free(&r);
	return rc;
}

static int local_open_dir(const char *path, DIR **d, char **where)
{
	struct lw_res r;
	int fd, rc = lw_resolve(path, LW_FOLLOW | LW_BORROW, &r);

	*d = NULL;
	*where = NULL;
	if (rc == 0 && !S_ISDIR(r.st.st_mode))
		rc = ENOTDIR;
	if (rc == 0)
		rc = lw_reopen(&r, O_RDONLY | O_NONBLOCK | O_DIRECTORY, &fd);
	if (rc == 0 && !(*d = fdopendir(fd))) {
		close(fd);
		rc = LW_FALLBACK;
	}
	if (rc == 0) {
		*where = r.canon;
		r.canon = NULL;
	}
	lw_res_free(&r);
	return rc;
}

/* Each entry is walked to on its own: a link or a mount point among them
 * may lead anywhere, and only the walk knows where it is safe to go. */
static int local_stat_entry(DIR *d, const char *where, const char *name, struct stat *st)
{
	char *p = xasprintf("%s/%s", where, name);
	int rc = local_stat(p, true, st);

	(void)d;
	free(p);
	return rc;
}

const struct prims fsx_local_prims = {
	local_stat, local_access, local_realpath, local_statfs, local_open_read, local_open_dir, local_stat_entry,
	lw_nearest,
};
