/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Facts: whether /sys/fs/cgroup is cgroup v2, for check-runtime.c. Looked
 * at in our own name: it is the machine's, not the user's.
 */
#include "config.h"

#include <sys/statfs.h>

#include "facts.h"

/* CGROUP2_SUPER_MAGIC, as common's cgroups.IsCgroup2UnifiedMode() tests it. */
#define CGROUP2_MAGIC 0x63677270

void gather_cgroups(struct facts *d)
{
	struct statfs sf;

	d->cgroup2 = statfs("/sys/fs/cgroup", &sf) == 0 && (unsigned long)sf.f_type == CGROUP2_MAGIC;
	d->gathered |= FACTS_CGROUPS;
}
