/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fix --system --graphroot-template T: every rootless user's graphroot, set
 * once by root in the form the installed release reads, and a report of the
 * users whose own configuration still wins over it.
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic-write.h"
#include "conf-edit.h"
#include "exitcode.h"
#include "fix.h"
#include "goexpand.h"
#include "model.h"
#include "msg.h"
#include "podman-version.h"
#include "quote.h"
#include "target.h"
#include "xalloc.h"

#define ETC_CONF "/etc/containers/storage.conf"
#define USR_CONF "/usr/share/containers/storage.conf"
/* Between site drop-ins that come before and after; a user's own
 * drop-in (nfscheck writes 99-nfscheck.conf) still sorts after it. */
#define SYSTEM_DROPIN "/etc/containers/storage.rootless.conf.d/50-nfscheck.conf"
/* The whole per-user report may take this long, however many homes hang. */
#define REPORT_MS 60000

/* The lowest UID of an ordinary user, from login.defs. */
static unsigned long uid_min(void)
{
	FILE *f = fopen("/etc/login.defs", "re");
	char line[256];
	unsigned long v = 1000;

	while (f && fgets(line, sizeof(line), f))
		sscanf(line, " UID_MIN %lu", &v);
	if (f)
		fclose(f);
	return v;
}

/* Which ordinary users still get another graphroot than the template's. */
static void report_overrides(const char *template, const char *podman_version)
{
	unsigned long min = uid_min();
	unsigned checked = 0, overriding = 0;
	struct passwd *pw;
	char **names = NULL;
	size_t n = 0;

	setpwent();
	while ((pw = getpwent()))
		if (pw->pw_uid >= min && pw->pw_uid < 65534) {
			names = xreallocarray(names, n + 1, sizeof(char *));
			names[n++] = xstrdup(pw->pw_name);
		}
	endpwent();
	guard_set_run_deadline(REPORT_MS);
	for (size_t i = 0; i < n; i++) {
		struct target t;
		struct model m;
		struct model_request req = {.podman_version = podman_version};
		char *want;

		if (target_open(&t, names[i]) != NF_EXIT_OK)
			continue;
		req.env = &t.env;
		req.as = t.as;
		if (model_build(&m, &req) == 0) {
			checked++;
			want = go_expand_storage_path(template, &t.env);
			if (m.fatal || !m.graphroot.value || strcmp(m.graphroot.value, want) != 0) {
				char *o = m.graphroot.value ? origin_text(&m.graphroot.origin) : xstrdup("?");
				const char *own = NULL;

				for (size_t k = 0; k < m.nfiles && !own; k++)
					if (m.files[k]->used && (m.files[k]->role == ROLE_USER ||
								 (m.files[k]->role == ROLE_DROPIN &&
								  strncmp(m.files[k]->path, "/etc/", 5) != 0 &&
								  strncmp(m.files[k]->path, "/usr/", 5) != 0)))
						own = m.files[k]->path;
				if (!overriding++)
					printf("These users still get another graphroot:\n");
				printf("  %-16s %s (from %s)%s%s%s\n", names[i], m.fatal ? "(Podman would not start)"
					       : m.graphroot.value, o, own ? "; their own " : "", own ? own : "",
				       guard_remaining_ms() ? "" : " (timed out)");
				free(o);
			}
			free(want);
			model_free(&m);
		}
		target_close(&t);
	}
	printf("%u user%s checked, %u still override%s the site setting\n", checked, checked == 1 ? "" : "s",
	       overriding, overriding == 1 ? "s" : "");
	guard_set_run_deadline(0);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The new text: KEY set, and a driver too in an /etc file made from nothing. */
static int compose(const char *path, const char *base, size_t len, bool from_nothing, const char *key,
		   const char *value, unsigned version, struct conf_edit *e)
{
	struct conf_edit d = {0};
	int rc;

	if (!from_nothing)
		return conf_edit_set(path, base, len, key, value, version, e);
	if (conf_edit_set(path, "", 0, "driver", fix_new_file_driver(), version, &d) != 0) {
		*e = d;
		return -1;
	}
	rc = conf_edit_set(path, d.text, d.len, key, value, version, e);
	conf_edit_free(&d);
	return rc;
}

int fix_system(const struct fix_options *o)
{
	struct podman_version pv;
	struct conf_edit e = {0};
	struct aw_result res = {0};
	struct fsx x = {0};
	const char *path, *key, *base = NULL, *why;
	char *old = NULL, *seed = NULL;
	size_t old_len = 0, seed_len = 0;
	bool exists;
	int err, st = NF_EXIT_OK;

	if (geteuid() != 0) {
		nf_error("fix: --system edits files under /etc and needs root");
		return NF_EXIT_NOPERM;
	}
	if (strcmp(o->template, "") == 0 || (o->template[0] != '/' && o->template[0] != '$'))
		return nf_usage_error("fix", "fix: --graphroot-template must be an absolute path such as "
					     "'/var/tmp/$USER/containers/storage'");
	/* It is written into a root-owned file every user's Podman reads. */
	if ((why = text_refusal(o->template)) != NULL)
		return nf_usage_error("fix", "fix: cannot use %s as --graphroot-template: %s", o->template, why);
	if (podman_version_detect(&pv, o->podman_version, NULL, NULL) != 0)
		return NF_EXIT_INCOMPLETE;
	if (podman_version_v6(pv.version)) {
		path = SYSTEM_DROPIN;
		key = "graphroot";
		printf("%s: Podman %u.%u applies rootless drop-ins after the main file, and a graphroot there "
		       "wins\n", path, pv.release / 100, pv.release % 100);
	} else {
		path = ETC_CONF;
		key = "rootless_storage_path";
		printf("%s: Podman %u.%u takes rootless_storage_path from the system file for users without "
		       "their own storage.conf\n", path, pv.release / 100, pv.release % 100);
	}
	err = fsx_read_file(&x, path, 1 << 20, &old, &old_len);
	exists = err == 0;
	if (err && err != ENOENT) {
		nf_error("fix: cannot read %s: %s", path, nf_strerror(err));
		st = NF_EXIT_INCOMPLETE;
		goto out;
	}
	/* A new /etc file takes /usr/share's place entirely: start from its bytes. */
	if (!exists && !podman_version_v6(pv.version) && fsx_read_file(&x, USR_CONF, 1 << 20, &seed, &seed_len) == 0)
		base = USR_CONF;
	if (compose(path, exists ? old : seed ? seed : "", exists ? old_len : seed_len,
		    !exists && !seed && !podman_version_v6(pv.version), key, o->template, pv.version, &e) != 0) {
		nf_error("fix: %s", e.error);
		st = NF_EXIT_PROBLEMS;
		goto out;
	}
	if (o->dry_run) {
		fix_print_diff(path, exists ? old : NULL, old_len, e.text, e.len);
		goto out;
	}
	if (exists && !e.changed) {
		printf("nothing to change: %s already sets %s = \"%s\"\n", path, key, o->template);
	} else {
		struct aw_request rq = {
			.path = path, .trusted = "/etc/containers", .expect = exists ? old : NULL, .expect_len = old_len,
			.data = e.text, .len = e.len, .new_mode = 0644, .dir_mode = 0755, .keep_owner = true,
		};

		if (atomic_write(NULL, &rq, &res) != 0) {
			nf_error("fix: %s", res.message);
			st = NF_EXIT_INCOMPLETE;
			goto out;
		}
		if (res.backup)
			printf("wrote %s (the old one is kept as %s)\n", path, res.backup);
		else if (base)
			printf("created %s from %s, whose place it takes, with %s set\n", path, base, key);
		else if (!podman_version_v6(pv.version))
			printf("created %s with %s and the driver Podman needs there\n", path, key);
		else
			printf("created %s\n", path);
	}
	fflush(stdout);
	report_overrides(o->template, o->podman_version);
out:
	conf_edit_free(&e);
	aw_result_free(&res);
	podman_version_free(&pv);
	free(old);
	free(seed);
	return st;
}
