/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fix --graphroot: point the graphroot at PATH in the file Podman reads for
 * this user, without losing a byte of anything else, and prove it worked.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "atomic-write.h"
#include "conf-edit.h"
#include "diag.h"
#include "exitcode.h"
#include "fix.h"
#include "fsinfo.h"
#include "goexpand.h"
#include "kernel-overlay.h"
#include "model.h"
#include "msg.h"
#include "quote.h"
#include "strbuf.h"
#include "target.h"
#include "util.h"
#include "xalloc.h"

/* The name of the user drop-in for Podman 6: late in name order, so it wins. */
#define DROPIN_NAME "99-nfscheck.conf"

struct target_file {
	char *path;
	const char *key;
	bool dropin;
	char *why;
};

static void target_file_free(struct target_file *tf)
{
	free(tf->path);
	free(tf->why);
}

/* The file whose [storage] KEY decides the graphroot for this user, under
 * the model of release V. */
static int pick_file(const struct userenv *env, unsigned v, struct target_file *tf)
{
	const char *csc = userenv_get(env, "CONTAINERS_STORAGE_CONF");
	const char *xdg = userenv_get(env, "XDG_CONFIG_HOME");
	char *home = NULL;

	memset(tf, 0, sizeof(*tf));
	tf->key = "graphroot";
	if (csc && (*csc || v < PV(6, 0))) {
		if (!*csc) {
			nf_error("fix: CONTAINERS_STORAGE_CONF is set but empty: Podman refuses that; unset it first");
			return NF_EXIT_PROBLEMS;
		}
		tf->path = xstrdup(csc);
		if (v >= PV(4, 2) && v < PV(5, 6)) {
			tf->key = "rootless_storage_path";
			tf->why = xstrdup("CONTAINERS_STORAGE_CONF is set, and Podman 4.2 to 5.5 ignores its graphroot "
					  "for rootless users: rootless_storage_path decides");
		} else {
			tf->why = xstrdup("CONTAINERS_STORAGE_CONF is set: Podman reads that file");
		}
		return NF_EXIT_OK;
	}
	if (v >= PV(6, 0)) {
		char *dir;

		/* Set but empty would be relative to wherever Podman runs. */
		if (xdg && !*xdg) {
			nf_error("fix: XDG_CONFIG_HOME is set but empty: unset it or give it a directory first");
			return NF_EXIT_PROBLEMS;
		}
		home = userenv_home(env);
		dir = xdg ? go_join(xdg, "containers/storage.conf.d") : go_join(home, ".config/containers/storage.conf.d");
		tf->path = go_join(dir, DROPIN_NAME);
		tf->dropin = true;
		tf->why = xstrdup("Podman 6 merges drop-ins in name order after the main file: this one comes last");
		free(dir);
		free(home);
		return NF_EXIT_OK;
	}
	if (xdg && *xdg) {
		tf->path = go_join(xdg, "containers/storage.conf");
	} else {
		home = userenv_home(env);
		tf->path = go_join(home, ".config/containers/storage.conf");
		free(home);
	}
	tf->why = xstrdup("Podman up to 5.8 reads this user file and nothing else once it exists");
	return NF_EXIT_OK;
}

/*
 * One `key = "value"` line for a new file; with SAID, also the line that
 * tells the user the setting was carried over, and from where.
 */
static void put_setting(struct strbuf *b, const char *key, const char *value, struct strbuf *said,
			const char *said_as, const struct origin *from)
{
	const char *qerr = NULL;
	char *q = toml_quote(value, &qerr);

	/* Only a setting carried over from another file can fail here; the
	 * new paths were checked with text_refusal. */
	if (!q) {
		nf_warning("%s is not carried over: %s", key, qerr);
		return;
	}
	strbuf_adds(b, key);
	strbuf_adds(b, " = ");
	strbuf_adds(b, q);
	strbuf_adds(b, "\n");
	if (said) {
		char *o = origin_text(from);

		strbuf_adds(said, "  ");
		strbuf_adds(said, key);
		strbuf_adds(said, " = ");
		strbuf_adds(said, q);
		strbuf_adds(said, said_as);
		strbuf_adds(said, o);
		strbuf_adds(said, ")\n");
		free(o);
	}
	free(q);
}

