/* SPDX-License-Identifier: Apache-2.0 */
/*
 * User namespaces: the sysctls that switch them off, and a real
 * unshare(CLONE_NEWUSER) as the user, which settles what they only suggest.
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag-cache.h"
#include "diag.h"
#include "xalloc.h"

#define G_KERNEL "User namespaces"

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

void check_userns(struct diag *d)
{
	struct guard_out out;
	struct check *c;
	long max = -1, clone = -1, apparmor = -1;
	bool have_max, have_clone, have_aa;
	int status = -1;
	enum guard_status gs;

	if (d->rootful) {
		diag_add(d, "userns", G_KERNEL, CS_SKIP, "root's own storage needs no user namespace");
		return;
	}
	have_max = read_sysctl("/proc/sys/user/max_user_namespaces", &max);
	have_clone = read_sysctl("/proc/sys/kernel/unprivileged_userns_clone", &clone);
	have_aa = read_sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", &apparmor);
	/* A kernel setting: the same answer for every unprivileged user (fleet). */
	if (diag_cache_userns(d->cache, &status)) {
		gs = GUARD_OK;
	} else {
		gs = guard_run(d->t.as, FSX_CALL_MS, unshare_child, NULL, &status, &out);
		if (gs != GUARD_OK)
			status = -1;
		free(out.data);
		if (gs == GUARD_OK)
			diag_cache_set_userns(d->cache, status);
	}
	if (gs == GUARD_DEADLINE) {
		/* Cut short by --timeout: a failure would name a false cause. */
		diag_add(d, "userns", G_KERNEL, CS_SKIP, "user namespaces: not checked, the --timeout deadline came first");
		d->incomplete = true;
		return;
	}
	d->userns_works = status == 0;
	if (status == 0) {
		c = diag_add(d, "userns", G_KERNEL, CS_OK, "%s can create user namespaces", d->user);
		if (have_aa && apparmor == 1)
			check_detail(c, "kernel.apparmor_restrict_unprivileged_userns = 1, but this process was allowed");
	} else {
		c = diag_add(d, "userns", G_KERNEL, CS_FAIL, "%s cannot create a user namespace: %s", d->user,
			     status > 0 ? errno_name(status) : "the test did not run");
		if (have_max && max == 0) {
			check_detail(c, "user.max_user_namespaces = 0 switches them off");
			check_fix(c, FIX_KERNEL, "sudo sysctl -w user.max_user_namespaces=28633");
			check_fix(c, FIX_KERNEL, "echo 'user.max_user_namespaces = 28633' | sudo tee "
						 "/etc/sysctl.d/90-nfscheck-userns.conf");
		}
		if (have_clone && clone == 0) {
			check_detail(c, "kernel.unprivileged_userns_clone = 0 allows them to root only");
			check_fix(c, FIX_KERNEL, "sudo sysctl -w kernel.unprivileged_userns_clone=1");
			check_fix(c, FIX_KERNEL, "echo 'kernel.unprivileged_userns_clone = 1' | sudo tee "
						 "/etc/sysctl.d/90-nfscheck-userns-clone.conf");
		}
		if (have_aa && apparmor == 1)
			check_detail(c, "kernel.apparmor_restrict_unprivileged_userns = 1: only programs whose "
					"AppArmor profile has the 'userns' permission may create them");
		if (!c->nfix && !(have_aa && apparmor == 1))
			check_detail(c, "no sysctl explains it: a seccomp filter, a container this runs in, or "
					"a security module may forbid unshare(CLONE_NEWUSER)");
		check_remedy(c, "allow unprivileged user namespaces (the commands below make it permanent)");
	}
	check_value_int(c, "max_user_namespaces", have_max ? max : -1);
	check_value(c, "unprivileged_userns_clone", have_clone ? json_object_new_int64(clone) : NULL);
	check_value(c, "apparmor_restrict_unprivileged_userns", have_aa ? json_object_new_int64(apparmor) : NULL);
	check_value_str(c, "unshare", status >= 0 ? errno_name(status) : NULL);
}
