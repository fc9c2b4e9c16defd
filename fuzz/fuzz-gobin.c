/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the Go-binary reader (sys/gobin.c) on any bytes as an
 * ELF file -- the podman on a user's PATH is the user's file when root
 * reads it for them. Every offset and size in it is the fuzzer's; what
 * comes out must be bounded, NUL-terminated, printable strings.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gobin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void printable(const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	if (n == size)
		abort(); /* not NUL-terminated */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gobin_info gi;
	unsigned v;

	gobin_read_mem(data, size, &gi);
	printable(gi.go_version, sizeof(gi.go_version));
	printable(gi.main_path, sizeof(gi.main_path));
	printable(gi.main.path, sizeof(gi.main.path));
	printable(gi.main.version, sizeof(gi.main.version));
	printable(gi.storage.path, sizeof(gi.storage.path));
	printable(gi.storage.version, sizeof(gi.storage.version));
	printable(gi.common.version, sizeof(gi.common.version));
	printable(gi.why, sizeof(gi.why));
	if (gi.markers & ~(unsigned)GM_ALL)
		abort();
	(void)gobin_version_parse(gi.storage.version, &v);
	return 0;
}
