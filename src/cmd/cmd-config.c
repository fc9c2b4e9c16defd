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
#include "fsx.h"
#include "localwalk.h"
#include "msg.h"
#include "report.h"
#include "target.h"

const char cmd_config_help[] =
	"Usage: nfscheck config [--json] [--user NAME] [--podman-version X.Y]\n"
	"\n"
	"Print the storage configuration rootless Podman will use -- driver,\n"
	"graphroot, runroot, image stores and the options that matter on network\n"
	"filesystems -- with the file and line, environment variable or default\n"
	"each value comes from, and every problem found while reading. Nothing is\n"
	"created or changed.\n"
	"\n"
	"Options:\n"
	"      --json               print one JSON document (schema in nfscheck(1))\n"
	"  -u, --user NAME          compute it for user NAME, from the passwd entry\n"
	"                           and a clean login environment (root only)\n"
	"      --podman-version X.Y model this Podman release instead of the\n"
	"                           installed one\n"
	"  -h, --help               show this help and exit\n"
	"\n"
	"Exit status: 0 read, 1 Podman would fail or ignore a file, 2 nfscheck could\n"
	"not complete, 64 usage error, 77 --user without root.\n";

int cmd_config(int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_PODMAN_VERSION };
	static const struct option opts[] = {
		{"json", no_argument, NULL, OPT_JSON},
		{"user", required_argument, NULL, 'u'},
		{"podman-version", required_argument, NULL, OPT_PODMAN_VERSION},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct target t;
	struct model m;
	struct model_request req = {0};
	const char *user = NULL;
	bool json = false;
	int c, err, status;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":u:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON:
			json = true;
			break;
		case 'u':
			user = optarg;
			break;
		case OPT_PODMAN_VERSION:
			if (target_check_podman_version("config", optarg) != NF_EXIT_OK)
				return NF_EXIT_USAGE;
			req.podman_version = optarg;
			break;
		case 'h':
			fputs(cmd_config_help, stdout);
			return NF_EXIT_OK;
		default:
			return nf_option_error("config", c, argv, opts);
		}
	}
	if (optind < argc)
		return nf_usage_error("config", "config: unexpected argument '%s'", argv[optind]);
	/* Calls that cannot run in-process go to one helper per identity, not
	 * to a child each (fsx.h): each keeps its own deadline. */
	fsx_session(true);
	status = target_open(&t, user);
	if (status != NF_EXIT_OK) {
		fsx_session(false);
		return status;
	}
	req.env = &t.env;
	req.as = t.as;
	/* config only looks: the directories it walks stay open for its next walks. */
	lw_cache_enable(true);
	err = model_build(&m, &req);
	lw_cache_enable(false);
	fsx_session(false);
	if (err) {
		nf_error("config: cannot work out the configuration: %s", nf_strerror(err));
		target_close(&t);
		return NF_EXIT_INCOMPLETE;
	}
	if (json)
		json_print(json_model(&m));
	else
		report_model_text(stdout, &m);
	status = m.fatal || problem_count(&m.problems, PR_ERROR) ? NF_EXIT_PROBLEMS : NF_EXIT_OK;
	model_free(&m);
	target_close(&t);
	return status;
}
