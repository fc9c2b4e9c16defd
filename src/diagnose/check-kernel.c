/* SPDX-License-Identifier: Apache-2.0 */
/*
 * User namespaces: whether the user could create one (gather-userns.c),
 * and the sysctls that explain why not.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "xalloc.h"

#define G_KERNEL "User namespaces"

void check_userns(const struct facts *d, struct findings *out)
{
	const struct userns_fact *u = &d->userns;
	long max = u->max, clone = u->clone, apparmor = u->apparmor;
	bool have_max = u->have_max, have_clone = u->have_clone, have_aa = u->have_apparmor;
	int status = u->status;
	struct finding *c;

	if (d->rootful) {
		finding_add(out, "userns", G_KERNEL, NF_SKIP, "root's own storage needs no user namespace");
		return;
	}
	if (u->deadline) {
		/* Cut short by --timeout: a failure would name a false cause. */
		finding_add(out, "userns", G_KERNEL, NF_SKIP, "user namespaces: not checked, the --timeout deadline came first");
		out->incomplete = true;
		return;
	}
	if (status == 0) {
		c = finding_add(out, "userns", G_KERNEL, NF_OK, "%s can create user namespaces", d->user);
		if (have_aa && apparmor == 1)
			finding_detail(c, "kernel.apparmor_restrict_unprivileged_userns = 1, but this process was allowed");
	} else {
		c = finding_add(out, "userns", G_KERNEL, NF_FAIL, "%s cannot create a user namespace: %s", d->user,
				status > 0 ? errno_name(status) : "the test did not run");
		if (have_max && max == 0) {
			finding_detail(c, "user.max_user_namespaces = 0 switches them off");
			finding_fix(c, FIX_KERNEL, "sudo sysctl -w user.max_user_namespaces=28633");
			finding_fix(c, FIX_KERNEL, "echo 'user.max_user_namespaces = 28633' | sudo tee "
						 "/etc/sysctl.d/90-nfscheck-userns.conf");
		}
		if (have_clone && clone == 0) {
			finding_detail(c, "kernel.unprivileged_userns_clone = 0 allows them to root only");
			finding_fix(c, FIX_KERNEL, "sudo sysctl -w kernel.unprivileged_userns_clone=1");
			finding_fix(c, FIX_KERNEL, "echo 'kernel.unprivileged_userns_clone = 1' | sudo tee "
						 "/etc/sysctl.d/90-nfscheck-userns-clone.conf");
		}
		if (have_aa && apparmor == 1)
			finding_detail(c, "kernel.apparmor_restrict_unprivileged_userns = 1: only programs whose "
					"AppArmor profile has the 'userns' permission may create them");
		if (!c->nfix && !(have_aa && apparmor == 1))
			finding_detail(c, "no sysctl explains it: a seccomp filter, a container this runs in, or "
					"a security module may forbid unshare(CLONE_NEWUSER)");
		finding_remedy(c, "allow unprivileged user namespaces (the commands below make it permanent)");
	}
	finding_value_int(c, "max_user_namespaces", have_max ? max : -1);
	finding_value(c, "unprivileged_userns_clone", have_clone ? json_object_new_int64(clone) : NULL);
	finding_value(c, "apparmor_restrict_unprivileged_userns", have_aa ? json_object_new_int64(apparmor) : NULL);
	finding_value_str(c, "unshare", status >= 0 ? errno_name(status) : NULL);
}
