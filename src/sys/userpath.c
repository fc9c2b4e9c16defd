/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "goexpand.h"
#include "userpath.h"
#include "xalloc.h"

char *userpath_beneath(const char *home, const char *abs)
{
	char *h = go_clean_path(home), *a = go_clean_path(abs), *rel = NULL;
	size_t n = strlen(h);

	/* A cleaned absolute path has no "." or ".." left in it. */
	if (h[0] == '/' && a[0] == '/') {
		if (strcmp(h, "/") == 0)
			rel = a[1] ? xstrdup(a + 1) : NULL;
		else if (strncmp(a, h, n) == 0 && a[n] == '/' && a[n + 1])
			rel = xstrdup(a + n + 1);
	}
	free(h);
	free(a);
	return rel;
}

/* One step down from DIR to the directory NAME; DIR is closed. */
static int step(int dir, const char *name, bool mkdirs)
{
	int fd = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT && mkdirs) {
		if (mkdirat(dir, name, 0700) != 0 && errno != EEXIST) {
			fd = -errno;
			close(dir);
			return fd;
		}
		fd = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0) {
		struct stat st;

		/* O_PATH|O_NOFOLLOW on a link with O_DIRECTORY says ENOTDIR: name it. */
		fd = errno == ENOTDIR && fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)
			     ? -ELOOP
			     : -errno;
	}
	close(dir);
	return fd;
}

int userpath_open(const char *home, const char *rel, bool mkdirs, int flags, mode_t mode)
{
	char *copy = xstrdup(rel), *p = copy, *slash;
	int dir = open(home, O_PATH | O_DIRECTORY | O_CLOEXEC), fd;

	if (dir < 0) {
		fd = -errno;
		goto out;
	}
	while ((slash = strchr(p, '/'))) {
		*slash = '\0';
		if (!*p || strcmp(p, ".") == 0 || strcmp(p, "..") == 0) {
			close(dir);
			fd = -EINVAL;
			goto out;
		}
		if ((dir = step(dir, p, mkdirs)) < 0) {
			fd = dir;
			goto out;
		}
		p = slash + 1;
	}
	if (!*p || strcmp(p, ".") == 0 || strcmp(p, "..") == 0) {
		close(dir);
		fd = -EINVAL;
		goto out;
	}
	if ((flags & O_DIRECTORY) && mkdirs && mkdirat(dir, p, 0700) != 0 && errno != EEXIST) {
		fd = -errno;
		close(dir);
		goto out;
	}
	fd = openat(dir, p, flags | O_NOFOLLOW, mode);
	if (fd < 0) {
		struct stat st;

		fd = (errno == ENOTDIR || errno == ELOOP) && fstatat(dir, p, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
				     S_ISLNK(st.st_mode)
			     ? -ELOOP
			     : -errno;
	}
	close(dir);
out:
	free(copy);
	return fd;
}
