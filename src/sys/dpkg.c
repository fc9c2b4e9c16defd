/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dpkg.h"
#include "memfind.h"
#include "strbuf.h"
#include "util.h"
#include "xalloc.h"

/* Read the regular file PATH (at most MAX bytes) into a NUL-terminated buffer. */
static int slurp(const char *path, size_t max, char **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	size_t cap, n = 0;
	char *b;
	int err = 0;

	if (fd < 0)
		return errno;
	if (fstat(fd, &st) != 0)
		err = errno;
	else if (!S_ISREG(st.st_mode))
		err = EINVAL; /* a FIFO would block */
	else if ((uint64_t)st.st_size > max)
		err = EFBIG;
	if (err) {
		close(fd);
		return err;
	}
	/* Room for the file, its terminating NUL and one byte more, so the read
	 * that meets the end of an unchanged file does not grow the buffer
	 * (growing a 900 KB status buffer to read nothing cost a millisecond). */
	cap = (size_t)st.st_size + 2;
	b = xmalloc(cap);
	for (;;) {
		ssize_t got;

		if (n + 1 >= cap) {
			if (cap > max)
				break; /* grew since fstat: read what the limit allows */
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			b = xrealloc(b, cap);
		}
		got = read(fd, b + n, cap - 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err = errno;
			break;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	if (err) {
		free(b);
		return err;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

/* True when the file list in BUF has a line equal to one of PATHS. */
static bool list_names(const char *buf, size_t len, const char *const *paths, size_t n)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

		for (size_t i = 0; i < n; i++)
			if (strlen(paths[i]) == l && memcmp(p, paths[i], l) == 0)
				return true;
		p += l + 1;
	}
	return false;
}

static void set_name(struct dpkg_pkg *pk, const char *file)
{
	size_t l = strlen(file) - 5; /* ".list" */
	size_t colon = strcspn(file, ":");

	if (colon < l)
		l = colon;
	snprintf(pk->name, sizeof(pk->name), "%.*s", (int)l, file);
}

/* Whether info/FILE (a NAME.list) names one of PATHS. */
static bool list_file_names(const char *admindir, const char *file, const char *const *paths, size_t n)
{
	char *path = xasprintf("%s/info/%s", admindir, file), *buf;
	size_t len;
	bool yes = false;

	if (slurp(path, DPKG_MAX_LIST, &buf, &len) == 0) {
		yes = list_names(buf, len, paths, n);
		free(buf);
	}
	free(path);
	return yes;
}

static bool is_list_of(const char *file, const char *hint)
{
	size_t h = strlen(hint), l = strlen(file);

	if (l < 5 || strcmp(file + l - 5, ".list") != 0)
		return false;
	if (!hint[0])
		return true;
	return strncmp(file, hint, h) == 0 && (file[h] == '.' || file[h] == ':');
}

int dpkg_owner(const char *admindir, const char *const *paths, size_t n, const char *hint,
	       struct dpkg_pkg *p)
{
	char *dir;
	DIR *d;
	struct dirent *e;
	int err = ENOENT;

	memset(p, 0, sizeof(*p));
	/* Most often the list is named after the program: no directory walk. */
	if (hint[0] && !strchr(hint, '/')) {
		char *file = xasprintf("%s.list", hint);
		bool yes = list_file_names(admindir, file, paths, n);

		if (yes)
			set_name(p, file);
		free(file);
		if (yes)
			return 0;
	}
	dir = xasprintf("%s/info", admindir);
	d = opendir(dir);
	free(dir);
	if (!d)
		return errno;
	/* Two passes over the directory: the hinted package's lists
	 * ("NAME:ARCH.list"), then all the others. */
	for (int pass = 0; pass < 2 && err == ENOENT; pass++) {
		size_t seen = 0;

		rewinddir(d);
		while (err == ENOENT && (e = readdir(d)) && seen < DPKG_MAX_LISTS) {
			if (!is_list_of(e->d_name, pass == 0 ? hint : ""))
				continue;
			seen++;
			if (pass == 1 && is_list_of(e->d_name, hint))
				continue; /* read in the first pass */
			if (list_file_names(admindir, e->d_name, paths, n)) {
				set_name(p, e->d_name);
				err = 0;
			}
		}
	}
	closedir(d);
	return err;
}

/* Copy the value of field NAME ("Version") if LINE (LEN bytes) is it. */
static bool take(const char *line, size_t len, const char *name, char *dst, size_t size)
{
	size_t n = strlen(name);
	const char *v;
	size_t vl;

	if (len <= n || strncmp(line, name, n) != 0 || line[n] != ':')
		return false;
	v = line + n + 1;
	vl = len - n - 1;
	while (vl && (*v == ' ' || *v == '\t')) {
		v++;
		vl--;
	}
	while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t' || v[vl - 1] == '\r'))
		vl--;
	snprintf(dst, size, "%.*s", (int)(vl < size ? vl : size - 1), v);
	for (char *s = dst; *s; s++)
		if (*s < 0x20 || *s >= 0x7f)
			*s = '?';
	return true;
}

/* Whether a line before AT in BUF names NAME the way the pass below takes
 * a Package field: one of the places NAME occurs at all, each looked at. */
static bool named_before(const char *buf, const char *at, const char *name)
{
	size_t n = strlen(name);
	char got[sizeof(((struct dpkg_pkg *)0)->name)];

	for (const char *o = buf; o < at && (o = mem_find(o, (size_t)(at - o), name, n)); o++) {
		const char *ls = o, *nl;

		while (ls > buf && ls[-1] != '\n')
			ls--;
		nl = memchr(o, '\n', (size_t)(at + 1 - o));
		if (take(ls, nl ? (size_t)(nl - ls) : strlen(ls), "Package", got, sizeof(got)) && strcmp(got, name) == 0)
			return true;
	}
	return false;
}

/*
 * Where to start reading BUF for NAME's stanza. The file holds thousands
 * of stanzas: the line "Package: NAME", as dpkg writes it, is found in one
 * search, and started at when it begins a stanza and no line before it
 * names NAME in another spelling. Else the pass below starts at the top,
 * line by line, and takes the first stanza that names it, however spelled.
 */
static const char *stanza_of(const char *buf, size_t len, const char *name)
{
	char *line = xasprintf("\nPackage: %s\n", name);
	const char *hit = strncmp(buf, line + 1, strlen(line + 1)) == 0 ? buf : mem_find(buf, len, line, strlen(line));

	free(line);
	if (!hit || hit == buf || hit[-1] != '\n' || named_before(buf, hit, name))
		return buf;
	return hit + 1;
}

/* Below malloc's mmap threshold, twice over: no fresh pages per run. */
#define STREAM_CHUNK (32u << 10)

/* Read up to N bytes into P; 0 at the end, -1 on an error. */
static ssize_t read_some(int fd, char *p, size_t n)
{
	ssize_t got;

	do
		got = read(fd, p, n);
	while (got < 0 && errno == EINTR);
	return got;
}

/* Append to SB what FD holds from here on, up to and including the first
 * blank line ("\n\n") or the end, and at most MAX bytes in all. */
static bool rest_of_stanza(int fd, struct strbuf *sb, size_t max)
{
	char chunk[4096];
	ssize_t got;

	while (!(sb->p && mem_find(sb->p, sb->n, "\n\n", 2))) {
		if (sb->n > max || (got = read_some(fd, chunk, sizeof(chunk))) < 0)
			return false;
		if (got == 0)
			break;
		strbuf_add(sb, chunk, (size_t)got);
	}
	return true;
}

/*
 * NAME's stanza, read from FD a chunk at a time into one small buffer: a
 * fresh 900 KB buffer for the whole file cost 1.5 ms of page faults, ten
 * times the search. Each chunk is cut at its last line end (the rest is
 * carried into the next), so every line is whole when looked at. The
 * line "Package: NAME" that dpkg writes is searched for; the lines before
 * it that mention NAME are looked at as stanza_of does. NULL when that
 * leaves a doubt (another spelling names NAME first, a line longer than
 * a chunk, a read error): the caller then reads the whole file as before.
 * "" when no line names NAME.
 */
static char *stanza_streamed(int fd, const char *name, size_t max)
{
	char *line = xasprintf("Package: %s\n", name), *buf = xmalloc(2 * STREAM_CHUNK + 1), *res = NULL;
	size_t ll = strlen(line), keep = 0;
	struct strbuf sb = {0};
	/* Whether what came before buf[0] ends a stanza: the file's start, or
	 * a blank line. buf[0] itself always starts a line. */
	bool after_blank = true;

	for (;;) {
		ssize_t got = read_some(fd, buf + keep, STREAM_CHUNK);
		size_t have, whole;
		const char *hit = NULL, *end;

		if (got < 0)
			break;
		have = keep + (size_t)got;
		buf[have] = '\0';
		end = got == 0 ? buf + have : memrchr(buf, '\n', have);
		if (!end) {
			if (have > STREAM_CHUNK)
				break; /* a line longer than a chunk */
			keep = have;
			continue;
		}
		whole = (size_t)(end - buf) + (got != 0);
		/* The first place dpkg's spelling starts a line, as stanza_of's
		 * search finds it; it must also start a stanza. */
		for (const char *h = buf; !hit && (h = mem_find(h, whole - (size_t)(h - buf), line, ll)); h++)
			if (h == buf || h[-1] == '\n')
				hit = h;
		if (hit && !(hit == buf ? after_blank : hit == buf + 1 || hit[-2] == '\n'))
			break;
		if (named_before(buf, hit ? hit : buf + whole, name))
			break;
		if (hit) {
			strbuf_add(&sb, hit, have - (size_t)(hit - buf));
			if (rest_of_stanza(fd, &sb, max))
				res = strbuf_take(&sb);
			break;
		}
		if (got == 0) {
			res = xstrdup("");
			break;
		}
		after_blank = whole == 1 || buf[whole - 2] == '\n';
		keep = have - whole;
		memmove(buf, buf + whole, keep);
	}
	free(strbuf_take(&sb));
	free(buf);
	free(line);
	return res;
}

/* The text to look for NAME's stanza in: the stanza alone when the
 * streamed search settles it, else the whole file. */
static int status_text(const char *path, const char *name, char **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;

	if (fd < 0)
		return errno;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size <= DPKG_MAX_STATUS &&
	    (*buf = stanza_streamed(fd, name, DPKG_MAX_STATUS))) {
		close(fd);
		*len = strlen(*buf);
		return 0;
	}
	close(fd);
	return slurp(path, DPKG_MAX_STATUS, buf, len);
}

int dpkg_status(const char *admindir, const char *name, struct dpkg_pkg *p)
{
	char *path = xasprintf("%s/status", admindir), *buf;
	const char *s, *end;
	struct dpkg_pkg cur = {0};
	size_t len;
	int err = status_text(path, name, &buf, &len);

	free(path);
	memset(p, 0, sizeof(*p));
	if (err)
		return err;
	err = ENOENT;
	s = stanza_of(buf, len, name);
	/* One pass: a stanza ends at a blank line or the end of the file. */
	for (end = buf + len; s <= end && err == ENOENT;) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t l = nl ? (size_t)(nl - s) : (size_t)(end - s);

		if (l == 0) {
			if (strcmp(cur.name, name) == 0) {
				*p = cur;
				err = 0;
			}
			memset(&cur, 0, sizeof(cur));
		} else if (take(s, l, "Package", cur.name, sizeof(cur.name))) {
			/* Another package's stanza: on to the blank line that ends it
			 * (the file holds thousands; reading each line costs ms). */
			const char *blank = strcmp(cur.name, name) != 0 && nl ?
						    mem_find(nl, (size_t)(end - nl), "\n\n", 2) : NULL;

			if (blank)
				nl = blank;
		} else if (!take(s, l, "Version", cur.version, sizeof(cur.version))) {
			take(s, l, "Status", cur.status, sizeof(cur.status));
		}
		if (!nl)
			break;
		s = nl + 1;
	}
	if (err == ENOENT && strcmp(cur.name, name) == 0) {
		*p = cur;
		err = 0;
	}
	free(buf);
	return err;
}

bool dpkg_version_release(const char *version, unsigned *v)
{
	const char *colon = strchr(version, ':');

	/* An epoch ("1:4.3.1") is not part of the release. */
	return major_minor(colon ? colon + 1 : version, v);
}

bool dpkg_installed(const struct dpkg_pkg *p)
{
	size_t l = strlen(p->status);
	static const char *const ok[] = {" installed", " unpacked", " half-configured", " triggers-awaited",
					 " triggers-pending"};

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		size_t n = strlen(ok[i]);

		if (l >= n && strcmp(p->status + l - n, ok[i]) == 0)
			return true;
	}
	return false;
}
