/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <libmount.h>
#include <stdlib.h>
#include <string.h>

#include "mounts.h"
#include "xalloc.h"

int mount_table_load(struct mount_table *t, const char *file)
{
	int rc;

	if (!file)
		file = "/proc/self/mountinfo";
	t->source = xstrdup(file);
	t->tb = mnt_new_table();
	if (!t->tb)
		return ENOMEM;
	rc = mnt_table_parse_file(t->tb, file);
	if (rc != 0) {
		mnt_unref_table(t->tb);
		t->tb = NULL;
		return rc < 0 ? -rc : EINVAL;
	}
	return 0;
}

void mount_table_free(struct mount_table *t)
{
	mnt_unref_table(t->tb);
	free(t->source);
	t->tb = NULL;
	t->source = NULL;
}

/* A mount on exactly TARGET whose parent is PARENT: the next layer up. */
static struct libmnt_fs *mounted_on(const struct mount_table *t, const char *target, int parent)
{
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs, *found = NULL;

	if (!it)
		return NULL;
	while (mnt_table_next_fs(t->tb, it, &fs) == 0) {
		const char *tg = mnt_fs_get_target(fs);

		if (tg && mnt_fs_get_parent_id(fs) == parent && mnt_fs_get_id(fs) != parent &&
		    strcmp(tg, target) == 0)
			found = fs;
	}
	mnt_free_iter(it);
	return found;
}

/* Climb mounts stacked on TARGET starting from CUR. */
static struct libmnt_fs *top_of(const struct mount_table *t, struct libmnt_fs *cur, const char *target)
{
	struct libmnt_fs *up;
	int left = mnt_table_get_nents(t->tb);

	/* A stack taller than the table has come back on itself: ids repeat
	 * (A on B on A). The kernel never writes that, but the walk must end
	 * on any table, so stop where the cycle begins again. */
	while (left-- > 0 && (up = mounted_on(t, target, mnt_fs_get_id(cur))))
		cur = up;
	return cur;
}

static bool has_id(const struct mount_table *t, int id)
{
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;
	bool found = false;

	while (it && !found && mnt_table_next_fs(t->tb, it, &fs) == 0)
		found = mnt_fs_get_id(fs) == id;
	mnt_free_iter(it);
	return found;
}

static struct libmnt_fs *root_mount(const struct mount_table *t)
{
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs, *root = NULL;

	if (!it)
		return NULL;
	/* The namespace's root: mounted on "/" with a parent outside the table. */
	while (mnt_table_next_fs(t->tb, it, &fs) == 0) {
		const char *tg = mnt_fs_get_target(fs);

		if (tg && strcmp(tg, "/") == 0 &&
		    !has_id(t, mnt_fs_get_parent_id(fs))) {
			root = fs;
			break;
		}
	}
	mnt_free_iter(it);
	return root;
}

struct libmnt_fs *mount_table_find(const struct mount_table *t, const char *path)
{
	struct libmnt_fs *cur;
	char *prefix;
	size_t i, n;

	if (!t->tb || path[0] != '/')
		return NULL;
	cur = root_mount(t);
	if (!cur)
		return NULL;
	cur = top_of(t, cur, "/");
	/* Walk down the path: at each component, whatever is mounted there on
	 * top of the current mount hides what lies below. */
	n = strlen(path);
	prefix = xmalloc(n + 1);
	for (i = 1; i <= n; i++) {
		if (i < n && path[i] != '/')
			continue;
		if (i > 1 && path[i - 1] == '/')
			continue;
		memcpy(prefix, path, i);
		prefix[i] = '\0';
		if (strcmp(prefix, "/") != 0)
			cur = top_of(t, cur, prefix);
	}
	free(prefix);
	return cur;
}
