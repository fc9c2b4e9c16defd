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
#include "render.h"
#include "report.h"
#include "xalloc.h"

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
		struct finding *c = &d->r.v[i];

		for (size_t f = 0; f < c->nfix; f++)
			drop_sudo(c->fix[f].text);
		if (c->remedy)
			drop_sudo(c->remedy);
	}
}

int diag_exit_status(const struct diag *d)
{
	for (size_t i = 0; i < d->r.n; i++)
		if (d->r.v[i].status == NF_FAIL)
			return 1;
	if (guard_interrupted() || !d->f.model_ok || d->r.incomplete)
		return 2;
	return 0;
}

static void print_check_line(FILE *out, const char *indent, const struct finding *c)
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
	size_t nfail = findings_count(&d->r, NF_FAIL), nwarn = findings_count(&d->r, NF_WARN);

	if (nfail == 1) {
		fprintf(out, "Verdict: %s will fail here: ", kind);
		for (size_t i = 0; i < d->r.n; i++)
			if (d->r.v[i].status == NF_FAIL)
				print_check_line(out, "", &d->r.v[i]);
	} else if (nfail > 1) {
		fprintf(out, "Verdict: %s will fail here, for %zu reasons:\n", kind, nfail);
		for (size_t i = 0; i < d->r.n; i++)
			if (d->r.v[i].status == NF_FAIL)
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
		if (d->r.v[i].status == NF_WARN)
			fprintf(out, "%s %s", k++ ? "," : "", d->r.v[i].id);
	fputc('\n', out);
}

void diag_print_text(const struct diag *d, FILE *out, bool color, bool verbose)
{
	const struct render_style st = {.id_width = 20, .color = color, .verbose = verbose};
	const char **fixes;
	size_t nfix;

	fprintf(out, "nfscheck diagnose: %s (uid %u), Podman %u.%u model\n", d->f.user,
		(unsigned)d->f.t.env.uid, d->f.m.pv.release / 100, d->f.m.pv.release % 100);
	for (size_t i = 0; i < d->r.nnotes; i++)
		fprintf(out, "note: %s\n", d->r.notes[i]);
	render_text(out, &d->r, &st);
	fputc('\n', out);
	print_verdict(d, out);
	fixes = render_fix_block(&d->r, &nfix);
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
	for (size_t i = 0; i < d->r.n; i++)
		json_object_array_add(checks, render_finding_json(&d->r.v[i]));
	json_object_object_add(root, "checks", checks);
	fixes = render_fix_block(&d->r, &nfix);
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
	findings_free(&d->r);
	facts_free(&d->f);
}
