/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What fix --image and its --undo share: one run's user and paths, and the
 * steps both take in the user's name. Private to src/fix/image-*.c and
 * fix-image.c.
 */
#ifndef NFSCHECK_IMAGE_JOB_H
#define NFSCHECK_IMAGE_JOB_H

#include <stdbool.h>

#include "fix.h"
#include "fsx.h"
#include "guard.h"
#include "target.h"

/* A path below the user's home: walked there with userpath_open, in the user's name. */
struct upath {
	const char *home;
	const char *rel;
};

struct open_arg {
	struct upath img;      /* rel NULL: only the mountpoint */
	struct upath mp;
	bool mkdirs;
};

/* One fix --image or --undo run: the user, and the paths below their home. */
struct job {
	struct target t;
	struct fsx x;
	char *image, *mp;      /* absolute, as given */
	char *mpres;           /* the mountpoint as mountinfo shows it */
	struct upath img, mpu; /* below the home, walked in the user's name */
};

/* Root, and the user the image is for (--user, else SUDO_USER). */
int image_resolve_user(const struct fix_options *o, struct target *t);
/* The image and mountpoint of O, absolute and below the user's home. */
int image_job_paths(const struct fix_options *o, struct job *j);
void image_job_free(struct job *j);
/* Open, as the user, the image read-write and the mountpoint; the
 * descriptors come back in OUT; ENTRIES counts the mountpoint's entries. */
int image_open_as_user(const struct target *t, const struct open_arg *oa, long *entries, struct guard_out *out);
/* --move-aside: rename the mountpoint to MOUNTPOINT.nfscheck-moved-STAMP
 * and make an empty one, as the user. */
int image_move_aside(const struct job *j);
/* --undo: rename the newest moved-aside sibling back over the (empty)
 * mountpoint, as the user; says what it did, or how to do it by hand.
 * MOUNTED: a dry run while the image still hides the mountpoint. */
int image_put_back(const struct job *j, bool dry_run, bool mounted);
/* ERR of a walk below the home, said for a person. */
const char *image_walk_error(int err);

#endif
