/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Splits a storage.conf into logical lines: a [table] header, or a key with
 * its complete value text (an array or multi-line string may span several
 * physical lines), with comments outside strings removed. Each logical line
 * remembers the physical line it starts on, so every message can name
 * FILE:LINE.
 */
#ifndef NFSCHECK_TOML_LINES_H
#define NFSCHECK_TOML_LINES_H

#include <stdbool.h>
#include <stddef.h>

enum tl_kind {
	TL_KEYVAL,
	TL_TABLE,       /* [a.b] */
	TL_ARRAY_TABLE, /* [[a.b]] */
	TL_BAD,
};

struct tl_line {
	enum tl_kind kind;
	unsigned lineno;       /* physical line the logical line starts on */
	char **key;            /* key or header components, unquoted */
	size_t nkey;
	char *value;           /* TL_KEYVAL: value text, may contain '\n' */
	size_t value_len;
	size_t *nl;            /* offsets of the '\n's in value, ascending */
	size_t nnl;
	const char *error;     /* TL_BAD: what is wrong */
	char *error_owned;     /* ERROR when it was malloc'd, freed with the line */
	unsigned error_line;   /* TL_BAD: physical line of the fault */

	/* Where it is in the buffer, for editors that must change only it. */
	size_t start_off;      /* first byte of the first physical line */
	size_t end_off;        /* just past the last physical line's newline */
	size_t value_off;      /* TL_KEYVAL: first byte of the value */
	size_t value_end;      /* TL_KEYVAL: just past the value's last byte */
	bool eol;              /* the last physical line ends with a newline */
};

struct tl_reader;

struct tl_reader *tl_new(const char *buf, size_t len);
/* Fills *LINE with the next logical line; false at the end of input. */
bool tl_next(struct tl_reader *r, struct tl_line *line);
void tl_line_clear(struct tl_line *line);
void tl_free(struct tl_reader *r);

/* The physical line of byte OFF inside a logical line's value text;
 * logarithmic in the number of lines, so a value's items can all ask. */
unsigned tl_value_line(const struct tl_line *line, size_t off);

#endif
