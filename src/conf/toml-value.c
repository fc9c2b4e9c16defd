/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A recursive-descent decoder for TOML 1.0 values. It accepts exactly what
 * BurntSushi/toml (the decoder containers-storage uses) accepts for the
 * value forms found in storage.conf, so that a file we call malformed is one
 * Podman calls malformed too.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "strhash.h"
#include "toml-value.h"
#include "xalloc.h"

struct cursor {
	const char *s;
	size_t len;
	size_t pos;
	size_t err_off;
	char *err;
	unsigned depth; /* of the table or array being parsed */
};

static bool fail(struct cursor *c, size_t off, const char *msg)
{
	if (!c->err) {
		c->err = xstrdup(msg);
		c->err_off = off;
	}
	return false;
}

static int peek(const struct cursor *c)
{
	return c->pos < c->len ? (unsigned char)c->s[c->pos] : -1;
}

static bool at(const struct cursor *c, const char *lit)
{
	size_t n = strlen(lit);

	return c->len - c->pos >= n && memcmp(c->s + c->pos, lit, n) == 0;
}

static void skip_ws(struct cursor *c)
{
	while (c->pos < c->len && (c->s[c->pos] == ' ' || c->s[c->pos] == '\t'))
		c->pos++;
}

/* strchr(" \t\n", ch) without the call: this runs once a byte. Like
 * strchr, it counts the NUL as one of them. */
static bool ws_nl(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\0';
}

/* strchr(" \t\n,]}#", ch): where a bare value ends. */
static bool bare_end(char ch)
{
	return ws_nl(ch) || ch == ',' || ch == ']' || ch == '}' || ch == '#';
}

static void skip_ws_nl(struct cursor *c)
{
	while (c->pos < c->len && ws_nl(c->s[c->pos]))
		c->pos++;
}

