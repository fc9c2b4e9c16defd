/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Replace or create a small file so that a crash, a full disk or a failing
 * NFS server leaves either the old file or the complete new one: a temp
 * file in the same directory, fsync, a checked close(), rename, fsync of
 * the directory, and a timestamped backup of the old one. It runs in the
 * owner's name, as a guarded call, and refuses a path that symlinks lead
 * elsewhere.
 */
#ifndef NFSCHECK_ATOMIC_WRITE_H
#define NFSCHECK_ATOMIC_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "guard.h"

struct aw_request {
	const char *path;        /* absolute */
	const char *trusted;     /* no symlinks allowed below this directory (the home); NULL: only PATH */
	const char *expect;      /* the contents the new text was made from; NULL: PATH must not exist */
	size_t expect_len;
	const char *data;
	size_t len;
	mode_t new_mode;         /* for a file that did not exist */
	mode_t dir_mode;         /* create missing directories with this mode; 0: do not */
	bool keep_owner;         /* give the new file the old one's owner (root editing for others) */
	bool replace;            /* EXPECT NULL: replace whatever PATH holds, without a backup
	                          * (a generated file such as a metrics file, rewritten each run) */
};

struct aw_result {
	int err;                 /* 0, or the errno of the failing step */
	char *stage;             /* which step failed */
	char *message;           /* what to tell the user */
	char *backup;            /* the backup made, if any */
};

/* 0 written; otherwise the errno, with RES explaining. */
int atomic_write(const struct identity *as, const struct aw_request *rq, struct aw_result *res);
void aw_result_free(struct aw_result *res);

#endif
