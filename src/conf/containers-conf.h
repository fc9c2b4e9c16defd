/* SPDX-License-Identifier: Apache-2.0 */
/*
 * containers.conf, read with the storage.conf reader (conf-file.h): the
 * [engine] keys that decide where Podman writes when it starts.
 */
#ifndef NFSCHECK_CONTAINERS_CONF_H
#define NFSCHECK_CONTAINERS_CONF_H

#include <stdbool.h>

#include "conf-file.h"

enum cc_key {
	CC_STATIC_DIR,         /* libpod's database and static files */
	CC_VOLUME_PATH,        /* named volumes */
	CC_IMAGE_COPY_TMP_DIR, /* where pulls and imports stage layers */
	CC__COUNT,
};

const char *cc_key_name(enum cc_key k);

/*
 * The [engine] KEY of F's document and the line it is on, or NULL when
 * the file does not set it. Go's TOML decoder prefers the exact key and
 * falls back to one differing in case. A value that is not a string fails
 * Go's decode of the whole file: *BAD is set then.
 */
const char *cc_engine_string(const struct sc_file *f, enum cc_key k, unsigned *line, bool *bad);

#endif
