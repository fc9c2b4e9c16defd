/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Change one [storage] key of a storage.conf and nothing else: the value's
 * bytes are replaced, or one line is inserted, and every other byte --
 * comments, order, CRLF, a missing final newline -- stays as it was. The
 * result is decoded again and compared with the original before anyone
 * writes it.
 */
#ifndef NFSCHECK_CONF_EDIT_H
#define NFSCHECK_CONF_EDIT_H

#include <stdbool.h>
#include <stddef.h>

struct conf_edit {
	char *text;          /* the new contents */
	size_t len;
	bool changed;        /* false: the file already says so */
	unsigned line;       /* the line changed or inserted */
	char *error;         /* why it refused; NULL on success */
	unsigned error_line; /* where, 0 when not about one line */
};

/*
 * Set [storage] KEY = VALUE in BUF (LEN bytes; the file PATH, for
 * messages), as Podman release VERSION reads it. 0, or -1 with E->error.
 */
int conf_edit_set(const char *path, const char *buf, size_t len, const char *key, const char *value,
		  unsigned version, struct conf_edit *e);
void conf_edit_free(struct conf_edit *e);

/* VALUE as a TOML basic string, or NULL (*ERR set) for control characters. */
char *toml_quote(const char *value, const char **err);

/* A unified diff from OLD to NEW (LABEL for both names); OLD NULL: a new file. */
char *unified_diff(const char *label, const char *old, size_t old_len, const char *new, size_t new_len);

#endif
