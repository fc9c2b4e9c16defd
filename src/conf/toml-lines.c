/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "toml-lines.h"
#include "toml-value.h"
#include "xalloc.h"

struct tl_reader {
	const char *buf;
	size_t len;
	size_t pos;
	unsigned lineno;
	bool eol;
};

/* Where a value's lexer is between physical lines. */
enum scan_mode { M_CODE, M_BASIC, M_LITERAL, M_ML_BASIC, M_ML_LITERAL };

struct scan {
	enum scan_mode mode;
	int depth;      /* open [ and { outside strings */
	bool escape;
};

struct tl_reader *tl_new(const char *buf, size_t len)
{
	struct tl_reader *r = xcalloc(1, sizeof(*r));

	r->buf = buf;
	r->len = len;
	/* Go's decoder skips a UTF-8 byte order mark. */
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		r->pos = 3;
	return r;
}

void tl_free(struct tl_reader *r)
{
	free(r);
}

void tl_line_clear(struct tl_line *line)
{
	tv_free_parts(line->key, line->nkey);
	free(line->value);
	free(line->nl);
	free(line->error_owned);
	memset(line, 0, sizeof(*line));
}

/* Next physical line without its "\n" or "\r\n"; false at end of input.
 * R->eol says whether it had a newline. */
static bool physical_line(struct tl_reader *r, const char **start, size_t *n)
{
	const char *nl;

	if (r->pos >= r->len)
		return false;
	*start = r->buf + r->pos;
	nl = memchr(*start, '\n', r->len - r->pos);
	*n = nl ? (size_t)(nl - *start) : r->len - r->pos;
	r->pos += *n + (nl ? 1 : 0);
	r->eol = nl != NULL;
	if (*n && (*start)[*n - 1] == '\r')
		(*n)--;
	r->lineno++;
	return true;
}

/*
 * Copy one physical segment of a value into OUT, dropping a comment that
 * starts outside strings, and track whether the value continues on the
 * next line (an open array, inline table or multi-line string).
 */
static size_t scan_segment(struct scan *st, const char *s, size_t n, struct strbuf *out)
{
	size_t i, keep = n;

	for (i = 0; i < n; i++) {
		char ch = s[i];

		switch (st->mode) {
		case M_CODE:
			if (ch == '#') {
				keep = i;
				i = n;
				break;
			}
			if (ch == '[' || ch == '{')
				st->depth++;
			else if ((ch == ']' || ch == '}') && st->depth > 0)
				st->depth--;
			else if (ch == '"') {
				if (i + 2 < n && s[i + 1] == '"' && s[i + 2] == '"') {
					st->mode = M_ML_BASIC;
					i += 2;
				} else {
					st->mode = M_BASIC;
				}
			} else if (ch == '\'') {
				if (i + 2 < n && s[i + 1] == '\'' && s[i + 2] == '\'') {
					st->mode = M_ML_LITERAL;
					i += 2;
				} else {
					st->mode = M_LITERAL;
				}
			}
			break;
		case M_BASIC:
		case M_ML_BASIC:
			if (st->escape)
				st->escape = false;
			else if (ch == '\\')
				st->escape = true;
			else if (ch == '"') {
				if (st->mode == M_BASIC) {
					st->mode = M_CODE;
				} else if (i + 2 < n && s[i + 1] == '"' && s[i + 2] == '"') {
					/* Up to two quotes may precede the closer. */
					i += 2;
					while (i + 1 < n && s[i + 1] == '"')
						i++;
					st->mode = M_CODE;
				}
			}
			break;
		case M_LITERAL:
			if (ch == '\'')
				st->mode = M_CODE;
			break;
		case M_ML_LITERAL:
			if (ch == '\'' && i + 2 < n && s[i + 1] == '\'' && s[i + 2] == '\'') {
				i += 2;
				while (i + 1 < n && s[i + 1] == '\'')
					i++;
				st->mode = M_CODE;
			}
			break;
		}
	}
	strbuf_add(out, s, keep);
	/* Single-line strings cannot continue; the decoder reports them. */
	if (st->mode == M_BASIC || st->mode == M_LITERAL) {
		st->mode = M_CODE;
		st->escape = false;
	}
	/* A backslash at the end of a multi-line basic line escapes the newline. */
	if (st->mode == M_ML_BASIC)
		st->escape = false;
	return keep;
}

/* strchr(" \t\n", ch), NUL included as strchr has it, without the call. */
static bool trailing_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\0';
}

/* Just past the last non-blank byte of S[0..N). */
static size_t trimmed(const char *s, size_t n)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n;
}

