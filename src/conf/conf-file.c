/* SPDX-License-Identifier: Apache-2.0 */
/*
 * storage.conf as Podman decodes it: the TOML of the file (toml-lines.c
 * assembles each logical line, toml-value.c reads values) checked against
 * the schema of the release. TOML is not INI -- quoted and dotted keys,
 * values that span lines, '#' and ';' inside strings -- so inih has no part
 * here; it reads the INI files it is made for (the site policy).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-file.h"
#include "toml-lines.h"
#include "xalloc.h"

struct decoder {
	struct sc_file *f;
	unsigned version;
	const char *on_failure;
	struct problem_list *pl;

	struct tl_reader *rd;
	struct tl_line cur;       /* the logical line being read */
	struct tv *scratch;       /* keys under a broken header go here */
	size_t shown, hidden;     /* problems reported, and those past the cap */
	enum pr_severity hidden_sev;
};

/*
 * A hostile file can have a fault on each of 500,000 lines; listing them
 * all would flood root's terminal and cost more than reading the file.
 * The first ones are listed, the rest counted in one line.
 */
#define FILE_MAX_PROBLEMS 100

/* Whether one more problem of SEV is listed; counts it when not. */
static bool listed(struct decoder *b, enum pr_severity sev)
{
	if (b->shown < FILE_MAX_PROBLEMS) {
		b->shown++;
		return true;
	}
	b->hidden++;
	if (sev > b->hidden_sev)
		b->hidden_sev = sev;
	return false;
}

static void file_problem(struct decoder *b, enum pr_severity sev, unsigned line, const char *podman,
			 const char *fmt, ...) NF_PRINTF(5, 6);

static void file_problem(struct decoder *b, enum pr_severity sev, unsigned line, const char *podman,
			 const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (!listed(b, sev))
		return;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	problem_add(b->pl, sev, b->f->path, line, podman, "%s", msg);
	free(msg);
}

static void decode_error(struct decoder *b, unsigned line, const char *fmt, ...) NF_PRINTF(3, 4);

static void decode_error(struct decoder *b, unsigned line, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	/* The first error decides the file, and is listed past the cap too. */
	if (!b->f->decode_failed)
		b->shown++;
	else if (!listed(b, PR_ERROR))
		return;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	/* Go's decoder has no depth limit; ours is a defence, so say whose it is. */
	problem_add(b->pl, PR_ERROR, b->f->path, line,
		    strstr(msg, TV_TOO_DEEP) ? "nfscheck refuses to read the file (Podman itself might read it)"
					    : b->on_failure, "%s", msg);
	if (!b->f->decode_failed) {
		b->f->decode_failed = true;
		b->f->decode_error = msg;
		b->f->decode_error_line = line;
	} else {
		free(msg);
	}
}

static char *join_key(char **parts, size_t n)
{
	size_t len = 1;
	char *out;

	for (size_t i = 0; i < n; i++)
		len += strlen(parts[i]) + 1;
	out = xcalloc(1, len);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(out, ".");
		strcat(out, parts[i]);
	}
	return out;
}

/* The key as written, for messages: a one-part key is its own name and
 * costs nothing, which matters with 300,000 keys. *OWNED is what the
 * caller frees. */
static const char *whole_key(const struct tl_line *l, char **owned)
{
	*owned = NULL;
	if (l->nkey == 1)
		return l->key[0];
	return *owned = join_key(l->key, l->nkey);
}

static struct tv *child(struct tv *t, const char *key)
{
	return tv_table_find(t, key);
}

static void put(struct tv *t, const char *key, struct tv *v)
{
	tv_table_add(t, key, v);
}

/* A table in A: the document's arena, which every node of it shares. */
static struct tv *new_table(struct tv_arena *a, enum tv_origin origin, unsigned line, unsigned depth)
{
	struct tv *t = tv_new(a, TV_TABLE);

	t->origin = origin;
	t->line = line;
	t->depth = depth;
	return t;
}

/* A table or array DEPTH levels down would break TV_MAX_DEPTH. */
static bool too_deep(struct decoder *b, unsigned depth, unsigned line)
{
	if (depth <= TV_MAX_DEPTH)
		return false;
	decode_error(b, line, "%s", TV_TOO_DEEP);
	return true;
}

