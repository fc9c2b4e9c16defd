/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "exitcode.h"
#include "fleet.h"
#include "msg.h"
#include "policy.h"
#include "report.h"
#include "target.h"
#include "xalloc.h"

const char cmd_fleet_help[] =
	"Usage: nfscheck fleet [--users FILE | --uid-range A-B] [--jobs N]\n"
	"                      [--timeout SECONDS] [--json] [--prometheus FILE]\n"
	"                      [--mount-homes] [--policy FILE] [--podman-version X.Y]\n"
	"\n"
	"Check every user of this host as diagnose --user does (the same checks,\n"
	"verdict, causes and fix commands), in parallel and within one deadline,\n"
	"and report users per verdict and per cause and the failing users with\n"
	"their fix. Facts that are the same for many users (user namespaces, the\n"
	"idmap tools, the probe of one filesystem) are gathered once per worker.\n"
	"An automounted home that is not mounted is not mounted to check it.\n"
	"\n"
	"Options:\n"
	"      --users FILE         the user names in FILE, one a line ('-': stdin),\n"
	"                           instead of UID_MIN..UID_MAX of /etc/login.defs\n"
	"      --uid-range A-B      the accounts with a UID from A to B\n"
	"  -j, --jobs N             users checked in parallel (default: the CPUs)\n"
	"  -t, --timeout SECONDS    the whole run ends within SECONDS (default 300)\n"
	"      --json               print one JSON document (schema in nfscheck(1))\n"
	"      --prometheus FILE    also write the results to FILE, atomically, in\n"
	"                           Prometheus' text format (node_exporter textfile)\n"
	"      --mount-homes        check automounted homes too, mounting them\n"
	"      --policy FILE        the site policy (default /etc/nfscheck.conf)\n"
	"      --podman-version X.Y model this Podman release\n"
	"  -h, --help               show this help and exit\n"
	"\n"
	"Exit status: 0 every user is healthy, 1 some user's rootless Podman will\n"
	"fail, 2 the run could not complete, 64 usage error, 77 not root.\n";

/* fleet's --timeout when none is given: thousands of users, one dead server. */
#define FLEET_DEFAULT_TIMEOUT_MS 300000
#define FLEET_MAX_JOBS 256

static int uid_range(const char *arg, struct fleet_options *o)
{
	char *end;
	unsigned long long lo, hi;

	errno = 0;
	lo = strtoull(arg, &end, 10);
	if (errno || end == arg || *end != '-' || arg[0] == '-')
		return nf_usage_error("fleet", "--uid-range: '%s' is not A-B", arg);
	arg = end + 1;
	hi = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || hi < lo || hi > 4294967294ULL)
		return nf_usage_error("fleet", "--uid-range: '%s' is not A-B with A <= B < 4294967295", arg);
	o->have_range = true;
	o->uid_lo = lo;
	o->uid_hi = hi;
	return NF_EXIT_OK;
}

static int jobs_option(const char *arg, int *jobs)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 1 || v > FLEET_MAX_JOBS)
		return nf_usage_error("fleet", "--jobs: '%s' is not a number from 1 to %d", arg, FLEET_MAX_JOBS);
	*jobs = (int)v;
	return NF_EXIT_OK;
}

/* An absolute path for --prometheus: atomic_write works on one. */
static char *absolute(const char *p)
{
	char *cwd;
	char *abs;

	if (p[0] == '/')
		return xstrdup(p);
	cwd = getcwd(NULL, 0);
	if (!cwd)
		nf_die(NF_EXIT_INCOMPLETE, "cannot find the working directory: %s", strerror(errno));
	abs = xasprintf("%s/%s", cwd, p);
	free(cwd);
	return abs;
}

struct fleet_args {
	struct fleet_options o;
	bool json;
	const char *prometheus;
	const char *policy_file;
};

