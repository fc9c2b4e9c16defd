/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What `nfscheck server` concludes from an NFS server report: findings
 * (ok, warn, fail), the exit status, and the verdict sentence.
 */
#ifndef NFSCHECK_NFSSERVER_VERDICT_H
#define NFSCHECK_NFSSERVER_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

#include "nfsserver.h"

enum nfs_level { NFS_OK, NFS_WARN, NFS_FAIL };

struct nfs_finding {
	enum nfs_level level;
	const char *id;
	char *text;
};

struct nfs_findings {
	struct nfs_finding v[8];
	size_t n;
};

/* The server's name resolved to an address. */
bool nfs_server_resolved(const struct nfs_server_report *r);
/* Append a finding for each question the report answers. */
void nfs_server_judge(const struct nfs_server_report *r, struct nfs_findings *f);
/* NF_EXIT_OK, NF_EXIT_PROBLEMS or NF_EXIT_INCOMPLETE, by the same rules as the findings. */
int nfs_server_exit_status(const struct nfs_server_report *r);
/* The one-line verdict. Caller frees. */
char *nfs_server_verdict(const struct nfs_server_report *r);
void nfs_findings_free(struct nfs_findings *f);

#endif
