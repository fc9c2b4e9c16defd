/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One host at a time. XFS has no defence against being mounted read-write
 * on two hosts, and an image in an NFS home is reachable from every host.
 * The NFS server already arbitrates one thing between hosts: fcntl locks
 * (NFSv4 LOCK, bound to the client's lease; NLM, with statd to clear a
 * rebooted host's locks). So an attached image has a holder: a small root
 * process, detached from everything, that keeps a write lock on IMAGE.lock
 * for exactly as long as a loop device is backed by the image, and has
 * written who it is into that file for the host that is refused.
 *
 * The lock file is opened in the user's name (on a root-squashed home root
 * cannot), its descriptor handed to root; the holder is the only process
 * with it. The holder leaves the caller's mount namespace before anything
 * is mounted, so it never pins the mount it guards: when the mount goes
 * (--undo, the namespace ends, the host shuts down) the loop device
 * detaches itself and the holder, polling it every second, lets go.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exitcode.h"
#include "fsx.h"
#include "guard.h"
#include "image-lock.h"
#include "image-owner.h"
#include "ioutil.h"
#include "msg.h"
#include "userpath.h"
#include "util.h"
#include "xalloc.h"

#define HOLDER_NAME "nfscheck-hold"
/* Taking the lock asks the server; a dead one does not answer. */
#define LOCK_MS 30000
/* The holder on this very host may be about to let go (its mount has just
 * gone, it looks once a second): wait that long for it. */
#define SAME_HOST_WAIT_MS 4000
#define POLL_MS 1000
#define RECORD_MAX 1024

/* What the holder answers once it has tried the lock. */
struct hold_reply {
	char kind;       /* 'L' locked, 'B' busy (record follows), 'E' error */
	int err;
	pid_t pid;
	unsigned long long start;
	size_t len;
	char record[RECORD_MAX];
};

/* What the attaching nfscheck tells the holder afterwards. */
struct hold_watch {
	char dev[32];
	struct image_record rec;
};

static volatile sig_atomic_t stop_asked;

static void on_stop(int sig)
{
	(void)sig;
	stop_asked = 1;
}

/* Field 22 of /proc/PID/stat: when PID started, to tell it from a reused PID. */
static unsigned long long proc_start(long pid, char *comm, size_t commlen)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	/* The name, field 2, ends at the last ')'; each space then starts the next field. */
	int fd, field = 2;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (comm && (p = strchr(buf, '(')) && strrchr(buf, ')') > p)
		snprintf(comm, commlen, "%.*s", (int)(strrchr(buf, ')') - p - 1), p + 1);
	if (!(p = strrchr(buf, ')')))
		return 0;
	for (p++; *p && field < 22; p++)
		if (*p == ' ' && p[1] != ' ')
			field++;
	if (field == 22)
		start = strtoull(p, NULL, 10);
	return start;
}

