/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one report model (finding.h) and its one renderer (render.h): the
 * exact lines diagnose and the server command print for a finding, the
 * JSON objects of both, and the fix block.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finding.h"
#include "render.h"
#include "tap.h"

/* What render_text prints for R in style ST. Caller frees. */
static char *text_of(const struct findings *r, const struct render_style *st)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	render_text(f, r, st);
	fclose(f);
	return buf;
}

static char *json_of(struct json_object *o)
{
	char *s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));

	json_object_put(o);
	return s;
}

static void test_diagnose_style(void)
{
	const struct render_style st = {.id_width = 20};
	const struct render_style verbose = {.id_width = 20, .verbose = true};
	struct findings r = {0};
	struct finding *c;
	char *t;

	c = finding_add(&r, "filesystem.graphroot", "Filesystems", NF_FAIL, "graphroot is on %s", "NFS");
	finding_detail(c, "first line");
	finding_detail(c, "second line");
	finding_remedy(c, "move it");
	finding_remedy(c, "or make an image");
	c = finding_add(&r, "filesystem.runroot", "Filesystems", NF_OK, "runroot is on tmpfs");
	finding_detail(c, "shown only when verbose");
	finding_add(&r, "subids", "Subordinate IDs", NF_WARN, "few IDs\nsecond line of a user's path");
	t = text_of(&r, &st);
	is_str(t,
	       "\nFilesystems\n"
	       "  [FAIL] filesystem.graphroot graphroot is on NFS\n"
	       "         first line\n"
	       "         second line\n"
	       "         remedy: move it\n"
	       "                 or make an image\n"
	       "  [ ok ] filesystem.runroot   runroot is on tmpfs\n"
	       "\nSubordinate IDs\n"
	       "  [warn] subids               few IDs\\x0asecond line of a user's path\n",
	       "diagnose's findings: one heading per group, detail and remedy of a failure, a summary on one line");
	free(t);
	t = text_of(&r, &verbose);
	ok(t && strstr(t, "  [ ok ] filesystem.runroot   runroot is on tmpfs\n         shown only when verbose\n") != NULL,
	   "verbose shows the detail of an ok finding too");
	free(t);
	t = json_of(render_finding_json(&r.v[0]));
	is_str(t,
	       "{\"id\":\"filesystem.graphroot\",\"group\":\"Filesystems\",\"status\":\"fail\",\"summary\":\"graphroot is on "
	       "NFS\",\"detail\":\"first line\\nsecond line\",\"remedy\":\"move it\\nor make an image\",\"commands\":[],"
	       "\"values\":{}}",
	       "a whole finding in JSON: diagnose's check object");
	free(t);
	findings_free(&r);
	ok(r.n == 0 && r.v == NULL, "findings_free empties the list");
}

static void test_server_style(void)
{
	const struct render_style st = {.id_width = 9};
	struct findings r = {0};
	char *t;

	finding_add(&r, "connect", NULL, NF_OK, "TCP connection to %s port %d in 0.2 ms", "192.0.2.1", 2049);
	finding_add(&r, "nlockmgr", NULL, NF_FAIL, "not registered: NFSv3 locks will fail");
	t = text_of(&r, &st);
	is_str(t,
	       "  [ ok ] connect   TCP connection to 192.0.2.1 port 2049 in 0.2 ms\n"
	       "  [FAIL] nlockmgr  not registered: NFSv3 locks will fail\n",
	       "the server command's findings: no group heading, the id in a 9-wide column");
	free(t);
	t = json_of(render_finding_json_brief(&r.v[1]));
	is_str(t, "{\"id\":\"nlockmgr\",\"status\":\"fail\",\"text\":\"not registered: NFSv3 locks will fail\"}",
	       "a brief finding in JSON: the server command's object");
	free(t);
	ok(findings_count(&r, NF_FAIL) == 1 && findings_count(&r, NF_OK) == 1 && findings_count(&r, NF_WARN) == 0,
	   "findings_count counts by status");
	findings_free(&r);
}

static void test_fix_block(void)
{
	struct findings r = {0};
	struct finding *a, *b, *w;
	const char **v;
	size_t n;

	a = finding_add(&r, "a", "G", NF_FAIL, "a");
	finding_fix(a, FIX_STORAGE, "sudo nfscheck fix --graphroot /x");
	finding_fix(a, FIX_AFTER, "podman system migrate");
	b = finding_add(&r, "b", "G", NF_FAIL, "b");
	finding_fix(b, FIX_SUBIDS, "sudo usermod --add-subuids 1-2 u");
	finding_fix(b, FIX_AFTER, "podman system migrate");
	w = finding_add(&r, "w", "G", NF_WARN, "w");
	finding_fix(w, FIX_PACKAGES, "sudo apt-get install uidmap");
	finding_fix(w, FIX_PACKAGES, "bad\033[2Jcommand");
	v = render_fix_block(&r, &n);
	ok(n == 3 && strcmp(v[0], "sudo usermod --add-subuids 1-2 u") == 0 &&
		   strcmp(v[1], "sudo nfscheck fix --graphroot /x") == 0 && strcmp(v[2], "podman system migrate") == 0,
	   "the fix block: failures only, in fix order, each command once");
	free(v);
	ok(r.v[2].nfix == 1 && r.v[2].detail && strstr(r.v[2].detail, "control characters"),
	   "a command holding control characters is not offered, and the detail says why");
	finding_worst(&r.v[2], NF_OK);
	ok(r.v[2].status == NF_WARN, "finding_worst never lowers a status");
	finding_worst(&r.v[2], NF_FAIL);
	ok(r.v[2].status == NF_FAIL, "finding_worst raises it");
	findings_free(&r);
}

int main(void)
{
	test_diagnose_style();
	test_server_style();
	test_fix_block();
	return done_testing();
}
