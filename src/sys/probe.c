/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Three processes. nfscheck waits with a deadline. A, in the user's name,
 * makes the scratch directory and maps B's user namespace with newuidmap
 * and newgidmap, as Podman does. B, root inside that namespace, does the
 * steps and reports each one the moment it starts and ends, so a step that
 * hangs on a dead server is still named. The scratch directory is removed
 * by A, or by nfscheck after a deadline or an interrupt, or failing that by
 * the next run, which recognises it by name.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "exitcode.h"
#include "localwalk.h"
#include "msg.h"
#include "probe.h"
#include "util.h"
#include "xalloc.h"

static const struct {
	const char *id;
	const char *text;
} steps[PS__COUNT] = {
	[PS_CREATE] = {"create", "create a file"},
	[PS_CHOWN_FILE] = {"chown-file", "chown a file to a subordinate ID"},
	[PS_CHOWN_DIR] = {"chown-dir", "chown a directory to a subordinate ID"},
	[PS_DAC_OVERRIDE] = {"dac-override", "create a directory inside a mode 0555 one (Podman's .pivot_root)"},
	[PS_SYMLINK] = {"symlink", "create a symbolic link (layers are full of them)"},
	[PS_XATTR] = {"xattr", "set a user.* extended attribute"},
	[PS_LOCK] = {"lock", "take an fcntl lock"},
};

const char *probe_step_id(enum probe_step s)
{
	return steps[s].id;
}

const char *probe_step_text(enum probe_step s)
{
	return steps[s].text;
}

/* A probe directory whose process is gone: "<prefix><host>.<pid>". */
static bool stale(const char *name, const char *host)
{
	const char *rest = name + strlen(PROBE_PREFIX);
	size_t hl = strlen(host);
	char comm[32] = "", path[64];
	long pid;
	char *end;
	int fd;
	ssize_t n;

	if (strncmp(name, PROBE_PREFIX, strlen(PROBE_PREFIX)) != 0 ||
	    strncmp(rest, host, hl) != 0 || rest[hl] != '.')
		return false;
	pid = strtol(rest + hl + 1, &end, 10);
	if (*end || pid <= 0)
		return false;
	if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
		return true;
	/* A zombie whose parent was killed is as dead as it gets. */
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, comm, sizeof(comm) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n > 0) {
		char *rp;

		comm[n] = '\0';
		rp = strrchr(comm, ')');
		if (rp && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X'))
			return true;
	}
	/* Alive: still ours only if it is an nfscheck. */
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, comm, sizeof(comm) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n > 0)
		comm[n] = '\0';
	return strncmp(comm, "nfscheck", 8) != 0;
}

static int clean_leftovers_in(const char *dir)
{
	char host[256] = "";
	DIR *d = opendir(dir);
	struct dirent *e;
	int removed = 0;

	gethostname(host, sizeof(host) - 1);
	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (stale(e->d_name, host) && rm_rf_at(dirfd(d), e->d_name, 0) == 0)
			removed++;
	closedir(d);
	return removed;
}

struct clean_arg {
	const char *dir;
};

static int clean_child(void *arg, struct guard_out *out)
{
	const struct clean_arg *a = arg;
	int n = clean_leftovers_in(a->dir);

	guard_out_add(out, &n, sizeof(n));
	return 0;
}

int probe_clean_leftovers(const char *dir, const struct identity *as, int timeout_ms)
{
	struct clean_arg a = {dir};
	struct guard_out out;
	int status, n = 0;

	if (guard_run(as, timeout_ms, clean_child, &a, &status, &out) == GUARD_OK && out.len == sizeof(n))
		memcpy(&n, out.data, sizeof(n));
	free(out.data);
	return n;
}

/* ---- B: root in the new user namespace ---- */

static void step(enum probe_step s, int err)
{
	guard_sendf("step %s %d\n", steps[s].id, err);
}

static void begin(enum probe_step s)
{
	guard_sendf("begin %s\n", steps[s].id);
}

static int sys(int rc)
{
	return rc == 0 ? 0 : errno;
}

/* The container's UID and GID 1, which the mapping sends to the first
 * subordinate ID. */
