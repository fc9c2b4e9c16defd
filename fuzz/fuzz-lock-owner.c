/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the record of an image's lock file (fix/image-owner.c),
 * which the user can write anything into and root reads back for its
 * "attached on HOST since TIME" message: fields end NUL-terminated and
 * printable, whatever the bytes.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image-owner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lock_owner o;
	/* An exact-size copy, so that a read past LEN is a sanitizer report. */
	char *buf = malloc(size ? size : 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	lock_owner_parse(buf, size, &o);
	if (memchr(o.host, '\0', sizeof(o.host)) == NULL || memchr(o.boot_id, '\0', sizeof(o.boot_id)) == NULL)
		abort();
	for (const char *p = o.host; *p; p++)
		if (*p <= ' ' || *p >= 0x7f)
			abort();
	free(buf);
	return 0;
}
