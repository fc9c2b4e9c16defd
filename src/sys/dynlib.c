/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "dynlib.h"
#include "fsident.h"

/* dlsym's answer is stored into a function pointer through memcpy; POSIX
 * requires the two to have the same size and representation. */
_Static_assert(sizeof(void *) == sizeof(void (*)(void)), "function pointers are the size of void *");

bool dynlib_load(struct dynlib *l)
{
	void *h;

	if (l->state)
		return l->state > 0;
	l->state = -1;
	/* A library is root's to load, not a fleet user's kept identity's
	 * (fsident.h): a failure is remembered for the whole run. */
	lw_ident_settle();
	/* RTLD_NOW: a missing symbol fails here, not in the middle of a call. */
	h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(l->err, sizeof(l->err), "%s", dlerror());
		return false;
	}
	for (size_t i = 0; i < l->nsyms; i++) {
		void *p = dlsym(h, l->syms[i].name);

		if (!p) {
			snprintf(l->err, sizeof(l->err), "%s: no symbol %s", l->soname, l->syms[i].name);
			dlclose(h);
			return false;
		}
		memcpy(l->syms[i].dest, &p, sizeof(p));
	}
	l->state = 1;
	return true;
}
