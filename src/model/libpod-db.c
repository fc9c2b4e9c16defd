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

#include "goexpand.h"
#include "model-internal.h"
#include "xalloc.h"

enum { DB_RUNROOT, DB_GRAPHROOT, DB_DRIVER, DB_NFIELDS };

/* ---- BoltDB: just enough of the on-disk format to read one bucket ---- */

#define BOLT_MAGIC 0xED0CDAEDu
#define BOLT_BRANCH 0x01
#define BOLT_LEAF 0x02
#define BOLT_BUCKET_LEAF 0x01
/* Pages bigger than this are not a libpod database. */
#define BOLT_MAX_PAGE (1u << 20)

struct bolt {
	int fd;
	uint32_t page_size;
};

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* Read page ID with its overflow pages; *LEN is the bytes returned. */
static unsigned char *bolt_page(const struct bolt *b, uint64_t id, size_t *len)
{
	unsigned char head[16], *p;
	uint32_t overflow;
	size_t n;

	if (pread(b->fd, head, sizeof(head), (off_t)(id * b->page_size)) != (ssize_t)sizeof(head))
		return NULL;
	overflow = le32(head + 12);
	if (overflow > 4096)
		return NULL;
	n = (size_t)(overflow + 1) * b->page_size;
	p = xmalloc(n);
	if (pread(b->fd, p, n, (off_t)(id * b->page_size)) != (ssize_t)n) {
		free(p);
		return NULL;
	}
	*len = n;
	return p;
}

/* Find KEY in the B+tree whose root page is PAGE (LEN bytes, not owned). */
static bool bolt_find(const struct bolt *b, const unsigned char *page, size_t len, const char *key,
		      int depth, unsigned char **val, size_t *vlen, bool *bucket)
{
	size_t klen = strlen(key);
	uint16_t flags, count;

	if (len < 16 || depth > 32)
		return false;
	flags = le16(page + 8);
	count = le16(page + 10);
	if (16 + (size_t)count * 16 > len)
		return false;
	if (flags & BOLT_LEAF) {
		for (uint16_t i = 0; i < count; i++) {
			const unsigned char *e = page + 16 + (size_t)i * 16;
			size_t kpos = 16 + (size_t)i * 16 + le32(e + 4);
			uint32_t ks = le32(e + 8), vs = le32(e + 12);

			if (kpos + ks + vs > len)
				return false;
			if (ks == klen && memcmp(page + kpos, key, klen) == 0) {
				*val = xmalloc(vs ? vs : 1);
				memcpy(*val, page + kpos + ks, vs);
				*vlen = vs;
				*bucket = le32(e) & BOLT_BUCKET_LEAF;
				return true;
			}
		}
		return false;
	}
	if (flags & BOLT_BRANCH) {
		uint64_t child = 0;
		bool have = false, found;
		unsigned char *cp;
		size_t clen;

		/* The last element whose key is <= KEY leads to it. */
		for (uint16_t i = 0; i < count; i++) {
			const unsigned char *e = page + 16 + (size_t)i * 16;
			size_t kpos = 16 + (size_t)i * 16 + le32(e);
			uint32_t ks = le32(e + 4);
			int cmp;

			if (kpos + ks > len)
				return false;
			cmp = memcmp(page + kpos, key, ks < klen ? ks : klen);
			if (cmp > 0 || (cmp == 0 && ks > klen))
				break;
			child = le64(e + 8);
			have = true;
		}
		if (!have || !(cp = bolt_page(b, child, &clen)))
			return false;
		found = bolt_find(b, cp, clen, key, depth + 1, val, vlen, bucket);
		free(cp);
		return found;
	}
	return false;
}

/* The root page of a bucket value: inline after its header, or on disk. */
static unsigned char *bucket_root(const struct bolt *b, const unsigned char *v, size_t vlen, size_t *len)
{
	uint64_t root;
	unsigned char *p;

	if (vlen < 16)
		return NULL;
	root = le64(v);
	if (root != 0)
		return bolt_page(b, root, len);
	p = xmalloc(vlen - 16);
	memcpy(p, v + 16, vlen - 16);
	*len = vlen - 16;
	return p;
}

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
	uint64_t h = 14695981039346656037ull;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ull;
	}
	return h;
}

