/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What diagnose's checks read, gathered once before any check runs: whose
 * storage, the modelled configuration, and what the named gatherers below
 * measured on the system. A check gets these facts const (diag.h): it
 * judges them and adds findings, and cannot add a fact for a later check to
 * read, so what a check depends on is named here, not implied by the order
 * the checks run in. tests/facts.sh holds the checks to that.
 */
#ifndef NFSCHECK_FACTS_H
#define NFSCHECK_FACTS_H

#include <stdbool.h>
#include <sys/stat.h>

#include "fsinfo.h"
#include "model.h"
#include "nfslock.h"
#include "nfsserver.h"
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
	FACTS_MOVE = 1u << 5,
	FACTS_NFS = 1u << 6,
	FACTS_NFS_SERVERS = 1u << 7,
	FACTS_NFS_LOCKS = 1u << 8,
	FACTS_RUNTIME = 1u << 9,
	FACTS_STARTUP = 1u << 10,
	FACTS_DRIVER = 1u << 11,
	FACTS_CGROUPS = 1u << 12,
	FACTS_DATABASE = 1u << 13,
	FACTS_LOCATION = 1u << 14,
	FACTS_ALL = (1u << 15) - 1,
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

/* XDG_RUNTIME_DIR, looked at when it is set and the storage is not root's. */
struct runtime_fact {
	bool looked;
	int err;                 /* of the stat, as the user */
	struct stat st;          /* when err is 0 */
	struct fsinfo fi;        /* when err is 0: its filesystem */
};

/* One start-up directory decided as the user (fsx_dir_usable). */
struct dir_fact {
	char *path;
	enum fsx_dir_use use;
	int err;                 /* the decision's own error */
	int verdict;             /* what Podman would meet, 0 none */
	char *at;                /* the path that decides */
	bool time_left;          /* --timeout was not spent when it returned */
};

/* A lock file of an additional store: opened read-only, created when missing. */
struct lock_fact {
	char *path;
	int err;                 /* of the stat */
	int verdict;             /* what Podman would meet, 0 none or undecided */
};

/* What Podman creates or opens at start (check-startup.c says what). */
struct startup_fact {
	bool no_time;            /* not looked at: --timeout was spent */
	struct dir_fact *dirs;   /* each path and use once */
	size_t ndirs;
	struct lock_fact *locks;
	size_t nlocks;
	char *imagestore_abs;    /* a relative imagestore, as Podman takes it */
	char *runroot_suggestion; /* a runroot the user can create; NULL none or not looked for */
};

/* Where check_location looks, for a local graphroot. */
struct location_fact {
	bool looked;
	char *tmpfiles_exclusion; /* FILE:LINE excluding it from ageing under /tmp or /var/tmp */
	/* Directories on the way that the user cannot pass through. */
	struct blocked_dir {
		char *dir;
		struct stat st;
		int err;
	} *blocked;
	size_t nblocked;
	bool selinux_enforcing;
};

/* A place Podman uses that is on NFS (gather_nfs_servers). */
struct nfs_place {
	const char *what;          /* graphroot, imagestore, runroot, ~/.config */
	const struct fsinfo *fi;   /* a gathered fact, in these facts */
	bool locks;                /* Podman takes fcntl locks here */
};

/* A server the places' mounts are from, asked once (gather_nfs_servers). */
struct nfs_server_entry {
	char *host;                /* the mount's addr= */
	int port;
	bool probed;               /* false: too little time was left to ask it */
	struct nfs_server_report r;
};

/* The lock test on a mount where Podman takes locks (gather_nfs_locks). */
struct nfs_lock_fact {
	const struct fsinfo *fi;   /* the first place on the mount */
	const char *dir;           /* where it is tried: the place, else its nearest existing parent */
	bool dead;                 /* not tried: the mount's server does not answer */
	bool probe;                /* the probe's lock step stands for it */
	bool shared;               /* another fleet worker's test on this mount */
	struct lock_result lr;
};

/* What the NFS checks read: the places on NFS, their servers' reports, the
 * lock tests, and this machine's rpcbind when a lock needed explaining. */
