/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loop devices over a file descriptor. Root attaches a file that the user
 * opened read-write: on a root-squashed NFS home that is the only way to a
 * writable device, since root's own open is refused or comes back
 * read-only (and mount then silently makes the filesystem read-only).
 */
#ifndef NFSCHECK_LOOPDEV_H
#define NFSCHECK_LOOPDEV_H

#include <stdbool.h>

/* Attach BACKING_FD to a free loop device that detaches itself when its
 * last user goes (autoclear). *DEV is "/dev/loopN", *FD an open fd to it,
 * to keep until the device is mounted. 0 or errno. */
int loop_attach(int backing_fd, const char *name, char **dev, int *fd);

/* The file behind /dev/loopN, or NULL when DEV is not a bound loop device. */
char *loop_backing_file(const char *dev);

/* The device is attached read-only (a read-write attach was downgraded). */
bool loop_is_readonly(const char *dev);

#endif
