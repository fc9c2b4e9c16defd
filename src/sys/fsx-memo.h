/* SPDX-License-Identifier: Apache-2.0 */
/* The memo's inside, for fsx.c only (fsx.h says what a memo is for). */
#ifndef NFSCHECK_FSX_MEMO_H
#define NFSCHECK_FSX_MEMO_H

#include <stdbool.h>
#include <stddef.h>

#include "fsx.h"

struct fsx_memo_key {
	int op, mode;
	size_t max;
	const char *path, *arg; /* either may be NULL */
};

/* The answer kept for K: true, with its status and a copy of its data in
 * *OUT (the caller frees it, as after any call); false when none is. */
bool fsx_memo_get(struct fsx_memo *m, const struct fsx_memo_key *k, int *status, struct guard_out *out);
/* Keep STATUS and OUT's data as the answer for K. */
void fsx_memo_put(struct fsx_memo *m, const struct fsx_memo_key *k, int status, const struct guard_out *out);

#endif
