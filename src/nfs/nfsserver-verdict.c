/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rules that judge an NFS server report (nfsserver.h): one finding per
 * question asked, the exit status and the one-line verdict, all derived
 * from the same facts. Here, not in the server command, so the command
 * only parses options and prints, and other reports can use the rules.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "exitcode.h"
#include "nfsserver-verdict.h"
#include "util.h"
#include "xalloc.h"

static void add(struct nfs_findings *f, enum nfs_level l, const char *id, char *text)
{
	if (f->n < ARRAY_SIZE(f->v))
		f->v[f->n++] = (struct nfs_finding){l, id, text};
	else
		free(text);
}

bool nfs_server_resolved(const struct nfs_server_report *r)
{
	const struct nfs_step *s = nfs_server_step(r, "resolve");

	return s && s->done && s->o.err == 0;
}

/* Only NFSv3 answers, so its locks are the only ones clients can have. */
static bool only_v3(const struct nfs_server_report *r)
{
	return r->answers[3] && !r->answers[4];
}

static void service_finding(struct nfs_findings *f, const struct nfs_server_report *r, uint32_t prog,
			    const char *missing)
{
	char *text = nfs_server_service_text(r, prog), ping[32];
	int answers = nfs_server_service_answers(r, prog);
	bool v3 = r->answers[3], lock = prog != RPC_PROG_MOUNT;

	snprintf(ping, sizeof(ping), "ping-%s", rpc_prog_name(prog));
	if (text && answers == 0)
		add(f, !v3 ? NFS_OK : only_v3(r) && lock ? NFS_FAIL : NFS_WARN, rpc_prog_name(prog),
		    xasprintf("%s; registered, but does not answer%s", text, lock && v3 ? ": NFSv3 locks will fail" : ""));
	else if (text)
		add(f, NFS_OK, rpc_prog_name(prog),
		    answers == 1 ? xasprintf("%s; answers", text)
		    : answers < 0 && nfs_server_step(r, ping) ? xasprintf("%s; not asked to the end, the time ran out", text)
			: xstrdup(text));
	else if (v3)
		add(f, only_v3(r) && lock ? NFS_FAIL : NFS_WARN, rpc_prog_name(prog), xasprintf("not registered: %s", missing));
	else
		add(f, NFS_OK, rpc_prog_name(prog), xstrdup("not registered (NFSv4 does not need it)"));
	free(text);
}

void nfs_server_judge(const struct nfs_server_report *r, struct nfs_findings *f)
{
	const struct nfs_step *c = nfs_server_step(r, "connect"), *rb = nfs_server_step(r, "rpcbind-dump"),
			      *rc = nfs_server_step(r, "rpcbind-connect");
	char *problem = nfs_server_problem(r), *vers = nfs_server_versions_text(r);
	int answers = nfs_server_answers(r), rpcbind = nfs_server_rpcbind_answers(r);

	if (!nfs_server_resolved(r)) {
		add(f, NFS_FAIL, "resolve", problem);
		free(vers);
		return;
	}
	if (c && c->done && c->o.err == 0)
		add(f, NFS_OK, "connect", xasprintf("TCP connection to %s port %d in %.1f ms", r->address, r->port, c->o.ms));
	if (problem) {
		add(f, answers == 0 ? NFS_FAIL : NFS_WARN, "nfs",
		    xasprintf("%s: %s", answers == 0 ? "not responding" : "not known", problem));
		free(problem);
	} else if (r->have_range) {
		add(f, NFS_OK, "nfs", xasprintf("answers %s (the server has versions %u to %u)", vers, (unsigned)r->low,
					      (unsigned)r->high));
	} else {
		add(f, NFS_OK, "nfs", xasprintf("answers %s", vers));
	}
	free(vers);
	if (r->rpcbind_port <= 0)
		return;
	if (rpcbind < 0) {
		add(f, NFS_WARN, "rpcbind", xasprintf("on port %d: not asked to the end, the time ran out", r->rpcbind_port));
		return;
	}
	if (rpcbind == 0) {
		const struct nfs_step *why = rc && rc->o.err ? rc : rb;

		add(f, answers == 1 && !r->answers[3] ? NFS_OK : only_v3(r) ? NFS_FAIL : NFS_WARN, "rpcbind",
		    xasprintf("no answer from rpcbind on port %d: %s%s", r->rpcbind_port, why->o.message,
			      r->answers[3] ? "; NFSv3 clients cannot mount or lock"
			      : answers == 1 ? " (NFSv4 does not need it)" : ""));
		return;
	}
	add(f, NFS_OK, "rpcbind", xasprintf("%s on port %d lists %zu registrations",
					  r->rpcbind_proto == 4 ? "rpcbind (protocol 4)" : "portmap (protocol 2)",
					  r->rpcbind_port, r->nregs));
	service_finding(f, r, RPC_PROG_MOUNT, "NFSv3 clients cannot mount");
	service_finding(f, r, RPC_PROG_NLM, "NFSv3 locks will fail");
	service_finding(f, r, RPC_PROG_NSM, "NFSv3 locks will fail");
}

