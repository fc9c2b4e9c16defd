/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Facts for the NFS checks (check-nfs.c): whether any NFS mount could be
 * under a place Podman uses, and the filesystem under ~/.config, where
 * Podman reads its configuration and takes locks too. The servers and
 * the locks are asked next (gather-nfs-servers.c, gather-nfs-locks.c).
 */
#include "config.h"

#include <libmount.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "fsx.h"
#include "localwalk.h"
#include "mounts.h"
#include "xalloc.h"

/* No NFS mount, and no automounter that could bring one: nothing to look
 * at, decided from mountinfo without a single call on a path. */
static bool nfs_possible(void)
{
	/* The walk's table, kept fresh: not one more parse of mountinfo. */
	const struct mount_table *t = lw_mount_table();
	struct libmnt_iter *it;
	struct libmnt_fs *fs;
	bool yes = false;

	if (!t || !(it = mnt_new_iter(MNT_ITER_FORWARD)))
		return true;
	while (!yes && mnt_table_next_fs(t->tb, it, &fs) == 0) {
		const char *ty = mnt_fs_get_fstype(fs);

		yes = ty && (strcmp(ty, "nfs") == 0 || strcmp(ty, "nfs4") == 0 || strcmp(ty, "autofs") == 0);
	}
	mnt_free_iter(it);
	return yes;
}

static char *config_dir(const struct facts *d)
{
	const char *x = userenv_get(&d->t.env, "XDG_CONFIG_HOME"), *h = userenv_get(&d->t.env, "HOME");

	if (x && x[0] == '/')
		return xstrdup(x);
	if (!h || !*h)
		h = d->t.env.passwd_home;
	return h && *h ? xasprintf("%s/.config", h) : NULL;
}

/* FI, for PATH, unless gather_filesystems looked at it already. */
static void place(struct facts *d, struct fsinfo *fi, const char *path)
{
	struct fsx x = facts_fsx(d);

	if (path && !fi->path)
		fsinfo_get(fi, path, &x);
}

void gather_nfs(struct facts *d)
{
	char *cfg;

	d->nfs_possible = nfs_possible();
	if (!d->nfs_possible)
		goto done;
	/* Without a graphroot gather_filesystems looked at none of them. */
	if (d->model_ok) {
		place(d, &d->fs_imagestore, d->m.imagestore.value);
		place(d, &d->fs_runroot, d->m.runroot.value);
	}
	cfg = config_dir(d);
	place(d, &d->fs_config, cfg);
	free(cfg);
done:
	d->gathered |= FACTS_NFS;
}
