/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Podman that will run, identified from its file: which storage.conf
 * algorithm is compiled in (the package paths of containers/storage in the
 * function table) and which release it is (the main module's version, else
 * the dpkg package owning the file). Running `podman --version` costs tens
 * of milliseconds and megabytes, creates directories (4.3), and says
 * nothing about the algorithm: Debian's 5.8.6 runs the new parser.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "fsx.h"
#include "localwalk.h"
#include "podman-version.h"
#include "util.h"
#include "xalloc.h"

/* Reading a 45 MB binary takes a few ms; a network mount gets this long. */
#define IDENT_MS 3000

/* What the guarded child hands back, byte for byte. */
struct ident_out {
	int look_err;          /* not on the PATH: the errno */
	char binary[PATH_MAX]; /* where on the PATH */
	int open_err;          /* realpath or open failed: the errno */
	int read_err;          /* gobin_read_fd's result */
	int dpkg_err;          /* 0 when PKG was found */
	char resolved[PATH_MAX];
	struct gobin_info gi;
	struct dpkg_pkg pkg;
};

struct ident_req {
	const char *prog;
	const char *search;    /* the PATH */
};

/* dpkg's owner and status of the binary, as ident_child finds them. */
static void ident_dpkg(const char *prog, const char *bin, const char *real, struct ident_out *o)
{
	const char *paths[2] = {bin, real ? real : bin};

	o->dpkg_err = ENOENT;
	/* A module build names its own version: dpkg is not needed. */
	if (!o->gi.main.version[0] || o->gi.main.version[0] == '(')
		o->dpkg_err = dpkg_owner(DPKG_ADMINDIR, paths, 2, prog, &o->pkg);
	if (o->dpkg_err == 0) {
		char name[sizeof(o->pkg.name)];

		memcpy(name, o->pkg.name, sizeof(name));
		o->dpkg_err = dpkg_status(DPKG_ADMINDIR, name, &o->pkg);
	}
}

/* In a child, as the user: find the program on the PATH, resolve and open
 * it (a FIFO must not block us), read its ELF file, then find the dpkg
 * package that owns it. One child for all of it. */
