/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Facts: every directory Podman creates or opens at start, decided in the
 * user's name without creating anything (check-startup.c says what Podman
 * does with each, and judges), and the BoltDB an older Podman left. Looked
 * at as the check reports them: a decision that would report nothing new
 * (a lock under a store that failed) is not made.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "facts.h"
#include "fsx.h"
#include "goexpand.h"
#include "guard.h"
#include "xalloc.h"

const struct dir_fact *facts_startup_dir(const struct facts *d, const char *path, enum fsx_dir_use use)
{
	for (size_t i = 0; i < d->startup.ndirs; i++)
		if (d->startup.dirs[i].use == use && strcmp(d->startup.dirs[i].path, path) == 0)
			return &d->startup.dirs[i];
	return NULL;
}

const struct lock_fact *facts_startup_lock(const struct facts *d, const char *path)
{
	for (size_t i = 0; i < d->startup.nlocks; i++)
		if (strcmp(d->startup.locks[i].path, path) == 0)
			return &d->startup.locks[i];
	return NULL;
}

/* Decide USE for PATH, once. */
static const struct dir_fact *decide(struct facts *d, const char *path, enum fsx_dir_use use)
{
	const struct dir_fact *known = facts_startup_dir(d, path, use);
	struct fsx x = facts_fsx(d);
	struct startup_fact *s = &d->startup;
	struct dir_fact *f;

	if (known)
		return known;
	s->dirs = xreallocarray(s->dirs, s->ndirs + 1, sizeof(*s->dirs));
	f = &s->dirs[s->ndirs++];
	memset(f, 0, sizeof(*f));
	f->path = xstrdup(path);
	f->use = use;
	f->err = fsx_dir_usable(&x, path, use, &f->verdict, &f->at);
	/* Whether a path that did not answer had time left: then it hangs. */
	if (f->err == NF_EDEADLINE)
		f->time_left = guard_remaining_ms() > 0;
	return f;
}

/* What check-startup.c reports as a failure of this decision. */
static bool fails(const struct dir_fact *f)
{
	return f->err ? f->err == NF_EDEADLINE && f->time_left : f->verdict != 0;
}

static bool usable(const struct dir_fact *f)
{
	return !f->err && !f->verdict;
}

/* A runroot the user can use: their runtime directory, else /run/user/UID. */
static char *runroot_suggestion(const struct facts *d)
{
	const char *xdg = userenv_get(&d->t.env, "XDG_RUNTIME_DIR");
	char *cand[2], *found = NULL;
	struct fsx x = facts_fsx(d);

	cand[0] = xdg && *xdg == '/' ? go_join(xdg, "containers") : NULL;
	cand[1] = xasprintf("/run/user/%u/containers", (unsigned)d->t.env.uid);
	for (int i = 0; i < 2 && !found; i++) {
		char *at = NULL;
		int verdict = 1;

		if (cand[i] && strcmp(cand[i], d->m.runroot.value) != 0 &&
		    fsx_dir_usable(&x, cand[i], FSX_DIR_CREATE, &verdict, &at) == 0 && verdict == 0)
			found = xstrdup(cand[i]);
		free(at);
	}
	free(cand[0]);
	free(cand[1]);
	return found;
}

/* The three storage roots; true when the graphroot is usable. */
static bool roots(struct facts *d)
{
	const char *is = d->m.imagestore.value;
	const struct origin *o = &d->m.runroot.origin;
	bool graphroot_ok = !fails(decide(d, d->m.graphroot.value, FSX_DIR_CREATE));

	if (!graphroot_ok)
		facts_look_for_move(d);
	if (d->m.runroot.value && fails(decide(d, d->m.runroot.value, FSX_DIR_CREATE)) &&
	    (o->kind == OR_FILE || o->kind == OR_DATABASE))
		d->startup.runroot_suggestion = runroot_suggestion(d);
	if (!is || !*is)
		return graphroot_ok;
	/* A relative imagestore is taken from the directory Podman runs in. */
	if (*is != '/') {
		char cwd[4096];

		if (!getcwd(cwd, sizeof(cwd)))
			snprintf(cwd, sizeof(cwd), "/");
		d->startup.imagestore_abs = go_join(cwd, is);
		decide(d, d->startup.imagestore_abs, FSX_DIR_CREATE);
		return graphroot_ok;
	}
	decide(d, is, FSX_DIR_CREATE);
	return graphroot_ok;
}

