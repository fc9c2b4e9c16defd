/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "guard.h"
#include "outsafe.h"
#include "quote.h"
#include "report.h"
#include "xalloc.h"

static char *vfmt(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		nf_die(2, "out of memory");
	return s;
}

struct check *diag_add(struct findings *out, const char *id, const char *group, enum check_status st,
		       const char *fmt, ...)
{
	struct check *c;
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

void check_detail(struct check *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	append_text(&c->detail, vfmt(fmt, ap));
	va_end(ap);
}

void check_remedy(struct check *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	append_text(&c->remedy, vfmt(fmt, ap));
	va_end(ap);
}

void check_fix(struct check *c, enum fix_order order, const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	text = vfmt(fmt, ap);
	va_end(ap);
	/* Names in it are shell-quoted, but a control character would still
	 * paste as something else than it reads: print no command at all. */
	if (text_refusal(text)) {
		check_detail(c, "no command to paste is given: a name in it holds control characters");
		free(text);
		return;
	}
	c->fix = xreallocarray(c->fix, c->nfix + 1, sizeof(*c->fix));
	c->fix[c->nfix].order = order;
	c->fix[c->nfix++].text = text;
}

/* Remove the word "sudo " where a command starts in the shell text S (at
 * its start, or after |, && or ;), never inside single quotes, where it
 * would be part of a (user's) name. In place: the text only shrinks. */
static void drop_sudo(char *s)
{
	bool quoted = false, start = true;
	char *w = s;

	for (const char *r = s; *r;) {
		if (!quoted && start && strncmp(r, "sudo ", 5) == 0) {
			r += 5;
			continue;
		}
		if (*r == '\'')
			quoted = !quoted;
		if (!quoted && (*r == '|' || *r == ';' || (*r == '&' && r[1] == '&')))
			start = true;
		else if (*r != ' ' && *r != '&')
			start = false;
		*w++ = *r++;
	}
	*w = '\0';
}

void diag_drop_sudo(struct diag *d)
{
	for (size_t i = 0; i < d->r.n; i++) {
		struct check *c = &d->r.v[i];

		for (size_t f = 0; f < c->nfix; f++)
			drop_sudo(c->fix[f].text);
		if (c->remedy)
			drop_sudo(c->remedy);
	}
}

void check_value(struct check *c, const char *key, struct json_object *val)
{
	json_object_object_add(c->values, key, val);
}

void check_value_str(struct check *c, const char *key, const char *val)
{
	check_value(c, key, val ? json_object_new_string(val) : NULL);
}

void check_value_int(struct check *c, const char *key, long long val)
{
	check_value(c, key, json_object_new_int64(val));
}

void check_value_bool(struct check *c, const char *key, bool val)
{
	check_value(c, key, json_object_new_boolean(val));
}

void diag_note(struct findings *out, const char *fmt, ...)
{
	va_list ap;

	out->notes = xreallocarray(out->notes, out->nnotes + 1, sizeof(char *));
	va_start(ap, fmt);
	out->notes[out->nnotes++] = vfmt(fmt, ap);
	va_end(ap);
}

const char *check_status_name(enum check_status s)
{
	return nf_status_name((enum nf_status)s);
}

void check_worst(struct check *c, enum check_status s)
{
	c->status = (enum check_status)nf_status_worst((enum nf_status)c->status, (enum nf_status)s);
}

int diag_exit_status(const struct diag *d)
{
	for (size_t i = 0; i < d->r.n; i++)
		if (d->r.v[i].status == CS_FAIL)
			return 1;
	if (guard_interrupted() || !d->f.model_ok || d->r.incomplete)
		return 2;
	return 0;
}

/* Every fix command of the failed checks, ordered, each once. */
static const char **fix_block(const struct diag *d, size_t *n)
{
	const char **v = NULL;
	size_t k = 0;

	*n = 0;
	for (int order = 0; order <= FIX_AFTER; order++)
		for (size_t i = 0; i < d->r.n; i++) {
			const struct check *c = &d->r.v[i];

			if (c->status != CS_FAIL)
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

static const char *color_of(enum check_status s)
{
	switch (s) {
	case CS_OK: return "\033[32m";
	case CS_WARN: return "\033[33m";
	case CS_FAIL: return "\033[1;31m";
	case CS_SKIP: return "\033[2m";
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

static size_t count_status(const struct diag *d, enum check_status st)
{
	size_t n = 0;

	for (size_t i = 0; i < d->r.n; i++)
		n += d->r.v[i].status == st;
	return n;
}

static void print_check_line(FILE *out, const char *indent, const struct check *c)
{
	char *summary = out_oneline(c->summary);

	fprintf(out, "%s%s: %s\n", indent, c->id, summary);
	free(summary);
}

/* Every failure, each once, and how many warnings there are: a verdict that
 * names only the first failure hides the others until it is fixed. */
static void print_verdict(const struct diag *d, FILE *out)
{
	/* --user root checks root's own storage: its verdict is about rootful
	 * Podman, never a rootless one about root. */
	const char *kind = d->f.rootful ? "rootful Podman (root's own storage)" : "rootless Podman";
	size_t nfail = count_status(d, CS_FAIL), nwarn = count_status(d, CS_WARN);

	if (nfail == 1) {
		fprintf(out, "Verdict: %s will fail here: ", kind);
		for (size_t i = 0; i < d->r.n; i++)
			if (d->r.v[i].status == CS_FAIL)
				print_check_line(out, "", &d->r.v[i]);
	} else if (nfail > 1) {
		fprintf(out, "Verdict: %s will fail here, for %zu reasons:\n", kind, nfail);
		for (size_t i = 0; i < d->r.n; i++)
			if (d->r.v[i].status == CS_FAIL)
				print_check_line(out, "    ", &d->r.v[i]);
	} else if (diag_exit_status(d) == 2) {
		fputs("Verdict: nfscheck could not complete the diagnosis\n", out);
	} else {
		fprintf(out, "Verdict: nothing found that breaks %s\n", kind);
	}
	if (!nwarn)
		return;
	fprintf(out, "    and %zu warning%s above:", nwarn, nwarn == 1 ? "" : "s");
	for (size_t i = 0, k = 0; i < d->r.n; i++)
		if (d->r.v[i].status == CS_WARN)
			fprintf(out, "%s %s", k++ ? "," : "", d->r.v[i].id);
	fputc('\n', out);
}

void diag_print_text(const struct diag *d, FILE *out, bool color, bool verbose)
{
	const char *group = NULL;
	const char **fixes;
	char *summary;
	size_t nfix;

	fprintf(out, "nfscheck diagnose: %s (uid %u), Podman %u.%u model\n", d->f.user,
		(unsigned)d->f.t.env.uid, d->f.m.pv.release / 100, d->f.m.pv.release % 100);
	for (size_t i = 0; i < d->r.nnotes; i++)
		fprintf(out, "note: %s\n", d->r.notes[i]);
	for (size_t i = 0; i < d->r.n; i++) {
		const struct check *c = &d->r.v[i];

		if (!group || strcmp(group, c->group) != 0) {
			group = c->group;
			fprintf(out, "\n%s\n", group);
		}
		/* The colours are nfscheck's own: past the filter that escapes
		 * every escape sequence in the (user-derived) text around them. */
		fputs("  ", out);
		if (color)
			out_raw(out, color_of(c->status));
		fputs(nf_status_tag((enum nf_status)c->status), out);
		if (color)
			out_raw(out, "\033[0m");
		/* A summary is one line; a newline in a user's path inside it
		 * would pass for a check line of nfscheck's own. */
		summary = out_oneline(c->summary);
		fprintf(out, " %-20s %s\n", c->id, summary);
		free(summary);
		if (c->detail && (verbose || c->status == CS_FAIL || c->status == CS_WARN))
			print_indented(out, c->detail, "         ");
		if (c->remedy && (c->status == CS_FAIL || c->status == CS_WARN)) {
			size_t n = strcspn(c->remedy, "\n");

			fprintf(out, "         remedy: %.*s\n", (int)n, c->remedy);
			if (c->remedy[n])
				print_indented(out, c->remedy + n + 1, "                 ");
		}
	}
	fputc('\n', out);
	print_verdict(d, out);
	fixes = fix_block(d, &nfix);
	if (nfix) {
		fputs("\nTo fix it, run these commands in this order:\n\n", out);
		for (size_t i = 0; i < nfix; i++)
			fprintf(out, "    %s\n", fixes[i]);
	}
	free(fixes);
}

struct json_object *diag_json(const struct diag *d)
{
	struct json_object *root = json_object_new_object(), *checks = json_object_new_array();
	struct json_object *fix = json_object_new_array(), *notes = json_object_new_array();
	const char **fixes;
	size_t nfix;
	int st = diag_exit_status(d);

	json_object_object_add(root, "verdict",
			       json_object_new_string(st == 1 ? "fail" : st == 2 ? "incomplete" : "ok"));
	json_object_object_add(root, "exit_status", json_object_new_int(st));
	json_object_object_add(root, "timeout", json_object_new_double(d->f.timeout_ms / 1000.0));
	for (size_t i = 0; i < d->r.n; i++) {
		const struct check *c = &d->r.v[i];
		struct json_object *o = json_object_new_object(), *cf = json_object_new_array();

		json_object_object_add(o, "id", json_object_new_string(c->id));
		json_object_object_add(o, "group", json_object_new_string(c->group));
		json_object_object_add(o, "status", json_object_new_string(check_status_name(c->status)));
		json_object_object_add(o, "summary", json_object_new_string(c->summary));
		json_object_object_add(o, "detail", c->detail ? json_object_new_string(c->detail) : NULL);
		json_object_object_add(o, "remedy", c->remedy ? json_object_new_string(c->remedy) : NULL);
		for (size_t f = 0; f < c->nfix; f++)
			json_object_array_add(cf, json_object_new_string(c->fix[f].text));
		json_object_object_add(o, "commands", cf);
		json_object_object_add(o, "values", json_object_get(c->values));
		json_object_array_add(checks, o);
	}
	json_object_object_add(root, "checks", checks);
	fixes = fix_block(d, &nfix);
	for (size_t i = 0; i < nfix; i++)
		json_object_array_add(fix, json_object_new_string(fixes[i]));
	free(fixes);
	json_object_object_add(root, "fix", fix);
	for (size_t i = 0; i < d->r.nnotes; i++)
		json_object_array_add(notes, json_object_new_string(d->r.notes[i]));
	json_object_object_add(root, "notes", notes);
	json_object_object_add(root, "config", d->f.model_ok ? json_model(&d->f.m) : NULL);
	return root;
}

void diag_free(struct diag *d)
{
	for (size_t i = 0; i < d->r.n; i++) {
		struct check *c = &d->r.v[i];

		free(c->summary);
		free(c->detail);
		free(c->remedy);
		for (size_t f = 0; f < c->nfix; f++)
			free(c->fix[f].text);
		free(c->fix);
		json_object_put(c->values);
	}
	free(d->r.v);
	for (size_t i = 0; i < d->r.nnotes; i++)
		free(d->r.notes[i]);
	free(d->r.notes);
	facts_free(&d->f);
	memset(d, 0, sizeof(*d));
}
