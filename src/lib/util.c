/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

bool path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strncmp(path, dir, n) != 0)
		return false;
	return path[n] == '/' || path[n] == '\0' || (n > 0 && dir[n - 1] == '/');
}

const char *errno_name(int err)
{
	const char *n;

	if (err == 0)
		return "OK";
	if (err == NF_EDEADLINE)
		return "ETIMEDOUT";
	n = strerrorname_np(err);
	return n ? n : "E?";
}

int rm_rf_at(int at, const char *name, int depth)
{
	struct stat st;
	int fd, err = 0;
	DIR *d;
	struct dirent *e;

	if (depth > 16 || fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? 0 : errno ? errno : ELOOP;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(at, name, 0) == 0 ? 0 : errno;
	if (st.st_uid == geteuid())
		fchmodat(at, name, 0700, 0);
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return errno;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			int r = rm_rf_at(dirfd(d), e->d_name, depth + 1);

			if (r && !err)
				err = r;
		}
	closedir(d);
	if (unlinkat(at, name, AT_REMOVEDIR) != 0 && !err)
		err = errno;
	return err;
}
