/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf-edit.h"
#include "conf-file.h"
#include "strbuf.h"
#include "toml-lines.h"
#include "xalloc.h"

static int refuse(struct conf_edit *e, unsigned line, const char *fmt, ...) NF_PRINTF(3, 4);

static int refuse(struct conf_edit *e, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	e->error = xvasprintf(fmt, ap);
	va_end(ap);
	e->error_line = line;
	return -1;
}

char *toml_quote(const char *value, const char **err)
{
	struct strbuf b = {0};

	strbuf_adds(&b, "\"");
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if (*p == '"' || *p == '\\') {
			char esc[2] = {'\\', (char)*p};

			strbuf_add(&b, esc, 2);
		} else if (*p < 0x20 || *p == 0x7F) {
			free(strbuf_take(&b));
			*err = "it contains a control character";
			return NULL;
		} else {
			strbuf_add(&b, (const char *)p, 1);
		}
	}
	strbuf_adds(&b, "\"");
	return strbuf_take(&b);
}

/* Go's decoder folds case when it matches a key to a field. */
static bool is_path(char **parts, size_t n, const char *a, const char *b)
{
	return n == 2 && strcasecmp(parts[0], a) == 0 && strcasecmp(parts[1], b) == 0;
}

struct scan {
	unsigned matches;
	struct tl_line match;       /* the key's line */
	unsigned first_match_line;
	bool have_header;
	size_t header_end;          /* just past the [storage] line */
	bool header_eol;
	bool root_storage_keys;     /* storage.x = ... before any header */
	bool have_first_header;
	size_t first_header;        /* where the first header starts */
};

static int scan_file(const char *path, const char *buf, size_t len, const char *key, struct scan *sc,
		     struct conf_edit *e)
{
	struct tl_reader *r = tl_new(buf, len);
	struct tl_line l;
	char **table = NULL;
	size_t ntable = 0;
	int rc = 0;

	memset(sc, 0, sizeof(*sc));
	while (rc == 0 && tl_next(r, &l)) {
		if (l.kind == TL_BAD) {
			rc = refuse(e, l.error_line, "%s:%u: %s; correct the file first", path, l.error_line, l.error);
		} else if (l.kind == TL_TABLE || l.kind == TL_ARRAY_TABLE) {
			if (!sc->have_first_header) {
				sc->have_first_header = true;
				sc->first_header = l.start_off;
			}
			tv_free_parts(table, ntable);
			table = l.key;
			ntable = l.nkey;
			l.key = NULL;
			l.nkey = 0;
			if (!sc->have_header && l.kind == TL_TABLE && ntable == 1 && strcasecmp(table[0], "storage") == 0) {
				sc->have_header = true;
				sc->header_end = l.end_off;
				sc->header_eol = l.eol;
			}
		} else {
			/* The key's full path: the table it is in plus its own parts. */
			size_t n = ntable + l.nkey;
			char **full = xcalloc(n, sizeof(char *));

			for (size_t i = 0; i < ntable; i++)
				full[i] = table[i];
			for (size_t i = 0; i < l.nkey; i++)
				full[ntable + i] = l.key[i];
			if (!ntable && l.nkey > 1 && strcasecmp(l.key[0], "storage") == 0)
				sc->root_storage_keys = true;
			if (is_path(full, n, "storage", key)) {
				if (++sc->matches == 1) {
					sc->first_match_line = l.lineno;
					sc->match = l;
					memset(&l, 0, sizeof(l));
				} else {
					rc = refuse(e, l.lineno, "%s:%u: %s is set a second time (first on line %u); "
						    "keep one and run nfscheck again", path, l.lineno, key,
						    sc->first_match_line);
				}
			}
			free(full);
		}
		tl_line_clear(&l);
	}
	tv_free_parts(table, ntable);
	tl_free(r);
	return rc;
}

static const char *eol_of(const char *buf, size_t len)
{
	const char *nl = memchr(buf, '\n', len);

	return nl && nl > buf && nl[-1] == '\r' ? "\r\n" : "\n";
}

