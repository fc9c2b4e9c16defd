#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guard.h"
#include "podman-version.h"
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

/* Buildah minor release -> the Podman release vendoring the same storage. */
static unsigned podman_for_buildah(unsigned buildah)
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

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
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

/*
 * Run "PROG --version" and find "version X.Y" in what it prints. Even that
 * makes Podman set up /tmp/podman-run-UID and more, which would change the
 * very answer nfscheck is computing: so it runs with every directory
 * pointing into a scratch directory that is removed afterwards, and as
 * nobody when we are root.
 */
static bool ask(const char *prog, unsigned *version, char **found)
{
	char *argv[] = {(char *)prog, (char *)"--version", NULL};
	char dir[] = "/tmp/nfscheck-version-XXXXXX";
	char *envp[8];
	const char *path = getenv("PATH");
	struct identity nobody, *as = NULL;
	struct guard_out out = {0};
	enum guard_status gs;
	const char *v;
	int status, n = 0;
	bool ok = false;

	if (!mkdtemp(dir))
		return false;
	if (geteuid() == 0 && identity_lookup("nobody", &nobody) == 0) {
		if (chown(dir, nobody.uid, nobody.gid) == 0)
			as = &nobody;
		else
			identity_free(&nobody);
	}
	envp[n++] = xasprintf("PATH=%s", path ? path : "/usr/local/bin:/usr/bin:/bin");
	envp[n++] = xasprintf("HOME=%s", dir);
	envp[n++] = xasprintf("TMPDIR=%s", dir);
	envp[n++] = xasprintf("XDG_RUNTIME_DIR=%s", dir);
	envp[n++] = xasprintf("XDG_CONFIG_HOME=%s", dir);
	envp[n++] = xasprintf("XDG_DATA_HOME=%s", dir);
	envp[n++] = xstrdup("LC_ALL=C");
	envp[n] = NULL;
	gs = guard_exec_env(as, PODMAN_VERSION_MS, argv, envp, &status, &out);
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	for (int i = 0; i < n; i++)
		free(envp[i]);
	if (as)
		identity_free(as);
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

int podman_version_detect(struct podman_version *pv, const char *override)
{
	unsigned v;

	memset(pv, 0, sizeof(*pv));
	if (override) {
		if (!podman_version_parse(override, &v))
			return EINVAL;
		pv->version = v;
		pv->source = xstrdup("--podman-version");
		pv->found = xstrdup(override);
	} else if (ask("podman", &v, &pv->found)) {
		pv->version = v;
		pv->source = xstrdup("podman --version");
	} else if (ask("buildah", &v, &pv->found)) {
		pv->version = podman_for_buildah(v);
		pv->source = xstrdup("buildah --version, mapped to the Podman release with the same containers-storage");
	} else {
		pv->version = PODMAN_DEFAULT_VERSION;
		pv->source = xstrdup("default: neither podman nor buildah answered --version");
	}
	if (pv->version < PODMAN_OLDEST_VERSION)
		pv->version = PODMAN_OLDEST_VERSION;
	return 0;
}

void podman_version_free(struct podman_version *pv)
{
	free(pv->source);
	free(pv->found);
	memset(pv, 0, sizeof(*pv));
}
