/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One host at a time: while an image is attached, a holder process keeps an
 * fcntl write lock on IMAGE.lock, which the file's server arbitrates between
 * hosts (NFSv4 LOCK with its lease, NLM with statd). Private to
 * src/fix/image-*.c and fix-image.c.
 */
#ifndef NFSCHECK_IMAGE_LOCK_H
#define NFSCHECK_IMAGE_LOCK_H

#include <stddef.h>
#include <sys/types.h>

#include "image-attach.h"
#include "image-job.h"

/* The holder we started, until it is told what to watch (or to let go). */
struct image_holder {
	pid_t pid;
	unsigned long long start;  /* its start time, /proc/PID/stat field 22 */
	int sock;                  /* -1: none */
};

/*
 * Open IMAGE.lock in the user's name (created 0600 if missing) and start
 * the holder, which takes the write lock and writes who it is into it.
 * NF_EXIT_OK with *H filled; NF_EXIT_PROBLEMS, having said "IMAGE is
 * attached on HOST since TIME", when another holder has it; otherwise
 * NF_EXIT_INCOMPLETE. On failure no holder is left running.
 */
int image_lock_take(const struct job *j, struct image_holder *h);

/* The image is attached on DEV: the holder keeps the lock as long as DEV
 * is backed by REC's file, or until it is sent SIGTERM. */
void image_lock_keep(struct image_holder *h, const char *dev, const struct image_record *rec);

/* Nothing was attached: the holder lets go and exits; waits for it. */
void image_lock_drop(struct image_holder *h);

/* --undo: stop the holder PID started at START, if it is still that
 * holder, and wait until it has let go. */
void image_lock_stop(long pid, unsigned long long start);

#endif
