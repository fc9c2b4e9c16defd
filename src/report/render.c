/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "outsafe.h"
#include "render.h"
#include "xalloc.h"

static const char *color_of(enum nf_status s)
{
	switch (s) {
	case NF_OK: return "\033[32m";
	case NF_WARN: return "\033[33m";
	case NF_FAIL: return "\033[1;31m";
	case NF_SKIP: return "\033[2m";
	}
	return "";
}

static void print_indented(FILE *out, const char *text, const char *indent)
{
	const char *p = text;

	while (p && *p) {
		size_t n = strcspn(p, "\n");

		fprintf(out, "%s%.*s\n", indent, (int)n, p);
		p += n;
		if (*p)
			p++;
	}
}

void render_finding_text(FILE *out, const struct finding *c, const struct render_style *st)
{
	bool shown = c->status == NF_FAIL || c->status == NF_WARN;
	char *summary;

	/* The colours are nfscheck's own: past the filter that escapes every
	 * escape sequence in the (user-derived) text around them. */
	fputs("  ", out);
	if (st->color)
		out_raw(out, color_of(c->status));
	fputs(nf_status_tag(c->status), out);
	if (st->color)
		out_raw(out, "\033[0m");
	/* A summary is one line; a newline in a user's path inside it would
	 * pass for a finding line of nfscheck's own. */
	summary = out_oneline(c->summary);
	fprintf(out, " %-*s %s\n", st->id_width, c->id, summary);
	free(summary);
	if (c->detail && (st->verbose || shown))
		print_indented(out, c->detail, "         ");
	if (c->remedy && shown) {
		size_t n = strcspn(c->remedy, "\n");

		fprintf(out, "         remedy: %.*s\n", (int)n, c->remedy);
		if (c->remedy[n])
			print_indented(out, c->remedy + n + 1, "                 ");
	}
}

void render_text(FILE *out, const struct findings *r, const struct render_style *st)
{
	const char *group = NULL;

	for (size_t i = 0; i < r->n; i++) {
		const struct finding *c = &r->v[i];

		if (c->group && (!group || strcmp(group, c->group) != 0)) {
			group = c->group;
			fprintf(out, "\n%s\n", group);
		}
		render_finding_text(out, c, st);
	}
}

struct json_object *render_finding_json(const struct finding *c)
{
	struct json_object *o = json_object_new_object(), *cf = json_object_new_array();

	json_object_object_add(o, "id", json_object_new_string(c->id));
	json_object_object_add(o, "group", c->group ? json_object_new_string(c->group) : NULL);
	json_object_object_add(o, "status", json_object_new_string(nf_status_name(c->status)));
	json_object_object_add(o, "summary", json_object_new_string(c->summary));
	json_object_object_add(o, "detail", c->detail ? json_object_new_string(c->detail) : NULL);
	json_object_object_add(o, "remedy", c->remedy ? json_object_new_string(c->remedy) : NULL);
	for (size_t f = 0; f < c->nfix; f++)
		json_object_array_add(cf, json_object_new_string(c->fix[f].text));
	json_object_object_add(o, "commands", cf);
	json_object_object_add(o, "values", json_object_get(c->values));
	return o;
}

struct json_object *render_finding_json_brief(const struct finding *c)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(c->id));
	json_object_object_add(o, "status", json_object_new_string(nf_status_name(c->status)));
	json_object_object_add(o, "text", json_object_new_string(c->summary));
	return o;
}

const char **render_fix_block(const struct findings *r, size_t *n)
{
	const char **v = NULL;
	size_t k = 0;

	*n = 0;
	for (int order = 0; order <= FIX_AFTER; order++)
		for (size_t i = 0; i < r->n; i++) {
			const struct finding *c = &r->v[i];

			if (c->status != NF_FAIL)
				continue;
			for (size_t f = 0; f < c->nfix; f++) {
				bool seen = false;

				if ((int)c->fix[f].order != order)
					continue;
				for (size_t j = 0; j < k; j++)
					seen = seen || strcmp(v[j], c->fix[f].text) == 0;
				if (seen)
					continue;
				v = xreallocarray(v, k + 1, sizeof(char *));
				v[k++] = c->fix[f].text;
			}
		}
	*n = k;
	return v;
}
