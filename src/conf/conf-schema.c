/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <ctype.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "conf-schema.h"

/*
 * From the TomlConfig and pkg/config OptionsConfig structs vendored by each
 * Podman release: driver_priority and transient_store arrived with 4.4,
 * imagestore with 4.6, use_composefs with 5.0; thinpool's keys went in 5.1
 * (its table in 6.0), remap-* in 5.2, aufs in 5.7; sync and the
 * append-able slices are 6.0.
 */
#define TP(name) {0, SK_THINPOOL, name, ST_STRING, 0, PV(5, 1)}

static struct sc_field fields[SK__COUNT] = {
	[SK_STORAGE] = {0, SK_NONE, "storage", ST_TABLE, 0, 0},
	[SK_DRIVER] = {0, SK_STORAGE, "driver", ST_STRING, 0, 0},
	[SK_DRIVER_PRIORITY] = {0, SK_STORAGE, "driver_priority", ST_STRLIST, PV(4, 4), 0},
	[SK_RUNROOT] = {0, SK_STORAGE, "runroot", ST_STRING, 0, 0},
	[SK_GRAPHROOT] = {0, SK_STORAGE, "graphroot", ST_STRING, 0, 0},
	[SK_IMAGESTORE] = {0, SK_STORAGE, "imagestore", ST_STRING, PV(4, 6), 0},
	[SK_ROOTLESS_STORAGE_PATH] = {0, SK_STORAGE, "rootless_storage_path", ST_STRING, 0, 0},
	[SK_TRANSIENT_STORE] = {0, SK_STORAGE, "transient_store", ST_BOOL, PV(4, 4), 0},
	[SK_OPTIONS] = {0, SK_STORAGE, "options", ST_TABLE, 0, 0},
	[SK_OPT_ADDITIONALIMAGESTORES] = {0, SK_OPTIONS, "additionalimagestores", ST_STRLIST, 0, 0},
	[SK_OPT_ADDITIONALLAYERSTORES] = {0, SK_OPTIONS, "additionallayerstores", ST_STRLIST, 0, 0},
	[SK_OPT_SIZE] = {0, SK_OPTIONS, "size", ST_STRING, 0, 0},
	[SK_OPT_REMAP_UIDS] = {0, SK_OPTIONS, "remap-uids", ST_STRING, 0, PV(5, 2)},
	[SK_OPT_REMAP_GIDS] = {0, SK_OPTIONS, "remap-gids", ST_STRING, 0, PV(5, 2)},
	[SK_OPT_REMAP_USER] = {0, SK_OPTIONS, "remap-user", ST_STRING, 0, PV(5, 2)},
	[SK_OPT_REMAP_GROUP] = {0, SK_OPTIONS, "remap-group", ST_STRING, 0, PV(5, 2)},
	[SK_OPT_IGNORE_CHOWN_ERRORS] = {0, SK_OPTIONS, "ignore_chown_errors", ST_STRING, 0, 0},
	[SK_OPT_FORCE_MASK] = {0, SK_OPTIONS, "force_mask", ST_FILEMODE, 0, 0},
	[SK_OPT_ROOT_AUTO_USERNS_USER] = {0, SK_OPTIONS, "root-auto-userns-user", ST_STRING, 0, 0},
	[SK_OPT_AUTO_USERNS_MIN_SIZE] = {0, SK_OPTIONS, "auto-userns-min-size", ST_UINT32, 0, 0},
	[SK_OPT_AUTO_USERNS_MAX_SIZE] = {0, SK_OPTIONS, "auto-userns-max-size", ST_UINT32, 0, 0},
	[SK_OPT_SKIP_MOUNT_HOME] = {0, SK_OPTIONS, "skip_mount_home", ST_STRING, 0, 0},
	[SK_OPT_MOUNT_PROGRAM] = {0, SK_OPTIONS, "mount_program", ST_STRING, 0, 0},
	[SK_OPT_MOUNTOPT] = {0, SK_OPTIONS, "mountopt", ST_STRING, 0, 0},
	[SK_OPT_PULL_OPTIONS] = {0, SK_OPTIONS, "pull_options", ST_STRMAP, 0, 0},
	[SK_OPT_DISABLE_VOLATILE] = {0, SK_OPTIONS, "disable-volatile", ST_BOOL, 0, 0},
	[SK_OPT_IMAGESTORE] = {0, SK_OPTIONS, "imagestore", ST_STRING, PV(4, 6), 0},
	[SK_OPT_USE_COMPOSEFS] = {0, SK_OPTIONS, "use_composefs", ST_STRING, PV(5, 0), 0},
	[SK_AUFS] = {0, SK_OPTIONS, "aufs", ST_TABLE, 0, PV(5, 7)},
	[SK_AUFS_MOUNTOPT] = {0, SK_AUFS, "mountopt", ST_STRING, 0, PV(5, 7)},
	[SK_BTRFS] = {0, SK_OPTIONS, "btrfs", ST_TABLE, 0, 0},
	[SK_BTRFS_MIN_SPACE] = {0, SK_BTRFS, "min_space", ST_STRING, 0, 0},
	[SK_BTRFS_SIZE] = {0, SK_BTRFS, "size", ST_STRING, 0, 0},
	[SK_THINPOOL] = {0, SK_OPTIONS, "thinpool", ST_TABLE, 0, PV(6, 0)},
	[SK_THINPOOL_FIRST + 0] = TP("autoextend_percent"),
	[SK_THINPOOL_FIRST + 1] = TP("autoextend_threshold"),
	[SK_THINPOOL_FIRST + 2] = TP("basesize"),
	[SK_THINPOOL_FIRST + 3] = TP("blocksize"),
	[SK_THINPOOL_FIRST + 4] = TP("directlvm_device"),
	[SK_THINPOOL_FIRST + 5] = TP("directlvm_device_force"),
	[SK_THINPOOL_FIRST + 6] = TP("fs"),
	[SK_THINPOOL_FIRST + 7] = TP("log_level"),
	[SK_THINPOOL_FIRST + 8] = TP("metadatasize"),
	[SK_THINPOOL_FIRST + 9] = TP("min_free_space"),
	[SK_THINPOOL_FIRST + 10] = TP("mkfsarg"),
	[SK_THINPOOL_FIRST + 11] = TP("mountopt"),
	[SK_THINPOOL_FIRST + 12] = TP("size"),
	[SK_THINPOOL_FIRST + 13] = TP("use_deferred_deletion"),
	[SK_THINPOOL_FIRST + 14] = TP("use_deferred_removal"),
	[SK_THINPOOL_FIRST + 15] = TP("xfs_nospace_max_retries"),
	[SK_OVERLAY] = {0, SK_OPTIONS, "overlay", ST_TABLE, 0, 0},
	[SK_OVERLAY_IGNORE_CHOWN_ERRORS] = {0, SK_OVERLAY, "ignore_chown_errors", ST_STRING, 0, 0},
	[SK_OVERLAY_MOUNTOPT] = {0, SK_OVERLAY, "mountopt", ST_STRING, 0, 0},
	[SK_OVERLAY_MOUNT_PROGRAM] = {0, SK_OVERLAY, "mount_program", ST_STRING, 0, 0},
	[SK_OVERLAY_SIZE] = {0, SK_OVERLAY, "size", ST_STRING, 0, 0},
	[SK_OVERLAY_INODES] = {0, SK_OVERLAY, "inodes", ST_STRING, 0, 0},
	[SK_OVERLAY_SKIP_MOUNT_HOME] = {0, SK_OVERLAY, "skip_mount_home", ST_STRING, 0, 0},
	[SK_OVERLAY_FORCE_MASK] = {0, SK_OVERLAY, "force_mask", ST_STRING, 0, 0},
	[SK_OVERLAY_USE_COMPOSEFS] = {0, SK_OVERLAY, "use_composefs", ST_STRING, PV(5, 0), 0},
	[SK_OVERLAY_SYNC] = {0, SK_OVERLAY, "sync", ST_STRING, PV(6, 0), 0},
	[SK_VFS] = {0, SK_OPTIONS, "vfs", ST_TABLE, 0, 0},
	[SK_VFS_IGNORE_CHOWN_ERRORS] = {0, SK_VFS, "ignore_chown_errors", ST_STRING, 0, 0},
	[SK_VFS_SYNC] = {0, SK_VFS, "sync", ST_STRING, PV(6, 0), 0},
	[SK_ZFS] = {0, SK_OPTIONS, "zfs", ST_TABLE, 0, 0},
	[SK_ZFS_MOUNTOPT] = {0, SK_ZFS, "mountopt", ST_STRING, 0, 0},
	[SK_ZFS_FSNAME] = {0, SK_ZFS, "fsname", ST_STRING, 0, 0},
	[SK_ZFS_SIZE] = {0, SK_ZFS, "size", ST_STRING, 0, 0},
};

