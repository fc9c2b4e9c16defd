/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fleet's snapshot of /etc/subuid and /etc/subgid: read once for the whole
 * run, before the workers fork, instead of once per user. libsubid has no
 * call that lists every range: subid_get_uid_ranges(owner) opens and parses
 * the whole file again for each owner asked (shadow's list_owner_ranges),
 * so N users cost N times N lines. When the "subid:" backend is files and
 * the files hold nothing libsubid reads differently from subids_read_file
 * (a number it takes as octal or hex, a line it drops, a line this parser
 * rejects), the owners' ranges are looked up in this one reading, as
 * libsubid would find them: the lines whose owner is exactly the name, in
 * file order. Otherwise libsubid is asked per user, as diagnose does.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "subids.h"
#include "xalloc.h"

static struct {
	bool loaded, usable;
	struct subids all;          /* files[] and their problems; backend */
	struct subid_owners by_owner[2];
} snap;

static int by_owner(const void *a, const void *b, void *file)
{
	const struct subid_file *f = file;
	const struct subid_entry *x = &f->v[*(const size_t *)a], *y = &f->v[*(const size_t *)b];
	int c = strcmp(x->owner, y->owner);

	return c ? c : (x->line > y->line) - (x->line < y->line);
}

void subid_owners_index(struct subid_owners *o, const struct subid_file *f)
{
	o->f = f;
	o->order = xcalloc(f->n ? f->n : 1, sizeof(size_t));
	for (size_t i = 0; i < f->n; i++)
		o->order[i] = i;
	qsort_r(o->order, f->n, sizeof(size_t), by_owner, (void *)f);
}

void subid_owners_free(struct subid_owners *o)
{
	free(o->order);
	memset(o, 0, sizeof(*o));
}

size_t subid_owners_find(const struct subid_owners *o, const char *who, size_t *first)
{
	size_t lo = 0, hi = o->f->n, n = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(o->f->v[o->order[mid]].owner, who) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo + n < o->f->n && strcmp(o->f->v[o->order[lo + n]].owner, who) == 0)
		n++;
	*first = lo;
	return n;
}

void subids_preload(void)
{
	struct subids tmp;

	if (snap.loaded)
		return;
	/* subids_lookup before the snapshot exists: the per-user way. */
	subids_lookup(&tmp, NULL, "", 0);
	snap.all = tmp;
	snap.usable = subids_files_answer(&snap.all);
	for (int f = 0; f < 2; f++) {
		subid_owners_index(&snap.by_owner[f], &snap.all.files[f]);
		subids_spans_index(&snap.all.files[f]);
	}
	snap.loaded = true;
}

const struct subid_file *subids_snapshot_files(void)
{
	return snap.loaded ? snap.all.files : NULL;
}

/* The ranges of the lines owned by exactly WHO, in file order. */
static bool owned(struct idranges *r, int f, const char *who, const struct subids *s)
{
	const struct subid_owners *o = &snap.by_owner[f];
	size_t first, n;

	return who && *who && (n = subid_owners_find(o, who, &first)) && idranges_take(r, o->f, o->order + first, n, who);
}

bool subids_snapshot_lookup(struct subids *s, const char *who, uid_t uid)
{
	if (!snap.loaded)
		return false;
	s->backend = xstrdup(snap.all.backend);
	s->files[0] = snap.all.files[0];
	s->files[1] = snap.all.files[1];
	s->shared_files = true;
	for (size_t i = 0; i < snap.all.problems.n; i++) {
		const struct problem *p = &snap.all.problems.v[i];

		problem_add(&s->problems, p->severity, p->file, p->line, p->podman, "%s", p->message);
	}
	if (!snap.usable)
		return false;
	subids_answer(s, who, uid, owned);
	return true;
}
