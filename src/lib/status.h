/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The statuses a finding can have, shared by every report (diagnose's
 * checks, the server command's findings): one order, one name and one tag
 * each, so the reports cannot spell them differently.
 */
#ifndef NFSCHECK_STATUS_H
#define NFSCHECK_STATUS_H

enum nf_status {
	NF_OK,
	NF_WARN,
	NF_FAIL,
	NF_SKIP,   /* not checked: no answer either way */
};

/* "ok", "warn", "fail", "skip": the JSON "status" values. */
const char *nf_status_name(enum nf_status s);
/* "[ ok ]", "[warn]", "[FAIL]", "[skip]": the text reports' tags, all one width. */
const char *nf_status_tag(enum nf_status s);
/* The worse of A and B: skip < ok < warn < fail, so anything found replaces a skip. */
enum nf_status nf_status_worst(enum nf_status a, enum nf_status b);

#endif
