/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The filesystem identity switch and its hold (fsident.h): a call in a
 * user's name really is the user's (a root-only file is refused), the
 * hold keeps it between calls, and everything that must be root's own
 * gets root's back first: a call as ourselves, a call as someone else, a
 * walk outside a call, fork() (in the child and in the parent), the end of
 * the hold. Needs root.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsx.h"
#include "localwalk.h"
#include "tap.h"

static char D[] = "/var/tmp/nfscheck-fsident.XXXXXX";
static char secret[128];

static unsigned fsuid_now(void)
{
	return (unsigned)setfsuid((uid_t)-1);
}

static unsigned fsgid_now(void)
{
	return (unsigned)setfsgid((gid_t)-1);
}

/* Whether this process, as it is now, may open root's 0600 file. */
static bool reads_secret(void)
{
	int fd = open(secret, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static bool groups_are(const gid_t *g, int n)
{
	gid_t now[64];
	int k = getgroups(64, now);

	return k == n && (n == 0 || memcmp(now, g, (size_t)n * sizeof(gid_t)) == 0);
}

/* One call in AS's name, as fsx makes them. */
static void call_as(const struct identity *as)
{
	struct lw_ident id;

	if (lw_ident_enter(as, &id))
		lw_ident_leave(&id);
}

int main(void)
{
	gid_t g1[] = {4401, 4402}, g2[] = {4501}, root_groups[64];
	struct identity u1 = {.uid = 4400, .gid = 4400, .groups = g1, .ngroups = 2};
	struct identity u2 = {.uid = 4500, .gid = 4500, .groups = g2, .ngroups = 1};
	struct lw_ident id;
	struct lw_res r;
	struct stat st;
	int nroot, fd;
	pid_t pid;
	int wst;

	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root\n");
		return 0;
	}
	if (!mkdtemp(D))
		return 99;
	snprintf(secret, sizeof(secret), "%s/secret", D);
	fd = open(secret, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return 99;
	close(fd);
	nroot = getgroups(64, root_groups);

	/* Without the hold: there and back at every call. */
	ok(lw_ident_enter(&u1, &id), "a user's identity is taken");
	ok(fsuid_now() == 4400 && fsgid_now() == 4400 && groups_are(g1, 2), "fsuid, fsgid and groups are the user's");
	ok(!reads_secret(), "in the user's name root's 0600 file is refused");
	lw_ident_leave(&id);
	ok(fsuid_now() == 0 && groups_are(root_groups, nroot) && reads_secret(), "after the call root's own is back");
	ok(!lw_ident_kept(), "and nothing is kept");

	/* The hold: the identity stays between calls in one user's name. */
	lw_ident_hold(true);
	call_as(&u1);
	ok(lw_ident_kept() && fsuid_now() == 4400 && groups_are(g1, 2), "with the hold, the user's identity stays after a call");
	ok(!reads_secret(), "and still refuses root's file");
	ok(lw_ident_enter(&u1, &id) && fsuid_now() == 4400, "the next call in the same name starts from it");
	lw_ident_leave(&id);
	ok(lw_ident_kept(), "and keeps it again");

	call_as(NULL);
	ok(!lw_ident_kept() && fsuid_now() == 0 && groups_are(root_groups, nroot) && reads_secret(),
	   "a call as ourselves gets root's own back first");

	call_as(&u1);
	ok(lw_ident_enter(&u2, &id) && fsuid_now() == 4500 && fsgid_now() == 4500 && groups_are(g2, 1),
	   "a call as another user gets that user's identity, groups included");
	lw_ident_leave(&id);
	ok(lw_ident_kept() && fsuid_now() == 4500, "and keeps it");

	/* A walk outside any call is ours (whatever it finds: under valgrind,
	 * which does not know openat2, it cannot walk at all). */
	lw_resolve(D, LW_FOLLOW, &r);
	lw_res_free(&r);
	ok(!lw_ident_kept() && fsuid_now() == 0 && reads_secret(), "a walk of our own outside a call gets root's own back first");

	/* fsx as ourselves, right after a kept call: root's answer. */
	call_as(&u2);
	ok(fsx_stat(NULL, secret, &st) == 0 && fsuid_now() == 0, "fsx as ourselves after a kept call answers as root");

	/* fork(): no child starts with a kept identity, and neither goes on with one. */
	call_as(&u1);
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		_exit(fsuid_now() == 0 && groups_are(root_groups, nroot) && reads_secret() && !lw_ident_kept() ? 0 : 1);
	ok(pid > 0 && waitpid(pid, &wst, 0) == pid && WIFEXITED(wst) && WEXITSTATUS(wst) == 0,
	   "a child forked during the hold starts with root's own identity");
	ok(fsuid_now() == 0 && !lw_ident_kept() && reads_secret(), "and the parent goes on with root's own");

	/* The end of the hold. */
	call_as(&u1);
	lw_ident_hold(false);
	ok(!lw_ident_kept() && fsuid_now() == 0 && groups_are(root_groups, nroot) && reads_secret(),
	   "the end of the hold gets root's own back");
	call_as(&u1);
	ok(!lw_ident_kept() && fsuid_now() == 0, "after it, a call goes back at once");

	/* The hold ended during a call that started from a kept identity:
	 * the call's end gives root's back, and nothing counts as kept. */
	lw_ident_hold(true);
	call_as(&u1);
	if (lw_ident_enter(&u1, &id)) {
		lw_ident_hold(false);
		lw_ident_leave(&id);
	}
	ok(!lw_ident_kept() && fsuid_now() == 0 && reads_secret(), "a hold ended during a call: root's own after it");
	lw_ident_hold(true);
	ok(lw_ident_enter(&u1, &id) && fsuid_now() == 4400 && !reads_secret(),
	   "and a new hold's first call takes the user's identity again");
	lw_ident_leave(&id);
	lw_ident_hold(false);

	/* No nesting: a call inside a call is refused, kept or not. */
	lw_ident_hold(true);
	call_as(&u1);
	if (lw_ident_enter(&u1, &id)) {
		struct lw_ident inner;

		ok(!lw_ident_enter(&u2, &inner), "a call inside a call is refused");
		lw_ident_leave(&id);
	}
	lw_ident_hold(false);
	ok(fsuid_now() == 0, "and root's own is back at the end");

	unlink(secret);
	rmdir(D);
	return done_testing();
}
