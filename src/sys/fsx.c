/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libmount.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "fsx.h"
#include "fsx-memo.h"
#include "goexpand.h"
#include "guard.h"
#include "ioutil.h"
#include "localwalk.h"
#include "mounts.h"
#include "util.h"
#include "xalloc.h"

struct req {
	const char *path;
	const char *arg;
	size_t max;
	int op;
	int mode;
};

enum { OP_STAT, OP_LSTAT, OP_STATFS, OP_REALPATH, OP_READ, OP_LIST, OP_ACCESS,
       OP_MKDIR_WOULD, OP_RESOLVE_PREFIX, OP_LOOKPATH, OP_MKDIRS, OP_DIR_USABLE };

/*
 * The calls every operation is made of, done two ways: by the C library in
 * the guarded child, or in-process by localwalk.h, which may also answer
 * LW_FALLBACK ("ask the child"). The operations below are written once over
 * these, so both ways give the same answers.
 */
struct prims {
	int (*stat)(const char *path, bool follow, struct stat *st);
	int (*access)(const char *path, int mode);
	int (*realpath)(const char *path, char **out);
	int (*statfs)(const char *path, struct statfs *sf);
	int (*open_read)(const char *path, int *fd);
	/* opendir(PATH); *WHERE may name it for STAT_ENTRY */
	int (*open_dir)(const char *path, DIR **d, char **where);
	/* stat() of NAME in D, following links */
	int (*stat_entry)(DIR *d, const char *where, const char *name, struct stat *st);
	/* lstat()'s answer for PATH and its deepest existing prefix at once
	 * (localwalk.h's lw_nearest); NULL, or LW_FALLBACK: ask prefix by prefix */
	int (*nearest)(const char *path, int *rc_path, char **existing);
};

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

static const struct prims libc_prims = {
	libc_stat, libc_access, libc_realpath, libc_statfs, libc_open_read, libc_open_dir, libc_stat_entry, NULL,
};

/* In-process, acting for another user: access(2) then means the user's
 * filesystem identity, which AT_EACCESS uses and the real uid would not. */
static bool local_eaccess;
static unsigned long in_process_calls;

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

static void op_stats_clear(void)
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

	if (rc == 0 && faccessat(r.fd, "", mode, AT_EMPTY_PATH | (local_eaccess ? AT_EACCESS : 0)) != 0)
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

static const struct prims local_prims = {
	local_stat, local_access, local_realpath, local_statfs, local_open_read, local_open_dir, local_stat_entry,
	lw_nearest,
};

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
static int run_op(const struct prims *pr, const struct req *r, struct guard_out *out)
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

static int child(void *arg, struct guard_out *out)
{
	const struct req *r = arg;
	int rc;

	if (r->op == OP_MKDIRS)
		return do_mkdirs(r);
	rc = run_op(&libc_prims, r, out);
	return rc == LW_FALLBACK ? EINVAL : rc;
}

/*
 * The call in-process, when localwalk can prove it local all the way and,
 * for another user, can take the user's filesystem identity for it.
 * LW_FALLBACK: run it in the guarded child as before.
 */
/*
 * A relative path names a file under the working directory: getcwd(2)
 * gives its absolute path from the kernel's own records, without I/O on any
 * filesystem; a directory cut off from the root ("(unreachable)") gives
 * none, and the call goes to the child as before.
 */
static char *absolute(const char *path)
{
	char cwd[PATH_MAX];

	if (!getcwd(cwd, sizeof(cwd)) || cwd[0] != '/')
		return NULL;
	/* Not go_join: its lexical clean would take "link/.." by name, the
	 * kernel takes it through the link. */
	return xasprintf("%s%s%s", cwd, strcmp(cwd, "/") == 0 ? "" : "/", path);
}

static int in_process_batch(const struct identity *as, const struct req *r, struct guard_out *out);

static int in_process(const struct fsx *x, const struct req *r, struct guard_out *out)
{
	const struct identity *as = x ? x->as : NULL;
	int rc;

	/* LOOKPATH takes a name; its candidates go in-process when absolute. */
	if (!lw_enabled() || !r->path || r->op == OP_MKDIRS || guard_interrupted() || guard_remaining_ms() <= 0)
		return LW_FALLBACK;
	lw_batch_begin();
	rc = in_process_batch(as, r, out);
	lw_batch_end();
	if (rc == LW_FALLBACK) {
		free(out->data);
		memset(out, 0, sizeof(*out));
	} else {
		in_process_calls++;
	}
	return rc;
}

