/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the NFS checks (check-nfs.c, check-nfs-locks.c), kept in
 * nfs-places.c so that neither uses the other: the places
 * Podman uses that are on NFS, and what their servers said.
 */
#ifndef NFSCHECK_NFS_PLACES_H
#define NFSCHECK_NFS_PLACES_H

#include <stdbool.h>

#include "diag.h"
#include "nfsserver.h"

#define G_NFS "NFS"

struct nfs_place {
	const char *what;          /* graphroot, imagestore, runroot, ~/.config */
	const struct fsinfo *fi;   /* a gathered fact (facts.h) */
	bool locks;                /* Podman takes fcntl locks here */
};

struct nfs_server_entry {
	char *host;                /* the mount's addr= */
	int port;
	bool probed;
	struct nfs_server_report r;
};

struct nfs_places {
	struct nfs_place v[4];
	size_t n;
	struct nfs_server_entry *servers;
	size_t nservers;
	struct nfs_server_report local;  /* this machine's rpcbind, asked when a lock fails */
	bool have_local;
};

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
struct nfs_server_entry *nfs_server_of(struct nfs_places *ps, const struct fsinfo *fi);
/* "graphroot, ~/.config": the places on FI's mount (only those with locks). Caller frees. */
char *nfs_places_on(const struct nfs_places *ps, const struct fsinfo *fi, bool locks_only);

#endif
