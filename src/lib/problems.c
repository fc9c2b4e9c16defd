/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "problems.h"
#include "xalloc.h"

void problem_add(struct problem_list *pl, enum pr_severity sev, const char *file,
		 unsigned line, const char *podman, const char *fmt, ...)
{
	struct problem *p;
	char *msg;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		nf_die(2, "out of memory");
	va_end(ap);
	/* The same file is often read more than once (Podman's two processes). */
	for (size_t i = 0; i < pl->n; i++)
		if (pl->v[i].severity == sev && pl->v[i].line == line && strcmp(pl->v[i].message, msg) == 0 &&
		    ((!file && !pl->v[i].file) || (file && pl->v[i].file && strcmp(file, pl->v[i].file) == 0))) {
			free(msg);
			return;
		}
	pl->v = xreallocarray(pl->v, pl->n + 1, sizeof(*pl->v));
	p = &pl->v[pl->n++];
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
	pl->v = NULL;
	pl->n = 0;
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
