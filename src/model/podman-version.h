/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which Podman to model: --podman-version, else the podman on the user's
 * PATH, identified from its file without running it (podman-ident.c): the
 * storage.conf algorithm from the containers/storage code compiled in, the
 * release from the Go module version or dpkg. `podman --version` runs only
 * when the file cannot be identified. Else buildah the same way (mapped to
 * the Podman release that vendors the same containers-storage); with
 * neither installed, the release dpkg knows of, Debian's release for this
 * suite, or else 5.8 -- and the report says which.
 */
#ifndef NFSCHECK_PODMAN_VERSION_H
#define NFSCHECK_PODMAN_VERSION_H

#include <stdbool.h>

#include "conf-schema.h"
#include "dpkg.h"
#include "gobin.h"
#include "guard.h"

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
	/* The containers-storage behaviour modelled, named by the upstream
	 * Podman release that has it: >= 6.0 exactly when the new parser is
	 * modelled. Every storage rule of the model branches on this. */
	unsigned version;
	/* The Podman release itself, PV(major, minor): what it says of itself. */
	unsigned release;
	bool new_parser;
	bool installed;        /* podman or buildah was found on PATH */
	char *source;          /* how the release was chosen, for the report */
	char *found;           /* the version string found, or NULL */
	char *algorithm_why;   /* why this storage.conf algorithm */

	/* The evidence read from the program's file (podman-ident.c). */
	char *program;         /* "podman" or "buildah"; NULL when neither was found */
	char *binary;          /* where it was found on PATH */
	char *resolved;        /* its real path */
	bool binary_read;      /* its ELF file could be read */
	int binary_err;        /* else why not (an errno) */
	struct gobin_info gi;
	bool have_pkg;         /* dpkg names the package owning it */
	struct dpkg_pkg pkg;
	double ident_ms;       /* what reading it cost */
};

/*
 * Parse "X.Y" (a patch level and suffix are allowed) into PV(X, Y);
 * false when it is not a version.
 */
bool podman_version_parse(const char *s, unsigned *version);

/*
 * Decide the release; OVERRIDE is --podman-version or NULL. SEARCH is the
 * PATH Podman would be found on (NULL: ours); the program is read as AS
 * (NULL: as ourselves). 0 or an errno.
 */
int podman_version_detect(struct podman_version *pv, const char *override, const char *search,
			  const struct identity *as);
void podman_version_free(struct podman_version *pv);
/* PV as LEN bytes, for another process of the same program (fleet's workers
 * share one decision); and back: false when DATA is not such bytes. */
char *podman_version_pack(const struct podman_version *pv, size_t *len);
bool podman_version_unpack(struct podman_version *pv, const char *data, size_t len);

/* Buildah minor release -> the Podman release vendoring the same storage. */
unsigned podman_for_buildah(unsigned buildah);

/*
 * Identify PROG ("podman", "buildah") on SEARCH from its file, as AS:
 * fills the evidence in *PV and, when it settles them, the release and
 * the algorithm. False when PROG is not on SEARCH; *DECIDED says whether
 * the file settled the model (else `--version` is the fallback).
 */
bool podman_ident(struct podman_version *pv, const char *prog, const char *search, const struct identity *as,
		  bool *decided);
/* Decide release and algorithm from the evidence in *PV (pure: for tests). */
bool podman_ident_decide(struct podman_version *pv);
/* With the release REL known: the algorithm and the storage behaviour
 * modelled, from the evidence in *PV when it has any, else from REL. */
void podman_ident_apply(struct podman_version *pv, unsigned rel);
/* The release to model when neither program is installed; false: none known. */
bool podman_candidate(struct podman_version *pv);

/* Models from 6.0 on read storage.conf with the new parser. */
static inline bool podman_version_v6(unsigned version)
{
	return version >= PV(6, 0);
}

#endif
