/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The environment-dependent parts of the model: where Podman and
 * containers-storage put the runtime directory, what Podman exports before
 * it re-executes itself, and how paths are expanded. Every check that
 * Podman makes with a side effect (MkdirAll) is predicted without one.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libmount.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "goexpand.h"
#include "kernel-overlay.h"
#include "model-internal.h"
#include "mounts.h"
#include "util.h"
#include "xalloc.h"

const char *env_get(const struct userenv *e, const char *name)
{
	return userenv_get(e, name);
}

const char *env_nonempty(const struct userenv *e, const char *name)
{
	const char *v = userenv_get(e, name);

	return v && *v ? v : NULL;
}

char *homedir_get(const struct userenv *e)
{
	return userenv_home(e);
}

char *tempdir_get(const struct userenv *e)
{
	const char *t = env_nonempty(e, "TMPDIR");

	return xstrdup(t ? t : "/tmp");
}


char *data_home(const struct userenv *e)
{
	const char *x = env_nonempty(e, "XDG_DATA_HOME");
	char *home, *d;

	if (x)
		return xstrdup(x);
	home = homedir_get(e);
	d = go_join(home, ".local/share");
	free(home);
	return d;
}

static void remember_made(struct mctx *c, const char *path)
{
	c->made = xreallocarray(c->made, c->nmade + 1, sizeof(char *));
	c->made[c->nmade++] = xstrdup(path);
}

static bool under_made(const struct mctx *c, const char *path)
{
	for (size_t i = 0; i < c->nmade; i++)
		if (path_under(path, c->made[i]))
			return true;
	return false;
}

char *eval_symlinks(struct mctx *c, const char *path, int *err)
{
	char *out = NULL;

	/* Go's EvalSymlinks("") is "." */
	*err = fsx_realpath(&c->fs, *path ? path : ".", &out);
	/* Podman would hang right here; go on with the path as written, so
	 * the rest of the answer (and the graphroot to report) still comes. */
	if (*err == NF_EDEADLINE) {
		problem_add(&c->m->problems, PR_ERROR, NULL, 0,
			    "Podman would hang here: the filesystem does not answer",
			    "resolving %s: %s", path, nf_strerror(*err));
		*err = 0;
		return go_clean_path(*path ? path : ".");
	}
	if (*err == ENOENT && under_made(c, path)) {
		char *r = NULL;

		if (fsx_resolve_prefix(&c->fs, path, &r) == 0) {
			out = go_clean_path(r);
			free(r);
			*err = 0;
		}
	}
	return out;
}

char *expand_storage_path(struct mctx *c, const char *path, const struct userenv *e)
{
	char *expanded = go_expand_storage_path(path, e);
	int err;
	char *resolved = eval_symlinks(c, expanded, &err);

	if (resolved) {
		free(expanded);
		return resolved;
	}
	resolved = go_clean_path(expanded);
	free(expanded);
	return resolved;
}

/* Podman checks a directory it has just "created" with MkdirAll. */
struct dircheck {
	bool exists;
	bool would_make;
	struct stat st;
};

static void probe_dir(struct mctx *c, const char *path, bool follow, struct dircheck *d)
{
	enum fsx_mkdir what;

	memset(d, 0, sizeof(*d));
	if ((follow ? fsx_stat(&c->fs, path, &d->st) : fsx_lstat(&c->fs, path, &d->st)) == 0) {
		d->exists = true;
		return;
	}
	if (fsx_mkdir_would(&c->fs, path, &what) == 0 && what == FSX_MKDIR_WOULD_MAKE)
		d->would_make = true;
}

/* Podman ran MkdirAll(PATH) and went on with PATH: remember it exists now. */
static void made(struct mctx *c, const struct dircheck *d, const char *path)
{
	if (d->would_make)
		remember_made(c, path);
}

void mctx_made(struct mctx *c, const char *path)
{
	struct dircheck d;

	probe_dir(c, path, true, &d);
	made(c, &d, path);
}

/* The owner and mode tests on a directory that exists or would be made 0700. */
static bool dir_ok(const struct dircheck *d, uid_t uid, mode_t mask, mode_t want)
{
	if (d->would_make)
		return true;
	return d->exists && d->st.st_uid == uid && (d->st.st_mode & mask) == want &&
	       !S_ISLNK(d->st.st_mode);
}

