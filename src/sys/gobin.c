/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gobin.h"
#include "memfind.h"
#include "util.h"
#include "xalloc.h"

/* The parsed ELF header: only what locating sections needs. */
struct elf {
	const struct gobin_src *src;
	bool is64, big;
	uint64_t shoff;
	unsigned shentsize, shnum, shstrndx;
};

struct section {
	uint64_t off, size;
	bool found;
};

static void why(struct gobin_info *gi, const char *fmt, ...) NF_PRINTF(2, 3);
static void why(struct gobin_info *gi, const char *fmt, ...)
{
	va_list ap;

	if (gi->why[0])
		return; /* the first reason is the one that matters */
	va_start(ap, fmt);
	vsnprintf(gi->why, sizeof(gi->why), fmt, ap);
	va_end(ap);
}

static uint64_t get(const struct elf *e, const unsigned char *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[e->big ? n - 1 - i : i] << (8 * i);
	return v;
}

/* True when [OFF, OFF+LEN) lies inside the file, without overflow. */
static bool in_file(const struct gobin_src *s, uint64_t off, uint64_t len)
{
	return off <= s->size && len <= s->size - off;
}

static int read_at(const struct gobin_src *s, void *buf, size_t len, uint64_t off)
{
	if (!in_file(s, off, len))
		return EIO;
	return len ? s->read(s->ctx, buf, len, off) : 0;
}

static int read_header(struct elf *e, struct gobin_info *gi)
{
	unsigned char h[64];
	int err;

	if (e->src->size < 52 || (err = read_at(e->src, h, e->src->size < 64 ? 52 : 64, 0)) != 0) {
		why(gi, "not an ELF file: too short or unreadable");
		return ENOEXEC;
	}
	if (memcmp(h, ELFMAG, SELFMAG) != 0 || (h[EI_CLASS] != ELFCLASS32 && h[EI_CLASS] != ELFCLASS64) ||
	    (h[EI_DATA] != ELFDATA2LSB && h[EI_DATA] != ELFDATA2MSB)) {
		why(gi, "not an ELF file");
		return ENOEXEC;
	}
	e->is64 = h[EI_CLASS] == ELFCLASS64;
	e->big = h[EI_DATA] == ELFDATA2MSB;
	if (e->is64 && e->src->size < 64) {
		why(gi, "ELF header cut short");
		return ENOEXEC;
	}
	e->shoff = e->is64 ? get(e, h + 40, 8) : get(e, h + 32, 4);
	e->shentsize = (unsigned)get(e, h + (e->is64 ? 58 : 46), 2);
	e->shnum = (unsigned)get(e, h + (e->is64 ? 60 : 48), 2);
	e->shstrndx = (unsigned)get(e, h + (e->is64 ? 62 : 50), 2);
	if (e->shnum == 0 || e->shoff == 0) {
		why(gi, "ELF file without section headers");
		return ENOEXEC;
	}
	if (e->shentsize != (e->is64 ? 64u : 40u) || e->shnum > GOBIN_MAX_SECTIONS || e->shstrndx >= e->shnum ||
	    !in_file(e->src, e->shoff, (uint64_t)e->shnum * e->shentsize)) {
		why(gi, "ELF section headers out of bounds");
		return ENOEXEC;
	}
	return 0;
}

/* Offset, size and type of section header I within the table SH. */
static void section_at(const struct elf *e, const unsigned char *sh, unsigned i, uint32_t *name,
		       uint32_t *type, uint64_t *off, uint64_t *size)
{
	const unsigned char *p = sh + (size_t)i * e->shentsize;

	*name = (uint32_t)get(e, p, 4);
	*type = (uint32_t)get(e, p + 4, 4);
	*off = e->is64 ? get(e, p + 24, 8) : get(e, p + 16, 4);
	*size = e->is64 ? get(e, p + 32, 8) : get(e, p + 20, 4);
}

/* Find .go.buildinfo and the function table (".gopclntab", or
 * ".data.rel.ro.gopclntab" in position-independent builds). */
