/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "outsafe.h"
#include "report.h"
#include "util.h"
#include "xalloc.h"

/* The environment variables the storage configuration depends on. */
static const char *const env_vars[] = {
	"HOME", "USER", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_RUNTIME_DIR", "TMPDIR",
	"CONTAINERS_STORAGE_CONF", "CONTAINERS_STORAGE_CONF_OVERRIDE", "STORAGE_DRIVER", "STORAGE_OPTS",
	"_CONTAINERS_ROOTLESS_UID",
};

static const char *source_name(enum origin_kind k)
{
	switch (k) {
	case OR_NONE: return "unset";
	case OR_DEFAULT: return "default";
	case OR_FILE: return "file";
	case OR_ENV: return "environment";
	case OR_DATABASE: return "database";
	case OR_AUTO: return "automatic";
	}
	return "?";
}

static struct json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static void add_origin(struct json_object *o, const struct origin *org, bool set)
{
	char *text = origin_text(org);

	json_object_object_add(o, "origin", set ? json_object_new_string(text) : NULL);
	json_object_object_add(o, "source", json_object_new_string(set ? source_name(org->kind) : "unset"));
	if (org->file)
		json_object_object_add(o, "file", jstr(org->file));
	if (org->line)
		json_object_object_add(o, "line", json_object_new_int((int)org->line));
	if (org->env)
		json_object_object_add(o, "variable", jstr(org->env));
	free(text);
}

struct json_object *json_setting(const struct setting *s)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "value", jstr(s->value));
	add_origin(o, &s->origin, s->value != NULL);
	if (s->written && s->value && strcmp(s->written, s->value) != 0)
		json_object_object_add(o, "written", jstr(s->written));
	return o;
}

struct json_object *json_options(const struct option_list *l)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < l->n; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "value", jstr(l->v[i].text));
		add_origin(o, &l->v[i].origin, true);
		json_object_array_add(a, o);
	}
	return a;
}

struct json_object *json_problems(const struct problem_list *pl)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < pl->n; i++) {
		const struct problem *p = &pl->v[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "severity", json_object_new_string(problem_severity_name(p->severity)));
		json_object_object_add(o, "file", jstr(p->file));
		json_object_object_add(o, "line", p->line ? json_object_new_int((int)p->line) : NULL);
		json_object_object_add(o, "message", jstr(p->message));
		json_object_object_add(o, "podman", jstr(p->podman));
		json_object_array_add(a, o);
	}
	return a;
}

static const char *file_state(const struct model_file *f)
{
	if (f->err == -1)
		return "skipped";
	if (f->err == ENOENT)
		return "absent";
	if (f->err)
		return "unreadable";
	return f->decoded ? "read" : "invalid";
}

static struct json_object *json_files(const struct model *m)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < m->nfiles; i++) {
		const struct model_file *f = m->files[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "path", jstr(f->path));
		json_object_object_add(o, "role", json_object_new_string(model_role_name(f->role)));
		json_object_object_add(o, "state", json_object_new_string(file_state(f)));
		json_object_object_add(o, "used", json_object_new_boolean(f->used));
		if (f->err > 0 && f->err != ENOENT)
			json_object_object_add(o, "error", jstr(nf_strerror(f->err)));
		else if (f->err == 0 && !f->decoded)
			json_object_object_add(o, "error", jstr(f->conf.decode_error));
		if (f->note)
			json_object_object_add(o, "note", jstr(f->note));
		json_object_array_add(a, o);
	}
	return a;
}

struct json_object *json_model(const struct model *m)
{
	struct json_object *root = json_object_new_object();
	struct json_object *user = json_object_new_object(), *env = json_object_new_object();
	struct json_object *podman, *st = json_object_new_object();
	struct json_object *notes = json_object_new_array();

	json_object_object_add(user, "name", jstr(m->env->user));
	json_object_object_add(user, "uid", json_object_new_int64((int64_t)m->env->uid));
	json_object_object_add(user, "rootless", json_object_new_boolean(m->rootless));
	json_object_object_add(user, "environment_assumed", json_object_new_boolean(m->env->assumed));
	for (size_t i = 0; i < ARRAY_SIZE(env_vars); i++)
		json_object_object_add(env, env_vars[i], jstr(userenv_get(m->env, env_vars[i])));
	json_object_object_add(user, "environment", env);
	json_object_object_add(root, "user", user);

	podman = json_podman(&m->pv);
	json_object_object_add(root, "podman", podman);
	json_object_object_add(root, "files", json_files(m));

	json_object_object_add(st, "driver", json_setting(&m->driver));
	json_object_object_add(st, "graphroot", json_setting(&m->graphroot));
	json_object_object_add(st, "runroot", json_setting(&m->runroot));
	json_object_object_add(st, "imagestore", json_setting(&m->imagestore));
	json_object_object_add(st, "additionalimagestores", json_options(&m->additional_image_stores));
	json_object_object_add(st, "rootless_storage_path", json_setting(&m->rootless_storage_path));
	json_object_object_add(st, "ignore_chown_errors", json_setting(&m->ignore_chown_errors));
	json_object_object_add(st, "mount_program", json_setting(&m->mount_program));
	json_object_object_add(st, "force_mask", json_setting(&m->force_mask));
	json_object_object_add(st, "transient_store", json_setting(&m->transient_store));
	json_object_object_add(st, "driver_priority", json_setting(&m->driver_priority));
	json_object_object_add(st, "options", json_options(&m->options));
	json_object_object_add(root, "storage", st);

