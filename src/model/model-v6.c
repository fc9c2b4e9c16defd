/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Podman 6.0: one main file, then *.conf drop-ins from up to seven
 * directories (a name in a higher-priority directory hides the same name
 * below it; the survivors apply in name order), then
 * $CONTAINERS_STORAGE_CONF_OVERRIDE. Every file decodes into one struct, so
 * a later scalar -- even an empty one -- replaces an earlier one, tables
 * merge per key, and arrays replace unless they carry {append = true}.
 * Any file that fails to decode stops Podman.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goexpand.h"
#include "model-internal.h"
#include "util.h"
#include "xalloc.h"

/* A merged array: the strings with the file each came from. */
struct slice {
	struct option_list items;
	int append; /* -1 never set; Slice's attribute outlives the file that set it */
};

struct merged {
	struct setting s[SK__COUNT];   /* string keys */
	struct slice priority, ais, als;
	struct setting transient;      /* bool */
	struct setting force_mask;     /* the generic integer, as octal text */
};

static void merge_slice(struct slice *sl, const struct model_file *f, enum sc_key key)
{
	const struct tv *v = f->conf.set[key].value;
	struct option_list fresh = {0};
	struct origin o = {0};

	if (!v)
		return;
	origin_set_file(&o, f->path, f->conf.set[key].line);
	for (size_t i = 0; i < v->u.arr.n; i++) {
		const struct tv *it = v->u.arr.items[i];
		const struct tv *ap = tv_table_get(it, "append");

		if (it->type == TV_STRING)
			options_add(&fresh, &o, "%s", it->u.str.s);
		else if (ap)
			sl->append = ap->u.b;
	}
	if (sl->append == 1) {
		for (size_t i = 0; i < fresh.n; i++)
			options_add(&sl->items, &fresh.v[i].origin, "%s", fresh.v[i].text);
		options_clear(&fresh);
	} else {
		options_clear(&sl->items);
		sl->items = fresh;
	}
	origin_clear(&o);
}

static void merge_file(struct merged *mg, struct model_file *f)
{
	struct origin o = {0};

	for (int k = 0; k < SK__COUNT; k++) {
		const struct tv *v = f->conf.set[k].value;

		if (v && v->type == TV_STRING)
			setting_from_file(&mg->s[k], f, (enum sc_key)k);
	}
	merge_slice(&mg->priority, f, SK_DRIVER_PRIORITY);
	merge_slice(&mg->ais, f, SK_OPT_ADDITIONALIMAGESTORES);
	merge_slice(&mg->als, f, SK_OPT_ADDITIONALLAYERSTORES);
	if (f->conf.set[SK_TRANSIENT_STORE].value) {
		origin_set_file(&o, f->path, f->conf.set[SK_TRANSIENT_STORE].line);
		setting_set(&mg->transient, f->conf.set[SK_TRANSIENT_STORE].value->u.b ? "true" : "false", &o);
	}
	if (f->conf.set[SK_OPT_FORCE_MASK].value) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%llo", (unsigned long long)f->conf.set[SK_OPT_FORCE_MASK].value->u.i);
		origin_set_file(&o, f->path, f->conf.set[SK_OPT_FORCE_MASK].line);
		setting_set(&mg->force_mask, buf, &o);
	}
	f->used = true;
	origin_clear(&o);
}

static void merged_free(struct merged *mg)
{
	for (int k = 0; k < SK__COUNT; k++)
		setting_clear(&mg->s[k]);
	options_clear(&mg->priority.items);
	options_clear(&mg->ais.items);
	options_clear(&mg->als.items);
	setting_clear(&mg->transient);
	setting_clear(&mg->force_mask);
}

static bool fail(struct mctx *c, const char *fmt, ...) NF_PRINTF(2, 3);

static bool fail(struct mctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->m->fatal)
		return false;
	c->m->fatal = true;
	va_start(ap, fmt);
	c->m->fatal_message = xvasprintf(fmt, ap);
	va_end(ap);
	return false;
}

