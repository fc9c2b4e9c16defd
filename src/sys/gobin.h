/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a Go program says about itself, read from its ELF file without
 * running it: the build information Go writes into .go.buildinfo (Go
 * version, main package, module versions) and the package paths in the
 * function-name table (.gopclntab), which no strip removes. Only the ELF
 * header, the section headers, their names and those two sections are
 * read; every size and offset in the file is checked against the file's
 * size and against fixed limits, so a crafted file costs bounded time and
 * memory and is never trusted.
 */
#ifndef NFSCHECK_GOBIN_H
#define NFSCHECK_GOBIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Packages whose presence in the function table decides a question. */
enum gobin_marker {
	GM_CONFIGFILE = 1 << 0,   /* go.podman.io/storage/pkg/configfile: the new storage.conf parser */
	GM_STORAGE_NEW = 1 << 1,  /* go.podman.io/storage (the module's 2025 path) */
	GM_STORAGE_OLD = 1 << 2,  /* github.com/containers/storage */
	GM_COMMON_NEW = 1 << 3,   /* go.podman.io/common */
	GM_COMMON_OLD = 1 << 4,   /* github.com/containers/common */
};
#define GM_ALL 0x1f

/* What was found; also what a guarded child hands back, byte for byte. */
enum gobin_found {
	GB_ELF = 1 << 0,        /* an ELF file with section headers */
	GB_BUILDINFO = 1 << 1,  /* .go.buildinfo in the inline-string format (Go 1.18+) */
	GB_PCLNTAB = 1 << 2,    /* the function-name table was searched */
};

struct gobin_mod {
	char path[128];
	char version[64];
};

struct gobin_info {
	unsigned found;           /* GB_* */
	unsigned markers;         /* GM_*, valid with GB_PCLNTAB */
	char go_version[32];      /* "go1.24.4" */
	char main_path[160];      /* "github.com/containers/podman/v5/cmd/podman" */
	struct gobin_mod main;    /* the main module; empty in GOPATH builds */
	struct gobin_mod storage; /* containers/storage, under either path */
	struct gobin_mod common;  /* containers/common, under either path */
	char why[160];            /* what stopped the reading, when something did */
};

/* How the reader gets bytes: LEN bytes at OFF into BUF, 0 or an errno
 * (a short read is EIO). SIZE is the file's size. */
struct gobin_src {
	int (*read)(void *ctx, void *buf, size_t len, uint64_t off);
	void *ctx;
	uint64_t size;
};

/* Limits: nothing larger is read. */
#define GOBIN_MAX_SECTIONS 4096
#define GOBIN_MAX_SHSTRTAB (1u << 20)
#define GOBIN_MAX_BUILDINFO (1u << 20)
#define GOBIN_MAX_PCLNTAB (256ull << 20)

/*
 * Read what can be read. 0 when the file is an ELF file (GB_ELF), even if
 * neither Go section is there (GB_* say what was); ENOEXEC when it is not
 * an ELF file or its headers are broken, else the read's errno. *GI->why
 * says what stopped it.
 */
int gobin_read(const struct gobin_src *src, struct gobin_info *gi);
/* The same on an open regular file, with pread. */
int gobin_read_fd(int fd, struct gobin_info *gi);
/* Over bytes in memory (tests, fuzzing). */
int gobin_read_mem(const void *data, size_t len, struct gobin_info *gi);

/* Make every string of GI safe (NUL-terminated, printable ASCII): for what
 * arrived from a child. */
void gobin_info_sanitize(struct gobin_info *gi);

/* "v1.64.0" or "1.64" -> 164 (major * 100 + minor); false if not a version. */
bool gobin_version_parse(const char *s, unsigned *v);

#endif
