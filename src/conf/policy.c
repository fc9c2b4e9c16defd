/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The site policy file, parsed by inih, the library made for INI files.
 * inih's shared build decides its own options (continuation lines, inline
 * ';' comments, a 200-byte line buffer), so the lines reach it through a
 * reader of ours that counts them, refuses a NUL byte and a line too long
 * for that buffer instead of letting inih split it, and tells the handler
 * which line it is on: every refusal names FILE:LINE.
 */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "policy.h"
#include "xalloc.h"

/* Longest line passed to inih: its own buffer holds 200 bytes. */
#define LINE_MAX_BYTES 190

struct parse_state {
	const char *text, *end, *pos;
	unsigned long line;        /* the line the reader last gave inih */
	unsigned long err_line;
	char *err;                 /* the first problem found */
	unsigned long method_line;
	struct policy *p;
	unsigned seen;             /* the keys given, one bit each */
};

enum key_bit {
	K_METHOD = 1, K_GRAPHROOT = 2, K_IMAGE = 4, K_SIZE = 8, K_MINIMUM = 16, K_TMPFILES = 32,
};

static void fail_at(struct parse_state *s, unsigned long line, const char *fmt, ...) NF_PRINTF(3, 4);
static void fail_at(struct parse_state *s, unsigned long line, const char *fmt, ...)
{
	va_list ap;

	if (s->err)
		return;
	va_start(ap, fmt);
	s->err = xvasprintf(fmt, ap);
	va_end(ap);
	s->err_line = line;
}

/* inih's reader: one line of TEXT, at most NUM - 1 bytes with its newline. */
static char *reader(char *str, int num, void *stream)
{
	struct parse_state *s = stream;
	const char *nl;
	size_t n;

	if (s->pos >= s->end)
		return NULL;
	nl = memchr(s->pos, '\n', (size_t)(s->end - s->pos));
	n = nl ? (size_t)(nl - s->pos) + 1 : (size_t)(s->end - s->pos);
	s->line++;
	if (memchr(s->pos, '\0', n))
		fail_at(s, s->line, "a NUL byte");
	if (n > LINE_MAX_BYTES || (int)n >= num) {
		fail_at(s, s->line, "line longer than %d bytes", LINE_MAX_BYTES);
		n = 0;
	}
	memcpy(str, s->pos, n);
	str[n] = '\0';
	s->pos += nl ? (size_t)(nl - s->pos) + 1 : (size_t)(s->end - s->pos);
	return str;
}

/* A template: only $USER, $UID and $HOME in it, and absolute once they
 * are replaced (it may start with $HOME). */
static const char *template_problem(const char *t)
{
	char *x = policy_expand(t, "u", 0, "/h");
	bool absolute = x && x[0] == '/';

	if (!x)
		return "a $ that is not $USER, $UID or $HOME (or ${...} of one)";
	free(x);
	return absolute ? NULL : "not an absolute path";
}

/* 20G, 500M, 1T: digits and one of K M G T, as fix --image-size takes it. */
static bool size_ok(const char *v)
{
	size_t d = strspn(v, "0123456789");

	return d > 0 && d < 16 && (v[d] == '\0' || (strchr("KMGTkmgt", v[d]) && v[d + 1] == '\0'));
}

static bool take_once(struct parse_state *s, unsigned bit, const char *name)
{
	if (s->seen & bit) {
		fail_at(s, s->line, "%s is given twice (an indented line continues the one above)", name);
		return false;
	}
	s->seen |= bit;
	return true;
}

