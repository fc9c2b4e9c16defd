/* SPDX-License-Identifier: Apache-2.0 */
/*
 * subids_overlap through fleet's index by start (subids-spans.c) against
 * the plain reading of the file: the same line, or none, for random files
 * (ranges nested, touching, empty, at the top of the ID space; owners by
 * name and by UID) and random questions.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "subids.h"
#include "tap.h"
#include "xalloc.h"

static unsigned long rnd(unsigned long n)
{
	return n ? (unsigned long)random() % n : 0;
}

static unsigned long pick_start(void)
{
	switch (rnd(6)) {
	case 0:
		return ULONG_MAX - rnd(100);
	case 1:
		return 100000 + 65536 * rnd(20);
	default:
		return 100000 + rnd(1500000);
	}
}

static void fill(struct subid_file *f, size_t n)
{
	static const char *const owners[] = {"alice", "bob", "carol", "1000", "1001", "dave"};

	f->v = xcalloc(n + 1, sizeof(*f->v));
	f->n = n;
	for (size_t i = 0; i < n; i++) {
		f->v[i].owner = xstrdup(owners[rnd(6)]);
		f->v[i].start = pick_start();
		f->v[i].count = rnd(8) == 0 ? 0 : rnd(3) == 0 ? 65536 : 1 + rnd(200000);
		f->v[i].line = (unsigned)i + 1;
	}
}

int main(void)
{
	static const char *const names[] = {"alice", "bob", "erin", NULL};
	unsigned long cases = 0, differ = 0, found = 0;

	srandom(4242);
	for (int round = 0; round < 300; round++) {
		struct subid_file f = {0};

		fill(&f, 1 + rnd(round < 100 ? 8 : 400));
		for (int q = 0; q < 200; q++) {
			struct idrange ours = {.start = pick_start(), .count = rnd(10) == 0 ? 0 : 1 + rnd(300000)};
			const char *name = names[rnd(4)];
			uid_t uid = 1000 + (uid_t)rnd(3);
			const struct subid_entry *plain, *indexed;

			plain = subids_overlap(&f, &ours, name, uid);
			subids_spans_index(&f);
			indexed = subids_overlap(&f, &ours, name, uid);
			subids_spans_free(&f);
			cases++;
			found += plain != NULL;
			if (plain != indexed)
				differ++;
		}
		for (size_t i = 0; i < f.n; i++)
			free(f.v[i].owner);
		free(f.v);
	}
	ok(differ == 0, "the index gives the plain reading's line in %lu of %lu questions", cases - differ, cases);
	ok(found > cases / 10 && found < cases - cases / 10, "both overlapping and free ranges were asked (%lu of %lu met one)",
	   found, cases);
	return done_testing();
}
