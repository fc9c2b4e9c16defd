/* SPDX-License-Identifier: Apache-2.0 */
/* fleet's Prometheus text: user names are the directory's, so anything;
 * label values must come out escaped as the exposition format says
 * (backslash, double quote, newline) and as valid UTF-8, and only failing
 * users get a series. The same text is also fed to promtool in
 * tests/fleet-monitoring.sh. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fleet.h"
#include "tap.h"
#include "xalloc.h"

static void user(struct fleet_run *r, const char *name, enum fleet_verdict v, const char *cause)
{
	struct fleet_user *u;

	r->u = xreallocarray(r->u, r->n + 1, sizeof(*r->u));
	u = &r->u[r->n++];
	memset(u, 0, sizeof(*u));
	u->name = xstrdup(name);
	u->uid = 1000 + (long long)r->n;
	u->verdict = v;
	if (cause) {
		u->causes = xcalloc(1, sizeof(char *));
		u->causes[u->ncauses++] = xstrdup(cause);
	}
}

static void has(const char *text, const char *line, const char *what)
{
	ok(strstr(text, line) != NULL, "%s", what);
}

int main(void)
{
	struct fleet_run r = {.started = 1796600000, .duration = 1.5, .jobs = 2};
	char *t;

	user(&r, "plain", FV_FAIL, "subids");
	user(&r, "q\"b\\n", FV_FAIL, "probe");
	user(&r, "new\nline", FV_NOT_RESPONDING, "server-not-responding");
	user(&r, "bad\xff\xfe", FV_FAIL, "config");
	user(&r, "healthy", FV_OK, NULL);
	t = fleet_prometheus(&r);
	has(t, "nfscheck_user_failing{user=\"plain\",cause=\"subids\"} 1\n", "a plain name");
	has(t, "nfscheck_user_failing{user=\"q\\\"b\\\\n\",cause=\"probe\"} 1\n", "double quote and backslash escaped");
	has(t, "nfscheck_user_failing{user=\"new\\nline\",cause=\"server-not-responding\"} 1\n", "a newline escaped as \\n");
	has(t, "nfscheck_user_failing{user=\"bad\\\\xff\\\\xfe\",cause=\"config\"} 1\n",
	    "bytes that are not UTF-8 written as \\xNN, the backslash escaped");
	ok(strstr(t, "user=\"healthy\"") == NULL, "a healthy user has no series");
	has(t, "nfscheck_users{verdict=\"fail\"} 3\n", "users per verdict: fail");
	has(t, "nfscheck_users{verdict=\"not-responding\"} 1\n", "users per verdict: not-responding");
	has(t, "nfscheck_users{verdict=\"not-checked\"} 0\n", "every verdict has a sample, zero included");
	has(t, "nfscheck_users_by_cause{cause=\"subids\"} 1\n", "users per cause");
	has(t, "# TYPE nfscheck_run_duration_seconds gauge\nnfscheck_run_duration_seconds 1.500\n", "the duration");
	has(t, "nfscheck_last_run_timestamp_seconds 1796600000\n", "the start time");
	ok(strchr(t, '\xff') == NULL, "no byte that is not UTF-8 in the text");
	is_int(fleet_exit_status(&r), 1, "exit status 1: some users fail");
	free(t);
	fleet_run_free(&r);
	return done_testing();
}
