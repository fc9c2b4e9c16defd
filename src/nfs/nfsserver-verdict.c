/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rules that judge an NFS server report (nfsserver.h): what it settles
 * for what clients need, and one finding per question asked. The server
 * command's exit status and verdict, and diagnose's nfs.server check, are
 * all derived from this one judgement, so the two cannot drift apart.
 */
#include "config.h"

#include <errno.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "nfsserver-verdict.h"
#include "util.h"
#include "xalloc.h"

static void add(struct findings *f, enum nf_status l, const char *id, char *text)
{
	finding_add(f, id, NULL, l, "%s", text);
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

static void service_finding(struct findings *f, const struct nfs_server_report *r, uint32_t prog,
			    const char *missing)
{
	char *text = nfs_server_service_text(r, prog), ping[32];
	int answers = nfs_server_service_answers(r, prog);
	bool v3 = r->answers[3], lock = prog != RPC_PROG_MOUNT;

	snprintf(ping, sizeof(ping), "ping-%s", rpc_prog_name(prog));
	if (text && answers == 0)
		add(f, !v3 ? NF_OK : only_v3(r) && lock ? NF_FAIL : NF_WARN, rpc_prog_name(prog),
		    xasprintf("%s; registered, but does not answer%s", text, lock && v3 ? ": NFSv3 locks will fail" : ""));
	else if (text)
		add(f, NF_OK, rpc_prog_name(prog),
		    answers == 1 ? xasprintf("%s; answers", text)
		    : answers < 0 && nfs_server_step(r, ping) ? xasprintf("%s; not asked to the end, the time ran out", text)
			: xstrdup(text));
	else if (v3)
		add(f, only_v3(r) && lock ? NF_FAIL : NF_WARN, rpc_prog_name(prog), xasprintf("not registered: %s", missing));
	else
		add(f, NF_OK, rpc_prog_name(prog), xstrdup("not registered (NFSv4 does not need it)"));
	free(text);
}

static void question_findings(const struct nfs_server_report *r, struct findings *f)
{
	const struct nfs_step *c = nfs_server_step(r, "connect"), *rb = nfs_server_step(r, "rpcbind-dump"),
			      *rc = nfs_server_step(r, "rpcbind-connect");
	char *problem = nfs_server_problem(r), *vers = nfs_server_versions_text(r);
	int answers = nfs_server_answers(r), rpcbind = nfs_server_rpcbind_answers(r);

	if (!nfs_server_resolved(r)) {
		add(f, NF_FAIL, "resolve", problem);
		free(vers);
		return;
	}
	if (c && c->done && c->o.err == 0)
		add(f, NF_OK, "connect", xasprintf("TCP connection to %s port %d in %.1f ms", r->address, r->port, c->o.ms));
	if (problem) {
		add(f, answers == 0 ? NF_FAIL : NF_WARN, "nfs",
		    xasprintf("%s: %s", answers == 0 ? "not responding" : "not known", problem));
		free(problem);
	} else if (r->have_range) {
		add(f, NF_OK, "nfs", xasprintf("answers %s (the server has versions %u to %u)", vers, (unsigned)r->low,
					      (unsigned)r->high));
	} else {
		add(f, NF_OK, "nfs", xasprintf("answers %s", vers));
	}
	free(vers);
	if (r->rpcbind_port <= 0)
		return;
	if (rpcbind < 0) {
		add(f, NF_WARN, "rpcbind", xasprintf("on port %d: not asked to the end, the time ran out", r->rpcbind_port));
		return;
	}
	if (rpcbind == 0) {
		const struct nfs_step *why = rc && rc->o.err ? rc : rb;

		add(f, answers == 1 && !r->answers[3] ? NF_OK : only_v3(r) ? NF_FAIL : NF_WARN, "rpcbind",
		    xasprintf("no answer from rpcbind on port %d: %s%s", r->rpcbind_port, why->o.message,
			      r->answers[3] ? "; NFSv3 clients cannot mount or lock"
			      : answers == 1 ? " (NFSv4 does not need it)" : ""));
		return;
	}
	add(f, NF_OK, "rpcbind", xasprintf("%s on port %d lists %zu registrations",
					  r->rpcbind_proto == 4 ? "rpcbind (protocol 4)" : "portmap (protocol 2)",
					  r->rpcbind_port, r->nregs));
	service_finding(f, r, RPC_PROG_MOUNT, "NFSv3 clients cannot mount");
	service_finding(f, r, RPC_PROG_NLM, "NFSv3 locks will fail");
	service_finding(f, r, RPC_PROG_NSM, "NFSv3 locks will fail");
}

/* Clients that may mount with any version the server answers lock on
 * NFSv3 through its lock manager when rpcbind is to be asked. */
struct nfs_need nfs_server_offer(const struct nfs_server_report *r)
{
	return (struct nfs_need){.v3 = r->answers[3], .v4 = r->answers[4],
				 .v3_locks = r->answers[3] && r->rpcbind_port > 0};
}

static enum nfs_outcome outcome(const struct nfs_server_report *r, const struct nfs_judgement *j)
{
	if (r->interrupted)
		return NFS_INTERRUPTED;
	if (!nfs_server_resolved(r) || r->failed)
		return NFS_NOT_STARTED;
	/* No problem means it answered (nfs_server_answers() is 1). */
	if (j->problem)
		return nfs_server_answers(r) < 0 ? NFS_NOT_KNOWN : NFS_DOWN;
	if (j->gap)
		return NFS_LOCK_GAP;
	if (j->locks_unknown)
		return NFS_LOCKS_NOT_KNOWN;
	return NFS_ANSWERS;
}

/* Whether the NFS port refused the connection. */
static bool refused(const struct nfs_server_report *r)
{
	const struct nfs_step *c = nfs_server_step(r, "connect");

	return c && c->o.err == ECONNREFUSED;
}

void nfs_server_judge(const struct nfs_server_report *r, const struct nfs_need *need, struct nfs_judgement *j)
{
	memset(j, 0, sizeof(*j));
	j->problem = nfs_server_problem(r);
	j->versions = nfs_server_versions_text(r);
	/* nfs_server_lock_gap() names nothing while the lock services are not known. */
	j->gap = need->v3_locks && !j->problem ? nfs_server_lock_gap(r) : NULL;
	j->rpcbind = nfs_server_rpcbind_answers(r);
	j->rpcbind_silent = need->v3 && j->rpcbind == 0;
	j->refused = refused(r);
	j->locks_unknown = need->v3_locks && !nfs_server_locks_known(r);
	/* The same rules as the rpcbind and mountd findings, for the need. */
	j->rpcbind_unasked = need->v3 && r->rpcbind_port > 0 && j->rpcbind < 0;
	j->mountd_missing = need->v3 && j->rpcbind == 1 && (!nfs_server_registered(r, RPC_PROG_MOUNT) ||
							     nfs_server_service_answers(r, RPC_PROG_MOUNT) == 0);
	if (!j->problem && need->v3 && !r->answers[3])
		j->missing_version = 3;
	else if (!j->problem && need->v4 && !r->answers[4])
		j->missing_version = 4;
	j->outcome = outcome(r, j);
	question_findings(r, &j->f);
}

/* Clients with NFSv4 at hand lose nothing to NFSv3's missing locks. */
int nfs_server_exit_status(const struct nfs_server_report *r, const struct nfs_judgement *j)
{
	switch (j->outcome) {
	case NFS_INTERRUPTED:
	case NFS_NOT_STARTED:
	case NFS_NOT_KNOWN:
		return NF_EXIT_INCOMPLETE;
	case NFS_DOWN:
		return NF_EXIT_PROBLEMS;
	case NFS_LOCK_GAP:
		return only_v3(r) ? NF_EXIT_PROBLEMS : NF_EXIT_OK;
	case NFS_LOCKS_NOT_KNOWN:
		return only_v3(r) ? NF_EXIT_INCOMPLETE : NF_EXIT_OK;
	case NFS_ANSWERS:
	default:
		return NF_EXIT_OK;
	}
}

/* A server that refuses the connection answers, with a refusal: say that,
 * not "not responding". Either way a hard mount from it hangs. */
static char *down_verdict(const struct nfs_server_report *r, const struct nfs_judgement *j, const char *a)
{
	if (j->refused)
		return xasprintf("%s is not serving NFS (port %d refuses connections): a new mount fails, and "
				 "everything under an existing hard mount from it hangs until it is back", a, r->port);
	return xasprintf("%s is not responding: everything under a mount from it will hang", a);
}

char *nfs_server_verdict(const struct nfs_server_report *r, const struct nfs_judgement *j)
{
	const char *a = r->address ? r->address : r->host;

	switch (j->outcome) {
	case NFS_INTERRUPTED:
		return xstrdup("interrupted");
	case NFS_NOT_STARTED:
		return xasprintf("nfscheck could not complete: %s", j->problem);
	case NFS_NOT_KNOWN:
		return xasprintf("nfscheck could not complete: %s; give it more time with --timeout", j->problem);
	case NFS_DOWN:
		return down_verdict(r, j, a);
	case NFS_LOCK_GAP:
		return xasprintf("%s answers %s, but NFSv3 locks will fail: %s", a, j->versions, j->gap);
	case NFS_LOCKS_NOT_KNOWN:
		return xasprintf("%s answers %s; the time ran out before rpcbind and the lock services were asked "
				 "to the end%s", a, j->versions,
				 only_v3(r) ? ", so whether NFSv3 locks work is not known" : "");
	case NFS_ANSWERS:
	default:
		if (r->answers[3] && r->rpcbind_port > 0)
			return xasprintf("%s answers %s, with the lock manager and status monitor NFSv3 locking "
					 "needs", a, j->versions);
		return xasprintf("%s answers %s", a, j->versions);
	}
}

void nfs_judgement_free(struct nfs_judgement *j)
{
	free(j->problem);
	free(j->versions);
	free(j->gap);
	findings_free(&j->f);
}
