/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Libraries that few runs call, loaded on first use (dlopen) instead of with
 * the program: libtirpc (NFS servers over RPC), libsqlite3 (libpod's newer
 * database) and libsubid (subordinate IDs). Loading them and the libraries
 * they pull in (Kerberos, PAM, SELinux's policy library) at start-up was
 * more than half of what `config` cost. The symbols are looked up once;
 * their types come from the libraries' own headers at the call sites.
 */
#ifndef NFSCHECK_DYNLIB_H
#define NFSCHECK_DYNLIB_H

#include <stdbool.h>
#include <stddef.h>

struct dynsym {
	const char *name;
	void *dest;          /* a function pointer variable, filled in */
};

struct dynlib {
	const char *soname;  /* as configure found it, e.g. "libsubid.so.4" */
	const struct dynsym *syms;
	size_t nsyms;
	int state;           /* 0 not tried yet, 1 loaded, -1 failed */
	char err[256];       /* why it failed: dlerror()'s text */
};

/* An entry of a symbol table: the library's function NAME into the
 * function pointer FIELD, which must have NAME's type (the compiler says
 * so when they differ, so a name cannot fill the wrong pointer). */
#define DYNSYM(name, field) {#name, (void *)(1 ? &(field) : (__typeof__(name) **)0)}
/* A library SONAME with the symbol table SYMS, not tried yet. */
#define DYNLIB(soname, syms) {(soname), (syms), sizeof(syms) / sizeof((syms)[0]), 0, ""}

/* Load L and every symbol of it once; true when all are there. On failure
 * (the library or a symbol missing) L->err says why, and every later call
 * fails the same way without trying again. */
bool dynlib_load(struct dynlib *l);

#endif
