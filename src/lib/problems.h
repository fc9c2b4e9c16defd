/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Problems found while reading configuration: where (FILE:LINE), what, and
 * what Podman does about it. Both `config` and `diagnose` report them.
 */
#ifndef NFSCHECK_PROBLEMS_H
#define NFSCHECK_PROBLEMS_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "msg.h"

enum pr_severity {
	PR_NOTE,    /* worth knowing, changes nothing */
	PR_WARNING, /* Podman warns or ignores a setting */
	PR_ERROR,   /* Podman fails, or drops a whole file */
};

struct problem {
	enum pr_severity severity;
	char *file;     /* NULL when not about a file */
	unsigned line;  /* 0 when not about one line */
	char *message;  /* what is wrong */
	char *podman;   /* what Podman does about it; may be NULL */
};

struct problem_list {
	struct problem *v;
	size_t n, cap;
	uint64_t *index; /* 0 free, else hash << 32 | position + 1 */
	size_t nindex;   /* a power of two, or 0 */
};

void problem_add(struct problem_list *pl, enum pr_severity sev, const char *file,
		 unsigned line, const char *podman, const char *fmt, ...) NF_PRINTF(6, 7);
size_t problem_count(const struct problem_list *pl, enum pr_severity at_least);
/* Whether P says TEXT: its message, or "FILE:LINE: message". */
bool problem_says(const struct problem *p, const char *text);
void problem_list_free(struct problem_list *pl);
const char *problem_severity_name(enum pr_severity sev);

#endif
