/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The parallel run: --jobs worker processes, forked once, each asked for
 * one user at a time over a pipe and answering with one JSON line. The
 * checks are not thread-safe (guard's deadline, signal state, getpwnam), so
 * workers are processes; the facts shared between users (diag-cache.h)
 * pass between them through a store made before they fork (runshare.h).
 * The parent alone keeps time: at --timeout it kills the workers (their
 * guarded children die with them) and the users not done
 * are "not checked". A mount that did not answer for one user settles every
 * waiting user whose home is on it: a dead server costs one timeout, not
 * one per user.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "diag-cache.h"
#include "diag.h"
#include "exitcode.h"
#include "fleet.h"
#include "fsx.h"
#include "localwalk.h"
#include "ids-plan.h"
#include "idsnap.h"
#include "ioutil.h"
#include "msg.h"
#include "runshare.h"
#include "util.h"
#include "xalloc.h"

/* A user's checks never take longer than diagnose's own default. */
#define USER_MAX_MS DIAG_DEFAULT_TIMEOUT_MS
/* Below this, a user's checks cannot finish: do not start them. */
#define USER_MIN_MS 1000
/* What the parent keeps for itself at the end: kill, collect, report. */
#define FINISH_MS 300
/* The facts the workers share: NFS servers and mounts of one host. */
#define SHARE_SLOTS 256
#define SHARE_BYTES 16384

/* Users given to a worker ahead: the next one waits in its pipe, so a
 * worker never waits for the parent between two users. */
#define QUEUE 2

struct worker {
	pid_t pid;
	int task;        /* parent writes "INDEX MS\n" */
	int result;      /* worker writes one JSON line per user */
	long q[QUEUE];   /* the users given, in order: q[0] in progress */
	int nq;
	char *buf;
	size_t len, cap;
};

/* A worker whose result cannot reach the parent has nothing left to do. */
static void write_all(int fd, const char *s, size_t n)
{
	if (!write_full(fd, s, n))
		_exit(NF_EXIT_INCOMPLETE);
}

static void check_user(const struct fleet_options *o, struct fleet_user *u, struct diag_cache *cache, int ms)
{
	struct diag_options dopt = {
		.user = u->name, .cache = cache, .timeout_ms = ms, .podman_version = o->podman_version,
		.policy = o->policy, .hold_identity = true,
	};
	struct diag d;

	if (diagnose_collect(&d, &dopt) != NF_EXIT_OK) {
		fleet_user_clear_result(u);
		u->verdict = FV_INCOMPLETE;
		u->causes = xcalloc(1, sizeof(char *));
		u->causes[u->ncauses++] = xstrdup("no-such-user");
		u->summary = xstrdup("no such user");
	} else {
		fleet_user_from_diag(u, &d);
	}
	diag_free(&d);
}

/* A worker: read "INDEX MS" lines until EOF, answer each with a JSON line. */
static _Noreturn void worker_main(const struct fleet_options *o, struct fleet_run *r, struct diag_cache *cache,
				  int task, int result)
{
	FILE *in = fdopen(task, "r");
	char line[64];

	signal(SIGPIPE, SIG_DFL);
	/* One helper per user answers that user's file questions. fleet only
	 * looks: the directories walked stay open for the next walks. */
	fsx_session(true);
	lw_cache_enable(true);
	while (in && fgets(line, sizeof(line), in)) {
		long idx, ms;
		struct json_object *j;
		const char *text;

		if (sscanf(line, "%ld %ld", &idx, &ms) != 2 || idx < 0 || (size_t)idx >= r->n)
			_exit(NF_EXIT_INCOMPLETE);
		check_user(o, &r->u[idx], cache, (int)ms);
		diag_cache_user_done(cache);
		fsx_session_end();
		j = fleet_user_json(&r->u[idx]);
		json_object_object_add(j, "index", json_object_new_int64(idx));
		text = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN);
		{
			size_t n = strlen(text);
			char *out = xmalloc(n + 1);

			/* One write: the parent wakes once per user. */
			memcpy(out, text, n);
			out[n] = '\n';
			write_all(result, out, n + 1);
			free(out);
		}
		json_object_put(j);
	}
	_exit(0);
}

static bool start_worker(const struct fleet_options *o, struct fleet_run *r, struct diag_cache *cache,
			 struct worker *w, struct worker *all, int nall)
{
	int t[2], res[2];