char *runtime_dir_old(struct mctx *c, const struct userenv *e, char **err)
{
	const char *xdg = env_nonempty(e, "XDG_RUNTIME_DIR");
	char buf[64], *tmp, *dir, *home, *resolved;
	struct dircheck d;
	int fd, e2;
	ssize_t n;

	*err = NULL;
	if (xdg) {
		/* storage 1.43 (Podman 4.3) began resolving it; a failure falls through. */
		if (c->v < PV(4, 3))
			return xstrdup(xdg);
		resolved = eval_symlinks(c, xdg, &e2);
		if (resolved)
			return resolved;
	}
	/* /run/user/UID is tried only if /proc/1/comm is exactly "systemd",
	 * which it never is: the kernel ends it with a newline. */
	fd = open("/proc/1/comm", O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n < 0 || (buf[n] = '\0', strcmp(buf, "systemd") == 0)) {
		char *run = xasprintf("/run/user/%u", (unsigned)e->uid);

		probe_dir(c, run, false, &d);
		if (d.exists && dir_ok(&d, e->uid, 0766, 0700))
			return run;
		free(run);
	}
	tmp = tempdir_get(e);
	dir = xasprintf("%s/containers-user-%u", tmp, (unsigned)e->uid);
	free(tmp);
	probe_dir(c, dir, false, &d);
	if (d.would_make || dir_ok(&d, e->uid, 0766, 0700)) {
		made(c, &d, dir);
		return dir;
	}
	free(dir);
	home = homedir_get(e);
	if (!*home) {
		free(home);
		*err = xstrdup("neither XDG_RUNTIME_DIR nor temp dir nor HOME was set non-empty");
		return NULL;
	}
	resolved = eval_symlinks(c, home, &e2);
	if (!resolved) {
		*err = xasprintf("cannot resolve %s: %s", home, nf_strerror(e2));
		free(home);
		return NULL;
	}
	dir = go_join(resolved, "rundir");
	free(resolved);
	free(home);
	return dir;
}

char *runtime_dir_new(struct mctx *c, const struct userenv *e, char **err)
{
	const char *xdg = env_nonempty(e, "XDG_RUNTIME_DIR");
	char *run, *tmp, *dir, *resolved;
	struct dircheck d;
	int e2;

	*err = NULL;
	if (xdg) {
		resolved = eval_symlinks(c, xdg, &e2);
		if (!resolved)
			*err = xasprintf("lstat %s: %s", xdg, nf_strerror(e2));
		return resolved;
	}
	run = xasprintf("/run/user/%u", (unsigned)e->uid);
	probe_dir(c, run, false, &d);
	if (dir_ok(&d, e->uid, 0722, 0700)) {
		made(c, &d, run);
		return run;
	}
	free(run);
	tmp = tempdir_get(e);
	dir = xasprintf("%s/storage-run-%u", tmp, (unsigned)e->uid);
	resolved = go_clean_path(dir);
	free(dir);
	free(tmp);
	probe_dir(c, resolved, false, &d);
	if (dir_ok(&d, e->uid, 0722, 0700)) {
		made(c, &d, resolved);
		return resolved;
	}
	*err = xasprintf("path \"%s\" exists and it is not writeable only by the current user", resolved);
	free(resolved);
	return NULL;
}

/* Podman 4.x's own runtime directory (pkg/util GetRuntimeDir). */
static char *podman4_runtime_dir(struct mctx *c, const struct userenv *e, char **err)
{
	const char *home = env_nonempty(e, "HOME");
	char *cand[2], *tmp, *resolved;
	struct dircheck d;
	int e2;

	*err = NULL;
	tmp = tempdir_get(e);
	cand[0] = xasprintf("/run/user/%u", (unsigned)e->uid);
	cand[1] = xasprintf("%s/podman-run-%u", tmp, (unsigned)e->uid);
	free(tmp);
	for (int i = 0; i < 2; i++) {
		char *clean = go_clean_path(cand[i]);

		free(cand[i]);
		cand[i] = clean;
	}
	for (int i = 0; i < 2; i++) {
		probe_dir(c, cand[i], true, &d);
		if (d.would_make || (d.exists && d.st.st_uid == e->uid && (d.st.st_mode & 0700) == 0700)) {
			char *keep = cand[i];

			made(c, &d, keep);
			free(cand[1 - i]);
			return keep;
		}
	}
	free(cand[0]);
	free(cand[1]);
	if (!home) {
		*err = xstrdup("neither XDG_RUNTIME_DIR nor HOME was set non-empty");
		return NULL;
	}
	resolved = eval_symlinks(c, home, &e2);
	if (!resolved) {
		*err = xasprintf("cannot resolve %s: %s", home, nf_strerror(e2));
		return NULL;
	}
	tmp = go_join(resolved, "rundir");
	free(resolved);
	return tmp;
}

