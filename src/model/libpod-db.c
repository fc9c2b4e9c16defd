/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libpod's database pins the storage roots and driver it was created with:
 * from then on they win over storage.conf (libpod/runtime.go mergeDBConfig).
 * Podman up to 5.8 may use BoltDB (bolt_state.db), 4.8 and later SQLite
 * (db.sql). Both are read here, read-only, as the user, under a deadline.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boltdb.h"
#include "dynlib.h"
#include "goexpand.h"
#include "localwalk.h"
#include "model-internal.h"
#include "xalloc.h"

/* ---- SQLite ---- */

/* libsqlite3, loaded when a database of that kind is first read (dynlib.h). */
static struct {
	__typeof__(sqlite3_open_v2) *open_v2;
	__typeof__(sqlite3_prepare_v2) *prepare_v2;
	__typeof__(sqlite3_step) *step;
	__typeof__(sqlite3_column_text) *column_text;
	__typeof__(sqlite3_finalize) *finalize;
	__typeof__(sqlite3_close) *close;
} sq;
static const struct dynsym sq_syms[] = {
	DYNSYM(sqlite3_open_v2, sq.open_v2),         DYNSYM(sqlite3_prepare_v2, sq.prepare_v2),
	DYNSYM(sqlite3_step, sq.step),               DYNSYM(sqlite3_column_text, sq.column_text),
	DYNSYM(sqlite3_finalize, sq.finalize),       DYNSYM(sqlite3_close, sq.close),
};
static struct dynlib sq_lib = DYNLIB(SONAME_SQLITE, sq_syms);

static int sqlite_read(const char *path, char *out[DB_NFIELDS])
{
	const char *const modes[] = {"ro", "ro&immutable=1"};
	int rc = EINVAL;

	if (!dynlib_load(&sq_lib))
		return ENOSYS;

	for (int m = 0; m < 2 && rc; m++) {
		char *uri = xasprintf("file:%s?mode=%s", path, modes[m]);
		sqlite3 *db = NULL;
		sqlite3_stmt *st = NULL;

		if (sq.open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) == SQLITE_OK &&
		    sq.prepare_v2(db, "SELECT RunRoot, GraphRoot, GraphDriver FROM DBConfig", -1, &st,
				       NULL) == SQLITE_OK &&
		    sq.step(st) == SQLITE_ROW) {
			for (int i = 0; i < DB_NFIELDS; i++) {
				const unsigned char *t = sq.column_text(st, i);

				out[i] = xstrdup(t ? (const char *)t : "");
			}
			rc = 0;
		}
		sq.finalize(st);
		sq.close(db);
		free(uri);
	}
	return rc;
}

/* ---- in the user's name, under a deadline ---- */

struct db_arg {
	const char *path;
	bool sqlite;
};

static int db_child(void *arg, struct guard_out *out)
{
	const struct db_arg *a = arg;
	char *v[DB_NFIELDS] = {0};
	int rc = a->sqlite ? sqlite_read(a->path, v) : boltdb_read_config(a->path, v);

	for (int i = 0; i < DB_NFIELDS; i++) {
		guard_out_add(out, v[i] ? v[i] : "", strlen(v[i] ? v[i] : "") + 1);
		free(v[i]);
	}
	return rc;
}

/*
 * Whether the database at PATH may be read in this process, and *CANON the
 * path to read: only for ourselves (as root for a user the file is the
 * user's input, read in their name by the child), and only when the walk
 * proves the file local and its SQLite companions, which SQLite opens
 * beside it, are absent or plain files there too, none of them a symlink.
 */