	if (pipe2(t, O_CLOEXEC) != 0)
		return false;
	if (pipe2(res, O_CLOEXEC) != 0) {
		close(t[0]);
		close(t[1]);
		return false;
	}
	fflush(NULL);
	w->pid = fork();
	if (w->pid == 0) {
		/* Only its own ends: a worker must not hold another's pipes open. */
		for (int i = 0; i < nall; i++)
			if (&all[i] != w && all[i].pid > 0) {
				close(all[i].task);
				close(all[i].result);
			}
		close(t[1]);
		close(res[0]);
		worker_main(o, r, cache, t[0], res[1]);
	}
	close(t[0]);
	close(res[1]);
	if (w->pid < 0) {
		close(t[1]);
		close(res[0]);
		return false;
	}
	w->task = t[1];
	w->result = res[0];
	w->nq = 0;
	return true;
}

static void stop_worker(struct worker *w, bool kill_it)
{
	if (w->pid <= 0)
		return;
	if (kill_it)
		kill(w->pid, SIGKILL);
	close(w->task);
	close(w->result);
	waitpid(w->pid, NULL, 0);
	w->pid = 0;
	free(w->buf);
	w->buf = NULL;
}

/* Which users were given to a worker, and where the search for the next
 * one goes on. */
struct order {
	size_t next;
	bool *started;
};

/* Users still waiting whose home is on MOUNT: the same dead server. */
static void settle_dead(struct fleet_run *r, const char *mount, const bool *started)
{
	for (size_t i = 0; i < r->n; i++) {
		struct fleet_user *u = &r->u[i];

		if (started[i] || u->verdict != FV_NOT_CHECKED || !u->home_mount || strcmp(u->home_mount, mount) != 0)
			continue;
		fleet_user_clear_result(u);
		u->verdict = FV_NOT_RESPONDING;
		u->dead_mount = xstrdup(mount);
		u->causes = xcalloc(1, sizeof(char *));
		u->causes[u->ncauses++] = xstrdup("server-not-responding");
		u->summary = xasprintf("%s did not answer for another user: not checked again", mount);
	}
}

/* Every complete line the worker sent: a user's result. */
static void take_lines(struct fleet_run *r, struct worker *w, const struct order *ord)
{
	char *nl;

	while ((nl = memchr(w->buf, '\n', w->len))) {
		struct json_object *j, *v;

		*nl = '\0';
		j = json_tokener_parse(w->buf);
		if (j && w->nq > 0 && json_object_object_get_ex(j, "index", &v) && json_object_get_int64(v) == w->q[0]) {
			long i = w->q[0];

			fleet_user_from_json(&r->u[i], j);
			if (r->u[i].dead_mount)
				settle_dead(r, r->u[i].dead_mount, ord->started);
			memmove(w->q, w->q + 1, (size_t)--w->nq * sizeof(w->q[0]));
		}
		json_object_put(j);
		w->len -= (size_t)(nl + 1 - w->buf);
		memmove(w->buf, nl + 1, w->len);
	}
}

/* W died: the user it was checking is not checked, those queued behind
 * it go back to the others. */
static void worker_died(struct fleet_run *r, struct worker *w, struct order *ord)
{
	for (int j = 1; j < w->nq; j++) {
		ord->started[w->q[j]] = false;
		if ((size_t)w->q[j] < ord->next)
			ord->next = (size_t)w->q[j];
	}
	if (w->nq && !r->u[w->q[0]].summary)
		r->u[w->q[0]].summary = xstrdup("not checked: its worker process died while checking it");
	w->nq = 0;
	stop_worker(w, true);
}

static void read_worker(struct fleet_run *r, struct worker *w, struct order *ord)
{
	ssize_t n;

	if (w->cap - w->len < 4096) {
		w->cap = w->cap * 2 + 8192;
		w->buf = xrealloc(w->buf, w->cap);
	}
	n = read(w->result, w->buf + w->len, w->cap - w->len);
	if (n < 0 && errno == EINTR)
		return;
	if (n <= 0) {
		worker_died(r, w, ord);
		return;
	}
	w->len += (size_t)n;
	take_lines(r, w, ord);
}

/* The next user to check, from *NEXT on, or -1. */
static long next_user(const struct fleet_options *o, struct fleet_run *r, struct order *ord)
{
	while (ord->next < r->n) {
		size_t i = ord->next++;

		if (ord->started[i])
			continue;
		if (r->u[i].verdict == FV_NOT_MOUNTED && !o->mount_homes)
			continue;
		if (r->u[i].verdict != FV_NOT_CHECKED && r->u[i].verdict != FV_NOT_MOUNTED)
			continue;
		ord->started[i] = true;
		return (long)i;
	}
	return -1;
}