/* XDG_CONFIG_HOME as Podman sets it when the user has not. */
static char *podman_config_home(struct mctx *c, const struct userenv *e, char **err)
{
	char *home = c->v < PV(5, 0) ? xstrdup(env_get(e, "HOME") ? env_get(e, "HOME") : "") : homedir_get(e);
	char *resolved, *dir;
	struct dircheck d;
	int e2;

	*err = NULL;
	resolved = eval_symlinks(c, home, &e2);
	if (!resolved) {
		*err = xasprintf("cannot resolve %s: %s", home, nf_strerror(e2));
		free(home);
		return NULL;
	}
	free(home);
	dir = go_join(resolved, ".config");
	free(resolved);
	probe_dir(c, dir, true, &d);
	if (c->v < PV(5, 0)) {
		/* 4.x: an unsuitable ~/.config gives the empty string, not an error. */
		if (d.exists && d.st.st_uid == e->uid && (d.st.st_mode & 0777) >= 0700)
			return dir;
		free(dir);
		return xstrdup("");
	}
	if (d.exists && d.st.st_uid != e->uid) {
		*err = xasprintf("path \"%s\" exists and it is not owned by the current user", dir);
		free(dir);
		return NULL;
	}
	made(c, &d, dir);
	return dir;
}

void podman_xdg_env_copy(const struct userenv *in, struct userenv *out)
{
	memset(out, 0, sizeof(*out));
	out->uid = in->uid;
	out->gid = in->gid;
	out->user = in->user ? xstrdup(in->user) : NULL;
	out->passwd_home = in->passwd_home ? xstrdup(in->passwd_home) : NULL;
	out->assumed = in->assumed;
	for (size_t i = 0; i < in->n; i++) {
		out->vars = xreallocarray(out->vars, out->n + 1, sizeof(char *));
		out->vars[out->n++] = xstrdup(in->vars[i]);
	}
}

/*
 * containers/common's defaultTmpDir (pkg/config/default.go): from 5.0 a
 * rootless Podman os.Mkdir()s
 * <runtime dir>/libpod -- one level, not MkdirAll -- and, when it is already
 * there, chmods it 01700. Either failure stops every command ("Failed to
 * obtain podman configuration: mkdir .../libpod: permission denied").
 */
static void libpod_tmp_check(struct mctx *c, const struct userenv *out, char **err)
{
	const char *rt = env_get(out, "XDG_RUNTIME_DIR");
	char *dir, *parent, *slash;
	struct stat st;
	int e;

	/* 4.3.1 starts with a missing XDG_RUNTIME_DIR (seen on Debian 12); its
	 * own owner check above refuses one of another user's. */
	if (!c->m->rootless || !rt || !*rt || c->v < PV(5, 0))
		return;
	dir = go_join(rt, "libpod");
	if (fsx_stat(&c->fs, dir, &st) == 0) {
		if (st.st_uid != out->uid)
			*err = xasprintf("set sticky bit on: chmod %s: operation not permitted", dir);
	} else if (fsx_lstat(&c->fs, dir, &st) == 0) {
		*err = xasprintf("set sticky bit on: chmod %s: no such file or directory", dir);
	} else if (!under_made(c, rt)) {
		parent = xstrdup(dir);
		slash = strrchr(parent, '/');
		if (slash)
			*slash = '\0';
		e = fsx_access(&c->fs, *parent ? parent : "/", W_OK | X_OK);
		if (e)
			*err = xasprintf("mkdir %s: %s", dir, nf_strerror(e));
		free(parent);
	}
	free(dir);
}

