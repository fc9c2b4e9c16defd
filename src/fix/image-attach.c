/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <libmount.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "guard.h"
#include "image-attach.h"
#include "loopdev.h"
#include "mounts.h"
#include "msg.h"
#include "outsafe.h"
#include "utab.h"
#include "util.h"
#include "xalloc.h"

struct mount_arg {
	int img_fd, dir_fd;
	const char *name;
	uid_t uid;
	const char *expect;
	double place_by;   /* mono_ms(): the last moment to place the mount */
};

/* Time kept to place the mount and hand it over after recording it. */
#define PLACE_MARGIN_MS 1000

struct mount_res {
	int err;
	char dev[32];
	char msg[256];
	int utab_err;   /* the mount works; systemd only does not know it needs the network */
	struct image_record rec;
};

/* The XFS UUID on the device open as FD, by libblkid. */
static void probe_uuid(int fd, char *uuid, size_t n)
{
	blkid_probe pr = blkid_new_probe();
	const char *v;

	*uuid = '\0';
	if (pr && blkid_probe_set_device(pr, fd, 0, 0) == 0) {
		blkid_probe_enable_superblocks(pr, 1);
		blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_UUID);
		if (blkid_do_safeprobe(pr) == 0 && blkid_probe_lookup_value(pr, "UUID", &v, NULL) == 0)
			snprintf(uuid, n, "%s", v);
	}
	if (pr)
		blkid_free_probe(pr);
}

/* The mount point of mount MNT_ID in our own mountinfo, or NULL. */
static char *mount_target_of(unsigned long long mnt_id)
{
	struct mount_table mt = {0};
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_BACKWARD);
	struct libmnt_fs *fs;
	char *target = NULL;

	if (it && mount_table_load(&mt, "/proc/self/mountinfo") == 0)
		while (!target && mnt_table_next_fs(mt.tb, it, &fs) == 0)
			if ((unsigned long long)mnt_fs_get_id(fs) == mnt_id)
				target = xstrdup(mnt_fs_get_target(fs));
	mnt_free_iter(it);
	mount_table_free(&mt);
	return target;
}

static unsigned long long mount_id(int fd)
{
	struct statx sx;

	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_MNT_ID, &sx) != 0 || !(sx.stx_mask & STATX_MNT_ID))
		return 0;
	return sx.stx_mnt_id;
}

/* The new XFS as a detached mount (nosuid, nodev): placed nowhere yet. */
static int make_mount(const char *dev, struct mount_res *r)
{
	int fsfd = fsopen("xfs", FSOPEN_CLOEXEC), mfd = -1;

	if (fsfd < 0 || fsconfig(fsfd, FSCONFIG_SET_STRING, "source", dev, 0) != 0 ||
	    fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) != 0 ||
	    (mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)) < 0) {
		char log[200];
		ssize_t n;

		r->err = errno;
		/* The kernel's own words on why, when it left some. */
		n = fsfd >= 0 ? read(fsfd, log, sizeof(log) - 1) : -1;
		if (n > 2) {
			log[n] = '\0';
			log[strcspn(log, "\n")] = '\0';
			snprintf(r->msg, sizeof(r->msg), "%s", log + 2);
		} else {
			snprintf(r->msg, sizeof(r->msg), "%s", strerror(r->err));
		}
	}
	if (fsfd >= 0)
		close(fsfd);
	return mfd;
}

/* The filesystem's root must be the user's own directory, or the user
 * gets something root made (an image formatted with a root-owned tree). */
static bool root_is_users(int mfd, uid_t uid, struct mount_res *r)
{
	struct stat st;

	if (fstat(mfd, &st) != 0) {
		r->err = errno;
		snprintf(r->msg, sizeof(r->msg), "cannot look at the new filesystem: %s", strerror(errno));
		return false;
	}
	if (S_ISDIR(st.st_mode) && st.st_uid == uid && (st.st_mode & 07777) == 0700)
		return true;
	r->err = EPERM;
	snprintf(r->msg, sizeof(r->msg), "the filesystem's root belongs to UID %u, mode %04o, not to UID %u, mode 0700",
		 (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777), (unsigned)uid);
	return false;
}

