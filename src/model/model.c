/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model-internal.h"
#include "util.h"
#include "xalloc.h"

/*
 * The value a driver ends up with for NAME: the last option spelled
 * "NAME", ".NAME", "DRIVER.NAME" (or "overlay2.NAME"), as the driver's own
 * option parser reads them in order.
 */
static const struct dopt *driver_option(const struct model *m, const char *driver, const char *name)
{
	const struct dopt *found = NULL;

	for (size_t i = 0; i < m->options.n; i++) {
		const char *t = m->options.v[i].text, *eq = strchr(t, '='), *key = t;
		size_t klen;
		const char *dot;

		if (!eq)
			continue;
		dot = memchr(t, '.', (size_t)(eq - t));
		if (dot) {
			size_t plen = (size_t)(dot - t);

			if (plen && !(driver && strlen(driver) == plen && strncasecmp(t, driver, plen) == 0) &&
			    !(driver && strcmp(driver, "overlay") == 0 && plen == 8 && strncasecmp(t, "overlay2", 8) == 0))
				continue;
			key = dot + 1;
		}
		klen = (size_t)(eq - key);
		if (strlen(name) == klen && strncasecmp(key, name, klen) == 0)
			found = &m->options.v[i];
	}
	return found;
}

static void from_option(struct setting *s, const struct dopt *o)
{
	if (o)
		setting_set(s, strchr(o->text, '=') + 1, &o->origin);
}

/* Go's strconv.ParseBool, which the drivers use for the quoted booleans. */
static bool go_bool(const char *s)
{
	static const char *const ok[] = {"1", "t", "T", "TRUE", "true", "True",
					 "0", "f", "F", "FALSE", "false", "False"};

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
		if (strcmp(s, ok[i]) == 0)
			return true;
	return false;
}

bool model_bool_true(const char *s)
{
	static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};

	for (size_t i = 0; s && i < ARRAY_SIZE(yes); i++)
		if (strcmp(s, yes[i]) == 0)
			return true;
	return false;
}

static void check_values(struct mctx *c)
{
	struct model *m = c->m;
	const struct setting *s = &m->ignore_chown_errors;

	if (s->value && !go_bool(s->value))
		problem_add(&m->problems, PR_ERROR, s->origin.file, s->origin.line,
			    "the storage driver refuses to start",
			    "ignore_chown_errors = \"%s\" is not a boolean Go accepts (\"true\" or \"false\")", s->value);
	s = &m->force_mask;
	if (s->value && strcmp(s->value, "private") != 0 && strcmp(s->value, "shared") != 0 &&
	    strspn(s->value, "01234567") != strlen(s->value))
		problem_add(&m->problems, PR_ERROR, s->origin.file, s->origin.line,
			    "the overlay driver refuses to start",
			    "force_mask = \"%s\" is neither \"private\", \"shared\" nor an octal mode", s->value);
	s = &m->mount_program;
	if (s->value && *s->value) {
		struct stat st;
		int err = fsx_stat(&c->fs, s->value, &st);

		if (err)
			problem_add(&m->problems, PR_ERROR, s->origin.file, s->origin.line,
				    "the overlay driver refuses to start: \"overlay: can't stat program\"",
				    "mount_program %s: %s", s->value, nf_strerror(err));
	}
	if (m->driver.value && strcmp(m->driver.value, "overlay") && strcmp(m->driver.value, "vfs") &&
	    strcmp(m->driver.value, "btrfs") && strcmp(m->driver.value, "zfs"))
		problem_add(&m->problems, PR_ERROR, m->driver.origin.file, m->driver.origin.line,
			    "Podman stops: \"failed to GetDriver graph\"",
			    "driver \"%s\" is not a driver rootless Podman has", m->driver.value);
}

