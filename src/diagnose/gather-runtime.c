/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Facts: the login's runtime directory (XDG_RUNTIME_DIR) as the user sees
 * it, and whether /sys/fs/cgroup is cgroup v2, for check-runtime.c.
 */
#include "config.h"

#include <sys/statfs.h>

#include "facts.h"
#include "fsx.h"

/* CGROUP2_SUPER_MAGIC, as common's cgroups.IsCgroup2UnifiedMode() tests it. */
#define CGROUP2_MAGIC 0x63677270

void gather_runtime(struct facts *d)
{
	const char *dir = userenv_get(&d->t.env, "XDG_RUNTIME_DIR");
	struct runtime_fact *rt = &d->runtime;
	struct fsx x = {.as = d->t.as};

	if (!d->rootful && dir && *dir) {
		rt->looked = true;
		rt->err = fsx_stat(&x, dir, &rt->st);
		if (rt->err == 0)
			fsinfo_get(&rt->fi, dir, &x);
	}
	d->gathered |= FACTS_RUNTIME;
}

void gather_cgroups(struct facts *d)
{
	struct statfs sf;

	d->cgroup2 = statfs("/sys/fs/cgroup", &sf) == 0 && (unsigned long)sf.f_type == CGROUP2_MAGIC;
	d->gathered |= FACTS_CGROUPS;
}
