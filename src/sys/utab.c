/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Why: a loop-mounted image on an NFS home is, to systemd, a local XFS, and
 * a local mount is ordered before local-fs.target. It lies below the NFS
 * mount, so it also comes after it, and the NFS mount comes after the
 * network, which comes after local-fs.target (any service is after
 * basic.target): an ordering cycle. At shutdown systemd breaks it by
 * dropping one of the stop jobs, sometimes the NFS home's unmount. With
 * "_netdev" the mount is ordered with remote-fs.target, after the network
 * and before its own NFS home goes, as for `mount -o _netdev`.
 *
 * libmount writes the file (its format, its lock, its quoting): the target
 * is a path in the user's home. Its lock waits for ever with signals
 * blocked, and any user can hold it (libmount 2.38 makes utab.lock 0644,
 * and flock needs only a read-only descriptor), so each update runs in a
 * child that is given UTAB_MS.
 */
#include "config.h"

#include <errno.h>
#include <libmount.h>
#include <stdlib.h>

#include "guard.h"
#include "utab.h"

#define UTAB_MS 2000

struct utab_req {
	const char *source, *target;   /* source NULL: forget TARGET */
};

/* Run an update that SET (mnt_update_set_fs's result) prepared: 0 or errno.
 * SET is 1 when libmount finds no file it may write. */
static int update(struct libmnt_update *u, int set)
{
	int r = set == 0 ? mnt_update_table(u, NULL) : set;

	mnt_free_update(u);
	if (r > 0)
		return EROFS;
	/* libmount's own codes (a lock it could not take) are past errno's. */
	return r == 0 ? 0 : -r < 256 ? -r : EIO;
}

/* The last record for TARGET goes, whoever made it, as umount(8) does it:
 * libmount keys records by target, and nfscheck mounts only where nothing
 * is mounted. */
static int forget(const char *target)
{
	struct libmnt_update *u = mnt_new_update();
	int r;

	if (!u)
		return ENOMEM;
	r = update(u, mnt_update_set_fs(u, 0, target, NULL));
	/* A utab nobody may write holds no record of ours. */
	return r == EROFS || r == EACCES ? 0 : r;
}

static int mark(const char *source, const char *target)
{
	struct libmnt_update *u;
	struct libmnt_fs *fs;
	int r;

	/* A record left by a mount that went without an unmount (a crash, a
	 * namespace torn down) would be merged into this one's too. */
	if ((r = forget(target)) != 0)
		return r;
	if (!(u = mnt_new_update()) || !(fs = mnt_new_fs())) {
		mnt_free_update(u);
		return ENOMEM;
	}
	if (mnt_fs_set_source(fs, source) != 0 || mnt_fs_set_target(fs, target) != 0 ||
	    mnt_fs_set_options(fs, "_netdev") != 0)
		r = -ENOMEM;
	else
		r = mnt_update_set_fs(u, 0, NULL, fs);
	mnt_unref_fs(fs);
	return update(u, r);
}

static int utab_child(void *arg, struct guard_out *out)
{
	const struct utab_req *rq = arg;

	(void)out;
	return rq->source ? mark(rq->source, rq->target) : forget(rq->target);
}

static int bounded(const char *source, const char *target)
{
	struct utab_req rq = {source, target};
	struct guard_out out = {0};
	int status = EIO;
	enum guard_status g = guard_run(NULL, UTAB_MS, utab_child, &rq, &status, &out);

	free(out.data);
	return g == GUARD_OK ? status : g == GUARD_DEADLINE ? NF_EDEADLINE : EIO;
}

int utab_mark_netdev(const char *source, const char *target)
{
	return bounded(source, target);
}

int utab_forget(const char *target)
{
	int err;

	/* The tidy-up after an unmount, which an interrupt must not cut short. */
	guard_set_interruptible(false);
	err = bounded(NULL, target);
	guard_set_interruptible(true);
	return err;
}
