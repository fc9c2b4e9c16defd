/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fsx.c's parts, for its files only: a request; the calls every operation
 * is made of, two ways (fsx-prims.c); the operations over them and the
 * guarded child's body (fsx-ops.c); the per-user helper sessions
 * (fsx-session.c). fsx.c decides where a call runs and keeps the memo,
 * the dead mounts and the trace.
 */
#ifndef NFSCHECK_FSX_INTERNAL_H
#define NFSCHECK_FSX_INTERNAL_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "guard.h"

struct req {
	const char *path;
	const char *arg;
	size_t max;
	int op;
	int mode;
};

enum { OP_STAT, OP_LSTAT, OP_STATFS, OP_REALPATH, OP_READ, OP_LIST, OP_ACCESS,
       OP_MKDIR_WOULD, OP_RESOLVE_PREFIX, OP_LOOKPATH, OP_MKDIRS, OP_DIR_USABLE };

/*
 * The calls every operation is made of, done two ways: by the C library in
 * the guarded child, or in-process by localwalk.h, which may also answer
 * LW_FALLBACK ("ask the child"). The operations below are written once over
 * these, so both ways give the same answers.
 */
struct prims {
	int (*stat)(const char *path, bool follow, struct stat *st);
	int (*access)(const char *path, int mode);
	int (*realpath)(const char *path, char **out);
	int (*statfs)(const char *path, struct statfs *sf);
	int (*open_read)(const char *path, int *fd);
	/* opendir(PATH); *WHERE may name it for STAT_ENTRY */
	int (*open_dir)(const char *path, DIR **d, char **where);
	/* stat() of NAME in D, following links */
	int (*stat_entry)(DIR *d, const char *where, const char *name, struct stat *st);
	/* lstat()'s answer for PATH and its deepest existing prefix at once
	 * (localwalk.h's lw_nearest); NULL, or LW_FALLBACK: ask prefix by prefix */
	int (*nearest)(const char *path, int *rc_path, char **existing);
};

/* The C library's, for the guarded child and the helpers. */
extern const struct prims fsx_libc_prims;
/* localwalk.h's, in-process; each may answer LW_FALLBACK. */
extern const struct prims fsx_local_prims;
/* In-process, acting for another user: access(2) then means the user's
 * filesystem identity, which AT_EACCESS uses and the real uid would not. */
extern bool fsx_local_eaccess;
/* The end of one in-process operation: its stats are not kept past it. */
void fsx_op_stats_clear(void);

/* Operation R over PR's calls: 0 or an errno, with the answer in OUT;
 * LW_FALLBACK when PR cannot tell. */
int fsx_run_op(const struct prims *pr, const struct req *r, struct guard_out *out);
/* The guarded child's (and a helper's) body for one request. */
int fsx_child(void *arg, struct guard_out *out);

/* Whether this process's helpers are on (fsx_session). */
bool fsx_session_mine(void);
/* A call through a session helper (AS NULL: the one as ourselves), with
 * guard_run's outcomes. */
enum guard_status fsx_session_call(const struct identity *as, int per_call, struct req *r, int *status,
				   struct guard_out *out);

#endif
