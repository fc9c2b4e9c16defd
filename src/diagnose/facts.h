/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What diagnose's checks read, gathered once before any check runs: whose
 * storage, the modelled configuration, and what the named gatherers below
 * measured on the system. A check gets these facts const (diag.h): it
 * judges them and adds findings, and cannot add a fact for a later check to
 * read, so what a check depends on is named here, not implied by the order
 * the checks run in. tests/layers.sh holds the checks to that.
 */
#ifndef NFSCHECK_FACTS_H
#define NFSCHECK_FACTS_H

#include <stdbool.h>
#include <sys/stat.h>

#include "fsinfo.h"
#include "model.h"
#include "policy.h"
#include "probe.h"
#include "subids.h"
#include "target.h"

struct diag_cache;

/* Which gatherers ran to the end (a signal stops the rest). */
enum fact_set {
	FACTS_FILESYSTEMS = 1u << 0,
	FACTS_SUBIDS = 1u << 1,
	FACTS_IDMAP_TOOLS = 1u << 2,
	FACTS_USERNS = 1u << 3,
	FACTS_PROBE = 1u << 4,
	FACTS_ALL = (1u << 5) - 1,
};

/* What the file of newuidmap or newgidmap is; copied whole into the fleet's
 * cache (diag-cache.h), so plain data only. */
struct tool_file {
	struct stat st;
	int stat_err;
	bool cap_permitted, cap_effective;
	char caps[128];
};

/* newuidmap or newgidmap, looked up in the user's PATH. */
struct tool_fact {
	int err;                 /* the lookup's: 0, ENOENT..., NF_EDEADLINE */
	char *path;              /* where it is, when found */
	struct tool_file file;   /* when found */
};

/* unshare(CLONE_NEWUSER) as the user, and the sysctls that explain a refusal. */
struct userns_fact {
	bool deadline;           /* not tried: the --timeout deadline came first */
	int status;              /* its errno, 0 it worked, -1 it did not run */
	long max, clone, apparmor;
	bool have_max, have_clone, have_apparmor;
};

/* Why the probe did not run, or that it did. */
enum probe_plan {
	PROBE_NO_GRAPHROOT,      /* no graphroot, or no filesystem facts */
	PROBE_NOT_ANSWERING,     /* the graphroot's filesystem did not answer */
	PROBE_UNREACHABLE,       /* the user cannot reach the graphroot */
	PROBE_NO_TIME,           /* too little of --timeout was left */
	PROBE_NO_DIR,            /* no existing directory to test in */
	PROBE_RAN,
};

struct probe_fact {
	enum probe_plan plan;
	const char *dir;         /* where it ran: in fs_graphroot */
	int budget_ms;           /* how long it was given */
	bool single;             /* with the single mapping (no usable subordinate IDs) */
	struct probe_result r;   /* when it ran */
	/* It chowned a file and a directory to a second ID on the graphroot,
	 * and nothing it did there failed: what Podman does works on this
	 * mount, whatever the filesystem's kind predicts (filesystem.graphroot). */
	bool chown_proven;
};

struct facts {
	/* Given before the gatherers run. */
	struct target t;
	struct model m;
	bool model_ok;
	int timeout_ms;
	bool rootful;              /* root looking at its own storage */
	const char *user;          /* name for messages */
	char *user_buf;            /* what USER points to */
	struct diag_cache *cache;  /* measurements shared with other users' runs (fleet); NULL: none */
	const struct policy *policy; /* the site's remedies (policy.h); NULL: none */

	unsigned gathered;         /* enum fact_set: the gatherers that ran */

	/* gather_filesystems: the filesystem under each place Podman writes or
	 * reads; a place is there when its path is set (fi.path). */
	struct fsinfo fs_graphroot, fs_imagestore, fs_runroot, fs_tmpdir;
	struct fsinfo *fs_stores;  /* the additional image stores */
	size_t nfs_stores;
	/* gather_subids */
	struct subids ids;
	/* gather_idmap_tools, and the usable ones (setuid root or capable); NULL: none */
	struct tool_fact uidmap, gidmap;
	const char *newuidmap, *newgidmap;
	/* gather_userns */
	struct userns_fact userns;
	bool userns_works;
	/* gather_probe: after the three above, whose facts it runs with */
	struct probe_fact probe;
};

static inline bool facts_probe_ran(const struct facts *d)
{
	return d->probe.plan == PROBE_RAN;
}

/* The gatherers, in the order they run. Each reads the facts gathered
 * before it, adds its own, and sets its bit in gathered. */
void gather_filesystems(struct facts *d);
void gather_subids(struct facts *d);
void gather_idmap_tools(struct facts *d);
void gather_userns(struct facts *d);
void gather_probe(struct facts *d);
void facts_free(struct facts *d);

/* The image copy directory: image_copy_tmp_dir, TMPDIR, else /var/tmp. */
const char *facts_tmpdir(const struct facts *d);
/* True when ignore_chown_errors is on for the driver in use. */
bool diag_ignore_chown(const struct facts *d);
/* A tool file lets Podman map IDs: setuid root, or with the capability. */
bool tool_setuid_root(const struct tool_file *f);
bool tool_capable(const struct tool_file *f);
/* The first probe step whose failure is the filesystem's, or -1: not a
 * chown that needs a second ID when there is none (EINVAL), nor one that
 * ignore_chown_errors hides, nor the xattr step. */
int probe_failed_step(const struct facts *d);

#endif
