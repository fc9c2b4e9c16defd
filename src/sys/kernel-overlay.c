/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stdio.h>
#include <sys/utsname.h>

#include "kernel-overlay.h"

bool kernel_rootless_overlay(char *release, size_t n)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (release && n)
		release[0] = '\0';
	if (uname(&u) != 0)
		return false;
	if (release && n)
		snprintf(release, n, "%s", u.release);
	sscanf(u.release, "%d.%d", &major, &minor);
	/* Unprivileged overlay mounts in a user namespace arrived in 5.13. */
	return major > 5 || (major == 5 && minor >= 13);
}
