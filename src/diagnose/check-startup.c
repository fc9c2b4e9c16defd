/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Start-up: every directory Podman creates or opens before it does
 * anything for this user, decided in the user's name without creating
 * anything. Podman stops at the first one it cannot use, so each gets a
 * check of its own naming the path, the errno and the remedy.
 *
 * What Podman does with each, as observed with 4.3.1, 5.4.2, 5.8.6 and
 * 6.1.1 (tests/diagnose-startup*.sh) and as the sources say:
 *   graphroot, runroot, imagestore: MkdirAll at store creation
 *     (containers/storage store.go GetStore; "mkdir /run/containers:
 *     permission denied" for a rootful runroot in a user's file);
 *   static_dir: MkdirAll in libpod/runtime.go makeRuntime ("creating
 *     runtime static files directory");
 *   each additionalimagestores entry: stat by the overlay driver
 *     ("overlay: can't stat imageStore dir"), then <store>/<driver>-images
 *     and <driver>-layers with their lock files, created when missing
 *     ("creating lock file directory: mkdir ...-images: permission
 *     denied") and opened read-only ("open .../images.lock: permission
 *     denied"); the layers' lock only when a layer is looked up, as podman
 *     import does;
 *   the image copy directory: not created; MkdirTemp in it for every pull
 *     or import ("creating a temporary directory: mkdir
 *     /var/tmp/container_images_storageNNN: permission denied");
 *   volume_path: MkdirAll in makeRuntime since podman#23515 (2024;
 *     "creating runtime volume path directory", in 5.4.2, 5.8.6 and
 *     6.1.1); before, created on first use only, so 4.3.1 starts and
 *     imports without it (a warning there, not a failure).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "goexpand.h"
#include "xalloc.h"

#define G_STARTUP "Podman start-up"

/* A failed decision: the check, its values, and what Podman says. */
static struct finding *dir_fail(const struct facts *d, struct findings *out, const char *id, const char *what,
				const char *path, const char *at, int err, enum nf_status st)
{
	struct finding *c;

	if (strcmp(at, path) == 0)
		c = finding_add(out, id, G_STARTUP, st, "%s %s: %s cannot use it: %s", what, path, d->user, errno_name(err));
	else
		c = finding_add(out, id, G_STARTUP, st, "%s %s: %s cannot create it in %s: %s", what, path, d->user, at,
				errno_name(err));
	finding_value_str(c, "path", path);
	finding_value_str(c, "at", at);
	finding_value_str(c, "errno", errno_name(err));
	return c;
}

/*
 * Decide USE for PATH. Returns the check added: NF_OK, or ST; when
 * nfscheck itself could not decide, a warning and an incomplete run (a
 * failure when the filesystem does not answer: Podman would hang there).
 */
static struct finding *dir_check(const struct facts *d, struct findings *out, const char *id, const char *what,
				 const char *path, enum fsx_dir_use use, enum nf_status st)
{
	const struct dir_fact *f = facts_startup_dir(d, path, use);
	struct finding *c;
	int verdict, err;
	const char *at;

	if (!f) {
		/* gather_startup did not decide it: a check and its gatherer disagree. */
		c = finding_add(out, id, G_STARTUP, NF_WARN, "%s %s: not looked at", what, path);
		finding_value_str(c, "path", path);
		out->incomplete = true;
		return c;
	}
	err = f->err;
	verdict = f->verdict;
	at = f->at;
	if (err) {
		c = finding_add(out, id, G_STARTUP, NF_WARN, "%s %s: cannot tell whether %s can use it: %s", what, path,
				d->user, nf_strerror(err));
		finding_value_str(c, "path", path);
		/* The path did not answer in its own time: Podman would hang
		 * there. Cut short by --timeout, it only went unchecked. */
		if (err == NF_EDEADLINE && f->time_left)
			c->status = NF_FAIL;
		else
			out->incomplete = true;
		return c;
	}
	if (verdict) {
		c = dir_fail(d, out, id, what, path, at, verdict, st);
	} else {
		c = finding_add(out, id, G_STARTUP, NF_OK, "%s %s: %s", what, path,
				use == FSX_DIR_READ ? "readable" : use == FSX_DIR_CREATE ? "creatable and writable" : "writable");
		finding_value_str(c, "path", path);
	}
	return c;
}

/*
 * The libpod database pins the runroot (libpod/runtime.go mergeDBConfig):
 * a new one in storage.conf is ignored while it exists. Podman stores it
 * at its first start, before it creates the runroot; one it cannot create
 * means no start got further, so that database holds no container or
 * image yet (seen with 4.3.1: "mkdir /run/containers: permission denied"
 * left bolt_state.db behind).
 */
static void remedy_pinned(const struct facts *d, struct finding *c, const char *db)
{
	char *qd = shell_quote(db), *qu = d->t.as ? shell_quote(d->user) : NULL;

	finding_detail(c, "the libpod database %s pins it; made by starts that failed, it holds nothing yet, and "
			"only without it does a new runroot take effect (if this store once worked, give %s its "
			"runroot's directory back instead)", db, d->user);
	finding_fix(c, FIX_RUNTIME, "%s%s%srm -- %s", qu ? "sudo -u " : "", qu ? qu : "", qu ? " " : "", qd);
	free(qd);
	free(qu);
}

static void remedy_runroot(const struct facts *d, struct finding *c)
{
	const struct origin *o = &d->m.runroot.origin;
	const char *rr;
	char *uf, *qg, *qr;

	if (o->kind != OR_FILE && o->kind != OR_DATABASE) {
		finding_remedy(c, "set XDG_RUNTIME_DIR to a local directory %s owns, mode 0700 (/run/user/%u from a "
				"systemd login)", d->user, (unsigned)d->t.env.uid);
		return;
	}
	finding_detail(c, "the runroot comes from %s", o->file);
	if (o->kind == OR_DATABASE)
		remedy_pinned(d, c, o->file);
	/* gather_startup looked for a runroot the user can create. */
	rr = d->startup.runroot_suggestion;
	if (!rr || !d->m.graphroot.value) {
		finding_remedy(c, "set runroot in %s to a directory %s can create (under /run/user/%u)", o->file, d->user,
			       (unsigned)d->t.env.uid);
		return;
	}
	uf = diag_user_flag(d);
	qg = shell_quote(d->m.graphroot.value);
	qr = shell_quote(rr);
	finding_remedy(c, "give %s a runroot it can create, such as %s", d->user, rr);
	finding_fix(c, FIX_STORAGE, "%snfscheck fix --graphroot %s --runroot %s%s", d->t.as ? "sudo " : "", qg, qr, uf);
	free(uf);
	free(qg);
	free(qr);
}

/* The three storage roots; true when the graphroot is usable. */
static bool check_roots(const struct facts *d, struct findings *out)
{
	struct finding *c;
	const char *is = d->m.imagestore.value;
	bool graphroot_ok;

	c = dir_check(d, out, "startup.graphroot", "graphroot", d->m.graphroot.value, FSX_DIR_CREATE, NF_FAIL);
	graphroot_ok = c->status != NF_FAIL;
	if (!graphroot_ok) {
		finding_detail(c, "Podman stops at its first mkdir there");
		remedy_move_graphroot(d, c);
	}
	if (d->m.runroot.value) {
		c = dir_check(d, out, "startup.runroot", "runroot", d->m.runroot.value, FSX_DIR_CREATE, NF_FAIL);
		if (c->status == NF_FAIL)
			remedy_runroot(d, c);
	}
	if (!is || !*is)
		return graphroot_ok;
	/* imagestore is never expanded ([LEG] and [NEW] types/utils.go
	 * expandEnvPath covers only runroot, graphroot and
	 * rootless_storage_path): "$HOME/x" is a path relative to the
	 * directory Podman runs in ("configure storage: mkdir $HOME:
	 * permission denied" on 5.4, 5.8 and 6.1). */
	if (*is != '/') {
		/* gather_startup made it absolute, from the current directory. */
		const char *abs = d->startup.imagestore_abs;

		c = dir_check(d, out, "startup.imagestore", "imagestore", abs, FSX_DIR_CREATE, NF_FAIL);
		/* Where the directory can be made, the overlay driver still stops:
		 * "configure storage: path: $HOME/.../l should be absolute" (5.4.2,
		 * 5.8.6, 6.1.1, tests/corpus-releases.sh). */
		if (d->m.driver.value && strcmp(d->m.driver.value, "overlay") == 0)
			c->status = NF_FAIL;
		else
			finding_worst(c, NF_WARN);
		finding_detail(c, "imagestore = \"%s\" is not an absolute path%s: Podman takes it relative to the "
				"directory it runs in%s", is,
			     strchr(is, '$') ? " (Podman does not expand variables in imagestore)" : "",
			     c->status == NF_FAIL ? ", and the overlay driver refuses a relative path"
						  : ", so the store moves with the current directory");
		finding_remedy(c, "write the imagestore as an absolute path, without variables");
		return graphroot_ok;
	}
	c = dir_check(d, out, "startup.imagestore", "imagestore", is, FSX_DIR_CREATE, NF_FAIL);
	if (c->status == NF_FAIL)
		finding_remedy(c, "point imagestore at a directory %s can create, or remove it", d->user);
	return graphroot_ok;
}

/* A lock file of an additional store: opened read-only, created when missing. */
static bool lock_usable(const struct facts *d, struct finding *c, const char *store, const char *sub, const char *lock)
{
	char *dir = go_join(store, sub), *path = go_join(dir, lock);
	const struct lock_fact *l = facts_startup_lock(d, path);
	int err = l ? l->err : 0, verdict = l ? l->verdict : 0;

	if (verdict) {
		finding_worst(c, NF_FAIL);
		finding_detail(c, "%s %s: %s (Podman: \"open %s: ...\" or \"creating lock file directory: mkdir "
				"...\")", err == 0 ? "cannot read" : "cannot create", path, errno_name(verdict), path);
		finding_value_str(c, "lock", path);
		finding_value_str(c, "errno", errno_name(verdict));
	}
	free(path);
	free(dir);
	return verdict == 0;
}

static void check_additional_stores(const struct facts *d, struct findings *out)
{
	const char *drv = d->m.driver.value ? d->m.driver.value : "overlay";

	for (size_t i = 0; i < d->m.additional_image_stores.n; i++) {
		const char *s = d->m.additional_image_stores.v[i].text;
		char *images = xasprintf("%s-images", drv), *layers = xasprintf("%s-layers", drv);
		struct finding *c = dir_check(d, out, "startup.additionalimagestore", "additional image store", s,
					    FSX_DIR_READ, NF_FAIL);

		if (c->status == NF_FAIL)
			finding_detail(c, "Podman stops: \"%s: can't stat imageStore dir %s\" (vfs: \"creating locker "
					"directory\")", drv, s);
		else if (c->status == NF_OK && lock_usable(d, c, s, images, "images.lock"))
			lock_usable(d, c, s, layers, "layers.lock");
		if (c->status == NF_FAIL)
			finding_remedy(c, "remove %s from additionalimagestores, or have its owner create it with "
					"%s and %s readable by %s", s, images, layers, d->user);
		free(images);
		free(layers);
	}
}

static void check_engine_dirs(const struct facts *d, struct findings *out, bool graphroot_ok)
{
	const struct setting *sd = &d->m.static_dir, *vp = &d->m.volume_path, *ic = &d->m.image_copy_tmp_dir;
	struct finding *c;
	char *from;

	/* Under a graphroot that already failed, the same fault again says nothing new. */
	if (sd->value && (graphroot_ok || sd->origin.kind == OR_FILE)) {
		c = dir_check(d, out, "startup.static-dir", "libpod static directory", sd->value, FSX_DIR_CREATE, NF_FAIL);
		if (c->status == NF_FAIL) {
			finding_detail(c, "Podman stops: \"creating runtime static files directory: mkdir ...\"");
			if (sd->origin.kind == OR_FILE)
				finding_remedy(c, "correct static_dir in %s:%u, or remove it", sd->origin.file, sd->origin.line);
			else
				remedy_move_graphroot(d, c);
		}
	}
	if (vp->value && (graphroot_ok || vp->origin.kind == OR_FILE)) {
		bool at_start = d->m.pv.release >= PV(5, 3); /* libpod, not storage */

		c = dir_check(d, out, "startup.volume-path", "volume path", vp->value, FSX_DIR_CREATE,
			      at_start ? NF_FAIL : NF_WARN);
		if (c->status == NF_FAIL || c->status == NF_WARN) {
			finding_detail(c, at_start ? "Podman stops: \"creating runtime volume path directory: mkdir ...\""
						 : "this Podman starts and imports images, but creating a named volume fails");
			if (vp->origin.kind == OR_FILE)
				finding_remedy(c, "correct volume_path in %s:%u", vp->origin.file, vp->origin.line);
		}
	}
	if (!ic->value)
		return;
	/* common's ImageCopyTmpDir: "invalid image_copy_tmp_dir value %q
	 * (relative paths are not accepted)", fatal at start (5.4.2). */
	if (ic->value[0] != '/' && ic->origin.kind == OR_FILE) {
		c = finding_add(out, "startup.image-copy-dir", G_STARTUP, NF_FAIL, "image_copy_tmp_dir = \"%s\" is relative",
				ic->value);
		finding_detail(c, "Podman stops: \"invalid image_copy_tmp_dir value \\\"%s\\\" (relative paths are not "
				"accepted)\"", ic->value);
		finding_remedy(c, "write an absolute path (or \"storage\") in %s:%u", ic->origin.file, ic->origin.line);
		finding_value_str(c, "path", ic->value);
		return;
	}
	c = dir_check(d, out, "startup.image-copy-dir", "image copy directory", ic->value, FSX_DIR_WRITE_EXISTING, NF_FAIL);
	from = origin_text(&ic->origin);
	finding_value_str(c, "origin", from);
	if (c->status == NF_FAIL) {
		finding_detail(c, "every pull and import stages layers there (%s); Podman says \"creating a temporary "
				"directory: mkdir %s/container_images_storage...\"", from, ic->value);
		finding_remedy(c, "export TMPDIR=DIR, a local directory %s can write, or set image_copy_tmp_dir in "
				"~/.config/containers/containers.conf", d->user);
	}
	free(from);
}

void check_startup(const struct facts *d, struct findings *out)
{
	bool graphroot_ok;

	if (!d->model_ok || d->m.fatal || !d->m.graphroot.value) {
		finding_add(out, "startup.graphroot", G_STARTUP, NF_SKIP, "no configuration Podman would start with");
		return;
	}
	/* --timeout was spent (a server did not answer): gather_startup looked at nothing. */
	if (d->startup.no_time) {
		finding_add(out, "startup.graphroot", G_STARTUP, NF_SKIP, "not checked: the time ran out before");
		out->incomplete = true;
		return;
	}
	graphroot_ok = check_roots(d, out);
	check_additional_stores(d, out);
	check_engine_dirs(d, out, graphroot_ok);
}

/*
 * A BoltDB left by an older Podman in the static directory. Podman 6
 * removed BoltDB; its binary has a fatal "a BoltDB database exists but is
 * no longer being used", but Debian's 6.1.1 migrated a 4.3.1 database to
 * SQLite at its next start in every case tried (fresh or reused runtime
 * directory, with or without db.sql): a warning, not a failure.
 */
void check_database(const struct facts *d, struct findings *out)
{
	const char *bolt = d->boltdb;
	struct finding *c;

	/* gather_database found it. */
	if (bolt) {
		c = finding_add(out, "database.boltdb", G_STARTUP, NF_WARN, "a BoltDB database from an older Podman: %s", bolt);
		finding_detail(c, "Podman 6 has no BoltDB; it migrates the database to SQLite at its next start, "
				"which must not run beside another Podman process");
		finding_remedy(c, "stop every Podman process of %s first, or run 'podman system migrate --migrate-db'",
			       d->user);
		finding_value_str(c, "path", bolt);
	}
}
