/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the NFS checks share (check-nfs.c, check-nfs-locks.c): which mount a
 * place Podman uses is on, what its options mean for locking, and which
 * server entry stands for it. Both checks use this file; neither uses the
 * other's internals.
 */
#include "config.h"

#include <arpa/inet.h>
#include <libmount.h>
#include <stdlib.h>
#include <string.h>

#include "nfs-places.h"
#include "rpcclient.h"
#include "xalloc.h"

bool nfs_place_is_nfs(const struct fsinfo *fi)
{
	return fi->kind && strcmp(fi->kind->name, "nfs") == 0;
}

bool nfs_same_mount(const struct fsinfo *a, const struct fsinfo *b)
{
	return a->mountpoint && b->mountpoint && strcmp(a->mountpoint, b->mountpoint) == 0 &&
	       ((!a->source && !b->source) || (a->source && b->source && strcmp(a->source, b->source) == 0));
}

bool nfs_is_v3(const struct fsinfo *fi)
{
	/* The kernel calls v4 mounts nfs4 and prints vers=3 (or 2) for the rest. */
	return fi->fstype && strcmp(fi->fstype, "nfs") == 0 && (!fi->vers || fi->vers[0] == '3' || fi->vers[0] == '2');
}

bool nfs_local_locks(const struct fsinfo *fi)
{
	/* fcntl locks are POSIX locks; nolock makes both kinds local. */
	return fi->nolock ||
	       (fi->local_lock && (strcmp(fi->local_lock, "all") == 0 || strcmp(fi->local_lock, "posix") == 0));
}

/* The NFS port from the mount's port= option (the kernel prints it when set). */
int nfs_mount_port(const struct fsinfo *fi)
{
	char *val = NULL, *end;
	size_t len = 0;
	long v;

	if (!fi->fs_options || mnt_optstr_get_option(fi->fs_options, "port", &val, &len) != 0 || !val || !len)
		return RPC_PORT_NFS;
	v = strtol(val, &end, 10);
	return end == val + len && v > 0 && v <= 65535 ? (int)v : RPC_PORT_NFS;
}

const char *nfs_mount_host(const struct fsinfo *fi)
{
	return fi->addr && *fi->addr ? fi->addr : fi->server;
}

/* "graphroot, ~/.config": the places on the mount of FI. */
char *nfs_places_on(const struct nfs_places *ps, const struct fsinfo *fi, bool locks_only)
{
	char *s = NULL;

	for (size_t i = 0; i < ps->n; i++) {
		char *t;

		if (!nfs_same_mount(ps->v[i].fi, fi) || (locks_only && !ps->v[i].locks))
			continue;
		t = s ? xasprintf("%s, %s", s, ps->v[i].what) : xstrdup(ps->v[i].what);
		free(s);
		s = t;
	}
	return s;
}

/* The first place on each mount stands for the mount. */
bool nfs_first_on_mount(const struct nfs_places *ps, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (nfs_same_mount(ps->v[k].fi, ps->v[i].fi))
			return false;
	return true;
}

const struct nfs_server_entry *nfs_server_of(const struct nfs_places *ps, const struct fsinfo *fi)
{
	const char *h = nfs_mount_host(fi);
	int port = nfs_mount_port(fi);

	for (size_t i = 0; h && i < ps->nservers; i++)
		if (strcmp(ps->servers[i].host, h) == 0 && ps->servers[i].port == port)
			return &ps->servers[i];
	return NULL;
}

bool nfs_host_loopback(const char *h)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (!h)
		return false;
	if (inet_pton(AF_INET, h, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, h, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}
