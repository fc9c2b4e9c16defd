/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <shadow/subid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynlib.h"
#include "nsswitch.h"
#include "subids.h"
#include "util.h"
#include "xalloc.h"

/* libsubid, loaded when a run first asks it (dynlib.h). */
static struct {
	__typeof__(subid_init) *init;
	__typeof__(subid_get_uid_ranges) *uid_ranges;
	__typeof__(subid_get_gid_ranges) *gid_ranges;
} sub;
static const struct dynsym sub_syms[] = {
	DYNSYM(subid_init, sub.init),
	DYNSYM(subid_get_uid_ranges, sub.uid_ranges),
	DYNSYM(subid_get_gid_ranges, sub.gid_ranges),
};
static struct dynlib sub_lib = DYNLIB(SONAME_SUBID, sub_syms);

/* libsubid writes its complaints to this stream; ours stay in our report. */
static FILE *quiet(void)
{
	static FILE *null;

	if (!null)
		null = fopen("/dev/null", "w");
	return null;
}

unsigned long subid_last(unsigned long start, unsigned long count)
{
	unsigned long end;

	if (!count)
		return start;
	/* A count reaching past the last ID ends at the last ID. */
	return __builtin_add_overflow(start, count - 1, &end) ? ULONG_MAX : end;
}

/* Whether START..START+COUNT-1 and E's range share an ID; empty ranges share none. */
static bool ranges_meet(unsigned long start, unsigned long count, const struct subid_entry *e)
{
	return count && e->count && e->start <= subid_last(start, count) && start <= subid_last(e->start, e->count);
}

static bool ask(struct idranges *r, const char *who, bool uid)
{
	struct subid_range *ranges = NULL;
	int n;

	if (!who || !*who)
		return false;
	n = uid ? sub.uid_ranges(who, &ranges) : sub.gid_ranges(who, &ranges);
	if (n < 0)
		r->failed = true;
	if (n <= 0) {
		free(ranges);
		return false;
	}
	r->v = xcalloc((size_t)n, sizeof(*r->v));
	for (int i = 0; i < n; i++) {
		r->v[i].start = ranges[i].start;
		r->v[i].count = ranges[i].count;
	}
	r->n = (size_t)n;
	r->asked = xstrdup(who);
	free(ranges);
	return true;
}

/* As Podman: the name, then the UID as a string. */
static void lookup(struct idranges *r, const char *name, uid_t uid, bool is_uid)
{
	char num[32];

	snprintf(num, sizeof(num), "%u", (unsigned)uid);
	if (!ask(r, name, is_uid))
		ask(r, num, is_uid);
}

/* The one module libsubid loads: the first word of "subid:". */
static char *nsswitch_backend(void)
{
	char *v = nsswitch_sources("subid", "files");

	v[strcspn(v, " \t")] = '\0';
	return v;
}

/* libsubid reads numbers with strtoul base 0: "0100" is octal there. */
static bool base0_differs(const char *s)
{
	s += strspn(s, " \t");
	return s[0] == '0' && s[1];
}

static bool parse_ulong(const char *s, unsigned long *out)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return !errno && !*end;
}

void subids_read_file(struct subids *s, struct subid_file *f, const char *path)
{
	FILE *fp = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned lineno = 0;

	f->path = xstrdup(path);
	if (!fp) {
		f->err = errno;
		return;
	}
	while ((len = getline(&line, &cap, fp)) > 0) {
		char *fields[4], *p = line;
		int nf = 0;
		unsigned long start, count;

		lineno++;
		/* shadow's commonio drops a line this long */
		if (len >= 1024)
			f->unlike_libsubid = true;
		p[strcspn(p, "\n")] = '\0';
		if (!*p || *p == '#')
			continue;
		/* strsep keeps empty fields: "alice::65536" has three. */
		while (nf < 4 && (fields[nf] = strsep(&p, ":")))
			nf++;
		if (nf != 3) {
			problem_add(&s->problems, PR_ERROR, path, lineno,
				    "Podman's own parser rejects the whole file (\"Format not correct\"); "
				    "libsubid skips the line",
				    "not 'name:start:count' (%d field%s)", nf, nf == 1 ? "" : "s");
			continue;
		}
		if (!parse_ulong(fields[1], &start) || !parse_ulong(fields[2], &count)) {
			f->unlike_libsubid = true;
			problem_add(&s->problems, PR_ERROR, path, lineno, "the line is ignored",
				    "'%s:%s:%s': start and count must be numbers", fields[0], fields[1], fields[2]);
			continue;
		}
		if (base0_differs(fields[1]) || base0_differs(fields[2]))
			f->unlike_libsubid = true;
		if (count == 0)
			problem_add(&s->problems, PR_WARNING, path, lineno, "the range gives no IDs",
				    "'%s': count is 0", fields[0]);
		f->v = xreallocarray(f->v, f->n + 1, sizeof(*f->v));
		f->v[f->n].owner = xstrdup(fields[0]);
		f->v[f->n].start = start;
		f->v[f->n].count = count;
		f->v[f->n++].line = lineno;
	}
	free(line);
	fclose(fp);
}

