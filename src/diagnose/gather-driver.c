/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Facts: what the configured storage driver needs from the system -- the
 * kernel's rootless overlay, fuse-overlayfs or zfs on the user's PATH, the
 * mount_program's file -- for check-driver.c. Only the configured driver's.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "fsx.h"
#include "kernel-overlay.h"

void gather_driver(struct facts *d)
{
	const char *drv = d->model_ok ? d->m.driver.value : NULL;
	const char *mp = drv ? d->m.mount_program.value : NULL;
	struct fsx x = facts_fsx(d);
	char *zfs = NULL;
	struct stat st;

	if (drv && strcmp(drv, "overlay") == 0) {
		d->kernel_overlay = kernel_rootless_overlay(d->kernel, sizeof(d->kernel));
		fsx_lookpath(&x, "fuse-overlayfs", userenv_get(&d->t.env, "PATH"), &d->fuse_overlayfs);
		if (mp && *mp)
			d->mount_program_err = fsx_stat(&x, mp, &st);
	} else if (drv && strcmp(drv, "zfs") == 0) {
		d->zfs_err = fsx_lookpath(&x, "zfs", userenv_get(&d->t.env, "PATH"), &zfs);
		free(zfs);
	}
	d->gathered |= FACTS_DRIVER;
}
