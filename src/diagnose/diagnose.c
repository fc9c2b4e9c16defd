/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One diagnose run: whose storage, the effective configuration, every check
 * in order, then the report. A library function, not the command's, because
 * fix runs it too, after a change, to show the result.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag-cache.h"
#include "diag.h"
#include "exitcode.h"
#include "fsident.h"
#include "guard.h"
#include "report.h"
#include "target.h"
#include "util.h"
#include "xalloc.h"

static bool use_color(void)
{
	const char *nc = getenv("NO_COLOR");

	return isatty(STDOUT_FILENO) && !(nc && *nc) && !(getenv("TERM") && strcmp(getenv("TERM"), "dumb") == 0);
}

/* The gatherers, in the order they run, one for each bit of enum
 * fact_set: each may read what those before it gathered (the probe maps
 * its namespace with the IDs and tools; the remedy's lookup reads the
 * filesystems and the probe, when it ran; the NFS servers are asked for
 * the mounts of the places found before). LOOKS: it measures the system,
 * so not once a signal has come; gather_move looks for a local directory
 * only for a failure's remedy, quick and local, and runs all the same;
 * gather_nfs_locks goes on with what gather_nfs_servers began, signal or
 * not, and runs only after it. USER: it looks at the system only through
 * fsx calls in the user's name (and the mount table, which anyone reads),
 * so fleet keeps the user's identity from one call to the next while it
 * runs (fsident.h); for any other, root's own is put back first and the
 * user's is not kept after its calls. */
static const struct {
	void (*gather)(struct facts *);
	bool looks, user;
} gatherers[] = {
	{gather_filesystems, true, true}, {gather_subids, true, false},   {gather_idmap_tools, true, false},
	{gather_userns, true, false},     {gather_probe, true, false},    {gather_move, false, true},
	{gather_nfs, true, true},         {gather_nfs_servers, true, false}, {gather_nfs_locks, false, false},
	{gather_runtime, true, true},     {gather_startup, true, true},   {gather_driver, true, true},
	{gather_cgroups, true, false},    {gather_database, true, true},  {gather_location, true, false},
};
/* Gatherer I sets bit I of enum fact_set: one for each, in that order. */
_Static_assert(FACTS_ALL == (1u << (sizeof(gatherers) / sizeof(gatherers[0]))) - 1, "one gatherer per fact set");

/* Gather NEEDS, and every fact before them, that is not gathered yet:
 * each gatherer runs once, just before the first check that needs it or
 * a later one, so the system is looked at in the order the checks report,
 * and a check that was not reached looked at nothing. */
static void gather_needs(struct diag *d, unsigned needs)
{
	for (size_t i = 0; i < ARRAY_SIZE(gatherers) && (needs & ~d->f.gathered) >> i; i++)
		if (!(d->f.gathered & (1u << i)) && !(gatherers[i].looks && guard_interrupted())) {
			/* Off (and root's own back) for the others: their calls in
			 * the user's name give it back at once, as without it. */
			lw_ident_hold(d->f.hold_identity && gatherers[i].user);
			gatherers[i].gather(&d->f);
		}
}

/*
 * The checks, in the order they report. NEEDS: the facts a check reads
 * beyond the given ones (FACTS_MOVE: it may give the remedy of a graphroot
 * to move). A check runs once its facts are there: so an interrupted run
 * reports what it had measured, and no more.
 */
static void run_checks(struct diag *d)
{
	static const struct {
		void (*check)(const struct facts *, struct findings *);
		unsigned needs;
	} checks[] = {
		{check_podman, 0},
		{check_configuration, 0},
		/* Reads the probe's outcome when the probe ran: no overruling before. */
		{check_filesystems, FACTS_FILESYSTEMS | FACTS_MOVE},
		{check_subids, FACTS_SUBIDS},
		{check_idmap_tools, FACTS_IDMAP_TOOLS},
		{check_userns, FACTS_USERNS},
		{check_probe, FACTS_FILESYSTEMS | FACTS_PROBE | FACTS_MOVE},
		{check_nfs, FACTS_FILESYSTEMS | FACTS_PROBE | FACTS_NFS | FACTS_NFS_SERVERS | FACTS_NFS_LOCKS},
		{check_runtime_dir, FACTS_RUNTIME},
		{check_startup, FACTS_STARTUP | FACTS_MOVE},
		{check_driver, FACTS_FILESYSTEMS | FACTS_PROBE | FACTS_MOVE | FACTS_DRIVER},
		{check_cgroups, FACTS_CGROUPS},
		{check_database, FACTS_DATABASE},
		{check_location, FACTS_FILESYSTEMS | FACTS_LOCATION},
	};

	for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
		gather_needs(d, checks[i].needs);
		if (checks[i].needs & ~d->f.gathered) {
			findings_note(&d->r, "interrupted by signal %d: the remaining checks did not run", guard_interrupted());
			return;
		}
		checks[i].check(&d->f, &d->r);
	}
}

