/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Free subordinate ranges to propose, for one user or for many at once.
 * Proposed one user at a time, every user short of IDs would be given the
 * same first free range: run as printed, the commands would give several
 * users the same IDs (their containers could read and write each other's
 * files). So the ranges are planned together: every range of both files,
 * and the IDs of real users and groups, are taken; each user in turn gets
 * the first free range after the one given before it.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>

#include "subids.h"
#include "xalloc.h"

/* Where shadow's useradd starts (SUB_UID_MIN), and the step it keeps. */
#define PLAN_FIRST 100000UL
#define PLAN_ALIGN 65536UL

struct span {
	unsigned long first, last;
};

static int by_first(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/* The spans taken, sorted by their first ID. */
static struct span *taken_spans(const struct subid_file files[2], const unsigned long *taken, size_t ntaken,
				size_t *n)
{
	size_t cap = files[0].n + files[1].n + ntaken, k = 0;
	struct span *v = xcalloc(cap ? cap : 1, sizeof(*v));

	for (int f = 0; f < 2; f++)
		for (size_t i = 0; i < files[f].n; i++)
			if (files[f].v[i].count) {
				v[k].first = files[f].v[i].start;
				v[k++].last = subid_last(files[f].v[i].start, files[f].v[i].count);
			}
	for (size_t i = 0; i < ntaken; i++) {
		v[k].first = taken[i];
		v[k++].last = taken[i];
	}
	qsort(v, k, sizeof(*v), by_first);
	*n = k;
	return v;
}

/*
 * From *START on, the first COUNT IDs that meet no span and do not hold
 * OWN (the user's own UID, which newuidmap refuses). *K is where the spans
 * still ahead begin: START only grows, so the walk over all users is one
 * pass. False when no such range fits below SUBID_MAX.
 */
static bool place(const struct span *v, size_t n, size_t *k, unsigned long *start, unsigned long count,
		  unsigned long own)
{
	for (;;) {
		unsigned long last = subid_last(*start, count), past;

		if (last > SUBID_MAX)
			return false;
		while (*k < n && v[*k].last < *start)
			(*k)++;
		/* Sorted by first: if any span ahead meets the range, this one does. */
		if (*k < n && v[*k].first <= last)
			past = v[*k].last;
		else if (own >= *start && own <= last)
			past = own;
		else
			return true;
		/* Keep ranges aligned as shadow's tools do. */
		if (past >= SUBID_MAX - PLAN_ALIGN)
			return false;
		*start = (past + 1 + PLAN_ALIGN - 1) / PLAN_ALIGN * PLAN_ALIGN;
	}
}

void subids_plan(const struct subid_file files[2], const unsigned long *taken, size_t ntaken,
		 struct subid_need *v, size_t n)
{
	size_t nspans, k = 0;
	struct span *spans = taken_spans(files, taken, ntaken, &nspans);
	unsigned long next = PLAN_FIRST;

	for (size_t i = 0; i < n; i++) {
		unsigned long start = next;

		v[i].start = 0;
		if (!v[i].count || !place(spans, nspans, &k, &start, v[i].count, v[i].own))
			continue;
		v[i].start = start;
		next = start + v[i].count;
	}
	free(spans);
}

unsigned long subids_free_start(const struct subids *s, unsigned long count)
{
	struct subid_need one = {.count = count, .own = ULONG_MAX};

	if (!count)
		return PLAN_FIRST;
	subids_plan(s->files, NULL, 0, &one, 1);
	return one.start;
}