static char paths[SK__COUNT][64];

/* Each table's fields in order, so a lookup walks its own table's fields
 * only: first_child[PARENT + 1] (SK_NONE is -1), then next_sibling, -1 at
 * the end. A file of 300,000 unknown keys asks once a key. */
static int first_child[SK__COUNT + 1], next_sibling[SK__COUNT];

static void init_once(void)
{
	static bool done;

	if (done)
		return;
	for (int k = 0; k < SK__COUNT; k++) {
		fields[k].key = (enum sc_key)k;
		if (fields[k].parent == SK_NONE)
			snprintf(paths[k], sizeof(paths[k]), "%s", fields[k].name);
	}
	/* Parents come before children in the enum, so one pass suffices. */
	for (int k = 0; k < SK__COUNT; k++)
		if (fields[k].parent != SK_NONE)
			snprintf(paths[k], sizeof(paths[k]), "%s.%s", paths[fields[k].parent], fields[k].name);
	for (int k = 0; k <= SK__COUNT; k++)
		first_child[k] = -1;
	for (int k = SK__COUNT - 1; k >= 0; k--) {
		next_sibling[k] = first_child[fields[k].parent + 1];
		first_child[fields[k].parent + 1] = k;
	}
	done = true;
}

const struct sc_field *sc_field(enum sc_key key)
{
	init_once();
	return &fields[key];
}