/*
 * The driver a storage.conf line chose for this user, with its origin:
 * the model's when a file set it; when the database pinned it, the system
 * file's that it came from. An automatic pick (vfs when nothing was
 * configured, or overlay when fuse-overlayfs is found) or $STORAGE_DRIVER
 * is no configuration: written into the new file it would pin that
 * driver for good, after the site installs overlay support.
 */
static const struct setting *configured_driver(const struct model *m, struct setting *tmp)
{
	if (m->driver.origin.kind == OR_FILE)
		return &m->driver;
	if (m->driver.origin.kind != OR_DATABASE)
		return NULL;
	for (size_t i = 0; i < m->nfiles; i++) {
		const struct model_file *f = m->files[i];
		const struct sc_setting *s = &f->conf.set[SK_DRIVER];

		if (f->used && f->decoded && f->role == ROLE_SYSTEM && s->value && s->value->type == TV_STRING &&
		    strcmp(s->value->u.str.s, m->driver.value) == 0) {
			tmp->value = s->value->u.str.s;
			tmp->origin.kind = OR_FILE;
			tmp->origin.file = f->path;
			tmp->origin.line = s->line;
			return tmp;
		}
	}
	return NULL;
}

/* A new legacy user file replaces the system file: carry over what the user took from it. */
static char *new_user_file(const struct model *m, const struct target_file *tf, const char *value,
			   const char *runroot, bool overlay_ok, struct strbuf *said)
{
	struct strbuf b = {0};
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	struct setting tmp = {0};
	const struct setting *drv = tf->dropin ? NULL : configured_driver(m, &tmp);
	/* No driver configured: up to 5.8 Podman logs an error at every command
	 * for a file without one (fix-driver.c). Overlay, its own first pick,
	 * when the kernel's overlay surely works on the new graphroot's
	 * filesystem; vfs is never pinned (the site may add overlay support
	 * later), so otherwise the file stays without a driver. */
	bool overlay = !tf->dropin && !drv && overlay_ok;
	bool chown = !tf->dropin && m->ignore_chown_errors.value && m->ignore_chown_errors.origin.kind == OR_FILE &&
		     m->driver.value && (strcmp(m->driver.value, "overlay") == 0 || strcmp(m->driver.value, "vfs") == 0);

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d", &tm);
	strbuf_adds(&b, "# Written by nfscheck fix on ");
	strbuf_adds(&b, stamp);
	strbuf_adds(&b, tf->dropin ? ": moves the graphroot off a network filesystem.\n"
			: drv || chown ? ": once this file exists, Podman reads no other storage.conf\n"
					 "# for this user, so the settings taken from the system file are kept here.\n"
				       : ": once this file exists, Podman reads no other storage.conf\n"
					 "# for this user.\n");
	if (overlay)
		strbuf_adds(&b, "# No driver was configured, and Podman logs an error for a storage.conf\n"
				"# without one: overlay, its own first pick, which works on this machine.\n");
	strbuf_adds(&b, "[storage]\n");
	if (drv)
		put_setting(&b, "driver", drv->value, said, ", as configured (", &drv->origin);
	if (overlay)
		put_setting(&b, "driver", "overlay", NULL, NULL, NULL);
	put_setting(&b, tf->key, value, NULL, NULL, NULL);
	if (runroot)
		put_setting(&b, "runroot", runroot, NULL, NULL, NULL);
	if (chown) {
		strbuf_adds(&b, "\n[storage.options.");
		strbuf_adds(&b, m->driver.value);
		strbuf_adds(&b, "]\n");
		put_setting(&b, "ignore_chown_errors", m->ignore_chown_errors.value, said, " (",
			    &m->ignore_chown_errors.origin);
	}
	return strbuf_take(&b);
}

/* Where the new graphroot would live: refuse a network filesystem. */
/*
 * Whether the kernel's overlay can use FSTYPE as its upper layer in a user
 * namespace: it needs user xattrs (userxattr) and d_type. Only filesystems
 * known to give both are named; tmpfs has user xattrs from Linux 6.6. On
 * any other, Podman's own pick at start stays the judge (it falls back).
 */
