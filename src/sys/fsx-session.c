/* SPDX-License-Identifier: Apache-2.0 */
/* fsx's sessions: one helper per user answering framed requests. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsx.h"
#include "fsx-internal.h"
#include "goexpand.h"
#include "guard.h"
#include "ioutil.h"
#include "localwalk.h"
#include "util.h"
#include "xalloc.h"

struct frame_req {
	int32_t op, mode;
	uint64_t max;
	uint32_t path_len, arg_len;  /* UINT32_MAX: NULL */
};

struct frame_res {
	int32_t status;
	uint64_t len;
};

struct helper {
	pid_t pid;
	int sock;
	uid_t uid;
	gid_t gid;
};

/* Two helpers: the user's, and one as ourselves (root's own questions). */
static struct {
	bool on;
	pid_t owner;  /* the process that turned them on: a forked child never shares its helpers */
	struct helper user, self;
} sessions = {.user = {.sock = -1}, .self = {.sock = -1}};

static char *read_str(int fd, uint32_t len)
{
	char *s;

	if (len == UINT32_MAX)
		return NULL;
	if (len > 65536)
		_exit(1);
	s = xmalloc((size_t)len + 1);
	if (!read_full(fd, s, len))
		_exit(0);
	s[len] = '\0';
	return s;
}

/* The helper, as the user: a request, its answer, until the parent goes. */
static int session_helper(void *arg, struct guard_out *unused)
{
	int fd = guard_child_socket();
	struct frame_req fq;

	(void)arg;
	(void)unused;
	while (read_full(fd, &fq, sizeof(fq))) {
		char *path = read_str(fd, fq.path_len), *rarg = read_str(fd, fq.arg_len);
		struct req r = {.path = path, .arg = rarg, .max = fq.max, .op = fq.op, .mode = fq.mode};
		struct guard_out out = {0};
		struct frame_res fr;

		fr.status = fsx_child(&r, &out);
		fr.len = out.len;
		if (!write_full(fd, &fr, sizeof(fr)) || (out.len && !write_full(fd, out.data, out.len)))
			_exit(0);
		free(out.data);
		free(path);
		free(rarg);
	}
	return 0;
}

static void helper_stop(struct helper *h)
{
	if (h->sock >= 0) {
		close(h->sock);
		guard_stop(h->pid);
	}
	h->sock = -1;
	h->pid = 0;
}

void fsx_session(bool on)
{
	if (!on) {
		fsx_session_end();
		helper_stop(&sessions.self);
	}
	sessions.on = on;
	sessions.owner = getpid();
}

void fsx_session_end(void)
{
	helper_stop(&sessions.user);
}

/* Read N bytes from the helper by END (mono ms); false on deadline or EOF. */
static bool read_by(int fd, void *p, size_t n, double end, bool *late)
{
	while (n) {
		struct pollfd pf = {.fd = fd, .events = POLLIN};
		double left = end - mono_ms();
		ssize_t r;

		if (left <= 0 || guard_interrupted()) {
			*late = true;
			return false;
		}
		if (poll(&pf, 1, (int)left + 1) <= 0)
			continue;
		r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		p = (char *)p + r;
		n -= (size_t)r;
	}
	return true;
}

static bool send_req(int sock, const struct req *r)
{
	struct frame_req fq = {
		.op = r->op, .mode = r->mode, .max = r->max,
		.path_len = r->path ? (uint32_t)strlen(r->path) : UINT32_MAX,
		.arg_len = r->arg ? (uint32_t)strlen(r->arg) : UINT32_MAX,
	};

	return write_full(sock, &fq, sizeof(fq)) && (!r->path || write_full(sock, r->path, fq.path_len)) &&
	       (!r->arg || write_full(sock, r->arg, fq.arg_len));
}

/* A call through a session helper (AS NULL: the one as ourselves), with
 * guard_run's outcomes. */
enum guard_status fsx_session_call(const struct identity *as, int per_call, struct req *r, int *status,
				      struct guard_out *out)
{
	struct helper *h = as ? &sessions.user : &sessions.self;
	struct frame_res fr;
	double end;
	bool late = false;
	int left = guard_remaining_ms();

	/* The helper may mount: an automounted home, on its first use. */
	lw_table_suspect();
	if (per_call > left)
		per_call = left;
	if (per_call <= 0 || guard_interrupted())
		return GUARD_DEADLINE;
	if (as && h->sock >= 0 && (h->uid != as->uid || h->gid != as->gid))
		helper_stop(h);
	if (h->sock < 0) {
		if (guard_spawn(as, session_helper, NULL, &h->pid, &h->sock) != 0)
			return GUARD_FAILED;
		h->uid = as ? as->uid : geteuid();
		h->gid = as ? as->gid : getegid();
	}
	end = mono_ms() + per_call;
	if ((r->path && strlen(r->path) > 65536) || (r->arg && strlen(r->arg) > 65536) || !send_req(h->sock, r) ||
	    !read_by(h->sock, &fr, sizeof(fr), end, &late) || fr.len > (uint64_t)1 << 31)
		goto broken;
	out->data = xmalloc(fr.len + 1);
	out->cap = fr.len + 1;
	if (fr.len && !read_by(h->sock, out->data, fr.len, end, &late))
		goto broken;
	out->len = fr.len;
	*status = fr.status & 0xFF;
	return GUARD_OK;
broken:
	helper_stop(h);
	free(out->data);
	memset(out, 0, sizeof(*out));
	return late ? GUARD_DEADLINE : GUARD_FAILED;
}

bool fsx_session_mine(void)
{
	return sessions.on && sessions.owner == getpid();
}
