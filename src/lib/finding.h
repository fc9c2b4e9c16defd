/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one report model: a finding has a stable id, a status (status.h), a
 * one-line summary, and may have a group heading, detail, a remedy, the
 * exact commands that fix it, and the values it measured. diagnose's checks,
 * the judgement of an NFS server report (the server command's findings)
 * and fleet's per-user results are all made of these; src/report/render.h
 * prints them, as text and as JSON.
 */
#ifndef NFSCHECK_FINDING_H
#define NFSCHECK_FINDING_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "msg.h"
#include "status.h"

/* Fix commands are printed in this order: privileges first, storage last. */
enum fix_order {
	FIX_PACKAGES = 10,
	FIX_SUBIDS = 20,
	FIX_IDMAP = 30,
	FIX_KERNEL = 40,
	FIX_RUNTIME = 50,
	FIX_STORAGE = 60,
	FIX_AFTER = 90,
};

struct fix_cmd {
	enum fix_order order;
	char *text;
};

struct finding {
	const char *id;
	const char *group;         /* the heading it is printed under; NULL: none */
	enum nf_status status;
	char *summary;
	char *detail;
	char *remedy;
	struct fix_cmd *fix;
	size_t nfix;
	struct json_object *values;
};

/* Findings in the order they were made, and notes on the run. */
struct findings {
	struct finding *v;
	size_t n;
	char **notes;
	size_t nnotes;
	bool incomplete;           /* nfscheck itself could not find something out */
};

/* Add a finding; the returned pointer is valid until the next finding_add. */
struct finding *finding_add(struct findings *out, const char *id, const char *group, enum nf_status st,
			    const char *fmt, ...) NF_PRINTF(5, 6);
void finding_detail(struct finding *c, const char *fmt, ...) NF_PRINTF(2, 3);
void finding_remedy(struct finding *c, const char *fmt, ...) NF_PRINTF(2, 3);
/* A command to paste; none when it holds control characters (said in the detail). */
void finding_fix(struct finding *c, enum fix_order order, const char *fmt, ...) NF_PRINTF(3, 4);
void finding_value_str(struct finding *c, const char *key, const char *val);
void finding_value_int(struct finding *c, const char *key, long long val);
void finding_value_bool(struct finding *c, const char *key, bool val);
void finding_value(struct finding *c, const char *key, struct json_object *val);
/* Raise C's status to S if S is worse (skip < ok < warn < fail). */
void finding_worst(struct finding *c, enum nf_status s);
void findings_note(struct findings *out, const char *fmt, ...) NF_PRINTF(2, 3);
/* How many findings have status ST. */
size_t findings_count(const struct findings *r, enum nf_status st);
void findings_free(struct findings *r);

#endif
