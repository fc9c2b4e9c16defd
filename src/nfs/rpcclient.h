/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ONC RPC over TCP with a deadline on every blocking step. libtirpc's own
 * clients connect() without one (133 s against a host that drops SYNs) and
 * rpcb_getmaps() waits a fixed 60 s; so, as nfs-utils does, the socket is
 * connected here, non-blocking under poll(), and handed to clnt_vc_create(),
 * which skips its own connect on a connected socket. Every clnt_call() then
 * gets its own timeout.
 *
 * libtirpc's reader restarts its poll() after each chunk and after EINTR, so
 * a server that trickles bytes can stretch one call: run these in a guarded
 * child (guard.h) whose deadline is absolute.
 */
#ifndef NFSCHECK_RPCCLIENT_H
#define NFSCHECK_RPCCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define RPC_PROG_RPCBIND 100000
#define RPC_PROG_NFS 100003
#define RPC_PROG_MOUNT 100005
#define RPC_PROG_NLM 100021
#define RPC_PROG_NSM 100024

#define RPC_PORT_NFS 2049
#define RPC_PORT_RPCBIND 111

struct rpc_conn;  /* a connected CLIENT and its socket */

/* What one network step came to. */
struct rpc_outcome {
	int err;            /* 0, an errno, or NF_EDEADLINE (the per-call deadline passed) */
	int stat;           /* the call's enum clnt_stat; -1 when no call was made */
	double ms;          /* how long the step took */
	char code[32];      /* symbolic: ECONNREFUSED, ETIMEDOUT, RPC_PROGUNAVAIL ("" when it worked) */
	char message[200];  /* what happened, in words ("" when it worked) */
};

/* Connect to SA over TCP within TIMEOUT_MS and make a client for PROG/VERS.
 * NULL on failure, with *O saying why. */
struct rpc_conn *rpc_connect(const struct sockaddr *sa, socklen_t len, uint32_t prog, uint32_t vers,
			     int timeout_ms, struct rpc_outcome *o);
void rpc_close(struct rpc_conn *c);

/*
 * Call procedure 0 (NULL) of version VERS. With VERS 0 a server answers
 * PROGVERSMISMATCH with the lowest and highest version it has, returned in
 * *LOW and *HIGH (either may be NULL). 0 when the call succeeded.
 */
int rpc_null(struct rpc_conn *c, uint32_t vers, int timeout_ms, struct rpc_outcome *o,
	     uint32_t *low, uint32_t *high);

/* One registration with rpcbind (or portmap). */
struct rpc_reg {
	uint32_t prog;
	uint32_t vers;
	char netid[16];     /* tcp, udp, tcp6, udp6, local */
	int port;           /* -1 when the address has none (a local socket) */
};

/*
 * Every registration, from an rpcbind client made with rpc_connect(...,
 * RPC_PROG_RPCBIND, 4, ...): RPCBPROC_DUMP version 4, and on a version
 * mismatch portmap version 2's PMAPPROC_DUMP, as rpcinfo does. *PROTO is the
 * version that answered (4 or 2). 0, or -1 with *O saying why.
 */
int rpc_dump(struct rpc_conn *c, int timeout_ms, struct rpc_reg **regs, size_t *n, int *proto,
	     struct rpc_outcome *o);

/* The port of a universal address ("h1.h2.h3.h4.p1.p2", IPv6 too); -1 if none. */
int rpc_uaddr_port(const char *uaddr);
/* "nfs", "mountd", "nlockmgr", "status", "rpcbind", or NULL. */
const char *rpc_prog_name(uint32_t prog);
/* The symbolic name of an enum clnt_stat ("RPC_TIMEDOUT"). */
const char *rpc_stat_name(int stat);

#endif
