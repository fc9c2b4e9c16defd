/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "outsafe.h"
#include "quote.h"
#include "strbuf.h"

const char *text_refusal(const char *s)
{
	size_t n = strlen(s);
	char *shown;
	bool same;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7F)
			return "it holds a control character";
	/* The output filter changes exactly the bytes that are not plain UTF-8
	 * text (C1 controls, invalid sequences): one definition of both. */
	shown = out_sanitise(s, n);
	same = strcmp(shown, s) == 0;
	free(shown);
	return same ? NULL : "it is not valid UTF-8 text";
}

char *tmpfiles_quote(const char *s)
{
	struct strbuf b = {0};

	strbuf_adds(&b, "\"");
	for (; *s; s++) {
		/* A glob escape first (x lines take shell globs), then the C escape. */
		if (*s == '\\' || *s == '*' || *s == '?' || *s == '[')
			strbuf_add(&b, "\\\\", 2);
		if (*s == '\\' || *s == '"')
			strbuf_add(&b, "\\", 1);
		if (*s == '%')
			strbuf_add(&b, "%", 1);
		strbuf_add(&b, s, 1);
	}
	strbuf_adds(&b, "\"");
	return strbuf_take(&b);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One C escape after a backslash at *P (moved past it), as systemd's cunescape. */
static void unescape_one(struct strbuf *b, const char **p)
{
	static const char from[] = "abfnrtv\\\"'", to[] = "\a\b\f\n\r\t\v\\\"'";
	const char *k = **p ? strchr(from, **p) : NULL;

	if (k) {
		strbuf_add(b, &to[k - from], 1);
		(*p)++;
	} else if (**p == 'x' && hexval((*p)[1]) >= 0 && hexval((*p)[2]) >= 0) {
		char c = (char)(hexval((*p)[1]) * 16 + hexval((*p)[2]));

		strbuf_add(b, &c, 1);
		*p += 3;
	} else if (**p) {
		strbuf_add(b, *p, 1);
		(*p)++;
	}
}

char *tmpfiles_field(const char **p)
{
	struct strbuf b = {0};
	char quote = 0;
	const char *s = *p + strspn(*p, " \t");

	if (!*s || *s == '\n')
		return NULL;
	for (; *s && *s != '\n' && (quote || (*s != ' ' && *s != '\t')); s++) {
		if (!quote && (*s == '"' || *s == '\'')) {
			quote = *s;
		} else if (quote && *s == quote) {
			quote = 0;
		} else if (*s == '\\' && s[1]) {
			s++;
			unescape_one(&b, &s);
			s--;
		} else if (*s == '%' && s[1] == '%') {
			strbuf_add(&b, "%", 1);
			s++;
		} else {
			strbuf_add(&b, s, 1);
		}
	}
	*p = s;
	return strbuf_take(&b);
}
