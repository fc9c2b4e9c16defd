/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which mount holds a path, decided from the mount table alone: a dead NFS
 * server cannot make reading /proc/self/mountinfo hang, while stat() of the
 * path itself can.
 */
#ifndef NFSCHECK_MOUNTS_H
#define NFSCHECK_MOUNTS_H

#include <stdbool.h>

#include "fstypes.h"

struct libmnt_table;
struct libmnt_fs;

struct mount_table {
	struct libmnt_table *tb;
	char *source;     /* the file it was read from */
};

/* Read FILE (NULL: /proc/self/mountinfo). 0 or errno. */
int mount_table_load(struct mount_table *t, const char *file);
void mount_table_free(struct mount_table *t);

/*
 * The mount whose target is the longest whole-component prefix of PATH,
 * topmost when mounts are stacked. PATH should be absolute and free of
 * symlinks; nothing is looked up on disk.
 */
struct libmnt_fs *mount_table_find(const struct mount_table *t, const char *path);

#endif