static void buf_utf8(struct strbuf *b, uint32_t cp)
{
	char out[4];
	size_t n;

	if (cp < 0x80) {
		out[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		out[0] = (char)(0xF0 | (cp >> 18));
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	strbuf_add(b, out, n);
}

static struct tv *new_value(enum tv_type t)
{
	struct tv *v = xcalloc(1, sizeof(*v));

	v->type = t;
	return v;
}

static struct tv *string_value(struct strbuf *b)
{
	struct tv *v = new_value(TV_STRING);

	v->u.str.len = b->n;
	v->u.str.s = strbuf_take(b);
	return v;
}

/* TOML forbids raw control characters other than tab inside strings. */
static bool bad_control(int ch)
{
	return (ch >= 0 && ch < 0x20 && ch != '\t') || ch == 0x7F;
}

static bool parse_escape(struct cursor *c, struct strbuf *b)
{
	size_t start = c->pos - 1; /* the backslash */
	int ch = peek(c);
	unsigned digits;
	uint32_t cp = 0;

	c->pos++;
	switch (ch) {
	case 'b': strbuf_add(b, "\b", 1); return true;
	case 't': strbuf_add(b, "\t", 1); return true;
	case 'n': strbuf_add(b, "\n", 1); return true;
	case 'f': strbuf_add(b, "\f", 1); return true;
	case 'r': strbuf_add(b, "\r", 1); return true;
	case '"': strbuf_add(b, "\"", 1); return true;
	case '\\': strbuf_add(b, "\\", 1); return true;
	case 'u': digits = 4; break;
	case 'U': digits = 8; break;
	default:
		return fail(c, start, "invalid escape sequence in string");
	}
	for (unsigned i = 0; i < digits; i++) {
		int h = peek(c);

		if (h < 0 || !isxdigit(h))
			return fail(c, start, "invalid unicode escape in string");
		cp = cp * 16 + (uint32_t)(isdigit(h) ? h - '0' : (tolower(h) - 'a' + 10));
		c->pos++;
	}
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return fail(c, start, "unicode escape is not a valid code point");
	buf_utf8(b, cp);
	return true;
}

static struct tv *parse_basic_string(struct cursor *c)
{
	size_t start = c->pos;
	struct strbuf b = {0};

	c->pos++; /* opening quote */
	for (;;) {
		int ch = peek(c);

		if (ch < 0 || ch == '\n') {
			free(b.p);
			fail(c, start, "unterminated string");
			return NULL;
		}
		c->pos++;
		if (ch == '"')
			return string_value(&b);
		if (ch == '\\') {
			if (!parse_escape(c, &b)) {
				free(b.p);
				return NULL;
			}
			continue;
		}
		if (bad_control(ch)) {
			free(b.p);
			fail(c, c->pos - 1, "control character in string");
			return NULL;
		}
		strbuf_add(&b, c->s + c->pos - 1, 1);
	}
}

static struct tv *parse_literal_string(struct cursor *c)
{
	size_t start = c->pos;
	struct strbuf b = {0};

	c->pos++;
	for (;;) {
		int ch = peek(c);

		if (ch < 0 || ch == '\n') {
			free(b.p);
			fail(c, start, "unterminated literal string");
			return NULL;
		}
		c->pos++;
		if (ch == '\'')
			return string_value(&b);
		if (bad_control(ch)) {
			free(b.p);
			fail(c, c->pos - 1, "control character in string");
			return NULL;
		}
		strbuf_add(&b, c->s + c->pos - 1, 1);
	}
}

/* """...""" and '''...''': a newline right after the opener is dropped, and
 * up to two quotes may sit against the closer. */
static struct tv *parse_multiline_string(struct cursor *c, char q)
{
	size_t start = c->pos;
	struct strbuf b = {0};
	const char closer[4] = {q, q, q, '\0'};

	c->pos += 3;
	if (peek(c) == '\n')
		c->pos++;
	for (;;) {
		int ch = peek(c);

		if (ch < 0) {
			free(b.p);
			fail(c, start, "unterminated multi-line string");
			return NULL;
		}
		if (at(c, closer)) {
			size_t extra = 0;

			while (extra < 2 && c->pos + 3 + extra < c->len && c->s[c->pos + 3 + extra] == q)
				extra++;
			strbuf_add(&b, c->s + c->pos, extra);
			c->pos += 3 + extra;
			return string_value(&b);
		}
		c->pos++;
		if (q == '"' && ch == '\\') {
			size_t look = c->pos;

			/* A line-ending backslash swallows the newline and the
			 * indentation that follows it. */
			while (look < c->len && (c->s[look] == ' ' || c->s[look] == '\t'))
				look++;
			if (look < c->len && c->s[look] == '\n') {
				c->pos = look;
				skip_ws_nl(c);
				continue;
			}
			if (!parse_escape(c, &b)) {
				free(b.p);
				return NULL;
			}
			continue;
		}
		if (ch != '\n' && bad_control(ch)) {
			free(b.p);
			fail(c, c->pos - 1, "control character in string");
			return NULL;
		}
		strbuf_add(&b, c->s + c->pos - 1, 1);
	}
}

static struct tv *parse_string(struct cursor *c)
{
	if (at(c, "\"\"\""))
		return parse_multiline_string(c, '"');
	if (at(c, "'''"))
		return parse_multiline_string(c, '\'');
	if (peek(c) == '"')
		return parse_basic_string(c);
	return parse_literal_string(c);
}

/* Digits with single underscores between them, in BASE. */
static bool digit_run(const char *s, size_t n, int base)
{
	if (n == 0 || s[0] == '_' || s[n - 1] == '_')
		return false;
	for (size_t i = 0; i < n; i++) {
		int ch = (unsigned char)s[i];

		if (ch == '_') {
			if (s[i + 1] == '_')
				return false;
			continue;
		}
		if (base == 16 ? !isxdigit(ch) : !(ch >= '0' && ch < '0' + base))
			return false;
	}
	return true;
}

static char *strip_underscores(const char *s, size_t n)
{
	char *out = xmalloc(n + 1);
	size_t j = 0;

	for (size_t i = 0; i < n; i++)
		if (s[i] != '_')
			out[j++] = s[i];
	out[j] = '\0';
	return out;
}

static bool looks_like_datetime(const char *s, size_t n)
{
	return (n >= 10 && isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) &&
		isdigit((unsigned char)s[2]) && isdigit((unsigned char)s[3]) && s[4] == '-') ||
	       (n >= 8 && isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) && s[2] == ':');
}

