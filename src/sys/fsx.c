/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libmount.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "fsx.h"
#include "fsx-internal.h"
#include "fsx-memo.h"
#include "goexpand.h"
#include "guard.h"
#include "ioutil.h"
#include "localwalk.h"
#include "mounts.h"
#include "util.h"
#include "xalloc.h"

/* How many calls were answered in-process. */
static unsigned long in_process_calls;

/*
 * A relative path names a file under the working directory: getcwd(2)
 * gives its absolute path from the kernel's own records, without I/O on any
 * filesystem; a directory cut off from the root ("(unreachable)") gives
 * none, and the call goes to the child as before.
 */
static char *absolute(const char *path)
{
	char cwd[PATH_MAX];

	if (!getcwd(cwd, sizeof(cwd)) || cwd[0] != '/')
		return NULL;
	/* Not go_join: its lexical clean would take "link/.." by name, the
	 * kernel takes it through the link. */
	return xasprintf("%s%s%s", cwd, strcmp(cwd, "/") == 0 ? "" : "/", path);
}

static int in_process_batch(const struct identity *as, const struct req *r, struct guard_out *out);

/*
 * The call in-process, when localwalk can prove it local all the way and,
 * for another user, can take the user's filesystem identity for it.
 * LW_FALLBACK: run it in the guarded child as before.
 */
static int in_process(const struct fsx *x, const struct req *r, struct guard_out *out)
{
	const struct identity *as = x ? x->as : NULL;
	int rc;

	/* LOOKPATH takes a name; its candidates go in-process when absolute. */
	if (!lw_enabled() || !r->path || r->op == OP_MKDIRS || guard_interrupted() || guard_remaining_ms() <= 0)
		return LW_FALLBACK;
	lw_batch_begin();
	rc = in_process_batch(as, r, out);
	lw_batch_end();
	if (rc == LW_FALLBACK) {
		free(out->data);
		memset(out, 0, sizeof(*out));
	} else {
		in_process_calls++;
	}
	return rc;
}

/* in_process's part that runs as one batch of walks. */
static int in_process_batch(const struct identity *as, const struct req *r, struct guard_out *out)
{
	struct lw_ident id;
	struct req abs = *r;
	char *joined = NULL;
	int rc;

	if (!lw_root_walkable())
		return LW_FALLBACK;
	if (r->path[0] != '/' && r->op != OP_LOOKPATH) {
		/* Only calls whose answer names no path: the others would
		 * name an absolute one where the child names a relative one. */
		bool pathless = r->op == OP_STAT || r->op == OP_LSTAT || r->op == OP_STATFS || r->op == OP_READ ||
				r->op == OP_LIST || r->op == OP_ACCESS || r->op == OP_MKDIR_WOULD;

		if (!pathless || !*r->path || !(joined = absolute(r->path)))
			return LW_FALLBACK;
		abs.path = joined;
	}
	if (!lw_ident_enter(as, &id)) {
		free(joined);
		return LW_FALLBACK;
	}
	fsx_local_eaccess = as != NULL;
	rc = fsx_run_op(&fsx_local_prims, &abs, out);
	fsx_op_stats_clear();
	free(joined);
	fsx_local_eaccess = false;
	lw_ident_leave(&id);
	return rc;
}

unsigned long fsx_in_process_calls(void)
{
	return in_process_calls;
}

/*
 * Mounts that did not answer before a deadline in this run. Asking them
 * again would only wait out another deadline; every later call on a path
 * under them fails at once.
 */
static char **dead;
static size_t ndead;

static char *mount_of(const char *path)
{
	struct mount_table t = {0};
	struct libmnt_fs *fs;
	char *clean = go_clean_path(path), *mp = NULL;

	if (clean[0] == '/' && mount_table_load(&t, NULL) == 0 && (fs = mount_table_find(&t, clean)))
		mp = xstrdup(mnt_fs_get_target(fs));
	mount_table_free(&t);
	free(clean);
	return mp;
}

static bool on_dead_mount(const char *path)
{
	char *mp;
	bool yes = false;

	if (!ndead)
		return false;
	mp = mount_of(path);
	for (size_t i = 0; mp && i < ndead && !yes; i++)
		yes = strcmp(dead[i], mp) == 0;
	free(mp);
	return yes;
}

static void mark_dead(const char *path)
{
	char *mp = mount_of(path);

	/* "/" going dead would silence everything; that verdict is not ours to make. */
	if (!mp || strcmp(mp, "/") == 0) {
		free(mp);
		return;
	}
	dead = xreallocarray(dead, ndead + 1, sizeof(char *));
	dead[ndead++] = mp;
}

bool fsx_mount_dead(const char *path)
{
	return on_dead_mount(path);
}

