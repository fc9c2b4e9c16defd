/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The keys containers-storage decodes from storage.conf, their Go types and
 * the Podman releases that know them. A key outside its range is an unknown
 * key to that release, exactly as Go's decoder sees it.
 */
#ifndef NFSCHECK_CONF_SCHEMA_H
#define NFSCHECK_CONF_SCHEMA_H

#include <stdbool.h>

/* Podman release as major * 100 + minor. */
#define PV(major, minor) ((major) * 100 + (minor))

enum sc_type {
	ST_TABLE,    /* a Go struct */
	ST_STRING,
	ST_BOOL,
	ST_UINT32,
	ST_FILEMODE, /* os.FileMode: a TOML integer */
	ST_STRLIST,  /* []string */
	ST_SLICE,    /* Podman 6 configfile.Slice: strings plus {append = true} */
	ST_STRMAP,   /* map[string]string */
};

enum sc_key {
	SK_STORAGE,
	SK_DRIVER,
	SK_DRIVER_PRIORITY,
	SK_RUNROOT,
	SK_GRAPHROOT,
	SK_IMAGESTORE,
	SK_ROOTLESS_STORAGE_PATH,
	SK_TRANSIENT_STORE,
	SK_OPTIONS,
	SK_OPT_ADDITIONALIMAGESTORES,
	SK_OPT_ADDITIONALLAYERSTORES,
	SK_OPT_SIZE,
	SK_OPT_REMAP_UIDS,
	SK_OPT_REMAP_GIDS,
	SK_OPT_REMAP_USER,
	SK_OPT_REMAP_GROUP,
	SK_OPT_IGNORE_CHOWN_ERRORS,
	SK_OPT_FORCE_MASK,
	SK_OPT_ROOT_AUTO_USERNS_USER,
	SK_OPT_AUTO_USERNS_MIN_SIZE,
	SK_OPT_AUTO_USERNS_MAX_SIZE,
	SK_OPT_SKIP_MOUNT_HOME,
	SK_OPT_MOUNT_PROGRAM,
	SK_OPT_MOUNTOPT,
	SK_OPT_PULL_OPTIONS,
	SK_OPT_DISABLE_VOLATILE,
	SK_OPT_IMAGESTORE,
	SK_OPT_USE_COMPOSEFS,
	SK_AUFS,
	SK_AUFS_MOUNTOPT,
	SK_BTRFS,
	SK_BTRFS_MIN_SPACE,
	SK_BTRFS_SIZE,
	SK_THINPOOL,
	SK_THINPOOL_FIRST,
	SK_THINPOOL_LAST = SK_THINPOOL_FIRST + 15,
	SK_OVERLAY,
	SK_OVERLAY_IGNORE_CHOWN_ERRORS,
	SK_OVERLAY_MOUNTOPT,
	SK_OVERLAY_MOUNT_PROGRAM,
	SK_OVERLAY_SIZE,
	SK_OVERLAY_INODES,
	SK_OVERLAY_SKIP_MOUNT_HOME,
	SK_OVERLAY_FORCE_MASK,
	SK_OVERLAY_USE_COMPOSEFS,
	SK_OVERLAY_SYNC,
	SK_VFS,
	SK_VFS_IGNORE_CHOWN_ERRORS,
	SK_VFS_SYNC,
	SK_ZFS,
	SK_ZFS_MOUNTOPT,
	SK_ZFS_FSNAME,
	SK_ZFS_SIZE,
	SK__COUNT,
	SK_NONE = -1,
};

struct sc_field {
	enum sc_key key;
	enum sc_key parent;     /* SK_NONE for the top-level [storage] */
	const char *name;       /* the Go tag */
	enum sc_type type;
	unsigned since, until;  /* Podman releases [since, until); 0 = open */
};

const struct sc_field *sc_field(enum sc_key key);

/* The full dotted name of KEY, e.g. "storage.options.overlay.mountopt". */
const char *sc_path(enum sc_key key);

/*
 * Find the child NAME of PARENT the way Go's TOML decoder does: the exact
 * tag first, then a case-insensitive match. *FOLDED says which it was.
 * Fills *OUT with the field as release VERSION types it; false for a key
 * that release does not decode.
 */
bool sc_lookup(enum sc_key parent, const char *name, unsigned version,
	       struct sc_field *out, bool *folded);

/* The Go type as its decoder names it in "destination has type ...". */
const char *sc_type_name(enum sc_type t);

#endif
