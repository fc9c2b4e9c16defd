/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Driver viability: can the configured driver run on the graphroot's
 * filesystem, and what ignore_chown_errors and force_mask imply.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "xalloc.h"

#define G_DRIVER "Storage driver"

static void overlay(const struct facts *d, struct findings *out, struct finding **cp, bool net)
{
	const char *mp = d->m.mount_program.value;
	const char *rel = d->kernel, *fuse = d->fuse_overlayfs;
	bool native = d->kernel_overlay;
	bool xattr_ok = facts_probe_ran(d) && d->probe.r.step[PS_XATTR].done && !d->probe.r.step[PS_XATTR].err;
	struct finding *c;

	if (net) {
		const char *prog = mp ? mp : fuse;

		if (!prog) {
			c = finding_add(out, "driver", G_DRIVER, NF_FAIL, "overlay cannot use a network filesystem without "
					"fuse-overlayfs");
			finding_detail(c, "Podman stops: \"a network file system with user namespaces is not supported. "
					"Please use a mount_program\"");
			remedy_move_graphroot(d, c);
		} else if (facts_probe_ran(d) && !xattr_ok) {
			c = finding_add(out, "driver", G_DRIVER, NF_FAIL, "overlay through %s needs user xattrs, which the "
					"graphroot's filesystem refuses", prog);
			finding_detail(c, "on a network filesystem Podman enforces force_mask=\"700\" and records "
					"ownership in user.containers.override_stat xattrs");
			remedy_move_graphroot(d, c);
		} else {
			c = finding_add(out, "driver", G_DRIVER, NF_WARN, "overlay through %s with force_mask", prog);
			finding_detail(c, "works only while the network filesystem keeps user xattrs (NFSv4.2 on "
					"Linux 5.9 or later); real ownership lives in xattrs, not in the files");
		}
	} else if (mp) {
		c = finding_add(out, "driver", G_DRIVER, NF_OK, "overlay through %s", mp);
	} else if (native) {
		c = finding_add(out, "driver", G_DRIVER, NF_OK, "native overlay (kernel %s)", rel);
	} else if (fuse) {
		c = finding_add(out, "driver", G_DRIVER, NF_OK, "overlay through %s (kernel %s has no rootless overlay)",
				fuse, rel);
	} else {
		c = finding_add(out, "driver", G_DRIVER, NF_FAIL, "kernel %s has no rootless overlay and fuse-overlayfs "
				"is not installed", rel);
		finding_remedy(c, "install fuse-overlayfs");
		finding_fix(c, FIX_PACKAGES, "sudo apt-get install fuse-overlayfs");
	}
	if (d->m.force_mask.value && !mp && !(net && fuse)) {
		c->status = NF_FAIL;
		finding_detail(c, "force_mask = %s needs a mount_program (fuse-overlayfs): the overlay driver "
				"refuses it for writable layers", d->m.force_mask.value);
	}
	finding_value_bool(c, "native_overlay_kernel", native);
	finding_value_str(c, "kernel", rel);
	finding_value_str(c, "fuse_overlayfs", fuse);
	*cp = c;
}

/*
 * btrfs and zfs Init (drivers/btrfs/btrfs.go, drivers/zfs/zfs.go): zfs
 * first looks up the zfs command ("the 'zfs' command is not available"),
 * both then need the graphroot on their own filesystem ("... is not on a
 * btrfs filesystem: prerequisites for driver not satisfied (wrong
 * filesystem?)"). Seen with 4.3.1.
 */
static struct finding *btrfs_zfs(const struct facts *d, struct findings *out, const char *drv)
{
	const char *fst = d->fs_graphroot.path ? d->fs_graphroot.fstype : NULL;
	bool same = fst && strcmp(fst, drv) == 0;
	struct finding *c;

	if (strcmp(drv, "zfs") == 0 && d->zfs_err != 0) {
		c = finding_add(out, "driver.zfs", G_DRIVER, NF_FAIL, "zfs: the zfs command is not in %s's PATH", d->user);
		finding_detail(c, "Podman stops: \"the 'zfs' command is not available: prerequisites for driver not "
				"satisfied\"");
		finding_remedy(c, "use driver = \"overlay\", or install zfsutils-linux and put the graphroot on ZFS");
	} else if (!same) {
		c = finding_add(out, strcmp(drv, "zfs") == 0 ? "driver.zfs" : "driver.btrfs", G_DRIVER, NF_FAIL,
				"%s needs the graphroot on %s, not on %s", drv, drv, fst ? fst : "an unknown filesystem");
		finding_detail(c, "Podman stops: \"%s/%s is not on a %s filesystem: prerequisites for driver not "
				"satisfied (wrong filesystem?)\"", d->m.graphroot.value, drv, drv);
		finding_remedy(c, "use driver = \"overlay\", or move the graphroot to a %s filesystem", drv);
	} else {
		c = finding_add(out, "driver", G_DRIVER, NF_OK, "%s on %s", drv, fst);
	}
	finding_value_str(c, "path", d->m.graphroot.value);
	finding_value_str(c, "fstype", fst);
	return c;
}

