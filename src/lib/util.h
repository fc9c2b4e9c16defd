/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Small helpers every layer uses: array sizes, the monotonic clock, path
 * prefixes, errno names, removing a tree. Nothing here knows about users,
 * mounts or Podman, so any file may include it (util-linux's include/c.h
 * plays the same part).
 */
#ifndef NFSCHECK_UTIL_H
#define NFSCHECK_UTIL_H

#include <stdbool.h>

/* An errno-like code for "the deadline passed"; never a real errno. */
#define NF_EDEADLINE 10000

/* Fails to compile when A is a pointer, where sizeof would silently count
 * the pointer instead of the elements. */
#define NF_MUST_BE_ARRAY(a) \
	(__extension__(sizeof(struct { int : -!!__builtin_types_compatible_p(__typeof__(a), __typeof__(&(a)[0])); })))
/* The number of elements of the array A (not a pointer). */
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]) + NF_MUST_BE_ARRAY(a))

/* Milliseconds on the monotonic clock: deadlines and durations must not
 * jump when someone sets the wall clock. */
double mono_ms(void);

/* Whether PATH is DIR or lies below it, comparing whole components: /homer
 * is not under /home. A DIR ending in '/' (such as "/") holds every path
 * that starts with it. Plain string compares; nothing is looked up. */
bool path_under(const char *path, const char *dir);

/* The errno's symbolic name ("EPERM"), "OK" for 0, "ETIMEDOUT" for
 * NF_EDEADLINE, "E?" for a number without a name. */
const char *errno_name(int err);

/*
 * Remove NAME under the directory AT (AT_FDCWD: the working directory), and
 * everything below it when it is a directory, without following symbolic
 * links; our own directories are made writable first. 0 when NAME is gone
 * (it may have been missing), else the first errno. DEPTH is 0 at the top;
 * more than 16 levels down is refused with ELOOP.
 */
int rm_rf_at(int at, const char *name, int depth);

/* Of the N NAMES, the one TYPED most likely meant (at most two edits away,
 * or TYPED is a prefix of three letters or more); NULL when none is. */
const char *closest_name(const char *typed, const char *const *names, size_t n);

/* "MAJOR.MINOR" at the start of S (what follows is not looked at), both
 * below 100, as MAJOR * 100 + MINOR in *V; false when S does not start so. */
bool major_minor(const char *s, unsigned *v);

#endif
