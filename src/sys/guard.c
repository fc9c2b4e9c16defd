/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guard.h"
#include "idsnap.h"
#include "ioutil.h"
#include "util.h"
#include "xalloc.h"

/* The exit code a child uses for its own failures, outside FN's range. */
#define CHILD_SETUP_FAILED 254

static struct timespec run_deadline;
static bool have_run_deadline;
static volatile sig_atomic_t interrupted;
static bool interruptible = true;

static void on_signal(int sig)
{
	interrupted = sig;
}

void guard_catch_signals(void)
{
	struct sigaction sa = {0};

	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: poll() must return so the child can be stopped. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int guard_interrupted(void)
{
	return interrupted;
}

void guard_set_interruptible(bool yes)
{
	interruptible = yes;
}

void guard_set_run_deadline(int ms)
{
	long long at;

	have_run_deadline = ms > 0;
	if (!have_run_deadline)
		return;
	at = (long long)mono_ms() + ms;
	run_deadline.tv_sec = at / 1000;
	run_deadline.tv_nsec = (at % 1000) * 1000000;
}

int guard_remaining_ms(void)
{
	long long left;

	if (!have_run_deadline)
		return INT_MAX;
	left = (long long)run_deadline.tv_sec * 1000 + run_deadline.tv_nsec / 1000000 - (long long)mono_ms();
	if (left < 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}

const char *nf_strerror(int err)
{
	if (err == NF_EDEADLINE)
		return "no answer before the deadline (timed out)";
	return strerror(err);
}

static int fill_identity(const struct passwd *pw, struct identity *id)
{
	int n = 32;

	memset(id, 0, sizeof(*id));
	id->uid = pw->pw_uid;
	id->gid = pw->pw_gid;
	id->name = xstrdup(pw->pw_name);
	id->home = xstrdup(pw->pw_dir ? pw->pw_dir : "");
	id->shell = xstrdup(pw->pw_shell ? pw->pw_shell : "");
	for (;;) {
		int want = n;

		id->groups = xreallocarray(id->groups, (size_t)n, sizeof(gid_t));
		if (getgrouplist(pw->pw_name, pw->pw_gid, id->groups, &want) >= 0) {
			id->ngroups = want;
			return 0;
		}
		if (want <= n)
			want = n * 2;
		n = want;
	}
}

int identity_lookup(const char *name, struct identity *id)
{
	struct passwd *pw;
	char *end;

	if (idsnap_by_name(name, id))
		return 0;
	errno = 0;
	pw = getpwnam(name);
	if (!pw) {
		unsigned long uid = strtoul(name, &end, 10);

		if (*name && !*end && uid <= (unsigned long)INT_MAX)
			return identity_from_uid((uid_t)uid, id);
		return errno ? errno : ENOENT;
	}
	return fill_identity(pw, id);
}

int identity_from_uid(uid_t uid, struct identity *id)
{
	struct passwd *pw;

	if (idsnap_by_uid(uid, id))
		return 0;
	errno = 0;
	pw = getpwuid(uid);
	if (!pw)
		return errno ? errno : ENOENT;
	return fill_identity(pw, id);
}

void identity_free(struct identity *id)
{
	free(id->groups);
	free(id->name);
	free(id->home);
	free(id->shell);
	memset(id, 0, sizeof(*id));
}

int identity_become(const struct identity *id)
{
	uid_t r, e, s;

	if (setgroups((size_t)id->ngroups, id->groups) != 0 ||
	    setresgid(id->gid, id->gid, id->gid) != 0 ||
	    setresuid(id->uid, id->uid, id->uid) != 0)
		return errno;
	/* Refuse to go on if root could be regained. */
	if (getresuid(&r, &e, &s) != 0 || r != id->uid || e != id->uid || s != id->uid)
		return EPERM;
	if (id->uid != 0 && setuid(0) == 0)
		return EPERM;
	return 0;
}

void guard_out_add(struct guard_out *o, const void *p, size_t n)
{
	if (o->len + n > o->cap) {
		o->cap = (o->len + n) * 2 + 64;
		o->data = xrealloc(o->data, o->cap);
	}
	memcpy(o->data + o->len, p, n);
	o->len += n;
}


/* The child's end of the result pipe, for exec_child and guard_send_now. */
static int exec_out_fd = -1;

int guard_report_to(int fd)
{
	int was = exec_out_fd;

	exec_out_fd = fd;
	return was;
}

void guard_send_now(const void *p, size_t n)
{
	if (exec_out_fd >= 0)
		write_full(exec_out_fd, p, n);
}

void guard_sendf(const char *fmt, ...)
{
	va_list ap;
	char *line;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n > 0)
		guard_send_now(line, (size_t)n);
	if (n >= 0)
		free(line);
}

bool guard_send_fds(const int *fds, int n)
{
	char byte = 0, ctl[CMSG_SPACE(sizeof(int) * GUARD_MAX_FDS)];
	struct iovec iov = {&byte, 1};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *cm;

	if (exec_out_fd < 0 || n <= 0 || n > GUARD_MAX_FDS)
		return false;
	memset(ctl, 0, sizeof(ctl));
	msg.msg_control = ctl;
	msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)n);
	return sendmsg(exec_out_fd, &msg, MSG_NOSIGNAL) == 1;
}