static struct tv *integer_value(struct cursor *c, size_t start, const char *tok, size_t n)
{
	int base = 10;
	const char *digits = tok;
	size_t nd = n;
	bool neg = false;
	struct tv *v;
	char *clean, *end;
	long long val;

	if (n > 2 && tok[0] == '0' && strchr("xob", tok[1])) {
		base = tok[1] == 'x' ? 16 : tok[1] == 'o' ? 8 : 2;
		digits = tok + 2;
		nd = n - 2;
	} else {
		if (tok[0] == '+' || tok[0] == '-') {
			neg = tok[0] == '-';
			digits++;
			nd--;
		}
		if (nd > 1 && digits[0] == '0') {
			fail(c, start, "leading zeros are not allowed in integers");
			return NULL;
		}
	}
	if (!digit_run(digits, nd, base)) {
		fail(c, start, "invalid number");
		return NULL;
	}
	clean = strip_underscores(digits, nd);
	errno = 0;
	if (base == 10) {
		unsigned long long u = strtoull(clean, &end, 10);

		if (errno || u > (unsigned long long)LLONG_MAX + (neg ? 1 : 0)) {
			free(clean);
			fail(c, start, "integer out of range");
			return NULL;
		}
		val = neg ? (long long)(0 - u) : (long long)u;
	} else {
		unsigned long long u = strtoull(clean, &end, base);

		if (errno || u > (unsigned long long)LLONG_MAX) {
			free(clean);
			fail(c, start, "integer out of range");
			return NULL;
		}
		val = (long long)u;
	}
	free(clean);
	v = new_value(TV_INTEGER);
	v->u.i = val;
	return v;
}

static struct tv *float_value(struct cursor *c, size_t start, const char *tok, size_t n)
{
	const char *p = tok, *endp = tok + n;
	const char *intpart, *frac = NULL, *exp = NULL;
	size_t nint, nfrac = 0, nexp = 0;
	struct tv *v;
	char *clean;

	if (*p == '+' || *p == '-')
		p++;
	if ((size_t)(endp - p) == 3 && (memcmp(p, "inf", 3) == 0 || memcmp(p, "nan", 3) == 0)) {
		v = new_value(TV_FLOAT);
		v->u.f = p[0] == 'i' ? (tok[0] == '-' ? -__builtin_inf() : __builtin_inf()) : __builtin_nan("");
		return v;
	}
	intpart = p;
	while (p < endp && *p != '.' && *p != 'e' && *p != 'E')
		p++;
	nint = (size_t)(p - intpart);
	if (p < endp && *p == '.') {
		frac = ++p;
		while (p < endp && *p != 'e' && *p != 'E')
			p++;
		nfrac = (size_t)(p - frac);
	}
	if (p < endp && (*p == 'e' || *p == 'E')) {
		exp = ++p;
		if (p < endp && (*p == '+' || *p == '-'))
			exp++;
		nexp = (size_t)(endp - exp);
	}
	if (!digit_run(intpart, nint, 10) || (nint > 1 && intpart[0] == '0') ||
	    (frac && !digit_run(frac, nfrac, 10)) || (exp && !digit_run(exp, nexp, 10))) {
		fail(c, start, "invalid number");
		return NULL;
	}
	clean = strip_underscores(tok, n);
	v = new_value(TV_FLOAT);
	v->u.f = strtod(clean, NULL);
	free(clean);
	return v;
}

/* Bare scalars: booleans, numbers, date-times. */
static struct tv *parse_bare(struct cursor *c)
{
	size_t start = c->pos;
	const char *tok = c->s + start;
	size_t n;
	struct tv *v;