const char *sc_path(enum sc_key key)
{
	init_once();
	return paths[key];
}

static bool in_version(const struct sc_field *f, unsigned version)
{
	return version >= f->since && (f->until == 0 || version < f->until);
}

static enum sc_type versioned_type(const struct sc_field *f, unsigned version)
{
	/* Podman 6 decodes these arrays into configfile.Slice. */
	if (f->type == ST_STRLIST && version >= PV(6, 0))
		return ST_SLICE;
	return f->type;
}

bool sc_lookup(enum sc_key parent, const char *name, unsigned version,
	       struct sc_field *out, bool *folded)
{
	const struct sc_field *fold = NULL;

	init_once();
	for (int k = first_child[parent + 1]; k >= 0; k = next_sibling[k]) {
		const struct sc_field *f = &fields[k];

		/* Most keys of a long file are none of ours: the first letter
		 * tells, without two string compares a field. */
		if (tolower((unsigned char)f->name[0]) != tolower((unsigned char)name[0]) ||
		    !in_version(f, version))
			continue;
		if (strcmp(f->name, name) == 0) {
			*folded = false;
			fold = f;
			break;
		}
		/* Go's strings.EqualFold; storage.conf keys are ASCII. */
		if (!fold && strcasecmp(f->name, name) == 0) {
			*folded = true;
			fold = f;
		}
	}
	if (!fold)
		return false;
	*out = *fold;
	out->type = versioned_type(fold, version);
	return true;
}

const char *sc_type_name(enum sc_type t)
{
	switch (t) {
	case ST_TABLE: return "struct";
	case ST_STRING: return "string";
	case ST_BOOL: return "bool";
	case ST_UINT32: return "uint32";
	case ST_FILEMODE: return "os.FileMode";
	case ST_STRLIST: return "[]string";
	case ST_SLICE: return "configfile.Slice";
	case ST_STRMAP: return "map[string]string";
	}
	return "?";
}