/* in_process's part that runs as one batch of walks. */
static int in_process_batch(const struct identity *as, const struct req *r, struct guard_out *out)
{
	struct lw_ident id;
	struct req abs = *r;
	char *joined = NULL;
	int rc;

	if (!lw_root_walkable())
		return LW_FALLBACK;
	if (r->path[0] != '/' && r->op != OP_LOOKPATH) {
		/* Only calls whose answer names no path: the others would
		 * name an absolute one where the child names a relative one. */
		bool pathless = r->op == OP_STAT || r->op == OP_LSTAT || r->op == OP_STATFS || r->op == OP_READ ||
				r->op == OP_LIST || r->op == OP_ACCESS || r->op == OP_MKDIR_WOULD;

		if (!pathless || !*r->path || !(joined = absolute(r->path)))
			return LW_FALLBACK;
		abs.path = joined;
	}
	if (!lw_ident_enter(as, &id)) {
		free(joined);
		return LW_FALLBACK;
	}
	local_eaccess = as != NULL;
	rc = run_op(&local_prims, &abs, out);
	op_stats_clear();
	free(joined);
	local_eaccess = false;
	lw_ident_leave(&id);
	return rc;
}

unsigned long fsx_in_process_calls(void)
{
	return in_process_calls;
}

/*
 * Mounts that did not answer before a deadline in this run. Asking them
 * again would only wait out another deadline; every later call on a path
 * under them fails at once.
 */
static char **dead;
static size_t ndead;

static char *mount_of(const char *path)
{
	struct mount_table t = {0};
	struct libmnt_fs *fs;
	char *clean = go_clean_path(path), *mp = NULL;

	if (clean[0] == '/' && mount_table_load(&t, NULL) == 0 && (fs = mount_table_find(&t, clean)))
		mp = xstrdup(mnt_fs_get_target(fs));
	mount_table_free(&t);
	free(clean);
	return mp;
}

static bool on_dead_mount(const char *path)
{
	char *mp;
	bool yes = false;

	if (!ndead)
		return false;
	mp = mount_of(path);
	for (size_t i = 0; mp && i < ndead && !yes; i++)
		yes = strcmp(dead[i], mp) == 0;
	free(mp);
	return yes;
}

static void mark_dead(const char *path)
{
	char *mp = mount_of(path);

	/* "/" going dead would silence everything; that verdict is not ours to make. */
	if (!mp || strcmp(mp, "/") == 0) {
		free(mp);
		return;
	}
	dead = xreallocarray(dead, ndead + 1, sizeof(char *));
	dead[ndead++] = mp;
}

bool fsx_mount_dead(const char *path)
{
	return on_dead_mount(path);
}

static const char *const op_names[] = {
	"stat", "lstat", "statfs", "realpath", "read", "list", "access", "mkdir-would", "resolve", "lookpath",
	"mkdirs", "dir-usable",
};

/* NFSCHECK_DEBUG=1 traces every guarded call, as LIBMOUNT_DEBUG does for libmount. */
static void trace(const struct req *r, long long ms, int err)
{
	static int on = -1;

	if (on < 0)
		on = getenv("NFSCHECK_DEBUG") != NULL;
	/* MS < 0: answered in-process. */
	if (on && ms < 0)
		fprintf(stderr, "nfscheck: debug: %s %s: in-process: %s\n", op_names[r->op], r->path ? r->path : "",
			err ? nf_strerror(err) : "ok");
	else if (on)
		fprintf(stderr, "nfscheck: debug: %s %s: %lld ms: %s\n", op_names[r->op], r->path ? r->path : "",
			ms, err ? nf_strerror(err) : "ok");
}

/* ---- sessions: one helper per user answering framed requests ---- */

struct frame_req {
	int32_t op, mode;
	uint64_t max;
	uint32_t path_len, arg_len;  /* UINT32_MAX: NULL */
};

struct frame_res {
	int32_t status;
	uint64_t len;
};

struct helper {
	pid_t pid;
	int sock;
	uid_t uid;
	gid_t gid;
};

/* Two helpers: the user's, and one as ourselves (root's own questions). */
static struct {
	bool on;
	pid_t owner;  /* the process that turned them on: a forked child never shares its helpers */
	struct helper user, self;
} sessions = {.user = {.sock = -1}, .self = {.sock = -1}};

