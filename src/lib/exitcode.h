/* SPDX-License-Identifier: Apache-2.0 */
/* Exit statuses; man/nfscheck.1 EXIT STATUS documents the same numbers. */
#ifndef NFSCHECK_EXITCODE_H
#define NFSCHECK_EXITCODE_H

#include <sysexits.h>

enum nf_exit {
	NF_EXIT_OK = 0,             /* nothing will break rootless Podman */
	NF_EXIT_PROBLEMS = 1,       /* found something that will break it */
	NF_EXIT_INCOMPLETE = 2,     /* nfscheck itself could not complete */
	NF_EXIT_USAGE = EX_USAGE,   /* 64 */
	NF_EXIT_NOPERM = EX_NOPERM, /* 77 */
};

#endif
