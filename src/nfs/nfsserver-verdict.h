/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one judgement of an NFS server report, for `nfscheck server` and for
 * diagnose's nfs.server check: what the report settles for what clients
 * need (struct nfs_need), with a finding per question asked. Each command
 * words it in its own report; the rules are here only.
 */
#ifndef NFSCHECK_NFSSERVER_VERDICT_H
#define NFSCHECK_NFSSERVER_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

#include "finding.h"
#include "nfsserver.h"
#include "status.h"

/* What the clients need from the server: diagnose knows from the mounts;
 * the server command, with no mount, takes what the server offers
 * (nfs_server_offer). */
struct nfs_need {
	bool v3, v4;       /* a client uses NFSv3, NFSv4 */
	bool v3_locks;     /* an NFSv3 client locks through the server's lock manager */
};

/* What the report settles, worst first. */
enum nfs_outcome {
	NFS_INTERRUPTED,       /* a signal stopped the run */
	NFS_NOT_STARTED,       /* the name did not resolve, or the check could not start */
	NFS_NOT_KNOWN,         /* the time ran out before the server answered */
	NFS_DOWN,              /* the server is not responding */
	NFS_LOCK_GAP,          /* it answers, but NFSv3 locks will fail (gap says why) */
	NFS_LOCKS_NOT_KNOWN,   /* it answers; the time ran out before the lock services were asked */
	NFS_ANSWERS,           /* it answers, with what the need asks for */
};

struct nfs_judgement {
	enum nfs_outcome outcome;
	char *problem;         /* why it does not answer; NULL when it does */
	char *versions;        /* "NFSv3 and NFSv4.2" */
	char *gap;             /* what NFSv3 locks miss, when the need locks on NFSv3 */
	bool refused;          /* the NFS port refused the connection: the host answered, with no */
	int rpcbind;           /* nfs_server_rpcbind_answers() */
	bool rpcbind_silent;   /* the need mounts with NFSv3, and rpcbind does not answer */
	bool locks_unknown;    /* the need locks on NFSv3, and the time ran out before the lock services were asked */
	/* The need mounts with NFSv3, which finds mountd through rpcbind: */
	bool rpcbind_unasked;  /* the time ran out before rpcbind was asked */
	bool mountd_missing;   /* rpcbind lists no mountd, or it does not answer */
	int missing_version;   /* 3 or 4: needed, and the answering server does not answer it; else 0 */
	/* One finding (finding.h) per question asked, for what the server
	 * offers: the server command's list. Each is ok, warn or fail, never
	 * skip, and has only an id and a summary. */
	struct findings f;
};

/* The server's name resolved to an address. */
bool nfs_server_resolved(const struct nfs_server_report *r);
/* The need of clients that may use whatever the server offers. */
struct nfs_need nfs_server_offer(const struct nfs_server_report *r);
/* Judge the report for NEED. Free with nfs_judgement_free. */
void nfs_server_judge(const struct nfs_server_report *r, const struct nfs_need *need, struct nfs_judgement *j);
void nfs_judgement_free(struct nfs_judgement *j);
/* The server command's exit status for a judgement of nfs_server_offer(). */
int nfs_server_exit_status(const struct nfs_server_report *r, const struct nfs_judgement *j);
/* The server command's one-line verdict. Caller frees. */
char *nfs_server_verdict(const struct nfs_server_report *r, const struct nfs_judgement *j);

#endif