/* Step into KEY of T while opening a header or a dotted key. */
static struct tv *descend(struct decoder *b, struct tv *t, const char *key, enum tv_origin make,
			  unsigned line, const char *whole)
{
	struct tv *c = child(t, key);

	if (!c) {
		if (too_deep(b, t->depth + 1, line))
			return NULL;
		c = new_table(t->arena, make, line, t->depth + 1);
		put(t, key, c);
		return c;
	}
	if (c->type == TV_ARRAY && c->origin == TVO_ARRAY_TABLE && c->u.arr.n)
		return c->u.arr.items[c->u.arr.n - 1];
	if (c->type != TV_TABLE) {
		decode_error(b, line, "'%s': '%s' is already a value set on line %u, not a table", whole, key, c->line);
		return NULL;
	}
	if (c->origin == TVO_VALUE) {
		decode_error(b, line, "'%s': the inline table '%s' cannot be extended", whole, key);
		return NULL;
	}
	return c;
}

static struct tv *open_table(struct decoder *b, const struct tl_line *l)
{
	struct tv *t = b->f->doc, *c;
	char *owned;
	const char *whole = whole_key(l, &owned);
	const char *last = l->key[l->nkey - 1];

	for (size_t i = 0; i + 1 < l->nkey && t; i++)
		t = descend(b, t, l->key[i], TVO_IMPLICIT, l->lineno, whole);
	if (!t)
		goto out;
	c = child(t, last);
	if (l->kind == TL_ARRAY_TABLE) {
		/* The array and each table in it are a level each. */
		if (too_deep(b, t->depth + 2, l->lineno)) {
			t = NULL;
			goto out;
		}
		if (!c) {
			c = tv_new(t->arena, TV_ARRAY);
			c->origin = TVO_ARRAY_TABLE;
			c->line = l->lineno;
			c->depth = t->depth + 1;
			put(t, last, c);
		} else if (c->type != TV_ARRAY || c->origin != TVO_ARRAY_TABLE) {
			decode_error(b, l->lineno, "[[%s]]: '%s' is already defined on line %u", whole, whole, c->line);
			t = NULL;
			goto out;
		}
		tv_array_push(c, t = new_table(t->arena, TVO_ARRAY_TABLE, l->lineno, c->depth + 1));
		goto out;
	}
	if (!c) {
		if (too_deep(b, t->depth + 1, l->lineno)) {
			t = NULL;
			goto out;
		}
		c = new_table(t->arena, TVO_HEADER, l->lineno, t->depth + 1);
		put(t, last, c);
		t = c;
		goto out;
	}
	if (c->type != TV_TABLE || c->origin == TVO_VALUE) {
		decode_error(b, l->lineno, "[%s]: '%s' is already a value set on line %u", whole, whole, c->line);
		t = NULL;
	} else if (c->origin == TVO_HEADER || c->origin == TVO_DOTTED) {
		decode_error(b, l->lineno, "[%s]: table defined twice (first on line %u)", whole, c->line);
		t = NULL;
	} else {
		c->origin = TVO_HEADER;
		c->line = l->lineno;
		t = c;
	}
out:
	free(owned);
	return t;
}

/* Values inside arrays and inline tables get the line they start on. The
 * recursion is as deep as the value, which TV_MAX_DEPTH bounds. */
static void set_lines(struct tv *v, const struct tl_line *l)
{
	v->line = tl_value_line(l, v->off);
	if (v->type == TV_ARRAY)
		for (size_t i = 0; i < v->u.arr.n; i++)
			set_lines(v->u.arr.items[i], l);
	else if (v->type == TV_TABLE)
		for (size_t i = 0; i < v->u.tab.n; i++)
			set_lines(v->u.tab.vals[i], l);
}

static void add_keyval(struct decoder *b, struct tv *t, const struct tl_line *l)
{
	char *owned, *err = NULL;
	const char *whole = whole_key(l, &owned);
	size_t off = 0;
	struct tv *v, *first;
	unsigned depth = t->depth + (unsigned)l->nkey - 1;

	/* The value sits below the tables its dotted key opens. */
	v = tv_parse_in(t->arena, l->value, l->value_len, depth, &off, &err);
	if (!v) {
		decode_error(b, tl_value_line(l, off), "%s: %s", whole, err);
		goto out;
	}
	for (size_t i = 0; i + 1 < l->nkey && t; i++)
		t = descend(b, t, l->key[i], TVO_DOTTED, l->lineno, whole);
	if (!t)
		goto out; /* V stays in the arena, unused */
	/* Through an array of tables the key went deeper than counted. */
	if (t->depth != depth) {
		v = tv_parse_in(t->arena, l->value, l->value_len, t->depth, &off, &err);
		if (!v) {
			decode_error(b, tl_value_line(l, off), "%s: %s", whole, err);
			goto out;
		}
	}
	set_lines(v, l);
	v->line = l->lineno;
	first = tv_table_add_new(t, l->key[l->nkey - 1], v);
	if (first)
		decode_error(b, l->lineno, "%s: key defined twice (first on line %u)", whole, first->line);
out:
	free(err);
	free(owned);
}

