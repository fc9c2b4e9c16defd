/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Whether this process is a child of the one that kept some state (an open
 * mount table, root's groups), asked at every call without a system call:
 * a page the kernel empties in each child (MADV_WIPEONFORK, Linux 4.14)
 * holds a mark the keeper set. Where the kernel cannot, getpid() tells.
 */
#ifndef NFSCHECK_FORKMARK_H
#define NFSCHECK_FORKMARK_H

#include <stdbool.h>
#include <sys/types.h>

enum { FM_TABLE, FM_ROOT_IDS };

/* Set mark I: it reads set in this process until it forks, clear in the child. */
void fm_set(int i);
/* Whether this process is a child of the one that set mark I (or, where the
 * kernel cannot wipe a page, whether PID is not ours). */
bool fm_forked_since(int i, pid_t pid);

#endif
