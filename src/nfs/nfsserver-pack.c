/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A server report as the lines its child sends (nfsserver.c reads them with
 * nfs_server_parse_line), plus one line for how the probe ended: the form
 * in which fleet's workers hand one server's report to each other, so
 * that a server is asked once per run, not once per user or per worker.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfsserver.h"
#include "msg.h"
#include "strbuf.h"
#include "xalloc.h"

static void NF_PRINTF(2, 3) addf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	char *t;

	va_start(ap, fmt);
	t = xvasprintf(fmt, ap);
	va_end(ap);
	strbuf_adds(b, t);
	free(t);
}

char *nfs_server_report_pack(const struct nfs_server_report *r)
{
	struct strbuf b = {0};

	if (r->address)
		addf(&b, "addr %s\n", r->address);
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct nfs_step *s = &r->steps[i];

		addf(&b, "begin %s\n", s->id);
		if (s->skipped)
			addf(&b, "skipped %s\n", s->id);
		if (s->short_deadline)
			addf(&b, "short %s\n", s->id);
		if (s->done)
			/* A message is one line: the child's own, never with a newline. */
			addf(&b, "end %s %d %d %.3f %s %.*s\n", s->id, s->o.err, s->o.stat, s->o.ms,
				    s->o.code[0] ? s->o.code : "-", (int)strcspn(s->o.message, "\n"), s->o.message);
	}
	if (r->have_range)
		addf(&b, "range %u %u\n", r->low, r->high);
	for (unsigned v = 0; v < 5; v++)
		if (r->answers[v])
			addf(&b, "answers %u\n", v);
	if (r->rpcbind_proto)
		addf(&b, "rpcbind %d\n", r->rpcbind_proto);
	for (size_t i = 0; i < r->nregs; i++)
		addf(&b, "reg %u %u %s %d\n", r->regs[i].prog, r->regs[i].vers, r->regs[i].netid,
			    r->regs[i].port);
	addf(&b, "ended %d %d %d\n", r->failed, r->timed_out, r->interrupted);
	return strbuf_take(&b);
}

void nfs_server_report_unpack(const struct nfs_server_request *rq, const char *text, struct nfs_server_report *r)
{
	char *copy = xstrdup(text), *save = NULL;

	nfs_server_report_init(r, rq);
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int f, t, i;

		if (sscanf(line, "ended %d %d %d", &f, &t, &i) == 3) {
			r->failed = f;
			r->timed_out = t;
			r->interrupted = i;
		} else {
			nfs_server_parse_line(r, line);
		}
	}
	free(copy);
	nfs_server_settle(r);
}