static void derive_effective(struct mctx *c)
{
	struct model *m = c->m;
	const char *d = m->driver.value;

	predict_driver(c, &m->driver, m->graphroot.value, &m->driver_priority);
	d = m->driver.value;
	from_option(&m->ignore_chown_errors, driver_option(m, d, "ignore_chown_errors"));
	from_option(&m->mount_program, driver_option(m, d, "mount_program"));
	from_option(&m->force_mask, driver_option(m, d, "force_mask"));
	from_option(&m->use_composefs, driver_option(m, d, "use_composefs"));
	for (size_t i = 0; i < m->options.n; i++) {
		const char *t = m->options.v[i].text, *eq = strchr(t, '=');

		if (eq && (size_t)(eq - t) >= 10 && strncmp(eq - 10, "imagestore", 10) == 0)
			options_add(&m->additional_image_stores, &m->options.v[i].origin, "%s", eq + 1);
	}
}

/* Whether a problem already says what made the configuration fatal (a
 * broken file is reported once, with its file and line). */
static bool fatal_said(const struct model *m)
{
	for (size_t i = 0; i < m->problems.n; i++)
		if (m->problems.v[i].severity == PR_ERROR && problem_says(&m->problems.v[i], m->fatal_message))
			return true;
	return false;
}

int model_build(struct model *m, const struct model_request *req)
{
	struct mctx c = {0};
	int err;

	memset(m, 0, sizeof(*m));
	err = req->known ? (podman_version_copy(&m->pv, req->known), 0)
			 : podman_version_detect(&m->pv, req->podman_version, userenv_get(req->env, "PATH"), req->as);
	if (err)
		return err;
	m->version = m->pv.version;
	m->env = req->env;
	m->rootless = req->env->uid != 0;
	c.m = m;
	c.env0 = req->env;
	c.v = m->version;
	c.fs.as = req->as;
	/* The model only looks, and asks what Podman asks, repeats included. */
	c.fs.memo = req->memo ? req->memo : fsx_memo_new();
	if (!m->rootless)
		model_note(m, "running as root: this is the rootful configuration; "
			      "use --user NAME for a user's rootless one");
	model_containers_conf(&c);
	if (c.v >= PV(6, 0))
		model_v6(&c);
	else if (m->rootless)
		model_legacy(&c);
	else
		model_legacy_rootful(&c);
	if (!m->fatal)
		derive_effective(&c);
	model_containers_defaults(&c);
	check_values(&c);
	for (size_t i = 0; i < c.nmade; i++)
		free(c.made[i]);
	free(c.made);
	if (!req->memo)
		fsx_memo_free(c.fs.memo);
	if (m->fatal && !fatal_said(m))
		problem_add(&m->problems, PR_ERROR, NULL, 0, "Podman refuses to start", "%s", m->fatal_message);
	return 0;
}

void model_free(struct model *m)
{
	for (size_t i = 0; i < m->nfiles; i++) {
		struct model_file *f = m->files[i];

		free(f->path);
		free(f->note);
		free(f->buf);
		if (f->conf.path)
			sc_file_free(&f->conf);
		free(f);
	}
	free(m->files);
	setting_clear(&m->driver);
	setting_clear(&m->graphroot);
	setting_clear(&m->runroot);
	setting_clear(&m->imagestore);
	setting_clear(&m->rootless_storage_path);
	setting_clear(&m->transient_store);
	setting_clear(&m->ignore_chown_errors);
	setting_clear(&m->mount_program);
	setting_clear(&m->force_mask);
	setting_clear(&m->use_composefs);
	setting_clear(&m->driver_priority);
	options_clear(&m->additional_image_stores);
	setting_clear(&m->static_dir);
	setting_clear(&m->volume_path);
	setting_clear(&m->image_copy_tmp_dir);
	options_clear(&m->options);
	for (size_t i = 0; i < m->nnotes; i++)
		free(m->notes[i]);
	free(m->notes);
	free(m->database);
	free(m->fatal_message);
	problem_list_free(&m->problems);
	podman_version_free(&m->pv);
	memset(m, 0, sizeof(*m));
}