static char *read_str(int fd, uint32_t len)
{
	char *s;

	if (len == UINT32_MAX)
		return NULL;
	if (len > 65536)
		_exit(1);
	s = xmalloc((size_t)len + 1);
	if (!read_full(fd, s, len))
		_exit(0);
	s[len] = '\0';
	return s;
}

/* The helper, as the user: a request, its answer, until the parent goes. */
static int session_helper(void *arg, struct guard_out *unused)
{
	int fd = guard_child_socket();
	struct frame_req fq;

	(void)arg;
	(void)unused;
	while (read_full(fd, &fq, sizeof(fq))) {
		char *path = read_str(fd, fq.path_len), *rarg = read_str(fd, fq.arg_len);
		struct req r = {.path = path, .arg = rarg, .max = fq.max, .op = fq.op, .mode = fq.mode};
		struct guard_out out = {0};
		struct frame_res fr;

		fr.status = child(&r, &out);
		fr.len = out.len;
		if (!write_full(fd, &fr, sizeof(fr)) || (out.len && !write_full(fd, out.data, out.len)))
			_exit(0);
		free(out.data);
		free(path);
		free(rarg);
	}
	return 0;
}

static void helper_stop(struct helper *h)
{
	if (h->sock >= 0) {
		close(h->sock);
		guard_stop(h->pid);
	}
	h->sock = -1;
	h->pid = 0;
}

void fsx_session(bool on)
{
	if (!on) {
		fsx_session_end();
		helper_stop(&sessions.self);
	}
	sessions.on = on;
	sessions.owner = getpid();
}

void fsx_session_end(void)
{
	helper_stop(&sessions.user);
}

/* Read N bytes from the helper by END (mono ms); false on deadline or EOF. */
static bool read_by(int fd, void *p, size_t n, double end, bool *late)
{
	while (n) {
		struct pollfd pf = {.fd = fd, .events = POLLIN};
		double left = end - mono_ms();
		ssize_t r;

		if (left <= 0 || guard_interrupted()) {
			*late = true;
			return false;
		}
		if (poll(&pf, 1, (int)left + 1) <= 0)
			continue;
		r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		p = (char *)p + r;
		n -= (size_t)r;
	}
	return true;
}

static bool send_req(int sock, const struct req *r)
{
	struct frame_req fq = {
		.op = r->op, .mode = r->mode, .max = r->max,
		.path_len = r->path ? (uint32_t)strlen(r->path) : UINT32_MAX,
		.arg_len = r->arg ? (uint32_t)strlen(r->arg) : UINT32_MAX,
	};

	return write_full(sock, &fq, sizeof(fq)) && (!r->path || write_full(sock, r->path, fq.path_len)) &&
	       (!r->arg || write_full(sock, r->arg, fq.arg_len));
}

/* A call through a session helper (AS NULL: the one as ourselves), with
 * guard_run's outcomes. */
static enum guard_status session_call(const struct identity *as, int per_call, struct req *r, int *status,
				      struct guard_out *out)
{
	struct helper *h = as ? &sessions.user : &sessions.self;
	struct frame_res fr;
	double end;
	bool late = false;
	int left = guard_remaining_ms();

	/* The helper may mount: an automounted home, on its first use. */
	lw_table_suspect();
	if (per_call > left)
		per_call = left;
	if (per_call <= 0 || guard_interrupted())
		return GUARD_DEADLINE;
	if (as && h->sock >= 0 && (h->uid != as->uid || h->gid != as->gid))
		helper_stop(h);
	if (h->sock < 0) {
		if (guard_spawn(as, session_helper, NULL, &h->pid, &h->sock) != 0)
			return GUARD_FAILED;
		h->uid = as ? as->uid : geteuid();
		h->gid = as ? as->gid : getegid();
	}
	end = mono_ms() + per_call;
	if ((r->path && strlen(r->path) > 65536) || (r->arg && strlen(r->arg) > 65536) || !send_req(h->sock, r) ||
	    !read_by(h->sock, &fr, sizeof(fr), end, &late) || fr.len > (uint64_t)1 << 31)
		goto broken;
	out->data = xmalloc(fr.len + 1);
	out->cap = fr.len + 1;
	if (fr.len && !read_by(h->sock, out->data, fr.len, end, &late))
		goto broken;
	out->len = fr.len;
	*status = fr.status & 0xFF;
	return GUARD_OK;
broken:
	helper_stop(h);
	free(out->data);
	memset(out, 0, sizeof(*out));
	return late ? GUARD_DEADLINE : GUARD_FAILED;
}