void guard_out_close_fds(struct guard_out *o)
{
	for (int i = 0; i < o->nfds; i++)
		close(o->fds[i]);
	o->nfds = 0;
}

char *guard_out_line(struct guard_out *o, size_t *pos)
{
	char *line, *nl;

	if (!o->data || *pos >= o->len)
		return NULL;
	line = o->data + *pos;
	nl = memchr(line, '\n', o->len - *pos);
	if (!nl)
		return NULL;
	*nl = '\0';
	*pos = (size_t)(nl - o->data) + 1;
	return line;
}

/* read(2) that also takes file descriptors passed along with the bytes. */
static ssize_t recv_some(int fd, char *buf, size_t n, struct guard_out *out)
{
	char ctl[CMSG_SPACE(sizeof(int) * GUARD_MAX_FDS)];
	struct iovec iov = {buf, n};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
	struct cmsghdr *cm;
	ssize_t r = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);

	for (cm = r > 0 ? CMSG_FIRSTHDR(&msg) : NULL; cm; cm = CMSG_NXTHDR(&msg, cm)) {
		int k = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		int *in = (int *)CMSG_DATA(cm);

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		for (int i = 0; i < k; i++) {
			if (out->nfds < GUARD_MAX_FDS)
				out->fds[out->nfds++] = in[i];
			else
				close(in[i]);
		}
	}
	return r;
}

void guard_die_with_parent(pid_t parent)
{
	/* The kernel clears this setting at every change of credentials, so it
	 * is armed again after each one; and the parent may already be gone. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(CHILD_SETUP_FAILED);
}

/*
 * A child about to run in a user's name keeps nothing of root's: a new
 * session without a controlling terminal (the user could ptrace the
 * program it runs and push keystrokes into root's shell with TIOCSTI),
 * stdin from /dev/null, stdout and stderr into ERR_FD, which root reads,
 * and no other descriptor but the result socket. Returns that socket's
 * new number, or -1.
 */
static int shed_root_context(int fd, int err_fd)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (setsid() < 0 || null < 0 || dup2(null, 0) < 0 || dup2(err_fd, 1) < 0 || dup2(err_fd, 2) < 0)
		return -1;
	if (fd != 3 && dup2(fd, 3) < 0)
		return -1;
	/* dup2 clears close-on-exec: a program run later gets fd 3 only by asking. */
	if (fcntl(3, F_SETFD, FD_CLOEXEC) != 0)
		return -1;
	if (close_range(4, ~0U, 0) != 0) {
		for (int i = 4; i < 1024; i++)
			close(i);
	}
	return 3;
}

