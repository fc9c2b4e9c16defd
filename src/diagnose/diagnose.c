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

static void run_checks(struct diag *d)
{
	static void (*const checks[])(struct diag *) = {
		check_podman, check_configuration, check_filesystems, check_subids, check_idmap_tools,
		check_userns, check_probe, check_nfs, check_runtime_dir, check_startup, check_driver,
		check_cgroups, check_database, check_location,
	};

	for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
		if (guard_interrupted()) {
			diag_note(d, "interrupted by signal %d: the remaining checks did not run", guard_interrupted());
			return;
		}
		checks[i](d);
	}
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
	d->timeout_ms = o->timeout_ms;
	d->cache = o->cache;
	d->policy = o->policy;
	/* The deadline covers everything from here, the user lookup included. */
	guard_catch_signals();
	/* The checks stop a little before --timeout: killing the helpers they
	 * leave, building the report and exiting take time too, and the promise
	 * is that the whole run ends within --timeout. */
	guard_set_run_deadline(d->timeout_ms - finish_reserve_ms(d->timeout_ms));
	status = target_open(&d->t, o->user);
	if (status != NF_EXIT_OK)
		return status;
	d->user_buf = d->t.env.user ? xstrdup(d->t.env.user) : xasprintf("uid %u", (unsigned)d->t.env.uid);
	d->user = d->user_buf;
	d->rootful = d->t.env.uid == 0;
	if (d->rootful)
		diag_note(d, "running as root without --user: checking root's own storage (rootful Podman); "
			     "use --user NAME to check a user's rootless storage");
	else if (d->t.env.assumed)
		diag_note(d, "checking %s with a clean login environment (HOME, USER, PATH from the passwd "
			     "entry; no XDG_* variables)", d->user);
	req.env = &d->t.env;
	req.as = d->t.as;
	req.podman_version = o->podman_version;
	/* Not with --podman-version: then nothing is found on PATH to share. */
	req.known = o->podman_version ? NULL : diag_cache_podman(d->cache, userenv_get(&d->t.env, "PATH"));
	d->model_ok = model_build(&d->m, &req) == 0;
	if (d->model_ok && !o->podman_version)
		diag_cache_set_podman(d->cache, userenv_get(&d->t.env, "PATH"), &d->m.pv);
	run_checks(d);
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
