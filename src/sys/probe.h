/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The probe: what Podman does when it unpacks a layer, done for real on the
 * graphroot's filesystem, in a user namespace mapped the way Podman maps
 * it, as the user. Each step's errno is the evidence.
 */
#ifndef NFSCHECK_PROBE_H
#define NFSCHECK_PROBE_H

#include <stdbool.h>
#include <sys/types.h>

#include "guard.h"
#include "subids.h"

enum probe_step {
	PS_CREATE,        /* create a file */
	PS_CHOWN_FILE,    /* lchown it to a subordinate ID */
	PS_CHOWN_DIR,     /* mkdir and lchown a directory */
	PS_DAC_OVERRIDE,  /* mkdir inside a 0555 directory (.pivot_root) */
	PS_SYMLINK,       /* a symbolic link: nearly every layer has some */
	PS_XATTR,         /* set a user.* xattr (force_mask needs it) */
	PS_LOCK,          /* an fcntl lock (containers-storage locks) */
	PS__COUNT,
};

/* The scratch directories' prefix; leftovers are found by it. */
#define PROBE_PREFIX ".nfscheck-probe."

struct probe_request {
	const char *dir;                /* existing directory on the filesystem to test */
	const struct identity *as;      /* NULL: as ourselves */
	uid_t uid;
	gid_t gid;
	const struct idranges *uids;    /* subordinate ranges; empty: single mapping */
	const struct idranges *gids;
	const char *newuidmap;          /* full paths, or NULL when missing */
	const char *newgidmap;
	bool no_userns;                 /* root checking root's own storage */
	int timeout_ms;
};

struct probe_step_result {
	bool begun;
	bool done;
	int err;                        /* errno when done; 0 = it worked */
};

struct probe_result {
	char *scratch;                  /* the directory used */
	char *setup_stage;              /* where it could not start: mkdir, unshare, uid_map... */
	int setup_err;
	char *setup_message;            /* newuidmap's own words, if any */
	char *mapping;                  /* "0 1000 1; 1 100000 65536" */
	bool single_mapping;
	struct probe_step_result step[PS__COUNT];
	/* chown said yes, but the file kept its owner: a CIFS mount without
	 * unix extensions does this; images unpack with every file yours. */
	bool chown_ignored;
	bool timed_out;
	bool interrupted;
	int leftovers_removed;
	bool scratch_removed;           /* nothing was left behind */
};

void probe_run(const struct probe_request *rq, struct probe_result *res);
void probe_result_free(struct probe_result *res);

const char *probe_step_id(enum probe_step s);
const char *probe_step_text(enum probe_step s);
/* Remove leftovers of killed runs from DIR, as AS; returns how many. */
int probe_clean_leftovers(const char *dir, const struct identity *as, int timeout_ms);

#endif
