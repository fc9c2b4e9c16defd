/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libmount.h>
#include <limits.h>
#include <linux/openat2.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "forkmark.h"
#include "fstypes.h"
#include "localwalk.h"
#include "mounts.h"
#include "util.h"
#include "walkcache.h"
#include "xalloc.h"

#define LW_MAXLINKS 40  /* the kernel's MAXSYMLINKS */
#define LW_DEPTH 64     /* deeper paths go to the child */
/* A walk that started in a cached directory met a ".." above it: it is
 * walked again from "/", without the cache. */
#define LW_AGAIN (-2)

static bool enabled = true;

void lw_set_enabled(bool on)
{
	enabled = on;
}

bool lw_enabled(void)
{
	return enabled;
}

void lw_cache_enable(bool on)
{
	wc_enable(on);
}

/*
 * The mount table, read again whenever the kernel says it changed: poll()
 * on an open mountinfo reports POLLPRI after any mount or unmount in the
 * namespace, so a table kept for the whole run is never stale unnoticed.
 */
static struct mount_table tab;
static int tab_fd = -1;
static pid_t tab_pid;
static bool tab_ok;
static unsigned tab_gen;  /* counts the tables read */

/* Whether "/" is a mount a walk may start on, as of the table read last:
 * -1 not known yet. */
static int root_walkable = -1;

static bool forked(void)
{
	return fm_forked_since(FM_TABLE, tab_pid);
}

/* In a batch: whether the table was asked about already. */
static bool batch, batch_asked;

/*
 * Between batches, in a command that changes nothing (the walk cache is
 * on: diagnose, config, fleet), an answer "unchanged" stands for
 * LW_TABLE_TRUST_MS, unless something may have mounted since: a child was
 * forked or a helper answered (lw_table_suspect), and an automounted home
 * mounts on its first use. A poll for each of a fleet user's fifty calls
 * was a tenth of its system calls; a mount by another process is seen a
 * few milliseconds later, as if it had come after the call. A stale table
 * never lets open_step into a mount it did not prove: it checks the mount
 * id the kernel gives before going on. stat_last's one statx checks it
 * after; its flags keep it from automounting or asking a server.
 */
#define LW_TABLE_TRUST_MS 5.0
static double asked_at;
static bool suspect = true, atfork_set;

void lw_table_suspect(void)
{
	suspect = true;
}

void lw_batch_begin(void)
{
	batch = true;
	batch_asked = false;
}

void lw_batch_end(void)
{
	batch = false;
}

static bool table_fresh(void)
{
	struct pollfd p = {.fd = tab_fd, .events = POLLPRI};
	bool changed = true;

	if (batch && batch_asked && tab_fd >= 0 && !forked())
		return tab_ok;
	batch_asked = batch;
	if (!suspect && wc_enabled() && tab_fd >= 0 && !forked() && mono_ms() - asked_at < LW_TABLE_TRUST_MS)
		return tab_ok;

	/* A forked child shares the open file and would take the parent's
	 * notice of a change when it polls: it opens its own. */
	if (tab_fd >= 0 && forked()) {
		close(tab_fd);
		tab_fd = -1;
		wc_forked();
	}
	if (tab_fd < 0) {
		tab_fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
		if (tab_fd < 0)
			return false;
		tab_pid = getpid();
		fm_set(FM_TABLE);
		/* Any child may mount (an automounted home, on its first use). */
		if (!atfork_set)
			atfork_set = pthread_atfork(lw_table_suspect, NULL, NULL) == 0;
	} else {
		changed = poll(&p, 1, 0) != 0;
	}
	if (changed) {
		mount_table_free(&tab);
		tab_ok = mount_table_load(&tab, NULL) == 0;
		root_walkable = -1;
		tab_gen++;
	}
	suspect = false;
	asked_at = mono_ms();
	return tab_ok;
}

/* The id of the mount on exactly PATH, if it is one a walk may enter; -1 if not. */
static int safe_mount_at(const char *path)
{
	struct libmnt_fs *fs;
	const char *target;

	if (!table_fresh() || !(fs = mount_table_find(&tab, path)))
		return -1;
	target = mnt_fs_get_target(fs);
	if (!target || strcmp(target, path) != 0 || !fs_type_never_hangs(mnt_fs_get_fstype(fs)))
		return -1;
	return mnt_fs_get_id(fs);
}

const struct mount_table *lw_mount_table(void)
{
	return table_fresh() ? &tab : NULL;
}

