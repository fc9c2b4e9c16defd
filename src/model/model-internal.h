/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the two algorithms (model-legacy.c, model-v6.c) and their
 * common parts: file loading, Podman's environment set-up, runtime
 * directories, path expansion, settings with origins.
 */
#ifndef NFSCHECK_MODEL_INTERNAL_H
#define NFSCHECK_MODEL_INTERNAL_H

#include "model.h"

#define SYS_ETC_CONF "/etc/containers/storage.conf"
#define SYS_USR_CONF "/usr/share/containers/storage.conf"
/* storage.conf is a few kilobytes; anything this large is not one. */
#define CONF_MAX_BYTES (1024 * 1024)

struct mctx {
	struct model *m;
	struct fsx fs;
	const struct userenv *env0;
	unsigned v;
	/* Directories Podman would have created by now (it runs MkdirAll; we
	 * only predict), so that later steps find them as Podman would. */
	char **made;
	size_t nmade;
};

/* --- settings and origins (model-setting.c) --- */
void origin_set_default(struct origin *o, const char *note);
void origin_set_env(struct origin *o, const char *var);
void origin_set_file(struct origin *o, const char *file, unsigned line);
void origin_copy(struct origin *dst, const struct origin *src);
void origin_clear(struct origin *o);
void setting_set(struct setting *s, const char *value, const struct origin *o);
void setting_copy(struct setting *dst, const struct setting *src);
void setting_clear(struct setting *s);
/* Take KEY from file F (a string value) into S; false when F does not set it. */
bool setting_from_file(struct setting *s, const struct model_file *f, enum sc_key key);
/* containers/storage's driver rule, the same in every Podman version:
 * $STORAGE_DRIVER, when not empty, overrides what the files said, and
 * "overlay2" is the old name of "overlay". */
void driver_normalise(struct setting *driver, const struct userenv *e);
void options_add(struct option_list *l, const struct origin *o, const char *fmt, ...) NF_PRINTF(3, 4);
void options_copy(struct option_list *dst, const struct option_list *src);
void options_clear(struct option_list *l);
void model_note(struct model *m, const char *fmt, ...) NF_PRINTF(2, 3);

/* --- files (model-files.c) --- */
/* Read and decode PATH once; later calls return the same entry. */
struct model_file *mctx_load(struct mctx *c, const char *path, enum file_role role);
/* Record PATH as considered but not read: ERR is ENOENT when it is absent,
 * -1 when it was deliberately skipped; WHY may be NULL. */
void mctx_mention(struct mctx *c, const char *path, enum file_role role, int err, const char *why);
/* 0 when PATH exists (stat), else its errno. */
int mctx_exists(struct mctx *c, const char *path);

/* --- environment and directories (model-env.c) --- */
const char *env_get(const struct userenv *e, const char *name);     /* NULL when unset */
const char *env_nonempty(const struct userenv *e, const char *name); /* NULL when unset or "" */
char *homedir_get(const struct userenv *e);    /* $HOME, else the passwd entry */
char *tempdir_get(const struct userenv *e);    /* os.TempDir() */
char *data_home(const struct userenv *e);      /* XDG_DATA_HOME or ~/.local/share */
/* Podman creates PATH (MkdirAll) at this point; later lookups see it. */
void mctx_made(struct mctx *c, const char *path);
/* Go's filepath.EvalSymlinks, or NULL with *ERR set. */
char *eval_symlinks(struct mctx *c, const char *path, int *err);
/* expandEnvPath: $UID, then $VAR, then EvalSymlinks or Clean. */
char *expand_storage_path(struct mctx *c, const char *path, const struct userenv *e);
/* The runtime directory (runroot without "/containers"): storage up to 1.51. */
char *runtime_dir_old(struct mctx *c, const struct userenv *e, char **err);
/* ... and from 1.52 (Podman 5.0 and 6.0); NULL with *ERR on failure. */
char *runtime_dir_new(struct mctx *c, const struct userenv *e, char **err);
/* The environment Podman sets up before it re-executes itself (setXdgDirs). */
void podman_xdg_env(struct mctx *c, const struct userenv *in, struct userenv *out, char **err);
/* A plain copy of IN (root: Podman sets nothing up). */
void podman_xdg_env_copy(const struct userenv *in, struct userenv *out);
/* True when Podman will take its "join the pause process" shortcut. */
bool podman_shortcut(struct mctx *c, const struct userenv *e, char **why);
/* The driver containers-storage picks when none is configured. */
void predict_driver(struct mctx *c, struct setting *driver, const char *graphroot,
		    const struct setting *priority);

/* --- containers.conf (model-containers.c) --- */
/* Read its [engine] keys before the algorithms run (static_dir moves the database). */
void model_containers_conf(struct mctx *c);
/* Fill in the defaults that depend on the final graphroot. */
void model_containers_defaults(struct mctx *c);

/* --- the algorithms --- */
void model_legacy(struct mctx *c);
void model_legacy_rootful(struct mctx *c);
void model_v6(struct mctx *c);
/* Apply libpod's database over the result, if one exists (libpod-db.c). */
void model_apply_database(struct mctx *c, const char *static_dir);

#endif