/*
 * One pass over the logical lines: a header opens (or reopens) a table and
 * the key/value lines after it go into that table. A broken header sends
 * its keys to a scratch table, so each of them is still checked but none
 * lands in the document.
 */
static void read_lines(struct decoder *b)
{
	struct tv *cur = b->f->doc;

	while (tl_next(b->rd, &b->cur)) {
		if (b->cur.kind == TL_BAD)
			decode_error(b, b->cur.error_line, "%s", b->cur.error);
		else if (b->cur.kind == TL_KEYVAL)
			add_keyval(b, cur, &b->cur);
		else {
			cur = open_table(b, &b->cur);
			if (!cur)
				cur = b->scratch;
		}
		tl_line_clear(&b->cur);
	}
}

static bool uint32_value(const struct tv *v)
{
	return v->type == TV_INTEGER && v->u.i >= 0 && v->u.i <= 0xFFFFFFFFLL;
}

static bool all_strings(const struct tv *v)
{
	if (v->type != TV_ARRAY)
		return false;
	for (size_t i = 0; i < v->u.arr.n; i++)
		if (v->u.arr.items[i]->type != TV_STRING)
			return false;
	return true;
}

/* Podman 6's Slice: strings, plus tables whose only key is a boolean "append". */
static const char *slice_fault(const struct tv *v)
{
	if (v->type != TV_ARRAY)
		return "expected an array";
	for (size_t i = 0; i < v->u.arr.n; i++) {
		const struct tv *it = v->u.arr.items[i];

		if (it->type == TV_STRING)
			continue;
		if (it->type != TV_TABLE)
			return "array items must be strings or {append = true}";
		for (size_t k = 0; k < it->u.tab.n; k++) {
			if (strcmp(it->u.tab.keys[k], "append") != 0)
				return "the only attribute in an array is 'append'";
			if (it->u.tab.vals[k]->type != TV_BOOL)
				return "'append' must be true or false";
		}
	}
	return NULL;
}

static bool string_map(const struct tv *v)
{
	if (v->type != TV_TABLE)
		return false;
	for (size_t i = 0; i < v->u.tab.n; i++)
		if (v->u.tab.vals[i]->type != TV_STRING)
			return false;
	return true;
}

static void decode_table(struct decoder *b, const struct tv *t, enum sc_key parent, const char *prefix);

static void decode_value(struct decoder *b, const struct sc_field *f, const struct tv *v,
			 const char *written)
{
	const char *why = NULL;
	bool ok;

	switch (f->type) {
	case ST_TABLE: ok = v->type == TV_TABLE; break;
	case ST_STRING: ok = v->type == TV_STRING; break;
	case ST_BOOL: ok = v->type == TV_BOOL; break;
	case ST_UINT32:
	case ST_FILEMODE: ok = uint32_value(v); break;
	case ST_STRLIST: ok = all_strings(v); break;
	case ST_SLICE: why = slice_fault(v); ok = !why; break;
	case ST_STRMAP: ok = string_map(v); break;
	default: ok = false; break;
	}
	if (!ok) {
		if (why)
			decode_error(b, v->line, "%s: %s", written, why);
		else if (v->type == TV_INTEGER && (f->type == ST_UINT32 || f->type == ST_FILEMODE))
			decode_error(b, v->line, "%s: %lld is out of range for %s", written, v->u.i,
				     sc_type_name(f->type));
		else if (v->type == TV_BOOL && f->type == ST_STRING)
			decode_error(b, v->line, "%s: must be a quoted string such as \"%s\", not a TOML boolean",
				     written, v->u.b ? "true" : "false");
		else if (v->type == TV_STRING && f->type == ST_BOOL)
			decode_error(b, v->line, "%s: must be a TOML boolean (%s without quotes), not a string",
				     written, v->u.str.s);
		else
			decode_error(b, v->line, "%s: TOML value has type %s; Podman expects %s", written,
				     tv_type_name(v->type), sc_type_name(f->type));
		return;
	}
	if (b->f->set[f->key].value) {
		file_problem(b, PR_WARNING, v->line, "Podman uses one of them, chosen at random",
			    "%s: also set as '%s' on line %u; keys differ only in case",
			    written, b->f->set[f->key].written, b->f->set[f->key].line);
		return;
	}
	b->f->set[f->key].value = v;
	b->f->set[f->key].line = v->line;
	b->f->set[f->key].written = xstrdup(written);
	if (f->type == ST_TABLE)
		decode_table(b, v, f->key, written);
}