bool lw_tree_local(const char *dir)
{
	struct libmnt_iter *it;
	struct libmnt_fs *fs;
	struct lw_res r;
	bool ok;

	if (!lw_root_walkable() || lw_resolve(dir, LW_FOLLOW, &r) != 0)
		return false;
	ok = S_ISDIR(r.st.st_mode) && strcmp(r.canon, dir) == 0;
	lw_res_free(&r);
	if (!ok || !table_fresh() || !(it = mnt_new_iter(MNT_ITER_FORWARD)))
		return false;
	while (ok && mnt_table_next_fs(tab.tb, it, &fs) == 0) {
		const char *target = mnt_fs_get_target(fs);

		ok = target && !path_under(target, dir);
	}
	mnt_free_iter(it);
	return ok;
}

/* The mount FD is on, from the kernel; no I/O on remote filesystems. */
static int mount_id(int fd)
{
	struct statx sx;

	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC, STATX_MNT_ID, &sx) != 0 ||
	    !(sx.stx_mask & STATX_MNT_ID))
		return -1;
	return (int)sx.stx_mnt_id;
}

bool lw_root_walkable(void)
{
	int fd;

	if (!enabled || !table_fresh())
		return false;
	if (root_walkable < 0) {
		fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		root_walkable = fd >= 0 && mount_id(fd) >= 0 && mount_id(fd) == safe_mount_at("/");
		if (fd >= 0)
			close(fd);
	}
	return root_walkable == 1;
}

struct walk {
	int fds[LW_DEPTH + 1];     /* fds[0] is "/", fds[depth] where we are */
	bool cached[LW_DEPTH + 1]; /* fds[i] is the walk cache's: not ours to close */
	int floor;                 /* the depth of a cached start: no ".." below it */
	bool use_cache;
	int mnt[LW_DEPTH + 1];
	size_t len[LW_DEPTH + 1];  /* length of CANON at each depth */
	struct stat st;            /* of fds[depth], when st_valid */
	bool st_valid;
	int depth;
	int links;
	int flags;
	char canon[PATH_MAX];
};

/*
 * "/" as every walk starts: opened, proved a mount a walk may use, and
 * looked at once per mount table and process, not at each walk (four
 * system calls a walk, and system calls are what a walk costs). The
 * descriptor stays open; walks borrow it and never close it.
 */
static int root_fd = -1, root_mnt;
static pid_t root_pid;
static unsigned root_gen;
static struct stat root_st;

static bool root_ready(void)
{
	int id;

	if (!table_fresh())
		return false;
	if (root_fd >= 0 && root_gen == tab_gen && root_pid == tab_pid)
		return true;
	if (root_fd >= 0)
		close(root_fd);
	root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return false;
	id = mount_id(root_fd);
	if (id < 0 || id != safe_mount_at("/") || fstat(root_fd, &root_st) != 0) {
		close(root_fd);
		root_fd = -1;
		return false;
	}
	root_mnt = id;
	root_gen = tab_gen;
	root_pid = tab_pid;
	return true;
}

/* Whether fds[D] is lent to the walk: "/" or a cached directory. */
static bool borrowed(const struct walk *w, int d)
{
	return w->fds[d] == root_fd || w->cached[d];
}

static void unwind(struct walk *w)
{
	for (; w->depth >= 0; w->depth--)
		if (!borrowed(w, w->depth))
			close(w->fds[w->depth]);
}

/* Start (again) at "/", which must be a mount a walk may use. */
static int go_root(struct walk *w)
{
	unwind(w);
	if (!root_ready())
		return LW_FALLBACK;
	w->st = root_st;
	w->st_valid = true;
	w->depth = 0;
	w->floor = 0;
	w->fds[0] = root_fd;
	w->cached[0] = false;
	w->mnt[0] = root_mnt;
	strcpy(w->canon, "/");
	w->len[0] = 1;
	return 0;
}

/* Errors of a lookup that the kernel's own walk would give just the same. */
static bool definite(int err)
{
	return err == ENOENT || err == EACCES || err == ENOTDIR || err == ENAMETOOLONG;
}

/* PATH := the path of NAME in the walk's directory; false when too long. */
static bool child_path(const struct walk *w, const char *name, char *path)
{
	if (w->len[w->depth] + 1 + strlen(name) >= PATH_MAX)
		return false;
	strcpy(path, w->canon);
	if (w->depth > 0)
		strcat(path, "/");
	strcat(path, name);
	return true;
}

