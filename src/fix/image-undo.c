/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fix --image --undo: unmount and detach what nfscheck attached for this
 * user -- found through the user's own mountpoint, walked without links
 * below their home, and compared with what root recorded at mount time.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libmount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcode.h"
#include "fix.h"
#include "fsx.h"
#include "guard.h"
#include "image-attach.h"
#include "image-job.h"
#include "image-lock.h"
#include "image-unit.h"
#include "loopdev.h"
#include "mounts.h"
#include "msg.h"
#include "strbuf.h"
#include "util.h"
#include "xalloc.h"

/* Processes using mount MNT_ID (cwd, root, or an open file), fuser -m style,
 * leaving out our own descriptor SELF_FD. Returns how many; their PIDs in PIDS. */
static int mount_users(int mnt_id, int self_fd, struct strbuf *pids)
{
	DIR *proc = opendir("/proc");
	struct dirent *p;
	int count = 0;

	while (proc && (p = readdir(proc))) {
		char path[320], line[128];
		DIR *fds;
		struct dirent *fd;
		bool uses = false;
		long pid = strtol(p->d_name, NULL, 10);

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/fdinfo", pid);
		fds = opendir(path);
		while (fds && !uses && (fd = readdir(fds))) {
			FILE *f;

			if (fd->d_name[0] == '.' || (pid == getpid() && atoi(fd->d_name) == self_fd))
				continue;
			snprintf(path, sizeof(path), "/proc/%ld/fdinfo/%s", pid, fd->d_name);
			f = fopen(path, "re");
			while (f && fgets(line, sizeof(line), f)) {
				int id;

				if (sscanf(line, "mnt_id: %d", &id) == 1 && id == mnt_id)
					uses = true;
			}
			if (f)
				fclose(f);
		}
		if (fds)
			closedir(fds);
		/* cwd and root pin a mount as well; statx gives their mount id. */
		for (int i = 0; i < 2 && !uses; i++) {
			struct statx sx;

			snprintf(path, sizeof(path), "/proc/%ld/%s", pid, i ? "root" : "cwd");
			if (statx(AT_FDCWD, path, AT_NO_AUTOMOUNT | AT_STATX_DONT_SYNC, STATX_MNT_ID, &sx) == 0 &&
			    (sx.stx_mask & STATX_MNT_ID) && (int)sx.stx_mnt_id == mnt_id)
				uses = true;
		}
		if (uses) {
			snprintf(line, sizeof(line), "%s%ld", count ? " " : "", pid);
			strbuf_adds(pids, line);
			count++;
		}
	}
	if (proc)
		closedir(proc);
	return count;
}

/*
 * Is MNT_ID, on the user's mountpoint, what nfscheck attached for this
 * user? The record written at mount time must match the loop device's
 * backing file and the filesystem's UUID; a link to another user's store,
 * or a mount nfscheck did not make, is left alone. *DEV and *BACK name it.
 */
static int undo_check(struct job *j, const struct fix_options *o, struct libmnt_fs *fs, char **dev, char **back,
		      struct image_record *want_out)
{
	struct image_record want, have;
	int err;

	*dev = xstrdup(mnt_fs_get_source(fs) ? mnt_fs_get_source(fs) : "");
	*back = loop_backing_file(*dev);
	if (strcmp(mnt_fs_get_fstype(fs), "xfs") != 0 || !*back) {
		nf_error("fix: %s is %s from %s, not %s; not touching it", j->mpres, mnt_fs_get_fstype(fs), *dev,
			 o->image ? o->image : "an nfscheck image");
		return NF_EXIT_PROBLEMS;
	}
	if ((err = image_record_read(j->t.id.uid, &want)) != 0) {
		nf_error("fix: %s: nfscheck has no record of attaching it for %s (%s/image-%u: %s); not touching it",
			 j->mpres, j->t.id.name, IMAGE_STATE_DIR, (unsigned)j->t.id.uid, strerror(err));
		return NF_EXIT_PROBLEMS;
	}
	if ((err = image_identify(*dev, FSX_CALL_MS, &have)) != 0 || !image_record_same(&want, &have)) {
		nf_error("fix: %s: %s is not the image nfscheck attached for %s (%s); not touching it", j->mpres, *dev,
			 j->t.id.name, err ? nf_strerror(err) : "another backing file or UUID");
		return NF_EXIT_PROBLEMS;
	}
	*want_out = want;
	return NF_EXIT_OK;
}