#define CONTAINER_ID 1

static void run_steps(void)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	struct stat st;
	int fd, err;

	begin(PS_CREATE);
	fd = open("f", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
	step(PS_CREATE, fd < 0 ? errno : 0);
	if (fd >= 0)
		close(fd);

	begin(PS_CHOWN_FILE);
	err = fd < 0 ? ENOENT : sys(lchown("f", CONTAINER_ID, CONTAINER_ID));
	step(PS_CHOWN_FILE, err);
	/* A yes is not proof: some filesystems accept a chown and keep the owner. */
	if (!err && lstat("f", &st) == 0 && st.st_uid != CONTAINER_ID)
		guard_sendf("ignored chown-file\n");

	begin(PS_CHOWN_DIR);
	err = sys(mkdir("d", 0755));
	step(PS_CHOWN_DIR, err ? err : sys(lchown("d", CONTAINER_ID, CONTAINER_ID)));

	/* Podman makes .pivot_root<N> inside layer directories that can be
	 * mode 0555: only CAP_DAC_OVERRIDE in the namespace lets it. */
	begin(PS_DAC_OVERRIDE);
	err = sys(mkdir("ro", 0755));
	if (!err)
		err = sys(chmod("ro", 0555));
	step(PS_DAC_OVERRIDE, err ? err : sys(mkdir("ro/sub", 0755)));

	begin(PS_SYMLINK);
	step(PS_SYMLINK, sys(symlink("f", "l")));

	begin(PS_XATTR);
	step(PS_XATTR, fd < 0 ? ENOENT : sys(lsetxattr("f", "user.nfscheck", "1", 1, 0)));

	begin(PS_LOCK);
	fd = open("lock", O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	step(PS_LOCK, fd < 0 ? errno : sys(fcntl(fd, F_SETLK, &fl)));
	if (fd >= 0)
		close(fd);

	/* Remove it all from inside, where the subordinate owners are ours. */
	chmod("ro", 0755);
	rmdir("ro/sub");
	rmdir("ro");
	rmdir("d");
	unlink("l");
	unlink("f");
	unlink("lock");
	guard_sendf("inner-clean done\n");
}

static _Noreturn void ns_child(int ready, int go, bool no_userns, pid_t parent)
{
	char c;
	int err = 0;

	guard_die_with_parent(parent);
	if (!no_userns && unshare(CLONE_NEWUSER) != 0)
		err = errno;
	if (write(ready, &err, sizeof(err)) != sizeof(err) || err)
		_exit(1);
	close(ready);
	if (read(go, &c, 1) != 1)
		_exit(1);
	if (!no_userns && (setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0)) {
		guard_sendf("setup setuid %d\n", errno);
		_exit(1);
	}
	guard_die_with_parent(parent);
	run_steps();
	_exit(0);
}

/* ---- A: the user, outside the namespace ---- */

/* Start newuidmap or newgidmap: its pid, and *FD the pipe its output comes on. */
static pid_t start_map_tool(char *const argv[], int *fd)
{
	posix_spawn_file_actions_t fa;
	int p[2], err;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	/* posix_spawn, not fork: glibc's shares our memory until the exec
	 * (CLONE_VFORK), where a fork copied every page table, twice a probe.
	 * The tool's environment is ours, as with execv. */
	err = posix_spawn_file_actions_init(&fa);
	if (!err) {
		/* Nothing to read, whoever started nfscheck: not its terminal. */
		err = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
		if (!err)
			err = posix_spawn_file_actions_adddup2(&fa, p[1], 2);
		if (!err)
			err = posix_spawn_file_actions_adddup2(&fa, p[1], 1);
		if (!err)
			err = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
		posix_spawn_file_actions_destroy(&fa);
	}
	close(p[1]);
	if (err) {
		/* A tool that cannot be run is reported as one whose exec failed in
		 * a forked child was: ENOENT, whatever the exec said. */
		close(p[0]);
		errno = err == ENOMEM || err == EAGAIN ? err : ENOENT;
		return -1;
	}
	*fd = p[0];
	return pid;
}

/* Wait for a tool START_MAP_TOOL started: 0, or an errno and *MSG, the
 * first line it printed. */
static int finish_map_tool(pid_t pid, int fd, char **msg)
{
	char buf[256] = "";
	ssize_t n = 0;
	int st;

	*msg = NULL;
	while (n < (ssize_t)sizeof(buf) - 1) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - 1 - (size_t)n);

		if (r <= 0)
			break;
		n += r;
	}
	close(fd);
	waitpid(pid, &st, 0);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	*msg = xstrdup(buf);
	return WIFEXITED(st) && WEXITSTATUS(st) == 127 ? ENOENT : EPERM;
}