static void remedy_key(struct parse_state *s, const char *name, const char *value)
{
	struct policy *p = s->p;
	const char *why;

	if (strcmp(name, "method") == 0 && take_once(s, K_METHOD, "method")) {
		s->method_line = s->line;
		if (strcmp(value, "graphroot") == 0)
			p->remedy = POLICY_REMEDY_GRAPHROOT;
		else if (strcmp(value, "image") == 0)
			p->remedy = POLICY_REMEDY_IMAGE;
		else if (strcmp(value, "none") == 0)
			p->remedy = POLICY_REMEDY_NONE;
		else
			fail_at(s, s->line, "method = %s: not graphroot, image or none", value);
	} else if ((strcmp(name, "graphroot") == 0 && take_once(s, K_GRAPHROOT, name)) ||
		   (strcmp(name, "image") == 0 && take_once(s, K_IMAGE, name))) {
		if ((why = template_problem(value)))
			fail_at(s, s->line, "%s = %s: %s", name, value, why);
		*(name[0] == 'g' ? &p->graphroot : &p->image) = xstrdup(value);
	} else if (strcmp(name, "size") == 0 && take_once(s, K_SIZE, name)) {
		if (!size_ok(value))
			fail_at(s, s->line, "size = %s: not a size such as 20G", value);
		p->image_size = xstrdup(value);
	} else if (strcmp(name, "method") && strcmp(name, "graphroot") && strcmp(name, "image") &&
		   strcmp(name, "size")) {
		fail_at(s, s->line, "unknown key '%s' in [remedy]", name);
	}
}

static bool yes_no(const char *v, int *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on") || !strcmp(v, "1"))
		*out = 1;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off") || !strcmp(v, "0"))
		*out = 0;
	else
		return false;
	return true;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse_state *s = user;
	char *end;
	unsigned long long v;

	if (strcmp(section, "remedy") == 0) {
		remedy_key(s, name, value);
	} else if (strcmp(section, "subids") == 0 && strcmp(name, "minimum") == 0) {
		errno = 0;
		v = strtoull(value, &end, 10);
		if (take_once(s, K_MINIMUM, "minimum") &&
		    (errno || end == value || *end || value[0] == '-' || v < 1 || v > 4294967295ULL))
			fail_at(s, s->line, "minimum = %s: not a number of IDs from 1 to 4294967295", value);
		s->p->min_subids = (unsigned long)v;
	} else if (strcmp(section, "tmpfiles") == 0 && strcmp(name, "exclude") == 0) {
		if (take_once(s, K_TMPFILES, "exclude") && !yes_no(value, &s->p->tmpfiles))
			fail_at(s, s->line, "exclude = %s: not yes or no", value);
	} else {
		fail_at(s, s->line, "unknown key '%s' in [%s]", name, section);
	}
	return 1;
}

/* What the keys say together: the remedy has what its method needs. */
static void check_whole(struct parse_state *s)
{
	const struct policy *p = s->p;
	unsigned long at = s->method_line ? s->method_line : s->line;

	if ((s->seen & (K_GRAPHROOT | K_IMAGE | K_SIZE)) && !(s->seen & K_METHOD))
		fail_at(s, s->line, "[remedy] has no method = graphroot, image or none");
	else if (p->remedy == POLICY_REMEDY_GRAPHROOT && (!p->graphroot || (s->seen & (K_IMAGE | K_SIZE))))
		fail_at(s, at, "method = graphroot needs graphroot = TEMPLATE, and neither image nor size");
	else if (p->remedy == POLICY_REMEDY_IMAGE && (!p->image || !p->image_size || (s->seen & K_GRAPHROOT)))
		fail_at(s, at, "method = image needs image = TEMPLATE and size = SIZE, and no graphroot");
	else if (p->remedy == POLICY_REMEDY_NONE && (s->seen & (K_GRAPHROOT | K_IMAGE | K_SIZE)))
		fail_at(s, at, "method = none takes no graphroot, image or size");
}

