/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ids-plan.h"
#include "nsswitch.h"
#include "xalloc.h"

struct ids_user {
	char *name;
	uid_t uid;
	size_t seq;   /* enumeration order: ties in UID keep it */
};

struct ids_plan {
	struct subid_file files[2];  /* borrowed: only for the late ones */
	unsigned long *taken;
	size_t ntaken;
	struct ids_user *u;
	struct subid_need *need;     /* parallel to U */
	size_t n;
	size_t *index;               /* into U, by UID then name */
	size_t nindex;
};

static int by_uid(const void *a, const void *b)
{
	const struct ids_user *x = a, *y = b;

	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

static void add_user(struct ids_plan *p, const char *name, uid_t uid)
{
	p->u = xreallocarray(p->u, p->n + 1, sizeof(*p->u));
	p->u[p->n].name = xstrdup(name);
	p->u[p->n].uid = uid;
	p->u[p->n].seq = p->n;
	p->n++;
}

/* Every account through NSS: its IDs are taken; the ordinary ones are planned for. */
static void enumerate(struct ids_plan *p)
{
	unsigned long long lo, hi;
	struct passwd *pw;

	login_defs_uid_range(NULL, &lo, &hi);
	setpwent();
	while ((pw = getpwent())) {
		p->taken = xreallocarray(p->taken, p->ntaken + 2, sizeof(*p->taken));
		p->taken[p->ntaken++] = pw->pw_uid;
		p->taken[p->ntaken++] = pw->pw_gid;
		if (pw->pw_uid >= lo && pw->pw_uid <= hi)
			add_user(p, pw->pw_name, pw->pw_uid);
	}
	endpwent();
	qsort(p->u, p->n, sizeof(*p->u), by_uid);
}

/* The lines NAME owns in one file, else those of its UID, as libsubid is asked. */
static size_t owned(const struct subid_owners *o, const char *name, uid_t uid, unsigned long *total)
{
	char num[32];
	size_t first, n;

	snprintf(num, sizeof(num), "%u", (unsigned)uid);
	if (!(n = subid_owners_find(o, name, &first)))
		n = subid_owners_find(o, num, &first);
	*total = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned long c = o->f->v[o->order[first + i]].count;

		*total = __builtin_add_overflow(*total, c, total) ? (unsigned long)-1 : *total;
	}
	return n;
}

/* What check_subids proposes: a full range to one with none, the policy's
 * minimum to one below it. */
static unsigned long need_of(const struct subid_owners o[2], const struct policy *pol, const char *name, uid_t uid)
{
	unsigned long tu, tg;
	size_t nu = owned(&o[0], name, uid, &tu), ng = owned(&o[1], name, uid, &tg);

	if (!nu || !ng)
		return SUBID_RECOMMENDED;
	if (pol && pol->min_subids && (tu < pol->min_subids || tg < pol->min_subids))
		return pol->min_subids;
	return 0;
}

static int by_uid_name(const void *a, const void *b, void *plan)
{
	const struct ids_plan *p = plan;
	const struct ids_user *x = &p->u[*(const size_t *)a], *y = &p->u[*(const size_t *)b];

	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Where NAME (UID) is in U, through the index; -1 if not there. */
static long find(const struct ids_plan *p, const char *name, uid_t uid)
{
	size_t lo = 0, hi = p->nindex;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ids_user *u = &p->u[p->index[mid]];

		if (u->uid < uid || (u->uid == uid && strcmp(u->name, name) < 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < p->nindex && p->u[p->index[lo]].uid == uid && strcmp(p->u[p->index[lo]].name, name) == 0)
		return (long)p->index[lo];
	return -1;
}

static void make_index(struct ids_plan *p)
{
	free(p->index);
	p->index = xcalloc(p->n ? p->n : 1, sizeof(size_t));
	for (size_t i = 0; i < p->n; i++)
		p->index[i] = i;
	qsort_r(p->index, p->n, sizeof(size_t), by_uid_name, p);
	p->nindex = p->n;
}

struct ids_plan *ids_plan_make(const struct subid_file files[2], const struct policy *policy,
			       const struct ids_extra *extra, size_t nextra)
{
	struct ids_plan *p = xcalloc(1, sizeof(*p));
	struct subid_owners o[2];

	p->files[0] = files[0];
	p->files[1] = files[1];
	enumerate(p);
	make_index(p);
	/* Users beyond the enumeration (a --users list, another UID range). */
	for (size_t i = 0; i < nextra; i++)
		if (extra[i].uid >= 0 && find(p, extra[i].name, (uid_t)extra[i].uid) < 0)
			add_user(p, extra[i].name, (uid_t)extra[i].uid);
	make_index(p);
	subid_owners_index(&o[0], &files[0]);
	subid_owners_index(&o[1], &files[1]);
	p->need = xcalloc(p->n ? p->n : 1, sizeof(*p->need));
	for (size_t i = 0; i < p->n; i++) {
		p->need[i].name = p->u[i].name;
		p->need[i].own = p->u[i].uid;
		p->need[i].count = need_of(o, policy, p->u[i].name, p->u[i].uid);
	}
	subid_owners_free(&o[0]);
	subid_owners_free(&o[1]);
	subids_plan(files, p->taken, p->ntaken, p->need, p->n);
	return p;
}

void ids_plan_free(struct ids_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		free(p->u[i].name);
	free(p->u);
	free(p->index);
	free(p->need);
	free(p->taken);
	free(p);
}

unsigned long ids_plan_start(const struct ids_plan *p, const char *name, uid_t uid, unsigned long count)
{
	struct subid_need *all;
	unsigned long start;

	long i = find(p, name, uid);

	if (i >= 0 && p->need[i].count == count)
		return p->need[i].start;
	/* Not planned for (libsubid saw otherwise, or unknown to NSS): after everyone. */
	all = xcalloc(p->n + 1, sizeof(*all));
	memcpy(all, p->need, p->n * sizeof(*all));
	all[p->n].name = name;
	all[p->n].own = uid;
	all[p->n].count = count;
	subids_plan(p->files, p->taken, p->ntaken, all, p->n + 1);
	start = all[p->n].start;
	free(all);
	return start;
}