static int find_sections(const struct elf *e, struct section *bi, struct section *pcln, struct gobin_info *gi)
{
	size_t shlen = (size_t)e->shnum * e->shentsize;
	unsigned char *sh = xmalloc(shlen);
	char *names = NULL;
	uint32_t name, type;
	uint64_t noff, nsize;
	int err = read_at(e->src, sh, shlen, e->shoff);

	if (err)
		goto out;
	section_at(e, sh, e->shstrndx, &name, &type, &noff, &nsize);
	if (type == SHT_NOBITS || nsize == 0 || nsize > GOBIN_MAX_SHSTRTAB || !in_file(e->src, noff, nsize)) {
		why(gi, "ELF section names out of bounds");
		err = ENOEXEC;
		goto out;
	}
	names = xmalloc((size_t)nsize + 1);
	if ((err = read_at(e->src, names, (size_t)nsize, noff)) != 0)
		goto out;
	names[nsize] = '\0';
	for (unsigned i = 0; i < e->shnum; i++) {
		uint64_t off, size;
		const char *n;
		struct section *s = NULL;

		section_at(e, sh, i, &name, &type, &off, &size);
		if (name >= nsize || type == SHT_NOBITS)
			continue;
		n = names + name;
		if (strcmp(n, ".go.buildinfo") == 0)
			s = bi;
		else if (strcmp(n, ".gopclntab") == 0 || strcmp(n, ".data.rel.ro.gopclntab") == 0)
			s = pcln;
		if (!s || s->found)
			continue;
		if (!in_file(e->src, off, size)) {
			why(gi, "section %s out of bounds", n);
			continue;
		}
		s->off = off;
		s->size = size;
		s->found = true;
	}
out:
	if (err && err != ENOEXEC)
		why(gi, "reading the ELF section headers: %s", strerror(err));
	free(sh);
	free(names);
	return err;
}

/* Copy N bytes of S into DST (SIZE bytes), cut short to fit, control and
 * non-ASCII bytes replaced: these strings come from the file. */
static void copy_field(char *dst, size_t size, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && i + 1 < size; i++)
		dst[i] = s[i] > 0x20 && s[i] < 0x7f ? s[i] : '?';
	dst[i] = '\0';
}