/*
 * Open NAME in the current directory without following it; DIR is
 * O_DIRECTORY to open only a directory, else 0. Staying on the
 * same mount is the kernel's guarantee (RESOLVE_NO_XDEV); entering another
 * mount is allowed only onto the mount the table lists there, when its type
 * is known local, and proved afterwards by the mount id.
 */
static int open_step(struct walk *w, const char *name, int dir, int *fd, int *mnt, char *path)
{
	struct open_how how = {.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC | (unsigned)dir,
			       .resolve = RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS};
	int cur = w->fds[w->depth], want;

	if (!child_path(w, name, path))
		return LW_FALLBACK;
	*fd = (int)syscall(SYS_openat2, cur, name, &how, sizeof(how));
	*mnt = w->mnt[w->depth];
	if (*fd >= 0)
		return 0;
	if (errno != EXDEV)
		return definite(errno) ? errno : LW_FALLBACK;
	want = safe_mount_at(path);
	if (want < 0)
		return LW_FALLBACK;
	*fd = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC | dir);
	if (*fd < 0)
		return dir && errno == ENOTDIR ? ENOTDIR : LW_FALLBACK;
	*mnt = mount_id(*fd);
	if (*mnt != want) {
		close(*fd);
		return LW_FALLBACK;
	}
	return 0;
}

/* Replace the walk's remaining text (*WORK from *REST) with the link's target. */
static int follow_link(struct walk *w, int fd, char **work, const char **rest)
{
	char target[PATH_MAX];
	struct stat dir;
	ssize_t n;
	char *next;

	if (++w->links > LW_MAXLINKS)
		return ELOOP;
	/* fs.protected_symlinks may refuse a link in a sticky world-writable
	 * directory to the kernel's walk; only the kernel should decide that. */
	if (fstat(w->fds[w->depth], &dir) != 0 || ((dir.st_mode & S_ISVTX) && (dir.st_mode & S_IWOTH)))
		return LW_FALLBACK;
	n = readlinkat(fd, "", target, sizeof(target));
	if (n < 0 || n >= (ssize_t)sizeof(target))
		return LW_FALLBACK;
	if (n == 0)
		return ENOENT;
	target[n] = '\0';
	next = xasprintf("%s%s", target, *rest);
	if (strlen(next) >= PATH_MAX) {
		free(next);
		return LW_FALLBACK;
	}
	free(*work);
	*work = next;
	*rest = next;
	return target[0] == '/' ? go_root(w) : 0;
}

/* ST NULL: not known yet (walk() takes it at the end if it is needed). */
static int push(struct walk *w, int fd, int mnt, const char *path, const struct stat *st)
{
	if (w->depth == LW_DEPTH) {
		close(fd);
		return LW_FALLBACK;
	}
	w->depth++;
	w->fds[w->depth] = fd;
	w->cached[w->depth] = false;
	w->mnt[w->depth] = mnt;
	strcpy(w->canon, path);
	w->len[w->depth] = strlen(path);
	w->st_valid = st != NULL;
	if (st)
		w->st = *st;
	return 0;
}

/* The kernel looks up "." and ".." like any name: only with search
 * permission on the directory they are in. */
static int dot_allowed(const struct walk *w)
{
	struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS};
	int fd;

	if (w->flags & LW_LEXICAL_DOTS)
		return 0;
	fd = (int)syscall(SYS_openat2, w->fds[w->depth], ".", &how, sizeof(how));
	if (fd < 0)
		return definite(errno) ? errno : LW_FALLBACK;
	close(fd);
	return 0;
}

/*
 * The mount table's targets, hashed and sorted, once per table read: a
 * path that is not among them has nothing mounted on it, as far as the
 * table knows (the walk trusts it as long as open_step does).
 */
static uint64_t *targets;
static size_t ntargets;
static unsigned targets_gen;
static pid_t targets_pid;

