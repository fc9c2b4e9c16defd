/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Podman up to 5.8: exactly one storage.conf wins, nothing is merged.
 *
 * Rootless Podman runs as two processes. The parent P starts with the
 * user's environment, sets XDG_RUNTIME_DIR and XDG_CONFIG_HOME, opens the
 * libpod database (creating it with its own view of the storage roots) and
 * re-executes itself as C inside the user namespace; C reads the database
 * back. containers-storage keeps state per process -- the system file is
 * chosen once, and up to 5.2 the first answer is cached, computed from the
 * environment before Podman changes it -- so the same files can give P and
 * C different answers. This file replays that, one process at a time.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goexpand.h"
#include "kernel-overlay.h"
#include "model-internal.h"
#include "util.h"
#include "xalloc.h"

/* containers-storage's StoreOptions, each value with where it came from. */
struct sopts {
	struct setting runroot;
	struct setting graphroot;
	struct setting rsp;
	struct setting driver;
	struct setting imagestore;
	struct setting transient;
	struct setting priority;
	struct option_list options;
};

/* containers-storage's package state inside one Podman process. */
struct lproc {
	struct mctx *c;
	const char *name;
	bool s_done;
	struct model_file *S;
	struct sopts sys;          /* defaultStoreOptions: what S says */
	bool set_file;             /* defaultConfigFileSet (CONTAINERS_STORAGE_CONF) */
	const char *set_path;
	bool have_whole;           /* the whole answer is cached (storage 1.45+) */
	struct sopts whole;
	char *a4_path;             /* prevReloadConfig (storage up to 1.44) */
	struct sopts a4;
	bool calls;
	char *first_graphroot;     /* the static_dir base of common's first call */
	char *fatal;
	struct model_file *U;      /* the user file this process applied */
};

static void sopts_clear(struct sopts *o)
{
	setting_clear(&o->runroot);
	setting_clear(&o->graphroot);
	setting_clear(&o->rsp);
	setting_clear(&o->driver);
	setting_clear(&o->imagestore);
	setting_clear(&o->transient);
	setting_clear(&o->priority);
	options_clear(&o->options);
}

static void sopts_copy(struct sopts *dst, const struct sopts *src)
{
	setting_copy(&dst->runroot, &src->runroot);
	setting_copy(&dst->graphroot, &src->graphroot);
	setting_copy(&dst->rsp, &src->rsp);
	setting_copy(&dst->driver, &src->driver);
	setting_copy(&dst->imagestore, &src->imagestore);
	setting_copy(&dst->transient, &src->transient);
	setting_copy(&dst->priority, &src->priority);
	options_copy(&dst->options, &src->options);
}

static bool empty(const struct setting *s)
{
	return !s->value || !*s->value;
}

static void lproc_fatal(struct lproc *p, const char *fmt, ...) NF_PRINTF(2, 3);

static void lproc_fatal(struct lproc *p, const char *fmt, ...)
{
	va_list ap;

	if (p->fatal)
		return;
	va_start(ap, fmt);
	p->fatal = xvasprintf(fmt, ap);
	va_end(ap);
}


/* The origin of KEY in F, for options built from it. */
static void key_origin(const struct model_file *f, enum sc_key key, struct origin *o)
{
	origin_set_file(o, f->path, f->conf.set[key].line);
}

static const char *fstr(const struct model_file *f, enum sc_key key)
{
	const char *s = sc_file_string(&f->conf, key);

	return s && *s ? s : NULL;
}

/* One driver option from the driver's table, or the generic fallback. */
static void emit(struct option_list *l, const struct model_file *f, const char *drv, const char *name,
		 enum sc_key table_key, enum sc_key generic_key)
{
	enum sc_key k = fstr(f, table_key) ? table_key
			: (generic_key != SK_NONE && fstr(f, generic_key)) ? generic_key : SK_NONE;
	struct origin o = {0};

	if (k == SK_NONE)
		return;
	key_origin(f, k, &o);
	options_add(l, &o, "%s.%s=%s", drv, name, fstr(f, k));
	origin_clear(&o);
}