	json_object_object_add(root, "database", jstr(m->database));
	json_object_object_add(root, "fatal", jstr(m->fatal ? m->fatal_message : NULL));
	for (size_t i = 0; i < m->nnotes; i++)
		json_object_array_add(notes, json_object_new_string(m->notes[i]));
	json_object_object_add(root, "notes", notes);
	json_object_object_add(root, "problems", json_problems(&m->problems));
	return root;
}

void json_print(struct json_object *obj)
{
	/* json-c escapes C0 controls, not DEL, C1 or bytes that are not UTF-8. */
	char *safe = out_json_safe(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
									   JSON_C_TO_STRING_SPACED |
									   JSON_C_TO_STRING_NOSLASHESCAPE));

	puts(safe);
	free(safe);
	json_object_put(obj);
}

static void text_setting(FILE *out, const char *name, const struct setting *s)
{
	char *o = origin_text(&s->origin);
	/* Values come from users' files: one line each, whatever they hold. */
	char *v = s->value ? out_oneline(s->value) : NULL, *w = s->written ? out_oneline(s->written) : NULL;

	if (s->value)
		fprintf(out, "  %-22s %s\n  %-22s   from %s%s%s%s\n", name, *v ? v : "\"\"", "", o,
			s->written && strcmp(s->written, s->value) ? " (written \"" : "",
			s->written && strcmp(s->written, s->value) ? w : "",
			s->written && strcmp(s->written, s->value) ? "\")" : "");
	else
		fprintf(out, "  %-22s (unset)\n", name);
	free(o);
	free(v);
	free(w);
}

static void text_list(FILE *out, const char *name, const struct option_list *l)
{
	if (!l->n) {
		fprintf(out, "  %-22s (none)\n", name);
		return;
	}
	for (size_t i = 0; i < l->n; i++) {
		char *o = origin_text(&l->v[i].origin), *t = out_oneline(l->v[i].text);

		fprintf(out, "  %-22s %s\n  %-22s   from %s\n", i ? "" : name, t, "", o);
		free(o);
		free(t);
	}
}

void report_problems_text(FILE *out, const struct problem_list *pl, const char *indent)
{
	for (size_t i = 0; i < pl->n; i++) {
		const struct problem *p = &pl->v[i];

		fputs(indent, out);
		if (p->file && p->line)
			fprintf(out, "%s:%u: ", p->file, p->line);
		else if (p->file)
			fprintf(out, "%s: ", p->file);
		fprintf(out, "%s: %s\n", problem_severity_name(p->severity), p->message);
		if (p->podman)
			fprintf(out, "%s    Podman: %s\n", indent, p->podman);
	}
}

void report_model_text(FILE *out, const struct model *m)
{
	fprintf(out, "Storage configuration for %s (uid %u)%s\n", m->env->user ? m->env->user : "?",
		(unsigned)m->env->uid, m->rootless ? ", rootless" : ", rootful");
	fprintf(out, "Podman %u.%u modelled (%s%s%s), %s (%s)\n", m->pv.release / 100, m->pv.release % 100,
		m->pv.found ? m->pv.found : "", m->pv.found ? ", from " : "", m->pv.source,
		m->pv.new_parser ? "main file plus drop-ins" : "one file wins", m->pv.algorithm_why);
	if (m->env->assumed) {
		fputs("Environment assumed (a login without a systemd session):\n", out);
		for (size_t i = 0; i < m->env->n; i++)
			fprintf(out, "  %s\n", m->env->vars[i]);
	}
	fputs("\nFiles considered, in order:\n", out);
	for (size_t i = 0; i < m->nfiles; i++) {
		const struct model_file *f = m->files[i];

		fprintf(out, "  %-10s %-24s %s%s\n", file_state(f), model_role_name(f->role), f->path,
			f->used ? "  (used)" : "");
		if (f->note)
			fprintf(out, "  %-10s %-24s %s\n", "", "", f->note);
	}
	fputs("\nEffective configuration:\n", out);
	text_setting(out, "driver", &m->driver);
	text_setting(out, "graphroot", &m->graphroot);
	text_setting(out, "runroot", &m->runroot);
	text_setting(out, "imagestore", &m->imagestore);
	text_list(out, "additionalimagestores", &m->additional_image_stores);
	text_setting(out, "rootless_storage_path", &m->rootless_storage_path);
	text_setting(out, "ignore_chown_errors", &m->ignore_chown_errors);
	text_setting(out, "mount_program", &m->mount_program);
	text_setting(out, "force_mask", &m->force_mask);
	text_setting(out, "transient_store", &m->transient_store);
	if (m->nnotes) {
		fputs("\nNotes:\n", out);
		for (size_t i = 0; i < m->nnotes; i++)
			fprintf(out, "  %s\n", m->notes[i]);
	}
	if (m->problems.n) {
		fputs("\nProblems:\n", out);
		report_problems_text(out, &m->problems, "  ");
	}
	if (m->fatal)
		fprintf(out, "\nPodman will not start with this configuration: %s\n", m->fatal_message);
}