/* The questions a memo may answer again: they change nothing. */
static bool memo_op(int op)
{
	switch (op) {
	case OP_STAT: case OP_LSTAT: case OP_STATFS: case OP_REALPATH: case OP_ACCESS:
	case OP_MKDIR_WOULD: case OP_RESOLVE_PREFIX: case OP_LOOKPATH: case OP_DIR_USABLE:
		return true;
	default:
		return false;
	}
}

static int call_asked(const struct fsx *x, struct req *r, struct guard_out *out);

static int call(const struct fsx *x, struct req *r, struct guard_out *out)
{
	struct fsx_memo_key k;
	int status;

	if (!x || !x->memo || !memo_op(r->op))
		return call_asked(x, r, out);
	k = (struct fsx_memo_key){.op = r->op, .mode = r->mode, .max = r->max, .path = r->path, .arg = r->arg};
	if (fsx_memo_get(x->memo, &k, &status, out))
		return status;
	status = call_asked(x, r, out);
	if (status != NF_EDEADLINE && status != ECHILD && status != FSX_NOT_HERE)
		fsx_memo_put(x->memo, &k, status, out);
	return status;
}

static int call_asked(const struct fsx *x, struct req *r, struct guard_out *out)
{
	int per_call = x && x->timeout_ms ? x->timeout_ms : FSX_CALL_MS;
	bool clamped = guard_remaining_ms() < per_call;
	double t0 = mono_ms();
	int status, err;

	memset(out, 0, sizeof(*out));
	if (r->path && on_dead_mount(r->path)) {
		trace(r, 0, NF_EDEADLINE);
		return NF_EDEADLINE;
	}
	status = in_process(x, r, out);
	if (status == LW_FALLBACK && x && x->here_only)
		return FSX_NOT_HERE;
	if (status != LW_FALLBACK) {
		if (status != 0) {
			free(out->data);
			out->data = NULL;
		}
		trace(r, -1, status);
		return status;
	}
	/* A child forked meanwhile (a guarded call of its own) would talk over
	 * its parent's socket, and a deadline there would leave the parent an
	 * answer to a question it did not ask: it makes its own children. */
	switch (sessions.on && sessions.owner == getpid() ? session_call(x ? x->as : NULL, per_call, r, &status, out)
			    : guard_run(x ? x->as : NULL, per_call, child, r, &status, out)) {
	case GUARD_OK:
		if (status != 0) {
			free(out->data);
			out->data = NULL;
		}
		trace(r, mono_ms() - t0, status);
		return status;
	case GUARD_DEADLINE:
		free(out->data);
		out->data = NULL;
		/* Only a call that had its full time and used it says the mount is dead;
		 * one cut short by --timeout or a signal says nothing about it. */
		if (r->path && !guard_interrupted() && !clamped)
			mark_dead(r->path);
		trace(r, mono_ms() - t0, NF_EDEADLINE);
		return NF_EDEADLINE;
	case GUARD_FAILED:
		break;
	}
	free(out->data);
	out->data = NULL;
	err = ECHILD;
	trace(r, mono_ms() - t0, err);
	return err;
}

static int call_fixed(const struct fsx *x, int op, const char *path, void *dst, size_t size)
{
	struct req r = {.path = path, .op = op};
	struct guard_out out;
	int err = call(x, &r, &out);

	if (err == 0 && out.len != size)
		err = EIO;
	if (err == 0)
		memcpy(dst, out.data, size);
	free(out.data);
	return err;
}

int fsx_stat(const struct fsx *x, const char *path, struct stat *st)
{
	return call_fixed(x, OP_STAT, path, st, sizeof(*st));
}

int fsx_lstat(const struct fsx *x, const char *path, struct stat *st)
{
	return call_fixed(x, OP_LSTAT, path, st, sizeof(*st));
}

int fsx_statfs(const struct fsx *x, const char *path, struct statfs *sf)
{
	return call_fixed(x, OP_STATFS, path, sf, sizeof(*sf));
}

static int call_string(const struct fsx *x, struct req *r, char **res)
{
	struct guard_out out;
	int err = call(x, r, &out);

	*res = NULL;
	if (err == 0 && (out.len == 0 || out.data[out.len - 1] != '\0'))
		err = EIO;
	if (err == 0)
		*res = xstrdup(out.data);
	free(out.data);
	return err;
}

