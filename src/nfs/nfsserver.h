/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What an NFS server says about itself over the network, each step under a
 * deadline: whether its NFS port takes a TCP connection (NFSv4-only servers
 * may run no rpcbind, and firewalls often pass only 2049), which NFS
 * versions answer a NULL call, and what its rpcbind has registered: mountd,
 * and the lock manager and status monitor that NFSv3 locking needs.
 *
 * The asking runs in a guarded child (guard.h) that sends each step as it
 * ends, so a step cut off by the deadline is still named, and DNS, which has
 * no timeout of its own, is bounded too.
 */
#ifndef NFSCHECK_NFSSERVER_H
#define NFSCHECK_NFSSERVER_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "guard.h"
#include "rpcclient.h"

/* Per-call limit: a TCP connect, one RPC call, a name lookup. */
#define NFS_CALL_MS 3000
/* A server answers a NULL call in milliseconds; no answer for a second,
 * when the run's deadline allowed no more, still says it is not answering. */
#define NFS_MIN_SILENCE_MS 1000

struct nfs_server_request {
	const char *host;    /* a name or an address */
	int port;            /* the NFS port, RPC_PORT_NFS */
	int rpcbind_port;    /* RPC_PORT_RPCBIND; 0 skips rpcbind */
	int call_ms;         /* per call; 0: NFS_CALL_MS */
	int budget_ms;       /* for everything; the run's --timeout may cut it shorter */
	bool rpcbind_only;   /* ask only rpcbind (this machine's, for rpc.statd) */
	const struct identity *as;  /* who asks; NULL: nobody when root, else ourselves */
};

struct nfs_step {
	char *id;            /* resolve, connect, null, ping-v3, rpcbind-connect, rpcbind-dump,
			      * ping-nlockmgr, ping-status */
	bool done;           /* false: cut off by the deadline while under way */
	bool skipped;        /* not asked: no time was left */
	bool short_deadline; /* it had only what was left of the run, less than the per-call limit */
	struct rpc_outcome o;
};

struct nfs_server_report {
	char *host;
	char *address;       /* numeric; NULL when the name did not resolve */
	int port, rpcbind_port;
	int call_ms, budget_ms;

	struct nfs_step *steps;
	size_t nsteps;

	bool have_range;     /* the server named its lowest and highest version */
	uint32_t low, high;
	bool answers[5];     /* NFS version N answered a NULL call (2..4) */

	int rpcbind_proto;   /* 4 (rpcbind) or 2 (portmap); 0 when it did not answer */
	struct rpc_reg *regs;
	size_t nregs;

	bool timed_out;      /* the whole probe ran out of time: a step was not asked, cut off, or cut short */
	bool interrupted;
	bool failed;         /* the child could not run at all */
};

void nfs_server_probe(const struct nfs_server_request *rq, struct nfs_server_report *r);
/* R empty, for the server RQ asks (its host, ports and time limits). */
void nfs_server_report_init(struct nfs_server_report *r, const struct nfs_server_request *rq);
void nfs_server_report_free(struct nfs_server_report *r);
/* One line of the child's, into R; and, once all are in, what a step that
 * never ended means (nfsserver.c's own steps, shared with nfsserver-pack.c). */
void nfs_server_parse_line(struct nfs_server_report *r, char *line);
void nfs_server_settle(struct nfs_server_report *r);

/* R as text, in the child's own lines plus how it ended, for another
 * process of the run (fleet's workers share one report per server); and
 * back, for the request RQ. Caller frees. */
char *nfs_server_report_pack(const struct nfs_server_report *r);
void nfs_server_report_unpack(const struct nfs_server_request *rq, const char *text, struct nfs_server_report *r);

/* Parse HOST, HOST:PORT, [V6ADDR] or [V6ADDR]:PORT (a bare IPv6 address
 * has no port). 0, or -1 when it is not of that form. */
int nfs_parse_hostport(const char *arg, char **host, int *port);
/* Digits only, MIN to 65535, in *PORT. 0, or -1 when it is not. */
int nfs_parse_port(const char *s, int min, int *port);

/* The step settled its question (see nfsserver.c). */
bool nfs_step_settled(const struct nfs_step *s);
/* The step ID, or NULL when it never began. */
const struct nfs_step *nfs_server_step(const struct nfs_server_report *r, const char *id);
/* The NFS port took a connection and answered an RPC call. */
bool nfs_server_responding(const struct nfs_server_report *r);
/* 1 responding, 0 proven silent (or refusing, or unreachable), -1 not
 * known: the time ran out before the question could be settled. */
int nfs_server_answers(const struct nfs_server_report *r);
/* The same for rpcbind; -1 also when it was not to be asked. */
int nfs_server_rpcbind_answers(const struct nfs_server_report *r);
/* Why it is not responding, as a sentence; NULL when it is. Caller frees. */
char *nfs_server_problem(const struct nfs_server_report *r);
/* "NFSv3, NFSv4" (the versions that answered), or NULL. Caller frees. */
char *nfs_server_versions_text(const struct nfs_server_report *r);
bool nfs_server_registered(const struct nfs_server_report *r, uint32_t prog);
/* 1 answered a NULL call, 0 did not, -1 not asked or not settled in time. */
int nfs_server_service_answers(const struct nfs_server_report *r, uint32_t prog);
/* "versions 1, 3, 4 on tcp port 40001, udp port 40002", or NULL when not registered. */
char *nfs_server_service_text(const struct nfs_server_report *r, uint32_t prog);
/* What NFSv3 locking would miss on this server, as a sentence; NULL when
 * nothing, or when it is not known (see nfs_server_locks_known). Caller frees. */
char *nfs_server_lock_gap(const struct nfs_server_report *r);
/* Whether rpcbind and the lock services it lists were asked to the end. */
bool nfs_server_locks_known(const struct nfs_server_report *r);

/* Milliseconds with one decimal, printed as such. */
struct json_object *nfs_json_ms(double ms);
/* The measured facts (the "server" object of the JSON documents). */
struct json_object *nfs_server_json(const struct nfs_server_report *r);

#endif
