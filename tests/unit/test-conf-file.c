/* SPDX-License-Identifier: Apache-2.0 */
/* storage.conf decoding: keys, values, lines, and faults. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-file.h"
#include "tap.h"

static struct problem_list pl;

static void parse(struct sc_file *f, const char *text, unsigned version)
{
	problem_list_free(&pl);
	sc_file_parse(f, "t.conf", text, strlen(text), version, "file dropped", &pl);
}

/* True when a problem of SEV is reported on LINE whose message contains WORD. */
static int has_problem(enum pr_severity sev, unsigned line, const char *word)
{
	for (size_t i = 0; i < pl.n; i++)
		if (pl.v[i].severity == sev && pl.v[i].line == line && strstr(pl.v[i].message, word))
			return 1;
	printf("#   no %s on line %u containing '%s'; have:\n", problem_severity_name(sev), line, word);
	for (size_t i = 0; i < pl.n; i++)
		printf("#     %s %u: %s\n", problem_severity_name(pl.v[i].severity), pl.v[i].line, pl.v[i].message);
	return 0;
}

static const char *str(const struct sc_file *f, enum sc_key k)
{
	return sc_file_string(f, k);
}

/* TEXT repeated N times, then TAIL, NUL-terminated. */
static char *repeat(const char *head, const char *text, size_t n, const char *tail)
{
	size_t h = strlen(head), t = strlen(text), e = strlen(tail);
	char *s = malloc(h + t * n + e + 1), *p = s;

	memcpy(p, head, h);
	p += h;
	for (size_t i = 0; i < n; i++, p += t)
		memcpy(p, text, t);
	memcpy(p, tail, e + 1);
	return s;
}

/* Nesting is counted across header, key and value, and bounded at 64. */
static void depth_and_size(struct sc_file *f)
{
	char *s;

	/* [storage] is 1, 62 more parts make 63, and [[1]] two more: 65. */
	s = repeat("[storage]\nx", ".a", 62, " = [[1]]\n");
	parse(f, s, PV(6, 0));
	ok(f->decode_failed && has_problem(PR_ERROR, 2, "too deeply nested"),
	   "header, dotted key and arrays together past 64 levels are refused on their line");
	sc_file_free(f);
	free(s);
	s = repeat("[storage]\nx", ".a", 62, " = [1]\n");
	parse(f, s, PV(6, 0));
	ok(!f->decode_failed, "exactly 64 levels decode");
	sc_file_free(f);
	free(s);
	s = repeat("[a", ".a", 64, "]\n");
	parse(f, s, PV(6, 0));
	ok(f->decode_failed && has_problem(PR_ERROR, 1, "too deeply nested"), "a 65-part header is refused");
	sc_file_free(f);
	free(s);
	s = repeat("[[a]]\n", "[[a.a]]\n", 1, "[[a.a.a]]\nx = [[[1]]]\n");
	parse(f, s, PV(6, 0));
	ok(!f->decode_failed, "arrays of tables count two levels a part, and fit");
	sc_file_free(f);
	free(s);
	s = repeat("[storage]\nx = ", "{a.a = ", 40, "1");
	parse(f, s, PV(6, 0));
	ok(f->decode_failed && has_problem(PR_ERROR, 2, "too deeply nested"),
	   "inline tables with dotted keys count every part");
	sc_file_free(f);
	free(s);
	/* 100,000 keys in one table: found by hash, the last on its line. */
	s = malloc(100000 * 16 + 64);
	strcpy(s, "[storage]\n");
	for (int i = 0, n = 10; i < 100000; i++)
		n += sprintf(s + n, "k%d = %d\n", i, i);
	parse(f, s, PV(6, 0));
	ok(!f->decode_failed && has_problem(PR_WARNING, 2, "storage.k0") &&
	   has_problem(PR_WARNING, 0, "99900 more problems"),
	   "100,000 unknown keys decode; the first are listed on their lines, the rest counted");
	sc_file_free(f);
	/* An error after the listed warnings still decides the file. */
	strcpy(s + strlen(s), "[storage.options]\nmount_program = 1\n");
	parse(f, s, PV(6, 0));
	ok(f->decode_failed && strstr(f->decode_error, "mount_program"),
	   "a type error past the listed problems still fails the decode");
	sc_file_free(f);
	free(s);
}

