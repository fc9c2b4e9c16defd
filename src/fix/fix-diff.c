/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The diff every fix mode prints before it writes: a file of its own, so
 * the modes share it without depending on one another.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "conf-edit.h"
#include "fix.h"

void fix_print_diff(const char *path, const char *old, size_t old_len, const char *new, size_t new_len)
{
	char *d = unified_diff(path, old, old_len, new, new_len);

	fputs(d, stdout);
	free(d);
}