/* pkg/config GetGraphDriverOptions: the keys of the driver in use. */
static void driver_table_options(struct option_list *l, const struct model_file *f, const char *drv)
{
	if (strcmp(drv, "overlay") == 0 || strcmp(drv, "overlay2") == 0) {
		emit(l, f, drv, "ignore_chown_errors", SK_OVERLAY_IGNORE_CHOWN_ERRORS, SK_OPT_IGNORE_CHOWN_ERRORS);
		emit(l, f, drv, "mount_program", SK_OVERLAY_MOUNT_PROGRAM, SK_OPT_MOUNT_PROGRAM);
		emit(l, f, drv, "mountopt", SK_OVERLAY_MOUNTOPT, SK_OPT_MOUNTOPT);
		emit(l, f, drv, "size", SK_OVERLAY_SIZE, SK_OPT_SIZE);
		emit(l, f, drv, "inodes", SK_OVERLAY_INODES, SK_NONE);
		emit(l, f, drv, "skip_mount_home", SK_OVERLAY_SKIP_MOUNT_HOME, SK_OPT_SKIP_MOUNT_HOME);
		emit(l, f, drv, "force_mask", SK_OVERLAY_FORCE_MASK, SK_NONE);
		emit(l, f, drv, "use_composefs", SK_OVERLAY_USE_COMPOSEFS, SK_OPT_USE_COMPOSEFS);
	} else if (strcmp(drv, "vfs") == 0) {
		emit(l, f, drv, "ignore_chown_errors", SK_VFS_IGNORE_CHOWN_ERRORS, SK_OPT_IGNORE_CHOWN_ERRORS);
	} else if (strcmp(drv, "btrfs") == 0) {
		emit(l, f, drv, "min_space", SK_BTRFS_MIN_SPACE, SK_NONE);
		emit(l, f, drv, "size", SK_BTRFS_SIZE, SK_OPT_SIZE);
	} else if (strcmp(drv, "zfs") == 0) {
		emit(l, f, drv, "fsname", SK_ZFS_FSNAME, SK_NONE);
		emit(l, f, drv, "mountopt", SK_ZFS_MOUNTOPT, SK_OPT_MOUNTOPT);
		emit(l, f, drv, "size", SK_ZFS_SIZE, SK_OPT_SIZE);
	}
}

static void list_options(struct option_list *l, const struct model_file *f, const char *drv,
			 enum sc_key key, const char *name)
{
	const struct tv *v = f->conf.set[key].value;
	struct origin o = {0};

	if (!v || v->type != TV_ARRAY)
		return;
	key_origin(f, key, &o);
	for (size_t i = 0; i < v->u.arr.n; i++)
		if (v->u.arr.items[i]->type == TV_STRING)
			options_add(l, &o, "%s.%s=%s", drv, name, v->u.arr.items[i]->u.str.s);
	origin_clear(&o);
}

static char *join_strings(const struct tv *v)
{
	char *out = xstrdup("");

	for (size_t i = 0; v && v->type == TV_ARRAY && i < v->u.arr.n; i++) {
		char *next;

		if (v->u.arr.items[i]->type != TV_STRING)
			continue;
		next = xasprintf("%s%s%s", out, *out ? "," : "", v->u.arr.items[i]->u.str.s);
		free(out);
		out = next;
	}
	return out;
}

/* STORAGE_OPTS: a comma list; "" gives no options at all. */
static void storage_opts_env(struct option_list *l, const char *val)
{
	struct origin o = {0};
	char *copy = xstrdup(val), *save = NULL, *tok;

	origin_set_env(&o, "STORAGE_OPTS");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		options_add(l, &o, "%s", tok);
	origin_clear(&o);
	free(copy);
}