/* Whether A and B name the same path but for trailing slashes. */
static bool same_path(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);

	while (na > 1 && a[na - 1] == '/')
		na--;
	while (nb > 1 && b[nb - 1] == '/')
		nb--;
	return na == nb && memcmp(a, b, na) == 0;
}

/* su and setpriv keep the caller's HOME: Podman then reads and writes under
 * a home that is not the user's, which explains failures nothing else does. */
static void note_home_mismatch(struct diag *d, const char *name)
{
	const char *home = userenv_get(&d->f.t.env, "HOME");
	const char *pw = d->f.t.env.passwd_home;

	if (d->f.t.env.assumed || !home || !*home || !pw || same_path(home, pw))
		return;
	findings_note(&d->r, "HOME is %s, not %s's home %s from the passwd file (su and setpriv keep the caller's "
		     "HOME): Podman reads and writes under HOME, so that is what is checked; log in as %s, or "
		     "set HOME=%s, to check what a login uses", home, name, pw, name, pw);
}

/* A tenth of the time, at most half a second. */
static int finish_reserve_ms(int timeout_ms)
{
	int r = timeout_ms / 10;

	return r > 500 ? 500 : r;
}

int diagnose_collect(struct diag *d, const struct diag_options *o)
{
	struct model_request req = {0};
	int status;

	memset(d, 0, sizeof(*d));
	d->f.timeout_ms = o->timeout_ms;
	d->f.cache = o->cache;
	d->f.policy = o->policy;
	/* The deadline covers everything from here, the user lookup included. */
	guard_catch_signals();
	/* The checks stop a little before --timeout: killing the helpers they
	 * leave, building the report and exiting take time too, and the promise
	 * is that the whole run ends within --timeout. */
	guard_set_run_deadline(d->f.timeout_ms - finish_reserve_ms(d->f.timeout_ms));
	status = target_open(&d->f.t, o->user);
	if (status != NF_EXIT_OK)
		return status;
	d->f.user_buf = d->f.t.env.user ? xstrdup(d->f.t.env.user) : xasprintf("uid %u", (unsigned)d->f.t.env.uid);
	d->f.user = d->f.user_buf;
	d->f.rootful = d->f.t.env.uid == 0;
	if (d->f.rootful)
		findings_note(&d->r, "checking root's own storage (rootful Podman); "
			     "use --user NAME to check a user's rootless storage");
	else if (o->user_from)
		findings_note(&d->r, "running as root for %s, who ran it (%s), with a clean login environment; "
			     "--user NAME checks another user", d->f.user, o->user_from);
	else if (d->f.t.env.assumed)
		findings_note(&d->r, "checking %s with a clean login environment (HOME, USER, PATH from the passwd "
			     "entry; no XDG_* variables)", d->f.user);
	note_home_mismatch(d, d->f.user);
	req.env = &d->f.t.env;
	req.as = d->f.t.as;
	d->f.memo = fsx_memo_new();
	req.memo = d->f.memo;
	req.podman_version = o->podman_version;
	/* Not with --podman-version: then nothing is found on PATH to share. */
	req.known = o->podman_version ? NULL : diag_cache_podman(d->f.cache, userenv_get(&d->f.t.env, "PATH"));
	/* The model calls in the user's name, and nothing else looks; so do
	 * the gatherers marked USER (fsident.h). */
	d->f.hold_identity = o->hold_identity;
	lw_ident_hold(o->hold_identity);
	d->f.model_ok = model_build(&d->f.m, &req) == 0;
	/* Still on through the two checks before the first gatherer: they
	 * only read the model, and the first gatherer's own is USER. */
	if (d->f.model_ok && !o->podman_version)
		diag_cache_set_podman(d->f.cache, userenv_get(&d->f.t.env, "PATH"), &d->f.m.pv);
	run_checks(d);
	lw_ident_hold(false);
	/* Root runs the remedies itself: no sudo in front of them. */
	if (geteuid() == 0)
		diag_drop_sudo(d);
	return NF_EXIT_OK;
}

int diagnose_run(const struct diag_options *o)
{
	struct diag d;
	int status;

	status = diagnose_collect(&d, o);
	if (status != NF_EXIT_OK) {
		diag_free(&d);
		return status;
	}
	if (o->json)
		json_print(diag_json(&d));
	else
		diag_print_text(&d, stdout, use_color(), o->verbose);
	status = diag_exit_status(&d);
	diag_free(&d);
	return status;
}
