/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The driver a storage.conf made from nothing must name. Up to 5.8 (the
 * legacy reader) a file Podman reads without a driver makes every command
 * log "The storage 'driver' option must be set in FILE to guarantee proper
 * operation" (storage's ReloadConfigurationFile; seen with 4.3.1 for the
 * /etc file and for a user's own file alike).
 */
#include "config.h"

#include <stdlib.h>

#include "fix.h"
#include "fsx.h"
#include "kernel-overlay.h"

static bool overlay_possible(void)
{
	struct fsx x = {0};
	char *fuse = NULL;
	const char *path = getenv("PATH");
	bool yes = fsx_lookpath(&x, "fuse-overlayfs", path ? path : "/usr/bin:/bin", &fuse) == 0;

	free(fuse);
	return yes || kernel_rootless_overlay(NULL, 0);
}

/*
 * For an /etc file: what Debian's containers-storage package would have
 * put there, overlay, when rootless overlay can work here; else vfs, which
 * works anywhere.
 */
const char *fix_new_file_driver(void)
{
	return overlay_possible() ? "overlay" : "vfs";
}