static bool db_here(const struct mctx *c, const char *path, char **canon)
{
	static const char *const companions[] = {"-journal", "-wal", "-shm"};
	struct lw_res r;
	bool ok;

	*canon = NULL;
	if (c->fs.as || !lw_root_walkable() || lw_resolve(path, LW_FOLLOW, &r) != 0)
		return false;
	ok = S_ISREG(r.st.st_mode);
	if (ok)
		*canon = xstrdup(r.canon);
	lw_res_free(&r);
	for (size_t i = 0; ok && i < ARRAY_SIZE(companions); i++) {
		char *p = xasprintf("%s%s", *canon, companions[i]);
		int rc = lw_resolve(p, 0, &r);

		ok = rc == ENOENT || (rc == 0 && S_ISREG(r.st.st_mode));
		if (rc == 0)
			lw_res_free(&r);
		free(p);
	}
	if (!ok) {
		free(*canon);
		*canon = NULL;
	}
	return ok;
}

static void override(struct model *m, struct setting *s, const char *dbval, const char *dbpath, const char *what)
{
	struct origin o = {.kind = OR_DATABASE};

	if (!*dbval)
		return;
	if (s->value && strcmp(s->value, dbval) != 0) {
		char *from = origin_text(&s->origin);

		problem_add(&m->problems, PR_WARNING, dbpath, 0,
			    "Podman uses the database's value; run 'podman system reset' (which deletes all "
			    "images and containers) for the configured one to take effect",
			    "the libpod database pins %s %s, not %s from %s", what, dbval, s->value, from);
		free(from);
	}
	o.file = xstrdup(dbpath);
	setting_set(s, dbval, &o);
	free(o.file);
}

void model_apply_database(struct mctx *c, const char *static_dir)
{
	struct model *m = c->m;
	const char *names[2] = {"bolt_state.db", "db.sql"};
	struct guard_out out;
	char *fields[DB_NFIELDS];
	int status;

	/* containers.conf's static_dir is where the database is, whatever the graphroot. */
	if (m->static_dir.value && *m->static_dir.value)
		static_dir = m->static_dir.value;
	if (!static_dir)
		return;
	for (int i = 0; i < 2; i++) {
		bool sqlite = i == 1;
		char *path;
		struct stat st;
		struct db_arg a;
		enum guard_status gs;
		char *canon;
		size_t off = 0;

		/* BoltDB is gone in Podman 6.0; SQLite arrived in 4.8: rules of
		 * Podman's own release, not of its storage library. */
		if ((!sqlite && m->pv.release >= PV(6, 0)) || (sqlite && m->pv.release < PV(4, 8)))
			continue;
		path = go_join(static_dir, names[i]);
		if (fsx_stat(&c->fs, path, &st) != 0) {
			free(path);
			continue;
		}
		a.path = path;
		a.sqlite = sqlite;
		/* Loaded here, once, for the child too, which then needs no more than its file. */
		if (sqlite && !dynlib_load(&sq_lib)) {
			problem_add(&m->problems, PR_WARNING, path, 0, NULL,
				    "cannot read the libpod database (%s); its pinned values are not shown", sq_lib.err);
			free(path);
			return;
		}
		if (db_here(c, path, &canon)) {
			a.path = canon;
			memset(&out, 0, sizeof(out));
			status = db_child(&a, &out);
			gs = GUARD_OK;
			free(canon);
		} else {
			gs = guard_run(c->fs.as, FSX_CALL_MS, db_child, &a, &status, &out);
		}
		if (gs != GUARD_OK || status != 0) {
			problem_add(&m->problems, PR_WARNING, path, 0, NULL,
				    "cannot read the libpod database; its pinned values are not shown");
			free(out.data);
			free(path);
			return;
		}
		for (int f = 0; f < DB_NFIELDS; f++) {
			fields[f] = off < out.len ? out.data + off : (char *)"";
			off += strlen(fields[f]) + 1;
		}
		override(m, &m->runroot, fields[DB_RUNROOT], path, "runroot");
		override(m, &m->graphroot, fields[DB_GRAPHROOT], path, "graphroot");
		override(m, &m->driver, fields[DB_DRIVER], path, "driver");
		m->database = path;
		model_note(m, "libpod database %s exists: its runroot, graphroot and driver win over storage.conf", path);
		free(out.data);
		return;
	}
}