static bool dispatch(const struct fleet_options *o, struct fleet_run *r, struct worker *w, struct order *ord,
		     double deadline)
{
	double left = deadline - mono_ms();
	char line[64];
	long i;
	int ms;

	if (left < USER_MIN_MS)
		return false;
	/* A user queued behind another starts up to USER_MAX_MS later: only
	 * while that still leaves it its full time. */
	if (w->nq > 0 && left < 2.0 * USER_MAX_MS)
		return false;
	if ((i = next_user(o, r, ord)) < 0)
		return false;
	ms = left > USER_MAX_MS ? USER_MAX_MS : (int)left;
	snprintf(line, sizeof(line), "%ld %d\n", i, ms);
	if (write(w->task, line, strlen(line)) != (ssize_t)strlen(line)) {
		/* The worker is gone: the user goes to another. */
		ord->started[i] = false;
		ord->next = (size_t)i < ord->next ? (size_t)i : ord->next;
		worker_died(r, w, ord);
		return false;
	}
	w->q[w->nq++] = i;
	return true;
}

static void mark_not_checked(struct fleet_run *r, struct worker *ws, int n)
{
	for (int k = 0; k < n; k++)
		for (int j = 0; ws[k].pid > 0 && j < ws[k].nq; j++)
			r->u[ws[k].q[j]].summary = xstrdup("the run's --timeout came first");
	for (size_t i = 0; i < r->n; i++)
		if (r->u[i].verdict == FV_NOT_CHECKED && !r->u[i].summary)
			r->u[i].summary = xstrdup("not checked: the run's --timeout came first");
}

/* Poll the busy workers until one answers or DEADLINE; false when none is busy. */
static bool wait_results(struct fleet_run *r, struct worker *ws, int n, struct order *ord, double deadline)
{
	struct pollfd *p = xcalloc((size_t)n, sizeof(*p));
	int np = 0, left;
	bool any = false;

	for (int k = 0; k < n; k++) {
		p[k].fd = ws[k].pid > 0 && ws[k].nq > 0 ? ws[k].result : -1;
		p[k].events = POLLIN;
		any = any || p[k].fd >= 0;
	}
	left = (int)(deadline - mono_ms());
	if (any && left > 0 && (np = poll(p, (nfds_t)n, left)) > 0)
		for (int k = 0; k < n; k++)
			if (p[k].fd >= 0 && (p[k].revents & (POLLIN | POLLHUP | POLLERR)))
				read_worker(r, &ws[k], ord);
	free(p);
	return any && left > 0;
}

/*
 * What is the same for every user, read once before the workers fork, so
 * that no user's checks read a whole database again: the passwd and group
 * entries, /etc/subuid and /etc/subgid, and the subordinate ranges to
 * propose to those short of them, planned for all of them together; and
 * the store in which the workers share what they measure once per host.
 */
static struct diag_cache *host_facts(const struct fleet_options *o, const struct fleet_run *r)
{
	struct diag_cache *c = diag_cache_new();
	struct ids_extra *extra = xcalloc(r->n ? r->n : 1, sizeof(*extra));

	idsnap_preload();
	subids_preload();
	for (size_t i = 0; i < r->n; i++) {
		extra[i].name = r->u[i].name;
		extra[i].uid = r->u[i].uid;
	}
	diag_cache_set_ids_plan(c, ids_plan_make(subids_snapshot_files(), o->policy, extra, r->n));
	free(extra);
	/* Servers and lock tests, asked once by whichever worker comes first. */
	diag_cache_set_share(c, runshare_new(SHARE_SLOTS, SHARE_BYTES));
	return c;
}

void fleet_check(const struct fleet_options *o, struct fleet_run *r)
{
	double t0 = mono_ms(), deadline = t0 + o->timeout_ms - FINISH_MS;
	int n = o->jobs > 0 ? o->jobs : 1;
	struct worker *ws = xcalloc((size_t)n, sizeof(*ws));
	struct order ord = {.started = xcalloc(r->n + 1, sizeof(bool))};
	struct diag_cache *cache;

	r->started = (double)time(NULL);
	r->jobs = n;
	cache = host_facts(o, r);
	signal(SIGPIPE, SIG_IGN);
	for (int k = 0; k < n; k++)
		if (!start_worker(o, r, cache, &ws[k], ws, n))
			nf_warning("could not start worker %d: %s", k + 1, strerror(errno));
	for (;;) {
		bool busy = false;

		for (int k = 0; k < n; k++)
			while (ws[k].pid > 0 && ws[k].nq < QUEUE && dispatch(o, r, &ws[k], &ord, deadline))
				;
		for (int k = 0; k < n; k++)
			busy = busy || (ws[k].pid > 0 && ws[k].nq > 0);
		if (!busy || !wait_results(r, ws, n, &ord, deadline))
			break;
	}
	mark_not_checked(r, ws, n);
	for (int k = 0; k < n; k++)
		stop_worker(&ws[k], ws[k].nq > 0);
	free(ws);
	free(ord.started);
	runshare_free(diag_cache_share(cache));
	diag_cache_free(cache);
	r->duration = (mono_ms() - t0) / 1000.0;
}