void podman_xdg_env(struct mctx *c, const struct userenv *in, struct userenv *out, char **err)
{
	const char *xdg = env_get(in, "XDG_RUNTIME_DIR");
	char *v;

	*err = NULL;
	podman_xdg_env_copy(in, out);
	/* containers/common refuses a runtime directory owned by someone else. */
	if (xdg && *xdg && c->v < PV(5, 0)) {
		struct stat st;

		if (fsx_stat(&c->fs, xdg, &st) == 0 && st.st_uid != in->uid) {
			*err = xasprintf("XDG_RUNTIME_DIR directory \"%s\" is not owned by the current user", xdg);
			return;
		}
	}
	if (!xdg || !*xdg) {
		v = c->v < PV(5, 0) ? podman4_runtime_dir(c, in, err) : runtime_dir_new(c, in, err);
		if (!v)
			return;
		userenv_set(out, "XDG_RUNTIME_DIR", v);
		free(v);
	}
	libpod_tmp_check(c, out, err);
	if (*err)
		return;
	if (!env_nonempty(in, "XDG_CONFIG_HOME")) {
		v = podman_config_home(c, in, err);
		if (!v)
			return;
		userenv_set(out, "XDG_CONFIG_HOME", v);
		free(v);
	}
}

struct shortcut_arg {
	const char *pidfile;
};

/* Can we open the namespaces of the pid in BUF (N bytes of the pid file)?
 * 0 yes, 1 no. */