/* Read F; a file that exists but cannot be read or decoded stops Podman. */
static bool apply(struct mctx *c, struct merged *mg, const char *path, enum file_role role, bool must_exist)
{
	struct model_file *f = mctx_load(c, path, role);

	if (f->err == ENOENT)
		return must_exist ? fail(c, "open %s: no such file or directory", path) : false;
	if (f->err == NF_EDEADLINE)
		return false; /* reported by mctx_load; Podman would hang here */
	if (f->err)
		return fail(c, "open %s: %s", path, nf_strerror(f->err));
	if (!f->decoded)
		return fail(c, "decode configuration \"%s\": line %u: %s", path, f->conf.decode_error_line,
			    f->conf.decode_error);
	merge_file(mg, f);
	return true;
}

static char *user_config_path(const struct userenv *e)
{
	const char *x = env_get(e, "XDG_CONFIG_HOME");
	char *home, *p;

	if (x)
		return go_join(x, "containers");
	home = homedir_get(e);
	p = go_join(home, ".config/containers");
	free(home);
	return p;
}

struct dropin {
	char *name;
	char *path;
};

static int cmp_dropin(const void *a, const void *b)
{
	return strcmp(((const struct dropin *)a)->name, ((const struct dropin *)b)->name);
}

/* Gather drop-ins; the first directory listed has the highest priority. */
static void apply_dropins(struct mctx *c, struct merged *mg, const struct userenv *e)
{
	char *ucp = user_config_path(e);
	char *dirs[7];
	struct dropin *d = NULL;
	size_t nd = 0, ndirs = 0;
	const char *rootless = "storage.rootless.conf.d";

	dirs[ndirs++] = go_join(ucp, "storage.conf.d");
	for (int base = 0; base < 2; base++) {
		const char *b = base ? "/usr/share/containers" : "/etc/containers";

		if (e->uid > 0) {
			dirs[ndirs++] = xasprintf("%s/%s/%u", b, rootless, (unsigned)e->uid);
			dirs[ndirs++] = xasprintf("%s/%s", b, rootless);
		} else {
			dirs[ndirs++] = xasprintf("%s/storage.rootful.conf.d", b);
		}
		dirs[ndirs++] = xasprintf("%s/storage.conf.d", b);
	}
	for (size_t i = 0; i < ndirs && !c->m->fatal; i++) {
		char **names = NULL;
		bool *isdir = NULL;
		size_t n = 0;
		int err = fsx_list_dir(&c->fs, dirs[i], &names, &isdir, &n);

		if (err && err != ENOENT && err != ENOTDIR)
			fail(c, "read directory %s: %s", dirs[i], nf_strerror(err));
		for (size_t k = 0; k < n; k++) {
			size_t len = strlen(names[k]);
			bool hidden = false;

			if (isdir[k] || len < 5 || strcmp(names[k] + len - 5, ".conf") != 0)
				continue;
			for (size_t j = 0; j < nd; j++)
				if (strcmp(d[j].name, names[k]) == 0)
					hidden = true;
			if (hidden) {
				char *p = go_join(dirs[i], names[k]);

				mctx_mention(c, p, ROLE_DROPIN, -1,
					     "not read: a drop-in of the same name in a higher-priority directory hides it");
				free(p);
				continue;
			}
			d = xreallocarray(d, nd + 1, sizeof(*d));
			d[nd].name = xstrdup(names[k]);
			d[nd++].path = go_join(dirs[i], names[k]);
		}
		fsx_free_names(names, n);
		free(isdir);
	}
	if (nd)
		qsort(d, nd, sizeof(*d), cmp_dropin);
	for (size_t i = 0; i < nd; i++) {
		if (!c->m->fatal)
			apply(c, mg, d[i].path, ROLE_DROPIN, true);
		free(d[i].name);
		free(d[i].path);
	}
	free(d);
	for (size_t i = 0; i < ndirs; i++)
		free(dirs[i]);
	free(ucp);
}

static void add_string_option(struct option_list *l, const struct setting *s, const char *name)
{
	if (s->value && *s->value)
		options_add(l, &s->origin, "%s=%s", name, s->value);
}

