/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
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

/* Levenshtein distance with one row, over at most NAME_MAX_CMP bytes of
 * each: names and options are short, and a typed word must not cost more. */
#define NAME_MAX_CMP 64

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strnlen(a, NAME_MAX_CMP), lb = strnlen(b, NAME_MAX_CMP), row[NAME_MAX_CMP + 1];

	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

const char *closest_name(const char *typed, const char *const *names, size_t n)
{
	const char *best = NULL;
	size_t best_d = 3; /* more than two edits away is no longer a typo */

	for (size_t i = 0; i < n; i++) {
		size_t d = edit_distance(typed, names[i]);

		/* A prefix of at least three letters counts as close ("diag"). */
		if (strlen(typed) >= 3 && strncmp(names[i], typed, strlen(typed)) == 0)
			d = 1;
		if (d < best_d) {
			best_d = d;
			best = names[i];
		}
	}
	return best;
}

bool major_minor(const char *s, unsigned *v)
{
	unsigned long major, minor;
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	major = strtoul(s, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9')
		return false;
	minor = strtoul(end + 1, &end, 10);
	if (major > 99 || minor > 99)
		return false;
	*v = (unsigned)(major * 100 + minor);
	return true;
}