static uint64_t path_hash(const char *p)
{
	uint64_t h = 1469598103934665603ULL;  /* FNV-1a */

	for (; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Whether something is mounted on PATH, by the table (a hash that
 * collides says yes, which only costs the safe way). */
static bool mount_target(const char *path)
{
	uint64_t h = path_hash(path);

	if (!tab_ok)
		return true;
	if (!targets || targets_gen != tab_gen || targets_pid != tab_pid) {
		struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
		struct libmnt_fs *fs;
		size_t cap = 64;

		free(targets);
		targets = xcalloc(cap, sizeof(*targets));
		ntargets = 0;
		while (it && mnt_table_next_fs(tab.tb, it, &fs) == 0) {
			const char *t = mnt_fs_get_target(fs);

			if (!t)
				continue;
			if (ntargets == cap)
				targets = xreallocarray(targets, cap *= 2, sizeof(*targets));
			targets[ntargets++] = path_hash(t);
		}
		mnt_free_iter(it);
		if (!it)
			return true;
		qsort(targets, ntargets, sizeof(*targets), cmp_u64);
		targets_gen = tab_gen;
		targets_pid = tab_pid;
	}
	return bsearch(&h, targets, ntargets, sizeof(h), cmp_u64) != NULL;
}

/*
 * The last component of a walk that wants only its stat (LW_STAT_ONLY),
 * in one statx instead of an open, a stat and a close, where that cannot
 * leave the mount: nothing is mounted on PATH by the table (a mount point
 * goes the safe way, open_step's), and the kernel's mount id afterwards
 * must be the directory's. AT_NO_AUTOMOUNT and AT_STATX_DONT_SYNC keep
 * even a mount that came since the table was read from starting an
 * automount or asking a server. A link to follow goes the way it always
 * did: LW_FALLBACK here means "take open_step", not "ask the child".
 */
static int stat_last(struct walk *w, const char *name, char *path)
{
	struct statx sx;
	struct stat st;

	if (!child_path(w, name, path))
		return LW_FALLBACK;
	if (mount_target(path))
		return LW_FALLBACK;
	if (statx(w->fds[w->depth], name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_STATX_DONT_SYNC,
		  STATX_BASIC_STATS | STATX_MNT_ID, &sx) != 0)
		return definite(errno) ? errno : LW_FALLBACK;
	if (!(sx.stx_mask & STATX_MNT_ID) || (int)sx.stx_mnt_id != w->mnt[w->depth] ||
	    (S_ISLNK(sx.stx_mode) && (w->flags & LW_FOLLOW)))
		return LW_FALLBACK;
	memset(&st, 0, sizeof(st));
	st.st_dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
	st.st_ino = sx.stx_ino;
	st.st_mode = sx.stx_mode;
	st.st_nlink = sx.stx_nlink;
	st.st_uid = sx.stx_uid;
	st.st_gid = sx.stx_gid;
	st.st_rdev = makedev(sx.stx_rdev_major, sx.stx_rdev_minor);
	st.st_size = (off_t)sx.stx_size;
	st.st_blksize = (blksize_t)sx.stx_blksize;
	st.st_blocks = (blkcnt_t)sx.stx_blocks;
	st.st_atim.tv_sec = sx.stx_atime.tv_sec;
	st.st_atim.tv_nsec = sx.stx_atime.tv_nsec;
	st.st_mtim.tv_sec = sx.stx_mtime.tv_sec;
	st.st_mtim.tv_nsec = sx.stx_mtime.tv_nsec;
	st.st_ctim.tv_sec = sx.stx_ctime.tv_sec;
	st.st_ctim.tv_nsec = sx.stx_ctime.tv_nsec;
	/* No descriptor: the walk ends here, and its caller wants none. */
	if (push(w, -1, w->mnt[w->depth], path, &st) != 0)
		return LW_FALLBACK;
	w->cached[w->depth] = true;
	return 0;
}

/* One component NAME; *REST is what follows it ("" or from a slash on). */
static int step(struct walk *w, const char *name, bool last, char **work, const char **rest)
{
	char path[PATH_MAX];
	struct stat st;
	int fd, mnt, rc;
	bool slash = **rest == '/';

	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		rc = dot_allowed(w);
		if (rc)
			return rc;
	}
	if (strcmp(name, ".") == 0)
		return 0;
	if (strcmp(name, "..") == 0) {
		if (w->depth > 0 && w->depth == w->floor)
			return LW_AGAIN;
		if (w->depth > 0) {
			if (!borrowed(w, w->depth))
				close(w->fds[w->depth]);
			w->depth--;
			w->canon[w->len[w->depth]] = '\0';
			if (fstat(w->fds[w->depth], &w->st) != 0)
				return LW_FALLBACK;
			w->st_valid = true;
		}
		return 0;
	}
	/*
	 * A component with more to follow is first opened as a directory
	 * only: most are, and then the kernel has said what it is (an
	 * fstatat less per step). A link or anything else fails that with
	 * ENOTDIR and is opened again as it is, and looked at.
	 */
	if (!last) {
		rc = open_step(w, name, O_DIRECTORY, &fd, &mnt, path);
		if (rc == 0) {
			rc = push(w, fd, mnt, path, NULL);
			/* A directory walked through: the cache keeps it open. */
			if (rc == 0 && w->use_cache && wc_put(w->canon, w->len[w->depth], fd, mnt, lw_ident_current(), tab_gen))
				w->cached[w->depth] = true;
			return rc;
		}
		if (rc != ENOTDIR)
			return rc;
	}
	if (last && !slash && (w->flags & LW_STAT_ONLY) && (rc = stat_last(w, name, path)) != LW_FALLBACK)
		return rc;
	rc = open_step(w, name, 0, &fd, &mnt, path);
	if (rc)
		return rc;
	if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
		close(fd);
		return LW_FALLBACK;
	}
	/* A link is followed unless it is the last component, not asked to be
	 * followed, and without a trailing slash, as in the kernel. */
	if (S_ISLNK(st.st_mode) && (!last || slash || (w->flags & LW_FOLLOW))) {
		rc = follow_link(w, fd, work, rest);
		close(fd);
		return rc;
	}
	if ((!last || slash) && !S_ISDIR(st.st_mode)) {
		close(fd);
		return ENOTDIR;
	}
	return push(w, fd, mnt, path, &st);
}

