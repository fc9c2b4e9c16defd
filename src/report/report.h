/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared pieces of the human and JSON reports: settings with their
 * origins, problems, and JSON output with json-c.
 */
#ifndef NFSCHECK_REPORT_H
#define NFSCHECK_REPORT_H

#include <json-c/json.h>
#include <stdio.h>

#include "model.h"

struct json_object *json_setting(const struct setting *s);
struct json_object *json_options(const struct option_list *l);
struct json_object *json_problems(const struct problem_list *pl);
struct json_object *json_model(const struct model *m);
/* Which Podman is modelled, with the evidence (report-podman.c). */
struct json_object *json_podman(const struct podman_version *pv);
/* Print OBJ on stdout, pretty, and release it. */
void json_print(struct json_object *obj);

void report_model_text(FILE *out, const struct model *m);
void report_problems_text(FILE *out, const struct problem_list *pl, const char *indent);

#endif
