/* SPDX-License-Identifier: Apache-2.0 */
/* Paths below a home, walked without links: which names are inside, and a
 * walk that refuses every link on the way, made or planted. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "userpath.h"

static void beneath_is(const char *home, const char *abs, const char *want)
{
	char *got = userpath_beneath(home, abs);

	if (want)
		is_str(got ? got : "(null)", want, "beneath(\"%s\", \"%s\")", home, abs);
	else
		ok(got == NULL, "beneath(\"%s\", \"%s\") is outside", home, abs);
	free(got);
}

static int walk(const char *home, const char *rel, bool mkdirs, int flags)
{
	int fd = userpath_open(home, rel, mkdirs, flags | O_CLOEXEC, 0600);

	if (fd >= 0)
		close(fd);
	return fd >= 0 ? 0 : fd;
}

int main(void)
{
	char tmpl[] = "/tmp/nfscheck-userpath.XXXXXX", *h = mkdtemp(tmpl), p[4096];

	beneath_is("/home/u", "/home/u/.local/share/containers", ".local/share/containers");
	beneath_is("/home/u/", "/home/u//a/./b", "a/b");
	beneath_is("/home/u", "/home/u/a/../b", "b");
	beneath_is("/home/u", "/home/u", NULL);
	beneath_is("/home/u", "/home/u/..", NULL);
	beneath_is("/home/u", "/home/u/../v/x", NULL);
	beneath_is("/home/u", "/home/uv/x", NULL);
	beneath_is("/home/u", "/root", NULL);
	beneath_is("/home/u", "relative/x", NULL);

	if (!h)
		return 1;
	snprintf(p, sizeof(p), "%s/d", h);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/d/link", h);
	if (symlink("/tmp", p) != 0)
		return 1;
	snprintf(p, sizeof(p), "%s/dirlink", h);
	if (symlink("d", p) != 0)
		return 1;
	ok(walk(h, "d", false, O_PATH | O_DIRECTORY) == 0, "a directory below the home opens");
	ok(walk(h, "d/link", false, O_PATH | O_DIRECTORY) == -ELOOP, "a link at the end: ELOOP");
	ok(walk(h, "dirlink/x", false, O_RDONLY) == -ELOOP, "a link on the way: ELOOP");
	ok(walk(h, "d/link/x", true, O_RDONLY | O_DIRECTORY) == -ELOOP, "a link on the way is not followed to make directories");
	ok(walk(h, "d/new/deeper", true, O_RDONLY | O_DIRECTORY) == 0, "missing directories are made");
	snprintf(p, sizeof(p), "%s/d/new/deeper", h);
	{
		struct stat st;

		ok(lstat(p, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0700, "with mode 0700");
	}
	ok(walk(h, "d/../d", false, O_PATH) == -EINVAL, "\"..\" is refused");
	ok(walk(h, "d/f", false, O_WRONLY | O_CREAT | O_EXCL) == 0, "a file is created");
	ok(walk(h, "d/f", false, O_WRONLY | O_CREAT | O_EXCL) == -EEXIST, "O_EXCL holds");
	ok(walk(h, "d/missing", false, O_RDONLY) == -ENOENT, "a missing name: ENOENT");
	snprintf(p, sizeof(p), "rm -rf '%s'", h);
	if (system(p) != 0)
		return 1;
	return done_testing();
}