/* Whether PATH names each directory once, the way a cached one is named:
 * no "." or ".." component, no "//". */
static bool plain(const char *path)
{
	for (const char *c = path; *c; c++)
		if (c[0] == '/' && (c[1] == '/' || (c[1] == '.' && (c[2] == '/' || !c[2] ||
								  (c[2] == '.' && (c[3] == '/' || !c[3]))))))
			return false;
	return true;
}

/*
 * Start W in the deepest cached directory PATH lies strictly below: *P
 * moves past it. Strictly: the walk's last directory must come with its
 * parent, which a cached start does not have.
 */
static void start_cached(struct walk *w, const char *path, const char **p)
{
	size_t len;
	int mnt, fd;

	if (!w->use_cache || !plain(path) || (fd = wc_find(path, lw_ident_current(), tab_gen, &mnt, &len)) < 0 ||
	    path[len] != '/' || !path[len + 1] || len >= sizeof(w->canon))
		return;
	w->depth = 1;
	w->floor = 1;
	w->fds[1] = fd;
	w->cached[1] = true;
	w->mnt[1] = mnt;
	memcpy(w->canon, path, len);
	w->canon[len] = '\0';
	w->len[1] = len;
	w->st_valid = false;
	*p += len;
}

static int walk(struct walk *w, const char *path)
{
	char *work = xstrdup(path), name[PATH_MAX];
	const char *p = work;
	int rc = go_root(w);

	wc_walk_begin();
	if (rc == 0)
		start_cached(w, work, &p);

	while (rc == 0) {
		size_t n;

		p += strspn(p, "/");
		if (!*p)
			break;
		n = strcspn(p, "/");
		memcpy(name, p, n);
		name[n] = '\0';
		p += n;
		rc = step(w, name, p[strspn(p, "/")] == '\0', &work, &p);
	}
	free(work);
	if (rc == 0 && !w->st_valid) {
		if (fstat(w->fds[w->depth], &w->st) != 0)
			return LW_FALLBACK;
		w->st_valid = true;
	}
	return rc;
}

static struct walk the_walk;

/*
 * PATH is "/": its stat without a walk (LW_STAT_ONLY), as every walk
 * starts. A cached directory is not answered so: the user may have
 * renamed it and put a link in its place, which only a walk to its name
 * sees.
 */
static bool stat_known(const char *path, struct lw_res *r)
{
	if (strcmp(path, "/") != 0 || !root_ready())
		return false;
	r->st = root_st;
	r->mnt_id = root_mnt;
	r->canon = xstrdup(path);
	return true;
}

/* Hand the walk's end to R: the last descriptor and its parent, each the
 * caller's own, or lent (LW_BORROW), or none (LW_STAT_ONLY). */
