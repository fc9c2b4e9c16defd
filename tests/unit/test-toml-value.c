/* SPDX-License-Identifier: Apache-2.0 */
/* The TOML value decoder against the forms TOML 1.0 defines. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "toml-value.h"

static struct tv *parse(const char *text, char **err, size_t *off)
{
	*err = NULL;
	*off = 0;
	return tv_parse(text, strlen(text), off, err);
}

static void string_is(const char *text, const char *want, const char *what)
{
	char *err;
	size_t off;
	struct tv *v = parse(text, &err, &off);

	if (!ok(v && v->type == TV_STRING, "%s parses as a string", what))
		printf("#   error: %s\n", err ? err : "(wrong type)");
	else
		is_str(v->u.str.s, want, "%s decodes", what);
	tv_free(v);
	free(err);
}

static void rejects(const char *text, size_t want_off, const char *what)
{
	char *err;
	size_t off;
	struct tv *v = parse(text, &err, &off);

	ok(v == NULL && err != NULL, "%s is refused (%s)", what, err ? err : "accepted");
	is_int(off, want_off, "%s: fault located at byte %zu", what, want_off);
	tv_free(v);
	free(err);
}

static void type_is(const char *text, enum tv_type want, const char *what)
{
	char *err;
	size_t off;
	struct tv *v = parse(text, &err, &off);

	ok(v && v->type == want, "%s is a %s", what, tv_type_name(want));
	if (!v)
		printf("#   error: %s\n", err);
	tv_free(v);
	free(err);
}

/* Nesting past TV_MAX_DEPTH is refused where it crosses the bound; wide
 * tables and arrays are fine. */
static void deep_and_wide(void)
{
	char buf[400], *err = NULL, **parts = NULL;
	size_t off = 0, n = 0;
	struct tv *v, *w;
	int i;

	for (i = 0; i < 64; i++)
		buf[i] = '[';
	for (; i < 128; i++)
		buf[i] = ']';
	v = tv_parse(buf, 128, &off, &err);
	ok(v != NULL, "64 nested arrays parse");
	tv_free(v);
	buf[0] = ' ';
	v = tv_parse_at(buf, 128, 2, &off, &err);
	ok(!v && err && strstr(err, "too deeply nested") && off == 63,
	   "63 arrays two levels down are refused at the one that crosses the bound");
	free(err);
	err = NULL;
	for (i = 0; i < 65; i++)
		memcpy(buf + 2 * i, "a.", 2);
	buf[129] = '\0';
	ok(tv_parse_key(buf, 129, &parts, &n, &err) == 0 && err && strstr(err, "too deeply nested"),
	   "a 65-part key is refused");
	free(err);
	err = NULL;
	ok(tv_parse_key(buf + 2, 127, &parts, &n, &err) > 0 && n == 64, "a 64-part key parses");
	tv_free_parts(parts, n);

	/* A wide table: every key is found, and equality ignores order. */
	{
		char *a = malloc(20000 * 20), *b = malloc(20000 * 20);
		size_t la = 1, lb = 1;

		a[0] = b[0] = '{';
		for (i = 0; i < 20000; i++) {
			la += (size_t)sprintf(a + la, "%sk%d = %d", i ? ", " : "", i, i);
			lb += (size_t)sprintf(b + lb, "%sk%d = %d", i ? ", " : "", 19999 - i, 19999 - i);
		}
		a[la++] = b[lb++] = '}';
		v = tv_parse(a, la, &off, &err);
		w = tv_parse(b, lb, &off, &err);
		ok(v && w && v->u.tab.n == 20000, "an inline table of 20,000 keys parses");
		ok(v && tv_table_get(v, "k12345") && tv_table_get(v, "k12345")->u.i == 12345 &&
		   !tv_table_get(v, "k20000"), "its keys are found, and only those");
		ok(tv_equal(v, w), "two orders of the same keys are equal");
		tv_free(v);
		tv_free(w);
		free(a);
		free(b);
	}
}