bool idranges_take(struct idranges *r, const struct subid_file *f, const size_t *idx, size_t n, const char *who)
{
	if (!n)
		return false;
	r->v = xcalloc(n, sizeof(*r->v));
	for (size_t i = 0; i < n; i++) {
		r->v[i].start = f->v[idx[i]].start;
		r->v[i].count = f->v[idx[i]].count;
	}
	r->n = n;
	r->asked = xstrdup(who);
	return true;
}

bool subids_files_answer(const struct subids *s)
{
	bool ok = s->backend && strcmp(s->backend, "files") == 0;

	for (int f = 0; f < 2; f++)
		ok = ok && !s->files[f].err && !s->files[f].unlike_libsubid;
	return ok;
}

/* The lines of file F owned by exactly WHO, in file order (one pass: a
 * single user's look-up needs no index). */
static bool owned_in(struct idranges *r, int f, const char *who, const struct subids *s)
{
	const struct subid_file *file = &s->files[f];
	size_t *idx, n = 0;
	bool got;

	if (!who || !*who)
		return false;
	idx = xcalloc(file->n + 1, sizeof(*idx));
	for (size_t i = 0; i < file->n; i++)
		if (strcmp(file->v[i].owner, who) == 0)
			idx[n++] = i;
	got = idranges_take(r, file, idx, n, who);
	free(idx);
	return got;
}

void subids_answer(struct subids *s, const char *who, uid_t uid, subids_owned_fn owned)
{
	char num[32];

	snprintf(num, sizeof(num), "%u", (unsigned)uid);
	for (int f = 0; f < 2; f++) {
		struct idranges *r = f ? &s->gid : &s->uid;

		if (!owned(r, f, who, s))
			owned(r, f, num, s);
	}
}

void subids_lookup(struct subids *s, const char *user_env, const char *name, uid_t uid)
{
	/* Podman asks for $USER when it is set, else the passwd name. */
	const char *who = user_env && *user_env ? user_env : name;

	memset(s, 0, sizeof(*s));
	if (subids_snapshot_lookup(s, who, uid))
		return;
	/*
	 * The files are read here in any case (the subids check reports what
	 * is wrong in them). When the backend is files and they hold nothing
	 * libsubid reads otherwise, the answer is theirs, as libsubid would
	 * give it: loading libsubid and the eight libraries it brings cost a
	 * millisecond, a twentieth of a diagnose.
	 */
	if (!s->shared_files) {
		s->backend = nsswitch_backend();
		subids_read_file(s, &s->files[0], "/etc/subuid");
		subids_read_file(s, &s->files[1], "/etc/subgid");
		if (subids_files_answer(s)) {
			subids_answer(s, who, uid, owned_in);
			return;
		}
	}
	/* With the snapshot's files, libsubid reads them otherwise: it is asked. */
	if (dynlib_load(&sub_lib)) {
		sub.init("nfscheck", quiet());
		lookup(&s->uid, who, uid, true);
		lookup(&s->gid, who, uid, false);
	} else {
		/* As an error of libsubid's: the answer Podman would get is unknown. */
		s->uid.failed = s->gid.failed = true;
		s->lib_err = sub_lib.err;
	}
}

unsigned long idranges_total(const struct idranges *r)
{
	unsigned long t = 0;

	for (size_t i = 0; i < r->n; i++)
		if (__builtin_add_overflow(t, r->v[i].count, &t))
			return ULONG_MAX;
	return t;
}

const struct subid_entry *subids_overlap(const struct subid_file *f, const struct idrange *ours,
					 const char *name, uid_t uid)
{
	char num[32];

	snprintf(num, sizeof(num), "%u", (unsigned)uid);
	if (!ours->count)
		return NULL;
	if (f->spans)
		return subids_spans_overlap(f, ours->start, subid_last(ours->start, ours->count), name, num);
	for (size_t i = 0; i < f->n; i++) {
		const struct subid_entry *e = &f->v[i];

		if (ranges_meet(ours->start, ours->count, e) && !(name && strcmp(e->owner, name) == 0) &&
		    strcmp(e->owner, num) != 0)
			return e;
	}
	return NULL;
}

void subids_free(struct subids *s)
{
	free(s->uid.v);
	free(s->gid.v);
	free(s->uid.asked);
	free(s->gid.asked);
	free(s->backend);
	for (int f = 0; f < 2 && !s->shared_files; f++) {
		for (size_t i = 0; i < s->files[f].n; i++)
			free(s->files[f].v[i].owner);
		subids_spans_free(&s->files[f]);
		free(s->files[f].v);
		free(s->files[f].path);
	}
	problem_list_free(&s->problems);
	memset(s, 0, sizeof(*s));
}