/* ReloadConfigurationFile: everything F says, replacing what O held. */
static void reload(struct lproc *p, const struct model_file *f, const struct userenv *e, struct sopts *o)
{
	struct mctx *c = p->c;
	const char *env_driver = env_nonempty(e, "STORAGE_DRIVER");
	const char *opts_env = env_get(e, "STORAGE_OPTS");
	const char *prefix;
	struct origin og = {0};

	sopts_clear(o);
	if (fstr(f, SK_DRIVER))
		setting_from_file(&o->driver, f, SK_DRIVER);
	driver_normalise(&o->driver, e);
	/* Generic options are prefixed with the driver as written, before overlay2 is renamed. */
	prefix = env_driver ? env_driver : fstr(f, SK_DRIVER) ? fstr(f, SK_DRIVER) : "";
	if (fstr(f, SK_RUNROOT))
		setting_from_file(&o->runroot, f, SK_RUNROOT);
	if (fstr(f, SK_GRAPHROOT))
		setting_from_file(&o->graphroot, f, SK_GRAPHROOT);
	if (fstr(f, SK_ROOTLESS_STORAGE_PATH))
		setting_from_file(&o->rsp, f, SK_ROOTLESS_STORAGE_PATH);
	if (c->v >= PV(4, 4) && f->conf.set[SK_DRIVER_PRIORITY].value) {
		char *list = join_strings(f->conf.set[SK_DRIVER_PRIORITY].value);

		key_origin(f, SK_DRIVER_PRIORITY, &og);
		if (*list)
			setting_set(&o->priority, list, &og);
		free(list);
	}
	if (c->v >= PV(4, 4) && f->conf.set[SK_TRANSIENT_STORE].value) {
		key_origin(f, SK_TRANSIENT_STORE, &og);
		setting_set(&o->transient, f->conf.set[SK_TRANSIENT_STORE].value->u.b ? "true" : "false", &og);
	}
	if (c->v >= PV(4, 6) && fstr(f, SK_IMAGESTORE))
		setting_from_file(&o->imagestore, f, SK_IMAGESTORE);

	list_options(&o->options, f, prefix, SK_OPT_ADDITIONALIMAGESTORES, "imagestore");
	list_options(&o->options, f, prefix, SK_OPT_ADDITIONALLAYERSTORES, "additionallayerstore");
	emit(&o->options, f, prefix, "size", SK_OPT_SIZE, SK_NONE);
	emit(&o->options, f, prefix, "mount_program", SK_OPT_MOUNT_PROGRAM, SK_NONE);
	emit(&o->options, f, prefix, "skip_mount_home", SK_OPT_SKIP_MOUNT_HOME, SK_NONE);
	emit(&o->options, f, prefix, "ignore_chown_errors", SK_OPT_IGNORE_CHOWN_ERRORS, SK_NONE);
	if (f->conf.set[SK_OPT_FORCE_MASK].value && f->conf.set[SK_OPT_FORCE_MASK].value->u.i) {
		key_origin(f, SK_OPT_FORCE_MASK, &og);
		options_add(&o->options, &og, "%s.force_mask=%llo", prefix,
			    (unsigned long long)f->conf.set[SK_OPT_FORCE_MASK].value->u.i);
	}
	emit(&o->options, f, prefix, "mountopt", SK_OPT_MOUNTOPT, SK_NONE);
	driver_table_options(&o->options, f, o->driver.value ? o->driver.value : "");
	if (opts_env) {
		options_clear(&o->options);
		storage_opts_env(&o->options, opts_env);
	}
	origin_clear(&og);
}

/* Load F and check it decoded; a failure is fatal where the caller says so. */
static struct model_file *load(struct lproc *p, const char *path, enum file_role role, bool fatal)
{
	struct model_file *f = mctx_load(p->c, path, role);

	if (f->err && f->err != ENOENT && f->err != NF_EDEADLINE && fatal)
		lproc_fatal(p, "%s: %s", path, nf_strerror(f->err));
	else if (f->err == 0 && !f->decoded && fatal)
		lproc_fatal(p, "%s:%u: %s", path, f->conf.decode_error_line, f->conf.decode_error);
	return f;
}

