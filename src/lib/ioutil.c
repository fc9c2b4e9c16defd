/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <sys/types.h>
#include <unistd.h>

#include "ioutil.h"

/* OFF < 0: write(2) at the file position; otherwise pwrite(2) from OFF. */
static bool put_all(int fd, const char *p, size_t n, off_t off)
{
	while (n) {
		ssize_t w = off < 0 ? write(fd, p, n) : pwrite(fd, p, n, off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return false;
		}
		p += w;
		n -= (size_t)w;
		if (off >= 0)
			off += w;
	}
	return true;
}

bool write_full(int fd, const void *buf, size_t n)
{
	return put_all(fd, buf, n, -1);
}

bool read_full(int fd, void *buf, size_t n)
{
	char *p = buf;

	while (n) {
		ssize_t r = read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		p += r;
		n -= (size_t)r;
	}
	return true;
}

bool pwrite_full(int fd, const void *buf, size_t n)
{
	return put_all(fd, buf, n, 0);
}
