/* SPDX-License-Identifier: Apache-2.0 */
/* The "podman" object of config --json: which Podman is modelled and the evidence for it. */
#include "config.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "report.h"
#include "util.h"

static struct json_object *jstr_or_null(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

static struct json_object *json_mod(const struct gobin_mod *m)
{
	struct json_object *o;

	if (!m->path[0])
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "path", json_object_new_string(m->path));
	json_object_object_add(o, "version", jstr_or_null(m->version));
	return o;
}

static struct json_object *json_markers(const struct gobin_info *gi)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{GM_CONFIGFILE, "go.podman.io/storage/pkg/configfile"},
		{GM_STORAGE_NEW, "go.podman.io/storage"},
		{GM_STORAGE_OLD, "github.com/containers/storage"},
		{GM_COMMON_NEW, "go.podman.io/common"},
		{GM_COMMON_OLD, "github.com/containers/common"},
	};
	struct json_object *a;

	if (!(gi->found & GB_PCLNTAB))
		return NULL;
	a = json_object_new_array();
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (gi->markers & names[i].bit)
			json_object_array_add(a, json_object_new_string(names[i].name));
	return a;
}

static struct json_object *json_binary(const struct podman_version *pv)
{
	struct json_object *o = json_object_new_object(), *pkg = NULL;
	const struct gobin_info *gi = &pv->gi;

	json_object_object_add(o, "program", json_object_new_string(pv->program));
	json_object_object_add(o, "path", json_object_new_string(pv->binary));
	json_object_object_add(o, "resolved", jstr_or_null(pv->resolved));
	json_object_object_add(o, "read", json_object_new_boolean(pv->binary_read));
	json_object_object_add(o, "error", pv->binary_read ? NULL
					   : json_object_new_string(gi->why[0] ? gi->why : nf_strerror(pv->binary_err)));
	json_object_object_add(o, "go_version", jstr_or_null(gi->go_version));
	json_object_object_add(o, "main_package", jstr_or_null(gi->main_path));
	json_object_object_add(o, "main_module", json_mod(&gi->main));
	json_object_object_add(o, "storage_module", json_mod(&gi->storage));
	json_object_object_add(o, "common_module", json_mod(&gi->common));
	json_object_object_add(o, "markers", json_markers(gi));
	if (pv->have_pkg) {
		pkg = json_object_new_object();
		json_object_object_add(pkg, "name", json_object_new_string(pv->pkg.name));
		json_object_object_add(pkg, "version", json_object_new_string(pv->pkg.version));
		json_object_object_add(pkg, "status", json_object_new_string(pv->pkg.status));
	}
	json_object_object_add(o, "package", pkg);
	return o;
}

struct json_object *json_podman(const struct podman_version *pv)
{
	struct json_object *o = json_object_new_object();
	char v[16];

	snprintf(v, sizeof(v), "%u.%u", pv->release / 100, pv->release % 100);
	json_object_object_add(o, "release", json_object_new_string(v));
	snprintf(v, sizeof(v), "%u.%u", pv->version / 100, pv->version % 100);
	json_object_object_add(o, "modelled_as", json_object_new_string(v));
	json_object_object_add(o, "found", jstr_or_null(pv->found));
	json_object_object_add(o, "source", json_object_new_string(pv->source ? pv->source : ""));
	json_object_object_add(o, "algorithm", json_object_new_string(pv->new_parser ? "podman-6.0" : "podman-5.8"));
	json_object_object_add(o, "algorithm_reason", json_object_new_string(pv->algorithm_why ? pv->algorithm_why : ""));
	json_object_object_add(o, "installed", json_object_new_boolean(pv->installed));
	json_object_object_add(o, "binary", pv->program ? json_binary(pv) : NULL);
	return o;
}
