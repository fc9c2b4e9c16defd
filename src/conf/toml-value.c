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

#include "msg.h"
#include "strbuf.h"
#include "strhash.h"
#include "toml-value.h"
#include "xalloc.h"

/*
 * The arena is a list of blocks filled front to back. Small things in it
 * are not freed alone: a value that fails to parse, a small array that
 * outgrew its items, leave their bytes behind until the owner goes, which
 * costs at most about twice what the tree itself holds. Big arrays have
 * blocks of their own, resized or freed as they grow.
 */
#define ARENA_BLOCK (64 * 1024)
/* Requests above this get a block of their own, so that a block is never
 * left mostly empty. */
#define ARENA_BIG (ARENA_BLOCK / 4)
#define ARENA_ALIGN (sizeof(void *) > sizeof(double) ? sizeof(void *) : sizeof(double))

/* Under AddressSanitizer (the fuzz targets, --enable-sanitizers) every
 * allocation gets a block of its own and its exact size, so that reading
 * or writing past one is still caught. */
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_EACH 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_EACH 1
#endif
#endif
#ifndef ARENA_EACH
#define ARENA_EACH 0
#endif

struct arena_block {
	struct arena_block *next, *prev;
	size_t used, size;
	struct tv data[]; /* aligned as a node is, which suits everything kept */
};

struct tv_arena {
	struct arena_block *head; /* the block being filled */
	struct tv *owner;
};

struct tv_arena *tv_arena_new(void)
{
	return xcalloc(1, sizeof(struct tv_arena));
}

void tv_arena_set_owner(struct tv_arena *a, struct tv *root)
{
	a->owner = root;
}

static void arena_free(struct tv_arena *a)
{
	while (a->head) {
		struct arena_block *next = a->head->next;

		free(a->head);
		a->head = next;
	}
	free(a);
}