static bool native_overlay_upper(const char *fstype)
{
	char rel[65];
	int major = 0, minor = 0;

	if (!fstype || !kernel_rootless_overlay(rel, sizeof(rel)))
		return false;
	if (strcmp(fstype, "ext4") == 0 || strcmp(fstype, "xfs") == 0 || strcmp(fstype, "btrfs") == 0)
		return true;
	sscanf(rel, "%d.%d", &major, &minor);
	return strcmp(fstype, "tmpfs") == 0 && (major > 6 || (major == 6 && minor >= 6));
}

static int check_destination(const struct fix_options *o, const struct target *t, const char *what,
			     const char *path, bool *overlay_ok)
{
	struct fsx x = {.as = t->as};
	struct fsinfo fi;
	int st = NF_EXIT_OK;

	fsinfo_get(&fi, path, &x);
	if (fi.statfs_err == NF_EDEADLINE || fi.resolve_err == NF_EDEADLINE) {
		nf_error("fix: %s %s: its filesystem does not answer", what, path);
		st = NF_EXIT_PROBLEMS;
	} else if (fsinfo_is_network(&fi)) {
		char *d = fsinfo_describe(&fi);

		if (o->force) {
			nf_warning("%s %s is on %s (%s); --force given, going on", what, path,
				   fi.kind->family == FSF_NETWORK ? fi.kind->label : fi.magic_kind->label, d);
		} else {
			nf_error("fix: %s %s is on %s (%s), where the same chown failures would follow it; choose a "
				 "local directory, or give --force", what, path,
				 fi.kind->family == FSF_NETWORK ? fi.kind->label : fi.magic_kind->label, d);
			st = NF_EXIT_PROBLEMS;
		}
		free(d);
	}
	if (overlay_ok)
		*overlay_ok = st == NF_EXIT_OK && native_overlay_upper(fi.fstype);
	fsinfo_free(&fi);
	return st;
}

/*
 * A [engine] static_dir in containers.conf pins the database, and with it
 * the old graphroot. The model read containers.conf (model-containers.c,
 * in the user's name: a link planted there must not show root what a
 * root-only file holds).
 */
static void warn_static_dir(const struct model *m)
{
	const struct setting *s = &m->static_dir;

	if (s->value && s->origin.kind == OR_FILE)
		nf_warning("%s:%u sets static_dir: Podman's database stays there and keeps the old graphroot; "
			   "run 'podman system reset' first (it deletes all images and containers), or remove "
			   "static_dir", s->origin.file, s->origin.line);
}

/* OLD comes from the user's configuration: the command printed for
 * pasting quotes it for the shell, and none is printed for text that is
 * not a plain path. */
static void print_old_store(const char *old, bool as_user)
{
	char *q = text_refusal(old) ? NULL : shell_quote(old);

	printf("Images and containers under %s are not moved. When you no longer need them, remove them%s",
	       old, as_user ? " as the user" : "");
	if (q)
		printf(" with:\n    podman unshare rm -rf %s\n", q);
	else
		printf(" with podman unshare rm -rf (the name holds control characters: quote it by hand)\n");
	free(q);
}

static int rebuild(const struct target *t, const char *podman_version, struct model *m)
{
	struct model_request req = {.env = &t->env, .as = t->as, .podman_version = podman_version};

	return model_build(m, &req);
}

