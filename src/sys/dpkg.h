/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dpkg's own files, read directly: which package owns a path
 * (ADMINDIR/info/PKG.list) and that package's state and version
 * (ADMINDIR/status). No dpkg-query: this is a lookup of one path, in
 * bounded, linear reads. Plain reads of local system files; a caller that
 * cannot trust the filesystem to answer runs them in a guarded child.
 */
#ifndef NFSCHECK_DPKG_H
#define NFSCHECK_DPKG_H

#include <stdbool.h>
#include <stddef.h>

#define DPKG_ADMINDIR "/var/lib/dpkg"
/* Nothing larger is read. */
#define DPKG_MAX_LIST (16u << 20)
#define DPKG_MAX_STATUS (64u << 20)
#define DPKG_MAX_LISTS 20000

struct dpkg_pkg {
	char name[96];     /* without ":arch" */
	char version[96];  /* Version: field, "" when none */
	char status[64];   /* Status: field, "install ok installed" */
};

/*
 * The package whose file list names one of PATHS (N of them). The list
 * of HINT ("podman", also "podman:ARCH") is read first; only when it does
 * not name them are all lists read. 0 with *P's name filled, ENOENT when
 * no list names them, else an errno.
 */
int dpkg_owner(const char *admindir, const char *const *paths, size_t n, const char *hint,
	       struct dpkg_pkg *p);

/* The status entry of package NAME: 0, ENOENT when dpkg has none, else an errno. */
int dpkg_status(const char *admindir, const char *name, struct dpkg_pkg *p);

/* "1:5.8.6+ds1-1" -> 508 (major * 100 + minor, epoch dropped); false if not a version. */
bool dpkg_version_release(const char *version, unsigned *v);

/* True when the package is unpacked or installed (not removed, not only config files). */
bool dpkg_installed(const struct dpkg_pkg *p);

#endif