int fsx_realpath(const struct fsx *x, const char *path, char **res)
{
	struct req r = {.path = path, .op = OP_REALPATH};

	return call_string(x, &r, res);
}

int fsx_resolve_prefix(const struct fsx *x, const char *path, char **res)
{
	struct req r = {.path = path, .op = OP_RESOLVE_PREFIX};

	return call_string(x, &r, res);
}

int fsx_lookpath(const struct fsx *x, const char *name, const char *search, char **res)
{
	struct req r = {.path = name, .arg = search ? search : "", .op = OP_LOOKPATH};

	return call_string(x, &r, res);
}

int fsx_access(const struct fsx *x, const char *path, int mode)
{
	struct req r = {.path = path, .op = OP_ACCESS, .mode = mode};
	struct guard_out out;
	int err = call(x, &r, &out);

	free(out.data);
	return err;
}

int fsx_dir_usable(const struct fsx *x, const char *path, enum fsx_dir_use use, int *verdict, char **at)
{
	struct req r = {.path = path, .op = OP_DIR_USABLE, .mode = use};
	struct guard_out out;
	int err = call(x, &r, &out);

	*at = NULL;
	if (err == 0 && (out.len <= sizeof(int) || out.data[out.len - 1] != '\0'))
		err = EIO;
	if (err == 0) {
		memcpy(verdict, out.data, sizeof(int));
		*at = xstrdup(out.data + sizeof(int));
	}
	free(out.data);
	return err;
}

int fsx_mkdir_would(const struct fsx *x, const char *path, enum fsx_mkdir *what)
{
	struct req r = {.path = path, .op = OP_MKDIR_WOULD};
	struct guard_out out;
	int err = call(x, &r, &out);

	if (err == 0 && out.len != 1)
		err = EIO;
	if (err == 0)
		*what = (enum fsx_mkdir)out.data[0];
	free(out.data);
	return err;
}

int fsx_read_file(const struct fsx *x, const char *path, size_t max, char **buf, size_t *len)
{
	struct req r = {.path = path, .op = OP_READ, .max = max};
	struct guard_out out;
	int err = call(x, &r, &out);

	*buf = NULL;
	*len = 0;
	if (err == 0) {
		*buf = xmalloc(out.len + 1);
		if (out.len)
			memcpy(*buf, out.data, out.len);
		(*buf)[out.len] = '\0';
		*len = out.len;
	}
	free(out.data);
	return err;
}

struct entry {
	char *name;
	bool dir;
};

static int cmp_entries(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

int fsx_list_dir(const struct fsx *x, const char *path, char ***names, bool **dirs, size_t *n)
{
	struct req r = {.path = path, .op = OP_LIST};
	struct guard_out out;
	struct entry *e;
	size_t count = 0, i, k = 0;
	int err = call(x, &r, &out);

	*names = NULL;
	*dirs = NULL;
	*n = 0;
	if (err)
		return err;
	for (i = 0; i < out.len; i++)
		if (out.data[i] == '\0')
			count++;
	e = xcalloc(count ? count : 1, sizeof(*e));
	/* Each record is a kind byte ('d' or 'f'), the name, and a NUL. */
	for (i = 0; i < out.len && k < count; k++) {
		e[k].dir = out.data[i] == 'd';
		e[k].name = xstrdup(out.data + i + 1);
		i += strlen(out.data + i) + 1;
	}
	free(out.data);
	qsort(e, k, sizeof(*e), cmp_entries);
	*names = xcalloc(k ? k : 1, sizeof(char *));
	*dirs = xcalloc(k ? k : 1, sizeof(bool));
	for (i = 0; i < k; i++) {
		(*names)[i] = e[i].name;
		(*dirs)[i] = e[i].dir;
	}
	free(e);
	*n = k;
	return 0;
}

void fsx_free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int fsx_mkdirs(const struct fsx *x, const char *path, mode_t mode)
{
	struct req r = {.path = path, .op = OP_MKDIRS, .mode = (int)mode};
	struct guard_out out;
	int err = call(x, &r, &out);

	free(out.data);
	return err;
}

int fsx_lookpath_here(const char *name, const char *search, char **res)
{
	struct req r = {.path = name, .arg = search ? search : "", .op = OP_LOOKPATH};
	struct guard_out out = {0};
	int err = do_lookpath(&libc_prims, &r, &out);

	*res = err ? NULL : xstrdup(out.data);
	free(out.data);
	return err;
}