/* loadDefaultStoreOptions: choose the system file S, once per process. */
static void choose_system_file(struct lproc *p, const struct userenv *e)
{
	struct mctx *c = p->c;
	const char *csc = env_get(e, "CONTAINERS_STORAGE_CONF");
	const char *cand = SYS_ETC_CONF;
	char *h = NULL;
	int err;

	p->s_done = true;
	p->set_file = csc && c->v < PV(5, 6);
	p->set_path = csc;
	if (csc && c->v >= PV(4, 2)) {
		if (!*csc) {
			lproc_fatal(p, "stat : no such file or directory (CONTAINERS_STORAGE_CONF is empty)");
			return;
		}
		err = mctx_exists(c, csc);
		if (err) {
			mctx_load(c, csc, ROLE_ENV);
			lproc_fatal(p, "stat %s: %s", csc, nf_strerror(err));
			return;
		}
		p->S = load(p, csc, ROLE_ENV, true);
		goto loaded;
	}
	/* Podman 4.3 added $XDG_CONFIG_HOME as a candidate; set-but-empty counts. */
	if (c->v >= PV(4, 3) && env_get(e, "XDG_CONFIG_HOME")) {
		/* Set but empty: a path relative to Podman's working directory. */
		h = go_join(env_get(e, "XDG_CONFIG_HOME"), "containers/storage.conf");
		err = mctx_exists(c, h);
		if (err == 0)
			cand = h;
		else if (err != ENOENT) {
			lproc_fatal(p, "stat %s: %s", h, nf_strerror(err));
			free(h);
			return;
		}
	}
	err = mctx_exists(c, cand);
	if (err == 0) {
		bool user = strcmp(cand, SYS_ETC_CONF) != 0;

		p->S = load(p, cand, user ? ROLE_USER : ROLE_SYSTEM, c->v >= PV(4, 2));
		if (user)
			mctx_mention(c, SYS_ETC_CONF, ROLE_SYSTEM, -1, "not read: the user file takes the system file's place");
		mctx_mention(c, SYS_USR_CONF, ROLE_SYSTEM, -1, "not read: an earlier system file exists");
	} else {
		if (strcmp(cand, SYS_ETC_CONF) != 0)
			mctx_load(c, SYS_ETC_CONF, ROLE_SYSTEM);
		else
			mctx_load(c, cand, ROLE_SYSTEM); /* recorded as absent */
		p->S = load(p, SYS_USR_CONF, ROLE_SYSTEM, c->v >= PV(4, 2));
	}
	free(h);
	if (p->S && p->S->err) {
		p->S = NULL;
		return;
	}
	/* 4.0 and 4.1: CONTAINERS_STORAGE_CONF comes in through containers/common. */
	if (csc && c->v < PV(4, 2)) {
		struct model_file *f = load(p, csc, ROLE_ENV, false);

		if (f->err == 0 && f->decoded)
			p->S = f;
	}
loaded:
	if (p->S && p->S->err == 0 && p->S->decoded) {
		reload(p, p->S, e, &p->sys);
		/* The reload cache also remembers S, as read, under its path. */
		if (c->v < PV(4, 4)) {
			free(p->a4_path);
			p->a4_path = xstrdup(p->S->path);
			sopts_copy(&p->a4, &p->sys);
		}
	}
}

static bool rootless_driver(const char *d)
{
	return d && (strcmp(d, "btrfs") == 0 || strcmp(d, "overlay") == 0 ||
		     strcmp(d, "overlay2") == 0 || strcmp(d, "vfs") == 0);
}

/*
 * From 4.6: a "<driver>-images" directory left by earlier use, else overlay
 * when fuse-overlayfs is installed or the kernel is 5.13 or newer, else vfs.
 * The filesystem is not looked at here; the driver itself may refuse it.
 */