/* Every setting but KEY decodes to the same value in both versions. */
static int verify(const char *path, const char *old, size_t old_len, struct conf_edit *e, const char *key,
		  const char *value, unsigned version)
{
	struct problem_list pl = {0};
	struct sc_file a, b;
	int rc = 0;

	sc_file_parse(&a, path, old, old_len, version, NULL, &pl);
	sc_file_parse(&b, path, e->text, e->len, version, NULL, &pl);
	if (a.decode_failed) {
		rc = refuse(e, a.decode_error_line, "%s:%u: %s; correct the file first", path, a.decode_error_line,
			    a.decode_error);
		goto out;
	}
	if (b.decode_failed) {
		rc = refuse(e, b.decode_error_line, "%s: the edited file would not decode (line %u: %s); "
			    "nothing was written", path, b.decode_error_line, b.decode_error);
		goto out;
	}
	for (int k = 0; k < SK__COUNT && rc == 0; k++) {
		const struct sc_field *f = sc_field((enum sc_key)k);

		if (f->parent == SK_STORAGE && strcasecmp(f->name, key) == 0) {
			const struct tv *v = b.set[k].value;

			if (!v || v->type != TV_STRING || strcmp(v->u.str.s, value) != 0)
				rc = refuse(e, e->line, "%s: the edited file does not say %s = \"%s\"; nothing was "
					    "written", path, key, value);
		} else if (f->type != ST_TABLE && !tv_equal(a.set[k].value, b.set[k].value)) {
			rc = refuse(e, e->line, "%s: the edit would change %s too; nothing was written", path,
				    sc_path((enum sc_key)k));
		}
	}
out:
	sc_file_free(&a);
	sc_file_free(&b);
	problem_list_free(&pl);
	return rc;
}

static unsigned line_at(const char *buf, size_t off)
{
	unsigned n = 1;

	for (size_t i = 0; i < off; i++)
		if (buf[i] == '\n')
			n++;
	return n;
}

/* A new `key = "value"` line; the edit remembers where it landed. */
static void put_key_line(struct strbuf *out, struct conf_edit *e, const char *prefix, const char *key,
			 const char *quoted, const char *eol)
{
	e->line = line_at(out->p, out->n);
	strbuf_adds(out, prefix);
	strbuf_adds(out, key);
	strbuf_adds(out, " = ");
	strbuf_adds(out, quoted);
	strbuf_adds(out, eol);
}

int conf_edit_set(const char *path, const char *buf, size_t len, const char *key, const char *value,
		  unsigned version, struct conf_edit *e)
{
	const char *eol = eol_of(buf, len), *qerr = NULL;
	struct strbuf out = {0};
	struct scan sc;
	char *quoted;
	int rc;

	memset(e, 0, sizeof(*e));
	quoted = toml_quote(value, &qerr);
	if (!quoted)
		return refuse(e, 0, "%s: cannot write %s: %s", path, key, qerr);
	if (scan_file(path, buf, len, key, &sc, e) != 0) {
		tl_line_clear(&sc.match);
		free(quoted);
		return -1;
	}
	if (sc.matches) {
		const struct tl_line *m = &sc.match;
		char *err = NULL;
		size_t off = 0;
		struct tv *v = tv_parse(m->value, m->value_len, &off, &err);

		if (!v || v->type != TV_STRING || memchr(m->value, '\n', m->value_len)) {
			/* Quote at most the start of the first line: the value may be
			 * a megabyte the user wrote. */
			size_t shown = strcspn(m->value, "\n");
			const char *more = shown < m->value_len ? " ..." : "";

			if (shown > 60) {
				shown = 60;
				more = " ...";
			}
			rc = refuse(e, m->lineno, "%s:%u: %s = %.*s%s is not a one-line string nfscheck can rewrite; "
				    "change it by hand", path, m->lineno, key, (int)shown, m->value, more);
			tv_free(v);
			free(err);
			tl_line_clear(&sc.match);
			free(quoted);
			return rc;
		}
		e->changed = strcmp(v->u.str.s, value) != 0;
		tv_free(v);
		e->line = m->lineno;
		strbuf_add(&out, buf, m->value_off);
		strbuf_adds(&out, quoted);
		strbuf_add(&out, buf + m->value_end, len - m->value_end);
	} else if (sc.have_header) {
		/* Right after [storage]: never before the first header, never in another table. */
		strbuf_add(&out, buf, sc.header_end);
		if (!sc.header_eol)
			strbuf_adds(&out, eol);
		put_key_line(&out, e, "", key, quoted, eol);
		strbuf_add(&out, buf + sc.header_end, len - sc.header_end);
		e->changed = true;
	} else if (sc.root_storage_keys) {
		/* storage.* keys at the top already define the table: a [storage]
		 * header after them would be a TOML error. Join them instead. */
		size_t at = sc.have_first_header ? sc.first_header : len;

		strbuf_add(&out, buf, at);
		if (at && buf[at - 1] != '\n')
			strbuf_adds(&out, eol);
		put_key_line(&out, e, "storage.", key, quoted, eol);
		strbuf_add(&out, buf + at, len - at);
		e->changed = true;
	} else {
		strbuf_add(&out, buf, len);
		if (len && buf[len - 1] != '\n')
			strbuf_adds(&out, eol);
		if (len)
			strbuf_adds(&out, eol);
		strbuf_adds(&out, "[storage]");
		strbuf_adds(&out, eol);
		put_key_line(&out, e, "", key, quoted, eol);
		e->changed = true;
	}
	tl_line_clear(&sc.match);
	free(quoted);
	e->len = out.n;
	e->text = strbuf_take(&out);
	return verify(path, buf, len, e, key, value, version);
}

