/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomic-write.h"
#include "fsx.h"
#include "ioutil.h"
#include "xalloc.h"

/* Longest file this writer reads back to compare (storage.conf is a few KB). */
#define AW_MAX 1048576

static int report(struct guard_out *out, int err, const char *stage, const char *fmt, ...) NF_PRINTF(4, 5);

/* Child: the result is "ok BACKUP" or "err ERRNO STAGE MESSAGE". */
static int report(struct guard_out *out, int err, const char *stage, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "err %d %s ", err, stage);
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	guard_out_add(out, buf, strlen(buf) + 1);
	return 1;
}

/* Each directory below TRUSTED on the way to PATH, and PATH itself, must not be a symlink. */
static int check_links(const struct aw_request *rq, struct guard_out *out)
{
	char *p = xstrdup(rq->path), link[PATH_MAX];
	size_t from = rq->trusted && strncmp(rq->path, rq->trusted, strlen(rq->trusted)) == 0
			      ? strlen(rq->trusted) : strlen(p);
	int rc = 0;

	for (size_t i = from; rc == 0 && p[i]; i++) {
		struct stat st;
		char save;

		if (p[i] != '/' || i == 0)
			continue;
		save = p[i];
		p[i] = '\0';
		if (lstat(p, &st) == 0 && S_ISLNK(st.st_mode)) {
			ssize_t n = readlink(p, link, sizeof(link) - 1);

			link[n > 0 ? n : 0] = '\0';
			rc = report(out, ELOOP, "symlink", "%s is a symbolic link to %s: writing through it could "
				    "land anywhere; refused", p, link);
		}
		p[i] = save;
	}
	if (rc == 0) {
		struct stat st;

		if (lstat(p, &st) == 0 && S_ISLNK(st.st_mode)) {
			ssize_t n = readlink(p, link, sizeof(link) - 1);

			link[n > 0 ? n : 0] = '\0';
			rc = report(out, ELOOP, "symlink", "%s is a symbolic link to %s: edit that file itself, or "
				    "remove the link; refused", p, link);
		}
	}
	free(p);
	return rc;
}

/* Missing directories get exactly MODE, whatever the umask. */
static int make_dirs(const char *dir, mode_t mode)
{
	char *p = xstrdup(dir);
	mode_t mask = umask(0);
	int err = 0;

	for (char *s = p + 1; !err; s++)
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, mode) != 0 && errno != EEXIST)
				err = errno;
			*s = c;
			if (!c)
				break;
		}
	umask(mask);
	free(p);
	return err;
}

static int read_back(const char *path, const char *want, size_t len)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char *buf;
	size_t got = 0;
	ssize_t n;
	int err = 0;

	if (fd < 0)
		return errno;
	buf = xmalloc(len + 1);
	while ((n = read(fd, buf + got, len + 1 - got)) > 0 && got + (size_t)n <= len + 1)
		got += (size_t)n;
	if (n < 0)
		err = errno;
	else if (got != len || memcmp(buf, want, len) != 0)
		err = EIO;
	free(buf);
	close(fd);
	return err;
}

/* Read the current file and compare with what the edit was made from. */
static int check_unchanged(int dfd, const char *base, const struct aw_request *rq, struct stat *st,
			   struct guard_out *out)
{
	int fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char *buf;
	ssize_t n;
	size_t got = 0;

