/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The decision from what a binary holds (podman_ident_decide): the
 * storage.conf algorithm from the containers/storage code compiled in, the
 * release from the module version, dpkg or the package path, the storage
 * behaviour modelled from both. The evidence is what the four Debian
 * release lines and upstream's module builds carry.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "podman-version.h"
#include "tap.h"

struct want {
	bool decided, new_parser;
	unsigned release, version;
};

static void decide(const char *what, const char *prog, const char *mainver, const char *storver, const char *pkgver,
		   const char *path, unsigned markers, bool pcln, struct want w)
{
	struct podman_version pv = {0};
	bool d;

	pv.program = strdup(prog);
	pv.binary = strdup("/usr/bin/x");
	snprintf(pv.gi.main.path, sizeof(pv.gi.main.path), "%s", mainver ? "github.com/containers/x" : "");
	snprintf(pv.gi.main.version, sizeof(pv.gi.main.version), "%s", mainver ? mainver : "");
	snprintf(pv.gi.storage.path, sizeof(pv.gi.storage.path), "%s", storver ? "go.podman.io/storage" : "");
	snprintf(pv.gi.storage.version, sizeof(pv.gi.storage.version), "%s", storver ? storver : "");
	snprintf(pv.gi.main_path, sizeof(pv.gi.main_path), "%s", path ? path : "");
	if (pkgver) {
		pv.have_pkg = true;
		snprintf(pv.pkg.name, sizeof(pv.pkg.name), "%s", prog);
		snprintf(pv.pkg.version, sizeof(pv.pkg.version), "%s", pkgver);
	}
	pv.gi.markers = markers;
	pv.gi.found = GB_ELF | GB_BUILDINFO | (pcln ? GB_PCLNTAB : 0);
	d = podman_ident_decide(&pv);
	if (!w.decided)
		ok(!d, "%s: not decided", what);
	else
		ok(d && pv.new_parser == w.new_parser && pv.release == w.release && pv.version == w.version,
		   "%s: %s parser, release %u, modelled as %u (got %d %s %u %u; %s)", what, w.new_parser ? "new" : "legacy",
		   w.release, w.version, d, pv.new_parser ? "new" : "legacy", pv.release, pv.version,
		   pv.algorithm_why ? pv.algorithm_why : "");
	podman_version_free(&pv);
}

#define W(d, n, r, v) ((struct want){d, n, r, v})

int main(void)
{
	/* Debian's GOPATH builds: no module versions, dpkg's version, the function table. */
	decide("bookworm 4.3.1", "podman", NULL, NULL, "4.3.1+ds1-8+deb12u1+b3", "github.com/containers/podman/cmd/podman",
	       GM_STORAGE_OLD | GM_COMMON_OLD, true, W(true, false, PV(4, 3), PV(4, 3)));
	decide("trixie 5.4.2", "podman", NULL, NULL, "5.4.2+ds1-2+b2", "github.com/containers/podman/cmd/podman",
	       GM_STORAGE_OLD | GM_COMMON_OLD, true, W(true, false, PV(5, 4), PV(5, 4)));
	decide("sid 5.8.6 with storage 1.64", "podman", NULL, NULL, "5.8.6+ds1-3", "github.com/containers/podman/v5/cmd/podman",
	       GM_CONFIGFILE | GM_STORAGE_NEW | GM_COMMON_NEW, true, W(true, true, PV(5, 8), PV(6, 0)));
	decide("experimental 6.1.1", "podman", NULL, NULL, "6.1.1+ds1-1+b1", "go.podman.io/podman/v6/cmd/podman",
	       GM_CONFIGFILE | GM_STORAGE_NEW | GM_COMMON_NEW, true, W(true, true, PV(6, 1), PV(6, 1)));
	/* Upstream's module builds. */
	decide("upstream 5.8.2, storage 1.62 at its new path", "podman", "v5.8.2", "v1.62.0", NULL, NULL,
	       GM_STORAGE_NEW | GM_COMMON_NEW, true, W(true, false, PV(5, 8), PV(5, 8)));
	decide("upstream 5.2.0 with storage 1.55", "podman", "v5.2.0", "v1.55.0", NULL, NULL, GM_STORAGE_OLD, true,
	       W(true, false, PV(5, 2), PV(5, 2)));
	decide("a 5.6 rebuilt against storage 1.61: modelled by its storage", "podman", "v5.6.1", "v1.61.0", NULL, NULL,
	       GM_STORAGE_OLD, true, W(true, false, PV(5, 6), PV(5, 7)));
	decide("a 6.0 without pkg/configfile is modelled as legacy", "podman", "v6.0.0", NULL, NULL, NULL,
	       GM_STORAGE_NEW, true, W(true, false, PV(6, 0), PV(5, 8)));
	decide("function table unreadable: storage 1.64 decides", "podman", "v5.8.0", "v1.64.0", NULL, NULL, 0, false,
	       W(true, true, PV(5, 8), PV(6, 0)));
	decide("nothing but the release", "podman", "v6.0.1", NULL, NULL, NULL, 0, false, W(true, true, PV(6, 0), PV(6, 0)));
	decide("a (devel) module version falls to dpkg", "podman", "(devel)", NULL, "1:5.4.0-1", NULL, GM_STORAGE_OLD, true,
	       W(true, false, PV(5, 4), PV(5, 4)));
	decide("only the /v5/ of the package path", "podman", NULL, NULL, NULL, "github.com/containers/podman/v5/cmd/podman",
	       GM_STORAGE_OLD, true, W(true, false, PV(5, 0), PV(5, 0)));
	decide("no release anywhere: not decided (--version then)", "podman", NULL, NULL, NULL,
	       "github.com/containers/podman/cmd/podman", GM_STORAGE_OLD, true, W(false, false, 0, 0));
	/* buildah: mapped to the Podman release that vendors the same storage. */
	decide("buildah 1.43 (module)", "buildah", "v1.43.0", NULL, NULL, NULL, GM_STORAGE_NEW, true,
	       W(true, false, PV(5, 8), PV(5, 8)));
	decide("buildah 1.28.2 (dpkg)", "buildah", NULL, NULL, "1.28.2+ds1-3", "github.com/containers/buildah/cmd/buildah",
	       GM_STORAGE_OLD, true, W(true, false, PV(4, 3), PV(4, 3)));
	decide("a Podman older than 4.0 is modelled as 4.0", "podman", NULL, NULL, "3.0.1+dfsg1-3", NULL, GM_STORAGE_OLD, true,
	       W(true, false, PV(4, 0), PV(4, 0)));
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
