/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The record in an image's lock file (image-lock.c): who holds it. The
 * file is the user's, so its contents are untrusted text.
 */
#ifndef NFSCHECK_IMAGE_OWNER_H
#define NFSCHECK_IMAGE_OWNER_H

#include <stddef.h>

/* Who holds the lock, as the holder wrote it into the lock file. */
struct lock_owner {
	char host[65];
	char boot_id[40];
	long pid;
	long long since;           /* seconds since the epoch; -1 unknown */
};

/* Parse the record of a lock file (LEN bytes at BUF, not NUL-terminated):
 * "host=", "boot_id=", "pid=", "since=" lines; anything else is ignored,
 * the host name is kept printable. Linear in LEN. */
void lock_owner_parse(const char *buf, size_t len, struct lock_owner *o);

#endif
