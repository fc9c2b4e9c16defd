/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TOML values as storage.conf writes them: strings of all four kinds,
 * integers, floats, booleans, date-times, arrays and inline tables.
 * inih hands us keys; the value text after '=' is decoded here.
 */
#ifndef NFSCHECK_TOML_VALUE_H
#define NFSCHECK_TOML_VALUE_H

#include <stdbool.h>
#include <stddef.h>

enum tv_type {
	TV_STRING,
	TV_INTEGER,
	TV_FLOAT,
	TV_BOOL,
	TV_DATETIME,
	TV_ARRAY,
	TV_TABLE,
};

/* How a table came to exist, for TOML's rules on redefinition. */
enum tv_origin {
	TVO_VALUE,       /* not a table, or an inline one */
	TVO_IMPLICIT,    /* a parent named by a longer [a.b] header */
	TVO_HEADER,      /* [a] */
	TVO_DOTTED,      /* a.b = ... */
	TVO_ARRAY_TABLE, /* [[a]]: the array and its tables */
};

struct tv {
	enum tv_type type;
	enum tv_origin origin;
	size_t off;        /* byte offset in the text it was parsed from */
	unsigned line;     /* physical line, once the caller has set it */
	union {
		struct {
			char *s;        /* NUL-terminated; len counts an embedded \u0000 */
			size_t len;
		} str;
		long long i;
		double f;
		bool b;
		char *datetime;         /* the literal text, not interpreted */
		struct {
			struct tv **items;
			size_t n;
		} arr;
		struct {
			char **keys;    /* each a single key; dotted keys nest tables */
			struct tv **vals;
			size_t n;
		} tab;
	} u;
};

/*
 * Parse one complete value from TEXT (which may span lines). On error
 * returns NULL, sets *ERR_OFF to the byte offset of the fault and
 * *ERR_MSG to a malloc'd lower-case explanation.
 */
struct tv *tv_parse(const char *text, size_t len, size_t *err_off, char **err_msg);

/* Parse a key (bare, quoted or dotted) starting at TEXT; used for table
 * headers and keys. Returns the number of bytes consumed, or 0 on error
 * with *ERR_MSG set. The components are returned in *PARTS / *NPARTS. */
size_t tv_parse_key(const char *text, size_t len, char ***parts, size_t *nparts, char **err_msg);

void tv_free(struct tv *v);
void tv_free_parts(char **parts, size_t n);

/* TOML's name for the type, as Go's decoder reports it ("string", "bool"...). */
const char *tv_type_name(enum tv_type t);

/* Same type and same value (tables compare key by key, in any order). */
bool tv_equal(const struct tv *a, const struct tv *b);

/* Look up KEY in an inline table; NULL when absent. */
const struct tv *tv_table_get(const struct tv *table, const char *key);

#endif
