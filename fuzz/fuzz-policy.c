/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the site policy parser (policy.c over inih): any bytes
 * end in a policy or in one "FILE:LINE: what" refusal, and a policy's
 * templates expand.
 */
#define _GNU_SOURCE
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy p;
	char *err = NULL;

	if (policy_parse("fuzz.conf", (const char *)data, size, &p, &err) == 0) {
		const char *t = p.graphroot ? p.graphroot : p.image;
		char *x = t ? policy_expand(t, "alice", 1000, "/home/alice") : NULL;

		/* The parser accepted only templates that expand. */
		if (t && !x)
			abort();
		free(x);
		policy_free(&p);
	} else if (!err || strncmp(err, "fuzz.conf:", 10) != 0) {
		abort();
	}
	free(err);
	return 0;
}
