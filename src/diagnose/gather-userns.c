/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Facts: whether the user can create a user namespace -- a real
 * unshare(CLONE_NEWUSER) as the user, which settles what the sysctls only
 * suggest -- and the sysctls that explain a refusal.
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

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

static int born_in_userns(void *arg)
{
	(void)arg;
	return 0;
}

/*
 * The same question asked of the kernel by ourselves, as ourselves: a child
 * created straight into a new user namespace (clone with CLONE_NEWUSER)
 * that exits at once. It shares our memory and we wait while it lives
 * (CLONE_VM | CLONE_VFORK), so no page table is copied: a tenth of a
 * fork's cost. Nothing in it can hang, so it needs no deadline. 0, or
 * the errno clone gave (EPERM, ENOSPC, EUSERS, EINVAL).
 */
static int userns_by_clone(void)
{
	static char stack[16384] __attribute__((aligned(16)));
	int st;
	pid_t pid = clone(born_in_userns, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | CLONE_NEWUSER | SIGCHLD, NULL);

	if (pid < 0)
		return errno;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return 0;
}

/* The sysctls, read once per process: the kernel's, the same for every
 * user fleet checks. */
static void kernel_settings(struct userns_fact *u)
{
	static bool read;
	static struct userns_fact k = {.max = -1, .clone = -1, .apparmor = -1};

	if (!read) {
		k.have_max = read_sysctl("/proc/sys/user/max_user_namespaces", &k.max);
		k.have_clone = read_sysctl("/proc/sys/kernel/unprivileged_userns_clone", &k.clone);
		k.have_apparmor = read_sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", &k.apparmor);
		read = true;
	}
	u->have_max = k.have_max;
	u->max = k.max;
	u->have_clone = k.have_clone;
	u->clone = k.clone;
	u->have_apparmor = k.have_apparmor;
	u->apparmor = k.apparmor;
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
	kernel_settings(u);
	/* A kernel setting: the same answer for every unprivileged user (fleet). */
	if (diag_cache_userns(d->cache, &u->status)) {
		gs = GUARD_OK;
	} else if (!d->t.as) {
		gs = GUARD_OK;
		u->status = userns_by_clone();
		diag_cache_set_userns(d->cache, u->status);
	} else {
		/* For another user, in a child that has become the user. */
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
