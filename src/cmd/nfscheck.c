/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "exitcode.h"
#include "msg.h"
#include "outsafe.h"
#include "util.h"

static const struct nf_command commands[] = {
	{"diagnose", cmd_diagnose, "check whether rootless Podman works here, and prove why not", cmd_diagnose_help},
	{"fix", cmd_fix, "move the graphroot, or give the store its own XFS filesystem", cmd_fix_help},
	{"config", cmd_config, "print the effective storage configuration and where it came from", cmd_config_help},
	{"server", cmd_server, "report on an NFS server: versions, lock manager, response", cmd_server_help},
	{"fleet", cmd_fleet, "check every user of this host in one bounded run, for monitoring", cmd_fleet_help},
	{"help", cmd_help, "show the help of a command", cmd_help_help},
};

static const char main_usage[] =
	"Usage: nfscheck [--help] [--version] COMMAND [ARGS]\n"
	"\n"
	"Find out whether rootless Podman can keep its storage on this machine's\n"
	"filesystems, prove it with a real chown in a user namespace, and fix it.\n"
	"\n"
	"Commands:\n";

static const char main_tail[] =
	"\n"
	"Options:\n"
	"  -h, --help     show this help and exit\n"
	"  -V, --version  show the version and exit\n"
	"\n"
	"Exit status:\n"
	"  0   healthy: nothing found that breaks rootless Podman\n"
	"  1   problems found that will break rootless Podman\n"
	"  2   nfscheck could not complete\n"
	"  64  usage error\n"
	"  77  a privilege nfscheck needs is missing\n"
	"\n"
	"Run 'nfscheck help COMMAND' for the options of one command.\n";

static void main_help(FILE *out)
{
	fputs(main_usage, out);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fputs(main_tail, out);
}

const struct nf_command *nf_command_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* The usage error for a word that names no command, with the command it
 * most likely meant. */
static int not_a_command(const char *typed)
{
	const char *names[ARRAY_SIZE(commands)], *close;

	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		names[i] = commands[i].name;
	close = closest_name(typed, names, ARRAY_SIZE(commands));
	if (close)
		return nf_usage_error(NULL, "'%s' is not an nfscheck command; did you mean '%s'?", typed, close);
	return nf_usage_error(NULL, "'%s' is not an nfscheck command", typed);
}

void nf_command_help(const struct nf_command *cmd, FILE *out)
{
	fputs(cmd->help, out);
}

const char cmd_help_help[] =
	"Usage: nfscheck help [COMMAND]\n"
	"\n"
	"Show the help of COMMAND, or the list of commands.\n";

int cmd_help(int argc, char **argv)
{
	const struct nf_command *cmd;

	if (argc < 2) {
		main_help(stdout);
		return NF_EXIT_OK;
	}
	if (argc > 2)
		return nf_usage_error("help", "help: too many arguments");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(cmd_help_help, stdout);
		return NF_EXIT_OK;
	}
	cmd = nf_command_find(argv[1]);
	if (!cmd)
		return not_a_command(argv[1]);
	nf_command_help(cmd, stdout);
	return NF_EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const struct nf_command *cmd;
	int c;

	/* Before anything is printed: user text must not drive root's terminal. */
	out_sanitise_install();
	nf_close_stdout_atexit();
	/* Started with SIGCHLD ignored, no child could be waited for, and
	 * every guarded call would lose its status. */
	signal(SIGCHLD, SIG_DFL);
	opterr = 0;
	/* '+' stops at the command name so its options stay its own. */
	while ((c = getopt_long(argc, argv, "+:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			main_help(stdout);
			return NF_EXIT_OK;
		case 'V':
			printf("nfscheck %s\n", PACKAGE_VERSION);
			return NF_EXIT_OK;
		default:
			return nf_option_error(NULL, c, argv);
		}
	}
	if (optind >= argc) {
		main_help(stderr);
		return NF_EXIT_USAGE;
	}
	cmd = nf_command_find(argv[optind]);
	if (!cmd)
		return not_a_command(argv[optind]);
	argv += optind;
	argc -= optind;
	optind = 0; /* reset getopt for the command's own parser */
	return cmd->run(argc, argv);
}
