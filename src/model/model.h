/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The effective rootless storage configuration: what Podman will use for
 * this user, and where each value came from. Two algorithms, chosen by the
 * Podman release: the one of Podman up to 5.8 (one file wins), and the one
 * of Podman 6.0 (a main file plus drop-ins). Both end with the libpod
 * database, whose stored roots and driver win over storage.conf.
 */
#ifndef NFSCHECK_MODEL_H
#define NFSCHECK_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "conf-file.h"
#include "fsx.h"
#include "podman-version.h"
#include "problems.h"
#include "userenv.h"

enum origin_kind {
	OR_NONE,      /* not set at all */
	OR_DEFAULT,   /* containers-storage's built-in default */
	OR_FILE,      /* a storage.conf line */
	OR_ENV,       /* an environment variable */
	OR_DATABASE,  /* libpod's database pinned it */
	OR_AUTO,      /* chosen at run time (driver auto-selection) */
};

struct origin {
	enum origin_kind kind;
	char *file;     /* OR_FILE, OR_DATABASE */
	unsigned line;  /* OR_FILE */
	char *env;      /* OR_ENV: the variable */
	char *note;     /* how a default or automatic value was reached */
};

struct setting {
	char *value;    /* NULL when unset */
	char *written;  /* OR_FILE: the text before expansion */
	struct origin origin;
};

/* A driver option string ("overlay.mount_program=/usr/bin/fuse-overlayfs"). */
struct dopt {
	char *text;
	struct origin origin;
};

struct option_list {
	struct dopt *v;
	size_t n;
};

enum file_role {
	ROLE_SYSTEM,     /* /etc or /usr/share storage.conf (up to 5.8) */
	ROLE_USER,       /* ~/.config/containers/storage.conf (up to 5.8) */
	ROLE_ENV,        /* $CONTAINERS_STORAGE_CONF */
	ROLE_MAIN,       /* the main file (6.0) */
	ROLE_DROPIN,     /* a *.conf drop-in (6.0) */
	ROLE_OVERRIDE,   /* $CONTAINERS_STORAGE_CONF_OVERRIDE (6.0) */
	ROLE_DATABASE,   /* libpod's database */
};

/* A configuration file the algorithm looked at. */
struct model_file {
	char *path;
	enum file_role role;
	int err;          /* 0 read; ENOENT absent; else why it could not be read */
	bool decoded;     /* read and decoded without error */
	bool used;        /* settings were taken from it */
	char *note;       /* why it was or was not used */
	struct sc_file conf;
	char *buf;        /* the bytes read */
	size_t len;
};

struct model {
	unsigned version;           /* the Podman release modelled, PV(x, y) */
	struct podman_version pv;
	bool rootless;
	const struct userenv *env;  /* the environment Podman starts with */

	struct model_file **files;  /* in the order considered */
	size_t nfiles;

	struct setting driver;
	struct setting graphroot;
	struct setting runroot;
	struct setting imagestore;
	struct setting rootless_storage_path;
	struct setting transient_store;
	struct setting ignore_chown_errors;
	struct setting mount_program;
	struct setting force_mask;
	struct setting use_composefs;
	struct setting driver_priority;
	struct option_list additional_image_stores;
	/* containers.conf [engine] (model-containers.c), with their defaults */
	struct setting static_dir;
	struct setting volume_path;
	struct setting image_copy_tmp_dir;
	struct option_list options;    /* every driver option, as the driver gets them */

	char *database;                /* libpod database found, or NULL */
	bool fatal;                    /* Podman would refuse to start */
	char *fatal_message;
	char **notes;                  /* how the answer was reached */
	size_t nnotes;
	struct problem_list problems;
};

struct model_request {
	const struct userenv *env;        /* the environment Podman starts with */
	const struct identity *as;        /* read files as this user; NULL: as ourselves */
	const char *podman_version;       /* --podman-version, or NULL */
	const struct podman_version *known; /* already decided (fleet: once for all users), or NULL */
	struct fsx_memo *memo;            /* the caller's memo for calls as AS (fsx.h); NULL: the model's own */
};

/* Compute the model. 0, or an errno when nfscheck itself could not work. */
int model_build(struct model *m, const struct model_request *req);
void model_free(struct model *m);

const char *model_role_name(enum file_role role);
/* True for the values Go's strconv.ParseBool reads as true (the drivers' quoted booleans). */
bool model_bool_true(const char *s);
/* "FILE:LINE", "$VAR", "default", ... for a report. Caller frees. */
char *origin_text(const struct origin *o);

#endif
