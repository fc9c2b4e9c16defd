/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fix --image --move-aside and its way back. What the mountpoint held is
 * renamed to a sibling, MOUNTPOINT.nfscheck-moved-STAMP, before the image is
 * mounted over it; --undo renames it back once the mount is gone. The name
 * is the record: it survives a reboot, which /run does not, and a person
 * can see in `ls` what happened. Both steps run in the user's name: they
 * only rename the user's own directories in the user's own home.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "exitcode.h"
#include "guard.h"
#include "image-job.h"
#include "msg.h"
#include "quote.h"
#include "xalloc.h"

#define MOVED_TAG ".nfscheck-moved-"
/* "%Y%m%dT%H%M%SZ": sorts as it happened. */
#define STAMP_LEN 16

static int aside_child(void *arg, struct guard_out *out)
{
	const char *dir = arg;
	char stamp[32], *to;
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	to = xasprintf("%s" MOVED_TAG "%s", dir, stamp);
	if (rename(dir, to) != 0) {
		free(to);
		return errno;
	}
	guard_out_add(out, to, strlen(to) + 1);
	free(to);
	return mkdir(dir, 0700) == 0 ? 0 : errno;
}

int image_move_aside(const struct job *j)
{
	struct guard_out out;
	int status;

	if (guard_run(j->t.as, FSX_CALL_MS, aside_child, j->mpres, &status, &out) != GUARD_OK || status) {
		nf_error("fix: cannot move %s aside: %s", j->mpres, strerror(status > 0 ? status : EIO));
		free(out.data);
		return NF_EXIT_INCOMPLETE;
	}
	guard_out_add(&out, "", 1);
	printf("moved the old %s to %s (fix --undo puts it back)\n", j->mpres, out.data);
	free(out.data);
	return NF_EXIT_OK;
}

/* What the way back found; sent from the user's child to root. */
struct back_look {
	int err;          /* listing the parent */
	int count;        /* moved-aside siblings */
	bool mp_empty;    /* the mountpoint is an empty directory (or absent) */
	bool mp_absent;
	int rename_err;   /* when asked to put back: 0 done */
	char newest[256]; /* its name in the parent */
};

struct back_arg {
	const char *mp;
	bool apply;
};

static bool moved_name(const char *name, const char *base)
{
	size_t nb = strlen(base), nt = strlen(MOVED_TAG);

	return strncmp(name, base, nb) == 0 && strncmp(name + nb, MOVED_TAG, nt) == 0 &&
	       strlen(name + nb + nt) == STAMP_LEN;
}

static void look_back(const char *parent, const char *base, struct back_look *b)
{
	DIR *d = opendir(parent);
	struct dirent *e;

	if (!d) {
		b->err = errno;
		return;
	}
	while ((e = readdir(d)))
		if (moved_name(e->d_name, base) && strlen(e->d_name) < sizeof(b->newest)) {
			b->count++;
			if (strcmp(e->d_name, b->newest) > 0)
				snprintf(b->newest, sizeof(b->newest), "%s", e->d_name);
		}
	closedir(d);
}

static bool dir_empty(const char *path, bool *absent)
{
	DIR *d = opendir(path);
	struct dirent *e;
	bool empty = true;

	*absent = !d && errno == ENOENT;
	if (!d)
		return *absent;
	while (empty && (e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, ".."))
			empty = false;
	closedir(d);
	return empty;
}

static int back_child(void *arg, struct guard_out *out)
{
	const struct back_arg *a = arg;
	char *parent = xstrdup(a->mp), *slash = strrchr(parent, '/');
	struct back_look b = {0};

	if (!slash || !slash[1]) {
		free(parent);
		return EINVAL;
	}
	*slash = '\0';
	look_back(*parent ? parent : "/", slash + 1, &b);
	b.mp_empty = dir_empty(a->mp, &b.mp_absent);
	if (a->apply && !b.err && b.count && b.mp_empty) {
		char *from = xasprintf("%s/%s", parent, b.newest);

		/* rmdir, not rename over it: a directory that is no longer
		 * empty stays, and so does what is in it. */
		if (!b.mp_absent && rmdir(a->mp) != 0)
			b.rename_err = errno;
		else if (rename(from, a->mp) != 0)
			b.rename_err = errno;
		free(from);
	}
	free(parent);
	guard_out_add(out, &b, sizeof(b));
	return 0;
}

/* The moved-aside sibling NAME of MP, as a path a person can paste. */
static char *sibling(const char *mp, const char *name)
{
	const char *slash = strrchr(mp, '/');

	return xasprintf("%.*s/%s", (int)(slash - mp), mp, name);
}

int image_put_back(const struct job *j, bool dry_run, bool mounted)
{
	struct back_arg a = {j->mpres, !dry_run};
	struct back_look b = {0};
	struct guard_out out;
	int status;
	char *moved, *qm, *qmp;

	if (guard_run(j->t.as, FSX_CALL_MS, back_child, &a, &status, &out) != GUARD_OK || status ||
	    out.len != sizeof(b)) {
		nf_error("fix: cannot look for what --move-aside moved beside %s: %s", j->mpres,
			 strerror(status > 0 ? status : EIO));
		free(out.data);
		return NF_EXIT_INCOMPLETE;
	}
	memcpy(&b, out.data, sizeof(b));
	free(out.data);
	if (b.err || !b.count)
		return NF_EXIT_OK; /* nothing was moved aside (or nothing can be seen) */
	moved = sibling(j->mpres, b.newest);
	qm = shell_quote(moved);
	qmp = shell_quote(j->mpres);
	if (dry_run && mounted) {
		/* What the mount hides cannot be seen until it is gone. */
		printf("would then put %s back as %s, if nothing is left in it\n", moved, j->mpres);
	} else if (dry_run && b.mp_empty) {
		printf("would put %s back as %s\n", moved, j->mpres);
	} else if (dry_run) {
		printf("would leave %s where it is: %s is not empty\n", moved, j->mpres);
	} else if (!b.mp_empty || b.rename_err) {
		nf_error("fix: cannot put %s back as %s: %s; as %s, look at both and move it back with\n"
			 "    rmdir %s && mv %s %s", moved, j->mpres,
			 b.rename_err ? strerror(b.rename_err) : "the mountpoint is not empty", j->t.id.name, qmp, qm,
			 qmp);
	} else {
		printf("put %s back as %s\n", moved, j->mpres);
	}
	if (b.count > 1)
		printf("%d older director%s named %s" MOVED_TAG "* %s beside it, from earlier runs\n", b.count - 1,
		       b.count == 2 ? "y" : "ies", j->mpres, b.count == 2 ? "is" : "are");
	free(moved);
	free(qm);
	free(qmp);
	return !dry_run && (!b.mp_empty || b.rename_err) ? NF_EXIT_PROBLEMS : NF_EXIT_OK;
}