/* A lock file of an additional store: opened read-only, created when missing. */
static bool lock_usable(struct facts *d, const char *store, const char *sub, const char *lock)
{
	struct fsx x = facts_fsx(d);
	struct startup_fact *s = &d->startup;
	char *dir = go_join(store, sub), *at = NULL;
	struct lock_fact *l;
	struct stat st;

	s->locks = xreallocarray(s->locks, s->nlocks + 1, sizeof(*s->locks));
	l = &s->locks[s->nlocks++];
	l->path = go_join(dir, lock);
	l->err = fsx_stat(&x, l->path, &st);
	l->verdict = l->err;
	if (l->err == 0)
		l->verdict = fsx_access(&x, l->path, R_OK);
	else if (l->err == ENOENT && fsx_dir_usable(&x, dir, FSX_DIR_CREATE, &l->verdict, &at) != 0)
		l->verdict = 0; /* undecided: say nothing rather than guess */
	free(at);
	free(dir);
	return l->verdict == 0;
}

static void additional_stores(struct facts *d)
{
	const char *drv = d->m.driver.value ? d->m.driver.value : "overlay";

	for (size_t i = 0; i < d->m.additional_image_stores.n; i++) {
		const char *s = d->m.additional_image_stores.v[i].text;
		char *images = xasprintf("%s-images", drv), *layers = xasprintf("%s-layers", drv);

		if (usable(decide(d, s, FSX_DIR_READ)) && lock_usable(d, s, images, "images.lock"))
			lock_usable(d, s, layers, "layers.lock");
		free(images);
		free(layers);
	}
}

static void engine_dirs(struct facts *d, bool graphroot_ok)
{
	const struct setting *sd = &d->m.static_dir, *vp = &d->m.volume_path, *ic = &d->m.image_copy_tmp_dir;

	/* Under a graphroot that already failed, the same fault again says nothing new. */
	if (sd->value && (graphroot_ok || sd->origin.kind == OR_FILE) &&
	    fails(decide(d, sd->value, FSX_DIR_CREATE)) && sd->origin.kind != OR_FILE)
		facts_look_for_move(d);
	if (vp->value && (graphroot_ok || vp->origin.kind == OR_FILE))
		decide(d, vp->value, FSX_DIR_CREATE);
	/* A relative one in a file stops Podman before it looks. */
	if (ic->value && !(ic->value[0] != '/' && ic->origin.kind == OR_FILE))
		decide(d, ic->value, FSX_DIR_WRITE_EXISTING);
}

void gather_startup(struct facts *d)
{
	bool graphroot_ok;

	if (!d->model_ok || d->m.fatal || !d->m.graphroot.value)
		goto done;
	/* --timeout is spent (a server did not answer): each call would only
	 * report that again, and the run must end on time. */
	if (guard_remaining_ms() == 0) {
		d->startup.no_time = true;
		goto done;
	}
	graphroot_ok = roots(d);
	additional_stores(d);
	engine_dirs(d, graphroot_ok);
done:
	d->gathered |= FACTS_STARTUP;
}

void gather_database(struct facts *d)
{
	struct fsx x = facts_fsx(d);
	struct stat st;
	char *bolt;

	if (!d->model_ok || d->m.pv.release < PV(6, 0) || !d->m.static_dir.value || guard_remaining_ms() == 0)
		goto done;
	bolt = go_join(d->m.static_dir.value, "bolt_state.db");
	if (fsx_stat(&x, bolt, &st) == 0)
		d->boltdb = bolt;
	else
		free(bolt);
done:
	d->gathered |= FACTS_DATABASE;
}
