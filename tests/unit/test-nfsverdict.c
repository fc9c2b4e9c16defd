/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one judgement of an NFS server report (nfsserver-verdict.h), on
 * reports made by hand: the same report judged for what different clients
 * need, the server command's exit status and verdict derived from it, and
 * the cases where diagnose now follows the server command's rules.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "nfsserver-verdict.h"
#include "tap.h"
#include "xalloc.h"

static void step(struct nfs_server_report *r, const char *id, bool done, int err)
{
	r->steps = xreallocarray(r->steps, r->nsteps + 1, sizeof(*r->steps));
	r->steps[r->nsteps++] = (struct nfs_step){.id = xstrdup(id), .done = done, .o = {.err = err, .ms = 2}};
}

static void reg(struct nfs_server_report *r, uint32_t prog, uint32_t vers)
{
	r->regs = xreallocarray(r->regs, r->nregs + 1, sizeof(*r->regs));
	r->regs[r->nregs++] = (struct rpc_reg){.prog = prog, .vers = vers, .netid = "tcp", .port = 4000};
}

/* A server that answers V3 and/or V4 on its NFS port; rpcbind not yet asked. */
static void answering(struct nfs_server_report *r, bool v3, bool v4)
{
	memset(r, 0, sizeof(*r));
	r->host = xstrdup("filer");
	r->address = xstrdup("192.0.2.1");
	r->port = 2049;
	r->rpcbind_port = 111;
	step(r, "resolve", true, 0);
	step(r, "connect", true, 0);
	step(r, "null", true, 0);
	r->answers[3] = v3;
	r->answers[4] = v4;
}

/* rpcbind answers and lists mountd, and the lock services that answer (NLM, NSM) or are cut off (NSM_CUT). */
static void rpcbind_lists(struct nfs_server_report *r, bool mountd, bool nlm, bool nsm, bool nsm_cut)
{
	step(r, "rpcbind-connect", true, 0);
	step(r, "rpcbind-dump", true, 0);
	r->rpcbind_proto = 4;
	reg(r, RPC_PROG_NFS, 3);
	if (mountd)
		reg(r, RPC_PROG_MOUNT, 3);
	if (nlm) {
		reg(r, RPC_PROG_NLM, 4);
		step(r, "ping-nlockmgr", true, 0);
	}
	if (nsm || nsm_cut) {
		reg(r, RPC_PROG_NSM, 1);
		step(r, "ping-status", !nsm_cut, nsm_cut ? NF_EDEADLINE : 0);
	}
}

static const struct nfs_need v3_locking = {.v3 = true, .v3_locks = true}, v3_nolock = {.v3 = true},
			     v4_only = {.v4 = true};

static void judge(const struct nfs_server_report *r, const struct nfs_need *need, struct nfs_judgement *j)
{
	nfs_server_judge(r, need, j);
}

static void test_healthy_v3(void)
{
	struct nfs_server_report r;
	struct nfs_need offer;
	struct nfs_judgement j;
	char *v;

	answering(&r, true, false);
	rpcbind_lists(&r, true, true, true, false);
	offer = nfs_server_offer(&r);
	ok(offer.v3 && offer.v3_locks && !offer.v4, "the offer of an NFSv3-only server locks on NFSv3");
	judge(&r, &offer, &j);
	is_int(j.outcome, NFS_ANSWERS, "a healthy NFSv3 server answers");
	is_int(nfs_server_exit_status(&r, &j), NF_EXIT_OK, "and the server command exits 0");
	v = nfs_server_verdict(&r, &j);
	is_str(v, "192.0.2.1 answers NFSv3, with the lock manager and status monitor NFSv3 locking needs",
	       "and its verdict names the lock services");
	free(v);
	ok(j.f.n == 6 && strcmp(j.f.v[5].id, "status") == 0 && j.f.v[5].status == NF_OK,
	   "one finding per question, the status monitor's ok");
	ok(!j.gap && !j.locks_unknown && !j.rpcbind_unasked && !j.mountd_missing && !j.missing_version,
	   "nothing missing");
	nfs_judgement_free(&j);
	judge(&r, &v4_only, &j);
	is_int(j.missing_version, 4, "an NFSv4 mount misses NFSv4 on it");
	nfs_judgement_free(&j);
	nfs_server_report_free(&r);
}

