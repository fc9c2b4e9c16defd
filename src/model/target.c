/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>

#include <string.h>
#include <unistd.h>

#include "exitcode.h"
#include "msg.h"
#include "podman-version.h"
#include "target.h"

int target_open(struct target *t, const char *user)
{
	int err;

	memset(t, 0, sizeof(*t));
	if (!user) {
		userenv_from_process(&t->env);
		return NF_EXIT_OK;
	}
	err = identity_lookup(user, &t->id);
	if (err) {
		if (err == ENOENT)
			return nf_usage_error(NULL, "--user: no such user '%s'", user);
		nf_error("--user: cannot look up '%s': %s", user, nf_strerror(err));
		return NF_EXIT_INCOMPLETE;
	}
	t->have_id = true;
	if (t->id.uid != geteuid()) {
		if (geteuid() != 0) {
			nf_error("--user %s: only root may act for another user", user);
			identity_free(&t->id);
			return NF_EXIT_NOPERM;
		}
		t->as = &t->id;
	}
	userenv_for_user(&t->env, &t->id);
	return NF_EXIT_OK;
}

void target_close(struct target *t)
{
	if (t->have_id)
		identity_free(&t->id);
	userenv_free(&t->env);
	memset(t, 0, sizeof(*t));
}

int target_check_podman_version(const char *command, const char *arg)
{
	unsigned v;

	if (podman_version_parse(arg, &v))
		return NF_EXIT_OK;
	return nf_usage_error(command, "--podman-version: '%s' is not a release such as 4.3 or 6.0", arg);
}
