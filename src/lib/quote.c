/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "outsafe.h"
#include "quote.h"
#include "strbuf.h"
#include "xalloc.h"

const char *text_refusal(const char *s)
{
	size_t n = strlen(s);
	char *shown;
	bool same;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7F)
			return "it holds a control character";
	/* The output filter changes exactly the bytes that are not plain UTF-8
	 * text (C1 controls, invalid sequences): one definition of both. */
	shown = out_sanitise(s, n);
	same = strcmp(shown, s) == 0;
	free(shown);
	return same ? NULL : "it is not valid UTF-8 text";
}

char *tmpfiles_quote(const char *s)
{
	struct strbuf b = {0};

	strbuf_adds(&b, "\"");
	for (; *s; s++) {
		/* A glob escape first (x lines take shell globs), then the C escape. */
		if (*s == '\\' || *s == '*' || *s == '?' || *s == '[')
			strbuf_add(&b, "\\\\", 2);
		if (*s == '\\' || *s == '"')
			strbuf_add(&b, "\\", 1);
		if (*s == '%')
			strbuf_add(&b, "%", 1);
		strbuf_add(&b, s, 1);
	}
	strbuf_adds(&b, "\"");
	return strbuf_take(&b);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One C escape after a backslash at *P (moved past it), as systemd's cunescape. */
static void unescape_one(struct strbuf *b, const char **p)
{
	static const char from[] = "abfnrtv\\\"'", to[] = "\a\b\f\n\r\t\v\\\"'";
	const char *k = **p ? strchr(from, **p) : NULL;

	if (k) {
		strbuf_add(b, &to[k - from], 1);
		(*p)++;
	} else if (**p == 'x' && hexval((*p)[1]) >= 0 && hexval((*p)[2]) >= 0) {
		char c = (char)(hexval((*p)[1]) * 16 + hexval((*p)[2]));

		strbuf_add(b, &c, 1);
		*p += 3;
	} else if (**p) {
		strbuf_add(b, *p, 1);
		(*p)++;
	}
}

/*
 * One field of a tmpfiles.d line from *P on, unquoted and unescaped;
 * specifiers are left for the caller. *ODD is set when a backslash escapes
 * anything but a backslash or a quote: systemd 252 (Debian 12) then takes
 * the next character as it is ("\x63" is "x63"), while its manual and
 * later releases read C escapes ("c"), so the field means different paths
 * to different versions.
 */
static char *raw_field(const char **p, bool *odd)
{
	struct strbuf b = {0};
	char quote = 0;
	const char *s = *p + strspn(*p, " \t");

	if (!*s || *s == '\n')
		return NULL;
	for (; *s && *s != '\n' && (quote || (*s != ' ' && *s != '\t')); s++) {
		if (!quote && (*s == '"' || *s == '\'')) {
			quote = *s;
		} else if (quote && *s == quote) {
			quote = 0;
		} else if (*s == '\\' && s[1]) {
			if (!strchr("\\\"'", s[1]))
				*odd = true;
			s++;
			unescape_one(&b, &s);
			s--;
		} else {
			strbuf_add(&b, s, 1);
		}
	}
	*p = s;
	return strbuf_take(&b);
}

char *tmpfiles_field(const char **p)
{
	bool odd = false;
	char *raw = raw_field(p, &odd), *out;

	if (!raw)
		return NULL;
	/* "%%" undone, other specifiers kept as they are. */
	out = raw;
	for (char *r = raw; *r; r++, out++) {
		*out = *r;
		if (r[0] == '%' && r[1] == '%')
			r++;
	}
	*out = '\0';
	return raw;
}

/* The value of KEY in os-release(5), "" when unset (as systemd's %o, %w ... are). */
static char *os_release(const char *key)
{
	const char *files[] = {"/etc/os-release", "/usr/lib/os-release"};
	size_t n = strlen(key);
	char line[512];
	FILE *f = NULL;

	for (size_t i = 0; i < 2 && !f; i++)
		f = fopen(files[i], "re");
	while (f && fgets(line, sizeof(line), f)) {
		char *v = line + n + 1;

		if (strncmp(line, key, n) != 0 || line[n] != '=')
			continue;
		v[strcspn(v, "\n")] = '\0';
		if ((*v == '"' || *v == '\'') && strlen(v) >= 2 && v[strlen(v) - 1] == *v) {
			v[strlen(v) - 1] = '\0';
			v++;
		}
		fclose(f);
		return xstrdup(v);
	}
	if (f)
		fclose(f);
	return xstrdup("");
}

/* The first line of FILE with DROP's characters removed, or NULL. */
static char *first_line(const char *file, char drop)
{
	char line[128], *out = NULL;
	FILE *f = fopen(file, "re");

	if (f && fgets(line, sizeof(line), f)) {
		char *w = line;

		line[strcspn(line, "\n")] = '\0';
		for (char *r = line; *r; r++)
			if (*r != drop)
				*w++ = *r;
		*w = '\0';
		out = *line ? xstrdup(line) : NULL;
	}
	if (f)
		fclose(f);
	return out;
}

/* systemd's name for this machine's architecture (%a), or NULL. */
static char *architecture(const char *machine)
{
	static const char *const names[][2] = {
		{"x86_64", "x86-64"}, {"aarch64", "arm64"}, {"i686", "x86"}, {"i586", "x86"}, {"i386", "x86"},
		{"ppc64le", "ppc64-le"}, {"s390x", "s390x"}, {"riscv64", "riscv64"},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(machine, names[i][0]) == 0)
			return xstrdup(names[i][1]);
	return NULL;
}

/* What specifier C stands for in systemd-tmpfiles' system instance (the one
 * that ages /tmp and /var/tmp runs as root, so %u is "root" whoever the
 * graphroot belongs to), or NULL when tmpfiles.d(5) knows no such
 * specifier or it cannot be resolved here. */
static char *specifier_value(char c)
{
	static const char *const fixed[][2] = {
		{"%", "%"}, {"C", "/var/cache"}, {"g", "root"}, {"G", "0"}, {"h", "/root"}, {"L", "/var/log"},
		{"S", "/var/lib"}, {"t", "/run"}, {"T", "/tmp"}, {"u", "root"}, {"U", "0"}, {"V", "/var/tmp"},
	};
	static const char *const osrel[][2] = {
		{"o", "ID"}, {"w", "VERSION_ID"}, {"W", "VARIANT_ID"}, {"B", "BUILD_ID"}, {"A", "IMAGE_VERSION"},
		{"M", "IMAGE_ID"},
	};
	struct utsname u;
	char host[256];

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (c == fixed[i][0][0])
			return xstrdup(fixed[i][1]);
	for (size_t i = 0; i < sizeof(osrel) / sizeof(osrel[0]); i++)
		if (c == osrel[i][0][0])
			return os_release(osrel[i][1]);
	if (c == 'm')
		return first_line("/etc/machine-id", 0);
	if (c == 'b')
		return first_line("/proc/sys/kernel/random/boot_id", '-');
	if ((c == 'H' || c == 'l') && gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		if (c == 'l')
			host[strcspn(host, ".")] = '\0';
		return xstrdup(host);
	}
	if ((c == 'v' || c == 'a') && uname(&u) == 0)
		return c == 'v' ? xstrdup(u.release) : architecture(u.machine);
	return NULL;
}

char *tmpfiles_path_field(const char **p, const char **why)
{
	bool odd = false;
	char *raw = raw_field(p, &odd);
	struct strbuf b = {0};

	*why = NULL;
	if (!raw)
		return NULL;
	if (odd)
		*why = "a backslash escape that systemd releases read differently";
	for (const char *r = raw; *r && !*why; r++) {
		char *v;

		if (*r != '%') {
			strbuf_add(&b, r, 1);
			continue;
		}
		v = r[1] ? specifier_value(r[1]) : NULL;
		if (!v) {
			*why = "a specifier that is unknown or cannot be resolved here";
			break;
		}
		strbuf_adds(&b, v);
		free(v);
		r++;
	}
	free(raw);
	if (*why) {
		free(strbuf_take(&b));
		return xstrdup("");
	}
	return strbuf_take(&b);
}

char *tmpfiles_simplify(const char *path)
{
	struct strbuf b = {0};
	const char *s = path;

	if (*s != '/')
		return NULL;
	while (*s) {
		size_t n;

		s += strspn(s, "/");
		n = strcspn(s, "/");
		if (n == 2 && strncmp(s, "..", 2) == 0) {
			free(strbuf_take(&b));
			return NULL;
		}
		if (n && !(n == 1 && *s == '.')) {
			strbuf_adds(&b, "/");
			strbuf_add(&b, s, n);
		}
		s += n;
	}
	if (!b.n)
		strbuf_adds(&b, "/");
	return strbuf_take(&b);
}

char *shell_quote(const char *s)
{
	size_t n = 3;
	char *out, *p;

	if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=@%+,") == strlen(s))
		return xstrdup(s);
	for (const char *q = s; *q; q++)
		n += *q == '\'' ? 4 : 1;
	out = p = xmalloc(n);
	*p++ = '\'';
	for (; *s; s++) {
		if (*s == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else {
			*p++ = *s;
		}
	}
	*p++ = '\'';
	*p = '\0';
	return out;
}
