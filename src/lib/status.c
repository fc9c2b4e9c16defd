/* SPDX-License-Identifier: Apache-2.0 */
/* The statuses of findings: names, tags and their order (status.h). */
#include "config.h"

#include "status.h"

const char *nf_status_name(enum nf_status s)
{
	switch (s) {
	case NF_OK: return "ok";
	case NF_WARN: return "warn";
	case NF_FAIL: return "fail";
	case NF_SKIP: return "skip";
	}
	return "?";
}

const char *nf_status_tag(enum nf_status s)
{
	switch (s) {
	case NF_OK: return "[ ok ]";
	case NF_WARN: return "[warn]";
	case NF_FAIL: return "[FAIL]";
	case NF_SKIP: return "[skip]";
	}
	return "[ ?? ]";
}

enum nf_status nf_status_worst(enum nf_status a, enum nf_status b)
{
	/* Not the enum's order: a skip ranks below ok. */
	static const int rank[] = {[NF_SKIP] = 0, [NF_OK] = 1, [NF_WARN] = 2, [NF_FAIL] = 3};

	return rank[b] > rank[a] ? b : a;
}