/* "PID 0 ID 1 1 START COUNT ..." for newuidmap or newgidmap. */
static char **map_argv(const char *tool, pid_t pid, unsigned long id, const struct idranges *r)
{
	char **argv = xcalloc(5 + r->n * 3 + 1, sizeof(char *));
	unsigned long inside = 1;
	size_t k = 0;

	argv[k++] = xstrdup(tool);
	argv[k++] = xasprintf("%d", (int)pid);
	argv[k++] = xstrdup("0");
	argv[k++] = xasprintf("%lu", id);
	argv[k++] = xstrdup("1");
	for (size_t i = 0; i < r->n; i++) {
		argv[k++] = xasprintf("%lu", inside);
		argv[k++] = xasprintf("%lu", r->v[i].start);
		argv[k++] = xasprintf("%lu", r->v[i].count);
		inside += r->v[i].count;
	}
	argv[k] = NULL;
	return argv;
}

static void free_argv(char **argv)
{
	for (char **p = argv; *p; p++)
		free(*p);
	free(argv);
}

static int write_proc(pid_t pid, const char *file, const char *text)
{
	char path[64];
	int fd, err = 0;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		err = errno;
	close(fd);
	return err;
}

/* newuidmap and newgidmap for B: 0 -> us, 1.. -> RS's ranges (none: our
 * own ID alone, which both allow). */
static bool map_with_tools(const struct probe_request *rq, pid_t pid, const struct idranges *const rs[2])
{
	const char *tools[2] = {rq->newuidmap, rq->newgidmap};
	unsigned long ids[2] = {rq->uid, rq->gid};
	pid_t run[2] = {-1, -1};
	int fds[2] = {-1, -1}, errs[2] = {0, 0};
	char *msgs[2] = {NULL, NULL};
	bool ok = true;

	for (int i = 0; i < 2; i++)
		if (!tools[i]) {
			guard_sendf("setup %s %d %s not found\n", i ? "gid_map" : "uid_map", ENOENT,
				    i ? "newgidmap" : "newuidmap");
			return false;
		}
	/* Both at once: neither waits for the other, which saves the
	 * start-up of one setuid program from the probe's time. */
	for (int i = 0; i < 2; i++) {
		char **argv = map_argv(tools[i], pid, ids[i], rs[i]);

		run[i] = start_map_tool(argv, &fds[i]);
		errs[i] = run[i] < 0 ? errno : 0;
		free_argv(argv);
	}
	for (int i = 0; i < 2; i++) {
		if (run[i] >= 0)
			errs[i] = finish_map_tool(run[i], fds[i], &msgs[i]);
		/* The first that failed is the one reported, as when they ran in turn. */
		if (errs[i] && ok)
			guard_sendf("setup %s %d %s\n", i ? "gid_map" : "uid_map", errs[i], msgs[i] ? msgs[i] : "");
		ok = ok && !errs[i];
		free(msgs[i]);
	}
	return ok;
}