static int write_tmpfiles(const struct target *t, const char *path, bool dry_run)
{
	struct aw_request rq = {0};
	struct aw_result res;
	const char *why = text_refusal(path);
	char *q = why ? NULL : tmpfiles_quote(path);
	char *file = xasprintf("/etc/tmpfiles.d/nfscheck-%s.conf", t->env.user ? t->env.user : "user");
	char *text = xasprintf("# Written by nfscheck fix: keep systemd-tmpfiles away from this graphroot.\n"
			       "x %s\n", q ? q : "");
	struct fsx x = {0};
	char *old = NULL;
	size_t old_len = 0;
	int err = fsx_read_file(&x, file, 1 << 16, &old, &old_len);

	free(q);
	if (why) {
		/* A newline would start a line of root's choosing in /etc. */
		nf_error("fix: cannot write %s into a tmpfiles.d line: %s", path, why);
		free(file);
		free(text);
		free(old);
		return NF_EXIT_PROBLEMS;
	}
	if (geteuid() != 0) {
		nf_error("fix: --tmpfiles writes /etc/tmpfiles.d and needs root");
		free(file);
		free(text);
		free(old);
		return NF_EXIT_NOPERM;
	}
	if (old && strcmp(old, text) == 0) {
		printf("%s already excludes %s from ageing\n", file, path);
	} else if (dry_run) {
		fix_print_diff(file, old, old_len, text, strlen(text));
	} else {
		rq.path = file;
		rq.trusted = "/etc/tmpfiles.d";
		rq.expect = err == 0 ? old : NULL;
		rq.expect_len = old_len;
		rq.data = text;
		rq.len = strlen(text);
		rq.new_mode = 0644;
		rq.dir_mode = 0755;
		rq.keep_owner = true;
		if (atomic_write(NULL, &rq, &res) != 0) {
			nf_error("fix: %s", res.message);
			aw_result_free(&res);
			free(file);
			free(text);
			free(old);
			return NF_EXIT_INCOMPLETE;
		}
		printf("wrote %s: systemd-tmpfiles will not age out %s\n", file, path);
		aw_result_free(&res);
	}
	free(file);
	free(text);
	free(old);
	return NF_EXIT_OK;
}

/* PATH as containers-storage reads it for this user: $UID, then $VAR. */
static char *expand_for(const struct target *t, const char *path)
{
	char *x = go_expand_storage_path(path, &t->env), *c = go_clean_path(x);

	free(x);
	return c;
}

/*
 * The path, as given and as the user's variables expand it, goes into a
 * storage.conf and maybe a tmpfiles.d line, and is printed: refuse text a
 * file format or a terminal would read as more than a path.
 */
static int refuse_text(const char *what, const char *given, const char *expanded)
{
	const char *why = text_refusal(given);

	if (!why)
		why = text_refusal(expanded);
	if (why)
		return nf_usage_error("fix", "fix: cannot use %s as the %s: %s", given, what, why);
	return NF_EXIT_OK;
}

/* One fix --graphroot run: whose storage, the paths asked for, the file to
 * change and its text before and after. */
struct gr_job {
	struct target t;
	struct fsx x;
	char *gr, *rr;            /* --graphroot and --runroot, expanded */
	struct model before, after;
	struct target_file tf;
	struct strbuf said;       /* what a new file carries over */
	char *old, *text;         /* the file's bytes, and what they become */
	size_t old_len, len;
	bool exists, changed;
	bool overlay_ok;          /* the new graphroot's filesystem can carry overlay */
};

/* The paths asked for: absolute, printable, for a rootless user, and on a
 * filesystem that can hold a graphroot. */
static int check_request(const struct fix_options *o, struct gr_job *j)
{
	int st;

	j->gr = expand_for(&j->t, o->graphroot);
	j->rr = o->runroot ? expand_for(&j->t, o->runroot) : NULL;
	if ((st = refuse_text("graphroot", o->graphroot, j->gr)) != NF_EXIT_OK ||
	    (j->rr && (st = refuse_text("runroot", o->runroot, j->rr)) != NF_EXIT_OK))
		return st;
	if (j->gr[0] != '/' || (j->rr && j->rr[0] != '/'))
		return nf_usage_error("fix", "fix: %s expands to '%s', which is not an absolute path",
				      j->gr[0] != '/' ? o->graphroot : o->runroot, j->gr[0] != '/' ? j->gr : j->rr);
	if (j->t.env.uid == 0) {
		nf_error("fix: root's own storage is rootful; use --user NAME for a user's graphroot");
		return NF_EXIT_USAGE;
	}
	if ((st = check_destination(o, &j->t, "graphroot", j->gr, &j->overlay_ok)) != NF_EXIT_OK ||
	    (j->rr && (st = check_destination(o, &j->t, "runroot", j->rr, NULL)) != NF_EXIT_OK))
		return st;
	return NF_EXIT_OK;
}