/* MSG is a literal: a file of 500,000 bad lines need not copy it each time. */
static void set_bad(struct tl_line *line, unsigned at, const char *msg)
{
	line->kind = TL_BAD;
	line->error = msg;
	line->error_line = at;
}

/* The same with ERR (malloc'd, now the line's) when there is one. */
static void set_bad_owned(struct tl_line *line, unsigned at, char *err, const char *fallback)
{
	set_bad(line, at, err ? err : fallback);
	line->error_owned = err;
}

static bool only_comment(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i == n || s[i] == '#';
}

static void read_header(const char *s, size_t n, struct tl_line *line)
{
	bool array = n > 1 && s[1] == '[';
	size_t i = array ? 2 : 1, used;
	char *err = NULL;

	line->kind = array ? TL_ARRAY_TABLE : TL_TABLE;
	used = tv_parse_key(s + i, n - i, &line->key, &line->nkey, &err);
	if (!used) {
		tv_free_parts(line->key, line->nkey);
		line->key = NULL;
		line->nkey = 0;
		set_bad_owned(line, line->lineno, err, "invalid table header");
		return;
	}
	i += used;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i >= n || s[i] != ']' || (array && (i + 1 >= n || s[i + 1] != ']'))) {
		set_bad(line, line->lineno, array ? "expected ']]' to close the table header"
						  : "expected ']' to close the table header");
		return;
	}
	i += array ? 2 : 1;
	if (!only_comment(s + i, n - i))
		set_bad(line, line->lineno, "unexpected text after the table header");
}

static void read_keyval(struct tl_reader *r, const char *s, size_t n, struct tl_line *line)
{
	struct scan st = {M_CODE, 0, false};
	struct strbuf val = {0};
	size_t i, used, keep, nlcap = 0;
	char *err = NULL;

	line->kind = TL_KEYVAL;
	used = tv_parse_key(s, n, &line->key, &line->nkey, &err);
	if (!used) {
		set_bad_owned(line, line->lineno, err, "expected a key");
		return;
	}
	i = used;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i >= n || s[i] != '=') {
		set_bad(line, line->lineno, "expected '=' after the key");
		return;
	}
	i++;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	line->value_off = (size_t)(s + i - r->buf);
	keep = scan_segment(&st, s + i, n - i, &val);
	if (trimmed(s + i, keep))
		line->value_end = line->value_off + trimmed(s + i, keep);
	else
		line->value_end = line->value_off;
	while (st.depth > 0 || st.mode == M_ML_BASIC || st.mode == M_ML_LITERAL) {
		const char *next;
		size_t nn;

		if (!physical_line(r, &next, &nn))
			break; /* the decoder reports what is left open */
		if (line->nnl == nlcap) {
			nlcap = nlcap ? 2 * nlcap : 16;
			line->nl = xreallocarray(line->nl, nlcap, sizeof(*line->nl));
		}
		line->nl[line->nnl++] = val.n;
		strbuf_add(&val, "\n", 1);
		keep = scan_segment(&st, next, nn, &val);
		if (trimmed(next, keep))
			line->value_end = (size_t)(next - r->buf) + trimmed(next, keep);
	}
	line->value_len = val.n;
	line->value = strbuf_take(&val);
	/* Trailing blanks are not part of the value. */
	while (line->value_len && trailing_blank(line->value[line->value_len - 1]))
		line->value[--line->value_len] = '\0';
}

bool tl_next(struct tl_reader *r, struct tl_line *line)
{
	const char *s;
	size_t n, i;

	memset(line, 0, sizeof(*line));
	for (;;) {
		if (!physical_line(r, &s, &n))
			return false;
		line->lineno = r->lineno;
		line->start_off = (size_t)(s - r->buf);
		line->end_off = r->pos;
		line->eol = r->eol;
		if (memchr(s, '\0', n)) {
			set_bad(line, r->lineno, "NUL byte in file");
			return true;
		}
		for (i = 0; i < n && (s[i] == ' ' || s[i] == '\t'); i++)
			;
		if (i == n || s[i] == '#')
			continue;
		line->start_off = (size_t)(s - r->buf);
		if (s[i] == '[')
			read_header(s + i, n - i, line);
		else
			read_keyval(r, s + i, n - i, line);
		line->end_off = r->pos;
		line->eol = r->eol;
		return true;
	}
}

unsigned tl_value_line(const struct tl_line *line, size_t off)
{
	size_t lo = 0, hi = line->nnl;

	if (off > line->value_len)
		off = line->value_len;
	/* How many newlines lie before OFF. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (line->nl[mid] < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return line->lineno + (unsigned)lo;
}