static void read_line_file(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r = fd >= 0 ? read(fd, buf, n - 1) : -1;

	buf[r > 0 ? r : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (fd >= 0)
		close(fd);
}

static void own_identity(struct lock_owner *o)
{
	memset(o, 0, sizeof(*o));
	if (gethostname(o->host, sizeof(o->host) - 1) != 0)
		snprintf(o->host, sizeof(o->host), "unknown");
	read_line_file("/proc/sys/kernel/random/boot_id", o->boot_id, sizeof(o->boot_id));
	o->pid = (long)getpid();
	o->since = (long long)time(NULL);
}

/* ---- the holder ---- */

/* Nothing of the nfscheck that started it: no terminal, no session, no
 * descriptor but the lock file and the line to its starter, no mount
 * namespace shared with the mount it guards. */
static void holder_detach(int *lockfd, int *sock)
{
	struct sigaction sa = {.sa_handler = on_stop};
	sigset_t none;
	int null;

	prctl(PR_SET_NAME, HOLDER_NAME);
	prctl(PR_SET_PDEATHSIG, 0);
	setsid();
	if (unshare(CLONE_NEWNS) == 0)
		mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	if (chdir("/") != 0)
		_exit(1);
	/* Above 4 first, so that neither lands on the other's new number. */
	if ((*lockfd = fcntl(*lockfd, F_DUPFD, 10)) < 0 || (*sock = fcntl(*sock, F_DUPFD, 10)) < 0 ||
	    dup2(*lockfd, 3) < 0 || dup2(*sock, 4) < 0)
		_exit(1);
	*lockfd = 3;
	*sock = 4;
	close_range(5, ~0U, 0);
	null = open("/dev/null", O_RDWR);
	for (int i = 0; i < 3 && null >= 0; i++)
		if (null != i)
			dup2(null, i);
	if (null > 2)
		close(null);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static bool same_host(const struct lock_owner *a, const struct lock_owner *b)
{
	return *a->boot_id && strcmp(a->host, b->host) == 0 && strcmp(a->boot_id, b->boot_id) == 0;
}

static void nap(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Take the lock (waiting a little for a holder of this host that is about
 * to let go), and say how it went. True when it is ours. */
static bool holder_lock(int lockfd, struct hold_reply *r, const struct lock_owner *me)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	long long waited = 0;
	struct lock_owner other;
	ssize_t n;

	for (;;) {
		if (fcntl(lockfd, F_SETLK, &fl) == 0)
			return (r->kind = 'L');
		r->err = errno;
		if (r->err != EAGAIN && r->err != EACCES) {
			r->kind = 'E';
			return false;
		}
		n = pread(lockfd, r->record, sizeof(r->record), 0);
		r->len = n > 0 ? (size_t)n : 0;
		lock_owner_parse(r->record, r->len, &other);
		if (!same_host(&other, me) || waited >= SAME_HOST_WAIT_MS || stop_asked) {
			r->kind = 'B';
			return false;
		}
		nap(250);
		waited += 250;
	}
}

static void holder_write_record(int lockfd, const struct lock_owner *me)
{
	char buf[256];
	int n = snprintf(buf, sizeof(buf), "# nfscheck fix --image: this host has the image attached\n"
			 "host=%s\nboot_id=%s\npid=%ld\nsince=%lld\n", me->host, me->boot_id, me->pid, me->since);

	/* Best effort: the lock is what keeps others out; this only names us. */
	if (ftruncate(lockfd, 0) == 0 && pwrite(lockfd, buf, (size_t)n, 0) == n)
		fsync(lockfd);
}

/* Until the loop device no longer carries the image, or we are told to stop. */
static void holder_watch(const struct hold_watch *w)
{
	while (!stop_asked && image_loop_backs(w->dev, &w->rec))
		nap(POLL_MS);
}

static void holder_main(int lockfd, int sock)
{
	struct hold_reply r = {0};
	struct hold_watch w;
	struct lock_owner me;
	struct flock un = {.l_type = F_UNLCK, .l_whence = SEEK_SET};
	bool locked;
	size_t got = 0;

	holder_detach(&lockfd, &sock);
	own_identity(&me);
	r.pid = getpid();
	r.start = proc_start(r.pid, NULL, 0);
	locked = holder_lock(lockfd, &r, &me);
	if (locked)
		holder_write_record(lockfd, &me);
	if (!send_full(sock, &r, sizeof(r)) || !locked)
		_exit(0);
	/* The starter mounts meanwhile; a short read (it failed, or died) means let go. */
	while (got < sizeof(w)) {
		ssize_t n = read(sock, (char *)&w + got, sizeof(w) - got);

		if (n < 0 && errno == EINTR && !stop_asked)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(sock);
	if (got == sizeof(w)) {
		w.dev[sizeof(w.dev) - 1] = '\0';
		holder_watch(&w);
	}
	/* Let go explicitly: an exit on a fatal signal may not wait for the server. */
	fcntl(lockfd, F_SETLK, &un);
	close(lockfd);
	_exit(0);
}

/* ---- the side that attaches ---- */

static int lockfile_child(void *arg, struct guard_out *out)
{
	const struct upath *u = arg;
	int fd = userpath_open(u->home, u->rel, false, O_RDWR | O_CREAT | O_NONBLOCK | O_CLOEXEC, 0600);

	(void)out;
	if (fd < 0)
		return -fd;
	return guard_send_fds(&fd, 1) ? 0 : EIO;
}

/* IMAGE.lock, opened read-write in the user's name; -1 after saying why. */
static int open_lockfile(const struct job *j, const char *path)
{
	struct upath u = {j->t.id.home, userpath_beneath(j->t.id.home, path)};
	struct guard_out out = {0};
	struct stat st;
	int status = 0, fd = -1;
	enum guard_status g = u.rel ? guard_run(j->t.as, FSX_CALL_MS, lockfile_child, &u, &status, &out) : GUARD_FAILED;

	free(out.data);
	if (g == GUARD_OK && status == 0 && out.nfds == 1)
		fd = out.fds[0];
	else
		guard_out_close_fds(&out);
	if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != j->t.id.uid)) {
		close(fd);
		fd = -1;
		status = EPERM;
	}
	if (fd < 0)
		nf_error("fix: %s cannot open the lock file %s: %s", j->t.id.name, path,
			 status == EPERM ? "it is not a regular file of the user"
			 : image_walk_error(status > 0 ? status : g == GUARD_DEADLINE ? NF_EDEADLINE : EIO));
	free((char *)u.rel);
	return fd;
}

/* Start the holder with LOCKFD; *SOCK our end of the line to it. */
static pid_t spawn_holder(int lockfd, int *sock)
{
	int sv[2], status;
	pid_t c, g = -1;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return -1;
	fflush(NULL);
	c = fork();
	if (c == 0) {
		/* Twice, so that the holder is nobody's child and is reaped by init. */
		close(sv[0]);
		if ((g = fork()) == 0)
			holder_main(lockfd, sv[1]);
		_exit(g < 0);
	}
	close(sv[1]);
	if (c < 0 || waitpid(c, &status, 0) != c || !WIFEXITED(status) || WEXITSTATUS(status)) {
		close(sv[0]);
		return -1;
	}
	*sock = sv[0];
	return 0;
}

/* The holder's reply, under a deadline: the lock asks the server. */
static bool read_reply(int sock, struct hold_reply *r)
{
	size_t got = 0;
	double end = mono_ms() + LOCK_MS;

	while (got < sizeof(*r)) {
		struct pollfd p = {sock, POLLIN, 0};
		double left = end - mono_ms();
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left + 1) <= 0)
			return false;
		n = read(sock, (char *)r + got, sizeof(*r) - got);
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	return true;
}