static int hand_over(struct walk *w, int flags, struct lw_res *r)
{
	bool stat_only = flags & LW_STAT_ONLY;

	for (int d = w->depth; !stat_only && d >= 0 && d >= w->depth - 1; d--)
		if (borrowed(w, d) && !(flags & LW_BORROW)) {
			int fd = fcntl(w->fds[d], F_DUPFD_CLOEXEC, 0);

			if (fd < 0)
				return LW_FALLBACK;
			w->fds[d] = fd;
			w->cached[d] = false;
		}
	r->mnt_id = w->mnt[w->depth];
	r->st = w->st;
	r->canon = xstrdup(w->canon);
	if (stat_only)
		return 0;
	r->fd = w->fds[w->depth];
	r->fd_lent = borrowed(w, w->depth);
	if (w->depth > 0) {
		r->parent = w->fds[w->depth - 1];
		r->parent_lent = borrowed(w, w->depth - 1);
		r->name = xstrdup(strrchr(w->canon, '/') + 1);
		w->depth -= 2;
	} else {
		w->depth--;
	}
	return 0;
}

/* Whether a walk may start on PATH; root's own identity back when the walk
 * is ours. */
static bool walk_allowed(const char *path)
{
	if (!enabled || path[0] != '/' || strlen(path) >= PATH_MAX)
		return false;
	/* Outside lw_ident_enter a walk is our own: no user's identity kept. */
	if (!lw_ident_inside())
		lw_ident_settle();
	return true;
}

/* Walk PATH with FLAGS in the_walk, which holds where it stopped. */
static int walk_path(const char *path, int flags)
{
	/* One walk at a time (none nests, nothing walks from a signal
	 * handler): the same few kilobytes each time, not a fresh zeroed
	 * allocation; what a walk reads, go_root and push set first. */
	struct walk *w = &the_walk;
	int rc;

	w->depth = -1;
	w->links = 0;
	w->floor = 0;
	w->st_valid = false;
	w->flags = flags;
	w->use_cache = wc_enabled();
	rc = walk(w, path);
	if (rc == LW_AGAIN) {
		unwind(w);
		w->use_cache = false;
		rc = walk(w, path);
	}
	return rc;
}

int lw_resolve(const char *path, int flags, struct lw_res *r)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->fd = r->parent = -1;
	if (!walk_allowed(path))
		return LW_FALLBACK;
	if ((flags & LW_STAT_ONLY) && stat_known(path, r))
		return 0;
	rc = walk_path(path, flags);
	if (rc == 0 && (rc = hand_over(&the_walk, flags, r)) != 0)
		lw_res_free(r);
	unwind(&the_walk);
	return rc;
}

int lw_nearest(const char *path, int *rc_path, char **existing)
{
	size_t len = strlen(path);
	int rc;

	*existing = NULL;
	/* A link on the way would make "how far the walk got" a place in its
	 * target, not in PATH; so would "." and "..". */
	if (!walk_allowed(path) || !plain(path) || (len > 1 && path[len - 1] == '/'))
		return LW_FALLBACK;
	rc = walk_path(path, LW_STAT_ONLY);
	if (rc == ENOENT && the_walk.links == 0 && the_walk.depth >= 0)
		*existing = xstrdup(the_walk.canon);
	else if (rc != LW_FALLBACK && rc != ENOENT)
		*existing = xstrdup(path);
	unwind(&the_walk);
	if (!*existing)
		return LW_FALLBACK;
	*rc_path = rc;
	return 0;
}

void lw_res_free(struct lw_res *r)
{
	if (r->fd >= 0 && !r->fd_lent)
		close(r->fd);
	if (r->parent >= 0 && !r->parent_lent)
		close(r->parent);
	free(r->name);
	free(r->canon);
	memset(r, 0, sizeof(*r));
	r->fd = r->parent = -1;
}

int lw_reopen(const struct lw_res *r, int flags, int *fd)
{
	struct stat st;

	*fd = -1;
	if (S_ISLNK(r->st.st_mode))
		return LW_FALLBACK;
	if (!lw_ident_inside())
		lw_ident_settle();
	if (r->parent < 0)
		*fd = open("/", flags | O_CLOEXEC);
	else
		*fd = openat(r->parent, r->name, flags | O_NOFOLLOW | O_CLOEXEC);
	if (*fd < 0) {
		/* EACCES and the like are the answer; anything else may be a race. */
		int err = errno;

		return err == EACCES || err == EISDIR || err == EROFS || err == ETXTBSY ? err : LW_FALLBACK;
	}
	if (fstat(*fd, &st) != 0 || st.st_dev != r->st.st_dev || st.st_ino != r->st.st_ino ||
	    mount_id(*fd) != r->mnt_id) {
		close(*fd);
		*fd = -1;
		return LW_FALLBACK;
	}
	return 0;
}