/* Go's unsigned varint at *P (below END); false when cut short or too long. */
static bool uvarint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	*v = 0;
	for (unsigned shift = 0; *p < end && shift < 64; shift += 7) {
		unsigned char b = *(*p)++;

		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

/* Field I (tab-separated) of LINE (LEN bytes, no NUL): start and length. */
static bool field(const char *line, size_t len, unsigned i, const char **f, size_t *flen)
{
	const char *p = line, *end = line + len, *tab;

	for (; i; i--) {
		tab = memchr(p, '\t', (size_t)(end - p));
		if (!tab)
			return false;
		p = tab + 1;
	}
	tab = memchr(p, '\t', (size_t)(end - p));
	*f = p;
	*flen = (size_t)((tab ? tab : end) - p);
	return true;
}

static bool field_is(const char *f, size_t n, const char *s)
{
	return n == strlen(s) && memcmp(f, s, n) == 0;
}

/* One line of the module information ("path\tP", "mod\tP\tV\tSUM",
 * "dep\tP\tV\tSUM", "=>\tP\tV\tSUM" replacing the line before). */
static void mod_line(struct gobin_info *gi, const char *l, size_t n, struct gobin_mod **last)
{
	const char *k, *p, *v;
	size_t kn, pn, vn;
	struct gobin_mod *m = NULL;

	if (!field(l, n, 0, &k, &kn) || !field(l, n, 1, &p, &pn))
		return;
	if (field_is(k, kn, "path")) {
		copy_field(gi->main_path, sizeof(gi->main_path), p, pn);
		return;
	}
	if (!field(l, n, 2, &v, &vn))
		vn = 0;
	if (field_is(k, kn, "=>")) {
		/* A replacement: its version is what was compiled in. */
		if (*last && vn)
			copy_field((*last)->version, sizeof((*last)->version), v, vn);
		return;
	}
	*last = NULL;
	if (field_is(k, kn, "mod"))
		m = &gi->main;
	else if (field_is(k, kn, "dep") && (field_is(p, pn, "go.podman.io/storage") ||
					    field_is(p, pn, "github.com/containers/storage")))
		m = &gi->storage;
	else if (field_is(k, kn, "dep") && (field_is(p, pn, "go.podman.io/common") ||
					    field_is(p, pn, "github.com/containers/common")))
		m = &gi->common;
	if (!m)
		return;
	copy_field(m->path, sizeof(m->path), p, pn);
	copy_field(m->version, sizeof(m->version), v, vn);
	*last = m;
}

static void parse_modinfo(struct gobin_info *gi, const char *s, size_t n)
{
	struct gobin_mod *last = NULL;

	/* cmd/go wraps the text in two 16-byte sentinels. */
	if (n >= 33 && s[n - 17] == '\n') {
		s += 16;
		n -= 32;
	}
	while (n) {
		const char *nl = memchr(s, '\n', n);
		size_t len = nl ? (size_t)(nl - s) : n;

		mod_line(gi, s, len, &last);
		len += nl ? 1 : 0;
		s += len;
		n -= len;
	}
}

#define BUILDINFO_MAGIC "\377 Go buildinf:"

static void read_buildinfo(const struct elf *e, const struct section *bi, struct gobin_info *gi)
{
	size_t len = bi->size < GOBIN_MAX_BUILDINFO ? (size_t)bi->size : GOBIN_MAX_BUILDINFO;
	unsigned char *buf, *end;
	const unsigned char *p;
	uint64_t vlen, mlen;
	int err;

	if (len < 32) {
		why(gi, ".go.buildinfo too short");
		return;
	}
	buf = xmalloc(len);
	if ((err = read_at(e->src, buf, len, bi->off)) != 0) {
		why(gi, "reading .go.buildinfo: %s", strerror(err));
		goto out;
	}
	if (memcmp(buf, BUILDINFO_MAGIC, 14) != 0) {
		why(gi, ".go.buildinfo without its magic");
		goto out;
	}
	if (!(buf[15] & 2)) {
		/* Before Go 1.18 the section holds pointers into the data segment. */
		why(gi, ".go.buildinfo of Go before 1.18 (pointer format) not read");
		goto out;
	}
	p = buf + 32;
	end = buf + len;
	if (!uvarint(&p, end, &vlen) || vlen > (uint64_t)(end - p)) {
		why(gi, ".go.buildinfo: Go version string out of bounds");
		goto out;
	}
	copy_field(gi->go_version, sizeof(gi->go_version), (const char *)p, (size_t)vlen);
	p += vlen;
	if (!uvarint(&p, end, &mlen) || mlen > (uint64_t)(end - p)) {
		why(gi, ".go.buildinfo: module information out of bounds");
		goto out;
	}
	parse_modinfo(gi, (const char *)p, (size_t)mlen);
	gi->found |= GB_BUILDINFO;
out:
	free(buf);
}

/* Every marker starts with one of two module prefixes. */
static const struct {
	const char *text;
	size_t len;
} prefixes[] = {
	{"go.podman.io/", sizeof("go.podman.io/") - 1},
	{"github.com/containers/", sizeof("github.com/containers/") - 1},
};

#define MARKER(prefix, text, bit) {prefix, text, sizeof(text) - 1, bit}
static const struct {
	unsigned prefix; /* index in prefixes */
	const char *text; /* the whole marker, prefix included */
	size_t len;
	unsigned marker;
} markers[] = {
	MARKER(0, "go.podman.io/storage/pkg/configfile.", GM_CONFIGFILE),
	MARKER(0, "go.podman.io/storage.", GM_STORAGE_NEW),
	MARKER(0, "go.podman.io/storage/", GM_STORAGE_NEW),
	MARKER(1, "github.com/containers/storage.", GM_STORAGE_OLD),
	MARKER(1, "github.com/containers/storage/", GM_STORAGE_OLD),
	MARKER(0, "go.podman.io/common/", GM_COMMON_NEW),
	MARKER(1, "github.com/containers/common/", GM_COMMON_OLD),
};
#define MARKER_MAX 40 /* longer than every marker */
/* Small enough to stay in cache and below malloc's mmap threshold: fresh
 * pages cost more than the extra calls. */
#define CHUNK (64u << 10)

/* The markers that start with prefix P. */
static unsigned of_prefix(size_t p)
{
	unsigned m = 0;

	for (size_t i = 0; i < ARRAY_SIZE(markers); i++)
		if (markers[i].prefix == p)
			m |= markers[i].marker;
	return m;
}

/*
 * The markers in BUF[0, N): each place a prefix occurs is looked at, and
 * the markers of that prefix not found yet are compared there. A table
 * holds a prefix thousands of times; mem_find, unlike memmem, costs
 * nothing to restart, so one pass per prefix is all the reading there is
 * (one memmem per marker over the chunk was most of what identifying a
 * Podman binary cost).
 */
static void match(const char *buf, size_t n, unsigned *found)
{
	const char *end = buf + n;

	for (size_t p = 0; p < ARRAY_SIZE(prefixes); p++) {
		const unsigned want = of_prefix(p);

		for (const char *hit = buf; (*found & want) != want &&
		     (hit = mem_find(hit, (size_t)(end - hit), prefixes[p].text, prefixes[p].len));
		     hit += prefixes[p].len)
			for (size_t i = 0; i < ARRAY_SIZE(markers); i++)
				if (markers[i].prefix == p && !(*found & markers[i].marker) &&
				    markers[i].len <= (size_t)(end - hit) &&
				    /* most hits are other packages: one byte tells */
				    hit[prefixes[p].len] == markers[i].text[prefixes[p].len] &&
				    memcmp(hit, markers[i].text, markers[i].len) == 0)
					*found |= markers[i].marker;
	}
}

/*
 * Search [OFF, OFF+LEN) for the markers, a chunk at a time; each chunk
 * overlaps the one before by MARKER_MAX bytes, so no marker is missed at a
 * boundary (one cut short at a chunk's end is whole in the next). Linear
 * in LEN, and stops once every marker is found.
 */
static int scan(const struct elf *e, uint64_t off, uint64_t len, unsigned *found)
{
	char *buf = xmalloc(CHUNK + MARKER_MAX);
	size_t keep = 0, total;
	int err = 0;

	while (len && *found != GM_ALL) {
		size_t n = len < CHUNK ? (size_t)len : CHUNK;

		if ((err = read_at(e->src, buf + keep, n, off)) != 0)
			break;
		match(buf, keep + n, found);
		off += n;
		len -= n;
		/* Carry the tail forward: a marker may straddle the boundary. */
		total = keep + n;
		keep = total < MARKER_MAX ? total : MARKER_MAX;
		memmove(buf, buf + total - keep, keep);
	}
	free(buf);
	return err;
}

/*
 * The function-name table inside .gopclntab: its header (Go 1.16 and
 * later) gives the table's start and the start of the next one. Go 1.2 to
 * 1.15 scatter the names, and a header that does not add up is not
 * trusted: then the whole section is searched.
 */
static void name_range(const struct elf *e, const struct section *s, uint64_t *off, uint64_t *len)
{
	unsigned char h[8 + 5 * 8];
	unsigned ptr, first;
	uint32_t magic;
	uint64_t from, to;

	*off = s->off;
	*len = s->size;
	if (s->size < sizeof(h) || read_at(e->src, h, sizeof(h), s->off) != 0)
		return;
	magic = (uint32_t)get(e, h, 4);
	ptr = h[7];
	if (ptr != 4 && ptr != 8)
		return;
	if (magic == 0xfffffff0u || magic == 0xfffffff1u)
		first = 3; /* nfunc, nfiles, textStart, funcnameOffset, cuOffset */
	else if (magic == 0xfffffffau)
		first = 2; /* nfunc, nfiles, funcnameOffset, cuOffset */
	else
		return;
	from = get(e, h + 8 + first * ptr, ptr);
	to = get(e, h + 8 + (first + 1) * ptr, ptr);
	if (from < 8 + 2 * (uint64_t)ptr || from > to || to > s->size)
		return;
	*off = s->off + from;
	*len = to - from;
}

int gobin_read(const struct gobin_src *src, struct gobin_info *gi)
{
	struct elf e = {.src = src};
	struct section bi = {0}, pcln = {0};
	uint64_t off, len;
	int err;

	memset(gi, 0, sizeof(*gi));
	if ((err = read_header(&e, gi)) != 0 || (err = find_sections(&e, &bi, &pcln, gi)) != 0)
		return err;
	gi->found |= GB_ELF;
	if (bi.found)
		read_buildinfo(&e, &bi, gi);
	else
		why(gi, "no .go.buildinfo section: not a Go program");
	if (!pcln.found) {
		why(gi, "no .gopclntab section");
		return 0;
	}
	name_range(&e, &pcln, &off, &len);
	if (len > GOBIN_MAX_PCLNTAB) {
		why(gi, "function table larger than %llu MiB", (unsigned long long)(GOBIN_MAX_PCLNTAB >> 20));
		return 0;
	}
	if ((err = scan(&e, off, len, &gi->markers)) != 0) {
		why(gi, "reading .gopclntab: %s", strerror(err));
		gi->markers = 0;
		return 0;
	}
	gi->found |= GB_PCLNTAB;
	return 0;
}

static int fd_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	int fd = *(int *)ctx;
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			return EIO; /* the file shrank under us */
		done += (size_t)n;
	}
	return 0;
}

