/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: dpkg's status file and a package's file list
 * (sys/dpkg.c), the same bytes as both, in a scratch admin directory.
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dpkg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

/* The scratch directory goes with the process (libFuzzer ends with exit). */
static void cleanup(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/info/podman.list", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/info", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/status", dir);
	unlink(path);
	rmdir(dir);
}

static void put(const char *name, const uint8_t *data, size_t size)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		abort();
	if (write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *paths[] = {"/usr/bin/podman", "/bin/podman"};
	struct dpkg_pkg p;
	unsigned v;

	if (!dir[0]) {
		char path[96];

		snprintf(dir, sizeof(dir), "%s/fuzz-dpkg.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (!mkdtemp(dir))
			abort();
		snprintf(path, sizeof(path), "%s/info", dir);
		if (mkdir(path, 0700) != 0)
			abort();
		atexit(cleanup);
	}
	put("status", data, size);
	put("info/podman.list", data, size);
	if (dpkg_owner(dir, paths, 2, "podman", &p) == 0 && strcmp(p.name, "podman") != 0)
		abort();
	if (dpkg_status(dir, "podman", &p) == 0) {
		if (strnlen(p.version, sizeof(p.version)) == sizeof(p.version) || strcmp(p.name, "podman") != 0)
			abort();
		(void)dpkg_version_release(p.version, &v);
		(void)dpkg_installed(&p);
	}
	return 0;
}