static _Noreturn void child_main(int fd, int err_fd, pid_t parent, const struct identity *as, guard_fn fn,
				 void *arg)
{
	struct guard_out out = {0};
	int rc;

	if (as && (fd = shed_root_context(fd, err_fd)) < 0)
		_exit(CHILD_SETUP_FAILED);
	exec_out_fd = fd;
	/* If nfscheck dies, its helpers must not outlive it on a dead mount. */
	guard_die_with_parent(parent);
	signal(SIGPIPE, SIG_IGN);
	/* ^C reaches the whole process group; nfscheck itself decides what
	 * to stop and cleans up, so its helpers do not die half-way. */
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	if (as && identity_become(as) != 0)
		_exit(CHILD_SETUP_FAILED);
	if (as)
		guard_die_with_parent(parent);
	rc = fn(arg, &out);
	if (out.len && !write_full(fd, out.data, out.len))
		_exit(CHILD_SETUP_FAILED);
	/* _exit: the parent's atexit handlers and stdio buffers are not ours. */
	_exit(rc & 0xFF);
}

struct exec_req {
	char *const *argv;
	char *const *envp;  /* NULL: keep ours */
};

static int exec_child(void *arg, struct guard_out *out)
{
	const struct exec_req *r = arg;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	(void)out;
	/* The result pipe becomes the program's stdout (dup2 clears CLOEXEC). */
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 2) < 0 || dup2(exec_out_fd, 1) < 0)
		return 127;
	if (r->envp)
		execvpe(r->argv[0], r->argv, r->envp);
	else
		execvp(r->argv[0], r->argv);
	return 127;
}

static void kill_and_reap(pid_t pid)
{
	useconds_t step = 50;

	kill(pid, SIGKILL);
	/* A task in uninterruptible I/O may take a moment to die; don't wait
	 * forever (about a second). Most die at once: short waits first. */
	for (int i = 0; i < 110; i++) {
		if (waitpid(pid, NULL, WNOHANG) != 0)
			return;
		usleep(step);
		if (step < 10000)
			step *= 2;
	}
}

/* What a child in a user's name wrote to its stdout and stderr; bounded. */
struct child_text {
	int fd;
	char buf[16384];
	size_t len;
};

static void child_text_read(struct child_text *t)
{
	char scratch[4096];
	ssize_t n;

	while (t->fd >= 0) {
		size_t room = sizeof(t->buf) - t->len;

		n = read(t->fd, room ? t->buf + t->len : scratch, room ? room : sizeof(scratch));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0 || errno != EAGAIN) {
				close(t->fd);
				t->fd = -1;
			}
			return;
		}
		if (room)
			t->len += (size_t)n;
	}
}

/* Pass the user's program's output on to our stderr, every control
 * character but newline and tab shown as '?': it reaches root's terminal. */
static void child_text_forward(struct child_text *t)
{
	child_text_read(t);
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	for (size_t i = 0; i < t->len; i++) {
		unsigned char c = (unsigned char)t->buf[i];

		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			t->buf[i] = '?';
	}
	if (t->len) {
		fflush(stdout);
		fwrite(t->buf, 1, t->len, stderr);
		if (t->buf[t->len - 1] != '\n')
			fputc('\n', stderr);
	}
}

/* Read the child's results until it closes the socket or the deadline passes. */
static bool collect(int sock, struct child_text *text, long long end, struct guard_out *out)
{
	for (;;) {
		struct pollfd p[2] = {{.fd = sock, .events = POLLIN}, {.fd = text->fd, .events = POLLIN}};
		long long wait = end - (long long)mono_ms();
		char buf[8192];
		ssize_t n;
		int r;

		if (wait <= 0 || (interrupted && interruptible))
			return false;
		r = poll(p, text->fd >= 0 ? 2 : 1, (int)wait);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		if (text->fd >= 0 && p[1].revents)
			child_text_read(text);
		if (!p[0].revents)
			continue;
		n = recv_some(sock, buf, sizeof(buf), out);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return true;
		guard_out_add(out, buf, (size_t)n);
	}
}

/* The child closed its socket: collect its status within the deadline. */
static bool reap(pid_t pid, long long end, int *wst)
{
	for (;;) {
		pid_t w = waitpid(pid, wst, WNOHANG);

		if (w == pid)
			return true;
		if (w < 0 && errno != EINTR) {
			/* ECHILD: no status to be had (SIGCHLD ignored after all). */
			*wst = -1;
			return true;
		}
		if ((long long)mono_ms() >= end || (interrupted && interruptible))
			return false;
		usleep(200);
	}
}