static void auto_driver_46(struct mctx *c, struct setting *driver, const char *graphroot)
{
	struct origin og = {.kind = OR_AUTO};
	char **names = NULL, *fuse = NULL;
	bool *dirs = NULL;
	size_t n = 0;
	char rel[65];

	if (graphroot && fsx_list_dir(&c->fs, graphroot, &names, &dirs, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			size_t len = strlen(names[i]);

			if (len > 7 && strcmp(names[i] + len - 7, "-images") == 0) {
				char *d = xstrndup(names[i], len - 7);

				og.note = xasprintf("%s/%s exists from earlier use", graphroot, names[i]);
				setting_set(driver, d, &og);
				free(d);
				goto out;
			}
		}
	}
	if (fsx_lookpath(&c->fs, "fuse-overlayfs", env_get(c->env0, "PATH"), &fuse) == 0) {
		og.note = xasprintf("%s is installed", fuse);
		setting_set(driver, "overlay", &og);
	} else if (kernel_rootless_overlay(rel, sizeof(rel))) {
		og.note = xasprintf("kernel %s allows overlay in a user namespace", rel);
		setting_set(driver, "overlay", &og);
	} else {
		og.note = xstrdup("neither fuse-overlayfs nor a kernel 5.13 or newer");
		setting_set(driver, "vfs", &og);
	}
out:
	origin_clear(&og);
	fsx_free_names(names, n);
	free(dirs);
	free(fuse);
}

/* The driver when nothing chose one, by release (getRootlessStorageOpts). */
static void fallback_driver(struct lproc *p, struct sopts *o)
{
	struct mctx *c = p->c;
	struct origin og = {0};
	char *fuse = NULL;

	if (c->v >= PV(4, 4) && !empty(&o->priority))
		return; /* left empty: the store tries the priority list */
	og.kind = OR_AUTO;
	if (c->v < PV(4, 1)) {
		if (fsx_lookpath(&c->fs, "fuse-overlayfs", env_get(c->env0, "PATH"), &fuse) == 0) {
			og.note = xstrdup("fuse-overlayfs is installed");
			setting_set(&o->driver, "overlay", &og);
			options_add(&o->options, &og, "overlay.mount_program=%s", fuse);
		} else {
			og.note = xstrdup("no fuse-overlayfs");
			setting_set(&o->driver, "vfs", &og);
		}
	} else if (c->v < PV(4, 6)) {
		og.note = xstrdup("this release falls back to vfs when no driver is configured");
		setting_set(&o->driver, "vfs", &og);
	} else {
		auto_driver_46(c, &o->driver, o->graphroot.value);
	}
	origin_clear(&og);
	free(fuse);
}

/* getRootlessStorageOpts: the rootless baseline from S. */
static void baseline(struct lproc *p, const struct userenv *e, struct sopts *o)
{
	struct mctx *c = p->c;
	const char *opts_env = env_nonempty(e, "STORAGE_OPTS");
	char *err = NULL, *dir, *note;
	struct origin og = {0};

	sopts_clear(o);
	dir = c->v < PV(5, 0) ? runtime_dir_old(c, e, &err) : runtime_dir_new(c, e, &err);
	if (!dir) {
		lproc_fatal(p, "%s", err);
		free(err);
		return;
	}
	note = xasprintf("runtime directory %s", dir);
	origin_set_default(&og, note);
	free(note);
	{
		char *rr = go_join(dir, "containers");

		/* GetRootlessRuntimeDir creates it before anything else looks. */
		mctx_made(c, rr);
		setting_set(&o->runroot, rr, &og);
		free(rr);
	}
	free(dir);
	if (!empty(&p->sys.rsp)) {
		char *g = expand_storage_path(c, p->sys.rsp.value, e);

		setting_set(&o->graphroot, g, &p->sys.rsp.origin);
		o->graphroot.written = xstrdup(p->sys.rsp.value);
		free(g);
	} else {
		char *dh = data_home(e), *g = go_join(dh, "containers/storage");

		origin_set_default(&og, env_nonempty(e, "XDG_DATA_HOME") ? "$XDG_DATA_HOME/containers/storage"
									 : "$HOME/.local/share/containers/storage");
		setting_set(&o->graphroot, g, &og);
		free(g);
		free(dh);
	}
	if (rootless_driver(p->sys.driver.value))
		setting_copy(&o->driver, &p->sys.driver);
	driver_normalise(&o->driver, e);
	setting_copy(&o->priority, &p->sys.priority);
	if (p->set_file) {
		options_copy(&o->options, &p->sys.options);
		if (c->v >= PV(4, 6))
			setting_copy(&o->imagestore, &p->sys.imagestore);
	} else if (o->driver.value && strcmp(o->driver.value, "overlay") == 0) {
		for (size_t i = 0; i < p->sys.options.n; i++)
			if (strstr(p->sys.options.v[i].text, "ignore_chown_errors")) {
				options_add(&o->options, &p->sys.options.v[i].origin, "%s", p->sys.options.v[i].text);
				break;
			}
	}
	if (empty(&o->driver))
		fallback_driver(p, o);
	if (opts_env)
		storage_opts_env(&o->options, opts_env);
	origin_clear(&og);
}

