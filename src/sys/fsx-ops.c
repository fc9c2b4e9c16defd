/* SPDX-License-Identifier: Apache-2.0 */
/* fsx's operations, written once over the calls of fsx-prims.c. */
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

/* Read the open FD to its end; the result goes back as bytes. */
static int read_all(int fd, size_t max, struct guard_out *out)
{
	struct stat st;
	char buf[65536];

	if (fstat(fd, &st) != 0)
		return errno;
	if (S_ISDIR(st.st_mode))
		return EISDIR;
	if (!S_ISREG(st.st_mode))
		return EINVAL; /* a FIFO or device would block or never end */
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			return 0;
		if (out->len + (size_t)n > max)
			return EFBIG;
		guard_out_add(out, buf, (size_t)n);
	}
}

/* The return value is the errno; in-process, no descriptor is left open. */
static int do_read(const struct prims *pr, const struct req *r, struct guard_out *out)
{
	int fd, rc = pr->open_read(r->path, &fd);

	if (rc)
		return rc;
	rc = read_all(fd, r->max, out);
	if (rc) {
		close(fd);
		return rc;
	}
	/* NFS reports some write-back and read errors only here. */
	if (close(fd) != 0)
		return errno;
	return 0;
}

static int do_list(const struct prims *pr, const struct req *r, struct guard_out *out)
{
	DIR *d;
	char *where = NULL;
	struct dirent *e;
	int rc = pr->open_dir(r->path, &d, &where), err;

	if (rc)
		return rc;
	errno = 0;
	while ((e = readdir(d))) {
		char kind;
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		/* d_type is DT_UNKNOWN on some filesystems; stat follows links as Go's os.Stat does. */
		rc = pr->stat_entry(d, where, e->d_name, &st);
		if (rc == LW_FALLBACK)
			break;
		kind = rc == 0 && S_ISDIR(st.st_mode) ? 'd' : 'f';
		guard_out_add(out, &kind, 1);
		guard_out_add(out, e->d_name, strlen(e->d_name) + 1);
		errno = 0;
	}
	err = rc == LW_FALLBACK ? rc : errno;
	closedir(d);
	free(where);
	return err;
}

/* Deepest existing ancestor of PATH (PATH itself when it exists); NULL
 * with *RC LW_FALLBACK when the in-process calls cannot tell. */
static char *existing_prefix(const struct prims *pr, const char *path, bool *whole, int *rc)
{
	char *p;
	struct stat st;

	*whole = true;
	/* One walk, where one can tell: the common case, a path missing its
	 * last few directories. */
	if (pr->nearest && pr->nearest(path, rc, &p) == 0) {
		if (*rc == ENOENT) {
			*whole = false;
			*rc = 0;
		}
		return p;
	}
	p = xstrdup(path);
	for (;;) {
		char *slash;

		*rc = pr->stat(p, false, &st);
		if (*rc == LW_FALLBACK) {
			free(p);
			return NULL;
		}
		if (*rc != ENOENT)
			return p;
		*whole = false;
		slash = strrchr(p, '/');
		if (!slash || slash == p) {
			strcpy(p, slash == p ? "/" : ".");
			return p;
		}
		*slash = '\0';
	}
}

static int do_mkdir_would(const struct prims *pr, const struct req *r, struct guard_out *out)
{
	bool whole;
	int rc;
	char *anc = existing_prefix(pr, r->path, &whole, &rc);
	char what;
	struct stat st;

	if (!anc)
		return rc;
	if (whole) {
		what = FSX_MKDIR_EXISTS;
	} else if ((rc = pr->stat(anc, true, &st)) == 0 && S_ISDIR(st.st_mode)) {
		rc = pr->access(anc, W_OK | X_OK);
		what = rc == 0 ? FSX_MKDIR_WOULD_MAKE : FSX_MKDIR_CANNOT;
	} else {
		what = FSX_MKDIR_CANNOT;
	}
	free(anc);
	if (rc == LW_FALLBACK)
		return rc;
	guard_out_add(out, &what, 1);
	return 0;
}

/* The directory decides, as the user: ENOTDIR, or access()'s errno for WANT. */
static int dir_allows(const struct prims *pr, const char *dir, int want)
{
	struct stat st;
	int rc = pr->stat(dir, true, &st);

	if (rc)
		return rc;
	if (!S_ISDIR(st.st_mode))
		return ENOTDIR;
	return pr->access(dir, want);
}