static int parse(int argc, char **argv, struct fleet_args *a)
{
	enum { OPT_USERS = 256, OPT_RANGE, OPT_JSON, OPT_PROM, OPT_MOUNT, OPT_POLICY, OPT_PODMAN_VERSION };
	static const struct option opts[] = {
		{"users", required_argument, NULL, OPT_USERS},
		{"uid-range", required_argument, NULL, OPT_RANGE},
		{"jobs", required_argument, NULL, 'j'},
		{"timeout", required_argument, NULL, 't'},
		{"json", no_argument, NULL, OPT_JSON},
		{"prometheus", required_argument, NULL, OPT_PROM},
		{"mount-homes", no_argument, NULL, OPT_MOUNT},
		{"policy", required_argument, NULL, OPT_POLICY},
		{"podman-version", required_argument, NULL, OPT_PODMAN_VERSION},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c, st = NF_EXIT_OK;

	opterr = 0;
	while (st == NF_EXIT_OK && (c = getopt_long(argc, argv, ":j:t:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_USERS: a->o.users_file = optarg; break;
		case OPT_RANGE: st = uid_range(optarg, &a->o); break;
		case 'j': st = jobs_option(optarg, &a->o.jobs); break;
		case 't': st = nf_timeout_option("fleet", optarg, &a->o.timeout_ms); break;
		case OPT_JSON: a->json = true; break;
		case OPT_PROM: a->prometheus = optarg; break;
		case OPT_MOUNT: a->o.mount_homes = true; break;
		case OPT_POLICY: a->policy_file = optarg; break;
		case OPT_PODMAN_VERSION:
			if ((st = target_check_podman_version("fleet", optarg)) == NF_EXIT_OK)
				a->o.podman_version = optarg;
			break;
		case 'h':
			fputs(cmd_fleet_help, stdout);
			return -1;
		default:
			return nf_option_error("fleet", c, argv, opts);
		}
	}
	if (st == NF_EXIT_OK && optind < argc)
		return nf_usage_error("fleet", "fleet: unexpected argument '%s'", argv[optind]);
	if (st == NF_EXIT_OK) {
		const struct nf_option_rule rules[] = {
			{a->o.users_file && a->o.have_range, "--users and --uid-range exclude each other"},
		};

		st = nf_option_rules("fleet", rules, ARRAY_SIZE(rules));
	}
	return st;
}

int cmd_fleet(int argc, char **argv)
{
	struct fleet_args a = {.o = {.timeout_ms = FLEET_DEFAULT_TIMEOUT_MS}};
	struct fleet_run r = {0};
	struct policy pol = {0};
	char *prom = NULL;
	int st;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	a.o.jobs = cpus > 0 ? (int)(cpus > FLEET_MAX_JOBS ? FLEET_MAX_JOBS : cpus) : 1;
	if ((st = parse(argc, argv, &a)) != NF_EXIT_OK)
		return st < 0 ? NF_EXIT_OK : st;
	if (geteuid() != 0) {
		nf_error("fleet: only root may check other users");
		return NF_EXIT_NOPERM;
	}
	/* A broken policy stops the run before anything is checked: never a guess. */
	if (policy_load(a.policy_file ? a.policy_file : POLICY_FILE, a.policy_file != NULL, &pol) != 0)
		return NF_EXIT_INCOMPLETE;
	a.o.policy = pol.file ? &pol : NULL;
	if (a.prometheus)
		prom = absolute(a.prometheus);
	st = fleet_users(&a.o, &r);
	if (st == NF_EXIT_OK) {
		fleet_check(&a.o, &r);
		if (a.json)
			json_print(fleet_json(&r));
		else
			fleet_print_text(&r, stdout);
		st = fleet_exit_status(&r);
		if (prom && fleet_write_prometheus(&r, prom) != 0)
			st = NF_EXIT_INCOMPLETE;
	}
	free(prom);
	fleet_run_free(&r);
	policy_free(&pol);
	return st;
}
