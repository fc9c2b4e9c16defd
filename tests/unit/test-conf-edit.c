/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The storage.conf editor on a corpus of files (tests/fixtures/edit): each
 * NAME.conf becomes exactly NAME.expected, byte for byte, or is refused at
 * the line NAME.refuse names.
 */
#include "config.h"

#include <dirent.h>
#include <stdlib.h>

#include "conf-edit.h"
#include "conf-schema.h"
#include "tap.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 4096 > cap) {
			cap = (n + 4096) * 2;
			buf = realloc(buf, cap);
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);

		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* An edit that must be accepted: RC 0 and no error, or the refusal is shown. */
static void edited(int rc, const struct conf_edit *e, const char *what)
{
	if (!ok(rc == 0 && !e->error, "%s: accepted", what))
		printf("#   refused: %s\n", e->error ? e->error : "(no message)");
}

static void one(const char *dir, const char *name)
{
	char path[1200], base[256];
	size_t len, elen;
	char *buf, *expected;
	struct conf_edit e;
	int rc;

	snprintf(base, sizeof(base), "%.*s", (int)(strlen(name) - 5), name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	buf = slurp(path, &len);
	rc = conf_edit_set(name, buf, len, "graphroot", "/new/graphroot", PV(5, 8), &e);
	snprintf(path, sizeof(path), "%s/%s.expected", dir, base);
	expected = slurp(path, &elen);
	if (expected) {
		if (ok(rc == 0, "%s: edited", base)) {
			ok(e.len == elen && memcmp(e.text, expected, elen) == 0, "%s: exactly the expected bytes", base);
			if (e.len != elen || memcmp(e.text, expected, elen) != 0)
				printf("#   got:\n%s\n#   want:\n%s\n", e.text, expected);
		} else {
			printf("#   refused: %s\n", e.error);
		}
	} else {
		char *want;

		snprintf(path, sizeof(path), "%s/%s.refuse", dir, base);
		want = slurp(path, &elen);
		if (ok(rc == -1 && e.error, "%s: refused (%s)", base, e.error ? e.error : "accepted")) {
			is_int(e.error_line, want ? atoi(want) : -1, "%s: the refusal names the line", base);
			ok(strstr(e.error, name) != NULL, "%s: and the file", base);
		}
		free(want);
	}
	conf_edit_free(&e);
	free(buf);
	free(expected);
}

int main(int argc, char **argv)
{
	const char *fx = argc > 1 ? argv[1] : getenv("FIXTURES");
	char dir[512], *q, *d;
	const char *err = NULL;
	struct dirent **ents;
	struct conf_edit e;
	int n, files = 0;

	if (!fx) {
		puts("1..0 # SKIP FIXTURES is not set");
		return 0;
	}
	snprintf(dir, sizeof(dir), "%s/edit", fx);
	n = scandir(dir, &ents, NULL, by_name);
	for (int i = 0; i < n; i++) {
		size_t l = strlen(ents[i]->d_name);

		if (l > 5 && strcmp(ents[i]->d_name + l - 5, ".conf") == 0) {
			one(dir, ents[i]->d_name);
			files++;
		}
		free(ents[i]);
	}
	free(ents);
	ok(files >= 20, "the corpus has %d files", files);

	/* The second identical run changes nothing -- and is accepted: a refusal also leaves changed false. */
	q = (char *)"[storage]\ngraphroot = \"/g\"\n";
	edited(conf_edit_set("x", q, strlen(q), "graphroot", "/g", PV(5, 8), &e), &e, "the same value again");
	ok(!e.changed, "setting the value it already has changes nothing");
	is_str(e.text, q, "and leaves the text as it was");
	conf_edit_free(&e);

	/* Other keys of [storage], with the same machinery. */
	q = (char *)"[storage]\ndriver = \"vfs\"\n";
	edited(conf_edit_set("x", q, strlen(q), "runroot", "/run/r", PV(5, 8), &e), &e, "runroot");
	is_str(e.text, "[storage]\nrunroot = \"/run/r\"\ndriver = \"vfs\"\n", "runroot is inserted the same way");
	conf_edit_free(&e);
	q = (char *)"[storage]\nrootless_storage_path = \"/a/$USER\"\n";
	edited(conf_edit_set("x", q, strlen(q), "rootless_storage_path", "/b/$USER", PV(4, 3), &e), &e,
	       "rootless_storage_path");
	is_str(e.text, "[storage]\nrootless_storage_path = \"/b/$USER\"\n", "rootless_storage_path is rewritten");
	conf_edit_free(&e);

	q = toml_quote("/a \"b\" \\c", &err);
	is_str(q, "\"/a \\\"b\\\" \\\\c\"", "quotes and backslashes are escaped");
	free(q);
	q = toml_quote("/a\nb", &err);
	ok(q == NULL && err, "a newline in a path is refused");

	d = unified_diff("f", "a\nb\nc\nd\ne\nf\ng\nh\n", 16, "a\nb\nc\nd\nE\nf\ng\nh\n", 16);
	is_str(d, "--- f\n+++ f\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n", "a one-line change, with context");
	free(d);
	d = unified_diff("f", "x", 1, "x\n", 2);
	is_str(d, "--- f\n+++ f\n@@ -1,1 +1,1 @@\n-x\n\\ No newline at end of file\n+x\n", "a missing final newline shows");
	free(d);
	d = unified_diff("f", NULL, 0, "[storage]\n", 10);
	is_str(d, "--- /dev/null\n+++ f\n@@ -0,0 +1,1 @@\n+[storage]\n", "a new file diffs from /dev/null");
	free(d);
	d = unified_diff("f", "same\n", 5, "same\n", 5);
	is_str(d, "", "no change, no diff");
	free(d);
	return done_testing();
}
