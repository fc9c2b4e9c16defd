/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One storage.conf, decoded the way containers-storage decodes it for a
 * given Podman release: every known key with its value and line, every
 * fault with FILE:LINE, and whether Go's decoder would have failed on it.
 */
#ifndef NFSCHECK_CONF_FILE_H
#define NFSCHECK_CONF_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "conf-schema.h"
#include "problems.h"
#include "toml-value.h"

struct sc_setting {
	const struct tv *value; /* NULL when the file does not set it */
	unsigned line;
	char *written;          /* the key as spelled in the file, dotted */
};

struct sc_file {
	char *path;
	bool decode_failed;      /* Go's toml.Decode would return an error */
	unsigned decode_error_line;
	char *decode_error;      /* the first such error */
	struct tv *doc;
	struct sc_setting set[SK__COUNT];
};

/*
 * Decode BUF (the contents of PATH) for Podman release VERSION. Faults go
 * to PL; ON_FAILURE says what Podman does when this file fails to decode
 * (it depends on the file's role, which the caller knows).
 */
void sc_file_parse(struct sc_file *f, const char *path, const char *buf, size_t len,
		   unsigned version, const char *on_failure, struct problem_list *pl);
/* The same reader for another TOML file of the containers tools
 * (containers.conf): F->doc and the decode faults, no storage keys. */
void toml_file_parse(struct sc_file *f, const char *path, const char *buf, size_t len,
		     const char *on_failure, struct problem_list *pl);
void sc_file_free(struct sc_file *f);

/* The string value of KEY, or NULL when unset or not a string. */
const char *sc_file_string(const struct sc_file *f, enum sc_key key);

#endif