/* The file Podman reads for this user, and its new text: the existing file
 * edited in place, or a new one carrying over what Podman used before. */
static int compose(const struct fix_options *o, struct gr_job *j)
{
	struct conf_edit e = {0};
	char *text = NULL;
	int st, err;

	if (rebuild(&j->t, o->podman_version, &j->before) != 0) {
		nf_error("fix: cannot work out the current configuration");
		return NF_EXIT_INCOMPLETE;
	}
	if ((st = pick_file(&j->t.env, j->before.version, &j->tf)) != NF_EXIT_OK)
		return st;
	err = fsx_read_file(&j->x, j->tf.path, 1 << 20, &j->old, &j->old_len);
	j->exists = err == 0;
	if (err && err != ENOENT) {
		nf_error("fix: cannot read %s: %s", j->tf.path, nf_strerror(err));
		return NF_EXIT_INCOMPLETE;
	}
	if (!j->exists) {
		j->text = new_user_file(&j->before, &j->tf, o->graphroot, o->runroot, j->overlay_ok, &j->said);
		j->len = strlen(j->text);
		j->changed = true;
		return NF_EXIT_OK;
	}
	if (conf_edit_set(j->tf.path, j->old, j->old_len, j->tf.key, o->graphroot, j->before.version, &e) != 0 ||
	    (o->runroot && conf_edit_set(j->tf.path, (text = e.text), e.len, "runroot", o->runroot,
					 j->before.version, &e) != 0)) {
		nf_error("fix: %s", e.error);
		free(text);
		conf_edit_free(&e);
		return NF_EXIT_PROBLEMS;
	}
	free(text);
	j->text = e.text;
	j->len = e.len;
	e.text = NULL;
	conf_edit_free(&e);
	j->changed = j->old_len != j->len || memcmp(j->old, j->text, j->len) != 0;
	return NF_EXIT_OK;
}

/* --dry-run: the diff, and what would be created. */
static int dry_run(const struct fix_options *o, const struct gr_job *j)
{
	if (j->changed)
		fix_print_diff(j->tf.path, j->exists ? j->old : NULL, j->old_len, j->text, j->len);
	else
		printf("nothing to change: %s already sets %s = \"%s\"\n", j->tf.path, j->tf.key, o->graphroot);
	printf("would create %s%s%s for %s (mode 0700) if missing\n", j->gr, j->rr ? " and " : "",
	       j->rr ? j->rr : "", j->t.env.user ? j->t.env.user : "the user");
	return o->tmpfiles ? write_tmpfiles(&j->t, j->gr, true) : NF_EXIT_OK;
}

/* Create the directories as the user, then replace the file atomically. */
static int apply(const struct fix_options *o, struct gr_job *j)
{
	struct aw_result res = {0};
	char *home = NULL;
	int st = NF_EXIT_OK, err;

	if ((err = fsx_mkdirs(&j->x, j->gr, 0700)) != 0 || (j->rr && (err = fsx_mkdirs(&j->x, j->rr, 0700)) != 0)) {
		nf_error("fix: cannot create %s as %s: %s", err ? j->gr : j->rr,
			 j->t.env.user ? j->t.env.user : "the user", nf_strerror(err));
		return NF_EXIT_PROBLEMS;
	}
	if (!j->changed) {
		printf("nothing to change: %s already sets %s = \"%s\"\n", j->tf.path, j->tf.key, o->graphroot);
		return NF_EXIT_OK;
	}
	{
		struct aw_request rq = {
			.path = j->tf.path, .trusted = (home = userenv_home(&j->t.env)),
			.expect = j->exists ? j->old : NULL, .expect_len = j->old_len, .data = j->text, .len = j->len,
			.new_mode = 0644, .dir_mode = 0700,
		};

		if (atomic_write(j->t.as, &rq, &res) != 0) {
			nf_error("fix: %s", res.message);
			st = res.err == ELOOP ? NF_EXIT_PROBLEMS : NF_EXIT_INCOMPLETE;
		} else if (res.backup) {
			printf("wrote %s (the old one is kept as %s)\n", j->tf.path, res.backup);
		} else {
			printf("created %s%s\n", j->tf.path, j->said.n ? ", carrying over what Podman used before:" : "");
		}
		if (st == NF_EXIT_OK && j->said.n)
			fputs(j->said.p, stdout);
	}
	aw_result_free(&res);
	free(home);
	return st;
}

