/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one renderer of findings (finding.h), for every report that has
 * them: diagnose's checks under their group headings, the server command's
 * findings, and the fix block. Text: a status tag, the id in a column, the
 * summary on one line, then detail and remedy, indented. JSON: an object
 * per finding, whole or brief.
 */
#ifndef NFSCHECK_RENDER_H
#define NFSCHECK_RENDER_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

#include "finding.h"

struct render_style {
	int id_width;   /* the id's column */
	bool color;     /* the status tag in colour */
	bool verbose;   /* detail of ok and skip findings too (failures and warnings always have theirs) */
};

/* Every finding, each under its group's heading when it starts a new group. */
void render_text(FILE *out, const struct findings *r, const struct render_style *st);
/* One finding: the tag line, detail and remedy. */
void render_finding_text(FILE *out, const struct finding *c, const struct render_style *st);
/* {id, group, status, summary, detail, remedy, commands, values} */
struct json_object *render_finding_json(const struct finding *c);
/* {id, status, text}: a finding that is only a summary (the server command's). */
struct json_object *render_finding_json_brief(const struct finding *c);
/* Every fix command of the failed findings, ordered (enum fix_order), each
 * once; the strings are the findings'. Caller frees the array. */
const char **render_fix_block(const struct findings *r, size_t *n);

#endif