/* Map B's namespace: 0 -> us, 1.. -> the subordinate ranges. */
static bool map_ns(const struct probe_request *rq, pid_t pid)
{
	static const struct idranges none;
	char buf[64];
	int err;

	if (rq->uids->n && rq->gids->n) {
		guard_sendf("map subids\n");
		return map_with_tools(rq, pid, (const struct idranges *const[2]){rq->uids, rq->gids});
	}
	/* No ranges: what Podman falls back to, one ID and nothing else. */
	guard_sendf("map single\n");
	/*
	 * Podman writes that map itself. So do we, as the user; but root's
	 * child that became the user is not dumpable, its /proc files stay
	 * root's, and the write would fail where Podman's works. Making it
	 * dumpable would let the user read our memory; the setuid tools map
	 * one's own ID alone just the same (newgidmap denies setgroups first,
	 * as the kernel requires).
	 */
	if (prctl(PR_GET_DUMPABLE) != 1 && rq->newuidmap && rq->newgidmap)
		return map_with_tools(rq, pid, (const struct idranges *const[2]){&none, &none});
	err = write_proc(pid, "setgroups", "deny");
	snprintf(buf, sizeof(buf), "0 %u 1", (unsigned)rq->uid);
	if (!err)
		err = write_proc(pid, "uid_map", buf);
	snprintf(buf, sizeof(buf), "0 %u 1", (unsigned)rq->gid);
	if (!err)
		err = write_proc(pid, "gid_map", buf);
	if (err) {
		guard_sendf("setup uid_map %d\n", err);
		return false;
	}
	return true;
}