int main(void)
{
	char *err;
	size_t off;
	struct tv *v;

	string_is("\"/var/lib/containers\"", "/var/lib/containers", "basic string");
	string_is("\"a\\\"b\\\\c\\td\"", "a\"b\\c\td", "escapes");
	string_is("\"\\u00e9\\U0001F600\"", "\xc3\xa9\xf0\x9f\x98\x80", "unicode escapes");
	string_is("'C:\\path\\no escapes'", "C:\\path\\no escapes", "literal string keeps backslashes");
	string_is("\"a ; b # c\"", "a ; b # c", "';' and '#' inside a string");
	string_is("\"\"\"\nline1\nline2\"\"\"", "line1\nline2", "multi-line basic drops the first newline");
	string_is("\"\"\"one \\\n    two\"\"\"", "one two", "line-ending backslash");
	string_is("'''\nraw \\n'''", "raw \\n", "multi-line literal");
	string_is("\"\"\"a\"\"\"\"\"", "a\"\"", "two quotes before the closer");

	rejects("\"abc", 0, "unterminated string");
	rejects("\"a\\qb\"", 2, "invalid escape");
	rejects("\"\\uD800\"", 1, "surrogate escape");
	rejects("overlay", 0, "bare word");
	rejects("\"x\" \"y\"", 4, "text after the value");
	rejects("[\"a\" \"b\"]", 5, "missing comma in array");
	rejects("[\"a\",", 0, "unterminated array");
	rejects("{a = 1,}", 7, "trailing comma in inline table");
	rejects("{a = 1, a = 2}", 8, "duplicate key in inline table");
	rejects("{a = 1,\n b = 2}", 7, "newline inside an inline table");
	rejects("0755", 0, "leading zero");
	rejects("1__0", 0, "double underscore");
	rejects("99999999999999999999", 0, "integer overflow");
	rejects("", 0, "empty value");

	type_is("true", TV_BOOL, "true");
	type_is("false", TV_BOOL, "false");
	type_is("448", TV_INTEGER, "decimal");
	type_is("0o700", TV_INTEGER, "octal");
	type_is("0x1c0", TV_INTEGER, "hex");
	type_is("1_000", TV_INTEGER, "underscores");
	type_is("-1", TV_INTEGER, "negative");
	type_is("3.5", TV_FLOAT, "float");
	type_is("1e3", TV_FLOAT, "exponent");
	type_is("-inf", TV_FLOAT, "infinity");
	type_is("1979-05-27T07:32:00Z", TV_DATETIME, "date-time");
	type_is("1979-05-27 07:32:00", TV_DATETIME, "date-time with a space");
	type_is("[]", TV_ARRAY, "empty array");
	type_is("[\n  \"/a\",\n  \"/b\",\n]", TV_ARRAY, "multi-line array with trailing comma");
	type_is("{}", TV_TABLE, "empty inline table");

	v = parse("0o700", &err, &off);
	is_int(v ? v->u.i : -1, 448, "0o700 is 448");
	tv_free(v);

	v = parse("[\"/a\", {append = true}]", &err, &off);
	ok(v && v->type == TV_ARRAY && v->u.arr.n == 2 && v->u.arr.items[1]->type == TV_TABLE,
	   "array mixing a string and an inline table");
	ok(v && tv_table_get(v->u.arr.items[1], "append") &&
	   tv_table_get(v->u.arr.items[1], "append")->u.b, "append = true inside it");
	tv_free(v);

	v = parse("{enable_partial_images = \"false\", use_hard_links = \"false\", ostree_repos=\"\"}", &err, &off);
	ok(v && v->type == TV_TABLE && v->u.tab.n == 3, "pull_options inline table has three keys");
	is_str(v ? tv_table_get(v, "use_hard_links")->u.str.s : NULL, "false", "its values are strings");
	tv_free(v);

	v = parse("{a.b = \"x\", \"quoted key\" = 1}", &err, &off);
	ok(v && tv_table_get(tv_table_get(v, "a"), "b") != NULL, "dotted key inside an inline table nests");
	ok(v && tv_table_get(v, "quoted key") != NULL, "quoted key inside an inline table");
	tv_free(v);

	{
		char **parts;
		size_t n, used;

		used = tv_parse_key("storage . \"options\".'over lay' = 1", 33, &parts, &n, &err);
		ok(used > 0 && n == 3, "dotted key with spaces and quotes has three parts");
		if (n == 3) {
			is_str(parts[0], "storage", "first part");
			is_str(parts[1], "options", "quoted part");
			is_str(parts[2], "over lay", "literal quoted part keeps its space");
		}
		tv_free_parts(parts, n);
	}
	deep_and_wide();
	return done_testing();
}
