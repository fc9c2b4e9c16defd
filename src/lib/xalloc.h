/* SPDX-License-Identifier: Apache-2.0 */
/* Allocation that cannot fail: nfscheck has nothing useful to do without memory. */
#ifndef NFSCHECK_XALLOC_H
#define NFSCHECK_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

#include "msg.h"

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) NF_PRINTF(1, 2);
char *xvasprintf(const char *fmt, va_list ap) NF_PRINTF(1, 0);

#endif
