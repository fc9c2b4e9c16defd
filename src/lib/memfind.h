/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Finding a byte string in a large buffer, many times. glibc's memmem
 * prepares a shift table at every call; a caller that stops at each of
 * thousands of hits (the function names of a Go program, the stanzas of
 * dpkg's status file) pays that each time, and it was most of what reading
 * a Podman binary cost. mem_find prepares nothing.
 */
#ifndef NFSCHECK_MEMFIND_H
#define NFSCHECK_MEMFIND_H

#include <stddef.h>

/* The first occurrence of NEEDLE[0, M) in HAY[0, N), or NULL; HAY itself
 * when M is 0. Linear in N (times M at the places whose first and last
 * bytes match NEEDLE's). */
const char *mem_find(const void *hay, size_t n, const void *needle, size_t m);

#endif
