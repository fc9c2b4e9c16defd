/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Go-binary reader (gobin.c) on small ELF files made here: module and
 * GOPATH builds, ELF32 and big-endian, markers across a read boundary, and
 * broken files -- truncated, overlapping, huge or wrapping offsets, section
 * counts and varints -- which must be refused, never trusted. Also dpkg's
 * files (dpkg.c) on a made-up admin directory.
 *
 * With an argument DIR it also writes the files it makes there: the seeds
 * of fuzz/fuzz-gobin (fuzz/seeds/gobin).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dpkg.h"
#include "gobin.h"
#include "tap.h"

struct img {
	unsigned char *b;
	size_t len;
	bool is64, big;
};

static void put(struct img *m, size_t off, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		m->b[off + (m->big ? n - 1 - i : i)] = (unsigned char)(v >> (8 * i));
}

static size_t append(struct img *m, const void *p, size_t n)
{
	size_t off = m->len;

	m->b = realloc(m->b, m->len + n);
	memcpy(m->b + off, p, n);
	m->len += n;
	return off;
}

static size_t varint(unsigned char *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (unsigned char)v;
	return n;
}

/* .go.buildinfo for Go 1.18+: header, then the Go version and the module
 * text as varint-prefixed strings, the text inside cmd/go's sentinels. */
static unsigned char *buildinfo(const char *gover, const char *mod, size_t *len)
{
	size_t ml = strlen(mod), gl = strlen(gover), n = 32;
	unsigned char *p = calloc(1, 64 + gl + ml + 32);

	memcpy(p, "\377 Go buildinf:", 14);
	p[14] = 8;
	p[15] = 2;
	n += varint(p + n, gl);
	memcpy(p + n, gover, gl);
	n += gl;
	n += varint(p + n, ml + 32);
	memset(p + n, 'S', 16);
	memcpy(p + n + 16, mod, ml);
	memset(p + n + 16 + ml, 'E', 16);
	n += ml + 32;
	*len = n;
	return p;
}

/* .gopclntab of Go 1.20+: magic, header words, then the function names. */
static unsigned char *pclntab(const struct img *shape, const char *names, size_t nlen, size_t *len)
{
	struct img t = {.is64 = shape->is64, .big = shape->big};
	unsigned ptr = 8, hdr = 8 + 8 * 8;

	t.b = calloc(1, hdr + nlen);
	t.len = hdr + nlen;
	put(&t, 0, 0xfffffff1u, 4);
	t.b[6] = 1;
	t.b[7] = (unsigned char)ptr;
	put(&t, 8 + 3 * ptr, hdr, ptr);        /* funcnameOffset */
	put(&t, 8 + 4 * ptr, hdr + nlen, ptr); /* cuOffset: the end of the names */
	memcpy(t.b + hdr, names, nlen);
	*len = t.len;
	return t.b;
}

struct sec {
	const char *name;
	const unsigned char *data;
	size_t len;
};

/* An ELF file with these sections (after the null one and .shstrtab). */
static struct img elf(bool is64, bool big, const struct sec *s, size_t n)
{
	struct img m = {.is64 = is64, .big = big};
	unsigned char zero[64] = {0};
	char names[512] = "\0.shstrtab";
	size_t nlen = 11, shent = is64 ? 64 : 40, offs[16], shstr, shoff, nameoff[16];

	append(&m, zero, is64 ? 64 : 52);
	memcpy(m.b, "\177ELF", 4);
	m.b[4] = is64 ? 2 : 1;
	m.b[5] = big ? 2 : 1;
	m.b[6] = 1;
	for (size_t i = 0; i < n; i++) {
		nameoff[i] = nlen;
		strcpy(names + nlen, s[i].name);
		nlen += strlen(s[i].name) + 1;
		offs[i] = append(&m, s[i].data, s[i].len);
	}
	shstr = append(&m, names, nlen);
	shoff = m.len;
	for (size_t i = 0; i < n + 2; i++)
		append(&m, zero, shent);
	put(&m, is64 ? 40 : 32, shoff, is64 ? 8 : 4);
	put(&m, is64 ? 58 : 46, shent, 2);
	put(&m, is64 ? 60 : 48, n + 2, 2);
	put(&m, is64 ? 62 : 50, 1, 2);
	for (size_t i = 0; i < n + 2; i++) {
		size_t h = shoff + i * shent, name = i == 1 ? 1 : i ? nameoff[i - 2] : 0;
		size_t off = i == 1 ? shstr : i ? offs[i - 2] : 0, len = i == 1 ? nlen : i ? s[i - 2].len : 0;

		put(&m, h, name, 4);
		put(&m, h + 4, i ? 1 : 0, 4);
		put(&m, h + (is64 ? 24 : 16), off, is64 ? 8 : 4);
		put(&m, h + (is64 ? 32 : 20), len, is64 ? 8 : 4);
	}
	return m;
}

