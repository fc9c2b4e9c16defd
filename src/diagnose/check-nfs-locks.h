/* SPDX-License-Identifier: Apache-2.0 */
/* nfs.locks: an fcntl lock taken where Podman takes them, on each NFS mount. */
#ifndef NFSCHECK_CHECK_NFS_LOCKS_H
#define NFSCHECK_CHECK_NFS_LOCKS_H

#include "diag.h"
#include "nfs-places.h"

void check_nfs_locks(const struct facts *d, struct findings *out, struct nfs_places *ps);

#endif
