/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Paths under a user's home, walked the way root acting for that user must
 * walk them: from a descriptor of the home, one plain name at a time, never
 * through a symbolic link, never out of the home. A name the user can
 * re-point (a link to /root, to another user's store) then fails instead
 * of leading root elsewhere; and what is opened is the object acted on, so
 * no name is looked up twice.
 */
#ifndef NFSCHECK_USERPATH_H
#define NFSCHECK_USERPATH_H

#include <stdbool.h>
#include <sys/types.h>

/* The part of the absolute path ABS below HOME ("a/b"), or NULL when ABS
 * is not strictly inside HOME. Both are cleaned first; the caller frees. */
char *userpath_beneath(const char *home, const char *abs);

/*
 * Open REL (from userpath_beneath) under HOME, as whoever calls it (a child
 * in the user's name). Each directory on the way is opened O_NOFOLLOW;
 * with MKDIRS, missing ones are made with mode 0700. The last name is
 * opened with FLAGS | O_NOFOLLOW (and MODE, for O_CREAT). Returns the
 * descriptor, or -errno: ELOOP for a symbolic link on the way or at the end.
 */
int userpath_open(const char *home, const char *rel, bool mkdirs, int flags, mode_t mode);

#endif
