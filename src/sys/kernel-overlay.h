/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Whether rootless overlay can work on this machine: the kernel's own
 * overlay in a user namespace, or fuse-overlayfs. The one rule the model
 * (driver auto-pick), the driver check and the fix modes share.
 */
#ifndef NFSCHECK_KERNEL_OVERLAY_H
#define NFSCHECK_KERNEL_OVERLAY_H

#include <stdbool.h>
#include <stddef.h>

/* Linux 5.13 or newer: unprivileged overlay mounts in a user namespace.
 * RELEASE (N bytes), when not NULL, receives uname's release string. */
bool kernel_rootless_overlay(char *release, size_t n);

#endif
