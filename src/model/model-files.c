/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model-internal.h"
#include "xalloc.h"

/* What Podman does when a file in ROLE fails to decode. */
static const char *on_failure(const struct mctx *c, enum file_role role)
{
	if (c->v >= PV(6, 0))
		return "Podman refuses to start: \"Failed to obtain podman configuration: decode configuration\"";
	switch (role) {
	case ROLE_USER:
		if (c->v < PV(4, 3))
			return "Podman prints \"Failed to read\" and ignores the whole file";
		return "Podman refuses to start (exit 1); only a run that joins an existing pause process "
		       "ignores the whole file instead";
	case ROLE_SYSTEM:
	case ROLE_ENV:
		if (c->v < PV(4, 2))
			return "Podman prints \"Failed to read\" and ignores the whole file";
		return "Podman refuses to start (exit 1)";
	default:
		return "Podman refuses to start (exit 1)";
	}
}

struct model_file *mctx_load(struct mctx *c, const char *path, enum file_role role)
{
	struct model *m = c->m;
	struct model_file *f;

	f = NULL;
	for (size_t i = 0; i < m->nfiles && !f; i++)
		if (strcmp(m->files[i]->path, path) == 0)
			f = m->files[i];
	/* Found: read already, or only mentioned as not read (err -1) by one
	 * of Podman's processes -- another one may read it after all. */
	if (f && f->err != -1)
		return f;
	if (f) {
		free(f->note);
		f->note = NULL;
	} else {
		m->files = xreallocarray(m->files, m->nfiles + 1, sizeof(*m->files));
		f = m->files[m->nfiles++] = xcalloc(1, sizeof(*f));
		f->path = xstrdup(path);
		f->role = role;
	}
	f->err = fsx_read_file(&c->fs, path, CONF_MAX_BYTES, &f->buf, &f->len);
	if (f->err == 0) {
		sc_file_parse(&f->conf, path, f->buf, f->len, c->v, on_failure(c, role), &m->problems);
		f->decoded = !f->conf.decode_failed;
	} else if (f->err != ENOENT) {
		problem_add(&m->problems, f->err == NF_EDEADLINE ? PR_ERROR : PR_WARNING, path, 0,
			    on_failure(c, role), "cannot read: %s", nf_strerror(f->err));
	}
	return f;
}

void mctx_mention(struct mctx *c, const char *path, enum file_role role, int err, const char *why)
{
	struct model *m = c->m;
	struct model_file *f;

	for (size_t i = 0; i < m->nfiles; i++)
		if (strcmp(m->files[i]->path, path) == 0)
			return;
	m->files = xreallocarray(m->files, m->nfiles + 1, sizeof(*m->files));
	f = m->files[m->nfiles++] = xcalloc(1, sizeof(*f));
	f->path = xstrdup(path);
	f->role = role;
	f->err = err;
	f->note = why ? xstrdup(why) : NULL;
}

int mctx_exists(struct mctx *c, const char *path)
{
	struct stat st;
	int err = fsx_stat(&c->fs, path, &st);

	/* Podman would hang on this stat; go on as if the file were absent so
	 * that the rest of the answer still comes, and say so. */
	if (err == NF_EDEADLINE) {
		problem_add(&c->m->problems, PR_ERROR, path, 0,
			    "Podman would hang here: the filesystem does not answer",
			    "cannot tell whether it exists: %s", nf_strerror(err));
		return ENOENT;
	}
	return err;
}
