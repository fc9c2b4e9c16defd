/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Facts: whether the user can create a user namespace -- a real
 * unshare(CLONE_NEWUSER) as the user, which settles what the sysctls only
 * suggest -- and the sysctls that explain a refusal.
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include "diag-cache.h"
#include "facts.h"
#include "fsx.h"

/* A sysctl's integer value; false when it does not exist on this kernel. */
static bool read_sysctl(const char *path, long *val)
{
	FILE *f = fopen(path, "re");
	bool ok = f && fscanf(f, "%ld", val) == 1;

	if (f)
		fclose(f);
	return ok;
}

static int unshare_child(void *arg, struct guard_out *out)
{
	(void)arg;
	(void)out;
	return unshare(CLONE_NEWUSER) == 0 ? 0 : errno;
}

void gather_userns(struct facts *d)
{
	struct userns_fact *u = &d->userns;
	struct guard_out out;
	enum guard_status gs;

	u->status = -1;
	u->max = u->clone = u->apparmor = -1;
	/* Root's own storage needs no user namespace. */
	if (d->rootful)
		goto done;
	u->have_max = read_sysctl("/proc/sys/user/max_user_namespaces", &u->max);
	u->have_clone = read_sysctl("/proc/sys/kernel/unprivileged_userns_clone", &u->clone);
	u->have_apparmor = read_sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", &u->apparmor);
	/* A kernel setting: the same answer for every unprivileged user (fleet). */
	if (diag_cache_userns(d->cache, &u->status)) {
		gs = GUARD_OK;
	} else {
		gs = guard_run(d->t.as, FSX_CALL_MS, unshare_child, NULL, &u->status, &out);
		if (gs != GUARD_OK)
			u->status = -1;
		free(out.data);
		if (gs == GUARD_OK)
			diag_cache_set_userns(d->cache, u->status);
	}
	u->deadline = gs == GUARD_DEADLINE;
	d->userns_works = !u->deadline && u->status == 0;
done:
	d->gathered |= FACTS_USERNS;
}
