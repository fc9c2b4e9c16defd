/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guarded calls: run a function in a child process under a deadline, as
 * ourselves or as another user. A hard NFS mount whose server is gone blocks
 * stat(), statfs() and realpath() in the kernel until SIGKILL; only a child
 * we can kill keeps nfscheck's promise to return. Running as the user, not
 * root, is what works on a root-squashed home and follows no link the user
 * planted with root's rights.
 */
#ifndef NFSCHECK_GUARD_H
#define NFSCHECK_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "msg.h"
#include "util.h"

struct identity {
	uid_t uid;
	gid_t gid;
	gid_t *groups;  /* supplementary groups */
	int ngroups;
	char *name;
	char *home;     /* from the passwd entry */
	char *shell;
};

/* Fill *ID from the passwd entry of NAME (or a numeric UID). 0 or errno. */
int identity_lookup(const char *name, struct identity *id);
int identity_from_uid(uid_t uid, struct identity *id);
void identity_free(struct identity *id);

/* Switch this process to ID for good; 0 or errno. For children only. */
int identity_become(const struct identity *id);

/*
 * A deadline for the whole run (--timeout): every guarded call ends by it.
 * MS <= 0 removes it.
 */
void guard_set_run_deadline(int ms);
/* Milliseconds left of the run's deadline; INT_MAX without one. */
int guard_remaining_ms(void);

/* Most file descriptors a child can hand back. */
#define GUARD_MAX_FDS 4

struct guard_out {
	char *data;
	size_t len;
	size_t cap;
	int fds[GUARD_MAX_FDS];  /* received with guard_send_fds; the caller closes them */
	int nfds;
};

/* In the child: append bytes to the result sent back. */
void guard_out_add(struct guard_out *o, const void *p, size_t n);
/* In the child: send bytes now, so the parent has them even if the child
 * is killed at the deadline a moment later. */
void guard_send_now(const void *p, size_t n);
/* The same, formatted: one line of a child's running report. */
void guard_sendf(const char *fmt, ...) NF_PRINTF(1, 2);
/* A guarded function run in this process, not in a child (where nothing it
 * does can hang): its report, and that of children it forks, goes to FD
 * until guard_report_to(-1). Returns the descriptor it replaces. */
int guard_report_to(int fd);

/* In the child: hand open file descriptors to the parent (with one NUL byte
 * of data). How root gets a file that only the user can open on a
 * root-squashed NFS home. */
bool guard_send_fds(const int *fds, int n);
/* Close what a guarded call handed back. */
void guard_out_close_fds(struct guard_out *o);
/* The next complete line of a child's report from *POS on, NUL-terminated
 * in place, or NULL; a last line cut short by the deadline is not one. */
char *guard_out_line(struct guard_out *o, size_t *pos);

/* SIGINT, SIGTERM and SIGHUP end the guarded call under way (the child is
 * killed) instead of nfscheck; the caller cleans up and exits. */
void guard_catch_signals(void);
/* The signal that interrupted us, or 0. */
int guard_interrupted(void);
/* While false, a pending interrupt does not cut calls short (for cleanup). */
void guard_set_interruptible(bool yes);

typedef int (*guard_fn)(void *arg, struct guard_out *out);

enum guard_status {
	GUARD_OK,        /* FN ran; *STATUS is its return value (0-255) */
	GUARD_DEADLINE,  /* killed at the deadline, or on an interrupt */
	GUARD_FAILED,    /* could not fork, could not switch user, or FN crashed */
};

/*
 * Run FN(ARG, OUT) in a child as AS (NULL: as ourselves), for at most
 * TIMEOUT_MS (and never past the run's deadline). The child's output is
 * returned in *OUT -- what arrived before the deadline, when it passed --
 * and the caller frees it with free(out->data).
 */
enum guard_status guard_run(const struct identity *as, int timeout_ms, guard_fn fn, void *arg,
			    int *status, struct guard_out *out);

/*
 * Run the program ARGV (searched in PATH) the same way, its standard output
 * collected in *OUT, standard input and error on /dev/null. *STATUS is its
 * exit status; 127 when it could not be run.
 */
enum guard_status guard_exec(const struct identity *as, int timeout_ms, char *const argv[],
			     int *status, struct guard_out *out);
/* The same with exactly the environment ENVP. */
enum guard_status guard_exec_env(const struct identity *as, int timeout_ms, char *const argv[],
				 char *const envp[], int *status, struct guard_out *out);

/*
 * Remove PATH as AS in a guarded child, even after an interrupt: the tidy-up
 * of a step that failed or was cut short must still run. TREE removes a
 * directory with its contents (rm_rf_at); otherwise PATH is unlinked. True
 * when PATH is gone afterwards (it may have been missing already).
 */
bool guard_remove(const struct identity *as, int timeout_ms, const char *path, bool tree);

/*
 * Start FN(ARG) in a child as AS, as guard_run does (no terminal, no root
 * descriptors, dies with us), but return at once: *SOCK is the socket FN
 * finds as guard_child_socket(), for a helper that answers many requests.
 * The caller bounds each request itself and ends the child with
 * guard_stop. 0 or errno.
 */
int guard_spawn(const struct identity *as, guard_fn fn, void *arg, pid_t *pid, int *sock);
/* In a spawned child: its socket to the parent. */
int guard_child_socket(void);
/* Kill and reap a spawned child. */
void guard_stop(pid_t pid);

/* In a child: be killed when PARENT dies (call again after any setuid). */
void guard_die_with_parent(pid_t parent);

/* strerror() that also knows NF_EDEADLINE. */
const char *nf_strerror(int err);

#endif
