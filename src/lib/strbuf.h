/* SPDX-License-Identifier: Apache-2.0 */
/* A growable, always NUL-terminated byte string. */
#ifndef NFSCHECK_STRBUF_H
#define NFSCHECK_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *p;      /* NULL until something is added */
	size_t n;     /* bytes, not counting the terminating NUL */
	size_t cap;
};

void strbuf_add(struct strbuf *b, const char *s, size_t n);
void strbuf_adds(struct strbuf *b, const char *s);
/* The string, "" when nothing was added; the caller owns it. */
char *strbuf_take(struct strbuf *b);

#endif