/* DefaultConfigFile(rootless): the user file's path. */
static char *user_file(struct lproc *p, const struct userenv *e)
{
	const char *csc = env_get(e, "CONTAINERS_STORAGE_CONF");
	const char *x = env_nonempty(e, "XDG_CONFIG_HOME");
	char *home, *u;

	if (p->set_file)
		return xstrdup(p->set_path);
	if (csc)
		return xstrdup(csc);
	if (x)
		return go_join(x, "containers/storage.conf");
	home = homedir_get(e);
	if (!*home) {
		free(home);
		lproc_fatal(p, "cannot determine user's homedir");
		return NULL;
	}
	u = go_join(home, ".config/containers/storage.conf");
	free(home);
	return u;
}

static void expand_final(struct mctx *c, struct setting *s, const struct userenv *e)
{
	char *x;

	if (empty(s))
		return;
	x = expand_storage_path(c, s->value, e);
	free(s->value);
	s->value = x;
}

/* DefaultStoreOptions(rootless, uid) in process P, with environment E. */
static void lproc_call(struct lproc *p, const struct userenv *e, struct sopts *out)
{
	struct mctx *c = p->c;
	struct sopts o = {0};
	char *u;
	bool hit = false;
	int err;

	sopts_clear(out);
	if (p->fatal)
		return;
	if (!p->s_done)
		choose_system_file(p, e);
	if (p->fatal)
		return;
	if (p->have_whole) {
		sopts_copy(out, &p->whole);
		return;
	}
	baseline(p, e, &o);
	u = p->fatal ? NULL : user_file(p, e);
	if (!u)
		goto out;
	err = mctx_exists(c, u);
	if (err == ENOENT)
		mctx_mention(c, u, ROLE_USER, ENOENT, NULL);
	if (err && err != ENOENT) {
		lproc_fatal(p, "stat %s: %s", u, nf_strerror(err));
		free(u);
		goto out;
	}
	if (err == 0 && !p->set_file) {
		struct setting rr = {0}, gr = {0};
		struct sopts uo = {0};

		setting_copy(&rr, &o.runroot);
		setting_copy(&gr, &o.graphroot);
		if (c->v < PV(4, 4) && p->a4_path && strcmp(p->a4_path, u) == 0) {
			sopts_copy(&uo, &p->a4);
			hit = true;
		} else {
			struct model_file *f = mctx_load(c, u, ROLE_USER);

			p->U = f;
			/* A file that fails here is skipped, not fatal: only the system-file
			 * path above stops Podman (and it does when U is also S). */
			if (f->err == 0 && f->decoded)
				reload(p, f, e, &uo);
		}
		if (empty(&uo.runroot))
			setting_copy(&uo.runroot, &rr);
		if (empty(&uo.graphroot)) {
			if (!empty(&uo.rsp))
				setting_copy(&uo.graphroot, &uo.rsp);
			else
				setting_copy(&uo.graphroot, &gr);
		}
		setting_clear(&rr);
		setting_clear(&gr);
		sopts_clear(&o);
		o = uo;
	}
	expand_final(c, &o.runroot, e);
	expand_final(c, &o.graphroot, e);
	expand_final(c, &o.rsp, e);
	if (c->v >= PV(4, 5) && (empty(&o.runroot) || empty(&o.graphroot)))
		lproc_fatal(p, empty(&o.runroot) ? "runroot must be set" : "graphroot must be set");
	if (c->v >= PV(4, 7) && !empty(&o.imagestore) && strcmp(o.imagestore.value, o.graphroot.value) == 0)
		lproc_fatal(p, "imagestore %s must either be not set or be a different than graphroot",
			    o.imagestore.value);
	/* Up to 4.3 the reload cache keeps a pointer to this very answer. */
	if (c->v < PV(4, 4) && err == 0 && !p->set_file && !hit) {
		free(p->a4_path);
		p->a4_path = xstrdup(u);
		sopts_copy(&p->a4, &o);
	}
	free(u);
out:
	if (!p->calls) {
		p->calls = true;
		p->first_graphroot = o.graphroot.value ? xstrdup(o.graphroot.value) : NULL;
	}
	if (c->v >= PV(4, 4)) {
		p->have_whole = true;
		sopts_copy(&p->whole, &o);
	}
	*out = o;
}