static void test_lock_gap(void)
{
	struct nfs_server_report r;
	struct nfs_need offer;
	struct nfs_judgement j;

	answering(&r, true, false);
	rpcbind_lists(&r, true, true, false, false);
	offer = nfs_server_offer(&r);
	judge(&r, &offer, &j);
	is_int(j.outcome, NFS_LOCK_GAP, "no status monitor: NFSv3 locks will fail");
	ok(j.gap && strstr(j.gap, "status monitor"), "and the gap names it");
	is_int(nfs_server_exit_status(&r, &j), NF_EXIT_PROBLEMS, "NFSv3 only: the server command exits 1");
	nfs_judgement_free(&j);
	judge(&r, &v3_nolock, &j);
	is_int(j.outcome, NFS_ANSWERS, "a nolock NFSv3 mount needs no lock services");
	nfs_judgement_free(&j);
	nfs_server_report_free(&r);

	answering(&r, true, true);
	rpcbind_lists(&r, true, true, false, false);
	offer = nfs_server_offer(&r);
	judge(&r, &offer, &j);
	is_int(j.outcome, NFS_LOCK_GAP, "NFSv3 and NFSv4, no status monitor: the gap is still named");
	is_int(nfs_server_exit_status(&r, &j), NF_EXIT_OK, "but clients can use NFSv4: exit 0");
	nfs_judgement_free(&j);
	judge(&r, &v4_only, &j);
	is_int(j.outcome, NFS_ANSWERS, "and an NFSv4 mount is fine");
	nfs_judgement_free(&j);
	nfs_server_report_free(&r);
}

/* Where diagnose's nfs.server used to say ok and the server command did not. */
static void test_server_rules_for_mounts(void)
{
	struct nfs_server_report r;
	struct nfs_need offer;
	struct nfs_judgement j;

	answering(&r, true, false);
	rpcbind_lists(&r, true, true, false, true);
	offer = nfs_server_offer(&r);
	judge(&r, &offer, &j);
	is_int(j.outcome, NFS_LOCKS_NOT_KNOWN, "rpcbind answered, the status monitor's ping cut off: not known");
	is_int(nfs_server_exit_status(&r, &j), NF_EXIT_INCOMPLETE, "the server command exits 2");
	nfs_judgement_free(&j);
	judge(&r, &v3_locking, &j);
	ok(j.locks_unknown, "and for an NFSv3 mount with locks, not known either");
	nfs_judgement_free(&j);
	nfs_server_report_free(&r);

	answering(&r, true, false);
	rpcbind_lists(&r, false, true, true, false);
	judge(&r, &v3_nolock, &j);
	ok(j.mountd_missing, "no mountd registered: an NFSv3 mount is told it cannot mount again");
	nfs_judgement_free(&j);
	judge(&r, &v4_only, &j);
	ok(!j.mountd_missing, "an NFSv4 mount does not need mountd");
	nfs_judgement_free(&j);
	nfs_server_report_free(&r);

	answering(&r, true, true);
	step(&r, "rpcbind-connect", false, NF_EDEADLINE);
	judge(&r, &v3_nolock, &j);
	ok(j.rpcbind_unasked && !j.locks_unknown, "rpcbind cut off: an NFSv3 nolock mount does not know it can mount");
	nfs_judgement_free(&j);
	judge(&r, &v4_only, &j);
	ok(!j.rpcbind_unasked && j.outcome == NFS_ANSWERS, "an NFSv4 mount does not need rpcbind");
	nfs_judgement_free(&j);
	nfs_server_report_free(&r);
}

static void test_not_answering(void)
{
	struct nfs_server_report r = {0};
	struct nfs_need offer;
	struct nfs_judgement j;
	char *v;

	r.host = xstrdup("filer");
	r.address = xstrdup("192.0.2.1");
	r.port = 2049;
	step(&r, "resolve", true, 0);
	step(&r, "connect", true, ECONNREFUSED);
	offer = nfs_server_offer(&r);
	judge(&r, &offer, &j);
	is_int(j.outcome, NFS_DOWN, "a refused connection: down");
	is_int(nfs_server_exit_status(&r, &j), NF_EXIT_PROBLEMS, "exit 1");
	v = nfs_server_verdict(&r, &j);
	is_str(v, "192.0.2.1 is not serving NFS (port 2049 refuses connections): a new mount fails, and everything "
	       "under an existing hard mount from it hangs until it is back", "the verdict: a refusal, not 'not responding'");
	free(v);
	nfs_judgement_free(&j);
	nfs_server_report_free(&r);

	memset(&r, 0, sizeof(r));
	r.host = xstrdup("nowhere");
	step(&r, "resolve", true, ENOENT);
	offer = nfs_server_offer(&r);
	judge(&r, &offer, &j);
	is_int(j.outcome, NFS_NOT_STARTED, "an unresolved name: not started");
	is_int(nfs_server_exit_status(&r, &j), NF_EXIT_INCOMPLETE, "exit 2");
	ok(j.f.n == 1 && j.f.v[0].status == NF_FAIL && strcmp(j.f.v[0].id, "resolve") == 0,
	   "one finding, resolve, that fails");
	nfs_judgement_free(&j);
	nfs_server_report_free(&r);
}

int main(void)
{
	test_healthy_v3();
	test_lock_gap();
	test_server_rules_for_mounts();
	test_not_answering();
	return done_testing();
}
