/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "ioutil.h"

/* How put_all writes. */
enum put_how {
	PUT_WRITE,   /* write(2) at the file position */
	PUT_PWRITE,  /* pwrite(2) from OFF */
	PUT_SEND,    /* send(2) with MSG_NOSIGNAL */
};

static bool put_all(int fd, const char *p, size_t n, enum put_how how, off_t off)
{
	while (n) {
		ssize_t w = how == PUT_WRITE    ? write(fd, p, n)
			    : how == PUT_PWRITE ? pwrite(fd, p, n, off)
						: send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return false;
		}
		p += w;
		n -= (size_t)w;
		off += w;
	}
	return true;
}

bool write_full(int fd, const void *buf, size_t n)
{
	return put_all(fd, buf, n, PUT_WRITE, 0);
}

bool send_full(int fd, const void *buf, size_t n)
{
	return put_all(fd, buf, n, PUT_SEND, 0);
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
	return put_all(fd, buf, n, PUT_PWRITE, 0);
}