/* What NFSv3 locks would miss, when only NFSv3 answers and rpcbind was to be asked; *KNOWN false when the time ran out first. */
static char *v3_lock_gap(const struct nfs_server_report *r, bool *known)
{
	*known = true;
	if (!r->answers[3] || r->rpcbind_port <= 0)
		return NULL;
	*known = nfs_server_locks_known(r);
	return *known ? nfs_server_lock_gap(r) : NULL;
}

/* Derived from the report by the same rules as the findings and the verdict. */
int nfs_server_exit_status(const struct nfs_server_report *r)
{
	bool known;
	char *gap;
	int st;

	if (r->interrupted || r->failed || !nfs_server_resolved(r))
		return NF_EXIT_INCOMPLETE;
	switch (nfs_server_answers(r)) {
	case 0:
		return NF_EXIT_PROBLEMS;
	case -1:
		return NF_EXIT_INCOMPLETE;
	}
	if (!only_v3(r))
		return NF_EXIT_OK;
	gap = v3_lock_gap(r, &known);
	st = !known ? NF_EXIT_INCOMPLETE : gap ? NF_EXIT_PROBLEMS : NF_EXIT_OK;
	free(gap);
	return st;
}

char *nfs_server_verdict(const struct nfs_server_report *r)
{
	char *problem = nfs_server_problem(r), *vers, *gap, *s;
	const char *a = r->address ? r->address : r->host;
	bool known;

	if (r->interrupted)
		s = xstrdup("interrupted");
	else if (!nfs_server_resolved(r) || r->failed)
		s = xasprintf("nfscheck could not complete: %s", problem);
	else if (problem && nfs_server_answers(r) < 0)
		s = xasprintf("nfscheck could not complete: %s; give it more time with --timeout", problem);
	else if (problem)
		s = xasprintf("%s is not responding: everything under a mount from it will hang", a);
	else {
		vers = nfs_server_versions_text(r);
		gap = v3_lock_gap(r, &known);
		if (gap)
			s = xasprintf("%s answers %s, but NFSv3 locks will fail: %s", a, vers, gap);
		else if (!known)
			s = xasprintf("%s answers %s; the time ran out before rpcbind and the lock services were asked "
				      "to the end%s", a, vers, only_v3(r) ? ", so whether NFSv3 locks work is not known" : "");
		else if (r->answers[3] && r->rpcbind_port > 0)
			s = xasprintf("%s answers %s, with the lock manager and status monitor NFSv3 locking needs", a,
				      vers);
		else
			s = xasprintf("%s answers %s", a, vers);
		free(vers);
		free(gap);
	}
	free(problem);
	return s;
}

void nfs_findings_free(struct nfs_findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i].text);
	f->n = 0;
}
