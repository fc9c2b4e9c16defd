/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Filesystem calls on paths that may sit on a network filesystem, each run
 * as a guarded call (guard.h): under a deadline, and as the user when one
 * is given. Every function returns 0 or an errno value (NF_EDEADLINE when
 * the deadline passed).
 */
#ifndef NFSCHECK_FSX_H
#define NFSCHECK_FSX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "guard.h"

/* Per-call limit; the run's --timeout may cut it shorter. */
#define FSX_CALL_MS 3000
/* Writes wait for a slow server's commit a little longer. */
#define FSX_WRITE_MS 10000

struct fsx_memo;

struct fsx {
	const struct identity *as; /* NULL: as ourselves */
	int timeout_ms;            /* 0: FSX_CALL_MS */
	bool here_only;            /* never a guarded child: FSX_NOT_HERE instead */
	struct fsx_memo *memo;     /* NULL: every call asks the filesystem */
};

/*
 * A memo for a caller that only looks and asks the same things again (the
 * model follows Podman, which looks up the runtime directory and the
 * graphroot once per store it opens, four times in all): a question asked
 * before on the same handle gets the first answer, without a walk or a
 * helper round trip. Only answers that are not a deadline or a failed
 * helper are kept, and only for questions that change nothing (stat,
 * lstat, statfs, realpath, access, mkdir_would, resolve_prefix, lookpath,
 * dir_usable). Whoever writes must not set one: an answer is not renewed.
 */
struct fsx_memo *fsx_memo_new(void);
void fsx_memo_free(struct fsx_memo *m);

/* Returned with here_only when the call cannot be proved safe in-process. */
#define FSX_NOT_HERE 10001

/*
 * Sessions (fleet, diagnose, config): while on, calls as a user go to one helper process
 * running as that user (calls as ourselves to one running as us), which
 * answers them one after another under the same per-call deadline,
 * instead of a new child per call. A call that misses its deadline kills
 * its helper (the next call starts a new one) and marks the mount dead as
 * before. fsx_session_end stops the user's helper; fsx_session(false) both.
 */
void fsx_session(bool on);
void fsx_session_end(void);

int fsx_stat(const struct fsx *x, const char *path, struct stat *st);
int fsx_lstat(const struct fsx *x, const char *path, struct stat *st);
int fsx_statfs(const struct fsx *x, const char *path, struct statfs *sf);
/* Go's filepath.EvalSymlinks: the resolved absolute path, in *OUT. */
int fsx_realpath(const struct fsx *x, const char *path, char **out);
/* Read a regular file of at most MAX bytes (EFBIG beyond). */
int fsx_read_file(const struct fsx *x, const char *path, size_t max, char **buf, size_t *len);
/* The names in a directory, sorted, without "." and "..". *DIRS marks subdirectories. */
int fsx_list_dir(const struct fsx *x, const char *path, char ***names, bool **dirs, size_t *n);
void fsx_free_names(char **names, size_t n);
/* access(2) as the user. */
int fsx_access(const struct fsx *x, const char *path, int mode);

/* What MkdirAll(PATH) would find: */
enum fsx_mkdir {
	FSX_MKDIR_EXISTS,      /* PATH is already there (any type) */
	FSX_MKDIR_WOULD_MAKE,  /* missing; the user may create it */
	FSX_MKDIR_CANNOT,      /* missing; creating it would fail */
};
/* Decide without creating anything. 0 or errno; *WHAT says which. */
int fsx_mkdir_would(const struct fsx *x, const char *path, enum fsx_mkdir *what);

/* What Podman needs of a directory it uses at start: */
enum fsx_dir_use {
	FSX_DIR_CREATE = 1,     /* MkdirAll then write: PATH, or its nearest existing ancestor, writable */
	FSX_DIR_WRITE_EXISTING, /* write into PATH, which Podman does not create (MkdirTemp in it) */
	FSX_DIR_READ,           /* PATH exists, a directory the user can list and enter */
};
/*
 * Decide USE for PATH as the user, creating nothing. Returns 0 or the
 * errno of the check itself; *VERDICT is 0 when Podman would succeed,
 * else the errno it would meet (ENOENT, ENOTDIR, EACCES, EROFS...), and
 * *AT the path that decides (PATH or the ancestor mkdir would write in).
 */
int fsx_dir_usable(const struct fsx *x, const char *path, enum fsx_dir_use use, int *verdict, char **at);

/*
 * The path PATH would resolve to once its missing tail were created:
 * realpath() of the longest existing prefix, plus the rest, cleaned.
 */
int fsx_resolve_prefix(const struct fsx *x, const char *path, char **out);

/* mkdir -p PATH with MODE for the directories it makes. */
int fsx_mkdirs(const struct fsx *x, const char *path, mode_t mode);

/* True when a call on a path under PATH's mount already ran out of time. */
bool fsx_mount_dead(const char *path);

/* How many calls were answered in-process (localwalk.h) rather than by a
 * guarded child: for the debug trace and the tests. */
unsigned long fsx_in_process_calls(void);

/* Go's exec.LookPath(NAME) over the PATH value SEARCH; *OUT is the full path. */
int fsx_lookpath(const struct fsx *x, const char *name, const char *search, char **out);
/* The same in this process, unguarded: for a guarded child with more to do. */
int fsx_lookpath_here(const char *name, const char *search, char **out);

#endif