/* The answer is the errno (an int) and the path that decided it. */
static int do_dir_usable(const struct prims *pr, const struct req *r, struct guard_out *out)
{
	bool whole = true;
	int err = 0;
	char *at = r->mode == FSX_DIR_READ ? xstrdup(r->path) : existing_prefix(pr, r->path, &whole, &err);

	if (!at)
		return err;
	if (r->mode == FSX_DIR_READ)
		err = dir_allows(pr, at, R_OK | X_OK);
	else if (r->mode == FSX_DIR_WRITE_EXISTING && !whole)
		err = dir_allows(pr, r->path, W_OK | X_OK);
	else
		err = dir_allows(pr, at, W_OK | X_OK);
	if (r->mode == FSX_DIR_WRITE_EXISTING && !whole) {
		free(at);
		at = xstrdup(r->path);
	}
	if (err != LW_FALLBACK) {
		guard_out_add(out, &err, sizeof(err));
		guard_out_add(out, at, strlen(at) + 1);
	}
	free(at);
	return err == LW_FALLBACK ? err : 0;
}

static int do_resolve_prefix(const struct prims *pr, const struct req *r, struct guard_out *out)
{
	bool whole;
	int rc;
	char *anc = existing_prefix(pr, r->path, &whole, &rc), *real;
	const char *rest;

	if (!anc)
		return rc;
	rest = r->path + strlen(anc);
	rc = pr->realpath(anc, &real);
	if (rc) {
		free(anc);
		return rc;
	}
	guard_out_add(out, real, strlen(real));
	if (*rest && *rest != '/' && strcmp(real, "/") != 0)
		guard_out_add(out, "/", 1);
	guard_out_add(out, rest, strlen(rest) + 1);
	free(real);
	free(anc);
	return 0;
}

static int do_lookpath(const struct prims *pr, const struct req *r, struct guard_out *out)
{
	const char *s = r->arg;
	int rc;

	/* exec.LookPath: a name with a slash is taken as is. */
	if (strchr(r->path, '/')) {
		if ((rc = pr->access(r->path, X_OK)) != 0)
			return rc;
		guard_out_add(out, r->path, strlen(r->path) + 1);
		return 0;
	}
	for (;;) {
		size_t n = strcspn(s, ":");
		char *cand = n ? xasprintf("%.*s/%s", (int)n, s, r->path) : xasprintf("./%s", r->path);
		struct stat st;

		rc = pr->stat(cand, true, &st);
		if (rc == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111)) {
			guard_out_add(out, cand, strlen(cand) + 1);
			free(cand);
			return 0;
		}
		free(cand);
		if (rc == LW_FALLBACK)
			return rc;
		if (!s[n])
			return ENOENT;
		s += n + 1;
	}
}

static int do_mkdirs(const struct req *r)
{
	char *p = xstrdup(r->path);
	int err = 0;

	for (char *s = p + 1; !err; s++) {
		bool end = !*s;

		if (*s != '/' && !end)
			continue;
		*s = '\0';
		if (mkdir(p, (mode_t)r->mode) != 0 && errno != EEXIST)
			err = errno;
		if (end)
			break;
		*s = '/';
	}
	free(p);
	return err;
}

/* Every operation but OP_MKDIRS, which writes and always runs in the child. */
int fsx_run_op(const struct prims *pr, const struct req *r, struct guard_out *out)
{
	struct stat st;
	struct statfs sf;
	char *p;
	int rc;

	switch (r->op) {
	case OP_STAT:
	case OP_LSTAT:
		if ((rc = pr->stat(r->path, r->op == OP_STAT, &st)) == 0)
			guard_out_add(out, &st, sizeof(st));
		return rc;
	case OP_STATFS:
		if ((rc = pr->statfs(r->path, &sf)) == 0)
			guard_out_add(out, &sf, sizeof(sf));
		return rc;
	case OP_REALPATH:
		if ((rc = pr->realpath(r->path, &p)) == 0)
			guard_out_add(out, p, strlen(p) + 1);
		free(p);
		return rc;
	case OP_READ:
		return do_read(pr, r, out);
	case OP_ACCESS:
		return pr->access(r->path, r->mode);
	case OP_MKDIR_WOULD:
		return do_mkdir_would(pr, r, out);
	case OP_RESOLVE_PREFIX:
		return do_resolve_prefix(pr, r, out);
	case OP_LOOKPATH:
		return do_lookpath(pr, r, out);
	case OP_LIST:
		return do_list(pr, r, out);
	case OP_DIR_USABLE:
		return do_dir_usable(pr, r, out);
	}
	return LW_FALLBACK;
}

int fsx_child(void *arg, struct guard_out *out)
{
	const struct req *r = arg;
	int rc;

	if (r->op == OP_MKDIRS)
		return do_mkdirs(r);
	rc = fsx_run_op(&fsx_libc_prims, r, out);
	return rc == LW_FALLBACK ? EINVAL : rc;
}

/* The guarded child's lookpath, in this process, unguarded: for a guarded
 * child with more to do. */
int fsx_lookpath_here(const char *name, const char *search, char **res)
{
	struct req r = {.path = name, .arg = search ? search : "", .op = OP_LOOKPATH};
	struct guard_out out = {0};
	int err = do_lookpath(&fsx_libc_prims, &r, &out);

	*res = err ? NULL : xstrdup(out.data);
	free(out.data);
	return err;
}
