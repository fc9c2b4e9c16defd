/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the BoltDB reader for libpod's bolt_state.db, a file
 * in the user's graphroot that nfscheck decodes (as the user, in a child).
 * Seeded with a database real Podman 4.3.1 wrote.
 */
#define _GNU_SOURCE
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "boltdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], *out[DB_NFIELDS] = {0};
	int fd = memfd_create("bolt_state.db", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		(void)boltdb_read_config(path, out);
	}
	for (int i = 0; i < DB_NFIELDS; i++)
		free(out[i]);
	close(fd);
	return 0;
}