static int ident_child(void *arg, struct guard_out *out)
{
	const struct ident_req *r = arg;
	struct ident_out *o = xcalloc(1, sizeof(*o));
	char *bin = NULL, *real = NULL;
	int fd = -1;

	o->look_err = fsx_lookpath_here(r->prog, r->search, &bin);
	if (o->look_err)
		goto out;
	snprintf(o->binary, sizeof(o->binary), "%s", bin);
	real = realpath(bin, NULL);
	if (!real)
		o->open_err = errno;
	else if ((fd = open(real, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0)
		o->open_err = errno;
	if (real)
		snprintf(o->resolved, sizeof(o->resolved), "%s", real);
	if (fd >= 0) {
		o->read_err = gobin_read_fd(fd, &o->gi);
		close(fd);
	}
	ident_dpkg(r->prog, bin, real, o);
out:
	guard_out_add(out, o, sizeof(*o));
	free(o);
	free(real);
	free(bin);
	return 0;
}

/* Open the resolved binary REAL in-process: 0 and *FD, an errno for the
 * answer, or LW_FALLBACK (not a regular file on a mount proved local). */
static int ident_open_here(const char *real, const struct identity *as, int *fd)
{
	struct lw_ident id;
	struct lw_res res;
	int rc;

	*fd = -1;
	if (!lw_ident_enter(as, &id))
		return LW_FALLBACK;
	rc = lw_resolve(real, LW_FOLLOW, &res);
	if (rc == 0) {
		/* A FIFO or a device would be read without a deadline here; and
		 * root acting for a user parses only root's own files: a file
		 * the user could write is the attacker's input, read by the
		 * child in the user's name as before. */
		bool theirs = as && (res.st.st_uid != 0 || (res.st.st_mode & (S_IWGRP | S_IWOTH)));

		rc = S_ISREG(res.st.st_mode) && !theirs ? lw_reopen(&res, O_RDONLY | O_NOCTTY | O_NONBLOCK, fd)
							: LW_FALLBACK;
		lw_res_free(&res);
	}
	lw_ident_leave(&id);
	return rc;
}

/*
 * What ident_child does, in this process, when every path it touches is
 * proved local (localwalk.h: the PATH's candidates, the binary, dpkg's
 * database): no child, no deadline needed. False when that cannot be
 * proved; then the child does all of it, as before.
 */
static bool ident_here(const struct ident_req *r, const struct identity *as, struct ident_out *o)
{
	struct fsx x = {.as = as, .here_only = true};
	struct lw_ident id;
	char *bin = NULL, *real = NULL;
	int fd = -1, err;
	bool done = false;

	memset(o, 0, sizeof(*o));
	err = fsx_lookpath(&x, r->prog, r->search, &bin);
	if (err == FSX_NOT_HERE || err == NF_EDEADLINE)
		return false;
	o->look_err = err;
	if (err)
		return true;
	snprintf(o->binary, sizeof(o->binary), "%s", bin);
	err = fsx_realpath(&x, bin, &real);
	if (err == FSX_NOT_HERE || err == NF_EDEADLINE)
		goto out;
	if (err) {
		o->open_err = err;
	} else {
		snprintf(o->resolved, sizeof(o->resolved), "%s", real);
		err = ident_open_here(real, as, &fd);
		if (err == LW_FALLBACK)
			goto out;
		o->open_err = err;
	}
	if (fd >= 0) {
		o->read_err = gobin_read_fd(fd, &o->gi);
		close(fd);
	}
	/* dpkg's files are root's; the tree test keeps a mount out of the way. */
	if ((!o->gi.main.version[0] || o->gi.main.version[0] == '(') && !lw_tree_local(DPKG_ADMINDIR))
		goto out;
	if (lw_ident_enter(as, &id)) {
		ident_dpkg(r->prog, bin, real, o);
		lw_ident_leave(&id);
		done = true;
	}
out:
	free(real);
	free(bin);
	return done;
}

static void pkg_sanitize(struct dpkg_pkg *p)
{
	char *f[] = {p->name, p->version, p->status};
	size_t n[] = {sizeof(p->name), sizeof(p->version), sizeof(p->status)};

	for (size_t i = 0; i < ARRAY_SIZE(f); i++) {
		f[i][n[i] - 1] = '\0';
		for (char *s = f[i]; *s; s++)
			if (*s < 0x20 || *s >= 0x7f)
				*s = '?';
	}
}

/* First containers/storage minor of each Podman release, from Podman's go.mod. */
static unsigned podman_for_storage(unsigned storage)
{
	static const struct {
		unsigned storage, podman;
	} map[] = {
		{138, PV(4, 0)}, {140, PV(4, 1)}, {142, PV(4, 2)}, {143, PV(4, 3)}, {145, PV(4, 4)},
		{146, PV(4, 5)}, {148, PV(4, 6)}, {150, PV(4, 7)}, {151, PV(4, 8)}, {153, PV(5, 0)},
		{154, PV(5, 1)}, {155, PV(5, 2)}, {156, PV(5, 3)}, {157, PV(5, 4)}, {158, PV(5, 5)},
		{159, PV(5, 6)}, {161, PV(5, 7)}, {162, PV(5, 8)}, {163, PV(6, 0)},
	};
	unsigned best = PODMAN_OLDEST_VERSION;

	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (storage >= map[i].storage)
			best = map[i].podman;
	return best;
}

/* The N of a "/vN/" element in the main package path ("github.com/containers/podman/v5/cmd/podman"). */
static bool path_major(const char *path, unsigned *major)
{
	for (const char *p = strstr(path, "/v"); p; p = strstr(p + 1, "/v")) {
		char *end;
		unsigned long n;

		if (p[2] < '1' || p[2] > '9')
			continue;
		n = strtoul(p + 2, &end, 10);
		if (*end == '/' && n < 100) {
			*major = (unsigned)n;
			return true;
		}
	}
	return false;
}

/* The program's own release (PV), and how it is known; false when not. */
static bool decide_release(struct podman_version *pv, unsigned *rel, char **how)
{
	const struct gobin_info *gi = &pv->gi;
	bool buildah = strcmp(pv->program, "buildah") == 0;
	unsigned v, major;

	if (gi->main.version[0] && gobin_version_parse(gi->main.version, &v)) {
		*rel = buildah ? podman_for_buildah(v) : v;
		*how = xasprintf("version from its module %s", gi->main.path);
		return true;
	}
	if (pv->have_pkg && dpkg_version_release(pv->pkg.version, &v)) {
		*rel = buildah ? podman_for_buildah(v) : v;
		*how = xasprintf("version from dpkg's package %s", pv->pkg.name);
		return true;
	}
	if (!buildah && path_major(gi->main_path, &major)) {
		*rel = PV(major, 0);
		*how = xasprintf("the major release in its package path %s; minor unknown", gi->main_path);
		return true;
	}
	return false;
}

/* Which parser is compiled in, and why we think so. */
static void decide_algorithm(struct podman_version *pv, unsigned level)
{
	const struct gobin_info *gi = &pv->gi;
	unsigned sv;

	if ((gi->found & GB_PCLNTAB) && (gi->markers & GM_CONFIGFILE)) {
		pv->new_parser = true;
		pv->algorithm_why = xstrdup("go.podman.io/storage/pkg/configfile is compiled in");
	} else if ((gi->found & GB_PCLNTAB) && (gi->markers & (GM_STORAGE_NEW | GM_STORAGE_OLD))) {
		pv->new_parser = false;
		pv->algorithm_why = xasprintf("%s is compiled in without pkg/configfile",
					      gi->markers & GM_STORAGE_NEW ? "go.podman.io/storage"
									   : "github.com/containers/storage");
	} else if (gi->storage.version[0] && gobin_version_parse(gi->storage.version, &sv)) {
		pv->new_parser = sv >= 163;
		pv->algorithm_why = xasprintf("module %s %s", gi->storage.path, gi->storage.version);
	} else {
		pv->new_parser = podman_version_v6(level);
		pv->algorithm_why = xstrdup(gi->found & GB_ELF ? "from the release: no containers/storage code found in the file"
							       : "from the release");
	}
}

void podman_ident_apply(struct podman_version *pv, unsigned rel)
{
	const struct gobin_info *gi = &pv->gi;
	unsigned level = rel, sv;

	/* The storage code compiled in decides, not the release's number. */
	if (gi->storage.version[0] && gobin_version_parse(gi->storage.version, &sv))
		level = podman_for_storage(sv);
	free(pv->algorithm_why);
	decide_algorithm(pv, level);
	if (pv->new_parser && !podman_version_v6(level))
		level = PV(6, 0);
	else if (!pv->new_parser && podman_version_v6(level))
		level = PV(5, 8);
	pv->release = rel < PODMAN_OLDEST_VERSION ? PODMAN_OLDEST_VERSION : rel;
	pv->version = level < PODMAN_OLDEST_VERSION ? PODMAN_OLDEST_VERSION : level;
}

bool podman_ident_decide(struct podman_version *pv)
{
	const struct gobin_info *gi = &pv->gi;
	unsigned rel;
	char *how = NULL;

	if (!pv->program || !decide_release(pv, &rel, &how))
		return false;
	podman_ident_apply(pv, rel);
	free(pv->source);
	pv->source = xasprintf("the file %s, not run; %s", pv->resolved ? pv->resolved : pv->binary, how);
	free(pv->found);
	pv->found = xasprintf("%s %s", pv->program, pv->have_pkg && pv->pkg.version[0] ? pv->pkg.version
							: gi->main.version[0] ? gi->main.version : "?");
	free(how);
	return true;
}

/* CPU time between two getrusage() readings, in ms. */
static double cpu_ms(const struct rusage *a, const struct rusage *b)
{
	return (double)(b->ru_utime.tv_sec - a->ru_utime.tv_sec + b->ru_stime.tv_sec - a->ru_stime.tv_sec) * 1e3 +
	       (double)(b->ru_utime.tv_usec - a->ru_utime.tv_usec + b->ru_stime.tv_usec - a->ru_stime.tv_usec) / 1e3;
}

bool podman_ident(struct podman_version *pv, const char *prog, const char *search, const struct identity *as,
		  bool *decided)
{
	struct ident_req r = {.prog = prog, .search = search};
	struct guard_out out = {0};
	struct ident_out o;
	double t0 = mono_ms();
	struct rusage u0, u1, s0, s1;
	bool here = false;
	int status = 0;

	*decided = false;
	getrusage(RUSAGE_CHILDREN, &u0);
	getrusage(RUSAGE_SELF, &s0);
	if (ident_here(&r, as, &o)) {
		here = true;
	} else if (guard_run(as, IDENT_MS, ident_child, &r, &status, &out) != GUARD_OK || status != 0 ||
		   out.len != sizeof(o)) {
		/* Cut short (a PATH or binary on a mount that does not answer):
		 * assume it is there; --version, under its own deadline, may tell. */
		free(out.data);
		pv->program = xstrdup(prog);
		pv->binary = xstrdup(prog);
		pv->installed = true;
		pv->binary_err = NF_EDEADLINE;
		pv->ident_ms = mono_ms() - t0;
		return true;
	}
	if (!here)
		memcpy(&o, out.data, sizeof(o));
	free(out.data);
	if (o.look_err)
		return false;
	o.binary[sizeof(o.binary) - 1] = '\0';
	o.resolved[sizeof(o.resolved) - 1] = '\0';
	pv->program = xstrdup(prog);
	pv->binary = xstrdup(o.binary);
	pv->installed = true;
	if (o.resolved[0])
		pv->resolved = xstrdup(o.resolved);
	pv->binary_err = o.open_err ? o.open_err : o.read_err;
	pv->binary_read = !o.open_err && !o.read_err;
	pv->gi = o.gi;
	gobin_info_sanitize(&pv->gi);
	if (o.dpkg_err == 0) {
		pv->pkg = o.pkg;
		pkg_sanitize(&pv->pkg);
		pv->have_pkg = true;
	}
	*decided = pv->binary_read && podman_ident_decide(pv);
	pv->ident_ms = mono_ms() - t0;
	/* As the guarded calls do (fsx.c), for bench/podman-ident.sh: the
	 * child's CPU time too, which a busy machine does not inflate. */
	getrusage(RUSAGE_CHILDREN, &u1);
	getrusage(RUSAGE_SELF, &s1);
	if (getenv("NFSCHECK_DEBUG"))
		fprintf(stderr, "nfscheck: debug: identify %s: %.2f ms (%.2f ms CPU)%s: %s\n", pv->binary, pv->ident_ms,
			here ? cpu_ms(&s0, &s1) : cpu_ms(&u0, &u1), here ? ", in-process" : "",
			*decided ? pv->algorithm_why : "not identified");
	return true;
}

/* Debian's Podman per suite, for a machine without one: what apt would install. */
static bool debian_suite_release(unsigned *rel, char *suite, size_t size)
{
	static const struct {
		const char *codename;
		unsigned podman;
	} suites[] = {{"bookworm", PV(4, 3)}, {"trixie", PV(5, 4)}};
	char *buf = NULL, *line, *save;
	size_t len;
	bool debian = false, ok = false;
	struct fsx x = {0};

	if (fsx_read_file(&x, "/etc/os-release", 65536, &buf, &len) != 0)
		return false;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strcmp(line, "ID=debian") == 0)
			debian = true;
		else if (strncmp(line, "VERSION_CODENAME=", 17) == 0)
			snprintf(suite, size, "%s", line + 17);
	}
	for (size_t i = 0; debian && i < ARRAY_SIZE(suites); i++)
		if (strcmp(suite, suites[i].codename) == 0) {
			*rel = suites[i].podman;
			ok = true;
		}
	free(buf);
	return ok;
}