static const char *const op_names[] = {
	"stat", "lstat", "statfs", "realpath", "read", "list", "access", "mkdir-would", "resolve", "lookpath",
	"mkdirs", "dir-usable",
};

/* NFSCHECK_DEBUG=1 traces every guarded call, as LIBMOUNT_DEBUG does for libmount. */
static void trace(const struct req *r, long long ms, int err)
{
	static int on = -1;

	if (on < 0)
		on = getenv("NFSCHECK_DEBUG") != NULL;
	/* MS < 0: answered in-process. */
	if (on && ms < 0)
		fprintf(stderr, "nfscheck: debug: %s %s: in-process: %s\n", op_names[r->op], r->path ? r->path : "",
			err ? nf_strerror(err) : "ok");
	else if (on)
		fprintf(stderr, "nfscheck: debug: %s %s: %lld ms: %s\n", op_names[r->op], r->path ? r->path : "",
			ms, err ? nf_strerror(err) : "ok");
}

/* The questions a memo may answer again: they change nothing. */
static bool memo_op(int op)
{
	switch (op) {
	case OP_STAT: case OP_LSTAT: case OP_STATFS: case OP_REALPATH: case OP_ACCESS:
	case OP_MKDIR_WOULD: case OP_RESOLVE_PREFIX: case OP_LOOKPATH: case OP_DIR_USABLE:
		return true;
	default:
		return false;
	}
}

static int call_asked(const struct fsx *x, struct req *r, struct guard_out *out);

static int call(const struct fsx *x, struct req *r, struct guard_out *out)
{
	struct fsx_memo_key k;
	int status;

	if (!x || !x->memo || !memo_op(r->op))
		return call_asked(x, r, out);
	k = (struct fsx_memo_key){.op = r->op, .mode = r->mode, .max = r->max, .path = r->path, .arg = r->arg};
	if (fsx_memo_get(x->memo, &k, &status, out))
		return status;
	status = call_asked(x, r, out);
	if (status != NF_EDEADLINE && status != ECHILD && status != FSX_NOT_HERE)
		fsx_memo_put(x->memo, &k, status, out);
	return status;
}

static int call_asked(const struct fsx *x, struct req *r, struct guard_out *out)
{
	int per_call = x && x->timeout_ms ? x->timeout_ms : FSX_CALL_MS;
	bool clamped = guard_remaining_ms() < per_call;
	double t0 = mono_ms();
	int status, err;

	memset(out, 0, sizeof(*out));
	if (r->path && on_dead_mount(r->path)) {
		trace(r, 0, NF_EDEADLINE);
		return NF_EDEADLINE;
	}
	status = in_process(x, r, out);
	if (status == LW_FALLBACK && x && x->here_only)
		return FSX_NOT_HERE;
	if (status != LW_FALLBACK) {
		if (status != 0) {
			free(out->data);
			out->data = NULL;
		}
		trace(r, -1, status);
		return status;
	}
	/* A child forked meanwhile (a guarded call of its own) would talk over
	 * its parent's socket, and a deadline there would leave the parent an
	 * answer to a question it did not ask: it makes its own children. */
	switch (fsx_session_mine() ? fsx_session_call(x ? x->as : NULL, per_call, r, &status, out)
			    : guard_run(x ? x->as : NULL, per_call, fsx_child, r, &status, out)) {
	case GUARD_OK:
		if (status != 0) {
			free(out->data);
			out->data = NULL;
		}
		trace(r, mono_ms() - t0, status);
		return status;
	case GUARD_DEADLINE:
		free(out->data);
		out->data = NULL;
		/* Only a call that had its full time and used it says the mount is dead;
		 * one cut short by --timeout or a signal says nothing about it. */
		if (r->path && !guard_interrupted() && !clamped)
			mark_dead(r->path);
		trace(r, mono_ms() - t0, NF_EDEADLINE);
		return NF_EDEADLINE;
	case GUARD_FAILED:
		break;
	}
	free(out->data);
	out->data = NULL;
	err = ECHILD;
	trace(r, mono_ms() - t0, err);
	return err;
}

static int call_fixed(const struct fsx *x, int op, const char *path, void *dst, size_t size)
{
	struct req r = {.path = path, .op = op};
	struct guard_out out;
	int err = call(x, &r, &out);

	if (err == 0 && out.len != size)
		err = EIO;
	if (err == 0)
		memcpy(dst, out.data, size);
	free(out.data);
	return err;
}

int fsx_stat(const struct fsx *x, const char *path, struct stat *st)
{
	return call_fixed(x, OP_STAT, path, st, sizeof(*st));
}

int fsx_lstat(const struct fsx *x, const char *path, struct stat *st)
{
	return call_fixed(x, OP_LSTAT, path, st, sizeof(*st));
}