enum guard_status guard_run(const struct identity *as, int timeout_ms, guard_fn fn, void *arg,
			    int *status, struct guard_out *out)
{
	int fds[2], errp[2] = {-1, -1}, wst;
	long long end;
	pid_t pid, self = getpid();
	int left = guard_remaining_ms();
	struct child_text *text = NULL;
	bool done;

	memset(out, 0, sizeof(*out));
	*status = -1;
	if (timeout_ms <= 0 || timeout_ms > left)
		timeout_ms = left;
	if (timeout_ms <= 0 || (interrupted && interruptible))
		return GUARD_DEADLINE;
	/* A socket, not a pipe: the child may hand back file descriptors. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
		return GUARD_FAILED;
	if (as && pipe2(errp, O_CLOEXEC) != 0) {
		close(fds[0]);
		close(fds[1]);
		return GUARD_FAILED;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		child_main(fds[1], errp[1], self, as, fn, arg);
	}
	close(fds[1]);
	if (errp[1] >= 0)
		close(errp[1]);
	if (pid < 0) {
		close(fds[0]);
		if (errp[0] >= 0)
			close(errp[0]);
		return GUARD_FAILED;
	}
	text = xcalloc(1, sizeof(*text));
	text->fd = errp[0];
	if (text->fd >= 0)
		fcntl(text->fd, F_SETFL, O_NONBLOCK);
	end = (long long)mono_ms() + timeout_ms;
	done = collect(fds[0], text, end, out);
	close(fds[0]);
	if (!done || !reap(pid, end, &wst)) {
		kill_and_reap(pid);
		child_text_forward(text);
		free(text);
		guard_out_close_fds(out);
		return GUARD_DEADLINE;
	}
	child_text_forward(text);
	free(text);
	if (wst == -1 || !WIFEXITED(wst) || WEXITSTATUS(wst) == CHILD_SETUP_FAILED) {
		guard_out_close_fds(out);
		free(out->data);
		memset(out, 0, sizeof(*out));
		return GUARD_FAILED;
	}
	*status = WEXITSTATUS(wst);
	return GUARD_OK;
}

int guard_spawn(const struct identity *as, guard_fn fn, void *arg, pid_t *pid, int *sock)
{
	int fds[2], null, err;
	pid_t self = getpid();

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
		return errno;
	/* The helper's stdout and stderr: nobody reads them. */
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null < 0) {
		err = errno;
		close(fds[0]);
		close(fds[1]);
		return err;
	}
	fflush(NULL);
	*pid = fork();
	if (*pid == 0) {
		close(fds[0]);
		child_main(fds[1], null, self, as, fn, arg);
	}
	err = *pid < 0 ? errno : 0;
	close(fds[1]);
	close(null);
	if (err) {
		close(fds[0]);
		return err;
	}
	*sock = fds[0];
	return 0;
}

int guard_child_socket(void)
{
	return exec_out_fd;
}

void guard_stop(pid_t pid)
{
	kill_and_reap(pid);
}

struct remove_req {
	const char *path;
	bool tree;
};

static int remove_child(void *arg, struct guard_out *out)
{
	const struct remove_req *r = arg;

	(void)out;
	if (r->tree)
		return rm_rf_at(AT_FDCWD, r->path, 0);
	return unlink(r->path) == 0 || errno == ENOENT ? 0 : errno;
}

bool guard_remove(const struct identity *as, int timeout_ms, const char *path, bool tree)
{
	struct remove_req r = {path, tree};
	struct guard_out out;
	enum guard_status gs;
	int status;

	guard_set_interruptible(false);
	gs = guard_run(as, timeout_ms, remove_child, &r, &status, &out);
	free(out.data);
	guard_set_interruptible(true);
	return gs == GUARD_OK && status == 0;
}

enum guard_status guard_exec(const struct identity *as, int timeout_ms, char *const argv[],
			     int *status, struct guard_out *out)
{
	struct exec_req r = {argv, NULL};

	return guard_run(as, timeout_ms, exec_child, &r, status, out);
}

enum guard_status guard_exec_env(const struct identity *as, int timeout_ms, char *const argv[],
				 char *const envp[], int *status, struct guard_out *out)
{
	struct exec_req r = {argv, envp};

	return guard_run(as, timeout_ms, exec_child, &r, status, out);
}