	while (c->pos < c->len && !bare_end(c->s[c->pos]))
		c->pos++;
	/* A date and a time may be separated by one space. */
	if (looks_like_datetime(tok, c->pos - start) && peek(c) == ' ' &&
	    c->pos + 1 < c->len && isdigit((unsigned char)c->s[c->pos + 1])) {
		c->pos++;
		while (c->pos < c->len && !bare_end(c->s[c->pos]))
			c->pos++;
	}
	n = c->pos - start;
	if (n == 0) {
		fail(c, start, "expected a value");
		return NULL;
	}
	if (n == 4 && memcmp(tok, "true", 4) == 0) {
		v = new_value(TV_BOOL);
		v->u.b = true;
		return v;
	}
	if (n == 5 && memcmp(tok, "false", 5) == 0) {
		v = new_value(TV_BOOL);
		v->u.b = false;
		return v;
	}
	if (looks_like_datetime(tok, n)) {
		for (size_t i = 0; i < n; i++)
			if (!strchr("0123456789-:.TtZz+ ", tok[i])) {
				fail(c, start, "invalid date-time");
				return NULL;
			}
		v = new_value(TV_DATETIME);
		v->u.datetime = xstrndup(tok, n);
		return v;
	}
	if (isdigit((unsigned char)tok[0]) || tok[0] == '+' || tok[0] == '-') {
		bool is_float = false;

		if (!(n > 2 && tok[0] == '0' && strchr("xob", tok[1])))
			for (size_t i = 0; i < n; i++)
				if (tok[i] == '.' || tok[i] == 'e' || tok[i] == 'E' || tok[i] == 'i' || tok[i] == 'n')
					is_float = true;
		return is_float ? float_value(c, start, tok, n) : integer_value(c, start, tok, n);
	}
	if ((n == 3 && (memcmp(tok, "inf", 3) == 0 || memcmp(tok, "nan", 3) == 0)))
		return float_value(c, start, tok, n);
	fail(c, start, "expected a value (a quoted string, number, true/false, [array] or {table}); bare words must be quoted");
	return NULL;
}

static struct tv *parse_any(struct cursor *c);

static struct tv *parse_array(struct cursor *c)
{
	size_t start = c->pos;
	struct tv *a = new_value(TV_ARRAY);

	a->depth = c->depth;
	c->pos++;
	for (;;) {
		struct tv *item;

		skip_ws_nl(c);
		if (peek(c) == ']') {
			c->pos++;
			return a;
		}
		if (peek(c) < 0) {
			fail(c, start, "unterminated array: missing ']'");
			tv_free(a);
			return NULL;
		}
		item = parse_any(c);
		if (!item) {
			tv_free(a);
			return NULL;
		}
		tv_array_push(a, item);
		skip_ws_nl(c);
		if (peek(c) == ',') {
			c->pos++;
			continue;
		}
		if (peek(c) == ']')
			continue;
		fail(c, c->pos < c->len ? c->pos : start,
		     peek(c) < 0 ? "unterminated array: missing ']'" : "expected ',' or ']' in array");
		tv_free(a);
		return NULL;
	}
}

/* The value of KEY in T, or NULL after making a slot for it in *SLOT. */
static struct tv *table_slot(struct tv *t, const char *key, struct tv ***slot)
{
	struct tv *v = tv_table_find(t, key);

	if (!v)
		*slot = tv_table_add(t, key, NULL);
	return v;
}

static struct tv *parse_inline_table(struct cursor *c)
{
	size_t start = c->pos;
	struct tv *t = new_value(TV_TABLE);
	bool first = true;