static int bolt_read(const char *path, char *out[DB_NFIELDS])
{
	static const char *const keys[DB_NFIELDS] = {"run-root", "graph-root", "graph-driver-name"};
	unsigned char meta[2][80], *rootp = NULL, *bv = NULL, *bp = NULL;
	struct bolt b = {.fd = open(path, O_RDONLY | O_CLOEXEC)};
	uint64_t best_tx = 0, root = 0;
	size_t rlen, bvlen, bplen;
	bool bucket, ok = false;

	if (b.fd < 0)
		return errno;
	/* Two meta pages; the valid one with the higher transaction id is current. */
	if (pread(b.fd, meta[0], sizeof(meta[0]), 0) != (ssize_t)sizeof(meta[0]) ||
	    le32(meta[0] + 16) != BOLT_MAGIC)
		goto out;
	b.page_size = le32(meta[0] + 24);
	if (b.page_size < 512 || b.page_size > BOLT_MAX_PAGE)
		goto out;
	if (pread(b.fd, meta[1], sizeof(meta[1]), b.page_size) != (ssize_t)sizeof(meta[1]))
		memset(meta[1], 0, sizeof(meta[1]));
	for (int i = 0; i < 2; i++) {
		const unsigned char *mm = meta[i] + 16;

		if (le32(mm) != BOLT_MAGIC || fnv1a(mm, 56) != le64(mm + 56))
			continue;
		if (!root || le64(mm + 48) > best_tx) {
			best_tx = le64(mm + 48);
			root = le64(mm + 16);
		}
	}
	if (!root || !(rootp = bolt_page(&b, root, &rlen)))
		goto out;
	if (!bolt_find(&b, rootp, rlen, "runtime-config", 0, &bv, &bvlen, &bucket) || !bucket)
		goto out;
	if (!(bp = bucket_root(&b, bv, bvlen, &bplen)))
		goto out;
	for (int i = 0; i < DB_NFIELDS; i++) {
		unsigned char *v;
		size_t vl;

		if (bolt_find(&b, bp, bplen, keys[i], 0, &v, &vl, &bucket) && !bucket) {
			out[i] = xstrndup((const char *)v, vl);
			free(v);
		}
	}
	ok = true;
out:
	free(rootp);
	free(bv);
	free(bp);
	close(b.fd);
	return ok ? 0 : EINVAL;
}

/* ---- SQLite ---- */

static int sqlite_read(const char *path, char *out[DB_NFIELDS])
{
	const char *const modes[] = {"ro", "ro&immutable=1"};
	int rc = EINVAL;

	for (int m = 0; m < 2 && rc; m++) {
		char *uri = xasprintf("file:%s?mode=%s", path, modes[m]);
		sqlite3 *db = NULL;
		sqlite3_stmt *st = NULL;

		if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) == SQLITE_OK &&
		    sqlite3_prepare_v2(db, "SELECT RunRoot, GraphRoot, GraphDriver FROM DBConfig", -1, &st,
				       NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW) {
			for (int i = 0; i < DB_NFIELDS; i++) {
				const unsigned char *t = sqlite3_column_text(st, i);

				out[i] = xstrdup(t ? (const char *)t : "");
			}
			rc = 0;
		}
		sqlite3_finalize(st);
		sqlite3_close(db);
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
	int rc = a->sqlite ? sqlite_read(a->path, v) : bolt_read(a->path, v);

	for (int i = 0; i < DB_NFIELDS; i++) {
		guard_out_add(out, v[i] ? v[i] : "", strlen(v[i] ? v[i] : "") + 1);
		free(v[i]);
	}
	return rc;
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

	if (!static_dir)
		return;
	for (int i = 0; i < 2; i++) {
		bool sqlite = i == 1;
		char *path;
		struct stat st;
		struct db_arg a;
		size_t off = 0;

		/* BoltDB is gone in 6.0; SQLite arrived in 4.8. */
		if ((!sqlite && c->v >= PV(6, 0)) || (sqlite && c->v < PV(4, 8)))
			continue;
		path = go_join(static_dir, names[i]);
		if (fsx_stat(&c->fs, path, &st) != 0) {
			free(path);
			continue;
		}
		a.path = path;
		a.sqlite = sqlite;
		if (guard_run(c->fs.as, FSX_CALL_MS, db_child, &a, &status, &out) != GUARD_OK || status != 0) {
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