int main(void)
{
	struct sc_file f;
	char *longline;
	size_t n;

	parse(&f, "# comment\n[storage]\ndriver = \"overlay\"  # inline comment\n"
		  "graphroot = \"/srv/a #1\" # a '#' inside the string stays\n"
		  "runroot='/run/x'\n", PV(4, 3));
	ok(!f.decode_failed, "simple file decodes");
	is_str(str(&f, SK_DRIVER), "overlay", "driver with an inline comment");
	is_str(str(&f, SK_GRAPHROOT), "/srv/a #1", "'#' inside quotes is not a comment");
	is_str(str(&f, SK_RUNROOT), "/run/x", "literal string");
	is_int(f.set[SK_GRAPHROOT].line, 4, "graphroot is on line 4");
	sc_file_free(&f);

	parse(&f, "[storage]\r\ndriver = \"vfs\"\r\n[storage.options]\r\n"
		  "additionalimagestores = [\r\n  \"/a\",  # first\r\n  \"/b\"\r\n]\r\nsize=\"\"", PV(4, 3));
	ok(!f.decode_failed, "CRLF file with a multi-line array decodes");
	ok(f.set[SK_OPT_ADDITIONALIMAGESTORES].value &&
	   f.set[SK_OPT_ADDITIONALIMAGESTORES].value->u.arr.n == 2, "the array has two items");
	is_int(f.set[SK_OPT_ADDITIONALIMAGESTORES].line, 4, "the array starts on line 4");
	is_str(str(&f, SK_OPT_SIZE), "", "last line without a newline");
	sc_file_free(&f);

	parse(&f, "[storage]\ndriver = \"overlay\"\n[storage.options.overlay]\nignore_chown_errors = true\n", PV(4, 3));
	ok(f.decode_failed, "unquoted ignore_chown_errors fails to decode, as in Podman");
	ok(has_problem(PR_ERROR, 4, "quoted string"), "the fault names line 4 and asks for quotes");
	ok(f.set[SK_DRIVER].value == NULL, "nothing is taken from a file that fails to decode");
	sc_file_free(&f);

	parse(&f, "[storage]\ntransient_store = \"true\"\n", PV(4, 4));
	ok(f.decode_failed && has_problem(PR_ERROR, 2, "TOML boolean"), "quoted transient_store is refused");
	sc_file_free(&f);

	parse(&f, "[storage]\ntransient_store = \"true\"\n", PV(4, 3));
	ok(!f.decode_failed && has_problem(PR_WARNING, 2, "unknown key"),
	   "Podman 4.3 does not know transient_store: a warning, not a failure");
	sc_file_free(&f);

	parse(&f, "[storage]\nDriver = \"vfs\"\nGRAPHROOT = \"/g\"\n", PV(4, 3));
	is_str(str(&f, SK_DRIVER), "vfs", "Driver matches driver case-insensitively");
	is_str(str(&f, SK_GRAPHROOT), "/g", "GRAPHROOT matches graphroot");
	ok(has_problem(PR_NOTE, 2, "case"), "the case difference is noted");
	sc_file_free(&f);

	parse(&f, "[storage]\ndriver = \"vfs\"\ndriver = \"overlay\"\n", PV(4, 3));
	ok(f.decode_failed && has_problem(PR_ERROR, 3, "defined twice"), "a key set twice is a TOML error");
	sc_file_free(&f);

	parse(&f, "[storage]\n[storage]\n", PV(4, 3));
	ok(f.decode_failed && has_problem(PR_ERROR, 2, "twice"), "a table defined twice is a TOML error");
	sc_file_free(&f);

	parse(&f, "[storage.options]\npull_options = {enable_partial_images = \"false\", use_hard_links = \"false\"}\n"
		  "[storage]\ngraphroot = \"/x\"\n", PV(4, 3));
	ok(!f.decode_failed, "inline pull_options table, and [storage] after its child");
	ok(f.set[SK_OPT_PULL_OPTIONS].value && f.set[SK_OPT_PULL_OPTIONS].value->type == TV_TABLE,
	   "pull_options is a table");
	is_str(str(&f, SK_GRAPHROOT), "/x", "graphroot after the child table");
	sc_file_free(&f);

	parse(&f, "storage.graphroot = \"/dotted\"\nstorage.options.overlay.mount_program = \"/usr/bin/fuse-overlayfs\"\n", PV(4, 3));
	is_str(str(&f, SK_GRAPHROOT), "/dotted", "top-level dotted key");
	is_str(str(&f, SK_OVERLAY_MOUNT_PROGRAM), "/usr/bin/fuse-overlayfs", "deep dotted key");
	sc_file_free(&f);

	parse(&f, "[storage]\n\"graphroot\" = \"/q\"\n\"storage.driver\" = \"x\"\n", PV(4, 3));
	is_str(str(&f, SK_GRAPHROOT), "/q", "quoted key equals the bare key");
	ok(has_problem(PR_WARNING, 3, "unknown key"), "a quoted key with a dot is one unknown key, not a path");
	sc_file_free(&f);

	/* A line far longer than a 200-byte line buffer (inih's, which once read these files) must not be split. */
	n = 5000;
	longline = malloc(n + 64);
	strcpy(longline, "[storage]\ngraphroot = \"/");
	memset(longline + strlen(longline), 'x', n);
	strcpy(longline + strlen("[storage]\ngraphroot = \"/") + n, "\"\ndriver = \"vfs\"\n");
	parse(&f, longline, PV(4, 3));
	ok(!f.decode_failed, "a 5000-byte line decodes");
	ok(str(&f, SK_GRAPHROOT) && strlen(str(&f, SK_GRAPHROOT)) == n + 1, "the long value is intact");
	is_str(str(&f, SK_DRIVER), "vfs", "the line after it is read normally");
	ok(pl.n == 0, "and nothing bogus is reported");
	sc_file_free(&f);
	free(longline);

	parse(&f, "[storage]\ndriver = overlay\n", PV(4, 3));
	ok(f.decode_failed && has_problem(PR_ERROR, 2, "quoted"), "an unquoted word is an error on its line");
	sc_file_free(&f);

	parse(&f, "[storage\ndriver = \"vfs\"\n", PV(4, 3));
	ok(f.decode_failed && has_problem(PR_ERROR, 1, "']'"), "an unclosed header is an error");
	sc_file_free(&f);

	parse(&f, "[storage]\nthis is not toml\n", PV(4, 3));
	ok(f.decode_failed && has_problem(PR_ERROR, 2, "'='"), "a line that is not key = value");
	sc_file_free(&f);

	parse(&f, "[storage.options]\nadditionalimagestores = [\n  \"/a\",\n  42,\n]\n", PV(4, 3));
	ok(f.decode_failed && has_problem(PR_ERROR, 2, "array"), "a number in a string array is a type error");
	sc_file_free(&f);

	parse(&f, "[storage.options]\nadditionalimagestores = [\"/a\", {append = true}]\n", PV(6, 0));
	ok(!f.decode_failed, "Podman 6 accepts {append = true} in an array");
	sc_file_free(&f);
	parse(&f, "[storage.options]\nadditionalimagestores = [\"/a\", {append = true}]\n", PV(5, 8));
	ok(f.decode_failed, "Podman 5.8 does not");
	sc_file_free(&f);

	parse(&f, "[storage.options]\nforce_mask = \"0700\"\n", PV(5, 0));
	ok(f.decode_failed && has_problem(PR_ERROR, 2, "string"), "generic force_mask must be an integer");
	sc_file_free(&f);
	parse(&f, "[storage.options]\nforce_mask = 0o700\n[storage.options.overlay]\nforce_mask = \"shared\"\n", PV(5, 0));
	ok(!f.decode_failed, "integer generic force_mask and string overlay force_mask");
	sc_file_free(&f);

	parse(&f, "[storage.options.thinpool]\nautoextend_percent = \"20\"\n", PV(4, 3));
	ok(!f.decode_failed && pl.n == 0, "thinpool keys are known to 4.3");
	sc_file_free(&f);
	parse(&f, "[storage.options.thinpool]\nautoextend_percent = \"20\"\n", PV(5, 1));
	ok(!f.decode_failed && has_problem(PR_WARNING, 2, "unknown"), "and unknown to 5.1");
	sc_file_free(&f);

	parse(&f, "\xEF\xBB\xBF[storage]\ndriver = \"vfs\"\n", PV(4, 3));
	is_str(str(&f, SK_DRIVER), "vfs", "a byte order mark is skipped");
	sc_file_free(&f);

	parse(&f, "[storage]\ngraphroot = \"\"\"\n/multi\"\"\"\ndriver = \"vfs\"\n", PV(4, 3));
	is_str(str(&f, SK_GRAPHROOT), "/multi", "multi-line string value");
	is_int(f.set[SK_DRIVER].line, 4, "and the line count continues after it");
	sc_file_free(&f);

	parse(&f, "[storage]\ngraphroot = \"/a\nb\"\n", PV(4, 3));
	ok(f.decode_failed && has_problem(PR_ERROR, 2, "unterminated"), "a string broken across lines");
	sc_file_free(&f);

	parse(&f, "[storage]\nstorage = 1\n[[storage.x]]\na=1\n", PV(4, 3));
	ok(!f.decode_failed, "array of tables parses");
	ok(has_problem(PR_WARNING, 3, "unknown"), "and is an unknown key");
	sc_file_free(&f);

	parse(&f, "[storage]\ndriver = \"vfs\"\n[storage.driver]\n", PV(4, 3));
	ok(f.decode_failed && has_problem(PR_ERROR, 3, "already"), "a header over a value is an error");
	sc_file_free(&f);

	parse(&f, "[storage]\ngraphroot = \"/a\\u0000b\"\n", PV(4, 3));
	ok(!f.decode_failed, "an escaped NUL decodes");
	sc_file_free(&f);

	parse(&f, "[storage]\ngraphroot = \"a\0b\"\n", PV(4, 3));
	ok(1, "a raw NUL byte does not crash");
	sc_file_free(&f);

	depth_and_size(&f);
	problem_list_free(&pl);
	return done_testing();
}
