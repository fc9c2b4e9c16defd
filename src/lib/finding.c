/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finding.h"
#include "quote.h"
#include "xalloc.h"

static char *vfmt(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		nf_die(2, "out of memory");
	return s;
}

struct finding *finding_add(struct findings *out, const char *id, const char *group, enum nf_status st,
			    const char *fmt, ...)
{
	struct finding *c;
	va_list ap;

	out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
	c = &out->v[out->n++];
	memset(c, 0, sizeof(*c));
	c->id = id;
	c->group = group;
	c->status = st;
	va_start(ap, fmt);
	c->summary = vfmt(fmt, ap);
	va_end(ap);
	c->values = json_object_new_object();
	return c;
}

static void append_text(char **dst, char *add)
{
	if (*dst) {
		char *both = xasprintf("%s\n%s", *dst, add);

		free(*dst);
		free(add);
		*dst = both;
	} else {
		*dst = add;
	}
}

void finding_detail(struct finding *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	append_text(&c->detail, vfmt(fmt, ap));
	va_end(ap);
}

void finding_remedy(struct finding *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	append_text(&c->remedy, vfmt(fmt, ap));
	va_end(ap);
}

void finding_fix(struct finding *c, enum fix_order order, const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	text = vfmt(fmt, ap);
	va_end(ap);
	/* Names in it are shell-quoted, but a control character would still
	 * paste as something else than it reads: print no command at all. */
	if (text_refusal(text)) {
		finding_detail(c, "no command to paste is given: a name in it holds control characters");
		free(text);
		return;
	}
	c->fix = xreallocarray(c->fix, c->nfix + 1, sizeof(*c->fix));
	c->fix[c->nfix].order = order;
	c->fix[c->nfix++].text = text;
}

void finding_value(struct finding *c, const char *key, struct json_object *val)
{
	json_object_object_add(c->values, key, val);
}

void finding_value_str(struct finding *c, const char *key, const char *val)
{
	finding_value(c, key, val ? json_object_new_string(val) : NULL);
}

void finding_value_int(struct finding *c, const char *key, long long val)
{
	finding_value(c, key, json_object_new_int64(val));
}

void finding_value_bool(struct finding *c, const char *key, bool val)
{
	finding_value(c, key, json_object_new_boolean(val));
}

void findings_note(struct findings *out, const char *fmt, ...)
{
	va_list ap;

	out->notes = xreallocarray(out->notes, out->nnotes + 1, sizeof(char *));
	va_start(ap, fmt);
	out->notes[out->nnotes++] = vfmt(fmt, ap);
	va_end(ap);
}

void finding_worst(struct finding *c, enum nf_status s)
{
	c->status = nf_status_worst(c->status, s);
}

size_t findings_count(const struct findings *r, enum nf_status st)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		n += r->v[i].status == st;
	return n;
}

void findings_free(struct findings *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct finding *c = &r->v[i];

		free(c->summary);
		free(c->detail);
		free(c->remedy);
		for (size_t f = 0; f < c->nfix; f++)
			free(c->fix[f].text);
		free(c->fix);
		json_object_put(c->values);
	}
	free(r->v);
	for (size_t i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->notes);
	memset(r, 0, sizeof(*r));
}