/* Prove it: Podman's own rules must now give the new graphroot. Then say
 * what happens to the old store. */
static int prove(const struct fix_options *o, struct gr_job *j)
{
	const char *gr = j->gr;

	if (rebuild(&j->t, o->podman_version, &j->after) != 0 || !j->after.graphroot.value ||
	    strcmp(j->after.graphroot.value, gr) != 0) {
		char *why = j->after.graphroot.value ? origin_text(&j->after.graphroot.origin) : xstrdup("?");

		nf_error("fix: Podman would still use %s (from %s), not %s",
			 j->after.graphroot.value ? j->after.graphroot.value : "(nothing)", why, gr);
		free(why);
		return NF_EXIT_PROBLEMS;
	}
	if (j->before.graphroot.value && strcmp(j->before.graphroot.value, gr) != 0) {
		struct stat sb;

		if (fsx_stat(&j->x, j->before.graphroot.value, &sb) == 0)
			print_old_store(j->before.graphroot.value, j->t.as != NULL);
		printf("Podman keeps its database under the graphroot, so it starts with an empty store at %s; "
		       "stop running containers first (podman ps), no reset or migrate is needed.\n", gr);
		warn_static_dir(&j->after);
	}
	return NF_EXIT_OK;
}

static void gr_job_free(struct gr_job *j)
{
	model_free(&j->before);
	model_free(&j->after);
	target_file_free(&j->tf);
	free(j->said.p);
	free(j->gr);
	free(j->rr);
	free(j->old);
	free(j->text);
	target_close(&j->t);
}

int fix_graphroot(const struct fix_options *o)
{
	struct gr_job j = {0};
	const char *gr;
	int st;

	st = target_open(&j.t, o->user);
	if (st != NF_EXIT_OK)
		return st;
	j.x.as = j.t.as;
	j.x.timeout_ms = 0;
	if ((st = check_request(o, &j)) != NF_EXIT_OK || (st = compose(o, &j)) != NF_EXIT_OK)
		goto out;
	printf("%s: %s\n", j.tf.path, j.tf.why);
	if (o->dry_run) {
		st = dry_run(o, &j);
		goto out;
	}
	if ((st = apply(o, &j)) != NF_EXIT_OK)
		goto out;
	gr = j.gr;
	if (o->tmpfiles && (st = write_tmpfiles(&j.t, gr, false)) != NF_EXIT_OK)
		goto out;
	if ((path_under(gr, "/tmp") || path_under(gr, "/var/tmp")) && !o->tmpfiles)
		nf_warning("systemd-tmpfiles deletes files in %s after %s unused; as root, add --tmpfiles to "
			   "exclude %s", path_under(gr, "/tmp") ? "/tmp" : "/var/tmp",
			   path_under(gr, "/tmp") ? "10 days" : "30 days", gr);
	if ((st = prove(o, &j)) != NF_EXIT_OK)
		goto out;
	fflush(stdout);
	/* The diagnose checks, on the configuration just written. */
	{
		struct diag_options d = {.user = o->user, .podman_version = o->podman_version,
					 .timeout_ms = o->timeout_ms ? o->timeout_ms : DIAG_DEFAULT_TIMEOUT_MS};

		putchar('\n');
		st = diagnose_run(&d);
		/* The exit status is the closing diagnose's: a new graphroot is no
		 * success while something else still stops Podman. */
		if (st == NF_EXIT_PROBLEMS)
			nf_error("fix: the graphroot is now %s, but Podman still cannot work for %s: see the "
				 "failing checks above", j.gr, j.t.env.user ? j.t.env.user : "this user");
	}
out:
	gr_job_free(&j);
	return st;
}
