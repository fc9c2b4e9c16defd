/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Go's string semantics that decide paths in containers-storage:
 * os.ExpandEnv, filepath.Clean, and the "$UID first" rule of expandEnvPath.
 */
#ifndef NFSCHECK_GOEXPAND_H
#define NFSCHECK_GOEXPAND_H

#include "userenv.h"

/* os.ExpandEnv(S) against ENV: $VAR and ${VAR}; unset variables become "". */
char *go_expand_env(const char *s, const struct userenv *env);
/* filepath.Clean(S). */
char *go_clean_path(const char *s);
/* filepath.Join(A, B): joined with "/" and cleaned; "" parts are skipped. */
char *go_join(const char *a, const char *b);
/* The literal "$UID" replaced by UID, then go_expand_env (types/utils.go). */
char *go_expand_storage_path(const char *s, const struct userenv *env);

#endif