int gobin_read_fd(int fd, struct gobin_info *gi)
{
	struct stat st;
	struct gobin_src src = {.read = fd_read, .ctx = &fd};

	if (fstat(fd, &st) != 0)
		return errno;
	if (!S_ISREG(st.st_mode)) {
		memset(gi, 0, sizeof(*gi));
		why(gi, "not a regular file");
		return ENOEXEC;
	}
	src.size = (uint64_t)st.st_size;
	return gobin_read(&src, gi);
}

struct mem {
	const unsigned char *data;
};

static int mem_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	memcpy(buf, ((struct mem *)ctx)->data + off, len);
	return 0;
}

int gobin_read_mem(const void *data, size_t len, struct gobin_info *gi)
{
	struct mem m = {data};
	struct gobin_src src = {.read = mem_read, .ctx = &m, .size = len};

	return gobin_read(&src, gi);
}

static void sanitize(char *s, size_t size)
{
	s[size - 1] = '\0';
	for (; *s; s++)
		if (*s <= 0x20 || *s >= 0x7f)
			*s = '?';
}

void gobin_info_sanitize(struct gobin_info *gi)
{
	struct gobin_mod *mods[] = {&gi->main, &gi->storage, &gi->common};

	gi->markers &= GM_ALL;
	sanitize(gi->go_version, sizeof(gi->go_version));
	sanitize(gi->main_path, sizeof(gi->main_path));
	for (size_t i = 0; i < ARRAY_SIZE(mods); i++) {
		sanitize(mods[i]->path, sizeof(mods[i]->path));
		sanitize(mods[i]->version, sizeof(mods[i]->version));
	}
	/* why is prose of ours, with spaces. */
	gi->why[sizeof(gi->why) - 1] = '\0';
	for (char *s = gi->why; *s; s++)
		if (*s < 0x20 || *s >= 0x7f)
			*s = '?';
}

bool gobin_version_parse(const char *s, unsigned *v)
{
	/* Go module versions start with a v ("v1.62.0"). */
	return major_minor(*s == 'v' ? s + 1 : s, v);
}