static const char *seed_dir;

static int read_img(const struct img *m, struct gobin_info *gi, const char *seed)
{
	if (seed_dir) {
		char path[4096];
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", seed_dir, seed);
		if ((f = fopen(path, "w"))) {
			fwrite(m->b, 1, m->len, f);
			fclose(f);
		}
	}
	return gobin_read_mem(m->b, m->len, gi);
}

#define MODS "path\tgithub.com/containers/podman/v5/cmd/podman\n" \
	"mod\tgithub.com/containers/podman/v5\tv5.8.2\th1:x=\n" \
	"dep\tgithub.com/containers/common\tv0.66.0\th1:y=\n" \
	"dep\tgo.podman.io/storage\tv1.62.0\th1:z=\n" \
	"=>\tgo.podman.io/storage\tv1.64.1\th1:w=\n" \
	"build\t-tags=seccomp\n"
#define NAMES "runtime.main\0go.podman.io/storage.(*store).Shutdown\0" \
	"go.podman.io/storage/pkg/configfile.Read\0github.com/containers/common/pkg/config.New\0"

static void test_module_build(void)
{
	size_t bl, pl;
	unsigned char *bi = buildinfo("go1.25.3", MODS, &bl);
	struct img shape = {.is64 = true};
	unsigned char *pc = pclntab(&shape, NAMES, sizeof(NAMES), &pl);
	struct sec s[] = {{".text", (const unsigned char *)"\xc3", 1}, {".go.buildinfo", bi, bl}, {".gopclntab", pc, pl}};
	struct img m = elf(true, false, s, 3);
	struct gobin_info gi;
	unsigned v = 0;
	int e = read_img(&m, &gi, "module-build");

	ok(e == 0 && gi.found == (GB_ELF | GB_BUILDINFO | GB_PCLNTAB),
	   "module build: ELF, build information and function table read (%x: %s)", gi.found, gi.why);
	is_str(gi.go_version, "go1.25.3", "Go version");
	is_str(gi.main_path, "github.com/containers/podman/v5/cmd/podman", "main package path");
	is_str(gi.main.version, "v5.8.2", "main module version");
	is_str(gi.storage.path, "go.podman.io/storage", "storage module path");
	is_str(gi.storage.version, "v1.64.1", "a replacement (=>) gives the version compiled in");
	is_str(gi.common.version, "v0.66.0", "common module version");
	ok(gi.markers == (GM_CONFIGFILE | GM_STORAGE_NEW | GM_COMMON_OLD), "markers from the names (%x)", gi.markers);
	ok(gobin_version_parse(gi.storage.version, &v) && v == 164, "v1.64.1 is 1.64 (%u)", v);
	ok(!gobin_version_parse("(devel)", &v) && !gobin_version_parse("v1", &v) && !gobin_version_parse("v100.1", &v),
	   "(devel), v1 and v100.1 are no versions");

	/* Cut short anywhere: never a crash, never more than it holds. */
	{
		bool fine = true;

		for (size_t n = 0; n < m.len; n++) {
			int r = gobin_read_mem(m.b, n, &gi);

			if (r != 0 && r != ENOEXEC)
				fine = false;
			if (n < m.len - 1 && (gi.found & GB_PCLNTAB))
				fine = false; /* the section headers sit at the end */
		}
		ok(fine, "every truncation of it is refused or read in part (%zu lengths)", m.len);
	}
	free(m.b);
	free(bi);
	free(pc);
}

static void test_gopath_elf32_be(void)
{
	size_t bl, pl;
	unsigned char *bi = buildinfo("go1.19.8", "path\tgithub.com/containers/podman/cmd/podman\nbuild\tCGO_ENABLED=1\n", &bl);
	struct img shape = {.is64 = false, .big = true};
	static const char names[] = "main.main\0github.com/containers/storage.(*store).Mount\0";
	unsigned char *pc = pclntab(&shape, names, sizeof(names), &pl);
	struct sec s[] = {{".go.buildinfo", bi, bl}, {".data.rel.ro.gopclntab", pc, pl}};
	struct img m = elf(false, true, s, 2);
	struct gobin_info gi;

	ok(read_img(&m, &gi, "gopath-elf32-be") == 0 && (gi.found & GB_PCLNTAB), "GOPATH build, ELF32 big-endian, PIE section name");
	ok(!gi.main.path[0] && !gi.storage.path[0], "no module lines");
	ok(gi.markers == GM_STORAGE_OLD, "github.com/containers/storage without configfile (%x)", gi.markers);
	free(m.b);
	free(bi);
	free(pc);
}

