/* SPDX-License-Identifier: Apache-2.0 */
/* Go's os.ExpandEnv, filepath.Clean and storage's expandEnvPath, on the
 * cases Go's own documentation and containers-storage rely on. */
#include "config.h"

#include <stdlib.h>

#include "goexpand.h"
#include "tap.h"

static struct userenv env;

static void expand_is(const char *in, const char *want)
{
	char *got = go_expand_env(in, &env);

	is_str(got, want, "ExpandEnv(\"%s\")", in);
	free(got);
}

static void clean_is(const char *in, const char *want)
{
	char *got = go_clean_path(in);

	is_str(got, want, "Clean(\"%s\")", in);
	free(got);
}

static void storage_is(const char *in, const char *want)
{
	char *got = go_expand_storage_path(in, &env);

	is_str(got, want, "expandEnvPath(\"%s\")", in);
	free(got);
}

int main(void)
{
	char *j;

	env.uid = 1000;
	userenv_set(&env, "HOME", "/home/alice");
	userenv_set(&env, "USER", "alice");
	userenv_set(&env, "EMPTY", "");

	expand_is("$HOME/x", "/home/alice/x");
	expand_is("${HOME}/x", "/home/alice/x");
	expand_is("$USER$USER", "alicealice");
	expand_is("$NOPE/x", "/x");
	expand_is("${NOPE}", "");
	expand_is("a$", "a$");
	expand_is("$$", "");
	expand_is("${}x", "x");
	expand_is("${HOME", "HOME");
	expand_is("$1x", "x");
	expand_is("$EMPTY-y", "-y");
	expand_is("no dollar", "no dollar");

	clean_is("", ".");
	clean_is("/", "/");
	clean_is("//a//b/", "/a/b");
	clean_is("/a/./b/../c", "/a/c");
	clean_is("/../a", "/a");
	clean_is("a/../..", "..");
	clean_is("./a", "a");
	clean_is("a/b/../../..", "..");
	clean_is("/a/b/c/../../../..", "/");

	storage_is("$HOME/g-$UID", "/home/alice/g-1000");
	storage_is("/x/$UIDfoo", "/x/1000foo");
	storage_is("/x/${UID}", "/x/");
	storage_is("/s/$USER/$UID", "/s/alice/1000");

	j = go_join("", "containers/storage.conf");
	is_str(j, "containers/storage.conf", "Join with an empty first part is relative");
	free(j);
	j = go_join("/tmp/x/", "podman-run-1");
	is_str(j, "/tmp/x/podman-run-1", "Join cleans a trailing slash");
	free(j);

	userenv_free(&env);
	return done_testing();
}