	t->depth = c->depth;
	c->pos++;
	for (;;) {
		char **parts = NULL, *kerr = NULL;
		size_t nparts = 0, used, keypos;
		struct tv *cur = t, *val, **slot = NULL;

		skip_ws(c);
		if (peek(c) == '\n') {
			fail(c, c->pos, "newlines are not allowed inside an inline table");
			goto bad;
		}
		if (first && peek(c) == '}') {
			c->pos++;
			return t;
		}
		if (peek(c) < 0) {
			fail(c, start, "unterminated inline table: missing '}'");
			goto bad;
		}
		keypos = c->pos;
		used = tv_parse_key(c->s + c->pos, c->len - c->pos, &parts, &nparts, &kerr);
		if (!used) {
			fail(c, keypos, kerr);
			free(kerr);
			goto bad;
		}
		c->pos += used;
		/* Each part before the last opens a table one level down. */
		if (c->depth + nparts - 1 > TV_MAX_DEPTH) {
			tv_free_parts(parts, nparts);
			fail(c, keypos, TV_TOO_DEEP);
			goto bad;
		}
		skip_ws(c);
		if (peek(c) != '=') {
			tv_free_parts(parts, nparts);
			fail(c, c->pos, "expected '=' after key in inline table");
			goto bad;
		}
		c->pos++;
		skip_ws(c);
		/* The value sits in the tables the dotted key opens. */
		c->depth += (unsigned)nparts - 1;
		val = parse_any(c);
		c->depth -= (unsigned)nparts - 1;
		if (!val) {
			tv_free_parts(parts, nparts);
			goto bad;
		}
		for (size_t i = 0; i < nparts; i++) {
			struct tv *next = table_slot(cur, parts[i], &slot);

			if (i + 1 == nparts) {
				if (next) {
					tv_free(val);
					tv_free_parts(parts, nparts);
					fail(c, keypos, "duplicate key in inline table");
					goto bad;
				}
				*slot = val;
			} else {
				if (!next) {
					next = new_value(TV_TABLE);
					next->depth = cur->depth + 1;
					*slot = next;
				} else if (next->type != TV_TABLE) {
					tv_free(val);
					tv_free_parts(parts, nparts);
					fail(c, keypos, "key in inline table is already defined as a value");
					goto bad;
				}
				cur = next;
			}
		}
		tv_free_parts(parts, nparts);
		first = false;
		skip_ws(c);
		if (peek(c) == ',') {
			c->pos++;
			skip_ws(c);
			if (peek(c) == '}') {
				fail(c, c->pos, "trailing comma is not allowed in an inline table");
				goto bad;
			}
			continue;
		}
		if (peek(c) == '}') {
			c->pos++;
			return t;
		}
		fail(c, c->pos < c->len ? c->pos : start,
		     peek(c) == '\n' ? "newlines are not allowed inside an inline table"
				     : "expected ',' or '}' in inline table");
		goto bad;
	}
bad:
	tv_free(t);
	return NULL;
}

/* Arrays and inline tables recurse; the depth bound keeps that shallow. */
static struct tv *parse_any(struct cursor *c)
{
	struct tv *v;
	int ch = peek(c);
	size_t start = c->pos;

	if (ch == '"' || ch == '\'')
		v = parse_string(c);
	else if (ch != '[' && ch != '{')
		v = parse_bare(c);
	else if (c->depth + 1 > TV_MAX_DEPTH) {
		fail(c, start, TV_TOO_DEEP);
		return NULL;
	} else {
		c->depth++;
		v = ch == '[' ? parse_array(c) : parse_inline_table(c);
		c->depth--;
	}
	if (v)
		v->off = start;
	return v;
}

struct tv *tv_parse(const char *text, size_t len, size_t *err_off, char **err_msg)
{
	return tv_parse_at(text, len, 0, err_off, err_msg);
}

struct tv *tv_parse_at(const char *text, size_t len, unsigned depth, size_t *err_off, char **err_msg)
{
	struct cursor c = {.s = text, .len = len, .depth = depth};
	struct tv *v;

	skip_ws(&c);
	if (c.pos == c.len) {
		*err_off = 0;
		*err_msg = xstrdup("missing value after '='");
		return NULL;
	}
	v = parse_any(&c);
	if (v) {
		skip_ws(&c);
		if (c.pos != c.len) {
			tv_free(v);
			v = NULL;
			fail(&c, c.pos, "unexpected text after the value");
		}
	}
	if (!v) {
		*err_off = c.err_off;
		*err_msg = c.err;
	}
	return v;
}

