/* SPDX-License-Identifier: Apache-2.0 */
/* nfs.locks: what an fcntl lock taken where Podman takes them did, on each NFS mount (gather_nfs_locks). */
#ifndef NFSCHECK_CHECK_NFS_LOCKS_H
#define NFSCHECK_CHECK_NFS_LOCKS_H

#include "diag.h"
#include "nfs-places.h"

void check_nfs_locks(const struct facts *d, struct findings *out);

#endif
