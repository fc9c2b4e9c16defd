/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "loopdev.h"
#include "xalloc.h"

/* Another process may take the free device first; try again this often. */
#define LOOP_TRIES 16

#ifndef LOOP_CONFIGURE
#define LOOP_CONFIGURE 0x4C0A
struct loop_config {
	__u32 fd;
	__u32 block_size;
	struct loop_info64 info;
	__u64 __reserved[8];
};
#endif

static int configure(int loopfd, int backing_fd, const char *name)
{
	struct loop_config cfg;
	struct loop_info64 info;

	memset(&cfg, 0, sizeof(cfg));
	cfg.fd = (__u32)backing_fd;
	cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
	snprintf((char *)cfg.info.lo_file_name, sizeof(cfg.info.lo_file_name), "%s", name);
	if (ioctl(loopfd, LOOP_CONFIGURE, &cfg) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOTTY)
		return errno;
	/* Kernels before 5.8: the two-step way. */
	if (ioctl(loopfd, LOOP_SET_FD, backing_fd) != 0)
		return errno;
	memset(&info, 0, sizeof(info));
	info.lo_flags = LO_FLAGS_AUTOCLEAR;
	snprintf((char *)info.lo_file_name, sizeof(info.lo_file_name), "%s", name);
	if (ioctl(loopfd, LOOP_SET_STATUS64, &info) != 0) {
		int err = errno;

		ioctl(loopfd, LOOP_CLR_FD, 0);
		return err;
	}
	return 0;
}

int loop_attach(int backing_fd, const char *name, char **dev, int *fd)
{
	int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC), err = EBUSY;

	*dev = NULL;
	*fd = -1;
	if (ctl < 0)
		return errno;
	for (int i = 0; i < LOOP_TRIES && err == EBUSY; i++) {
		int n = ioctl(ctl, LOOP_CTL_GET_FREE);
		char *path;
		int lfd;

		if (n < 0) {
			err = errno;
			break;
		}
		path = xasprintf("/dev/loop%d", n);
		lfd = open(path, O_RDWR | O_CLOEXEC);
		if (lfd < 0) {
			err = errno;
			free(path);
			break;
		}
		err = configure(lfd, backing_fd, name);
		if (err == 0) {
			*dev = path;
			*fd = lfd;
			break;
		}
		close(lfd);
		free(path);
	}
	close(ctl);
	return err;
}

static char *sysfs_read(const char *dev, const char *what)
{
	const char *base = strrchr(dev, '/');
	char *p = xasprintf("/sys/block/%s/%s", base ? base + 1 : dev, what), buf[4096];
	FILE *f = fopen(p, "re");
	char *res = NULL;

	free(p);
	if (f && fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = '\0';
		res = xstrdup(buf);
	}
	if (f)
		fclose(f);
	return res;
}

char *loop_backing_file(const char *dev)
{
	return sysfs_read(dev, "loop/backing_file");
}

bool loop_is_readonly(const char *dev)
{
	char *ro = sysfs_read(dev, "ro");
	bool yes = ro && strcmp(ro, "1") == 0;

	free(ro);
	return yes;
}
