/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which Podman release to model: --podman-version, else the installed
 * podman, else buildah (mapped to the Podman release that vendors the same
 * containers-storage), else the newest release of the up-to-5.8 model.
 */
#ifndef NFSCHECK_PODMAN_VERSION_H
#define NFSCHECK_PODMAN_VERSION_H

#include <stdbool.h>

#include "conf-schema.h"

/* The release modelled when neither podman nor buildah is installed. */
#define PODMAN_DEFAULT_VERSION PV(5, 8)
/* Releases before the oldest we model are modelled as it. */
#define PODMAN_OLDEST_VERSION PV(4, 0)
/* How long `podman --version` may take. */
#define PODMAN_VERSION_MS 2000

struct podman_version;
/* DST becomes a copy of SRC. */
void podman_version_copy(struct podman_version *dst, const struct podman_version *src);

struct podman_version {
	unsigned version;  /* PV(major, minor) */
	char *source;      /* how it was chosen, for the report */
	char *found;       /* the version string found, or NULL */
};

/*
 * Parse "X.Y" (a patch level and suffix are allowed) into PV(X, Y);
 * false when it is not a version.
 */
bool podman_version_parse(const char *s, unsigned *version);

/* Decide the release; OVERRIDE is --podman-version or NULL. 0 or an errno. */
int podman_version_detect(struct podman_version *pv, const char *override);
void podman_version_free(struct podman_version *pv);

/* Podman 6.0 and later read storage.conf with the new parser. */
static inline bool podman_version_v6(unsigned version)
{
	return version >= PV(6, 0);
}

#endif