/*
 * mount_program must exist ("overlay: can't stat program") and
 * use_composefs cannot work rootless ("composefs is not supported in user
 * namespaces", overlay.go Init, storage 1.52 and later, seen with 5.4.2
 * and 6.1.1; 4.3 does not know the key).
 */
static void overlay_prerequisites(const struct facts *d, struct findings *out)
{
	const struct setting *mp = &d->m.mount_program;
	int err = d->mount_program_err;

	if (mp->value && *mp->value && err != 0) {
		struct finding *f = finding_add(out, "driver.mount-program", G_DRIVER, NF_FAIL, "mount_program %s: %s",
					   mp->value, errno_name(err));

		finding_detail(f, "Podman stops: \"overlay: can't stat program \\\"%s\\\": stat %s: %s\"", mp->value,
			       mp->value, nf_strerror(err));
		finding_remedy(f, "install it (apt-get install fuse-overlayfs) or correct mount_program in %s:%u",
			       mp->origin.file ? mp->origin.file : "storage.conf", mp->origin.line);
		finding_value_str(f, "path", mp->value);
		finding_value_str(f, "errno", errno_name(err));
	}
	if (d->m.rootless && d->m.version >= PV(5, 0) && d->m.use_composefs.value && model_bool_true(d->m.use_composefs.value)) {
		struct finding *f = finding_add(out, "driver.composefs", G_DRIVER, NF_FAIL, "use_composefs = \"%s\" cannot work "
					   "rootless", d->m.use_composefs.value);

		finding_detail(f, "Podman stops: \"configure storage: composefs is not supported in user namespaces\"");
		finding_remedy(f, "remove use_composefs from %s:%u (or set it to \"false\")",
			       d->m.use_composefs.origin.file ? d->m.use_composefs.origin.file : "storage.conf",
			       d->m.use_composefs.origin.line);
	}
}

void check_driver(const struct facts *d, struct findings *out)
{
	const char *drv = d->model_ok ? d->m.driver.value : NULL;
	bool net = d->fs_graphroot.path && fsinfo_is_network(&d->fs_graphroot);
	struct finding *c;

	if (!drv) {
		finding_add(out, "driver", G_DRIVER, NF_SKIP, "no driver known");
		return;
	}
	if (strcmp(drv, "overlay") == 0) {
		overlay(d, out, &c, net);
	} else if (strcmp(drv, "vfs") == 0) {
		c = finding_add(out, "driver", G_DRIVER, NF_OK, "vfs: works on any filesystem, but copies every layer "
				"in full (slow, uses much disk)");
	} else if (strcmp(drv, "btrfs") == 0 || strcmp(drv, "zfs") == 0) {
		c = btrfs_zfs(d, out, drv);
	} else {
		/* drivers/driver.go New: no such name in the registry. */
		c = finding_add(out, "driver.unknown", G_DRIVER, NF_FAIL, "driver \"%s\" does not exist", drv);
		finding_detail(c, "Podman stops: \"failed to GetDriver graph %s ...: driver not supported\"%s", drv,
			       strcmp(drv, "fuse-overlayfs") == 0 ? "; fuse-overlayfs is a mount_program of the overlay "
								  "driver, not a driver" : "");
		finding_remedy(c, "set driver = \"overlay\" (with mount_program = \"/usr/bin/fuse-overlayfs\" under "
				"[storage.options.overlay] if you want fuse-overlayfs) in %s",
			     d->m.driver.origin.file ? d->m.driver.origin.file : "storage.conf");
	}
	if (diag_ignore_chown(d) && c->status == NF_OK) {
		c->status = NF_WARN;
		finding_detail(c, "ignore_chown_errors is on: images unpack even where chown is refused, and then "
				"every file is owned by you; there is no separation between users in the container");
	}
	finding_value_str(c, "driver", drv);
	finding_value_str(c, "mount_program", d->m.mount_program.value);
	finding_value_str(c, "ignore_chown_errors", d->m.ignore_chown_errors.value);
	finding_value_str(c, "force_mask", d->m.force_mask.value);
	/* Last: finding_add may move C. */
	if (strcmp(drv, "overlay") == 0)
		overlay_prerequisites(d, out);
}
