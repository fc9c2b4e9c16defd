/* SPDX-License-Identifier: Apache-2.0 */
/*
 * User text written where it becomes syntax: a tmpfiles.d line, a command
 * printed for pasting. Each format has its own quoting; control characters
 * (which would end a line or a field wherever the text goes) and bytes
 * that are not UTF-8 are refused before any quoting.
 */
#ifndef NFSCHECK_QUOTE_H
#define NFSCHECK_QUOTE_H

#include <stddef.h>

/* Why S must not be written into a file or a command ("it holds a control
 * character", "it is not valid UTF-8"), or NULL when it may. */
const char *text_refusal(const char *s);

/* S as the path field of a tmpfiles.d(5) x line: glob characters
 * (\ * ? [) escaped for fnmatch, then in double quotes with backslash and
 * quote escaped C-style, and '%' doubled (a specifier otherwise). S must
 * have passed text_refusal. */
char *tmpfiles_quote(const char *s);

/* The next field of a tmpfiles.d line from *P on, unquoted and unescaped
 * as systemd-tmpfiles reads it ("%%" becomes "%"; other specifiers are
 * kept as they are); NULL at the end of the line. *P moves past it. */
char *tmpfiles_field(const char **p);

/* The next field of a tmpfiles.d line as the path systemd-tmpfiles'
 * system instance reads: unquoted, unescaped, specifiers expanded as for
 * root (%u is "root", %h "/root", %t "/run"; see tmpfiles.d(5)). NULL at
 * the end of the line; when the line is invalid to systemd, or means
 * different paths to different systemd releases, *WHY says why (and the
 * field is ""). *P moves past it. */
char *tmpfiles_path_field(const char **p, const char **why);

/* PATH as systemd's path_simplify leaves it: "//" and "/./" collapsed, no
 * trailing "/". NULL when systemd refuses it: relative, or with "..". */
char *tmpfiles_simplify(const char *path);

/* S as one word of a POSIX shell command line printed for pasting:
 * as it is when it needs no quoting, else in single quotes. Caller frees. */
char *shell_quote(const char *s);

#endif
