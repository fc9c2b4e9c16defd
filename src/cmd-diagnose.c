#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "diag.h"
#include "exitcode.h"
#include "msg.h"
#include "report.h"
#include "target.h"
#include "util.h"
#include "xalloc.h"


const char cmd_diagnose_help[] =
	"Usage: nfscheck diagnose [--json] [--user NAME] [--timeout SECONDS]\n"
	"                         [--podman-version X.Y] [--verbose]\n"
	"\n"
	"Check whether rootless Podman will work for this user, and prove why not:\n"
	"the storage configuration, the filesystem under the graphroot and the other\n"
	"storage locations, a real chown into subordinate IDs inside a user namespace\n"
	"on that filesystem, subordinate IDs, newuidmap and newgidmap, user\n"
	"namespaces, the runtime directory, the storage driver, and where the\n"
	"graphroot is. Ends with the commands that fix what failed.\n"
	"\n"
	"Options:\n"
	"      --json               print one JSON document (schema in nfscheck(1))\n"
	"  -u, --user NAME          check user NAME; every file access and the probe\n"
	"                           run as that user (root only)\n"
	"  -t, --timeout SECONDS    finish within SECONDS even if a server hangs\n"
	"                           (default 15)\n"
	"      --podman-version X.Y model this Podman release instead of the\n"
	"                           installed one\n"
	"  -v, --verbose            show the details of every check\n"
	"  -h, --help               show this help and exit\n"
	"\n"
	"Exit status: 0 nothing found that breaks rootless Podman, 1 something will,\n"
	"2 nfscheck could not complete, 64 usage error, 77 --user without root.\n";

static bool use_color(void)
{
	const char *nc = getenv("NO_COLOR");

	return isatty(STDOUT_FILENO) && !(nc && *nc) && !(getenv("TERM") && strcmp(getenv("TERM"), "dumb") == 0);
}

static void run_checks(struct diag *d)
{
	static void (*const checks[])(struct diag *) = {
		check_configuration, check_filesystems, check_subids, check_idmap_tools,
		check_userns, check_probe, check_nfs, check_runtime_dir, check_driver, check_location,
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

int diagnose_run(const struct diag_options *o)
{
	struct diag d = {.timeout_ms = o->timeout_ms};
	struct model_request req = {0};
	char *name;
	int status;

	/* The deadline covers everything from here, the user lookup included. */
	guard_catch_signals();
	/* The checks stop a little before --timeout: killing the helpers they
	 * leave, building the report and exiting take time too, and the promise
	 * is that the whole run ends within --timeout. */
	guard_set_run_deadline(d.timeout_ms - finish_reserve_ms(d.timeout_ms));
	status = target_open(&d.t, o->user);
	if (status != NF_EXIT_OK)
		return status;
	name = d.t.env.user ? xstrdup(d.t.env.user) : xasprintf("uid %u", (unsigned)d.t.env.uid);
	d.user = name;
	d.rootful = d.t.env.uid == 0;
	if (d.rootful)
		diag_note(&d, "running as root without --user: checking root's own storage (rootful Podman); "
			      "use --user NAME to check a user's rootless storage");
	else if (d.t.env.assumed)
		diag_note(&d, "checking %s with a clean login environment (HOME, USER, PATH from the passwd "
			      "entry; no XDG_* variables)", name);
	req.env = &d.t.env;
	req.as = d.t.as;
	req.podman_version = o->podman_version;
	d.model_ok = model_build(&d.m, &req) == 0;
	run_checks(&d);
	if (o->json)
		json_print(diag_json(&d));
	else
		diag_print_text(&d, stdout, use_color(), o->verbose);
	status = diag_exit_status(&d);
	diag_free(&d);
	free(name);
	return status;
}

int cmd_diagnose(int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_PODMAN_VERSION };
	static const struct option opts[] = {
		{"json", no_argument, NULL, OPT_JSON},
		{"user", required_argument, NULL, 'u'},
		{"timeout", required_argument, NULL, 't'},
		{"podman-version", required_argument, NULL, OPT_PODMAN_VERSION},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct diag_options o = {.timeout_ms = DIAG_DEFAULT_TIMEOUT_MS};
	int c, st;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":u:t:vh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON:
			o.json = true;
			break;
		case 'u':
			o.user = optarg;
			break;
		case 't':
			if ((st = nf_timeout_option("diagnose", optarg, &o.timeout_ms)) != NF_EXIT_OK)
				return st;
			break;
		case OPT_PODMAN_VERSION:
			if (target_check_podman_version("diagnose", optarg) != NF_EXIT_OK)
				return NF_EXIT_USAGE;
			o.podman_version = optarg;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'h':
			fputs(cmd_diagnose_help, stdout);
			return NF_EXIT_OK;
		default:
			return nf_option_error("diagnose", c, argv);
		}
	}
	if (optind < argc)
		return nf_usage_error("diagnose", "diagnose: unexpected argument '%s'", argv[optind]);
	return diagnose_run(&o);
}
