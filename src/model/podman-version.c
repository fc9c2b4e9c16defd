/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/close_range.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guard.h"
#include "podman-version.h"
#include "util.h"
#include "xalloc.h"

bool podman_version_parse(const char *s, unsigned *version)
{
	unsigned major, minor;
	int used = 0;

	if (sscanf(s, "%u.%u%n", &major, &minor, &used) != 2 || major > 99 || minor > 99)
		return false;
	if (s[used] && s[used] != '.' && s[used] != '-' && s[used] != '+' && s[used] != ' ' && s[used] != '\n')
		return false;
	*version = PV(major, minor);
	return true;
}

unsigned podman_for_buildah(unsigned buildah)
{
	static const struct {
		unsigned buildah, podman;
	} map[] = {
		{PV(1, 26), PV(4, 1)}, {PV(1, 27), PV(4, 2)}, {PV(1, 28), PV(4, 3)},
		{PV(1, 29), PV(4, 4)}, {PV(1, 30), PV(4, 5)}, {PV(1, 31), PV(4, 6)},
		{PV(1, 32), PV(4, 7)}, {PV(1, 33), PV(4, 8)}, {PV(1, 34), PV(4, 9)},
		{PV(1, 35), PV(5, 0)}, {PV(1, 36), PV(5, 1)}, {PV(1, 37), PV(5, 2)},
		{PV(1, 38), PV(5, 3)}, {PV(1, 39), PV(5, 4)}, {PV(1, 40), PV(5, 5)},
		{PV(1, 41), PV(5, 6)}, {PV(1, 42), PV(5, 7)}, {PV(1, 43), PV(5, 8)},
		{PV(1, 44), PV(6, 0)},
	};
	unsigned best = PODMAN_OLDEST_VERSION;

	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (buildah >= map[i].buildah)
			best = map[i].podman;
	return best;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

struct ask_req {
	char *const *argv;
	const char *path;               /* PATH for the program */
	const struct identity *as;      /* nobody, when we are root; else NULL */
};

/* Write TEXT to the /proc/self file NAME; false on any failure. */
static bool proc_write(const char *name, const char *text)
{
	char path[64];
	int fd;
	bool ok;

	snprintf(path, sizeof(path), "/proc/self/%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok;
}

/* A user namespace mapping only ourselves, so that a tmpfs can be mounted
 * without privilege; Podman sees the same UID and GID as outside. */
static bool own_userns(void)
{
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0 || !proc_write("setgroups", "deny"))
		return false;
	snprintf(map, sizeof(map), "%u %u 1", (unsigned)uid, (unsigned)uid);
	if (!proc_write("uid_map", map))
		return false;
	snprintf(map, sizeof(map), "%u %u 1", (unsigned)gid, (unsigned)gid);
	return proc_write("gid_map", map);
}

/* A tmpfs on /tmp in the mount namespace just made, private to it. */
static bool private_tmp(void)
{
	return mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
	       mount("nfscheck-version", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700,size=16m") == 0;
}

/*
 * Where Podman may write while it answers: a tmpfs on /tmp in a mount
 * namespace of this child's own, which the kernel frees with the last
 * process in it -- nothing is left in the real /tmp however the run ends,
 * and root never walks a directory another user could change. As root
 * the tmpfs is handed to nobody before switching. Without root and
 * without user namespaces there is no privilege to protect: a scratch
 * directory of our own, removed by this same child (left behind only if
 * the child is killed).
 */
static int scratch_setup(const struct ask_req *r, char *dir, size_t size, bool *walk)
{
	const char *tmp = getenv("TMPDIR");

	*walk = false;
	snprintf(dir, size, "/tmp");
	if (r->as) {
		if (unshare(CLONE_NEWNS) != 0 || !private_tmp() || chown("/tmp", r->as->uid, r->as->gid) != 0 ||
		    identity_become(r->as) != 0)
			return -1;
		return 0;
	}
	if (own_userns() && private_tmp())
		return 0;
	snprintf(dir, size, "%s/nfscheck-version-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	*walk = true;
	return mkdtemp(dir) ? 0 : -1;
}

/* Without close_range(2) (before Linux 5.11): the same, one by one. */
static bool cloexec_all(void)
{
	for (int fd = 3; fd < 1024; fd++)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	return true;
}

/* In a guarded child: run the program with every directory Podman uses
 * pointing into the scratch space, and hand back what it prints. */
static int ask_child(void *arg, struct guard_out *out)
{
	const struct ask_req *r = arg;
	char dir[PATH_MAX], *envp[8], buf[4096];
	int n = 0, fds[2], null, st;
	pid_t parent, pid;
	ssize_t got;
	bool walk;

	/* Podman runs as nobody, whom any process of nobody's may ptrace: it
	 * gets no controlling terminal (TIOCSTI into root's shell) and no
	 * descriptor of root's but its output pipe. */
	if (setsid() < 0 || (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0 && !cloexec_all()))
		return 127;
	if (scratch_setup(r, dir, sizeof(dir), &walk) != 0)
		return 127;
	envp[n++] = xasprintf("PATH=%s", r->path);
	envp[n++] = xasprintf("HOME=%s", dir);
	envp[n++] = xasprintf("TMPDIR=%s", dir);
	envp[n++] = xasprintf("XDG_RUNTIME_DIR=%s", dir);
	envp[n++] = xasprintf("XDG_CONFIG_HOME=%s", dir);
	envp[n++] = xasprintf("XDG_DATA_HOME=%s", dir);
	envp[n++] = xstrdup("LC_ALL=C");
	envp[n] = NULL;
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || pipe2(fds, O_CLOEXEC) != 0)
		return 127;
	parent = getpid();
	pid = fork();
	if (pid == 0) {
		/* Dies with this child, which dies with nfscheck. */
		guard_die_with_parent(parent);
		if (dup2(null, 0) < 0 || dup2(fds[1], 1) < 0 || dup2(null, 2) < 0)
			_exit(127);
		execvpe(r->argv[0], r->argv, envp);
		_exit(127);
	}
	close(fds[1]);
	while (pid > 0 && ((got = read(fds[0], buf, sizeof(buf))) > 0 || (got < 0 && errno == EINTR)))
		if (got > 0)
			guard_out_add(out, buf, (size_t)got);
	close(fds[0]);
	st = 127;
	if (pid > 0) {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		st = WIFEXITED(st) ? WEXITSTATUS(st) : 127;
	}
	if (walk)
		nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	return st;
}

/*
 * Run "PROG --version" and find "version X.Y" in what it prints: only when
 * the file could not be identified. It is searched on nfscheck's own PATH,
 * never the user's: as root it runs as nobody, and a program the user
 * placed must not run under any identity but the user's. Even that
 * makes Podman set up /tmp/podman-run-UID and more, which would change the
 * very answer nfscheck is computing: so it runs in scratch space (see
 * scratch_setup), and as nobody when we are root.
 */
static bool ask(const char *prog, unsigned *version, char **found)
{
	char *argv[] = {(char *)prog, (char *)"--version", NULL};
	const char *path = getenv("PATH");
	struct identity nobody;
	struct ask_req r = {.argv = argv, .path = path ? path : "/usr/local/bin:/usr/bin:/bin"};
	struct guard_out out = {0};
	enum guard_status gs;
	const char *v;
	int status;
	bool ok = false;

	if (geteuid() == 0) {
		if (identity_lookup("nobody", &nobody) != 0)
			return false;
		r.as = &nobody;
	}
	/* The child switches to nobody itself, after making its namespace. */
	gs = guard_run(NULL, PODMAN_VERSION_MS, ask_child, &r, &status, &out);
	if (r.as)
		identity_free(&nobody);
	if (gs != GUARD_OK || status != 0) {
		free(out.data);
		return false;
	}
	guard_out_add(&out, "", 1);
	v = strstr(out.data, "version ");
	if (v && podman_version_parse(v + 8, version)) {
		size_t len = strcspn(v + 8, " \n(");

		*found = xasprintf("%s %.*s", prog, (int)len, v + 8);
		ok = true;
	}
	free(out.data);
	return ok;
}

/* The file could not settle it: ask PROG itself, keeping what the file said. */
static bool ask_program(struct podman_version *pv, const char *prog)
{
	unsigned v;
	char *found = NULL;

	if (!ask(prog, &v, &found))
		return false;
	free(pv->found);
	pv->found = found;
	free(pv->source);
	pv->source = xasprintf("%s --version%s", prog,
			       strcmp(prog, "podman") ? ", mapped to the Podman release with the same containers-storage"
						      : "");
	/* What the file showed of its storage code still decides the algorithm. */
	podman_ident_apply(pv, strcmp(prog, "podman") == 0 ? v : podman_for_buildah(v));
	return true;
}

/* PROG on SEARCH, from its file or else its --version. False when not installed. */
static bool identify(struct podman_version *pv, const char *prog, const char *search, const struct identity *as)
{
	bool decided;

	if (!podman_ident(pv, prog, search, as, &decided))
		return false;
	if (decided || ask_program(pv, prog))
		return true;
	pv->release = pv->version = PODMAN_DEFAULT_VERSION;
	pv->source = xasprintf("default: %s could neither be identified from its file (%s) nor answered --version",
			       pv->binary, pv->gi.why[0] ? pv->gi.why : nf_strerror(pv->binary_err));
	return true;
}

int podman_version_detect(struct podman_version *pv, const char *override, const char *search,
			  const struct identity *as)
{
	unsigned v;

	memset(pv, 0, sizeof(*pv));
	if (!search)
		search = getenv("PATH");
	if (!search)
		search = "/usr/local/bin:/usr/bin:/bin";
	if (override) {
		if (!podman_version_parse(override, &v))
			return EINVAL;
		pv->version = pv->release = v;
		pv->installed = true;
		pv->source = xstrdup("--podman-version");
		pv->found = xstrdup(override);
	} else if (!identify(pv, "podman", search, as)) {
		podman_version_free(pv);
		if (!identify(pv, "buildah", search, as)) {
			podman_version_free(pv);
			if (!podman_candidate(pv)) {
				pv->release = pv->version = PODMAN_DEFAULT_VERSION;
				pv->source = xstrdup("assumed: neither podman nor buildah is on the PATH, and "
						     "dpkg names no release");
			}
		}
	}
	if (pv->version < PODMAN_OLDEST_VERSION)
		pv->version = PODMAN_OLDEST_VERSION;
	if (pv->release < PODMAN_OLDEST_VERSION)
		pv->release = PODMAN_OLDEST_VERSION;
	pv->new_parser = podman_version_v6(pv->version);
	if (!pv->algorithm_why)
		pv->algorithm_why = xstrdup(override ? "from --podman-version" : "from the release");
	return 0;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void podman_version_copy(struct podman_version *dst, const struct podman_version *src)
{
	/* Every field but the strings is a value (the ELF and dpkg evidence
	 * included: fixed arrays). */
	*dst = *src;
	dst->source = dup_or_null(src->source);
	dst->found = dup_or_null(src->found);
	dst->algorithm_why = dup_or_null(src->algorithm_why);
	dst->program = dup_or_null(src->program);
	dst->binary = dup_or_null(src->binary);
	dst->resolved = dup_or_null(src->resolved);
}

#define PV_STRINGS 6

/* The strings of PV, in the order the packed form holds them. */
static void string_fields(struct podman_version *pv, char **f[PV_STRINGS])
{
	f[0] = &pv->source;
	f[1] = &pv->found;
	f[2] = &pv->algorithm_why;
	f[3] = &pv->program;
	f[4] = &pv->binary;
	f[5] = &pv->resolved;
}

char *podman_version_pack(const struct podman_version *pv, size_t *len)
{
	struct podman_version copy = *pv;
	size_t n = PV_STRINGS, total = sizeof(copy);
	char **strs[PV_STRINGS], *out, *at;

	string_fields(&copy, strs);
	for (size_t i = 0; i < n; i++)
		total += 1 + (*strs[i] ? strlen(*strs[i]) + 1 : 0);
	out = xmalloc(total);
	at = out + sizeof(copy);
	/* Each string: a byte saying whether there is one, then it with its NUL. */
	for (size_t i = 0; i < n; i++) {
		*at++ = *strs[i] != NULL;
		if (*strs[i]) {
			memcpy(at, *strs[i], strlen(*strs[i]) + 1);
			at += strlen(*strs[i]) + 1;
		}
		*strs[i] = NULL;
	}
	memcpy(out, &copy, sizeof(copy));
	*len = total;
	return out;
}

bool podman_version_unpack(struct podman_version *pv, const char *data, size_t len)
{
	const char *at = data + sizeof(*pv), *end = data + len;
	size_t n = PV_STRINGS;
	char **strs[PV_STRINGS];

	if (len < sizeof(*pv))
		return false;
	memcpy(pv, data, sizeof(*pv));
	string_fields(pv, strs);
	for (size_t i = 0; i < n; i++)
		*strs[i] = NULL;
	for (size_t i = 0; i < n; i++) {
		const char *nul;

		if (at >= end)
			goto bad;
		if (!*at++)
			continue;
		if (!(nul = memchr(at, '\0', (size_t)(end - at))))
			goto bad;
		*strs[i] = xstrdup(at);
		at = nul + 1;
	}
	return true;
bad:
	podman_version_free(pv);
	return false;
}

void podman_version_free(struct podman_version *pv)
{
	free(pv->source);
	free(pv->found);
	free(pv->algorithm_why);
	free(pv->program);
	free(pv->binary);
	free(pv->resolved);
	memset(pv, 0, sizeof(*pv));
}
