/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The filesystem under a path, as far as rootless storage cares: decided
 * from the mount table (no I/O on the path), then confirmed with statfs()
 * under a deadline. A path that does not exist yet is looked at through
 * its nearest existing ancestor, which is where it would be created.
 */
#ifndef NFSCHECK_FSINFO_H
#define NFSCHECK_FSINFO_H

#include <stdbool.h>
#include <stdint.h>

#include "fstypes.h"
#include "fsx.h"

struct fsinfo {
	char *path;             /* as asked */
	char *resolved;         /* symlinks resolved (NULL when that timed out) */
	char *existing;         /* nearest existing ancestor of RESOLVED */
	bool exists;            /* PATH itself exists */
	int resolve_err;        /* 0, errno or NF_EDEADLINE */

	char *mountpoint;
	char *fstype;
	char *source;
	char *fs_options;       /* superblock options (NFS keeps its own here) */
	char *vfs_options;      /* per-mount flags */
	const struct fs_kind *kind;
	char *autofs;           /* an autofs trigger above the mount, if any */

	/* NFS, from the mount options */
	char *server;
	char *export;
	char *addr;
	char *vers;
	char *sec;
	char *proto;
	char *local_lock;
	bool soft;
	bool nolock;

	bool ro, noexec, nodev, nosuid;

	int statfs_err;         /* 0, errno or NF_EDEADLINE: "not responding" */
	uint32_t magic;
	const struct fs_kind *magic_kind; /* NULL: a magic we do not list */
};

/* Fill FI for PATH; file access goes through FS (deadline, user). */
void fsinfo_get(struct fsinfo *fi, const char *path, const struct fsx *fs);
void fsinfo_free(struct fsinfo *fi);

/* A network filesystem, by mountinfo or by statfs magic. */
bool fsinfo_is_network(const struct fsinfo *fi);
/* A short description: "nfs4 from srv:/export (vers=4.2, sec=sys)". Caller frees. */
char *fsinfo_describe(const struct fsinfo *fi);

#endif
