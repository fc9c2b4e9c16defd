/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The lock file's record, read back by a host that is refused: one pass
 * over at most the bytes given, fixed-size fields, the host name made
 * printable (it goes into a message on root's terminal).
 */
#include "config.h"

#include <string.h>

#include "image-owner.h"
#include "util.h"

static void copy_printable(char *dst, size_t cap, const char *s, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k + 1 < cap; i++)
		dst[k++] = s[i] > ' ' && s[i] < 0x7f ? s[i] : '?';
	dst[k] = '\0';
}

static long long number(const char *s, size_t n)
{
	long long v = 0;

	if (n == 0 || n > 18)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static void owner_field(const char *s, size_t n, struct lock_owner *o)
{
	static const char *const keys[] = {"host=", "boot_id=", "pid=", "since="};
	size_t k;

	for (k = 0; k < ARRAY_SIZE(keys); k++)
		if (n >= strlen(keys[k]) && memcmp(s, keys[k], strlen(keys[k])) == 0)
			break;
	if (k == ARRAY_SIZE(keys))
		return;
	s += strlen(keys[k]);
	n -= strlen(keys[k]);
	if (k == 0)
		copy_printable(o->host, sizeof(o->host), s, n);
	else if (k == 1)
		copy_printable(o->boot_id, sizeof(o->boot_id), s, n);
	else if (k == 2)
		o->pid = (long)number(s, n);
	else
		o->since = number(s, n);
}

void lock_owner_parse(const char *buf, size_t len, struct lock_owner *o)
{
	size_t i = 0;

	memset(o, 0, sizeof(*o));
	o->pid = -1;
	o->since = -1;
	while (i < len) {
		size_t e = i;

		while (e < len && buf[e] != '\n')
			e++;
		owner_field(buf + i, e - i, o);
		i = e + 1;
	}
}