/* Generic keys go to every driver unprefixed; table keys keep their driver's prefix. */
static void build_options(struct mctx *c, struct merged *mg, const struct userenv *e)
{
	static const struct {
		enum sc_key key;
		const char *name;
	} table[] = {
		{SK_BTRFS_MIN_SPACE, "btrfs.min_space"}, {SK_BTRFS_SIZE, "btrfs.size"},
		{SK_OVERLAY_IGNORE_CHOWN_ERRORS, "overlay.ignore_chown_errors"},
		{SK_OVERLAY_MOUNT_PROGRAM, "overlay.mount_program"}, {SK_OVERLAY_MOUNTOPT, "overlay.mountopt"},
		{SK_OVERLAY_SIZE, "overlay.size"}, {SK_OVERLAY_INODES, "overlay.inodes"},
		{SK_OVERLAY_SKIP_MOUNT_HOME, "overlay.skip_mount_home"},
		{SK_OVERLAY_FORCE_MASK, "overlay.force_mask"}, {SK_OVERLAY_USE_COMPOSEFS, "overlay.use_composefs"},
		{SK_OVERLAY_SYNC, "overlay.sync"}, {SK_VFS_IGNORE_CHOWN_ERRORS, "vfs.ignore_chown_errors"},
		{SK_VFS_SYNC, "vfs.sync"}, {SK_ZFS_FSNAME, "zfs.fsname"}, {SK_ZFS_MOUNTOPT, "zfs.mountopt"},
		{SK_ZFS_SIZE, "zfs.size"},
	};
	struct option_list *l = &c->m->options;
	const char *opts_env = env_get(e, "STORAGE_OPTS");

	for (size_t i = 0; i < mg->ais.items.n; i++)
		options_add(l, &mg->ais.items.v[i].origin, "imagestore=%s", mg->ais.items.v[i].text);
	for (size_t i = 0; i < mg->als.items.n; i++)
		options_add(l, &mg->als.items.v[i].origin, "additionallayerstore=%s", mg->als.items.v[i].text);
	add_string_option(l, &mg->s[SK_OPT_SIZE], "size");
	add_string_option(l, &mg->s[SK_OPT_MOUNT_PROGRAM], "mount_program");
	add_string_option(l, &mg->s[SK_OPT_SKIP_MOUNT_HOME], "skip_mount_home");
	add_string_option(l, &mg->s[SK_OPT_IGNORE_CHOWN_ERRORS], "ignore_chown_errors");
	if (mg->force_mask.value && strcmp(mg->force_mask.value, "0") != 0)
		add_string_option(l, &mg->force_mask, "force_mask");
	add_string_option(l, &mg->s[SK_OPT_MOUNTOPT], "mountopt");
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		add_string_option(l, &mg->s[table[i].key], table[i].name);
	if (opts_env) {
		struct origin o = {0};
		char *copy = xstrdup(opts_env), *save = NULL, *tok;

		options_clear(l);
		origin_set_env(&o, "STORAGE_OPTS");
		for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			options_add(l, &o, "%s", tok);
		origin_clear(&o);
		free(copy);
	}
}

static void expand_into(struct mctx *c, struct setting *dst, const struct setting *src, const struct userenv *e)
{
	char *x = expand_storage_path(c, src->value, e);

	setting_set(dst, x, &src->origin);
	dst->written = xstrdup(src->value);
	free(x);
}

