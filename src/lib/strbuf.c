/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <string.h>

#include "strbuf.h"
#include "xalloc.h"

void strbuf_add(struct strbuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

void strbuf_adds(struct strbuf *b, const char *s)
{
	strbuf_add(b, s, strlen(s));
}

char *strbuf_take(struct strbuf *b)
{
	char *s = b->p ? b->p : xstrdup("");

	b->p = NULL;
	b->n = b->cap = 0;
	return s;
}
