/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "problems.h"
#include "strhash.h"
#include "xalloc.h"

static bool same_problem(const struct problem *p, enum pr_severity sev, const char *file, unsigned line,
			 const char *msg)
{
	return p->severity == sev && p->line == line && strcmp(p->message, msg) == 0 &&
	       ((!file && !p->file) || (file && p->file && strcmp(file, p->file) == 0));
}

static uint32_t problem_hash(enum pr_severity sev, const char *file, unsigned line, const char *msg)
{
	uint64_t h = strhash(msg, strlen(msg));

	h = strhash_more(h, file ? file : "", file ? strlen(file) + 1 : 0);
	return (uint32_t)(h ^ h >> 32 ^ (uint64_t)line * 0x9E3779B97F4A7C15ULL ^ (uint64_t)sev);
}

/* Where a problem with these fields (hash H) is, or would go, in PL's index. */
static uint64_t *index_slot(const struct problem_list *pl, enum pr_severity sev, const char *file,
			    unsigned line, const char *msg, uint32_t h)
{
	size_t mask = pl->nindex - 1, at = h & mask;

	for (;; at = (at + 1) & mask) {
		uint64_t e = pl->index[at];

		if (!e || ((uint32_t)(e >> 32) == h && same_problem(&pl->v[(uint32_t)e - 1], sev, file, line, msg)))
			return &pl->index[at];
	}
}

/* Keep the index at most half full, so probes stay short. */
static void index_grow(struct problem_list *pl)
{
	size_t n = pl->nindex ? pl->nindex * 2 : 64, mask = n - 1;
	uint64_t *old = pl->index, *idx = xcalloc(n, sizeof(*idx));

	for (size_t i = 0; i < pl->nindex; i++) {
		size_t at;

		if (!old[i])
			continue;
		for (at = (size_t)(old[i] >> 32) & mask; idx[at]; at = (at + 1) & mask)
			;
		idx[at] = old[i];
	}
	free(old);
	pl->index = idx;
	pl->nindex = n;
}

void problem_add(struct problem_list *pl, enum pr_severity sev, const char *file,
		 unsigned line, const char *podman, const char *fmt, ...)
{
	struct problem *p;
	uint64_t *slot;
	uint32_t h;
	char *msg;
	va_list ap;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (2 * (pl->n + 1) > pl->nindex)
		index_grow(pl);
	/* The same file is often read more than once (Podman's two processes);
	 * a hash keeps this check constant-time for files with many faults. */
	h = problem_hash(sev, file, line, msg);
	slot = index_slot(pl, sev, file, line, msg, h);
	if (*slot) {
		free(msg);
		return;
	}
	if (pl->n == pl->cap) {
		pl->cap = pl->cap ? 2 * pl->cap : 16;
		pl->v = xreallocarray(pl->v, pl->cap, sizeof(*pl->v));
	}
	p = &pl->v[pl->n++];
	*slot = (uint64_t)h << 32 | (uint64_t)pl->n;
	p->severity = sev;
	p->file = file ? xstrdup(file) : NULL;
	p->line = line;
	p->podman = podman ? xstrdup(podman) : NULL;
	p->message = msg;
}

size_t problem_count(const struct problem_list *pl, enum pr_severity at_least)
{
	size_t n = 0;

	for (size_t i = 0; i < pl->n; i++)
		if (pl->v[i].severity >= at_least)
			n++;
	return n;
}

void problem_list_free(struct problem_list *pl)
{
	for (size_t i = 0; i < pl->n; i++) {
		free(pl->v[i].file);
		free(pl->v[i].message);
		free(pl->v[i].podman);
	}
	free(pl->v);
	free(pl->index);
	memset(pl, 0, sizeof(*pl));
}

const char *problem_severity_name(enum pr_severity sev)
{
	switch (sev) {
	case PR_NOTE: return "note";
	case PR_WARNING: return "warning";
	case PR_ERROR: return "error";
	}
	return "?";
}

bool problem_says(const struct problem *p, const char *text)
{
	size_t n;

	if (strcmp(p->message, text) == 0)
		return true;
	if (!p->file || !p->line)
		return false;
	/* "FILE:LINE: message", compared in place: no allocation. */
	n = strlen(p->file);
	if (strncmp(text, p->file, n) != 0 || text[n] != ':')
		return false;
	text += n + 1;
	if (strtoul(text, (char **)&text, 10) != p->line || strncmp(text, ": ", 2) != 0)
		return false;
	return strcmp(text + 2, p->message) == 0;
}