size_t tv_parse_key(const char *text, size_t len, char ***parts, size_t *nparts, char **err_msg)
{
	struct cursor c = {.s = text, .len = len};
	char **out = NULL;
	size_t n = 0;

	for (;;) {
		int ch;
		char *part;

		skip_ws(&c);
		ch = peek(&c);
		if (ch == '"' || ch == '\'') {
			struct tv *s;

			if (at(&c, "\"\"\"") || at(&c, "'''")) {
				fail(&c, c.pos, "multi-line strings cannot be keys");
				goto bad;
			}
			s = ch == '"' ? parse_basic_string(&c) : parse_literal_string(&c);
			if (!s)
				goto bad;
			part = s->u.str.s;
			s->u.str.s = NULL;
			free(s);
		} else {
			size_t start = c.pos;

			while (c.pos < c.len && (isalnum((unsigned char)c.s[c.pos]) || c.s[c.pos] == '_' || c.s[c.pos] == '-'))
				c.pos++;
			if (c.pos == start) {
				fail(&c, start, "expected a key");
				goto bad;
			}
			part = xstrndup(c.s + start, c.pos - start);
		}
		if (n == TV_MAX_DEPTH) {
			free(part);
			fail(&c, c.pos, TV_TOO_DEEP);
			goto bad;
		}
		out = xreallocarray(out, n + 1, sizeof(char *));
		out[n++] = part;
		{
			size_t save = c.pos;

			skip_ws(&c);
			if (peek(&c) == '.') {
				c.pos++;
				continue;
			}
			c.pos = save;
		}
		break;
	}
	*parts = out;
	*nparts = n;
	return c.pos;
bad:
	tv_free_parts(out, n);
	*err_msg = c.err;
	return 0;
}

void tv_free_parts(char **parts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(parts[i]);
	free(parts);
}

void tv_free(struct tv *v)
{
	if (!v)
		return;
	switch (v->type) {
	case TV_STRING:
		free(v->u.str.s);
		break;
	case TV_DATETIME:
		free(v->u.datetime);
		break;
	case TV_ARRAY:
		for (size_t i = 0; i < v->u.arr.n; i++)
			tv_free(v->u.arr.items[i]);
		free(v->u.arr.items);
		break;
	case TV_TABLE:
		for (size_t i = 0; i < v->u.tab.n; i++) {
			free(v->u.tab.keys[i]);
			tv_free(v->u.tab.vals[i]);
		}
		free(v->u.tab.keys);
		free(v->u.tab.vals);
		free(v->u.tab.index);
		break;
	default:
		break;
	}
	free(v);
}

const char *tv_type_name(enum tv_type t)
{
	switch (t) {
	case TV_STRING: return "string";
	case TV_INTEGER: return "integer";
	case TV_FLOAT: return "float";
	case TV_BOOL: return "boolean";
	case TV_DATETIME: return "date-time";
	case TV_ARRAY: return "array";
	case TV_TABLE: return "table";
	}
	return "value";
}

/* Where KEY (hash H) is, or would go, in T's index. The hash kept in
 * each entry spares a string compare on almost every other key met. */
static uint64_t *index_slot(const struct tv *t, const char *key, uint32_t h)
{
	size_t mask = t->u.tab.nindex - 1, at = h & mask;

	for (;; at = (at + 1) & mask) {
		uint64_t e = t->u.tab.index[at];

		if (!e || ((uint32_t)(e >> 32) == h && strcmp(t->u.tab.keys[(uint32_t)e - 1], key) == 0))
			return &t->u.tab.index[at];
	}
}

static uint32_t key_hash(const char *key)
{
	return (uint32_t)strhash(key, strlen(key));
}

/* Tables up to this many keys have no index; lookups scan them. */
#define TABLE_SCAN 8

/* Keep the index at most half full, so probes stay short. The first index
 * is made from the keys themselves. */
