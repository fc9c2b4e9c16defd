/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <unistd.h>

#include "exitcode.h"
#include "forkmark.h"
#include "fsident.h"
#include "msg.h"
#include "xalloc.h"

/* The identity walks are made as now: NULL, our own. */
static const struct identity *cur_as;
/* Inside lw_ident_enter/leave: none nests. */
static bool inside;

/*
 * Root's own groups and filesystem GID, read once per process: a fleet run
 * switches identity for many users, and reading them at every switch was
 * five of its seventeen system calls. Nothing in this program changes them
 * but the switch below, which puts them back and proves it did.
 */
static struct {
	pid_t pid;
	gid_t *groups;
	int n;
	unsigned egid;
} root_ids;

/* The hold: whether it is on, and the identity kept (copied: the caller's
 * struct may be gone by the next call). */
static struct {
	bool on, kept, handler;
	struct ident_copy id;
} hold;

static bool ident_is(unsigned uid, unsigned gid)
{
	/* setfs[ug]id(-1) changes nothing and returns the current value. */
	return (unsigned)setfsuid((uid_t)-1) == uid && (unsigned)setfsgid((gid_t)-1) == gid;
}

static bool root_ids_known(void)
{
	int n;

	if (root_ids.groups && !fm_forked_since(FM_ROOT_IDS, root_ids.pid))
		return true;
	free(root_ids.groups);
	root_ids.groups = NULL;
	if (geteuid() != 0 || (n = getgroups(0, NULL)) < 0)
		return false;
	root_ids.groups = xcalloc((size_t)n + 1, sizeof(gid_t));
	if (getgroups(n, root_ids.groups) != n) {
		free(root_ids.groups);
		root_ids.groups = NULL;
		return false;
	}
	root_ids.n = n;
	root_ids.egid = (unsigned)getegid();
	root_ids.pid = getpid();
	fm_set(FM_ROOT_IDS);
	return true;
}

/* fsuid back to 0 raises the filesystem capabilities again. setgroups
 * either sets the whole list or fails; its 0 is the proof. */
static void back_to_root(void)
{
	setfsuid(0);
	setfsgid(root_ids.egid);
	if (setgroups((size_t)root_ids.n, root_ids.groups) != 0 || !ident_is(0, root_ids.egid))
		nf_die(NF_EXIT_INCOMPLETE, "switching back to root's file access: %s", strerror(errno ? errno : EPERM));
}

void ident_copy_set(struct ident_copy *c, const struct identity *as)
{
	c->uid = as->uid;
	c->gid = as->gid;
	c->ngroups = as->ngroups;
	c->groups = xreallocarray(c->groups, (size_t)as->ngroups + 1, sizeof(gid_t));
	if (as->ngroups)
		memcpy(c->groups, as->groups, (size_t)as->ngroups * sizeof(gid_t));
}

bool ident_copy_is(const struct ident_copy *c, const struct identity *as)
{
	return c->uid == as->uid && c->gid == as->gid && c->ngroups == as->ngroups &&
	       (as->ngroups == 0 || memcmp(c->groups, as->groups, (size_t)as->ngroups * sizeof(gid_t)) == 0);
}

void ident_copy_free(struct ident_copy *c)
{
	free(c->groups);
	memset(c, 0, sizeof(*c));
}

static bool kept_is(const struct identity *as)
{
	return ident_copy_is(&hold.id, as);
}

static void keep(const struct identity *as)
{
	ident_copy_set(&hold.id, as);
	hold.kept = true;
}

void lw_ident_settle(void)
{
	if (!hold.kept || inside)
		return;
	hold.kept = false;
	back_to_root();
}

static void settle_before_fork(void)
{
	lw_ident_settle();
}

/* A child keeps nothing, and holds nothing: the parent gave it back before
 * fork(), and the child's own calls put root's back as they always did. */
static void child_after_fork(void)
{
	hold.on = hold.kept = false;
}

void lw_ident_hold(bool on)
{
	if (on && !hold.handler) {
		if (pthread_atfork(settle_before_fork, NULL, child_after_fork) != 0)
			return;
		hold.handler = true;
	}
	if (!on)
		lw_ident_settle();
	hold.on = on;
}

bool lw_ident_kept(void)
{
	return hold.kept;
}

bool lw_ident_enter(const struct identity *as, struct lw_ident *s)
{
	memset(s, 0, sizeof(*s));
	if (!as) {
		lw_ident_settle();
		return true;
	}
	if (inside)
		return false;
	if (hold.kept && kept_is(as)) {
		s->as = as;
		s->active = s->kept = true;
		cur_as = as;
		inside = true;
		return true;
	}
	lw_ident_settle();
	/* Root's file access now: the snapshot is what we return to. Only
	 * this file changes it, and the way back is proved, so a flag tells,
	 * where asking the kernel cost two credential changes. */
	if (!root_ids_known())
		return false;
	/* Groups first: once fsuid is not 0, the kernel has dropped the
	 * filesystem capabilities, but setgroups needs CAP_SETGID, not those. */
	if (setgroups((size_t)as->ngroups, as->groups) != 0) {
		back_to_root();
		return false;
	}
	setfsgid(as->gid);
	setfsuid(as->uid);
	if (!ident_is(as->uid, as->gid)) {
		back_to_root();
		return false;
	}
	s->as = as;
	s->active = true;
	cur_as = as;
	inside = true;
	return true;
}

void lw_ident_leave(struct lw_ident *s)
{
	if (!s->active)
		return;
	cur_as = NULL;
	inside = false;
	if (hold.on) {
		if (!s->kept)
			keep(s->as);
	} else {
		/* The hold may have ended during the call: nothing is kept now. */
		hold.kept = false;
		back_to_root();
	}
	memset(s, 0, sizeof(*s));
}

const struct identity *lw_ident_current(void)
{
	return cur_as;
}

bool lw_ident_inside(void)
{
	return inside;
}
