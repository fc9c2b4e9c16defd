/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fleet in Prometheus' text exposition format, for node_exporter's textfile
 * collector: gauges per verdict and per cause, one series per failing user
 * and cause (failing users only, so the series stay as few as the
 * problems), the time of the run and its length. User names come from the
 * directory and may hold anything: label values are escaped as the format
 * says (backslash, double quote, newline), after the output filter has made
 * the bytes valid UTF-8, which the format requires.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "atomic-write.h"
#include "fleet.h"
#include "msg.h"
#include "outsafe.h"
#include "strbuf.h"
#include "xalloc.h"

static void add_label_value(struct strbuf *b, const char *v)
{
	char *safe = out_sanitise(v, strlen(v));

	for (const char *p = safe; *p; p++) {
		if (*p == '\\')
			strbuf_adds(b, "\\\\");
		else if (*p == '"')
			strbuf_adds(b, "\\\"");
		else if (*p == '\n')
			strbuf_adds(b, "\\n");
		else
			strbuf_add(b, p, 1);
	}
	free(safe);
}

static void addf(struct strbuf *b, const char *fmt, ...) NF_PRINTF(2, 3);
static void addf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	strbuf_adds(b, s);
	free(s);
}

static void header(struct strbuf *b, const char *name, const char *help)
{
	addf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static bool failing(const struct fleet_user *u)
{
	return u->verdict == FV_FAIL || u->verdict == FV_NOT_RESPONDING;
}

char *fleet_prometheus(const struct fleet_run *r)
{
	struct strbuf b = {0};
	size_t count[FV__COUNT] = {0}, nc;
	struct fleet_cause_count *causes = fleet_causes(r, &nc);

	for (size_t i = 0; i < r->n; i++)
		count[r->u[i].verdict]++;
	header(&b, "nfscheck_users", "Users checked by the last nfscheck fleet run, by verdict.");
	for (int v = 0; v < FV__COUNT; v++)
		addf(&b, "nfscheck_users{verdict=\"%s\"} %zu\n", fleet_verdict_name(v), count[v]);
	header(&b, "nfscheck_users_by_cause", "Failing users by failing check (a user may have several).");
	for (size_t i = 0; i < nc; i++) {
		strbuf_adds(&b, "nfscheck_users_by_cause{cause=\"");
		add_label_value(&b, causes[i].cause);
		addf(&b, "\"} %zu\n", causes[i].n);
	}
	free(causes);
	header(&b, "nfscheck_user_failing", "1 for each failing user and cause of the last run.");
	for (size_t i = 0; i < r->n; i++)
		for (size_t c = 0; failing(&r->u[i]) && c < r->u[i].ncauses; c++) {
			strbuf_adds(&b, "nfscheck_user_failing{user=\"");
			add_label_value(&b, r->u[i].name);
			strbuf_adds(&b, "\",cause=\"");
			add_label_value(&b, r->u[i].causes[c]);
			strbuf_adds(&b, "\"} 1\n");
		}
	header(&b, "nfscheck_last_run_timestamp_seconds", "When the last nfscheck fleet run started.");
	addf(&b, "nfscheck_last_run_timestamp_seconds %.0f\n", r->started);
	header(&b, "nfscheck_run_duration_seconds", "How long the last nfscheck fleet run took.");
	addf(&b, "nfscheck_run_duration_seconds %.3f\n", r->duration);
	return strbuf_take(&b);
}

int fleet_write_prometheus(const struct fleet_run *r, const char *path)
{
	char *text = fleet_prometheus(r);
	struct aw_request rq = {.path = path, .data = text, .len = strlen(text), .new_mode = 0644, .replace = true};
	struct aw_result res = {0};
	int err;

	/* node_exporter must never read half a file: atomic_write renames a
	 * complete temporary file over it. Written as root; the
	 * file is generated, so it is replaced without a backup. */
	err = atomic_write(NULL, &rq, &res);
	if (err)
		nf_error("cannot write %s: %s", path, res.message ? res.message : strerror(err));
	aw_result_free(&res);
	free(text);
	return err;
}
