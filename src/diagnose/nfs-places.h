/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the NFS checks (check-nfs.c, check-nfs-locks.c) and their
 * gatherers (gather-nfs-servers.c, gather-nfs-locks.c), kept in
 * nfs-places.c so that no check uses another: which mount a place
 * Podman uses is on, and which server entry stands for it.
 */
#ifndef NFSCHECK_NFS_PLACES_H
#define NFSCHECK_NFS_PLACES_H

#include <stdbool.h>

#include "diag.h"
#include "nfsserver.h"

#define G_NFS "NFS"

/* struct nfs_places, gathered by gather_nfs_servers and gather_nfs_locks,
 * is in facts.h. */

bool nfs_place_is_nfs(const struct fsinfo *fi);
bool nfs_same_mount(const struct fsinfo *a, const struct fsinfo *b);
/* The first place on each mount stands for the mount. */
bool nfs_first_on_mount(const struct nfs_places *ps, size_t i);
bool nfs_is_v3(const struct fsinfo *fi);
/* nolock or local_lock=all|posix: fcntl locks never reach the server. */
bool nfs_local_locks(const struct fsinfo *fi);
const char *nfs_mount_host(const struct fsinfo *fi);
/* The NFS port of the mount: its port= option, else 2049. */
int nfs_mount_port(const struct fsinfo *fi);
const struct nfs_server_entry *nfs_server_of(const struct nfs_places *ps, const struct fsinfo *fi);
/* H is a loopback address: the server is this machine. */
bool nfs_host_loopback(const char *h);
/* "graphroot, ~/.config": the places on FI's mount (only those with locks). Caller frees. */
char *nfs_places_on(const struct nfs_places *ps, const struct fsinfo *fi, bool locks_only);

#endif
