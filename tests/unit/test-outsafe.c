/* SPDX-License-Identifier: Apache-2.0 */
/* The output filter, user-text refusal and quoting, and subuid range
 * arithmetic at the ends of the ID space. */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "outsafe.h"
#include "quote.h"
#include "subids.h"
#include "tap.h"

static void filt(const char *in, const char *want, const char *what)
{
	char *got = out_sanitise(in, strlen(in));

	is_str(got, want, "filter: %s", what);
	free(got);
}

static void field(const char *line, const char *want, const char *what)
{
	const char *p = line;
	char *type = tmpfiles_field(&p), *path = type ? tmpfiles_field(&p) : NULL;

	is_str(path, want, "tmpfiles field: %s", what);
	free(type);
	free(path);
}

/* The path field of LINE as systemd-tmpfiles reads it: WANT, and a reason containing WHY (NULL: none). */
static void path_field(const char *line, const char *want, const char *why, const char *what)
{
	const char *p = line, *got_why = NULL;
	char *type = tmpfiles_field(&p), *path = tmpfiles_path_field(&p, &got_why);

	is_str(path, want, "tmpfiles path: %s", what);
	ok(why ? got_why && strstr(got_why, why) : !got_why, "tmpfiles path: %s: %s", what,
	   got_why ? got_why : "accepted");
	free(type);
	free(path);
}

static void simplified(const char *in, const char *want, const char *what)
{
	char *got = tmpfiles_simplify(in);

	if (want)
		is_str(got, want, "%s", what);
	else
		ok(got == NULL, "%s", what);
	free(got);
}

static void subid_cases(void)
{
	struct subid_entry e = {.owner = (char *)"x", .start = 0, .count = ULONG_MAX};
	struct subids s = {0};

	is_int(subid_last(0, ULONG_MAX) == ULONG_MAX - 1, 1, "subid_last: the whole space ends at ULONG_MAX - 1");
	is_int(subid_last(5, ULONG_MAX) == ULONG_MAX, 1, "subid_last: a count past the end saturates");
	is_int(subid_last(100000, 65536), 165535, "subid_last: an ordinary range");
	s.files[0].v = &e;
	s.files[0].n = 1;
	is_int(subids_free_start(&s, 65536), 0, "a range over the whole ID space leaves no free start");
	e.start = 100000;
	e.count = 65536;
	is_int(subids_free_start(&s, 65536), 196608, "past one range, aligned to 65536");
	e.start = SUBID_MAX - 10;
	e.count = 5;
	is_int(subids_free_start(&s, 65536), 100000, "a range at the top does not move the start");
	e.start = 100000;
	e.count = SUBID_MAX - 100000;
	is_int(subids_free_start(&s, 65536), 0, "no room above a range reaching the top");
}

int main(void)
{
	filt("plain text\n\ttab", "plain text\n\ttab", "text, newline and tab pass");
	filt("a\033]0;t\007b", "a\\x1b]0;t\\x07b", "ESC and BEL are escaped");
	filt("x\ry", "x\\x0dy", "a lone CR is escaped");
	filt("x\r\ny", "x\r\ny", "CRLF passes");
	filt("x\r", "x\\x0d", "a CR at the end is escaped");
	filt("\x7f", "\\x7f", "DEL is escaped");
	filt("\xc2\x9b" "31m", "\\xc2\\x9b31m", "C1 CSI in UTF-8 is escaped");
	filt("\x9b", "\\x9b", "a bare C1 byte is escaped");
	filt("caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x99\x82", "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x99\x82",
	     "valid UTF-8 passes");
	filt("\xc0\xaf", "\\xc0\\xaf", "an overlong form is escaped");
	filt("\xed\xa0\x80", "\\xed\\xa0\\x80", "a surrogate is escaped");
	filt("\xe2\x80", "\\xe2\\x80", "a sequence cut short is escaped");
	filt("\xff", "\\xff", "0xff is escaped");
	{
		char *j = out_json_safe("{\"a\": \"x\x7f\xc2\x9b\xff\xc3\xa9\"}\n");

		is_str(j, "{\"a\": \"x\\u007f\\u009b\\u00ff\xc3\xa9\"}\n", "JSON: DEL, C1, invalid bytes as \\u00NN");
		free(j);
	}
	ok(text_refusal("/var/tmp/a b $x %h \"q\" \\") == NULL, "refusal: spaces, $, %%, quotes, backslash pass");
	ok(text_refusal("/a\nb") != NULL, "refusal: a newline is refused");
	ok(text_refusal("/a\033b") != NULL, "refusal: ESC is refused");
	ok(text_refusal("/a\xc2\x9b") != NULL, "refusal: a C1 control is refused");
	ok(text_refusal("/a\xff") != NULL, "refusal: bytes that are not UTF-8 are refused");
	{
		char *q = tmpfiles_quote("/a b/%h/\"q\"/\\/*?[");

		is_str(q, "\"/a b/%%h/\\\"q\\\"/\\\\\\\\/\\\\*\\\\?\\\\[\"", "tmpfiles quote");
		free(q);
	}
	field("x \"/a b/%%h\" - - -\n", "/a b/%h", "quoted, %% undone");
	field("x /plain/path\n", "/plain/path", "unquoted");
	field("x '/s q'\n", "/s q", "single quotes");
	field("x \"/a\\\\\\\\b\"\n", "/a\\\\b", "C escapes undone, glob escapes kept");
	path_field("x /v/%u/%U/%h/%t/%%u\n", "/v/root/0//root//run/%u", NULL, "specifiers as the system instance's");
	path_field("x \"/v/%q\"\n", "", "unknown", "an unknown specifier invalidates the line");
	path_field("x /v/\\x61\n", "", "differently", "a backslash escape read differently by releases");
	path_field("x \"/v/a\\\\b\\\"\"\n", "/v/a\\b\"", NULL, "escaped backslash and quote agree");
	simplified("/tmp//a/./b/", "/tmp/a/b", "simplify: // and /./ collapsed, trailing / dropped");
	simplified("/", "/", "simplify: / stays");
	simplified("a/b", NULL, "simplify: a relative path is refused");
	simplified("/a/../b", NULL, "simplify: .. is refused");
	subid_cases();
	return done_testing();
}