/* A marker across the scan's megabyte boundary is still found. */
static void test_boundary(void)
{
	size_t len = (1u << 20) + 4096, pl;
	char *names = calloc(1, len);
	const char *mk = "go.podman.io/storage/pkg/configfile.Read";
	struct img shape = {.is64 = true};
	unsigned char *pc;
	struct img m;
	struct gobin_info gi;

	memcpy(names + (1u << 20) - 10, mk, strlen(mk)); /* the names start where the scan does */
	pc = pclntab(&shape, names, len, &pl);
	{
		struct sec s[] = {{".gopclntab", pc, pl}};

		m = elf(true, false, s, 1);
	}
	ok(gobin_read_mem(m.b, m.len, &gi) == 0 && (gi.markers & GM_CONFIGFILE), "a marker split by the read boundary");
	ok(!(gi.found & GB_BUILDINFO) && strstr(gi.why, "buildinfo"), "no .go.buildinfo is said (%s)", gi.why);
	free(m.b);
	free(pc);
	free(names);
}

static void broken(const char *what, const char *seed, struct img *m, size_t at, uint64_t v, unsigned n, int want)
{
	struct gobin_info gi;
	unsigned char *copy = malloc(m->len);
	struct img c = *m;
	int e;

	memcpy(copy, m->b, m->len);
	c.b = copy;
	if (n)
		put(&c, at, v, n);
	e = read_img(&c, &gi, seed);
	ok(e == want, "%s: %s (%s)", what, want ? "refused" : "read", gi.why);
	free(copy);
}

static void test_broken(void)
{
	size_t bl, pl;
	unsigned char *bi = buildinfo("go1.24.4", MODS, &bl);
	struct img shape = {.is64 = true};
	unsigned char *pc = pclntab(&shape, NAMES, sizeof(NAMES), &pl);
	struct sec s[] = {{".go.buildinfo", bi, bl}, {".gopclntab", pc, pl}};
	struct img m = elf(true, false, s, 2);
	size_t shoff = m.len - 4 * 64, bih = shoff + 2 * 64, pch = shoff + 3 * 64;
	struct gobin_info gi;

	broken("not ELF", "not-elf", &m, 0, 0x7e, 1, ENOEXEC);
	broken("section headers past the end", "shoff-huge", &m, 40, UINT64_MAX - 8, 8, ENOEXEC);
	broken("65535 sections", "shnum-huge", &m, 60, 0xffff, 2, ENOEXEC);
	broken("no sections", "shnum-zero", &m, 60, 0, 2, ENOEXEC);
	broken("a section-header size of 1", "shentsize", &m, 58, 1, 2, ENOEXEC);
	broken("section names index out of range", "shstrndx", &m, 62, 9, 2, ENOEXEC);
	broken("section names at a huge offset", "shstrtab-off", &m, shoff + 64 + 24, UINT64_MAX, 8, ENOEXEC);
	broken("a section name offset past the names", "name-off", &m, bih, 0xffffff, 4, 0);
	broken("buildinfo offset wrapping around", "bi-wrap", &m, bih + 24, UINT64_MAX - 1, 8, 0);
	broken("buildinfo size past the end", "bi-size", &m, bih + 32, 1u << 30, 8, 0);
	broken("buildinfo overlapping the ELF header", "bi-overlap", &m, bih + 24, 0, 8, 0);
	broken("pclntab offset wrapping around", "pc-wrap", &m, pch + 24, UINT64_MAX, 8, 0);

	/* A varint that never ends, and a length beyond the section. */
	{
		unsigned char *c = malloc(m.len);
		size_t bo = 64;
		int e; /* the first section's data follows the header */

		memcpy(c, m.b, m.len);
		memset(c + bo + 32, 0xff, 12);
		e = gobin_read_mem(c, m.len, &gi);
		ok(e == 0 && !(gi.found & GB_BUILDINFO) && (gi.found & GB_PCLNTAB),
		   "a varint that does not end: build information refused, the rest read (%s)", gi.why);
		memcpy(c, m.b, m.len);
		c[bo + 32] = 0xff;
		c[bo + 33] = 0x7f; /* 16383 */
		e = gobin_read_mem(c, m.len, &gi);
		ok(e == 0 && !(gi.found & GB_BUILDINFO),
		   "a Go version longer than the section: refused (%s)", gi.why);
		memcpy(c, m.b, m.len);
		c[bo + 15] = 0;
		e = gobin_read_mem(c, m.len, &gi);
		ok(e == 0 && !(gi.found & GB_BUILDINFO) && strstr(gi.why, "1.18"),
		   "the pointer format of Go before 1.18: not read, said so (%s)", gi.why);
		free(c);
	}
	/* The names range of the header points outside the section: the whole section is searched. */
	{
		unsigned char *c = malloc(m.len);
		struct img ci = m;

		memcpy(c, m.b, m.len);
		ci.b = c;
		put(&ci, 64 + bl + 8 + 4 * 8, UINT64_MAX, 8);
		ok(read_img(&ci, &gi, "pc-cu-huge") == 0 && (gi.markers & GM_CONFIGFILE),
		   "a names range past the section: the whole section searched instead");
		free(c);
	}
	/* Strings from the file reach reports: control bytes are replaced. */
	{
		size_t bl2;
		unsigned char *b2 = buildinfo("go1\033[2J", "path\tevil\n\033]0;x\a\n", &bl2);
		struct sec s2[] = {{".go.buildinfo", b2, bl2}};
		struct img m2 = elf(true, false, s2, 1);

		int e = read_img(&m2, &gi, "control-bytes");

		ok(e == 0 && strchr(gi.go_version, '\033') == NULL &&
		   strcmp(gi.main_path, "evil") == 0, "control bytes in the strings are replaced (%s)", gi.go_version);
		free(m2.b);
		free(b2);
	}
	free(m.b);
	free(bi);
	free(pc);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* A status file of FILLER stanzas (about 100 KB: several of dpkg.c's
 * 32 KB chunks), then TAIL. */
static void write_big_status(const char *path, const char *mid, const char *tail)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return;
	for (int i = 0; i < 1500; i++) {
		fprintf(f, "Package: filler%d\nVersion: 1.%d\nDescription: works with podman\n\n", i, i);
		if (i == 700 && mid)
			fputs(mid, f);
	}
	fputs(tail, f);
	fclose(f);
}

