/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model-internal.h"
#include "xalloc.h"

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void origin_clear(struct origin *o)
{
	free(o->file);
	free(o->env);
	free(o->note);
	memset(o, 0, sizeof(*o));
}

void origin_copy(struct origin *dst, const struct origin *src)
{
	struct origin tmp = {
		.kind = src->kind,
		.file = dup_or_null(src->file),
		.line = src->line,
		.env = dup_or_null(src->env),
		.note = dup_or_null(src->note),
	};

	origin_clear(dst);
	*dst = tmp;
}

void origin_set_default(struct origin *o, const char *note)
{
	origin_clear(o);
	o->kind = OR_DEFAULT;
	o->note = dup_or_null(note);
}

void origin_set_env(struct origin *o, const char *var)
{
	origin_clear(o);
	o->kind = OR_ENV;
	o->env = xstrdup(var);
}

void origin_set_file(struct origin *o, const char *file, unsigned line)
{
	origin_clear(o);
	o->kind = OR_FILE;
	o->file = xstrdup(file);
	o->line = line;
}

void setting_clear(struct setting *s)
{
	free(s->value);
	free(s->written);
	origin_clear(&s->origin);
	memset(s, 0, sizeof(*s));
}

void setting_set(struct setting *s, const char *value, const struct origin *o)
{
	char *v = dup_or_null(value);

	free(s->value);
	free(s->written);
	s->written = NULL;
	s->value = v;
	if (o)
		origin_copy(&s->origin, o);
	else
		origin_clear(&s->origin);
}

void setting_copy(struct setting *dst, const struct setting *src)
{
	if (dst == src)
		return;
	setting_set(dst, src->value, &src->origin);
	dst->written = dup_or_null(src->written);
}

bool setting_from_file(struct setting *s, const struct model_file *f, enum sc_key key)
{
	const struct sc_setting *ss = &f->conf.set[key];
	struct origin o = {0};

	if (!ss->value || ss->value->type != TV_STRING)
		return false;
	origin_set_file(&o, f->path, ss->line);
	setting_set(s, ss->value->u.str.s, &o);
	s->written = xstrdup(ss->value->u.str.s);
	origin_clear(&o);
	return true;
}

void options_add(struct option_list *l, const struct origin *o, const char *fmt, ...)
{
	struct dopt *opt;
	va_list ap;

	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	opt = &l->v[l->n++];
	memset(opt, 0, sizeof(*opt));
	va_start(ap, fmt);
	opt->text = xvasprintf(fmt, ap);
	va_end(ap);
	if (o)
		origin_copy(&opt->origin, o);
}

void options_clear(struct option_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].text);
		origin_clear(&l->v[i].origin);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void options_copy(struct option_list *dst, const struct option_list *src)
{
	struct option_list tmp = {0};

	for (size_t i = 0; i < src->n; i++)
		options_add(&tmp, &src->v[i].origin, "%s", src->v[i].text);
	options_clear(dst);
	*dst = tmp;
}

void model_note(struct model *m, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	m->notes = xreallocarray(m->notes, m->nnotes + 1, sizeof(char *));
	m->notes[m->nnotes++] = s;
}

char *origin_text(const struct origin *o)
{
	switch (o->kind) {
	case OR_NONE:
		return xstrdup("unset");
	case OR_DEFAULT:
		return o->note ? xasprintf("default (%s)", o->note) : xstrdup("default");
	case OR_FILE:
		return o->line ? xasprintf("%s:%u", o->file, o->line) : xstrdup(o->file);
	case OR_ENV:
		return xasprintf("$%s", o->env);
	case OR_DATABASE:
		return xasprintf("%s (libpod database)", o->file);
	case OR_AUTO:
		return o->note ? xasprintf("automatic (%s)", o->note) : xstrdup("automatic");
	}
	return xstrdup("?");
}

const char *model_role_name(enum file_role role)
{
	switch (role) {
	case ROLE_SYSTEM: return "system";
	case ROLE_USER: return "user";
	case ROLE_ENV: return "CONTAINERS_STORAGE_CONF";
	case ROLE_MAIN: return "main";
	case ROLE_DROPIN: return "drop-in";
	case ROLE_OVERRIDE: return "CONTAINERS_STORAGE_CONF_OVERRIDE";
	case ROLE_DATABASE: return "database";
	}
	return "?";
}

void driver_normalise(struct setting *driver, const struct userenv *e)
{
	const char *env = env_nonempty(e, "STORAGE_DRIVER");

	if (env) {
		struct origin o = {0};

		origin_set_env(&o, "STORAGE_DRIVER");
		setting_set(driver, env, &o);
		origin_clear(&o);
	}
	if (driver->value && strcmp(driver->value, "overlay2") == 0)
		setting_set(driver, "overlay", &driver->origin);
}
