/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the storage.conf editor. It sets [storage] graphroot
 * (or runroot) in any bytes; an edit that succeeds must decode again and
 * say what was asked, which conf_edit_set checks itself -- so an abort
 * here means the editor wrote something it then could not read.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf-edit.h"
#include "conf-schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *key = size && (data[0] & 1) ? "runroot" : "graphroot";
	unsigned v = size && (data[size - 1] & 2) ? PV(6, 0) : PV(4, 3);
	char *buf = malloc(size ? size : 1);
	struct conf_edit e;

	if (size)
		memcpy(buf, data, size);
	if (conf_edit_set("fuzz.conf", buf, size, key, "/srv/$USER/containers \"x\"", v, &e) == 0) {
		char *diff = unified_diff("fuzz.conf", buf, size, e.text, e.len);

		/* Success means the new text has the value and decodes. */
		if (!e.text || (e.changed && !*diff))
			abort();
		free(diff);
	}
	conf_edit_free(&e);
	free(buf);
	return 0;
}
