/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TOML values as storage.conf writes them: strings of all four kinds,
 * integers, floats, booleans, date-times, arrays and inline tables.
 * toml-lines.c finds keys; the value text after '=' is decoded here.
 */
#ifndef NFSCHECK_TOML_VALUE_H
#define NFSCHECK_TOML_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/*
 * Every node of a tree, with its strings, keys and arrays, lives in one
 * arena, and the arena is freed in one go: a 1 MiB file can hold half a
 * million values, and freeing them one by one cost as much as parsing.
 */
struct tv_arena;

struct tv {
	enum tv_type type;
	enum tv_origin origin;
	size_t off;        /* byte offset in the text it was parsed from */
	unsigned line;     /* physical line, once the caller has set it */
	unsigned depth;    /* tables and arrays from the top down to this one */
	struct tv_arena *arena; /* where it and everything in it live */
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
			size_t n, cap;
		} arr;
		struct {
			char **keys;    /* each a single key; dotted keys nest tables */
			struct tv **vals;
			size_t n, cap;
			uint64_t *index; /* 0 free, else hash << 32 | position + 1 */
			size_t nindex;   /* a power of two, or 0 */
		} tab;
	} u;
};

/*
 * How many tables and arrays may nest, counted from the top of the file:
 * [a.b] is two, a key x.y = [[1]] inside it four more. storage.conf needs
 * four; the bound keeps every recursive walk of a hostile file (parse,
 * free, compare, line numbers) a few frames deep. Beyond it the file is
 * refused with TV_TOO_DEEP.
 */
#define TV_MAX_DEPTH 64
#define TV_TOO_DEEP "too deeply nested (more than 64 levels of tables and arrays)"

/*
 * Parse one complete value from TEXT (which may span lines). On error
 * returns NULL, sets *ERR_OFF to the byte offset of the fault and
 * *ERR_MSG to a malloc'd lower-case explanation. The value has an arena
 * of its own: tv_free on it frees the whole tree.
 */
struct tv *tv_parse(const char *text, size_t len, size_t *err_off, char **err_msg);
/* The same for a value that sits DEPTH levels down already. */
struct tv *tv_parse_at(const char *text, size_t len, unsigned depth, size_t *err_off, char **err_msg);

/* An empty arena, for a tree built from many parsed values. */
struct tv_arena *tv_arena_new(void);
/*
 * Make ROOT (a node in A) the tree's owner: tv_free(ROOT) then frees A and
 * everything in it. tv_free on any other node in A does nothing; the
 * memory goes back when the owner is freed.
 */
void tv_arena_set_owner(struct tv_arena *a, struct tv *root);
/* tv_parse_at with the value's nodes made in A. */
struct tv *tv_parse_in(struct tv_arena *a, const char *text, size_t len, unsigned depth,
		       size_t *err_off, char **err_msg);
/* An empty table or array in A, to build a tree with. */
struct tv *tv_new(struct tv_arena *a, enum tv_type type);

/* Parse a key (bare, quoted or dotted) starting at TEXT; used for table
 * headers and keys. Returns the number of bytes consumed, or 0 on error
 * with *ERR_MSG set. The components are returned in *PARTS / *NPARTS,
 * all in one block that tv_free_parts frees. */
size_t tv_parse_key(const char *text, size_t len, char ***parts, size_t *nparts, char **err_msg);

/* Frees V's arena when V owns it (see tv_arena_set_owner); else nothing. */
void tv_free(struct tv *v);
void tv_free_parts(char **parts, size_t n);

/* TOML's name for the type, as Go's decoder reports it ("string", "bool"...). */
const char *tv_type_name(enum tv_type t);

/* Same type and same value (tables compare key by key, in any order). */
bool tv_equal(const struct tv *a, const struct tv *b);

/* Look up KEY in a table; NULL when absent. Constant time on average. */
const struct tv *tv_table_get(const struct tv *table, const char *key);
/* The same, writable, for code that builds tables. */
struct tv *tv_table_find(struct tv *table, const char *key);
/* Add KEY (not yet in TABLE) holding V, from TABLE's arena; returns where
 * V is kept. */
struct tv **tv_table_add(struct tv *table, const char *key, struct tv *v);
/* Add KEY holding V unless TABLE has KEY already: returns what it holds
 * then, or NULL once V is added. One lookup, where find and add are two. */
struct tv *tv_table_add_new(struct tv *table, const char *key, struct tv *v);
/* Append V to an array. */
void tv_array_push(struct tv *array, struct tv *v);

#endif