static void lproc_free(struct lproc *p)
{
	sopts_clear(&p->sys);
	sopts_clear(&p->whole);
	sopts_clear(&p->a4);
	free(p->a4_path);
	free(p->first_graphroot);
	free(p->fatal);
}

/* Keys of a system file that containers-storage ignores for rootless users. */
static void note_ignored_system_keys(struct mctx *c, const struct model_file *S)
{
	static const enum sc_key ignored[] = {
		SK_GRAPHROOT, SK_RUNROOT, SK_IMAGESTORE, SK_OPT_MOUNT_PROGRAM, SK_OVERLAY_MOUNT_PROGRAM,
		SK_OPT_ADDITIONALIMAGESTORES, SK_OPT_FORCE_MASK, SK_OVERLAY_FORCE_MASK, SK_OPT_MOUNTOPT,
		SK_OVERLAY_MOUNTOPT,
	};

	for (size_t i = 0; i < ARRAY_SIZE(ignored); i++) {
		const struct sc_setting *s = &S->conf.set[ignored[i]];

		if (s->value)
			problem_add(&c->m->problems, PR_NOTE, S->path, s->line,
				    "rootless Podman ignores it (only driver, rootless_storage_path and "
				    "ignore_chown_errors are taken from this file)",
				    "%s: applies to root only", s->written);
	}
}

/* What the final answer takes from a view: the three values the database keeps. */
static void take_view(struct model *m, const struct sopts *v)
{
	setting_copy(&m->runroot, &v->runroot);
	setting_copy(&m->graphroot, &v->graphroot);
	setting_copy(&m->driver, &v->driver);
}

static void take_rest(struct model *m, const struct sopts *v)
{
	setting_copy(&m->rootless_storage_path, &v->rsp);
	setting_copy(&m->imagestore, &v->imagestore);
	setting_copy(&m->transient_store, &v->transient);
	setting_copy(&m->driver_priority, &v->priority);
	options_copy(&m->options, &v->options);
}

static char *static_dir(const struct lproc *p, const struct sopts *libpod_view)
{
	const char *base = p->c->v < PV(4, 8) ? p->first_graphroot : libpod_view->graphroot.value;

	return base ? go_join(base, "libpod") : NULL;
}

/*
 * From 5.3, P's storage.conf is read once XDG_RUNTIME_DIR is set, but by
 * cmd/podman's setXdgDirs, which sets XDG_CONFIG_HOME only when it is
 * unset (os.LookupEnv); libpod's SetXdgDirs replaces an empty one with
 * ~/.config only later, for C. So a set-but-empty XDG_CONFIG_HOME still
 * makes P's system file the relative containers/storage.conf. Seen on
 * Debian's 5.4.2: P created the database with that file's driver, which C
 * then took over ("User-selected graph driver overwritten ... from database").
 */
static void p_first_read(struct lproc *P, const struct userenv *env0, const struct userenv *env1,
			 struct sopts *vp)
{
	const char *x = env_get(env0, "XDG_CONFIG_HOME");
	struct userenv envp;

	if (!x || *x) {
		lproc_call(P, env1, vp);
		return;
	}
	podman_xdg_env_copy(env1, &envp);
	userenv_set(&envp, "XDG_CONFIG_HOME", "");
	lproc_call(P, &envp, vp);
	userenv_free(&envp);
}