static void resolve(struct mctx *c, struct merged *mg, const struct userenv *e)
{
	struct model *m = c->m;
	struct origin o = {0};
	char *err = NULL, *dir, *dh, *v;

	/* Defaults are used as they are: neither expanded nor resolved. */
	if (!m->rootless) {
		origin_set_default(&o, NULL);
		setting_set(&m->graphroot, "/var/lib/containers/storage", &o);
		setting_set(&m->runroot, "/run/containers/storage", &o);
		goto configured;
	}
	dh = data_home(e);
	v = go_join(dh, "containers/storage");
	origin_set_default(&o, env_nonempty(e, "XDG_DATA_HOME") ? "$XDG_DATA_HOME/containers/storage"
								: "$HOME/.local/share/containers/storage");
	setting_set(&m->graphroot, v, &o);
	free(v);
	free(dh);
	dir = runtime_dir_new(c, e, &err);
	if (!dir) {
		fail(c, "%s", err);
		free(err);
		origin_clear(&o);
		return;
	}
	v = go_join(dir, "containers");
	free(dir);
	origin_set_default(&o, "the runtime directory");
	setting_set(&m->runroot, v, &o);
	free(v);
configured:
	if (mg->s[SK_DRIVER].value && *mg->s[SK_DRIVER].value)
		setting_copy(&m->driver, &mg->s[SK_DRIVER]);
	driver_normalise(&m->driver, e);
	if (mg->priority.items.n) {
		char *list = xstrdup("");

		for (size_t i = 0; i < mg->priority.items.n; i++) {
			char *next = xasprintf("%s%s%s", list, i ? "," : "", mg->priority.items.v[i].text);

			free(list);
			list = next;
		}
		setting_set(&m->driver_priority, list, &mg->priority.items.v[0].origin);
		free(list);
	}
	if (mg->s[SK_IMAGESTORE].value && *mg->s[SK_IMAGESTORE].value)
		setting_copy(&m->imagestore, &mg->s[SK_IMAGESTORE]);
	setting_copy(&m->transient_store, &mg->transient);
	build_options(c, mg, e);

	if (mg->s[SK_RUNROOT].value && *mg->s[SK_RUNROOT].value)
		expand_into(c, &m->runroot, &mg->s[SK_RUNROOT], e);
	if (m->rootless && mg->s[SK_ROOTLESS_STORAGE_PATH].value && *mg->s[SK_ROOTLESS_STORAGE_PATH].value) {
		expand_into(c, &m->rootless_storage_path, &mg->s[SK_ROOTLESS_STORAGE_PATH], e);
		setting_copy(&m->graphroot, &m->rootless_storage_path);
	}
	if (mg->s[SK_GRAPHROOT].value && *mg->s[SK_GRAPHROOT].value) {
		if (m->rootless_storage_path.value) {
			char *where = origin_text(&mg->s[SK_ROOTLESS_STORAGE_PATH].origin);

			problem_add(&m->problems, PR_WARNING, mg->s[SK_GRAPHROOT].origin.file,
				    mg->s[SK_GRAPHROOT].origin.line,
				    "Podman warns and uses graphroot; rootless_storage_path is deprecated",
				    "both graphroot and rootless_storage_path (%s) are set", where);
			free(where);
		}
		expand_into(c, &m->graphroot, &mg->s[SK_GRAPHROOT], e);
	}
	if (m->imagestore.value && strcmp(m->imagestore.value, m->graphroot.value) == 0)
		fail(c, "imagestore %s must either be not set or be different than graphroot", m->imagestore.value);
	origin_clear(&o);
}

void model_v6(struct mctx *c)
{
	struct model *m = c->m;
	struct merged mg = {.priority.append = -1, .ais.append = -1, .als.append = -1};
	struct userenv env1;
	const char *csc, *ovr;
	char *err = NULL, *ucp, *main_cands[3];

	/* Podman 6 reads storage.conf after it has set up XDG_*: one view for all. */
	if (m->rootless)
		podman_xdg_env(c, c->env0, &env1, &err);
	else
		podman_xdg_env_copy(c->env0, &env1);
	if (err) {
		fail(c, "%s", err);
		free(err);
		userenv_free(&env1);
		return;
	}
	csc = env_nonempty(&env1, "CONTAINERS_STORAGE_CONF");
	if (csc) {
		apply(c, &mg, csc, ROLE_ENV, true);
		model_note(m, "CONTAINERS_STORAGE_CONF is set: Podman reads no drop-ins");
	} else {
		ucp = user_config_path(&env1);
		main_cands[0] = go_join(ucp, "storage.conf");
		main_cands[1] = xstrdup(SYS_ETC_CONF);
		main_cands[2] = xstrdup(SYS_USR_CONF);
		for (int i = 0; i < 3; i++) {
			struct model_file *f;

			if (c->m->fatal)
				break;
			f = mctx_load(c, main_cands[i], ROLE_MAIN);
			if (f->err == ENOENT)
				continue;
			apply(c, &mg, main_cands[i], ROLE_MAIN, true);
			for (int j = i + 1; j < 3; j++)
				mctx_mention(c, main_cands[j], ROLE_MAIN, -1, "not read: an earlier main file exists");
			break;
		}
		for (int i = 0; i < 3; i++)
			free(main_cands[i]);
		free(ucp);
		if (!c->m->fatal)
			apply_dropins(c, &mg, &env1);
	}
	ovr = env_nonempty(&env1, "CONTAINERS_STORAGE_CONF_OVERRIDE");
	if (ovr && !c->m->fatal)
		apply(c, &mg, ovr, ROLE_OVERRIDE, true);
	if (!c->m->fatal)
		resolve(c, &mg, &env1);
	if (!c->m->fatal) {
		char *sd = go_join(m->graphroot.value, "libpod");

		model_apply_database(c, sd);
		free(sd);
	}
	merged_free(&mg);
	userenv_free(&env1);
}
