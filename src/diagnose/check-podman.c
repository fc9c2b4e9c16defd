/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which Podman the other checks model, and whether there is one at all:
 * without podman on the user's PATH nothing else here can make rootless
 * Podman work, and the model is a guess the report must own up to.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "diag.h"

#define G_CONFIG "Configuration"

void check_podman(const struct facts *d, struct findings *out)
{
	const struct podman_version *pv = &d->m.pv;
	const char *algo = pv->new_parser ? "the new storage.conf parser (main file plus drop-ins)"
					  : "the legacy storage.conf parser (one file wins)";
	struct finding *c;

	if (!d->model_ok)
		return;
	if (!pv->installed) {
		c = finding_add(out, "podman", G_CONFIG, NF_FAIL, "Podman is not installed: no podman on the PATH (nor buildah)");
		finding_detail(c, "modelled as Podman %u.%u, %s: %s", pv->release / 100, pv->release % 100, algo,
			       pv->source);
		finding_remedy(c, "install Podman (Debian: apt-get install podman), then run nfscheck again: "
				"the checks below assume the release named above");
	} else if (pv->program && strcmp(pv->program, "buildah") == 0) {
		c = finding_add(out, "podman", G_CONFIG, NF_WARN, "no podman on the PATH; buildah at %s, modelled as Podman %u.%u",
				pv->binary, pv->release / 100, pv->release % 100);
		finding_detail(c, "%s: %s", algo, pv->algorithm_why);
	} else {
		c = finding_add(out, "podman", G_CONFIG, NF_OK, "Podman %u.%u%s%s: %s", pv->release / 100, pv->release % 100,
				pv->binary ? " at " : "", pv->binary ? pv->binary : "", algo);
		finding_detail(c, "%s; %s", pv->source, pv->algorithm_why);
	}
	finding_value_str(c, "binary", pv->binary);
	finding_value_bool(c, "installed", pv->installed);
	finding_value_str(c, "algorithm", pv->new_parser ? "podman-6.0" : "podman-5.8");
}