static int place(int mfd, const struct mount_arg *a, struct mount_res *r)
{
	char *at;

	if (move_mount(mfd, "", a->dir_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0) {
		r->err = errno;
		snprintf(r->msg, sizeof(r->msg), "%s", strerror(errno));
		return -1;
	}
	/* The directory is the one the user opened, wherever it is now: a
	 * rename since then moves the mount with it. Only where it was asked. */
	at = mount_target_of(mount_id(mfd));
	if (at && strcmp(at, a->expect) == 0) {
		free(at);
		return 0;
	}
	r->err = EXDEV;
	snprintf(r->msg, sizeof(r->msg), "the directory was moved while it was being mounted; unmounted it again");
	free(at);
	image_unmount_fd(dup(mfd), NULL);
	return -1;
}

/* Record the mount in utab, then place it. The record comes first: systemd
 * orders a mount unit by the options it first sees (252 keeps those default
 * dependencies when the options change later). The user can make the record
 * wait (see utab.c), so there must be time left to place the mount and hand
 * it over: a mount placed as the deadline kills us would be in the tree
 * with nobody knowing it. */
static bool record_and_place(int mfd, const char *dev, const struct mount_arg *a, struct mount_res *r)
{
	r->utab_err = utab_mark_netdev(dev, a->expect);
	if (mono_ms() > a->place_by) {
		r->err = NF_EDEADLINE;
		snprintf(r->msg, sizeof(r->msg), "no time was left to mount it before the deadline");
	} else if (place(mfd, a, r) == 0) {
		return true;
	}
	if (!r->utab_err)
		image_utab_forget(a->expect);
	return false;
}

static int mount_child(void *arg, struct guard_out *out)
{
	const struct mount_arg *a = arg;
	struct mount_res r = {0};
	struct stat st;
	char *dev = NULL;
	int lfd = -1, mfd = -1;

	(void)out;
	if (fstat(a->img_fd, &st) != 0)
		return errno;
	r.rec.dev = (unsigned long long)st.st_dev;
	r.rec.ino = (unsigned long long)st.st_ino;
	if ((r.err = loop_attach(a->img_fd, a->name, &dev, &lfd)) != 0) {
		snprintf(r.msg, sizeof(r.msg), "cannot attach it to a loop device: %s", strerror(r.err));
	} else if (loop_is_readonly(dev)) {
		r.err = EROFS;
		snprintf(r.msg, sizeof(r.msg), "it came up read-only on %s", dev);
	} else {
		snprintf(r.dev, sizeof(r.dev), "%s", dev);
		probe_uuid(lfd, r.rec.uuid, sizeof(r.rec.uuid));
		mfd = make_mount(dev, &r);
		if (mfd >= 0 && (!root_is_users(mfd, a->uid, &r) || !record_and_place(mfd, dev, a, &r))) {
			close(mfd);
			mfd = -1;
		}
	}
	/* Autoclear: with no mount and no descriptor left, the device detaches. */
	if (lfd >= 0)
		close(lfd);
	free(dev);
	guard_send_now(&r, sizeof(r));
	if (mfd >= 0 && !guard_send_fds(&mfd, 1))
		image_unmount_fd(mfd, a->expect);
	return 0;
}

int image_mount(int img_fd, int dir_fd, const char *name, uid_t uid, const char *expect, int timeout_ms,
		char **dev, int *mnt_fd, struct image_record *rec, char *msg, size_t msglen)
{
	int left = guard_remaining_ms() < timeout_ms ? guard_remaining_ms() : timeout_ms;
	struct mount_arg a = {img_fd, dir_fd, name, uid, expect, mono_ms() + left - PLACE_MARGIN_MS};
	struct mount_res r = {0};
	struct guard_out out;
	int status;
	enum guard_status g = guard_run(NULL, timeout_ms, mount_child, &a, &status, &out);

	*dev = NULL;
	*mnt_fd = -1;
	if (g == GUARD_OK && out.len >= sizeof(r))
		memcpy(&r, out.data, sizeof(r));
	else
		r.err = g == GUARD_DEADLINE ? NF_EDEADLINE : EIO;
	free(out.data);
	if (!r.err && out.nfds != 1)
		r.err = EIO;
	if (r.err) {
		guard_out_close_fds(&out);
		if (!*r.msg)
			snprintf(r.msg, sizeof(r.msg), "%s", g == GUARD_DEADLINE
				 ? "the loop device or the mount did not finish before the deadline (is the image's server answering?)"
				 : nf_strerror(r.err));
		snprintf(msg, msglen, "%s", r.msg);
		return r.err;
	}
	if (r.utab_err) {
		char *p = out_oneline(expect);

		nf_warning("fix: cannot record %s as needing the network in /run/mount/utab: %s; at shutdown "
			   "systemd may unmount the home under it first", p, nf_strerror(r.utab_err));
		free(p);
	}
	*dev = xstrdup(r.dev);
	*mnt_fd = out.fds[0];
	*rec = r.rec;
	return 0;
}

void image_utab_forget(const char *target)
{
	int err = utab_forget(target);

	if (err) {
		char *p = out_oneline(target);

		nf_warning("fix: cannot remove the record of %s from /run/mount/utab: %s", p, nf_strerror(err));
		free(p);
	}
}

void image_unmount_fd(int mnt_fd, const char *target)
{
	char path[64];

	if (mnt_fd < 0)
		return;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", mnt_fd);
	if (umount2(path, MNT_DETACH) == 0 && target)
		image_utab_forget(target);
	close(mnt_fd);
}

/* The backing file of the loop device open as FD: 0 or errno. */
static int loop_file_of(int fd, struct image_record *r)
{
	struct loop_info64 info;

	if (ioctl(fd, LOOP_GET_STATUS64, &info) != 0)
		return errno ? errno : EIO;
	/* The kernel gives the backing file's device in its own encoding. */
	r->dev = (unsigned long long)makedev((unsigned)((info.lo_device & 0xfff00) >> 8),
					     (unsigned)((info.lo_device & 0xff) | ((info.lo_device >> 12) & 0xfff00)));
	r->ino = (unsigned long long)info.lo_inode;
	return 0;
}

bool image_loop_backs(const char *dev, const struct image_record *rec)
{
	struct image_record r = {0};
	int fd = open(dev, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	bool same = fd >= 0 && loop_file_of(fd, &r) == 0 && r.dev == rec->dev && r.ino == rec->ino;

	if (fd >= 0)
		close(fd);
	return same;
}

static int identify_child(void *arg, struct guard_out *out)
{
	struct image_record r = {0};
	int fd = open((const char *)arg, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return errno ? errno : EIO;
	if ((err = loop_file_of(fd, &r)) != 0)
		return err;
	probe_uuid(fd, r.uuid, sizeof(r.uuid));
	close(fd);
	guard_out_add(out, &r, sizeof(r));
	return 0;
}

int image_identify(const char *dev, int timeout_ms, struct image_record *rec)
{
	struct guard_out out;
	int status, err;
	enum guard_status g = guard_run(NULL, timeout_ms, identify_child, (void *)dev, &status, &out);

	err = g == GUARD_DEADLINE ? NF_EDEADLINE : g != GUARD_OK ? EIO : status ? status : out.len != sizeof(*rec) ? EIO : 0;
	if (!err)
		memcpy(rec, out.data, sizeof(*rec));
	free(out.data);
	return err;
}

static char *record_path(uid_t uid)
{
	return xasprintf("%s/image-%u", IMAGE_STATE_DIR, (unsigned)uid);
}

int image_record_write(uid_t uid, const struct image_record *r)
{
	char *path = record_path(uid), *tmp = xasprintf("%s.new", path);
	struct stat st;
	int fd, err = 0;
	FILE *f;

	if (mkdir(IMAGE_STATE_DIR, 0700) != 0 && errno != EEXIST)
		err = errno;
	/* Root's own directory, or the record could be planted. */
	else if (lstat(IMAGE_STATE_DIR, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022))
		err = EPERM;
	else if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
		err = errno;
	else if (!(f = fdopen(fd, "w"))) {
		err = errno;
		close(fd);
	} else {
		fprintf(f, "dev=%llu\nino=%llu\nuuid=%s\n", r->dev, r->ino, r->uuid);
		if (r->holder_pid > 0)
			fprintf(f, "holder=%ld %llu\n", r->holder_pid, r->holder_start);
		if (fclose(f) != 0)
			err = errno;
		else if (rename(tmp, path) != 0)
			err = errno;
	}
	if (err)
		unlink(tmp);
	free(path);
	free(tmp);
	return err;
}

int image_record_read(uid_t uid, struct image_record *r)
{
	char *path = record_path(uid), line[128];
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), got = 0;
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	int err = fd < 0 ? errno : f ? 0 : errno;

	memset(r, 0, sizeof(*r));
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "dev=%llu", &r->dev) == 1 || sscanf(line, "ino=%llu", &r->ino) == 1)
			got++;
		else if (strncmp(line, "uuid=", 5) == 0 && snprintf(r->uuid, sizeof(r->uuid), "%s", line + 5) >= 0)
			got++;
		else if (strncmp(line, "holder=", 7) == 0 &&
			 sscanf(line, "holder=%ld %llu", &r->holder_pid, &r->holder_start) != 2)
			r->holder_pid = 0;
	}
	if (f)
		fclose(f);
	else if (fd >= 0)
		close(fd);
	free(path);
	return err ? err : got == 3 ? 0 : EINVAL;
}

void image_record_remove(uid_t uid)
{
	char *path = record_path(uid);

	unlink(path);
	free(path);
}

bool image_record_same(const struct image_record *a, const struct image_record *b)
{
	return a->dev == b->dev && a->ino == b->ino && *a->uuid && strcmp(a->uuid, b->uuid) == 0;
}
