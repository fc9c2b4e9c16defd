/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nfslock.h"
#include "probe.h"
#include "util.h"
#include "xalloc.h"

/* Time for the scratch file to be made before the lock is tried. */
#define CREATE_MS 2000
/* A last try at removing the file after a kill; uninterruptible. */
#define REMOVE_MS 800
#define LEFTOVERS_MS 1000
/* A lock that waited less than this (or than it was asked to) because the
 * run's deadline came first proves nothing: not run, not blocked. */
#define MIN_WAIT_MS 1000
/* The locker ends its wait this long before the run's deadline. */
#define LOCK_MARGIN_MS 50

struct lock_arg {
	const char *dir;
	int timeout_ms;
};

/* The lock itself, in a process of its own: a lock waiting on NFS may sleep
 * killably only, and SIGKILL is the one way to end the wait on time. */
static _Noreturn void locker(const char *path, int fd_out, pid_t parent)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	int fd, err;

	guard_die_with_parent(parent);
	fd = open(path, O_RDWR | O_CLOEXEC);
	err = fd < 0 ? errno : fcntl(fd, F_SETLKW, &fl) == 0 ? 0 : errno;
	if (write(fd_out, &err, sizeof(err)) != sizeof(err))
		_exit(1);
	if (!err) {
		fl.l_type = F_UNLCK;
		fcntl(fd, F_SETLK, &fl);
	}
	_exit(0);
}

/* 0 or errno from the locker, or NF_EDEADLINE when it had to be killed. */
static int lock_within(const char *path, int timeout_ms)
{
	double end = mono_ms() + timeout_ms;
	int p[2], err = NF_EDEADLINE;
	pid_t pid, self = getpid();

	if (pipe2(p, O_CLOEXEC) != 0)
		return errno;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		locker(path, p[1], self);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return errno;
	}
	for (;;) {
		struct pollfd pf = {.fd = p[0], .events = POLLIN};
		double left = end - mono_ms();
		int r;

		if (left <= 0)
			break;
		r = poll(&pf, 1, (int)left + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0 && read(p[0], &err, sizeof(err)) != sizeof(err))
			err = EIO;
		break;
	}
	close(p[0]);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return err;
}

static int lock_child(void *arg, struct guard_out *out)
{
	const struct lock_arg *a = arg;
	double t0 = mono_ms(), t1;
	char host[200] = "", *path;
	int fd, err, lock_ms;

	(void)out;
	gethostname(host, sizeof(host) - 1);
	/* The probe's prefix: its leftover sweep knows the file by its name. */
	path = xasprintf("%s/%s%s.%d", a->dir, PROBE_PREFIX, host, (int)getpid());
	guard_sendf("file %s\n", path);
	fd = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
	guard_sendf("created %d\n", fd < 0 ? errno : 0);
	if (fd < 0) {
		free(path);
		return 0;
	}
	close(fd);
	t1 = mono_ms();
	guard_sendf("begin-lock %.1f\n", t1 - t0);
	/* Making the file took some of the time: end before the run's deadline. */
	lock_ms = guard_remaining_ms() - LOCK_MARGIN_MS;
	if (lock_ms > a->timeout_ms)
		lock_ms = a->timeout_ms;
	err = lock_ms > 0 ? lock_within(path, lock_ms) : NF_EDEADLINE;
	guard_sendf("locked %d %.1f\n", err, mono_ms() - t1);
	guard_sendf("removed %d\n", unlink(path) == 0 ? 0 : errno);
	free(path);
	return 0;
}

void lock_test(const char *dir, const struct identity *as, int timeout_ms, struct lock_result *r)
{
	struct lock_arg a = {dir, timeout_ms};
	struct guard_out out;
	enum guard_status gs;
	bool created = false, asked = false, removed = false;
	double before_lock = 0, t0;
	int status, n, err;
	char *p;

	memset(r, 0, sizeof(*r));
	r->outcome = LOCK_NOT_RUN;
	if (timeout_ms <= 0 || guard_remaining_ms() <= 0)
		return;
	r->leftovers_removed = probe_clean_leftovers(dir, as, LEFTOVERS_MS);
	t0 = mono_ms();
	/* The child ends the lock's wait itself; this deadline is for a file
	 * that cannot even be made, or a locker that will not die. */
	gs = guard_run(as, CREATE_MS + timeout_ms, lock_child, &a, &status, &out);
	for (size_t at = 0; (p = guard_out_line(&out, &at));) {
		double ms;

		if (strncmp(p, "file ", 5) == 0) {
			r->file = xstrdup(p + 5);
		} else if (sscanf(p, "created %d", &err) == 1) {
			created = err == 0;
			if (err) {
				r->outcome = LOCK_NO_FILE;
				r->err = err;
			}
		} else if (sscanf(p, "begin-lock %lf", &ms) == 1) {
			asked = true;
			before_lock = ms;
		} else if (sscanf(p, "locked %d %lf", &err, &ms) == 2) {
			r->outcome = err == NF_EDEADLINE ? LOCK_BLOCKED : err ? LOCK_FAILED : LOCK_WORKS;
			r->err = err;
			r->ms = ms;
		} else if (sscanf(p, "removed %d", &n) == 1) {
			removed = n == 0;
		}
	}
	free(out.data);
	if (gs != GUARD_OK && r->outcome == LOCK_NOT_RUN) {
		if (asked) {
			r->outcome = LOCK_BLOCKED;
			r->err = NF_EDEADLINE;
			r->ms = mono_ms() - t0 - before_lock;
		} else if (r->file && !guard_interrupted()) {
			r->outcome = LOCK_NO_FILE;
			r->err = NF_EDEADLINE;
		}
	}
	if (r->outcome == LOCK_BLOCKED && r->ms < (timeout_ms < MIN_WAIT_MS ? timeout_ms : MIN_WAIT_MS) - 1) {
		r->outcome = LOCK_NOT_RUN;
		r->cut_short = true;
	}
	if (created && !removed && r->file)
		r->left_behind = !guard_remove(as, REMOVE_MS, r->file, false);
}

void lock_result_free(struct lock_result *r)
{
	free(r->file);
	memset(r, 0, sizeof(*r));
}

const char *lock_outcome_name(enum lock_outcome o)
{
	switch (o) {
	case LOCK_WORKS: return "works";
	case LOCK_FAILED: return "fails";
	case LOCK_BLOCKED: return "blocked";
	case LOCK_NO_FILE: return "no-file";
	case LOCK_NOT_RUN: return "not-run";
	}
	return "?";
}