/* The status file read a chunk at a time: a stanza across a chunk's end,
 * another spelling that comes first, a line longer than a chunk. */
static void test_dpkg_big(const char *d, char *p)
{
	struct dpkg_pkg pk;
	char *longline = calloc(1, 70000);

	snprintf(p, 4096, "%s/status", d);
	write_big_status(p, NULL, "Package: podman\nStatus: install ok installed\nVersion: 5.4.2\n\nPackage: zz\n");
	ok(dpkg_status(d, "podman", &pk) == 0 && strcmp(pk.version, "5.4.2") == 0,
	   "a 100 KB status: the stanza after thousands of others mentioning it (%s)", pk.version);
	/* The stanza starting K bytes before the first chunk's end (32768):
	 * its Package line, its Version line or the blank line cut there. */
	{
		const char *head = "Package: pad\nDescription: ";
		char *text = malloc(40000);
		bool good = text != NULL;

		for (size_t k = 0; good && k <= 40; k++) {
			size_t dots = 32768 - k - strlen(head) - 2;
			FILE *f = fopen(p, "w");

			if (!f)
				break;
			memset(text, '.', dots);
			text[dots] = '\0';
			fprintf(f, "%s%s\n\nPackage: podman\nVersion: 6.%zu\n\nPackage: zz\nVersion: 0\n", head, text, k);
			fclose(f);
			good = dpkg_status(d, "podman", &pk) == 0 && strtoul(pk.version + 2, NULL, 10) == k;
		}
		ok(good, "a stanza cut anywhere by the end of a chunk is found whole (%s)", pk.version);
		free(text);
	}
	write_big_status(p, "Package:\tpodman\nVersion: 1.0\n\n", "Package: podman\nVersion: 2.0\n\n");
	ok(dpkg_status(d, "podman", &pk) == 0 && strcmp(pk.version, "1.0") == 0,
	   "another spelling in the middle of a big file comes first (%s)", pk.version);
	if (longline) {
		char *mid = malloc(70100);

		memset(longline, 'x', 69990);
		if (mid) {
			snprintf(mid, 70100, "Package: long\nDescription: %s\n\n", longline);
			write_big_status(p, mid, "Package: podman\nVersion: 3.0\n");
			ok(dpkg_status(d, "podman", &pk) == 0 && strcmp(pk.version, "3.0") == 0,
			   "a line longer than a chunk before it (%s)", pk.version);
			free(mid);
		}
		free(longline);
	}
	write_big_status(p, NULL, "Package: podmanx\nVersion: 9\n");
	ok(dpkg_status(d, "podman", &pk) == ENOENT, "a big file without it: ENOENT");
}