	if (fd < 0)
		return report(out, errno, "read", "cannot read %s: %s", rq->path, strerror(errno));
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		return report(out, EINVAL, "read", "%s is not a regular file", rq->path);
	}
	buf = xmalloc(AW_MAX + 1);
	while ((n = read(fd, buf + got, AW_MAX + 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	if (n < 0 || got != rq->expect_len || memcmp(buf, rq->expect, got) != 0) {
		free(buf);
		return report(out, EAGAIN, "changed", "%s changed while nfscheck was working; nothing was written, "
			      "run it again", rq->path);
	}
	free(buf);
	return 0;
}

/* A hard link keeps the old inode, its mode and owner; a copy when links fail. */
static int backup(int dfd, const char *base, const char *data, size_t len, const struct stat *st, char **name)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int fd;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	for (int i = 0; i < 100; i++) {
		*name = i ? xasprintf("%s.nfscheck-%s-%d.bak", base, stamp, i) : xasprintf("%s.nfscheck-%s.bak", base, stamp);
		if (linkat(dfd, base, dfd, *name, 0) == 0)
			return 0;
		if (errno != EEXIST) {
			fd = openat(dfd, *name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st->st_mode & 07777);
			if (fd >= 0) {
				bool ok = pwrite_full(fd, data, len) && fsync(fd) == 0;

				if (close(fd) == 0 && ok)
					return 0;
				unlinkat(dfd, *name, 0);
			}
			free(*name);
			*name = NULL;
			return errno ? errno : EIO;
		}
		free(*name);
		*name = NULL;
	}
	return EEXIST;
}

/* Rename without replacing: NFS refuses RENAME_NOREPLACE with EINVAL, but a
 * hard link is just as atomic and just as refusing. */
static int put_new(int dfd, const char *tmp, const char *base)
{
	if (renameat2(dfd, tmp, dfd, base, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (linkat(dfd, tmp, dfd, base, 0) != 0)
		return -1;
	unlinkat(dfd, tmp, 0);
	return 0;
}

/* Before anything is written: the directory exists and is opened (*DFD),
 * and the file is still what the caller read (then kept as a backup, *BAK)
 * or still missing. 0, or 1 when OUT already says why not. */
static int prepare(const struct aw_request *rq, const char *dir, const char *base, int *dfd, struct stat *st,
		   char **bak, struct guard_out *out)
{
	int err;

	if (check_links(rq, out))
		return 1;
	if (rq->dir_mode && (err = make_dirs(dir, rq->dir_mode)) != 0) {
		report(out, err, "mkdir", "cannot create %s: %s", dir, strerror(err));
		return 1;
	}
	*dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*dfd < 0) {
		report(out, errno, "open", "cannot open %s: %s", dir, strerror(errno));
		return 1;
	}
	if (rq->expect) {
		if (check_unchanged(*dfd, base, rq, st, out))
			return 1;
		err = backup(*dfd, base, rq->expect, rq->expect_len, st, bak);
		if (err) {
			report(out, err, "backup", "cannot keep a backup of %s: %s; nothing was written", rq->path,
			       strerror(err));
			return 1;
		}
	} else if (!rq->replace && faccessat(*dfd, base, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		report(out, EEXIST, "create", "%s appeared while nfscheck was working; nothing was written", rq->path);
		return 1;
	}
	return 0;
}

/* The new text in a temporary file beside the old one (*TMP), with the old
 * file's mode (and owner), synced, closed and read back. 0, or 1 when OUT
 * says why not; the caller removes *TMP. */
static int write_temp(const struct aw_request *rq, const char *dir, const char *base, const struct stat *st,
		      char **tmp, struct guard_out *out)
{
	int fd, err;

	*tmp = xasprintf("%s/.%s.nfscheck-XXXXXX", dir, base);
	fd = mkostemp(*tmp, O_CLOEXEC);
	if (fd < 0) {
		report(out, errno, "create", "cannot create a temporary file in %s: %s", dir, strerror(errno));
		free(*tmp);
		*tmp = NULL;
		return 1;
	}
	if (fchmod(fd, rq->expect ? st->st_mode & 07777 : rq->new_mode) != 0 ||
	    (rq->expect && rq->keep_owner && (st->st_uid != geteuid() || st->st_gid != getegid()) &&
	     fchown(fd, st->st_uid, st->st_gid) != 0)) {
		report(out, errno, "chmod", "cannot give the new file the old one's mode and owner: %s", strerror(errno));
		goto fail;
	}
	if (!pwrite_full(fd, rq->data, rq->len)) {
		report(out, errno, "write", "writing %s failed: %s; the old file is untouched", *tmp, strerror(errno));
		goto fail;
	}
	if (fsync(fd) != 0) {
		report(out, errno, "fsync", "fsync of %s failed: %s; the old file is untouched", *tmp, strerror(errno));
		goto fail;
	}
	/* NFS reports write-back errors at close(); the data may not be there. */
	err = close(fd) == 0 ? 0 : errno;
	if (err) {
		report(out, err, "close", "closing %s failed: %s; the old file is untouched", *tmp, strerror(err));
		return 1;
	}
	/* Read it back before it replaces anything: what reached the file is what counts. */
	if ((err = read_back(*tmp, rq->data, rq->len)) != 0) {
		report(out, err, "verify", "%s does not read back as written (%s); the old file is untouched", *tmp,
		       strerror(err));
		return 1;
	}
	return 0;
fail:
	close(fd);
	return 1;
}

static int writer(void *arg, struct guard_out *out)
{
	const struct aw_request *rq = arg;
	const char *slash = strrchr(rq->path, '/');
	char *dir = slash == rq->path ? xstrdup("/") : xstrndup(rq->path, (size_t)(slash - rq->path));
	const char *base = slash + 1;
	char *tmp = NULL, *bak = NULL;
	struct stat st = {0};
	int dfd = -1, rc = 1;

	umask(077);
	if (prepare(rq, dir, base, &dfd, &st, &bak, out) || write_temp(rq, dir, base, &st, &tmp, out))
		goto out;
	if ((rq->expect || rq->replace ? renameat(dfd, strrchr(tmp, '/') + 1, dfd, base)
			: put_new(dfd, strrchr(tmp, '/') + 1, base)) != 0) {
		report(out, errno, "rename", "cannot put the new %s in place: %s; the old file is untouched", rq->path,
		       strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	if (fsync(dfd) != 0) {
		report(out, errno, "dir-fsync", "%s is written, but fsync of %s failed: %s", rq->path, dir, strerror(errno));
		goto out;
	}
	{
		char *ok = xasprintf("ok %s", bak ? bak : "");

		guard_out_add(out, ok, strlen(ok) + 1);
		free(ok);
	}
	rc = 0;
out:
	if (tmp)
		unlink(tmp);
	if (dfd >= 0)
		close(dfd);
	free(tmp);
	free(bak);
	free(dir);
	return rc;
}

int atomic_write(const struct identity *as, const struct aw_request *rq, struct aw_result *res)
{
	struct guard_out out;
	enum guard_status gs;
	int status;

	memset(res, 0, sizeof(*res));
	gs = guard_run(as, FSX_WRITE_MS, writer, (void *)rq, &status, &out);
	guard_out_add(&out, "", 1);
	if (gs == GUARD_OK && strncmp(out.data, "ok ", 3) == 0) {
		const char *dirpart = strrchr(rq->path, '/');

		if (out.data[3])
			res->backup = xasprintf("%.*s/%s", (int)(dirpart - rq->path), rq->path, out.data + 3);
	} else if (gs == GUARD_OK && strncmp(out.data, "err ", 4) == 0) {
		char stage[32] = "";
		int used = 0;

		sscanf(out.data + 4, "%d %31s %n", &res->err, stage, &used);
		res->stage = xstrdup(stage);
		res->message = xstrdup(out.data + 4 + used);
		if (!res->err)
			res->err = EIO;
	} else {
		res->err = gs == GUARD_DEADLINE ? NF_EDEADLINE : ECHILD;
		res->stage = xstrdup("run");
		res->message = xasprintf("writing %s %s", rq->path,
					 gs == GUARD_DEADLINE ? "did not finish before the deadline; the file is either "
								"the old one or the complete new one"
							      : "failed: could not run as the file's owner");
	}
	free(out.data);
	return res->err;
}

void aw_result_free(struct aw_result *res)
{
	free(res->stage);
	free(res->message);
	free(res->backup);
	memset(res, 0, sizeof(*res));
}
