/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "diag.h"
#include "exitcode.h"
#include "fsx.h"
#include "localwalk.h"
#include "msg.h"
#include "policy.h"
#include "target.h"


const char cmd_diagnose_help[] =
	"Usage: nfscheck diagnose [--json] [--user NAME] [--timeout SECONDS]\n"
	"                         [--podman-version X.Y] [--policy FILE] [--verbose]\n"
	"\n"
	"Check whether rootless Podman will work for this user, and prove why not:\n"
	"the storage configuration, the filesystem under the graphroot and the other\n"
	"storage locations, a real chown into subordinate IDs inside a user namespace\n"
	"on that filesystem, subordinate IDs, newuidmap and newgidmap, user\n"
	"namespaces, the runtime directory, every directory Podman creates or\n"
	"reads when it starts (in the user's name, creating nothing), the storage\n"
	"driver, cgroups, and where the graphroot is. Ends with the commands that\n"
	"fix what failed.\n"
	"\n"
	"Options:\n"
	"      --json               print one JSON document (schema in nfscheck(1))\n"
	"  -u, --user NAME          check user NAME; every file access and the probe\n"
	"                           run as that user (root only). As root without\n"
	"                           it: the user who ran sudo (SUDO_USER) or pkexec\n"
	"                           (PKEXEC_UID); with neither, --user is required\n"
	"                           (--user root checks root's own rootful storage)\n"
	"  -t, --timeout SECONDS    finish within SECONDS even if a server hangs\n"
	"                           (default 15)\n"
	"      --podman-version X.Y model this Podman release instead of the\n"
	"                           installed one\n"
	"      --policy FILE        the site policy whose remedies to print\n"
	"                           (default /etc/nfscheck.conf, when it exists)\n"
	"  -v, --verbose            show the details of every check\n"
	"  -h, --help               show this help and exit\n"
	"\n"
	"Exit status: 0 nothing found that breaks rootless Podman, 1 something will,\n"
	"2 nfscheck could not complete, 64 usage error, 77 --user without root.\n";

/*
 * Root without --user: the person who typed the command is the user who
 * became root through sudo or pkexec, and their rootless Podman is what they
 * want checked; root's own storage is rootful and says nothing about it.
 * Only these two variables name that person: loginuid and utmp name whoever
 * logged in, which under su, ssh or a container is not who asked. Root's
 * environment is root's own, so no more trust is given than root has.
 * The name goes through --user's path (lookup, act in the user's name).
 */
static const char *invoking_user(const char **from)
{
	static char name[256];
	const char *s = getenv("SUDO_USER");
	struct passwd *pw;
	char *end;
	unsigned long uid;

	if (s && *s && strcmp(s, "root") != 0) {
		*from = "SUDO_USER";
		return s;
	}
	s = getenv("PKEXEC_UID");
	if (!s || !*s)
		return NULL;
	errno = 0;
	uid = strtoul(s, &end, 10);
	if (errno || *end || uid == 0 || uid != (uid_t)uid)
		return NULL;
	pw = getpwuid((uid_t)uid);
	if (!pw || strlen(pw->pw_name) >= sizeof(name))
		return NULL;
	snprintf(name, sizeof(name), "%s", pw->pw_name);
	*from = "PKEXEC_UID";
	return name;
}

int cmd_diagnose(int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_PODMAN_VERSION, OPT_POLICY };
	static const struct option opts[] = {
		{"json", no_argument, NULL, OPT_JSON},
		{"user", required_argument, NULL, 'u'},
		{"timeout", required_argument, NULL, 't'},
		{"podman-version", required_argument, NULL, OPT_PODMAN_VERSION},
		{"policy", required_argument, NULL, OPT_POLICY},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct diag_options o = {.timeout_ms = DIAG_DEFAULT_TIMEOUT_MS};
	const char *policy_file = NULL;
	struct policy pol;
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
		case OPT_POLICY:
			policy_file = optarg;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'h':
			fputs(cmd_diagnose_help, stdout);
			return NF_EXIT_OK;
		default:
			return nf_option_error("diagnose", c, argv, opts);
		}
	}
	if (optind < argc)
		return nf_usage_error("diagnose", "diagnose: unexpected argument '%s'", argv[optind]);
	if (!o.user && geteuid() == 0) {
		o.user = invoking_user(&o.user_from);
		if (!o.user)
			return nf_usage_error("diagnose", "diagnose: as root, name the user whose rootless Podman to check: "
					      "nfscheck diagnose --user NAME, or run it as that user "
					      "(--user root checks root's own, rootful, storage; fleet checks every user)");
	}
	/* A broken policy file is never guessed around: FILE:LINE, exit 2. */
	if (policy_load(policy_file ? policy_file : POLICY_FILE, policy_file != NULL, &pol) != 0)
		return NF_EXIT_INCOMPLETE;
	o.policy = pol.file ? &pol : NULL;
	/* Calls that cannot run in-process go to one helper per identity, not
	 * to a child each (fsx.h): each keeps its own deadline. */
	fsx_session(true);
	/* diagnose only looks (its probe makes and removes a scratch
	 * directory of its own, which no walk enters): the directories it
	 * walks stay open for its next walks. */
	lw_cache_enable(true);
	st = diagnose_run(&o);
	lw_cache_enable(false);
	fsx_session(false);
	policy_free(&pol);
	return st;
}
