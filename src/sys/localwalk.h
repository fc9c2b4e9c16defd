/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Path resolution done by hand, one component at a time, for calls that
 * can run in-process because they provably cannot hang: every step stays on
 * a mount whose type is known local (ext4, xfs, tmpfs, ...). Crossing into
 * any other mount (network, FUSE, autofs, procfs, an unknown type), or
 * anything the walk cannot be sure of, answers LW_FALLBACK, and the caller
 * runs the call in a guarded child as before. Symlinks are read and
 * followed here (at most 40, ELOOP beyond, as the kernel does); magic links
 * are never followed, because procfs is never entered.
 */
#ifndef NFSCHECK_LOCALWALK_H
#define NFSCHECK_LOCALWALK_H

#include <stdbool.h>
#include <sys/stat.h>

#include "guard.h"
#include "fsident.h"
#include "mounts.h"

/* Not an errno: "cannot tell in-process; ask a guarded child". */
#define LW_FALLBACK (-1)

struct lw_res {
	int fd;            /* O_PATH descriptor of what PATH names */
	int parent;        /* O_PATH descriptor of its directory (-1 for "/") */
	char *name;        /* its name in PARENT (NULL for "/") */
	char *canon;       /* the absolute path, symlinks resolved */
	struct stat st;    /* what FD is (lstat-like: a symlink when not followed) */
	int mnt_id;        /* the mount FD is on */
	bool fd_lent, parent_lent; /* LW_BORROW: the walk's own, not the caller's to close */
};

/* Keep the directories walked through open for later walks (walkcache.h):
 * only for commands that change nothing in the filesystem. */
void lw_cache_enable(bool on);

/* How lw_resolve walks. */
enum {
	LW_FOLLOW = 1,        /* follow a symlink in the last component (a trailing slash always does) */
	LW_LEXICAL_DOTS = 2,  /* "." and ".." as realpath(3) takes them: by name, without the
			       * search permission the kernel's walk needs on the directory */
	LW_BORROW = 4,        /* FD and PARENT may be lent ("/" or a cached directory): valid
			       * until the next lw_resolve, lw_nearest or lw_reopen; lw_res_free
			       * leaves them open */
	LW_STAT_ONLY = 8,     /* only ST, CANON and MNT_ID: no descriptor (FD and PARENT -1);
			       * "/" is answered without a walk */
};

/*
 * Resolve the absolute PATH. 0 and *R filled, an errno value the kernel (or
 * with LW_LEXICAL_DOTS, realpath) would give for the same path, or LW_FALLBACK.
 */
int lw_resolve(const char *path, int flags, struct lw_res *r);
void lw_res_free(struct lw_res *r);

/*
 * The deepest existing prefix of the absolute PATH, in one walk: 0 with
 * *RC_PATH lstat's answer for PATH and *EXISTING PATH itself, or, when
 * the answer is ENOENT, the longest prefix that exists (lstat of every
 * longer one says ENOENT too). LW_FALLBACK when one walk cannot tell: a
 * link on the way, ".", "..", "//" or a trailing slash in PATH.
 */
int lw_nearest(const char *path, int *rc_path, char **existing);

/* Open what R names with FLAGS through its parent, checked to be the same
 * file on the same mount: 0 and *FD, an errno value, or LW_FALLBACK. */
int lw_reopen(const struct lw_res *r, int flags, int *fd);


/*
 * One operation's walks (a stat of every prefix, a stat then an access):
 * between begin and end the mount table is asked whether it changed once,
 * not at every walk; poll() was a tenth of fleet's system calls. A change
 * in between is as if it had come just after the operation, which it could
 * have anyway. Nothing may mount or fork in between.
 */
void lw_batch_begin(void);
void lw_batch_end(void);

/* Something may have mounted or unmounted (a child ran): the next walk
 * asks the kernel whether the mount table changed. */
void lw_table_suspect(void);

/* Whether a walk can start at all ("/" is a mount of a known local type);
 * checked again only after the mount table changed. A cheap first test. */
bool lw_root_walkable(void);

/*
 * Whether DIR (absolute, without symlinks) is a directory a walk reaches
 * in-process and no mount sits at or below it: every file under it is then
 * on DIR's own local mount, unless a symlink in it leads elsewhere. For
 * root's own system files (dpkg's database), read in-process with plain
 * calls; never for a path a user controls.
 */
bool lw_tree_local(const char *dir);

/* The mount table of this namespace as the walk keeps it: read again only
 * after the kernel reported a change, so never stale when returned. Valid
 * until the next call into this file; NULL when it cannot be read. */
const struct mount_table *lw_mount_table(void);

/* For tests: false makes every call take the guarded child. */
void lw_set_enabled(bool on);
bool lw_enabled(void);

#endif