static void say_busy(const struct job *j, const char *path, const struct hold_reply *r)
{
	struct lock_owner o;
	char when[64] = "an unknown time";
	time_t t;
	struct tm tm;

	lock_owner_parse(r->record, r->len < sizeof(r->record) ? r->len : sizeof(r->record), &o);
	t = (time_t)o.since;
	if (o.since >= 0 && localtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", &tm);
	nf_error("fix: %s is attached on %s since %s (its lock %s is held by process %ld there, boot %s); "
		 "refusing to attach it here as well: XFS mounted on two hosts at once is corrupted. "
		 "Run `nfscheck fix --undo` there first; if that host is dead, its NFS server releases the lock "
		 "when its lease expires (NFSv4) or when it boots again (NFSv3)", j->image, *o.host ? o.host : "an unknown host", when, path, o.pid,
		 *o.boot_id ? o.boot_id : "unknown");
}

/* A holder that did not answer in time is stopped for good. */
static void kill_holder(pid_t pid, unsigned long long start)
{
	if (pid > 0 && proc_start(pid, NULL, 0) == start)
		kill(pid, SIGKILL);
}

int image_lock_take(const struct job *j, struct image_holder *h)
{
	char *path = xasprintf("%s.lock", j->image);
	struct hold_reply *r = xcalloc(1, sizeof(*r));
	int fd = open_lockfile(j, path), st = NF_EXIT_INCOMPLETE;

	h->pid = -1;
	h->sock = -1;
	if (fd < 0)
		goto out;
	if (spawn_holder(fd, &h->sock) != 0) {
		nf_error("fix: cannot start the process that holds %s: %s", path, strerror(errno));
		goto out;
	}
	if (!read_reply(h->sock, r) || r->kind == 'E') {
		nf_error("fix: cannot lock %s: %s", path, r->kind == 'E' ? strerror(r->err)
			 : "no answer in time (is the image's server answering?)");
		kill_holder(r->pid, r->start);
	} else if (r->kind == 'B') {
		say_busy(j, path, r);
		st = NF_EXIT_PROBLEMS;
	} else {
		h->pid = r->pid;
		h->start = r->start;
		printf("locked %s: this host holds it while the image is attached (process %ld)\n", path, (long)h->pid);
		st = NF_EXIT_OK;
	}
out:
	if (st != NF_EXIT_OK && h->sock >= 0) {
		close(h->sock);
		h->sock = -1;
	}
	if (fd >= 0)
		close(fd);
	free(r);
	free(path);
	return st;
}

void image_lock_keep(struct image_holder *h, const char *dev, const struct image_record *rec)
{
	struct hold_watch w = {.rec = *rec};

	snprintf(w.dev, sizeof(w.dev), "%s", dev);
	if (h->sock >= 0 && !send_full(h->sock, &w, sizeof(w)))
		nf_warning("fix: the lock holder (process %ld) did not take the device to watch; it let go of the lock",
			   (long)h->pid);
	if (h->sock >= 0)
		close(h->sock);
	h->sock = -1;
}

/* Wait until PID (started at START) is gone; false after MS. */
static bool wait_gone(long pid, unsigned long long start, int ms)
{
	for (int waited = 0; waited < ms; waited += 50) {
		if (proc_start(pid, NULL, 0) != start)
			return true;
		nap(50);
	}
	return proc_start(pid, NULL, 0) != start;
}

void image_lock_drop(struct image_holder *h)
{
	if (h->sock < 0)
		return;
	close(h->sock);
	h->sock = -1;
	/* It unlocks as soon as it reads the end of the line. */
	if (h->pid > 0 && !wait_gone(h->pid, h->start, 5000))
		kill_holder(h->pid, h->start);
}

void image_lock_stop(long pid, unsigned long long start)
{
	char comm[32] = "";

	if (pid <= 0 || proc_start(pid, comm, sizeof(comm)) != start || strcmp(comm, HOLDER_NAME) != 0)
		return;
	kill((pid_t)pid, SIGTERM);
	if (wait_gone(pid, start, 10000)) {
		printf("stopped the lock holder (process %ld): the image may be attached elsewhere now\n", pid);
		return;
	}
	nf_warning("fix: the lock holder (process %ld) did not let go within 10 s (is the image's server "
		   "answering?); killed it", pid);
	kill((pid_t)pid, SIGKILL);
}
