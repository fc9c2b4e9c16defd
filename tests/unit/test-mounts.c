/* SPDX-License-Identifier: Apache-2.0 */
/* Which mount holds a path, from mountinfo alone, and what it is. */
#include "config.h"

#include <libmount.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "mounts.h"
#include "tap.h"

static struct mount_table t;

/* A table the kernel never writes: mount 20 appears twice, stacked A on B
 * on A. The walk must still end (before, it climbed forever). */
static void repeated_ids(void)
{
	char path[] = "/tmp/nfscheck-mounts.XXXXXX";
	struct mount_table c = {0};
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	struct libmnt_fs *fs;

	if (!ok(f != NULL, "a temporary mountinfo file"))
		return;
	fputs("1 0 0:1 / / rw shared:1 - ext4 /dev/root rw\n"
	      "20 1 0:30 / / rw - tmpfs a rw\n"
	      "21 20 0:31 / / rw - tmpfs b rw\n"
	      "20 21 0:32 / / rw - tmpfs c rw\n", f);
	fclose(f);
	/* A hang is a failure, not a stuck test run. */
	alarm(60);
	ok(mount_table_load(&c, path) == 0, "a table with a repeated mount id loads");
	fs = mount_table_find(&c, "/x");
	ok(fs != NULL, "the walk over a cycle of stacked mounts ends with a mount");
	alarm(0);
	mount_table_free(&c);
	unlink(path);
}

static void holds(const char *path, const char *target, const char *fstype, enum fs_family fam)
{
	struct libmnt_fs *fs = mount_table_find(&t, path);
	const struct fs_kind *k;

	if (!ok(fs != NULL, "%s is on some mount", path))
		return;
	is_str(mnt_fs_get_target(fs), target, "%s is on %s", path, target);
	is_str(mnt_fs_get_fstype(fs), fstype, "%s is %s", path, fstype);
	k = fs_kind_from_type(mnt_fs_get_fstype(fs));
	is_int(k->family, fam, "%s is %s", path, fs_family_name(fam));
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : getenv("FIXTURES");
	char *file;

	if (!dir) {
		puts("1..0 # SKIP FIXTURES is not set");
		return 0;
	}
	if (asprintf(&file, "%s/mountinfo-netroot", dir) < 0)
		return 1;
	ok(mount_table_load(&t, file) == 0, "fixture loads");

	holds("/", "/", "nfs4", FSF_NETWORK);
	holds("/etc/passwd", "/", "nfs4", FSF_NETWORK);
	/* A local filesystem mounted over a network root is local. */
	holds("/var/lib/containers/storage", "/var/lib/containers", "xfs", FSF_LOCAL);
	holds("/var/lib/other", "/", "nfs4", FSF_NETWORK);
	holds("/home/alice/.local/share/containers", "/home/alice", "nfs", FSF_NETWORK);
	holds("/home/bob", "/home", "autofs", FSF_AUTOFS);
	holds("/scratch/local/x", "/scratch/local", "ext4", FSF_LOCAL);
	holds("/scratch/x", "/scratch", "lustre", FSF_NETWORK);
	/* /mnt was mounted after /mnt/hidden, and hides it. */
	holds("/mnt/hidden/file", "/mnt", "tmpfs", FSF_LOCAL);
	holds("/mnt/sshfs/x", "/mnt/sshfs", "fuse.sshfs", FSF_NETWORK);
	/* Two mounts stacked on /gpfs: the upper one wins. */
	holds("/gpfs/data", "/gpfs", "tmpfs", FSF_LOCAL);
	holds("/ceph/a", "/ceph", "ceph", FSF_NETWORK);
	holds("/beegfs", "/beegfs", "beegfs", FSF_NETWORK);
	holds("/mnt space/x", "/mnt space", "9p", FSF_NETWORK);
	/* Prefixes count only at a "/": /homer is not under /home. */
	holds("/homer", "/", "nfs4", FSF_NETWORK);

	is_int(fs_kind_from_type("smb3")->family, FSF_NETWORK, "smb3 is a network filesystem");
	is_int(fs_kind_from_type("fuse.rclone")->family, FSF_NETWORK, "fuse.rclone is a network filesystem");
	is_int(fs_kind_from_type("fuse.fuse-overlayfs")->family, FSF_FUSE, "fuse-overlayfs is FUSE, not network");
	is_int(fs_kind_from_type("proc")->family, FSF_PSEUDO, "proc is a pseudo filesystem");
	ok(fs_kind_from_magic(0x6969) && fs_kind_from_magic(0x6969)->family == FSF_NETWORK, "0x6969 is NFS");
	ok(fs_kind_from_magic(0x0BD00BD0) != NULL, "Lustre's magic is known");
	ok(fs_kind_from_magic(0xEF53) == NULL, "ext4's magic is not a network one");

	repeated_ids();
	mount_table_free(&t);
	free(file);
	return done_testing();
}
