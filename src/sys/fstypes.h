/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a filesystem type means for rootless container storage. libmount's
 * mnt_fs_is_netfs() misses ceph, lustre, gpfs and beegfs, so the list is ours.
 */
#ifndef NFSCHECK_FSTYPES_H
#define NFSCHECK_FSTYPES_H

#include <stdbool.h>
#include <stdint.h>

enum fs_family {
	FSF_LOCAL,    /* the kernel decides ownership: chown in a user namespace works */
	FSF_NETWORK,  /* a server decides: chown to subordinate IDs is refused */
	FSF_FUSE,     /* a daemon decides; depends on the daemon */
	FSF_AUTOFS,   /* a trigger; what matters is mounted below it */
	FSF_PSEUDO,   /* proc, sysfs and the like: not storage */
};

struct fs_kind {
	const char *name;       /* a short name for reports: "nfs", "cifs", "lustre" */
	enum fs_family family;
	const char *label;      /* "NFS", "CIFS/SMB", ... */
};

/* Classify a mountinfo fstype ("nfs4", "fuse.sshfs", "xfs"). Never NULL. */
const struct fs_kind *fs_kind_from_type(const char *fstype);
/* Classify a statfs f_type; NULL when the magic is not one we know. */
const struct fs_kind *fs_kind_from_magic(uint32_t magic);
const char *fs_family_name(enum fs_family f);
/* A mountinfo fstype known to be a local disk or memory filesystem, whose
 * lookups and stat() cannot wait on a server or a daemon. Unknown types,
 * overlay (its layers may be anywhere) and pseudo filesystems are not. */
bool fs_type_never_hangs(const char *fstype);

#endif