void conf_edit_free(struct conf_edit *e)
{
	free(e->text);
	free(e->error);
	memset(e, 0, sizeof(*e));
}

/* ---- unified diff of one contiguous change ---- */

struct lines {
	const char **start;
	size_t *len;     /* without the "\n" */
	bool *nl;        /* the line has its "\n" */
	size_t n;
};

static void split(const char *s, size_t len, struct lines *l)
{
	size_t i = 0, cap = 0;

	memset(l, 0, sizeof(*l));
	while (i < len) {
		const char *nl = memchr(s + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (s + i)) : len - i;

		/* Doubling keeps a file of many short lines linear. */
		if (l->n == cap) {
			cap = cap ? 2 * cap : 64;
			l->start = xreallocarray(l->start, cap, sizeof(*l->start));
			l->len = xreallocarray(l->len, cap, sizeof(*l->len));
			l->nl = xreallocarray(l->nl, cap, sizeof(*l->nl));
		}
		l->start[l->n] = s + i;
		l->len[l->n] = n;
		l->nl[l->n++] = nl != NULL;
		i += n + (nl ? 1 : 0);
	}
}

static bool same(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	return a->len[i] == b->len[j] && a->nl[i] == b->nl[j] && memcmp(a->start[i], b->start[j], a->len[i]) == 0;
}

static void emit(struct strbuf *o, char tag, const struct lines *l, size_t i)
{
	strbuf_add(o, &tag, 1);
	strbuf_add(o, l->start[i], l->len[i]);
	strbuf_adds(o, "\n");
	if (!l->nl[i])
		strbuf_adds(o, "\\ No newline at end of file\n");
}

static void free_lines(struct lines *l)
{
	free(l->start);
	free(l->len);
	free(l->nl);
}

#define DIFF_CONTEXT 3

char *unified_diff(const char *label, const char *old, size_t old_len, const char *new, size_t new_len)
{
	struct lines a, b;
	struct strbuf o = {0};
	size_t pre = 0, suf = 0, from, to_a, to_b;
	char head[128];

	split(old ? old : "", old ? old_len : 0, &a);
	split(new, new_len, &b);
	while (pre < a.n && pre < b.n && same(&a, pre, &b, pre))
		pre++;
	while (suf < a.n - pre && suf < b.n - pre && same(&a, a.n - 1 - suf, &b, b.n - 1 - suf))
		suf++;
	if (pre == a.n && pre == b.n) {
		free_lines(&a);
		free_lines(&b);
		return xstrdup("");
	}
	from = pre > DIFF_CONTEXT ? pre - DIFF_CONTEXT : 0;
	to_a = a.n - suf + (suf > DIFF_CONTEXT ? DIFF_CONTEXT : suf);
	to_b = b.n - suf + (suf > DIFF_CONTEXT ? DIFF_CONTEXT : suf);
	strbuf_adds(&o, old ? "--- " : "--- /dev/null");
	if (old)
		strbuf_adds(&o, label);
	strbuf_adds(&o, "\n+++ ");
	strbuf_adds(&o, label);
	strbuf_adds(&o, "\n");
	snprintf(head, sizeof(head), "@@ -%zu,%zu +%zu,%zu @@\n", to_a > from ? from + 1 : from, to_a - from,
		 to_b > from ? from + 1 : from, to_b - from);
	strbuf_adds(&o, head);
	for (size_t i = from; i < pre; i++)
		emit(&o, ' ', &a, i);
	for (size_t i = pre; i < a.n - suf; i++)
		emit(&o, '-', &a, i);
	for (size_t i = pre; i < b.n - suf; i++)
		emit(&o, '+', &b, i);
	for (size_t i = a.n - suf; i < to_a; i++)
		emit(&o, ' ', &a, i);
	free_lines(&a);
	free_lines(&b);
	return strbuf_take(&o);
}