struct nfs_places {
	struct nfs_place v[4];
	size_t n;
	struct nfs_server_entry *servers;
	size_t nservers;
	struct nfs_lock_fact locks[4];
	size_t nlocks;
	struct nfs_server_report local;  /* this machine's rpcbind, asked after an NFSv3 lock */
	bool have_local;
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
	/* The questions asked in the user's name and their answers, shared by
	 * the model and the gatherers: nothing in diagnose changes what they
	 * look at, and each asked again what another had (fsx.h's memo). */
	struct fsx_memo *memo;
	/* fleet: keep the user's identity between calls of the model and of
	 * the gatherers marked USER (fsident.h) */
	bool hold_identity;

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
	/* and, when one is missing or unusable, /etc/os-release's ID= and ID_LIKE= */
	char os_id[64], os_like[128];
	/* gather_userns */
	struct userns_fact userns;
	bool userns_works;
	/* gather_probe: after the three above, whose facts it runs with */
	struct probe_fact probe;
	/* gather_move, and gather_startup when the graphroot cannot be made
	 * there: a local directory to move the graphroot to, for the remedy
	 * (remedy_move_graphroot), looked for only where the facts say the
	 * graphroot may have to move. */
	bool move_looked;
	char *move_to;
	/* gather_nfs: whether mountinfo has an NFS or autofs mount at all, and
	 * then the filesystem under ~/.config (the places gather_filesystems
	 * did not look at, when it looked at none, are filled there too). */
	bool nfs_possible;
	struct fsinfo fs_config;
	/* gather_nfs_servers: the places on NFS and each server asked once;
	 * gather_nfs_locks: a lock test per mount, in the order they report */
	struct nfs_places nfs;
	/* gather_runtime */
	struct runtime_fact runtime;
	/* gather_startup */
	struct startup_fact startup;
	/* gather_driver: the kernel's release and whether its overlay works
	 * rootless, fuse-overlayfs and zfs on the user's PATH, mount_program */
	char kernel[65];
	bool kernel_overlay;
	char *fuse_overlayfs;
	int zfs_err;
	int mount_program_err;
	/* gather_cgroups: /sys/fs/cgroup is a cgroup2 mount */
	bool cgroup2;
	/* gather_database: a BoltDB in the static directory (Podman 6 and later) */
	char *boltdb;
	/* gather_location */
	struct location_fact location;
};

static inline bool facts_probe_ran(const struct facts *d)
{
	return d->probe.plan == PROBE_RAN;
}

/* The gatherers, in the order they run (diagnose.c runs each before the
 * first check that needs it). Each reads the facts gathered before it,
 * adds its own, and sets its bit in gathered. */
void gather_filesystems(struct facts *d);
void gather_subids(struct facts *d);
void gather_idmap_tools(struct facts *d);
void gather_userns(struct facts *d);
void gather_probe(struct facts *d);
void gather_move(struct facts *d);
void gather_nfs(struct facts *d);
void gather_nfs_servers(struct facts *d);
void gather_nfs_locks(struct facts *d);
void gather_runtime(struct facts *d);
void gather_startup(struct facts *d);
void gather_driver(struct facts *d);
void gather_cgroups(struct facts *d);
void gather_database(struct facts *d);
void gather_location(struct facts *d);
void facts_free(struct facts *d);

/* The image copy directory: image_copy_tmp_dir, TMPDIR, else /var/tmp. */
const char *facts_tmpdir(const struct facts *d);
/* The handle for calls in the user's name, with the run's memo. */
struct fsx facts_fsx(const struct facts *d);
/* True when ignore_chown_errors is on for the driver in use. */
bool diag_ignore_chown(const struct facts *d);
/* A tool file lets Podman map IDs: setuid root, or with the capability. */
bool tool_setuid_root(const struct tool_file *f);
bool tool_capable(const struct tool_file *f);
/* The first probe step whose failure is the filesystem's, or -1: not a
 * chown that needs a second ID when there is none (EINVAL), nor one that
 * ignore_chown_errors hides, nor the xattr step. */
int probe_failed_step(const struct facts *d);
/* The start-up decision of PATH for USE (gather_startup), or NULL. */
const struct dir_fact *facts_startup_dir(const struct facts *d, const char *path, enum fsx_dir_use use);
/* The lock file PATH of an additional store (gather_startup), or NULL. */
const struct lock_fact *facts_startup_lock(const struct facts *d, const char *path);
/* The local directory for the graphroot when it must move (gather_move):
 * NULL when none was found. */
void facts_look_for_move(struct facts *d);

#endif