void model_legacy(struct mctx *c)
{
	struct model *m = c->m;
	struct lproc P = {.c = c, .name = "P"}, C = {.c = c, .name = "C"};
	struct sopts vp = {0}, vc = {0};
	struct userenv env1;
	char *why = NULL, *err = NULL, *p_static = NULL, *c_static = NULL;
	bool shortcut = podman_shortcut(c, c->env0, &why);

	podman_xdg_env(c, c->env0, &env1, &err);
	if (err) {
		m->fatal = true;
		m->fatal_message = err;
		userenv_free(&env1);
		free(why);
		return;
	}
	/* Up to 5.2 containers/common reads storage.conf at program start,
	 * before Podman has set XDG_RUNTIME_DIR and XDG_CONFIG_HOME. */
	if (c->v < PV(5, 3)) {
		lproc_call(&P, c->env0, &vp);
		lproc_call(&P, &env1, &vp);
	} else {
		p_first_read(&P, c->env0, &env1, &vp);
	}
	p_static = static_dir(&P, &vp);
	if (shortcut) {
		model_note(m, "%s", why);
		take_view(m, &vp);
		take_rest(m, &vp);
		c_static = p_static ? xstrdup(p_static) : NULL;
	} else {
		if (c->v < PV(5, 3))
			lproc_call(&C, &env1, &vc);
		lproc_call(&C, &env1, &vc);
		c_static = static_dir(&C, &vc);
		take_view(m, &vc);
		take_rest(m, &vc);
		/* P creates the database C then reads, when both look in one place. */
		if (p_static && c_static && strcmp(p_static, c_static) == 0 && !P.fatal) {
			take_view(m, &vp);
			if (P.U != C.U || strcmp(vp.graphroot.value ? vp.graphroot.value : "",
						  vc.graphroot.value ? vc.graphroot.value : "") ||
			    strcmp(vp.runroot.value ? vp.runroot.value : "", vc.runroot.value ? vc.runroot.value : ""))
				model_note(m, "Podman's first process computes the roots before it sets "
					      "XDG_RUNTIME_DIR and XDG_CONFIG_HOME, and stores them in the libpod "
					      "database, which the second process then follows");
		} else if (p_static && c_static && strcmp(p_static, c_static) != 0) {
			model_note(m, "Podman's two processes disagree on the graphroot (%s and %s); "
				      "the second one's answer is reported", vp.graphroot.value, vc.graphroot.value);
		}
	}
	if (P.fatal || C.fatal) {
		m->fatal = true;
		m->fatal_message = xstrdup(P.fatal ? P.fatal : C.fatal);
	}
	if (P.S && P.S->role == ROLE_SYSTEM) {
		P.S->used = true;
		note_ignored_system_keys(c, P.S);
	}
	if (C.S && !shortcut)
		C.S->used = true;
	if (C.U && C.U->decoded && !shortcut)
		C.U->used = true;
	if (P.U && P.U->decoded)
		P.U->used = true;
	if (!m->fatal)
		model_apply_database(c, c_static);
	free(p_static);
	free(c_static);
	free(why);
	sopts_clear(&vp);
	sopts_clear(&vc);
	lproc_free(&P);
	lproc_free(&C);
	userenv_free(&env1);
}

/* Root: the system file as is, with the rootful defaults. */
void model_legacy_rootful(struct mctx *c)
{
	struct model *m = c->m;
	struct lproc P = {.c = c, .name = "root"};
	struct origin o = {0};

	choose_system_file(&P, c->env0);
	if (P.fatal) {
		m->fatal = true;
		m->fatal_message = xstrdup(P.fatal);
		lproc_free(&P);
		return;
	}
	if (P.S)
		P.S->used = true;
	take_view(m, &P.sys);
	take_rest(m, &P.sys);
	origin_set_default(&o, NULL);
	if (empty(&m->graphroot))
		setting_set(&m->graphroot, "/var/lib/containers/storage", &o);
	if (empty(&m->runroot))
		setting_set(&m->runroot, "/run/containers/storage", &o);
	expand_final(c, &m->graphroot, c->env0);
	expand_final(c, &m->runroot, c->env0);
	origin_clear(&o);
	lproc_free(&P);
	{
		char *sd = go_join(m->graphroot.value, "libpod");

		model_apply_database(c, sd);
		free(sd);
	}
}