static int probe_child(void *arg, struct guard_out *out)
{
	const struct probe_request *rq = arg;
	char host[200] = "", name[300], *path;
	int ready[2], go[2], err, dfd;
	pid_t pid, self = getpid();
	ssize_t n;

	(void)out;
	gethostname(host, sizeof(host) - 1);
	guard_sendf("leftovers %d\n", clean_leftovers_in(rq->dir));
	snprintf(name, sizeof(name), "%s%s.%d", PROBE_PREFIX, host, (int)getpid());
	path = xasprintf("%s/%s", rq->dir, name);
	if (mkdir(path, 0700) != 0) {
		guard_sendf("setup mkdir %d\n", errno);
		free(path);
		return 0;
	}
	guard_sendf("scratch %s\n", path);
	if (chdir(path) != 0 || pipe2(ready, O_CLOEXEC) != 0 || pipe2(go, O_CLOEXEC) != 0) {
		guard_sendf("setup chdir %d\n", errno);
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		guard_sendf("setup fork %d\n", errno);
		goto out;
	}
	if (pid == 0) {
		/* ns_child never returns; it works in the scratch directory by cwd. */
		free(path);
		close(ready[0]);
		close(go[1]);
		ns_child(ready[1], go[0], rq->no_userns, self);
	}
	close(ready[1]);
	close(go[0]);
	n = read(ready[0], &err, sizeof(err));
	if (n != sizeof(err) || err) {
		guard_sendf("setup unshare %d\n", n == sizeof(err) ? err : EIO);
		waitpid(pid, NULL, 0);
		goto out;
	}
	if (!rq->no_userns && !map_ns(rq, pid)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		goto out;
	}
	if (write(go[1], "g", 1) != 1)
		guard_sendf("setup go %d\n", errno);
	close(go[1]);
	waitpid(pid, NULL, 0);
out:
	if (chdir("/") == 0 && (dfd = open(rq->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		guard_sendf("removed %d\n", rm_rf_at(dfd, name, 0));
		close(dfd);
	}
	free(path);
	return 0;
}

/* ---- nfscheck: read the report ---- */

static int step_index(const char *id)
{
	for (int s = 0; s < PS__COUNT; s++)
		if (strcmp(steps[s].id, id) == 0)
			return s;
	return -1;
}

static void parse_line(struct probe_result *res, char *line)
{
	char word[32] = "", arg[64] = "";
	int num = 0, used = 0, s;

	if (sscanf(line, "%31s %n", word, &used) < 1)
		return;
	line += used;
	if (strcmp(word, "leftovers") == 0) {
		res->leftovers_removed = atoi(line);
	} else if (strcmp(word, "scratch") == 0) {
		res->scratch = xstrdup(line);
	} else if (strcmp(word, "setup") == 0 && sscanf(line, "%63s %d %n", arg, &num, &used) >= 2) {
		res->setup_stage = xstrdup(arg);
		res->setup_err = num;
		if (line[used])
			res->setup_message = xstrdup(line + used);
	} else if (strcmp(word, "map") == 0) {
		res->single_mapping = strcmp(line, "single") == 0;
	} else if (strcmp(word, "begin") == 0 && (s = step_index(line)) >= 0) {
		res->step[s].begun = true;
	} else if (strcmp(word, "step") == 0 && sscanf(line, "%63s %d", arg, &num) == 2 &&
		   (s = step_index(arg)) >= 0) {
		res->step[s].done = true;
		res->step[s].err = num;
	} else if (strcmp(word, "ignored") == 0 && strcmp(line, "chown-file") == 0) {
		res->chown_ignored = true;
	} else if (strcmp(word, "removed") == 0) {
		res->scratch_removed = atoi(line) == 0;
	}
}

static char *describe_mapping(const struct probe_request *rq)
{
	char *s = xasprintf("0 %u 1", (unsigned)rq->uid);
	unsigned long inside = 1;

	for (size_t i = 0; i < rq->uids->n; i++) {
		char *t = xasprintf("%s; %lu %lu %lu", s, inside, rq->uids->v[i].start, rq->uids->v[i].count);

		free(s);
		s = t;
		inside += rq->uids->v[i].count;
	}
	return s;
}

/* Whether the probe may run here rather than in a guarded child: as
 * ourselves, in a directory the walk reaches in-process, so that nothing
 * it does can hang (the child is there to be killed at the deadline). */
static bool runs_here(const struct probe_request *rq)
{
	struct lw_res r;
	bool local;

	if (rq->as || !lw_root_walkable() || lw_resolve(rq->dir, LW_FOLLOW, &r) != 0)
		return false;
	local = S_ISDIR(r.st.st_mode);
	lw_res_free(&r);
	return local;
}

/*
 * probe_child in this process: one fork fewer, the namespace's child and
 * the two tools being all the probe starts. Its report, and its
 * namespace child's, come through a pipe read once both are done (a few
 * hundred bytes). The working directory it changes is given back.
 */
static enum guard_status probe_here(const struct probe_request *rq, struct guard_out *out)
{
	int p[2], cwd, was;
	char buf[4096];
	ssize_t n;

	memset(out, 0, sizeof(*out));
	if (pipe2(p, O_CLOEXEC) != 0)
		return GUARD_FAILED;
	if ((cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		close(p[0]);
		close(p[1]);
		return GUARD_FAILED;
	}
	fflush(NULL);
	was = guard_report_to(p[1]);
	probe_child((void *)rq, NULL);
	guard_report_to(was);
	close(p[1]);
	if (fchdir(cwd) != 0)
		nf_die(NF_EXIT_INCOMPLETE, "probe: cannot return to the working directory: %s", strerror(errno));
	close(cwd);
	while ((n = read(p[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			guard_out_add(out, buf, (size_t)n);
	close(p[0]);
	return GUARD_OK;
}

void probe_run(const struct probe_request *rq, struct probe_result *res)
{
	struct guard_out out;
	enum guard_status gs;
	int status;
	char *line;

	memset(res, 0, sizeof(*res));
	res->mapping = rq->no_userns ? xstrdup("none: root, no user namespace") : describe_mapping(rq);
	if (runs_here(rq))
		gs = probe_here(rq, &out);
	else
		gs = guard_run(rq->as, rq->timeout_ms, probe_child, (void *)rq, &status, &out);
	for (size_t at = 0; (line = guard_out_line(&out, &at));)
		parse_line(res, line);
	free(out.data);
	if (gs != GUARD_OK) {
		res->timed_out = !guard_interrupted();
		res->interrupted = guard_interrupted() != 0;
		if (gs == GUARD_FAILED && !res->setup_stage) {
			res->setup_stage = xstrdup("switch to the user");
			res->setup_err = EPERM;
		}
	}
	/* Killed before it could tidy up: try once more, briefly, uninterrupted. */
	if (res->scratch && !res->scratch_removed)
		res->scratch_removed = guard_remove(rq->as, 800, res->scratch, true);
}

void probe_result_free(struct probe_result *res)
{
	free(res->scratch);
	free(res->setup_stage);
	free(res->setup_message);
	free(res->mapping);
	memset(res, 0, sizeof(*res));
}
