/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The root side of fix --image: attach the user's image to a loop device
 * and mount it, under a deadline, on a directory the user opened; record
 * what was attached for whom, so --undo detaches only that.
 */
#ifndef NFSCHECK_IMAGE_ATTACH_H
#define NFSCHECK_IMAGE_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Where root records what it attached; a tmpfs, so a reboot forgets. */
#define IMAGE_STATE_DIR "/run/nfscheck"

/* What identifies an attached image: the backing file, and its XFS UUID. */
struct image_record {
	unsigned long long dev;  /* st_dev of the image file */
	unsigned long long ino;
	char uuid[64];
	long holder_pid;         /* the lock holder (image-lock.c), 0 when none */
	unsigned long long holder_start;
};

/*
 * Attach IMG_FD (NAME for the loop device's record) and mount the XFS on
 * DIR_FD with nosuid,nodev, in a child killed after TIMEOUT_MS (a mount or
 * LOOP_CONFIGURE on a dead NFS server never returns). Before the new mount
 * is placed anywhere its root must be a directory of UID with mode 0700;
 * after, it must show in mountinfo at EXPECT. On success *DEV is
 * "/dev/loopN", *MNT_FD the mounted root, *REC filled: 0. Otherwise an
 * errno (NF_EDEADLINE at the deadline), with MSG saying why, and nothing
 * stays mounted or attached by this call.
 */
int image_mount(int img_fd, int dir_fd, const char *name, uid_t uid, const char *expect, int timeout_ms,
		char **dev, int *mnt_fd, struct image_record *rec, char *msg, size_t msglen);

/* Forget TARGET's record in utab after its unmount; a failure is said. */
void image_utab_forget(const char *target);

/* Unmount the mount whose root MNT_FD is (the loop device then detaches
 * itself), close MNT_FD, and forget TARGET's record in utab (NULL: none). */
void image_unmount_fd(int mnt_fd, const char *target);

/* What is attached to loop device DEV now: backing file and UUID, read by
 * root under a deadline. 0 or errno. */
int image_identify(const char *dev, int timeout_ms, struct image_record *rec);

/* DEV is a loop device whose backing file is REC's (device and inode):
 * what the lock holder watches. Only ioctls, nothing read through it. */
bool image_loop_backs(const char *dev, const struct image_record *rec);

/* The record for UID, written when nfscheck mounted the image. */
int image_record_write(uid_t uid, const struct image_record *r);
/* 0, ENOENT when there is none, or another errno. */
int image_record_read(uid_t uid, struct image_record *r);
void image_record_remove(uid_t uid);
bool image_record_same(const struct image_record *a, const struct image_record *b);

#endif
