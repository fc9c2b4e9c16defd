/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fleet's reports: a summary for the terminal (users per verdict and per
 * cause, then the failing users with their fix), and JSON. The numbers
 * come from one place (fleet_causes) so the three outputs agree.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fleet.h"
#include "outsafe.h"
#include "xalloc.h"

static bool failing(const struct fleet_user *u)
{
	return u->verdict == FV_FAIL || u->verdict == FV_NOT_RESPONDING;
}

static int by_count(const void *a, const void *b)
{
	const struct fleet_cause_count *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return strcmp(x->cause, y->cause);
}

struct fleet_cause_count *fleet_causes(const struct fleet_run *r, size_t *n)
{
	struct fleet_cause_count *v = NULL;
	size_t k = 0;

	for (size_t i = 0; i < r->n; i++) {
		if (!failing(&r->u[i]))
			continue;
		for (size_t c = 0; c < r->u[i].ncauses; c++) {
			size_t j;

			for (j = 0; j < k && strcmp(v[j].cause, r->u[i].causes[c]) != 0; j++)
				;
			if (j == k) {
				v = xreallocarray(v, k + 1, sizeof(*v));
				v[k].cause = r->u[i].causes[c];
				v[k++].n = 0;
			}
			v[j].n++;
		}
	}
	if (k)
		qsort(v, k, sizeof(*v), by_count);
	*n = k;
	return v;
}

static void count_verdicts(const struct fleet_run *r, size_t count[FV__COUNT])
{
	memset(count, 0, sizeof(size_t) * FV__COUNT);
	for (size_t i = 0; i < r->n; i++)
		count[r->u[i].verdict]++;
}

static char *joined(char *const *v, size_t n, const char *sep)
{
	size_t len = 1;
	char *s;

	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + strlen(sep);
	s = xcalloc(1, len);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(s, sep);
		strcat(s, v[i]);
	}
	return s;
}

static void print_user(const struct fleet_user *u, FILE *out)
{
	char *name = out_oneline(u->name), *causes = joined(u->causes, u->ncauses, ","), *sum;

	fprintf(out, "  %-20s %-16s %s\n", name, fleet_verdict_name(u->verdict), causes);
	if (u->summary) {
		sum = out_oneline(u->summary);
		fprintf(out, "      %s\n", sum);
		free(sum);
	}
	for (size_t f = 0; f < u->nfix; f++)
		fprintf(out, "      fix: %s\n", u->fix[f]);
	free(name);
	free(causes);
}

void fleet_print_text(const struct fleet_run *r, FILE *out)
{
	size_t count[FV__COUNT], nc;
	struct fleet_cause_count *causes = fleet_causes(r, &nc);
	bool header = false;

	count_verdicts(r, count);
	fprintf(out, "nfscheck fleet: %zu users in %.1f s (%d jobs)\n\nUsers by verdict\n", r->n, r->duration, r->jobs);
	for (int v = 0; v < FV__COUNT; v++)
		if (count[v] || v <= FV_FAIL)
			fprintf(out, "  %-20s %zu\n", fleet_verdict_name(v), count[v]);
	if (nc)
		fputs("\nFailing users by cause\n", out);
	for (size_t i = 0; i < nc; i++)
		fprintf(out, "  %-20s %zu\n", causes[i].cause, causes[i].n);
	free(causes);
	for (size_t i = 0; i < r->n; i++) {
		const struct fleet_user *u = &r->u[i];

		if (!failing(u) && u->verdict != FV_INCOMPLETE && u->verdict != FV_NOT_CHECKED)
			continue;
		if (!header)
			fprintf(out, "\n  %-20s %-16s %s\n", "USER", "VERDICT", "CAUSES");
		header = true;
		print_user(u, out);
	}
}

struct json_object *fleet_json(const struct fleet_run *r)
{
	struct json_object *root = json_object_new_object(), *counts = json_object_new_object();
	struct json_object *bycause = json_object_new_object(), *users = json_object_new_array();
	size_t count[FV__COUNT], nc;
	struct fleet_cause_count *causes = fleet_causes(r, &nc);
	int st = fleet_exit_status(r);

	count_verdicts(r, count);
	json_object_object_add(root, "exit_status", json_object_new_int(st));
	json_object_object_add(root, "started", json_object_new_int64((int64_t)r->started));
	json_object_object_add(root, "duration", json_object_new_double(r->duration));
	json_object_object_add(root, "jobs", json_object_new_int(r->jobs));
	json_object_object_add(root, "users_total", json_object_new_int64((int64_t)r->n));
	for (int v = 0; v < FV__COUNT; v++)
		json_object_object_add(counts, fleet_verdict_name(v), json_object_new_int64((int64_t)count[v]));
	json_object_object_add(root, "users_by_verdict", counts);
	for (size_t i = 0; i < nc; i++)
		json_object_object_add(bycause, causes[i].cause, json_object_new_int64((int64_t)causes[i].n));
	free(causes);
	json_object_object_add(root, "users_by_cause", bycause);
	for (size_t i = 0; i < r->n; i++)
		json_object_array_add(users, fleet_user_json(&r->u[i]));
	json_object_object_add(root, "users", users);
	return root;
}