/* "PREFIX.KEY", or KEY without a prefix; malloc'd. Not xasprintf: this
 * runs once a key, and formatting cost more than the lookup. */
static char *dotted(const char *prefix, const char *key)
{
	size_t np = prefix ? strlen(prefix) + 1 : 0, nk = strlen(key);
	char *out = xmalloc(np + nk + 1);

	if (prefix) {
		memcpy(out, prefix, np - 1);
		out[np - 1] = '.';
	}
	memcpy(out + np, key, nk + 1);
	return out;
}

static void decode_table(struct decoder *b, const struct tv *t, enum sc_key parent, const char *prefix)
{
	for (size_t i = 0; i < t->u.tab.n; i++) {
		const struct tv *v = t->u.tab.vals[i];
		char *written = dotted(prefix, t->u.tab.keys[i]);
		struct sc_field f;
		bool folded;

		if (!sc_lookup(parent, t->u.tab.keys[i], b->version, &f, &folded)) {
			file_problem(b, PR_WARNING, v->line,
				     b->version >= PV(6, 0) ? "Podman ignores it without a word"
							    : "Podman warns \"Failed to decode the keys\" and ignores it",
				     "%s: unknown key for this Podman release", written);
		} else {
			if (folded)
				file_problem(b, PR_NOTE, v->line, "Podman matches it anyway",
					     "%s: differs in case from '%s'", written, f.name);
			decode_value(b, &f, v, written);
		}
		free(written);
	}
}

/* SCHEMA false: build the document only (a TOML file that is not a storage.conf). */
static void parse_file(struct sc_file *f, const char *path, const char *buf, size_t len, unsigned version,
		       const char *on_failure, struct problem_list *pl, bool schema)
{
	struct decoder b = {.f = f, .version = version, .on_failure = on_failure, .pl = pl};
	struct tv_arena *arena;

	memset(f, 0, sizeof(*f));
	f->path = xstrdup(path);
	arena = tv_arena_new();
	f->doc = new_table(arena, TVO_HEADER, 0, 0);
	/* tv_free(f->doc) frees every table and value of the file at once. */
	tv_arena_set_owner(arena, f->doc);
	b.scratch = new_table(arena, TVO_HEADER, 0, 0);
	b.rd = tl_new(buf, len);
	read_lines(&b);
	tl_line_clear(&b.cur);
	tl_free(b.rd);
	/* b.scratch goes with the document's arena. */
	/* Go decodes nothing from a file it cannot parse. */
	if (!f->decode_failed && schema)
		decode_table(&b, f->doc, SK_NONE, NULL);
	if (f->decode_failed)
		for (int k = 0; k < SK__COUNT; k++) {
			free(f->set[k].written);
			memset(&f->set[k], 0, sizeof(f->set[k]));
		}
	if (b.hidden)
		problem_add(pl, b.hidden_sev, path, 0, NULL, "%zu more problems in this file are not listed "
			    "(the first %d are)", b.hidden, FILE_MAX_PROBLEMS);
}

void sc_file_parse(struct sc_file *f, const char *path, const char *buf, size_t len,
		   unsigned version, const char *on_failure, struct problem_list *pl)
{
	parse_file(f, path, buf, len, version, on_failure, pl, true);
}

void toml_file_parse(struct sc_file *f, const char *path, const char *buf, size_t len,
		     const char *on_failure, struct problem_list *pl)
{
	parse_file(f, path, buf, len, 0, on_failure, pl, false);
}

void sc_file_free(struct sc_file *f)
{
	for (int k = 0; k < SK__COUNT; k++)
		free(f->set[k].written);
	tv_free(f->doc);
	free(f->decode_error);
	free(f->path);
	memset(f, 0, sizeof(*f));
}

const char *sc_file_string(const struct sc_file *f, enum sc_key key)
{
	const struct tv *v = f->set[key].value;

	return v && v->type == TV_STRING ? v->u.str.s : NULL;
}