int policy_parse(const char *name, const char *text, size_t len, struct policy *p, char **err)
{
	struct parse_state s = {.text = text, .end = text + len, .pos = text, .p = p};
	int rc;

	memset(p, 0, sizeof(*p));
	p->tmpfiles = -1;
	rc = ini_parse_stream(reader, &s, handler, &s);
	/* inih's own refusals (no ']', no '=') come without our message. */
	if (rc > 0 && (!s.err || (unsigned long)rc < s.err_line)) {
		free(s.err);
		s.err = NULL;
		fail_at(&s, (unsigned long)rc, "not [section] or name = value");
	} else if (rc < 0) {
		fail_at(&s, 0, "inih could not parse it (%d)", rc);
	}
	if (!s.err)
		check_whole(&s);
	if (s.err) {
		*err = xasprintf("%s:%lu: %s", name, s.err_line, s.err);
		free(s.err);
		policy_free(p);
		return -1;
	}
	p->file = xstrdup(name);
	return 0;
}

/* Read FILE whole, refusing more than POLICY_MAX_BYTES. 0 or errno. */
static int read_bounded(const char *file, char **buf, size_t *len)
{
	FILE *f = fopen(file, "re");
	int err = 0;

	if (!f)
		return errno;
	*buf = xmalloc(POLICY_MAX_BYTES + 1);
	*len = fread(*buf, 1, POLICY_MAX_BYTES + 1, f);
	if (ferror(f))
		err = errno ? errno : EIO;
	else if (*len > POLICY_MAX_BYTES)
		err = EFBIG;
	fclose(f);
	return err;
}

int policy_load(const char *file, bool must_exist, struct policy *p)
{
	char *buf = NULL, *err = NULL;
	size_t len = 0;
	int rc;

	memset(p, 0, sizeof(*p));
	p->tmpfiles = -1;
	rc = read_bounded(file, &buf, &len);
	if (rc == ENOENT && !must_exist)
		return 0;
	if (rc) {
		free(buf);
		nf_error("%s: %s", file, rc == EFBIG ? "larger than 64 KiB: not a policy file" : strerror(rc));
		return -1;
	}
	rc = policy_parse(file, buf, len, p, &err);
	free(buf);
	if (rc) {
		nf_error("%s", err);
		free(err);
	}
	return rc;
}

void policy_free(struct policy *p)
{
	free(p->file);
	free(p->graphroot);
	free(p->image);
	free(p->image_size);
	memset(p, 0, sizeof(*p));
	p->tmpfiles = -1;
}

static const char *var_value(const char *name, size_t n, const char *user, const char *uid, const char *home)
{
	if (n == 4 && memcmp(name, "USER", 4) == 0)
		return user;
	if (n == 3 && memcmp(name, "UID", 3) == 0)
		return uid;
	if (n == 4 && memcmp(name, "HOME", 4) == 0)
		return home;
	return NULL;
}

char *policy_expand(const char *tmpl, const char *user, uid_t uid, const char *home)
{
	char uidbuf[24], *out;
	size_t len = 0, cap = strlen(tmpl) + 1;

	snprintf(uidbuf, sizeof(uidbuf), "%u", (unsigned)uid);
	cap += 4 * (strlen(user) + strlen(home) + sizeof(uidbuf));
	out = xmalloc(cap);
	for (const char *p = tmpl; *p;) {
		const char *name, *val;
		size_t n;
		bool brace;

		if (*p != '$') {
			if (len + 1 >= cap)
				out = xrealloc(out, cap *= 2);
			out[len++] = *p++;
			continue;
		}
		brace = p[1] == '{';
		name = p + 1 + brace;
		n = strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
		val = var_value(name, n, user, uidbuf, home);
		if (!val || (brace && name[n] != '}')) {
			free(out);
			return NULL;
		}
		p = name + n + brace;
		if (len + strlen(val) + 1 >= cap)
			out = xrealloc(out, cap = (len + strlen(val) + 1) * 2);
		memcpy(out + len, val, strlen(val));
		len += strlen(val);
	}
	out[len] = '\0';
	return out;
}

const char *policy_remedy_name(enum policy_remedy r)
{
	switch (r) {
	case POLICY_REMEDY_GRAPHROOT: return "graphroot";
	case POLICY_REMEDY_IMAGE: return "image";
	case POLICY_REMEDY_NONE: break;
	}
	return "none";
}