struct candidate_out {
	int err;
	struct dpkg_pkg pkg;
};

static int candidate_child(void *arg, struct guard_out *out)
{
	struct candidate_out o = {0};

	(void)arg;
	o.err = dpkg_status(DPKG_ADMINDIR, "podman", &o.pkg);
	guard_out_add(out, &o, sizeof(o));
	return 0;
}

bool podman_candidate(struct podman_version *pv)
{
	struct guard_out out = {0};
	struct candidate_out o;
	char suite[64] = "";
	unsigned rel;
	int status;

	if (guard_run(NULL, IDENT_MS, candidate_child, NULL, &status, &out) == GUARD_OK && status == 0 &&
	    out.len == sizeof(o)) {
		memcpy(&o, out.data, sizeof(o));
		pkg_sanitize(&o.pkg);
		if (o.err == 0 && dpkg_version_release(o.pkg.version, &rel)) {
			free(out.data);
			pv->release = pv->version = rel < PODMAN_OLDEST_VERSION ? PODMAN_OLDEST_VERSION : rel;
			pv->source = xasprintf("no podman on the PATH; dpkg's status of package podman %s: %s",
					       o.pkg.version, o.pkg.status);
			return true;
		}
	}
	free(out.data);
	if (debian_suite_release(&rel, suite, sizeof(suite))) {
		pv->release = pv->version = rel;
		pv->source = xasprintf("no podman on the PATH; Debian %s's podman package is %u.%u", suite,
				       rel / 100, rel % 100);
		return true;
	}
	return false;
}
