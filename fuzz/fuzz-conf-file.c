/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the storage.conf reader (toml-lines, toml-value and
 * conf-file) on any bytes, for every Podman release the model knows. The
 * input is passed without a terminating NUL so that a read past its end
 * is an AddressSanitizer error, not luck.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf-file.h"
#include "conf-schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned versions[] = {PV(4, 3), PV(5, 8), PV(6, 0)};
	char *buf = malloc(size ? size : 1);

	if (size)
		memcpy(buf, data, size);
	/* Spread the releases over the inputs: one parse per run keeps it fast. */
	unsigned v = versions[(size ? data[size / 2] : 0) % 3];
	struct problem_list pl = {0};
	struct sc_file f;

	sc_file_parse(&f, "fuzz.conf", buf, size, v, "fails", &pl);
	(void)sc_file_string(&f, SK_GRAPHROOT);
	sc_file_free(&f);
	problem_list_free(&pl);
	free(buf);
	return 0;
}