int fsx_statfs(const struct fsx *x, const char *path, struct statfs *sf)
{
	return call_fixed(x, OP_STATFS, path, sf, sizeof(*sf));
}

static int call_string(const struct fsx *x, struct req *r, char **res)
{
	struct guard_out out;
	int err = call(x, r, &out);

	*res = NULL;
	if (err == 0 && (out.len == 0 || out.data[out.len - 1] != '\0'))
		err = EIO;
	if (err == 0)
		*res = xstrdup(out.data);
	free(out.data);
	return err;
}

int fsx_realpath(const struct fsx *x, const char *path, char **res)
{
	struct req r = {.path = path, .op = OP_REALPATH};

	return call_string(x, &r, res);
}

int fsx_resolve_prefix(const struct fsx *x, const char *path, char **res)
{
	struct req r = {.path = path, .op = OP_RESOLVE_PREFIX};

	return call_string(x, &r, res);
}

int fsx_lookpath(const struct fsx *x, const char *name, const char *search, char **res)
{
	struct req r = {.path = name, .arg = search ? search : "", .op = OP_LOOKPATH};

	return call_string(x, &r, res);
}

int fsx_access(const struct fsx *x, const char *path, int mode)
{
	struct req r = {.path = path, .op = OP_ACCESS, .mode = mode};
	struct guard_out out;
	int err = call(x, &r, &out);

	free(out.data);
	return err;
}

int fsx_dir_usable(const struct fsx *x, const char *path, enum fsx_dir_use use, int *verdict, char **at)
{
	struct req r = {.path = path, .op = OP_DIR_USABLE, .mode = use};
	struct guard_out out;
	int err = call(x, &r, &out);

	*at = NULL;
	if (err == 0 && (out.len <= sizeof(int) || out.data[out.len - 1] != '\0'))
		err = EIO;
	if (err == 0) {
		memcpy(verdict, out.data, sizeof(int));
		*at = xstrdup(out.data + sizeof(int));
	}
	free(out.data);
	return err;
}

int fsx_mkdir_would(const struct fsx *x, const char *path, enum fsx_mkdir *what)
{
	struct req r = {.path = path, .op = OP_MKDIR_WOULD};
	struct guard_out out;
	int err = call(x, &r, &out);

	if (err == 0 && out.len != 1)
		err = EIO;
	if (err == 0)
		*what = (enum fsx_mkdir)out.data[0];
	free(out.data);
	return err;
}

int fsx_read_file(const struct fsx *x, const char *path, size_t max, char **buf, size_t *len)
{
	struct req r = {.path = path, .op = OP_READ, .max = max};
	struct guard_out out;
	int err = call(x, &r, &out);

	*buf = NULL;
	*len = 0;
	if (err == 0) {
		*buf = xmalloc(out.len + 1);
		if (out.len)
			memcpy(*buf, out.data, out.len);
		(*buf)[out.len] = '\0';
		*len = out.len;
	}
	free(out.data);
	return err;
}

struct entry {
	char *name;
	bool dir;
};

static int cmp_entries(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

int fsx_list_dir(const struct fsx *x, const char *path, char ***names, bool **dirs, size_t *n)
{
	struct req r = {.path = path, .op = OP_LIST};
	struct guard_out out;
	struct entry *e;
	size_t count = 0, i, k = 0;
	int err = call(x, &r, &out);

	*names = NULL;
	*dirs = NULL;
	*n = 0;
	if (err)
		return err;
	for (i = 0; i < out.len; i++)
		if (out.data[i] == '\0')
			count++;
	e = xcalloc(count ? count : 1, sizeof(*e));
	/* Each record is a kind byte ('d' or 'f'), the name, and a NUL. */
	for (i = 0; i < out.len && k < count; k++) {
		e[k].dir = out.data[i] == 'd';
		e[k].name = xstrdup(out.data + i + 1);
		i += strlen(out.data + i) + 1;
	}
	free(out.data);
	qsort(e, k, sizeof(*e), cmp_entries);
	*names = xcalloc(k ? k : 1, sizeof(char *));
	*dirs = xcalloc(k ? k : 1, sizeof(bool));
	for (i = 0; i < k; i++) {
		(*names)[i] = e[i].name;
		(*dirs)[i] = e[i].dir;
	}
	free(e);
	*n = k;
	return 0;
}

void fsx_free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int fsx_mkdirs(const struct fsx *x, const char *path, mode_t mode)
{
	struct req r = {.path = path, .op = OP_MKDIRS, .mode = (int)mode};
	struct guard_out out;
	int err = call(x, &r, &out);

	free(out.data);
	return err;
}
