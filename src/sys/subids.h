/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Subordinate IDs as Podman finds them: libsubid (so an nsswitch "subid:"
 * backend such as sss counts) asked for $USER first, then the passwd name,
 * then the UID as a string. /etc/subuid and /etc/subgid are also read
 * here, line by line, to name broken lines and overlapping ranges -- which
 * libsubid cannot tell.
 */
#ifndef NFSCHECK_SUBIDS_H
#define NFSCHECK_SUBIDS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "problems.h"

/* What Podman's documentation and shadow's SUB_UID_COUNT give a user. */
#define SUBID_RECOMMENDED 65536

struct idrange {
	unsigned long start;
	unsigned long count;
};

struct idranges {
	struct idrange *v;
	size_t n;
	char *asked;     /* the name or UID that matched */
	bool failed;     /* libsubid reported an error, not "no ranges" */
};

/* One line of /etc/subuid or /etc/subgid. */
struct subid_entry {
	char *owner;
	unsigned long start;
	unsigned long count;
	unsigned line;
};

struct subid_file {
	char *path;
	int err;                  /* reading it */
	bool unlike_libsubid;     /* a line libsubid reads otherwise (octal, too long, rejected here) */
	struct subid_entry *v;
	size_t n;
	struct subid_spans *spans; /* an index by start (subids_spans_index), or NULL */
};

struct subids {
	struct idranges uid, gid;
	char *backend;            /* nsswitch "subid:" value, "files" by default */
	const char *lib_err;      /* why libsubid could not be loaded, or NULL */
	struct subid_file files[2];  /* /etc/subuid, /etc/subgid */
	bool shared_files;        /* FILES are the snapshot's: not ours to free */
	struct problem_list problems;
};

/* USER_ENV is $USER as Podman sees it (NULL when unset); NAME the passwd name. */
void subids_lookup(struct subids *s, const char *user_env, const char *name, uid_t uid);
void subids_free(struct subids *s);

/* The entries of F sorted by owner (then line): look-ups by owner in log time. */
struct subid_owners {
	const struct subid_file *f;
	size_t *order;
};
void subid_owners_index(struct subid_owners *o, const struct subid_file *f);
void subid_owners_free(struct subid_owners *o);
/* How many entries WHO owns exactly; they are f->v[order[*FIRST...]]. */
size_t subid_owners_find(const struct subid_owners *o, const char *who, size_t *first);

/* Fill R with the ranges of F's entries at IDX[0..N), in that order, as
 * the answer to WHO; false (R untouched) when N is 0. */
bool idranges_take(struct idranges *r, const struct subid_file *f, const size_t *idx, size_t n, const char *who);
/* Whether the backend and both files allow answering from this reading, as
 * libsubid would answer: "files", both read, nothing it reads otherwise. */
bool subids_files_answer(const struct subids *s);
/* How one reading answers: the ranges of file F (0 subuid, 1 subgid)
 * owned by exactly WHO into R; false when there are none. */
typedef bool (*subids_owned_fn)(struct idranges *r, int f, const char *who, const struct subids *s);
/* The ranges owned by WHO, else by the UID as a string, as Podman asks,
 * in both files, by OWNED. */
void subids_answer(struct subids *s, const char *who, uid_t uid, subids_owned_fn owned);

/* fleet: read both files once, before the workers fork; every subids_lookup
 * after it in this process and its children uses that reading
 * (subids-snapshot.c says when libsubid is still asked). */
void subids_preload(void);
/* The snapshot's two files, or NULL when there is none. */
const struct subid_file *subids_snapshot_files(void);
/* subids_lookup from the snapshot into a zeroed S: false when there is none (S untouched),
 * or when libsubid must be asked (S has the shared files, no ranges yet). */
bool subids_snapshot_lookup(struct subids *s, const char *who, uid_t uid);
/* Read PATH (a subuid or subgid file) into F; faults go to S->problems. */
void subids_read_file(struct subids *s, struct subid_file *f, const char *path);

/* The IDs in all ranges (ULONG_MAX when that would wrap). */
unsigned long idranges_total(const struct idranges *r);
/* Another owner's range in FILE that overlaps OURS; NULL if none. */
const struct subid_entry *subids_overlap(const struct subid_file *f, const struct idrange *ours,
					 const char *name, uid_t uid);
/* The highest subordinate ID: uid_t is 32 bits and (uid_t)-1 means "none". */
#define SUBID_MAX 4294967294UL

/* The last ID of START..START+COUNT-1 (ULONG_MAX when that would wrap). */
unsigned long subid_last(unsigned long start, unsigned long count);

/* Index F's lines by start, for many subids_overlap questions (fleet). */
void subids_spans_index(struct subid_file *f);
void subids_spans_free(struct subid_file *f);
/* subids_overlap through the index: the same line. */
const struct subid_entry *subids_spans_overlap(const struct subid_file *f, unsigned long start, unsigned long last,
					       const char *name, const char *num);

/* The first ID at or above 100000 free in both files for COUNT IDs; 0 when
 * no such range fits below SUBID_MAX. */
unsigned long subids_free_start(const struct subids *s, unsigned long count);

/* A user to give COUNT subordinate IDs (the same for UIDs and GIDs). */
struct subid_need {
	const char *name;
	unsigned long own;      /* the user's UID: never inside its range (ULONG_MAX: none) */
	unsigned long count;    /* 0: needs none */
	unsigned long start;    /* set by subids_plan: the first ID, 0 when none fits */
};
/* Give each of V, in order, COUNT IDs at or above 100000 that meet no range
 * of FILES (subuid and subgid), no ID of TAKEN (the IDs of real users and
 * groups), and no range given to one before it. */
void subids_plan(const struct subid_file files[2], const unsigned long *taken, size_t ntaken,
		 struct subid_need *v, size_t n);

#endif