static int shortcut_ns(char *buf, ssize_t n)
{
	char ns[64];
	long pid;
	int fd;

	if (n <= 0)
		return 1;
	buf[n] = '\0';
	pid = strtol(buf, NULL, 10);
	if (pid <= 0)
		return 1;
	for (int i = 0; i < 2; i++) {
		snprintf(ns, sizeof(ns), "/proc/%ld/ns/%s", pid, i ? "mnt" : "user");
		fd = open(ns, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return 1;
		close(fd);
	}
	return 0;
}

/* In the user's name: can we read the pause pid and open its namespaces? */
static int shortcut_child(void *arg, struct guard_out *out)
{
	const struct shortcut_arg *a = arg;
	char buf[32];
	int fd = open(a->pidfile, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	(void)out;
	if (fd < 0)
		return 1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return shortcut_ns(buf, n);
}

/*
 * The same in this process: only for ourselves (as root for a user, the
 * kernel's access check on another process's namespaces would count
 * root's capabilities), and only when the walk proves the pid file local.
 * /proc of our own namespace cannot hang. -1: ask the child.
 */
static int shortcut_here(const struct mctx *c, const char *pidfile)
{
	struct fsx x = {.here_only = true};
	char *data = NULL, buf[32];
	size_t len, n;
	int err;

	if (c->fs.as)
		return -1;
	err = fsx_read_file(&x, pidfile, 4096, &data, &len);
	if (err == FSX_NOT_HERE || err == EFBIG || err == NF_EDEADLINE)
		return -1;
	if (err)
		return 1;
	n = len < sizeof(buf) - 1 ? len : sizeof(buf) - 1;
	if (n)
		memcpy(buf, data, n);
	free(data);
	return shortcut_ns(buf, (ssize_t)n);
}

bool podman_shortcut(struct mctx *c, const struct userenv *e, char **why)
{
	const char *xdg = env_nonempty(e, "XDG_RUNTIME_DIR");
	struct shortcut_arg a;
	struct guard_out out;
	char *pidfile;
	int status;
	bool yes;

	*why = NULL;
	if (!xdg)
		return false;
	pidfile = xasprintf("%s/libpod/tmp/pause.pid", xdg);
	a.pidfile = pidfile;
	status = shortcut_here(c, pidfile);
	if (status >= 0) {
		yes = status == 0;
	} else {
		yes = guard_run(c->fs.as, FSX_CALL_MS, shortcut_child, &a, &status, &out) == GUARD_OK &&
		      status == 0;
		free(out.data);
	}
	if (yes)
		*why = xasprintf("a Podman pause process is running (%s), so Podman joins its namespaces "
				 "in a single process with your environment unchanged", pidfile);
	free(pidfile);
	return yes;
}

/* The type of the filesystem PATH (or the nearest mount above it) is on. */
static char *fs_type_of(struct mctx *c, const char *path)
{
	struct mount_table t = {0};
	struct libmnt_fs *fs;
	char *real = NULL, *type = NULL;

	if (fsx_resolve_prefix(&c->fs, path, &real) != 0)
		real = xstrdup(path);
	if (mount_table_load(&t, NULL) == 0 && (fs = mount_table_find(&t, real)) && mnt_fs_get_fstype(fs))
		type = xstrdup(mnt_fs_get_fstype(fs));
	mount_table_free(&t);
	free(real);
	return type;
}

/*
 * Would drivers.New's getBuiltinDriver(NAME) start, or fail with one of the
 * errors it skips (ErrNotSupported, ErrPrerequisites, ErrIncompatibleFS)?
 * NOTE says why, when it would.
 */
static bool driver_starts(struct mctx *c, const char *name, const char *graphroot, char **note)
{
	char *type = fs_type_of(c, graphroot), *found = NULL;
	bool net = type && fs_kind_from_type(type)->family == FSF_NETWORK, yes = false;
	bool fuse;

	*note = NULL;
	if (strcmp(name, "vfs") == 0) {
		yes = true;
	} else if (strcmp(name, "btrfs") == 0 || strcmp(name, "zfs") == 0) {
		/* btrfs and zfs Init refuse a graphroot on another filesystem. */
		yes = type && strcmp(type, name) == 0;
	} else if (strcmp(name, "overlay") == 0) {
		fuse = fsx_lookpath(&c->fs, "fuse-overlayfs", env_get(c->env0, "PATH"), &found) == 0;
		if (net && fuse)
			*note = xasprintf("overlay through %s on a network filesystem", found);
		else if (!net && kernel_rootless_overlay(NULL, 0))
			*note = xstrdup("native overlay: the kernel allows it in a user namespace");
		else if (!net && fuse)
			*note = xasprintf("overlay through %s", found);
		yes = *note != NULL;
	}
	if (yes && !*note)
		*note = xasprintf("the graphroot is on %s", type ? type : "an unknown filesystem");
	free(type);
	free(found);
	return yes;
}

/*
 * No driver configured: storage's drivers.New (drivers/driver.go). It walks
 * driver_priority, or its built-in list overlay, btrfs, zfs, vfs: first a
 * driver whose <graphroot>/<name> directory is left from earlier use (vfs
 * only when the list was configured), then the first driver that starts.
 */
void predict_driver(struct mctx *c, struct setting *driver, const char *graphroot,
		    const struct setting *priority)
{
	static const char *const builtin[] = {"overlay", "btrfs", "zfs", "vfs"};
	const char *list[16];
	size_t n = 0;
	char *copy = NULL, *save = NULL, *tok, *note = NULL, *pick = NULL;
	bool configured = priority->value && *priority->value;
	struct origin o = {0};

	if (driver->value && *driver->value)
		return;
	if (configured) {
		copy = xstrdup(priority->value);
		for (tok = strtok_r(copy, ",", &save); tok && n < ARRAY_SIZE(list); tok = strtok_r(NULL, ",", &save))
			list[n++] = tok;
	} else {
		for (; n < ARRAY_SIZE(builtin); n++)
			list[n] = builtin[n];
	}
	for (size_t i = 0; i < n && !pick; i++) {
		char *dir = go_join(graphroot, list[i]);
		struct stat st;

		if ((strcmp(list[i], "vfs") != 0 || configured) && fsx_stat(&c->fs, dir, &st) == 0 &&
		    S_ISDIR(st.st_mode)) {
			pick = xstrdup(list[i]);
			note = xasprintf("%s exists from earlier use", dir);
		}
		free(dir);
	}
	for (size_t i = 0; i < n && !pick; i++)
		if (driver_starts(c, list[i], graphroot, &note))
			pick = xstrdup(list[i]);
	if (!pick) {
		pick = xstrdup("vfs");
		note = xstrdup("no driver of the priority list starts; vfs always does");
	}
	if (configured) {
		char *full = xasprintf("%s (driver_priority %s)", note, priority->value);

		free(note);
		note = full;
	}
	o.kind = OR_AUTO;
	o.note = note;
	setting_set(driver, pick, &o);
	origin_clear(&o);
	free(pick);
	free(copy);
}
