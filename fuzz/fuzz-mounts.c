/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the mount-table walk. Any bytes are offered to
 * libmount as a mountinfo file, and the walk down a few paths must end --
 * also on tables the kernel never writes, with repeated or cyclic ids.
 */
#define _GNU_SOURCE
#include "config.h"

#include <libmount.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mounts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *paths[] = {"/", "/home/u/.local/share/containers/storage", "/var/lib/containers",
				      "/a/b/c/d", "//x//y/"};
	struct mount_table t = {0};
	char path[64];
	int fd = memfd_create("mountinfo", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (mount_table_load(&t, path) == 0)
			for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
				(void)mount_table_find(&t, paths[i]);
	}
	mount_table_free(&t);
	close(fd);
	return 0;
}