static size_t aligned(size_t n)
{
	size_t need = (n + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;

	if (need < n)
		nf_die(2, "out of memory");
	return need;
}

/* Whether N bytes from arena_alloc got a block of their own (which starts
 * with them, and can be resized or freed alone). */
static bool own_block(size_t n)
{
	return ARENA_EACH || aligned(n) > ARENA_BIG;
}

static struct arena_block *block_of(const void *p)
{
	return (struct arena_block *)((char *)p - offsetof(struct arena_block, data));
}

/* B into the list after AFTER, or first when AFTER is NULL. */
static void block_link(struct tv_arena *a, struct arena_block *b, struct arena_block *after)
{
	b->prev = after;
	b->next = after ? after->next : a->head;
	if (b->next)
		b->next->prev = b;
	if (after)
		after->next = b;
	else
		a->head = b;
}

static void block_unlink(struct tv_arena *a, struct arena_block *b)
{
	if (b->prev)
		b->prev->next = b->next;
	else
		a->head = b->next;
	if (b->next)
		b->next->prev = b->prev;
}

/* N zeroed bytes (blocks come from calloc and are never reused). */
static void *arena_alloc(struct tv_arena *a, size_t n)
{
	struct arena_block *b = a->head;
	size_t need = aligned(n);
	void *p;

	if (own_block(n) || !b || b->size - b->used < need) {
		size_t size = ARENA_EACH ? n : need > ARENA_BIG ? need : ARENA_BLOCK;

		b = xcalloc(1, sizeof(*b) + size);
		b->size = size;
		/* A big one goes behind the block being filled, which goes on. */
		block_link(a, b, own_block(n) ? a->head : NULL);
	}
	p = (char *)b->data + b->used;
	b->used += need;
	return p;
}

/* An array of N elements of SIZE holding OLD's, OLD having had room for
 * OLDN. An array in a block of its own is resized there (the tables and
 * arrays of a large file: copying and keeping each old one would double
 * what they hold); a small one is copied, the old left behind. */
static void *arena_array(struct tv_arena *a, void *old, size_t oldn, size_t n, size_t size)
{
	struct arena_block *b, *prev;
	void *p;

	if (size && n > SIZE_MAX / size)
		nf_die(2, "out of memory");
	if (!old || !own_block(oldn * size)) {
		p = arena_alloc(a, n * size);
		if (oldn)
			memcpy(p, old, oldn * size);
		return p;
	}
	b = block_of(old);
	prev = b->prev;
	block_unlink(a, b);
	b = xrealloc(b, sizeof(*b) + (ARENA_EACH ? n * size : aligned(n * size)));
	b->size = ARENA_EACH ? n * size : aligned(n * size);
	b->used = aligned(n * size);
	memset((char *)b->data + oldn * size, 0, n * size - oldn * size);
	block_link(a, b, prev);
	return b->data;
}

/* Give back OLD (of N bytes) when it has a block of its own. */
static void arena_release(struct tv_arena *a, void *old, size_t n)
{
	if (old && own_block(n)) {
		block_unlink(a, block_of(old));
		free(block_of(old));
	}
}

static char *arena_strndup(struct tv_arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

struct cursor {
	const char *s;
	size_t len;
	size_t pos;
	size_t err_off;
	char *err;
	unsigned depth; /* of the table or array being parsed */
	struct tv_arena *arena; /* where values are made; NULL for keys */
	struct strbuf sb;       /* the string being decoded, reused */
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

struct tv *tv_new(struct tv_arena *a, enum tv_type t)
{
	struct tv *v = arena_alloc(a, sizeof(*v));

	v->type = t;
	v->arena = a;
	return v;
}

static struct tv *new_value(struct cursor *c, enum tv_type t)
{
	return tv_new(c->arena, t);
}

/* The string just decoded into C->sb, as a value. */
static struct tv *string_value(struct cursor *c)
{
	struct tv *v = new_value(c, TV_STRING);

	v->u.str.len = c->sb.n;
	v->u.str.s = arena_strndup(c->arena, c->sb.p, c->sb.n);
	return v;
}

/* Start decoding a string into C->sb: empty, NUL-terminated. */
static struct strbuf *string_start(struct cursor *c)
{
	c->sb.n = 0;
	strbuf_add(&c->sb, "", 0);
	return &c->sb;
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

/* How many bytes from C's position on are plain text in a string closed
 * by Q: copied as they are, a run at a time rather than byte by byte. */
static size_t plain_run(const struct cursor *c, char q)
{
	size_t i = c->pos;

	while (i < c->len && c->s[i] != q && c->s[i] != '\\' && !bad_control((unsigned char)c->s[i]))
		i++;
	return i - c->pos;
}

/* "...": the text goes to C->sb. */
static bool basic_string(struct cursor *c)
{
	size_t start = c->pos, run;
	struct strbuf *b = string_start(c);

	c->pos++; /* opening quote */
	for (;;) {
		int ch;

		run = plain_run(c, '"');
		strbuf_add(b, c->s + c->pos, run);
		c->pos += run;
		ch = peek(c);
		if (ch < 0 || ch == '\n')
			return fail(c, start, "unterminated string");
		c->pos++;
		if (ch == '"')
			return true;
		if (ch == '\\') {
			if (!parse_escape(c, b))
				return false;
			continue;
		}
		return fail(c, c->pos - 1, "control character in string");
	}
}

/* '...': the text goes to C->sb. A backslash is plain text here. */
static bool literal_string(struct cursor *c)
{
	size_t start = c->pos, run;
	struct strbuf *b = string_start(c);

	c->pos++;
	for (;;) {
		int ch;

		run = plain_run(c, '\'');
		strbuf_add(b, c->s + c->pos, run);
		c->pos += run;
		ch = peek(c);
		if (ch < 0 || ch == '\n')
			return fail(c, start, "unterminated literal string");
		c->pos++;
		if (ch == '\'')
			return true;
		if (ch == '\\') {
			strbuf_add(b, "\\", 1);
			continue;
		}
		return fail(c, c->pos - 1, "control character in string");
	}
}

/* """...""" and '''...''': a newline right after the opener is dropped, and
 * up to two quotes may sit against the closer. */
static bool multiline_string(struct cursor *c, char q)
{
	size_t start = c->pos;
	struct strbuf *b = string_start(c);
	const char closer[4] = {q, q, q, '\0'};

	c->pos += 3;
	if (peek(c) == '\n')
		c->pos++;
	for (;;) {
		int ch = peek(c);

		if (ch < 0)
			return fail(c, start, "unterminated multi-line string");
		if (at(c, closer)) {
			size_t extra = 0;

			while (extra < 2 && c->pos + 3 + extra < c->len && c->s[c->pos + 3 + extra] == q)
				extra++;
			strbuf_add(b, c->s + c->pos, extra);
			c->pos += 3 + extra;
			return true;
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
			if (!parse_escape(c, b))
				return false;
			continue;
		}
		if (ch != '\n' && bad_control(ch))
			return fail(c, c->pos - 1, "control character in string");
		strbuf_add(b, c->s + c->pos - 1, 1);
	}
}

static struct tv *parse_string(struct cursor *c)
{
	bool ok;

	if (at(c, "\"\"\""))
		ok = multiline_string(c, '"');
	else if (at(c, "'''"))
		ok = multiline_string(c, '\'');
	else if (peek(c) == '"')
		ok = basic_string(c);
	else
		ok = literal_string(c);
	return ok ? string_value(c) : NULL;
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

/* S[0..N) without its underscores, in OUT when it fits (a number almost
 * always does), else in memory the caller frees. */
static char *strip_underscores(const char *s, size_t n, char *out, size_t outsize)
{
	size_t j = 0;

	if (n + 1 > outsize)
		out = xmalloc(n + 1);

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
	char *clean, *end, small[64];
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
	clean = strip_underscores(digits, nd, small, sizeof(small));
	errno = 0;
	if (base == 10) {
		unsigned long long u = strtoull(clean, &end, 10);

		if (errno || u > (unsigned long long)LLONG_MAX + (neg ? 1 : 0)) {
			if (clean != small)
				free(clean);
			fail(c, start, "integer out of range");
			return NULL;
		}
		val = neg ? (long long)(0 - u) : (long long)u;
	} else {
		unsigned long long u = strtoull(clean, &end, base);

		if (errno || u > (unsigned long long)LLONG_MAX) {
			if (clean != small)
				free(clean);
			fail(c, start, "integer out of range");
			return NULL;
		}
		val = (long long)u;
	}
	if (clean != small)
		free(clean);
	v = new_value(c, TV_INTEGER);
	v->u.i = val;
	return v;
}

static struct tv *float_value(struct cursor *c, size_t start, const char *tok, size_t n)
{
	const char *p = tok, *endp = tok + n;
	const char *intpart, *frac = NULL, *exp = NULL;
	size_t nint, nfrac = 0, nexp = 0;
	struct tv *v;
	char *clean, small[64];

	if (*p == '+' || *p == '-')
		p++;
	if ((size_t)(endp - p) == 3 && (memcmp(p, "inf", 3) == 0 || memcmp(p, "nan", 3) == 0)) {
		v = new_value(c, TV_FLOAT);
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
	clean = strip_underscores(tok, n, small, sizeof(small));
	v = new_value(c, TV_FLOAT);
	v->u.f = strtod(clean, NULL);
	if (clean != small)
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
		v = new_value(c, TV_BOOL);
		v->u.b = true;
		return v;
	}
	if (n == 5 && memcmp(tok, "false", 5) == 0) {
		v = new_value(c, TV_BOOL);
		v->u.b = false;
		return v;
	}
	if (looks_like_datetime(tok, n)) {
		for (size_t i = 0; i < n; i++)
			if (!strchr("0123456789-:.TtZz+ ", tok[i])) {
				fail(c, start, "invalid date-time");
				return NULL;
			}
		v = new_value(c, TV_DATETIME);
		v->u.datetime = arena_strndup(c->arena, tok, n);
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
	struct tv *a = new_value(c, TV_ARRAY);

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
			return NULL; /* what was made stays in the arena */
		}
		item = parse_any(c);
		if (!item) {
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

/* Put VAL at the dotted key PARTS (at KEYPOS) of the inline table T, making
 * the tables its parts open; false after failing C. */
static bool place_dotted(struct cursor *c, struct tv *t, char **parts, size_t nparts, struct tv *val,
			 size_t keypos)
{
	struct tv *cur = t, **slot = NULL;

	for (size_t i = 0; i < nparts; i++) {
		struct tv *next = table_slot(cur, parts[i], &slot);

		if (i + 1 == nparts) {
			if (next) {
				fail(c, keypos, "duplicate key in inline table");
				return false;
			}
			*slot = val;
		} else {
			if (!next) {
				next = new_value(c, TV_TABLE);
				next->depth = cur->depth + 1;
				*slot = next;
			} else if (next->type != TV_TABLE) {
				fail(c, keypos, "key in inline table is already defined as a value");
				return false;
			}
			cur = next;
		}
	}
	return true;
}

static struct tv *parse_inline_table(struct cursor *c)
{
	size_t start = c->pos;
	struct tv *t = new_value(c, TV_TABLE);
	bool first = true;

	t->depth = c->depth;
	c->pos++;
	for (;;) {
		char **parts = NULL, *kerr = NULL;
		size_t nparts = 0, used, keypos;
		struct tv *val;

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
		if (!place_dotted(c, t, parts, nparts, val, keypos)) {
			tv_free_parts(parts, nparts);
			goto bad;
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
	struct tv_arena *a = tv_arena_new();
	struct tv *v = tv_parse_in(a, text, len, depth, err_off, err_msg);

	if (v)
		tv_arena_set_owner(a, v);
	else
		arena_free(a);
	return v;
}

struct tv *tv_parse_in(struct tv_arena *a, const char *text, size_t len, unsigned depth,
		       size_t *err_off, char **err_msg)
{
	struct cursor c = {.s = text, .len = len, .depth = depth, .arena = a};
	struct tv *v;

	skip_ws(&c);
	if (c.pos == c.len) {
		*err_off = 0;
		*err_msg = xstrdup("missing value after '='");
		return NULL;
	}
	v = parse_any(&c);
	free(c.sb.p);
	if (v) {
		skip_ws(&c);
		if (c.pos != c.len) {
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

/*
 * A key's parts are kept in one block: the pointers, then the names, each
 * NUL-terminated. A file may hold 500,000 keys (or bad lines that start
 * like one); one malloc and one free a key, not two a part. The names
 * are gathered here first, on the stack while they fit.
 */
struct key_names {
	char small[256];
	char *p;
	size_t n, cap;
	size_t off[TV_MAX_DEPTH];
};

static void names_add(struct key_names *k, const char *s, size_t n)
{
	if (k->cap - k->n < n + 1) {
		size_t cap = (k->n + n + 1) * 2;
		char *p = xmalloc(cap);

		memcpy(p, k->p, k->n);
		if (k->p != k->small)
			free(k->p);
		k->p = p;
		k->cap = cap;
	}
	memcpy(k->p + k->n, s, n);
	k->p[k->n + n] = '\0';
	k->n += n + 1;
}

static char **names_block(const struct key_names *k, size_t nparts)
{
	char **out = xmalloc(nparts * sizeof(char *) + k->n);
	char *names = (char *)(out + nparts);

	memcpy(names, k->p, k->n);
	for (size_t i = 0; i < nparts; i++)
		out[i] = names + k->off[i];
	return out;
}

/* One part of a key at C's position: its text and length in *S, *N. */
static bool key_part(struct cursor *c, const char **s, size_t *n)
{
	int ch = peek(c);
	size_t start = c->pos;

	if (ch == '"' || ch == '\'') {
		if (at(c, "\"\"\"") || at(c, "\'\'\'"))
			return fail(c, c->pos, "multi-line strings cannot be keys");
		if (!(ch == '"' ? basic_string(c) : literal_string(c)))
			return false;
		/* A \u0000 ends the name, as it did when each was a C string. */
		*s = c->sb.p;
		*n = strlen(c->sb.p);
		return true;
	}
	while (c->pos < c->len && (isalnum((unsigned char)c->s[c->pos]) || c->s[c->pos] == '_' || c->s[c->pos] == '-'))
		c->pos++;
	if (c->pos == start)
		return fail(c, start, "expected a key");
	*s = c->s + start;
	*n = c->pos - start;
	return true;
}

size_t tv_parse_key(const char *text, size_t len, char ***parts, size_t *nparts, char **err_msg)
{
	struct cursor c = {.s = text, .len = len};
	struct key_names k;
	size_t n = 0;

	k.p = k.small;
	k.n = 0;
	k.cap = sizeof(k.small);
	for (;;) {
		const char *part;
		size_t plen, save;

		skip_ws(&c);
		if (!key_part(&c, &part, &plen))
			goto bad;
		if (n == TV_MAX_DEPTH) {
			fail(&c, c.pos, TV_TOO_DEEP);
			goto bad;
		}
		k.off[n++] = k.n;
		names_add(&k, part, plen);
		save = c.pos;
		skip_ws(&c);
		if (peek(&c) == '.') {
			c.pos++;
			continue;
		}
		c.pos = save;
		break;
	}
	*parts = names_block(&k, n);
	*nparts = n;
	free(c.sb.p);
	if (k.p != k.small)
		free(k.p);
	return c.pos;
bad:
	free(c.sb.p);
	if (k.p != k.small)
		free(k.p);
	*err_msg = c.err;
	return 0;
}

/* The names share the pointers' block (see tv_parse_key). */
void tv_free_parts(char **parts, size_t n)
{
	(void)n;
	free(parts);
}

void tv_free(struct tv *v)
{
	if (v && v->arena->owner == v)
		arena_free(v->arena);
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
	uint64_t *old = t->u.tab.index, *idx = arena_array(t->arena, NULL, 0, n, sizeof(*idx));
	size_t oldn = t->u.tab.nindex;

	for (size_t i = 0; i < t->u.tab.nindex; i++) {
		size_t at;

		if (!old[i])
			continue;
		for (at = (size_t)(old[i] >> 32) & mask; idx[at]; at = (at + 1) & mask)
			;
		idx[at] = old[i];
	}
	arena_release(t->arena, old, oldn * sizeof(*old));
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
		t->u.tab.keys = arena_array(t->arena, t->u.tab.keys, i, t->u.tab.cap, sizeof(char *));
		t->u.tab.vals = arena_array(t->arena, t->u.tab.vals, i, t->u.tab.cap, sizeof(struct tv *));
	}
	t->u.tab.keys[i] = arena_strndup(t->arena, key, strlen(key));
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

struct tv *tv_table_add_new(struct tv *t, const char *key, struct tv *v)
{
	struct tv *old;
	uint64_t *slot;
	uint32_t h;
	size_t i = t->u.tab.n;

	/* Without an index, or when this key makes it grow, the slot found
	 * now would not be the one to fill. */
	if (!t->u.tab.nindex || 2 * (i + 1) > t->u.tab.nindex || i == t->u.tab.cap) {
		old = tv_table_find(t, key);
		if (!old)
			tv_table_add(t, key, v);
		return old;
	}
	h = key_hash(key);
	slot = index_slot(t, key, h);
	if (*slot)
		return t->u.tab.vals[(uint32_t)*slot - 1];
	t->u.tab.keys[i] = arena_strndup(t->arena, key, strlen(key));
	t->u.tab.vals[i] = v;
	t->u.tab.n++;
	*slot = (uint64_t)h << 32 | (uint64_t)(i + 1);
	return NULL;
}

void tv_array_push(struct tv *a, struct tv *v)
{
	if (a->u.arr.n == a->u.arr.cap) {
		a->u.arr.cap = a->u.arr.cap ? a->u.arr.cap * 2 : 2;
		a->u.arr.items = arena_array(a->arena, a->u.arr.items, a->u.arr.n, a->u.arr.cap,
					     sizeof(*a->u.arr.items));
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
