/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Facts: the login's runtime directory (XDG_RUNTIME_DIR) as the user sees
 * it, for check-runtime.c.
 */
#include "config.h"

#include "facts.h"
#include "fsx.h"

void gather_runtime(struct facts *d)
{
	const char *dir = userenv_get(&d->t.env, "XDG_RUNTIME_DIR");
	struct runtime_fact *rt = &d->runtime;
	struct fsx x = facts_fsx(d);

	if (!d->rootful && dir && *dir) {
		rt->looked = true;
		rt->err = fsx_stat(&x, dir, &rt->st);
		if (rt->err == 0)
			fsinfo_get(&rt->fi, dir, &x);
	}
	d->gathered |= FACTS_RUNTIME;
}