static void index_grow(struct tv *t)
{
	size_t n = t->u.tab.nindex ? t->u.tab.nindex * 2 : 16, mask = n - 1;
	uint64_t *old = t->u.tab.index, *idx = xcalloc(n, sizeof(*idx));

	for (size_t i = 0; i < t->u.tab.nindex; i++) {
		size_t at;

		if (!old[i])
			continue;
		for (at = (size_t)(old[i] >> 32) & mask; idx[at]; at = (at + 1) & mask)
			;
		idx[at] = old[i];
	}
	free(old);
	t->u.tab.index = idx;
	t->u.tab.nindex = n;
	if (n == 16)
		for (size_t i = 0; i + 1 < t->u.tab.n; i++) {
			uint32_t h = key_hash(t->u.tab.keys[i]);

			*index_slot(t, t->u.tab.keys[i], h) = (uint64_t)h << 32 | (uint64_t)(i + 1);
		}
}

struct tv *tv_table_find(struct tv *table, const char *key)
{
	uint64_t e;

	if (!table || table->type != TV_TABLE)
		return NULL;
	/* A few keys are found faster by looking than by hashing. */
	if (!table->u.tab.nindex) {
		for (size_t i = 0; i < table->u.tab.n; i++)
			if (strcmp(table->u.tab.keys[i], key) == 0)
				return table->u.tab.vals[i];
		return NULL;
	}
	e = *index_slot(table, key, key_hash(key));
	return e ? table->u.tab.vals[(uint32_t)e - 1] : NULL;
}

const struct tv *tv_table_get(const struct tv *table, const char *key)
{
	return tv_table_find((struct tv *)table, key);
}

struct tv **tv_table_add(struct tv *t, const char *key, struct tv *v)
{
	size_t i = t->u.tab.n;
	uint32_t h;

	if (i == t->u.tab.cap) {
		t->u.tab.cap = t->u.tab.cap ? t->u.tab.cap * 2 : 2;
		t->u.tab.keys = xreallocarray(t->u.tab.keys, t->u.tab.cap, sizeof(char *));
		t->u.tab.vals = xreallocarray(t->u.tab.vals, t->u.tab.cap, sizeof(struct tv *));
	}
	t->u.tab.keys[i] = xstrdup(key);
	t->u.tab.vals[i] = v;
	t->u.tab.n++;
	if (t->u.tab.n <= TABLE_SCAN)
		return &t->u.tab.vals[i];
	if (2 * t->u.tab.n > t->u.tab.nindex)
		index_grow(t);
	h = key_hash(key);
	*index_slot(t, key, h) = (uint64_t)h << 32 | (uint64_t)(i + 1);
	return &t->u.tab.vals[i];
}

void tv_array_push(struct tv *a, struct tv *v)
{
	if (a->u.arr.n == a->u.arr.cap) {
		a->u.arr.cap = a->u.arr.cap ? a->u.arr.cap * 2 : 2;
		a->u.arr.items = xreallocarray(a->u.arr.items, a->u.arr.cap, sizeof(*a->u.arr.items));
	}
	a->u.arr.items[a->u.arr.n++] = v;
}

bool tv_equal(const struct tv *a, const struct tv *b)
{
	if (!a || !b)
		return a == b;
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case TV_STRING:
		return a->u.str.len == b->u.str.len && memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0;
	case TV_INTEGER:
		return a->u.i == b->u.i;
	case TV_FLOAT:
		return a->u.f == b->u.f || (a->u.f != a->u.f && b->u.f != b->u.f);
	case TV_BOOL:
		return a->u.b == b->u.b;
	case TV_DATETIME:
		return strcmp(a->u.datetime, b->u.datetime) == 0;
	case TV_ARRAY:
		if (a->u.arr.n != b->u.arr.n)
			return false;
		for (size_t i = 0; i < a->u.arr.n; i++)
			if (!tv_equal(a->u.arr.items[i], b->u.arr.items[i]))
				return false;
		return true;
	case TV_TABLE:
		if (a->u.tab.n != b->u.tab.n)
			return false;
		for (size_t i = 0; i < a->u.tab.n; i++)
			if (!tv_equal(a->u.tab.vals[i], tv_table_get(b, a->u.tab.keys[i])))
				return false;
		return true;
	}
	return false;
}