static void test_dpkg(void)
{
	char tmpl[] = "/tmp/nfscheck-dpkg.XXXXXX", *d = mkdtemp(tmpl), p[4096];
	const char *paths[] = {"/bin/podman", "/usr/bin/podman"}, *other[] = {"/usr/bin/skopeo"};
	struct dpkg_pkg pk;
	unsigned v = 0;

	if (!d) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(p, sizeof(p), "%s/info", d);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/info/podman.list", d);
	write_file(p, "/.\n/usr\n/usr/bin\n/usr/bin/podmanx\n/usr/bin/podman\n");
	snprintf(p, sizeof(p), "%s/info/skopeo:amd64.list", d);
	write_file(p, "/usr/bin/skopeo");
	snprintf(p, sizeof(p), "%s/status", d);
	write_file(p, "Package: podmanx\nVersion: 9.9\n\nPackage: podman\nStatus: install ok installed\n"
		      "Architecture: amd64\nVersion: 1:5.8.6+ds1-3 \n\nPackage: skopeo\nStatus: deinstall ok config-files\n"
		      "Version: 1.18.0+ds1-1");
	ok(dpkg_owner(d, paths, 2, "podman", &pk) == 0 && strcmp(pk.name, "podman") == 0, "owner of /usr/bin/podman");
	ok(dpkg_owner(d, other, 1, "podman", &pk) == 0 && strcmp(pk.name, "skopeo") == 0,
	   "owner found in a list the hint does not name, :arch dropped (%s)", pk.name);
	ok(dpkg_owner(d, (const char *[]){"/usr/bin/pod"}, 1, "podman", &pk) == ENOENT, "a prefix of a listed path is not it");
	ok(dpkg_status(d, "podman", &pk) == 0 && strcmp(pk.version, "1:5.8.6+ds1-3") == 0 && dpkg_installed(&pk),
	   "status: version (blanks trimmed) and installed (%s)", pk.version);
	ok(dpkg_version_release(pk.version, &v) && v == 508, "epoch dropped: 5.8 (%u)", v);
	ok(dpkg_status(d, "skopeo", &pk) == 0 && !dpkg_installed(&pk) && strcmp(pk.version, "1.18.0+ds1-1") == 0,
	   "the last stanza without a blank line; config-files is not installed");
	ok(dpkg_status(d, "buildah", &pk) == ENOENT, "an unknown package");
	ok(!dpkg_version_release("abc", &v) && !dpkg_version_release("5", &v), "no release in abc or 5");
	/* Found at once where dpkg's own spelling starts the file; line by line
	 * for another (a tab, blanks after the name), skipping other stanzas. */
	snprintf(p, sizeof(p), "%s/status", d);
	write_file(p, "Package: podman\nVersion: 4.3.1\n\nPackage:\tbuildah \nVersion: 1.28\n\n"
		      "Package: crun\nVersion: 1.8\nDescription: x\n Package: buildah\n\nPackage: buildah\nVersion: 9\n");
	ok(dpkg_status(d, "podman", &pk) == 0 && strcmp(pk.version, "4.3.1") == 0, "a stanza at the top of the file");
	ok(dpkg_status(d, "buildah", &pk) == 0 && strcmp(pk.version, "1.28") == 0,
	   "the first stanza that names it, however spelled (%s)", pk.version);
	ok(dpkg_status(d, "crun", &pk) == 0 && strcmp(pk.version, "1.8") == 0, "a stanza in the middle");
	/* dpkg's spelling found in one search: only where it starts a stanza,
	 * whatever else before it mentions the name. */
	write_file(p, "Package: conmon\nDepends: podman\nMaintainer: team+podman@x\n\n"
		      "Package: crun\nPackage: podman\nVersion: 1\n\nPackage: podman\nVersion: 2\n\n");
	ok(dpkg_status(d, "podman", &pk) == 0 && strcmp(pk.version, "2") == 0,
	   "the stanza that starts with it, not a second Package line in another (%s)", pk.version);
	write_file(p, "Package: conmon\nDepends: podman\n\nPackage: podman\nVersion: 3\n");
	ok(dpkg_status(d, "podman", &pk) == 0 && strcmp(pk.version, "3") == 0,
	   "other stanzas naming it in other fields are passed over (%s)", pk.version);
	test_dpkg_big(d, p);
	snprintf(p, sizeof(p), "rm -rf '%s'", d);
	if (system(p) != 0)
		ok(0, "cleanup");
}

int main(int argc, char **argv)
{
	if (argc > 1)
		seed_dir = argv[1];
	test_module_build();
	test_gopath_elf32_be();
	test_boundary();
	test_broken();
	test_dpkg();
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