/* The mount whose root the user's walk reached, if that is a mount on MPRES. */
static struct libmnt_fs *mount_of_fd(struct mount_table *mt, int fd, const char *mpres)
{
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_BACKWARD);
	struct libmnt_fs *fs, *found = NULL;
	struct statx sx;

	if (it && statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_MNT_ID, &sx) == 0 &&
	    (sx.stx_mask & STATX_MNT_ID) && mount_table_load(mt, "/proc/self/mountinfo") == 0)
		while (!found && mnt_table_next_fs(mt->tb, it, &fs) == 0)
			if ((unsigned long long)mnt_fs_get_id(fs) == sx.stx_mnt_id)
				found = fs;
	mnt_free_iter(it);
	return found && strcmp(mnt_fs_get_target(found), mpres) == 0 ? found : NULL;
}

/* Unmount by the descriptor the user's walk gave, once nothing uses it. */
static int undo_unmount(struct job *j, struct libmnt_fs *fs, int fd)
{
	struct strbuf pids = {0};
	char target[64];
	/*
	 * The user's descriptor of the mounted directory is the only way root
	 * reaches it on a root-squashed home, and it pins the mount: a plain
	 * umount would always be busy. So check for other users first, then
	 * detach; nothing else holds it, so it goes at once.
	 */
	int n = mount_users(mnt_fs_get_id(fs), fd, &pids);

	if (n) {
		nf_error("fix: %s is in use by process%s %s; stop the user's containers first (podman ps)", j->mpres,
			 n == 1 ? "" : "es", pids.p);
		free(pids.p);
		return NF_EXIT_PROBLEMS;
	}
	snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
	if (umount2(target, MNT_DETACH) != 0) {
		nf_error("fix: cannot unmount %s: %s", j->mpres, strerror(errno));
		return NF_EXIT_PROBLEMS;
	}
	image_utab_forget(j->mpres);
	image_record_remove(j->t.id.uid);
	return NF_EXIT_OK;
}

int fix_image_undo(const struct fix_options *o)
{
	struct job j = {0};
	struct mount_table mt = {0};
	struct libmnt_fs *fs = NULL;
	struct guard_out out = {0};
	struct open_arg oa;
	struct image_record rec = {0};
	char *back = NULL, *dev = NULL;
	long entries;
	int st, err;

	if ((st = image_resolve_user(o, &j.t)) != NF_EXIT_OK)
		return st;
	if ((st = image_job_paths(o, &j)) != NF_EXIT_OK)
		goto out;
	oa = (struct open_arg){{NULL, NULL}, j.mpu, false};
	err = image_open_as_user(&j.t, &oa, &entries, &out);
	if (err && err != ENOENT) {
		nf_error("fix: %s cannot open %s: %s; not touching it", j.t.id.name, j.mpres, image_walk_error(err));
		st = NF_EXIT_PROBLEMS;
		goto out;
	}
	if (err || !(fs = mount_of_fd(&mt, out.fds[0], j.mpres))) {
		printf("nothing is mounted on %s\n", j.mpres);
		if (!o->keep_unit && !o->dry_run)
			image_unit_remove(&j.t);
		st = image_put_back(&j, o->dry_run, false);
		goto out;
	}
	if ((st = undo_check(&j, o, fs, &dev, &back, &rec)) != NF_EXIT_OK)
		goto out;
	if (o->dry_run) {
		printf("would unmount %s (%s, backed by %s), detach it, and remove the unit; the image stays\n", j.mpres,
		       dev, back);
		st = image_put_back(&j, true, true);
		goto out;
	}
	if ((st = undo_unmount(&j, fs, out.fds[0])) != NF_EXIT_OK)
		goto out;
	printf("unmounted %s; %s detaches itself, and %s is kept\n", j.mpres, dev, back);
	/* Only now: the lock guards the mount, so it goes after it. */
	image_lock_stop(rec.holder_pid, rec.holder_start);
	if (!o->keep_unit)
		image_unit_remove(&j.t);
	st = image_put_back(&j, false, false);
out:
	guard_out_close_fds(&out);
	mount_table_free(&mt);
	free(back);
	free(dev);
	image_job_free(&j);
	return st;
}
